"""Service guides (办事指南, per matter) and work rules (工作规程, per item): writes and reads
(R-2.1, R-3.2, R-3.4, R-3.5, R-4.1, R-5.4, R-5.7, R-6.1, R-6.2).

Services follow the templates' pattern: keyword-only, policy first, one transaction and exactly
one audit event each. Drafts are edited; publishing creates an immutable `GuideVersion` with the
SM3 digest of its canonical content, refused while a required section is missing (each named) and
while the linter reports blocking findings, unless a Justice Bureau reviewer overrides with a
written reason. Published versions are public (R-3.4); drafts are scoped to agency admins."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chengnuo.accounts.actors import person_of
from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import agency_ids_with_role, is_system_admin
from chengnuo.catalog.constants import ItemStatus
from chengnuo.catalog.models import CertificationItem, Matter
from chengnuo.catalog.selectors import matter_items_in_force
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.digest import digest_json, jsonable
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.core.rules import FieldError, raise_field_errors

from . import guide_defaults, policies
from .constants import CONTENT_SCHEMA, TEXT_LIMIT
from .element_rules import placeholder_problem
from .guide_models import GuideKind, GuideVersion, ServiceGuide, WorkRules
from .services import check_lint_override, item_commitment_errors, lint_texts

Document = ServiceGuide | WorkRules


class Event(models.TextChoices):
    """Audit event codes of guides and work rules (stable strings)."""

    GUIDE_DRAFT_CREATED = "documents.guide_draft_created", _("生成办事指南草稿")
    GUIDE_DRAFT_UPDATED = "documents.guide_draft_updated", _("修改办事指南草稿")
    GUIDE_PUBLISHED = "documents.guide_published", _("发布办事指南")
    WORK_RULES_DRAFT_CREATED = "documents.work_rules_draft_created", _("生成工作规程草稿")
    WORK_RULES_DRAFT_UPDATED = "documents.work_rules_draft_updated", _("修改工作规程草稿")
    WORK_RULES_PUBLISHED = "documents.work_rules_published", _("发布工作规程")
    PUBLISHED_LINT_OVERRIDE = (
        "documents.guide_published_lint_override",
        _("经司法局放行发布办事指南或工作规程"),
    )


# (field, Chinese label as used in refusals); all required for publication.
GUIDE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("conditions", "申请条件"),
    ("materials", "申请材料"),
    ("legal_time_limit_days", "法定办结时限"),
    ("promised_time_limit_days", "承诺办结时限"),
    ("fees", "收费标准"),
    ("where_to_apply", "办理地点"),
    ("how_to_apply", "办理方式"),
    ("withdrawal", "承诺退出"),
    ("credit_repair", "异议处理和信用修复"),
)
WORK_RULES_SECTIONS: tuple[tuple[str, str], ...] = (
    ("steps", "办理步骤"),
    ("verification_plan", "核查计划"),
    ("risk_points", "风险点"),
    ("risk_controls", "防控措施"),
    ("credit_check", "信用核查"),
)
GUIDE_TEXT_FIELDS = (
    "conditions",
    "fees",
    "where_to_apply",
    "how_to_apply",
    "withdrawal",
    "credit_repair",
    "free_text",
)
WORK_RULES_TEXT_FIELDS = (
    "verification_plan",
    "risk_points",
    "risk_controls",
    "credit_check",
    "free_text",
)
GUIDE_DAY_FIELDS = ("legal_time_limit_days", "promised_time_limit_days")
LABELS: dict[str, str] = {
    **dict(GUIDE_SECTIONS),
    **dict(WORK_RULES_SECTIONS),
    "free_text": "其他说明",
}
MAX_MATERIALS = 100
MAX_STEPS = 50
NAME_LIMIT = 200
NOTE_LIMIT = 1000
MAX_DAYS = 3650


# --- rules (pure) ---------------------------------------------------------------------------


def _clean_text(field: str, value: Any, limit: int = TEXT_LIMIT) -> tuple[Any, FieldError | None]:
    label = LABELS.get(field.split("[")[0], field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        return None, FieldError(field, "invalid_type", f"{label}应为文本")
    if "\x00" in value:
        return None, FieldError(field, "invalid_character", f"{label}含有非法字符")
    value = value.strip()
    if len(value) > limit:
        return None, FieldError(field, "too_long", f"{label}不得超过{limit}个字符")
    return value, None


def _clean_days(field: str, value: Any) -> tuple[Any, FieldError | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        return None, FieldError(
            field, "invalid_days", f"{LABELS[field]}应为1至{MAX_DAYS}之间的工作日数"
        )
    return value, None


def clean_materials(
    raw: Any, items: dict[str, CertificationItem]
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """The materials list: plain materials {kind: material, name, note} and proofs {kind: proof,
    item_code, name, note}. A proof's commitment marking and alternative always come from the
    catalog (R-3.5), never from the submitted data; `items` are the matter's in-force items."""
    bad = FieldError("materials", "invalid_materials", f"申请材料应为不超过{MAX_MATERIALS}项的列表")
    if not isinstance(raw, list | tuple) or len(raw) > MAX_MATERIALS:
        return [], [bad]
    errors: list[FieldError] = []
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw, start=1):
        where = f"申请材料第{i}项"
        if isinstance(entry, str):
            entry = {"kind": guide_defaults.MATERIAL, "name": entry}
        if not isinstance(entry, dict):
            errors.append(FieldError("materials", "invalid_materials", f"{where}应为对象"))
            continue
        kind = entry.get("kind", guide_defaults.MATERIAL)
        name, name_error = _clean_text("materials", entry.get("name"), NAME_LIMIT)
        note, note_error = _clean_text("materials", entry.get("note", ""), NOTE_LIMIT)
        if name_error or not name:
            errors.append(
                FieldError(
                    "materials", "invalid_name", f"{where}的名称为必填，不超过{NAME_LIMIT}字"
                )
            )
            continue
        if note_error:
            errors.append(
                FieldError("materials", "invalid_note", f"{where}的说明不超过{NOTE_LIMIT}字")
            )
            continue
        if kind == guide_defaults.MATERIAL:
            clean.append({"kind": kind, "name": name, "note": note})
        elif kind == guide_defaults.PROOF:
            code = entry.get("item_code")
            item = items.get(code) if isinstance(code, str) else None
            if item is None:
                errors.append(
                    FieldError(
                        "materials",
                        "unknown_item",
                        f"{where}不是本事项施行中的证明事项：{code}",
                    )
                )
                continue
            if item.code in seen:
                errors.append(
                    FieldError("materials", "duplicate_item", f"{where}重复列出：{item.name}")
                )
                continue
            seen.add(item.code)
            proof = guide_defaults.proof_entry(item)
            proof.update(name=name, note=note)
            clean.append(proof)
        else:
            errors.append(
                FieldError("materials", "invalid_kind", f"{where}的类型只能取：material、proof")
            )
    return clean, errors


def clean_steps(raw: Any) -> tuple[list[str], list[FieldError]]:
    if not isinstance(raw, list | tuple) or len(raw) > MAX_STEPS:
        return [], [
            FieldError("steps", "invalid_steps", f"办理步骤应为不超过{MAX_STEPS}项的文本列表")
        ]
    clean: list[str] = []
    for i, step in enumerate(raw, start=1):
        text, error = _clean_text("steps", step, NOTE_LIMIT)
        if error:
            return [], [
                FieldError(
                    "steps", "invalid_steps", f"办理步骤第{i}项应为不超过{NOTE_LIMIT}字的文本"
                )
            ]
        if text:
            clean.append(text)
    return clean, []


def _matter_items(matter: Matter) -> dict[str, CertificationItem]:
    return {item.code: item for item in matter_items_in_force(matter)}


def clean_draft_data(document: Document, data: Any) -> tuple[dict[str, Any], list[FieldError]]:
    """Validate a partial update of a draft. Empty is allowed in a draft (publishing checks)."""
    if not isinstance(data, dict):
        return {}, [FieldError("data", "invalid_type", "提交内容应为字段对象")]
    if isinstance(document, ServiceGuide):
        texts: tuple[str, ...] = GUIDE_TEXT_FIELDS
        allowed = {*texts, *GUIDE_DAY_FIELDS, "materials"}
    else:
        texts = WORK_RULES_TEXT_FIELDS
        allowed = {*texts, "steps"}
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for field in sorted(str(f) for f in set(data) - allowed):
        errors.append(FieldError(field or "data", "unknown_field", f"未知字段“{field}”"))
    for field in texts:
        if field in data:
            value, error = _clean_text(field, data[field])
            if error:
                errors.append(error)
            else:
                clean[field] = value
    if isinstance(document, ServiceGuide):
        for field in GUIDE_DAY_FIELDS:
            if field in data:
                value, error = _clean_days(field, data[field])
                if error:
                    errors.append(error)
                else:
                    clean[field] = value
        if "materials" in data:
            materials, material_errors = clean_materials(
                data["materials"], _matter_items(document.matter)
            )
            errors += material_errors
            if not material_errors:
                clean["materials"] = materials
    elif "steps" in data:
        steps, step_errors = clean_steps(data["steps"])
        errors += step_errors
        if not step_errors:
            clean["steps"] = steps
    return clean, errors


def missing_sections(document: Document) -> list[FieldError]:
    """Every required section present and not empty; each missing one named. A guide must also
    list every proof its matter requires, and promise no more days than the law allows."""
    sections = GUIDE_SECTIONS if isinstance(document, ServiceGuide) else WORK_RULES_SECTIONS
    errors: list[FieldError] = []
    for field, label in sections:
        value = getattr(document, field)
        if value is None or value == [] or (isinstance(value, str) and not value.strip()):
            errors.append(FieldError(field, "missing_section", f"缺少必备内容：{label}"))
        elif isinstance(value, str) and (problem := placeholder_problem(field, label, value)):
            errors.append(problem.as_field_error())
    return errors


def guide_consistency_errors(guide: ServiceGuide) -> list[FieldError]:
    errors: list[FieldError] = []
    listed = {m.get("item_code") for m in guide.materials if m.get("kind") == guide_defaults.PROOF}
    absent = [item for code, item in _matter_items(guide.matter).items() if code not in listed]
    if absent:
        names = "、".join(f"{item.name}（{item.code}）" for item in absent)
        errors.append(
            FieldError(
                "materials",
                "missing_proofs",
                f"申请材料未列出本事项所需的证明：{names}",
            )
        )
    legal, promised = guide.legal_time_limit_days, guide.promised_time_limit_days
    if legal and promised and promised > legal:
        errors.append(
            FieldError(
                "promised_time_limit_days",
                "promise_exceeds_law",
                f"承诺办结时限（{promised}个工作日）不得超过法定办结时限（{legal}个工作日）",
            )
        )
    return errors


def raise_missing_sections(errors: list[FieldError]) -> None:
    """One refusal naming every missing section ("缺少必备内容：承诺办结时限、风险点") and every
    section that holds only a placeholder."""
    if errors:
        missing = [e for e in errors if e.code == "missing_section"]
        parts = ["缺少必备内容：" + "、".join(LABELS[e.field] for e in missing)] if missing else []
        parts += [e.message for e in errors if e.code != "missing_section"]
        raise DomainError(
            "missing_sections",
            "；".join(parts),
            field=errors[0].field,
            details=[e.as_dict() for e in errors],
        )


def _refreshed_materials(guide: ServiceGuide) -> list[dict[str, Any]]:
    """The materials with every proof's marking as the catalog says now (R-3.5)."""
    items = _matter_items(guide.matter)
    out: list[dict[str, Any]] = []
    for entry in guide.materials:
        if entry.get("kind") == guide_defaults.PROOF and entry.get("item_code") in items:
            fresh = guide_defaults.proof_entry(items[entry["item_code"]])
            fresh.update(name=entry.get("name") or fresh["name"], note=entry.get("note", ""))
            out.append(fresh)
        elif entry.get("kind") == guide_defaults.MATERIAL:
            out.append(entry)
        # proofs no longer required by the matter (removed from the catalog) are dropped
    return out


def document_content(document: Document) -> dict[str, Any]:
    """The canonical content as it would be published (digested as is)."""
    content: dict[str, Any] = {
        "schema": CONTENT_SCHEMA,
        "kind": str(document.kind),
        "agency": {"id": document.agency_id, "name": document.agency.name},
    }
    if isinstance(document, ServiceGuide):
        matter = document.matter
        content["matter"] = {"code": matter.code, "name": matter.name}
        content["fields"] = {
            **{field: getattr(document, field) for field in GUIDE_TEXT_FIELDS},
            **{field: getattr(document, field) for field in GUIDE_DAY_FIELDS},
        }
        content["materials"] = _refreshed_materials(document)
    else:
        item = document.item
        content["item"] = {"code": item.code, "name": item.name}
        content["fields"] = {field: getattr(document, field) for field in WORK_RULES_TEXT_FIELDS}
        content["steps"] = list(document.steps)
    return jsonable(content)


def content_texts(content: dict[str, Any]) -> list[tuple[str, str]]:
    """(field path, text) of every text of a content, for the linter. The catalog's own marking
    and alternative are fixed wording and not linted."""
    texts = [(f, v) for f, v in content.get("fields", {}).items() if isinstance(v, str) and v]
    for i, entry in enumerate(content.get("materials", [])):
        texts.append((f"materials[{i}].name", entry.get("name", "")))
        if entry.get("note"):
            texts.append((f"materials[{i}].note", entry["note"]))
    for i, step in enumerate(content.get("steps", [])):
        texts.append((f"steps[{i}]", step))
    return texts


def lint_content(content: dict[str, Any]) -> list[dict[str, Any]]:
    """R-3.2: linter findings of every text of a guide or work-rules content."""
    return lint_texts(content_texts(content))


# --- drafts ---------------------------------------------------------------------------------


def _state(document: Document) -> dict[str, Any]:
    if isinstance(document, ServiceGuide):
        fields: tuple[str, ...] = (*GUIDE_TEXT_FIELDS, *GUIDE_DAY_FIELDS, "materials")
    else:
        fields = (*WORK_RULES_TEXT_FIELDS, "steps")
    return {field: getattr(document, field) for field in fields}


def guide_draft_create(*, actor: Actor, matter: Matter) -> ServiceGuide:
    """Create the service guide draft of a matter from the catalog's defaults."""
    if not policies.can_edit_templates(actor, matter.agency_id):
        raise PermissionDenied("只有本机关的部门管理员可以制作办事指南")
    with transaction.atomic():
        locked = Matter.objects.select_for_update().select_related("agency").get(pk=matter.pk)
        if ServiceGuide.objects.filter(matter=locked).exists():
            raise Conflict("guide_exists", "该事项已有办事指南草稿", field="matter")
        items = matter_items_in_force(locked)
        guide = ServiceGuide(
            matter=locked,
            agency_id=locked.agency_id,
            **guide_defaults.guide_defaults(locked, items),
        )
        guide.full_clean()
        guide.save()
        spine.record(
            actor,
            Event.GUIDE_DRAFT_CREATED,
            guide,
            None,
            {"matter_code": locked.code, **_state(guide)},
        )
    return guide


def work_rules_draft_create(*, actor: Actor, item: CertificationItem) -> WorkRules:
    """Create the work rules draft of an item under commitment from the catalog's defaults."""
    if not policies.can_edit_templates(actor, item.agency_id):
        raise PermissionDenied("只有本机关的部门管理员可以制作工作规程")
    raise_field_errors(item_commitment_errors(item))
    with transaction.atomic():
        locked = CertificationItem.objects.select_for_update().get(pk=item.pk)
        if WorkRules.objects.filter(item=locked).exists():
            raise Conflict("work_rules_exist", "该证明事项已有工作规程草稿", field="item")
        rules = WorkRules(
            item=locked, agency_id=locked.agency_id, **guide_defaults.work_rules_defaults(locked)
        )
        rules.full_clean()
        rules.save()
        spine.record(
            actor,
            Event.WORK_RULES_DRAFT_CREATED,
            rules,
            None,
            {"item_code": locked.code, **_state(rules)},
        )
    return rules


def _lock(document: Document) -> Document:
    if isinstance(document, ServiceGuide):
        return (
            ServiceGuide.objects.select_for_update()
            .select_related("matter", "agency")
            .get(pk=document.pk)
        )
    return (
        WorkRules.objects.select_for_update().select_related("item", "agency").get(pk=document.pk)
    )


def _draft_update(*, actor: Actor, document: Document, data: Any, event: str) -> Any:
    if not policies.can_edit_templates(actor, document.agency_id):
        raise NotFound()
    clean, errors = clean_draft_data(document, data)
    raise_field_errors(errors)
    with transaction.atomic():
        locked = _lock(document)
        before = _state(locked)
        for field, value in clean.items():
            setattr(locked, field, value)
        locked.full_clean()
        locked.save(update_fields=[*clean, "updated_at"])
        spine.record(actor, event, locked, before, _state(locked))
    return locked


def guide_draft_update(*, actor: Actor, guide: ServiceGuide, data: dict[str, Any]) -> ServiceGuide:
    """Edit a guide draft (partial: only the fields given). Published versions are untouched."""
    return _draft_update(actor=actor, document=guide, data=data, event=Event.GUIDE_DRAFT_UPDATED)


def work_rules_draft_update(*, actor: Actor, rules: WorkRules, data: dict[str, Any]) -> WorkRules:
    """Edit a work rules draft (partial). Published versions are untouched."""
    return _draft_update(
        actor=actor, document=rules, data=data, event=Event.WORK_RULES_DRAFT_UPDATED
    )


# --- publishing -----------------------------------------------------------------------------


def _publish(*, actor: Actor, document: Document, override_reason: str) -> GuideVersion:
    if not policies.can_publish_templates(actor, document.agency_id):
        raise NotFound()
    if not isinstance(override_reason, str) or "\x00" in override_reason:
        raise DomainError("invalid_reason", "放行理由应为文本", field="override_reason")
    override_reason = override_reason.strip()
    with transaction.atomic():
        locked = _lock(document)
        is_guide = isinstance(locked, ServiceGuide)
        if isinstance(locked, WorkRules):
            raise_field_errors(item_commitment_errors(locked.item))
        raise_missing_sections(missing_sections(locked))
        if isinstance(locked, ServiceGuide):
            raise_field_errors(guide_consistency_errors(locked))
        content = document_content(locked)
        findings = lint_content(content)
        blocking = [f for f in findings if f["severity"] == "blocking"]
        overridden = False
        if blocking:
            check_lint_override(actor, locked.agency_id, blocking, override_reason, LABELS)
            overridden = True
        kind = str(locked.kind)
        previous = GuideVersion.objects.filter(
            guide=locked if isinstance(locked, ServiceGuide) else None,
            work_rules=locked if isinstance(locked, WorkRules) else None,
        )
        last = previous.aggregate(n=Max("number"))["n"]
        version = GuideVersion(
            kind=kind,
            guide=locked if isinstance(locked, ServiceGuide) else None,
            work_rules=locked if isinstance(locked, WorkRules) else None,
            matter=locked.matter if isinstance(locked, ServiceGuide) else None,
            item=locked.item if isinstance(locked, WorkRules) else None,
            agency_id=locked.agency_id,
            number=(last or 0) + 1,
            content=content,
            digest=digest_json(content),
            published_at=timezone.now(),
            published_by=person_of(actor),
            lint_findings=jsonable(findings),
            lint_override_reason=override_reason if overridden else "",
            lint_overridden_by=person_of(actor) if overridden else None,
        )
        version.full_clean()
        version.save(force_insert=True)
        if overridden:
            event = Event.PUBLISHED_LINT_OVERRIDE
        else:
            event = Event.GUIDE_PUBLISHED if is_guide else Event.WORK_RULES_PUBLISHED
        spine.record(
            actor,
            event,
            version,
            None,
            {
                "kind": kind,
                "code": content["matter" if is_guide else "item"]["code"],
                "number": version.number,
                "digest": version.digest,
                "blocking_findings": blocking,
                "override_reason": version.lint_override_reason,
            },
        )
    return version


def guide_publish(*, actor: Actor, guide: ServiceGuide, override_reason: str = "") -> GuideVersion:
    """Publish the guide draft as the next immutable version (R-3.4, R-3.5)."""
    return _publish(actor=actor, document=guide, override_reason=override_reason)


def work_rules_publish(
    *, actor: Actor, rules: WorkRules, override_reason: str = ""
) -> GuideVersion:
    """Publish the work rules draft as the next immutable version (R-3.4, R-6.1)."""
    return _publish(actor=actor, document=rules, override_reason=override_reason)


# --- selectors: public ----------------------------------------------------------------------


def _latest(qs: QuerySet[GuideVersion]) -> QuerySet[GuideVersion]:
    newer = GuideVersion.objects.filter(number__gt=OuterRef("number")).filter(
        Q(guide_id=OuterRef("guide_id")) | Q(work_rules_id=OuterRef("work_rules_id"))
    )
    return qs.exclude(Exists(newer))


def public_latest_guide_versions(
    *, agency_id: int | None = None, matter_id: int | None = None, kind: str = ""
) -> QuerySet[GuideVersion]:
    """The latest published guide of each matter and work rules of each item in force under
    commitment, listed per agency or per matter, with `number` and `published_at` (R-3.4)."""
    qs = _latest(GuideVersion.objects.select_related("matter", "item", "agency")).filter(
        Q(kind=GuideKind.GUIDE)
        | Q(
            kind=GuideKind.WORK_RULES,
            item__status=ItemStatus.IN_FORCE,
            item__under_commitment=True,
        )
    )
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if matter_id:
        qs = qs.filter(Q(matter_id=matter_id) | Q(item__matters__id=matter_id)).distinct()
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("agency_id", "kind", "matter__code", "item__code")


def public_latest_guide(matter: Matter) -> GuideVersion | None:
    return (
        GuideVersion.objects.select_related("matter", "agency")
        .filter(kind=GuideKind.GUIDE, matter=matter)
        .order_by("-number")
        .first()
    )


def public_latest_work_rules(item: CertificationItem) -> GuideVersion | None:
    return (
        GuideVersion.objects.select_related("item", "agency")
        .filter(kind=GuideKind.WORK_RULES, item=item)
        .order_by("-number")
        .first()
    )


def public_guide_version_get(pk: int) -> GuideVersion:
    version = GuideVersion.objects.select_related("matter", "item", "agency").filter(pk=pk).first()
    if version is None:
        raise NotFound()
    return version


# --- selectors: drafts (agency admins) ------------------------------------------------------


def _draft_agency_ids(actor: Actor) -> set[int] | None:
    if is_system_admin(actor):
        return None
    return agency_ids_with_role(actor, Role.AGENCY_ADMIN)


def guide_drafts_for(actor: Actor) -> QuerySet[ServiceGuide]:
    qs = ServiceGuide.objects.select_related("matter", "agency")
    ids = _draft_agency_ids(actor)
    return qs if ids is None else qs.filter(agency_id__in=ids)


def work_rules_drafts_for(actor: Actor) -> QuerySet[WorkRules]:
    qs = WorkRules.objects.select_related("item", "agency")
    ids = _draft_agency_ids(actor)
    return qs if ids is None else qs.filter(agency_id__in=ids)


def guide_draft_get_for(actor: Actor, matter: Matter) -> ServiceGuide:
    guide = guide_drafts_for(actor).filter(matter=matter).first()
    if guide is None:
        raise NotFound()
    return guide


def work_rules_draft_get_for(actor: Actor, item: CertificationItem) -> WorkRules:
    rules = work_rules_drafts_for(actor).filter(item=item).first()
    if rules is None:
        raise NotFound()
    return rules


def matters_without_guide(actor: Actor) -> QuerySet[Matter]:
    qs = Matter.objects.filter(service_guide__isnull=True)
    ids = _draft_agency_ids(actor)
    if ids is not None:
        qs = qs.filter(agency_id__in=ids)
    return qs.select_related("agency").order_by("agency_id", "code")


def items_without_work_rules(actor: Actor) -> QuerySet[CertificationItem]:
    qs = CertificationItem.objects.filter(
        status=ItemStatus.IN_FORCE, under_commitment=True, work_rules__isnull=True
    )
    ids = _draft_agency_ids(actor)
    if ids is not None:
        qs = qs.filter(agency_id__in=ids)
    return qs.select_related("agency").order_by("agency_id", "code")

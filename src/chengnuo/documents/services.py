"""Every write to notification and commitment templates (R-3.1, R-3.2, R-3.3).

Keyword-only, policy first, one transaction and exactly one audit event each. Drafts are edited;
publishing creates an immutable `TemplateVersion` with the SM3 digest of its canonical content."""

from __future__ import annotations

import copy
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.catalog.constants import ItemStatus
from chengnuo.catalog.models import CertificationItem
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.digest import digest_json, jsonable
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.core.rules import FieldError, raise_field_errors

from . import defaults, policies
from .constants import (
    COMMITMENT_DECLARATIONS,
    COMMITMENT_TEXT_FIELDS,
    CONTENT_SCHEMA,
    FACT_LABEL_LIMIT,
    FACTS_LABEL,
    FIELD_LABELS,
    MATTER_NAME_LIMIT,
    MAX_FACTS,
    MIN_OVERRIDE_REASON,
    NOTIFICATION_ELEMENTS,
    NOTIFICATION_TEXT_FIELDS,
    TEXT_LIMIT,
    Event,
    FactType,
    TemplateKind,
)
from .element_rules import element_problems, elements_problems
from .models import CommitmentTemplate, NotificationTemplate, TemplateVersion

Template = NotificationTemplate | CommitmentTemplate

FACT_KEY_RE = re.compile(r"\A[a-z][a-z0-9_]{0,39}\Z")
FACT_KEYS = {"key", "label", "type", "required", "source_field", "choices"}


# --- rules (pure) ---------------------------------------------------------------------------


def item_commitment_errors(item: CertificationItem) -> list[FieldError]:
    """Only items in force under commitment get a notification and a commitment (R-1.3, R-3.1)."""
    if item.status != ItemStatus.IN_FORCE or not item.under_commitment:
        return [
            FieldError(
                "item",
                "not_under_commitment",
                f"证明事项“{item.name}”（{item.code}）未实行告知承诺制，不能制作告知书和承诺书",
            )
        ]
    return []


def text_fields_of(template: Template) -> tuple[str, ...]:
    if isinstance(template, NotificationTemplate):
        return NOTIFICATION_TEXT_FIELDS
    return COMMITMENT_TEXT_FIELDS


def _clean_text(field: str, value: Any) -> tuple[str | None, FieldError | None]:
    label = FIELD_LABELS[field]
    limit = MATTER_NAME_LIMIT if field == "matter_name" else TEXT_LIMIT
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


def clean_facts(raw: Any) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """The named facts of a commitment: [{key, label, type, required, source_field, choices}]."""
    bad = FieldError(
        "facts",
        "invalid_facts",
        f"{FACTS_LABEL}应为不超过{MAX_FACTS}项的列表，每项含键名key（小写字母开头，"
        "字母数字下划线）、名称label、类型type（text、date、number、choice）",
    )
    if not isinstance(raw, list | tuple) or len(raw) > MAX_FACTS:
        return [], [bad]
    errors: list[FieldError] = []
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, fact in enumerate(raw, start=1):
        where = f"{FACTS_LABEL}第{i}项"
        if not isinstance(fact, dict):
            errors.append(FieldError("facts", "invalid_facts", f"{where}应为对象"))
            continue
        unknown = sorted(str(k) for k in set(fact) - FACT_KEYS)
        if unknown:
            errors.append(
                FieldError("facts", "unknown_field", f"{where}含未知字段：{'、'.join(unknown)}")
            )
        key, label = fact.get("key"), fact.get("label")
        kind, source = fact.get("type", FactType.TEXT), fact.get("source_field", "")
        required = fact.get("required", True)
        if not isinstance(key, str) or not FACT_KEY_RE.match(key):
            errors.append(
                FieldError(
                    "facts", "invalid_key", f"{where}的键名应为小写字母开头的字母、数字或下划线"
                )
            )
        elif key in seen:
            errors.append(FieldError("facts", "duplicate_key", f"{where}的键名“{key}”重复"))
        else:
            seen.add(key)
        if (
            not isinstance(label, str)
            or not label.strip()
            or len(label) > FACT_LABEL_LIMIT
            or "\x00" in label
        ):
            errors.append(
                FieldError(
                    "facts", "invalid_label", f"{where}的名称为必填，不超过{FACT_LABEL_LIMIT}字"
                )
            )
        if kind not in FactType.values:
            errors.append(
                FieldError(
                    "facts", "invalid_type", f"{where}的类型只能取：text、date、number、choice"
                )
            )
        if not isinstance(required, bool):
            errors.append(FieldError("facts", "invalid_required", f"{where}的required应为布尔值"))
        if source is None:
            source = ""
        if not isinstance(source, str) or len(source) > 100 or "\x00" in source:
            errors.append(
                FieldError("facts", "invalid_source", f"{where}的共享数据字段应为不超过100字的文本")
            )
        choices = fact.get("choices", [])
        if kind == FactType.CHOICE and (
            not isinstance(choices, list)
            or not choices
            or not all(
                isinstance(c, str) and c.strip() and len(c) <= 200 and "\x00" not in c
                for c in choices
            )
        ):
            errors.append(
                FieldError("facts", "invalid_choices", f"{where}为选项类型，应列出可选值")
            )
        if errors:
            continue
        entry: dict[str, Any] = {
            "key": key,
            "label": str(label).strip(),
            "type": kind,
            "required": required,
            "source_field": str(source).strip(),
        }
        if kind == FactType.CHOICE:
            entry["choices"] = [c.strip() for c in choices]
        clean.append(entry)
    return clean, errors


def clean_draft_data(template: Template, data: Any) -> tuple[dict[str, Any], list[FieldError]]:
    """Validate a partial update of a draft: types, lengths, NUL refused. Empty is allowed in a
    draft (publishing checks completeness)."""
    if not isinstance(data, dict):
        return {}, [FieldError("data", "invalid_type", "提交内容应为字段对象")]
    allowed = set(text_fields_of(template))
    if isinstance(template, CommitmentTemplate):
        allowed.add("facts")
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for field in sorted(str(f) for f in set(data) - allowed):
        errors.append(FieldError(field or "data", "unknown_field", f"未知字段“{field}”"))
    for field in text_fields_of(template):
        if field in data:
            value, error = _clean_text(field, data[field])
            if error:
                errors.append(error)
            else:
                clean[field] = value
    if "facts" in data and "facts" in allowed:
        facts, fact_errors = clean_facts(data["facts"])
        errors += fact_errors
        if not fact_errors:
            clean["facts"] = facts
    return clean, errors


def missing_elements(template: Template) -> list[FieldError]:
    """R-3.1 / R-3.3: every required element present and carrying real content (the rules of
    `element_rules`: no placeholder, nothing deferred elsewhere, long enough, naming what the
    element must name); each problem named with its element."""
    elements = (
        NOTIFICATION_ELEMENTS
        if isinstance(template, NotificationTemplate)
        else COMMITMENT_DECLARATIONS
    )
    fields = tuple(field for field, _label in elements)
    values = {field: getattr(template, field) for field in fields}
    errors = [p.as_field_error() for p in elements_problems(values, fields)]
    if isinstance(template, CommitmentTemplate) and not template.facts:
        errors.append(FieldError("facts", "missing_element", f"缺少必备要素：{FACTS_LABEL}"))
    return errors


def raise_missing_elements(errors: list[FieldError]) -> None:
    """One refusal naming every element that is missing ("缺少必备要素：设定依据、不实承诺的刑事
    责任", code missing_elements) or says nothing real (code element_content), and why."""
    if not errors:
        return
    missing = [e for e in errors if e.code == "missing_element"]
    content = [e for e in errors if e.code != "missing_element"]
    parts = []
    if missing:
        parts.append("缺少必备要素：" + "、".join(FIELD_LABELS[e.field] for e in missing))
    parts += [e.message for e in content]
    raise DomainError(
        "missing_elements" if missing else "element_content",
        "；".join(parts),
        field=errors[0].field,
        details=[e.as_dict() for e in errors],
    )


def element_problems_of(field: str, text: str) -> list[dict[str, str]]:
    """The element rules' problems of one field's text, for the editor (inline, like the
    linter's findings)."""
    return [p.as_field_error().as_dict() for p in element_problems(field, text)]


def template_content(template: Template) -> dict[str, Any]:
    """The canonical content of a template as it would be published (digested as is)."""
    item = template.item
    content: dict[str, Any] = {
        "schema": CONTENT_SCHEMA,
        "kind": str(template.kind),
        "item": {"code": item.code, "name": item.name},
        "agency": {"id": template.agency_id, "name": template.agency.name},
        "fields": {field: getattr(template, field) for field in text_fields_of(template)},
    }
    if isinstance(template, CommitmentTemplate):
        content["facts"] = template.facts
    return jsonable(content)


def content_texts(content: dict[str, Any]) -> list[tuple[str, str]]:
    """(field path, text) of every text of a content, for the linter."""
    texts = [(f, v) for f, v in content.get("fields", {}).items() if isinstance(v, str) and v]
    for i, fact in enumerate(content.get("facts", [])):
        texts.append((f"facts[{i}].label", fact.get("label", "")))
    return texts


def finding_dict(field: str, finding: Any) -> dict[str, Any]:
    return {
        "field": field,
        "start": finding.start,
        "end": finding.end,
        "phrase": finding.phrase,
        "rule_id": finding.rule_id,
        "category": finding.category,
        "severity": finding.severity,
        "reason": finding.reason,
        "suggestion": finding.suggestion,
    }


def lint_texts(texts: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """R-3.2: linter findings of (field, text) pairs, each with its field."""
    from .linter import lint  # the linter is its own module (rules are data)

    return [finding_dict(field, finding) for field, text in texts for finding in lint(text)]


def lint_content(content: dict[str, Any]) -> list[dict[str, Any]]:
    """R-3.2: linter findings of every text of a template's content."""
    return lint_texts(content_texts(content))


# --- drafts ---------------------------------------------------------------------------------


def _state(template: Template) -> dict[str, Any]:
    state = {field: getattr(template, field) for field in text_fields_of(template)}
    if isinstance(template, CommitmentTemplate):
        state["facts"] = template.facts
    return state


def template_draft_create(
    *, actor: Actor, item: CertificationItem
) -> tuple[NotificationTemplate, CommitmentTemplate]:
    """Create both drafts of an item under commitment from the catalog entry's defaults."""
    if not policies.can_edit_templates(actor, item.agency_id):
        raise PermissionDenied("只有本机关的部门管理员可以制作告知书和承诺书")
    raise_field_errors(item_commitment_errors(item))
    with transaction.atomic():
        locked = CertificationItem.objects.select_for_update().get(pk=item.pk)
        if NotificationTemplate.objects.filter(item=locked).exists():
            raise Conflict("template_exists", "该证明事项已有告知书和承诺书草稿", field="item")
        notification = NotificationTemplate(
            item=locked, agency_id=locked.agency_id, **defaults.notification_defaults(locked)
        )
        notification.full_clean()
        notification.save()
        commitment = CommitmentTemplate(
            item=locked, agency_id=locked.agency_id, **defaults.commitment_defaults(locked)
        )
        commitment.full_clean()
        commitment.save()
        spine.record(
            actor,
            Event.DRAFTS_CREATED,
            notification,
            None,
            {
                "item_code": locked.code,
                "notification": _state(notification),
                "commitment": _state(commitment),
            },
        )
    return notification, commitment


def _lock(template: Template) -> Template:
    model = type(template)
    return model.objects.select_for_update().select_related("item", "agency").get(pk=template.pk)


def template_draft_update(*, actor: Actor, template: Template, data: dict[str, Any]) -> Template:
    """Edit a draft (partial: only the fields given). Published versions are untouched."""
    if not policies.can_edit_templates(actor, template.agency_id):
        raise NotFound()
    clean, errors = clean_draft_data(template, data)
    raise_field_errors(errors)
    with transaction.atomic():
        locked = _lock(template)
        before = _state(locked)
        for field, value in clean.items():
            setattr(locked, field, value)
        locked.full_clean()
        locked.save(update_fields=[*clean, "updated_at"])
        spine.record(actor, Event.DRAFT_UPDATED, locked, before, _state(locked))
    return locked


# --- publishing -----------------------------------------------------------------------------


def template_publish(
    *, actor: Actor, template: Template, override_reason: str = ""
) -> TemplateVersion:
    """Publish the draft as the next immutable version (R-3.1, R-3.2, R-3.3).

    Refused while any required element is missing (each named), and while the linter reports
    blocking findings unless a Justice Bureau reviewer overseeing the agency overrides with a
    written reason (audited)."""
    if not policies.can_publish_templates(actor, template.agency_id):
        raise NotFound()
    if not isinstance(override_reason, str) or "\x00" in override_reason:
        raise DomainError("invalid_reason", "放行理由应为文本", field="override_reason")
    override_reason = override_reason.strip()
    with transaction.atomic():
        locked = _lock(template)
        raise_field_errors(item_commitment_errors(locked.item))
        raise_missing_elements(missing_elements(locked))
        content = template_content(locked)
        findings = lint_content(content)
        blocking = [f for f in findings if f["severity"] == "blocking"]
        overridden = False
        if blocking:
            check_lint_override(actor, locked.agency_id, blocking, override_reason)
            overridden = True
        elif override_reason:
            override_reason = ""  # nothing to override
        kind = str(locked.kind)
        last = TemplateVersion.objects.filter(item_id=locked.item_id, kind=kind).aggregate(
            n=Max("number")
        )["n"]
        version = TemplateVersion(
            kind=kind,
            notification=locked if isinstance(locked, NotificationTemplate) else None,
            commitment=locked if isinstance(locked, CommitmentTemplate) else None,
            item_id=locked.item_id,
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
        spine.record(
            actor,
            Event.PUBLISHED_LINT_OVERRIDE if overridden else Event.PUBLISHED,
            version,
            None,
            {
                "kind": kind,
                "item_code": locked.item.code,
                "number": version.number,
                "digest": version.digest,
                "blocking_findings": blocking,
                "override_reason": version.lint_override_reason,
            },
        )
    return version


def blocking_message(blocking: list[dict[str, Any]], labels: dict[str, str] | None = None) -> str:
    """One Chinese sentence naming the blocking findings (R-3.2), shared with guides."""
    labels = FIELD_LABELS if labels is None else labels

    def where(field: str) -> str:
        return labels.get(field.split("[")[0], field)

    shown = "；".join(
        f"{where(f['field'])}中的“{f['phrase']}”：{f['reason']}" for f in blocking[:10]
    )
    more = f"（另有{len(blocking) - 10}处）" if len(blocking) > 10 else ""
    return f"文本存在{len(blocking)}处阻断性问题：{shown}{more}"


def check_lint_override(
    actor: Actor,
    agency_id: int,
    blocking: list[dict[str, Any]],
    reason: str,
    labels: dict[str, str] | None = None,
) -> None:
    """Blocking findings stop publication unless a Justice Bureau reviewer overseeing the
    agency gives a written reason (R-3.2). Shared by templates, guides and work rules."""
    details = [
        {
            "field": f["field"],
            "code": "lint_blocking",
            "message": f"“{f['phrase']}”：{f['reason']}",
            "phrase": f["phrase"],
            "start": f["start"],
            "end": f["end"],
            "suggestion": f["suggestion"],
        }
        for f in blocking
    ]
    message = blocking_message(blocking, labels)
    if not policies.can_override_lint(actor, agency_id):
        suffix = "；请修改后发布，或由司法局审核人员书面说明理由后放行" if reason else ""
        raise DomainError("lint_blocking", message + suffix, details=details)
    if len(reason) < MIN_OVERRIDE_REASON:
        raise DomainError(
            "override_reason_required",
            f"{message}；司法局审核人员放行须书面说明理由（不少于{MIN_OVERRIDE_REASON}个字）",
            field="override_reason",
            details=details,
        )
    if len(reason) > TEXT_LIMIT:
        raise DomainError(
            "too_long", f"放行理由不得超过{TEXT_LIMIT}个字符", field="override_reason"
        )


# --- filling for a case (used by a later issue) ---------------------------------------------


def _fact_value(fact: dict[str, Any], value: Any) -> tuple[Any, str | None]:
    kind, label = fact["type"], fact["label"]
    if kind == FactType.DATE:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat(), None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value).isoformat(), None
            except ValueError:
                pass
        return None, f"“{label}”应为日期"
    if kind == FactType.NUMBER:
        if isinstance(value, bool):
            return None, f"“{label}”应为数字"
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return None, f"“{label}”应为数字"
        if not number.is_finite():
            return None, f"“{label}”应为数字"
        return str(number), None
    if not isinstance(value, str) or "\x00" in value or len(value) > TEXT_LIMIT:
        return None, f"“{label}”应为文本"
    if kind == FactType.CHOICE and value not in fact.get("choices", []):
        return None, f"“{label}”只能取：{'、'.join(fact.get('choices', []))}"
    return value.strip(), None


def version_content_for_case(version: TemplateVersion, *, facts: dict[str, Any]) -> dict[str, Any]:
    """The version's content with the case's facts filled in (commitment) — a copy; the version
    and its digest are unchanged. Required facts must be given; unknown keys are refused."""
    content = copy.deepcopy(version.content)
    if version.kind != TemplateKind.COMMITMENT:
        return content
    if not isinstance(facts, dict):
        raise DomainError("invalid_facts", "承诺事实应为键值对象", field="facts")
    declared = {f["key"]: f for f in content.get("facts", [])}
    errors: list[FieldError] = []
    for key in sorted(str(k) for k in set(facts) - set(declared)):
        errors.append(FieldError(f"facts.{key}", "unknown_fact", f"未知的承诺事实“{key}”"))
    for fact in content.get("facts", []):
        value = facts.get(fact["key"])
        if value is None or value == "":
            if fact.get("required"):
                errors.append(
                    FieldError(
                        f"facts.{fact['key']}", "missing_fact", f"缺少承诺事实：{fact['label']}"
                    )
                )
            fact["value"] = None
            continue
        clean, problem = _fact_value(fact, value)
        if problem:
            errors.append(FieldError(f"facts.{fact['key']}", "invalid_fact", problem))
        fact["value"] = clean
    raise_field_errors(errors)
    content["version"] = {"number": version.number, "digest": version.digest}
    return content

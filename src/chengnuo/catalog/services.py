"""Every write to the catalog (R-1.3, R-7.1, R-7.2). One transaction and one audit event each."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.agencies.models import Agency
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.digest import digest_json, jsonable
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.rules import raise_field_errors

from . import policies
from .constants import ChangeAction, Event, ItemStatus, MatterType, ProposalStatus
from .models import CatalogVersion, CertificationItem, ChangeProposal, Matter, ProposalRevision
from .rules import FieldError, clean_item_payload, item_snapshot_fields

CODE_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,39}\Z")


def _bad_text(value: Any, limit: int = 4000, minimum: int = 1) -> bool:
    """Not a usable text: not a string, too short or long, or holding NUL (PostgreSQL)."""
    return (
        not isinstance(value, str)
        or len(value.strip()) < minimum
        or len(value) > limit
        or "\x00" in value
    )


def today() -> date:
    return timezone.localdate()


# --- matters --------------------------------------------------------------------------------


def _clean_matter(data: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for field, label, limit in (("name", "事项名称", 200), ("legal_basis", "设定依据", 4000)):
        value = data.get(field)
        if not isinstance(value, str) or not value.strip():
            errors.append(FieldError(field, "required", f"{label}为必填项"))
        elif len(value.strip()) > limit or "\x00" in value:
            errors.append(
                FieldError(field, "too_long", f"{label}不得超过{limit}个字符且不含非法字符")
            )
        else:
            clean[field] = value.strip()
    matter_type = data.get("matter_type")
    if matter_type not in MatterType.values:
        allowed = "、".join(str(c.label) for c in MatterType)
        errors.append(FieldError("matter_type", "invalid_choice", f"事项类型只能取：{allowed}"))
    else:
        clean["matter_type"] = matter_type
    materials = data.get("materials", [])
    if isinstance(materials, str):
        materials = [m.strip() for m in materials.splitlines() if m.strip()]
    if not isinstance(materials, list | tuple) or not all(
        isinstance(m, str) and 0 < len(m.strip()) <= 200 and "\x00" not in m for m in materials
    ):
        errors.append(
            FieldError("materials", "invalid_type", "申请材料应为每项不超过200字的名称列表")
        )
    else:
        clean["materials"] = [m.strip() for m in materials]
    return clean, errors


def _matter_code_errors(code: Any) -> list[FieldError]:
    if not isinstance(code, str) or not CODE_RE.match(code):
        return [
            FieldError("code", "invalid_code", "事项编码应为1至40位字母、数字、点、横线或下划线")
        ]
    if Matter.objects.filter(code=code).exists():
        return [FieldError("code", "duplicate_code", f"事项编码“{code}”已存在")]
    return []


def _matter_state(matter: Matter) -> dict[str, Any]:
    return {
        "code": matter.code,
        "name": matter.name,
        "matter_type": matter.matter_type,
        "legal_basis": matter.legal_basis,
        "materials": matter.materials,
        "agency_id": matter.agency_id,
    }


def matter_create(*, actor: Actor, agency: Agency, data: dict[str, Any]) -> Matter:
    if not policies.can_manage_catalog(actor, agency.pk):
        raise PermissionDenied("只有本机关的部门管理员可以维护事项")
    clean, errors = _clean_matter(data)
    code = data.get("code")
    errors = _matter_code_errors(code) + errors
    raise_field_errors(errors)
    assert isinstance(code, str)
    with transaction.atomic():
        matter = Matter.objects.create(agency=agency, code=code, **clean)
        spine.record(actor, Event.MATTER_CREATED, matter, None, _matter_state(matter))
    return matter


def matter_update(*, actor: Actor, matter: Matter, data: dict[str, Any]) -> Matter:
    if not policies.can_manage_catalog(actor, matter.agency_id):
        raise NotFound()
    clean, errors = _clean_matter(data)
    raise_field_errors(errors)
    with transaction.atomic():
        locked = Matter.objects.select_for_update().get(pk=matter.pk)
        before = _matter_state(locked)
        for field, value in clean.items():
            setattr(locked, field, value)
        locked.save(update_fields=[*clean, "updated_at"])
        spine.record(actor, Event.MATTER_UPDATED, locked, before, _matter_state(locked))
    return locked


# --- proposals ------------------------------------------------------------------------------


def _proposal_state(p: ChangeProposal) -> dict[str, Any]:
    return {
        "action": p.action,
        "item_code": p.item_code,
        "status": p.status,
        "effective_date": p.effective_date,
        "reason": p.reason,
        "law_change": p.law_change,
        "review_comment": p.review_comment,
        "payload": p.payload,
    }


def _check_matters(agency: Agency, codes: list[str]) -> list[FieldError]:
    found = set(Matter.objects.filter(agency=agency, code__in=codes).values_list("code", flat=True))
    missing = [c for c in codes if c not in found]
    if missing:
        return [
            FieldError(
                "matter_codes",
                "unknown_matter",
                f"本机关没有以下事项编码：{'、'.join(missing)}",
            )
        ]
    return []


def validate_proposal(
    *,
    agency: Agency,
    action: str,
    item_code: str,
    payload: dict[str, Any] | None,
    reason: str,
    law_change: str,
    effective_date: Any,
    on: date | None = None,
    pending_codes: set[str] | None = None,
    ignore_proposal_id: int | None = None,
) -> tuple[dict[str, Any], CertificationItem | None, list[FieldError]]:
    """All rules of a proposal, without writing. Used by submit, import and filing."""
    errors: list[FieldError] = []
    on = on or today()
    if action not in ChangeAction.values:
        errors.append(FieldError("action", "invalid_choice", "调整类型只能取：新增、调整、取消"))
    if _bad_text(reason):
        errors.append(FieldError("reason", "required", "必须说明调整理由（不超过4000字）"))
    if _bad_text(law_change):
        errors.append(
            FieldError("law_change", "required", "必须写明所依据的法律、法规、规章或决定的变化")
        )
    if not isinstance(effective_date, date) or isinstance(effective_date, datetime):
        errors.append(FieldError("effective_date", "invalid_date", "拟生效日期应为有效日期"))
    elif effective_date < on:
        errors.append(FieldError("effective_date", "past_date", "拟生效日期不得早于今天"))
    if not isinstance(item_code, str) or not CODE_RE.match(item_code):
        errors.append(
            FieldError(
                "item_code", "invalid_code", "证明事项编码应为1至40位字母、数字、点、横线或下划线"
            )
        )
        return {}, None, errors
    item = CertificationItem.objects.filter(code=item_code).first()
    clean: dict[str, Any] = {}
    if action == ChangeAction.ADD:
        if item is not None or (pending_codes and item_code in pending_codes):
            errors.append(
                FieldError("item_code", "duplicate_code", f"证明事项编码“{item_code}”已存在")
            )
        elif (
            ChangeProposal.objects.filter(
                item_code=item_code,
                action=ChangeAction.ADD,
                status__in=[ProposalStatus.SUBMITTED, ProposalStatus.FILED],
            )
            .exclude(pk=ignore_proposal_id or 0)
            .exists()
        ):
            errors.append(
                FieldError(
                    "item_code", "duplicate_code", f"已有待处理的新增申报使用编码“{item_code}”"
                )
            )
    elif action in (ChangeAction.AMEND, ChangeAction.REMOVE):
        if item is None or item.agency_id != agency.pk:
            errors.append(
                FieldError("item_code", "unknown_item", f"本机关没有证明事项“{item_code}”")
            )
        elif item.status != ItemStatus.IN_FORCE:
            errors.append(FieldError("item_code", "item_removed", f"证明事项“{item_code}”已取消"))
    if action in (ChangeAction.ADD, ChangeAction.AMEND):
        if not isinstance(payload, dict):
            errors.append(FieldError("payload", "invalid_type", "拟调整内容应为字段对象"))
        else:
            clean, payload_errors = clean_item_payload(payload)
            errors += payload_errors
            if not payload_errors:
                errors += _check_matters(agency, clean["matter_codes"])
    return clean, item, errors


@transaction.atomic
def proposal_submit(
    *,
    actor: Actor,
    agency: Agency,
    action: str,
    item_code: str,
    payload: dict[str, Any] | None,
    reason: str,
    law_change: str,
    effective_date: date | None,
    import_batch: str = "",
) -> ChangeProposal:
    """R-7.2: an agency admin proposes adding, amending or removing an item."""
    if not policies.can_manage_catalog(actor, agency.pk):
        raise PermissionDenied("只有本机关的部门管理员可以申报目录调整")
    clean, item, errors = validate_proposal(
        agency=agency,
        action=action,
        item_code=item_code,
        payload=payload,
        reason=reason,
        law_change=law_change,
        effective_date=effective_date,
    )
    raise_field_errors(errors)
    assert effective_date is not None  # validate_proposal refuses a missing date
    proposal = ChangeProposal.objects.create(
        agency=agency,
        action=action,
        item=item,
        item_code=item_code,
        payload=jsonable(clean) if action != ChangeAction.REMOVE else {},
        reason=reason.strip(),
        law_change=law_change.strip(),
        effective_date=effective_date,
        submitted_by=person_of(actor),
        import_batch=import_batch,
    )
    _revision_add(proposal, actor=actor)
    spine.record(actor, Event.PROPOSAL_SUBMITTED, proposal, None, _proposal_state(proposal))
    return proposal


def _revision_add(proposal: ChangeProposal, *, actor: Actor, note: str = "") -> ProposalRevision:
    """Record this submission of the proposal (the first, or a resubmission after a return)."""
    last = proposal.revisions.order_by("-number").values_list("number", flat=True).first()
    return ProposalRevision.objects.create(
        proposal=proposal,
        number=(last or 0) + 1,
        payload=proposal.payload,
        reason=proposal.reason,
        law_change=proposal.law_change,
        effective_date=proposal.effective_date,
        note=note,
        submitted_by=person_of(actor),
        submitted_at=timezone.now(),
    )


def _revision_close(proposal: ChangeProposal, *, outcome: str, actor: Actor, comment: str) -> None:
    """The review of the pending submission: its outcome, who and the reasons."""
    ProposalRevision.objects.filter(proposal=proposal, outcome="").update(
        outcome=outcome,
        reviewed_by=person_of(actor),
        reviewed_at=timezone.now(),
        review_comment=comment,
    )


def _lock_proposal(proposal: ChangeProposal) -> ChangeProposal:
    return ChangeProposal.objects.select_for_update().select_related("agency").get(pk=proposal.pk)


def _file_locked(*, actor: Actor, locked: ChangeProposal, comment: str) -> None:
    if locked.status != ProposalStatus.SUBMITTED:
        raise DomainError(
            "invalid_state", f"该申报当前状态为“{locked.get_status_display()}”，不能备案"
        )
    # Re-check every rule against today's catalog: it may have changed since submission.
    _, _, errors = validate_proposal(
        agency=locked.agency,
        action=locked.action,
        item_code=locked.item_code,
        payload=locked.payload if locked.action != ChangeAction.REMOVE else None,
        reason=locked.reason,
        law_change=locked.law_change,
        effective_date=max(locked.effective_date, today()),
        ignore_proposal_id=locked.pk,
    )
    raise_field_errors(errors)
    before = _proposal_state(locked)
    locked.status = ProposalStatus.FILED
    locked.reviewed_by = person_of(actor)
    locked.reviewed_at = timezone.now()
    locked.review_comment = (comment or "").replace("\x00", "").strip()[:4000]
    locked.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "review_comment", "updated_at"]
    )
    _revision_close(
        locked,
        outcome=ProposalRevision.Outcome.FILED,
        actor=actor,
        comment=locked.review_comment,
    )
    spine.record(actor, Event.PROPOSAL_FILED, locked, before, _proposal_state(locked))
    if locked.effective_date > today():
        effective = locked.effective_date
        transaction.on_commit(lambda: _schedule_apply(effective))


def proposal_file(*, actor: Actor, proposal: ChangeProposal, comment: str = "") -> ChangeProposal:
    """R-7.2: the Justice Bureau files (备案) a proposal; it takes effect on its effective date
    (at once when that date has come, publishing a new catalog version)."""
    return proposal_file_many(actor=actor, proposals=[proposal], comment=comment)[0]


def proposal_file_many(
    *, actor: Actor, proposals: list[ChangeProposal], comment: str = ""
) -> list[ChangeProposal]:
    """File several proposals at once (e.g. an import batch): all or nothing, and one new
    catalog version per agency for those already due."""
    for proposal in proposals:
        if not policies.can_review(actor, proposal):
            raise NotFound()
    with transaction.atomic():
        filed = []
        for proposal in sorted(proposals, key=lambda p: p.pk):
            locked = _lock_proposal(proposal)
            _file_locked(actor=actor, locked=locked, comment=comment)
            filed.append(locked)
        due_agencies = {p.agency_id: p.agency for p in filed if p.effective_date <= today()}
        for agency_id in sorted(due_agencies):
            _apply_for_agency(actor=actor, agency=due_agencies[agency_id], on=today())
        for p in filed:
            p.refresh_from_db()
    return filed


def _schedule_apply(on: date) -> None:
    from django_tasks import default_task_backend

    from .tasks import apply_due_catalog_changes

    if default_task_backend.supports_defer:
        run_after = timezone.make_aware(datetime.combine(on, time(0, 0, 5)))
        apply_due_catalog_changes.using(run_after=run_after).enqueue()


def proposal_return(*, actor: Actor, proposal: ChangeProposal, reason: str) -> ChangeProposal:
    """R-7.2: the Justice Bureau returns a proposal with written reasons."""
    if not policies.can_review(actor, proposal):
        raise NotFound()
    if _bad_text(reason, minimum=4):
        raise DomainError("reason_required", "退回必须写明理由（至少4个字）", field="reason")
    with transaction.atomic():
        locked = _lock_proposal(proposal)
        if locked.status != ProposalStatus.SUBMITTED:
            raise DomainError(
                "invalid_state", f"该申报当前状态为“{locked.get_status_display()}”，不能退回"
            )
        before = _proposal_state(locked)
        locked.status = ProposalStatus.RETURNED
        locked.reviewed_by = person_of(actor)
        locked.reviewed_at = timezone.now()
        locked.review_comment = reason.strip()
        locked.save(
            update_fields=["status", "reviewed_by", "reviewed_at", "review_comment", "updated_at"]
        )
        _revision_close(
            locked,
            outcome=ProposalRevision.Outcome.RETURNED,
            actor=actor,
            comment=locked.review_comment,
        )
        spine.record(actor, Event.PROPOSAL_RETURNED, locked, before, _proposal_state(locked))
    return locked


def proposal_resubmit(
    *,
    actor: Actor,
    proposal: ChangeProposal,
    payload: dict[str, Any] | None,
    reason: str,
    law_change: str,
    effective_date: date | None,
    note: str = "",
) -> ChangeProposal:
    """R-7.2: the agency amends a returned proposal and submits it again for filing. The
    reviewer's reasons and every earlier submission stay in the proposal's revisions."""
    if not policies.can_manage_catalog(actor, proposal.agency_id):
        raise NotFound()
    if note and _bad_text(note, minimum=0):
        raise DomainError("invalid_note", "修改说明不超过4000字", field="note")
    with transaction.atomic():
        locked = _lock_proposal(proposal)
        if locked.status != ProposalStatus.RETURNED:
            raise DomainError(
                "invalid_state",
                f"该申报当前状态为“{locked.get_status_display()}”，只有被退回的申报可以修改后重新提交",
            )
        clean, item, errors = validate_proposal(
            agency=locked.agency,
            action=locked.action,
            item_code=locked.item_code,
            payload=payload,
            reason=reason,
            law_change=law_change,
            effective_date=effective_date,
            ignore_proposal_id=locked.pk,
        )
        raise_field_errors(errors)
        assert effective_date is not None
        before = _proposal_state(locked)
        locked.payload = jsonable(clean) if locked.action != ChangeAction.REMOVE else {}
        locked.item = item
        locked.reason = reason.strip()
        locked.law_change = law_change.strip()
        locked.effective_date = effective_date
        locked.status = ProposalStatus.SUBMITTED
        locked.reviewed_by = None
        locked.reviewed_at = None
        locked.review_comment = ""
        locked.save()
        revision = _revision_add(locked, actor=actor, note=(note or "").strip())
        after = {**_proposal_state(locked), "revision": revision.number}
        spine.record(actor, Event.PROPOSAL_RESUBMITTED, locked, before, after)
    return locked


def proposal_withdraw(*, actor: Actor, proposal: ChangeProposal) -> ChangeProposal:
    if not policies.can_manage_catalog(actor, proposal.agency_id):
        raise NotFound()
    with transaction.atomic():
        locked = _lock_proposal(proposal)
        if locked.status != ProposalStatus.SUBMITTED:
            raise DomainError(
                "invalid_state", f"该申报当前状态为“{locked.get_status_display()}”，不能撤回"
            )
        before = _proposal_state(locked)
        locked.status = ProposalStatus.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        _revision_close(locked, outcome=ProposalRevision.Outcome.WITHDRAWN, actor=actor, comment="")
        spine.record(actor, Event.PROPOSAL_WITHDRAWN, locked, before, _proposal_state(locked))
    return locked


# --- taking effect --------------------------------------------------------------------------


_ITEM_MODEL_FIELDS = [
    "name",
    "proof_content",
    "issuer",
    "legal_basis",
    "priority_domains",
    "excluded_domains",
    "other_high_risk",
    "other_high_risk_reason",
    "under_commitment",
    "verification_method",
    "verification_time_limit_days",
    "verification_standard",
    "disclosure_scope",
    "disclosure_period_days",
    "liability_insurance_required",
    "risk_points",
    "risk_controls",
]


def _apply_one(*, actor: Actor, proposal: ChangeProposal, on: date) -> None:
    payload = dict(proposal.payload)
    matter_codes = payload.pop("matter_codes", [])
    if proposal.action == ChangeAction.ADD:
        item = CertificationItem.objects.create(
            agency=proposal.agency,
            code=proposal.item_code,
            effective_date=on,
            **{f: payload[f] for f in _ITEM_MODEL_FIELDS},
        )
        item.matters.set(Matter.objects.filter(agency=proposal.agency, code__in=matter_codes))
        proposal.item = item
        spine.record(actor, Event.ITEM_ADDED, item, None, item_snapshot_fields(item))
        return
    assert proposal.item_id is not None  # amend/remove always name an existing item
    item = CertificationItem.objects.select_for_update().get(pk=proposal.item_id)
    before = item_snapshot_fields(item)
    if proposal.action == ChangeAction.AMEND:
        for field in _ITEM_MODEL_FIELDS:
            setattr(item, field, payload[field])
        item.effective_date = on
        item.save()
        item.matters.set(Matter.objects.filter(agency=proposal.agency, code__in=matter_codes))
        spine.record(actor, Event.ITEM_AMENDED, item, before, item_snapshot_fields(item))
    else:
        item.status = ItemStatus.REMOVED
        item.effective_date = on
        item.save(update_fields=["status", "effective_date", "updated_at"])
        spine.record(actor, Event.ITEM_REMOVED, item, before, {"status": ItemStatus.REMOVED})


def agency_snapshot(agency: Agency) -> dict[str, dict[str, Any]]:
    items = (
        CertificationItem.objects.filter(agency=agency, status=ItemStatus.IN_FORCE)
        .prefetch_related("matters")
        .order_by("code")
    )
    return {item.code: jsonable(item_snapshot_fields(item)) for item in items}


def _apply_for_agency(*, actor: Actor, agency: Agency, on: date) -> CatalogVersion | None:
    """Apply every filed proposal of the agency due on `on`, then publish one new version."""
    Agency.objects.select_for_update().filter(pk=agency.pk).first()  # serialise versions
    due = list(
        ChangeProposal.objects.select_for_update()
        .filter(agency=agency, status=ProposalStatus.FILED, effective_date__lte=on)
        .order_by("reviewed_at", "id")
    )
    if not due:
        return None
    for proposal in due:
        _apply_one(actor=actor, proposal=proposal, on=on)
    snapshot = agency_snapshot(agency)
    last = CatalogVersion.objects.filter(agency=agency).order_by("-number").first()
    version = CatalogVersion.objects.create(
        agency=agency,
        number=(last.number + 1) if last else 1,
        effective_date=on,
        published_at=timezone.now(),
        items=snapshot,
        digest=digest_json(snapshot),
    )
    for proposal in due:
        proposal.status = ProposalStatus.EFFECTIVE
        proposal.version = version
        proposal.save(update_fields=["status", "version", "item", "updated_at"])
    spine.record(
        actor,
        Event.VERSION_PUBLISHED,
        version,
        None,
        {
            "number": version.number,
            "effective_date": on,
            "digest": version.digest,
            "proposals": [p.pk for p in due],
            "items": len(snapshot),
        },
        agency=agency,
    )
    return version


def catalog_apply_due(*, actor: Actor = None, on: date | None = None) -> list[CatalogVersion]:
    """Apply all filed changes whose effective date has come (run by the worker or cron)."""
    if not policies.can_apply_due_changes(actor):
        raise PermissionDenied()
    on = on or today()
    agency_ids = (
        ChangeProposal.objects.filter(status=ProposalStatus.FILED, effective_date__lte=on)
        .values_list("agency_id", flat=True)
        .distinct()
    )
    versions = []
    for agency in Agency.objects.filter(pk__in=list(agency_ids)).order_by("pk"):
        with transaction.atomic():
            version = _apply_for_agency(actor=actor, agency=agency, on=on)
        if version:
            versions.append(version)
    return versions


# --- import ---------------------------------------------------------------------------------


def catalog_import_rows(
    *,
    actor: Actor,
    agency: Agency,
    rows: list[dict[str, Any]],
    reason: str,
    law_change: str,
    effective_date: date,
) -> list[ChangeProposal]:
    """Submit one proposal per row, all or nothing. Rows are dicts of payload fields plus
    `action`, `item_code` and `_row` (the sheet row number for error messages)."""
    if not policies.can_manage_catalog(actor, agency.pk):
        raise PermissionDenied("只有本机关的部门管理员可以导入目录")
    if not rows:
        raise DomainError("empty_import", "导入文件没有数据行", field="file")
    batch = uuid.uuid4().hex[:12]
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    prepared = []
    for row in rows:
        row = dict(row)
        row_no = row.pop("_row", None)
        action = row.pop("action", "")
        code = row.pop("item_code", "")
        payload = None if action == ChangeAction.REMOVE else row
        _, _, errors = validate_proposal(
            agency=agency,
            action=action,
            item_code=code,
            payload=payload,
            reason=reason,
            law_change=law_change,
            effective_date=effective_date,
            pending_codes=seen if action == ChangeAction.ADD else None,
        )
        if isinstance(code, str) and code in seen and action != ChangeAction.ADD:
            errors.append(FieldError("item_code", "duplicate_row", f"编码“{code}”在文件中重复出现"))
        for e in errors:
            problems.append(
                {"row": row_no, "column": e.field, "code": e.code, "message": e.message}
            )
        if isinstance(code, str):
            seen.add(code)
        prepared.append((action, code, payload))
    if problems:
        first = problems[0]
        raise DomainError(
            "import_invalid",
            f"导入文件有{len(problems)}处错误，未导入任何数据（第{first['row']}行：{first['message']}）",
            field="file",
            details=problems,
        )
    with transaction.atomic():
        return [
            proposal_submit(
                actor=actor,
                agency=agency,
                action=action,
                item_code=code,
                payload=payload,
                reason=reason,
                law_change=law_change,
                effective_date=effective_date,
                import_batch=batch,
            )
            for action, code, payload in prepared
        ]


def item_get_in_agency(agency: Agency, code: str) -> CertificationItem:
    item = CertificationItem.objects.filter(agency=agency, code=code).first()
    if item is None:
        raise NotFound()
    return item


def matter_validate(
    *, actor: Actor, agency: Agency, data: dict[str, Any], creating: bool
) -> list[FieldError]:
    """The checks of matter_create / matter_update without writing (for the Django admin form,
    which must show errors before saving). Same rules and messages as the services."""
    errors: list[FieldError] = []
    if not policies.can_manage_catalog(actor, agency.pk):
        errors.append(
            FieldError("agency", "permission_denied", "只有本机关的部门管理员可以维护事项")
        )
    _, field_errors = _clean_matter(data)
    errors += field_errors
    if creating:
        errors += _matter_code_errors(data.get("code"))
    return errors

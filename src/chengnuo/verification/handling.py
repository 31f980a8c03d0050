"""Handling of untrue commitments (R-4.8, R-5.2, R-5.5).

The officer chooses what the law allows and records it: terminate the case if not concluded,
order rectification by a deadline (rectified in time: the matter closes as corrected; not: it
escalates and the officer decides again), revoke the decision, an administrative penalty
(decision number, amount), referral to the judicial authorities. A good-faith error corrected
in time is recorded as such and leaves no dishonesty record; every other measure records the
false commitment in the committer's credit (graded by its social impact, pushed through the
outbox)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.calendar import add_working_days
from chengnuo.core.errors import Conflict, DomainError
from chengnuo.core.rules import FieldError, raise_field_errors

from .constants import DEFAULT_RECTIFICATION_DAYS, Event, HandlingStatus, Measure, Outcome
from .models import Handling, VerificationTask
from .services import assert_handles

RECORDING_MEASURES = frozenset(
    {Measure.TERMINATE, Measure.REVOKE, Measure.PENALTY, Measure.REFERRAL}
)
IMPACT_KEYS = ("amount_yuan", "people_affected", "public_interest")


def _clean_impact(raw: Any) -> dict[str, int]:
    impact: dict[str, int] = {}
    for key in IMPACT_KEYS:
        value = (raw or {}).get(key)
        if value in (None, ""):
            continue
        try:
            number = int(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            raise DomainError(
                "invalid_impact", "社会影响因素应为数字", field=f"impact.{key}"
            ) from None
        if number < 0:
            raise DomainError("invalid_impact", "社会影响因素不能为负数", field=f"impact.{key}")
        impact[key] = number
    return impact


def _false_commitment_record(actor: Actor, task: VerificationTask, reason: str, basis: str, impact):
    """One dishonesty record per commitment, however many measures are combined."""
    from chengnuo.credit.constants import RecordKind
    from chengnuo.credit.models import CreditRecord
    from chengnuo.credit.services import credit_record_create

    c = task.commitment
    ref = f"commitment:{c.pk}:false"
    existing = CreditRecord.objects.filter(verification_ref=ref).first()
    if existing is not None:
        return existing
    return credit_record_create(
        actor=actor,
        subject=c.subject,
        kind=RecordKind.FALSE_COMMITMENT,
        summary=f"办理“{c.case.matter.name}”时承诺“{c.item.name}”，经核查承诺不实：{reason}",
        decided_on=timezone.localdate(),
        impact=impact,
        legal_basis=basis or "阜政办〔2021〕1号",
        deciding_agency=c.case.agency,
        case_ref=c.case.number,
        verification_ref=ref,
    )


def handling_decide(
    *,
    actor: Actor,
    task: VerificationTask,
    measure: str,
    reason: str,
    legal_basis: str = "",
    rectification_days: int | None = None,
    decision_number: str = "",
    penalty_amount: Any = None,
    referred_to: str = "",
    impact: dict[str, Any] | None = None,
) -> Handling:
    """Record the measure for a task found inconsistent. Refused (nothing written) when the
    measure does not fit the case's state or a required part is missing; each part named."""
    from chengnuo.cases import services as case_services
    from chengnuo.cases.constants import CaseStatus

    assert_handles(actor, task)
    if measure not in Measure.values:
        raise DomainError("invalid_measure", "请选择法律允许的处置措施", field="measure")
    errors: list[FieldError] = []
    reason = reason.strip() if isinstance(reason, str) else ""
    if len(reason) < 6:
        errors.append(
            FieldError("reason", "required", "请写明认定承诺不实的事实和理由（至少6个字）")
        )
    amount: Decimal | None = None
    if measure == Measure.PENALTY:
        if not (decision_number or "").strip():
            errors.append(FieldError("decision_number", "required", "行政处罚须填写处罚决定书文号"))
        try:
            amount = Decimal(str(penalty_amount).strip())
            if not amount.is_finite() or amount <= 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.append(
                FieldError("penalty_amount", "invalid_amount", "罚款金额应为大于0的金额（元）")
            )
    if measure == Measure.REFERRAL and not (referred_to or "").strip():
        errors.append(FieldError("referred_to", "required", "移送司法机关须填写接收机关"))
    days = rectification_days or DEFAULT_RECTIFICATION_DAYS
    if measure == Measure.RECTIFY and not (isinstance(days, int) and 1 <= days <= 180):
        errors.append(
            FieldError("rectification_days", "invalid_days", "整改期限应为1至180个工作日")
        )
    clean_impact = _clean_impact(impact)
    raise_field_errors(errors)
    with transaction.atomic():
        task = (
            VerificationTask.objects.select_for_update(of=("self",))
            .select_related("commitment__case", "commitment__item", "commitment__subject")
            .get(pk=task.pk)
        )
        if task.outcome != Outcome.INCONSISTENT:
            raise Conflict("not_inconsistent", "只有核查结论为“承诺不实”的任务才能作出处置")
        c = task.commitment
        case = c.case
        if measure == Measure.TERMINATE:
            if case.concluded:
                raise DomainError(
                    "case_concluded",
                    f"办件已{case.get_status_display()}，不能终止办理；可撤销行政决定或依法处罚",
                    field="measure",
                )
            case_services.case_decide(actor=actor, case=case, decision="terminate", reason=reason)
        elif measure == Measure.REVOKE:
            if case.status != CaseStatus.APPROVED:
                raise DomainError(
                    "not_approved",
                    f"办件当前为“{case.get_status_display()}”，只有已准予的决定才能撤销",
                    field="measure",
                )
            case_services.case_revoke(actor=actor, case=case, reason=reason)
        if Handling.objects.filter(task=task, status=HandlingStatus.OPEN).exists():
            raise Conflict("rectification_open", "该承诺正在限期整改中，请先登记整改结果")
        handling = Handling(
            task=task,
            commitment=c,
            measure=measure,
            reason=reason,
            legal_basis=(legal_basis or "").strip()[:2000],
            decision_number=(decision_number or "").strip()[:100],
            penalty_amount=amount,
            referred_to=(referred_to or "").strip()[:200],
            decided_by=person_of(actor),
            status=HandlingStatus.OPEN if measure == Measure.RECTIFY else HandlingStatus.CLOSED,
        )
        if measure == Measure.RECTIFY:
            handling.deadline = add_working_days(timezone.localdate(), days)
        else:
            handling.closed_at = timezone.now()
        if measure in RECORDING_MEASURES:
            handling.credit_record = _false_commitment_record(
                actor, task, reason, handling.legal_basis, clean_impact
            )
        handling.save()
        label = Measure(measure).label
        extra = f"，整改期限{handling.deadline.isoformat()}" if handling.deadline else ""
        record_note = "，已记入信用记录" if handling.credit_record_id else ""
        if measure == Measure.GOOD_FAITH:
            record_note = "，属善意差错，不记失信"
        spine.record(
            actor,
            Event.HANDLING_DECIDED,
            handling,
            None,
            {
                "measure": measure,
                "reason": reason,
                "deadline": handling.deadline,
                "decision_number": handling.decision_number,
                "penalty_amount": amount,
                "referred_to": handling.referred_to,
                "credit_record": handling.credit_record_id,
            },
            message=f"{c.item.name}：承诺不实，处置措施——{label}{extra}{record_note}。理由：{reason}",
            item_code=c.item.code,
        )
    return handling


def rectification_close(
    *, actor: Actor, handling: Handling, rectified: bool, note: str, on: date | None = None
) -> Handling:
    """Rectified by the deadline: the matter closes as corrected (no dishonesty record).
    Not rectified, or late: it escalates, and the officer decides a further measure."""
    assert_handles(actor, handling.task)
    note = note.strip() if isinstance(note, str) else ""
    if len(note) < 4:
        raise DomainError("required", "请写明整改情况（至少4个字）", field="note")
    today = on or timezone.localdate()
    with transaction.atomic():
        h = (
            Handling.objects.select_for_update(of=("self",))
            .select_related("commitment__case", "commitment__item")
            .get(pk=handling.pk)
        )
        if h.status != HandlingStatus.OPEN:
            raise Conflict("not_open", f"该整改已{h.get_status_display()}")
        in_time = rectified and h.deadline is not None and today <= h.deadline
        h.status = HandlingStatus.RECTIFIED if in_time else HandlingStatus.ESCALATED
        h.closed_at = timezone.now()
        h.save(update_fields=["status", "closed_at"])
        event = Event.HANDLING_RECTIFIED if in_time else Event.HANDLING_ESCALATED
        text = (
            f"{h.commitment.item.name}：已在期限内整改，按已更正办结。{note}"
            if in_time
            else f"{h.commitment.item.name}：逾期未整改（期限{h.deadline}），升级处置。{note}"
        )
        spine.record(
            actor,
            event,
            h,
            {"status": HandlingStatus.OPEN},
            {"status": h.status, "note": note},
            message=text,
            item_code=h.commitment.item.code,
        )
    return h


def rectifications_escalate_overdue(*, on: date | None = None) -> int:
    """Open rectifications past their deadline escalate (a daily job); returns how many."""
    today = on or timezone.localdate()
    count = 0
    for h in Handling.objects.filter(status=HandlingStatus.OPEN, deadline__lt=today):
        with transaction.atomic():
            locked = (
                Handling.objects.select_for_update(of=("self",))
                .select_related("commitment__case", "commitment__item")
                .get(pk=h.pk)
            )
            if locked.status != HandlingStatus.OPEN:
                continue
            locked.status = HandlingStatus.ESCALATED
            locked.closed_at = timezone.now()
            locked.save(update_fields=["status", "closed_at"])
            spine.record(
                None,
                Event.HANDLING_ESCALATED,
                locked,
                {"status": "open"},
                {"status": "escalated"},
                message=f"{locked.commitment.item.name}：整改期限{locked.deadline}已过，未登记整改完成，升级处置",
                item_code=locked.commitment.item.code,
            )
            count += 1
    return count

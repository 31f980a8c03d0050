"""How verification reacts to cases (registered in `apps.py` with `core.events`): cases never
call verification, and do not know it exists. Every handler runs inside the case service's
transaction: the tasks exist, or are withdrawn, if and only if the case's change commits.

- "case.submitted" → `draw_before_decision`: draw what is verified before the decision (the
  poorest credit, R-4.2);
- "case.approving" → `refuse_pending_verification`: refuse approval while a before-decision
  verification is open or found a commitment untrue and it is not handled (R-4.2, R-4.8);
- "case.approved" → `draw_after_decision`: draw what is verified after the decision (R-4.1);
- "commitment.withdrawn" → `withdraw_tasks_of_commitment`: the commitment no longer stands
  (R-6.2), its open tasks are cancelled;
- "case.closed" (not approved, or terminated) → `withdraw_tasks_of_case`: nothing is left to
  verify for a decision that was not granted;
- "complaint.false_commitment_reported" → `verify_reported_commitment`: a report of a false
  commitment, accepted, opens its verification (the complaints app never calls verification).
"""

from __future__ import annotations

from typing import Any

from chengnuo.core import events, spine
from chengnuo.core.actors import Actor
from chengnuo.core.errors import DomainError

from .constants import AssistanceStatus, Event, InspectionStatus, Outcome, TaskStatus, Timing
from .internal import verification_from_complaint, verification_work_create
from .models import Inspection, VerificationTask

OPEN = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


def draw_before_decision(*, case: Any, actor: Actor = None) -> None:
    verification_work_create(case=case, stage=Timing.BEFORE_DECISION)


def draw_after_decision(*, case: Any, actor: Actor = None) -> None:
    verification_work_create(case=case, stage=Timing.AFTER_DECISION)


def refuse_pending_verification(*, case: Any, actor: Actor = None) -> None:
    """Commitments verified before the decision must be verified true first; an untrue one is
    handled (terminated or rectified), not approved."""
    tasks = VerificationTask.objects.filter(
        commitment__case=case, timing=Timing.BEFORE_DECISION, commitment__status="signed"
    ).select_related("commitment__item")
    waiting = [t for t in tasks if t.status not in (TaskStatus.DONE, TaskStatus.CANCELLED)]
    if waiting:
        raise DomainError(
            "verification_pending",
            "以下承诺须在决定前核查，核查完成后才能准予："
            + "、".join(sorted({t.commitment.item.name for t in waiting})),
        )
    untrue = [t for t in tasks if t.outcome == Outcome.INCONSISTENT]
    if untrue:
        raise DomainError(
            "commitment_untrue",
            "以下承诺经核查不实，不能准予，请依法处置（终止办理或责令整改）："
            + "、".join(sorted({t.commitment.item.name for t in untrue})),
        )


def _withdraw(tasks: Any, actor: Actor, why: str) -> int:
    """Cancel open tasks (rows locked in id order, after the case the caller holds), with
    their open assistance requests and inspections; one event per task."""
    open_tasks = list(tasks.filter(status__in=OPEN).select_for_update(of=("self",)).order_by("id"))
    for task in open_tasks:
        task.assistance_requests.filter(status=AssistanceStatus.OPEN).update(
            status=AssistanceStatus.CANCELLED
        )
        Inspection.objects.filter(task=task, status=InspectionStatus.ASSIGNED).update(
            status=InspectionStatus.CANCELLED
        )
        task.status = TaskStatus.CANCELLED
        task.outcome_note = why
        task.save(update_fields=["status", "outcome_note"])
        c = task.commitment
        spine.record(
            actor,
            Event.TASK_CANCELLED,
            task,
            {"status": "open"},
            {"status": TaskStatus.CANCELLED, "reason": why},
            message=f"{c.item.name}：{task.get_method_display()}任务取消（{why}）",
            item_code=c.item.code,
        )
        if task.origin_ref:
            events.emit(
                "verification.task_cancelled", task=task.pk, origin=task.origin_ref, reason=why
            )
    return len(open_tasks)


def withdraw_tasks_of_commitment(*, commitment: Any, actor: Actor = None) -> None:
    _withdraw(
        VerificationTask.objects.filter(commitment=commitment).select_related("commitment__item"),
        actor,
        "承诺已退出，改为提交证明",
    )


def withdraw_tasks_of_case(*, case: Any, actor: Actor = None, decision: str = "") -> None:
    why = "办件已终止办理" if decision == "terminate" else "办件不予办理"
    _withdraw(
        VerificationTask.objects.filter(commitment__case=case).select_related("commitment__item"),
        actor,
        why,
    )


def verify_reported_commitment(
    *, complaint: int, number: str, commitment: int, note: str = "", actor: Actor = None
) -> None:
    from chengnuo.cases.models import Commitment

    c = Commitment.objects.select_related("item", "case").filter(pk=commitment).first()
    if c is not None:
        verification_from_complaint(commitment=c, origin=number, note=note, actor=actor)

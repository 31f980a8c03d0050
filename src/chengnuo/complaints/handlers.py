"""Reactions of complaints to verification's events (core.events, ADR 0009): a report of a
false commitment announces itself ("complaint.false_commitment_reported"), verification opens a
task on the commitment and says so ("verification.task_opened"), and its outcome comes back
("verification.concluded", "verification.task_cancelled"). Each runs inside verification's
transaction and records the step on the complaint. Neither app imports the other: the task
carries the complaint's number (`origin`), the complaint the task's id."""

from __future__ import annotations

from typing import Any

from chengnuo.core import spine
from chengnuo.core.actors import SystemActor

from .constants import Event, VerificationState
from .models import Complaint

VERIFICATION = SystemActor("承诺核查")
OUTCOMES = {
    "consistent": VerificationState.CONSISTENT,
    "inconsistent": VerificationState.INCONSISTENT,
    "unable": VerificationState.UNABLE,
}


def _complaint(origin: Any) -> Complaint | None:
    if not isinstance(origin, str) or not origin:
        return None
    return Complaint.objects.select_for_update(of=("self",)).filter(number=origin).first()


def verification_opened(
    *, task: int, origin: str = "", method: str = "", due_date: Any = None, **_: Any
) -> None:
    c = _complaint(origin)
    if c is None:
        return
    c.verification_task_id = task
    c.verification_open += 1
    if c.verification_state in ("", VerificationState.OPEN):
        c.verification_state = VerificationState.OPEN
    if due_date is not None and (c.verification_due is None or due_date > c.verification_due):
        c.verification_due = due_date
    c.save(
        update_fields=[
            "verification_task_id",
            "verification_open",
            "verification_state",
            "verification_due",
        ]
    )
    spine.record(
        VERIFICATION,
        Event.VERIFICATION_OPENED,
        c,
        None,
        {"task": task, "method": method, "due_date": due_date},
        agency=c.handling_agency,
        message="已对被举报的承诺启动核查"
        + (f"（{method}，{due_date:%Y-%m-%d}前完成）" if due_date else ""),
    )


def verification_concluded(
    *, task: int, outcome: str, origin: str = "", note: str = "", **_: Any
) -> None:
    c = _complaint(origin)
    if c is None:
        return
    state = OUTCOMES.get(outcome, VerificationState.UNABLE)
    c.verification_task_id = task
    c.verification_open = max(0, c.verification_open - 1)
    # an untrue finding stands whatever the other methods found
    if c.verification_state != VerificationState.INCONSISTENT and (
        state != VerificationState.UNABLE or c.verification_state == VerificationState.OPEN
    ):
        c.verification_state = state
    c.verification_note = (note or "")[:2000]
    c.save(
        update_fields=[
            "verification_task_id",
            "verification_open",
            "verification_state",
            "verification_note",
        ]
    )
    spine.record(
        VERIFICATION,
        Event.VERIFICATION_OUTCOME,
        c,
        None,
        {"task": task, "outcome": outcome, "open": c.verification_open},
        agency=c.handling_agency,
        message=f"承诺核查结论：{state.label}",
    )


def verification_cancelled(*, task: int, origin: str = "", reason: str = "", **_: Any) -> None:
    c = _complaint(origin)
    if c is None:
        return
    c.verification_open = max(0, c.verification_open - 1)
    if c.verification_open == 0 and c.verification_state == VerificationState.OPEN:
        c.verification_state = VerificationState.UNABLE
    c.verification_note = f"核查任务已取消：{reason}"[:2000]
    c.save(update_fields=["verification_open", "verification_state", "verification_note"])
    spine.record(
        VERIFICATION,
        Event.VERIFICATION_OUTCOME,
        c,
        None,
        {"task": task, "cancelled": True, "reason": reason},
        agency=c.handling_agency,
        message=f"承诺核查任务已取消（{reason}）",
    )

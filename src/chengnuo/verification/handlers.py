"""How verification reacts to cases (registered in `apps.py` with `core.events`): cases never
call verification, and do not know it exists.

- "case.submitted": draw what is verified before the decision (the poorest credit, R-4.2);
- "case.approving": refuse approval while a before-decision verification is open or found a
  commitment untrue and it is not handled (R-4.2, R-4.8);
- "case.approved": draw what is verified after the decision (R-4.1, R-4.2).
All three run inside the case service's transaction: the tasks exist if and only if the
submission or approval does.
"""

from __future__ import annotations

from typing import Any

from chengnuo.core.errors import DomainError

from .constants import Outcome, TaskStatus, Timing
from .models import VerificationTask
from .services import verification_work_create


def draw_before_decision(*, case: Any, actor: Any = None) -> None:
    verification_work_create(case=case, stage=Timing.BEFORE_DECISION)


def draw_after_decision(*, case: Any, actor: Any = None) -> None:
    verification_work_create(case=case, stage=Timing.AFTER_DECISION)


def refuse_pending_verification(*, case: Any, actor: Any = None) -> None:
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

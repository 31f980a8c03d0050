"""Verification work (R-4.1, R-4.2). `verification_work_create` is the one function cases call
when a case is concluded; it records one pending task per committed item and planned method,
due within the item's time limit in working days. How tasks are carried out, and the intensity
by risk level, are built on this."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from chengnuo.catalog.constants import VerificationMethod
from chengnuo.core.calendar import add_working_days

from .models import VerificationTask

DEFAULT_VERIFICATION_DAYS = 20


def verification_work_create(*, case: Any) -> list[VerificationTask]:
    """Inside the deciding service's transaction: one pending task per signed commitment whose
    item is not exempt; the case's risk level travels with it."""
    from chengnuo.cases.constants import CommitmentStatus

    today = timezone.localdate()
    tasks = []
    for c in case.commitments.filter(status=CommitmentStatus.SIGNED).select_related("item"):
        method = c.item.verification_method or VerificationMethod.ONLINE
        if method == VerificationMethod.EXEMPT:
            continue
        days = c.item.verification_time_limit_days or DEFAULT_VERIFICATION_DAYS
        task, _created = VerificationTask.objects.get_or_create(
            commitment=c,
            method=method,
            defaults={
                "agency_id": case.agency_id,
                "risk_level": case.risk_level,
                "due_date": add_working_days(today, days),
                "standard": c.item.verification_standard,
            },
        )
        tasks.append(task)
    return tasks

"""Reads of verification, scoped to the actor: tasks of the agencies the actor handles or
reads; assistance requests only for the requesting and the requested agency; inspections for
their inspectors and the agency; overdue lists for the Justice Bureau (R-4.7, R-8.1)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from chengnuo.accounts.actors import user_of
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound
from chengnuo.core.rules import MAX_ID

from . import policies
from .constants import AssistanceStatus, InspectionStatus, Outcome, TaskStatus
from .models import AssistanceRequest, Inspection, OnlineCheck, VerificationTask


def _pk(value: Any) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk <= MAX_ID:
        raise NotFound()
    return pk


def _tasks() -> QuerySet[VerificationTask]:
    return VerificationTask.objects.select_related(
        "commitment__case__matter", "commitment__item", "commitment__subject", "agency"
    )


def tasks_for(
    actor: Actor,
    *,
    status: str = "",
    method: str = "",
    outcome: str = "",
    overdue: bool = False,
    on: date | None = None,
) -> QuerySet[VerificationTask]:
    ids = policies.readable_agency_ids(actor)
    qs = _tasks() if ids is None else _tasks().filter(agency_id__in=ids)
    if status in TaskStatus.values:
        qs = qs.filter(status=status)
    if method:
        qs = qs.filter(method=method)
    if outcome in Outcome.values and outcome:
        qs = qs.filter(outcome=outcome)
    if overdue:
        qs = qs.exclude(status=TaskStatus.DONE).filter(due_date__lt=on or timezone.localdate())
    return qs


def task_get_for(actor: Actor, pk: Any) -> VerificationTask:
    task = tasks_for(actor).filter(pk=_pk(pk)).first()
    if task is None:
        # the requested agency and the assigned inspectors see the task through their work
        task = (
            _tasks()
            .filter(pk=_pk(pk))
            .filter(
                Q(assistance_requests__requested_agency_id__in=policies.answers_for(actor))
                | Q(inspection__inspectors=actor)
            )
            .distinct()
            .first()
        )
    if task is None:
        raise NotFound()
    return task


def dashboard(actor: Actor, *, on: date | None = None) -> dict[str, Any]:
    """Due, overdue and outcomes by method for the actor's agencies."""
    today = on or timezone.localdate()
    qs = tasks_for(actor)
    open_qs = qs.exclude(status=TaskStatus.DONE).exclude(status=TaskStatus.CANCELLED)
    by_method = list(
        qs.values("method")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=~Q(status__in=[TaskStatus.DONE, TaskStatus.CANCELLED])),
            consistent=Count("id", filter=Q(outcome=Outcome.CONSISTENT)),
            inconsistent=Count("id", filter=Q(outcome=Outcome.INCONSISTENT)),
            unable=Count("id", filter=Q(outcome=Outcome.UNABLE)),
        )
        .order_by("method")
    )
    return {
        "open": open_qs.count(),
        "overdue": open_qs.filter(due_date__lt=today).count(),
        "due_soon": open_qs.filter(
            due_date__gte=today, due_date__lte=today + timedelta(days=7)
        ).count(),
        "awaiting_handling": qs.filter(
            outcome=Outcome.INCONSISTENT, handlings__isnull=True
        ).count(),
        "by_method": by_method,
    }


def checks_of(task: VerificationTask) -> QuerySet[OnlineCheck]:
    return task.checks.select_related("source").order_by("id")


# --- assistance ------------------------------------------------------------------------------


def _requests() -> QuerySet[AssistanceRequest]:
    return AssistanceRequest.objects.select_related(
        "task__commitment__item",
        "task__commitment__subject",
        "task__commitment__case",
        "requesting_agency",
        "requested_agency",
    )


def assistance_inbox(actor: Actor, *, status: str = "") -> QuerySet[AssistanceRequest]:
    """Requests to the actor's agencies: only the requested agency sees them here."""
    qs = _requests().filter(requested_agency_id__in=policies.answers_for(actor))
    if status in AssistanceStatus.values:
        qs = qs.filter(status=status)
    return qs


def assistance_sent(actor: Actor) -> QuerySet[AssistanceRequest]:
    ids = policies.readable_agency_ids(actor)
    qs = _requests()
    return qs if ids is None else qs.filter(requesting_agency_id__in=ids)


def assistance_get_for(actor: Actor, pk: Any) -> AssistanceRequest:
    pk = _pk(pk)
    request = (
        assistance_inbox(actor).filter(pk=pk).first()
        or assistance_sent(actor).filter(pk=pk).first()
    )
    if request is None:
        ids = policies.oversees_assistance(actor)
        qs = _requests().filter(pk=pk)
        request = (qs if ids is None else qs.filter(requested_agency_id__in=ids)).first()
    if request is None:
        raise NotFound()
    return request


def assistance_overdue(actor: Actor, *, on: date | None = None) -> QuerySet[AssistanceRequest]:
    """The Justice Bureau's list: open requests past their deadline, per requested agency."""
    today = on or timezone.localdate()
    ids = policies.oversees_assistance(actor)
    qs = _requests().filter(status=AssistanceStatus.OPEN, deadline__lt=today)
    if ids is not None:
        qs = qs.filter(requested_agency_id__in=ids)
    return qs.order_by("requested_agency_id", "deadline")


# --- inspections ------------------------------------------------------------------------------


def inspections_for(actor: Actor, *, open_only: bool = True) -> QuerySet[Inspection]:
    user = user_of(actor)
    if user is None:
        return Inspection.objects.none()
    qs = Inspection.objects.select_related(
        "task__commitment__item", "task__commitment__subject", "task__commitment__case__matter"
    ).filter(inspectors=user)
    if open_only:
        qs = qs.filter(status=InspectionStatus.ASSIGNED)
    return qs.order_by("task__due_date", "id")


def inspection_get_for(actor: Actor, pk: Any) -> Inspection:
    pk = _pk(pk)
    inspection = inspections_for(actor, open_only=False).filter(pk=pk).first()
    if inspection is None:
        ids = policies.readable_agency_ids(actor)
        qs = Inspection.objects.filter(pk=pk)
        inspection = (qs if ids is None else qs.filter(task__agency_id__in=ids)).first()
    if inspection is None:
        raise NotFound()
    return inspection

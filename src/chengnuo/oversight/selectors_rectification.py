"""Reads of rectification notices (R-8.1), scoped to the actor."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound

from . import policies_rectification as policies
from .constants_rectification import Status
from .models import Rectification

PAGE = 50


def visible(actor: Actor) -> QuerySet[Rectification]:
    rows = Rectification.objects.select_related("agency")
    ids = policies.reading_ids(actor)
    return rows if ids is None else rows.filter(agency_id__in=ids)


def listing(
    actor: Actor,
    *,
    status: str = "",
    source: str = "",
    agency_id: int | None = None,
    overdue: bool = False,
) -> QuerySet[Rectification]:
    rows = visible(actor)
    if status in Status.values:
        rows = rows.filter(status=status)
    if source:
        rows = rows.filter(source=source)
    if agency_id is not None:
        rows = rows.filter(agency_id=agency_id)
    if overdue:
        rows = rows.exclude(status=Status.CLOSED).filter(deadline__lt=timezone.localdate())
    return rows.order_by("-issued_at", "-id")


def get_for(actor: Actor, pk: int) -> Rectification:
    row = visible(actor).select_related("issued_by", "answered_by", "closed_by").filter(pk=pk)
    found = row.first()
    if found is None:
        raise NotFound()
    return found


def for_targets(targets: list[models.Model]) -> dict[Any, Rectification]:
    """The notices issued for these findings, by finding pk (one query)."""
    if not targets:
        return {}
    target_type = spine.target_type_of(targets[0])
    rows = Rectification.objects.filter(
        target_type=target_type, target_id__in=[t.pk for t in targets]
    )
    return {r.target_id: r for r in rows}


def for_target(target: models.Model) -> Rectification | None:
    return for_targets([target]).get(target.pk)


def history(rectification: Rectification, limit: int = 100) -> list[Any]:
    """The notice's events, oldest first (from the audit trail the spine writes)."""
    from chengnuo.audit.services import events_for

    return list(events_for(rectification).order_by("occurred_at", "id")[:limit])

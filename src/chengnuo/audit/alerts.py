"""Alerts for agency admins and auditors: raised by the service that notices something (inside
its transaction, with its audit event), acknowledged with a written note (audited)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import agency_ids_with_role, auditable_agency_ids, is_system_admin
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.errors import DomainError, NotFound

from .constants import Event
from .models import Acknowledged, Alert

M = TypeVar("M", bound=Acknowledged)

RAISED = Event.ALERT_RAISED
ACKNOWLEDGED = Event.ALERT_ACKNOWLEDGED
NOTE_MIN = 4
NOTE_MAX = 2000


def alert_raise(*, kind: str, agency: Any, staff: Any, message: str, count: int = 0) -> Alert:
    """Raise one alert (called by a service inside its transaction)."""
    alert = Alert.objects.create(
        kind=kind,
        agency=agency,
        staff=staff,
        message=message,
        count=count,
        raised_at=timezone.now(),
    )
    spine.record(
        None, RAISED, alert, None, {"kind": kind, "staff": staff.pk, "count": count}, agency=agency
    )
    return alert


def open_alert(kind: str, staff: Any, since: Any) -> Alert | None:
    """An unacknowledged alert of this kind about this staff member raised since `since`."""
    return (
        Alert.objects.filter(
            kind=kind, staff=staff, acknowledged_at__isnull=True, raised_at__gte=since
        )
        .order_by("-raised_at")
        .first()
    )


def _watched_agency_ids(actor: Actor) -> set[int] | None:
    """Agency admins watch their agencies; auditors and the Justice Bureau the agencies whose
    trail they read; system admins everything (None)."""
    if is_system_admin(actor):
        return None
    if not agency_ids_with_role(actor, Role.AGENCY_ADMIN, Role.AUDITOR, Role.JUSTICE_REVIEWER):
        return set()
    return auditable_agency_ids(actor)


def alerts_for(actor: Actor) -> QuerySet[Alert]:
    ids = _watched_agency_ids(actor)
    qs = Alert.objects.select_related("agency", "staff", "acknowledged_by")
    return qs if ids is None else qs.filter(agency_id__in=ids)


def can_watch_alerts(actor: Actor) -> bool:
    ids = _watched_agency_ids(actor)
    return ids is None or bool(ids)


def alert_acknowledge(*, actor: Actor, alert: Alert, note: str) -> Alert:
    """Close an alert with what was found and done (the agency admin or an auditor)."""
    if not alerts_for(actor).filter(pk=alert.pk).exists():
        raise NotFound()
    return acknowledge(actor, Alert, alert.pk, note, ACKNOWLEDGED)


def acknowledge(actor: Actor, model: type[M], pk: int, note: str, event: str) -> M:
    """Close an alarm (an alert, a witness's refusal) with the note of what was found and
    done, once: a second acknowledgement returns the first. The caller checked the actor."""
    text = note.strip() if isinstance(note, str) else ""
    if len(text) < NOTE_MIN or len(text) > NOTE_MAX or "\x00" in text:
        raise DomainError(
            "note_required",
            f"请写明核实情况和处理意见（{NOTE_MIN}至{NOTE_MAX}字）",
            field="note",
        )
    with transaction.atomic():
        locked = model._default_manager.select_for_update().filter(pk=pk).first()
        if locked is None:
            raise NotFound()
        if locked.acknowledged_at is not None:
            return locked
        locked.acknowledged_by = person_of(actor)
        locked.acknowledged_at = timezone.now()
        locked.note = text
        locked.save(update_fields=["acknowledged_by", "acknowledged_at", "note"])
        spine.record(actor, event, locked, {"open": True}, {"note": text})
    return locked

"""Reads of complaints, scoped to the actor (R-8.1): an agency's staff see the complaints routed
to it or about it; the Justice Bureau those of the agencies it oversees; nobody else anything
(404). The complainant follows one complaint with its receipt code and secret, nothing else.
The oversight figures (counts per agency, clusters) are GROUP BY queries, bounded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from chengnuo.audit.models import AuditEvent
from chengnuo.audit.services import events_about
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound
from chengnuo.core.events import APPLICANT, PUBLIC
from chengnuo.core.rules import MAX_ID

from . import policies
from .constants import CODE_PREFIX, OPEN_STATUSES, Status
from .models import Complaint
from .services import secret_matches

LIST_LIMIT = 200
EXPORT_LIMIT = 5000
CLUSTER_LIMIT = 20


def _base() -> QuerySet[Complaint]:
    return Complaint.objects.select_related(
        "agency", "handling_agency", "matter", "item", "commitment__item", "subject"
    )


def complaints_for(actor: Actor) -> QuerySet[Complaint]:
    """Every complaint the actor may read: routed to or about one of its agencies, or of an
    agency its Justice Bureau oversees."""
    ids = policies.readable_agency_ids(actor)
    rows = _base()
    if ids is None:
        return rows
    return rows.filter(Q(handling_agency_id__in=ids) | Q(agency_id__in=ids))


def complaint_for(actor: Actor, pk: Any) -> Complaint:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk <= MAX_ID:
        raise NotFound()
    complaint = _base().filter(pk=pk).first()
    if complaint is None or not policies.reads(actor, complaint):
        raise NotFound()
    return complaint


def complaint_follow(code: Any, secret: Any) -> Complaint | None:
    """The complaint of a receipt code and its secret; None for an unknown code and for a
    wrong secret alike (no way to tell which codes exist)."""
    code = code.strip().upper() if isinstance(code, str) else ""
    secret = secret if isinstance(secret, str) else ""
    complaint = None
    if code.startswith(CODE_PREFIX) and 4 < len(code) <= 20 and code.isalnum():
        complaint = _base().filter(number=code).first()
    if not secret_matches(complaint, secret[:64]):
        return None
    return complaint


def timeline(complaint: Complaint, *, staff: bool) -> QuerySet[AuditEvent]:
    """The complaint's history over the event spine: staff see every step, the complainant the
    public ones (no reminders, overdue flags, supervision orders or identity views)."""
    rows = events_about(complaint)
    return rows if staff else rows.filter(visibility__in=(APPLICANT, PUBLIC))


def verification_url(complaint: Complaint) -> str:
    """The verification task's page, when the verification app serves it."""
    from django.urls import NoReverseMatch, reverse

    if not complaint.verification_task_id:
        return ""
    try:
        return reverse("verification:task", args=[complaint.verification_task_id])
    except NoReverseMatch:
        return ""


# --- the Justice Bureau's oversight ---------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    agency: int | None = None
    kind: str = ""
    status: str = ""
    overdue: bool = False
    escalated: bool = False
    rating: str = ""


def filtered(rows: QuerySet[Complaint], f: Filters, *, today: date | None = None):
    today = today or timezone.localdate()
    if f.agency:
        rows = rows.filter(Q(handling_agency_id=f.agency) | Q(agency_id=f.agency))
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.status:
        rows = rows.filter(status=f.status)
    if f.overdue:
        rows = rows.filter(status__in=OPEN_STATUSES, due_date__lt=today)
    if f.escalated:
        rows = rows.filter(escalated_at__isnull=False)
    if f.rating:
        rows = rows.filter(rating=f.rating)
    return rows


def counts_per_agency(rows: QuerySet[Complaint], *, today: date | None = None) -> list[dict]:
    """Per agency complained about: complaints, open, overdue, escalated, dissatisfied (one
    GROUP BY, the agencies with most complaints first)."""
    today = today or timezone.localdate()
    open_q = Q(status__in=OPEN_STATUSES)
    return list(
        rows.order_by()
        .values("agency_id", "agency__name")
        .annotate(
            total=Count("id"),
            open_count=Count("id", filter=open_q),
            overdue=Count("id", filter=open_q & Q(due_date__lt=today)),
            escalated_count=Count("id", filter=Q(escalated_at__isnull=False)),
            dissatisfied=Count("id", filter=Q(rating="dissatisfied")),
            answered=Count("id", filter=Q(status=Status.ANSWERED)),
        )
        .order_by("-total", "agency__name")[:LIST_LIMIT]
    )


def cluster_settings() -> tuple[int, int]:
    """(days, minimum): a cluster is at least `minimum` complaints within `days`."""
    return (
        int(getattr(settings, "COMPLAINTS_CLUSTER_DAYS", 90)),
        int(getattr(settings, "COMPLAINTS_CLUSTER_MIN", 3)),
    )


def clusters(rows: QuerySet[Complaint], *, now: Any = None) -> list[dict]:
    """Complaints about the same agency, matter or subject, at least the minimum within the
    period: one GROUP BY each, the largest first, bounded."""
    days, minimum = cluster_settings()
    since = (now or timezone.now()) - timedelta(days=days)
    recent = rows.filter(submitted_at__gte=since).order_by()
    out: list[dict] = []
    for what, key, label in (
        ("agency", "agency_id", "agency__name"),
        ("matter", "matter_id", "matter__name"),
        ("subject", "subject_id", "subject__name"),
    ):
        groups = (
            recent.exclude(**{f"{key}__isnull": True})
            .values(key, label)
            .annotate(n=Count("id"))
            .filter(n__gte=minimum)
            .order_by("-n", key)[:CLUSTER_LIMIT]
        )
        out += [{"what": what, "id": g[key], "label": g[label], "count": g["n"]} for g in groups]
    out.sort(key=lambda g: -g["count"])
    return out

"""Reads of the daily portal check (R-8.1), scoped to the actor: per overseen agency its last
check, open findings and changes; an agency's checks by date and its findings (open and
resolved, with first and last seen); a check with its snapshot and what changed. A constant
number of queries per page, whatever the number of agencies, checks or findings."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from chengnuo.agencies.constants import AgencyKind
from chengnuo.agencies.models import Agency
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound

from . import policies_portalchecks as policies
from .models import PortalCheck, PortalFinding

AGENCIES_MAX = 500
CHECKS_MAX = 90
FINDINGS_MAX = 300


def _agencies(actor: Actor) -> QuerySet[Agency]:
    ids = policies.reading_ids(actor)
    rows = Agency.objects.filter(kind=AgencyKind.ORDINARY)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows


def agency_choices(actor: Actor) -> list[Agency]:
    return list(_agencies(actor).only("id", "name").order_by("name")[:AGENCIES_MAX])


def overview(actor: Actor, *, agency_id: int | None = None) -> list[dict[str, Any]]:
    """Per agency the actor reads: the last check (date, counts, changes) and its open
    findings, most open findings first."""
    last = PortalCheck.objects.filter(agency=OuterRef("pk")).order_by("-day").values("pk")[:1]
    open_count = (
        PortalFinding.objects.filter(agency=OuterRef("pk"), resolved_on__isnull=True)
        .order_by()
        .values("agency")
        .annotate(n=Count("pk"))
        .values("n")
    )
    sent_count = (
        PortalFinding.objects.filter(
            agency=OuterRef("pk"), resolved_on__isnull=True, rectification__isnull=False
        )
        .order_by()
        .values("agency")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = _agencies(actor)
    if agency_id:
        rows = rows.filter(pk=agency_id)
    agencies = list(
        rows.annotate(
            last_check_id=Subquery(last),
            open_findings=Coalesce(Subquery(open_count, output_field=IntegerField()), 0),
            sent_findings=Coalesce(Subquery(sent_count, output_field=IntegerField()), 0),
        )
        .only("id", "name", "region", "level")
        .order_by("-open_findings", "name")[:AGENCIES_MAX]
    )
    checks = {
        c.pk: c
        for c in PortalCheck.objects.filter(
            pk__in=[a.last_check_id for a in agencies if a.last_check_id]  # type: ignore[attr-defined]
        ).defer("snapshot")
    }
    return [
        {
            "agency": a,
            "check": checks.get(a.last_check_id),  # type: ignore[attr-defined]
            "open": a.open_findings,  # type: ignore[attr-defined]
            "sent": a.sent_findings,  # type: ignore[attr-defined]
        }
        for a in agencies
    ]


def agency_for(actor: Actor, pk: int) -> Agency:
    agency = Agency.objects.filter(pk=pk, kind=AgencyKind.ORDINARY).first()
    if agency is None or not policies.may_read(actor, agency.pk):
        raise NotFound()
    return agency


def checks_of(agency: Agency) -> list[PortalCheck]:
    return list(
        PortalCheck.objects.filter(agency=agency).defer("snapshot").order_by("-day")[:CHECKS_MAX]
    )


def _findings(agency: Agency) -> QuerySet[PortalFinding]:
    return PortalFinding.objects.filter(agency=agency).select_related("item", "rectification")


def open_findings(agency: Agency) -> list[PortalFinding]:
    return list(
        _findings(agency)
        .filter(resolved_on__isnull=True)
        .order_by("item_code", "kind")[:FINDINGS_MAX]
    )


def resolved_findings(agency: Agency) -> list[PortalFinding]:
    return list(
        _findings(agency)
        .filter(resolved_on__isnull=False)
        .order_by("-resolved_on", "item_code", "kind")[:FINDINGS_MAX]
    )


def check_for(actor: Actor, pk: int) -> PortalCheck:
    check = PortalCheck.objects.select_related("agency", "previous").filter(pk=pk).first()
    if check is None or not policies.may_read(actor, check.agency_id):
        raise NotFound()
    return check


def findings_at(check: PortalCheck) -> list[PortalFinding]:
    """The findings open on the check's day."""
    return list(
        _findings(check.agency)
        .filter(first_seen__lte=check.day)
        .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=check.day))
        .order_by("item_code", "kind")[:FINDINGS_MAX]
    )

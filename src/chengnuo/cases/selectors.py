"""Reads of cases, scoped to the actor: an applicant sees the cases of the subjects linked to the
account; staff see their agencies' cases (the Justice Bureau those it reviews, R-8.1); nobody
else sees anything (404). Published commitments are public for their period (R-6.3)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from chengnuo.accounts.actors import user_of
from chengnuo.agencies.models import Agency
from chengnuo.audit.models import AuditEvent
from chengnuo.audit.services import events_about
from chengnuo.catalog.constants import DisclosureScope
from chengnuo.catalog.models import CertificationItem, Matter
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound
from chengnuo.core.events import APPLICANT, PUBLIC
from chengnuo.core.rules import MAX_ID
from chengnuo.credit.selectors import search_shown_name

from . import policies
from .constants import CONCLUDED, CaseStatus, CommitmentStatus
from .models import Case, CaseItem, Commitment, Proof

PORTAL_SCOPES = (DisclosureScope.WEBSITE, DisclosureScope.NATIONAL_PLATFORM)
# the service hall shows what the portal publishes and what is published at the venue only
HALL_SCOPES = (DisclosureScope.SERVICE_HALL, *PORTAL_SCOPES)


def _base() -> QuerySet[Case]:
    return Case.objects.select_related("matter", "agency", "subject", "decided_by")


def cases_visible_to(actor: Actor) -> QuerySet[Case]:
    user = user_of(actor)
    if user is None:
        return Case.objects.none()
    from chengnuo.credit.models import SubjectLink

    own = Q(subject__in=SubjectLink.objects.filter(user=user).values("subject_id"))
    agency_ids = policies.staff_readable_agency_ids(actor)
    if agency_ids is None:
        return _base()
    return _base().filter(own | Q(agency_id__in=agency_ids))


def my_cases(actor: Actor) -> QuerySet[Case]:
    """The applicant's own cases (of the subjects linked to the account)."""
    user = user_of(actor)
    if user is None:
        return Case.objects.none()
    from chengnuo.credit.models import SubjectLink

    return _base().filter(subject__in=SubjectLink.objects.filter(user=user).values("subject_id"))


def staff_cases(
    actor: Actor,
    *,
    status: str = "",
    matter_id: int | None = None,
    overdue: bool = False,
    q: str = "",
    on: date | None = None,
) -> QuerySet[Case]:
    """The officer's queue: cases of the agencies the actor handles or reads, filtered."""
    agency_ids = policies.staff_readable_agency_ids(actor)
    qs = _base() if agency_ids is None else _base().filter(agency_id__in=agency_ids)
    if status in CaseStatus.values:
        qs = qs.filter(status=status)
    if matter_id:
        qs = qs.filter(matter_id=matter_id)
    if overdue:
        qs = qs.filter(status=CaseStatus.SUBMITTED, due_date__lt=on or timezone.localdate())
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(matter__name__icontains=q))
    return qs.order_by("due_date", "-created_at") if status == CaseStatus.SUBMITTED else qs


def case_get_for(actor: Actor, number: str) -> Case:
    if not isinstance(number, str) or not 0 < len(number) <= 32:
        raise NotFound()
    case = cases_visible_to(actor).filter(number=number).first()
    if case is None:
        raise NotFound()
    return case


def case_lines(case: Case) -> list[CaseItem]:
    return list(
        case.items.select_related("item", "catalog_version").prefetch_related(
            Prefetch("commitments", queryset=Commitment.objects.order_by("signed_at", "id")),
            Prefetch("proofs", queryset=Proof.objects.order_by("id")),
        )
    )


def case_line_get(case: Case, item_code: str) -> CaseItem:
    line = case.items.select_related("case", "item").filter(item__code=item_code).first()
    if line is None:
        raise NotFound()
    return line


def case_timeline(case: Case, *, staff: bool) -> QuerySet[AuditEvent]:
    """The case's history: a selector over the event spine — everything that happened to the
    case, from every app, in order (ADR 0009). The applicant sees the kinds meant for the
    applicant (and the public), not those for staff (draws, pending tasks, requests to other
    agencies)."""
    rows = events_about(case)
    return rows if staff else rows.filter(visibility__in=(APPLICANT, PUBLIC))


def commitment_get_for(actor: Actor, pk: Any) -> Commitment:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk <= MAX_ID:
        raise NotFound()
    c = (
        Commitment.objects.select_related(
            "case", "item", "subject", "commitment_version", "notification_version"
        )
        .filter(pk=pk, case__in=cases_visible_to(actor))
        .first()
    )
    if c is None:
        raise NotFound()
    return c


def proof_get_for(actor: Actor, pk: Any) -> Proof:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk <= MAX_ID:
        raise NotFound()
    proof = (
        Proof.objects.select_related("case_item__case", "case_item__item")
        .filter(pk=pk, case_item__case__in=cases_visible_to(actor))
        .first()
    )
    if proof is None:
        raise NotFound()
    return proof


def public_commitments(
    *,
    on: date | None = None,
    agency_id: int | None = None,
    scopes: tuple[str, ...] = PORTAL_SCOPES,
    region: str = "",
    q: str = "",
    item: str = "",
    published_from: date | None = None,
    published_to: date | None = None,
) -> QuerySet[Commitment]:
    """R-6.3: commitments published today (their period runs) in one of `scopes` (the portal's
    by default; the service hall's screen adds the venue's own), of approved cases, newest
    first; the templates show masked names and identifiers only. The filters narrow by the
    case's agency or its region, the subject's shown name (`credit.selectors.search_shown_name`:
    only what the list shows is searchable), the item's name and the publication date (both
    ends included)."""
    today = on or timezone.localdate()
    qs = Commitment.objects.select_related(
        "case__agency", "case__matter", "item", "subject"
    ).filter(
        status=CommitmentStatus.SIGNED,
        case__status=CaseStatus.APPROVED,
        disclosure_scope__in=scopes,
        publish_from__lte=today,
        publish_to__gte=today,
    )
    if agency_id:
        qs = qs.filter(case__agency_id=agency_id)
    if region:
        qs = qs.filter(case__agency__region=region)
    if item:
        qs = qs.filter(item__name__icontains=item)
    if published_from:
        qs = qs.filter(publish_from__gte=published_from)
    if published_to:
        qs = qs.filter(publish_from__lte=published_to)
    return search_shown_name(qs, q).order_by("-publish_from", "-id")


def publishing_agencies(scopes: tuple[str, ...] = PORTAL_SCOPES) -> list[tuple[int, str]]:
    """(id, name) of the agencies whose matters require an item published in one of `scopes`:
    the choices of the public list's agency filter, read from the catalog (a few hundred rows
    at most), not from the commitments."""
    items = CertificationItem.objects.filter(
        disclosure_scope__in=scopes, matters__agency=OuterRef("pk")
    )
    return list(
        Agency.objects.filter(Exists(items))
        .order_by("level", "region", "name")
        .values_list("id", "name")
    )


def public_commitment_get(pk: Any, *, on: date | None = None) -> Commitment:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk <= MAX_ID:
        raise NotFound()
    c = public_commitments(on=on).filter(pk=pk).first()
    if c is None:
        raise NotFound()
    return c


def withdrawal_counts(actor: Actor) -> dict[str, int]:
    """Statistics of the actor's agencies: commitments signed, withdrawn, and cases concluded."""
    cases = staff_cases(actor)
    commitments = Commitment.objects.filter(case__in=cases)
    return {
        "cases": cases.count(),
        "concluded": cases.filter(status__in=CONCLUDED).count(),
        "signed": commitments.count(),
        "withdrawn": commitments.filter(status=CommitmentStatus.WITHDRAWN).count(),
    }


def matters_for_application() -> QuerySet[Matter]:
    """The matters an applicant can apply for online: those published on the portal."""
    from chengnuo.catalog.selectors import public_matters

    return public_matters()

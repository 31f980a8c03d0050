"""Reads of case-file review (R-8.1), scoped to the actor: the Justice Bureau's reviewers read
the rounds of the agencies they oversee, an agency admin its own agency's; anyone else sees
nothing (404). No page reads a round's pool (it is only in the published download)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from chengnuo.audit.models import AuditEvent
from chengnuo.audit.services import events_about
from chengnuo.cases.models import Case
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound
from chengnuo.core.rules import MAX_ID

from . import policies_casereview as policies
from .models import CaseFileScore, CaseReview, ScoringSheet

LIST_LIMIT = 200
EVENTS_LIMIT = 200
# every field of a round but its pool, which grows with the agency's cases
LIGHT = ("pool",)


def _pk(value: Any) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk <= MAX_ID:
        raise NotFound()
    return pk


def _scoped(actor: Actor) -> QuerySet[CaseReview]:
    rows = CaseReview.objects.select_related("agency", "sheet", "opened_by").defer(*LIGHT)
    if policies.is_system_admin(actor):
        return rows
    return rows.filter(agency_id__in=policies.overseen_ids(actor) | policies.admin_ids(actor))


def reviews_for(actor: Actor) -> list[CaseReview]:
    return list(_scoped(actor)[:LIST_LIMIT])


def review_for(actor: Actor, pk: Any, *, with_pool: bool = False) -> CaseReview:
    rows = _scoped(actor)
    if with_pool:
        rows = rows.defer(None).select_related("agency", "sheet", "opened_by")
    review = rows.filter(pk=_pk(pk)).first()
    if review is None:
        raise NotFound()
    return review


def sample(review: CaseReview) -> list[dict[str, Any]]:
    """The sampled files in draw order, each with its case and current score (and whether a
    rectification notice was issued for it)."""
    from .models import Rectification

    cases = {
        c.number: c
        for c in Case.objects.filter(agency_id=review.agency_id, number__in=review.selected)
        .select_related("matter")
        .only("pk", "number", "status", "decided_at", "matter__name")
    }
    scores = {
        s.case_id: s
        for s in CaseFileScore.objects.filter(review=review, current=True).select_related(
            "reviewer"
        )
    }
    notices = {
        r.target_id: r
        for r in Rectification.objects.filter(
            target_type=spine.target_type_of(CaseFileScore()),
            target_id__in=[s.pk for s in scores.values()],
        )
    }
    rows = []
    for position, number in enumerate(review.selected, start=1):
        case = cases.get(number)
        score = scores.get(case.pk) if case is not None else None
        rows.append(
            {
                "position": position,
                "number": number,
                "case": case,
                "score": score,
                "notice": notices.get(score.pk) if score is not None else None,
            }
        )
    return rows


def grade_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        if r["score"] is not None:
            out[r["score"].grade] = out.get(r["score"].grade, 0) + 1
    return out


def sampled_case(review: CaseReview, number: str) -> Case:
    if not isinstance(number, str) or number not in review.selected:
        raise NotFound()
    case = (
        Case.objects.filter(agency_id=review.agency_id, number=number)
        .select_related("matter", "subject")
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def case_events(case: Case) -> list[AuditEvent]:
    """The case's history (its events on the spine), to cite as evidence."""
    return list(events_about(case)[:EVENTS_LIMIT])


def scores_of(review: CaseReview, case: Case) -> list[CaseFileScore]:
    """Every scoring of the file, the current first, corrections kept."""
    return list(
        CaseFileScore.objects.filter(review=review, case=case)
        .select_related("reviewer", "corrects")
        .prefetch_related("lines__item")
        .order_by("-current", "-scored_at", "-id")[:50]
    )


def sheet_for(actor: Actor, pk: Any) -> ScoringSheet:
    if not policies.reads_any(actor):
        raise NotFound()
    sheet = ScoringSheet.objects.filter(pk=_pk(pk)).prefetch_related("items").first()
    if sheet is None:
        raise NotFound()
    return sheet


def versions_of(sheet: ScoringSheet) -> list[ScoringSheet]:
    return list(ScoringSheet.objects.filter(name=sheet.name).order_by("-version")[:50])


def latest_sheets() -> list[ScoringSheet]:
    seen: set[str] = set()
    out = []
    for s in ScoringSheet.objects.order_by("name", "-version")[:100]:
        if s.name not in seen:
            seen.add(s.name)
            out.append(s)
    return out

"""Reads of the catalog's learning from outcomes (R-8.1, R-7.2), scoped to the actor: the
figures of the latest period of the agencies the reviewer oversees, their suggestions, and the
proposals of the agency admin's own agency. Every list is one indexed query per page (the
figures are computed by the daily job, never on page load)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, QuerySet

from chengnuo.agencies.models import Agency
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound

from . import policies_learning as policies
from .constants_learning import ProposalStatus, SuggestionStatus
from .models import AgencyProposal, ItemOutcome, LearningSuggestion

SORTS: dict[str, list[Any]] = {
    "rate": [F("rate").desc(nulls_last=True), F("lower").desc(nulls_last=True), "item_id"],
    "lower": [F("lower").desc(nulls_last=True), "item_id"],
    "verified": ["-verified", "item_id"],
    "withdrawals": ["-withdrawals", "item_id"],
    "complaints": ["-complaints", "item_id"],
    "rate_asc": [F("rate").asc(nulls_last=True), "item_id"],
}


def latest_period_end() -> dt.date | None:
    return ItemOutcome.objects.order_by("-period_end").values_list("period_end", flat=True).first()


def outcomes(
    actor: Actor,
    *,
    agency_id: int | None = None,
    sort: str = "rate",
    period_end: dt.date | None = None,
) -> QuerySet:
    """The figures of the period ending `period_end` (default: the latest) of the agencies the
    actor oversees."""
    scope = policies.overseen_scope(actor)
    end = period_end or latest_period_end()
    rows = ItemOutcome.objects.filter(period_end=end) if end else ItemOutcome.objects.none()
    if scope is not None:
        rows = rows.filter(agency_id__in=scope)
    if agency_id is not None:
        rows = rows.filter(agency_id=agency_id)
    return rows.select_related("item", "agency").order_by(*SORTS.get(sort, SORTS["rate"]))


def agencies(actor: Actor) -> list[Agency]:
    """The agencies the filter offers: those the actor oversees that have items assessed."""
    scope = policies.overseen_scope(actor)
    rows = Agency.objects.filter(kind="ordinary").order_by("name")
    if scope is not None:
        rows = rows.filter(pk__in=scope)
    return list(rows.only("pk", "name")[:500])


def suggestions(actor: Actor, *, status: str = SuggestionStatus.SUGGESTED) -> QuerySet:
    scope = policies.overseen_scope(actor)
    rows = LearningSuggestion.objects.filter(status=status)
    if scope is not None:
        rows = rows.filter(item__agency_id__in=scope)
    return rows.select_related("item__agency", "decided_by").order_by("-created_at", "-id")


def suggestion_for(actor: Actor, pk: int) -> LearningSuggestion:
    if not policies.overseer(actor):
        raise NotFound()
    row = (
        LearningSuggestion.objects.select_related("item__agency", "decided_by", "outcome")
        .filter(pk=pk)
        .first()
    )
    scope = policies.overseen_scope(actor)
    if row is None or (scope is not None and row.item.agency_id not in scope):
        raise NotFound()
    return row


def proposal_of(suggestion: LearningSuggestion) -> AgencyProposal | None:
    return AgencyProposal.objects.filter(suggestion=suggestion).first()


def proposals(actor: Actor, *, status: str = "") -> QuerySet:
    scope = policies.proposal_scope(actor)
    rows = AgencyProposal.objects.all()
    if scope is not None:
        rows = rows.filter(agency_id__in=scope)
    if status in ProposalStatus.values:
        rows = rows.filter(status=status)
    return rows.select_related("agency", "item").order_by("-created_at", "-id")


def proposal_for(actor: Actor, pk: int) -> AgencyProposal:
    scope = policies.proposal_scope(actor)
    row = (
        AgencyProposal.objects.select_related("agency", "item", "created_by", "answered_by")
        .filter(pk=pk)
        .first()
    )
    if row is None or (scope is not None and row.agency_id not in scope):
        raise NotFound()
    return row

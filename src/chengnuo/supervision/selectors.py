"""Reads of routine supervision, scoped to the actor (R-4.3): the public sees published item
lists, completed draws and published results; staff see their agencies' plans and tasks."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound

from . import draw as algorithm
from . import policies
from .constants import INLINE_POOL_LIMIT, DrawStatus, TaskStatus
from .models import Draw, InspectionItem, InspectionTask, Plan, PoolSnapshot


def public_items() -> QuerySet[InspectionItem]:
    return (
        InspectionItem.objects.filter(published=True, active=True)
        .select_related("agency")
        .prefetch_related("matters")
        .order_by("agency__name", "code")
    )


def public_draws() -> QuerySet[Draw]:
    """Draws anyone may read: those whose seed commitments are public (all of them)."""
    return Draw.objects.select_related("plan__lead_agency").order_by("-opened_at", "-id")


def draw_by_id(pk: int) -> Draw:
    draw = public_draws().filter(pk=pk).first()
    if draw is None:
        raise NotFound()
    return draw


def pool_members(draw: Draw, key: str) -> list[str]:
    snap = PoolSnapshot.objects.filter(draw=draw, kind=PoolSnapshot.Kind.SUBJECTS, key=key).first()
    return snap.members() if snap else []


def draw_public(draw: Draw, *, inline_limit: int = INLINE_POOL_LIMIT) -> dict[str, Any]:
    """The draw as published: what a third party needs to recompute it (`draw.recompute`).
    Pools over `inline_limit` members are a download (one reference per line)."""
    plan = draw.plan
    shares = [
        {
            "party": s.party,
            "party_label": s.get_party_display(),
            "agency": s.agency.name,
            "commitment": s.commitment,
            "committed_at": s.committed_at.isoformat(),
            "share": s.share or None,
            "revealed_at": s.revealed_at.isoformat() if s.revealed_at else None,
        }
        for s in sorted(draw.shares.select_related("agency"), key=party_order)
    ]
    snapshots = {
        p.key: p for p in PoolSnapshot.objects.filter(draw=draw, kind=PoolSnapshot.Kind.SUBJECTS)
    }
    strata = []
    whole: list[str] | None = [] if draw.pool_size <= inline_limit else None
    for s in draw.strata:
        snap = snapshots.get(s["key"])
        members = snap.members() if snap is not None and s["size"] <= inline_limit else None
        if whole is not None:
            whole += members or []
        strata.append(
            {
                **s,
                "pool": members,
                "pool_url": reverse(
                    "api:supervision_draw_pool", args=[draw.pk, s["key"].replace("/", ".") or "-"]
                ),
            }
        )
    selected = sorted(r for s in draw.strata for r in s["selected"])
    return {
        "id": draw.pk,
        "number": draw.number,
        "status": draw.status,
        "algorithm": draw.algorithm,
        "plan": {
            "number": plan.number,
            "title": plan.title,
            "lead_agency": plan.lead_agency.name,
            "member_agencies": sorted(a.name for a in plan.member_agencies.all()),
            "period_start": plan.period_start.isoformat(),
            "period_end": plan.period_end.isoformat(),
        },
        "shares": shares,
        "seed": draw.seed or None,
        "pool": sorted(whole)
        if whole is not None and draw.status != DrawStatus.COMMITTING
        else None,
        "pool_size": draw.pool_size,
        "pool_digest": draw.pool_digest or None,
        "quota": draw.quota,
        "selected": selected,
        "strata": strata,
        "inspectors": draw.inspectors or None,
        "replaces": draw.replaces_id,
        "replaced_by": getattr(getattr(draw, "replaced_by", None), "pk", None),
        "redraw_reason": draw.redraw_reason or None,
        "opened_at": draw.opened_at.isoformat(),
        "frozen_at": draw.frozen_at.isoformat() if draw.frozen_at else None,
        "drawn_at": draw.drawn_at.isoformat() if draw.drawn_at else None,
    }


def recomputed(draw: Draw) -> bool | None:
    """The platform's own recomputation of a completed draw from what it publishes (None for
    pools too large to recompute on a page: download them and run the published tool)."""
    if draw.status == DrawStatus.COMMITTING or draw.pool_size > INLINE_POOL_LIMIT:
        return None
    return algorithm.recompute(draw_public(draw)) == []


def party_order(share: Any) -> int:
    """The order the shares combine in (`draw.combine_seed`): the lead agency's first."""
    return 0 if share.party == "lead" else 1


def plans_for(actor: Actor) -> QuerySet[Plan]:
    ids = policies.readable_agency_ids(actor)
    rows = Plan.objects.select_related("lead_agency").order_by("-period_start", "-id")
    if ids is None:
        return rows
    from django.db.models import Q

    return rows.filter(
        Q(lead_agency_id__in=ids)
        | Q(pk__in=Plan.member_agencies.through.objects.filter(agency_id__in=ids).values("plan_id"))
    )


def plan_for(actor: Actor, pk: int) -> Plan:
    plan = Plan.objects.select_related("lead_agency").filter(pk=pk).first()
    if plan is None or not policies.reads_plan(actor, plan):
        raise NotFound()
    return plan


def tasks_of_inspector(actor: Actor) -> QuerySet[InspectionTask]:
    return (
        InspectionTask.objects.filter(inspectors__user_id=getattr(actor, "pk", 0) or 0)
        .select_related("entry__subject", "plan__lead_agency")
        .order_by("status", "due_date", "id")
        .distinct()
    )


def task_for(actor: Actor, pk: int) -> InspectionTask:
    task = (
        InspectionTask.objects.select_related(
            "entry__subject", "entry__matter", "plan__lead_agency", "draw"
        )
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise NotFound()
    drawn = task.inspectors.filter(user_id=getattr(actor, "pk", 0) or 0).exists()
    if not drawn and not policies.reads_plan(actor, task.plan):
        raise NotFound()
    return task


def published_results(
    *, subject: str = "", agency_id: int | None = None, year: int | None = None
) -> QuerySet[InspectionTask]:
    """一公开: published results, searchable by subject name, agency and period."""
    rows = InspectionTask.objects.filter(status=TaskStatus.PUBLISHED).select_related(
        "entry__subject", "plan__lead_agency"
    )
    if subject:
        rows = rows.filter(entry__subject__name__contains=subject, entry__subject__kind="entity")
    if agency_id:
        rows = rows.filter(plan__lead_agency_id=agency_id)
    if year:
        rows = rows.filter(completed_at__year=year)
    return rows.order_by("-published_at", "-id")

"""The lawful contexts verification gives staff to reach a committer (credit.access, R-5.6):
an assistance request addressed to their agency. Its handler may see the full identifier while
the request is open, to find the person's record (the requested agency otherwise sees only the
masked number)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from chengnuo.core.actors import Actor
from chengnuo.credit.access import AccessContext

from . import policies
from .constants import AssistanceStatus


def assistance_contexts(actor: Actor, subject: Any) -> list[AccessContext]:
    from .models import AssistanceRequest

    agencies = policies.answers_for(actor)
    if not agencies:
        return []
    rows = (
        AssistanceRequest.objects.filter(
            requested_agency_id__in=agencies, task__commitment__subject=subject
        )
        .select_related("requesting_agency")
        .order_by("-requested_at")[:5]
    )
    return [
        AccessContext(
            f"assistance:{r.pk}",
            "assistance",
            f"协助核查请求（{r.requesting_agency.name}，答复期限{r.deadline:%Y-%m-%d}）",
            r.requested_agency_id,
            unmask=actor is not None
            and r.handler_id == actor.pk
            and r.status == AssistanceStatus.OPEN,
            url=reverse("verification:assistance_detail", args=[r.pk]),
        )
        for r in rows
    ]

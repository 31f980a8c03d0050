"""The lawful context cases give staff to reach an applicant (credit.access, R-5.6, R-5.7): a
case of their agency naming the subject, for the roles that handle or verify it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from chengnuo.agencies.policies import agency_ids_with_role
from chengnuo.core.actors import Actor
from chengnuo.credit.access import LOOKUP_ROLES, AccessContext


def case_contexts(actor: Actor, subject: Any) -> list[AccessContext]:
    from .models import Case

    agencies = agency_ids_with_role(actor, *LOOKUP_ROLES)
    if not agencies:
        return []
    rows = (
        Case.objects.filter(subject=subject, agency_id__in=agencies)
        .select_related("matter")
        .order_by("-created_at", "-id")[:5]
    )
    return [
        AccessContext(
            f"case:{c.number}",
            "case",
            f"办件{c.number}（{c.matter.name}，{c.get_status_display()}）",
            c.agency_id,
            url=reverse("cases:detail", kwargs={"number": c.number}),
        )
        for c in rows
    ]

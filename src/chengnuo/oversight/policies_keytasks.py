"""Who may do what with the key-task table (R-8.3).

- The Justice Bureau's reviewers read the table for the agencies they oversee (a city bureau:
  all; a county bureau: its region) and add custom tasks for them; a task's state per unit is
  shown only for units the reader oversees. "各有关部门落实" is the city bureau's to set.
- An agency admin sees the tasks its agency is a unit of and reports that agency's progress.
- Joint inspections: planned by a reviewer, concluded by one of their members or a reviewer."""

from __future__ import annotations

import contextlib
from typing import Any

from chengnuo.agencies.constants import AgencyKind, Level, Role
from chengnuo.agencies.models import Agency
from chengnuo.agencies.policies import (
    agency_ids_with_role,
    is_system_admin,
    memberships,
    reviewable_agency_ids,
)
from chengnuo.core.actors import Actor

__all__ = ["is_system_admin"]


def overseen_ids(actor: Actor) -> set[int]:
    """Agencies whose units' states the actor reads as the Justice Bureau."""
    cache_owner = actor
    cached = getattr(cache_owner, "_chengnuo_keytask_overseen", None)
    if cached is None:
        cached = reviewable_agency_ids(actor)
        with contextlib.suppress(AttributeError):
            setattr(cache_owner, "_chengnuo_keytask_overseen", cached)  # noqa: B010
    return set(cached)


def is_city_bureau(actor: Actor) -> bool:
    return any(
        m.role == Role.JUSTICE_REVIEWER
        and m.agency is not None
        and m.agency.kind == AgencyKind.JUSTICE_BUREAU
        and m.agency.level == Level.CITY
        for m in memberships(actor)
    )


def reporting_ids(actor: Actor) -> set[int]:
    """Agencies whose progress the actor reports (their admins)."""
    return agency_ids_with_role(actor, Role.AGENCY_ADMIN)


def ordinary_ids() -> set[int]:
    """The agencies "各有关部门" means: every active ordinary agency."""
    return set(Agency.objects.filter(kind=AgencyKind.ORDINARY).values_list("pk", flat=True))


def unit_ids(task: Any, ordinary: set[int] | None = None) -> set[int]:
    """The units that report on a task: its leads, its responsible agencies and, where it says
    so, every ordinary agency."""
    ids = {a.pk for a in task.lead_agencies.all()} | {a.pk for a in task.responsible_agencies.all()}
    if task.all_agencies:
        ids |= ordinary if ordinary is not None else ordinary_ids()
    return ids


def reads_table(actor: Actor) -> bool:
    return bool(overseen_ids(actor) or reporting_ids(actor) or is_system_admin(actor))


def visible_unit_ids(actor: Actor, units: set[int]) -> set[int]:
    """The units of a task whose state and reports the actor may see."""
    if is_system_admin(actor):
        return set(units)
    return units & (overseen_ids(actor) | reporting_ids(actor))


def may_conclude(actor: Actor, inspection: Any) -> bool:
    if is_system_admin(actor) or overseen_ids(actor):
        return True
    user_id = getattr(actor, "pk", None)
    return any(m.user_id == user_id for m in inspection.members.all())

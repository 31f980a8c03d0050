"""Who may do what in routine supervision (R-4.3, R-4.4): an agency's admin keeps its item
list, inspector directory and key supervision list, plans and draws; the Justice Bureau
contributes a share of every draw's seed and reads every plan, draw and parity report of the
agencies it oversees; inspectors work the tasks they were drawn for; the public reads the
published item lists, draws and results."""

from __future__ import annotations

from typing import Any

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import (
    agency_ids_with_role,
    has_role,
    is_system_admin,
    justice_overseen_agency_ids,
    reviewable_agency_ids,
)
from chengnuo.core.actors import Actor

READ_ROLES = (Role.AGENCY_ADMIN, Role.AUDITOR, Role.INSPECTOR)


def manages(user: Actor, agency_id: int | None) -> bool:
    return agency_id is not None and has_role(user, Role.AGENCY_ADMIN, agency_id)


def readable_agency_ids(user: Actor) -> set[int] | None:
    """Agencies whose plans, tasks and reports the user reads (None: all)."""
    if is_system_admin(user):
        return None
    return agency_ids_with_role(user, *READ_ROLES) | justice_overseen_agency_ids(user)


def reads_agency(user: Actor, agency_id: int) -> bool:
    ids = readable_agency_ids(user)
    return ids is None or agency_id in ids


def reads_plan(user: Actor, plan: Any) -> bool:
    ids = readable_agency_ids(user)
    if ids is None:
        return True
    involved = {plan.lead_agency_id, *(a.pk for a in plan.member_agencies.all())}
    return bool(ids & involved)


def commits_for_justice(user: Actor, agency_id: int) -> bool:
    """A Justice Bureau reviewer overseeing the plan's lead agency contributes the second
    share of the seed."""
    return agency_id in reviewable_agency_ids(user)

"""Who may do what in verification: the agency's case officers handle its tasks and decide
handling; its inspectors complete the inspections assigned to them; the requested agency's
staff answer assistance requests; agency admins edit plans; the data admin keeps the source
registry; agency admins, auditors and the Justice Bureau read (R-8.1)."""

from __future__ import annotations

from typing import Any

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import (
    agency_ids_with_role,
    has_role,
    is_system_admin,
    justice_overseen_agency_ids,
)
from chengnuo.core.actors import Actor

ANSWER_ROLES = (Role.CASE_OFFICER, Role.INSPECTOR, Role.AGENCY_ADMIN, Role.DATA_ADMIN)
READ_ROLES = (Role.CASE_OFFICER, Role.INSPECTOR, Role.AGENCY_ADMIN, Role.AUDITOR)


def handles_task(user: Actor, task: Any) -> bool:
    return has_role(user, Role.CASE_OFFICER, task.agency_id)


def reads_task(user: Actor, task: Any) -> bool:
    ids = readable_agency_ids(user)
    return ids is None or task.agency_id in ids


def readable_agency_ids(user: Actor) -> set[int] | None:
    if is_system_admin(user):
        return None
    return agency_ids_with_role(user, *READ_ROLES) | justice_overseen_agency_ids(user)


def can_edit_plan(user: Actor, agency_id: int) -> bool:
    return has_role(user, Role.AGENCY_ADMIN, agency_id)


def answers_for(user: Actor) -> set[int]:
    """Agencies whose assistance inbox the user works."""
    return agency_ids_with_role(user, *ANSWER_ROLES)


def can_manage_sources(user: Actor) -> bool:
    return has_role(user, Role.DATA_ADMIN) or is_system_admin(user)


def oversees_assistance(user: Actor) -> set[int] | None:
    """The Justice Bureau (its reviewers and auditors) sees the overdue assistance list of the
    agencies it oversees."""
    if is_system_admin(user):
        return None
    return justice_overseen_agency_ids(user)

"""Who may do what with a case. An applicant account acts for its linked subjects; window
clerks and case officers act for cases of their agency; agency admins, auditors and the
Justice Bureau read them (R-8.1 调阅案卷)."""

from __future__ import annotations

from typing import Any

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import (
    agency_ids_with_role,
    has_role,
    is_system_admin,
    reviewable_agency_ids,
)
from chengnuo.core.actors import Actor
from chengnuo.credit.policies import acts_for

HANDLING_ROLES = (Role.WINDOW_CLERK, Role.CASE_OFFICER)
READING_ROLES = (Role.WINDOW_CLERK, Role.CASE_OFFICER, Role.AGENCY_ADMIN, Role.AUDITOR)


def is_applicant_for(user: Actor, case: Any) -> bool:
    return acts_for(user, case.subject_id)


def is_clerk_for(user: Actor, agency_id: int) -> bool:
    return has_role(user, Role.WINDOW_CLERK, agency_id)


def is_officer_for(user: Actor, agency_id: int) -> bool:
    return has_role(user, Role.CASE_OFFICER, agency_id)


def handles(user: Actor, agency_id: int) -> bool:
    """Clerks and officers of the agency act on its cases for the applicant."""
    return is_clerk_for(user, agency_id) or is_officer_for(user, agency_id)


def may_act_on(user: Actor, case: Any) -> bool:
    return is_applicant_for(user, case) or handles(user, case.agency_id)


def staff_readable_agency_ids(user: Actor) -> set[int] | None:
    """None means every agency (system admins)."""
    if is_system_admin(user):
        return None
    return agency_ids_with_role(user, *READING_ROLES) | reviewable_agency_ids(user)


def can_start_window_case(user: Actor) -> bool:
    return bool(agency_ids_with_role(user, Role.WINDOW_CLERK))


def can_decide(user: Actor, agency_id: int) -> bool:
    return is_officer_for(user, agency_id)

"""Who may do what in the catalog (R-7.2)."""

from __future__ import annotations

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import has_role, is_system_admin, reviewable_agency_ids
from chengnuo.core.actors import Actor

from .models import ChangeProposal


def can_manage_catalog(user: Actor, agency_id: int) -> bool:
    """Agency admins propose changes and keep matters of their own agency."""
    return has_role(user, Role.AGENCY_ADMIN, agency_id)


def can_review(user: Actor, proposal: ChangeProposal) -> bool:
    """Justice Bureau reviewers file or return proposals of the agencies they oversee."""
    return has_role(user, Role.JUSTICE_REVIEWER) and proposal.agency_id in reviewable_agency_ids(
        user
    )


def can_apply_due_changes(user: Actor) -> bool:
    return user is None or is_system_admin(user)

"""Who may do what with notification and commitment templates (R-3.1, R-3.2, R-3.3)."""

from __future__ import annotations

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import has_role, reviewable_agency_ids
from chengnuo.core.actors import Actor


def can_edit_templates(user: Actor, agency_id: int) -> bool:
    """Agency admins keep the templates of their own agency's items."""
    return has_role(user, Role.AGENCY_ADMIN, agency_id)


def can_override_lint(user: Actor, agency_id: int) -> bool:
    """R-3.2: only a Justice Bureau reviewer overseeing the agency may publish over blocking
    linter findings (with a written reason)."""
    return has_role(user, Role.JUSTICE_REVIEWER) and agency_id in reviewable_agency_ids(user)


def can_publish_templates(user: Actor, agency_id: int) -> bool:
    return can_edit_templates(user, agency_id) or can_override_lint(user, agency_id)

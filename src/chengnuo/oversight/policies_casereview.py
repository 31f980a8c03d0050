"""Who may do what with case-file review (R-8.1).

- The Justice Bureau's reviewers review the agencies they oversee (a city bureau: every
  agency; a county bureau: its region): they open rounds, freeze and draw, score files and
  issue the findings. The system admin may do everything.
- The scoring sheet is the city's: the city bureau's reviewers revise it (a new version).
- An agency admin reads its own agency's rounds and scores, read-only."""

from __future__ import annotations

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import agency_ids_with_role, is_system_admin
from chengnuo.core.actors import Actor

from .policies_keytasks import overseen_ids  # one cache per request for every part

__all__ = ["is_system_admin", "overseen_ids"]


def admin_ids(actor: Actor) -> set[int]:
    """Agencies whose rounds the actor reads as their admin."""
    return agency_ids_with_role(actor, Role.AGENCY_ADMIN)


def reviews(actor: Actor) -> bool:
    """Opens rounds and scores (for some agency)."""
    return is_system_admin(actor) or bool(overseen_ids(actor))


def reads_any(actor: Actor) -> bool:
    return reviews(actor) or bool(admin_ids(actor))


def reviews_agency(actor: Actor, agency_id: int) -> bool:
    return is_system_admin(actor) or agency_id in overseen_ids(actor)


def reads_agency(actor: Actor, agency_id: int) -> bool:
    return reviews_agency(actor, agency_id) or agency_id in admin_ids(actor)


def revises_sheets(actor: Actor) -> bool:
    from .policies_keytasks import is_city_bureau

    return is_system_admin(actor) or is_city_bureau(actor)

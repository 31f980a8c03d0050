"""Who may do what with fault-tolerance reviews (R-8.4).

- The Justice Bureau's reviewers open and decide reviews of the cases of agencies they oversee
  (a city bureau: all; a county bureau: its region); the system admin everything.
- An agency's admin reads its own agency's reviews, their evidence and decisions (read-only),
  never another agency's. There is no public page: the persons concerned stay inside."""

from __future__ import annotations

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import agency_ids_with_role, is_system_admin
from chengnuo.core.actors import Actor

from .policies_keytasks import overseen_ids  # one cache per request for every part

__all__ = ["is_system_admin", "overseen_ids"]


def admin_ids(actor: Actor) -> set[int]:
    """Agencies whose reviews the actor reads as their admin."""
    return agency_ids_with_role(actor, Role.AGENCY_ADMIN)


def reviews(actor: Actor) -> bool:
    """Opens and decides reviews (somewhere)."""
    return bool(overseen_ids(actor)) or is_system_admin(actor)


def may_review(actor: Actor, agency_id: int) -> bool:
    return is_system_admin(actor) or agency_id in overseen_ids(actor)


def reads(actor: Actor) -> bool:
    return reviews(actor) or bool(admin_ids(actor))


def readable_ids(actor: Actor) -> set[int] | None:
    """The agencies whose reviews the actor reads; None: all (the system admin)."""
    if is_system_admin(actor):
        return None
    return overseen_ids(actor) | admin_ids(actor)

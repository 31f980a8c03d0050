"""Who may do what with the catalog's learning from outcomes (R-8.1, R-7.2).

- The Justice Bureau's reviewers read the figures and the suggestions of the agencies they
  oversee (a city bureau: all; a county bureau: its region) and adopt or dismiss them; the
  system admin everything.
- An agency's admin sees nothing of a suggestion; only the proposals (建议) adopted for its own
  agency, which it answers. The reviewers who oversee the agency read them too."""

from __future__ import annotations

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import agency_ids_with_role, is_system_admin
from chengnuo.core.actors import Actor

from .policies_keytasks import is_city_bureau, overseen_ids

__all__ = ["is_system_admin", "overseen_ids"]


def overseer(actor: Actor) -> bool:
    """Reads the figures and decides the suggestions (for `overseen_ids`, or everything)."""
    return is_system_admin(actor) or bool(overseen_ids(actor))


def overseen_scope(actor: Actor) -> set[int] | None:
    """The agencies whose figures and suggestions the actor reads; None: all (the system admin
    and a city bureau's reviewer, who oversees every agency)."""
    if is_system_admin(actor) or is_city_bureau(actor):
        return None
    return overseen_ids(actor)


def answering_ids(actor: Actor) -> set[int]:
    """Agencies whose proposals the actor answers (their admins)."""
    return agency_ids_with_role(actor, Role.AGENCY_ADMIN)


def proposal_reader(actor: Actor) -> bool:
    return overseer(actor) or bool(answering_ids(actor))


def proposal_scope(actor: Actor) -> set[int] | None:
    """The agencies whose proposals the actor reads; None: all."""
    if is_system_admin(actor) or is_city_bureau(actor):
        return None
    return overseen_ids(actor) | answering_ids(actor)

"""Who may do what with the daily portal check (R-8.1).

- The Justice Bureau's reviewers read the checks and findings of the agencies they oversee (a
  city bureau: all; a county bureau: its region), run a check now and send findings to the
  agency for rectification.
- An agency admin reads its own agency's checks and findings (read-only).
- The system admin reads and does everything."""

from __future__ import annotations

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import agency_ids_with_role, is_system_admin
from chengnuo.core.actors import Actor

from .policies_keytasks import overseen_ids

__all__ = ["is_system_admin", "overseen_ids"]


def overseeing_ids(actor: Actor) -> set[int] | None:
    """Agencies whose checks the actor runs and whose findings it sends; None: all."""
    if is_system_admin(actor):
        return None
    return overseen_ids(actor)


def reading_ids(actor: Actor) -> set[int] | None:
    """Agencies whose checks and findings the actor reads; None: all."""
    overseeing = overseeing_ids(actor)
    if overseeing is None:
        return None
    return overseeing | agency_ids_with_role(actor, Role.AGENCY_ADMIN)


def reads_any(actor: Actor) -> bool:
    ids = reading_ids(actor)
    return ids is None or bool(ids)


def may_run(actor: Actor, agency_id: int) -> bool:
    ids = overseeing_ids(actor)
    return ids is None or agency_id in ids


def may_read(actor: Actor, agency_id: int) -> bool:
    ids = reading_ids(actor)
    return ids is None or agency_id in ids

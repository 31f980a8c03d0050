"""Who may do what with rectification notices (R-8.1).

- The Justice Bureau's reviewers issue notices to the agencies they oversee (a city bureau: all;
  a county bureau: its region), read them, and close or return the agency's answer.
- An agency admin reads its agency's notices and answers them.
- The system admin reads everything (and may act as a reviewer)."""

from __future__ import annotations

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import agency_ids_with_role, is_system_admin
from chengnuo.core.actors import Actor

from .policies_keytasks import overseen_ids


def issuing_ids(actor: Actor) -> set[int] | None:
    """Agencies the actor issues notices to and closes them for; None: all (system admin)."""
    if is_system_admin(actor):
        return None
    return overseen_ids(actor)


def answering_ids(actor: Actor) -> set[int]:
    return agency_ids_with_role(actor, Role.AGENCY_ADMIN)


def reading_ids(actor: Actor) -> set[int] | None:
    """Agencies whose notices the actor reads; None: all."""
    issuing = issuing_ids(actor)
    if issuing is None:
        return None
    return issuing | answering_ids(actor)


def may_issue(actor: Actor, agency_id: int) -> bool:
    ids = issuing_ids(actor)
    return ids is None or agency_id in ids


def reads_any(actor: Actor) -> bool:
    ids = reading_ids(actor)
    return ids is None or bool(ids)

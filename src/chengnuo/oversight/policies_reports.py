"""Who may do what with circulated reports (督察情况通报, R-8.2).

- A Justice Bureau reviewer drafts, edits and issues its bureau's reports, for the agencies it
  oversees (a city bureau: all; a county bureau: its region); it reads its bureau's drafts and
  every issued report addressed to an agency it oversees.
- An agency admin reads the issued reports addressed to its agency and acknowledges them for
  it; drafts are never shown to agencies.
- The system admin reads everything and writes nothing (a report is the bureau's document)."""

from __future__ import annotations

from chengnuo.agencies.constants import AgencyKind, Role
from chengnuo.agencies.models import Agency
from chengnuo.agencies.policies import (
    agency_ids_with_role,
    is_system_admin,
    memberships,
    reviewable_agency_ids,
)
from chengnuo.core.actors import Actor

from .policies_keytasks import overseen_ids

__all__ = ["is_system_admin", "overseen_ids", "reviewable_agency_ids"]


def bureau_of(actor: Actor) -> Agency | None:
    """The Justice Bureau the actor drafts reports for (its first as reviewer)."""
    for m in sorted(memberships(actor), key=lambda m: m.agency_id or 0):
        if (
            m.role == Role.JUSTICE_REVIEWER
            and m.agency is not None
            and m.agency.kind == AgencyKind.JUSTICE_BUREAU
        ):
            return m.agency
    return None


def bureau_ids(actor: Actor) -> set[int]:
    """The Justice Bureaus whose reports (drafts too) the actor writes and reads."""
    return {
        m.agency_id
        for m in memberships(actor)
        if m.agency_id is not None
        and m.role == Role.JUSTICE_REVIEWER
        and m.agency is not None
        and m.agency.kind == AgencyKind.JUSTICE_BUREAU
    }


def admin_ids(actor: Actor) -> set[int]:
    """Agencies whose addressed reports the actor reads and acknowledges (their admins)."""
    return agency_ids_with_role(actor, Role.AGENCY_ADMIN)


def drafts(actor: Actor) -> bool:
    return bureau_of(actor) is not None


def reads_reports(actor: Actor) -> bool:
    return drafts(actor) or bool(admin_ids(actor)) or is_system_admin(actor)


def may_edit(actor: Actor, report: object) -> bool:
    return getattr(report, "issuer_id", None) in bureau_ids(actor)

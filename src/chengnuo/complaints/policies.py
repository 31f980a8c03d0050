"""Who may do what with complaints (R-8.1).

- An agency handles the complaints routed to it: its admins and complaint handlers act (accept,
  decline, transfer, extend, answer); its auditors read.
- The Justice Bureau oversees: its reviewers, auditors and complaint handlers read every
  complaint of the agencies it oversees (a city bureau: all; a county bureau: its region); its
  reviewers and complaint handlers issue a supervision order (督办) on an overdue or escalated
  complaint; its complaint handlers also handle escalated complaints like the agency would.
- The complainant's identity is for the Justice Bureau's complaint handlers only, each view
  audited; everyone else sees it sealed."""

from __future__ import annotations

from typing import Any

from chengnuo.agencies.constants import AgencyKind, Role
from chengnuo.agencies.models import Agency
from chengnuo.agencies.policies import agency_ids_with_role, is_system_admin, memberships
from chengnuo.core.actors import Actor, actor_user

HANDLER_ROLES = (Role.AGENCY_ADMIN, Role.COMPLAINT_HANDLER)
READER_ROLES = (*HANDLER_ROLES, Role.AUDITOR)
OVERSIGHT_ROLES = (Role.JUSTICE_REVIEWER, Role.AUDITOR, Role.COMPLAINT_HANDLER)
ORDER_ROLES = (Role.JUSTICE_REVIEWER, Role.COMPLAINT_HANDLER)


def _justice_overseen(user: Actor, roles: tuple[Role, ...]) -> set[int]:
    """Agencies overseen by the Justice Bureau memberships of `user` with one of `roles`
    (read once per request: cached on the user object, like its memberships)."""
    owner = actor_user(user)
    cache = getattr(owner, "_chengnuo_complaint_overseen", None) if owner is not None else None
    if cache is None:
        cache = {}
        if owner is not None:
            setattr(owner, "_chengnuo_complaint_overseen", cache)  # noqa: B010
    if roles not in cache:
        cache[roles] = _overseen(user, roles)
    return set(cache[roles])


def _overseen(user: Actor, roles: tuple[Role, ...]) -> set[int]:
    ids: set[int] = set()
    regions: set[str] = set()
    for m in memberships(user):
        if m.role not in roles or m.agency is None or m.agency.kind != AgencyKind.JUSTICE_BUREAU:
            continue
        if m.agency.level == "city":
            return set(Agency.objects.values_list("id", flat=True))
        regions.add(m.agency.region)
    if regions:
        ids |= set(Agency.objects.filter(region__in=regions).values_list("id", flat=True))
    return ids


def handling_agency_ids(user: Actor) -> set[int]:
    """Agencies whose routed complaints the user acts on."""
    return agency_ids_with_role(user, *HANDLER_ROLES)


def overseen_agency_ids(user: Actor) -> set[int]:
    """Agencies whose complaints the user reads as the Justice Bureau."""
    return _justice_overseen(user, OVERSIGHT_ROLES)


def readable_agency_ids(user: Actor) -> set[int] | None:
    """Agencies whose complaints (routed to them or about them) the user reads (None: all)."""
    if is_system_admin(user):
        return None
    return agency_ids_with_role(user, *READER_ROLES) | overseen_agency_ids(user)


def is_justice(user: Actor) -> bool:
    """A Justice Bureau member with an oversight role, or a system admin."""
    return is_system_admin(user) or bool(
        any(
            m.role in OVERSIGHT_ROLES
            and m.agency is not None
            and m.agency.kind == AgencyKind.JUSTICE_BUREAU
            for m in memberships(user)
        )
    )


def reads(user: Actor, complaint: Any) -> bool:
    ids = readable_agency_ids(user)
    return ids is None or bool({complaint.handling_agency_id, complaint.agency_id} & ids)


def handles(user: Actor, complaint: Any) -> bool:
    """The agency the complaint is routed to; for an escalated complaint also the Justice
    Bureau's complaint handlers overseeing it."""
    if complaint.handling_agency_id in handling_agency_ids(user):
        return True
    return complaint.escalated_at is not None and complaint.handling_agency_id in (
        _justice_overseen(user, (Role.COMPLAINT_HANDLER,))
    )


def orders(user: Actor, complaint: Any) -> bool:
    """The Justice Bureau overseeing the handling agency issues supervision orders (督办)."""
    return complaint.handling_agency_id in _justice_overseen(user, ORDER_ROLES)


def sees_identity(user: Actor, complaint: Any) -> bool:
    """Only the Justice Bureau's complaint handlers overseeing the agency complained about."""
    overseen = _justice_overseen(user, (Role.COMPLAINT_HANDLER,))
    return complaint.agency_id in overseen and complaint.handling_agency_id in overseen

"""Who holds which role where. Every scoped selector starts from these helpers."""

from __future__ import annotations

from chengnuo.core.actors import Actor, actor_user

from .constants import STAFF_ROLES, Role
from .models import Agency, Membership


def memberships(actor: Actor) -> list[Membership]:
    user = actor_user(actor)
    if user is None:
        return []
    cached = getattr(user, "_chengnuo_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user_id=user.pk).select_related("agency"))
        setattr(user, "_chengnuo_memberships", cached)  # noqa: B010 — per-request cache
    return cached


def has_role(user: Actor, role: Role | str, agency: Agency | int | None = None) -> bool:
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    return any(
        m.role == role and (agency_id is None or m.agency_id == agency_id)
        for m in memberships(user)
    )


def agency_ids_with_role(user: Actor, *roles: Role | str) -> set[int]:
    return {m.agency_id for m in memberships(user) if m.role in roles and m.agency_id is not None}


def staff_agency_ids(user: Actor) -> set[int]:
    return {m.agency_id for m in memberships(user) if m.role in STAFF_ROLES and m.agency_id}


def is_staff_member(user: Actor) -> bool:
    return any(m.role in STAFF_ROLES for m in memberships(user))


def is_system_admin(user: Actor) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN) or bool(getattr(user, "is_superuser", False))


def reviewable_agency_ids(user: Actor) -> set[int]:
    """Agencies whose catalog changes this Justice Bureau reviewer files (R-7.2).

    A city-level Justice Bureau reviews every agency; a county-level one reviews its region;
    the role held at any other kind of agency reviews nothing.
    """
    return _overseen_by_justice_role(user, Role.JUSTICE_REVIEWER)


def _overseen_by_justice_role(user: Actor, role: Role) -> set[int]:
    """A Justice Bureau member with `role`: a city-level bureau oversees every agency, a
    county-level one its region."""
    ids: set[int] = set()
    for m in memberships(user):
        if m.role != role or m.agency is None or m.agency.kind != "justice_bureau":
            continue
        if m.agency.level == "city":
            return set(Agency.objects.values_list("id", flat=True))
        ids |= set(Agency.objects.filter(region=m.agency.region).values_list("id", flat=True))
    return ids


def auditable_agency_ids(user: Actor) -> set[int]:
    """Agencies whose audit trail the user may read: own agencies' admins and auditors,
    the Justice Bureau (its reviewers and its auditors) for those it oversees, everything for
    system admins."""
    if is_system_admin(user):
        return set(Agency.objects.values_list("id", flat=True))
    ids = agency_ids_with_role(user, Role.AGENCY_ADMIN, Role.AUDITOR)
    return ids | reviewable_agency_ids(user) | _overseen_by_justice_role(user, Role.AUDITOR)


def justice_overseen_agency_ids(user: Actor) -> set[int]:
    """Agencies the Justice Bureau member oversees, as reviewer or as auditor."""
    return reviewable_agency_ids(user) | _overseen_by_justice_role(user, Role.AUDITOR)


def oversees_city(user: Actor) -> bool:
    """A member of the city-level Justice Bureau as reviewer or auditor, or a system admin."""
    return is_system_admin(user) or any(
        m.role in (Role.JUSTICE_REVIEWER, Role.AUDITOR)
        and m.agency is not None
        and m.agency.kind == "justice_bureau"
        and m.agency.level == "city"
        for m in memberships(user)
    )

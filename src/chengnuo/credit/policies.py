"""Who may do what with subjects and credit (R-5.6, R-5.7)."""

from __future__ import annotations

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import has_role, is_system_admin, memberships
from chengnuo.core.actors import Actor, SystemActor, actor_user

LOOKUP_ROLES = (Role.WINDOW_CLERK, Role.CASE_OFFICER, Role.CREDIT_OFFICER, Role.INSPECTOR)
# Roles that need the full identifier (to match a person at the window, to push to the
# credit platform); every such view is audited.
UNMASK_ROLES = (Role.WINDOW_CLERK, Role.CREDIT_OFFICER)


def is_credit_officer(user: Actor) -> bool:
    return has_role(user, Role.CREDIT_OFFICER) or is_system_admin(user)


def may_record(actor: Actor, kind: str, deciding_agency_id: int | None) -> bool:
    """Who writes a credit record (R-5.2, R-5.5): the platform itself (a verification result,
    the credit platform's records), the credit authority, a case officer of the deciding
    agency for a commitment's outcome, and staff who fetch external records for a lookup."""
    if not getattr(actor, "is_authenticated", False):
        return actor is None or isinstance(actor, SystemActor)
    if is_credit_officer(actor):
        return True
    if kind == "external_dishonesty":
        return can_lookup_credit(actor)
    return deciding_agency_id is not None and has_role(actor, Role.CASE_OFFICER, deciding_agency_id)


def can_lookup_credit(user: Actor) -> bool:
    """R-5.7: staff handling a case check the applicant's credit."""
    return any(m.role in LOOKUP_ROLES for m in memberships(user)) or is_system_admin(user)


def can_unmask(user: Actor) -> bool:
    return any(m.role in UNMASK_ROLES for m in memberships(user))


def linked_subject_ids(actor: Actor) -> set[int]:
    """The subjects an account acts for, read once per request (cached on the user object,
    like its memberships; `services.subject_link` keeps the cache current)."""
    user = actor_user(actor)
    if user is None:
        return set()
    cached = getattr(user, "_chengnuo_subject_ids", None)
    if cached is None:
        from .models import SubjectLink

        cached = set(
            SubjectLink.objects.filter(user_id=user.pk).values_list("subject_id", flat=True)
        )
        setattr(user, "_chengnuo_subject_ids", cached)  # noqa: B010 — per-request cache
    return cached


def acts_for(user: Actor, subject_id: int) -> bool:
    """An applicant account acts for the subjects linked to it."""
    return subject_id in linked_subject_ids(user)


def can_register_subject(user: Actor) -> bool:
    return (
        has_role(user, Role.WINDOW_CLERK)
        or has_role(user, Role.CASE_OFFICER)
        or is_credit_officer(user)
    )


def can_supervise_credit(user: Actor) -> bool:
    """Credit officers, and the agency admins of the credit authority (their supervisors),
    see overdue repairs and objections."""
    if is_credit_officer(user):
        return True
    return any(
        m.role == Role.AGENCY_ADMIN and m.agency is not None and m.agency.kind == "credit_authority"
        for m in memberships(user)
    )

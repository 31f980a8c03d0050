"""Writes to agencies and role memberships (system admins), each with its audit event."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.errors import DomainError, PermissionDenied

from .constants import AgencyKind, Event, Role
from .models import Agency, Membership
from .policies import is_system_admin

AGENCY_FIELDS = ("name", "short_name", "uscc", "region", "level", "kind", "parent_id")
EVENT_AGENCY_CREATED = Event.AGENCY_CREATED
EVENT_AGENCY_UPDATED = Event.AGENCY_UPDATED
EVENT_GRANTED = Event.GRANTED
EVENT_CHANGED = Event.CHANGED
EVENT_REVOKED = Event.REVOKED
AGENCYLESS_ROLES = {Role.APPLICANT, Role.SYSTEM_ADMIN}


def _require_system_admin(actor: Actor) -> None:
    if not is_system_admin(actor):
        raise PermissionDenied("只有系统管理员可以维护机关和角色")


def _agency_state(agency: Agency) -> dict[str, Any]:
    return {f: getattr(agency, f) for f in AGENCY_FIELDS}


def agency_save(*, actor: Actor, agency: Agency) -> Agency:
    """Create or update an agency from a validated (full_clean) instance."""
    _require_system_admin(actor)
    agency.full_clean()
    with transaction.atomic():
        before = None
        if agency.pk:
            old = Agency.objects.select_for_update().get(pk=agency.pk)
            before = _agency_state(old)
        agency.save()
        event = EVENT_AGENCY_UPDATED if before else EVENT_AGENCY_CREATED
        spine.record(actor, event, agency, before, _agency_state(agency))
    return agency


def _membership_state(m: Membership) -> dict[str, Any]:
    return {"user_id": m.user_id, "agency_id": m.agency_id, "role": m.role}


def _check_membership(m: Membership) -> None:
    if m.role not in Role.values:
        raise DomainError("invalid_choice", "角色无效", field="role")
    if m.role not in AGENCYLESS_ROLES and m.agency_id is None:
        raise DomainError(
            "agency_required", "除申请人和系统管理员外，角色必须属于一个机关", field="agency"
        )
    # a reviewer files every agency's catalog changes in its bureau's reach: the role
    # exists only in a Justice Bureau, or a grant at any agency would review the whole city
    if m.role == Role.JUSTICE_REVIEWER and (
        m.agency is None or m.agency.kind != AgencyKind.JUSTICE_BUREAU
    ):
        raise DomainError(
            "role_needs_justice_bureau", "司法局审核人员只能属于司法局", field="agency"
        )


def membership_save(*, actor: Actor, membership: Membership) -> Membership:
    """Grant a role within an agency, or change an existing grant."""
    _require_system_admin(actor)
    _check_membership(membership)
    with transaction.atomic():
        before = None
        if membership.pk:
            old = Membership.objects.select_for_update().filter(pk=membership.pk).first()
            before = _membership_state(old) if old else None
        membership.save()
        event = EVENT_CHANGED if before else EVENT_GRANTED
        spine.record(actor, event, membership, before, _membership_state(membership))
    return membership


def membership_revoke(*, actor: Actor, membership: Membership) -> None:
    _require_system_admin(actor)
    with transaction.atomic():
        before = _membership_state(membership)
        spine.record(actor, EVENT_REVOKED, membership, before, None)
        membership.delete()

"""Reads of the audit trail, scoped: an object's history is shown only to those who may see
the object and its agency's trail."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Model, Q, QuerySet

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import (
    agency_ids_with_role,
    auditable_agency_ids,
    has_role,
    is_system_admin,
    oversees_city,
)
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound

from .models import AuditEvent

# target types whose history page exists, and how to find the owning agency id
HISTORY_TYPES = {
    "agencies.agency": lambda obj: obj.pk,
    "catalog.matter": lambda obj: obj.agency_id,
    "catalog.certificationitem": lambda obj: obj.agency_id,
    "catalog.changeproposal": lambda obj: obj.agency_id,
    "catalog.catalogversion": lambda obj: obj.agency_id,
    "cases.case": lambda obj: obj.agency_id,
    "cases.commitment": lambda obj: obj.case.agency_id,
}
# Credit objects belong to no agency's trail: credit officers and auditors read them.
CREDIT_HISTORY_TYPES = {
    "credit.subject",
    "credit.creditrecord",
    "credit.repairapplication",
    "credit.objection",
}


def history_target_get(actor: Actor, target_type: str, pk: str) -> Model:
    owner = HISTORY_TYPES.get(target_type)
    if owner is None and target_type not in CREDIT_HISTORY_TYPES:
        raise NotFound()
    model = apps.get_model(target_type)
    obj = model.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if obj is None:
        raise NotFound()
    if is_system_admin(actor):
        return obj
    if owner is None:
        if not (has_role(actor, Role.CREDIT_OFFICER) or has_role(actor, Role.AUDITOR)):
            raise NotFound()
    elif owner(obj) not in auditable_agency_ids(actor):
        raise NotFound()
    return obj


def history_for(actor: Actor, target: Model) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(
            target_type=f"{target._meta.app_label}.{target._meta.model_name}",
            target_id=str(target.pk),
        )
        .select_related("actor")
        .order_by("occurred_at", "id")
    )


def events_visible_to(actor: Actor) -> QuerySet[AuditEvent] | None:
    """The trail an actor may search: the agencies they audit (agency admins and auditors
    their own, the Justice Bureau — reviewers and auditors — those it oversees, system admins
    all). Events of no agency (credit file, system work) only for city-level overseers and
    system admins. None: the actor has no audit pages."""
    if is_system_admin(actor):
        return AuditEvent.objects.all()
    if not agency_ids_with_role(actor, Role.AGENCY_ADMIN, Role.AUDITOR, Role.JUSTICE_REVIEWER):
        return None
    ids = auditable_agency_ids(actor)
    qs = AuditEvent.objects.filter(agency_id__in=ids)
    if oversees_city(actor):
        qs = AuditEvent.objects.filter(Q(agency_id__in=ids) | Q(agency__isnull=True))
    return qs

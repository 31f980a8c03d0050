"""Reads of templates. Published versions are public (R-3.4); drafts are scoped to the agency
admins of the item's agency and raise NotFound for everyone else."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import agency_ids_with_role, is_system_admin
from chengnuo.catalog.constants import ItemStatus
from chengnuo.catalog.models import CertificationItem
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound

from .constants import TemplateKind
from .models import CommitmentTemplate, NotificationTemplate, TemplateVersion

# --- public ---------------------------------------------------------------------------------


def _latest(qs: QuerySet[TemplateVersion]) -> QuerySet[TemplateVersion]:
    newer = TemplateVersion.objects.filter(
        item_id=OuterRef("item_id"), kind=OuterRef("kind"), number__gt=OuterRef("number")
    )
    return qs.exclude(Exists(newer))


def public_latest_versions(
    *,
    agency_id: int | None = None,
    matter_id: int | None = None,
    kind: str = "",
    in_force_only: bool = True,
) -> QuerySet[TemplateVersion]:
    """The latest published version of each item's notification and commitment, listed per
    agency or per matter, with `number` and `published_at` (R-3.4)."""
    qs = _latest(TemplateVersion.objects.select_related("item", "agency"))
    if in_force_only:
        qs = qs.filter(item__status=ItemStatus.IN_FORCE, item__under_commitment=True)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if matter_id:
        qs = qs.filter(item__matters__id=matter_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("agency_id", "item__code", "kind")


def public_latest_version(item: CertificationItem, kind: str) -> TemplateVersion | None:
    return (
        TemplateVersion.objects.select_related("item", "agency")
        .filter(item=item, kind=kind)
        .order_by("-number")
        .first()
    )


def public_item_versions(item: CertificationItem, kind: str = "") -> QuerySet[TemplateVersion]:
    """Every published version of an item (history: old commitments render their version)."""
    qs = TemplateVersion.objects.select_related("agency").filter(item=item)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "-number")


def public_version_get(pk: int) -> TemplateVersion:
    version = TemplateVersion.objects.select_related("item", "agency").filter(pk=pk).first()
    if version is None:
        raise NotFound()
    return version


def version_get(item_code: str, kind: str, number: int) -> TemplateVersion:
    """The exact version a commitment was signed against (by item code, kind and number)."""
    version = (
        TemplateVersion.objects.select_related("item", "agency")
        .filter(item__code=item_code, kind=kind, number=number)
        .first()
    )
    if version is None:
        raise NotFound()
    return version


# --- drafts (agency admins) -----------------------------------------------------------------


def _draft_agency_ids(actor: Actor) -> set[int] | None:
    if is_system_admin(actor):
        return None
    return agency_ids_with_role(actor, Role.AGENCY_ADMIN)


def notification_drafts_for(actor: Actor) -> QuerySet[NotificationTemplate]:
    qs = NotificationTemplate.objects.select_related("item", "agency")
    ids = _draft_agency_ids(actor)
    return qs if ids is None else qs.filter(agency_id__in=ids)


def commitment_drafts_for(actor: Actor) -> QuerySet[CommitmentTemplate]:
    qs = CommitmentTemplate.objects.select_related("item", "agency")
    ids = _draft_agency_ids(actor)
    return qs if ids is None else qs.filter(agency_id__in=ids)


def draft_get_for(
    actor: Actor, item: CertificationItem, kind: str
) -> NotificationTemplate | CommitmentTemplate:
    """The draft of an item for an agency admin of its agency; NotFound otherwise."""
    draft: NotificationTemplate | CommitmentTemplate | None
    if kind == TemplateKind.NOTIFICATION:
        draft = notification_drafts_for(actor).filter(item=item).first()
    elif kind == TemplateKind.COMMITMENT:
        draft = commitment_drafts_for(actor).filter(item=item).first()
    else:
        draft = None
    if draft is None:
        raise NotFound()
    return draft


def drafts_get_for(
    actor: Actor, item: CertificationItem
) -> tuple[NotificationTemplate, CommitmentTemplate]:
    notification = draft_get_for(actor, item, TemplateKind.NOTIFICATION)
    commitment = draft_get_for(actor, item, TemplateKind.COMMITMENT)
    assert isinstance(notification, NotificationTemplate)
    assert isinstance(commitment, CommitmentTemplate)
    return notification, commitment


def items_without_templates(actor: Actor) -> QuerySet[CertificationItem]:
    """Items in force under commitment of the actor's agencies that have no drafts yet."""
    qs = CertificationItem.objects.filter(
        status=ItemStatus.IN_FORCE, under_commitment=True, notification_template__isnull=True
    )
    ids = _draft_agency_ids(actor)
    if ids is not None:
        qs = qs.filter(agency_id__in=ids)
    return qs.select_related("agency").order_by("agency_id", "code")

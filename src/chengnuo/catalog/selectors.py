"""Reads of the catalog. Public reads need no actor and show only what is in force;
staff reads take the actor and return only what that actor may see (404 otherwise)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import (
    agency_ids_with_role,
    is_system_admin,
    reviewable_agency_ids,
)
from chengnuo.core.errors import NotFound

from .constants import ItemStatus, ProposalStatus
from .models import CatalogVersion, CertificationItem, ChangeProposal, Matter


def _in_force_items() -> QuerySet[CertificationItem]:
    return CertificationItem.objects.filter(status=ItemStatus.IN_FORCE)


def public_items(
    *,
    q: str = "",
    agency_id: int | None = None,
    region: str = "",
    domain: str = "",
    matter_type: str = "",
    under_commitment: bool | None = True,
) -> QuerySet[CertificationItem]:
    """R-7.1: the published catalog, searchable by Chinese text and filterable."""
    qs = _in_force_items().select_related("agency")
    if under_commitment is not None:
        qs = qs.filter(under_commitment=under_commitment)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if region:
        qs = qs.filter(agency__region=region)
    if domain:
        # JSON list membership, portable across SQLite and PostgreSQL.
        qs = qs.filter(priority_domains__icontains=f'"{domain}"')
    if matter_type:
        qs = qs.filter(matters__matter_type=matter_type)
    for word in q.split()[:5]:
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(proof_content__icontains=word)
            | Q(issuer__icontains=word)
            | Q(code__icontains=word)
            | Q(matters__name__icontains=word)
            | Q(agency__name__icontains=word)
        )
    if q or matter_type:
        qs = qs.distinct()
    return qs.prefetch_related(
        Prefetch("matters", queryset=Matter.objects.only("id", "code", "name", "matter_type"))
    ).order_by("agency__level", "agency__region", "agency_id", "code")


def public_item_get(code: str) -> CertificationItem:
    item = (
        CertificationItem.objects.select_related("agency")
        .prefetch_related("matters")
        .filter(code=code)
        .first()
    )
    if item is None:
        raise NotFound()
    return item


def public_matters(*, agency_id: int | None = None, q: str = "", matter_type: str = "") -> QuerySet[Matter]:
    qs = Matter.objects.select_related("agency")
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if matter_type:
        qs = qs.filter(matter_type=matter_type)
    for word in q.split()[:5]:
        qs = qs.filter(Q(name__icontains=word) | Q(code__icontains=word))
    return qs.order_by("agency_id", "code")


def public_matter_get(code: str) -> Matter:
    matter = Matter.objects.select_related("agency").filter(code=code).first()
    if matter is None:
        raise NotFound()
    return matter


def matter_items_in_force(matter: Matter) -> list[CertificationItem]:
    """R-3.5: the proofs a matter requires, each to be marked when under commitment."""
    return list(_in_force_items().filter(matters=matter).order_by("code"))


def public_versions(*, agency_id: int | None = None) -> QuerySet[CatalogVersion]:
    qs = CatalogVersion.objects.select_related("agency").defer("items")
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    return qs.order_by("agency_id", "-number")


def public_version_get(pk: int) -> CatalogVersion:
    version = CatalogVersion.objects.select_related("agency").filter(pk=pk).first()
    if version is None:
        raise NotFound()
    return version


def item_versions(item: CertificationItem) -> list[CatalogVersion]:
    """Versions of the item's agency in which the item appears (its public history)."""
    versions = CatalogVersion.objects.filter(agency_id=item.agency_id).order_by("number")
    return [v for v in versions if item.code in v.items]


def item_effective_proposals(item: CertificationItem) -> QuerySet[ChangeProposal]:
    return ChangeProposal.objects.filter(
        item_code=item.code, status=ProposalStatus.EFFECTIVE
    ).select_related("version", "reviewed_by", "submitted_by").order_by("id")


# --- staff ----------------------------------------------------------------------------------


def proposal_agency_ids(actor: Any) -> set[int] | None:
    """Agencies whose proposals the actor sees; None means all (system admin)."""
    if is_system_admin(actor):
        return None
    return agency_ids_with_role(actor, Role.AGENCY_ADMIN) | reviewable_agency_ids(actor)


def proposals_visible_to(actor: Any, *, status: str = "", agency_id: int | None = None) -> QuerySet[ChangeProposal]:
    qs = ChangeProposal.objects.select_related("agency", "item", "submitted_by", "reviewed_by")
    ids = proposal_agency_ids(actor)
    if ids is not None:
        qs = qs.filter(agency_id__in=ids)
    if status:
        qs = qs.filter(status=status)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    return qs.order_by("-id")


def proposal_get_for(actor: Any, pk: int) -> ChangeProposal:
    proposal = proposals_visible_to(actor).filter(pk=pk).first()
    if proposal is None:
        raise NotFound()
    return proposal


def matters_managed_by(actor: Any) -> QuerySet[Matter]:
    qs = Matter.objects.select_related("agency")
    if is_system_admin(actor):
        return qs
    return qs.filter(agency_id__in=agency_ids_with_role(actor, Role.AGENCY_ADMIN))


def matter_get_for_admin(actor: Any, pk: int) -> Matter:
    matter = matters_managed_by(actor).filter(pk=pk).first()
    if matter is None:
        raise NotFound()
    return matter

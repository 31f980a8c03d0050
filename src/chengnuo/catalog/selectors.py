"""Reads of the catalog. Public reads need no actor and show only what is in force;
staff reads take the actor and return only what that actor may see (404 otherwise)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet

from chengnuo.agencies.constants import Region, Role
from chengnuo.agencies.models import Agency
from chengnuo.agencies.policies import (
    agency_ids_with_role,
    is_system_admin,
    reviewable_agency_ids,
)
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound

from .constants import ItemStatus, PriorityDomain, ProposalStatus
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


def _published_matters() -> QuerySet[Matter]:
    """Matters the public sees: those a certification item in force names. An item reaches a
    matter only through a filed proposal (R-7.2), so a matter an agency admin has just entered
    stays off the portal until the Justice Bureau has filed an item for it (ADR 0008)."""
    named = CertificationItem.objects.filter(matters=OuterRef("pk"), status=ItemStatus.IN_FORCE)
    return Matter.objects.filter(Exists(named))


def public_matters(
    *, agency_id: int | None = None, q: str = "", matter_type: str = ""
) -> QuerySet[Matter]:
    qs = _published_matters().select_related("agency")
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if matter_type:
        qs = qs.filter(matter_type=matter_type)
    for word in q.split()[:5]:
        qs = qs.filter(Q(name__icontains=word) | Q(code__icontains=word))
    return qs.order_by("agency_id", "code")


def public_matter_get(code: str) -> Matter:
    matter = _published_matters().select_related("agency").filter(code=code).first()
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
    return (
        ChangeProposal.objects.filter(item_code=item.code, status=ProposalStatus.EFFECTIVE)
        .select_related("version", "reviewed_by", "submitted_by")
        .order_by("id")
    )


# --- staff ----------------------------------------------------------------------------------


def proposal_agency_ids(actor: Actor) -> set[int] | None:
    """Agencies whose proposals the actor sees; None means all (system admin)."""
    if is_system_admin(actor):
        return None
    return agency_ids_with_role(actor, Role.AGENCY_ADMIN) | reviewable_agency_ids(actor)


def proposals_visible_to(
    actor: Actor, *, status: str = "", agency_id: int | None = None
) -> QuerySet[ChangeProposal]:
    qs = ChangeProposal.objects.select_related("agency", "item", "submitted_by", "reviewed_by")
    ids = proposal_agency_ids(actor)
    if ids is not None:
        qs = qs.filter(agency_id__in=ids)
    if status:
        qs = qs.filter(status=status)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    return qs.order_by("-id")


def proposal_get_for(actor: Actor, pk: int) -> ChangeProposal:
    proposal = proposals_visible_to(actor).filter(pk=pk).first()
    if proposal is None:
        raise NotFound()
    return proposal


def matters_managed_by(actor: Actor) -> QuerySet[Matter]:
    qs = Matter.objects.select_related("agency")
    if is_system_admin(actor):
        return qs
    return qs.filter(agency_id__in=agency_ids_with_role(actor, Role.AGENCY_ADMIN))


def matter_get_for_admin(actor: Actor, pk: int) -> Matter:
    matter = matters_managed_by(actor).filter(pk=pk).first()
    if matter is None:
        raise NotFound()
    return matter


# --- public portal (appended for the portal pages) ------------------------------------------


class _JSONObjectSize(Func):
    """Number of keys of a JSON object column (catalog snapshot size), computed in the database."""

    arity = 1
    output_field = IntegerField()
    template = "JSON_LENGTH(%(expressions)s)"  # MySQL / MariaDB

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(SELECT COUNT(*) FROM json_each(%(expressions)s))",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(SELECT COUNT(*) FROM jsonb_object_keys(%(expressions)s))",
            **extra_context,
        )


def public_agencies() -> QuerySet[Agency]:
    """All agencies, each with `commitment_item_count`: its items in force under commitment."""
    return Agency.objects.annotate(
        commitment_item_count=Count(
            "items",
            filter=Q(items__status=ItemStatus.IN_FORCE, items__under_commitment=True),
        )
    ).order_by("level", "region", "name")


def public_agency_get(pk: int) -> Agency:
    agency = public_agencies().filter(pk=pk).first()
    if agency is None:
        raise NotFound()
    return agency


def public_agencies_by_region() -> list[tuple[str, str, list[Agency]]]:
    """R-7.1: agencies grouped by region in the order of `Region` (city first):
    [(region code, region label, [agency, …]), …]; regions without agencies are left out."""
    groups: dict[str, list[Agency]] = {}
    for agency in public_agencies():
        groups.setdefault(agency.region, []).append(agency)
    ordered = [(r.value, str(r.label), groups.pop(r.value)) for r in Region if r.value in groups]
    ordered += [(code, code, agencies) for code, agencies in groups.items()]
    return ordered


def public_domain_counts() -> dict[str, Any]:
    """R-1.2: items in force under commitment, in total and per priority domain (one query).
    Returns {"total": n, "domains": [(code, label, n), …]} in the order of `PriorityDomain`."""
    aggregates: dict[str, Any] = {"total": Count("id")}
    for i, domain in enumerate(PriorityDomain):
        aggregates[f"d{i}"] = Count("id", filter=Q(priority_domains__icontains=f'"{domain.value}"'))
    row = _in_force_items().filter(under_commitment=True).aggregate(**aggregates)
    return {
        "total": row["total"],
        "domains": [(d.value, str(d.label), row[f"d{i}"]) for i, d in enumerate(PriorityDomain)],
    }


def public_versions_listing(*, agency_id: int | None = None) -> QuerySet[CatalogVersion]:
    """Versions for listing: without the snapshot, with `item_count` computed in the database."""
    return public_versions(agency_id=agency_id).annotate(item_count=_JSONObjectSize("items"))


def public_matters_listing(
    *, agency_id: int | None = None, q: str = "", matter_type: str = ""
) -> QuerySet[Matter]:
    """`public_matters` with `commitment_item_count` and `item_count` (items in force)."""
    in_force = Q(items__status=ItemStatus.IN_FORCE)
    return public_matters(agency_id=agency_id, q=q, matter_type=matter_type).annotate(
        item_count=Count("items", filter=in_force, distinct=True),
        commitment_item_count=Count(
            "items", filter=in_force & Q(items__under_commitment=True), distinct=True
        ),
    )


def public_agency_choices() -> list[tuple[int, str]]:
    """(id, name) of every agency, for filter drop-downs (one light query)."""
    return list(Agency.objects.order_by("level", "region", "name").values_list("id", "name"))


def version_previous(version: CatalogVersion) -> CatalogVersion | None:
    """The agency's version just before this one, if any (for "compare with previous")."""
    return (
        CatalogVersion.objects.defer("items")
        .filter(agency_id=version.agency_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


# --- staff workbench helpers (appended) -----------------------------------------------------


def agencies_administered_by(actor: Actor):
    """Agencies whose catalog the actor keeps (agency admin role), for choosers."""
    from chengnuo.agencies.models import Agency

    return Agency.objects.filter(pk__in=agency_ids_with_role(actor, Role.AGENCY_ADMIN)).order_by(
        "level", "region", "name"
    )


def proposal_filter_agencies(actor: Actor):
    """Agencies offered in the proposal list's filter: those whose proposals the actor sees."""
    from chengnuo.agencies.models import Agency

    qs = Agency.objects.all()
    ids = proposal_agency_ids(actor)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.order_by("level", "region", "name")


def items_managed_by(actor: Actor, *, agency_id: int | None = None) -> QuerySet[CertificationItem]:
    """Items in force of the agencies the actor administers (to propose amending or removing)."""
    qs = (
        _in_force_items()
        .select_related("agency")
        .filter(agency_id__in=agency_ids_with_role(actor, Role.AGENCY_ADMIN))
    )
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    return qs.prefetch_related("matters").order_by("agency_id", "code")


def item_get_for_admin(
    actor: Actor, code: str, *, agency_id: int | None = None
) -> CertificationItem:
    item = items_managed_by(actor, agency_id=agency_id).filter(code=code).first()
    if item is None:
        raise NotFound()
    return item

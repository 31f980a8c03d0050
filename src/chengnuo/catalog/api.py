"""The catalog API at /api/v1/catalog (R-7.1 published catalog, R-7.2 filing, R-9.2).

Public reads need no login and show only what selectors publish. Staff endpoints take a bearer
token or the session; every read goes through a selector scoped to the actor (another agency's
proposal is a 404) and every write is a service, so the rules and their error codes are the
same as in the staff workbench. Errors are JSON with a stable `code` (see config/api.py).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from ninja import Query, Router, Status

from chengnuo.accounts.api_auth import STAFF_AUTH
from chengnuo.agencies.constants import Region
from chengnuo.agencies.models import Agency
from chengnuo.core.actors import Actor
from chengnuo.core.digest import digest_json
from chengnuo.core.errors import DomainError, NotFound
from chengnuo.core.rules import MAX_ID
from chengnuo.core.schemas import error_responses

from . import rules, selectors, services
from .constants import (
    ChangeAction,
    DisclosureScope,
    ExcludedDomain,
    MatterType,
    PriorityDomain,
    ProposalStatus,
    VerificationMethod,
)
from .models import CatalogVersion, CertificationItem, ChangeProposal, Matter
from .schemas import (
    MARKING,
    AgencyRef,
    CompareFilters,
    CompareOut,
    ErrorOut,
    FileIn,
    ItemFilters,
    ItemListOut,
    ItemOut,
    ItemSummaryOut,
    MatterFilters,
    MatterIn,
    MatterItemOut,
    MatterListOut,
    MatterOut,
    MatterRef,
    MatterSummaryOut,
    ProposalFilters,
    ProposalIn,
    ProposalListOut,
    ProposalOut,
    ReturnIn,
    VersionFilters,
    VersionListOut,
    VersionOut,
    VersionRef,
    VersionSummaryOut,
)

router = Router(tags=["catalog"])

_PRIORITY = {c.value: str(c.label) for c in PriorityDomain}
_EXCLUDED = {c.value: str(c.label) for c in ExcludedDomain}
_METHOD = {c.value: str(c.label) for c in VerificationMethod}
_SCOPE = {c.value: str(c.label) for c in DisclosureScope}
_MATTER_TYPE = {c.value: str(c.label) for c in MatterType}
_ACTION = {c.value: str(c.label) for c in ChangeAction}
_STATUS = {c.value: str(c.label) for c in ProposalStatus}
_REGION = {c.value: str(c.label) for c in Region}


def _errors(*statuses: int) -> dict[int, Any]:
    return error_responses(ErrorOut, *statuses)


def _invalid_choice(field: str, label: str, allowed: dict[str, str]) -> DomainError:
    choices = "、".join(f"{code}（{name}）" for code, name in allowed.items() if code)
    return DomainError("invalid_choice", f"{label}只能取：{choices}", field=field)


def _choice(value: str, field: str, label: str, allowed: dict[str, str]) -> str:
    """An optional filter value: '' or one of the codes (a Chinese label is accepted too)."""
    value = value.strip()
    if not value:
        return ""
    if value in allowed:
        return value
    by_label = {name: code for code, name in allowed.items()}
    if value in by_label:
        return by_label[value]
    raise _invalid_choice(field, label, allowed)


def _code(value: str) -> str:
    """A code from the URL: anything that cannot be a code is simply not found."""
    if not services.CODE_RE.match(value):
        raise NotFound()
    return value


def _page(qs: QuerySet, limit: int, offset: int) -> tuple[int, list]:
    return qs.count(), list(qs[offset : offset + limit])


def _agency_or_404(pk: int) -> Agency:
    agency = Agency.objects.filter(pk=pk).first()
    if agency is None:
        raise NotFound("未找到该行政机关")
    return agency


# --- output builders ------------------------------------------------------------------------


def _agency_ref(agency: Agency) -> AgencyRef:
    return AgencyRef(
        id=agency.pk,
        name=agency.name,
        region=agency.region,
        region_label=_REGION.get(agency.region, agency.region),
        level=agency.level,
    )


def _matter_ref(matter: Matter) -> MatterRef:
    return MatterRef(
        code=matter.code,
        name=matter.name,
        matter_type=matter.matter_type,
        matter_type_label=_MATTER_TYPE.get(matter.matter_type, matter.matter_type),
    )


def _item_fields(item: CertificationItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "agency": _agency_ref(item.agency),
        "proof_content": item.proof_content,
        "issuer": item.issuer,
        "under_commitment": item.under_commitment,
        "marking": MARKING if item.under_commitment else None,
        "priority_domains": list(item.priority_domains),
        "priority_domain_labels": [_PRIORITY.get(d, d) for d in item.priority_domains],
        "verification_method": item.verification_method,
        "verification_method_label": _METHOD.get(item.verification_method, ""),
        "matters": [_matter_ref(m) for m in item.matters.all()],
        "status": item.status,
        "effective_date": item.effective_date,
    }


def _item_out(item: CertificationItem) -> ItemOut:
    return ItemOut(
        **_item_fields(item),
        legal_basis=item.legal_basis,
        excluded_domains=list(item.excluded_domains),
        excluded_domain_labels=[_EXCLUDED.get(d, d) for d in item.excluded_domains],
        other_high_risk=item.other_high_risk,
        other_high_risk_reason=item.other_high_risk_reason,
        verification_time_limit_days=item.verification_time_limit_days,
        verification_standard=item.verification_standard,
        disclosure_scope=item.disclosure_scope,
        disclosure_scope_label=_SCOPE.get(item.disclosure_scope, ""),
        disclosure_period_days=item.disclosure_period_days,
        liability_insurance_required=item.liability_insurance_required,
        risk_points=item.risk_points,
        risk_controls=item.risk_controls,
        versions=[_version_ref(v) for v in selectors.item_versions(item)],
    )


def _matter_out(matter: Matter) -> MatterOut:
    return MatterOut(
        **_matter_ref(matter).dict(),
        agency=_agency_ref(matter.agency),
        legal_basis=matter.legal_basis,
        materials=[str(m) for m in matter.materials or []],
        items=[
            MatterItemOut(
                code=item.code,
                name=item.name,
                proof_content=item.proof_content,
                issuer=item.issuer,
                under_commitment=item.under_commitment,
                marking=MARKING if item.under_commitment else None,
            )
            for item in selectors.matter_items_in_force(matter)
        ],
    )


def _version_ref(version: CatalogVersion) -> VersionRef:
    return VersionRef(id=version.pk, number=version.number, effective_date=version.effective_date)


def _version_summary(version: CatalogVersion) -> VersionSummaryOut:
    return VersionSummaryOut(
        id=version.pk,
        agency=_agency_ref(version.agency),
        number=version.number,
        effective_date=version.effective_date,
        published_at=version.published_at,
        digest=version.digest,
    )


def _proposal_outs(proposals: list[ChangeProposal]) -> list[ProposalOut]:
    version_ids = {p.version_id for p in proposals if p.version_id}
    versions = {
        v.pk: _version_ref(v)
        for v in CatalogVersion.objects.filter(pk__in=version_ids).only(
            "id", "number", "effective_date"
        )
    }
    return [
        ProposalOut(
            id=p.pk,
            agency=_agency_ref(p.agency),
            action=p.action,
            action_label=_ACTION.get(p.action, p.action),
            item_code=p.item_code,
            item_name=str(p.payload.get("name") or (p.item.name if p.item else "")),
            payload=p.payload,
            reason=p.reason,
            law_change=p.law_change,
            effective_date=p.effective_date,
            status=p.status,
            status_label=_STATUS.get(p.status, p.status),
            submitted_by=str(p.submitted_by),
            submitted_at=p.created_at,
            reviewed_by=str(p.reviewed_by) if p.reviewed_by else None,
            reviewed_at=p.reviewed_at,
            review_comment=p.review_comment,
            version=versions.get(p.version_id) if p.version_id else None,
            import_batch=p.import_batch,
        )
        for p in proposals
    ]


def _proposal_out(actor: Actor, pk: int) -> ProposalOut:
    return _proposal_outs([selectors.proposal_get_for(actor, pk)])[0]


# --- public: certification items (R-7.1) ----------------------------------------------------


@router.get(
    "/items",
    response={200: ItemListOut, **_errors(400, 422)},
    summary="证明事项目录（公开）",
    description="已公布的实行告知承诺制的证明事项；"
    "`all=true` 时包含未实行告知承诺制的施行中证明事项。",
)
def list_items(request, filters: Query[ItemFilters]):
    qs = selectors.public_items(
        q=filters.q,
        agency_id=filters.agency,
        region=_choice(filters.region, "region", "行政区划", _REGION),
        domain=_choice(filters.domain, "domain", "重点领域", _PRIORITY),
        matter_type=_choice(filters.matter_type, "matter_type", "事项类型", _MATTER_TYPE),
        under_commitment=None if filters.all else True,
    )
    count, page = _page(qs, filters.limit, filters.offset)
    return {"count": count, "items": [ItemSummaryOut(**_item_fields(i)) for i in page]}


@router.get(
    "/items/{code}",
    response={200: ItemOut, **_errors(404)},
    summary="证明事项详情（公开）",
)
def get_item(request, code: str):
    return _item_out(selectors.public_item_get(_code(code)))


# --- public: matters (R-1.1, R-3.5) ---------------------------------------------------------


@router.get(
    "/matters",
    response={200: MatterListOut, **_errors(400, 422)},
    summary="行政事项列表（公开）",
)
def list_matters(request, filters: Query[MatterFilters]):
    qs = selectors.public_matters(
        agency_id=filters.agency,
        q=filters.q,
        matter_type=_choice(filters.matter_type, "matter_type", "事项类型", _MATTER_TYPE),
    )
    count, page = _page(qs, filters.limit, filters.offset)
    return {
        "count": count,
        "items": [
            MatterSummaryOut(**_matter_ref(m).dict(), agency=_agency_ref(m.agency)) for m in page
        ],
    }


@router.get(
    "/matters/{code}",
    response={200: MatterOut, **_errors(404)},
    summary="行政事项详情（公开）",
    description="含申请材料和所需证明事项；实行告知承诺制的证明事项标注“实行告知承诺制”（R-3.5）。",
)
def get_matter(request, code: str):
    return _matter_out(selectors.public_matter_get(_code(code)))


@router.post(
    "/matters",
    response={201: MatterOut, **_errors(400, 401, 403, 404, 422)},
    auth=STAFF_AUTH,
    summary="新建行政事项（本机关部门管理员）",
)
def create_matter(request, data: MatterIn):
    agency = _agency_or_404(data.agency_id)
    matter = services.matter_create(
        actor=request.auth, agency=agency, data=data.dict(exclude={"agency_id"})
    )
    return Status(201, _matter_out(matter))


# --- public: catalog versions (R-7.2) -------------------------------------------------------


@router.get(
    "/versions",
    response={200: VersionListOut, **_errors(422)},
    summary="目录版本列表（公开）",
)
def list_versions(request, filters: Query[VersionFilters]):
    qs = selectors.public_versions(agency_id=filters.agency)
    count, page = _page(qs, filters.limit, filters.offset)
    return {"count": count, "items": [_version_summary(v) for v in page]}


@router.get(
    "/versions/compare",
    response={200: CompareOut, **_errors(400, 404, 422)},
    summary="比较同一机关的两个目录版本（公开）",
    description="返回版本A到版本B新增、取消和调整的证明事项；"
    "不同机关的版本返回 400 different_agencies。",
)
def compare_versions(request, pair: Query[CompareFilters]):
    a = selectors.public_version_get(pair.a)
    b = selectors.public_version_get(pair.b)
    if a.agency_id != b.agency_id:
        raise DomainError("different_agencies", "只能比较同一行政机关的两个目录版本", field="b")
    diff = rules.diff_snapshots(a.items, b.items)
    return {"a": _version_summary(a), "b": _version_summary(b), **diff}


@router.get(
    "/versions/{version_id}",
    response={200: VersionOut, **_errors(404)},
    summary="目录版本详情及证明事项快照（公开）",
)
def get_version(request, version_id: int):
    if not 1 <= version_id <= MAX_ID:
        raise NotFound()
    version = selectors.public_version_get(version_id)
    return VersionOut(
        **_version_summary(version).dict(),
        items=version.items,
        digest_verified=digest_json(version.items) == version.digest,
    )


# --- staff: change proposals and filing (R-7.2) ---------------------------------------------


@router.get(
    "/proposals",
    response={200: ProposalListOut, **_errors(400, 401, 422)},
    auth=STAFF_AUTH,
    summary="目录调整申报列表（本人可见范围）",
)
def list_proposals(request, filters: Query[ProposalFilters]):
    qs = selectors.proposals_visible_to(
        request.auth,
        status=_choice(filters.status, "status", "状态", _STATUS),
        agency_id=filters.agency,
    )
    count, page = _page(qs, filters.limit, filters.offset)
    return {"count": count, "items": _proposal_outs(page)}


@router.post(
    "/proposals",
    response={201: ProposalOut, **_errors(400, 401, 403, 404, 422)},
    auth=STAFF_AUTH,
    summary="申报目录调整（本机关部门管理员）",
    description="新增、调整或取消证明事项。涉及不适用领域的证明事项不得实行告知承诺制，"
    "返回 400 excluded_domain 并指明领域（R-1.3）。",
)
def submit_proposal(request, data: ProposalIn):
    agency = _agency_or_404(data.agency_id)
    proposal = services.proposal_submit(
        actor=request.auth,
        agency=agency,
        action=data.action,
        item_code=data.item_code,
        payload=data.payload,
        reason=data.reason,
        law_change=data.law_change,
        effective_date=data.effective_date,
    )
    return Status(201, _proposal_out(request.auth, proposal.pk))


def _proposal_for(request, proposal_id: int) -> ChangeProposal:
    if not 1 <= proposal_id <= MAX_ID:
        raise NotFound()
    return selectors.proposal_get_for(request.auth, proposal_id)


@router.get(
    "/proposals/{proposal_id}",
    response={200: ProposalOut, **_errors(401, 404)},
    auth=STAFF_AUTH,
    summary="目录调整申报详情",
)
def get_proposal(request, proposal_id: int):
    return _proposal_outs([_proposal_for(request, proposal_id)])[0]


@router.post(
    "/proposals/{proposal_id}/file",
    response={200: ProposalOut, **_errors(400, 401, 404, 422)},
    auth=STAFF_AUTH,
    summary="备案（司法局审核人员）",
    description="备案后于拟生效日期生效；拟生效日期已到的，立即生效并发布新的目录版本。",
)
def file_proposal(request, proposal_id: int, data: FileIn | None = None):
    proposal = _proposal_for(request, proposal_id)
    services.proposal_file(
        actor=request.auth, proposal=proposal, comment=data.comment if data else ""
    )
    return _proposal_out(request.auth, proposal.pk)


@router.post(
    "/proposals/{proposal_id}/return",
    response={200: ProposalOut, **_errors(400, 401, 404, 422)},
    auth=STAFF_AUTH,
    summary="退回（司法局审核人员，须写明理由）",
)
def return_proposal(request, proposal_id: int, data: ReturnIn):
    proposal = _proposal_for(request, proposal_id)
    services.proposal_return(actor=request.auth, proposal=proposal, reason=data.reason)
    return _proposal_out(request.auth, proposal.pk)


@router.post(
    "/proposals/{proposal_id}/withdraw",
    response={200: ProposalOut, **_errors(400, 401, 404)},
    auth=STAFF_AUTH,
    summary="撤回申报（本机关部门管理员）",
)
def withdraw_proposal(request, proposal_id: int):
    proposal = _proposal_for(request, proposal_id)
    services.proposal_withdraw(actor=request.auth, proposal=proposal)
    return _proposal_out(request.auth, proposal.pk)

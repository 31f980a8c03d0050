"""In/Out schemas of the catalog API (R-7.1, R-7.2, R-9.2).

Field names are the English names of the glossary; the Chinese term is the field's title.
Choice fields travel as plain strings: the services and `rules.clean_item_payload` validate
them, so the refusal names the field and the rule (e.g. code `excluded_domain`, R-1.3).
Input strings are bounded and may not carry NUL or unpaired surrogates, so absurd bodies are
refused with 422 `invalid_input` before anything is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from chengnuo.agencies.constants import Region
from chengnuo.core.schemas import (
    MAX_OFFSET,
    Choice,
    Id,
    LongText,
    Payload,
    ShortText,
    error_out,
    one_of,
)

from .constants import MatterType, PriorityDomain, ProposalStatus
from .errors import ErrorCode
from .rules import FIELD_LABELS

ErrorOut = error_out("Catalog", ErrorCode)

MARKING = "实行告知承诺制"  # the mark of an item under commitment in a matter's materials


# --- shared pieces --------------------------------------------------------------------------


class AgencyRef(Schema):
    id: int
    name: str = Field(..., title="行政机关名称")
    region: str = Field(..., title="行政区划代码")
    region_label: str = Field(..., title="行政区划")
    level: str = Field(..., title="层级代码", description="city 市级 / county 县（市、区）级")


class MatterRef(Schema):
    code: str = Field(..., title="事项编码")
    name: str = Field(..., title="事项名称")
    matter_type: str = Field(..., title="事项类型代码")
    matter_type_label: str = Field(..., title="事项类型")


# --- certification items --------------------------------------------------------------------


class ItemSummaryOut(Schema):
    code: str = Field(..., title="证明事项编码")
    name: str = Field(..., title="证明事项名称")
    agency: AgencyRef
    proof_content: str = Field(..., title="证明内容")
    issuer: str = Field(..., title="开具单位")
    under_commitment: bool = Field(..., title="实行告知承诺制")
    marking: str | None = Field(
        None,
        title="标注",
        description="实行告知承诺制的证明事项为“实行告知承诺制”（R-3.5），否则为 null",
    )
    priority_domains: list[str] = Field(..., title="重点领域代码")
    priority_domain_labels: list[str] = Field(..., title="重点领域")
    verification_method: str = Field(..., title="核查方式代码")
    verification_method_label: str = Field(..., title="核查方式")
    matters: list[MatterRef] = Field(..., title="适用事项")
    status: str = Field(..., title="状态代码", description="in_force 施行中 / removed 已取消")
    effective_date: dt.date = Field(..., title="生效日期")


class ItemListOut(Schema):
    count: int = Field(..., title="总数")
    items: list[ItemSummaryOut]


class VersionRef(Schema):
    id: int
    number: int = Field(..., title="版本号")
    effective_date: dt.date = Field(..., title="生效日期")


class ItemOut(ItemSummaryOut):
    legal_basis: str = Field(..., title="设定依据")
    excluded_domains: list[str] = Field(..., title="不适用领域代码")
    excluded_domain_labels: list[str] = Field(..., title="不适用领域")
    other_high_risk: bool = Field(..., title="其他高风险")
    other_high_risk_reason: str = Field(..., title="高风险理由")
    verification_time_limit_days: int | None = Field(None, title="核查时限（工作日）")
    verification_standard: str = Field(..., title="核查标准")
    disclosure_scope: str = Field(..., title="承诺书公开范围代码")
    disclosure_scope_label: str = Field(..., title="承诺书公开范围")
    disclosure_period_days: int | None = Field(None, title="公开期限（日）")
    liability_insurance_required: bool = Field(..., title="需责任保险")
    risk_points: str = Field(..., title="风险点")
    risk_controls: str = Field(..., title="防控措施")
    versions: list[VersionRef] = Field(..., title="所在目录版本", description="R-7.2 调整历史")


class ItemFilters(Schema):
    q: ShortText = Field(
        "", title="关键词", description="按名称、证明内容、开具单位、编码、事项、机关检索"
    )
    agency: Id | None = Field(None, title="行政机关ID")
    region: Choice = Field("", title="行政区划代码", json_schema_extra=one_of(Region, labels=True))
    domain: Choice = Field(
        "",
        title="重点领域",
        description="代码或中文名称，如 social_insurance 或 社会保险",
        json_schema_extra=one_of(PriorityDomain, labels=True),
    )
    matter_type: Choice = Field(
        "", title="事项类型代码", json_schema_extra=one_of(MatterType, labels=True)
    )
    all: bool = Field(False, title="包含未实行告知承诺制的证明事项")
    limit: int = Field(50, ge=1, le=200, title="每页条数")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, title="偏移量")


# --- matters --------------------------------------------------------------------------------


class MatterSummaryOut(MatterRef):
    agency: AgencyRef


class MatterListOut(Schema):
    count: int = Field(..., title="总数")
    items: list[MatterSummaryOut]


class MatterItemOut(Schema):
    code: str = Field(..., title="证明事项编码")
    name: str = Field(..., title="证明事项名称")
    proof_content: str = Field(..., title="证明内容")
    issuer: str = Field(..., title="开具单位")
    under_commitment: bool = Field(..., title="实行告知承诺制")
    marking: str | None = Field(
        None, title="标注", description="实行告知承诺制的为“实行告知承诺制”（R-3.5）"
    )


class MatterOut(MatterSummaryOut):
    legal_basis: str = Field(..., title="设定依据")
    materials: list[str] = Field(..., title="申请材料")
    items: list[MatterItemOut] = Field(..., title="所需证明事项")


class MatterFilters(Schema):
    q: ShortText = Field("", title="关键词")
    agency: Id | None = Field(None, title="行政机关ID")
    matter_type: Choice = Field(
        "", title="事项类型代码", json_schema_extra=one_of(MatterType, labels=True)
    )
    limit: int = Field(50, ge=1, le=200, title="每页条数")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, title="偏移量")


class MatterIn(Schema):
    agency_id: Id = Field(..., title="实施机关ID")
    code: ShortText = Field(
        ..., title="事项编码", description="1至40位字母、数字、点、横线或下划线"
    )
    name: LongText = Field("", title="事项名称")
    matter_type: Choice = Field(
        "", title="事项类型", description="licensing / confirmation / benefit / other"
    )
    legal_basis: LongText = Field("", title="设定依据")
    materials: list[LongText] = Field(default_factory=list, max_length=500, title="申请材料")


# --- versions -------------------------------------------------------------------------------


class VersionSummaryOut(Schema):
    id: int
    agency: AgencyRef
    number: int = Field(..., title="版本号")
    effective_date: dt.date = Field(..., title="生效日期")
    published_at: dt.datetime = Field(..., title="发布时间")
    digest: str = Field(..., title="摘要", description="证明事项快照的 SM3 摘要（R-9.1）")


class VersionListOut(Schema):
    count: int = Field(..., title="总数")
    items: list[VersionSummaryOut]


class VersionOut(VersionSummaryOut):
    items: dict[str, dict[str, Any]] = Field(
        ..., title="证明事项快照", description="按证明事项编码"
    )
    digest_verified: bool = Field(
        ..., title="摘要核验一致", description="快照重新计算的摘要与记录一致"
    )


class VersionFilters(Schema):
    agency: Id | None = Field(None, title="行政机关ID")
    limit: int = Field(50, ge=1, le=200, title="每页条数")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, title="偏移量")


class CompareFilters(Schema):
    a: Id = Field(..., title="版本A的ID")
    b: Id = Field(..., title="版本B的ID")


class ItemRefOut(Schema):
    code: str
    name: str | None = None


class FieldChangeOut(Schema):
    before: Any = Field(None, title="调整前")
    after: Any = Field(None, title="调整后")


class ItemChangeOut(Schema):
    code: str
    name: str | None = None
    fields: dict[str, FieldChangeOut] = Field(..., title="变化字段")


class CompareOut(Schema):
    a: VersionSummaryOut
    b: VersionSummaryOut
    added: list[ItemRefOut] = Field(..., title="新增")
    removed: list[ItemRefOut] = Field(..., title="取消")
    changed: list[ItemChangeOut] = Field(..., title="调整")


# --- proposals (staff) ----------------------------------------------------------------------


class ProposalOut(Schema):
    id: int
    agency: AgencyRef
    action: str = Field(
        ..., title="调整类型代码", description="add 新增 / amend 调整 / remove 取消"
    )
    action_label: str = Field(..., title="调整类型")
    item_code: str = Field(..., title="证明事项编码")
    item_name: str = Field(..., title="证明事项名称")
    payload: dict[str, Any] = Field(..., title="拟调整内容")
    reason: str = Field(..., title="调整理由")
    law_change: str = Field(..., title="依据的法律法规变化")
    effective_date: dt.date = Field(..., title="拟生效日期")
    status: str = Field(..., title="状态代码")
    status_label: str = Field(..., title="状态")
    submitted_by: str = Field(..., title="申报人")
    submitted_at: dt.datetime = Field(..., title="申报时间")
    reviewed_by: str | None = Field(None, title="审核人")
    reviewed_at: dt.datetime | None = Field(None, title="审核时间")
    review_comment: str = Field(..., title="审核意见")
    version: VersionRef | None = Field(None, title="生效版本")
    import_batch: str = Field(..., title="导入批次")


class ProposalListOut(Schema):
    count: int = Field(..., title="总数")
    items: list[ProposalOut]


class ProposalFilters(Schema):
    status: Choice = Field(
        "",
        title="状态代码",
        description="submitted / filed / returned / withdrawn / effective",
        json_schema_extra=one_of(ProposalStatus, labels=True),
    )
    agency: Id | None = Field(None, title="行政机关ID")
    limit: int = Field(50, ge=1, le=200, title="每页条数")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, title="偏移量")


class ProposalIn(Schema):
    agency_id: Id = Field(..., title="申报机关ID")
    action: Choice = Field("", title="调整类型", description="add 新增 / amend 调整 / remove 取消")
    item_code: ShortText = Field("", title="证明事项编码")
    payload: Payload | None = Field(
        None,
        title="拟调整内容",
        description="证明事项字段（新增、调整时必填；取消时忽略），键为："
        + "、".join(f"{key}（{label}）" for key, label in FIELD_LABELS.items()),
    )
    reason: LongText = Field("", title="调整理由")
    law_change: LongText = Field("", title="依据的法律法规变化")
    effective_date: dt.date | None = Field(None, title="拟生效日期")


class FileIn(Schema):
    comment: LongText = Field("", title="审核意见")


class ReturnIn(Schema):
    reason: LongText = Field("", title="退回理由", description="至少4个字")

"""In/Out schemas of the cases API (R-2.1, R-3.3, R-6.2, R-6.4, R-9.2).

The applicant leaves the API masked only (display name, masked identifier); the risk level is
given to staff of the case's agency only. Choice fields travel as plain strings: the services
validate them and refuse with a stable code naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from chengnuo.catalog.errors import ErrorCode as CatalogErrorCode
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
from chengnuo.credit.errors import ErrorCode as CreditErrorCode
from chengnuo.documents.errors import ErrorCode as DocumentsErrorCode

from .constants import CaseStatus, Decision
from .constants import Choice as ItemChoice
from .errors import ErrorCode

# a case's services also refuse with the codes of the credit, documents and catalog rules they
# apply (eligibility, the commitment text, the item in force)
ErrorOut = error_out("Cases", ErrorCode, CreditErrorCode, DocumentsErrorCode, CatalogErrorCode)

Version = Field(
    None,
    ge=1,
    le=2**31 - 1,
    title="办件版本",
    description="调用方看到的办件版本（`version`）；办件已被他人更新时拒绝（409 stale_version）",
)


# --- input ----------------------------------------------------------------------------------


class CaseCreateIn(Schema):
    matter_code: ShortText = Field(..., title="事项编码")
    subject_id: Id = Field(..., title="申请人（信用主体）ID")


class CaseFilters(Schema):
    status: Choice = Field(
        "",
        title="状态",
        description="draft / submitted / approved / rejected / terminated / revoked",
        json_schema_extra=one_of(CaseStatus),
    )
    limit: int = Field(50, ge=1, le=200, title="每页条数")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, title="偏移量")


class ChoiceIn(Schema):
    choice: Choice = Field(
        ...,
        title="办理方式",
        description="commit 告知承诺 / proof 提交证明",
        json_schema_extra=one_of([ItemChoice.COMMIT, ItemChoice.PROOF], blank=False),
    )
    expected_version: int | None = Version


class SignIn(Schema):
    notification_version_id: Id = Field(..., title="已阅读的告知书版本ID")
    commitment_version_id: Id = Field(..., title="已阅读的承诺书版本ID")
    facts: Payload = Field(default_factory=dict, title="承诺事实", description="键为承诺书的事实键")
    confirmed: bool = Field(False, title="已阅读告知书并同意承诺书全部内容")
    insurance: Payload | None = Field(
        None,
        title="责任保险（需责任保险的证明事项，R-6.5）",
        description="insurer 保险机构、policy_number 保单号、amount 保险金额、"
        "start / end 保险起止日期（YYYY-MM-DD）",
    )
    expected_version: int | None = Version


class WithdrawIn(Schema):
    reason: LongText = Field("", title="退出承诺的理由")
    expected_version: int | None = Version


class SubmitIn(Schema):
    expected_version: int | None = Version


class DecisionIn(Schema):
    decision: Choice = Field(
        ...,
        title="决定",
        description="approve 准予 / reject 不予 / terminate 终止办理",
        json_schema_extra=one_of(Decision, blank=False),
    )
    reason: LongText = Field("", title="理由", description="不予和终止办理时必填")
    expected_version: int | None = Version


# --- output ---------------------------------------------------------------------------------


class MatterRefOut(Schema):
    code: str = Field(..., title="事项编码")
    name: str = Field(..., title="事项名称")


class AgencyRefOut(Schema):
    id: int
    name: str = Field(..., title="实施机关")


class CaseSubjectOut(Schema):
    id: int
    kind: str = Field(..., title="主体类型")
    display_name: str = Field(..., title="名称/姓名（自然人姓名已脱敏）")
    id_type: str = Field(..., title="证件类型")
    id_masked: str = Field(..., title="证件号码（脱敏）")


class CaseSummaryOut(Schema):
    number: str = Field(..., title="办件编号")
    status: str = Field(..., title="状态代码")
    status_label: str = Field(..., title="状态")
    channel: str = Field(..., title="申请渠道代码", description="online 网上申请 / window 窗口办理")
    channel_label: str = Field(..., title="申请渠道")
    matter: MatterRefOut
    agency: AgencyRefOut
    subject: CaseSubjectOut
    version: int = Field(..., title="办件版本")
    created_at: dt.datetime = Field(..., title="创建时间")
    submitted_at: dt.datetime | None = Field(None, title="提交时间")
    due_date: dt.date | None = Field(None, title="办结期限")


class CaseListOut(Schema):
    count: int = Field(..., title="总数")
    items: list[CaseSummaryOut]


class OfferReasonOut(Schema):
    code: str
    message: str


class OfferOut(Schema):
    allowed: bool = Field(..., title="可以承诺")
    reasons: list[OfferReasonOut] = Field(..., title="不能承诺的原因")
    repair_hint: str = Field("", title="信用修复提示")
    checked_on: str = Field("", title="核查日期")


class TextVersionRef(Schema):
    id: int
    number: int = Field(..., title="版本号")
    digest: str = Field(..., title="SM3摘要")


class CommitmentOut(Schema):
    id: int
    item_code: str = Field(..., title="证明事项编码")
    status: str = Field(..., title="状态代码", description="signed 已签署 / withdrawn 已退出承诺")
    status_label: str = Field(..., title="状态")
    notification: TextVersionRef = Field(..., title="签署时的告知书版本")
    commitment: TextVersionRef = Field(..., title="签署时的承诺书版本")
    facts: dict[str, Any] = Field(..., title="承诺事实")
    digest: str = Field(..., title="承诺记录SM3摘要")
    signed_at: dt.datetime = Field(..., title="签署时间")
    method: str = Field(..., title="签署方式代码", description="online / handwritten")
    method_label: str = Field(..., title="签署方式")
    pdf_digest: str = Field("", title="承诺书PDF SM3摘要", description="归档后才有")
    withdrawn_at: dt.datetime | None = Field(None, title="退出时间")
    withdrawal_reason: str = Field("", title="退出理由")
    case_version: int = Field(..., title="办件版本（签署或退出后）")


class ProofOut(Schema):
    id: int
    name: str = Field(..., title="文件名")
    size: int = Field(..., title="大小（字节）")
    content_type: str = Field(..., title="文件类型")
    digest: str = Field(..., title="SM3摘要")


class ProofCreatedOut(ProofOut):
    item_code: str = Field(..., title="证明事项编码")
    case_version: int = Field(..., title="办件版本（上传后）")


class CaseItemOut(Schema):
    item_code: str = Field(..., title="证明事项编码")
    name: str = Field(..., title="证明事项名称")
    commit_offered: bool = Field(..., title="可选择告知承诺")
    eligibility: OfferOut | None = Field(None, title="告知承诺适用资格（创建或选择时核查）")
    choice: str = Field(..., title="办理方式代码", description="commit / proof / 空（未选择）")
    choice_label: str = Field(..., title="办理方式")
    resolved: bool = Field(..., title="已签署承诺书或已提交证明")
    commitment: CommitmentOut | None = Field(None, title="有效的承诺书")
    commitments: list[CommitmentOut] = Field(..., title="全部承诺书（含已退出）")
    proofs: list[ProofOut] = Field(..., title="证明材料")


class TimelineOut(Schema):
    kind: str = Field(..., title="事件代码")
    kind_label: str = Field(..., title="事件")
    at: dt.datetime = Field(..., title="时间")
    actor_label: str = Field(..., title="操作人")
    item_code: str = Field("", title="证明事项编码")
    message: str = Field(..., title="说明")


class CaseOut(CaseSummaryOut):
    risk_level: str | None = Field(
        None, title="信用风险等级", description="仅向本机关工作人员提供（R-6.4）"
    )
    decided_at: dt.datetime | None = Field(None, title="决定时间")
    decision_reason: str = Field("", title="决定理由")
    items: list[CaseItemOut]
    timeline: list[TimelineOut]


class TextOut(Schema):
    id: int
    number: int = Field(..., title="版本号")
    digest: str = Field(..., title="SM3摘要")
    content: dict[str, Any] = Field(..., title="内容")


class TextsOut(Schema):
    item_code: str = Field(..., title="证明事项编码")
    notification: TextOut | None = Field(None, title="告知书（当前版本）")
    commitment: TextOut | None = Field(None, title="承诺书（当前版本）")

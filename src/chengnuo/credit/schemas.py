"""In/Out schemas of the credit API (R-2.2, R-5.4–R-5.7, R-6.4). Identifiers and phones leave
the API masked only; no schema has a field for the full number or any cipher."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from chengnuo.core.schemas import LongText, ShortText, error_out, one_of

from .constants import IdType, ObjectionStatus, RepairStatus
from .errors import ErrorCode

ErrorOut = error_out("Credit", ErrorCode)


class SubjectOut(Schema):
    id: int
    kind: str = Field(..., title="主体类型")
    kind_label: str
    display_name: str = Field(..., title="名称/姓名（自然人姓名已脱敏）")
    id_type: str = Field(..., title="证件类型")
    id_type_label: str
    id_masked: str = Field(..., title="证件号码（脱敏）")
    phone_masked: str = Field("", title="联系电话（脱敏）")


class FactorOut(Schema):
    label: str
    points: int


class RiskOut(Schema):
    level: str = Field(..., title="风险等级", description="A 信用良好 … D 信用差（R-6.4）")
    level_label: str
    score: int
    factors: list[FactorOut]


class ReasonOut(Schema):
    code: str
    message: str
    record_id: int | None = None


class EligibilityOut(Schema):
    item_code: str
    item_name: str
    allowed: bool = Field(..., title="可以承诺")
    reasons: list[ReasonOut]
    verify_every_commitment: bool
    repair_hint: str


class RepairOut(Schema):
    id: int
    record_id: int
    status: str
    status_label: str
    due_on: dt.date
    created_at: dt.datetime
    decided_at: dt.datetime | None = None
    decision_reason: str = ""
    subject: SubjectOut | None = None


class ObjectionOut(Schema):
    id: int
    record_id: int
    status: str
    status_label: str
    due_on: dt.date
    created_at: dt.datetime
    grounds: str
    decided_at: dt.datetime | None = None
    answer: str = ""
    subject: SubjectOut | None = None


class RecordOut(Schema):
    id: int
    subject_id: int
    kind: str
    kind_label: str
    grade: str
    grade_label: str
    status: str
    status_label: str
    summary: str
    legal_basis: str
    deciding_agency: str
    decided_on: dt.date
    publish_from: dt.date | None = None
    publish_to: dt.date | None = None
    repairs: list[RepairOut] = []
    objections: list[ObjectionOut] = []


class LookupOut(Schema):
    found: bool
    subject: SubjectOut | None = None
    risk: RiskOut | None = None
    eligibility: list[EligibilityOut] = []
    records: list[RecordOut] = []


class MyRecordsOut(Schema):
    subjects: list[SubjectOut]
    records: list[RecordOut]


class RepairIn(Schema):
    statement: LongText = Field(..., title="履行义务情况说明")
    commitment_letter: LongText = Field(..., title="信用承诺")


class ObjectionIn(Schema):
    grounds: LongText = Field(..., title="异议理由")


class RepairDecisionIn(Schema):
    approve: bool = Field(..., title="准予修复")
    reason: LongText = Field("", title="理由（不予修复时必填）")


class ObjectionAnswerIn(Schema):
    corrected: bool = Field(..., title="异议成立")
    answer: LongText = Field(..., title="书面答复")
    remove: bool = Field(False, title="撤销记录（仅异议成立时）")


class LookupQuery(Schema):
    id_type: ShortText = Field(
        ..., title="证件类型", json_schema_extra=one_of(IdType, labels=True, blank=False)
    )
    id_number: ShortText = Field(..., title="证件号码")


class EligibilityQuery(Schema):
    item: ShortText = Field(..., title="证明事项编码")


class RepairStatusQuery(Schema):
    status: ShortText = Field("", title="状态", json_schema_extra=one_of(RepairStatus, labels=True))


class ObjectionStatusQuery(Schema):
    status: ShortText = Field(
        "", title="状态", json_schema_extra=one_of(ObjectionStatus, labels=True)
    )


class PullOut(Schema):
    platform: str = Field(..., title="信用共享平台")
    added: int = Field(..., title="本次新增记录数")
    records: list[RecordOut] = Field(..., title="本次新增的外部失信记录")

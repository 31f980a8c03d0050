"""The credit API at /api/v1/credit (R-2.2, R-5.4–R-5.7, R-6.4, R-9.2).

Staff (bearer token or session) look up a subject by its exact identifier and read its risk
level and eligibility; applicants read their own records and apply for repair or object;
credit officers decide. Reads go through `selectors` scoped to the actor, writes through
`services`. Output is masked: no field ever carries the full identifier or phone.
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from chengnuo.accounts.api_auth import STAFF_AUTH
from chengnuo.core.errors import DomainError, PermissionDenied
from chengnuo.core.schemas import error_responses

from . import policies, selectors, services
from .constants import (
    Grade,
    IdType,
    ObjectionStatus,
    RecordKind,
    RecordStatus,
    RepairStatus,
    RiskLevel,
    SubjectKind,
)
from .models import CreditPlatform, CreditRecord, Objection, RepairApplication, Subject
from .pull import pull_external_records
from .rules import Eligibility, RiskAssessment
from .schemas import (
    EligibilityOut,
    EligibilityQuery,
    ErrorOut,
    FactorOut,
    LookupOut,
    LookupQuery,
    MyRecordsOut,
    ObjectionAnswerIn,
    ObjectionIn,
    ObjectionOut,
    ObjectionStatusQuery,
    PullOut,
    ReasonOut,
    RecordOut,
    RepairDecisionIn,
    RepairIn,
    RepairOut,
    RepairStatusQuery,
    RiskOut,
    SubjectOut,
)

router = Router(tags=["credit"], auth=STAFF_AUTH)

_KIND = {c.value: str(c.label) for c in SubjectKind}
_ID_TYPE = {c.value: str(c.label) for c in IdType}
_RECORD_KIND = {c.value: str(c.label) for c in RecordKind}
_GRADE = {c.value: str(c.label) for c in Grade}
_RECORD_STATUS = {c.value: str(c.label) for c in RecordStatus}
_REPAIR_STATUS = {c.value: str(c.label) for c in RepairStatus}
_OBJECTION_STATUS = {c.value: str(c.label) for c in ObjectionStatus}
_LEVEL = {c.value: str(c.label) for c in RiskLevel}


def _errors(*statuses: int) -> dict[int, Any]:
    return error_responses(ErrorOut, *statuses)


def _choice(value: str, field: str, label: str, allowed: dict[str, str]) -> str:
    value = value.strip()
    if not value:
        return ""
    if value in allowed:
        return value
    by_label = {name: code for code, name in allowed.items()}
    if value in by_label:
        return by_label[value]
    choices = "、".join(f"{code}（{name}）" for code, name in allowed.items())
    raise DomainError("invalid_choice", f"{label}只能取：{choices}", field=field)


# --- output builders (masked only) ----------------------------------------------------------


def _subject_out(subject: Subject) -> SubjectOut:
    return SubjectOut(
        id=subject.pk,
        kind=subject.kind,
        kind_label=_KIND.get(subject.kind, subject.kind),
        display_name=subject.display_name,
        id_type=subject.id_type,
        id_type_label=_ID_TYPE.get(subject.id_type, subject.id_type),
        id_masked=subject.id_masked,
        phone_masked=subject.phone_masked,
    )


def _risk_out(risk: RiskAssessment) -> RiskOut:
    return RiskOut(
        level=risk.level,
        level_label=_LEVEL.get(risk.level, risk.level),
        score=risk.score,
        factors=[FactorOut(label=f.label, points=f.points) for f in risk.factors],
    )


def _eligibility_out(item: Any, e: Eligibility) -> EligibilityOut:
    return EligibilityOut(
        item_code=item.code,
        item_name=item.name,
        allowed=e.allowed,
        reasons=[
            ReasonOut(code=r.code, message=r.message, record_id=r.record_id) for r in e.reasons
        ],
        verify_every_commitment=e.verify_every_commitment,
        repair_hint=e.repair_hint,
    )


def _repair_out(r: RepairApplication, *, with_subject: bool = False) -> RepairOut:
    return RepairOut(
        id=r.pk,
        record_id=r.record_id,
        status=r.status,
        status_label=_REPAIR_STATUS.get(r.status, r.status),
        due_on=r.due_on,
        created_at=r.created_at,
        decided_at=r.decided_at,
        decision_reason=r.decision_reason,
        subject=_subject_out(r.record.subject) if with_subject else None,
    )


def _objection_out(o: Objection, *, with_subject: bool = False) -> ObjectionOut:
    return ObjectionOut(
        id=o.pk,
        record_id=o.record_id,
        status=o.status,
        status_label=_OBJECTION_STATUS.get(o.status, o.status),
        due_on=o.due_on,
        created_at=o.created_at,
        grounds=o.grounds,
        decided_at=o.decided_at,
        answer=o.answer,
        subject=_subject_out(o.record.subject) if with_subject else None,
    )


def _record_out(r: CreditRecord) -> RecordOut:
    return RecordOut(
        id=r.pk,
        subject_id=r.subject_id,
        kind=r.kind,
        kind_label=_RECORD_KIND.get(r.kind, r.kind),
        grade=r.grade,
        grade_label=_GRADE.get(r.grade, ""),
        status=r.status,
        status_label=_RECORD_STATUS.get(r.status, r.status),
        summary=r.summary,
        legal_basis=r.legal_basis,
        deciding_agency=r.deciding_agency.name if r.deciding_agency else "",
        decided_on=r.decided_on,
        publish_from=r.publish_from,
        publish_to=r.publish_to,
        repairs=[_repair_out(x) for x in r.repairs.all()],
        objections=[_objection_out(x) for x in r.objections.all()],
    )


# --- staff: lookup and eligibility (R-5.7, R-6.4, R-2.2) ------------------------------------


@router.get(
    "/subjects/lookup",
    response={200: LookupOut, **_errors(400, 401, 403, 422)},
    summary="事中核查信用：按证件号码精确查询",
)
def subject_lookup(request, filters: Query[LookupQuery]):
    """Exact search; the result is masked and the lookup is audited. Unknown → found=false."""
    id_type = _choice(filters.id_type, "id_type", "证件类型", _ID_TYPE)
    if not id_type:
        raise DomainError("required", "证件类型为必填项", field="id_type")
    subject = services.subject_lookup(
        actor=request.user, id_type=id_type, id_value=filters.id_number
    )
    if subject is None:
        return LookupOut(found=False)
    items = selectors.lookup_items(request.user)
    result = services.credit_lookup(actor=request.user, subject=subject, items=items)
    return LookupOut(
        found=True,
        subject=_subject_out(subject),
        risk=_risk_out(result["risk"]),
        eligibility=[_eligibility_out(i, result["eligibility"][i.code]) for i in items],
        records=[_record_out(r) for r in selectors.records_of(request.user, subject)],
    )


@router.get(
    "/subjects/{subject_id}/eligibility",
    response={200: EligibilityOut, **_errors(401, 403, 404, 422)},
    summary="告知承诺适用资格（R-2.2）",
)
def subject_eligibility(request, subject_id: int, filters: Query[EligibilityQuery]):
    if not policies.can_lookup_credit(request.user):
        raise PermissionDenied("您的角色无权查询信用")
    subject = selectors.subject_for_staff(request.user, subject_id)
    item = selectors.item_for_eligibility(filters.item)
    result = services.credit_lookup(actor=request.user, subject=subject, items=[item])
    return _eligibility_out(item, result["eligibility"][item.code])


@router.post(
    "/subjects/{subject_id}/pull",
    response={200: PullOut, **_errors(401, 403, 404, 503)},
    summary="从信用平台获取外部失信记录（R-5.2、R-9.2）",
)
def subject_pull(request, subject_id: int):
    """Merge the first active platform's records of the subject; records already stored are
    not added again. 503 when no platform is active or the platform cannot be reached."""
    if not policies.can_lookup_credit(request.user):
        raise PermissionDenied("您的角色无权从信用平台获取信用记录")
    subject = selectors.subject_for_staff(request.user, subject_id)
    platform = CreditPlatform.objects.filter(active=True).order_by("id").first()
    if platform is None:
        return Status(
            503,
            {"code": "no_platform", "message": "未配置启用的信用共享平台，无法获取外部失信记录"},
        )
    try:
        created = pull_external_records(actor=request.user, subject=subject, platform=platform)
    except DomainError as exc:
        if exc.code != "platform_unavailable":
            raise
        return Status(503, exc.as_dict())
    return PullOut(
        platform=platform.name, added=len(created), records=[_record_out(r) for r in created]
    )


# --- applicants -----------------------------------------------------------------------------


@router.get("/me/records", response={200: MyRecordsOut, **_errors(401)}, summary="我的信用记录")
def my_records(request):
    return MyRecordsOut(
        subjects=[_subject_out(s) for s in selectors.my_subjects(request.user)],
        records=[_record_out(r) for r in selectors.my_records(request.user)],
    )


@router.post(
    "/records/{record_id}/repairs",
    response={201: RepairOut, **_errors(400, 401, 404, 422)},
    summary="申请信用修复（R-5.4）",
)
def repair_submit(request, record_id: int, payload: RepairIn):
    record = selectors.my_record_get(request.user, record_id)
    repair = services.repair_submit(
        actor=request.user,
        record=record,
        statement=payload.statement,
        commitment_letter=payload.commitment_letter,
    )
    return Status(201, _repair_out(repair))


@router.post(
    "/records/{record_id}/objections",
    response={201: ObjectionOut, **_errors(400, 401, 404, 422)},
    summary="提出异议（R-5.4）",
)
def objection_submit(request, record_id: int, payload: ObjectionIn):
    record = selectors.my_record_get(request.user, record_id)
    objection = services.objection_submit(
        actor=request.user, record=record, grounds=payload.grounds
    )
    return Status(201, _objection_out(objection))


# --- credit officers ------------------------------------------------------------------------


@router.post(
    "/repairs/{repair_id}/decision",
    response={200: RepairOut, **_errors(400, 401, 404, 422)},
    summary="信用修复决定",
)
def repair_decide(request, repair_id: int, payload: RepairDecisionIn):
    repair = selectors.repair_get(request.user, repair_id)
    repair = services.repair_decide(
        actor=request.user, repair=repair, approve=payload.approve, reason=payload.reason
    )
    return _repair_out(repair)


@router.post(
    "/objections/{objection_id}/answer",
    response={200: ObjectionOut, **_errors(400, 401, 404, 422)},
    summary="书面答复异议",
)
def objection_answer(request, objection_id: int, payload: ObjectionAnswerIn):
    objection = selectors.objection_get(request.user, objection_id)
    objection = services.objection_answer(
        actor=request.user,
        objection=objection,
        corrected=payload.corrected,
        answer=payload.answer,
        remove=payload.corrected and payload.remove,
    )
    return _objection_out(objection)


def _officer(request) -> None:
    if not policies.is_credit_officer(request.user):
        raise PermissionDenied("只有信用管理人员可以查看")


@router.get(
    "/repairs",
    response={200: list[RepairOut], **_errors(400, 401, 403, 422)},
    summary="信用修复申请列表",
)
def repair_list(request, filters: Query[RepairStatusQuery]):
    _officer(request)
    status = _choice(filters.status, "status", "状态", _REPAIR_STATUS)
    qs = selectors.repairs_visible_to(request.user, status=status).order_by("due_on", "id")
    return [_repair_out(r, with_subject=True) for r in qs[:500]]


@router.get(
    "/objections",
    response={200: list[ObjectionOut], **_errors(400, 401, 403, 422)},
    summary="异议申请列表",
)
def objection_list(request, filters: Query[ObjectionStatusQuery]):
    _officer(request)
    status = _choice(filters.status, "status", "状态", _OBJECTION_STATUS)
    qs = selectors.objections_visible_to(request.user, status=status).order_by("due_on", "id")
    return [_objection_out(o, with_subject=True) for o in qs[:500]]

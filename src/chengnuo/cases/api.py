"""The cases API at /api/v1/cases (R-2.1, R-3.3, R-6.2, R-6.4, R-9.2).

Applicants use it with their session (acting for the subjects linked to their account); other
systems use a bearer token of a staff account. The services decide who may act: a case the
actor may not see is 404 everywhere, a state conflict is 409 with the service's code. Every
create (case, commitment, proof) requires an `Idempotency-Key` header (ADR 0006).

Signing over the API is online signing by the applicant only. At the window the clerk records
the applicant's handwritten signature scan in the HTML workbench; that multipart variant is not
offered here.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import Prefetch
from ninja import File, Form, Header, Query, Router, Status, UploadedFile

from chengnuo.accounts.api_auth import STAFF_AUTH
from chengnuo.catalog.models import Matter
from chengnuo.core.actors import Actor
from chengnuo.core.digest import digest_bytes
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.events import kind_label
from chengnuo.core.idempotency import HEADER, idempotent
from chengnuo.core.schemas import error_responses
from chengnuo.credit import selectors as credit_selectors
from chengnuo.credit.models import Subject

from . import policies, selectors, services
from .constants import (
    PROOF_MAX_BYTES,
    CaseStatus,
    Channel,
    Choice,
    CommitmentStatus,
    SignMethod,
)
from .models import Case, CaseItem, Commitment, Proof
from .schemas import (
    AgencyRefOut,
    CaseCreateIn,
    CaseFilters,
    CaseItemOut,
    CaseListOut,
    CaseOut,
    CaseSubjectOut,
    CaseSummaryOut,
    ChoiceIn,
    CommitmentOut,
    DecisionIn,
    ErrorOut,
    MatterRefOut,
    OfferOut,
    OfferReasonOut,
    ProofCreatedOut,
    ProofOut,
    SignIn,
    SubmitIn,
    TextOut,
    TextsOut,
    TextVersionRef,
    TimelineOut,
    WithdrawIn,
)

router = Router(tags=["cases"], auth=STAFF_AUTH)

_STATUS = {c.value: str(c.label) for c in CaseStatus}
_CHANNEL = {c.value: str(c.label) for c in Channel}
_CHOICE = {c.value: str(c.label) for c in Choice}
_COMMITMENT_STATUS = {c.value: str(c.label) for c in CommitmentStatus}
_METHOD = {c.value: str(c.label) for c in SignMethod}

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        description="必填。每次新建使用新的唯一值（如UUID）；重试同一请求使用相同的值（ADR 0006）",
    ),
]


def _errors(*statuses: int) -> dict[int, Any]:
    return error_responses(ErrorOut, *statuses)


# --- output builders (masked only) ----------------------------------------------------------


def _summary_fields(case: Case) -> dict[str, Any]:
    subject = case.subject
    return {
        "number": case.number,
        "status": case.status,
        "status_label": _STATUS.get(case.status, case.status),
        "channel": case.channel,
        "channel_label": _CHANNEL.get(case.channel, case.channel),
        "matter": MatterRefOut(code=case.matter.code, name=case.matter.name),
        "agency": AgencyRefOut(id=case.agency_id, name=case.agency.name),
        "subject": CaseSubjectOut(
            id=subject.pk,
            kind=subject.kind,
            display_name=subject.display_name,
            id_type=subject.id_type,
            id_masked=subject.id_masked,
        ),
        "version": case.version,
        "created_at": case.created_at,
        "submitted_at": case.submitted_at,
        "due_date": case.due_date,
    }


def _commitment_out(c: Commitment, case_version: int) -> CommitmentOut:
    return CommitmentOut(
        id=c.pk,
        item_code=c.item.code,
        status=c.status,
        status_label=_COMMITMENT_STATUS.get(c.status, c.status),
        notification=TextVersionRef(
            id=c.notification_version_id,
            number=c.notification_version.number,
            digest=c.notification_digest,
        ),
        commitment=TextVersionRef(
            id=c.commitment_version_id,
            number=c.commitment_version.number,
            digest=c.commitment_digest,
        ),
        facts=c.facts,
        digest=c.digest,
        signed_at=c.signed_at,
        method=c.method,
        method_label=_METHOD.get(c.method, c.method),
        pdf_digest=c.pdf_digest,
        withdrawn_at=c.withdrawn_at,
        withdrawal_reason=c.withdrawal_reason,
        case_version=case_version,
    )


def _proof_fields(p: Proof) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.original_name,
        "size": p.size,
        "content_type": p.content_type,
        "digest": p.digest,
    }


def _eligibility_out(data: dict[str, Any]) -> OfferOut | None:
    if not data:
        return None
    return OfferOut(
        allowed=bool(data.get("allowed")),
        reasons=[
            OfferReasonOut(code=str(r.get("code", "")), message=str(r.get("message", "")))
            for r in data.get("reasons", [])
        ],
        repair_hint=str(data.get("repair_hint") or ""),
        checked_on=str(data.get("checked_on") or ""),
    )


def _lines(case: Case) -> list[CaseItem]:
    commitments = Commitment.objects.select_related(
        "item", "notification_version", "commitment_version"
    ).order_by("signed_at", "id")
    return list(
        case.items.select_related("item")
        .prefetch_related(
            Prefetch("commitments", queryset=commitments),
            Prefetch("proofs", queryset=Proof.objects.order_by("id")),
        )
        .order_by("item__code")
    )


def _item_out(line: CaseItem, case_version: int) -> CaseItemOut:
    commitments = [_commitment_out(c, case_version) for c in line.commitments.all()]
    proofs = list(line.proofs.all())
    active = next((c for c in commitments if c.status == CommitmentStatus.SIGNED), None)
    if line.choice == Choice.COMMIT:
        resolved = active is not None
    else:
        resolved = line.choice == Choice.PROOF and bool(proofs)
    return CaseItemOut(
        item_code=line.item.code,
        name=line.item.name,
        commit_offered=line.commit_offered,
        eligibility=_eligibility_out(line.eligibility),
        choice=line.choice,
        choice_label=_CHOICE.get(line.choice, line.choice),
        resolved=resolved,
        commitment=active,
        commitments=commitments,
        proofs=[ProofOut(**_proof_fields(p)) for p in proofs],
    )


def _sees_risk(actor: Actor, case: Case) -> bool:
    """R-6.4: the risk level is for the staff of the case's agency (and those who read it)."""
    if policies.handles(actor, case.agency_id):
        return True
    ids = policies.staff_readable_agency_ids(actor)
    return ids is None or case.agency_id in ids


def _case_out(actor: Actor, case: Case) -> CaseOut:
    return CaseOut(
        **_summary_fields(case),
        risk_level=case.risk_level if _sees_risk(actor, case) else None,
        decided_at=case.decided_at,
        decision_reason=case.decision_reason,
        items=[_item_out(line, case.version) for line in _lines(case)],
        timeline=[
            TimelineOut(
                kind=e.event,
                kind_label=kind_label(e.event),
                at=e.occurred_at,
                actor_label=e.actor_label,
                item_code=e.item_code,
                message=e.message,
            )
            for e in selectors.case_timeline(case, staff=_sees_risk(actor, case))
        ],
    )


def _fresh(actor: Actor, number: str) -> Case:
    return selectors.case_get_for(actor, number)


def _version_of(case: Case) -> int:
    return Case.objects.values_list("version", flat=True).get(pk=case.pk)


# --- lookups --------------------------------------------------------------------------------


def _matter(code: str) -> Matter:
    matter = Matter.objects.select_related("agency").filter(code=code.strip()).first()
    if matter is None:
        raise NotFound("未找到该事项")
    return matter


def _subject(actor: Actor, matter: Matter, pk: int) -> Subject:
    if policies.is_clerk_for(actor, matter.agency_id):
        # As at the window: a clerk reaches a subject only through a lawful
        # context — the exact lookup just made, or a case, task or record of the agency naming
        # it; any other id is "not found", so counting through ids creates nothing.
        try:
            return credit_selectors.subject_for_staff(actor, pk)
        except NotFound:
            raise NotFound("未找到该申请人（请先按证件号码查询）") from None
    subject = Subject.objects.filter(pk=pk).first()
    if subject is None:
        raise PermissionDenied("您无权为该申请人办理此事项")
    return subject


def _line(case: Case, item_code: str) -> CaseItem:
    if not 0 < len(item_code) <= 40:
        raise NotFound()
    return selectors.case_line_get(case, item_code)


# --- cases ----------------------------------------------------------------------------------


@router.post(
    "",
    response={201: CaseOut, **_errors(400, 401, 403, 404, 409, 422)},
    summary="创建办件（网上申请或窗口办理）",
)
def case_create(request, payload: CaseCreateIn, idempotency_key: IdempotencyKey = None):
    """An applicant starts an online case for a subject linked to the account; a window clerk
    of the matter's agency starts a window case. Each certification item gets its commit offer
    decided now (R-2.2). Requires `Idempotency-Key`."""
    actor = request.user

    def create() -> tuple[int, dict[str, Any]]:
        matter = _matter(payload.matter_code)
        subject = _subject(actor, matter, payload.subject_id)
        case = services.case_create(actor=actor, matter=matter, subject=subject)
        case.agency = matter.agency  # loaded with the matter: no second read of the case
        return 201, _case_out(actor, case).model_dump(mode="json")

    status, data = idempotent(request, "cases.create", payload.model_dump(mode="json"), create)
    return Status(status, data)


@router.get(
    "",
    response={200: CaseListOut, **_errors(401, 422)},
    summary="办件列表（本人或本机关）",
)
def case_list(request, filters: Query[CaseFilters]):
    """Applicants see the cases of their linked subjects; staff those of their agencies."""
    qs = selectors.cases_visible_to(request.user)
    status = filters.status.strip()
    if status:
        if status not in _STATUS:
            choices = "、".join(f"{code}（{name}）" for code, name in _STATUS.items())
            raise DomainError("invalid_choice", f"状态只能取：{choices}", field="status")
        qs = qs.filter(status=status)
    qs = qs.order_by("-created_at", "-id")
    count = qs.count()
    page = qs[filters.offset : filters.offset + filters.limit]
    return CaseListOut(count=count, items=[CaseSummaryOut(**_summary_fields(c)) for c in page])


@router.get(
    "/{number}",
    response={200: CaseOut, **_errors(401, 404)},
    summary="办件详情（证明事项、承诺书、证明材料、办理记录）",
)
def case_detail(request, number: str):
    return _case_out(request.user, _fresh(request.user, number))


@router.get(
    "/{number}/items/{item_code}/texts",
    response={200: TextsOut, **_errors(401, 404)},
    summary="签署前须阅读的告知书和承诺书（当前版本）",
)
def item_texts(request, number: str, item_code: str):
    """The versions to read before signing; their ids are sent back when signing, which is
    refused (409 stale_template) if a newer version was published in between."""
    line = _line(_fresh(request.user, number), item_code)
    notification, commitment = services.current_versions(line.item)
    return TextsOut(
        item_code=line.item.code,
        notification=TextOut(
            id=notification.pk,
            number=notification.number,
            digest=notification.digest,
            content=notification.content,
        )
        if notification
        else None,
        commitment=TextOut(
            id=commitment.pk,
            number=commitment.number,
            digest=commitment.digest,
            content=commitment.content,
        )
        if commitment
        else None,
    )


@router.post(
    "/{number}/items/{item_code}/choice",
    response={200: CaseOut, **_errors(400, 401, 404, 409, 422)},
    summary="选择办理方式：告知承诺或提交证明（R-2.1）",
)
def item_choose(request, number: str, item_code: str, payload: ChoiceIn):
    actor = request.user
    case = _fresh(actor, number)
    services.item_choose(
        actor=actor,
        case_item=_line(case, item_code),
        choice=payload.choice,
        expected_version=payload.expected_version,
    )
    return _case_out(actor, _fresh(actor, number))


@router.post(
    "/{number}/items/{item_code}/commitment",
    response={201: CommitmentOut, **_errors(400, 401, 403, 404, 409, 422)},
    summary="申请人网上签署承诺书（R-3.3）",
)
def commitment_sign(
    request,
    number: str,
    item_code: str,
    payload: SignIn,
    idempotency_key: IdempotencyKey = None,
):
    """Online signing by the applicant, bound to the notification and commitment versions read
    (GET …/texts). Window signing (a clerk recording the handwritten signature scan) is done in
    the HTML workbench, not here. Requires `Idempotency-Key`."""
    actor = request.user
    case = _fresh(actor, number)
    line = _line(case, item_code)

    def create() -> tuple[int, dict[str, Any]]:
        if not policies.acts_for(actor, case.subject_id):
            raise DomainError(
                "online_signing_only",
                "接口只支持申请人本人网上签署；窗口签署请在工作台上传申请人手写签名的承诺书扫描件",
            )
        c = services.commitment_sign(
            actor=actor,
            case_item=line,
            read=services.ReadVersions(
                payload.notification_version_id, payload.commitment_version_id
            ),
            facts=payload.facts,
            confirmed=payload.confirmed,
            insurance=payload.insurance,
            expected_version=payload.expected_version,
        )
        # c.case is the case row the service locked and bumped: its version is current
        return 201, _commitment_out(c, c.case.version).model_dump(mode="json")

    body = {"case": case.number, "item": line.item.code, **payload.model_dump(mode="json")}
    status, data = idempotent(request, "cases.commitment_sign", body, create)
    return Status(status, data)


@router.post(
    "/{number}/items/{item_code}/proofs",
    response={201: ProofCreatedOut, **_errors(400, 401, 404, 409, 422)},
    summary="上传证明材料（PDF、JPEG或PNG，不超过10 MB）",
)
def proof_upload(
    request,
    number: str,
    item_code: str,
    file: File[UploadedFile],
    expected_version: Form[int | None] = None,
    idempotency_key: IdempotencyKey = None,
):
    """Multipart upload of one file (`file`). Requires `Idempotency-Key`: a retry with the same
    key and the same file returns the first result instead of a second copy."""
    actor = request.user
    case = _fresh(actor, number)
    line = _line(case, item_code)
    file.seek(0)
    head = file.read(PROOF_MAX_BYTES + 1)
    file.seek(0)
    body = {
        "case": case.number,
        "item": line.item.code,
        "name": file.name,
        "size": file.size,
        "digest": digest_bytes(head),
        "expected_version": expected_version,
    }

    def create() -> tuple[int, dict[str, Any]]:
        proof = services.proof_upload(
            actor=actor, case_item=line, upload=file, expected_version=expected_version
        )
        out = ProofCreatedOut(
            **_proof_fields(proof), item_code=line.item.code, case_version=_version_of(case)
        )
        return 201, out.model_dump(mode="json")

    status, data = idempotent(request, "cases.proof_upload", body, create)
    return Status(status, data)


@router.post(
    "/{number}/commitments/{commitment_id}/withdraw",
    response={200: CommitmentOut, **_errors(400, 401, 404, 409, 422)},
    summary="退出承诺（办结前，须说明理由，R-6.2）",
)
def commitment_withdraw(request, number: str, commitment_id: int, payload: WithdrawIn):
    actor = request.user
    case = _fresh(actor, number)
    commitment = (
        Commitment.objects.select_related("case", "item")
        .filter(pk=commitment_id, case=case)
        .first()
        if 0 < commitment_id <= selectors.MAX_ID
        else None
    )
    if commitment is None:
        raise NotFound()
    services.commitment_withdraw(
        actor=actor,
        commitment=commitment,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    c = Commitment.objects.select_related("item", "notification_version", "commitment_version").get(
        pk=commitment.pk
    )
    return _commitment_out(c, _version_of(case))


@router.post(
    "/{number}/submit",
    response={200: CaseOut, **_errors(400, 401, 404, 409, 422)},
    summary="提交申请（每个证明事项已承诺或已提交证明）",
)
def case_submit(request, number: str, payload: SubmitIn | None = None):
    actor = request.user
    services.case_submit(
        actor=actor,
        case=_fresh(actor, number),
        expected_version=payload.expected_version if payload else None,
    )
    return _case_out(actor, _fresh(actor, number))


@router.post(
    "/{number}/decision",
    response={200: CaseOut, **_errors(400, 401, 403, 404, 409, 422)},
    summary="作出决定：准予、不予或终止办理",
)
def case_decide(request, number: str, payload: DecisionIn):
    """The case officer of the agency decides once; a second decision is 409 already_decided."""
    actor = request.user
    services.case_decide(
        actor=actor,
        case=_fresh(actor, number),
        decision=payload.decision,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _case_out(actor, _fresh(actor, number))

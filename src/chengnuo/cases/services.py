"""Every write of a case (R-1.1, R-2.1, R-2.2, R-3.1, R-3.3, R-6.2, R-6.3, R-6.4, R-6.5, R-9.1).

Each service is keyword-only, checks who may act, locks the case row (`select_for_update`, so two
officers acting on one case at once cannot both succeed), validates, and writes exactly one
audit event and one timeline row in the same transaction. Follow-up work (archiving the signed
PDF) runs after commit in the worker."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.catalog.constants import ItemStatus
from chengnuo.catalog.models import CatalogVersion, CertificationItem, Matter
from chengnuo.catalog.selectors import matter_items_in_force
from chengnuo.core import events, spine
from chengnuo.core.actors import Actor
from chengnuo.core.calendar import add_working_days
from chengnuo.core.digest import digest_bytes, digest_json
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.core.rules import FieldError, raise_field_errors
from chengnuo.core.uploads import check_upload
from chengnuo.credit.models import Subject
from chengnuo.credit.rules import RecordFacts, commitment_eligibility, risk_level
from chengnuo.credit.services import eligibility_of, record_facts
from chengnuo.documents.constants import TemplateKind
from chengnuo.documents.models import TemplateVersion
from chengnuo.documents.selectors import public_latest_version
from chengnuo.documents.services import version_content_for_case

from . import policies, rules
from .constants import (
    DECISION_STATUS,
    DEFAULT_TIME_LIMIT_DAYS,
    PROOF_MAX_BYTES,
    PROOF_MAX_FILES_PER_ITEM,
    SIGNATURE_SCAN_MAX_BYTES,
    CaseStatus,
    Channel,
    Choice,
    CommitmentStatus,
    Decision,
    Event,
    SignMethod,
)
from .models import Case, CaseItem, Commitment, Proof

# --- helpers --------------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _lock(case: Case, *, expected_version: int | None = None) -> Case:
    # of=("self",): lock the case row only. A bare FOR UPDATE with select_related would also
    # lock the agency and matter rows, which every concurrent insert referencing them checks
    # (FK, FOR KEY SHARE) at commit — a deadlock with the audit chain's advisory lock.
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("matter", "agency")
        .get(pk=case.pk)
    )
    if expected_version is not None and expected_version != locked.version:
        raise Conflict(
            "stale_version",
            f"办件已被他人更新（当前状态：{locked.get_status_display()}），请刷新页面后重试",
        )
    return locked


def _bump(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=["version", "updated_at", *fields])


def _ensure_open(case: Case, what: str) -> None:
    if not case.can_change_items():
        raise DomainError(
            "case_concluded",
            f"办件已{case.get_status_display()}（{_when(case)}），不能再{what}",
        )


def _when(case: Case) -> str:
    moment = case.decided_at or case.updated_at
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _act_on(actor: Actor, case: Case) -> None:
    if not policies.may_act_on(actor, case):
        raise NotFound()


def _catalog_snapshot(item: CertificationItem, on: date) -> tuple[int | None, Any]:
    """The id of the agency's catalog version in force on `on` and the item's entry in it
    (only that entry is read, not the whole snapshot); (None, {}) when the agency has no
    published version yet (the live catalog is then authoritative)."""
    row = (
        CatalogVersion.objects.filter(agency_id=item.agency_id, effective_date__lte=on)
        .annotate(entry=KeyTransform(item.code, "items"))
        .order_by("-effective_date", "-number")
        .values_list("pk", "entry")
        .first()
    )
    if row is None:
        return None, {}
    return row[0], row[1]


def offer_of(
    subject: Subject,
    item: CertificationItem,
    *,
    on: date,
    records: list[RecordFacts] | None = None,
) -> tuple[rules.Offer, int | None]:
    """R-2.1 + R-2.2: is commit offered to this subject for this item today? With the id of
    the catalog version it was decided on. `records`: the subject's credit facts, when the
    caller already read them (one read for all the items of a case)."""
    version_id, entry = _catalog_snapshot(item, on)
    in_force = rules.in_force_under_commitment(
        live_in_force=item.status == ItemStatus.IN_FORCE,
        live_under_commitment=item.under_commitment,
        snapshot=entry,
    )
    if records is None:
        eligibility = eligibility_of(subject, item, on=on)
    else:
        eligibility = commitment_eligibility(records, item_under_commitment=True, on=on)
    return rules.offer_for(in_force=in_force, eligibility=eligibility), version_id


def _refuse_withdrawn(line: CaseItem) -> None:
    """R-6.2: after a withdrawal the line stays under the standard procedure."""
    if line.commitments.filter(status=CommitmentStatus.WITHDRAWN).exists():
        raise Conflict(
            "commitment_withdrawn",
            f"“{line.item.name}”的承诺已退出，本办件中该项按一般程序办理，"
            "不能再次签署承诺书，请提交证明材料",
            field="choice",
        )


def _refuse_offer(item: CertificationItem, offer: rules.Offer) -> None:
    reasons = "；".join(r["message"] for r in offer.reasons)
    hint = f"。{offer.repair_hint}" if offer.repair_hint else ""
    raise DomainError(
        "commitment_not_allowed",
        f"“{item.name}”不能选择告知承诺：{reasons}{hint}",
        field="choice",
        details=[dict(r, field="choice") for r in offer.reasons],
    )


def time_limit_days(matter: Matter) -> int:
    from chengnuo.documents.guides import public_latest_guide

    guide = public_latest_guide(matter)
    days = (guide.content.get("promised_time_limit_days") if guide else None) or 0
    return int(days) if isinstance(days, int) and days > 0 else DEFAULT_TIME_LIMIT_DAYS


# --- create ---------------------------------------------------------------------------------


def case_create(*, actor: Actor, matter: Matter, subject: Subject) -> Case:
    """Start a case: online by an applicant acting for the subject, or at the window by a clerk
    of the matter's agency. Each certification item the matter requires gets its line with the
    commit offer decided now (catalog version in force today + credit eligibility, R-2.2), and
    the subject's risk level is recorded for staff (R-6.4)."""
    if policies.is_clerk_for(actor, matter.agency_id):
        channel = Channel.WINDOW
    elif policies.acts_for(actor, subject.pk):
        channel = Channel.ONLINE
    else:
        raise PermissionDenied("您无权为该申请人办理此事项")
    today = _today()
    records = record_facts(subject)
    risk = risk_level(records, on=today)
    items = matter_items_in_force(matter)
    with transaction.atomic():
        case = Case.objects.create(
            number=f"tmp-{uuid.uuid4().hex[:24]}",
            matter=matter,
            agency_id=matter.agency_id,
            subject=subject,
            channel=channel,
            started_by=person_of(actor),
            risk_level=risk.level,
            risk_score=risk.score,
            risk_factors=[{"label": f.label, "points": f.points} for f in risk.factors],
        )
        case.number = f"CN{today:%Y%m%d}{case.pk:06d}"
        case.save(update_fields=["number"])
        lines = []
        for item in items:
            offer, version_id = offer_of(subject, item, on=today, records=records)
            lines.append(
                CaseItem(
                    case=case,
                    item=item,
                    catalog_version_id=version_id,
                    commit_offered=offer.offered,
                    eligibility=offer.as_json(today),
                    choice="" if offer.offered else Choice.PROOF,
                )
            )
        CaseItem.objects.bulk_create(lines)
        after = {
            "number": case.number,
            "matter": matter.code,
            "channel": channel,
            "risk_level": risk.level,
            "items": {line.item.code: line.commit_offered for line in lines},
        }
        spine.record(
            actor,
            Event.CREATED,
            case,
            None,
            after,
            message=f"{Channel(channel).label}：{matter.name}",
        )
    return case


# --- per item -------------------------------------------------------------------------------


def _lock_line(case_item: CaseItem, expected_version: int | None) -> tuple[Case, CaseItem]:
    case = _lock(case_item.case, expected_version=expected_version)
    line = CaseItem.objects.select_related("item").get(pk=case_item.pk)
    return case, line


def item_choose(
    *, actor: Actor, case_item: CaseItem, choice: str, expected_version: int | None = None
) -> CaseItem:
    """R-2.1: commit or submit the proof. Commit only when offered today (catalog and credit are
    checked again); proof is always allowed. A signed commitment is left by withdrawing it."""
    if choice not in (Choice.COMMIT, Choice.PROOF):
        raise DomainError("invalid_choice", "办理方式只能是告知承诺（commit）或提交证明（proof）")
    _act_on(actor, case_item.case)
    with transaction.atomic():
        case, line = _lock_line(case_item, expected_version)
        _ensure_open(case, "更改办理方式")
        if line.choice == choice:
            return line
        if line.commitments.filter(status=CommitmentStatus.SIGNED).exists():
            raise DomainError(
                "commitment_signed",
                f"“{line.item.name}”已签署承诺书；如需改为提交证明，请先退出承诺并说明理由",
                field="choice",
            )
        today = _today()
        if choice == Choice.COMMIT:
            _refuse_withdrawn(line)
            offer, version_id = offer_of(case.subject, line.item, on=today)
            line.eligibility = offer.as_json(today)
            line.commit_offered = offer.offered
            line.catalog_version_id = version_id
            if not offer.offered:
                _refuse_offer(line.item, offer)
        before = {"choice": line.choice}
        line.choice = choice
        line.save(update_fields=["choice", "eligibility", "commit_offered", "catalog_version"])
        _bump(case)
        label = Choice(choice).label
        spine.record(
            actor,
            Event.ITEM_CHOSEN,
            case,
            before,
            {"item": line.item.code, "choice": choice},
            message=f"{line.item.name}：{label}",
            item_code=line.item.code,
        )
    return line


@dataclass(frozen=True)
class ReadVersions:
    """The template versions the applicant was shown (their ids), bound at signing."""

    notification_id: int
    commitment_id: int


def current_versions(
    item: CertificationItem,
) -> tuple[TemplateVersion | None, TemplateVersion | None]:
    return (
        public_latest_version(item, TemplateKind.NOTIFICATION),
        public_latest_version(item, TemplateKind.COMMITMENT),
    )


def _check_upload(
    upload: Any, *, field: str, limit: int, what: str
) -> tuple[str, int, str, str, bytes]:
    """A proof or a signature scan: PDF, JPEG or PNG by content, at most `limit` bytes."""
    c = check_upload(upload, field=field, limit=limit, each=what, default_name=what)
    return c.name, c.size, c.content_type, c.extension, c.data


def _signed_record(c: Commitment) -> dict[str, Any]:
    """What the commitment's digest covers (R-9.1)."""
    return {
        "case": c.case.number,
        "item": c.item.code,
        "subject": {
            "kind": c.subject.kind,
            "id_type": c.subject.id_type,
            "id": c.subject.id_masked,
        },
        "signer_name": c.signer_name,
        "notification": {"id": c.notification_version_id, "digest": c.notification_digest},
        "commitment": {"id": c.commitment_version_id, "digest": c.commitment_digest},
        "facts": c.facts,
        "insurance": c.insurance,
        "signed_at": c.signed_at,
        "method": c.method,
        "signature_scan_digest": c.signature_scan_digest,
    }


def commitment_sign(
    *,
    actor: Actor,
    case_item: CaseItem,
    read: ReadVersions,
    facts: dict[str, Any],
    confirmed: bool,
    insurance: dict[str, Any] | None = None,
    signature_scan: Any = None,
    expected_version: int | None = None,
) -> Commitment:
    """R-3.3: sign the commitment for one item. The applicant confirms online (logged in and
    acting for the subject); at the window a clerk records the handwritten signature scan.
    Binds the notification and commitment versions the applicant read — refused if a newer one
    was published since — with their digests and the facts committed to. Insurance first where
    the item requires it (R-6.5). The PDF is archived after commit."""
    case = case_item.case
    if policies.acts_for(actor, case.subject_id):
        method = SignMethod.ONLINE
    elif policies.handles(actor, case.agency_id):
        method = SignMethod.HANDWRITTEN
    else:
        raise NotFound()
    if not confirmed:
        raise DomainError(
            "not_confirmed",
            "请确认已阅读告知书并同意承诺书的全部内容后再签署",
            field="confirmed",
        )
    scan: tuple[str, int, str, str, bytes] | None = None
    if method == SignMethod.HANDWRITTEN:
        if signature_scan is None:
            raise DomainError(
                "signature_scan_required",
                "窗口签署须上传申请人手写签名的承诺书扫描件",
                field="signature_scan",
            )
        scan = _check_upload(
            signature_scan,
            field="signature_scan",
            limit=SIGNATURE_SCAN_MAX_BYTES,
            what="签名扫描件",
        )
    today = _today()
    with transaction.atomic():
        case, line = _lock_line(case_item, expected_version)
        _ensure_open(case, "签署承诺书")
        item = line.item
        if line.commitments.filter(status=CommitmentStatus.SIGNED).exists():
            raise Conflict("already_signed", f"“{item.name}”的承诺书已签署，不能重复签署")
        _refuse_withdrawn(line)
        offer, version_id = offer_of(case.subject, item, on=today)
        if not offer.offered:
            _refuse_offer(item, offer)
        notification, commitment_tpl = current_versions(item)
        if notification is None or commitment_tpl is None:
            raise DomainError(
                "no_published_text",
                f"“{item.name}”尚未发布告知书和承诺书，暂不能以承诺方式办理，请提交证明材料",
            )
        if (notification.pk, commitment_tpl.pk) != (read.notification_id, read.commitment_id):
            raise Conflict(
                "stale_template",
                f"“{item.name}”的告知书或承诺书已更新（告知书第{notification.number}版、"
                f"承诺书第{commitment_tpl.number}版），请重新阅读后签署",
            )
        content = version_content_for_case(commitment_tpl, facts=facts)
        clean_facts = {
            f["key"]: f["value"] for f in content.get("facts", []) if f["value"] is not None
        }
        clean_insurance: dict[str, Any] = {}
        if item.liability_insurance_required:
            clean_insurance, errors = rules.clean_insurance(insurance, on=today)
            raise_field_errors(errors)
        c = Commitment(
            case_item=line,
            case=case,
            subject=case.subject,
            item=item,
            notification_version=notification,
            notification_digest=notification.digest,
            commitment_version=commitment_tpl,
            commitment_digest=commitment_tpl.digest,
            facts=clean_facts,
            insurance=clean_insurance,
            signer_name=case.subject.name,
            signed_by=person_of(actor),
            signed_at=timezone.now(),
            method=method,
        )
        if scan is not None:
            _name, _size, _type, extension, data = scan
            c.signature_scan_digest = digest_bytes(data)
            c.signature_scan.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
        c.digest = digest_json(_signed_record(c))
        try:
            c.save()
            before = {"choice": line.choice}
            line.choice = Choice.COMMIT
            line.catalog_version_id = version_id
            line.eligibility = offer.as_json(today)
            line.commit_offered = True
            line.save(update_fields=["choice", "catalog_version", "eligibility", "commit_offered"])
            _bump(case)
            after = {
                "item": item.code,
                "commitment_id": c.pk,
                "method": method,
                "notification": [notification.number, notification.digest],
                "commitment": [commitment_tpl.number, commitment_tpl.digest],
                "digest": c.digest,
                "insured": bool(clean_insurance),
            }
            spine.record(
                actor,
                Event.COMMITMENT_SIGNED,
                case,
                before,
                after,
                message=f"{item.name}：{SignMethod(method).label}签署承诺书（承诺书第{commitment_tpl.number}版）",
                item_code=item.code,
            )
        except Exception:
            if c.signature_scan:
                default_storage.delete(c.signature_scan.name)
            raise
        # the PDF is archived after commit ("cases.archive_signed_pdf", retried until done)
        events.emit("commitment.signed", commitment=c, actor=actor)
    return c


def archive_signed_pdf(*, commitment: int, actor: Actor = None) -> None:
    """On-commit reaction to "commitment.signed"."""
    commitment_archive(commitment_id=commitment)


def signed_content(c: Commitment) -> dict[str, Any]:
    """The commitment text as signed: the version it was signed against, with its facts."""
    content = version_content_for_case(c.commitment_version, facts=c.facts)
    content["applicant"] = {"name": c.signer_name}
    content["signed"] = {
        "at": timezone.localtime(c.signed_at).strftime("%Y-%m-%d %H:%M"),
        "method": SignMethod(c.method).label,
        "digest": c.digest,
        "case": c.case.number,
    }
    return content


def commitment_archive(*, commitment_id: int) -> Commitment:
    """Render the signed commitment as PDF against the version it was signed with, store it
    and record its SM3 digest. Idempotent: an archived commitment is left as it is."""
    from chengnuo.documents.render import render_pdf

    c = Commitment.objects.select_related("case", "item", "commitment_version", "subject").get(
        pk=commitment_id
    )
    if c.pdf:
        return c
    # rendered before any lock: what was signed does not change
    v = c.commitment_version
    data = render_pdf(v.content, signed_content(c), number=v.number, digest=v.digest)
    with transaction.atomic():
        locked = Commitment.objects.select_for_update(of=("self",)).get(pk=commitment_id)
        if locked.pdf:
            return locked  # archived meanwhile by another run
        c.pdf_digest = digest_bytes(data)
        c.pdf.save(f"{c.case.number}-{c.item.code}-{c.pk}.pdf", ContentFile(data), save=False)
        try:
            c.save(update_fields=["pdf", "pdf_digest"])
            after = {"commitment_id": c.pk, "pdf_digest": c.pdf_digest}
            spine.record(
                None,
                Event.COMMITMENT_ARCHIVED,
                c,
                None,
                after,
                message=f"{c.item.name}：承诺书PDF已归档（SM3 {c.pdf_digest[:16]}…）",
                item_code=c.item.code,
            )
        except Exception:
            default_storage.delete(c.pdf.name)
            raise
    return c


def commitment_withdraw(
    *, actor: Actor, commitment: Commitment, reason: str, expected_version: int | None = None
) -> Commitment:
    """R-6.2: before the case is concluded the applicant may withdraw a commitment with a
    stated reason (at the window the clerk records it); the item reverts to the standard
    procedure and the case continues. After conclusion it is refused with the reason."""
    case = commitment.case
    if not (policies.acts_for(actor, case.subject_id) or policies.handles(actor, case.agency_id)):
        raise NotFound()
    text, error = rules.clean_reason(reason, field="reason", label="退出承诺的理由")
    with transaction.atomic():
        case = _lock(case, expected_version=expected_version)
        c = (
            Commitment.objects.select_for_update(of=("self",))
            .select_related("item")
            .get(pk=commitment.pk)
        )
        if not case.can_withdraw():
            raise DomainError(
                "case_concluded",
                f"办件已于{_when(case)}{case.get_status_display()}，办结后不能退出承诺",
            )
        if c.status != CommitmentStatus.SIGNED:
            raise Conflict("already_withdrawn", f"“{c.item.name}”的承诺已退出，不能重复退出")
        if error:
            raise_field_errors([error])
        c.status = CommitmentStatus.WITHDRAWN
        c.withdrawn_at = timezone.now()
        c.withdrawn_by = person_of(actor)
        c.withdrawal_reason = text
        c.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        # The line goes on under the standard procedure: commit is no longer offered in it.
        CaseItem.objects.filter(pk=c.case_item_id).update(choice=Choice.PROOF, commit_offered=False)
        _bump(case)
        after = {"item": c.item.code, "commitment_id": c.pk, "reason": text}
        spine.record(
            actor,
            Event.COMMITMENT_WITHDRAWN,
            case,
            {"status": "signed"},
            after,
            message=f"{c.item.name}：退出承诺，改为提交证明。理由：{text}",
            item_code=c.item.code,
        )
        # verification withdraws the commitment's open tasks
        events.emit("commitment.withdrawn", commitment=c, actor=actor)
    return c


def proof_upload(
    *, actor: Actor, case_item: CaseItem, upload: Any, expected_version: int | None = None
) -> Proof:
    """R-2.1: submit the proof for an item (standard procedure): PDF, JPEG or PNG by content,
    at most 10 MB, at most five files per item, stored through the storage API."""
    _act_on(actor, case_item.case)
    name, size, content_type, extension, data = _check_upload(
        upload, field="file", limit=PROOF_MAX_BYTES, what="证明材料"
    )
    with transaction.atomic():
        case, line = _lock_line(case_item, expected_version)
        _ensure_open(case, "上传证明材料")
        if line.commitments.filter(status=CommitmentStatus.SIGNED).exists():
            raise DomainError(
                "commitment_signed",
                f"“{line.item.name}”已签署承诺书；如需改为提交证明，请先退出承诺并说明理由",
                field="file",
            )
        if line.proofs.count() >= PROOF_MAX_FILES_PER_ITEM:
            raise DomainError(
                "too_many_files",
                f"文件“{name}”未上传：每个证明事项最多上传{PROOF_MAX_FILES_PER_ITEM}个文件",
                field="file",
            )
        proof = Proof(
            case_item=line,
            original_name=name,
            size=size,
            content_type=content_type,
            digest=digest_bytes(data),
            uploaded_by=person_of(actor),
        )
        proof.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
        try:
            proof.save()
            if line.choice != Choice.PROOF:
                line.choice = Choice.PROOF
                line.save(update_fields=["choice"])
            _bump(case)
            after = {
                "item": line.item.code,
                "proof_id": proof.pk,
                "name": name,
                "digest": proof.digest,
            }
            spine.record(
                actor,
                Event.PROOF_UPLOADED,
                case,
                None,
                after,
                message=f"{line.item.name}：上传证明材料“{name}”",
                item_code=line.item.code,
            )
        except Exception:
            default_storage.delete(proof.file.name)
            raise
    return proof


# --- whole case -----------------------------------------------------------------------------


def unresolved_items(case: Case) -> list[CaseItem]:
    lines = case.items.select_related("item").prefetch_related("commitments", "proofs")
    return [line for line in lines if not line.resolved]


def _refuse_unresolved(case: Case, what: str) -> None:
    missing = unresolved_items(case)
    if missing:
        raise DomainError(
            "items_unresolved",
            f"以下证明事项尚未签署承诺书或提交证明材料，不能{what}："
            + "、".join(line.item.name for line in missing),
            details=[
                {
                    "field": f"items.{line.item.code}",
                    "code": "unresolved",
                    "message": line.item.name,
                }
                for line in missing
            ],
        )


def case_submit(*, actor: Actor, case: Case, expected_version: int | None = None) -> Case:
    """Submit the application once every item is committed or its proof uploaded; the promised
    time limit (working days, from the matter's service guide) starts."""
    _act_on(actor, case)
    with transaction.atomic():
        case = _lock(case, expected_version=expected_version)
        if not case.can_submit():
            raise Conflict(
                "invalid_state", f"办件当前状态为“{case.get_status_display()}”，不能再次提交"
            )
        _refuse_unresolved(case, "提交")
        case.status = CaseStatus.SUBMITTED
        case.submitted_at = timezone.now()
        case.due_date = add_working_days(_today(), time_limit_days(case.matter))
        _bump(case, "status", "submitted_at", "due_date")
        after = {"status": case.status, "due_date": case.due_date}
        spine.record(
            actor,
            Event.SUBMITTED,
            case,
            {"status": CaseStatus.DRAFT},
            after,
            message=f"提交申请，办结期限{case.due_date.isoformat()}",
        )
        # other apps react inside this transaction (verification draws what is verified
        # before the decision, R-4.2)
        events.emit("case.submitted", case=case, actor=actor)
    return case


def case_decide(
    *,
    actor: Actor,
    case: Case,
    decision: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """The case officer approves (every item committed or proved), rejects with reasons, or
    terminates with reasons. One decision per case: a second officer acting at the same time
    is refused with who decided what and when. Approval publishes the commitments of items
    with a disclosure scope (R-6.3); other apps guard approval ("case.approving") and react to
    it ("case.approved": verification creates its work, R-4.1) through `core.events`."""
    if decision not in Decision.values:
        raise DomainError(
            "invalid_decision",
            "决定只能是准予（approve）、不予（reject）或终止办理（terminate）",
            field="decision",
        )
    if not policies.can_decide(actor, case.agency_id):
        if policies.may_act_on(actor, case) or _readable(actor, case):
            raise PermissionDenied("只有本机关的承办人员可以作出决定")
        raise NotFound()
    text = (reason or "").strip() if isinstance(reason, str) else ""
    error: FieldError | None = None
    if decision != Decision.APPROVE:
        text, error = rules.clean_reason(reason, field="reason", label="理由")
    with transaction.atomic():
        case = _lock(case, expected_version=expected_version)
        if case.concluded:
            who = case.decided_by or "他人"
            raise Conflict(
                "already_decided",
                f"该办件已由{who}于{_when(case)}作出“{case.get_status_display()}”决定，不能重复决定",
            )
        if decision in (Decision.APPROVE, Decision.REJECT) and not case.can_decide():
            raise Conflict(
                "invalid_state",
                f"办件当前状态为“{case.get_status_display()}”，申请人提交后才能作出准予或不予决定",
            )
        if error:
            raise_field_errors([error])
        if decision == Decision.APPROVE:
            _refuse_unresolved(case, "准予")
            # guards of other apps ("no approval while a before-decision verification is open")
            events.emit("case.approving", case=case, actor=actor)
        before = {"status": case.status}
        case.status = DECISION_STATUS[Decision(decision)]
        case.decided_at = timezone.now()
        case.decided_by = person_of(actor)
        case.decision_reason = text
        _bump(case, "status", "decided_at", "decided_by", "decision_reason")
        after = {"status": case.status, "decision": decision, "reason": text}
        label = Decision(decision).label
        spine.record(
            actor,
            Event.DECIDED,
            case,
            before,
            after,
            message=f"作出决定：{label}" + (f"。理由：{text}" if text else ""),
        )
        if decision == Decision.APPROVE:
            _publish_commitments(case)
            events.emit("case.approved", case=case, actor=actor)
        else:
            # verification withdraws the work still open for the case's commitments
            events.emit("case.closed", case=case, actor=actor, decision=decision)
    return case


def _readable(actor: Actor, case: Case) -> bool:
    ids = policies.staff_readable_agency_ids(actor)
    return ids is None or case.agency_id in ids


def _publish_commitments(case: Case) -> None:
    """R-6.3: commitments of items whose catalog entry names a disclosure scope are published
    from the decision day for the configured period."""
    today = _today()
    for c in case.commitments.filter(status=CommitmentStatus.SIGNED).select_related("item"):
        period = rules.disclosure_period(
            scope=c.item.disclosure_scope, period_days=c.item.disclosure_period_days, on=today
        )
        if period is None:
            continue
        c.disclosure_scope = c.item.disclosure_scope
        c.publish_from, c.publish_to = period
        c.save(update_fields=["disclosure_scope", "publish_from", "publish_to"])


def case_revoke(*, actor: Actor, case: Case, reason: str) -> Case:
    """R-4.8: revoke an approval obtained by an untrue commitment. Only a case officer of the
    case's agency revokes (the handling of an untrue commitment calls this); other apps react
    to "case.revoked"."""
    if not policies.can_decide(actor, case.agency_id):
        if _readable(actor, case):
            raise PermissionDenied("只有本机关的承办人员可以撤销准予决定")
        raise NotFound()
    text, error = rules.clean_reason(reason, field="reason", label="撤销理由")
    if error:
        raise_field_errors([error])
    with transaction.atomic():
        case = _lock(case)
        if case.status != CaseStatus.APPROVED:
            raise Conflict(
                "invalid_state",
                f"办件当前为“{case.get_status_display()}”，只有已准予的决定才能撤销",
            )
        case.status = CaseStatus.REVOKED
        case.decision_reason = text
        _bump(case, "status", "decision_reason")
        after = {"status": case.status, "reason": text}
        spine.record(
            actor,
            Event.REVOKED,
            case,
            {"status": CaseStatus.APPROVED},
            after,
            message=f"撤销准予决定。理由：{text}",
        )
        events.emit("case.revoked", case=case, actor=actor)
    return case

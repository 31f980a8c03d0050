"""Every write of complaints (R-8.1): one transaction, one event each.

A complaint goes: `complaint_submit` (any channel: the web form, the 12345 hotline; idempotent
by the channel's order number) → `complaint_accept` or `complaint_decline` (within the kind's
acceptance days) → `complaint_answer` (facts found and measures taken, within the answer days;
`complaint_extend` once with a reason) → `complaint_rate` and `complaint_reopen` by the
complainant. `complaint_transfer` moves it to the agency it belongs to. A second transfer or a
second reopening escalates it to the Justice Bureau, which issues supervision orders
(`complaint_supervise`) on overdue or escalated complaints. The daily job (`remind_and_flag`)
reminds before a deadline (催办) and flags what is overdue.

Accepting a report of a false commitment announces "complaint.false_commitment_reported":
verification reacts by opening a task on the commitment, and its outcome comes back through
the reactions in `handlers.py`.

The complainant never appears as the actor of an event (the identity is sealed, ADR 0014): the
channel acts for them ("网上投诉", "12345热线", "投诉人")."""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from chengnuo.agencies.models import Agency
from chengnuo.core import crypto, events, spine
from chengnuo.core.actors import Actor, SystemActor
from chengnuo.core.digest import digest_json, sm3_hex
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied, RateLimited
from chengnuo.core.masking import mask_person_name, mask_phone
from chengnuo.core.rules import FieldError, raise_field_errors
from chengnuo.core.timefmt import local
from chengnuo.core.uploads import CheckedUpload, check_upload

from . import hotline, policies, rules
from .constants import (
    CODE_ALPHABET,
    CODE_LENGTH,
    CODE_PREFIX,
    OPEN_STATUSES,
    SECRET_LENGTH,
    Channel,
    Concern,
    Event,
    Kind,
    Rating,
    Status,
    VerificationState,
)
from .models import Attachment, Complaint, ContactCount

COMPLAINANT = SystemActor("投诉人")
CHANNEL_ACTORS = {
    Channel.WEB: SystemActor("网上投诉"),
    Channel.HOTLINE: SystemActor("12345热线"),
}
DAILY = SystemActor("投诉举报期限提醒（定时）")


def _random(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_code() -> str:
    """The receipt code: opaque, random, never derived from the complaint or the person."""
    return CODE_PREFIX + _random(CODE_LENGTH)


def secret_hash(secret: str) -> str:
    """The stored form of a receipt secret: a keyed HMAC-SM3 (case and spaces ignored)."""
    return crypto.lookup_hash("complaint-receipt:" + (secret or ""))


def secret_matches(complaint: Complaint | None, secret: str) -> bool:
    expected = complaint.secret_hash if complaint is not None else "0" * 64
    given = secret_hash(secret)  # computed whether or not the code exists
    return complaint is not None and hmac.compare_digest(expected, given)


def contact_limit() -> int:
    return int(getattr(settings, "COMPLAINTS_PER_CONTACT_PER_DAY", 5))


# --- intake ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    complaint: Complaint
    secret: str | None  # shown once; None when the order number was sent before
    created: bool


@dataclass(frozen=True)
class Concerns:
    agency: Agency
    matter: Any = None
    item: Any = None
    commitment: Any = None


def _id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**31 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value.strip()) or None
    return None


def resolve_concerns(
    kind: str,
    *,
    agency_id: Any = None,
    matter_id: Any = None,
    item_id: Any = None,
    commitment_id: Any = None,
) -> tuple[Concerns | None, list[FieldError]]:
    """What the complaint names, from published data only, and belonging together: a matter
    and an item of the agency named (the item one the matter requires), a commitment
    published for social supervision (its agency is the one the report goes to)."""
    from chengnuo.cases.selectors import public_commitments
    from chengnuo.catalog.constants import ItemStatus
    from chengnuo.catalog.models import CertificationItem
    from chengnuo.catalog.selectors import public_matters

    rule = rules.rule_for(kind)
    if rule is None:
        return None, [FieldError("kind", "invalid_kind", "请选择投诉举报的类别")]
    wanted = rule.requires | rule.allows
    ids: dict[str, Any] = {
        Concern.AGENCY: _id(agency_id),
        Concern.MATTER: _id(matter_id),
        Concern.ITEM: _id(item_id),
        Concern.COMMITMENT: _id(commitment_id),
    }
    errors: list[FieldError] = []
    commitment = None
    agency = None
    if Concern.COMMITMENT in wanted:
        if ids[Concern.COMMITMENT] is None:
            errors.append(
                FieldError("commitment", "required", "请选择被举报的承诺书（在承诺公开中查找）")
            )
        else:
            commitment = public_commitments().filter(pk=ids[Concern.COMMITMENT]).first()
            if commitment is None:
                errors.append(
                    FieldError(
                        "commitment",
                        "invalid_commitment",
                        "所选承诺书不在公开期间内或已退出承诺，只能举报正在公开的承诺书",
                    )
                )
            else:
                agency = commitment.case.agency
    if Concern.AGENCY in wanted:
        if ids[Concern.AGENCY] is None:
            errors.append(FieldError("agency", "required", "请选择被投诉的机关"))
        else:
            agency = Agency.objects.filter(pk=ids[Concern.AGENCY]).first()
            if agency is None:
                errors.append(FieldError("agency", "invalid_agency", "所选机关不存在"))
    matter = None
    if Concern.MATTER in wanted and ids[Concern.MATTER] is not None:
        matter = public_matters().filter(pk=ids[Concern.MATTER]).first()
        if matter is None:
            errors.append(FieldError("matter", "invalid_matter", "所选办事事项未公布"))
        elif agency is not None and matter.agency_id != agency.pk:
            errors.append(
                FieldError("matter", "invalid_matter", f"所选办事事项不是{agency.name}办理的事项")
            )
    elif Concern.MATTER in rule.requires:
        errors.append(FieldError("matter", "required", "请选择办事事项"))
    item = None
    if Concern.ITEM in wanted and ids[Concern.ITEM] is not None:
        items = CertificationItem.objects.filter(status=ItemStatus.IN_FORCE)
        if rule.under_commitment:
            items = items.filter(under_commitment=True)
        item = items.filter(pk=ids[Concern.ITEM]).first()
        if item is None:
            errors.append(
                FieldError(
                    "item",
                    "invalid_item",
                    "所选证明事项不在公布的告知承诺目录清单中"
                    if rule.under_commitment
                    else "所选证明事项未公布",
                )
            )
        elif agency is not None and item.agency_id != agency.pk:
            errors.append(
                FieldError("item", "invalid_item", f"所选证明事项不是{agency.name}的证明事项")
            )
        elif matter is not None and not item.matters.filter(pk=matter.pk).exists():
            errors.append(
                FieldError("item", "invalid_item", f"“{matter.name}”不需要所选的证明事项")
            )
    elif Concern.ITEM in rule.requires:
        errors.append(FieldError("item", "required", "请选择所涉及的证明事项"))
    if errors or agency is None:
        return None, errors
    return Concerns(agency, matter, item, commitment), []


def _check_contact(anonymous: bool, name: Any, phone: Any) -> tuple[str, str, list[FieldError]]:
    from chengnuo.credit.identifiers import clean_phone

    if anonymous:
        return "", "", []  # nothing of the person is kept
    errors: list[FieldError] = []
    clean, error = rules.clean_name(name)
    if error:
        errors.append(error)
    number = ""
    if not isinstance(phone, str) or not phone.strip():
        errors.append(FieldError("phone", "required", "请填写联系电话（匿名举报可不填）"))
    else:
        number, phone_errors = clean_phone(phone.strip()[:40])
        errors += phone_errors
    return clean, number, errors


def _check_attachments(uploads: list[Any]) -> tuple[list[CheckedUpload], list[FieldError]]:
    uploads = [u for u in uploads or [] if u]
    if len(uploads) > rules.ATTACHMENTS_MAX:
        return [], [
            FieldError(
                "attachments", "invalid_attachment", f"最多上传{rules.ATTACHMENTS_MAX}个附件"
            )
        ]
    return [
        check_upload(
            u,
            field="attachments",
            limit=rules.ATTACHMENT_MAX_BYTES,
            each="每个附件",
            default_name="附件",
            noun="附件",
        )
        for u in uploads
    ], []


def _external_ref(value: Any) -> tuple[str, FieldError | None]:
    ref = value.strip() if isinstance(value, str) else ""
    if len(ref) > 64 or not all(33 <= ord(c) < 127 for c in ref):
        return "", FieldError(
            "external_ref", "invalid_format", "外部工单号应为不超过64位的字母、数字或符号"
        )
    return ref, None


def complaint_submit(
    *,
    actor: Actor = None,
    channel: str,
    kind: str,
    text: Any,
    agency_id: Any = None,
    matter_id: Any = None,
    item_id: Any = None,
    commitment_id: Any = None,
    attachments: list[Any] | None = None,
    anonymous: bool = False,
    name: Any = "",
    phone: Any = "",
    external_ref: Any = "",
) -> Submission:
    """A complaint or report from any channel (the web form, the 12345 hotline), with or
    without an account, anonymous or with a contact. Every field is checked (each refusal names
    it); what it concerns is chosen from published data. A repeat of the same order number
    (`external_ref`) of the channel is the same complaint (the secret is not shown again); the
    same number with other content is refused. At most `COMPLAINTS_PER_CONTACT_PER_DAY` per
    phone number and day. `actor` is who sends it (a signed-in applicant, the hotline's client):
    it is never recorded, the channel is."""
    errors: list[FieldError] = []
    if channel not in Channel.values:
        errors.append(FieldError("channel", "invalid_channel", "渠道只能是网上投诉或12345热线"))
    if kind not in Kind.values:
        errors.append(FieldError("kind", "invalid_kind", "请选择投诉举报的类别"))
    body, error = rules.clean_text(
        text, "text", "投诉举报内容", minimum=rules.TEXT_MIN, limit=rules.TEXT_MAX
    )
    if error:
        errors.append(error)
    concerns = None
    if kind in Kind.values:
        concerns, concern_errors = resolve_concerns(
            kind,
            agency_id=agency_id,
            matter_id=matter_id,
            item_id=item_id,
            commitment_id=commitment_id,
        )
        errors += concern_errors
    person, number, contact_errors = _check_contact(bool(anonymous), name, phone)
    errors += contact_errors
    ref, error = _external_ref(external_ref)
    if error:
        errors.append(error)
    raise_field_errors(errors)
    assert concerns is not None
    checked, attachment_errors = _check_attachments(attachments or [])
    raise_field_errors(attachment_errors)
    digest = digest_json(
        {
            "kind": kind,
            "text": body,
            "agency": concerns.agency.pk,
            "matter": getattr(concerns.matter, "pk", None),
            "item": getattr(concerns.item, "pk", None),
            "commitment": getattr(concerns.commitment, "pk", None),
            "anonymous": bool(anonymous),
            "contact": crypto.lookup_hash(f"{person}|{number}") if number else "",
            "attachments": [sm3_hex(c.data) for c in checked],
        }
    )
    if ref:
        existing = Complaint.objects.filter(channel=channel, external_ref=ref).first()
        if existing is not None:
            return _replay(existing, digest)
    saved: list[str] = []
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    complaint = _create(channel, kind, body, concerns, ref, digest)
            except IntegrityError:
                if not ref:
                    raise
                # the same order number, sent twice at once: the first one made it
                existing = Complaint.objects.filter(channel=channel, external_ref=ref).first()
                if existing is None:
                    raise
                return _replay(existing, digest)
            if number:
                _count_contact(crypto.lookup_hash(number))
                complaint.anonymous = False
                complaint.name_cipher = crypto.encrypt(person)
                complaint.phone_cipher = crypto.encrypt(number)
                complaint.phone_lookup = crypto.lookup_hash(number)
                complaint.name_masked = mask_person_name(person)
                complaint.phone_masked = mask_phone(number)
            else:
                complaint.anonymous = True
            secret = _random(SECRET_LENGTH)
            complaint.secret_hash = secret_hash(secret)
            complaint.save(
                update_fields=[
                    "anonymous",
                    "name_cipher",
                    "phone_cipher",
                    "phone_lookup",
                    "name_masked",
                    "phone_masked",
                    "secret_hash",
                ]
            )
            digests = []
            for c in checked:
                row = Attachment(
                    complaint=complaint,
                    original_name=c.name,
                    size=c.size,
                    content_type=c.content_type,
                    digest=sm3_hex(c.data),
                )
                row.file.save(f"{uuid.uuid4().hex}.{c.extension}", ContentFile(c.data), save=False)
                saved.append(row.file.name)
                row.save()
                digests.append(row.digest)
            label = Kind(kind).label
            spine.record(
                CHANNEL_ACTORS[Channel(channel)],
                Event.SUBMITTED,
                complaint,
                None,
                {
                    "number": complaint.number,
                    "kind": kind,
                    "channel": channel,
                    "agency": concerns.agency.pk,
                    "matter": getattr(concerns.matter, "code", None),
                    "item": getattr(concerns.item, "code", None),
                    "commitment": getattr(concerns.commitment, "pk", None),
                    "anonymous": complaint.anonymous,
                    "attachments": digests,
                    "accept_due": complaint.accept_due,
                },
                agency=concerns.agency,
                message=f"收到{label}（{Channel(channel).label}），"
                f"{complaint.accept_due:%Y-%m-%d}前决定是否受理",
            )
    except Exception:
        for stored in saved:
            default_storage.delete(stored)
        raise
    return Submission(complaint, secret, True)


def _replay(existing: Complaint, digest: str) -> Submission:
    if existing.request_digest != digest:
        raise Conflict(
            "external_ref_reused",
            f"工单号{existing.external_ref}已用于另一件内容不同的投诉举报（受理编号{existing.number}）",
            field="external_ref",
        )
    return Submission(existing, None, False)


def _create(
    channel: str, kind: str, text: str, concerns: Concerns, ref: str, digest: str
) -> Complaint:
    today = timezone.localdate()
    due = rules.accept_due(kind, today)
    subject_id = concerns.commitment.subject_id if concerns.commitment is not None else None
    return Complaint.objects.create(
        number=new_code(),
        channel=channel,
        external_ref=ref,
        request_digest=digest,
        kind=kind,
        text=text,
        agency=concerns.agency,
        matter=concerns.matter,
        item=concerns.item,
        commitment=concerns.commitment,
        subject_id=subject_id,
        handling_agency=concerns.agency,
        submitted_at=timezone.now(),
        accept_due=due,
        due_date=due,
    )


def _count_contact(lookup: str) -> None:
    """One more complaint from this phone today, or the refusal: the day's row is locked, so
    submissions from one number at the same moment count one after the other."""
    today = timezone.localdate()
    try:
        with transaction.atomic():
            ContactCount.objects.get_or_create(phone_lookup=lookup, day=today)
    except IntegrityError:
        pass  # made by a submission at the same moment
    row = ContactCount.objects.select_for_update().get(phone_lookup=lookup, day=today)
    limit = contact_limit()
    if row.count >= limit:
        raise RateLimited(
            "contact_limit",
            f"同一联系电话每天最多提交{limit}件投诉举报，今天已达上限，请明天再提交；"
            "情况紧急的，请拨打12345热线",
            field="phone",
        )
    row.count += 1
    row.save(update_fields=["count"])


# --- handling ------------------------------------------------------------------------------------


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)


def _require_handler(actor: Actor, complaint: Complaint, what: str) -> None:
    if policies.handles(actor, complaint):
        return
    if policies.reads(actor, complaint):
        raise PermissionDenied(f"只有承办机关的投诉处理人员可以{what}")
    raise NotFound()


def _reason(value: Any, field: str, label: str) -> str:
    text, error = rules.clean_text(value, field, label)
    if error:
        raise_field_errors([error])
    return text


def _record(
    actor: Actor, event: str, complaint: Complaint, before: Any, after: Any, message: str
) -> None:
    spine.record(
        actor,
        event,
        complaint,
        before,
        after,
        agency=complaint.handling_agency,
        message=message,
    )


def complaint_accept(*, actor: Actor, complaint: Complaint) -> Complaint:
    """Accept (受理): the answer is due within the kind's answer days. Accepting a report of a
    false commitment opens its verification (verification reacts to the announcement)."""
    _require_handler(actor, complaint, "受理投诉举报")
    with transaction.atomic():
        c = _locked(complaint)
        if not c.can_accept():
            raise Conflict("wrong_status", f"该投诉举报{c.get_status_display()}，不能再受理")
        today = timezone.localdate()
        c.status = Status.ACCEPTED
        c.accepted_at = timezone.now()
        c.answer_due = rules.answer_due(c.kind, today)
        c.due_date = c.answer_due
        c.reminded_for = None
        c.overdue_since = None
        c.save(
            update_fields=[
                "status",
                "accepted_at",
                "answer_due",
                "due_date",
                "reminded_for",
                "overdue_since",
            ]
        )
        _record(
            actor,
            Event.ACCEPTED,
            c,
            {"status": Status.SUBMITTED},
            {"status": Status.ACCEPTED, "answer_due": c.answer_due},
            f"{c.handling_agency.name}已受理，{c.answer_due:%Y-%m-%d}前答复",
        )
        if c.kind == Kind.FALSE_COMMITMENT and c.commitment_id:
            events.emit(
                "complaint.false_commitment_reported",
                complaint=c.pk,
                number=c.number,
                commitment=c.commitment_id,
                note=f"投诉举报（受理编号{c.number}）举报承诺不实：{c.text}",
                actor=actor,
            )
    return c


def complaint_decline(*, actor: Actor, complaint: Complaint, reason: Any) -> Complaint:
    """Decline (不予受理) with the reason, e.g. not within the agency's remit."""
    _require_handler(actor, complaint, "决定不予受理")
    text = _reason(reason, "reason", "不予受理理由")
    with transaction.atomic():
        c = _locked(complaint)
        if not c.can_accept():
            raise Conflict("wrong_status", f"该投诉举报{c.get_status_display()}，不能不予受理")
        c.status = Status.DECLINED
        c.decline_reason = text
        c.due_date = None
        c.save(update_fields=["status", "decline_reason", "due_date"])
        _record(
            actor,
            Event.DECLINED,
            c,
            {"status": Status.SUBMITTED},
            {"status": Status.DECLINED, "reason": text},
            f"{c.handling_agency.name}决定不予受理，理由：{text}",
        )
        hotline.enqueue_reply(c)  # a work order of the 12345 hotline gets its answer back
    return c


def _escalate(c: Complaint, why: str) -> None:
    c.escalated_at = timezone.now()
    c.escalation_reason = why


def complaint_transfer(
    *, actor: Actor, complaint: Complaint, agency: Agency, reason: Any
) -> Complaint:
    """Transfer (转办) to the agency the complaint belongs to, with the reason; it decides on
    acceptance anew. A second transfer is not made: the complaint goes to the Justice Bureau
    (escalated), whose complaint handlers then choose the agency."""
    _require_handler(actor, complaint, "转办")
    text = _reason(reason, "reason", "转办理由")
    if agency is None or agency.pk == complaint.handling_agency_id:
        raise DomainError("invalid_agency", "请选择另一个承办机关", field="agency")
    with transaction.atomic():
        c = _locked(complaint)
        if not c.open:
            raise Conflict("wrong_status", f"该投诉举报{c.get_status_display()}，不能转办")
        by_justice = c.escalated_at is not None and c.handling_agency_id not in (
            policies.handling_agency_ids(actor)
        )
        if not by_justice and rules.transfer_outcome(c.transfer_count) == "escalate":
            if c.escalated_at is not None:
                raise Conflict("wrong_status", "该投诉举报已升级至司法局，由司法局确定承办机关")
            _escalate(c, f"再次申请转办至{agency.name}：{text}")
            c.save(update_fields=["escalated_at", "escalation_reason"])
            _record(
                actor,
                Event.ESCALATED,
                c,
                None,
                {"escalated": True, "reason": c.escalation_reason, "requested": agency.pk},
                f"已转办过一次，再次转办的申请已提交司法局确定承办机关（申请转至{agency.name}）",
            )
            return c
        before = {"agency": c.handling_agency_id, "status": c.status}
        today = timezone.localdate()
        old = c.handling_agency
        c.handling_agency = agency
        c.status = Status.SUBMITTED
        c.accept_due = rules.accept_due(c.kind, today)
        c.due_date = c.accept_due
        c.answer_due = None
        c.accepted_at = None
        c.reminded_for = None
        c.overdue_since = None
        if not by_justice:
            c.transfer_count += 1
        c.save(
            update_fields=[
                "handling_agency",
                "status",
                "accept_due",
                "due_date",
                "answer_due",
                "accepted_at",
                "reminded_for",
                "overdue_since",
                "transfer_count",
            ]
        )
        spine.record(
            actor,
            Event.TRANSFERRED,
            c,
            before,
            {"agency": agency.pk, "status": Status.SUBMITTED, "reason": text},
            agency=old,
            message=f"由{old.name}转至{agency.name}办理，理由：{text}",
        )
    return c


def complaint_extend(*, actor: Actor, complaint: Complaint, reason: Any) -> Complaint:
    """Extend the answer's deadline once, with the reason, by the kind's extension days."""
    _require_handler(actor, complaint, "延期")
    text = _reason(reason, "reason", "延期理由")
    with transaction.atomic():
        c = _locked(complaint)
        if c.status != Status.ACCEPTED:
            raise Conflict("wrong_status", "受理后、答复前才能延期")
        if c.extended_at is not None:
            raise Conflict(
                "already_extended",
                f"已于{local(c.extended_at, '%Y-%m-%d')}延期一次，不能再次延期",
            )
        before = {"answer_due": c.answer_due}
        assert c.answer_due is not None
        c.answer_due = rules.extended_due(c.kind, c.answer_due)
        c.due_date = c.answer_due
        c.extended_at = timezone.now()
        c.extension_reason = text
        c.reminded_for = None
        c.overdue_since = None
        c.save(
            update_fields=[
                "answer_due",
                "due_date",
                "extended_at",
                "extension_reason",
                "reminded_for",
                "overdue_since",
            ]
        )
        _record(
            actor,
            Event.EXTENDED,
            c,
            before,
            {"answer_due": c.answer_due, "reason": text},
            f"延期至{c.answer_due:%Y-%m-%d}答复，理由：{text}",
        )
    return c


def complaint_answer(*, actor: Actor, complaint: Complaint, facts: Any, measures: Any) -> Complaint:
    """Answer: the facts found (查明事实) and the measures taken (处理措施), both required. A
    report of a false commitment is answered once its verification has concluded; the answer
    cites the verification outcome."""
    _require_handler(actor, complaint, "答复")
    errors = []
    found, error = rules.clean_text(
        facts, "facts", "查明事实", minimum=rules.ANSWER_MIN, limit=rules.ANSWER_MAX
    )
    if error:
        errors.append(error)
    taken, error = rules.clean_text(
        measures, "measures", "处理措施", minimum=rules.ANSWER_MIN, limit=rules.ANSWER_MAX
    )
    if error:
        errors.append(error)
    raise_field_errors(errors)
    with transaction.atomic():
        c = _locked(complaint)
        if not c.can_answer():
            raise Conflict(
                "wrong_status",
                "请先受理再答复" if c.status == Status.SUBMITTED else "该投诉举报已办结",
            )
        if c.verification_open:
            raise Conflict(
                "verification_pending",
                "被举报承诺的核查尚未完成，请在核查结论作出后答复"
                + (f"（核查期限{c.verification_due:%Y-%m-%d}）" if c.verification_due else ""),
            )
        c.status = Status.ANSWERED
        c.facts = found
        c.measures = taken
        c.answered_at = timezone.now()
        c.due_date = None
        c.rating = ""
        c.rated_at = None
        c.save(
            update_fields=["status", "facts", "measures", "answered_at", "due_date", "rating",
                           "rated_at"]
        )  # fmt: skip
        cited = ""
        if c.verification_state not in ("", VerificationState.OPEN):
            cited = f"（{VerificationState(c.verification_state).label}）"
        _record(
            actor,
            Event.ANSWERED,
            c,
            {"status": Status.ACCEPTED},
            {
                "status": Status.ANSWERED,
                "facts": found,
                "measures": taken,
                "verification": c.verification_state,
            },
            f"答复{cited}：查明事实——{found}；处理措施——{taken}",
        )
        hotline.enqueue_reply(c)  # a work order of the 12345 hotline gets its answer back
    return c


def complaint_supervise(*, actor: Actor, complaint: Complaint, note: Any) -> Complaint:
    """The Justice Bureau's supervision order (督办) on an overdue or escalated complaint,
    with its note: the handling agency sees it on the complaint."""
    if not policies.orders(actor, complaint):
        if policies.reads(actor, complaint):
            raise PermissionDenied("只有司法局可以督办")
        raise NotFound()
    text = _reason(note, "note", "督办意见")
    with transaction.atomic():
        c = _locked(complaint)
        today = timezone.localdate()
        overdue = rules.is_overdue(c.status, c.due_date, today)
        if not c.open or not (overdue or c.escalated_at is not None):
            raise Conflict("not_overdue", "只能督办已超期或已升级至司法局的未办结投诉举报")
        c.supervised_at = timezone.now()
        c.supervision_note = text
        c.save(update_fields=["supervised_at", "supervision_note"])
        _record(
            actor,
            Event.SUPERVISED,
            c,
            None,
            {"note": text, "due_date": c.due_date, "overdue": overdue},
            f"司法局督办：{text}",
        )
    return c


# --- the complainant (through the receipt) -----------------------------------------------------


def complaint_rate(*, complaint: Complaint, rating: str) -> Complaint:
    """The complainant rates the answer, once per answer."""
    if rating not in Rating.values:
        raise DomainError("invalid_rating", "请选择满意、基本满意或不满意", field="rating")
    with transaction.atomic():
        c = _locked(complaint)
        if c.status != Status.ANSWERED:
            raise Conflict("not_answered", "答复后才能评价")
        if c.rating:
            raise Conflict(
                "already_rated",
                f"已于{local(c.rated_at, '%Y-%m-%d')}评价：{c.get_rating_display()}",
            )
        c.rating = rating
        c.rated_at = timezone.now()
        c.save(update_fields=["rating", "rated_at"])
        _record(
            COMPLAINANT,
            Event.RATED,
            c,
            None,
            {"rating": rating},
            f"投诉人评价答复：{Rating(rating).label}",
        )
    return c


def complaint_reopen(*, complaint: Complaint, reason: Any) -> Complaint:
    """The complainant asks, with a reason, for the complaint to be handled again: the first
    time the agency handles it again (answer days anew); the second time it goes to the Justice
    Bureau (escalated, handled again under its supervision); a third is refused."""
    text = _reason(reason, "reason", "重新办理理由")
    with transaction.atomic():
        c = _locked(complaint)
        if c.status != Status.ANSWERED:
            raise Conflict("not_answered", "答复后才能申请重新办理")
        outcome = rules.reopen_outcome(c.reopen_count)
        if outcome == "refuse":
            raise Conflict(
                "reopen_limit",
                f"已申请重新办理{c.reopen_count}次，不能再次申请；"
                "对答复仍有异议的，可依法申请行政复议或提起行政诉讼",
            )
        today = timezone.localdate()
        c.status = Status.ACCEPTED
        c.reopen_count += 1
        c.answer_due = rules.answer_due(c.kind, today)
        c.due_date = c.answer_due
        c.reminded_for = None
        c.overdue_since = None
        c.rating = ""  # the new answer is rated anew (the old rating stays in the events)
        c.rated_at = None
        fields = ["status", "reopen_count", "answer_due", "due_date", "reminded_for",
                  "overdue_since", "rating", "rated_at"]  # fmt: skip
        if outcome == "escalate":
            _escalate(c, f"第{c.reopen_count}次申请重新办理：{text}")
            fields += ["escalated_at", "escalation_reason"]
        c.save(update_fields=fields)
        after = {
            "status": Status.ACCEPTED,
            "reason": text,
            "reopen_count": c.reopen_count,
            "answer_due": c.answer_due,
        }
        if outcome == "escalate":
            after["escalated"] = True
            _record(
                COMPLAINANT,
                Event.ESCALATED,
                c,
                {"status": Status.ANSWERED},
                after,
                f"投诉人再次申请重新办理，已升级至司法局督办，{c.answer_due:%Y-%m-%d}前重新答复。"
                f"理由：{text}",
            )
        else:
            _record(
                COMPLAINANT,
                Event.REOPENED,
                c,
                {"status": Status.ANSWERED},
                after,
                f"投诉人申请重新办理，{c.answer_due:%Y-%m-%d}前重新答复。理由：{text}",
            )
    return c


# --- the sealed identity --------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    anonymous: bool
    name: str = ""
    phone: str = ""


def complainant_identity(*, actor: Actor, complaint: Complaint) -> Identity:
    """The complainant's name and phone, for the Justice Bureau's complaint handlers only;
    every view is an event on the complaint."""
    if not policies.sees_identity(actor, complaint):
        if policies.reads(actor, complaint):
            raise PermissionDenied("投诉人身份信息已保密，只有司法局投诉处理人员可以查看")
        raise NotFound()
    with transaction.atomic():
        spine.record(
            actor,
            Event.IDENTITY_VIEWED,
            complaint,
            None,
            {"anonymous": complaint.anonymous},
            agency=complaint.handling_agency,
            message="查看投诉人身份信息",
        )
    if complaint.anonymous:
        return Identity(True)
    return Identity(
        False, crypto.decrypt(complaint.name_cipher), crypto.decrypt(complaint.phone_cipher)
    )


# --- the daily job --------------------------------------------------------------------------------


def remind_and_flag(*, today: Any = None) -> dict[str, int]:
    """催办 every open complaint whose deadline is near (its kind's reminder days before it),
    once per deadline; flag every one past its deadline, once. Bounded per run; idempotent."""
    today = today or timezone.localdate()
    reminded = flagged = 0
    candidates = (
        Complaint.objects.filter(status__in=OPEN_STATUSES, due_date__isnull=False)
        .filter(due_date__gte=today)
        .exclude(reminded_for=F("due_date"))
        .order_by("due_date", "id")
        .values_list("id", "kind", "due_date")[:5000]
    )
    for pk, kind, due in candidates:
        if due is not None and rules.reminder_day(kind, due) <= today:
            reminded += _remind(pk, today)
    overdue = (
        Complaint.objects.filter(
            status__in=OPEN_STATUSES, due_date__lt=today, overdue_since__isnull=True
        )
        .order_by("due_date", "id")
        .values_list("id", flat=True)[:5000]
    )
    for pk in overdue:
        flagged += _flag(pk, today)
    return {"reminded": reminded, "overdue": flagged}


def _remind(pk: int, today: Any) -> int:
    with transaction.atomic():
        c = Complaint.objects.select_for_update(of=("self",)).get(pk=pk)
        if not c.open or c.due_date is None or c.reminded_for == c.due_date or c.due_date < today:
            return 0
        c.reminded_for = c.due_date
        c.save(update_fields=["reminded_for"])
        what = "受理" if c.status == Status.SUBMITTED else "答复"
        _record(
            DAILY,
            Event.REMINDED,
            c,
            None,
            {"due_date": c.due_date, "what": what},
            f"催办：请于{c.due_date:%Y-%m-%d}前{what}",
        )
    return 1


def _flag(pk: int, today: Any) -> int:
    with transaction.atomic():
        c = Complaint.objects.select_for_update(of=("self",)).get(pk=pk)
        if not c.open or c.due_date is None or c.due_date >= today or c.overdue_since:
            return 0
        c.overdue_since = today
        c.save(update_fields=["overdue_since"])
        what = "受理" if c.status == Status.SUBMITTED else "答复"
        _record(
            DAILY,
            Event.OVERDUE,
            c,
            None,
            {"due_date": c.due_date, "what": what},
            f"已超过{what}期限（{c.due_date:%Y-%m-%d}），司法局可督办",
        )
    return 1

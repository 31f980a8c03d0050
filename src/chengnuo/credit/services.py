"""Every write about subjects and credit (R-2.2, R-5.2–R-5.7, R-6.4): one transaction and
one audit event each; record changes also write their push to the outbox (R-5.2)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.agencies.policies import memberships
from chengnuo.audit import alerts
from chengnuo.audit.models import Alert, AuditEvent
from chengnuo.core import crypto, spine
from chengnuo.core.actors import Actor
from chengnuo.core.calendar import add_working_days
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied, RateLimited
from chengnuo.core.masking import mask_identifier, mask_phone
from chengnuo.core.rules import FieldError, raise_field_errors
from chengnuo.core.uploads import CheckedUpload, check_upload

from . import access, policies
from .access import LOOKUP_ROLES
from .constants import (
    Event,
    Grade,
    IdType,
    ObjectionStatus,
    RecordKind,
    RecordStatus,
    RepairStatus,
    SubjectKind,
)
from .identifiers import clean_identifier, clean_phone
from .models import (
    CreditPlatform,
    CreditRecord,
    Objection,
    PushMessage,
    RepairApplication,
    Subject,
    SubjectLink,
)
from .rules import (
    Eligibility,
    RecordFacts,
    RiskAssessment,
    commitment_eligibility,
    grade_for,
    max_publication_days,
    repair_refusal,
    risk_level,
)

REPAIR_DEADLINE_DAYS = 10
OBJECTION_DEADLINE_DAYS = 10


def _deadline_days(name: str, default: int) -> int:
    from django.conf import settings

    return int(getattr(settings, name, default))


def _text(value: Any, field: str, label: str, *, minimum: int = 1, limit: int = 4000) -> str:
    if (
        not isinstance(value, str)
        or len(value.strip()) < minimum
        or len(value) > limit
        or "\x00" in value
    ):
        raise DomainError("required", f"{label}为必填项（{minimum}至{limit}字）", field=field)
    return value.strip()


# --- subjects -------------------------------------------------------------------------------


def subject_find(*, id_type: str, id_value: str) -> Subject | None:
    """Exact lookup through the HMAC column (no decryption, no scan)."""
    return Subject.objects.filter(id_type=id_type, id_lookup=crypto.lookup_hash(id_value)).first()


def subject_register(
    *, actor: Actor, kind: str, name: str, id_type: str, id_value: str, phone: str = ""
) -> Subject:
    """Register a person or entity; identifiers validated (python-stdnum) and encrypted."""
    number, errors = clean_identifier(kind, id_type, id_value)
    phone_number, phone_errors = clean_phone(phone)
    errors += phone_errors
    if not isinstance(name, str) or not name.strip() or len(name) > 200 or "\x00" in name:
        errors.insert(0, FieldError("name", "required", "名称/姓名为必填项（不超过200字）"))
    raise_field_errors(errors)
    with transaction.atomic():
        if subject_find(id_type=id_type, id_value=number):
            raise DomainError("duplicate_subject", "该证件号码已登记", field="id_value")
        subject = Subject.objects.create(
            kind=kind,
            name=name.strip(),
            id_type=id_type,
            id_cipher=crypto.encrypt(number),
            id_lookup=crypto.lookup_hash(number),
            id_masked=mask_identifier(number),
            phone_cipher=crypto.encrypt(phone_number) if phone_number else "",
            phone_lookup=crypto.lookup_hash(phone_number) if phone_number else "",
            phone_masked=mask_phone(phone_number),
        )
        spine.record(
            actor,
            Event.SUBJECT_REGISTERED,
            subject,
            None,
            {"kind": kind, "id_type": id_type, "id_masked": subject.id_masked},
        )
    return subject


def subject_link(*, actor: Actor, user: Actor, subject: Subject, relation: str) -> SubjectLink:
    """Link an applicant account to a subject it acts for (itself, or a firm)."""
    if relation not in SubjectLink.Relation.values:
        raise DomainError("invalid_choice", "关系只能是本人或经办人", field="relation")
    with transaction.atomic():
        link, created = SubjectLink.objects.get_or_create(
            user=user, subject=subject, defaults={"relation": relation}
        )
        cached = getattr(user, "_chengnuo_subject_ids", None)
        if cached is not None:
            cached.add(subject.pk)
        if created:
            spine.record(actor, Event.SUBJECT_LINKED, link, None, {"relation": relation})
    return link


def subject_lookup(*, actor: Actor, id_type: str, id_value: str) -> Subject | None:
    """R-5.7: exact search by the full identifier, for staff with a lookup role (no browsing).
    A hit is audited and is the lawful context in which this actor may then reach the subject
    by id for a while (`access`)."""
    if not policies.can_lookup_credit(actor):
        raise PermissionDenied("您的角色无权查询信用")
    if id_type not in IdType.values or not isinstance(id_value, str):
        return None
    if not id_value.strip() or len(id_value) > 40 or "\x00" in id_value:
        return None
    # a mistyped number (wrong check digit, impossible birth date) says so, instead of
    # "not found, please register"
    kind = SubjectKind.ENTITY if id_type == IdType.USCC else SubjectKind.PERSON
    _number, errors = clean_identifier(kind, id_type, id_value)
    raise_field_errors(errors)
    subject = subject_find(id_type=id_type, id_value=id_value)
    if subject is not None:
        with transaction.atomic():
            spine.record(
                actor,
                Event.SUBJECT_FOUND,
                subject,
                None,
                {"id_type": id_type, "id_masked": subject.id_masked},
                agency=_actor_agency(actor),
            )
    return subject


def _actor_agency(actor: Actor, context: access.AccessContext | None = None) -> Any:
    """The agency an access is recorded against: the context's, else the actor's first agency
    in which they hold a lookup role."""
    from chengnuo.agencies.models import Agency

    agency_id = context.agency_id if context is not None else None
    if agency_id is None:
        agency_id = next(
            (m.agency_id for m in memberships(actor) if m.role in LOOKUP_ROLES and m.agency_id),
            None,
        )
    return Agency.objects.filter(pk=agency_id).first() if agency_id else None


def subject_identifier_reveal(*, actor: Actor, subject: Subject, context_key: str) -> str:
    """The full identifier (R-5.6), for roles that need it or the holder of a context that
    allows it (an assistance request's handler). The staff member names the context it
    belongs to (a case, task, assistance request, record or the lookup just made); it is
    recorded with the reveal. At most `settings.REVEAL_LIMIT_PER_HOUR` per actor per hour; a
    burst raises an alert for the agency admin and the auditors."""
    context = access.context_get(actor, subject, context_key)
    if context is None:
        if not access.contexts_for(actor, subject):
            raise NotFound()
        raise DomainError(
            "reveal_reason_required",
            "请选择查看完整号码的事由（所办理的办件、核查任务、协助核查请求或本次查询）",
            field="context",
        )
    if not (policies.can_unmask(actor) or context.unmask):
        raise PermissionDenied("您的角色无权查看完整证件号码")
    now = timezone.now()
    recent = AuditEvent.objects.filter(actor=person_of(actor), event=Event.IDENTIFIER_VIEWED)
    last_hour = recent.filter(occurred_at__gte=now - timedelta(hours=1)).count()
    if last_hour >= settings.REVEAL_LIMIT_PER_HOUR:
        raise RateLimited(
            "reveal_rate_limited",
            f"1小时内已查看{last_hour}次完整证件号码，已达上限"
            f"（{settings.REVEAL_LIMIT_PER_HOUR}次），请稍后再试；确需查看的，请联系本机关管理员",
        )
    agency = _actor_agency(actor, context)
    with transaction.atomic():
        spine.record(
            actor,
            Event.IDENTIFIER_VIEWED,
            subject,
            None,
            {"id_masked": subject.id_masked, "context": context.key, "reason": context.label},
            agency=agency,
        )
        since = now - timedelta(minutes=settings.REVEAL_BURST_MINUTES)
        # this reveal's event is appended at commit: count it with those before
        burst = recent.filter(occurred_at__gte=since).count() + 1
        if (
            burst >= settings.REVEAL_BURST
            and alerts.open_alert(Alert.Kind.IDENTIFIER_BURST, actor, since) is None
        ):
            alerts.alert_raise(
                kind=Alert.Kind.IDENTIFIER_BURST,
                agency=agency,
                staff=actor,
                count=burst,
                message=(
                    f"{actor}在{settings.REVEAL_BURST_MINUTES}分钟内查看了{burst}个完整证件号码"
                    f"（最近一次：{context.label}），请核实是否因办理业务所需"
                ),
            )
    return subject.identifier()


# --- reading credit (the pure rules fed from the database) ---------------------------------


def record_facts(subject: Subject) -> list[RecordFacts]:
    return [
        RecordFacts(r.pk, r.kind, r.grade, r.status, r.decided_on)
        for r in CreditRecord.objects.filter(subject=subject).only(
            "id", "kind", "grade", "status", "decided_on"
        )
    ]


def eligibility_of(subject: Subject, item: Any, *, on: date | None = None) -> Eligibility:
    """R-2.2: `commitment_eligibility(subject, item, on)` — what later issues call before a
    commitment is accepted."""
    return commitment_eligibility(
        record_facts(subject),
        item_under_commitment=bool(getattr(item, "under_commitment", False))
        and getattr(item, "status", "in_force") == "in_force",
        on=on or timezone.localdate(),
    )


commitment_eligibility_for = eligibility_of


def risk_of(subject: Subject, *, on: date | None = None) -> RiskAssessment:
    """R-6.4: the subject's pre-event credit warning level with its factors."""
    return risk_level(record_facts(subject), on=on or timezone.localdate())


def credit_lookup(*, actor: Actor, subject: Subject, items: list[Any]) -> dict[str, Any]:
    """R-5.7: staff check an applicant's credit while handling a case; the lookup is audited."""
    if not policies.can_lookup_credit(actor):
        raise PermissionDenied("您的角色无权查询信用")
    today = timezone.localdate()
    risk = risk_of(subject, on=today)
    eligibility = {item.code: eligibility_of(subject, item, on=today) for item in items}
    with transaction.atomic():
        spine.record(
            actor,
            Event.CREDIT_LOOKUP,
            subject,
            None,
            {"items": [i.code for i in items], "risk": risk.level},
            agency=_actor_agency(actor),
        )
    return {"risk": risk, "eligibility": eligibility}


# --- records and the outbox -----------------------------------------------------------------


def _record_state(r: CreditRecord) -> dict[str, Any]:
    return {
        "kind": r.kind,
        "grade": r.grade,
        "status": r.status,
        "summary": r.summary,
        "impact": r.impact,
        "legal_basis": r.legal_basis,
        "decided_on": r.decided_on,
        "publish_from": r.publish_from,
        "publish_to": r.publish_to,
    }


def _queue_push(record: CreditRecord, change: str) -> list[int]:
    """Outbox rows for every active platform, in the caller's transaction (R-5.2)."""
    ids = []
    subject = record.subject
    body = {
        "record_id": record.pk,
        "change": change,
        "subject": {
            "kind": subject.kind,
            "name": subject.name,
            "id_type": subject.id_type,
            "id_masked": subject.id_masked,
            "id_cipher": subject.id_cipher,  # decrypted only when sent (credit/push.py)
        },
        "record": _record_state(record),
        "deciding_agency": record.deciding_agency.name if record.deciding_agency else "",
    }
    for platform in CreditPlatform.objects.filter(active=True):
        message = PushMessage.objects.create(
            platform=platform,
            record=record,
            change=change,
            idempotency_key=uuid.uuid4().hex,
            body=audit_jsonable(body),
        )
        ids.append(message.pk)
    if ids:
        from .push import schedule_delivery

        transaction.on_commit(lambda: schedule_delivery(ids))
    return ids


def audit_jsonable(value: Any) -> Any:
    from chengnuo.core.digest import jsonable

    return jsonable(value)


def _notify_agencies(record: CreditRecord) -> bool:
    """R-5.5: severe dishonesty is notified to every agency (the sanction table decides).

    The record's transaction only announces it ("credit.severe_recorded"); the notices are
    written after the commit by the reaction `notices_fan_out` (the outbox keeps it until done),
    so a record costs one row however many agencies there are."""
    from chengnuo.core import events

    from .rules import sanctions

    if not record.grade or not sanctions().get(record.grade, {}).get("notify_agencies"):
        return False
    events.emit("credit.severe_recorded", record=record)
    return True


NOTICE_BATCH = 1000


def notices_fan_out(*, record: int, **_: Any) -> int:
    """One sanction notice per agency for a severe record, in batches; idempotent (the
    (record, agency) constraint skips what an earlier, interrupted run wrote)."""
    from chengnuo.agencies.models import Agency

    from .models import SanctionNotice

    if not CreditRecord.objects.filter(pk=record).exists():
        return 0
    notices = SanctionNotice.objects.filter(record_id=record)
    before = notices.count()
    last = 0
    while True:
        ids = list(
            Agency.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:NOTICE_BATCH]
        )
        if not ids:
            return notices.count() - before  # the notices this run wrote
        with transaction.atomic():
            SanctionNotice.objects.bulk_create(
                [SanctionNotice(record_id=record, agency_id=a) for a in ids],
                ignore_conflicts=True,
            )
        last = ids[-1]


def credit_record_create(
    *,
    actor: Actor,
    subject: Subject,
    kind: str,
    summary: str,
    decided_on: date,
    impact: dict[str, Any] | None = None,
    grade: str = "",
    legal_basis: str = "",
    deciding_agency: Any = None,
    case_ref: str = "",
    verification_ref: str = "",
    external_ref: str = "",
) -> CreditRecord:
    """A new credit record. False commitments are graded from their social impact (R-5.5);
    dishonesty is published from the decision date for the grade's maximum period. Who may
    write it: `policies.may_record`."""
    if kind not in RecordKind.values:
        raise DomainError("invalid_choice", "记录类型无效", field="kind")
    if not policies.may_record(actor, kind, getattr(deciding_agency, "pk", None)):
        raise PermissionDenied("无权记入信用记录")
    summary = _text(summary, "summary", "事实摘要")
    impact = dict(impact or {})
    if kind == RecordKind.FALSE_COMMITMENT:
        decision = grade_for(impact)
        grade = decision.grade
        impact["grade_reasons"] = list(decision.reasons)
    elif kind == RecordKind.EXTERNAL_DISHONESTY:
        if grade not in Grade.values:
            raise DomainError("invalid_choice", "外部失信记录必须注明失信程度", field="grade")
    else:
        grade = ""
    publish_from = decided_on if grade else None
    publish_to = decided_on + timedelta(days=max_publication_days(grade)) if grade else None
    with transaction.atomic():
        record = CreditRecord.objects.create(
            subject=subject,
            kind=kind,
            grade=grade,
            summary=summary,
            impact=impact,
            legal_basis=legal_basis,
            deciding_agency=deciding_agency,
            case_ref=case_ref,
            verification_ref=verification_ref,
            external_ref=external_ref,
            decided_on=decided_on,
            publish_from=publish_from,
            publish_to=publish_to,
        )
        notified = _notify_agencies(record)
        spine.record(
            actor,
            Event.RECORD_CREATED,
            record,
            None,
            {**_record_state(record), "notify_agencies": notified},
        )
        if kind != RecordKind.EXTERNAL_DISHONESTY:  # external ones came from the platform
            _queue_push(record, "created")
    return record


# --- repair (R-5.4) -------------------------------------------------------------------------


def _subject_side(actor: Actor, record: CreditRecord) -> None:
    if not policies.acts_for(actor, record.subject_id):
        raise NotFound()


def repair_submit(
    *, actor: Actor, record: CreditRecord, statement: str, commitment_letter: str
) -> RepairApplication:
    _subject_side(actor, record)
    statement = _text(statement, "statement", "履行义务情况说明", minimum=10)
    commitment_letter = _text(commitment_letter, "commitment_letter", "信用承诺", minimum=10)
    today = timezone.localdate()
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        approved = RepairApplication.objects.filter(
            record__subject=locked.subject,
            status=RepairStatus.APPROVED,
            decided_at__gte=timezone.now() - timedelta(days=3 * 365),
        ).count()
        facts = RecordFacts(locked.pk, locked.kind, locked.grade, locked.status, locked.decided_on)
        refusal = repair_refusal(facts, on=today, approved_repairs=approved)
        if refusal:
            raise DomainError(refusal.code, refusal.message)
        if locked.repairs.filter(status=RepairStatus.SUBMITTED).exists():
            raise DomainError("repair_pending", "该记录已有待审核的修复申请")
        repair = RepairApplication.objects.create(
            record=locked,
            submitted_by=person_of(actor),
            statement=statement,
            commitment_letter=commitment_letter,
            due_on=add_working_days(
                today, _deadline_days("CREDIT_REPAIR_DEADLINE_DAYS", REPAIR_DEADLINE_DAYS)
            ),
        )
        spine.record(actor, Event.REPAIR_SUBMITTED, repair, None, {"due_on": repair.due_on})
    return repair


def repair_decide(
    *, actor: Actor, repair: RepairApplication, approve: bool, reason: str = ""
) -> RepairApplication:
    """Approve (the record stops counting and stops being published; history stays) or
    refuse with written reasons."""
    if not policies.is_credit_officer(actor):
        raise NotFound()
    if not approve:
        reason = _text(reason, "reason", "不予修复的理由", minimum=4)
    with transaction.atomic():
        locked = (
            RepairApplication.objects.select_for_update().select_related("record").get(pk=repair.pk)
        )
        if locked.status != RepairStatus.SUBMITTED:
            raise DomainError("invalid_state", f"该申请已{locked.get_status_display()}")
        record = CreditRecord.objects.select_for_update().get(pk=locked.record_id)
        before = _record_state(record)
        locked.status = RepairStatus.APPROVED if approve else RepairStatus.REFUSED
        locked.decided_by = person_of(actor)
        locked.decided_at = timezone.now()
        locked.decision_reason = (reason or "").strip()
        locked.save(
            update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"]
        )
        if approve:
            record.status = RecordStatus.REPAIRED
            record.publish_to = min(record.publish_to or timezone.localdate(), timezone.localdate())
            record.save(update_fields=["status", "publish_to", "updated_at"])
            spine.record(actor, Event.REPAIR_APPROVED, locked, before, _record_state(record))
            _queue_push(record, "repaired")
        else:
            spine.record(
                actor, Event.REPAIR_REFUSED, locked, None, {"reason": locked.decision_reason}
            )
    return locked


# --- objection (R-5.4) ----------------------------------------------------------------------


def objection_submit(*, actor: Actor, record: CreditRecord, grounds: str) -> Objection:
    """The record is marked "under objection" at once; the answer is due in working days."""
    _subject_side(actor, record)
    grounds = _text(grounds, "grounds", "异议理由", minimum=10)
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        if locked.status not in (RecordStatus.ACTIVE, RecordStatus.REPAIRED):
            raise DomainError(
                "invalid_state", f"该记录当前状态为“{locked.get_status_display()}”，不能提出异议"
            )
        before = _record_state(locked)
        objection = Objection.objects.create(
            record=locked,
            submitted_by=person_of(actor),
            grounds=grounds,
            status_before=locked.status,
            due_on=add_working_days(
                timezone.localdate(),
                _deadline_days("CREDIT_OBJECTION_DEADLINE_DAYS", OBJECTION_DEADLINE_DAYS),
            ),
        )
        locked.status = RecordStatus.UNDER_OBJECTION
        locked.save(update_fields=["status", "updated_at"])
        spine.record(actor, Event.OBJECTION_SUBMITTED, objection, before, _record_state(locked))
    return objection


def objection_answer(
    *,
    actor: Actor,
    objection: Objection,
    corrected: bool,
    answer: str,
    remove: bool = False,
    changes: dict[str, Any] | None = None,
) -> Objection:
    """Answer in writing: corrected (record amended or removed, history kept) or upheld."""
    if not policies.is_credit_officer(actor):
        raise NotFound()
    answer = _text(answer, "answer", "书面答复", minimum=4)
    allowed = {"summary", "legal_basis", "grade"}
    changes = dict(changes or {})
    if set(changes) - allowed:
        raise DomainError("invalid_field", "只能更正事实摘要、认定依据或失信程度", field="changes")
    if "grade" in changes and changes["grade"] not in Grade.values:
        raise DomainError("invalid_choice", "失信程度无效", field="grade")
    with transaction.atomic():
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked.status != ObjectionStatus.SUBMITTED:
            raise DomainError("invalid_state", "该异议已答复")
        record = CreditRecord.objects.select_for_update().get(pk=locked.record_id)
        before = _record_state(record)
        if corrected:
            for key, value in changes.items():
                setattr(record, key, value)
            record.status = RecordStatus.REMOVED if remove else locked.status_before
        else:
            record.status = locked.status_before
        record.save(update_fields=["summary", "legal_basis", "grade", "status", "updated_at"])
        locked.status = ObjectionStatus.CORRECTED if corrected else ObjectionStatus.UPHELD
        locked.answer = answer
        locked.decided_by = person_of(actor)
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "answer", "decided_by", "decided_at", "updated_at"])
        event = Event.OBJECTION_CORRECTED if corrected else Event.OBJECTION_UPHELD
        spine.record(actor, event, locked, before, _record_state(record))
        if corrected:
            _queue_push(record, "removed" if remove else "changed")
    return locked


# --- repair materials (R-5.4) ---------------------------------------------------------------

REPAIR_MATERIAL_ADDED = Event.REPAIR_MATERIAL_ADDED
REPAIR_MATERIAL_MAX_FILES = 5
REPAIR_MATERIAL_MAX_BYTES = 5 * 1024 * 1024


def _repair_material_checked(upload: Any) -> CheckedUpload:
    return check_upload(
        upload,
        field="materials",
        limit=REPAIR_MATERIAL_MAX_BYTES,
        each="每个材料",
        default_name="材料",
    )


def repair_material_check(upload: Any) -> tuple[str, int, str, str]:
    """(name, size, content type, extension) of an acceptable upload (PDF, JPEG or PNG by
    content, ≤ 5 MB, parsed: see core.uploads), or the DomainError that names the file and the
    rule it breaks."""
    checked = _repair_material_checked(upload)
    return checked.name, checked.size, checked.content_type, checked.extension


def repair_material_add(*, actor: Actor, repair: RepairApplication, upload: Any) -> Any:
    """Attach one file to a repair the actor submitted while it awaits review: at most
    `REPAIR_MATERIAL_MAX_FILES` files, each at most 5 MB, PDF/JPEG/PNG by content. A refusal
    names the file and the rule."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from .models import RepairMaterial

    if repair.submitted_by_id != getattr(actor, "pk", None) or not policies.acts_for(
        actor, repair.record.subject_id
    ):
        raise NotFound()
    checked = _repair_material_checked(upload)  # what is stored: the checked bytes
    name, size, content_type, extension = (
        checked.name,
        checked.size,
        checked.content_type,
        checked.extension,
    )
    with transaction.atomic():
        locked = RepairApplication.objects.select_for_update().get(pk=repair.pk)
        if locked.status != RepairStatus.SUBMITTED:
            raise DomainError(
                "invalid_state", f"该申请已{locked.get_status_display()}，不能再上传材料"
            )
        if locked.materials.count() >= REPAIR_MATERIAL_MAX_FILES:
            raise DomainError(
                "too_many_files",
                f"文件“{name}”未上传：每个修复申请最多上传{REPAIR_MATERIAL_MAX_FILES}个材料",
                field="materials",
            )
        material = RepairMaterial(
            repair=locked, original_name=name, size=size, content_type=content_type
        )
        # a server-chosen name: the uploaded name is only shown, never used as a path
        material.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(checked.data), save=False)
        try:
            material.save()
            spine.record(
                actor,
                REPAIR_MATERIAL_ADDED,
                locked,
                None,
                {"material_id": material.pk, "name": name, "size": size, "type": content_type},
            )
        except Exception:
            default_storage.delete(material.file.name)
            raise
    return material


def notice_mark_read(*, actor: Actor, notice: Any) -> Any:
    """Someone of the notified agency acknowledges a sanction notice."""
    from chengnuo.agencies.policies import staff_agency_ids

    from .models import SanctionNotice

    if notice.agency_id not in staff_agency_ids(actor):
        raise NotFound()
    with transaction.atomic():
        locked = SanctionNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.read_at is None:
            locked.read_at = timezone.now()
            locked.read_by = person_of(actor)
            locked.save(update_fields=["read_at", "read_by"])
            spine.record(actor, "credit.notice_read", locked, None, {"record_id": locked.record_id})
    return locked

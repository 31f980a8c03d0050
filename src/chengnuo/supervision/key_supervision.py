"""Key supervision lists (重点监管, R-5.3): subjects with dishonesty records, complaints or a
poor credit class are put on the list of each agency that approved them, with the reason.
Dishonesty and credit class are refreshed daily from the credit records; a report of a false
commitment lists the committer when it is accepted and takes it off when its verification
finds the commitment true (reactions to the complaints' and verification's events).
The credit class also drives the ratio a subject is drawn at (`rules.DEFAULT_RATIOS`), so a
listed subject is inspected more often in every general item as well."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo.core import spine
from chengnuo.core.actors import SystemActor

from .constants import Event, KeyReason
from .models import KeySupervision, SubjectEntry

POOR_CLASSES = ("C", "D")
DISHONEST_KINDS = ("false_commitment", "external_dishonesty")
AUTOMATIC = (KeyReason.DISHONESTY, KeyReason.CREDIT_CLASS)
SYSTEM = SystemActor("重点监管名单（自动）")


def _wanted() -> dict[tuple[int, int, str], str]:
    """(agency, subject, reason) → detail, for the reasons the platform knows itself."""
    from chengnuo.credit.models import CreditRecord

    wanted: dict[tuple[int, int, str], str] = {}
    pairs = SubjectEntry.objects.filter(active=True).values_list(
        "agency_id", "subject_id", "credit_class"
    )
    agencies_of: dict[int, set[int]] = {}
    for agency_id, subject_id, cls in pairs:
        agencies_of.setdefault(subject_id, set()).add(agency_id)
        if cls in POOR_CLASSES:
            wanted[(agency_id, subject_id, KeyReason.CREDIT_CLASS)] = f"信用分类为{cls}类"
    records = CreditRecord.objects.filter(
        subject_id__in=list(agencies_of), kind__in=DISHONEST_KINDS, status="active"
    ).values_list("subject_id", "pk", "kind")
    for subject_id, pk, kind in records:
        label = "虚假承诺" if kind == "false_commitment" else "失信记录"
        for agency_id in agencies_of[subject_id]:
            wanted.setdefault(
                (agency_id, subject_id, KeyReason.DISHONESTY), f"有{label}（记录{pk}）"
            )
    return wanted


def reclassify() -> int:
    """The credit class of the directory's subjects that have credit records, from their
    records today (`credit.rules.risk_level`); the others stay A. Returns how many changed."""
    from chengnuo.credit.models import CreditRecord, Subject
    from chengnuo.credit.rules import risk_level
    from chengnuo.credit.services import record_facts

    today = timezone.localdate()
    changed = 0
    ids = CreditRecord.objects.values_list("subject_id", flat=True).distinct()
    for subject in Subject.objects.filter(pk__in=ids).order_by("pk"):
        level = risk_level(record_facts(subject), on=today).level
        changed += (
            SubjectEntry.objects.filter(subject=subject)
            .exclude(credit_class=level)
            .update(credit_class=level)
        )
    return changed


def refresh() -> tuple[int, int]:
    """Bring the automatic entries up to date: list what holds, remove what no longer does
    (a repaired record, a better class). Entries put on the list by hand stay."""
    reclassify()
    wanted = _wanted()
    listed = removed = 0
    with transaction.atomic():
        current = {
            (k.agency_id, k.subject_id, k.reason): k
            for k in KeySupervision.objects.select_for_update()
            .filter(removed_at__isnull=True, reason__in=AUTOMATIC)
            .select_related("agency", "subject")
        }
        for key, row in current.items():
            if key not in wanted:
                row.removed_at = timezone.now()
                row.removal_reason = "列入原因已消除"
                row.save(update_fields=["removed_at", "removal_reason"])
                spine.record(
                    SYSTEM,
                    Event.KEY_REMOVED,
                    row,
                    None,
                    {"reason": row.reason},
                    agency=row.agency,
                    message=f"移出重点监管名单：{row.get_reason_display()}已消除",
                )
                removed += 1
        for (agency_id, subject_id, reason), detail in sorted(wanted.items()):
            if (agency_id, subject_id, reason) in current:
                continue
            row = KeySupervision.objects.create(
                agency_id=agency_id, subject_id=subject_id, reason=reason, detail=detail
            )
            spine.record(
                SYSTEM,
                Event.KEY_LISTED,
                row,
                None,
                {"reason": reason, "detail": detail},
                agency=row.agency,
                message=f"列入重点监管名单：{detail}",
            )
            listed += 1
    return listed, removed


def key_list(*, actor: Any, agency: Any, subject: Any, reason: str, detail: str) -> KeySupervision:
    """An agency admin lists a subject by hand (a complaint found well-founded, R-5.3)."""
    from .services import _require_admin, _text

    _require_admin(actor, agency.pk, "列入重点监管名单")
    text, error = _text(detail, "detail", "具体情况", 200)
    if reason not in KeyReason.values:
        from chengnuo.core.errors import DomainError

        raise DomainError("invalid_input", "请选择列入原因", field="reason")
    if error:
        from chengnuo.core.rules import raise_field_errors

        raise_field_errors([error])
    with transaction.atomic():
        row, _ = KeySupervision.objects.get_or_create(
            agency=agency,
            subject=subject,
            reason=reason,
            removed_at=None,
            defaults={"detail": text},
        )
        spine.record(
            actor,
            Event.KEY_LISTED,
            row,
            None,
            {"reason": reason, "detail": text},
            agency=agency,
            message=f"列入重点监管名单：{text}",
        )
    return row


# --- reports of a false commitment (投诉举报) -----------------------------------------------


def list_reported(*, number: str = "", commitment: Any = None, **_: Any) -> None:
    """A report of a false commitment, once accepted ("complaint.false_commitment_reported"),
    puts the committer on key supervision at every agency whose directory holds it, with the
    report's receipt number, while the report is verified (R-5.3). A subject already listed
    for a complaint stays listed once."""
    from chengnuo.cases.models import Commitment

    subject_id = (
        Commitment.objects.filter(pk=commitment).values_list("subject_id", flat=True).first()
    )
    if not subject_id or not number:
        return
    agency_ids = sorted(
        set(
            SubjectEntry.objects.filter(subject_id=subject_id, active=True).values_list(
                "agency_id", flat=True
            )
        )
    )
    detail = f"被举报虚假承诺（受理编号{number}），核查中"
    for agency_id in agency_ids:
        row, created = KeySupervision.objects.get_or_create(
            agency_id=agency_id,
            subject_id=subject_id,
            reason=KeyReason.COMPLAINT,
            removed_at=None,
            defaults={"detail": detail, "source_ref": number},
        )
        if created:
            spine.record(
                SYSTEM,
                Event.KEY_LISTED,
                row,
                None,
                {"reason": KeyReason.COMPLAINT, "detail": detail, "source": number},
                agency=row.agency,
                message=f"列入重点监管名单：{detail}",
            )


def unlist_unfounded(*, outcome: str = "", origin: str = "", **_: Any) -> None:
    """A report whose verification is done and found the commitment true on every method
    ("verification.concluded" of its last task) takes the committer off the list it put
    them on. An untrue finding keeps them listed (and the credit record it leads to lists
    them for dishonesty as well)."""
    from chengnuo.verification.constants import Outcome
    from chengnuo.verification.constants import TaskStatus as VerificationStatus
    from chengnuo.verification.models import VerificationTask

    if not origin or outcome != Outcome.CONSISTENT:
        return
    tasks = VerificationTask.objects.filter(origin_ref=origin)
    if tasks.filter(
        status__in=(VerificationStatus.PENDING, VerificationStatus.IN_PROGRESS)
    ).exists():
        return  # another method is still under way
    if tasks.filter(outcome=Outcome.INCONSISTENT).exists():
        return
    rows = KeySupervision.objects.select_for_update().filter(
        reason=KeyReason.COMPLAINT, source_ref=origin, removed_at__isnull=True
    )
    for row in rows.select_related("agency"):
        row.removed_at = timezone.now()
        row.removal_reason = "举报经核查不属实"
        row.save(update_fields=["removed_at", "removal_reason"])
        spine.record(
            SYSTEM,
            Event.KEY_REMOVED,
            row,
            None,
            {"reason": row.reason, "source": origin},
            agency=row.agency,
            message=f"移出重点监管名单：举报（受理编号{origin}）经核查不属实",
        )

"""The evidence pack of a fault-tolerance review (R-8.4): who decided what and when, on which
rule, which catalog, template and guide versions were in force, what verification was done,
the handling, credit records and complaints — assembled from the event spine and the case's
records at one moment, as plain JSON that is frozen with its digest (ADR 0009: the case's
history is a selector over its events, read here the way the case page reads it).

Every read is bounded by the one case: its events (capped), its lines, commitments, tasks,
and the rows that name it. Times are stored as people read them (local time)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from chengnuo.agencies.constants import STAFF_ROLES, Role
from chengnuo.agencies.models import Membership
from chengnuo.audit.services import events_about
from chengnuo.cases.constants import CaseStatus, Channel, Choice, CommitmentStatus
from chengnuo.cases.models import Case, CaseItem, Commitment
from chengnuo.catalog.constants import VerificationMethod
from chengnuo.catalog.models import CatalogVersion
from chengnuo.complaints.constants import Kind as ComplaintKind
from chengnuo.complaints.constants import Status as ComplaintStatus
from chengnuo.complaints.models import Complaint
from chengnuo.core.events import kind_label
from chengnuo.core.timefmt import local
from chengnuo.credit.constants import Grade, RecordKind, RecordStatus
from chengnuo.credit.models import CreditRecord
from chengnuo.documents.guide_models import GuideVersion
from chengnuo.verification.constants import Measure, Outcome, TaskStatus, Timing
from chengnuo.verification.models import Handling, VerificationPlan, VerificationTask

from .constants_faulttolerance import FaultKind

EVENTS_MAX = 2000  # a case's events; more is not a case but a fault, and the pack says so
PACK_FORMAT = 1


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


# --- what makes a case an adverse outcome ---------------------------------------------------


def case_overdue_days(case: Case, today: dt.date) -> int:
    """Days past the case's time limit: decided after it, or still open past it (0: in time)."""
    if case.due_date is None:
        return 0
    if case.decided_at is not None:
        end = timezone.localtime(case.decided_at).date()
    elif case.status == CaseStatus.SUBMITTED:
        end = today
    else:
        return 0
    return max((end - case.due_date).days, 0)


def task_overdue_days(task: VerificationTask, today: dt.date) -> int:
    """Days past the verification's time limit: concluded after it, or still open past it."""
    if task.status == TaskStatus.CANCELLED:
        return 0
    end = timezone.localtime(task.concluded_at).date() if task.concluded_at else today
    return max((end - task.due_date).days, 0)


def untrue_tasks(case: Case) -> list[VerificationTask]:
    return list(
        VerificationTask.objects.filter(
            commitment__case=case, status=TaskStatus.DONE, outcome=Outcome.INCONSISTENT
        ).order_by("concluded_at", "id")[:50]
    )


def overdue_tasks(case: Case, today: dt.date) -> list[VerificationTask]:
    rows = VerificationTask.objects.filter(commitment__case=case).order_by("due_date", "id")[:200]
    return [t for t in rows if task_overdue_days(t, today) > 0]


def is_adverse(case: Case, kind: str, today: dt.date) -> bool:
    """R-8.4: the case has the adverse outcome `kind` names."""
    if kind == FaultKind.FALSE_COMMITMENT:
        return bool(untrue_tasks(case))
    if kind == FaultKind.WRONG_REFUSAL:
        return case.status == CaseStatus.REJECTED
    if kind == FaultKind.OVERDUE:
        return case_overdue_days(case, today) > 0 or bool(overdue_tasks(case, today))
    return False


# --- people ---------------------------------------------------------------------------------


class People:
    """Each user's name, role and agency as they acted: the role held in the event's agency,
    else another staff role, else an applicant."""

    def __init__(self, user_ids: set[int]) -> None:
        self.users: dict[int, Any] = {}
        self.roles: dict[int, list[Membership]] = {}
        rows = Membership.objects.filter(user_id__in=user_ids).select_related("agency", "user")
        for m in rows.order_by("user_id", "id"):
            self.roles.setdefault(m.user_id, []).append(m)
            self.users[m.user_id] = m.user

    def who(self, user: Any, agency_id: int | None, fallback: str = "") -> dict[str, Any]:
        if user is None:
            return {"id": None, "name": fallback or "系统", "role": "系统自动处理", "agency": ""}
        ms = self.roles.get(user.pk, [])
        staff = [m for m in ms if m.role in STAFF_ROLES]
        here = [m for m in staff if m.agency_id == agency_id]
        m: Membership | None = (here or staff or [None])[0]  # type: ignore[list-item]
        if m is None:
            return {"id": user.pk, "name": str(user), "role": str(Role.APPLICANT.label),
                    "agency": "", "staff": False}  # fmt: skip
        return {
            "id": user.pk,
            "name": str(user),
            "role": m.get_role_display(),
            "agency": m.agency.name if m.agency else "",
            "staff": True,
        }


# --- the pack -------------------------------------------------------------------------------


def _version(v: Any) -> dict[str, Any] | None:
    if v is None:
        return None
    out = {"number": v.number, "published_at": local(v.published_at)}
    if hasattr(v, "effective_date"):
        out["effective_date"] = _day(v.effective_date)
    return out


def assemble(case: Case, *, kind: str, task: VerificationTask | None = None) -> dict[str, Any]:
    """The evidence pack of `case` for a review of `kind`, as JSON-ready data."""
    today = timezone.localdate()
    as_of = case.decided_at or timezone.now()
    case = (
        Case.objects.select_related("matter", "agency", "subject", "decided_by")
        .filter(pk=case.pk)
        .get()
    )
    events = list(events_about(case)[: EVENTS_MAX + 1])
    lines = list(
        CaseItem.objects.filter(case=case)
        .select_related("item", "catalog_version")
        .order_by("item__code")
    )
    commitments = list(
        Commitment.objects.filter(case=case)
        .select_related("item", "notification_version", "commitment_version", "signed_by")
        .order_by("signed_at", "id")
    )
    tasks = list(
        VerificationTask.objects.filter(commitment__case=case)
        .select_related("commitment__item", "agency", "concluded_by")
        .order_by("created_at", "id")[:200]
    )
    handlings = list(
        Handling.objects.filter(commitment__case=case)
        .select_related("commitment__item", "decided_by")
        .order_by("decided_at", "id")[:100]
    )
    user_ids = {e.actor_id for e in events if e.actor_id}
    user_ids |= {t.concluded_by_id for t in tasks if t.concluded_by_id}
    user_ids |= {h.decided_by_id for h in handlings}
    if case.decided_by_id:
        user_ids.add(case.decided_by_id)
    people = People(user_ids)

    in_force = (
        CatalogVersion.objects.filter(
            agency_id=case.agency_id, effective_date__lte=timezone.localtime(as_of).date(),
            published_at__lte=as_of,
        )
        .order_by("-effective_date", "-number")
        .first()
    )  # fmt: skip
    guide = (
        GuideVersion.objects.filter(kind="guide", matter_id=case.matter_id, published_at__lte=as_of)
        .order_by("-number")
        .first()
    )
    rules: dict[int, GuideVersion] = {}
    for g in GuideVersion.objects.filter(
        kind="work_rules", item_id__in=[x.item_id for x in lines], published_at__lte=as_of
    ).order_by("item_id", "-number"):
        rules.setdefault(g.item_id, g)  # type: ignore[arg-type]
    plans = {
        p.item_id: p
        for p in VerificationPlan.objects.filter(item_id__in=[x.item_id for x in lines])
    }
    credit = list(
        CreditRecord.objects.filter(subject_id=case.subject_id, case_ref=case.number)
        .select_related("deciding_agency")
        .order_by("decided_on", "id")[:50]
    )
    complaints = list(
        Complaint.objects.filter(
            Q(commitment__case=case)
            | Q(agency_id=case.agency_id, matter_id=case.matter_id, subject_id=case.subject_id)
        ).order_by("submitted_at", "id")[:50]
    )
    later = []
    if kind == FaultKind.WRONG_REFUSAL and case.decided_at is not None:
        later = list(
            Case.objects.filter(
                subject_id=case.subject_id, matter_id=case.matter_id, created_at__gt=case.decided_at
            ).order_by("created_at", "id")[:20]
        )

    persons: dict[int, dict[str, Any]] = {}

    def person(user: Any, agency_id: int | None, fallback: str = "") -> dict[str, Any]:
        w = people.who(user, agency_id, fallback)
        if w.get("staff"):
            persons.setdefault(w["id"], {k: w[k] for k in ("id", "name", "role", "agency")})
        return w

    timeline = []
    for e in events[:EVENTS_MAX]:
        w = person(e.actor, e.agency_id, e.actor_label)
        timeline.append(
            {
                "at": local(e.occurred_at, "%Y-%m-%d %H:%M:%S"),
                "who": w["name"],
                "role": w["role"],
                "agency": w["agency"],
                "what": kind_label(e.event),
                "message": e.message,
            }
        )
    decided_by = person(case.decided_by, case.agency_id) if case.decided_by else None
    task_rows = []
    for t in tasks:
        late = task_overdue_days(t, today)
        task_rows.append(
            {
                "id": t.pk,
                "item": t.commitment.item.name,
                "method": _label(VerificationMethod, t.method),
                "timing": _label(Timing, t.timing),
                "agency": t.agency.name,
                "due_date": _day(t.due_date),
                "status": _label(TaskStatus, t.status),
                "outcome": _label(Outcome, t.outcome) if t.outcome else "尚无结论",
                "note": t.outcome_note,
                "concluded_at": local(t.concluded_at),
                "concluded_by": person(t.concluded_by, t.agency_id)["name"]
                if t.concluded_by
                else "",
                "overdue_days": late,
                "untrue": t.outcome == Outcome.INCONSISTENT,
            }
        )
    notification_basis = []
    for c in commitments:
        basis = (c.notification_version.content or {}).get("legal_basis") or ""
        if basis and basis not in notification_basis:
            notification_basis.append(str(basis))

    outcome = _outcome(case, kind, task, task_rows, today, later, complaints)
    return {
        "format": PACK_FORMAT,
        "kind": kind,
        "kind_label": _label(FaultKind, kind),
        "outcome": outcome,
        "as_of": local(as_of),
        "case": {
            "number": case.number,
            "matter": case.matter.name,
            "matter_code": case.matter.code,
            "agency": case.agency.name,
            "subject": case.subject.display_name,
            "channel": _label(Channel, case.channel),
            "status": _label(CaseStatus, case.status),
            "submitted_at": local(case.submitted_at),
            "due_date": _day(case.due_date),
            "decided_at": local(case.decided_at),
            "decided_by": decided_by,
            "decision_reason": case.decision_reason,
            "legal_basis": case.matter.legal_basis,
            "notification_basis": notification_basis,
            "overdue_days": case_overdue_days(case, today),
        },
        "events": timeline,
        "events_truncated": len(events) > EVENTS_MAX,
        "catalog": {
            "in_force": _version(in_force),
            "lines": [
                {
                    "item": x.item.name,
                    "code": x.item.code,
                    "choice": _label(Choice, x.choice) if x.choice else "未选择",
                    "version": _version(x.catalog_version),
                }
                for x in lines
            ],
        },
        "commitments": [
            {
                "item": c.item.name,
                "signer": c.signer_name,
                "signed_at": local(c.signed_at),
                "status": _label(CommitmentStatus, c.status),
                "notification": _version(c.notification_version),
                "commitment": _version(c.commitment_version),
                "withdrawn_at": local(c.withdrawn_at),
                "withdrawal_reason": c.withdrawal_reason,
            }
            for c in commitments
        ],
        "guide": _version(guide),
        "work_rules": [
            {"item": x.item.name, "version": _version(rules.get(x.item_id))}
            for x in lines
            if x.item_id in rules
        ],
        "plans": [
            {
                "item": x.item.name,
                "methods": [_label(VerificationMethod, m) for m in plans[x.item_id].methods]
                or ["免于核查"],
                "timing": _label(Timing, plans[x.item_id].timing),
                "days": plans[x.item_id].days,
                "standard": plans[x.item_id].standard,
            }
            for x in lines
            if x.item_id in plans
        ],
        "verification": task_rows,
        "handlings": [
            {
                "item": h.commitment.item.name,
                "measure": _label(Measure, h.measure),
                "reason": h.reason,
                "legal_basis": h.legal_basis,
                "decision_number": h.decision_number,
                "decided_at": local(h.decided_at),
                "decided_by": person(h.decided_by, case.agency_id)["name"],
            }
            for h in handlings
        ],
        "credit": [
            {
                "kind": _label(RecordKind, r.kind),
                "grade": _label(Grade, r.grade) if r.grade else "",
                "status": _label(RecordStatus, r.status),
                "summary": r.summary,
                "legal_basis": r.legal_basis,
                "agency": r.deciding_agency.name if r.deciding_agency else "",
                "decided_on": _day(r.decided_on),
            }
            for r in credit
        ],
        "complaints": [
            {
                "number": c.number,
                "kind": _label(ComplaintKind, c.kind),
                "status": _label(ComplaintStatus, c.status),
                "submitted_at": local(c.submitted_at),
                "facts": c.facts,
                "measures": c.measures,
                "answered_at": local(c.answered_at),
            }
            for c in complaints
        ],
        "later_cases": [
            {
                "number": x.number,
                "status": _label(CaseStatus, x.status),
                "decided_at": local(x.decided_at),
            }
            for x in later
        ],
        "persons": sorted(persons.values(), key=lambda p: (p["agency"], p["name"], p["id"])),
    }


def _outcome(
    case: Case,
    kind: str,
    task: VerificationTask | None,
    tasks: list[dict[str, Any]],
    today: dt.date,
    later: list[Case],
    complaints: list[Complaint],
) -> list[str]:
    """The adverse outcome in sentences."""
    out: list[str] = []
    if kind == FaultKind.FALSE_COMMITMENT:
        for t in tasks:
            if t["untrue"] and (task is None or t["id"] == task.pk):
                out.append(
                    f"{t['item']}的承诺经{t['method']}（{t['agency']}）于{t['concluded_at']}"
                    f"核查为承诺不实" + (f"：{t['note']}" if t["note"] else "")
                )
    elif kind == FaultKind.WRONG_REFUSAL:
        out.append(
            f"{local(case.decided_at)}作出不予办理决定"
            + (f"，理由：{case.decision_reason}" if case.decision_reason else "")
        )
        for x in later:
            if x.status == CaseStatus.APPROVED:
                out.append(f"申请人重新申请（办件{x.number}）后于{local(x.decided_at)}准予办理")
        for c in complaints:
            if c.kind == ComplaintKind.WRONGLY_REFUSED:
                out.append(f"收到“错误拒绝适用告知承诺”投诉（{c.number}）")
    elif kind == FaultKind.OVERDUE:
        days = case_overdue_days(case, today)
        if days and case.decided_at:
            out.append(
                f"办结期限为{_day(case.due_date)}，{local(case.decided_at)}作出决定，超期{days}日"
            )
        elif days:
            out.append(f"办结期限为{_day(case.due_date)}，至今未办结，已超期{days}日")
        for t in tasks:
            if t["overdue_days"]:
                state = f"{t['concluded_at']}完成" if t["concluded_at"] else "至今未完成"
                out.append(
                    f"{t['item']}的{t['method']}期限为{t['due_date']}，{state}，"
                    f"超期{t['overdue_days']}日"
                )
    return out

"""Reads of fault-tolerance reviews (R-8.4), scoped to the actor: the candidates — adverse
outcomes of the agencies a reviewer oversees, each kind one bounded query over indexed columns
— the reviews the actor may read, one review with its current pack (one row of JSON, whatever
the number of events), and a case a reviewer may open a review of."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from chengnuo.cases.constants import CaseStatus
from chengnuo.cases.models import Case
from chengnuo.complaints.constants import Kind as ComplaintKind
from chengnuo.complaints.models import Complaint
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound
from chengnuo.verification.constants import Outcome, TaskStatus
from chengnuo.verification.models import VerificationTask

from . import policies_faulttolerance as policies
from .constants_faulttolerance import CANDIDATES_PER_KIND, FaultKind
from .evidence_faulttolerance import case_overdue_days, task_overdue_days
from .models import EvidencePack, FaultDecision, FaultReview

MAX_ID = 2**53


def _scope(actor: Actor) -> set[int] | None:
    """The agencies whose cases the actor may review; None: all."""
    if policies.is_system_admin(actor):
        return None
    return policies.overseen_ids(actor)


def _in_scope(rows: QuerySet, field: str, ids: set[int] | None) -> QuerySet:
    return rows if ids is None else rows.filter(**{f"{field}__in": ids})


def _reviewed(case_ids: set[int], kind: str) -> dict[int, FaultReview]:
    rows = FaultReview.objects.filter(case_id__in=case_ids, kind=kind).only("pk", "number", "case")
    return {r.case_id: r for r in rows}


def candidates(actor: Actor, kind: str, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The latest adverse outcomes of `kind` in the actor's agencies (at most
    CANDIDATES_PER_KIND), each with what makes it one and the review opened on it, if any."""
    today = today or timezone.localdate()
    ids = _scope(actor)
    if ids is not None and not ids:
        return []
    out: list[dict[str, Any]] = []
    if kind == FaultKind.FALSE_COMMITMENT:
        tasks = _in_scope(
            VerificationTask.objects.filter(status=TaskStatus.DONE, outcome=Outcome.INCONSISTENT),
            "agency_id",
            ids,
        )
        rows = list(
            tasks.select_related(
                "commitment__case__matter", "commitment__case__agency", "commitment__item"
            ).order_by("-concluded_at", "-id")[:CANDIDATES_PER_KIND]
        )
        reviewed = _reviewed({t.commitment.case_id for t in rows}, kind)
        seen: set[int] = set()
        for t in rows:
            case = t.commitment.case
            if case.pk in seen:  # one review per case: its latest untrue verification
                continue
            seen.add(case.pk)
            out.append(
                {
                    "case": case,
                    "task": t,
                    "when": t.concluded_at,
                    "why": f"{t.commitment.item.name}：{t.get_method_display()}结论为承诺不实",
                    "review": reviewed.get(case.pk),
                }
            )
    elif kind == FaultKind.WRONG_REFUSAL:
        cases = _in_scope(Case.objects.filter(status=CaseStatus.REJECTED), "agency_id", ids)
        rows = list(
            cases.select_related("matter", "agency").order_by("-decided_at", "-id")[
                :CANDIDATES_PER_KIND
            ]
        )
        later = Case.objects.filter(
            subject_id__in={c.subject_id for c in rows},
            matter_id__in={c.matter_id for c in rows},
            status=CaseStatus.APPROVED,
        ).only("subject_id", "matter_id", "created_at", "number")
        approved: dict[tuple[int, int], list[Case]] = {}
        for x in later.order_by("created_at")[:500]:
            approved.setdefault((x.subject_id, x.matter_id), []).append(x)
        complained = set(
            Complaint.objects.filter(
                kind=ComplaintKind.WRONGLY_REFUSED,
                agency_id__in={c.agency_id for c in rows},
                matter_id__in={c.matter_id for c in rows},
            ).values_list("agency_id", "matter_id")[:500]
        )
        reviewed = _reviewed({c.pk for c in rows}, kind)
        for c in rows:
            signs = []
            again = [
                x
                for x in approved.get((c.subject_id, c.matter_id), [])
                if c.decided_at and x.created_at > c.decided_at
            ]
            if again:
                signs.append(f"重新申请后准予办理（{again[0].number}）")
            if (c.agency_id, c.matter_id) in complained:
                signs.append("该事项有“错误拒绝适用告知承诺”投诉")
            out.append(
                {
                    "case": c,
                    "task": None,
                    "when": c.decided_at,
                    "why": "；".join(signs) or "不予办理",
                    "flagged": bool(signs),
                    "review": reviewed.get(c.pk),
                }
            )
        out.sort(key=lambda r: not r["flagged"])
    elif kind == FaultKind.OVERDUE:
        late_open = Q(status=CaseStatus.SUBMITTED, due_date__lt=today)
        late_decided = Q(
            status__in=(CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.TERMINATED),
            due_date__isnull=False,
            decided_at__date__gt=F("due_date"),
        )
        cases = _in_scope(Case.objects.filter(late_open | late_decided), "agency_id", ids)
        rows = list(
            cases.select_related("matter", "agency").order_by("-due_date", "-id")[
                :CANDIDATES_PER_KIND
            ]
        )
        tasks = _in_scope(
            VerificationTask.objects.filter(
                status__in=(TaskStatus.PENDING, TaskStatus.IN_PROGRESS), due_date__lt=today
            ),
            "agency_id",
            ids,
        )
        late_tasks = list(
            tasks.select_related(
                "commitment__case__matter", "commitment__case__agency", "commitment__item"
            ).order_by("due_date", "id")[:CANDIDATES_PER_KIND]
        )
        seen = set()
        for c in rows:
            seen.add(c.pk)
            days = case_overdue_days(c, today)
            state = "已办结" if c.decided_at else "未办结"
            out.append(
                {"case": c, "task": None, "when": c.decided_at or c.submitted_at,
                 "why": f"办结期限{c.due_date:%Y-%m-%d}，{state}，超期{days}日"}
            )  # fmt: skip
        for t in late_tasks:
            case = t.commitment.case
            if case.pk in seen:
                continue
            seen.add(case.pk)
            out.append(
                {"case": case, "task": t, "when": None,
                 "why": f"{t.commitment.item.name}{t.get_method_display()}期限"
                 f"{t.due_date:%Y-%m-%d}，至今未完成，超期{task_overdue_days(t, today)}日"}
            )  # fmt: skip
        reviewed = _reviewed(seen, kind)
        for r in out:
            r["review"] = reviewed.get(r["case"].pk)
    return out


def _reviews(actor: Actor) -> QuerySet[FaultReview]:
    rows = FaultReview.objects.select_related("case__matter", "agency", "opened_by")
    ids = policies.readable_ids(actor)
    return rows if ids is None else rows.filter(agency_id__in=ids)


def reviews(actor: Actor, *, status: str = "") -> list[FaultReview]:
    rows = _reviews(actor)
    if status:
        rows = rows.filter(status=status)
    latest = FaultDecision.objects.order_by("-decided_at", "-id").only(
        "review_id", "conclusion", "decided_at"
    )
    return list(rows.prefetch_related(Prefetch("decisions", queryset=latest))[:200])


def review_for(actor: Actor, pk: Any) -> FaultReview:
    """One review with its current pack and its decisions (the persons concerned with them)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk < MAX_ID:
        raise NotFound()
    decisions = FaultDecision.objects.select_related("decided_by", "pack").prefetch_related(
        "persons"
    )
    row = (
        _reviews(actor)
        .select_related("pack", "task")
        .prefetch_related(Prefetch("decisions", queryset=decisions.order_by("decided_at", "id")))
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise NotFound()
    return row


def pack_of(review: FaultReview, version: Any) -> EvidencePack:
    try:
        number = int(version)
    except (TypeError, ValueError):
        raise NotFound() from None
    if review.pack is not None and review.pack.version == number:
        return review.pack
    pack = EvidencePack.objects.filter(review=review, version=number).first()
    if pack is None:
        raise NotFound()
    return pack


def pack_versions(review: FaultReview) -> list[dict[str, Any]]:
    rows = EvidencePack.objects.filter(review=review).order_by("-version")
    return [dict(r) for r in rows.values("version", "assembled_at", "digest")[:100]]


def case_to_review(actor: Actor, number: Any) -> Case:
    """A case (by its number) of an agency the reviewer oversees; otherwise not found."""
    if not isinstance(number, str) or not number.strip() or len(number) > 32:
        raise NotFound()
    rows = Case.objects.select_related("matter", "agency", "subject")
    ids = _scope(actor)
    if ids is not None:
        rows = rows.filter(agency_id__in=ids)
    case = rows.filter(number=number.strip()).first()
    if case is None:
        raise NotFound()
    return case


def task_of(case: Case, raw: Any) -> VerificationTask | None:
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 12:
        return None
    return (
        VerificationTask.objects.select_related("commitment")
        .filter(pk=int(raw), commitment__case=case)
        .first()
    )


def notice_of(review: FaultReview) -> Any:
    """The rectification notice issued after the review's conclusion, if any."""
    from chengnuo.core.spine import target_type_of

    from .models import Rectification

    return Rectification.objects.filter(
        target_type=target_type_of(review), target_id=review.pk
    ).first()

"""The metrics registry of the evaluation indicators (R-8.2): each leaf of a scheme names a
metric; a metric computes, for one agency and a period (start <= day < end, whole months),
a `MetricValue` — the value, its numerator and denominator, and the evidence (which cases,
findings, complaints; the first `EVIDENCE_LIMIT` by a bounded indexed query, with the count).

Other parts add theirs with `register_metric(name, label, func)`. A leaf whose metric is not
registered has no data and scores nothing (the page says 暂无数据).

Counts come from the oversight counters (`statistics.figures`) and the dashboard's snapshot
figures where they exist; during a compute (`batch`), they are read once for every agency
of the evaluation. The catalog, texts and guides are as they stand when the evaluation is
computed (snapshots, like the dashboard's); flows (cases, verification, complaints,
assistance, key tasks, parity reports) are those of the period."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from chengnuo.cases.models import Case
from chengnuo.catalog.constants import ProposalStatus
from chengnuo.catalog.models import ChangeProposal
from chengnuo.complaints.constants import Rating, Status
from chengnuo.complaints.models import Complaint
from chengnuo.supervision.models import ParityReport
from chengnuo.verification.constants import AssistanceStatus, Outcome
from chengnuo.verification.constants import Measure as HandlingMeasure
from chengnuo.verification.models import AssistanceRequest, Handling, VerificationTask

from . import selectors_dashboard as dashboard
from . import statistics
from .constants_dashboard import Measure
from .constants_indicators import EVIDENCE_LIMIT
from .constants_keytasks import Progress

Evidence = tuple[
    str, int, str
]  # (kind: case / complaint / proposal / key_task / parity, id, label)


@dataclass(frozen=True)
class MetricValue:
    value: float | None  # None: nothing to count in the period
    numerator: float | None = None
    denominator: float | None = None
    evidence: list[Evidence] = field(default_factory=list)
    evidence_count: int = 0


MetricFunc = Callable[[int, dt.date, dt.date], MetricValue]


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    func: MetricFunc
    unit: str = "ratio"  # ratio (shown as %) or count
    evidence_label: str = ""


_REGISTRY: dict[str, Metric] = {}


def register_metric(
    name: str, label: str, func: MetricFunc, *, unit: str = "ratio", evidence_label: str = ""
) -> Metric:
    """Register (or replace) a metric by its stable name."""
    metric = Metric(name, label, func, unit, evidence_label)
    _REGISTRY[name] = metric
    return metric


def unregister_metric(name: str) -> None:
    _REGISTRY.pop(name, None)


def metric(name: str) -> Metric | None:
    return _REGISTRY.get(name)


def registered() -> dict[str, Metric]:
    return dict(_REGISTRY)


# --- the period's figures, read once per compute -----------------------------------------


@dataclass(frozen=True)
class _Span:
    start: dt.date
    end: dt.date


_BATCH: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "indicator_batch", default=None
)


@contextlib.contextmanager
def batch(agency_ids: list[int], start: dt.date, end: dt.date) -> Iterator[None]:
    """Read the counters and snapshot figures of every agency at once for the metrics that
    follow (a fixed number of queries for the whole evaluation)."""
    token = _BATCH.set({(start, end): _read(agency_ids, start, end)})
    try:
        yield
    finally:
        _BATCH.reset(token)


def _read(agency_ids: list[int], start: dt.date, end: dt.date) -> dict[int, dashboard.Figures]:
    out: dict[int, dashboard.Figures] = defaultdict(dashboard.Figures)
    if not agency_ids:
        return out
    for (agency_id, _month, measure), n in statistics.figures(agency_ids, start, end).items():
        out[agency_id].counts[measure] += n
    dashboard._snapshots(agency_ids, _Span(start, end), out)  # type: ignore[arg-type]
    return out


def figures_of(agency_id: int, start: dt.date, end: dt.date) -> dashboard.Figures:
    cached = _BATCH.get()
    if cached is not None and (start, end) in cached:
        got = cached[(start, end)]
        if agency_id in got:
            return got[agency_id]
    return _read([agency_id], start, end)[agency_id]


def _span(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dashboard._span(start, end)


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _cases(rows: Any) -> list[Evidence]:
    got = rows.values_list("pk", "number")[:EVIDENCE_LIMIT]
    return [("case", pk, number) for pk, number in got]


def _case_value(
    value: float | None, part: float | None, whole: float | None, rows: Any
) -> MetricValue:
    """A value with the cases behind it as evidence: the first `EVIDENCE_LIMIT` and how many
    cases there are (counted only when there are more than that)."""
    if rows is None:
        return MetricValue(value, part, whole)
    evidence = _cases(rows)
    count = len(evidence) if len(evidence) < EVIDENCE_LIMIT else rows.count()
    return MetricValue(value, part, whole, evidence, count)


# --- the built-in metrics ----------------------------------------------------------------


def commitment_share(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    f = figures_of(agency_id, start, end)
    part, whole = f.n(Measure.BY_COMMITMENT), f.n(Measure.SUBMITTED)
    rows = dashboard.cases_behind(agency_id, Measure.BY_COMMITMENT, start, end)
    return _case_value(_ratio(part, whole), part, whole, rows if part else None)


def verification_on_time(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    f = figures_of(agency_id, start, end)
    late, done = f.n(Measure.LATE), f.n(Measure.CONCLUDED)
    rows = dashboard.cases_behind(agency_id, Measure.LATE, start, end) if late else None
    return _case_value(_ratio(f.n(Measure.ON_TIME), done), f.n(Measure.ON_TIME), done, rows)


def verification_overdue(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    """Verification tasks due in the period and still open past their deadline."""
    today = timezone.localdate()
    tasks = VerificationTask.objects.filter(
        agency_id=agency_id,
        status__in=dashboard.OPEN_TASK,
        due_date__gte=start,
        due_date__lt=min(end, today),
    )
    n = tasks.count()
    rows = Case.objects.filter(Exists(tasks.filter(commitment__case_id=OuterRef("pk"))))
    return _case_value(float(n), n, None, rows.order_by("-id") if n else None)


def untrue_handled(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    """Untrue findings of the period handled as the law requires, with the credit record
    made (or a good-faith error corrected)."""
    lo, hi = _span(start, end)
    untrue = VerificationTask.objects.filter(
        agency_id=agency_id,
        outcome=Outcome.INCONSISTENT,
        concluded_at__gte=lo,
        concluded_at__lt=hi,
    )
    handled = Handling.objects.filter(task_id=OuterRef("pk")).filter(
        Q(credit_record__isnull=False) | Q(measure=HandlingMeasure.GOOD_FAITH)
    )
    whole = untrue.count()
    if not whole:
        return MetricValue(None, 0, 0)
    missing = untrue.filter(~Exists(handled))
    part = whole - missing.count()
    rows = Case.objects.filter(Exists(missing.filter(commitment__case_id=OuterRef("pk"))))
    return _case_value(part / whole, part, whole, rows.order_by("-id") if part < whole else None)


def assistance_overdue(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    """Assistance requests to the agency due in the period, answered late or still open
    past their deadline."""
    today = timezone.localdate()
    rows = AssistanceRequest.objects.filter(
        requested_agency_id=agency_id, deadline__gte=start, deadline__lt=min(end, today)
    ).annotate(answered_on=TruncDate("answered_at", tzinfo=timezone.get_current_timezone()))
    late = rows.filter(Q(status=AssistanceStatus.OPEN) | Q(answered_on__gt=F("deadline"))).exclude(
        status=AssistanceStatus.CANCELLED
    )
    n = late.count()
    got = late.order_by("-id").values_list(
        "task__commitment__case_id", "task__commitment__case__number"
    )[:EVIDENCE_LIMIT]
    evidence: list[Evidence] = [("case", pk, number) for pk, number in dict.fromkeys(got)]
    return MetricValue(float(n), n, None, evidence, len(evidence) if n < EVIDENCE_LIMIT else n)


def _complaints(agency_id: int, start: dt.date, end: dt.date) -> Any:
    lo, hi = _span(start, end)
    return Complaint.objects.filter(
        handling_agency_id=agency_id, submitted_at__gte=lo, submitted_at__lt=hi
    )


def _complaint_evidence(rows: Any) -> list[Evidence]:
    return [
        ("complaint", pk, number)
        for pk, number in rows.order_by("-id").values_list("pk", "number")[:EVIDENCE_LIMIT]
    ]


def complaints_on_time(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    f = figures_of(agency_id, start, end)
    late = f.complaints_answered - f.complaints_on_time
    evidence: list[Evidence] = []
    if late:
        rows = (
            _complaints(agency_id, start, end)
            .filter(status=Status.ANSWERED)
            .annotate(answered_on=TruncDate("answered_at", tzinfo=timezone.get_current_timezone()))
            .filter(answered_on__gt=F("answer_due"))
        )
        evidence = _complaint_evidence(rows)
    return MetricValue(
        _ratio(f.complaints_on_time, f.complaints_answered),
        f.complaints_on_time,
        f.complaints_answered,
        evidence,
        late,
    )


def complaint_satisfaction(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    f = figures_of(agency_id, start, end)
    unhappy = f.complaints_rated - f.complaints_satisfied
    evidence: list[Evidence] = []
    if unhappy:
        rows = _complaints(agency_id, start, end).filter(
            status=Status.ANSWERED, rating=Rating.DISSATISFIED
        )
        evidence = _complaint_evidence(rows)
    return MetricValue(
        _ratio(f.complaints_satisfied, f.complaints_rated),
        f.complaints_satisfied,
        f.complaints_rated,
        evidence,
        unhappy,
    )


def withdrawal_rate(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    """Commitments withdrawn (applicants turning back to proofs) per case by commitment: a
    high rate points at unclear notifications, never at the applicant (R-2.1)."""
    f = figures_of(agency_id, start, end)
    part, whole = f.n(Measure.WITHDRAWN), f.n(Measure.BY_COMMITMENT)
    rows = dashboard.cases_behind(agency_id, Measure.WITHDRAWN, start, end) if part else None
    return _case_value(_ratio(part, whole), part, whole, rows)


def catalog_published(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    f = figures_of(agency_id, start, end)
    return MetricValue(float(f.items), f.items, None)


def catalog_filing(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    """Catalog adjustments reviewed in the period that were filed (备案) rather than returned."""
    lo, hi = _span(start, end)
    reviewed = ChangeProposal.objects.filter(
        agency_id=agency_id,
        reviewed_at__gte=lo,
        reviewed_at__lt=hi,
        status__in=(ProposalStatus.FILED, ProposalStatus.EFFECTIVE, ProposalStatus.RETURNED),
    )
    whole = reviewed.count()
    if not whole:
        return MetricValue(None, 0, 0)
    returned = reviewed.filter(status=ProposalStatus.RETURNED)
    n = returned.count()
    evidence = [
        ("proposal", pk, f"{code}（已退回）")
        for pk, code in returned.order_by("-id").values_list("pk", "item_code")[:EVIDENCE_LIMIT]
    ]
    return MetricValue((whole - n) / whole, whole - n, whole, evidence, n)


def texts_published(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    f = figures_of(agency_id, start, end)
    return MetricValue(_ratio(f.texts, f.items), f.texts, f.items)


def guides_published(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    f = figures_of(agency_id, start, end)
    return MetricValue(float(f.guides), f.guides, None)


def key_tasks_on_time(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    """Key tasks (R-8.3) the agency is a unit of, due in the period, reported done by their
    deadline."""
    from chengnuo.agencies.models import Agency

    from .models import KeyTask, KeyTaskReport

    kind = Agency.objects.filter(pk=agency_id).values_list("kind", flat=True).first()
    unit = Q(lead_agencies=agency_id) | Q(responsible_agencies=agency_id)
    if kind == "ordinary":
        unit |= Q(all_agencies=True)
    tasks = list(
        KeyTask.objects.filter(unit, due_date__gte=start, due_date__lt=end)
        .distinct()
        .order_by("position", "id")
        .values_list("pk", "number", "heading", "due_date")
    )
    if not tasks:
        return MetricValue(None, 0, 0)
    done: dict[int, dt.datetime] = {}
    for task_id, at in KeyTaskReport.objects.filter(
        task_id__in=[t[0] for t in tasks], agency_id=agency_id, progress=Progress.DONE
    ).values_list("task_id", "submitted_at"):
        done[task_id] = min(at, done.get(task_id, at))
    late = [
        t
        for t in tasks
        if t[0] not in done or t[3] is None or timezone.localtime(done[t[0]]).date() > t[3]
    ]
    evidence = [("key_task", pk, f"{number} {heading}") for pk, number, heading, _d in late]
    whole = len(tasks)
    return MetricValue((whole - len(late)) / whole, whole - len(late), whole,
                       evidence[:EVIDENCE_LIMIT], len(late))  # fmt: skip


def parity_flags(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    """Strata the quarter's non-discrimination analysis flagged (R-6: parity)."""
    rows = ParityReport.objects.filter(
        agency_id=agency_id, period_start__lt=end, period_end__gte=start, flagged__gt=0
    ).order_by("period_start")
    got = list(rows.values_list("pk", "quarter", "flagged")[:EVIDENCE_LIMIT])
    n = sum(r[2] for r in got)
    evidence = [
        ("parity", pk, f"{quarter}季度：{flagged}个分层需关注") for pk, quarter, flagged in got
    ]
    return MetricValue(float(n), n, None, evidence, len(got))


BUILT_IN: tuple[tuple[str, str, MetricFunc, str, str], ...] = (
    ("commitment_share", "告知承诺办件占比", commitment_share, "ratio", "告知承诺办件"),
    ("verification_on_time", "核查按期完成率", verification_on_time, "ratio", "超期完成核查的办件"),
    ("verification_overdue", "逾期未完成核查", verification_overdue, "count", "核查逾期的办件"),
    ("untrue_handled", "承诺不实依法处置并记入信用", untrue_handled, "ratio",
     "未依法处置或未记入信用的办件"),
    ("assistance_overdue", "协助核查逾期答复", assistance_overdue, "count", "协助核查逾期的办件"),
    ("complaints_on_time", "投诉举报按期答复率", complaints_on_time, "ratio", "逾期答复的投诉举报"),
    ("complaint_satisfaction", "投诉举报答复满意率", complaint_satisfaction, "ratio",
     "答复不满意的投诉举报"),
    ("withdrawal_rate", "承诺办件退出承诺率", withdrawal_rate, "ratio", "退出承诺的办件"),
    ("catalog_published", "公布的告知承诺证明事项", catalog_published, "count", ""),
    ("catalog_filing", "目录调整备案通过率", catalog_filing, "ratio", "被退回的目录调整申报"),
    ("texts_published", "告知书和承诺书格式文本制发率", texts_published, "ratio", ""),
    ("guides_published", "公布的办事指南和工作规程", guides_published, "count", ""),
    ("key_tasks_on_time", "重点任务按期完成率", key_tasks_on_time, "ratio", "未按期完成的重点任务"),
    ("parity_flags", "监管一致性预警", parity_flags, "count", "需关注的分层检验"),
)  # fmt: skip


def register_built_in() -> None:
    for name, label, func, unit, evidence_label in BUILT_IN:
        register_metric(name, label, func, unit=unit, evidence_label=evidence_label)

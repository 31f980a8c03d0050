"""Reads of the rollout at a glance (R-8.1), scoped to the Justice Bureau member who asks.

Flow figures (cases, decisions, withdrawals, verification) come from the counters
(`statistics.figures`: two queries, whatever the number of cases). Snapshot figures come from
small tables with one GROUP BY each: the catalog (items under commitment by priority domain),
published texts and guides, open verification tasks past their deadline, assistance requests
past theirs, complaints of the period, and the quarter's parity reports. A page costs a fixed
number of queries, whatever the number of agencies or cases."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from chengnuo.agencies.constants import Region
from chengnuo.agencies.models import Agency
from chengnuo.cases.constants import CaseStatus, CommitmentStatus
from chengnuo.cases.models import Case, Commitment
from chengnuo.catalog.constants import PriorityDomain
from chengnuo.catalog.models import CertificationItem
from chengnuo.complaints import statistics as complaint_statistics
from chengnuo.documents.guide_models import GuideVersion
from chengnuo.documents.models import TemplateVersion
from chengnuo.supervision.models import ParityReport
from chengnuo.verification.constants import AssistanceStatus, Outcome, TaskStatus
from chengnuo.verification.models import AssistanceRequest, VerificationTask

from . import statistics
from .constants_dashboard import (
    FIRST_YEAR,
    PERIOD_MONTH,
    PERIOD_QUARTER,
    PERIOD_YEAR,
    Measure,
)

OPEN_TASK = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


# --- the period ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int = 0  # the quarter (1-4) or the month (1-12)

    @property
    def months(self) -> list[dt.date]:
        if self.kind == PERIOD_MONTH:
            return [dt.date(self.year, self.number, 1)]
        first = 1 if self.kind == PERIOD_YEAR else 3 * (self.number - 1) + 1
        count = 12 if self.kind == PERIOD_YEAR else 3
        return [dt.date(self.year, m, 1) for m in range(first, first + count)]

    @property
    def start(self) -> dt.date:
        return self.months[0]

    @property
    def end(self) -> dt.date:
        last = self.months[-1]
        return dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)

    @property
    def label(self) -> str:
        if self.kind == PERIOD_MONTH:
            return f"{self.year}年{self.number}月"
        if self.kind == PERIOD_QUARTER:
            return f"{self.year}年第{self.number}季度"
        return f"{self.year}年"

    @property
    def query(self) -> str:
        q = f"period={self.kind}&year={self.year}"
        return q + (f"&n={self.number}" if self.kind != PERIOD_YEAR else "")


def _int(raw: Any, low: int, high: int) -> int | None:
    text = str(raw or "")
    if not text.isdigit() or len(text) > 4:
        return None
    value = int(text)
    return value if low <= value <= high else None


def period_from(params: Any, *, today: dt.date | None = None) -> Period:
    """The period asked for (?period=year|quarter|month&year=2026&n=2); this year otherwise."""
    today = today or timezone.localdate()
    year = _int(params.get("year"), FIRST_YEAR, today.year + 1) or today.year
    kind = params.get("period", PERIOD_YEAR)
    if kind == PERIOD_QUARTER:
        return Period(kind, year, _int(params.get("n"), 1, 4) or (today.month - 1) // 3 + 1)
    if kind == PERIOD_MONTH:
        return Period(kind, year, _int(params.get("n"), 1, 12) or today.month)
    return Period(PERIOD_YEAR, year)


def years(today: dt.date | None = None) -> list[int]:
    today = today or timezone.localdate()
    return list(range(today.year, FIRST_YEAR - 1, -1))


def _span(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz),
        timezone.make_aware(dt.datetime.combine(end, dt.time.min), tz),
    )


# --- figures ---------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Figures:
    """The figures of one agency (or a sum of agencies) over a period."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    domains: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    items: int = 0  # certification items under commitment
    texts: int = 0  # items with a published notification and commitment
    guides: int = 0  # published service guides and work rules
    tasks_overdue: int = 0  # open verification tasks past their deadline (today)
    assistance_overdue: int = 0
    complaints: int = 0
    complaints_answered: int = 0
    complaints_on_time: int = 0
    complaints_rated: int = 0
    complaints_satisfied: int = 0
    parity_reports: int = 0
    parity_flagged: int = 0

    def add(self, other: Figures) -> None:
        for k, n in other.counts.items():
            self.counts[k] += n
        for k, n in other.domains.items():
            self.domains[k] += n
        for name in (
            "items",
            "texts",
            "guides",
            "tasks_overdue",
            "assistance_overdue",
            "complaints",
            "complaints_answered",
            "complaints_on_time",
            "complaints_rated",
            "complaints_satisfied",
            "parity_reports",
            "parity_flagged",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def n(self, measure: str) -> int:
        return self.counts.get(measure, 0)

    @property
    def submitted(self) -> int:
        return self.n(Measure.SUBMITTED)

    @property
    def by_commitment(self) -> int:
        return self.n(Measure.BY_COMMITMENT)

    @property
    def commitment_share(self) -> float | None:
        return _percent(self.n(Measure.BY_COMMITMENT), self.n(Measure.SUBMITTED))

    @property
    def untrue_rate(self) -> float | None:
        return _percent(self.n(Measure.UNTRUE), self.n(Measure.UNTRUE) + self.n(Measure.TRUE))

    @property
    def on_time_rate(self) -> float | None:
        return _percent(self.n(Measure.ON_TIME), self.n(Measure.CONCLUDED))

    @property
    def complaints_on_time_rate(self) -> float | None:
        return _percent(self.complaints_on_time, self.complaints_answered)

    @property
    def satisfaction(self) -> float | None:
        return _percent(self.complaints_satisfied, self.complaints_rated)

    @property
    def m(self) -> dict[str, int]:
        """Every counted measure by its name in the pages (m.submitted, m.untrue …)."""
        return {k.name.lower(): self.counts.get(k.value, 0) for k in Measure}

    @property
    def domain_counts(self) -> list[tuple[str, int]]:
        return [(str(label), self.domains.get(code, 0)) for code, label in PriorityDomain.choices]


def agencies_in_scope(ids: set[int] | None, region: str = "") -> QuerySet[Agency]:
    rows = Agency.objects.order_by("level", "region", "name")
    if ids is not None:
        rows = rows.filter(pk__in=sorted(ids))
    if region:
        rows = rows.filter(region=region)
    return rows


def _snapshots(ids: list[int], period: Period, out: dict[int, Figures]) -> None:
    """The snapshot figures, one GROUP BY per source (a fixed number of queries)."""
    today = timezone.localdate()
    for agency_id, domains in CertificationItem.objects.filter(
        agency_id__in=ids, under_commitment=True
    ).values_list("agency_id", "priority_domains"):
        out[agency_id].items += 1
        for d in domains or []:
            out[agency_id].domains[d] += 1
    texts = (
        TemplateVersion.objects.filter(agency_id__in=ids)
        .values("agency_id", "item_id")
        .annotate(kinds=Count("kind", distinct=True))
        .filter(kinds__gte=2)
        .order_by()
    )
    for r in texts:
        out[r["agency_id"]].texts += 1
    guides = (
        GuideVersion.objects.filter(agency_id__in=ids)
        .values("agency_id")
        .annotate(n=Count("number", filter=Q(number=1)))
        .order_by()
    )
    for r in guides:
        out[r["agency_id"]].guides += r["n"]
    overdue = (
        VerificationTask.objects.filter(agency_id__in=ids, status__in=OPEN_TASK, due_date__lt=today)
        .values("agency_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in overdue:
        out[r["agency_id"]].tasks_overdue = r["n"]
    assistance = (
        AssistanceRequest.objects.filter(
            requested_agency_id__in=ids, status=AssistanceStatus.OPEN, deadline__lt=today
        )
        .values("requested_agency_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in assistance:
        out[r["requested_agency_id"]].assistance_overdue = r["n"]
    start, end = _span(period.start, period.end)
    complaints = (
        complaint_statistics.counts(start, end, "handling_agency_id")
        .filter(handling_agency_id__in=ids)
        .order_by()
    )
    for r in complaints:
        f = out[r["handling_agency_id"]]
        f.complaints, f.complaints_answered = r["received"], r["answered"]
        f.complaints_on_time, f.complaints_rated = r["on_time"], r["rated"]
        f.complaints_satisfied = r["satisfied"]
    parity = (
        ParityReport.objects.filter(
            agency_id__in=ids, period_start__lt=period.end, period_end__gte=period.start
        )
        .values("agency_id")
        .annotate(n=Count("id"), flagged=Count("id", filter=Q(flagged__gt=0)))
        .order_by()
    )
    for r in parity:
        out[r["agency_id"]].parity_reports = r["n"]
        out[r["agency_id"]].parity_flagged = r["flagged"]


@dataclass
class Overview:
    period: Period
    agencies: list[tuple[Agency, Figures]]
    regions: list[tuple[str, str, Figures]]  # (code, label, figures)
    total: Figures
    months: list[dt.date]
    trend: dict[str, list[int]]  # measure → one figure per month

    @property
    def trend_labels(self) -> list[str]:
        return [str(Measure(k).label) for k in self.trend]

    @property
    def trend_rows(self) -> list[tuple[dt.date, list[int]]]:
        return [(m, [v[i] for v in self.trend.values()]) for i, m in enumerate(self.months)]


TREND_MEASURES = (
    Measure.SUBMITTED,
    Measure.BY_COMMITMENT,
    Measure.WITHDRAWN,
    Measure.CONCLUDED,
    Measure.UNTRUE,
)


def overview(ids: set[int] | None, period: Period, *, region: str = "") -> Overview:
    agencies = list(agencies_in_scope(ids, region))
    agency_ids = [a.pk for a in agencies]
    per_agency: dict[int, Figures] = defaultdict(Figures)
    months = period.months
    trend: dict[str, list[int]] = {str(m): [0] * len(months) for m in TREND_MEASURES}
    index = {m: i for i, m in enumerate(months)}
    if agency_ids:
        for (agency_id, month, measure), n in statistics.figures(
            agency_ids, period.start, period.end
        ).items():
            per_agency[agency_id].counts[measure] += n
            if measure in trend and month in index:
                trend[measure][index[month]] += n
        _snapshots(agency_ids, period, per_agency)
    rows = [(a, per_agency[a.pk]) for a in agencies]
    by_region: dict[str, Figures] = defaultdict(Figures)
    total = Figures()
    for a, f in rows:
        by_region[a.region].add(f)
        total.add(f)
    regions = [
        (code, str(label), by_region[code]) for code, label in Region.choices if code in by_region
    ]
    return Overview(period, rows, regions, total, months, trend)


@dataclass
class AgencyMonths:
    agency: Agency
    period: Period
    months: list[tuple[dt.date, Figures]]
    total: Figures


def agency_months(agency: Agency, period: Period) -> AgencyMonths:
    per_month: dict[dt.date, Figures] = {m: Figures() for m in period.months}
    for (_agency, month, measure), n in statistics.figures(
        [agency.pk], period.start, period.end
    ).items():
        if month in per_month:
            per_month[month].counts[measure] += n
    snap: dict[int, Figures] = defaultdict(Figures)
    _snapshots([agency.pk], period, snap)
    total = Figures()
    for f in per_month.values():
        total.add(f)
    total.add(snap[agency.pk])
    return AgencyMonths(agency, period, sorted(per_month.items()), total)


def domain_labels() -> list[tuple[str, str]]:
    return [(c, str(label)) for c, label in PriorityDomain.choices]


# --- the cases behind a figure -------------------------------------------------------------


def _tasks(agency_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet[VerificationTask]:
    return VerificationTask.objects.filter(
        commitment__case_id=OuterRef("pk"),
        agency_id=agency_id,
        concluded_at__gte=start,
        concluded_at__lt=end,
    )


def cases_behind(agency_id: int, measure: str, start: dt.date, end: dt.date) -> QuerySet[Case]:
    """The cases a counter of the agency counts for months start <= month < end (the same
    definitions as `statistics.rebuilt`)."""
    lo, hi = _span(start, end)
    cases = Case.objects.select_related("matter")
    own = cases.filter(agency_id=agency_id)
    if measure in (Measure.SUBMITTED, Measure.BY_COMMITMENT, Measure.BY_PROOF):
        rows = own.filter(submitted_at__gte=lo, submitted_at__lt=hi)
        signed_then = Commitment.objects.filter(
            case_id=OuterRef("pk"), signed_at__lte=OuterRef("submitted_at")
        ).filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=OuterRef("submitted_at")))
        if measure == Measure.BY_COMMITMENT:
            rows = rows.filter(Exists(signed_then))
        elif measure == Measure.BY_PROOF:
            rows = rows.filter(~Exists(signed_then))
        return rows.order_by("-id")
    # newest first by id: a backward walk of the primary key stops after one page, where an
    # order by time would sort every case of the agency (cases has no (agency, time) index)
    decided = own.filter(decided_at__gte=lo, decided_at__lt=hi).order_by("-id")
    if measure == Measure.APPROVED:
        return decided.filter(status__in=(CaseStatus.APPROVED, CaseStatus.REVOKED))
    if measure == Measure.CLOSED:
        return decided.filter(status__in=(CaseStatus.REJECTED, CaseStatus.TERMINATED))
    if measure == Measure.REVOKED:
        return decided.filter(status=CaseStatus.REVOKED)
    if measure == Measure.WITHDRAWN:
        withdrawn = Commitment.objects.filter(
            case_id=OuterRef("pk"),
            status=CommitmentStatus.WITHDRAWN,
            withdrawn_at__gte=lo,
            withdrawn_at__lt=hi,
        )
        return own.filter(Exists(withdrawn)).order_by("-id")
    tasks = _tasks(agency_id, lo, hi)
    if measure in (Measure.ON_TIME, Measure.LATE):
        tasks = tasks.annotate(
            concluded_on=TruncDate("concluded_at", tzinfo=timezone.get_current_timezone())
        )
        on_time = Q(concluded_on__lte=F("due_date"))
        tasks = tasks.filter(on_time if measure == Measure.ON_TIME else ~on_time)
    elif measure == Measure.TRUE:
        tasks = tasks.filter(outcome=Outcome.CONSISTENT)
    elif measure == Measure.UNTRUE:
        tasks = tasks.filter(outcome=Outcome.INCONSISTENT)
    return cases.filter(Exists(tasks)).order_by("-id")


def month_from(raw: Any, period: Period) -> tuple[dt.date, dt.date]:
    """One month of the period (?month=2026-03), or the whole period."""
    text = str(raw or "")
    for m in period.months:
        if text == f"{m:%Y-%m}":
            return m, dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return period.start, period.end

"""Reads of circulated reports (督察情况通报, R-8.2), scoped to the actor, and the figures a
draft is written from.

The figures are the dashboard's (`selectors_dashboard.overview`: counters and one GROUP BY per
snapshot source, a fixed number of queries whatever the number of cases) for the months of the
period, plus each agency's overdue key tasks from the key-task table (R-8.3). They are captured
in the report when it is drafted, so an issued report keeps the figures it was issued with."""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from chengnuo.agencies.constants import AgencyKind
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound

from . import policies_keytasks
from . import policies_reports as policies
from . import selectors_dashboard as dashboard
from .constants_dashboard import Measure
from .constants_keytasks import TaskState
from .constants_reports import ReportStatus
from .models import Report, ReportRecipient, ReportRevision

# --- the period ------------------------------------------------------------------------------


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@dataclass(frozen=True)
class MonthSpan(dashboard.Period):
    """The months first..last (their first days), as the dashboard's period."""

    first: dt.date = dt.date(2026, 1, 1)
    last: dt.date = dt.date(2026, 1, 1)

    @property
    def months(self) -> list[dt.date]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = next_month(month)
        return out

    @property
    def label(self) -> str:
        a, b = self.first, self.last
        if a == b:
            return f"{a.year}年{a.month}月"
        if a.year == b.year and a.month == 1 and b.month == 12:
            return f"{a.year}年"
        if a.year == b.year and a.month % 3 == 1 and b.month == a.month + 2:
            return f"{a.year}年第{'一二三四'[a.month // 3]}季度"
        if a.year == b.year:
            return f"{a.year}年{a.month}月至{b.month}月"
        return f"{a.year}年{a.month}月至{b.year}年{b.month}月"


def span(start: dt.date, end: dt.date) -> MonthSpan:
    first, last = start.replace(day=1), end.replace(day=1)
    return MonthSpan("span", first.year, 0, first, last)


def period_label(start: dt.date, end: dt.date) -> str:
    return span(start, end).label


# --- the figures -----------------------------------------------------------------------------


def _row(agency: Any, f: dashboard.Figures, key_tasks: int) -> dict[str, Any]:
    return {
        "id": agency.pk if agency is not None else None,
        "name": agency.name if agency is not None else "合计",
        "short": (agency.short_name or agency.name) if agency is not None else "合计",
        "submitted": f.submitted,
        "by_commitment": f.by_commitment,
        "commitment_share": f.commitment_share,
        "concluded": f.n(Measure.CONCLUDED),
        "on_time": f.n(Measure.ON_TIME),
        "late": f.n(Measure.LATE),
        "tasks_overdue": f.tasks_overdue,
        "true": f.n(Measure.TRUE),
        "untrue": f.n(Measure.UNTRUE),
        "untrue_rate": f.untrue_rate,
        "assistance_overdue": f.assistance_overdue,
        "complaints": f.complaints,
        "complaints_answered": f.complaints_answered,
        "complaints_on_time_rate": f.complaints_on_time_rate,
        "satisfaction": f.satisfaction,
        "key_tasks_overdue": key_tasks,
    }


def key_tasks_overdue(actor: Actor) -> dict[int, int]:
    """Per agency the actor oversees, its key tasks past their deadline and not done."""
    from . import selectors_keytasks

    out: Tally[int] = Tally()
    for row in selectors_keytasks.table(actor):
        for cell in row["cells"]:
            if cell["state"] == TaskState.OVERDUE:
                out[cell["agency"].pk] += 1
    return dict(out)


def figures_for(actor: Actor, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The figures of the agencies the actor oversees (the Justice Bureaus themselves left
    out) for the months of start..end: a row per agency, the total, and the monthly trend."""
    period = span(start, end)
    ids = policies.overseen_ids(actor)
    data = dashboard.overview(ids, period)
    tasks = key_tasks_overdue(actor)
    rows, total = [], dashboard.Figures()
    for agency, f in data.agencies:
        if agency.kind == AgencyKind.JUSTICE_BUREAU:
            continue
        rows.append(_row(agency, f, tasks.get(agency.pk, 0)))
        total.add(f)
    return {
        "period": period.label,
        "agencies": rows,
        "total": _row(None, total, sum(r["key_tasks_overdue"] for r in rows)),
        "months": [f"{m:%Y-%m}" for m in data.months],
        "trend": {
            "submitted": data.trend.get(str(Measure.SUBMITTED), []),
            "by_commitment": data.trend.get(str(Measure.BY_COMMITMENT), []),
            "untrue": data.trend.get(str(Measure.UNTRUE), []),
        },
    }


# --- reports ---------------------------------------------------------------------------------


def _visible(actor: Actor) -> QuerySet[Report]:
    rows = Report.objects.all()
    if policies.is_system_admin(actor):
        return rows
    own = Q(issuer_id__in=sorted(policies.bureau_ids(actor)))
    issued = Q(status=ReportStatus.ISSUED)
    if policies_keytasks.is_city_bureau(actor):
        return rows.filter(own | issued)
    reach = policies.overseen_ids(actor) | policies.admin_ids(actor)
    addressed = Report.objects.filter(
        status=ReportStatus.ISSUED, recipients__agency_id__in=sorted(reach)
    ).values("pk")
    return rows.filter(own | Q(pk__in=addressed))


def reports(actor: Actor) -> dict[str, list[Report]]:
    """The bureau's drafts, and the published list (issued reports the actor may read) with
    their acknowledgement counts."""
    rows = (
        _visible(actor)
        .select_related("issuer")
        .annotate(
            addressed=Count("recipients", distinct=True),
            acknowledged=Count(
                "recipients", filter=Q(recipients__acknowledged_at__isnull=False), distinct=True
            ),
        )
    )
    drafts = rows.filter(status=ReportStatus.DRAFT)
    if not policies.is_system_admin(actor):
        drafts = drafts.filter(issuer_id__in=sorted(policies.bureau_ids(actor)))
    issued = rows.filter(status=ReportStatus.ISSUED).order_by("-issued_at", "-id")
    published: list[Report] = list(issued[:200])
    mine = policies.admin_ids(actor)
    if mine and published:  # an agency's own acknowledgement state, for its admin
        own: dict[int, bool] = {}
        for report_id, at in ReportRecipient.objects.filter(
            report__in=published, agency_id__in=sorted(mine)
        ).values_list("report_id", "acknowledged_at"):
            own[report_id] = own.get(report_id, True) and at is not None
        for row in published:
            row.own_acknowledged = own.get(row.pk)  # type: ignore[attr-defined]
    return {"drafts": list(drafts.order_by("-created_at", "-id")[:100]), "issued": published}


def report_for(actor: Actor, pk: int) -> Report:
    row = _visible(actor).select_related("issuer", "created_by", "issued_by").filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return row


def recipients_of(report: Report) -> list[ReportRecipient]:
    return list(
        ReportRecipient.objects.filter(report=report)
        .select_related("agency", "acknowledged_by")
        .order_by("agency__level", "agency__region", "agency__name")
    )


def revisions_of(report: Report) -> list[ReportRevision]:
    return list(
        ReportRevision.objects.filter(report=report)
        .select_related("saved_by")
        .order_by("-number")[:50]
    )

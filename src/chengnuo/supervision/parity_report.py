"""The quarterly non-discrimination report (R-4.4): per agency, inspection item and credit
stratum, the routine-inspection rate and the finding rate of those approved by commitment
against those approved by proof, with the rate ratio, its confidence interval, a test per
stratum and the Cochran–Mantel–Haenszel test across strata (`parity`). Strata where those who
committed are inspected more often (ratio above 1.25 and significant) are flagged. Routine
supervision is counted here; verification of commitments (核查) is counted apart and shown
beside it, never mixed in. The report goes to the Justice Bureau each quarter (the daily job
creates the previous quarter's reports on the first days of a quarter)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from chengnuo.accounts.actors import user_of
from chengnuo.core import spine
from chengnuo.core.actors import Actor, SystemActor
from chengnuo.core.errors import DomainError

from . import parity, rules
from .constants import FINDING_OUTCOMES, Event, Route, TaskStatus
from .models import InspectionItem, InspectionTask, ParityReport, SubjectEntry

QUARTER = re.compile(r"\A(20\d\d)Q([1-4])\Z")


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    match = QUARTER.match(quarter or "")
    if not match:
        raise DomainError("invalid_period", "季度格式应为“2026Q3”", field="quarter")
    year, q = int(match.group(1)), int(match.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1)
    return start, end


def compute(agency_id: int, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The report's rows and summary: one aggregate query per item over the directory and
    one over the tasks (nothing per subject)."""
    items = list(
        InspectionItem.objects.filter(agency_id=agency_id)
        .prefetch_related("matters")
        .order_by("code")
    )
    rows: list[dict[str, Any]] = []
    tests: dict[str, Any] = {}
    for item in items:
        totals: dict[tuple[str, str], int] = {}
        for cls, route, n in (
            SubjectEntry.objects.filter(matter__in=item.matters.all(), since__lte=end)
            .values_list("credit_class", "route")
            .annotate(n=Count("id"))
            .order_by()
        ):
            totals[(cls, route)] = totals.get((cls, route), 0) + n
        inspected: dict[tuple[str, str], tuple[int, int]] = {}
        for cls, route, n, found in (
            InspectionTask.objects.filter(
                items=item, created_at__date__gte=start, created_at__date__lte=end
            )
            .exclude(status=TaskStatus.CANCELLED)
            .values_list("entry__credit_class", "entry__route")
            .annotate(n=Count("id"), found=Count("id", filter=Q(outcome__in=FINDING_OUTCOMES)))
            .order_by()
        ):
            inspected[(cls, route)] = (n, found)
        strata = []
        finding_strata = []
        for cls in rules.CLASSES:
            n1 = totals.get((cls, Route.COMMITMENT), 0)
            n0 = totals.get((cls, Route.PROOF), 0)
            if not (n1 or n0):
                continue
            a, fa = inspected.get((cls, Route.COMMITMENT), (0, 0))
            c, fc = inspected.get((cls, Route.PROOF), (0, 0))
            a, c = min(a, n1), min(c, n0)
            strata.append(parity.Stratum(f"{cls}类 · {item.name}", a, n1, c, n0))
            finding_strata.append(
                parity.Stratum(f"{cls}类 · {item.name}", min(fa, a), a, min(fc, c), c)
            )
        if not strata:
            continue
        compared, summary = parity.parity_table(strata)
        found_rows, found_summary = parity.parity_table(finding_strata, measure="问题发现率")
        for s, r, f in zip(strata, compared, found_rows, strict=True):
            rows.append(
                {
                    "item": item.code,
                    "item_name": item.name,
                    "stratum": r.key,
                    "commit": {"inspected": s.a, "total": s.n1},
                    "proof": {"inspected": s.c, "total": s.n0},
                    "inspection": asdict(r),
                    "finding": asdict(f),
                }
            )
        tests[item.code] = {
            "item_name": item.name,
            "inspection": asdict(summary),
            "finding": asdict(found_summary),
        }
    from chengnuo.verification.models import VerificationTask

    verified = VerificationTask.objects.filter(
        agency_id=agency_id, created_at__date__gte=start, created_at__date__lte=end
    ).count()
    return {
        "rows": rows,
        "summary": {"tests": tests, "verification_tasks": verified},
        "flagged": sum(1 for r in rows if r["inspection"]["flagged"]),
    }


def report_create(*, actor: Actor, agency: Any, quarter: str) -> ParityReport:
    """Compute and keep the agency's report of a quarter (once; a second call returns it)."""
    start, end = quarter_bounds(quarter)
    existing = ParityReport.objects.filter(agency=agency, quarter=quarter).first()
    if existing is not None:
        return existing
    data = compute(agency.pk, start, end)
    try:
        with transaction.atomic():
            report = ParityReport.objects.create(
                agency=agency,
                quarter=quarter,
                period_start=start,
                period_end=end,
                rows=data["rows"],
                summary=data["summary"],
                flagged=data["flagged"],
                created_by=user_of(actor),
            )
            spine.record(
                actor,
                Event.PARITY_REPORTED,
                report,
                None,
                {"quarter": quarter, "flagged": report.flagged, "rows": len(report.rows)},
                agency=agency,
                message=f"{quarter}非歧视性监管分析报送市司法局："
                + (
                    f"{report.flagged}个分层承诺组检查率明显偏高"
                    if report.flagged
                    else "未发现偏高分层"
                ),
            )
    except IntegrityError:
        return ParityReport.objects.get(agency=agency, quarter=quarter)
    return report


def quarterly(today: dt.date | None = None) -> int:
    """The previous quarter's report of every agency with an item list (idempotent)."""
    today = today or timezone.localdate()
    previous = quarter_of(
        dt.date(today.year, ((today.month - 1) // 3) * 3 + 1, 1) - dt.timedelta(days=1)
    )
    from chengnuo.agencies.models import Agency

    made = 0
    for agency in Agency.objects.filter(inspection_items__isnull=False).distinct().order_by("pk"):
        if not ParityReport.objects.filter(agency=agency, quarter=previous).exists():
            report_create(
                actor=SystemActor("非歧视性监管分析（季度）"), agency=agency, quarter=previous
            )
            made += 1
    return made


def chart(report: ParityReport) -> str:
    rows = [parity.RateComparison(**r["inspection"]) for r in report.rows]
    return parity.ratio_chart_svg(
        rows, title=f"{report.agency.name} {report.quarter} 检查率比（承诺组/证明组）"
    )

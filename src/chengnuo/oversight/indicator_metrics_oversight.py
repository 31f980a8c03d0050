"""The evaluation's metrics from the Justice Bureau's own findings (R-8.2 fed by R-8.1): portal
checks, case-file review and rectification notices. Registered by `wiring.connect_indicators`
beside the built-in ones; `end` is exclusive, as for every metric."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, F, Q

from .constants_indicators import EVIDENCE_LIMIT
from .indicator_metrics import MetricValue, register_metric


def portal_findings(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    """Problems the portal checks found open at some day of the period (each finding once,
    however many days it lasted)."""
    from .models import PortalFinding

    rows = PortalFinding.objects.filter(agency_id=agency_id, first_seen__lt=end).filter(
        Q(resolved_on__isnull=True) | Q(resolved_on__gte=start)
    )
    n = rows.count()
    got = list(rows.order_by("first_seen", "id")[:EVIDENCE_LIMIT])
    evidence = [
        ("portal_finding", f.agency_id, f"{f.first_seen:%Y-%m-%d} {f.get_kind_display()}"
         + (f"（{f.item_code}）" if f.item_code else ""))
        for f in got
    ]  # fmt: skip
    return MetricValue(float(n), n, None, evidence, n)


def case_review(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    """The mean score of the agency's case files reviewed in the period, out of 100 (the
    current score of each file; a corrected one counts as corrected)."""
    from .constants_casereview import Grade
    from .models import CaseFileScore

    rows = CaseFileScore.objects.filter(
        review__agency_id=agency_id, current=True, scored_at__date__gte=start,
        scored_at__date__lt=end,
    )  # fmt: skip
    agg = rows.aggregate(n=Count("id"), mean=Avg("total"))
    n = agg["n"] or 0
    if not n:
        return MetricValue(None, 0, 0)
    below = list(
        rows.exclude(grade=Grade.EXCELLENT)
        .order_by("total", "id")
        .values_list("review_id", "case__number", "total", "grade")[:EVIDENCE_LIMIT]
    )
    evidence = [
        ("case_review", review, f"{number}：{total}分（{Grade(grade).label}）")
        for review, number, total, grade in below
    ]
    mean = float(agg["mean"] or 0)
    return MetricValue(mean / 100, mean, 100, evidence, len(below))


def rectification_on_time(agency_id: int, start: dt.date, end: dt.date) -> MetricValue:
    """Rectification notices due in the period that were closed by their deadline."""
    from .constants_rectification import Status
    from .models import Rectification

    rows = Rectification.objects.filter(agency_id=agency_id, deadline__gte=start, deadline__lt=end)
    agg = rows.aggregate(
        n=Count("id"),
        kept=Count("id", filter=Q(status=Status.CLOSED, answered_at__date__lte=F("deadline"))),
    )
    n = agg["n"] or 0
    if not n:
        return MetricValue(None, 0, 0)
    late = list(
        rows.exclude(status=Status.CLOSED, answered_at__date__lte=F("deadline"))
        .order_by("deadline", "id")
        .values_list("pk", "number", "title")[:EVIDENCE_LIMIT]
    )
    evidence = [("rectification", pk, f"{number} {title}") for pk, number, title in late]
    return MetricValue(agg["kept"] / n, agg["kept"], n, evidence, n - agg["kept"])


def register() -> None:
    register_metric(
        "portal_findings", "门户网站检查发现的问题", portal_findings, unit="count",
        evidence_label="检查发现的问题",
    )  # fmt: skip
    register_metric(
        "case_review", "案卷评查平均得分率", case_review, unit="ratio",
        evidence_label="未评为优秀的案卷",
    )  # fmt: skip
    register_metric(
        "rectification_on_time", "整改通知按期整改率", rectification_on_time, unit="ratio",
        evidence_label="未按期整改的通知",
    )  # fmt: skip

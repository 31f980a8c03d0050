"""/oversight/: the rollout at a glance for the Justice Bureau (R-8.1) — the overview per agency
and county, an agency's figures by month, and the cases behind a figure. Thin views over
`selectors_dashboard`; the charts are drawn by a local script from a JSON data block."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from chengnuo.agencies.constants import Region
from chengnuo.agencies.models import Agency
from chengnuo.core.errors import NotFound
from chengnuo.core.web import staff_view

from . import policies_dashboard as policies
from . import selectors_dashboard as selectors
from .constants_dashboard import CASES_PAGE, PERIODS, Measure

ECHARTS = "oversight/vendor/echarts.min.js"


@cache
def charts_available() -> bool:
    """Whether the vendored ECharts file is there (`make setup` brings it)."""
    return bool(finders.find(ECHARTS))


def _region(request: HttpRequest) -> str:
    raw = request.GET.get("region", "")
    return raw if raw in Region.values else ""


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return max(1, min(int(raw), 10_000)) if raw.isdigit() and len(raw) < 6 else 1


def _filters(request: HttpRequest, period: selectors.Period) -> dict[str, Any]:
    return {
        "period": period,
        "periods": PERIODS,
        "years": selectors.years(),
        "quarters": range(1, 5),
        "month_numbers": range(1, 13),
        "measures": Measure,
        "domains": selectors.domain_labels(),
        "charts": charts_available(),
        "echarts": ECHARTS,
    }


@staff_view
def overview(request: HttpRequest) -> HttpResponse:
    ids = policies.require_overseer(request.user)
    period = selectors.period_from(request.GET)
    region = _region(request)
    data = selectors.overview(ids, period, region=region)
    regions_in_scope = sorted({a.region for a, _f in data.agencies}) if not region else [region]
    chart = {
        "agencies": [a.short_name or a.name for a, _f in data.agencies],
        "bars": {
            "submitted": [f.submitted for _a, f in data.agencies],
            "by_commitment": [f.by_commitment for _a, f in data.agencies],
        },
        "months": [f"{m:%Y-%m}" for m in data.months],
        "trend": data.trend,
        "labels": {
            "submitted": _("提交办件"),
            "by_commitment": _("告知承诺办件"),
            **{k: str(Measure(k).label) for k in data.trend},
        },
    }
    return render(
        request,
        "oversight/dashboard.html",
        {
            **_filters(request, period),
            "data": data,
            "region": region,
            "region_choices": [
                (c, label)
                for c, label in Region.choices
                if ids is None or c in regions_in_scope or c == region
            ],
            "chart": chart,
        },
    )


def _agency(request: HttpRequest, pk: int) -> Agency:
    policies.require_agency(request.user, pk)
    found = Agency.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


@staff_view
def agency(request: HttpRequest, pk: int) -> HttpResponse:
    a = _agency(request, pk)
    period = selectors.period_from(request.GET)
    data = selectors.agency_months(a, period)
    chart = {
        "agencies": [],
        "bars": {},
        "months": [f"{m:%Y-%m}" for m, _f in data.months],
        "trend": {
            str(k): [f.n(k) for _m, f in data.months]
            for k in (Measure.SUBMITTED, Measure.BY_COMMITMENT, Measure.WITHDRAWN)
        },
        "labels": {
            str(k): str(Measure(k).label)
            for k in (Measure.SUBMITTED, Measure.BY_COMMITMENT, Measure.WITHDRAWN)
        },
    }
    return render(
        request,
        "oversight/dashboard_agency.html",
        {**_filters(request, period), "data": data, "agency": a, "chart": chart},
    )


@staff_view
def cases(request: HttpRequest, pk: int) -> HttpResponse:
    a = _agency(request, pk)
    period = selectors.period_from(request.GET)
    raw = request.GET.get("measure", "")
    measure = Measure(raw) if raw in Measure.values else Measure.SUBMITTED
    start, end = selectors.month_from(request.GET.get("month"), period)
    page = _page(request)
    rows = selectors.cases_behind(a.pk, measure, start, end)
    shown = list(rows[(page - 1) * CASES_PAGE : page * CASES_PAGE + 1])
    month = request.GET.get("month", "") if start != period.start or end != period.end else ""
    return render(
        request,
        "oversight/dashboard_cases.html",
        {
            **_filters(request, period),
            "agency": a,
            "measure": measure,
            "month": month,
            "cases": shown[:CASES_PAGE],
            "more": len(shown) > CASES_PAGE,
            "page": page,
            "start": start,
            "end": end,
        },
    )

"""The rollout at a glance for the Justice Bureau (R-8.1): counters kept by the flows' events,
equal to the ones rebuilt from the source tables; the overview per agency and county, the
agency's months and the cases behind a figure; a county bureau sees its region only; a fixed
number of queries per page; the charts from the vendored ECharts, the tables without it."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.cases import services as case_services
from chengnuo.core.errors import DomainError
from chengnuo.oversight import statistics, views_dashboard
from chengnuo.oversight.constants_dashboard import Measure
from chengnuo.oversight.models import Counter, CounterDelta

from .cases_helpers import build_world, ready_case
from .factories import AgencyFactory, user_with_role
from .oversight_helpers import OW, REASON, build, counters_of, flows

pytestmark = pytest.mark.django_db

M = Measure


@pytest.fixture
def ow(settings) -> OW:
    return flows(build(settings))


def period() -> str:
    return f"period=year&year={timezone.localdate().year}"


def period_html() -> str:
    return period().replace("&", "&amp;")


# --- the counters ------------------------------------------------------------------------------


def test_each_flow_moves_its_counters(ow):
    a = counters_of(ow.w.agency.pk)
    assert a[M.SUBMITTED] == 4
    assert a[M.BY_COMMITMENT] == 3 and a[M.BY_PROOF] == 1
    assert a[M.APPROVED] == 1 and a[M.CLOSED] == 1
    assert a[M.WITHDRAWN] == 3  # one after submission, two before the proof-only case
    assert a[M.CONCLUDED] == 2 and a[M.ON_TIME] == 2 and M.LATE not in a
    assert a[M.TRUE] == 1 and a[M.UNTRUE] == 1
    assert counters_of(ow.b.agency.pk) == {M.SUBMITTED: 1, M.BY_COMMITMENT: 1, M.APPROVED: 1}


def test_a_refused_flow_counts_nothing(ow):
    before = CounterDelta.objects.count()
    case = ow.cases["approved"]
    with pytest.raises(DomainError):
        case_services.case_decide(actor=ow.w.officer, case=case, decision="approve")
    assert CounterDelta.objects.count() == before


def test_a_late_verification_is_counted_late(settings):
    from chengnuo.verification.constants import Outcome
    from chengnuo.verification.models import VerificationTask

    from .oversight_helpers import conclude

    ow = build(settings)
    case = case_services.case_decide(actor=ow.w.officer, case=ready_case(ow.w), decision="approve")
    task = VerificationTask.objects.filter(commitment__case=case).first()
    VerificationTask.objects.filter(pk=task.pk).update(
        due_date=timezone.localdate() - timezone.timedelta(days=3)
    )
    conclude(VerificationTask.objects.get(pk=task.pk), Outcome.CONSISTENT)
    a = counters_of(ow.w.agency.pk)
    assert a[M.LATE] == 1 and M.ON_TIME not in a
    assert statistics.differences() == []


def test_the_incremental_counters_equal_the_rebuilt_ones(ow):
    kept = statistics.current()
    assert kept and statistics.differences() == []
    assert statistics.rebuilt() == kept
    assert statistics.fold() > 0
    assert CounterDelta.objects.count() == 0
    assert statistics.current() == kept
    # an extra flow after the fold: totals + deltas still match the source tables
    case_services.case_decide(
        actor=ow.w.officer, case=ow.cases["withdrawn"], decision="reject", reason=REASON
    )
    assert statistics.differences() == []
    out = StringIO()
    call_command("oversight_rebuild", "--check", stdout=out)
    assert "match" in out.getvalue()


def test_a_wrong_counter_is_found_and_rebuilt(ow):
    statistics.fold()
    row = Counter.objects.filter(agency=ow.w.agency, measure=M.SUBMITTED).first()
    Counter.objects.filter(pk=row.pk).update(count=row.count + 5)
    Counter.objects.filter(measure=M.UNTRUE).delete()
    with pytest.raises(CommandError):
        call_command("oversight_rebuild", "--check", stdout=StringIO())
    call_command("oversight_rebuild", stdout=StringIO())
    assert statistics.differences() == []
    assert counters_of(ow.w.agency.pk)[M.SUBMITTED] == 4
    assert counters_of(ow.w.agency.pk)[M.UNTRUE] == 1


def test_the_daily_fold_is_a_scheduled_job():
    from chengnuo.core import schedule

    assert {j.key: j.command for j in schedule.jobs()}["oversight.fold"] == "oversight_fold"
    call_command("oversight_fold", stdout=StringIO())


# --- the pages ---------------------------------------------------------------------------------


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_overview_shows_every_agency_of_the_city(client, ow):
    client.force_login(ow.city_reviewer)
    text = _text(client.get(reverse("oversight:dashboard") + "?" + period()))
    assert ow.w.agency.name in text and ow.b.agency.name in text
    assert "颍州区" in text and "太和县" in text
    cases_url = reverse("oversight:dashboard_cases", args=[ow.w.agency.pk])
    assert f'{cases_url}?measure=submitted&amp;{period_html()}">4</a>' in text
    assert "（75.0%）" in text  # three of four by commitment
    assert "（50.0%）" in text  # one untrue of two verified


def test_a_county_bureau_sees_its_region_only(client, ow):
    client.force_login(ow.county_reviewer)
    text = _text(client.get(reverse("oversight:dashboard")))
    assert ow.w.agency.name in text and ow.b.agency.name not in text
    own = client.get(reverse("oversight:dashboard_agency", args=[ow.w.agency.pk]))
    assert own.status_code == 200
    for name in ("oversight:dashboard_agency", "oversight:dashboard_cases"):
        assert client.get(reverse(name, args=[ow.b.agency.pk])).status_code == 404
    client.force_login(ow.b_reviewer)
    text = _text(client.get(reverse("oversight:dashboard")))
    assert ow.b.agency.name in text and ow.w.agency.name not in text


@pytest.mark.parametrize("role", [Role.CASE_OFFICER, Role.AGENCY_ADMIN, Role.AUDITOR])
def test_other_roles_are_refused(client, ow, role):
    client.force_login(user_with_role(role, ow.w.agency, username=f"x-{role}"))
    assert client.get(reverse("oversight:dashboard")).status_code == 403
    url = reverse("oversight:dashboard_agency", args=[ow.w.agency.pk])
    assert client.get(url).status_code == 403
    # a reviewer's role held in an ordinary agency is no Justice Bureau
    client.force_login(user_with_role(Role.JUSTICE_REVIEWER, ow.w.agency, username="x-jr"))
    assert client.get(reverse("oversight:dashboard")).status_code == 403


def test_the_agency_page_shows_its_months_and_links_to_the_cases(client, ow):
    client.force_login(ow.county_reviewer)
    url = reverse("oversight:dashboard_agency", args=[ow.w.agency.pk]) + "?" + period()
    text = _text(client.get(url))
    month = f"{timezone.localdate():%Y-%m}"
    cases_url = reverse("oversight:dashboard_cases", args=[ow.w.agency.pk])
    assert f"{cases_url}?month={month}&amp;measure=untrue&amp;{period_html()}" in text


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        (M.SUBMITTED, {"approved", "rejected", "withdrawn", "proof"}),
        (M.BY_COMMITMENT, {"approved", "rejected", "withdrawn"}),
        (M.BY_PROOF, {"proof"}),
        (M.APPROVED, {"approved"}),
        (M.CLOSED, {"rejected"}),
        (M.WITHDRAWN, {"withdrawn", "proof"}),
        (M.UNTRUE, {"approved"}),
        (M.LATE, set()),
    ],
)
def test_the_cases_behind_a_figure(client, ow, measure, expected):
    client.force_login(ow.county_reviewer)
    url = reverse("oversight:dashboard_cases", args=[ow.w.agency.pk])
    text = _text(client.get(f"{url}?measure={measure}&{period()}"))
    shown = set(re.findall(r"<a href=\"/cases/([^/]+)/\">", text))
    assert shown == {ow.cases[k].number for k in expected}
    for number in shown:  # the Justice Bureau reads the cases it is shown
        assert client.get(reverse("cases:detail", args=[number])).status_code == 200


def test_the_period_filter_narrows_the_months(client, ow):
    client.force_login(ow.city_reviewer)
    today = timezone.localdate()
    other = today.month % 12 + 1
    url = reverse("oversight:dashboard") + f"?period=month&year={today.year}&n={other}"
    text = _text(client.get(url))
    cases_url = reverse("oversight:dashboard_cases", args=[ow.w.agency.pk])
    assert f"{cases_url}?measure=submitted&amp;period=month&amp;year={today.year}" in text
    assert f'&amp;n={other}">0</a>' in text


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_pages_cost_a_fixed_number_of_queries(client, settings):
    ow = flows(build(settings))
    client.force_login(ow.city_reviewer)
    pages = [
        reverse("oversight:dashboard"),
        reverse("oversight:dashboard_agency", args=[ow.w.agency.pk]),
        reverse("oversight:dashboard_cases", args=[ow.w.agency.pk]) + "?measure=submitted",
    ]
    before = [_queries(client, p) for p in pages]
    for n in range(3):  # more agencies, more cases
        more = build_world(AgencyFactory(name=f"阜阳市第{n}局"), prefix=f"X{n}")
        case_services.case_decide(actor=more.officer, case=ready_case(more), decision="approve")
    flows(ow)
    assert [_queries(client, p) for p in pages] == before
    assert max(before) <= 25


def test_the_charts_read_the_figures_from_a_data_block(client, ow, monkeypatch):
    client.force_login(ow.city_reviewer)
    monkeypatch.setattr(views_dashboard, "charts_available", lambda: True)
    text = _text(client.get(reverse("oversight:dashboard") + "?" + period()))
    assert "oversight/vendor/echarts.min.js" in text and "oversight/dashboard.js" in text
    block = re.search(
        r'<script id="oversight-chart-data" type="application/json">(.*?)</script>', text
    )
    data = json.loads(block.group(1))
    by_name = dict(zip(data["agencies"], data["bars"]["submitted"], strict=True))
    assert by_name[ow.w.agency.name] == 4 and by_name[ow.b.agency.name] == 1
    assert sum(data["trend"][M.SUBMITTED]) == 5


def test_without_the_charts_file_the_tables_still_show_everything(client, ow, monkeypatch):
    client.force_login(ow.city_reviewer)
    monkeypatch.setattr(views_dashboard, "charts_available", lambda: False)
    text = _text(client.get(reverse("oversight:dashboard")))
    assert 'id="charts-missing"' in text and "echarts" not in text
    assert ow.w.agency.name in text


def test_the_justice_reviewer_finds_the_overview_on_the_workbench(client, ow):
    client.force_login(ow.county_reviewer)
    text = _text(client.get(reverse("portal:workbench")))
    link = f'href="{reverse("oversight:dashboard")}"'
    assert link in text
    client.force_login(user_with_role(Role.JUSTICE_REVIEWER, ow.w.agency, username="x-jr2"))
    assert link not in _text(client.get(reverse("portal:workbench")))

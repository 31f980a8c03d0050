"""Evaluation indicators (R-8.2: inspection results feed the rule-of-law government evaluation,
法治政府建设考评, and the year-end performance targets, 年底效能目标考核): an indicator tree kept
as data with weights; each leaf computed from the platform's data for a period, with its
evidence; scores per agency; manual adjustment only with a reason (an event); XLSX export.

And the ways around it: a placeholder reason, points beyond the leaf's weight, a second
compute after finalisation, a scheme in force edited in place, a county bureau reaching
another county's agency, an agency admin of B reading A's scores, a leaf whose metric
nobody registered."""

from __future__ import annotations

import calendar
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chengnuo.agencies.constants import Level, Region, Role
from chengnuo.audit.models import AuditEvent
from chengnuo.cases.models import Case
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.oversight import indicator_metrics as metrics
from chengnuo.oversight import selectors_indicators as selectors
from chengnuo.oversight import services_indicators as services
from chengnuo.oversight import statistics
from chengnuo.oversight.constants_indicators import Event, SchemeStatus
from chengnuo.oversight.indicator_rules import points_for, rule_problem
from chengnuo.oversight.indicator_schemes import SCHEMES, load_schemes
from chengnuo.oversight.models import (
    Evaluation,
    Indicator,
    IndicatorScheme,
    Score,
    ScoreAdjustment,
)

from .factories import AgencyFactory, user_with_role
from .oversight_helpers import OW, build, flows

REASON = "经现场核实，该单位已按要求整改到位，酌情调整得分"


def _month() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


@pytest.fixture
def ow(settings, db) -> OW:
    world = flows(build(settings))
    load_schemes(year=timezone.localdate().year)
    return world


def _scheme(code: str = "rule_of_law") -> IndicatorScheme:
    return IndicatorScheme.objects.get(code=code, status=SchemeStatus.IN_FORCE)


def _start(actor, code: str = "rule_of_law") -> Evaluation:
    start, end = _month()
    return services.evaluation_start(
        actor=actor, scheme=_scheme(code), title="本月告知承诺制考评", start=start, end=end
    )


def _score(evaluation: Evaluation, agency, metric: str) -> Score:
    return Score.objects.get(evaluation=evaluation, agency=agency, indicator__metric=metric)


# --- the schemes as data ---------------------------------------------------------------------


def test_the_default_schemes_weights_sum_as_declared(db):
    made = load_schemes(year=2026)
    assert {s.name for s in made} == {
        "法治政府建设考评（告知承诺制部分）",
        "年底效能目标考核（告知承诺制部分）",
    }
    for scheme in made:
        groups = Indicator.objects.filter(scheme=scheme, parent__isnull=True)
        assert sum(g.weight for g in groups) == scheme.total == Decimal(100)
        for g in groups:
            assert sum(c.weight for c in g.children.all()) == g.weight
        assert groups.count() >= 3 and Indicator.objects.filter(scheme=scheme).count() >= 11
        assert services.weight_problems(scheme) == []
    assert load_schemes(year=2026) == []  # once


def test_every_leaf_of_the_default_trees_has_its_metric_registered(db):
    metrics_named = {leaf[1] for _c, _n, _d, groups in SCHEMES for g in groups for leaf in g[2]}
    # the Justice Bureau's own findings feed the evaluation too (R-8.2 from)
    assert {"portal_findings", "case_review", "rectification_on_time"} <= metrics_named
    assert metrics_named <= set(metrics.registered())
    for _c, _n, _d, groups in SCHEMES:
        for g in groups:
            for leaf in g[2]:
                assert rule_problem(leaf[3]) is None, leaf[0]


# --- the rule kinds: boundaries (pure) -----------------------------------------------------


RATIO = {"kind": "ratio_linear", "full_at": 1.0, "zero_at": 0.8}
LOW = {"kind": "ratio_linear", "full_at": 0.05, "zero_at": 0.3}


@pytest.mark.parametrize(
    ("rule", "value", "points"),
    [
        (RATIO, 1.0, "10.00"),
        (RATIO, 1.2, "10.00"),
        (RATIO, 0.9, "5.00"),
        (RATIO, 0.8, "0.00"),
        (RATIO, 0.5, "0.00"),
        (RATIO, None, "10.00"),  # nothing to count: no deduction
        ({**RATIO, "if_empty": "zero"}, None, "0.00"),
        (LOW, 0.05, "10.00"),
        (LOW, 0.0, "10.00"),
        (LOW, 0.175, "5.00"),
        (LOW, 0.3, "0.00"),
        (LOW, 0.9, "0.00"),
    ],
)
def test_ratio_linear_gives_full_points_at_full_none_at_zero_linear_between(rule, value, points):
    assert points_for(rule, Decimal(10), value) == Decimal(points)


@pytest.mark.parametrize(
    ("value", "points"),
    [(0, "5.00"), (0.5, "5.00"), (1, "4.50"), (3, "3.50"), (9.99, "0.50"), (10, "0.00"),
     (400, "0.00"), (None, "5.00")],
)  # fmt: skip
def test_deduct_per_takes_points_per_count_never_below_zero(value, points):
    rule = {"kind": "deduct_per", "per": 1, "points": 0.5}
    assert points_for(rule, Decimal(5), value) == Decimal(points)


def test_deduct_per_counts_whole_steps_of_per():
    rule = {"kind": "deduct_per", "per": 2, "points": 1}
    assert [points_for(rule, Decimal(5), v) for v in (1, 2, 3, 4)] == [
        Decimal("5.00"), Decimal("4.00"), Decimal("4.00"), Decimal("3.00")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "value", "points"),
    [
        ({"kind": "count_at_least", "count": 2}, 2, "8.00"),
        ({"kind": "count_at_least", "count": 2}, 5, "8.00"),
        ({"kind": "count_at_least", "count": 2}, 1, "0.00"),
        ({"kind": "count_at_least", "count": 2}, None, "0.00"),
        ({"kind": "count_at_least", "count": 2, "partial": True}, 1, "4.00"),
        ({"kind": "count_at_least", "count": 2, "partial": True}, 0, "0.00"),
    ],
)
def test_count_at_least_gives_full_points_from_the_count(rule, value, points):
    assert points_for(rule, Decimal(8), value) == Decimal(points)


@pytest.mark.parametrize(
    "rule",
    [
        {},
        {"kind": "guess"},
        {"kind": "ratio_linear", "full_at": 1.0, "zero_at": 1.0},
        {"kind": "ratio_linear", "full_at": "1", "zero_at": 0.8},
        {"kind": "deduct_per", "per": 0, "points": 1},
        {"kind": "deduct_per", "per": 1, "points": -1},
        {"kind": "count_at_least", "count": True},
        {"kind": "ratio_linear", "full_at": float("nan"), "zero_at": 0.8},
    ],
)
def test_an_invalid_rule_is_named_and_scores_nothing(rule):
    assert rule_problem(rule)
    assert points_for(rule, Decimal(10), 1.0) == Decimal("0.00")


# --- computing from the platform's data ----------------------------------------------------


def test_a_leaf_with_an_unregistered_metric_has_no_data_and_scores_nothing(ow, client, monkeypatch):
    monkeypatch.delitem(metrics._REGISTRY, "case_review")
    evaluation = _start(ow.city_reviewer)
    score = _score(evaluation, ow.w.agency, "case_review")
    assert not score.has_data and score.points == 0 and score.evidence == []
    client.force_login(ow.city_reviewer)
    page = client.get(reverse("oversight:indicator_agency", args=[evaluation.pk, ow.w.agency.pk]))
    assert page.status_code == 200 and "暂无数据" in page.content.decode()


def test_a_metric_registered_later_is_used_by_the_next_compute(ow, monkeypatch):
    monkeypatch.delitem(metrics._REGISTRY, "case_review")
    evaluation = _start(ow.city_reviewer)
    assert not _score(evaluation, ow.w.agency, "case_review").has_data
    fixed = metrics.Metric(
        "case_review", "案卷评查得分率", lambda a, s, e: metrics.MetricValue(0.9, 9, 10)
    )
    monkeypatch.setitem(metrics._REGISTRY, "case_review", fixed)
    services.evaluation_compute(actor=ow.city_reviewer, evaluation=evaluation)
    score = _score(evaluation, ow.w.agency, "case_review")
    assert score.has_data and score.points == score.indicator.weight


def test_commitment_share_counts_the_period_only_and_names_its_cases(ow):
    a = ow.w.agency
    start, _end = _month()
    evaluation = _start(ow.city_reviewer, "performance")
    score = _score(evaluation, a, "commitment_share")
    # A: approved, rejected and withdrawn-in-part by commitment, one by proof
    assert (score.numerator, score.denominator) == (3, 4)
    named = {e[2] for e in score.evidence}
    assert ow.cases["rejected"].number in named and ow.cases["proof"].number not in named
    # the rejected case moves to a month before the period: no longer counted
    earlier = start - dt.timedelta(days=40)
    Case.objects.filter(pk=ow.cases["rejected"].pk).update(
        submitted_at=timezone.make_aware(dt.datetime.combine(earlier, dt.time(10)))
    )
    statistics.rebuild()
    services.evaluation_compute(actor=ow.city_reviewer, evaluation=evaluation)
    score = _score(evaluation, a, "commitment_share")
    assert (score.numerator, score.denominator) == (2, 3)
    assert ow.cases["rejected"].number not in {e[2] for e in score.evidence}
    assert _score(evaluation, ow.b.agency, "commitment_share").denominator == 1


def test_an_untrue_finding_not_handled_is_the_evidence_of_its_leaf(ow):
    evaluation = _start(ow.city_reviewer)
    score = _score(evaluation, ow.w.agency, "untrue_handled")
    assert (score.numerator, score.denominator) == (0, 1) and score.points == 0
    assert score.evidence == [["case", ow.cases["approved"].pk, ow.cases["approved"].number]]
    # B found nothing untrue: nothing to deduct
    b = _score(evaluation, ow.b.agency, "untrue_handled")
    assert b.value is None and b.points == b.indicator.weight


def test_the_agency_page_links_the_evidence_to_the_case(ow, client):
    evaluation = _start(ow.city_reviewer)
    client.force_login(ow.city_reviewer)
    page = client.get(
        reverse("oversight:indicator_agency", args=[evaluation.pk, ow.w.agency.pk])
    ).content.decode()
    assert reverse("cases:detail", args=[ow.cases["approved"].number]) in page
    assert "未依法处置或未记入信用的办件" in page


def test_a_city_evaluation_scores_every_ordinary_agency_and_no_justice_bureau(ow):
    evaluation = _start(ow.city_reviewer)
    agencies = set(Score.objects.filter(evaluation=evaluation).values_list("agency_id", flat=True))
    assert {ow.w.agency.pk, ow.b.agency.pk} <= agencies
    assert all(a.kind == "ordinary" for a in type(ow.w.agency).objects.filter(pk__in=agencies))
    county = _start(ow.county_reviewer)
    got = set(Score.objects.filter(evaluation=county).values_list("agency_id", flat=True))
    assert ow.w.agency.pk in got and ow.b.agency.pk not in got


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2026, 3, 2), dt.date(2026, 3, 31)),  # not the first of a month
        (dt.date(2026, 3, 1), dt.date(2026, 3, 30)),  # not the last day of a month
        (dt.date(2026, 4, 1), dt.date(2026, 3, 31)),  # ends before it starts
        (dt.date(2026, 1, 1), dt.date(2027, 1, 31)),  # more than twelve months
        (None, dt.date(2026, 3, 31)),
    ],
)
def test_an_evaluation_period_is_whole_months(ow, start, end):
    with pytest.raises(DomainError) as exc:
        services.evaluation_start(
            actor=ow.city_reviewer, scheme=_scheme(), title="考评期间有误", start=start, end=end
        )
    assert exc.value.details[0]["code"] == "invalid_period"
    assert not Evaluation.objects.exists()


def test_only_a_justice_bureau_reviewer_evaluates(ow):
    with pytest.raises(PermissionDenied):
        _start(ow.w.admin)
    assert not Evaluation.objects.exists()


# --- manual adjustment -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "required"), ("   ", "required"), ("无", "placeholder"), ("略", "placeholder"),
     ("详见附件", "placeholder"), ("酌情调整", "too_short")],
)  # fmt: skip
def test_an_adjustment_without_a_real_reason_is_refused(ow, reason, code):
    evaluation = _start(ow.city_reviewer)
    score = _score(evaluation, ow.w.agency, "untrue_handled")
    with pytest.raises(DomainError) as exc:
        services.score_adjust(actor=ow.city_reviewer, score=score, points="6", reason=reason)
    assert code in {d["code"] for d in exc.value.details}
    score.refresh_from_db()
    assert score.adjusted_points is None and not ScoreAdjustment.objects.exists()
    assert not AuditEvent.objects.filter(event=Event.SCORE_ADJUSTED).exists()


@pytest.mark.parametrize("points", ["12.01", "100", "-1", "abc", "", "NaN", "Infinity"])
def test_an_adjustment_beyond_the_leafs_weight_or_below_zero_is_refused(ow, points):
    evaluation = _start(ow.city_reviewer)
    score = _score(evaluation, ow.w.agency, "untrue_handled")  # worth 12 points
    with pytest.raises(DomainError) as exc:
        services.score_adjust(actor=ow.city_reviewer, score=score, points=points, reason=REASON)
    assert exc.value.details[0]["field"] == "points"
    score.refresh_from_db()
    assert score.adjusted_points is None


def test_an_adjustment_is_an_event_with_before_and_after(ow):
    evaluation = _start(ow.city_reviewer)
    score = _score(evaluation, ow.w.agency, "untrue_handled")
    services.score_adjust(actor=ow.city_reviewer, score=score, points="12", reason=REASON)
    score.refresh_from_db()
    assert score.adjusted_points == Decimal(12) and score.final_points == Decimal(12)
    event = AuditEvent.objects.get(event=Event.SCORE_ADJUSTED)
    assert event.before["adjusted_points"] is None and Decimal(event.before["points"]) == 0
    assert Decimal(event.after["adjusted_points"]) == 12 and event.after["reason"] == REASON
    assert event.agency_id == ow.w.agency.pk
    history = ScoreAdjustment.objects.get(score=score)
    assert (history.before, history.after, history.reason) == (Decimal(0), Decimal(12), REASON)


def test_a_recompute_keeps_an_adjustment_while_the_computed_points_stand(ow):
    evaluation = _start(ow.city_reviewer)
    score = _score(evaluation, ow.w.agency, "untrue_handled")
    services.score_adjust(actor=ow.city_reviewer, score=score, points="6", reason=REASON)
    services.evaluation_compute(actor=ow.city_reviewer, evaluation=evaluation)
    score.refresh_from_db()
    assert score.adjusted_points == Decimal(6) and not score.recompute_note


def test_a_recompute_says_which_adjustment_no_longer_applies(ow):
    evaluation = _start(ow.city_reviewer, "performance")
    score = _score(evaluation, ow.w.agency, "commitment_share")
    services.score_adjust(actor=ow.city_reviewer, score=score, points="1", reason=REASON)
    Case.objects.filter(pk__in=[ow.cases["approved"].pk, ow.cases["rejected"].pk]).update(
        submitted_at=timezone.make_aware(dt.datetime(2020, 1, 5, 10))
    )
    statistics.rebuild()  # share 3/4 → 1/2: the computed points change (20 → 15)
    services.evaluation_compute(actor=ow.city_reviewer, evaluation=evaluation)
    score.refresh_from_db()
    assert score.adjusted_points is None and "不再适用" in score.recompute_note
    assert ScoreAdjustment.objects.filter(score=score, kind="dropped").count() == 1
    event = AuditEvent.objects.filter(event=Event.EVALUATION_COMPUTED).order_by("-id").first()
    assert event.after["dropped_adjustments"] == [[ow.w.agency.pk, score.indicator_id, "1.00"]]


def test_a_finalised_evaluation_refuses_compute_and_adjust(ow):
    evaluation = _start(ow.city_reviewer)
    score = _score(evaluation, ow.w.agency, "untrue_handled")
    services.evaluation_finalise(actor=ow.city_reviewer, evaluation=evaluation)
    with pytest.raises(Conflict):
        services.evaluation_compute(actor=ow.city_reviewer, evaluation=evaluation)
    with pytest.raises(Conflict):
        services.score_adjust(actor=ow.city_reviewer, score=score, points="6", reason=REASON)
    with pytest.raises(Conflict):
        services.evaluation_finalise(actor=ow.city_reviewer, evaluation=evaluation)
    score.refresh_from_db()
    assert score.adjusted_points is None
    assert AuditEvent.objects.filter(event=Event.EVALUATION_COMPUTED).count() == 1


# --- who reads and who writes ----------------------------------------------------------------


def test_a_county_bureau_cannot_evaluate_or_read_another_countys_agency(ow, client):
    county = _start(ow.county_reviewer)  # 颍州区
    city = _start(ow.city_reviewer)
    with pytest.raises(NotFound):
        selectors.evaluation_for(ow.b_reviewer, county.pk)
    with pytest.raises(NotFound):
        services.evaluation_compute(actor=ow.b_reviewer, evaluation=county)
    b_score = _score(city, ow.b.agency, "untrue_handled")
    with pytest.raises(NotFound):
        services.score_adjust(actor=ow.county_reviewer, score=b_score, points="1", reason=REASON)
    with pytest.raises(NotFound):  # a county bureau does not run the city's evaluation
        services.evaluation_compute(actor=ow.county_reviewer, evaluation=city)
    client.force_login(ow.county_reviewer)
    url = reverse("oversight:indicator_agency", args=[city.pk, ow.b.agency.pk])
    assert client.get(url).status_code == 404
    own = reverse("oversight:indicator_agency", args=[city.pk, ow.w.agency.pk])
    assert client.get(own).status_code == 200
    page = client.get(reverse("oversight:indicator_evaluation", args=[city.pk])).content.decode()
    assert ow.w.agency.name in page and ow.b.agency.name not in page
    client.force_login(ow.b_reviewer)
    refused = client.get(reverse("oversight:indicator_evaluation", args=[county.pk]))
    assert refused.status_code == 404


def test_an_agency_admin_reads_its_own_scores_after_finalisation_only(ow, client):
    evaluation = _start(ow.city_reviewer)
    own = reverse("oversight:indicator_agency", args=[evaluation.pk, ow.w.agency.pk])
    other = reverse("oversight:indicator_agency", args=[evaluation.pk, ow.b.agency.pk])
    client.force_login(ow.w.admin)
    assert client.get(own).status_code == 404  # not finalised yet
    services.evaluation_finalise(actor=ow.city_reviewer, evaluation=evaluation)
    page = client.get(own)
    assert page.status_code == 200 and "调整理由（至少10个字）" not in page.content.decode()
    assert client.get(other).status_code == 404
    table = client.get(reverse("oversight:indicator_evaluation", args=[evaluation.pk]))
    assert ow.w.agency.name in table.content.decode()
    assert ow.b.agency.name not in table.content.decode()
    # the rank is the agency's among all, though only its own row is shown
    rank = {r.agency.pk: r.rank for r in selectors.table(ow.city_reviewer, evaluation)[1]}
    assert [r.rank for r in table.context["rows"]] == [rank[ow.w.agency.pk]]
    score = _score(evaluation, ow.w.agency, "untrue_handled")
    adjust = client.post(
        reverse("oversight:indicator_score_adjust", args=[score.pk]),
        {"points": "12", "reason": REASON},
    )
    assert adjust.status_code == 404
    client.force_login(ow.b.admin)
    assert client.get(own).status_code == 404
    export = reverse("oversight:indicator_evaluation_export", args=[evaluation.pk])
    book = load_workbook(io.BytesIO(client.get(export).content))
    names = [r[1] for r in book["总分排名"].iter_rows(min_row=2, values_only=True)]
    assert names == [ow.b.agency.name]


# --- schemes are versioned, never edited in place -------------------------------------------


def test_a_scheme_in_force_is_not_edited_in_place_but_in_a_new_version(ow):
    scheme = _scheme()
    leaf = Indicator.objects.filter(scheme=scheme, metric="untrue_handled").get()
    with pytest.raises(Conflict):
        services.indicator_save(actor=ow.city_reviewer, indicator=leaf, name=leaf.name, weight=10)
    with pytest.raises(PermissionDenied):
        services.scheme_new_version(actor=ow.county_reviewer, scheme=scheme)
    draft = services.scheme_new_version(actor=ow.city_reviewer, scheme=scheme)
    assert (draft.status, draft.version) == ("draft", 2)
    assert Indicator.objects.filter(scheme=draft).count() == scheme.indicators.count()
    with pytest.raises(Conflict):  # one draft at a time
        services.scheme_new_version(actor=ow.city_reviewer, scheme=scheme)
    copy = Indicator.objects.get(scheme=draft, metric="untrue_handled")
    services.indicator_save(actor=ow.city_reviewer, indicator=copy, name=copy.name, weight=10)
    with pytest.raises(DomainError) as exc:
        services.scheme_enact(actor=ow.city_reviewer, scheme=draft)
    assert exc.value.details[0]["code"] == "weights_mismatch"
    other = Indicator.objects.get(scheme=draft, metric="verification_on_time")
    services.indicator_save(actor=ow.city_reviewer, indicator=other, name=other.name, weight=12)
    services.scheme_enact(actor=ow.city_reviewer, scheme=draft)
    scheme.refresh_from_db()
    assert scheme.status == "retired" and _scheme().pk == draft.pk
    leaf.refresh_from_db()
    assert leaf.weight == 12  # the old version is as it was
    assert AuditEvent.objects.filter(event=Event.SCHEME_ENACTED).count() == 1


# --- pages and the export -------------------------------------------------------------------


def test_the_reviewer_starts_adjusts_and_finalises_on_the_pages(ow, client):
    client.force_login(ow.city_reviewer)
    start, end = _month()
    bad = client.post(
        reverse("oversight:indicator_evaluations"),
        {"scheme": _scheme().pk, "title": "本月考评", "start": f"{start:%Y-%m}-02",
         "end": end.isoformat()},
    )  # fmt: skip
    assert bad.status_code == 400 and "整月" in bad.content.decode()
    assert "本月考评" in bad.content.decode()
    done = client.post(
        reverse("oversight:indicator_evaluations"),
        {"scheme": _scheme().pk, "title": "本月考评", "start": start.isoformat(),
         "end": end.isoformat()},
    )  # fmt: skip
    evaluation = Evaluation.objects.get()
    assert done.status_code == 302
    score = _score(evaluation, ow.w.agency, "untrue_handled")
    url = reverse("oversight:indicator_score_adjust", args=[score.pk])
    refused = client.post(url, {"points": "6", "reason": "略"})
    assert refused.status_code == 400 and "占位" in refused.content.decode()
    assert client.post(url, {"points": "6", "reason": REASON}).status_code == 302
    history = client.get(reverse("oversight:indicator_adjustments", args=[evaluation.pk]))
    assert REASON in history.content.decode()
    client.post(reverse("oversight:indicator_evaluation_finalise", args=[evaluation.pk]))
    again = client.post(reverse("oversight:indicator_evaluation_compute", args=[evaluation.pk]))
    assert again.status_code == 409 and "已定稿" in again.content.decode()


def test_the_xlsx_export_reads_back_with_the_right_totals(ow, client):
    evaluation = _start(ow.city_reviewer)
    score = _score(evaluation, ow.w.agency, "untrue_handled")
    services.score_adjust(actor=ow.city_reviewer, score=score, points="10.5", reason=REASON)
    client.force_login(ow.city_reviewer)
    response = client.get(reverse("oversight:indicator_evaluation_export", args=[evaluation.pk]))
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"].lower()
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["总分排名", "各项得分"]
    totals = book["总分排名"]
    assert totals.freeze_panes == "A2" and totals["B1"].value == "单位"
    _groups, rows = selectors.table(ow.city_reviewer, evaluation)
    got = {r[1]: r[-1] for r in totals.iter_rows(min_row=2, values_only=True)}
    assert got == {r.agency.name: float(r.total) for r in rows}
    expected = sum(
        s.final_points for s in Score.objects.filter(evaluation=evaluation, agency=ow.w.agency)
    )
    assert got[ow.w.agency.name] == float(expected)
    leaves = list(book["各项得分"].iter_rows(min_row=2, values_only=True))
    mine = [r for r in leaves if r[0] == ow.w.agency.name and r[2] == score.indicator.name]
    assert mine[0][7] == 10.5 and mine[0][9] == REASON


def test_the_evaluation_page_does_not_grow_in_queries_with_the_agencies(ow, client):
    evaluation = _start(ow.city_reviewer)
    client.force_login(ow.city_reviewer)
    url = reverse("oversight:indicator_evaluation", args=[evaluation.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        AgencyFactory(name=f"阜阳市测试局{i}", level=Level.CITY, region=Region.FUYANG)
    services.evaluation_compute(actor=ow.city_reviewer, evaluation=evaluation)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert "阜阳市测试局5" in page.content.decode()
    assert len(many) == len(few)


def test_the_agency_page_and_the_list_cost_a_bounded_number_of_queries(
    ow, client, django_assert_max_num_queries
):
    evaluation = _start(ow.city_reviewer)
    client.force_login(ow.city_reviewer)
    with django_assert_max_num_queries(20):
        client.get(reverse("oversight:indicator_agency", args=[evaluation.pk, ow.w.agency.pk]))
    with django_assert_max_num_queries(12):
        client.get(reverse("oversight:indicator_evaluations"))
    with django_assert_max_num_queries(12):
        client.get(reverse("oversight:indicator_scheme", args=[_scheme().pk]))


def test_other_roles_are_refused_the_indicator_pages(ow, client):
    clerk = user_with_role(Role.WINDOW_CLERK, ow.w.agency, username="ind-clerk")
    client.force_login(clerk)
    assert client.get(reverse("oversight:indicator_schemes")).status_code == 403
    assert client.get(reverse("oversight:indicator_evaluations")).status_code == 403


# --- at once (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_recompute_and_a_finalisation_at_once_leave_a_consistent_evaluation(
    transactional_db, settings
):
    """The evaluation row is locked by every write: a recompute and a finalisation at once
    run one after the other; if the finalisation came first the recompute is refused."""
    from .races import race

    world = build(settings)
    load_schemes(year=timezone.localdate().year)
    evaluation = _start(world.city_reviewer)
    score = _score(evaluation, world.w.agency, "untrue_handled")
    results, errors = race(
        lambda: services.evaluation_compute(actor=world.city_reviewer, evaluation=evaluation),
        lambda: services.evaluation_finalise(actor=world.city_reviewer, evaluation=evaluation),
        lambda: services.score_adjust(
            actor=world.city_reviewer, score=score, points="6", reason=REASON
        ),
    )
    assert all(isinstance(e, Conflict) for e in errors), errors
    assert len(results) + len(errors) == 3
    assert Evaluation.objects.get(pk=evaluation.pk).status == "finalised"
    leaves = Indicator.objects.filter(scheme=evaluation.scheme, parent__isnull=False).count()
    assert Score.objects.filter(evaluation=evaluation, agency=world.w.agency).count() == leaves
    adjusted = Score.objects.get(pk=score.pk).adjusted_points
    assert (adjusted == Decimal(6)) == AuditEvent.objects.filter(
        event=Event.SCORE_ADJUSTED
    ).exists()


def test_the_city_bureau_revises_a_scheme_on_its_page(ow, client):
    scheme = _scheme()
    client.force_login(ow.county_reviewer)
    assert (
        client.post(reverse("oversight:indicator_scheme_version", args=[scheme.pk])).status_code
        == 403
    )
    client.force_login(ow.city_reviewer)
    page = client.get(reverse("oversight:indicator_scheme", args=[scheme.pk])).content.decode()
    assert "新建版本进行修订" in page and "达到100%得满分" in page
    client.post(reverse("oversight:indicator_scheme_version", args=[scheme.pk]))
    draft = IndicatorScheme.objects.get(code=scheme.code, status="draft")
    leaf = Indicator.objects.get(scheme=draft, metric="parity_flags")
    url = reverse("oversight:indicator_edit", args=[leaf.pk])
    bad = client.post(url, {"name": leaf.name, "weight": "五分"})
    assert bad.status_code == 400 and "请填写分值" in bad.content.decode()
    client.post(url, {"name": leaf.name, "weight": "6"})
    shown = client.get(reverse("oversight:indicator_scheme", args=[draft.pk])).content.decode()
    assert "各项分值合计应为40.00分" in shown
    refused = client.post(reverse("oversight:indicator_scheme_enact", args=[draft.pk]))
    assert refused.status_code == 400
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_reviewer_and_the_agency_admin_find_the_evaluations_on_the_workbench(ow, client):
    for user, label in ((ow.city_reviewer, "考评指标和考评结果"), (ow.w.admin, "本单位考评得分")):
        client.force_login(user)
        page = client.get(reverse("portal:workbench")).content.decode()
        assert label in page and reverse("oversight:indicator_evaluations") in page

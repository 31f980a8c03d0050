"""The evaluation counts the Justice Bureau's own findings (R-8.2 fed by R-8.1): the problems
the portal checks found open in the period, the mean score of the case files reviewed, and the
rectification notices put right by their deadline — each from the findings, with its evidence,
and only for the agency and period asked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chengnuo.oversight import indicator_metrics_oversight as m
from chengnuo.oversight import services_rectification as rs
from chengnuo.oversight.constants_rectification import Status
from chengnuo.oversight.models import PortalFinding, Rectification

from . import clock
from .test_oversight_casereview import R, _score
from .test_oversight_portalchecks import W as PortalWorld
from .test_oversight_portalchecks import run

pytestmark = pytest.mark.django_db

TODAY = clock.today()  # the test clock's day, not the real one
FIX = "案卷中告知书未留存送达回执，请补正并完善归档制度。"
MONTH = (TODAY.replace(day=1), TODAY + dt.timedelta(days=1))


def test_portal_findings_open_in_the_period_count_each_once():
    w = PortalWorld()
    run(w, day=TODAY - dt.timedelta(days=1))
    run(w, day=TODAY)  # the same gaps a second day: still one finding each
    n = PortalFinding.objects.filter(agency=w.a).count()
    assert n > 0
    value = m.portal_findings(w.a.pk, *MONTH)
    assert value.value == n and len(value.evidence) == n
    assert all(kind == "portal_finding" and pk == w.a.pk for kind, pk, _ in value.evidence)
    assert m.portal_findings(w.b.pk, *MONTH).value == 0  # another agency's portal
    # resolved before the period began: not counted for it
    PortalFinding.objects.filter(agency=w.a).update(resolved_on=TODAY - dt.timedelta(days=40))
    later = (TODAY - dt.timedelta(days=20), TODAY + dt.timedelta(days=1))
    assert m.portal_findings(w.a.pk, *later).value == 0


def test_the_case_review_metric_is_the_mean_score_of_the_files_reviewed(settings):
    r = R(settings)
    review = r.drawn(quota=2)
    first, second = review.selected[:2]
    _score(r, review, first)  # 100
    points = r.full_points()
    notes, left = {}, 20
    for item in r.sheet.items.filter(veto=False).order_by("-max_points"):
        cut = min(left, item.max_points)
        points[str(item.pk)] = item.max_points - cut
        notes[str(item.pk)] = "告知书未留存送达回执，无法证明已告知"
        left -= cut
        if not left:
            break
    _score(r, review, second, points=points, notes=notes)  # 80: 合格, not 优秀
    value = m.case_review(r.a.pk, *MONTH)
    assert value.value == pytest.approx(0.90)
    assert value.numerator == pytest.approx(90)
    assert [label.split("：")[0] for _, _, label in value.evidence] == [second]
    assert m.case_review(r.b.pk, *MONTH).value is None  # nothing reviewed: no data
    before = (TODAY - dt.timedelta(days=90), TODAY - dt.timedelta(days=60))
    assert m.case_review(r.a.pk, *before).value is None  # another period


def test_rectification_on_time_counts_notices_answered_by_their_deadline_and_closed(settings):
    r = R(settings)
    deadline = TODAY + dt.timedelta(days=5)
    notices = [
        rs.rectification_issue(
            actor=r.county, agency=r.a, source="case_review", target=case,
            title=f"案卷归档问题第{i + 1}项", text=FIX,
            deadline=deadline,
        )
        for i, case in enumerate(r.cases)
    ]  # fmt: skip
    kept, late, open_ = notices
    answer = "已补正送达回执并修订归档制度，附修订后的制度文本。"
    rs.rectification_answer(actor=r.a_admin, rectification=kept, answer=answer)
    rs.rectification_close(actor=r.county, rectification=kept)
    rs.rectification_answer(actor=r.a_admin, rectification=late, answer=answer)
    Rectification.objects.filter(pk=late.pk).update(answered_at=timezone.now() + dt.timedelta(9))
    rs.rectification_close(actor=r.county, rectification=Rectification.objects.get(pk=late.pk))
    period = (TODAY, TODAY + dt.timedelta(days=30))
    value = m.rectification_on_time(r.a.pk, *period)
    assert (value.numerator, value.denominator) == (1, 3)
    assert {pk for _, pk, _ in value.evidence} == {late.pk, open_.pk}
    assert Rectification.objects.get(pk=open_.pk).status == Status.OPEN
    assert m.rectification_on_time(r.b.pk, *period).value is None

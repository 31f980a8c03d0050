"""Case-file review (R-8.1: 调阅案卷, 案卷评查): a sample of an agency's concluded case files drawn
with supervision's published algorithm `sm3-rank-v1`, so that anyone recomputes it; a scoring
sheet kept as data (items, points, grade thresholds), each file scored with notes for its
deductions and the case's own events cited; findings sent to the agency as rectification
notices. And the ways around it: a wrong share, a case concluded after the freeze, points above
the maximum, a deduction without a note or with a placeholder, another case's event, a file not
in the sample, a silent re-score, another county's agency, another agency's admin."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chengnuo.audit.models import AuditEvent
from chengnuo.audit.services import events_about
from chengnuo.cases import services as case_services
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.oversight import selectors_casereview as selectors
from chengnuo.oversight import services_casereview as services
from chengnuo.oversight.casereview_sheet import ITEMS
from chengnuo.oversight.constants_casereview import Event, Grade, ReviewStatus
from chengnuo.oversight.models import CaseFileScore, CaseReview, ScoringSheet
from chengnuo.supervision import draw

from .cases_helpers import ready_case
from .oversight_helpers import build

pytestmark = pytest.mark.django_db

NOTE = "告知书未留存送达回执"
REASON = "复核时发现送达回执已归档，原扣分有误"


class R:
    """Agency A (颍州区) with three concluded cases, agency B (太和县) with one; the county and
    city Justice Bureaus' reviewers, B's county reviewer, A's and B's admins."""

    def __init__(self, settings) -> None:
        ow = build(settings)
        self.ow = ow
        self.a = ow.w.agency
        self.b = ow.b.agency
        self.city = ow.city_reviewer
        self.county = ow.county_reviewer
        self.b_county = ow.b_reviewer
        self.a_admin = ow.w.admin
        self.b_admin = ow.b.admin
        self.cases = [self.decide(ow.w) for _ in range(3)]
        self.b_case = self.decide(ow.b)
        self.sheet = services.sheet_load_default()

    @staticmethod
    def decide(world):  # type: ignore[no-untyped-def]
        return case_services.case_decide(
            actor=world.officer, case=ready_case(world), decision="approve"
        )

    def open(self, quota: int = 2, actor=None, agency=None):  # type: ignore[no-untyped-def]
        share = secrets.token_hex(32)
        today = timezone.localdate()
        review = services.review_open(
            actor=actor or self.county,
            agency=agency or self.a,
            period_start=today - dt.timedelta(days=30),
            period_end=today,
            quota=quota,
            commitment=draw.share_commitment(share),
        )
        return review, share

    def drawn(self, quota: int = 2):  # type: ignore[no-untyped-def]
        review, share = self.open(quota)
        services.review_freeze(actor=self.county, review=review)
        return services.review_reveal(actor=self.county, review=review, share=share)

    def full_points(self) -> dict[str, int]:
        return {str(i.pk): i.max_points for i in self.sheet.items.all()}


@pytest.fixture
def r(settings):
    return R(settings)


def _first_item(r):  # type: ignore[no-untyped-def]
    return r.sheet.items.order_by("position").first()


def _event_of(case) -> int:  # type: ignore[no-untyped-def]
    return events_about(case).values_list("pk", flat=True).first()


def _score(r, review, number, **kw):  # type: ignore[no-untyped-def]
    case = next(c for c in r.cases if c.number == number)
    kw.setdefault("points", r.full_points())
    kw.setdefault("evidence", [_event_of(case)])
    return services.file_score(actor=r.county, review=review, case_number=number, **kw)


# --- the draw -------------------------------------------------------------------------------


def test_the_sample_is_the_published_algorithms_selection_and_anyone_recomputes_it(r):
    review = r.drawn(quota=2)
    assert review.status == ReviewStatus.DRAWN
    pool = sorted(c.number for c in r.cases)
    assert review.pool == pool and review.pool_digest == draw.pool_digest(pool)
    assert review.seed == draw.combine_seed([review.reviewer_share, review.platform_share])
    assert review.selected == draw.select(review.seed, pool, 2)
    published = services.published(CaseReview.objects.get(pk=review.pk))
    assert published["algorithm"] == "sm3-rank-v1"
    assert draw.recompute(published) == []
    tampered = {**published, "selected": list(reversed(published["selected"]))}
    assert draw.recompute(tampered) != []


def test_the_seed_is_not_known_before_the_pool_is_frozen(r):
    review, _share = r.open()
    assert review.seed == "" and review.platform_commitment == "" and review.pool == []
    frozen = services.review_freeze(actor=r.county, review=review)
    assert frozen.pool_digest and frozen.platform_commitment and frozen.seed == ""
    assert frozen.platform_share == ""  # kept encrypted until the reviewer reveals
    assert services.published(frozen)["seed"] is None


def test_a_wrong_share_is_refused_and_reveals_nothing(r):
    review, share = r.open()
    services.review_freeze(actor=r.county, review=review)
    with pytest.raises(DomainError) as err:
        services.review_reveal(actor=r.county, review=review, share=secrets.token_hex(32))
    assert err.value.code == "share_mismatch"
    row = CaseReview.objects.get(pk=review.pk)
    assert row.status == ReviewStatus.FROZEN and row.seed == "" and row.platform_share == ""
    with pytest.raises(DomainError) as err:  # a placeholder is not a random number
        services.review_reveal(actor=r.county, review=review, share="0" * 64)
    assert err.value.code == "placeholder"
    assert services.review_reveal(actor=r.county, review=review, share=share).selected


def test_the_pool_is_frozen_a_case_concluded_after_the_freeze_does_not_enter(r):
    review, share = r.open(quota=10)
    services.review_freeze(actor=r.county, review=review)
    late = r.decide(r.ow.w)
    review = services.review_reveal(actor=r.county, review=review, share=share)
    assert late.number not in review.pool and late.number not in review.selected
    assert review.pool_size == 3


def test_a_quota_larger_than_the_pool_takes_every_file(r):
    review = r.drawn(quota=50)
    assert sorted(review.selected) == sorted(c.number for c in r.cases)


def test_a_round_without_concluded_cases_cannot_freeze(r):
    today = timezone.localdate()
    review = services.review_open(
        actor=r.county,
        agency=r.a,
        period_start=today - dt.timedelta(days=400),
        period_end=today - dt.timedelta(days=300),
        quota=3,
        commitment=draw.share_commitment(secrets.token_hex(32)),
    )
    with pytest.raises(DomainError) as err:
        services.review_freeze(actor=r.county, review=review)
    assert err.value.code == "empty_pool"
    assert CaseReview.objects.get(pk=review.pk).status == ReviewStatus.COMMITTED


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("quota", 0, "invalid_quota"),
        ("quota", "十", "invalid_quota"),
        ("commitment", "abc", "invalid_format"),
        ("commitment", "f" * 64, "placeholder"),
        ("period_end", "future", "invalid_period"),
    ],
)
def test_a_round_with_bad_input_is_refused(r, field, value, code):
    today = timezone.localdate()
    kw = {
        "actor": r.county,
        "agency": r.a,
        "period_start": today - dt.timedelta(days=9),
        "period_end": today,
        "quota": 3,
        "commitment": draw.share_commitment(secrets.token_hex(32)),
    }
    kw[field] = today + dt.timedelta(days=1) if value == "future" else value
    with pytest.raises(DomainError) as err:
        services.review_open(**kw)
    assert err.value.code == code
    assert not CaseReview.objects.exists()


# --- who may -----------------------------------------------------------------------------------


def test_a_county_reviewer_cannot_open_a_round_for_another_countys_agency(r):
    with pytest.raises(DomainError) as err:
        r.open(actor=r.county, agency=r.b)
    assert err.value.code == "invalid_agency"
    with pytest.raises(PermissionDenied):
        r.open(actor=r.a_admin, agency=r.a)
    assert not CaseReview.objects.exists()
    review, _ = r.open(actor=r.city, agency=r.b)  # the city bureau oversees every agency
    with pytest.raises(NotFound):  # and A's county bureau cannot touch B's round
        services.review_freeze(actor=r.county, review=review)


def test_an_agency_admin_reads_its_own_rounds_only_and_cannot_score(r):
    review = r.drawn()
    assert selectors.review_for(r.a_admin, review.pk) == review
    with pytest.raises(NotFound):
        selectors.review_for(r.b_admin, review.pk)
    with pytest.raises(NotFound):
        selectors.review_for(r.b_county, review.pk)
    assert selectors.reviews_for(r.b_admin) == []
    with pytest.raises(PermissionDenied):
        services.file_score(
            actor=r.a_admin,
            review=review,
            case_number=review.selected[0],
            points=r.full_points(),
            evidence=[],
        )
    assert not CaseFileScore.objects.exists()


# --- scoring -----------------------------------------------------------------------------------


def test_a_full_score_is_excellent_and_cites_the_cases_events(r):
    review = r.drawn()
    score = _score(r, review, review.selected[0])
    assert score.total == 100 and score.grade == Grade.EXCELLENT and score.current
    assert AuditEvent.objects.filter(event=Event.FILE_SCORED).count() == 1


def test_points_above_the_items_maximum_are_refused(r):
    review = r.drawn()
    item = _first_item(r)
    points = {**r.full_points(), str(item.pk): item.max_points + 1}
    with pytest.raises(DomainError) as err:
        _score(r, review, review.selected[0], points=points)
    assert err.value.code == "invalid_points"
    for bad in (-1, "", "五"):
        with pytest.raises(DomainError):
            _score(r, review, review.selected[0], points={**r.full_points(), str(item.pk): bad})
    assert not CaseFileScore.objects.exists()


@pytest.mark.parametrize(
    "note, code",
    [("", "required"), ("无", "placeholder"), ("略", "placeholder"), ("扣分", "too_short")],
)
def test_a_deduction_without_a_real_note_is_refused(r, note, code):
    review = r.drawn()
    item = _first_item(r)
    with pytest.raises(DomainError) as err:
        _score(
            r,
            review,
            review.selected[0],
            points={**r.full_points(), str(item.pk): 5},
            notes={str(item.pk): note},
        )
    assert err.value.code == code
    assert not CaseFileScore.objects.exists()


def test_citing_an_event_of_another_case_is_refused(r):
    review = r.drawn()
    number = review.selected[0]
    other = next(c for c in r.cases if c.number != number)
    for evidence, code in (
        ([_event_of(other)], "invalid_event"),
        ([_event_of(r.b_case)], "invalid_event"),
        (["x"], "invalid_event"),
        ([], "required"),
    ):
        with pytest.raises(DomainError) as err:
            _score(r, review, number, evidence=evidence)
        assert err.value.code == code
    assert not CaseFileScore.objects.exists()


def test_a_case_not_in_the_sample_cannot_be_scored(r):
    review = r.drawn(quota=1)
    outside = next(c for c in r.cases if c.number not in review.selected)
    with pytest.raises(DomainError) as err:
        services.file_score(
            actor=r.county,
            review=review,
            case_number=outside.number,
            points=r.full_points(),
            evidence=[_event_of(outside)],
        )
    assert err.value.code == "not_in_sample"
    with pytest.raises(DomainError):
        services.file_score(
            actor=r.county,
            review=review,
            case_number=r.b_case.number,
            points=r.full_points(),
            evidence=[_event_of(r.b_case)],
        )
    assert not CaseFileScore.objects.exists()


def test_a_round_not_yet_drawn_cannot_be_scored(r):
    review, _ = r.open()
    with pytest.raises(DomainError) as err:
        services.file_score(
            actor=r.county,
            review=review,
            case_number=r.cases[0].number,
            points=r.full_points(),
            evidence=[_event_of(r.cases[0])],
        )
    assert err.value.code == "not_ready"


@pytest.mark.parametrize(
    "total, veto, grade",
    [
        (100, False, Grade.EXCELLENT),
        (90, False, Grade.EXCELLENT),
        (89, False, Grade.PASS),
        (60, False, Grade.PASS),
        (59, False, Grade.FAIL),
        (0, False, Grade.FAIL),
        (95, True, Grade.FAIL),
    ],
)
def test_the_grade_follows_the_sheets_thresholds(total, veto, grade):
    assert services.grade_of(total, excellent_min=90, pass_min=60, veto_failed=veto) == grade


def test_the_grade_is_computed_never_typed_and_a_veto_item_at_zero_fails(r):
    review = r.drawn()
    items = list(r.sheet.items.order_by("position"))
    veto = next(i for i in items if i.veto)
    points = {**r.full_points(), str(veto.pk): 0}
    score = _score(r, review, review.selected[0], points=points, notes={str(veto.pk): NOTE})
    assert score.total == 100 - veto.max_points and score.total >= 60
    assert score.grade == Grade.FAIL
    plain = next(i for i in items if not i.veto and i.max_points >= 10)
    score = _score(
        r,
        review,
        review.selected[1],
        points={**r.full_points(), str(plain.pk): 0},
        notes={str(plain.pk): "核查记录缺失，无法判断是否按时核查"},
    )
    assert score.total == 100 - plain.max_points and score.grade == Grade.EXCELLENT


def test_a_corrected_score_keeps_both_on_record(r):
    review = r.drawn()
    number = review.selected[0]
    item = _first_item(r)
    first = _score(
        r, review, number, points={**r.full_points(), str(item.pk): 5}, notes={str(item.pk): NOTE}
    )
    with pytest.raises(DomainError) as err:  # no silent overwrite: a correction says why
        _score(r, review, number)
    assert err.value.code == "required"
    with pytest.raises(DomainError):
        _score(r, review, number, reason="略")
    second = _score(r, review, number, reason=REASON)
    first.refresh_from_db()
    assert not first.current and second.current and second.corrects == first
    assert (first.total, second.total) == (95, 100)
    assert CaseFileScore.objects.filter(review=review).count() == 2
    assert AuditEvent.objects.filter(event=Event.FILE_RESCORED).count() == 1
    case = next(c for c in r.cases if c.number == number)
    assert [s.pk for s in selectors.scores_of(review, case)] == [second.pk, first.pk]


# --- the sheet -------------------------------------------------------------------------------


def test_the_default_sheet_loads_once_and_sums_to_100(r):
    assert services.sheet_load_default() == r.sheet
    assert ScoringSheet.objects.count() == 1
    items = list(r.sheet.items.all())
    assert len(items) == len(ITEMS) and sum(i.max_points for i in items) == 100
    assert (r.sheet.excellent_min, r.sheet.pass_min) == (90, 60)


def test_a_sheet_is_revised_as_a_new_version_and_a_round_keeps_its_own(r):
    review = r.drawn()
    items: list[dict[str, Any]] = [
        {"heading": h, "description": d, "max_points": p, "veto": v} for h, d, p, v in ITEMS
    ]
    items[0]["max_points"] -= 5
    with pytest.raises(DomainError) as err:  # the points must sum to 100
        services.sheet_revise(
            actor=r.city,
            sheet=r.sheet,
            items=items,
            excellent_min=90,
            pass_min=60,
            note="调整告知书送达的分值",
        )
    assert err.value.code == "invalid_points"
    items[-1]["max_points"] += 5
    new = services.sheet_revise(
        actor=r.city,
        sheet=r.sheet,
        items=items,
        excellent_min=85,
        pass_min=60,
        note="调整告知书送达和办理时限的分值",
    )
    assert new.version == 2 and new.pk != r.sheet.pk
    assert CaseReview.objects.get(pk=review.pk).sheet == r.sheet
    assert r.sheet.items.get(position=1).max_points == ITEMS[0][2]  # the old one unchanged
    with pytest.raises(PermissionDenied):
        services.sheet_revise(
            actor=r.a_admin,
            sheet=r.sheet,
            items=items,
            excellent_min=85,
            pass_min=60,
            note="自行修改评查标准",
        )


# --- findings -------------------------------------------------------------------------------


def test_a_finding_goes_to_the_agency_as_a_rectification_notice(r):
    rectification = pytest.importorskip("chengnuo.oversight.services_rectification")
    assert hasattr(rectification, "rectification_issue")
    review = r.drawn()
    item = _first_item(r)
    score = _score(
        r,
        review,
        review.selected[0],
        points={**r.full_points(), str(item.pk): 4},
        notes={str(item.pk): NOTE},
    )
    deadline = timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(DomainError):
        services.finding_issue(actor=r.county, score=score, deadline=deadline, requirement="无")
    notice = services.finding_issue(
        actor=r.county,
        score=score,
        deadline=deadline,
        requirement="补齐告知书送达回执并对窗口人员开展培训",
    )
    assert notice.agency == r.a and notice.source == "case_review" and notice.deadline == deadline
    assert NOTE in notice.text
    with pytest.raises(DomainError):  # one notice per scored file
        services.finding_issue(
            actor=r.county,
            score=score,
            deadline=deadline,
            requirement="补齐告知书送达回执并对窗口人员开展培训",
        )
    with pytest.raises(DomainError):  # and a file with a notice is not re-scored
        _score(r, review, review.selected[0], reason=REASON)
    full = _score(r, review, review.selected[1])
    with pytest.raises(DomainError):  # nothing deducted, nothing to put right
        services.finding_issue(
            actor=r.county,
            score=full,
            deadline=deadline,
            requirement="补齐告知书送达回执并对窗口人员开展培训",
        )


# --- pages -----------------------------------------------------------------------------------


def test_the_pages_walk_from_a_new_round_to_a_scored_file(r, client):
    client.force_login(r.county)
    assert client.get(reverse("oversight:casereview_list")).status_code == 200
    form = client.get(reverse("oversight:casereview_new")).content.decode()
    assert r.a.name in form and r.b.name not in form
    share = secrets.token_hex(32)
    today = timezone.localdate()
    data = {
        "agency": r.a.pk,
        "period_start": (today - dt.timedelta(days=30)).isoformat(),
        "period_end": today.isoformat(),
        "quota": "2",
        "commitment": "不是摘要",
    }
    bad = client.post(reverse("oversight:casereview_new"), data)
    assert bad.status_code == 400 and "64位十六进制" in bad.content.decode()
    assert "不是摘要" in bad.content.decode()  # what was typed is kept
    data["commitment"] = draw.share_commitment(share)
    response = client.post(reverse("oversight:casereview_new"), data)
    review = CaseReview.objects.get()
    assert response.status_code == 302
    client.post(reverse("oversight:casereview_freeze", args=[review.pk]))
    wrong = client.post(
        reverse("oversight:casereview_reveal", args=[review.pk]), {"share": secrets.token_hex(32)}
    )
    assert wrong.status_code == 400 and "不符" in wrong.content.decode()
    client.post(reverse("oversight:casereview_reveal", args=[review.pk]), {"share": share})
    review.refresh_from_db()
    page = client.get(reverse("oversight:casereview_round", args=[review.pk])).content.decode()
    assert review.seed in page and review.pool_digest in page and "sm3-rank-v1" in page
    assert "R-8" not in page
    download = client.get(reverse("oversight:casereview_published", args=[review.pk]))
    assert "filename*=UTF-8''" in download["Content-Disposition"]
    assert draw.recompute(download.json()) == []
    number = review.selected[0]
    url = reverse("oversight:casereview_score", args=[review.pk, number])
    assert client.get(url).status_code == 200
    case = next(c for c in r.cases if c.number == number)
    item = _first_item(r)
    post = {f"points_{k}": v for k, v in r.full_points().items()}
    post[f"points_{item.pk}"] = "3"
    post["evidence"] = [str(_event_of(case))]
    missing = client.post(url, post)
    assert missing.status_code == 400 and "扣分理由" in missing.content.decode()
    post[f"note_{item.pk}"] = NOTE
    assert client.post(url, post).status_code == 302
    assert CaseFileScore.objects.get().total == 93
    client.force_login(r.a_admin)  # read-only for the agency
    assert client.get(url).status_code == 200
    assert client.post(url, post).status_code == 403
    client.force_login(r.b_admin)
    assert client.get(reverse("oversight:casereview_round", args=[review.pk])).status_code == 404


def test_the_round_page_does_not_grow_in_queries_with_the_pool_or_the_scores(
    r, client, django_assert_max_num_queries
):
    review = r.drawn(quota=3)
    client.force_login(r.county)
    url = reverse("oversight:casereview_round", args=[review.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in review.selected:
        _score(r, review, number)
    with django_assert_max_num_queries(len(few) + 1):
        client.get(url)
    with django_assert_max_num_queries(len(few) + 1):
        client.get(reverse("oversight:casereview_list"))


def test_the_scoring_page_does_not_grow_in_queries_with_corrections(
    r, client, django_assert_max_num_queries
):
    review = r.drawn()
    number = review.selected[0]
    _score(r, review, number)
    client.force_login(r.county)
    url = reverse("oversight:casereview_score", args=[review.pk, number])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(3):
        _score(r, review, number, reason=f"{REASON}（第{n + 1}次复核）")
    with django_assert_max_num_queries(len(few)):
        page = client.get(url)
    assert page.content.decode().count("已更正") == 3


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_reveals_and_two_scorings_at_once_leave_one_draw_and_one_current_score(
    transactional_db, settings
):
    from .races import race

    r = R(settings)
    review, share = r.open()
    services.review_freeze(actor=r.county, review=review)
    results, errors = race(
        lambda: services.review_reveal(actor=r.county, review=review, share=share),
        lambda: services.review_reveal(actor=r.county, review=review, share=share),
    )
    assert len(results) == 1 and [e.code for e in errors] == ["already_done"]
    assert AuditEvent.objects.filter(event=Event.REVIEW_DRAWN).count() == 1
    review = CaseReview.objects.get(pk=review.pk)
    number = review.selected[0]
    results, errors = race(
        lambda: _score(r, review, number),
        lambda: _score(r, review, number),
    )
    # the second waits for the first, then finds a current score: a correction needs a reason
    assert len(results) == 1 and [e.code for e in errors] == ["required"]
    assert CaseFileScore.objects.filter(review=review, current=True).count() == 1


def test_only_the_city_bureau_revises_the_sheet_and_the_page_saves_a_new_version(r, client):
    with pytest.raises(PermissionDenied):
        services.sheet_revise(
            actor=r.county,
            sheet=r.sheet,
            items=[],
            excellent_min=90,
            pass_min=60,
            note="区司法局自行修改",
        )
    client.force_login(r.county)
    url = reverse("oversight:casereview_sheet_revise", args=[r.sheet.pk])
    assert client.get(url).status_code == 403
    client.force_login(r.city)
    form = client.get(url).content.decode()
    assert ITEMS[0][0] in form
    post = {"rows": "3", "excellent_min": "90", "pass_min": "60", "note": "合并为两个评查项目"}
    post.update(
        {
            "heading_0": "告知和承诺",
            "description_0": "告知书送达、承诺书签署完整",
            "max_points_0": "50",
            "heading_1": "核查和决定",
            "description_1": "按规定核查并依据充分地作出决定",
            "max_points_1": "40",
        }
    )
    bad = client.post(url, post)
    assert bad.status_code == 400 and "合计应为100分" in bad.content.decode()
    assert "核查和决定" in bad.content.decode()  # what was typed is kept
    post["max_points_1"] = "50"
    assert client.post(url, post).status_code == 302
    new = ScoringSheet.objects.get(version=2)
    assert [i.max_points for i in new.items.all()] == [50, 50]
    assert r.sheet.items.count() == len(ITEMS)
    assert AuditEvent.objects.filter(event=Event.SHEET_SAVED).count() == 2


def test_a_round_not_drawn_is_ended_with_its_reason_and_stays_on_record(r):
    review, share = r.open()
    services.review_freeze(actor=r.county, review=review)
    for reason in ("", "无", "略"):
        with pytest.raises(DomainError):
            services.review_abandon(actor=r.county, review=review, reason=reason)
    with pytest.raises(PermissionDenied):
        services.review_abandon(actor=r.a_admin, review=review, reason=REASON)
    ended = services.review_abandon(
        actor=r.county, review=review, reason="评查人员保管的随机数遗失"
    )
    assert ended.status == ReviewStatus.ABANDONED and ended.pool_digest  # the pool stays public
    with pytest.raises(DomainError) as err:  # and it cannot be drawn afterwards
        services.review_reveal(actor=r.county, review=review, share=share)
    assert err.value.code == "already_done"
    drawn = r.drawn()
    with pytest.raises(DomainError):  # a drawn round is not ended
        services.review_abandon(actor=r.county, review=drawn, reason="抽取结果不理想，重新抽取")
    assert CaseReview.objects.get(pk=drawn.pk).status == ReviewStatus.DRAWN

"""The catalog learns from outcomes (R-8.1 with R-7.2 and R-4.1/R-4.2, verification intensity):
per certification item and period the verified commitments, the untrue ones with a 95 % Wilson
interval, withdrawals, complaints and cases by commitment, computed by a daily job from the real
flows; suggestions (stronger verification, review whether the item belongs under commitment, a
lighter plan) with their evidence, which become a proposal to the agency only when a Justice
Bureau reviewer adopts them; the agency admin answers.

And the ways around it: a dismissal without a reason or with a placeholder, a second job run, a
second decision, a county reviewer reaching another county's item, an agency admin reading the
suggestions before adoption or another agency's proposals, one item failing the whole job."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.audit.models import AuditEvent
from chengnuo.cases import services as case_services
from chengnuo.complaints import services as complaint_services
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.oversight import selectors_learning as selectors
from chengnuo.oversight import services_learning as services
from chengnuo.oversight.constants_learning import DEFAULTS, Event, SuggestionKind
from chengnuo.oversight.models import AgencyProposal, ItemOutcome, LearningSuggestion
from chengnuo.verification.constants import Outcome
from chengnuo.verification.models import VerificationTask

from .cases_helpers import ready_case
from .factories import AgencyFactory, user_with_role
from .oversight_helpers import OW, build, conclude, flows

REASON = "样本期内不实承诺集中于个别申请人，已另行处理，暂不调整核查方式"
ANSWER = "已调整该证明事项的核查计划，对信用等级为C的承诺人全部现场核查，时限缩短至10个工作日"


# --- the Wilson interval and the rules (no database) --------------------------------------------


def test_the_wilson_interval_matches_known_values():
    lower, upper = services.wilson(0, 10)
    assert lower == 0.0 and upper == pytest.approx(0.2775, abs=5e-5)
    lower, upper = services.wilson(5, 100)
    assert lower == pytest.approx(0.0215, abs=5e-5) and upper == pytest.approx(0.1118, abs=5e-5)
    lower, upper = services.wilson(10, 10)
    assert lower == pytest.approx(0.7225, abs=5e-5) and upper == 1.0
    assert services.wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        services.wilson(11, 10)


def test_the_interval_always_contains_the_rate_and_narrows_with_volume():
    for n in (1, 7, 50, 400):
        for k in range(0, n + 1, max(1, n // 7)):
            lower, upper = services.wilson(k, n)
            assert 0.0 <= lower <= k / n <= upper <= 1.0
    assert services.wilson(0, 1000)[1] < services.wilson(0, 100)[1] < services.wilson(0, 10)[1]


CFG = {**DEFAULTS}


@pytest.mark.parametrize(
    "n, k, kinds",
    [
        (100, 5, []),  # lower 2.15 %: below the 5 % threshold
        (100, 12, [SuggestionKind.STRONGER]),  # lower 7.0 %
        (100, 30, [SuggestionKind.REVIEW]),  # lower 21.9 %: the most severe only
        (5, 5, []),  # too few verified for a rate-based suggestion
        (200, 0, [SuggestionKind.LIGHTER]),
        (199, 0, []),
        (500, 1, []),  # one untrue in a large volume: neither high nor clean
    ],
)
def test_the_thresholds_give_each_kind_and_none_below(n, k, kinds):
    lower = services.wilson(k, n)[0]
    assert services.kinds_for(n, k, lower, CFG) == kinds


def test_a_decided_suggestion_comes_back_only_beyond_what_was_decided():
    decided = {"verified": 100, "lower": 0.07}
    assert not services.moved_beyond(SuggestionKind.STRONGER, decided, 120, 0.09)
    assert services.moved_beyond(SuggestionKind.STRONGER, decided, 120, 0.11)
    assert not services.moved_beyond(SuggestionKind.LIGHTER, {"verified": 300}, 450, 0.0)
    assert services.moved_beyond(SuggestionKind.LIGHTER, {"verified": 300}, 600, 0.0)


# --- the job over the real flows ----------------------------------------------------------------


def _tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def _run(**kw):
    return services.outcomes_compute(today=kw.pop("today", None) or _tomorrow())


@pytest.fixture
def ow(db, settings) -> OW:
    world = flows(build(settings))
    settings.OVERSIGHT_LEARNING = {"min_verified": 1}
    return world


def _items(ow: OW):
    """(the item verified true, the item verified untrue) of A's approved case."""
    tasks = list(VerificationTask.objects.filter(commitment__case=ow.cases["approved"]))
    true = next(t for t in tasks if t.outcome == Outcome.CONSISTENT).commitment.item
    untrue = next(t for t in tasks if t.outcome == Outcome.INCONSISTENT).commitment.item
    return true, untrue


def _outcome(item) -> ItemOutcome:
    return ItemOutcome.objects.get(item=item)


def test_the_job_counts_verified_untrue_withdrawals_complaints_and_commitments(ow):
    w = ow.w
    complaint_services.complaint_submit(
        channel="web", kind="proof_demanded", agency_id=w.agency.pk, matter_id=w.matter.pk,
        item_id=w.social.pk, name="李四", phone="13800001111",
        text="窗口要求提供已实行告知承诺的社会保险缴费证明，未按告知承诺制办理。",
    )  # fmt: skip
    run = _run()
    assert run.failed == [] and run.items >= 4
    true_item, untrue_item = _items(ow)
    t, u = _outcome(true_item), _outcome(untrue_item)
    assert (t.verified, t.untrue, t.rate) == (1, 0, 0.0)
    assert (u.verified, u.untrue, u.rate) == (1, 1, 1.0)
    assert u.lower == pytest.approx(services.wilson(1, 1)[0]) and u.upper == 1.0
    assert u.rate_text == "100.0%（95%置信区间 20.7%–100.0%）"
    social, marriage = _outcome(w.social), _outcome(w.marriage)
    # the withdrawn case gave up `social` after submitting; the case by proof both before
    assert (social.withdrawals, marriage.withdrawals) == (2, 1)
    # cases by commitment: approved and rejected (both items), the withdrawn case (marriage)
    assert (social.commitments, marriage.commitments) == (2, 3)
    assert (social.complaints, marriage.complaints) == (1, 0)
    assert not ItemOutcome.objects.filter(item=w.diploma).exists()  # proof only, no figure
    b_social = _outcome(ow.b.social)
    assert b_social.verified == 0 and b_social.rate is None and b_social.rate_text == "—"


def test_the_job_counts_only_outcomes_concluded_in_the_period(ow):
    true_item, untrue_item = _items(ow)
    long_ago = timezone.now() - dt.timedelta(days=400)
    VerificationTask.objects.filter(commitment__item=untrue_item).update(concluded_at=long_ago)
    _run()
    assert _outcome(untrue_item).verified == 0
    assert _outcome(true_item).verified == 1
    # a period that ended before today's outcomes sees none of them
    ItemOutcome.objects.all().delete()
    _run(today=timezone.localdate())
    assert _outcome(true_item).verified == 0


def test_a_report_of_a_false_commitment_counts_for_its_item(ow):
    from chengnuo.cases.models import Commitment

    commitment = Commitment.objects.get(case=ow.cases["approved"], item=ow.w.marriage)
    complaint_services.complaint_submit(
        channel="web", kind="false_commitment", commitment_id=commitment.pk, anonymous=True,
        text="承诺人承诺已婚，但据我所知其早已离婚多年，承诺内容与事实不符。",
    )  # fmt: skip
    _run()
    assert _outcome(ow.w.marriage).complaints == 1


def test_a_high_untrue_rate_suggests_a_review_of_the_item_with_its_evidence(ow):
    _, untrue_item = _items(ow)
    run = _run()
    s = LearningSuggestion.objects.get(item=untrue_item)
    assert s.kind == SuggestionKind.REVIEW and s.status == "suggested" and run.suggestions >= 1
    assert s.evidence["figures"]["verified"] == 1 and s.evidence["figures"]["untrue"] == 1
    [row] = s.evidence["outcomes"]
    assert row["case"] == ow.cases["approved"].number and row["outcome"] == "承诺不实"
    assert "置信区间下限高于15%" in s.evidence["rule"]
    event = AuditEvent.objects.get(event=Event.SUGGESTION_RAISED, target_id=str(s.pk))
    assert event.agency_id is None  # on no agency's chain: the agency does not see it


def test_a_moderate_rate_suggests_stronger_verification(ow, settings):
    settings.OVERSIGHT_LEARNING = {"min_verified": 1, "review_lower": 0.5}
    _, untrue_item = _items(ow)
    _run()
    assert LearningSuggestion.objects.get(item=untrue_item).kind == SuggestionKind.STRONGER


def test_a_large_clean_volume_suggests_a_lighter_plan(ow, settings):
    settings.OVERSIGHT_LEARNING = {"min_verified": 1, "lighter_min": 1}
    true_item, _ = _items(ow)
    _run()
    s = LearningSuggestion.objects.get(item=true_item)
    assert s.kind == SuggestionKind.LIGHTER and s.evidence["outcomes"][0]["outcome"] == "承诺属实"


def test_figures_below_the_thresholds_suggest_nothing(ow, settings):
    settings.OVERSIGHT_LEARNING = {}  # the defaults: one verified is far too few
    _run()
    assert not LearningSuggestion.objects.exists()


def test_a_second_run_raises_no_duplicate_open_suggestion(ow):
    _run()
    first = set(LearningSuggestion.objects.values_list("pk", flat=True))
    assert first
    again = _run()
    assert again.suggestions == 0
    assert set(LearningSuggestion.objects.values_list("pk", flat=True)) == first
    assert ItemOutcome.objects.filter(item=ow.w.social).count() == 1  # the row is updated


def test_an_adopted_suggestion_is_not_repeated_while_its_proposal_is_open(ow):
    _run()
    s = LearningSuggestion.objects.get()
    services.suggestion_adopt(actor=ow.city_reviewer, suggestion=s)
    assert _run().suggestions == 0


def test_a_dismissed_suggestion_comes_back_only_when_the_figures_get_worse(ow):
    _run()
    s = LearningSuggestion.objects.get()
    services.suggestion_dismiss(actor=ow.county_reviewer, suggestion=s, reason=REASON)
    assert _run().suggestions == 0  # the same figures: not again
    # a second untrue commitment of the item: the lower bound rises from 20.7 % to 34.2 %
    w = ow.w
    case = case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    conclude(VerificationTask.objects.get(commitment__case=case, commitment__item=s.item),
             Outcome.INCONSISTENT)  # fmt: skip
    assert _run().suggestions == 1
    again = LearningSuggestion.objects.get(item=s.item, status="suggested")
    assert again.evidence["figures"]["untrue"] == 2 and again.pk != s.pk


# --- adopt and dismiss --------------------------------------------------------------------------


def _suggestion(ow: OW) -> LearningSuggestion:
    _run()
    return LearningSuggestion.objects.select_related("item").get()


def test_adopting_turns_the_suggestion_into_a_proposal_to_the_agency(ow):
    s = _suggestion(ow)
    proposal = services.suggestion_adopt(
        actor=ow.county_reviewer, suggestion=s, note="请于本季度内完成核查计划调整并报送情况"
    )
    s.refresh_from_db()
    assert s.status == "adopted" and s.decided_by == ow.county_reviewer
    assert proposal.agency == ow.w.agency and proposal.item == s.item and proposal.status == "open"
    assert proposal.evidence == s.evidence and "目录调整" in proposal.advice
    assert "本季度内" in proposal.advice
    event = AuditEvent.objects.get(event=Event.SUGGESTION_ADOPTED)
    assert event.agency_id == ow.w.agency.pk
    with pytest.raises(Conflict):  # a second decision
        services.suggestion_adopt(actor=ow.county_reviewer, suggestion=s)
    with pytest.raises(Conflict):
        services.suggestion_dismiss(actor=ow.county_reviewer, suggestion=s, reason=REASON)
    assert AgencyProposal.objects.count() == 1


def test_dismissing_records_the_reason_and_sends_nothing_to_the_agency(ow):
    s = _suggestion(ow)
    services.suggestion_dismiss(actor=ow.county_reviewer, suggestion=s, reason=REASON)
    s.refresh_from_db()
    assert s.status == "dismissed" and s.reason == REASON
    assert not AgencyProposal.objects.exists()
    event = AuditEvent.objects.get(event=Event.SUGGESTION_DISMISSED)
    assert event.agency_id != ow.w.agency.pk  # the reviewer's bureau's chain


@pytest.mark.parametrize("reason, code", [("", "required"), ("  ", "required"),
                                          ("无", "placeholder"), ("略", "placeholder"),
                                          ("数据不足", "too_short")])  # fmt: skip
def test_dismissing_without_a_real_reason_is_refused(ow, reason, code):
    s = _suggestion(ow)
    with pytest.raises(DomainError) as err:
        services.suggestion_dismiss(actor=ow.county_reviewer, suggestion=s, reason=reason)
    assert err.value.code == code
    s.refresh_from_db()
    assert s.status == "suggested"
    assert not AuditEvent.objects.filter(event=Event.SUGGESTION_DISMISSED).exists()


def test_a_county_reviewer_cannot_decide_for_another_countys_agency(ow, client):
    s = _suggestion(ow)
    for decide in (
        lambda: services.suggestion_adopt(actor=ow.b_reviewer, suggestion=s),
        lambda: services.suggestion_dismiss(actor=ow.b_reviewer, suggestion=s, reason=REASON),
    ):
        with pytest.raises(NotFound):
            decide()
    client.force_login(ow.b_reviewer)
    assert client.get(reverse("oversight:learning_suggestion", args=[s.pk])).status_code == 404
    url = reverse("oversight:learning_suggestion_adopt", args=[s.pk])
    assert client.post(url, {}).status_code == 404
    assert s not in selectors.suggestions(ow.b_reviewer)
    s.refresh_from_db()
    assert s.status == "suggested" and not AgencyProposal.objects.exists()


def test_an_agency_admin_sees_nothing_before_adoption(ow, client):
    s = _suggestion(ow)
    admin = ow.w.admin
    with pytest.raises(NotFound):
        selectors.suggestion_for(admin, s.pk)
    with pytest.raises(NotFound):
        services.suggestion_adopt(actor=admin, suggestion=s)
    client.force_login(admin)
    assert client.get(reverse("oversight:learning_suggestion", args=[s.pk])).status_code == 404
    assert client.get(reverse("oversight:learning_items")).status_code == 403
    assert client.get(reverse("oversight:learning_suggestions")).status_code == 403
    page = client.get(reverse("oversight:learning_proposals")).content.decode()
    assert s.item.name not in page and "目前没有建议" in page
    trail = client.get(reverse("audit:index")).content.decode()
    assert s.number not in trail
    # once adopted, the proposal (not the suggestion) reaches the agency
    proposal = services.suggestion_adopt(actor=ow.city_reviewer, suggestion=s)
    page = client.get(reverse("oversight:learning_proposals")).content.decode()
    assert proposal.number in page and s.item.name in page


# --- the agency's answer ------------------------------------------------------------------------


def _proposal(ow: OW) -> AgencyProposal:
    return services.suggestion_adopt(actor=ow.county_reviewer, suggestion=_suggestion(ow))


def test_the_agency_admin_answers_the_proposal_once(ow):
    proposal = _proposal(ow)
    done = services.proposal_answer(
        actor=ow.w.admin, proposal=proposal, decision="accept", answer=ANSWER
    )
    assert done.status == "accepted" and done.answered_by == ow.w.admin
    assert AuditEvent.objects.filter(event=Event.PROPOSAL_ANSWERED).count() == 1
    with pytest.raises(Conflict):
        services.proposal_answer(actor=ow.w.admin, proposal=proposal, decision="decline",
                                 answer=ANSWER)  # fmt: skip


@pytest.mark.parametrize(
    "decision, answer, code",
    [("", ANSWER, "required"), ("maybe", ANSWER, "required"), ("decline", "无", "placeholder"),
     ("decline", "不同意", "too_short"), ("accept", "", "required")],
)  # fmt: skip
def test_an_answer_without_content_is_refused(ow, decision, answer, code):
    proposal = _proposal(ow)
    with pytest.raises(DomainError) as err:
        services.proposal_answer(
            actor=ow.w.admin, proposal=proposal, decision=decision, answer=answer
        )
    assert err.value.code == code
    proposal.refresh_from_db()
    assert proposal.status == "open"


def test_only_the_agencys_admin_answers(ow):
    proposal = _proposal(ow)
    with pytest.raises(PermissionDenied):  # the reviewer reads it, the agency answers
        services.proposal_answer(
            actor=ow.county_reviewer, proposal=proposal, decision="accept", answer=ANSWER
        )
    with pytest.raises(NotFound):
        services.proposal_answer(
            actor=ow.b.admin, proposal=proposal, decision="accept", answer=ANSWER
        )
    proposal.refresh_from_db()
    assert proposal.status == "open"


def test_an_agency_admin_of_b_cannot_see_as_proposals(ow, client):
    proposal = _proposal(ow)
    assert list(selectors.proposals(ow.b.admin)) == []
    with pytest.raises(NotFound):
        selectors.proposal_for(ow.b.admin, proposal.pk)
    client.force_login(ow.b.admin)
    url = reverse("oversight:learning_proposal", args=[proposal.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "accept", "answer": ANSWER}).status_code == 404
    assert (
        proposal.number not in client.get(reverse("oversight:learning_proposals")).content.decode()
    )
    proposal.refresh_from_db()
    assert proposal.status == "open"


# --- the job's robustness and the command ---------------------------------------------------------


def test_the_job_survives_one_item_raising(ow, monkeypatch):
    broken = ow.w.social.pk
    real = services._store

    def store(item, *args, **kwargs):
        if item["pk"] == broken:
            raise RuntimeError("磁盘已满")
        return real(item, *args, **kwargs)

    monkeypatch.setattr(services, "_store", store)
    run = _run()
    assert run.failed == [broken]
    assert not ItemOutcome.objects.filter(item_id=broken).exists()
    assert ItemOutcome.objects.filter(item=ow.w.marriage).exists()
    assert ItemOutcome.objects.filter(item=ow.b.social).exists()


def test_the_daily_command_runs_the_job(ow):
    out = io.StringIO()
    call_command("oversight_learning", date=_tomorrow().isoformat(), stdout=out)
    assert "0 failed" in out.getvalue()
    assert ItemOutcome.objects.filter(item=ow.w.social).exists()


# --- the pages ----------------------------------------------------------------------------------


def test_the_figures_page_shows_the_rate_with_its_interval_sorted_and_filtered(ow, client):
    _run()
    client.force_login(ow.city_reviewer)
    url = reverse("oversight:learning_items")
    page = client.get(url).content.decode()
    assert "100.0%（95%置信区间 20.7%–100.0%）" in page and "颍州区民政局" in page
    assert "太和县民政局" in page
    _, untrue_item = _items(ow)
    first_row = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert untrue_item.name in first_row  # sorted by rate, highest first
    only_b = client.get(url, {"agency": ow.b.agency.pk}).content.decode()
    assert "颍州区民政局" not in only_b.split("<tbody>", 1)[1]
    client.force_login(ow.county_reviewer)  # a county bureau: its region only
    county = client.get(url).content.decode().split("<tbody>", 1)[1]
    assert "颍州区民政局" in county and "太和县民政局" not in county


def test_the_figures_page_makes_a_bounded_number_of_queries(
    ow, client, django_assert_max_num_queries
):
    _run()
    client.force_login(ow.city_reviewer)
    url = reverse("oversight:learning_items")
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    for i in range(6):  # more agencies with items and figures: the same queries
        agency = AgencyFactory(name=f"阜阳市测试局{i}")
        from .factories import CertificationItemFactory

        CertificationItemFactory(agency=agency, code=f"T-{i}", name=f"测试证明{i}")
    _run()
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_the_suggestion_and_proposal_pages_make_a_bounded_number_of_queries(
    ow, client, django_assert_max_num_queries
):
    proposal = _proposal(ow)
    client.force_login(ow.county_reviewer)
    with django_assert_max_num_queries(12):
        client.get(reverse("oversight:learning_suggestions") + "?status=adopted")
    with django_assert_max_num_queries(12):
        client.get(reverse("oversight:learning_suggestion", args=[proposal.suggestion_id]))
    client.force_login(ow.w.admin)
    with django_assert_max_num_queries(12):
        client.get(reverse("oversight:learning_proposals"))
    with django_assert_max_num_queries(12):
        client.get(reverse("oversight:learning_proposal", args=[proposal.pk]))


def test_a_reviewer_adopts_and_the_admin_answers_through_the_pages(ow, client):
    s = _suggestion(ow)
    client.force_login(ow.county_reviewer)
    page = client.get(reverse("oversight:learning_suggestion", args=[s.pk])).content.decode()
    assert ow.cases["approved"].number in page and "评估是否继续实行告知承诺" in page
    bad = client.post(reverse("oversight:learning_suggestion_dismiss", args=[s.pk]),
                      {"reason": "略"})  # fmt: skip
    assert bad.status_code == 400 and "占位文字" in bad.content.decode()
    assert ">略</textarea>" in bad.content.decode()  # what was typed is kept
    client.post(reverse("oversight:learning_suggestion_adopt", args=[s.pk]), {"note": ""})
    proposal = AgencyProposal.objects.get(suggestion=s)
    client.force_login(ow.w.admin)
    url = reverse("oversight:learning_proposal", args=[proposal.pk])
    page = client.get(url).content.decode()
    assert reverse("catalog:proposal_create") in page  # a review: consider a catalog change
    bad = client.post(url, {"decision": "decline", "answer": "无"})
    assert bad.status_code == 400
    client.post(url, {"decision": "decline", "answer": ANSWER})
    proposal.refresh_from_db()
    assert proposal.status == "declined" and proposal.answer == ANSWER
    client.force_login(ow.county_reviewer)
    assert ANSWER in client.get(url).content.decode()


def test_a_stronger_or_lighter_proposal_points_to_the_verification_plans(ow, client, settings):
    settings.OVERSIGHT_LEARNING = {"min_verified": 1, "review_lower": 0.5}
    proposal = _proposal(ow)
    assert proposal.kind == SuggestionKind.STRONGER
    client.force_login(ow.w.admin)
    page = client.get(reverse("oversight:learning_proposal", args=[proposal.pk])).content.decode()
    assert reverse("verification:plans") in page


def test_a_window_clerk_has_no_learning_pages(ow, client):
    clerk = user_with_role(Role.WINDOW_CLERK, ow.w.agency, username="lw-clerk")
    client.force_login(clerk)
    assert client.get(reverse("oversight:learning_items")).status_code == 403
    assert client.get(reverse("oversight:learning_proposals")).status_code == 403


def test_the_demo_has_figures_suggestions_of_each_kind_and_an_answered_proposal(db):
    call_command("load_demo", verbosity=0)
    assert ItemOutcome.objects.filter(verified__gt=0).count() >= 20
    kinds = set(LearningSuggestion.objects.values_list("kind", flat=True))
    assert kinds == set(SuggestionKind.values)
    assert AgencyProposal.objects.filter(status="accepted").exists()
    assert AgencyProposal.objects.filter(status="open").exists()
    call_command("load_demo", verbosity=0)  # loaded once
    assert AgencyProposal.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_decisions_on_one_suggestion_at_once_leave_one(transactional_db, settings, tmp_path):
    from .races import race

    settings.MEDIA_ROOT = str(tmp_path)
    ow = flows(build(settings))
    settings.OVERSIGHT_LEARNING = {"min_verified": 1}
    _run()
    s = LearningSuggestion.objects.get()
    results, errors = race(
        lambda: services.suggestion_adopt(actor=ow.county_reviewer, suggestion=s),
        lambda: services.suggestion_dismiss(actor=ow.city_reviewer, suggestion=s, reason=REASON),
    )
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    decided = AuditEvent.objects.filter(
        event__in=[Event.SUGGESTION_ADOPTED, Event.SUGGESTION_DISMISSED]
    )
    assert decided.count() == 1
    adopted = decided.get().event == Event.SUGGESTION_ADOPTED
    assert AgencyProposal.objects.count() == (1 if adopted else 0)

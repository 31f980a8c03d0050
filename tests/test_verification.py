"""Verification plans and intensity (R-4.1, R-4.2, R-5.3), reproducible sampling, verification
before the decision for the poorest credit, outcomes and the handling of untrue commitments
(R-4.8, R-5.2, R-5.5): termination, rectification in time or escalation, revocation, penalty,
referral, good-faith correction, credit records and their push."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from chengnuo.agencies.constants import Role
from chengnuo.audit.models import AuditEvent
from chengnuo.audit.services import verify_chain
from chengnuo.cases import services as case_services
from chengnuo.cases.constants import CaseStatus
from chengnuo.cases.models import Case, Commitment
from chengnuo.cases.selectors import case_timeline
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.core.models import Reaction
from chengnuo.credit.models import CreditPlatform, CreditRecord, PushMessage
from chengnuo.credit.services import credit_record_create
from chengnuo.verification import handling, internal, rules, services
from chengnuo.verification.constants import HandlingStatus, Outcome, TaskStatus, Timing
from chengnuo.verification.models import SamplingDraw, VerificationPlan, VerificationTask

from .cases_helpers import World, build_world, line, pdf_upload, ready_case, sign
from .factories import AgencyFactory, user_with_role


@pytest.fixture
def w(db) -> World:
    world = build_world()
    for n in (1, 2):
        user_with_role(Role.INSPECTOR, world.agency, username=f"A-inspector{n}")
    return world


def on_site_plans(w: World, timing: str = Timing.AFTER_DECISION) -> None:
    for item in (w.social, w.marriage):
        VerificationPlan.objects.create(item=item, methods=["on_site"], timing=timing, days=10)


def everything_verified(settings) -> None:
    settings.VERIFICATION_INTENSITY = {
        level: {"share": 100, "timing": "after_decision"} for level in "ABC"
    }


def conclude(task: VerificationTask, outcome: str, note: str = "现场核查情况与承诺不符") -> None:
    with transaction.atomic():
        internal.task_conclude(task=task, outcome=outcome, note=note)


# --- intensity and sampling (pure) ----------------------------------------------------------


def test_intensity_table_by_risk_level():
    assert rules.intensity_for("D") == rules.Intensity(100, Timing.BEFORE_DECISION)
    assert rules.intensity_for("C") == rules.Intensity(100, Timing.AFTER_DECISION)
    assert rules.intensity_for("B").share == 30
    assert rules.intensity_for("A").share == 10
    assert rules.intensity_for("A", verify_every=True).share == 100
    assert rules.intensity_for("?") == rules.intensity_for("D")  # unknown: strictest


def test_the_intensity_table_is_configurable(settings):
    settings.VERIFICATION_INTENSITY = {"A": {"share": 50, "timing": "after_decision"}}
    assert rules.intensity_for("A").share == 50
    assert rules.intensity_for("B").share == 30  # the rest stays


@given(seed=st.text(min_size=1, max_size=40), share=st.integers(0, 100))
def test_a_draw_is_reproducible_from_its_seed(seed, share):
    candidates = list(range(1, 60))
    first = rules.draw(seed, candidates, share)
    assert first == rules.draw(seed, list(reversed(candidates)), share)
    assert set(first) <= set(candidates)
    if share == 100:
        assert first == candidates
    if share == 0:
        assert first == []


def test_a_draw_selects_about_its_share():
    selected = rules.draw("fixed-seed", list(range(10000)), 30)
    assert 2700 < len(selected) < 3300


def test_comparison_lines_and_outcome():
    comparisons = [
        {
            "label": "缴费月数",
            "source": "social_insurance",
            "field": "months",
            "op": "gte",
            "fact": "months",
        },
        {"label": "无犯罪记录", "source": "criminal_record", "field": "has_record", "op": "false"},
    ]
    lines, outcome = rules.compare(comparisons, {"months": 24, "has_record": False}, {"months": 12})
    assert outcome == Outcome.CONSISTENT and all(x["result"] == "match" for x in lines)
    lines, outcome = rules.compare(comparisons, {"months": 3, "has_record": False}, {"months": 12})
    assert outcome == Outcome.INCONSISTENT
    assert lines[0]["committed"] == 12 and lines[0]["source_value"] == 3
    assert rules.compare(comparisons, None, {"months": 12})[1] == Outcome.UNABLE


@pytest.mark.parametrize(
    "reason", ["", "   ", "无法核查", "不属于本单位职责。", "无法核查，不清楚", "数据不全"]
)
def test_an_empty_or_boilerplate_refusal_is_not_a_written_reason(reason):
    assert rules.refusal_problem(reason)


def test_a_specific_written_refusal_is_accepted():
    assert (
        rules.refusal_problem(
            "本局婚姻登记数据仅保存2003年以后的记录，申请人1998年登记，无电子档案"
        )
        is None
    )


# --- work created by cases ------------------------------------------------------------------


def test_approval_draws_reproducibly_and_creates_a_task_per_planned_method(w, settings):
    everything_verified(settings)
    on_site_plans(w)
    case = case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    draw = SamplingDraw.objects.get(case=case, stage=Timing.AFTER_DECISION)
    assert draw.share_percent == 100 and draw.risk_level == "A"
    assert rules.draw(draw.seed, draw.candidates, draw.share_percent) == draw.selected
    tasks = VerificationTask.objects.filter(commitment__case=case)
    assert tasks.count() == 2 and {t.method for t in tasks} == {"on_site"}
    for t in tasks:
        assert t.inspection.inspectors.count() == 2
    assert case_timeline(case, staff=True).filter(event="verification.sample_drawn").exists()


def test_a_low_risk_sample_may_select_nothing_but_the_draw_is_kept(w, settings):
    settings.VERIFICATION_INTENSITY = {"A": {"share": 0, "timing": "after_decision"}}
    on_site_plans(w)
    case = case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    draw = SamplingDraw.objects.get(case=case)
    assert draw.selected == [] and len(draw.candidates) == 2
    assert not VerificationTask.objects.exists()


def test_exempt_items_are_not_drawn(w, settings):
    everything_verified(settings)
    for item in (w.social, w.marriage):
        VerificationPlan.objects.create(item=item, methods=["exempt"], days=10)
    case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    assert not SamplingDraw.objects.exists() and not VerificationTask.objects.exists()


def d_level(w: World) -> None:
    """Three recent general dishonesty records: still allowed to commit, risk level D."""
    officer = user_with_role(Role.CREDIT_OFFICER, AgencyFactory(kind="credit_authority"))
    for n in range(3):
        credit_record_create(
            actor=officer,
            subject=w.person,
            kind="external_dishonesty",
            grade="general",
            summary=f"逾期未履行行政处罚决定（第{n + 1}次）",
            decided_on=timezone.localdate() - dt.timedelta(days=20 + n),
        )


def test_the_poorest_credit_is_verified_before_the_decision_and_blocks_approval(w):
    d_level(w)
    on_site_plans(w)
    case = ready_case(w)
    assert case.risk_level == "D"
    tasks = VerificationTask.objects.filter(commitment__case=case)
    assert tasks.count() == 2 and all(t.timing == Timing.BEFORE_DECISION for t in tasks)
    with pytest.raises(DomainError) as exc:
        case_services.case_decide(actor=w.officer, case=case, decision="approve")
    assert exc.value.code == "verification_pending"
    first, second = tasks
    conclude(first, Outcome.CONSISTENT, "现场核查属实")
    conclude(second, Outcome.INCONSISTENT)
    with pytest.raises(DomainError) as exc:
        case_services.case_decide(actor=w.officer, case=case, decision="approve")
    assert exc.value.code == "commitment_untrue"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED


def test_approval_creates_verification_work_whose_events_are_the_cases(w, settings):
    """Cases announce "case.approved"; verification's reaction draws in the same transaction,
    and what it records belongs to the case's history."""
    settings.VERIFICATION_INTENSITY = {"A": {"share": 100, "timing": "after_decision"}}
    case = case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    tasks = VerificationTask.objects.filter(commitment__case=case)
    assert {t.commitment.item.code for t in tasks} == {w.social.code, w.marriage.code}
    assert all(t.risk_level == "A" for t in tasks)
    kinds = list(case_timeline(case, staff=True).values_list("event", flat=True))
    assert kinds.index("cases.decided") < kinds.index("verification.sample_drawn")
    assert verify_chain() is None


# --- outcomes and handling --------------------------------------------------------------------


@pytest.fixture
def untrue(w, settings) -> VerificationTask:
    everything_verified(settings)
    on_site_plans(w)
    case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    task = VerificationTask.objects.get(commitment__item=w.social)
    conclude(task, Outcome.INCONSISTENT)
    return VerificationTask.objects.get(pk=task.pk)


def test_a_verified_true_commitment_is_recorded_as_kept(
    w, settings, django_capture_on_commit_callbacks
):
    everything_verified(settings)
    on_site_plans(w)
    case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    task = VerificationTask.objects.get(commitment__item=w.social)
    with django_capture_on_commit_callbacks(execute=True):
        conclude(task, Outcome.CONSISTENT, "现场核查属实")
    # credit records it after commit, through the outbox ("commitment.verified_true")
    record = CreditRecord.objects.get(subject=w.person, kind="commitment_kept")
    assert record.case_ref == task.commitment.case.number
    reaction = Reaction.objects.get(handler="credit.record_commitment_kept")
    assert reaction.done_at is not None and reaction.attempts == 1
    # running it again (a redelivery) adds nothing
    from chengnuo.credit.handlers import record_commitment_kept

    record_commitment_kept(**reaction.payload)
    assert CreditRecord.objects.filter(subject=w.person, kind="commitment_kept").count() == 1


def test_revoking_an_approval_records_the_false_commitment_and_pushes_it(w, untrue):
    CreditPlatform.objects.create(
        name="信用阜阳", base_url="http://127.0.0.1:9", app_key="k", secret="s", active=True
    )
    h = handling.handling_decide(
        actor=w.officer,
        task=untrue,
        measure="revoke",
        reason="社保缴费记录仅3个月，与承诺的12个月不符",
        impact={"amount_yuan": 5000},
    )
    case = untrue.commitment.case
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REVOKED
    record = h.credit_record
    assert record.kind == "false_commitment" and record.subject == w.person
    assert record.case_ref == case.number
    assert PushMessage.objects.filter(record=record, change="created").exists()
    assert case_timeline(case, staff=True).filter(event="verification.handling_decided").exists()
    # combining a penalty with it does not record the same false commitment twice
    h2 = handling.handling_decide(
        actor=w.officer,
        task=untrue,
        measure="penalty",
        reason="依法给予行政处罚，罚款二千元",
        decision_number="阜人社罚〔2026〕12号",
        penalty_amount="2000",
    )
    assert h2.credit_record == record
    assert CreditRecord.objects.filter(kind="false_commitment").count() == 1
    assert verify_chain() is None


def test_terminating_is_only_for_a_case_not_concluded(w, untrue):
    with pytest.raises(DomainError) as exc:
        handling.handling_decide(
            actor=w.officer, task=untrue, measure="terminate", reason="承诺不实终止办理"
        )
    assert exc.value.code == "case_concluded"
    assert not CreditRecord.objects.filter(kind="false_commitment").exists()


def test_a_penalty_needs_its_decision_number_and_amount(w, untrue):
    with pytest.raises(DomainError) as exc:
        handling.handling_decide(
            actor=w.officer, task=untrue, measure="penalty", reason="依法处罚申请人"
        )
    fields = {d["field"] for d in exc.value.details}
    assert {"decision_number", "penalty_amount"} <= fields
    with pytest.raises(DomainError):
        handling.handling_decide(
            actor=w.officer, task=untrue, measure="referral", reason="涉嫌伪造公文"
        )
    assert not CreditRecord.objects.filter(kind="false_commitment").exists()


def test_rectified_in_time_closes_as_corrected_without_a_dishonesty_record(w, untrue):
    h = handling.handling_decide(
        actor=w.officer,
        task=untrue,
        measure="rectify",
        reason="缴费月数不足，责令补缴",
        rectification_days=10,
    )
    assert h.status == HandlingStatus.OPEN and h.deadline > timezone.localdate()
    h = handling.rectification_close(
        actor=w.officer, handling=h, rectified=True, note="已补缴社保9个月并提交凭证"
    )
    assert h.status == HandlingStatus.RECTIFIED
    assert not CreditRecord.objects.filter(kind="false_commitment").exists()


def test_not_rectified_in_time_escalates_and_the_officer_decides_again(w, untrue):
    h = handling.handling_decide(
        actor=w.officer, task=untrue, measure="rectify", reason="缴费月数不足，责令补缴"
    )
    assert handling.rectifications_escalate_overdue(on=h.deadline + dt.timedelta(days=1)) == 1
    h.refresh_from_db()
    assert h.status == HandlingStatus.ESCALATED
    h2 = handling.handling_decide(
        actor=w.officer, task=untrue, measure="revoke", reason="逾期未整改，撤销准予决定"
    )
    assert h2.credit_record is not None


def test_a_good_faith_error_corrected_in_time_leaves_no_dishonesty_record(w, untrue):
    h = handling.handling_decide(
        actor=w.officer,
        task=untrue,
        measure="good_faith",
        reason="申请人误将缴费起始月份填错，当日已更正，实际缴费满12个月",
    )
    assert h.credit_record is None
    assert not CreditRecord.objects.filter(kind="false_commitment").exists()
    line = AuditEvent.objects.filter(event="verification.handling_decided").last()
    assert "不记失信" in line.message


def test_handling_needs_an_inconsistent_outcome_and_the_agencys_officer(w, settings):
    everything_verified(settings)
    on_site_plans(w)
    case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    task = VerificationTask.objects.get(commitment__item=w.social)
    with pytest.raises(Conflict):
        handling.handling_decide(
            actor=w.officer, task=task, measure="revoke", reason="承诺不实撤销"
        )
    conclude(task, Outcome.INCONSISTENT)
    with pytest.raises(PermissionDenied):
        handling.handling_decide(actor=w.admin, task=task, measure="revoke", reason="承诺不实撤销")
    other = build_world(prefix="B")
    with pytest.raises(NotFound):
        handling.handling_decide(
            actor=other.officer, task=task, measure="revoke", reason="承诺不实"
        )
    assert Case.objects.get(pk=task.commitment.case_id).status == CaseStatus.APPROVED


def test_the_before_decision_untrue_commitment_is_terminated_with_a_record(w):
    d_level(w)
    on_site_plans(w)
    case = ready_case(w)
    task = VerificationTask.objects.filter(commitment__case=case).first()
    conclude(task, Outcome.INCONSISTENT)
    handling.handling_decide(
        actor=w.officer, task=task, measure="terminate", reason="现场核查发现经营场所不存在"
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.TERMINATED
    assert CreditRecord.objects.filter(kind="false_commitment", subject=w.person).count() == 1


def test_a_plan_is_validated_naming_every_problem(w):
    with pytest.raises(DomainError) as exc:
        services.plan_save(
            actor=w.admin,
            item=w.social,
            data={"methods": ["online", "exempt"], "timing": "x", "days": 0},
        )
    text = exc.value.message
    assert "免于核查不能与其他核查方式同时选择" in text and "核查时限" in text
    plan = services.plan_save(
        actor=w.admin,
        item=w.social,
        data={"methods": ["on_site"], "timing": "before_decision", "days": 5},
    )
    assert plan.timing == Timing.BEFORE_DECISION
    with pytest.raises(NotFound):
        services.plan_save(actor=w.officer, item=w.social, data={"methods": ["exempt"], "days": 5})


def test_only_signed_commitments_are_verified(w, settings):
    everything_verified(settings)
    on_site_plans(w)
    case = case_services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)
    c = sign(w.applicant, case, w.social)
    case_services.commitment_withdraw(actor=w.applicant, commitment=c, reason="改为提交单位证明")
    sign(w.applicant, case, w.marriage)
    for item in (w.social, w.diploma):
        case_services.proof_upload(
            actor=w.applicant, case_item=line(case, item), upload=pdf_upload()
        )
    case = case_services.case_submit(actor=w.applicant, case=Case.objects.get(pk=case.pk))
    case_services.case_decide(actor=w.officer, case=case, decision="approve")
    tasks = VerificationTask.objects.all()
    assert {t.commitment.item for t in tasks} == {w.marriage}
    assert all(t.status == TaskStatus.IN_PROGRESS for t in tasks)
    assert Commitment.objects.filter(status="withdrawn").count() == 1


def test_the_daily_command_escalates_overdue_rectifications(w, untrue):
    import io

    from django.core.management import call_command

    h = handling.handling_decide(
        actor=w.officer, task=untrue, measure="rectify", reason="缴费月数不足，责令补缴"
    )
    out = io.StringIO()
    call_command("escalate_rectifications", on=h.deadline.isoformat(), stdout=out)
    assert "escalated 0" in out.getvalue()
    call_command(
        "escalate_rectifications", on=(h.deadline + dt.timedelta(days=1)).isoformat(), stdout=out
    )
    assert "escalated 1" in out.getvalue()
    h.refresh_from_db()
    assert h.status == HandlingStatus.ESCALATED


# --- refusals must say specifically why (R-4.7, issue 11 §5) --------------------------------

STOCK_REFUSALS = [
    "不属于本单位职责，无法核查，请联系其他部门处理。",
    "该事项不在我局职责范围内，请向相关部门咨询。",
    "不属于本部门职能范围，无法提供，建议联系其他单位核实。",
    "我单位无相关信息，无法协助。特此函复。",
    "本局不掌握情况，暂无法答复，谢谢配合！",
    "经查，无此信息，请找有关部门核实处理",
]


@pytest.mark.parametrize("reason", STOCK_REFUSALS)
def test_a_refusal_made_only_of_stock_phrases_is_refused_with_that_reason(reason):
    problem = rules.refusal_problem(reason)
    assert problem is not None
    assert "套话" in problem and "具体原因" in problem


def test_the_refusal_names_the_stock_phrases_it_found():
    problem = rules.refusal_problem("不属于本单位职责，无法核查，请联系其他部门处理。")
    assert "不属于本单位职责" in problem and "请联系其他部门处理" in problem


def test_a_long_refusal_without_a_ground_is_refused():
    problem = rules.refusal_problem(
        "我们经过认真研究讨论后认为这件事情比较复杂，目前暂时还不方便给出答复意见"
    )
    assert problem is not None and "具体依据" in problem


@pytest.mark.parametrize(
    "reason",
    [
        # the record or data the agency does not hold
        "本局2019年以前的婚姻登记档案未录入系统，无法查询申请人当年的登记情况",
        "本中心不采集灵活就业人员的缴费明细，该类数据由省社保中心统一管理",
        "本局社保缴费数据自2024年起已统一归集至省级平台，本局系统无法查询该申请人的缴费明细",
        # the law that forbids the disclosure
        "申请人的病历属于个人隐私，依照《中华人民共和国个人信息保护法》第二十八条，未经本人同意不得提供",
        "所涉资料属国家秘密，依《中华人民共和国保守国家秘密法》不得向其他机关提供",
    ],
)
def test_a_refusal_stating_the_data_not_held_or_the_law_is_accepted(reason):
    assert rules.refusal_problem(reason) is None

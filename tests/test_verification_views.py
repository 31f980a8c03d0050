"""Pages of verification: the dashboard (due, overdue, outcomes by method), a task with its
handling form, the rectification result, re-running a draw from its seed, the plan editor, the
applicant's view of verification on the case page, and other agencies kept out (404)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from chengnuo.agencies.constants import Role
from chengnuo.cases import services as case_services
from chengnuo.cases.constants import CaseStatus
from chengnuo.cases.models import Case
from chengnuo.credit.models import CreditRecord
from chengnuo.verification import internal
from chengnuo.verification.constants import HandlingStatus, Outcome
from chengnuo.verification.models import Handling, SamplingDraw, VerificationPlan, VerificationTask

from .cases_helpers import World, build_world, ready_case
from .factories import user_with_role


@pytest.fixture
def w(db, settings) -> World:
    settings.VERIFICATION_INTENSITY = {
        level: {"share": 100, "timing": "after_decision"} for level in "ABC"
    }
    world = build_world()
    for n in (1, 2):
        user_with_role(Role.INSPECTOR, world.agency, username=f"A-inspector{n}")
    for item in (world.social, world.marriage):
        VerificationPlan.objects.create(item=item, methods=["on_site"], days=10)
    return world


@pytest.fixture
def approved(w) -> Case:
    return case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")


def untrue_task(w: World) -> VerificationTask:
    task = VerificationTask.objects.get(commitment__item=w.social)
    with transaction.atomic():
        internal.task_conclude(task=task, outcome=Outcome.INCONSISTENT, note="现场核查缴费记录不足")
    return VerificationTask.objects.get(pk=task.pk)


def test_the_dashboard_counts_open_tasks_and_outcomes_by_method(client, w, approved):
    untrue_task(w)
    client.force_login(w.officer)
    body = client.get(reverse("verification:dashboard")).content.decode()
    assert "核查工作台" in body and "现场核查" in body
    assert "承诺不实待处置" in body
    assert body.count("社会保险缴费证明") >= 1 and "婚姻状况证明" in body


def test_the_officer_orders_rectification_and_records_it_done_in_time(client, w, approved):
    task = untrue_task(w)
    client.force_login(w.officer)
    url = reverse("verification:task", kwargs={"pk": task.pk})
    page = client.get(url).content.decode()
    assert "处置承诺不实" in page and "承诺不实" in page
    refused = client.post(
        reverse("verification:task_handle", kwargs={"pk": task.pk}),
        {"measure": "penalty", "reason": "依法给予行政处罚"},
    )
    assert refused.status_code == 400 and "处罚决定书文号" in refused.content.decode()
    client.post(
        reverse("verification:task_handle", kwargs={"pk": task.pk}),
        {"measure": "rectify", "reason": "缴费月数不足，责令补缴", "rectification_days": "10"},
    )
    h = Handling.objects.get()
    assert h.status == HandlingStatus.OPEN
    client.post(
        reverse("verification:rectification", kwargs={"pk": h.pk}),
        {"rectified": "1", "note": "已补缴并提交凭证"},
    )
    h.refresh_from_db()
    assert h.status == HandlingStatus.RECTIFIED
    assert not CreditRecord.objects.filter(kind="false_commitment").exists()
    case_page = client.get(reverse("cases:detail", kwargs={"number": approved.number}))
    assert "责令限期整改" in case_page.content.decode()


def test_revoking_from_the_task_page_revokes_the_case_and_records_dishonesty(client, w, approved):
    task = untrue_task(w)
    client.force_login(w.officer)
    client.post(
        reverse("verification:task_handle", kwargs={"pk": task.pk}),
        {
            "measure": "revoke",
            "reason": "承诺缴费12个月，实际仅3个月",
            "impact_amount_yuan": "8000",
        },
    )
    assert Case.objects.get(pk=approved.pk).status == CaseStatus.REVOKED
    assert CreditRecord.objects.filter(kind="false_commitment", subject=w.person).exists()


def test_a_draw_is_re_run_from_its_seed_on_its_page(client, w, approved):
    draw = SamplingDraw.objects.get(case=approved)
    client.force_login(w.officer)
    body = client.get(reverse("verification:draw", kwargs={"pk": draw.pk})).content.decode()
    assert "与原抽样结果一致" in body and draw.seed in body


def test_the_agency_admin_edits_a_plan_and_errors_are_named(client, w):
    client.force_login(w.admin)
    url = reverse("verification:plan_edit", kwargs={"item_code": w.social.code})
    assert client.get(reverse("verification:plans")).status_code == 200
    bad = client.post(
        url,
        {
            "methods": ["exempt", "on_site"],
            "timing": "after_decision",
            "days": "10",
            "comparisons": "[]",
        },
    )
    assert bad.status_code == 400 and "免于核查不能与其他核查方式同时选择" in bad.content.decode()
    client.post(
        url,
        {
            "methods": ["on_site"],
            "timing": "before_decision",
            "days": "7",
            "comparisons": "[]",
            "fallback": "on_site",
        },
    )
    plan = VerificationPlan.objects.get(item=w.social)
    assert plan.timing == "before_decision" and plan.days == 7
    client.force_login(w.officer)
    assert client.get(url).status_code == 404


def test_the_applicant_sees_verification_and_other_agencies_get_404(client, w, approved):
    task = untrue_task(w)
    client.force_login(w.applicant)
    body = client.get(reverse("cases:detail", kwargs={"number": approved.number})).content.decode()
    assert "现场核查" in body and "承诺不实" in body
    assert client.get(reverse("verification:task", kwargs={"pk": task.pk})).status_code == 404
    other = build_world(prefix="B")
    client.force_login(other.officer)
    for url in (
        reverse("verification:task", kwargs={"pk": task.pk}),
        reverse("verification:draw", kwargs={"pk": SamplingDraw.objects.get().pk}),
    ):
        assert client.get(url).status_code == 404
    response = client.post(
        reverse("verification:task_handle", kwargs={"pk": task.pk}),
        {"measure": "revoke", "reason": "别的机关来撤销"},
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=approved.pk).status == CaseStatus.APPROVED
    assert (
        str(task.commitment.item.name)
        not in client.get(reverse("verification:dashboard")).content.decode()
    )

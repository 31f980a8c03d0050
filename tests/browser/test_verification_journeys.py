"""Verification in a real browser (R-4.6, R-4.7): the requested agency answers an assistance
request from its inbox (a boilerplate refusal is refused inline first) with evidence, which
concludes the task; an inspector completes an on-site task on a phone-sized viewport with a
photo, the findings and the result, without horizontal scrolling."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from chengnuo.agencies.constants import Role
from chengnuo.cases.models import Commitment
from chengnuo.core.calendar import add_working_days
from chengnuo.verification import assistance, internal
from chengnuo.verification.constants import (
    AssistanceStatus,
    InspectionStatus,
    Outcome,
    TaskStatus,
    VerificationMethod,
)
from chengnuo.verification.models import AssistanceRequest, VerificationTask

from ..cases_helpers import PDF, PNG, World, build_world, ready_case
from ..factories import PASSWORD, AgencyFactory, user_with_role
from .conftest import DEFAULT_TIMEOUT_MS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def world(transactional_db, fast_passwords, media) -> World:
    return build_world(prefix="V")


def make_task(w: World, method: str) -> VerificationTask:
    case = ready_case(w)
    return VerificationTask.objects.create(
        commitment=Commitment.objects.get(case=case, item=w.social),
        agency=w.agency,
        method=method,
        due_date=add_working_days(timezone.localdate(), 20),
    )


def test_an_agency_answers_an_assistance_request_from_its_inbox(live_server, world, page):
    helper = AgencyFactory(name="阜阳市人力资源和社会保障局")
    user_with_role(Role.CASE_OFFICER, helper, username="hr-officer")
    task = make_task(world, VerificationMethod.ASSISTANCE)
    req = assistance.assistance_request(
        actor=world.officer,
        task=task,
        agency=helper,
        questions="请核查申请人近12个月社会保险缴费是否连续",
    )
    site = live_server.url.rstrip("/")
    login(page, site, "hr-officer", PASSWORD)
    page.goto(f"{site}/verification/assistance/")
    inbox = page.locator("#inbox")
    expect(inbox).to_contain_text("社会保险缴费证明")
    expect(inbox).to_contain_text("待答复")
    inbox.get_by_role("link", name="社会保险缴费证明").click()
    expect(page.locator("main")).to_contain_text("请核查申请人近12个月社会保险缴费是否连续")

    # a stock phrase is not a written reason: refused inline, nothing recorded
    page.locator("#refuse-form summary").click()
    page.locator("#id_reason").fill("不属于本单位职责。")
    page.get_by_role("button", name="提交书面说明").click()
    expect(page.locator("#reason-errors")).to_contain_text("套话")
    assert AssistanceRequest.objects.get(pk=req.pk).status == AssistanceStatus.OPEN

    page.get_by_label("承诺属实").check()
    page.locator("#id_answer").fill("经查询本局社保系统，该申请人近12个月缴费连续，无中断")
    page.locator("#id_evidence").set_input_files(
        {"name": "缴费记录.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="提交答复").click()
    expect(page.locator("#assistance-status")).to_have_text("已答复")
    expect(page.locator("#answer")).to_contain_text("缴费记录.pdf")

    req.refresh_from_db()
    assert req.status == AssistanceStatus.ANSWERED and req.evidence_digest
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.outcome == Outcome.CONSISTENT


def test_an_inspector_completes_an_on_site_task_on_a_phone(live_server, world, browser):
    for i in (1, 2):
        user_with_role(Role.INSPECTOR, world.agency, username=f"inspector{i}")
    task = make_task(world, VerificationMethod.ON_SITE)
    with transaction.atomic():
        inspection = internal.inspection_create(task)
    inspector = inspection.inspectors.order_by("username").first()
    assert inspector is not None

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(DEFAULT_TIMEOUT_MS)
        site = live_server.url.rstrip("/")
        login(page, site, inspector.username, PASSWORD)
        page.goto(f"{site}/verification/inspections/")
        card = page.locator("#inspections a.task-card", has_text="社会保险缴费证明")
        expect(card).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        card.tap()
        expect(page.locator("#inspection-status")).to_have_text("已派发")
        expect(page.locator("#facts")).to_contain_text("是")
        expect(page.locator("#verified-online")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.locator("#id_findings").fill("现场查看：申请人社保卡及缴费凭证与承诺一致")
        page.locator("#id_photos").set_input_files(
            {"name": "现场.png", "mimeType": "image/png", "buffer": PNG}
        )
        page.get_by_label("承诺属实").check()
        submit = page.get_by_role("button", name="提交核查结果")
        box = submit.bounding_box()
        assert box is not None and box["height"] >= 44  # a large tap target
        submit.tap()
        expect(page.locator("#inspection-status")).to_have_text("已完成")
        expect(page.locator("#result")).to_contain_text("承诺属实")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()

    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.DONE and inspection.photos.count() == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.outcome == Outcome.CONSISTENT

"""Cases in a real browser (R-2.1, R-2.2, R-3.3, R-6.2, R-6.4): an applicant applies online,
commits two items and proves a third, and the officer approves; an applicant withdraws a
commitment and uploads the proof instead; a window clerk handles a walk-in applicant with a
serious credit record, who is refused commitment and goes on with the proof."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from chengnuo.accounts.models import User
from chengnuo.cases.constants import CaseStatus, CommitmentStatus
from chengnuo.cases.models import Case, Commitment
from chengnuo.catalog.models import Matter
from chengnuo.credit.models import Subject
from chengnuo.demo.data import DEMO_PASSWORD

from ..cases_helpers import PDF
from .conftest import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROOF = {"name": "工作年限证明.pdf", "mimeType": "application/pdf", "buffer": PDF}
MATTER = "340100-RS-001"  # 专业技术人员职业资格考试报名: three items under commitment
ITEMS = ("学历学位证明", "从事专业工作年限证明", "技能人员职业资格证书")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def clean_applicant(site) -> User:
    """The demo applicant account of 李四 (clean credit: kept commitments only)."""
    return User.objects.get(username="lisi")


def start_case(page, site: str) -> str:
    page.goto(f"{site}/matters/{MATTER}/")
    page.get_by_role("link", name="网上申请办理").click()
    page.get_by_role("button", name="开始申请").click()
    expect(page.locator("#case-status")).to_have_text("填报中")
    return page.url


def sign_item(page, name: str) -> None:
    page.locator("section.case-item", has_text=name).get_by_role(
        "link", name="阅读告知书并签署承诺书"
    ).click()
    expect(page.get_by_role("heading", name="第一步：阅读告知书")).to_be_visible()
    for field in page.locator("input[name^=fact_]").all():
        field.fill("符合，已满足告知书所列条件")
    page.locator("input[name=confirmed]").check()
    page.get_by_role("button", name="签署承诺书").click()
    expect(page.locator("main")).to_contain_text(f"已签署“{name}”的承诺书")


def test_applicant_commits_two_items_proves_a_third_and_the_officer_approves(
    site, new_page, media, clean_applicant
):
    page = new_page()
    login(page, site, "lisi", DEMO_PASSWORD)
    case_url = start_case(page, site)
    sign_item(page, ITEMS[0])
    sign_item(page, ITEMS[1])
    third = page.locator("section.case-item", has_text=ITEMS[2])
    third.get_by_role("button", name="改为提交证明").click()
    third = page.locator("section.case-item", has_text=ITEMS[2])
    third.locator("input[type=file]").set_input_files(files=[PROOF])
    third.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("main")).to_contain_text("工作年限证明.pdf")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#case-status")).to_have_text("审查中")
    expect(page.locator("ol.timeline")).to_contain_text("签署承诺书")
    number = case_url.rstrip("/").rsplit("/", 1)[-1]
    logout(page)

    officer = new_page()
    login(officer, site, "rsj_officer", DEMO_PASSWORD)
    officer.goto(f"{site}/cases/queue/")
    officer.get_by_role("link", name=number).click()
    expect(officer.locator("main")).to_contain_text("信用风险等级")
    officer.locator("input[name=decision][value=approve]").check()
    officer.get_by_role("button", name="提交决定").click()
    expect(officer.locator("#case-status")).to_have_text("准予办理")
    expect(officer.locator("ol.timeline")).to_contain_text("生成核查任务")
    case = Case.objects.get(number=number)
    assert case.status == CaseStatus.APPROVED
    assert case.commitments.filter(status=CommitmentStatus.SIGNED).count() == 2
    # 学历学位证明 is published on the website, masked
    public = new_page()
    public.goto(f"{site}/commitments/")
    expect(public.locator("main")).to_contain_text("学历学位证明")
    expect(public.locator("main")).to_contain_text("李*")
    expect(public.locator("main")).not_to_contain_text("李四")


def test_applicant_withdraws_a_commitment_and_uploads_the_proof_instead(
    site, new_page, media, clean_applicant
):
    page = new_page()
    login(page, site, "lisi", DEMO_PASSWORD)
    start_case(page, site)
    sign_item(page, ITEMS[1])
    section = page.locator("section.case-item", has_text=ITEMS[1])
    section.locator("summary", has_text="退出承诺").click()
    section.locator("textarea[name=reason]").fill("原单位已出具工作年限证明，改为提交证明材料")
    section.get_by_role("button", name="确认退出承诺").click()
    expect(page.locator("main")).to_contain_text("请改为提交证明材料")
    section = page.locator("section.case-item", has_text=ITEMS[1])
    expect(section).to_contain_text("已退出承诺")
    section.locator("input[type=file]").set_input_files(files=[PROOF])
    section.get_by_role("button", name="上传", exact=True).click()
    section = page.locator("section.case-item", has_text=ITEMS[1])
    expect(section).to_contain_text("已完成")
    expect(page.locator("ol.timeline")).to_contain_text("退出承诺")
    c = Commitment.objects.get(case__started_by__username="lisi", item__name=ITEMS[1])
    assert c.status == CommitmentStatus.WITHDRAWN
    assert c.withdrawal_reason.startswith("原单位已出具")


def test_clerk_handles_a_walk_in_applicant_with_a_serious_record_refused_commitment(
    site, new_page, media
):
    subject = Subject.objects.get(name="王五")  # serious external dishonesty, 120 days ago
    page = new_page()
    login(page, site, "rsj_clerk", DEMO_PASSWORD)
    page.get_by_role("link", name="窗口受理").first.click()
    page.locator("select[name=id_type]").first.select_option("resident_id")
    page.locator("input[name=id_value]").first.fill(subject.identifier())
    page.get_by_role("button", name="查找").click()
    found = page.locator("#found-subject")
    expect(found).to_contain_text("王*（")
    expect(found).to_contain_text(subject.id_masked)
    expect(found).to_contain_text(re.compile("信用风险等级：[CD]"))
    expect(page.locator("main")).not_to_contain_text(subject.identifier())
    found.locator("select[name=matter]").select_option(str(Matter.objects.get(code=MATTER).pk))
    found.get_by_role("button", name="为该申请人创建办件").click()
    expect(page.locator("#case-status")).to_have_text("填报中")
    first = page.locator("section.case-item", has_text=ITEMS[0])
    expect(first).to_contain_text("不能选择告知承诺")
    expect(first).to_contain_text("失信记录")
    expect(first).to_contain_text("信用修复")
    expect(first.get_by_role("link", name="阅读告知书并签署承诺书")).to_have_count(0)
    first.locator("input[type=file]").set_input_files(files=[PROOF])
    first.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("section.case-item", has_text=ITEMS[0])).to_contain_text("已完成")
    case = Case.objects.get(subject=subject)
    assert case.channel == "window"
    assert not case.items.filter(commit_offered=True).exists()
    assert not Commitment.objects.filter(case=case).exists()

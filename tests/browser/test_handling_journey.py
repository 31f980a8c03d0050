"""Handling an untrue commitment in a real browser (R-4.5, R-4.8, R-5.5): the officer of
市人社局 reviews an inconsistent online result from the demo (钱八 committed to having lost his
job not of his own will; the social insurance data shows him insured as employed), orders
rectification by a deadline, then records the rectification as done in time — which closes the
matter as corrected and leaves no false-commitment record."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from chengnuo.credit.constants import RecordKind
from chengnuo.credit.models import CreditRecord
from chengnuo.demo.data import DEMO_PASSWORD
from chengnuo.verification.constants import HandlingStatus, Measure, Outcome
from chengnuo.verification.models import Handling, VerificationTask

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEM = "非因本人意愿中断就业证明"


def test_officer_reviews_an_inconsistent_online_result_and_orders_rectification(page, site):
    task = VerificationTask.objects.select_related("commitment__subject").get(
        outcome=Outcome.INCONSISTENT,
        handlings=None,
        commitment__subject__name="钱八",
        commitment__item__code="RS-ZM-003",
    )
    subject = task.commitment.subject
    false_before = CreditRecord.objects.filter(
        subject=subject, kind=RecordKind.FALSE_COMMITMENT
    ).count()

    login(page, site, "rsj_officer", DEMO_PASSWORD)
    page.goto(f"{site}/verification/")
    expect(page.get_by_role("heading", name="核查工作台", exact=True)).to_be_visible()
    page.locator("select[name=outcome]").select_option(label="承诺不实")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"outcome=inconsistent"))
    rows = page.locator("#tasks tbody tr")
    expect(rows.first).to_be_visible()
    for text in page.locator("#tasks tbody tr td:last-child").all_inner_texts():
        assert text.strip() == "承诺不实"
    row = page.locator("#tasks tbody tr", has=page.locator(f"a[href$='/tasks/{task.pk}/']"))
    expect(row).to_contain_text(ITEM)
    expect(row).to_contain_text(subject.display_name)
    row.get_by_role("link", name=ITEM).click()

    expect(page.get_by_role("heading", name=f"核查任务：{ITEM}")).to_be_visible()
    expect(page.locator("#task-outcome")).to_have_text("承诺不实")
    line = page.locator("table.comparison tbody tr", has_text="当前无参保就业")
    expect(line).to_contain_text("为否")  # what the commitment requires
    expect(line).to_contain_text("是")  # what the social insurance source says (employed)
    expect(line.locator("td").last).to_have_text("不一致")
    expect(page.locator("#task-status")).to_contain_text("社会保险缴费信息")

    form = page.locator("#handling-form")
    form.get_by_label("责令限期整改").check()
    form.locator("#id_reason").fill(
        "经比对社会保险参保信息，申请人目前仍由阜阳颍泉智联软件有限公司缴纳社会保险，"
        "处于参保就业状态，与承诺的非因本人意愿中断就业不符，责令限期说明情况并补正"
    )
    form.locator("#id_legal_basis").fill("《失业保险条例》第十四条；阜政办〔2021〕1号")
    form.locator("#id_days").fill("10")
    form.get_by_role("button", name="记录处置").click()

    expect(page.locator("main")).to_contain_text("已记录处置措施：责令限期整改")
    handlings = page.locator("ul.handlings")
    expect(handlings).to_contain_text("责令限期整改")
    expect(handlings).to_contain_text("整改中")
    expect(handlings).to_contain_text("整改期限")
    expect(page.locator("#handling-form")).to_have_count(0)  # one open rectification at a time
    handling = Handling.objects.get(task=task)
    assert handling.measure == Measure.RECTIFY
    assert handling.status == HandlingStatus.OPEN
    assert handling.deadline is not None
    assert handling.credit_record_id is None

    page.get_by_label("已按期整改").check()
    page.locator("#id_note").fill(
        "申请人补交了单位出具的解除劳动合同证明和社保减员记录，参保状态系单位未及时办理减员"
    )
    page.get_by_role("button", name="登记", exact=True).click()

    expect(page.locator("main")).to_contain_text("已登记整改结果：已按期整改")
    expect(handlings).to_contain_text("已按期整改")
    expect(handlings).to_contain_text("不记失信")
    handling.refresh_from_db()
    assert handling.status == HandlingStatus.RECTIFIED
    assert handling.credit_record_id is None
    ref = f"commitment:{task.commitment_id}:false"
    assert not CreditRecord.objects.filter(verification_ref=ref).exists()
    assert (
        CreditRecord.objects.filter(subject=subject, kind=RecordKind.FALSE_COMMITMENT).count()
        == false_before
    )

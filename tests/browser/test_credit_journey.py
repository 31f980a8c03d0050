"""The credit repair journey in a real browser (R-5.4, R-2.2): the applicant applies online
with materials, the credit officer approves, and commitment eligibility is restored."""

from __future__ import annotations

import datetime as dt
import re
import types

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chengnuo.accounts.models import User
from chengnuo.credit import services
from chengnuo.credit.constants import RecordKind, RecordStatus, RepairStatus
from chengnuo.credit.models import CreditRecord, RepairApplication, SubjectLink
from chengnuo.demo.data import DEMO_PASSWORD

from ..cases_helpers import PDF
from .conftest import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEM = types.SimpleNamespace(under_commitment=True, status="in_force", code="X")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _subject_of_applicant():
    link = SubjectLink.objects.select_related("subject").get(
        user__username="applicant", relation=SubjectLink.Relation.SELF
    )
    return link.subject


def test_applicant_repairs_a_record_and_the_officer_approves(site, new_page, media):
    subject = _subject_of_applicant()
    officer = User.objects.get(username="credit_officer")
    # The demo's only record past its minimum period already has a pending repair: decide it
    # (approved) and give 张三 a fresh record that is the only one still counting.
    for repair in RepairApplication.objects.filter(
        record__subject=subject, status=RepairStatus.SUBMITTED
    ):
        services.repair_decide(actor=officer, repair=repair, approve=True)
    decided_on = timezone.localdate() - dt.timedelta(days=400)
    record = services.credit_record_create(
        actor=officer,
        subject=subject,
        kind=RecordKind.FALSE_COMMITMENT,
        summary="申请住房补贴时承诺名下无住房，核查发现与事实不符，已退回补贴。",
        decided_on=decided_on,
        impact={"amount_yuan": 3000},
    )
    before = services.eligibility_of(subject, ITEM)
    assert not before.allowed
    assert [r.record_id for r in before.reasons] == [record.pk]

    # --- the applicant applies online with a proof ------------------------------------------
    page = new_page()
    login(page, site, "applicant", DEMO_PASSWORD)
    page.get_by_role("link", name=re.compile("我的信用")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的信用")
    row = page.locator("tr", has_text=decided_on.isoformat())
    expect(row).to_contain_text("有效")
    row.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("申请住房补贴时承诺名下无住房")
    page.locator("[name=statement]").fill("已全额退回住房补贴3000元，附退款凭证。")
    page.locator("[name=commitment_letter]").fill(
        "本人承诺今后如实作出承诺，如有不实愿意承担责任。"
    )
    page.locator("input[name=materials]").set_input_files(
        files=[{"name": "退款凭证.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="提交修复申请").click()
    expect(page.locator("main")).to_contain_text("信用修复申请已提交")
    expect(page.get_by_role("link", name="退款凭证.pdf")).to_be_visible()
    repair = RepairApplication.objects.get(record=record)
    assert repair.status == RepairStatus.SUBMITTED
    assert [m.original_name for m in repair.materials.all()] == ["退款凭证.pdf"]
    logout(page)

    # --- the credit officer reviews the materials and approves ------------------------------
    page = new_page()
    login(page, site, "credit_officer", DEMO_PASSWORD)
    page.get_by_role("link", name=re.compile("信用修复与异议待办")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("修复与异议待办")
    page.locator(f"a[href$='/credit/repairs/{repair.pk}/decide/']").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{repair.pk}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="退款凭证.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "退款凭证.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == PDF
    page.get_by_label("准予修复").check()
    page.get_by_role("button", name="提交决定").click()
    expect(page.locator("main")).to_contain_text("已作出信用修复决定")
    logout(page)

    record.refresh_from_db()
    assert record.status == RecordStatus.REPAIRED
    after = services.eligibility_of(subject, ITEM)
    assert after.allowed, after.reasons
    assert not CreditRecord.objects.filter(
        subject=subject, status__in=[RecordStatus.ACTIVE, RecordStatus.UNDER_OBJECTION]
    ).exists()

    # --- the applicant sees the record as repaired ------------------------------------------
    page = new_page()
    login(page, site, "applicant", DEMO_PASSWORD)
    page.goto(f"{site}/credit/my/")
    expect(page.locator("tr", has_text=decided_on.isoformat())).to_contain_text("已修复")

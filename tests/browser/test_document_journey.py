"""The template editor's journey in a real browser (issue 4 §6, R-3.1, R-3.2, R-3.4): an agency
admin edits a notification, sees the linter's findings inline (htmx) while typing, fixes them,
saves and publishes; the public page then offers the new version as DOCX and PDF."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from chengnuo.catalog.models import CertificationItem
from chengnuo.demo.data import DEMO_PASSWORD
from chengnuo.documents.models import TemplateVersion

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEM = "RS-ZM-001"
VAGUE = "报考人员须提交学历学位证书等相关证明材料"
PRECISE = "报考人员须提交学历学位证书原件"


def test_admin_fixes_linter_findings_inline_publishes_and_public_gets_docx_pdf(site, new_page):
    versions = TemplateVersion.objects.filter(item__code=ITEM, kind="notification")
    assert versions.count() == 1  # the demo published version 1

    page = new_page()
    login(page, site, "rsj_admin", DEMO_PASSWORD)
    page.goto(f"{site}{reverse('portal:workbench')}")
    page.get_by_role("link", name="告知书和承诺书编辑").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("告知书和承诺书编辑")
    page.locator(
        f"a[href='{reverse('documents:staff_edit', args=[ITEM, 'notification'])}']"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("告知书")

    proof = page.get_by_label("证明内容或许可条件和材料要求")
    findings = page.locator("#findings-proof_content")
    expect(findings).not_to_contain_text("等相关证明")

    # Typing a catch-all clause: the finding appears inline, without submitting the form.
    proof.fill(VAGUE)
    proof.press("End")  # a keyup: htmx posts the text after 500 ms
    expect(findings).to_contain_text("“等相关证明”")
    expect(findings).to_contain_text("阻断性问题")
    expect(findings).to_contain_text("申请人无法确定须提交哪些证明")
    assert "/staff/" in page.url and versions.count() == 1

    # A precise text: the finding disappears.
    proof.fill(PRECISE)
    proof.press("End")
    expect(findings).not_to_contain_text("等相关证明")
    expect(findings).to_contain_text("未发现模糊表述或兜底条款")

    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".messages")).to_contain_text("草稿已保存")
    expect(page.get_by_label("证明内容或许可条件和材料要求")).to_have_value(PRECISE)
    page.get_by_role("button", name="保存并发布").click()
    expect(page.locator(".messages")).to_contain_text("已发布告知书第2版")
    assert versions.count() == 2
    assert versions.get(number=2).content["fields"]["proof_content"] == PRECISE

    # Anyone: the public list offers the new version as DOCX and PDF.
    matter = CertificationItem.objects.get(code=ITEM).matters.order_by("code").first()
    assert matter is not None
    public = new_page()
    public.goto(f"{site}{reverse('documents:index')}?matter={matter.code}")
    row = public.locator("tr", has_text=ITEM).filter(has_text="告知书")
    expect(row).to_contain_text("第2版")
    docx = row.get_by_role("link", name="DOCX")
    pdf = row.get_by_role("link", name="PDF")
    expect(docx).to_have_attribute("href", re.compile(rf"/{ITEM}/notification/v2\.docx$"))
    expect(pdf).to_have_attribute("href", re.compile(rf"/{ITEM}/notification/v2\.pdf$"))
    response = public.request.get(f"{site}{pdf.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.body().startswith(b"%PDF")

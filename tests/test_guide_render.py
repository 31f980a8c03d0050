"""Public service guides and work rules (R-3.4): the DOCX and PDF renderings with the section
labels and the R-3.5 marking, the listing and the HTML page without login, the downloads with
their ASCII filenames, 404s, and the matter page's link to its guide."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document

from chengnuo.catalog import services as catalog_services
from chengnuo.catalog.models import CertificationItem
from chengnuo.documents import guides, render
from chengnuo.documents.guide_models import GuideVersion

from .factories import CertificationItemFactory, item_payload

MARK = "实行告知承诺制"
ALTERNATIVE = "可选择告知承诺方式（签署告知承诺书）或提交证明材料"


@pytest.fixture
def item(admin_a, reviewer, agency_a, matter_a) -> CertificationItem:
    proposal = catalog_services.proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="RS-X-1",
        payload=item_payload(matter_codes=[matter_a.code], risk_points="申请人隐瞒犯罪记录"),
        reason="法规修订后调整",
        law_change="《某条例》2026年修订",
        effective_date=catalog_services.today(),
    )
    catalog_services.proposal_file(actor=reviewer, proposal=proposal)
    return CertificationItem.objects.get(code="RS-X-1")


@pytest.fixture
def plain_item(agency_a, matter_a) -> CertificationItem:
    plain = CertificationItemFactory(
        agency=agency_a, code="RS-X-2", name="学历证明", not_under_commitment=True
    )
    plain.matters.add(matter_a)
    return plain


@pytest.fixture
def guide_version(admin_a, matter_a, item, plain_item) -> GuideVersion:
    guide = guides.guide_draft_create(actor=admin_a, matter=matter_a)
    guide = guides.guide_draft_update(
        actor=admin_a, guide=guide, data={"promised_time_limit_days": 10}
    )
    return guides.guide_publish(actor=admin_a, guide=guide)


@pytest.fixture
def rules_version(admin_a, item) -> GuideVersion:
    rules = guides.work_rules_draft_create(actor=admin_a, item=item)
    return guides.work_rules_publish(actor=admin_a, rules=rules)


def docx_text(body: bytes) -> str:
    document = Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts += [p.text for section in document.sections for p in section.footer.paragraphs]
    return "\n".join(parts)


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    text = "".join(page.extract_text() for page in reader.pages)
    return "".join(text.replace("\x00", "").split())


def _render(version: GuideVersion, fmt: str) -> bytes:
    renderer = render.render_guide_docx if fmt == "docx" else render.render_guide_pdf
    return renderer(version.content, number=version.number, digest=version.digest)


# --- DOCX / PDF -----------------------------------------------------------------------------


def test_guide_docx_has_every_section_the_marking_and_the_digest(guide_version, matter_a):
    text = docx_text(_render(guide_version, "docx"))
    assert f"{matter_a.name}办事指南" in text
    for _field, label in guides.GUIDE_SECTIONS:
        assert label in text
    assert MARK in text and ALTERNATIVE in text
    assert "无犯罪记录证明" in text and "学历证明" in text
    assert "需提交证明" in text  # the proof not under commitment
    assert "10个工作日" in text
    assert "版本：第1版" in text and guide_version.digest in text


def test_work_rules_docx_has_the_steps_and_every_section(rules_version, item):
    text = docx_text(_render(rules_version, "docx"))
    assert f"{item.name}工作规程" in text
    for _field, label in guides.WORK_RULES_SECTIONS:
        assert label in text
    for i, step in enumerate(rules_version.content["steps"], start=1):
        assert f"{i}. {step}" in text
    assert "申请人隐瞒犯罪记录" in text
    assert rules_version.digest in text


def test_guide_pdf_has_the_matter_name_and_the_marking(guide_version, matter_a, agency_a):
    body = _render(guide_version, "pdf")
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    assert matter_a.name in text
    assert agency_a.name in text
    assert MARK in text
    assert "申请材料" in text and "承诺退出" in text
    assert guide_version.digest in text


def test_work_rules_pdf_has_the_item_and_the_steps(rules_version, item):
    text = pdf_text(_render(rules_version, "pdf"))
    assert f"{item.name}工作规程" in text
    assert "办理步骤" in text and "风险点" in text
    assert "".join(rules_version.content["steps"][0].split()) in text


def test_guide_filenames_are_ascii(guide_version, rules_version, matter_a, item):
    assert render.guide_filename(guide_version, "pdf") == f"guide-{matter_a.code}-v1.pdf"
    assert render.guide_filename(rules_version, "docx") == f"work-rules-{item.code}-v1.docx"


# --- public pages ---------------------------------------------------------------------------


def test_index_lists_guides_and_work_rules_without_login(
    client, guide_version, rules_version, agency_a, agency_b, matter_a, item
):
    response = client.get(reverse("documents:guides"))
    assert response.status_code == 200
    html = response.content.decode()
    assert agency_a.name in html
    assert matter_a.name in html and item.name in html
    assert "办事指南" in html and "工作规程" in html
    assert "第1版" in html
    for v in (guide_version, rules_version):
        assert reverse("documents:guide_version", kwargs={"pk": v.pk}) in html
        for fmt in ("docx", "pdf"):
            assert reverse("documents:guide_download", kwargs={"pk": v.pk, "fmt": fmt}) in html

    other = client.get(reverse("documents:guides"), {"agency": agency_b.pk}).content.decode()
    assert matter_a.name not in other
    bad = client.get(reverse("documents:guides"), {"agency": "x"})
    assert bad.status_code == 200 and matter_a.name in bad.content.decode()


def test_guide_page_shows_sections_materials_marking_and_digest(client, guide_version, matter_a):
    response = client.get(reverse("documents:guide_version", kwargs={"pk": guide_version.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{matter_a.name}办事指南" in html
    for _field, label in guides.GUIDE_SECTIONS:
        assert label in html
    assert MARK in html and ALTERNATIVE in html
    assert guide_version.digest in html
    assert "data-print" in html  # the print button (static/chengnuo/site.js)


def test_work_rules_page_shows_the_steps(client, rules_version):
    response = client.get(reverse("documents:guide_version", kwargs={"pk": rules_version.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<ol class="steps">' in html
    for _field, label in guides.WORK_RULES_SECTIONS:
        assert label in html
    assert rules_version.digest in html


def test_docx_download(client, guide_version, matter_a):
    url = reverse("documents:guide_download", kwargs={"pk": guide_version.pk, "fmt": "docx"})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == render.DOCX_CONTENT_TYPE
    assert (
        response["Content-Disposition"] == f'attachment; filename="guide-{matter_a.code}-v1.docx"'
    )
    assert MARK in docx_text(response.content)


def test_pdf_download(client, rules_version, item):
    url = reverse("documents:guide_download", kwargs={"pk": rules_version.pk, "fmt": "pdf"})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == render.PDF_CONTENT_TYPE
    assert (
        response["Content-Disposition"] == f'attachment; filename="work-rules-{item.code}-v1.pdf"'
    )
    assert item.name in pdf_text(response.content)


@pytest.mark.parametrize(
    "url",
    ["/documents/guides/999999/", "/documents/guides/999999.pdf", "/documents/guides/0/"],
)
def test_unknown_guide_versions_are_404(client, guide_version, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("fmt", ["txt", "html", "PDF", "docx2"])
def test_unknown_formats_are_404(client, guide_version, fmt):
    assert client.get(f"/documents/guides/{guide_version.pk}.{fmt}").status_code == 404


def test_huge_pk_is_404(client, db):
    assert client.get(f"/documents/guides/{2**70}/").status_code == 404


def test_matter_page_links_to_its_guide_only_when_published(client, admin_a, matter_a, item):
    url = reverse("portal:matter_detail", args=[matter_a.code])
    assert "本事项办事指南" not in client.get(url).content.decode()
    guide = guides.guide_draft_create(actor=admin_a, matter=matter_a)
    guide = guides.guide_draft_update(
        actor=admin_a, guide=guide, data={"promised_time_limit_days": 10}
    )
    first = guides.guide_publish(actor=admin_a, guide=guide)
    html = client.get(url).content.decode()
    assert "本事项办事指南（可下载）" in html
    assert reverse("documents:guide_version", kwargs={"pk": first.pk}) in html

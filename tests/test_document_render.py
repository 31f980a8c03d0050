"""Issue 4 §5: published notifications and commitment templates as HTML, DOCX and PDF on the
public portal (R-3.4); the PDF embeds an installed CJK font and the Chinese comes through."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from docx import Document

from chengnuo.catalog import services as catalog_services
from chengnuo.catalog.models import CertificationItem
from chengnuo.documents import render, services
from chengnuo.documents.constants import COMMITMENT_DECLARATIONS, NOTIFICATION_ELEMENTS
from chengnuo.documents.models import TemplateVersion

from .factories import item_payload


@pytest.fixture
def item(admin_a, reviewer, agency_a, matter_a) -> CertificationItem:
    proposal = catalog_services.proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="RS-X-1",
        payload=item_payload(
            matter_codes=[matter_a.code], disclosure_scope="website", disclosure_period_days=30
        ),
        reason="法规修订后调整",
        law_change="《某条例》2026年修订",
        effective_date=catalog_services.today(),
    )
    catalog_services.proposal_file(actor=reviewer, proposal=proposal)
    return CertificationItem.objects.get(code="RS-X-1")


@pytest.fixture
def published(admin_a, item) -> tuple[TemplateVersion, TemplateVersion]:
    notification, commitment = services.template_draft_create(actor=admin_a, item=item)
    return (
        services.template_publish(actor=admin_a, template=notification),
        services.template_publish(actor=admin_a, template=commitment),
    )


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
    # pypdf interleaves NULs when decoding fpdf2's two-byte Identity-H codes; the mapped
    # characters themselves are right. Strip them along with layout whitespace.
    return "".join(text.replace("\x00", "").split())


# --- DOCX -----------------------------------------------------------------------------------


def test_notification_docx_has_title_every_element_and_the_digest(published, item, agency_a):
    notification, _commitment = published
    text = docx_text(render.render_version(notification, "docx"))
    assert f"{item.name}告知书" in text
    assert agency_a.name in text
    for _field, label in NOTIFICATION_ELEMENTS:
        assert label in text
    assert notification.content["fields"]["legal_basis"] in text
    assert notification.digest in text and "第1版" in text


def test_commitment_docx_has_facts_table_declarations_signature_and_digest(published, item):
    _notification, commitment = published
    body = render.render_version(commitment, "docx")
    text = docx_text(body)
    assert f"{item.name}承诺书" in text
    for _field, label in COMMITMENT_DECLARATIONS:
        assert label in text
    table = Document(io.BytesIO(body)).tables[0]
    fact = commitment.content["facts"][0]
    assert table.rows[0].cells[0].text == fact["label"]
    assert table.rows[0].cells[1].text == render.BLANK  # unfilled: a blank line to write on
    assert "承诺人（签字或盖章）" in text and "日期" in text
    assert commitment.digest in text


def test_prefilled_commitment_docx_has_the_fact_value_and_the_masked_name(published):
    _notification, commitment = published
    key = commitment.content["facts"][0]["key"]
    filled = services.version_content_for_case(commitment, facts={key: "无犯罪记录，已核实"})
    filled["applicant"] = {"name": "张*明"}
    text = docx_text(render.render_version(commitment, "docx", filled=filled))
    assert "无犯罪记录，已核实" in text
    assert "张*明" in text
    assert commitment.digest in text


# --- PDF ------------------------------------------------------------------------------------


def test_notification_pdf_embeds_the_cjk_font(published, item, agency_a, matter_a):
    notification, _commitment = published
    body = render.render_version(notification, "pdf")
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    assert f"{item.name}告知书" in text
    assert matter_a.name in text
    assert agency_a.name in text
    assert "不实承诺的刑事责任" in text
    assert notification.digest in text


def test_prefilled_commitment_pdf_has_the_fact_value(published, item, agency_a):
    _notification, commitment = published
    key = commitment.content["facts"][0]["key"]
    filled = services.version_content_for_case(commitment, facts={key: "无犯罪记录，已核实"})
    text = pdf_text(render.render_version(commitment, "pdf", filled=filled))
    assert f"{item.name}承诺书" in text and agency_a.name in text
    assert "无犯罪记录，已核实" in text
    assert "承诺的意思表示真实" in text


def test_long_texts_wrap_onto_further_pages(published):
    notification, _commitment = published
    content = dict(notification.content)
    content["fields"] = {**content["fields"], "legal_basis": "依据《某条例》第五条规定。" * 400}
    from pypdf import PdfReader

    body = render.render_pdf(content, number=1, digest=notification.digest)
    assert len(PdfReader(io.BytesIO(body)).pages) > 1


# --- public pages ---------------------------------------------------------------------------


def test_index_lists_versions_per_agency_without_login(client, published, item, agency_a):
    notification, _commitment = published
    response = client.get("/documents/")
    assert response.status_code == 200
    body = response.content.decode()
    assert agency_a.name in body and item.name in body
    assert "告知书" in body and "承诺书" in body and "第1版" in body
    # the page shows the publication date in Asia/Shanghai, which is not the UTC date between
    # 00:00 and 08:00 there (CI runs this at both sides of midnight)
    assert timezone.localtime(notification.published_at).strftime("%Y-%m-%d") in body
    assert "/documents/RS-X-1/notification/v1/" in body
    assert "/documents/RS-X-1/notification/v1.docx" in body
    assert "/documents/RS-X-1/commitment/v1.pdf" in body


def test_index_filters_by_agency_and_matter(client, published, agency_a, agency_b, matter_a):
    assert "RS-X-1" in client.get(f"/documents/?agency={agency_a.pk}").content.decode()
    assert "RS-X-1" not in client.get(f"/documents/?agency={agency_b.pk}").content.decode()
    body = client.get(f"/documents/?matter={matter_a.code}").content.decode()
    assert "RS-X-1" in body and matter_a.name in body
    for bad in ("?agency=abc", "?matter=NO-SUCH", "?agency=99999999999999999999"):
        response = client.get(f"/documents/{bad}")
        assert response.status_code == 200
        assert "已忽略该条件" in response.content.decode()


def test_version_page_shows_the_elements_and_the_digest(client, published, item):
    notification, commitment = published
    body = client.get("/documents/RS-X-1/notification/v1/").content.decode()
    assert f"{item.name}告知书" in body and notification.digest in body
    for _field, label in NOTIFICATION_ELEMENTS:
        assert label in body
    body = client.get("/documents/RS-X-1/commitment/v1/").content.decode()
    assert commitment.content["facts"][0]["label"] in body and commitment.digest in body
    for _field, label in COMMITMENT_DECLARATIONS:
        assert label in body


def test_docx_download(client, published):
    response = client.get("/documents/RS-X-1/notification/v1.docx")
    assert response.status_code == 200
    assert response["Content-Type"] == render.DOCX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="RS-X-1-notification-v1.docx"'
    assert "第1版" in docx_text(response.content)


def test_pdf_download(client, published, item):
    response = client.get("/documents/RS-X-1/commitment/v1.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="RS-X-1-commitment-v1.pdf"'
    assert f"{item.name}承诺书" in pdf_text(response.content)


@pytest.mark.parametrize(
    "url",
    [
        "/documents/RS-X-1/notification/v2/",
        "/documents/RS-X-1/guide/v1/",
        "/documents/NO-SUCH/notification/v1/",
        "/documents/RS-X-1/notification/v0/",
        "/documents/RS-X-1/notification/v99999999999999999999999/",
        "/documents/RS-X-1/notification/v2.pdf",
        "/documents/RS-X-1/notification/v1.doc",
        "/documents/RS-X-1/notification/v1.exe",
        "/documents/RS-X-1/commitment/v1.",
    ],
)
def test_unknown_versions_and_formats_are_404(client, published, url):
    assert client.get(url).status_code == 404


def test_item_matter_and_agency_pages_link_to_the_published_templates(client, db):
    from django.core.management import call_command

    from chengnuo.catalog.models import CertificationItem

    call_command("load_demo", verbosity=0)
    item = CertificationItem.objects.filter(under_commitment=True, status="in_force").first()
    body = client.get(f"/catalog/items/{item.code}/").content.decode()
    assert f"/documents/{item.code}/notification/v1.pdf" in body
    assert f"/documents/{item.code}/commitment/v1.docx" in body
    matter = item.matters.first()
    assert (
        f"/documents/?matter={matter.code}"
        in client.get(f"/matters/{matter.code}/").content.decode()
    )
    assert client.get(f"/documents/{item.code}/notification/v1.pdf").status_code == 200

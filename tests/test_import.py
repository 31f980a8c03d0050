"""XLSX import of catalog adjustments (R-7.2): all or nothing, every error with its row and
column, and clean refusals of files that cannot be read."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from chengnuo.audit.models import AuditEvent
from chengnuo.catalog import importer
from chengnuo.catalog.constants import ProposalStatus
from chengnuo.catalog.models import ChangeProposal
from chengnuo.catalog.rules import FIELD_LABELS
from chengnuo.core.errors import DomainError

from .factories import CertificationItemFactory

pytestmark = pytest.mark.django_db

HEADERS = ["调整类型", "编码", *FIELD_LABELS.values()]


def row(action="新增", code="RS-X-001", **fields) -> list:
    """One sheet row in HEADERS order; fields by key, as a person would type them."""
    values = {
        "name": "无犯罪记录证明",
        "proof_content": "申请人无犯罪记录",
        "issuer": "公安机关",
        "legal_basis": "《律师法》第五条",
        "matter_codes": "RS-001",
        "priority_domains": "法律服务",
        "excluded_domains": "",
        "other_high_risk": "否",
        "other_high_risk_reason": "",
        "under_commitment": "是",
        "verification_method": "在线核查",
        "verification_time_limit_days": 10,
        "verification_standard": "比对公安机关违法犯罪记录信息",
        "disclosure_scope": "",
        "disclosure_period_days": None,
        "liability_insurance_required": "否",
        "risk_points": "",
        "risk_controls": "",
    }
    values.update(fields)
    return [action, code, *(values[key] for key in FIELD_LABELS)]


def xlsx(rows: list[list], headers: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers or HEADERS)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "catalog.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=importer.XLSX_CONTENT_TYPE)


def post_import(client, content: bytes, name: str = "catalog.xlsx", **overrides):
    data = {
        "file": upload(content, name),
        "reason": "落实国办发〔2020〕42号，扩大告知承诺范围",
        "law_change": "国办发〔2020〕42号",
        "effective_date": timezone.localdate().isoformat(),
    }
    data.update(overrides)
    return client.post(reverse("catalog:import"), data)


def test_valid_xlsx_creates_one_proposal_per_row_in_one_batch(client, admin_a, matter_a):
    client.force_login(admin_a)
    content = xlsx([row(code="RS-X-001"), row(code="RS-X-002", name="社保缴费证明")])
    response = post_import(client, content)
    assert response.status_code == 302
    proposals = list(ChangeProposal.objects.order_by("item_code"))
    assert [p.item_code for p in proposals] == ["RS-X-001", "RS-X-002"]
    batches = {p.import_batch for p in proposals}
    assert len(batches) == 1 and batches != {""}
    assert all(p.status == ProposalStatus.SUBMITTED for p in proposals)
    assert proposals[1].payload["name"] == "社保缴费证明"
    assert proposals[0].payload["priority_domains"] == ["legal_services"]
    assert proposals[0].payload["matter_codes"] == ["RS-001"]
    assert f"batch={batches.pop()}" in response["Location"]


def test_two_bad_rows_create_nothing_and_are_both_listed(client, admin_a, matter_a):
    client.force_login(admin_a)
    events_before = AuditEvent.objects.count()
    content = xlsx(
        [
            row(code="RS-X-001"),  # row 2
            row(code="RS-X-002", name=""),  # row 3: missing 证明事项名称
            row(code="RS-X-003"),  # row 4
            row(code="RS-X-004", excluded_domains="公共安全"),  # row 5: excluded domain
        ]
    )
    response = post_import(client, content)
    assert response.status_code == 400
    assert ChangeProposal.objects.count() == 0
    assert AuditEvent.objects.count() == events_before
    errors = response.context["import_errors"]
    assert [(e["row"], e["column"]) for e in errors] == [
        (3, "证明事项名称"),
        (5, "实行告知承诺制"),
    ]
    assert errors[0]["code"] == "required"
    assert errors[1]["code"] == "excluded_domain"
    html = response.content.decode()
    assert "<td>3</td><td>证明事项名称</td>" in html
    assert "<td>5</td><td>实行告知承诺制</td>" in html
    assert "不适用告知承诺制的领域：公共安全" in html
    assert "未导入任何数据" in html


def test_non_xlsx_upload_is_refused_cleanly(client, admin_a):
    client.force_login(admin_a)
    response = post_import(client, "编码,证明事项名称\nA,B\n".encode(), name="catalog.csv")
    assert response.status_code == 400
    assert "不是有效的 Excel 工作簿" in response.context["form"].errors["file"][0]
    assert ChangeProposal.objects.count() == 0


def test_empty_upload_is_refused_cleanly(client, admin_a):
    client.force_login(admin_a)
    response = post_import(client, b"")
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_missing_action_column_is_refused(client, admin_a, matter_a):
    client.force_login(admin_a)
    headers = HEADERS[1:]
    response = post_import(client, xlsx([row()[1:]], headers=headers))
    assert response.status_code == 400
    assert "缺少必需的列：调整类型" in response.context["form"].errors["file"][0]


def test_missing_item_column_is_refused_for_additions(client, admin_a, matter_a):
    client.force_login(admin_a)
    headers = [h for h in HEADERS if h != "证明内容"]
    values = [v for h, v in zip(HEADERS, row(), strict=True) if h != "证明内容"]
    response = post_import(client, xlsx([values], headers=headers))
    assert response.status_code == 400
    assert "证明内容" in response.context["form"].errors["file"][0]
    assert ChangeProposal.objects.count() == 0


def test_removals_need_only_action_and_code(client, admin_a, agency_a):
    CertificationItemFactory(agency=agency_a, code="RS-I-009")
    client.force_login(admin_a)
    response = post_import(client, xlsx([["取消", "RS-I-009"]], headers=["调整类型", "编码"]))
    assert response.status_code == 302
    assert ChangeProposal.objects.get().action == "remove"


def test_too_many_rows_are_refused(client, admin_a, matter_a, settings):
    settings.CATALOG_IMPORT_MAX_ROWS = 1
    client.force_login(admin_a)
    response = post_import(client, xlsx([row(code="RS-X-001"), row(code="RS-X-002")]))
    assert response.status_code == 400
    assert "超过1行的上限" in response.context["form"].errors["file"][0]
    assert ChangeProposal.objects.count() == 0


def test_too_large_a_file_is_refused(client, admin_a, matter_a, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 100
    client.force_login(admin_a)
    response = post_import(client, xlsx([row()]))
    assert response.status_code == 400
    assert "文件过大" in response.context["form"].errors["file"][0]
    assert ChangeProposal.objects.count() == 0


def test_missing_batch_reason_is_shown_once_on_its_field(client, admin_a, matter_a):
    client.force_login(admin_a)
    content = xlsx([row(code="RS-X-001"), row(code="RS-X-002")])
    response = post_import(client, content, reason="")
    assert response.status_code == 400
    assert len(response.context["form"].errors["reason"]) == 1
    assert response.context["import_errors"] == []
    assert ChangeProposal.objects.count() == 0


def test_read_only_export_columns_are_ignored(client, admin_a, matter_a):
    client.force_login(admin_a)
    headers = [*HEADERS, "实施机关", "状态", "生效日期"]
    content = xlsx([[*row(), "阜阳市民政局", "施行中", "2020-01-01"]], headers=headers)
    response = post_import(client, content)
    assert response.status_code == 302
    assert ChangeProposal.objects.get().agency.name == "阜阳市人力资源和社会保障局"


def test_reviewer_may_not_import(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("catalog:import")).status_code == 403


def test_template_download_has_the_header_row_and_an_example(client, admin_a):
    client.force_login(admin_a)
    response = client.get(reverse("catalog:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == importer.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["调整类型", "编码"]
    assert "证明事项名称" in header and "实行告知承诺制" in header
    assert sheet.max_row == 2


def test_template_example_row_parses(client, admin_a):
    rows = importer.parse_catalog_xlsx(io.BytesIO(importer.template_workbook()), max_rows=10)
    assert len(rows) == 1
    assert rows[0]["_row"] == 2
    assert rows[0]["action"] == "add"


# --- parser -------------------------------------------------------------------------------------


def test_parser_maps_action_words_and_skips_blank_rows():
    content = xlsx(
        [
            row(action="调整", code="A1"),
            [None] * len(HEADERS),
            row(action="remove", code="A2"),
        ]
    )
    rows = importer.parse_catalog_xlsx(io.BytesIO(content), max_rows=10)
    assert [(r["_row"], r["action"], r["item_code"]) for r in rows] == [
        (2, "amend", "A1"),
        (4, "remove", "A2"),
    ]


def test_parser_keeps_an_unknown_action_for_the_rules_to_refuse():
    rows = importer.parse_catalog_xlsx(io.BytesIO(xlsx([row(action="修改")])), max_rows=10)
    assert rows[0]["action"] == "修改"


def test_parser_reads_numeric_codes_and_separated_matter_codes():
    rows = importer.parse_catalog_xlsx(
        io.BytesIO(xlsx([row(code=1001, matter_codes="RS-001、RS-002")])), max_rows=10
    )
    assert rows[0]["item_code"] == "1001"
    assert rows[0]["matter_codes"] == "RS-001,RS-002"


def test_parser_refuses_duplicate_columns():
    with pytest.raises(DomainError) as exc:
        importer.parse_catalog_xlsx(
            io.BytesIO(xlsx([["新增", "A", "B"]], headers=["调整类型", "编码", "编码"])),
            max_rows=10,
        )
    assert exc.value.code == "duplicate_column"


def test_unknown_action_is_reported_on_its_row(client, admin_a, matter_a):
    client.force_login(admin_a)
    response = post_import(client, xlsx([row(action="修改")]))
    assert response.status_code == 400
    errors = response.context["import_errors"]
    assert (errors[0]["row"], errors[0]["column"]) == (2, "调整类型")


def test_an_exported_catalog_edited_and_imported_back_proposes_amendments(
    client, admin_a, agency_a, matter_a
):
    exports = pytest.importorskip("chengnuo.catalog.exports")
    item = CertificationItemFactory(agency=agency_a, code="RS-I-020", name="旧名称")
    item.matters.set([matter_a])
    workbook = load_workbook(io.BytesIO(exports.write_xlsx([item])))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=1, column=len(header) + 1, value="调整类型")
    sheet.cell(row=2, column=len(header) + 1, value="调整")
    sheet.cell(row=2, column=header.index("证明事项名称") + 1, value="新名称")
    buffer = io.BytesIO()
    workbook.save(buffer)

    client.force_login(admin_a)
    response = post_import(client, buffer.getvalue())
    assert response.status_code == 302, response.context["import_errors"]
    proposal = ChangeProposal.objects.get()
    assert (proposal.action, proposal.item_code) == ("amend", "RS-I-020")
    assert proposal.payload["name"] == "新名称"
    assert proposal.payload["matter_codes"] == ["RS-001"]
    assert proposal.payload["priority_domains"] == item.priority_domains
    assert proposal.payload["verification_method"] == item.verification_method

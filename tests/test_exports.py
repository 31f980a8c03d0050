"""Catalog downloads (R-7.1): XLSX, CSV and JSON, and the XLSX round trip to the importer."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chengnuo.catalog import exports
from chengnuo.catalog.models import CertificationItem
from chengnuo.catalog.rules import FIELD_LABELS, clean_item_payload, item_snapshot_fields

from .factories import CertificationItemFactory, MatterFactory


@pytest.fixture
def items(agency_a, agency_b, matter_a):
    other_matter = MatterFactory(agency=agency_a, code="RS-002", name="社会保险登记")
    exam = CertificationItemFactory(
        agency=agency_a,
        code="RS-E-001",
        name="学历证明",
        proof_content="申请人具有相应学历",
        priority_domains=["qualification_exam", "social_insurance"],
        disclosure_scope="website",
        disclosure_period_days=30,
        liability_insurance_required=True,
    )
    exam.matters.add(matter_a, other_matter)
    matter_b = MatterFactory(agency=agency_b, code="MZ-001", name="最低生活保障审批")
    income = CertificationItemFactory(agency=agency_b, code="MZ-E-001", name="家庭收入证明")
    income.matters.add(matter_b)
    plain = CertificationItemFactory(
        agency=agency_a, code="RS-E-002", name="工作经历证明", under_commitment=False
    )
    plain.matters.add(matter_a)
    CertificationItemFactory(agency=agency_a, code="RS-E-003", name="已取消证明", removed=True)
    return {"exam": exam, "income": income, "plain": plain}


def download(client, fmt, params=None):
    return client.get(reverse("portal:export", kwargs={"fmt": fmt}), params or {})


def sheet_rows(response):
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- columns --------------------------------------------------------------------------------


def test_export_columns_are_code_then_field_labels_then_read_only_columns():
    assert exports.EXPORT_COLUMNS[0] == ("item_code", "编码")
    assert exports.EXPORT_COLUMNS[1 : 1 + len(FIELD_LABELS)] == list(FIELD_LABELS.items())
    assert exports.EXPORT_COLUMNS[-3:] == [
        ("agency", "实施机关"),
        ("status", "状态"),
        ("effective_date", "生效日期"),
    ]
    assert [label for _, label in exports.EXPORT_COLUMNS] == exports.EXPORT_HEADERS


# --- XLSX -----------------------------------------------------------------------------------


def test_xlsx_opens_with_the_chinese_header_row_and_item_rows(client, items):
    response = download(client, "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet, rows = sheet_rows(response)
    assert rows[0] == exports.EXPORT_HEADERS
    assert sheet["A1"].font.b is True
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["B"].width > 12
    by_code = {row[0]: dict(zip(exports.EXPORT_HEADERS, row, strict=True)) for row in rows[1:]}
    assert set(by_code) == {"RS-E-001", "MZ-E-001"}
    exam = by_code["RS-E-001"]
    assert exam["证明事项名称"] == "学历证明"
    assert exam["重点领域"] == "资格考试、社会保险"
    assert exam["实行告知承诺制"] == "是"
    assert exam["其他高风险"] == "否"
    assert exam["需责任保险"] == "是"
    assert exam["核查方式"] == "在线核查"
    assert exam["核查时限（工作日）"] == 10
    assert exam["承诺书公开范围"] == "门户网站"
    assert exam["适用事项编码"] == "RS-001,RS-002"
    assert exam["实施机关"] == "阜阳市人力资源和社会保障局"
    assert exam["状态"] == "施行中"
    assert exam["生效日期"] == timezone.localdate().isoformat()


def test_xlsx_rows_read_back_through_the_item_validator(client, items):
    """An exported row, mapped by its header labels, is a valid payload equal to the item."""
    _, rows = sheet_rows(download(client, "xlsx", {"all": "1"}))
    header_keys = {label: key for key, label in exports.EXPORT_COLUMNS}
    assert rows
    for row in rows[1:]:
        raw = {header_keys[label]: value for label, value in zip(rows[0], row, strict=True)}
        code = raw.pop("item_code")
        for key in exports.READ_ONLY_COLUMNS:
            raw.pop(key)
        clean, errors = clean_item_payload(raw)
        assert errors == [], (code, errors)
        item = CertificationItem.objects.get(code=code)
        assert clean == item_snapshot_fields(item)


def test_xlsx_keeps_formula_like_text_as_text(client, agency_a):
    CertificationItemFactory(agency=agency_a, name="=HYPERLINK(1)", proof_content="a\x0bb")
    sheet, rows = sheet_rows(download(client, "xlsx"))
    assert rows[1][1] == "=HYPERLINK(1)"
    assert sheet["B2"].data_type == "s"
    assert rows[1][2] == "ab"


def test_export_filename_names_the_agency_and_date(client, items, agency_a):
    today = timezone.localdate().isoformat()
    response = download(client, "xlsx", {"agency": agency_a.pk})
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="catalog-{agency_a.pk}-{today}.xlsx"'
    )
    assert f'filename="catalog-all-{today}.csv"' in download(client, "csv")["Content-Disposition"]


# --- CSV ------------------------------------------------------------------------------------


def test_csv_starts_with_the_utf8_bom_and_parses(client, items):
    response = download(client, "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(response)
    assert rows[0] == exports.EXPORT_HEADERS
    assert sorted(row[0] for row in rows[1:]) == ["MZ-E-001", "RS-E-001"]
    exam = next(dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[0] == "RS-E-001")
    assert exam["证明事项名称"] == "学历证明"
    assert exam["重点领域"] == "资格考试、社会保险"
    assert exam["不适用领域"] == ""


def test_csv_neutralises_formula_cells(client, agency_a):
    CertificationItemFactory(agency=agency_a, name="=1+1")
    rows = csv_rows(download(client, "csv"))
    assert rows[1][1] == "'=1+1"


# --- JSON -----------------------------------------------------------------------------------


def test_json_parses_with_english_fields_and_codes(client, items):
    response = download(client, "json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "学历证明".encode() in response.content  # ensure_ascii=False
    data = json.loads(response.content)
    exam = next(record for record in data if record["code"] == "RS-E-001")
    assert exam["priority_domains"] == ["qualification_exam", "social_insurance"]
    assert exam["under_commitment"] is True
    assert exam["verification_method"] == "online"
    assert exam["disclosure_scope"] == "website"
    assert exam["matter_codes"] == ["RS-001", "RS-002"]
    assert exam["agency_name"] == "阜阳市人力资源和社会保障局"
    assert exam["status"] == "in_force"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", exam["effective_date"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"RS-E-001", "MZ-E-001"}),
        ({"all": "1"}, {"RS-E-001", "MZ-E-001", "RS-E-002"}),
        ({"q": "学历"}, {"RS-E-001"}),
        ({"q": "最低生活保障"}, {"MZ-E-001"}),
        ({"domain": "qualification_exam"}, {"RS-E-001"}),
        ({"region": "yingzhou"}, set()),
        ({"matter_type": "benefit"}, set()),
        ({"region": "火星", "domain": "?", "agency": "x"}, {"RS-E-001", "MZ-E-001"}),
    ],
)
def test_json_export_applies_the_search_filters(client, items, params, expected):
    response = download(client, "json", params)
    assert response.status_code == 200
    assert {record["code"] for record in json.loads(response.content)} == expected


def test_json_export_filters_by_agency(client, items, agency_b):
    data = json.loads(download(client, "json", {"agency": agency_b.pk}).content)
    assert [record["code"] for record in data] == ["MZ-E-001"]


def test_removed_items_are_never_exported(client, items):
    for fmt in ("csv", "json"):
        assert b"RS-E-003" not in download(client, fmt, {"all": "1"}).content
    _, rows = sheet_rows(download(client, "xlsx", {"all": "1"}))
    assert "RS-E-003" not in [row[0] for row in rows]


def test_unknown_export_format_is_404(client, db):
    assert client.get("/catalog/export.pdf").status_code == 404


def test_json_export_uses_a_bounded_number_of_queries(
    client, agency_a, matter_a, django_assert_max_num_queries
):
    for _ in range(50):
        CertificationItemFactory(agency=agency_a).matters.add(matter_a)
    with django_assert_max_num_queries(4):
        response = download(client, "json")
    assert len(json.loads(response.content)) == 50


def test_empty_catalog_exports_a_header_only(client, db):
    _, rows = sheet_rows(download(client, "xlsx"))
    assert rows == [exports.EXPORT_HEADERS]
    assert csv_rows(download(client, "csv")) == [exports.EXPORT_HEADERS]
    assert json.loads(download(client, "json").content) == []

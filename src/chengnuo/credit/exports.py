"""Downloads of the credit records for credit officers (R-5.6): XLSX and CSV (UTF-8 with BOM,
so Excel opens it as Chinese text). Masked only: the identifier as `id_masked` and persons'
names as `display_name`; the full number and the cipher never enter a file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook

from .constants import Grade, RecordKind, RecordStatus
from .models import CreditRecord

FORMATS: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}

HEADERS: list[str] = [
    "记录编号",
    "申请人/承诺人",
    "证件号码（脱敏）",
    "记录类型",
    "失信程度",
    "状态",
    "认定日期",
    "公示起始",
    "公示截止",
    "认定机关",
    "关联办件",
    "信用平台记录号",
    "事实摘要",
]

_KIND = {c.value: str(c.label) for c in RecordKind}
_GRADE = {c.value: str(c.label) for c in Grade}
_STATUS = {c.value: str(c.label) for c in RecordStatus}
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _date(value: Any) -> str:
    return value.isoformat() if value else ""


def row_of(r: CreditRecord) -> list[Any]:
    subject = r.subject
    return [
        r.pk,
        subject.display_name,
        subject.id_masked,
        _KIND.get(r.kind, r.kind),
        _GRADE.get(r.grade, ""),
        _STATUS.get(r.status, r.status),
        _date(r.decided_on),
        _date(r.publish_from),
        _date(r.publish_to),
        r.deciding_agency.name if r.deciding_agency else "",
        r.case_ref,
        r.external_ref,
        r.summary,
    ]


def _safe(value: Any, *, csv_cell: bool) -> Any:
    if not isinstance(value, str):
        return value
    value = _ILLEGAL_XML.sub("", value)
    if csv_cell and value.startswith(_FORMULA_START):
        value = "'" + value  # CSV injection: Excel would evaluate the cell
    return value


def to_csv(records: Iterable[CreditRecord]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for r in records:
        writer.writerow([_safe(v, csv_cell=True) for v in row_of(r)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(records: Iterable[CreditRecord]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("信用记录")
    sheet.append(HEADERS)
    for r in records:
        # strings are written as text (no formulas): a leading "=" is escaped too
        sheet.append([_safe(v, csv_cell=True) for v in row_of(r)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export(records: Iterable[CreditRecord], fmt: str) -> bytes:
    if fmt == "xlsx":
        return to_xlsx(records)
    if fmt == "csv":
        return to_csv(records)
    raise ValueError(fmt)

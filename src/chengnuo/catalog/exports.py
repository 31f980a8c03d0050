"""Downloads of the published catalog (R-7.1, R-3.4): XLSX, CSV and JSON.

The XLSX and CSV header row is `EXPORT_COLUMNS`: "编码" for the item code, then the Chinese
labels of `rules.FIELD_LABELS` in order, then three read-only columns (实施机关, 状态, 生效日期).
The catalog importer reads the same labels, so an exported sheet can be edited and imported
back: domains are written as Chinese labels joined by "、", booleans as 是/否, choices as their
Chinese labels — all forms that `rules.clean_item_payload` accepts.

JSON is for machines: English field names and codes, no labels.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .constants import (
    DisclosureScope,
    ExcludedDomain,
    ItemStatus,
    PriorityDomain,
    VerificationMethod,
)
from .models import CertificationItem
from .rules import BOOL_FIELDS, FIELD_LABELS, ITEM_FIELDS

READ_ONLY_COLUMNS: tuple[str, ...] = ("agency", "status", "effective_date")

EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("item_code", "编码"),
    *FIELD_LABELS.items(),
    ("agency", "实施机关"),
    ("status", "状态"),
    ("effective_date", "生效日期"),
]
EXPORT_HEADERS: list[str] = [label for _, label in EXPORT_COLUMNS]

FORMATS: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}

LIST_SEPARATOR = "、"
MATTER_CODE_SEPARATOR = ","  # what the importer splits matter codes on ("," or "，")

_CHOICE_LABELS: dict[str, dict[str, str]] = {
    "priority_domains": {c.value: str(c.label) for c in PriorityDomain},
    "excluded_domains": {c.value: str(c.label) for c in ExcludedDomain},
    "verification_method": {c.value: str(c.label) for c in VerificationMethod},
    "disclosure_scope": {c.value: str(c.label) for c in DisclosureScope},
    "status": {c.value: str(c.label) for c in ItemStatus},
}

# Characters XLSX (XML 1.0) cannot hold; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Leading characters that make Excel evaluate a CSV cell as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_WIDTHS: dict[str, int] = {
    "item_code": 16,
    "name": 28,
    "proof_content": 40,
    "issuer": 20,
    "legal_basis": 40,
    "matter_codes": 20,
    "priority_domains": 18,
    "excluded_domains": 18,
    "other_high_risk_reason": 24,
    "verification_method": 12,
    "verification_standard": 32,
    "disclosure_scope": 18,
    "risk_points": 28,
    "risk_controls": 28,
    "agency": 26,
    "effective_date": 12,
}
_DEFAULT_WIDTH = 12


def choice_label(field: str, code: str) -> str:
    return _CHOICE_LABELS.get(field, {}).get(code, code)


def domain_labels(field: str, codes: Iterable[str] | None) -> list[str]:
    """Chinese labels of a list of priority or excluded domain codes."""
    return [choice_label(field, c) for c in codes or []]


def item_values(item: CertificationItem) -> dict[str, Any]:
    """The item's values (codes, lists, booleans) keyed by `EXPORT_COLUMNS` keys.
    Uses `item.matters.all()`, so prefetch the matters when exporting many items."""
    values: dict[str, Any] = {"item_code": item.code}
    for field in ITEM_FIELDS:
        if field == "matter_codes":
            values[field] = sorted(m.code for m in item.matters.all())
        else:
            values[field] = getattr(item, field)
    values["agency"] = item.agency.name
    values["status"] = item.status
    values["effective_date"] = item.effective_date
    return values


def display_value(field: str, value: Any) -> Any:
    """A value as a person reads it (and the importer accepts it): labels, 是/否, joined lists.
    Integers stay integers; an empty value is None."""
    if field in BOOL_FIELDS:
        return "是" if value else "否"
    if field in ("priority_domains", "excluded_domains"):
        return LIST_SEPARATOR.join(domain_labels(field, value)) or None
    if field == "matter_codes":
        return MATTER_CODE_SEPARATOR.join(value or []) or None
    if field == "disclosure_scope":
        return choice_label(field, value or "")
    if field in ("verification_method", "status"):
        return choice_label(field, value) if value else None
    if isinstance(value, date):
        return value.isoformat()
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return value


def display_text(field: str, value: Any) -> str:
    """`display_value` as a string ("" for empty), for HTML pages."""
    shown = display_value(field, value)
    return "" if shown is None else str(shown)


def item_row(item: CertificationItem) -> list[Any]:
    values = item_values(item)
    return [display_value(key, values[key]) for key, _ in EXPORT_COLUMNS]


def item_rows(items: Iterable[CertificationItem]) -> Iterator[list[Any]]:
    """Rows under the `EXPORT_HEADERS` header row, one per item."""
    for item in items:
        yield item_row(item)


def item_record(item: CertificationItem) -> dict[str, Any]:
    """One item for JSON: English field names, codes, lists, booleans, ISO dates."""
    record: dict[str, Any] = {"code": item.code}
    values = item_values(item)
    for field in ITEM_FIELDS:
        record[field] = values[field]
    record["agency_id"] = item.agency_id
    record["agency_name"] = item.agency.name
    record["agency_region"] = item.agency.region
    record["status"] = item.status
    record["effective_date"] = item.effective_date.isoformat()
    return record


# --- writers --------------------------------------------------------------------------------


def _xlsx_safe(value: Any) -> Any:
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    return value


def write_xlsx(items: Iterable[CertificationItem], *, sheet_title: str = "证明事项目录") -> bytes:
    """XLSX with a bold, frozen header row of `EXPORT_HEADERS`. Text is always stored as text,
    never as a formula, so the file round-trips through the importer unchanged."""
    widths = [_WIDTHS.get(key, _DEFAULT_WIDTH) for key, _ in EXPORT_COLUMNS]
    return table_xlsx(EXPORT_HEADERS, item_rows(items), sheet_title=sheet_title, widths=widths)


def table_xlsx(
    headers: Iterable[str],
    rows: Iterable[Iterable[Any]],
    *,
    sheet_title: str,
    widths: Iterable[float] = (),
) -> bytes:
    """Any published table as XLSX: a bold, frozen header row; text stored as text (an "=…"
    an agency typed never becomes a formula), wrapped, characters XML cannot hold removed."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.freeze_panes = "B2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F0F2F5")
    wrap = Alignment(vertical="top", wrap_text=True)
    header = []
    for label in headers:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        cell.fill = fill
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_xlsx_safe(value))
            if isinstance(value, str):
                cell.data_type = "s"  # "=…" stays text, not a formula
                cell.alignment = wrap
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_safe(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(items: Iterable[CertificationItem]) -> bytes:
    """CSV in UTF-8 with a byte-order mark (so Excel shows the Chinese), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADERS)
    for row in item_rows(items):
        writer.writerow([_csv_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_json(items: Iterable[CertificationItem]) -> bytes:
    """A JSON list of `item_record` objects, Chinese kept as is (ensure_ascii=False)."""
    records = [item_record(item) for item in items]
    return json.dumps(records, ensure_ascii=False).encode("utf-8")


WRITERS: dict[str, Callable[[Iterable[CertificationItem]], bytes]] = {
    "xlsx": write_xlsx,
    "csv": write_csv,
    "json": write_json,
}


def export_items(items: Iterable[CertificationItem], fmt: str) -> bytes:
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}") from None
    return writer(items)


def export_filename(fmt: str, *, agency_id: int | None, on: date) -> str:
    """catalog-<agency id or all>-<YYYY-MM-DD>.<fmt>"""
    return f"catalog-{agency_id or 'all'}-{on.isoformat()}.{fmt}"

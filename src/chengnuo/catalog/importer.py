"""XLSX import of catalog adjustments (R-7.2): parsing only.

The sheet's header row uses the Chinese column labels of the catalog export
(`catalog.exports.EXPORT_COLUMNS`) plus a "调整类型" column (新增/调整/取消). Each data row
becomes a dict of item fields plus `action`, `item_code` and `_row` (the sheet row number);
`services.catalog_import_rows` then validates every row with the catalog's rules and submits
all rows or none. Parsing refuses what is not a usable file (not XLSX, missing columns, too
many rows) with a DomainError whose field is "file".
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import IO, Any

from django.utils.translation import gettext as _

from chengnuo.core.errors import DomainError

from .constants import (
    ChangeAction,
    DisclosureScope,
    ExcludedDomain,
    PriorityDomain,
    VerificationMethod,
)
from .rules import BOOL_FIELDS, FIELD_LABELS, ITEM_FIELDS

ITEM_CODE = "item_code"
ACTION = "action"
ITEM_CODE_LABEL = "编码"
ACTION_LABEL = "调整类型"
IMPORTABLE = (ACTION, ITEM_CODE, *ITEM_FIELDS)
ALWAYS_REQUIRED = (ACTION, ITEM_CODE)
MAX_COLUMNS = 200
MAX_EMPTY_ROWS = 10_000  # physical rows without data before we stop trusting the sheet

ACTION_WORDS = {
    "新增": ChangeAction.ADD.value,
    "调整": ChangeAction.AMEND.value,
    "取消": ChangeAction.REMOVE.value,
    "add": ChangeAction.ADD.value,
    "amend": ChangeAction.AMEND.value,
    "remove": ChangeAction.REMOVE.value,
}
# Labels of what is not a column of the sheet, for error tables.
OTHER_LABELS = {
    "payload": "拟调整内容",
    "reason": "调整理由",
    "law_change": "依据的法律法规变化",
    "effective_date": "拟生效日期",
    "file": "文件",
}

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_columns() -> list[tuple[str, str]]:
    """(key, header) pairs of the catalog export, if that module exists."""
    try:
        from .exports import EXPORT_COLUMNS  # type: ignore[attr-defined]
    except ImportError:
        return []
    columns = []
    for entry in EXPORT_COLUMNS:
        if isinstance(entry, list | tuple) and len(entry) >= 2:
            columns.append((str(entry[0]), str(entry[1])))
    return columns


def import_columns() -> list[tuple[str, str]]:
    """The importable columns as (key, Chinese header), in template order: 调整类型, the export's
    importable columns in its order, then any item field the export lacks."""
    columns: list[tuple[str, str]] = [(ACTION, ACTION_LABEL)]
    seen = {ACTION}
    for key, header in _export_columns():
        if key in IMPORTABLE and key not in seen:
            columns.append((key, header))
            seen.add(key)
    if ITEM_CODE not in seen:
        columns.insert(1, (ITEM_CODE, ITEM_CODE_LABEL))
        seen.add(ITEM_CODE)
    for key in ITEM_FIELDS:
        if key not in seen:
            columns.append((key, FIELD_LABELS[key]))
    return columns


def header_aliases() -> dict[str, str]:
    """Header text → key. Accepts the export's headers and the rules' field labels."""
    aliases: dict[str, str] = {}
    for key, label in FIELD_LABELS.items():
        aliases[label] = key
    aliases.update({ITEM_CODE_LABEL: ITEM_CODE, "证明事项编码": ITEM_CODE, ACTION_LABEL: ACTION})
    for key, header in import_columns():
        aliases[header] = key
    return aliases


def column_label(key: str | None) -> str:
    """The Chinese label of an error's column (as the sheet names it)."""
    if not key:
        return ""
    labels = dict(import_columns())
    return labels.get(key) or OTHER_LABELS.get(key) or key


def _normalise_header(value: Any) -> str:
    if value is None:
        return ""
    text = str(value).replace("\u3000", " ").strip()
    return text.rstrip("*＊").strip()


def _cell(key: str, value: Any) -> Any:
    """Turn a cell into what the rules accept; the rules decide whether it is valid."""
    if isinstance(value, datetime):
        value = (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    elif isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        value = value.strip()
    if key == ITEM_CODE:
        return "" if value is None else (str(value) if not isinstance(value, str) else value)
    if key == ACTION:
        text = "" if value is None else str(value).strip()
        return ACTION_WORDS.get(text.lower(), ACTION_WORDS.get(text, text))
    if key == "matter_codes":
        if value is None:
            return ""
        text = str(value)
        for sep in ("、", "；", ";", "\n", "，"):
            text = text.replace(sep, ",")
        return text
    return value


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, field="file")


def parse_catalog_xlsx(fileobj: IO[bytes], *, max_rows: int) -> list[dict[str, Any]]:
    """Read the first sheet into row dicts. Raises DomainError(field="file") when the file is
    not XLSX, lacks a required column or has more than `max_rows` data rows."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, XML errors…
        raise _refuse(
            "not_xlsx", _("文件不是有效的 Excel 工作簿（.xlsx），请使用导入模板填写后上传")
        ) from exc
    try:
        return _read_rows(workbook, max_rows=max_rows)
    except DomainError:
        raise
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise _refuse("not_xlsx", _("文件内容已损坏，无法读取，请使用导入模板重新填写")) from exc
    finally:
        workbook.close()


def _read_rows(workbook, *, max_rows: int) -> list[dict[str, Any]]:
    if not workbook.worksheets:
        raise _refuse("missing_header", _("工作簿中没有工作表"))
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    header = next(rows, None)
    if header is None or not any(_normalise_header(v) for v in header):
        raise _refuse("missing_header", _("第1行应为表头（列名），文件中没有表头"))

    aliases = header_aliases()
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        key = aliases.get(_normalise_header(raw))
        if key is None:
            continue  # read-only export columns (实施机关, 状态, 生效日期) and others are ignored
        if key in positions:
            raise _refuse(
                "duplicate_column",
                _("表头中“%(label)s”列重复出现") % {"label": _normalise_header(raw)},
            )
        positions[key] = index
    missing = [key for key in ALWAYS_REQUIRED if key not in positions]
    if missing:
        raise _refuse(
            "missing_column",
            _("缺少必需的列：%(columns)s（请使用导入模板）")
            % {"columns": "、".join(column_label(k) for k in missing)},
        )

    result: list[dict[str, Any]] = []
    empty_run = 0
    for offset, values in enumerate(rows):
        row_no = offset + 2
        if not any(v is not None and str(v).strip() for v in values):
            empty_run += 1
            if empty_run > MAX_EMPTY_ROWS:
                break
            continue
        empty_run = 0
        if len(result) >= max_rows:
            raise _refuse(
                "too_many_rows",
                _("导入文件超过%(max)s行的上限，请分批导入") % {"max": max_rows},
            )
        row: dict[str, Any] = {"_row": row_no}
        for key, index in positions.items():
            row[key] = _cell(key, values[index] if index < len(values) else None)
        result.append(row)

    if not result:
        raise _refuse("empty_import", _("导入文件没有数据行"))
    # Add and amend replace every field of an item: a missing item column would silently
    # blank that field, so it is refused instead.
    if any(r.get(ACTION) in (ChangeAction.ADD, ChangeAction.AMEND) for r in result):
        missing = [key for key in ITEM_FIELDS if key not in positions]
        if missing:
            raise _refuse(
                "missing_column",
                _("新增、调整证明事项须填写全部字段，缺少以下列：%(columns)s（请使用导入模板）")
                % {"columns": "、".join(column_label(k) for k in missing)},
            )
    return result


# --- template -------------------------------------------------------------------------------

EXAMPLE_ROW: dict[str, Any] = {
    ACTION: "新增",
    ITEM_CODE: "SJ-EXAMPLE-001",
    "name": "无犯罪记录证明",
    "proof_content": "申请人无故意犯罪记录",
    "issuer": "公安机关",
    "legal_basis": "《中华人民共和国律师法》第五条",
    "matter_codes": "RS-001",
    "priority_domains": "法律服务",
    "excluded_domains": "",
    "other_high_risk": "否",
    "other_high_risk_reason": "",
    "under_commitment": "是",
    "verification_method": "在线核查",
    "verification_time_limit_days": 10,
    "verification_standard": "比对公安机关违法犯罪记录信息",
    "disclosure_scope": "门户网站",
    "disclosure_period_days": 30,
    "liability_insurance_required": "否",
    "risk_points": "承诺人隐瞒犯罪记录",
    "risk_controls": "办结后10个工作日内在线核查",
}

NOTES: dict[str, str] = {
    ACTION: "新增、调整或取消",
    ITEM_CODE: "1至40位字母、数字、点、横线或下划线；调整、取消时填写已有编码",
    "matter_codes": "本机关行政事项编码，多个以逗号或顿号分隔",
    "priority_domains": "可选：" + "、".join(str(c.label) for c in PriorityDomain),
    "excluded_domains": "可选："
    + "、".join(str(c.label) for c in ExcludedDomain)
    + "；填写任一项的不得实行告知承诺制",
    "verification_method": "可选：" + "、".join(str(c.label) for c in VerificationMethod),
    "disclosure_scope": "可选："
    + "、".join(str(c.label) for c in DisclosureScope if c.value)
    + "；不公开的留空",
    "verification_time_limit_days": "1至365的整数",
    "disclosure_period_days": "1至3650的整数；公开的必填",
}
for _field in BOOL_FIELDS:
    NOTES[_field] = "是 或 否"


def template_workbook() -> bytes:
    """An empty import template: the header row and one example row (to be replaced)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = import_columns()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "目录调整"
    sheet.append([header for _key, header in columns])
    sheet.append([EXAMPLE_ROW.get(key, "") for key, _header in columns])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F0F2F5")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
    for index, (key, header) in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, len(header) * 2 + 4))
        choices = None
        if key == ACTION:
            choices = "新增,调整,取消"
        elif key in BOOL_FIELDS:
            choices = "是,否"
        elif key == "verification_method":
            choices = ",".join(str(c.label) for c in VerificationMethod)
        if choices:
            validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}2000")
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "说明"])
    for cell in notes[1]:
        cell.font = bold
    notes.append(["（全部）", "第1行为表头，请勿修改；示例行请删除后再导入；只读取第一个工作表"])
    for key, header in columns:
        notes.append([header, NOTES.get(key, "")])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 90

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

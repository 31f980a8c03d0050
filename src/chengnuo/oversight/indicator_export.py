"""The XLSX of an evaluation (R-8.2): a sheet of totals per agency with its rank, and a sheet
of every leaf's score (value, computed and adjusted points, reason, how much evidence)."""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .models import Evaluation, Score
from .selectors_indicators import Node, Row

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _safe(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = _ILLEGAL_XML.sub("", value)
    return "'" + value if value.startswith(("=", "+", "-", "@")) else value


def _sheet(ws: Any, head: list[str], rows: list[list[Any]], widths: list[int]) -> None:
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([_safe(v) for v in r])
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"


def _value(score: Score, unit: str) -> Any:
    if not score.has_data:
        return "暂无数据"
    if score.value is None:
        return "无相关业务"
    return round(score.value * 100, 1) if unit == "ratio" else score.value


def workbook(
    evaluation: Evaluation, groups: list[Node], rows: list[Row], scores: list[Score]
) -> bytes:
    from . import indicator_metrics as metrics

    wb = Workbook()
    ws = wb.active
    ws.title = "总分排名"
    head = [
        "排名",
        "单位",
        *[f"{g.indicator.name}（{g.indicator.weight}分）" for g in groups],
        "总分",
    ]
    _sheet(
        ws,
        head,
        [[r.rank, r.agency.name, *[float(c) for c in r.groups], float(r.total)] for r in rows],
        [8, 28, *[18] * len(groups), 10],
    )
    group_name = {g.indicator.pk: g.indicator.name for g in groups}
    lines = []
    for s in scores:
        found = metrics.metric(s.indicator.metric)
        unit = found.unit if found else ""
        lines.append([
            s.agency.name,
            group_name.get(s.indicator.parent_id or 0, ""),
            s.indicator.name,
            float(s.indicator.weight),
            _value(s, unit),
            "%" if unit == "ratio" else ("件" if unit == "count" else ""),
            float(s.points),
            float(s.adjusted_points) if s.adjusted_points is not None else None,
            float(s.final_points),
            s.adjustment_reason,
            s.evidence_count,
        ])  # fmt: skip
    _sheet(
        wb.create_sheet("各项得分"),
        ["单位", "指标组", "指标", "分值", "数值", "单位（数值）", "计算得分", "调整后得分",
         "最终得分", "调整理由", "依据条数"],
        lines,
        [28, 16, 30, 8, 12, 10, 10, 10, 10, 40, 10],
    )  # fmt: skip
    info = wb.create_sheet("考评说明")
    _sheet(
        info,
        ["项目", "内容"],
        [
            ["考评编号", evaluation.number],
            ["考评名称", evaluation.title],
            ["指标体系", str(evaluation.scheme)],
            ["考评期间", f"{evaluation.start:%Y-%m-%d}至{evaluation.end:%Y-%m-%d}"],
            ["状态", evaluation.get_status_display()],
        ],
        [14, 60],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

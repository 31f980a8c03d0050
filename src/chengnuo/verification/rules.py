"""Pure rules of verification (no database): the intensity table by risk level (R-4.2, R-5.3),
the reproducible sampling draw, the field-by-field comparison of committed facts with a source
record (R-4.5), and what counts as a written refusal of an assistance request (R-4.7)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from chengnuo.core.digest import sm3_hex

from .constants import ComparisonResult, Outcome, Timing

# Risk level → (share of commitments verified in %, when). Overridable by the setting
# VERIFICATION_INTENSITY (same shape). D: every commitment before the decision; C: every
# commitment after; B and A: samples.
DEFAULT_INTENSITY: dict[str, dict[str, Any]] = {
    "D": {"share": 100, "timing": Timing.BEFORE_DECISION},
    "C": {"share": 100, "timing": Timing.AFTER_DECISION},
    "B": {"share": 30, "timing": Timing.AFTER_DECISION},
    "A": {"share": 10, "timing": Timing.AFTER_DECISION},
}
ALGORITHM = "sm3-threshold-v1"


@dataclass(frozen=True)
class Intensity:
    share: int  # percent, 0..100
    timing: str


def intensity_table() -> dict[str, dict[str, Any]]:
    table = getattr(settings, "VERIFICATION_INTENSITY", None) or DEFAULT_INTENSITY
    return {**DEFAULT_INTENSITY, **table}


def intensity_for(
    level: str, *, verify_every: bool = False, table: dict | None = None
) -> Intensity:
    """The intensity for a risk level; a sanction that says "verify every commitment" (R-5.5)
    raises the share to 100 %. Unknown levels are treated as the strictest."""
    rows = table or intensity_table()
    row = rows.get(level) or rows["D"]
    share = max(0, min(100, int(row["share"])))
    if verify_every:
        share = 100
    return Intensity(share, str(row.get("timing", Timing.AFTER_DECISION)))


def draw_score(seed: str, candidate: int | str) -> int:
    """0..9999 from SM3(seed:candidate): uniform, and the same for anyone who re-runs it."""
    return int(sm3_hex(f"{seed}:{candidate}".encode()), 16) % 10000


def draw(seed: str, candidates: list[int], share_percent: int) -> list[int]:
    """Select each candidate whose score falls under the share; reproducible from the seed."""
    threshold = share_percent * 100
    return sorted(c for c in candidates if draw_score(seed, c) < threshold)


# --- comparisons --------------------------------------------------------------------------

OPS = ("eq", "ne", "gte", "lte", "contains", "true", "false", "exists", "absent")
OP_LABELS = {
    "eq": "等于",
    "ne": "不等于",
    "gte": "不少于",
    "lte": "不多于",
    "contains": "包含",
    "true": "为是",
    "false": "为否",
    "exists": "有记录",
    "absent": "无记录",
}


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _truthy(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "是", "有", "yes"):
        return True
    if text in ("false", "0", "否", "无", "no", ""):
        return False
    return None


def lookup(record: dict[str, Any] | None, path: str) -> Any:
    """A dotted path into the source record ("contributions.months")."""
    value: Any = record
    for part in path.split(".") if path else []:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def compare_one(rule: dict[str, Any], record: dict[str, Any] | None, facts: dict[str, Any]) -> dict:
    """One line of the comparison: what was committed (or required), what the source says,
    and whether they agree."""
    op = rule.get("op", "eq")
    field = str(rule.get("field", ""))
    found = record is not None
    source_value = lookup(record, field) if found else None
    expected = facts.get(rule["fact"]) if rule.get("fact") else rule.get("value")
    line = {
        "label": rule.get("label") or field,
        "source": rule.get("source", ""),
        "field": field,
        "op": op,
        "op_label": OP_LABELS.get(op, op),
        "committed": expected,
        "source_value": source_value,
    }
    if op in ("exists", "absent"):
        ok = (source_value is not None) if op == "exists" else (source_value in (None, [], ""))
        return line | {"result": ComparisonResult.MATCH if ok else ComparisonResult.MISMATCH}
    if not found or source_value is None:
        return line | {"result": ComparisonResult.MISSING}
    if op in ("true", "false"):
        truth = _truthy(source_value)
        ok = truth is (op == "true")
    elif op in ("gte", "lte"):
        a, b = _number(source_value), _number(expected)
        if a is None or b is None:
            return line | {"result": ComparisonResult.MISSING}
        ok = a >= b if op == "gte" else a <= b
    elif op == "contains":
        ok = str(expected).strip() in str(source_value)
    else:
        a_num, b_num = _number(source_value), _number(expected)
        same = (
            a_num == b_num
            if a_num is not None and b_num is not None
            else str(source_value).strip() == str(expected).strip()
        )
        ok = same if op == "eq" else not same
    return line | {"result": ComparisonResult.MATCH if ok else ComparisonResult.MISMATCH}


def compare(
    rules: list[dict[str, Any]], record: dict[str, Any] | None, facts: dict[str, Any]
) -> tuple[list[dict[str, Any]], str]:
    """Every comparison line and the outcome: inconsistent if any line disagrees; consistent
    if all agree; unable if the source has no record or no data for a line."""
    lines = [compare_one(rule, record, facts) for rule in rules]
    results = {line["result"] for line in lines}
    if ComparisonResult.MISMATCH in results:
        return lines, Outcome.INCONSISTENT
    if not lines or ComparisonResult.MISSING in results:
        return lines, Outcome.UNABLE
    return lines, Outcome.CONSISTENT


def clean_comparisons(
    raw: Any, *, sources: set[str], facts: set[str]
) -> tuple[list[dict], list[str]]:
    """Validate a plan's comparisons; every problem named."""
    if not isinstance(raw, list) or len(raw) > 30:
        return [], ["比对项应为不超过30项的列表"]
    clean: list[dict[str, Any]] = []
    errors: list[str] = []
    for i, rule in enumerate(raw, start=1):
        where = f"第{i}个比对项"
        if not isinstance(rule, dict):
            errors.append(f"{where}应为对象")
            continue
        source, field, op = rule.get("source"), rule.get("field"), rule.get("op", "eq")
        if source not in sources:
            errors.append(f"{where}的数据源“{source}”未登记")
        if not isinstance(field, str) or not re.fullmatch(r"[a-z_][a-z0-9_.]{0,80}", field):
            errors.append(f"{where}的字段应为小写英文字段名（可用“.”分级）")
        if op not in OPS:
            errors.append(f"{where}的比对方式只能是：{'、'.join(OPS)}")
        fact = rule.get("fact") or ""
        if fact and fact not in facts:
            errors.append(f"{where}引用的承诺事实“{fact}”不在承诺书中")
        if not fact and op not in ("true", "false", "exists", "absent") and "value" not in rule:
            errors.append(f"{where}须指定比对的承诺事实或固定值")
        label = str(rule.get("label") or field or "")[:100]
        entry = {"label": label, "source": source, "field": field, "op": op}
        if fact:
            entry["fact"] = fact
        elif "value" in rule:
            entry["value"] = rule["value"]
        clean.append(entry)
    return clean, errors


# --- assistance refusals (R-4.7) ------------------------------------------------------------

REFUSAL_MIN_CHARS = 15
BOILERPLATE = (
    "无法核查",
    "无法协助",
    "不予协助",
    "不属于本单位职责",
    "不属于我单位职责",
    "不在职责范围",
    "无此信息",
    "查无此人",
    "情况不明",
    "不清楚",
    "无",
)
_PUNCT = re.compile(r"[\s，。、；：！？,.;:!?（）()“”\"'《》]+")


def refusal_problem(reason: Any) -> str | None:
    """A refusal must be a written reason: not empty, not a stock phrase alone, long enough to
    say why (which data, which rule). Returns why it is refused, or None."""
    if not isinstance(reason, str) or not reason.strip():
        return "书面说明无法协助的理由为必填项（R-4.7）"
    text = _PUNCT.sub("", reason)
    stripped = text
    for phrase in sorted(BOILERPLATE, key=len, reverse=True):
        stripped = stripped.replace(phrase, "")
    if len(stripped) < 6:
        return "理由不能只是套话（如“无法核查”“不属于本单位职责”），请写明无法协助的具体原因和依据"
    if len(text) < REFUSAL_MIN_CHARS:
        return f"理由过于简单，请至少用{REFUSAL_MIN_CHARS}个字写明无法协助的具体原因和依据"
    return None


def assistance_overdue(*, status: str, deadline: date, on: date) -> bool:
    return status == "open" and deadline < on

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
# The requested agency may not shirk: a refusal says specifically why it cannot assist —
# which record or data it does not hold, or which law forbids the disclosure. Stock phrases
# ("不属于本单位职责，无法核查，请联系其他部门处理") say neither. Kept as data: the stock phrases
# as families of wording, and the two kinds of ground a refusal must state.

REFUSAL_MIN_CHARS = 15
REFUSAL_STOCK_PHRASES: tuple[str, ...] = (
    r"(?:该事项|此事项|本事项|此事|该情况)?不(?:属于|在)(?:本|我)?(?:单位|部门|机关|局|委|办|中心)?"
    r"的?(?:职责|职能|管辖|业务)(?:范围)?(?:之)?内?",
    r"(?:本|我)(?:单位|部门|机关|局)?(?:无法|不能|不便|难以|暂无法|暂不能)(?:进行)?"
    r"(?:核查|核实|协助|提供|查询|办理|确认|答复)(?:核查)?",
    r"(?:无法|不能|不便|难以|暂无法|暂不能|不予)(?:进行)?(?:核查|核实|协助|提供|查询|办理|确认|答复)",
    r"(?:请|建议)?(?:您|贵单位|贵局|申请人)?(?:联系|咨询|询问|找|向|转)(?:其他|其它|相关|有关|对口|主管)"
    r"(?:的)?(?:部门|单位|机关)(?:咨询|核实|核查|处理|办理|了解|联系)?",
    r"(?:无|没有|暂无)(?:此|该|相关|有关)?(?:信息|记录|数据|资料|情况)",
    r"查无此人|情况不明|不清楚|不了解|不掌握情况|无权限|权限不足|系统原因",
    r"特此(?:说明|函复|答复)|谢谢配合|感谢理解",
)
# What makes a refusal specific: one of these grounds, stated with what it concerns.
REFUSAL_GROUNDS: tuple[tuple[str, str, str], ...] = (
    (
        "data_not_held",
        "本机关未掌握的记录或数据",
        r"(?:未|没有|无|无法|不再|不|尚未|并未)[^，,。；;]{0,10}?"
        r"(?:保存|掌握|持有|存储|留存|采集|归集|归档|存档|建档|收录|录入|入库|纳入|建立|登记|记录|管理|查询|调取|获取|核实)"
        r"|(?:已|统一)(?:移交|划转|归集|迁移)"
        r"|(?:仅|只)(?:保存|掌握|存有|持有|记录|登记|采集|收录)"
        r"|(?:无|没有|缺少)[^，,。；;]{1,8}?(?:档案|记录|数据|信息|明细|台账|资料)",
    ),
    (
        "law_forbids",
        "禁止提供的法律依据",
        r"《[^》]{2,}》|第[一二三四五六七八九十百零〇0-9]+条|国家秘密|商业秘密|个人隐私|保密规定|涉密",
    ),
)
_DATA_NOUN = re.compile(r"数据|记录|档案|信息|明细|台账|资料|证照|名册|登记|情况")
_PUNCT = re.compile(r"[\s，。、；：！？,.;:!?（）()“”\"'《》]+")


def _stock_phrases_in(text: str) -> tuple[str, list[str]]:
    """The text with the stock phrases taken out, and the phrases found."""
    found: list[str] = []
    for pattern in REFUSAL_STOCK_PHRASES:
        found += [m.group(0) for m in re.finditer(pattern, text) if m.group(0)]
        text = re.sub(pattern, "", text)
    return text, found


def refusal_problem(reason: Any) -> str | None:
    """A refusal must be a written reason (R-4.7): not empty, not made of stock phrases, long
    enough, and stating a ground — which record or data the agency does not hold, or which law
    forbids the disclosure. Returns why it is refused, or None."""
    if not isinstance(reason, str) or not reason.strip():
        return "书面说明无法协助的理由为必填项"
    text = _PUNCT.sub("", reason)
    rest, stock = _stock_phrases_in(text)
    if len(rest) < 6:
        shown = "”“".join(dict.fromkeys(stock)) if stock else text
        return (
            f"理由只有套话（“{shown}”），没有说明具体原因：请写明本机关未掌握哪项记录或数据"
            "（如“本局2019年以前的婚姻登记档案未录入系统，无法查询申请人当年的登记情况”），"
            "或哪项法律法规禁止提供（写明名称和条款）"
        )
    if len(text) < REFUSAL_MIN_CHARS:
        return f"理由过于简单，请至少用{REFUSAL_MIN_CHARS}个字写明无法协助的具体原因和依据"
    body = reason
    for pattern in REFUSAL_STOCK_PHRASES:
        body = re.sub(pattern, "", body)
    for _code, _label, pattern in REFUSAL_GROUNDS:
        match = re.search(pattern, body)
        if match and (_code != "data_not_held" or _DATA_NOUN.search(body)):
            return None
    return (
        "理由没有说明具体依据：请写明本机关未掌握哪项记录或数据（如未保存、未采集或已移交何处），"
        "或哪项法律法规禁止提供（写明名称和条款）"
    )


def assistance_overdue(*, status: str, deadline: date, on: date) -> bool:
    return status == "open" and deadline < on

"""Scoring rules of the evaluation indicators (R-8.2), as data on each leaf and pure functions
here: a leaf's rule turns the metric's value for the period into points between 0 and the
leaf's weight.

- ``{"kind": "ratio_linear", "full_at": 1.0, "zero_at": 0.8}``: full points at or beyond
  `full_at`, none at or beyond `zero_at`, linear in between (full_at < zero_at for a rate
  that should be low, e.g. overdue share). A period with nothing to count (no denominator)
  gives full points unless ``"if_empty": "zero"``.
- ``{"kind": "deduct_per", "per": 1, "points": 0.5}``: `points` off for every `per` counted
  (e.g. each overdue assistance request), never below 0.
- ``{"kind": "count_at_least", "count": 2}``: full points when the count reaches `count`;
  with ``"partial": true`` a share of it below, none otherwise."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .constants_indicators import RuleKind

CENT = Decimal("0.01")


def _number(rule: dict[str, Any], key: str) -> float | None:
    raw = rule.get(key)
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        return None
    return float(raw)


def rule_problem(rule: Any) -> str | None:
    """Why a rule cannot score (a message for the scheme's editor), or None."""
    if not isinstance(rule, dict) or rule.get("kind") not in RuleKind.values:
        return "计分规则类型无效"
    kind = rule["kind"]
    if kind == RuleKind.RATIO_LINEAR:
        full, zero = _number(rule, "full_at"), _number(rule, "zero_at")
        if full is None or zero is None or full == zero:
            return "按比率计分须写明满分值和零分值，且两者不同"
        if rule.get("if_empty", "full") not in ("full", "zero"):
            return "无业务时的计分方式无效"
    elif kind == RuleKind.DEDUCT_PER:
        per, points = _number(rule, "per"), _number(rule, "points")
        if per is None or points is None or per <= 0 or points <= 0:
            return "按次扣分须写明每多少次扣多少分（均大于0）"
    else:
        count = _number(rule, "count")
        if count is None or count <= 0:
            return "达到数量得分须写明数量（大于0）"
    return None


def _cents(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def points_for(rule: dict[str, Any], weight: Decimal, value: float | None) -> Decimal:
    """The points of a leaf worth `weight` whose metric gave `value` (None: nothing counted in
    the period, e.g. no case to verify)."""
    weight = Decimal(weight)
    if rule_problem(rule) is not None:
        return Decimal("0.00")
    kind = rule["kind"]
    if kind == RuleKind.RATIO_LINEAR:
        if value is None:
            return _cents(weight) if rule.get("if_empty", "full") == "full" else Decimal("0.00")
        full, zero = float(rule["full_at"]), float(rule["zero_at"])
        share = (value - zero) / (full - zero)
        share = min(1.0, max(0.0, share))
        return _cents(weight * Decimal(str(share)))
    if kind == RuleKind.DEDUCT_PER:
        count = value or 0.0
        steps = math.floor(count / float(rule["per"]) + 1e-9)
        off = Decimal(str(rule["points"])) * steps
        return _cents(max(Decimal(0), weight - off))
    count, needed = value or 0.0, float(rule["count"])
    if count >= needed:
        return _cents(weight)
    if rule.get("partial"):
        return _cents(weight * Decimal(str(count / needed)))
    return Decimal("0.00")


def describe(rule: dict[str, Any]) -> str:
    """The rule in words, for the scheme's page."""
    if rule_problem(rule) is not None:
        return "—"
    kind = rule["kind"]
    if kind == RuleKind.RATIO_LINEAR:
        full, zero = float(rule["full_at"]), float(rule["zero_at"])
        word = "达到" if full > zero else "不超过"
        empty = "；无相关业务的不扣分" if rule.get("if_empty", "full") == "full" else ""
        other = "低于" if full > zero else "达到"
        return f"{word}{full:.0%}得满分，{other}{zero:.0%}不得分，其间按比例计分{empty}"
    if kind == RuleKind.DEDUCT_PER:
        per = float(rule["per"])
        each = "每发现1起" if per == 1 else f"每{per:g}起"
        return f"{each}扣{float(rule['points']):g}分，扣完为止"
    tail = "，不足的按比例计分" if rule.get("partial") else "，未达到的不得分"
    return f"达到{float(rule['count']):g}项得满分{tail}"

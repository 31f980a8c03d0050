"""The legal rules of routine supervision as data and pure functions (R-4.3, R-4.4, R-5.3).

- Ratios by credit class (分类精准监管, R-5.3): a general item (一般检查事项) is drawn at a
  yearly ratio stepped up for poorer credit classes; a key item (重点检查事项) has no upper limit.
- A plan may narrow who is drawn by region or industry, never by the route by which the
  approval was obtained: commitment or proof (不得歧视性监管, R-4.4).
- Recusal (回避) is data: the kinds of relation that exclude an inspector from a subject.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from chengnuo.core.rules import FieldError

from .constants import CreditClass, ItemKind, Recusal

CLASSES = tuple(c.value for c in CreditClass)
# the default ratios (per cent a year), stepped up for poorer classes; an agency's item list
# keeps its own (InspectionItem.ratio_by_class)
DEFAULT_RATIOS: dict[str, dict[str, float]] = {
    ItemKind.GENERAL: {"A": 3, "B": 5, "C": 10, "D": 20},
    ItemKind.KEY: {"A": 20, "B": 30, "C": 50, "D": 100},
}
# a general item may not draw fewer than this share of any class (the policy's 3 %)
GENERAL_MIN_PERCENT = 3.0

# Keys of a plan's scope a plan may use; anything naming the route is refused.
SCOPE_KEYS = ("regions", "industries")
ROUTE_WORDS = ("route", "channel", "commit", "proof", "承诺", "证明", "办理方式")

# the relations that exclude an inspector (as data; each is checked at draw time).
RECUSAL_RULES: tuple[dict[str, str], ...] = (
    {"code": Recusal.HANDLED_CASE, "label": "办理过该对象办件的工作人员不得检查该对象"},
    {"code": Recusal.DECLARED, "label": "本人申报与检查对象有利害关系的应当回避"},
    {"code": Recusal.HOUSEHOLD, "label": "与检查对象为同户家庭成员的应当回避"},
    {"code": Recusal.FORMER_EMPLOYER, "label": "曾在检查对象任职的应当回避"},
)


def clean_ratios(kind: str, raw: Any) -> tuple[dict[str, float], list[FieldError]]:
    """A ratio per credit class A–D in per cent, up to 100. General items: at least 3 %,
    and never lower for a poorer class than for a better one."""
    errors: list[FieldError] = []
    if not isinstance(raw, dict):
        return {}, [FieldError("ratio_by_class", "invalid_ratio", "请按信用分类A至D填写抽查比例")]
    ratios: dict[str, float] = {}
    for cls in CLASSES:
        value = raw.get(cls)
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors.append(
                FieldError("ratio_by_class", "invalid_ratio", f"请填写{cls}类的抽查比例（%）")
            )
            continue
        if not math.isfinite(number) or number <= 0 or number > 100:
            errors.append(
                FieldError(
                    "ratio_by_class", "invalid_ratio", f"{cls}类的抽查比例应大于0且不超过100%"
                )
            )
            continue
        if kind == ItemKind.GENERAL and number < GENERAL_MIN_PERCENT:
            errors.append(
                FieldError(
                    "ratio_by_class",
                    "invalid_ratio",
                    f"一般检查事项{cls}类的抽查比例不得低于{GENERAL_MIN_PERCENT:g}%",
                )
            )
            continue
        ratios[cls] = number
    if not errors:
        for better, poorer in pairwise(CLASSES):
            if ratios[poorer] < ratios[better]:
                errors.append(
                    FieldError(
                        "ratio_by_class",
                        "invalid_ratio",
                        f"信用分类越差抽查比例应越高：{poorer}类不得低于{better}类",
                    )
                )
    return ratios, errors


def ratio_for(ratios_of_items: Iterable[dict[str, float]], credit_class: str) -> float:
    """The ratio of a stratum when one visit covers several items: the highest of them."""
    return max((float(r.get(credit_class, 0)) for r in ratios_of_items), default=0.0)


def period_fraction(start: date, end: date) -> float:
    """Ratios are per year; a quarterly plan draws its share of the year."""
    days = (end - start).days + 1
    return min(1.0, max(days, 1) / 365.0)


def quota(pool_size: int, percent: float, fraction: float = 1.0) -> int:
    """ceil(pool × ratio × fraction of the year), at least one when the pool is not empty."""
    if pool_size <= 0 or percent <= 0:
        return 0
    wanted = math.ceil(round(pool_size * percent / 100.0 * fraction, 9))
    return max(1, min(pool_size, wanted))


def scope_errors(scope: Any) -> list[FieldError]:
    """R-4.4: a plan's scope names regions or industries, never the route (commitment or
    proof) — selecting by route would treat those who committed differently."""
    if scope in (None, ""):
        return []
    if not isinstance(scope, dict):
        return [FieldError("scope", "invalid_plan", "抽查范围格式不正确")]
    errors = []
    for key, value in scope.items():
        lowered = str(key).lower()
        if any(w in lowered for w in ROUTE_WORDS) or _names_route(value):
            errors.append(
                FieldError(
                    "scope",
                    "discriminatory_selection",
                    "不得按办理方式（告知承诺或提交证明）确定抽查对象：证明事项告知承诺制"
                    "要求不得对承诺人歧视性监管",
                )
            )
        elif key not in SCOPE_KEYS:
            errors.append(
                FieldError("scope", "invalid_plan", f"抽查范围只能按行政区划或行业限定：{key}")
            )
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.append(FieldError("scope", "invalid_plan", f"抽查范围“{key}”应为列表"))
    return errors


def _names_route(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(str(v).strip().lower() in ("commitment", "proof") for v in values)


@dataclass(frozen=True)
class RecusalFacts:
    """What is known about an inspector and a subject when a draw excludes inspectors."""

    handled_case: bool = False
    declared: frozenset[str] = frozenset()  # Recusal codes declared for this pair


def recusal_reasons(facts: RecusalFacts) -> list[str]:
    """The recusal rules (codes) that exclude this inspector from this subject."""
    reasons = []
    for rule in RECUSAL_RULES:
        code = rule["code"]
        if (code == Recusal.HANDLED_CASE and facts.handled_case) or code in facts.declared:
            reasons.append(code)
    return reasons


def overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end

"""Credit rules as data and pure functions (R-2.2, R-5.3, R-5.5, R-6.4). No database here:
callers pass plain record facts, so the rules are unit- and property-tested on their own.

Grades follow the platform's three dishonesty grades (一般/较重/严重). The minimum publication
periods default to the 2026 NDRC credit repair measures, mapped as: general → 3 months,
serious → 1 year, severe → 1 year (maximum 3 years); all of it is overridable in settings
(CREDIT_GRADE_RULES, CREDIT_SANCTIONS, CREDIT_MIN_PUBLICATION_DAYS, CREDIT_MAX_PUBLICATION_DAYS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings

GRADE_ORDER = {"": 0, "general": 1, "serious": 2, "severe": 3}

# the grade is the highest one any rule gives; no rule → general.
DEFAULT_GRADE_RULES: list[dict[str, Any]] = [
    {"factor": "amount_yuan", "gte": 100_000, "grade": "serious", "label": "涉及金额10万元以上"},
    {"factor": "amount_yuan", "gte": 1_000_000, "grade": "severe", "label": "涉及金额100万元以上"},
    {"factor": "people_affected", "gte": 10, "grade": "serious", "label": "影响10人以上"},
    {"factor": "people_affected", "gte": 100, "grade": "severe", "label": "影响100人以上"},
    {"factor": "public_interest", "gte": 1, "grade": "serious", "label": "损害公共利益"},
    {"factor": "repeat_offences", "gte": 1, "grade": "serious", "label": "曾有虚假承诺记录"},
    {"factor": "repeat_offences", "gte": 2, "grade": "severe", "label": "多次虚假承诺"},
]

# differentiated sanctions per grade.
DEFAULT_SANCTIONS: dict[str, dict[str, Any]] = {
    "general": {
        "commitment_allowed": True,
        "verify_every_commitment": True,
        "bar_days": 0,
        "bar_until_repaired": False,
        "public_listing": False,
        "notify_agencies": False,
        "label": "仍可承诺，此后每次承诺均须核查",
    },
    "serious": {
        "commitment_allowed": False,
        "verify_every_commitment": True,
        "bar_days": 365,
        "bar_until_repaired": False,
        "public_listing": False,
        "notify_agencies": False,
        "label": "一定期限内不适用告知承诺制",
    },
    "severe": {
        "commitment_allowed": False,
        "verify_every_commitment": True,
        "bar_days": 0,
        "bar_until_repaired": True,
        "public_listing": True,
        "notify_agencies": True,
        "label": "信用修复前不适用告知承诺制，依法公示并通报相关部门",
    },
}

DEFAULT_MIN_PUBLICATION_DAYS = {"general": 90, "serious": 365, "severe": 365}
DEFAULT_MAX_PUBLICATION_DAYS = {"general": 365, "serious": 1095, "severe": 1095}
REPAIR_HINT = (
    "可在最短公示期满后，通过平台“信用修复”提交已履行法定义务的证明和信用承诺书，申请信用修复。"
)


def grade_rules() -> list[dict[str, Any]]:
    return getattr(settings, "CREDIT_GRADE_RULES", None) or DEFAULT_GRADE_RULES


def sanctions() -> dict[str, dict[str, Any]]:
    return getattr(settings, "CREDIT_SANCTIONS", None) or DEFAULT_SANCTIONS


def min_publication_days(grade: str) -> int:
    table = getattr(settings, "CREDIT_MIN_PUBLICATION_DAYS", None) or DEFAULT_MIN_PUBLICATION_DAYS
    return int(table.get(grade, 0))


def max_publication_days(grade: str) -> int:
    table = getattr(settings, "CREDIT_MAX_PUBLICATION_DAYS", None) or DEFAULT_MAX_PUBLICATION_DAYS
    return int(table.get(grade, 365))


@dataclass(frozen=True)
class GradeDecision:
    grade: str
    reasons: tuple[str, ...]


def grade_for(impact: dict[str, Any], rules: list[dict[str, Any]] | None = None) -> GradeDecision:
    """R-5.5: the dishonesty grade from the social impact of the false commitment."""
    grade = "general"
    reasons: list[str] = []
    for rule in rules or grade_rules():
        value = impact.get(rule["factor"], 0)
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int | float) and value >= rule["gte"]:
            reasons.append(rule["label"])
            if GRADE_ORDER[rule["grade"]] > GRADE_ORDER[grade]:
                grade = rule["grade"]
    return GradeDecision(grade, tuple(reasons))


@dataclass(frozen=True)
class RecordFacts:
    """What the rules need of a credit record."""

    id: int
    kind: str  # false_commitment | commitment_kept | external_dishonesty
    grade: str
    status: str  # active | under_objection | repaired | removed
    decided_on: date

    @property
    def counts(self) -> bool:
        """Repaired and removed records no longer count (their history stays)."""
        return self.status in ("active", "under_objection")


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    record_id: int | None = None


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    reasons: tuple[Reason, ...] = ()
    verify_every_commitment: bool = False
    repair_hint: str = ""


GRADE_LABEL = {"general": "一般", "serious": "较重", "severe": "严重"}


def commitment_eligibility(
    records: list[RecordFacts], *, item_under_commitment: bool, on: date
) -> Eligibility:
    """R-2.2: may this subject commit for this item on this day? Every reason is returned."""
    reasons: list[Reason] = []
    verify_all = False
    if not item_under_commitment:
        reasons.append(Reason("not_under_commitment", "该证明事项未实行告知承诺制，请提交证明材料"))
    table = sanctions()
    for r in records:
        if not r.counts or r.kind == "commitment_kept":
            continue
        note = "（异议处理中）" if r.status == "under_objection" else ""
        if r.kind == "false_commitment":
            reasons.append(
                Reason(
                    "false_commitment",
                    f"曾于{r.decided_on.isoformat()}作出虚假承诺"
                    f"（{GRADE_LABEL.get(r.grade, '一般')}）{note}，"
                    "信用修复前不适用告知承诺制",
                    r.id,
                )
            )
            continue
        sanction = table.get(r.grade or "general", table["general"])
        verify_all = verify_all or bool(sanction["verify_every_commitment"])
        if sanction["commitment_allowed"]:
            continue
        if sanction["bar_until_repaired"]:
            reasons.append(
                Reason(
                    "severe_record",
                    f"有{GRADE_LABEL.get(r.grade, r.grade)}失信记录"
                    f"（{r.decided_on.isoformat()}）{note}，"
                    "信用修复前不适用告知承诺制",
                    r.id,
                )
            )
        elif on < r.decided_on + timedelta(days=int(sanction["bar_days"])):
            until = r.decided_on + timedelta(days=int(sanction["bar_days"]))
            reasons.append(
                Reason(
                    "serious_record",
                    f"有{GRADE_LABEL.get(r.grade, r.grade)}失信记录"
                    f"（{r.decided_on.isoformat()}）{note}，"
                    f"{until.isoformat()}前不适用告知承诺制",
                    r.id,
                )
            )
    dishonesty = any(x.code != "not_under_commitment" for x in reasons)
    return Eligibility(
        allowed=not reasons,
        reasons=tuple(reasons),
        verify_every_commitment=verify_all,
        repair_hint=REPAIR_HINT if dishonesty else "",
    )


@dataclass(frozen=True)
class Factor:
    label: str
    points: int


@dataclass(frozen=True)
class RiskAssessment:
    level: str
    score: int
    factors: tuple[Factor, ...] = field(default_factory=tuple)


DISHONESTY_POINTS = {
    "false_commitment": {"general": 25, "serious": 40, "severe": 60},
    "external_dishonesty": {"general": 15, "serious": 30, "severe": 50},
}
LEVEL_THRESHOLDS = (("D", 50), ("C", 25), ("B", 10))


def risk_level(records: list[RecordFacts], *, on: date) -> RiskAssessment:
    """R-6.4: pre-event credit warning A–D from records, kept commitments and recency,
    with the factors that produced it."""
    factors: list[Factor] = []
    for r in records:
        if r.kind in DISHONESTY_POINTS and r.counts:
            points = DISHONESTY_POINTS[r.kind].get(r.grade or "general", 15)
            what = "虚假承诺" if r.kind == "false_commitment" else "其他失信记录"
            label = f"{what}（{GRADE_LABEL.get(r.grade, '一般')}，{r.decided_on.isoformat()}）"
            if (on - r.decided_on).days <= 365:
                points += points // 2
                label += "，近一年内"
            factors.append(Factor(label, points))
        elif (
            r.kind in DISHONESTY_POINTS
            and r.status == "repaired"
            and (on - r.decided_on).days <= 3 * 365
        ):
            factors.append(Factor(f"近三年内有已修复的失信记录（{r.decided_on.isoformat()}）", 5))
    kept = sum(1 for r in records if r.kind == "commitment_kept" and r.counts)
    if kept:
        factors.append(Factor(f"守诺记录{kept}次", -min(10, 2 * kept)))
    score = max(0, sum(f.points for f in factors))
    level = next((name for name, threshold in LEVEL_THRESHOLDS if score >= threshold), "A")
    return RiskAssessment(level, score, tuple(factors))


def repair_refusal(record: RecordFacts, *, on: date, approved_repairs: int) -> Reason | None:
    """R-5.4: repair is refused while the minimum publication period runs, for records that
    do not count any more, and past the limit of repeated repairs."""
    if record.kind == "commitment_kept":
        return Reason("not_dishonesty", "守诺记录无需修复")
    if not record.counts:
        return Reason("not_active", "该记录已修复或已撤销，无需修复")
    if record.status == "under_objection":
        return Reason("under_objection", "该记录正在异议处理中，请待异议答复后再申请修复")
    earliest = record.decided_on + timedelta(days=min_publication_days(record.grade or "general"))
    if on < earliest:
        return Reason(
            "minimum_period",
            f"最短公示期未满，{earliest.isoformat()}后方可申请信用修复",
        )
    limit = int(getattr(settings, "CREDIT_REPAIR_LIMIT", 3))
    if approved_repairs >= limit:
        return Reason(
            "repair_limit", f"近三年内已修复{approved_repairs}次，达到上限{limit}次，不予受理"
        )
    return None

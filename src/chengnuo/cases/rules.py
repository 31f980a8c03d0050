"""Pure rules of cases (no database): when commitment is offered for an item (R-2.1, R-2.2),
the liability insurance a commitment needs (R-6.5), written reasons, and when commitments are
published (R-6.3). Unit-tested without the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from chengnuo.core.rules import FieldError

from .constants import REASON_LIMIT, REASON_MIN_CHARS

NOT_IN_FORCE = "该证明事项在今日施行的目录版本中未实行告知承诺制，请提交证明材料"


@dataclass(frozen=True)
class Offer:
    """Whether commit is offered for one item to one subject on one day, and why not."""

    offered: bool
    reasons: tuple[dict[str, Any], ...] = ()
    repair_hint: str = ""
    verify_every_commitment: bool = False

    def as_json(self, on: date) -> dict[str, Any]:
        return {
            "allowed": self.offered,
            "reasons": list(self.reasons),
            "repair_hint": self.repair_hint,
            "verify_every_commitment": self.verify_every_commitment,
            "checked_on": on.isoformat(),
        }


def in_force_under_commitment(
    *, live_in_force: bool, live_under_commitment: bool, snapshot: dict[str, Any] | None
) -> bool:
    """R-2.1: commit only for items under commitment in the catalog version in force that day.
    `snapshot` is the item's entry in that version (None when the agency has versions and the
    item is not in the one in force; {} when the agency has no published version yet)."""
    if not (live_in_force and live_under_commitment):
        return False
    if snapshot is None:
        return False
    if snapshot == {}:
        return True
    return bool(snapshot.get("under_commitment")) and snapshot.get("status", "in_force") in (
        "in_force",
    )


def offer_for(*, in_force: bool, eligibility: Any) -> Offer:
    """Combine the catalog rule with the credit eligibility (R-2.2). `eligibility` is a
    credit.rules.Eligibility computed for the same day."""
    if not in_force:
        return Offer(False, ({"code": "not_under_commitment", "message": NOT_IN_FORCE},))
    reasons = tuple(
        {"code": r.code, "message": r.message, "record_id": r.record_id}
        for r in eligibility.reasons
        if r.code != "not_under_commitment"
    )
    return Offer(
        not reasons,
        reasons,
        eligibility.repair_hint if reasons else "",
        bool(eligibility.verify_every_commitment),
    )


def clean_reason(value: Any, *, field: str, label: str) -> tuple[str, FieldError | None]:
    """A written reason: text of at least REASON_MIN_CHARS characters."""
    if not isinstance(value, str) or "\x00" in value:
        return "", FieldError(field, "required", f"{label}为必填项")
    text = value.strip()
    if len(text) < REASON_MIN_CHARS:
        return "", FieldError(
            field, "reason_too_short", f"{label}为必填项，至少{REASON_MIN_CHARS}个字"
        )
    if len(text) > REASON_LIMIT:
        return "", FieldError(field, "too_long", f"{label}不得超过{REASON_LIMIT}字")
    return text, None


INSURANCE_LABELS = {
    "insurer": "保险机构",
    "policy_number": "保单号",
    "amount": "保险金额（元）",
    "start": "保险起期",
    "end": "保险止期",
}


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def clean_insurance(raw: Any, *, on: date) -> tuple[dict[str, Any], list[FieldError]]:
    """R-6.5: a liability insurance policy (insurer, number, amount, period) in force on the
    day of signing. Every missing or invalid part is named."""
    if not isinstance(raw, dict) or not any(raw.get(k) not in (None, "") for k in INSURANCE_LABELS):
        return {}, [
            FieldError(
                "insurance",
                "insurance_required",
                "该证明事项实行告知承诺须投保责任保险，请填写保险机构、保单号、保险金额和保险期间"
                "（R-6.5）",
            )
        ]
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for key in ("insurer", "policy_number"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > 100:
            errors.append(
                FieldError(
                    f"insurance.{key}",
                    "required",
                    f"{INSURANCE_LABELS[key]}为必填项（不超过100字）",
                )
            )
        else:
            clean[key] = value.strip()
    try:
        amount = Decimal(str(raw.get("amount", "")).strip())
        if not amount.is_finite() or amount <= 0 or amount > Decimal("100000000000"):
            raise InvalidOperation
        clean["amount"] = str(amount.quantize(Decimal("0.01")))
    except (InvalidOperation, ValueError):
        errors.append(
            FieldError("insurance.amount", "invalid_amount", "保险金额应为大于0的金额（元）")
        )
    start, end = _date(raw.get("start")), _date(raw.get("end"))
    if start is None:
        errors.append(
            FieldError("insurance.start", "invalid_date", "保险起期应为日期（YYYY-MM-DD）")
        )
    if end is None:
        errors.append(FieldError("insurance.end", "invalid_date", "保险止期应为日期（YYYY-MM-DD）"))
    if start and end:
        if end < start:
            errors.append(FieldError("insurance.end", "invalid_period", "保险止期不得早于起期"))
        elif not start <= on <= end:
            errors.append(
                FieldError(
                    "insurance.start",
                    "not_in_force",
                    f"保单在签署日（{on.isoformat()}）不在保险期间内",
                )
            )
        clean["start"], clean["end"] = start.isoformat(), end.isoformat()
    return clean, errors


DEFAULT_DISCLOSURE_DAYS = 30


def disclosure_period(*, scope: str, period_days: int | None, on: date) -> tuple[date, date] | None:
    """R-6.3: a published commitment is shown from the decision day for the configured period
    (inclusive); items without a disclosure scope are not published."""
    if not scope:
        return None
    days = period_days or DEFAULT_DISCLOSURE_DAYS
    return on, on + timedelta(days=days - 1)

"""Legal rules of the catalog as pure functions (no database), cited by requirement ID.

`clean_item_payload` is the one validator of a certification item's fields: the staff form,
the XLSX import, the API and the admin all pass their input through it, so a rule and its
message exist once.
"""

from __future__ import annotations

from typing import Any

from chengnuo.core.rules import FieldError

from .constants import DisclosureScope, ExcludedDomain, PriorityDomain, VerificationMethod

MAX_TEXT = 4000
MAX_DAYS_VERIFY = 365
MAX_DAYS_DISCLOSE = 3650


FIELD_LABELS: dict[str, str] = {
    "name": "证明事项名称",
    "proof_content": "证明内容",
    "issuer": "开具单位",
    "legal_basis": "设定依据",
    "matter_codes": "适用事项编码",
    "priority_domains": "重点领域",
    "excluded_domains": "不适用领域",
    "other_high_risk": "其他高风险",
    "other_high_risk_reason": "高风险理由",
    "under_commitment": "实行告知承诺制",
    "verification_method": "核查方式",
    "verification_time_limit_days": "核查时限（工作日）",
    "verification_standard": "核查标准",
    "disclosure_scope": "承诺书公开范围",
    "disclosure_period_days": "公开期限（日）",
    "liability_insurance_required": "需责任保险",
    "risk_points": "风险点",
    "risk_controls": "防控措施",
}
ITEM_FIELDS = tuple(FIELD_LABELS)
TEXT_FIELDS = (
    "name",
    "proof_content",
    "issuer",
    "legal_basis",
    "other_high_risk_reason",
    "verification_standard",
    "risk_points",
    "risk_controls",
)
REQUIRED_TEXT = ("name", "proof_content", "issuer", "legal_basis")
BOOL_FIELDS = ("other_high_risk", "under_commitment", "liability_insurance_required")
TRUE_WORDS = {"true", "1", "yes", "y", "是", "√", "on"}
FALSE_WORDS = {"false", "0", "no", "n", "否", "", "off", "none"}

_EXCLUDED_LABELS = {c.value: str(c.label) for c in ExcludedDomain}
_PRIORITY_LABELS = {c.value: str(c.label) for c in PriorityDomain}


def _label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def _domain_codes(value: Any, labels: dict[str, str]) -> list[str] | None:
    """Accept codes or Chinese labels, as a list or a separated string; None if unknown."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace("，", ",").replace("、", ",").split(",")]
    elif isinstance(value, list | tuple):
        parts = [str(p).strip() for p in value]
    else:
        return None
    by_label = {label: code for code, label in labels.items()}
    codes: list[str] = []
    for part in parts:
        if not part:
            continue
        code = part if part in labels else by_label.get(part)
        if code is None:
            return None
        if code not in codes:
            codes.append(code)
    return codes


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return None


def _int_or_none(value: Any) -> int | str | None:
    """An int, None for empty, or the string 'bad'."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "bad"
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return "bad"


def commitment_refusals(
    *,
    under_commitment: bool,
    excluded_domains: list[str],
    other_high_risk: bool,
    other_high_risk_reason: str = "",
) -> list[FieldError]:
    """R-1.3: an item touching an excluded domain, or flagged as other high risk, can never be
    put under commitment. The refusal names each domain."""
    if not under_commitment:
        return []
    errors: list[FieldError] = []
    if excluded_domains:
        names = "、".join(_EXCLUDED_LABELS.get(d, d) for d in excluded_domains)
        errors.append(
            FieldError(
                "under_commitment",
                "excluded_domain",
                f"该证明事项涉及不适用告知承诺制的领域：{names}，不得实行告知承诺制",
            )
        )
    if other_high_risk:
        reason = f"（理由：{other_high_risk_reason}）" if other_high_risk_reason else ""
        errors.append(
            FieldError(
                "under_commitment",
                "other_high_risk",
                f"该证明事项已标记为风险较大、纠错成本较高、损害难以挽回的其他高风险事项{reason}，"
                "不得实行告知承诺制",
            )
        )
    return errors


def clean_item_payload(raw: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Normalise and validate a certification item's fields. Returns (clean, errors)."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    unknown = sorted(set(raw) - set(ITEM_FIELDS))
    for field in unknown:
        errors.append(FieldError(field or "payload", "unknown_field", f"未知字段“{field}”"))

    for field in TEXT_FIELDS:
        value = raw.get(field, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            value = str(value) if isinstance(value, int | float) else None
        if value is None:
            errors.append(FieldError(field, "invalid_type", f"{_label(field)}应为文本"))
            continue
        value = value.strip()
        if "\x00" in value:
            errors.append(FieldError(field, "invalid_character", f"{_label(field)}含有非法字符"))
            continue
        limit = 200 if field == "name" else MAX_TEXT
        if len(value) > limit:
            errors.append(FieldError(field, "too_long", f"{_label(field)}不得超过{limit}个字符"))
            continue
        if field in REQUIRED_TEXT and not value:
            errors.append(FieldError(field, "required", f"{_label(field)}为必填项"))
            continue
        clean[field] = value

    for field in BOOL_FIELDS:
        parsed = _bool(raw.get(field, False))
        if parsed is None:
            errors.append(FieldError(field, "invalid_choice", f"{_label(field)}应填写“是”或“否”"))
        else:
            clean[field] = parsed

    for field, labels in (
        ("priority_domains", _PRIORITY_LABELS),
        ("excluded_domains", _EXCLUDED_LABELS),
    ):
        codes = _domain_codes(raw.get(field), labels)
        if codes is None:
            allowed = "、".join(labels.values())
            errors.append(
                FieldError(field, "invalid_choice", f"{_label(field)}只能取以下值：{allowed}")
            )
        else:
            clean[field] = codes

    matter_codes = raw.get("matter_codes", [])
    if isinstance(matter_codes, str):
        matter_codes = [c.strip() for c in matter_codes.replace("，", ",").split(",") if c.strip()]
    if not isinstance(matter_codes, list | tuple) or not all(
        isinstance(c, str) and 0 < len(c) <= 40 and "\x00" not in c for c in matter_codes
    ):
        errors.append(FieldError("matter_codes", "invalid_type", "适用事项编码应为编码列表"))
    else:
        clean["matter_codes"] = list(dict.fromkeys(matter_codes))

    method = raw.get("verification_method") or ""
    method_labels = {str(c.label): c.value for c in VerificationMethod}
    method = method_labels.get(method, method) if isinstance(method, str) else None
    if method not in {"", *VerificationMethod.values}:
        allowed = "、".join(str(c.label) for c in VerificationMethod)
        errors.append(
            FieldError("verification_method", "invalid_choice", f"核查方式只能取：{allowed}")
        )
    else:
        clean["verification_method"] = method

    scope = raw.get("disclosure_scope") or ""
    scope_labels = {str(c.label): c.value for c in DisclosureScope}
    scope = scope_labels.get(scope, scope) if isinstance(scope, str) else None
    if scope not in DisclosureScope.values:
        allowed = "、".join(str(c.label) for c in DisclosureScope)
        errors.append(
            FieldError("disclosure_scope", "invalid_choice", f"承诺书公开范围只能取：{allowed}")
        )
    else:
        clean["disclosure_scope"] = scope

    for field, maximum in (
        ("verification_time_limit_days", MAX_DAYS_VERIFY),
        ("disclosure_period_days", MAX_DAYS_DISCLOSE),
    ):
        parsed_int = _int_or_none(raw.get(field))
        if parsed_int == "bad" or (isinstance(parsed_int, int) and not 1 <= parsed_int <= maximum):
            errors.append(
                FieldError(field, "out_of_range", f"{_label(field)}应为1至{maximum}之间的整数")
            )
        else:
            clean[field] = parsed_int

    if errors:
        # Still say at once when the item can never be under commitment, so the
        # refusal naming the domain is not hidden behind a missing field.
        needed = ("under_commitment", "excluded_domains", "other_high_risk")
        if all(f in clean for f in needed):
            errors += commitment_refusals(
                under_commitment=clean["under_commitment"],
                excluded_domains=clean["excluded_domains"],
                other_high_risk=clean["other_high_risk"],
                other_high_risk_reason=clean.get("other_high_risk_reason", ""),
            )
        return clean, errors

    # Rules across fields ---------------------------------------------------------------
    if clean["other_high_risk"] and not clean["other_high_risk_reason"]:
        errors.append(
            FieldError(
                "other_high_risk_reason",
                "required",
                "标记为其他高风险事项时，必须说明理由（纠错成本高、损害难以挽回等）",
            )
        )
    errors += commitment_refusals(
        under_commitment=clean["under_commitment"],
        excluded_domains=clean["excluded_domains"],
        other_high_risk=clean["other_high_risk"],
        other_high_risk_reason=clean["other_high_risk_reason"],
    )
    if clean["under_commitment"]:
        if not clean["verification_method"]:
            errors.append(
                FieldError(
                    "verification_method",
                    "required",
                    "实行告知承诺制的证明事项必须确定核查方式",
                )
            )
        elif clean["verification_method"] != VerificationMethod.EXEMPT:
            if clean["verification_time_limit_days"] is None:
                errors.append(
                    FieldError(
                        "verification_time_limit_days",
                        "required",
                        "需核查的证明事项必须确定核查时限（工作日）",
                    )
                )
            if not clean["verification_standard"]:
                errors.append(
                    FieldError(
                        "verification_standard",
                        "required",
                        "需核查的证明事项必须确定核查标准",
                    )
                )
    if clean["disclosure_scope"] and clean["disclosure_period_days"] is None:
        errors.append(
            FieldError("disclosure_period_days", "required", "承诺书公开的，必须确定公开期限")
        )
    if not clean["disclosure_scope"]:
        clean["disclosure_period_days"] = None
    if clean["under_commitment"] and not clean["matter_codes"]:
        errors.append(
            FieldError(
                "matter_codes", "required", "实行告知承诺制的证明事项必须关联至少一个适用事项"
            )
        )
    return clean, errors


def item_snapshot_fields(item: Any) -> dict[str, Any]:
    """The fields of a live item as a payload dict (for versions, diffs and amend forms)."""
    data = {field: getattr(item, field) for field in ITEM_FIELDS if field != "matter_codes"}
    data["matter_codes"] = sorted(m.code for m in item.matters.all())
    return data


def diff_snapshots(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Compare two catalog snapshots keyed by item code: added, removed, changed (per field)."""
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = []
    for code in sorted(set(old) & set(new)):
        fields = {
            f: {"before": old[code].get(f), "after": new[code].get(f)}
            for f in sorted(set(old[code]) | set(new[code]))
            if old[code].get(f) != new[code].get(f)
        }
        if fields:
            changed.append({"code": code, "name": new[code].get("name"), "fields": fields})
    return {
        "added": [{"code": c, "name": new[c].get("name")} for c in added],
        "removed": [{"code": c, "name": old[c].get("name")} for c in removed],
        "changed": changed,
    }

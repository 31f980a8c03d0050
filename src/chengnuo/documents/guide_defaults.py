"""Default service guides and work rules generated from the catalog (R-2.1, R-3.4, R-3.5, R-4.1,
R-5.4, R-5.7, R-6.1, R-6.2), so that an agency edits a complete text rather than typing from
nothing. Pure functions of the matter or the item (and its in-force items)."""

from __future__ import annotations

from typing import Any

from chengnuo.catalog.constants import MatterType, VerificationMethod
from chengnuo.catalog.models import CertificationItem, Matter
from chengnuo.catalog.schemas import MARKING

# an applicant always may submit the proof instead of committing.
ALTERNATIVE = "可选择告知承诺方式（签署告知承诺书）或提交证明材料"
# Administrative Licensing Law art. 42: a licensing decision within 20 days.
LICENSING_TIME_LIMIT_DAYS = 20

MATERIAL = "material"
PROOF = "proof"


def _credit_deadlines() -> tuple[int, int]:
    """The working days of the credit services (R-5.4), as configured."""
    from chengnuo.credit import services as credit_services

    return (
        credit_services._deadline_days(
            "CREDIT_OBJECTION_DEADLINE_DAYS", credit_services.OBJECTION_DEADLINE_DAYS
        ),
        credit_services._deadline_days(
            "CREDIT_REPAIR_DEADLINE_DAYS", credit_services.REPAIR_DEADLINE_DAYS
        ),
    )


def proof_entry(item: CertificationItem) -> dict[str, Any]:
    """One certification item in a matter's materials, marked when under commitment (R-3.5)."""
    committed = bool(item.under_commitment)
    return {
        "kind": PROOF,
        "name": item.name,
        "note": f"证明内容：{item.proof_content}；开具单位：{item.issuer}",
        "item_code": item.code,
        "under_commitment": committed,
        "marking": MARKING if committed else "",
        "alternative": ALTERNATIVE if committed else "",
    }


def default_materials(matter: Matter, items: list[CertificationItem]) -> list[dict[str, Any]]:
    """Each plain material of the matter, then each proof the matter requires (R-3.5)."""
    plain = [
        {"kind": MATERIAL, "name": str(name), "note": ""}
        for name in matter.materials or []
        if str(name).strip()
    ]
    return plain + [proof_entry(item) for item in items]


def default_conditions(matter: Matter, items: list[CertificationItem]) -> str:
    text = f"申请人应当符合{matter.legal_basis}规定的{matter.name}条件。"
    if items:
        text += "申请人应当具备下列证明所载明的条件：" + "；".join(
            f"{item.name}（{item.proof_content}）" for item in items
        )
        text += "。"
    return text


def default_fees(matter: Matter) -> str:
    if matter.matter_type == MatterType.LICENSING:
        return "依照《中华人民共和国行政许可法》第五十八条，本事项不收费。"
    return "本事项不收费。"


def default_where_to_apply(matter: Matter) -> str:
    return f"{matter.agency.name}政务服务窗口（具体地址以窗口公示为准）。"


def default_how_to_apply(matter: Matter) -> str:
    return (
        "网上办理：通过网上政务服务平台在线提交申请，在线阅读告知书并确认承诺。"
        f"窗口办理：到{matter.agency.name}政务服务窗口提交申请，现场签署告知承诺书。"
    )


def default_withdrawal(matter: Matter) -> str:
    """R-6.2: before conclusion, with reasons; the matter continues under the standard procedure."""
    return (
        f"在{matter.name}办结前，申请人可以书面说明理由，申请撤回告知承诺。"
        "撤回后，本事项按原程序继续办理，申请人应当提交申请材料中所列的该项证明。"
    )


def default_credit_repair() -> str:
    """R-5.4: objection and credit repair, with the working days of the credit services."""
    objection_days, repair_days = _credit_deadlines()
    return (
        "申请人对信用记录有异议的，可以通过本平台“我的信用”提出异议，"
        f"行政机关自受理之日起{objection_days}个工作日内答复。"
        "申请人符合信用修复条件的，可以通过本平台“我的信用”申请信用修复，"
        f"行政机关自受理之日起{repair_days}个工作日内作出决定。"
    )


def guide_defaults(matter: Matter, items: list[CertificationItem]) -> dict[str, Any]:
    """`items`: the in-force certification items the matter requires (catalog selectors)."""
    return {
        "conditions": default_conditions(matter, items),
        "materials": default_materials(matter, items),
        "legal_time_limit_days": (
            LICENSING_TIME_LIMIT_DAYS if matter.matter_type == MatterType.LICENSING else None
        ),
        "promised_time_limit_days": None,
        "fees": default_fees(matter),
        "where_to_apply": default_where_to_apply(matter),
        "how_to_apply": default_how_to_apply(matter),
        "withdrawal": default_withdrawal(matter),
        "credit_repair": default_credit_repair(),
        "free_text": "",
    }


# --- work rules -----------------------------------------------------------------------------

DEFAULT_RISK_POINTS = "申请人作出不实承诺，以承诺代替证明取得行政决定。"
DEFAULT_RISK_CONTROLS = (
    "按核查计划逐件核查；发现不实承诺的，终止办理或撤销行政决定，依法处理并记入信用记录。"
)


def default_verification_plan(item: CertificationItem) -> str:
    """R-4.1: the item's verification plan (method, time limit, standard)."""
    if item.verification_method == VerificationMethod.EXEMPT:
        return (
            "核查方式：免于核查。本证明事项纳入日常监管，"
            "通过“双随机、一公开”监管、重点监管和信用监管发现不实承诺。"
        )
    parts = []
    if item.verification_method:
        parts.append(f"核查方式：{VerificationMethod(item.verification_method).label}。")
    if item.verification_time_limit_days:
        parts.append(f"核查时限：自受理之日起{item.verification_time_limit_days}个工作日内。")
    if item.verification_standard:
        parts.append(f"核查标准：{item.verification_standard}。")
    return "".join(parts)


def default_credit_check() -> str:
    """R-5.7, R-2.2, R-4.2: staff check the applicant's credit while handling the case."""
    return (
        "受理时通过本平台信用核查功能查询申请人的信用状况和告知承诺适用资格，查询留痕。"
        "申请人有较严重的不良信用记录或者曾作出虚假承诺的，不适用告知承诺制，"
        "告知其原因和信用修复途径，申请人可以提交证明材料办理。"
        "信用状况较差的申请人，核查从严、从快。"
    )


def default_steps(item: CertificationItem) -> list[str]:
    return [
        f"受理：告知申请人可以选择告知承诺方式或者提交{item.name}；"
        "选择告知承诺的，出示告知书，由申请人签署告知承诺书。",
        "信用核查：受理时查询申请人信用状况，确认其可以适用告知承诺制。",
        "审查决定：按申请条件审查，在承诺办结时限内作出决定。",
        "核查：按本规程的核查计划核查承诺内容，核查结果存档。",
        "处理：发现不实承诺的，依法终止办理或者撤销行政决定，并记入信用记录。",
    ]


def work_rules_defaults(item: CertificationItem) -> dict[str, Any]:
    return {
        "steps": default_steps(item),
        "verification_plan": default_verification_plan(item),
        "risk_points": item.risk_points.strip() or DEFAULT_RISK_POINTS,
        "risk_controls": item.risk_controls.strip() or DEFAULT_RISK_CONTROLS,
        "credit_check": default_credit_check(),
        "free_text": "",
    }

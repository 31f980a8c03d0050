"""Default drafts generated from the catalog entry (R-3.1, R-3.3, R-4.1, R-6.3), so that an
agency edits a complete text rather than typing from nothing. Pure functions of the item."""

from __future__ import annotations

from typing import Any

from chengnuo.catalog.constants import DisclosureScope, VerificationMethod
from chengnuo.catalog.models import CertificationItem

from .constants import FactType

CIVIL_LIABILITY = (
    "申请人作出不实承诺，给国家、集体或者他人造成损失的，"
    "依照《中华人民共和国民法典》依法承担民事责任。"
)
ADMINISTRATIVE_LIABILITY = (
    "申请人作出不实承诺的，行政机关依照《中华人民共和国行政许可法》"
    "《中华人民共和国行政处罚法》的规定终止办理；已作出行政决定的，依法撤销该行政决定，"
    "依法给予行政处罚，并将不实承诺记入申请人信用记录。"
)
CRIMINAL_LIABILITY = (
    "申请人作出不实承诺，涉嫌犯罪的，行政机关将案件移送司法机关，"
    "依照《中华人民共和国刑法》依法追究刑事责任。"
)

KNOWS_NOTIFICATION = "本人（单位）已知晓告知书所告知的全部内容。"
ACCEPTS_LIABILITY = "本人（单位）愿意承担不实承诺的法律责任。"
TRUE_INTENT = "本人（单位）所作承诺是本人（单位）真实的意思表示。"


def _join(values: list[str]) -> str:
    return "、".join(v for v in values if v)


def default_matter_name(item: CertificationItem) -> str:
    """The administrative matters (事项名称) that require this proof; empty when none."""
    return _join([m.name for m in item.matters.order_by("code")])


def default_proof_content(item: CertificationItem) -> str:
    return (
        f"证明名称：{item.name}。证明内容：{item.proof_content}。原开具单位：{item.issuer}。"
        "申请人以书面承诺代替提交该证明。"
    )


def default_how_to_commit(item: CertificationItem) -> str:
    return (
        "申请人可通过网上政务服务平台在线阅读本告知书并在线确认承诺，"
        f"或到{item.agency.name}政务服务窗口现场签署书面承诺书。"
        "申请人不愿承诺或无法承诺的，可以提交该项证明，按一般程序办理，办理不受影响。"
    )


def default_verification_power(item: CertificationItem) -> str:
    lead = "行政机关有权依法对申请人所作承诺的真实性进行核查，申请人应当配合。"
    if item.verification_method == VerificationMethod.EXEMPT:
        return (
            lead + "本证明事项免于核查，纳入日常监管，"
            "通过“双随机、一公开”监管、重点监管和信用监管发现不实承诺。"
        )
    parts = [lead]
    if item.verification_method:
        parts.append(f"核查方式：{VerificationMethod(item.verification_method).label}。")
    if item.verification_time_limit_days:
        parts.append(f"核查时限：自受理之日起{item.verification_time_limit_days}个工作日内。")
    if item.verification_standard:
        parts.append(f"核查标准：{item.verification_standard}。")
    return "".join(parts)


def default_disclosure(item: CertificationItem) -> str:
    """R-6.3: whether the commitment is published, where and for how long."""
    if not item.disclosure_scope:
        return "本承诺书不予公开。"
    scope = DisclosureScope(item.disclosure_scope).label
    period = (
        f"公开期限为{item.disclosure_period_days}日"
        if item.disclosure_period_days
        else "公开期限以行政机关公告为准"
    )
    return f"本承诺书将在{scope}公开，{period}，接受社会监督。"


def notification_defaults(item: CertificationItem) -> dict[str, str]:
    return {
        "matter_name": default_matter_name(item),
        "legal_basis": item.legal_basis,
        "proof_content": default_proof_content(item),
        "how_to_commit": default_how_to_commit(item),
        "civil_liability": CIVIL_LIABILITY,
        "administrative_liability": ADMINISTRATIVE_LIABILITY,
        "criminal_liability": CRIMINAL_LIABILITY,
        "verification_power": default_verification_power(item),
        "disclosure": default_disclosure(item),
        "free_text": "",
    }


def default_facts(item: CertificationItem) -> list[dict[str, Any]]:
    """One fact per item: the condition the proof would have shown."""
    return [
        {
            "key": "meets_condition",
            "label": item.proof_content,
            "type": FactType.TEXT.value,
            "required": True,
            "source_field": "",
        }
    ]


def commitment_defaults(item: CertificationItem) -> dict[str, Any]:
    return {
        "knows_notification": KNOWS_NOTIFICATION,
        "meets_conditions": f"本人（单位）已符合告知书所列的条件：{item.proof_content}。",
        "accepts_liability": ACCEPTS_LIABILITY,
        "true_intent": TRUE_INTENT,
        "facts": default_facts(item),
        "free_text": "",
    }

"""How audit events read on staff pages: each event kind's Chinese label (from its app's enum,
`core.events`), and a change as rows of field, old value and new value instead of the stored
JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from chengnuo.core import events

FIELD_LABELS: dict[str, str] = {
    "status": "状态",
    "decision": "决定",
    "reason": "理由",
    "choice": "办理方式",
    "item": "证明事项",
    "items": "证明事项",
    "item_code": "证明事项编码",
    "number": "编号",
    "matter": "事项",
    "channel": "申请渠道",
    "risk_level": "信用风险等级",
    "due_date": "办结期限",
    "method": "方式",
    "digest": "SM3摘要",
    "pdf_digest": "PDF SM3摘要",
    "commitment_id": "承诺书",
    "proof_id": "证明材料",
    "name": "名称",
    "kind": "类型",
    "id_type": "证件类型",
    "id_masked": "证件号码（脱敏）",
    "relation": "关系",
    "context": "事由编号",
    "grade": "失信程度",
    "summary": "摘要",
    "legal_basis": "依据",
    "note": "说明",
    "answer": "答复内容",
    "result": "核查结果",
    "outcome": "核查结论",
    "handler": "承办人",
    "role": "角色",
    "agency": "机关",
    "effective_date": "生效日期",
    "action": "调整类型",
    "override_reason": "放行理由",
    "blocking_findings": "阻断性问题",
    "insured": "已投保",
    "notification": "告知书版本",
    "commitment": "承诺书版本",
    "count": "次数",
    "staff": "涉及人员",
    "open": "未处理",
    "risk": "信用风险等级",
    "deadline": "期限",
    "measure": "处置措施",
    "reasons": "理由",
    "revision": "修改轮次",
}


def event_label(code: str) -> str:
    """The Chinese label of an event kind, from its app's enum (`core.events`)."""
    return events.kind_label(code)


def event_labels() -> dict[str, str]:
    """Every registered kind's code and label, for search filters."""
    return {code: k.label for code, k in sorted(events.all_kinds().items())}


def format_value(value: Any) -> str:
    """A stored JSON value as people read it."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, list):
        return "、".join(format_value(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{FIELD_LABELS.get(k, k)}：{format_value(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 20 and "T" in value[:11]:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def changes(before: Any, after: Any) -> list[Change]:
    """One row per field that either side names, in the order they were recorded."""
    old = before if isinstance(before, dict) else ({} if before is None else {"": before})
    new = after if isinstance(after, dict) else ({} if after is None else {"": after})
    keys = list(dict.fromkeys([*old, *new]))
    return [
        Change(FIELD_LABELS.get(k, k) or "内容", format_value(old.get(k)), format_value(new.get(k)))
        for k in keys
    ]

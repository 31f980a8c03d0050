"""How audit events read on staff pages: each event code's Chinese label, and a change as rows of
field, old value and new value instead of the stored JSON (issue 11 §9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

EVENT_LABELS: dict[str, str] = {
    # accounts and agencies
    "accounts.login": "登录",
    "accounts.login_failed": "登录失败",
    "accounts.locked": "账号锁定",
    "accounts.user_unlocked": "解除账号锁定",
    "accounts.user_created": "新建用户",
    "accounts.user_updated": "修改用户",
    "accounts.api_token_created": "签发接口令牌",
    "accounts.api_token_revoked": "吊销接口令牌",
    "agencies.agency_created": "新建机关",
    "agencies.agency_updated": "修改机关",
    "agencies.membership_granted": "授予角色",
    "agencies.membership_changed": "调整角色",
    "agencies.membership_revoked": "撤销角色",
    # audit
    "audit.alert_raised": "发出安全提醒",
    "audit.alert_acknowledged": "处理安全提醒",
    # catalog
    "catalog.proposal_submitted": "提交目录调整申报",
    "catalog.proposal_withdrawn": "撤回目录调整申报",
    "catalog.proposal_returned": "退回目录调整申报",
    "catalog.proposal_resubmitted": "修改后重新提交申报",
    "catalog.proposal_filed": "目录调整备案",
    "catalog.import_submitted": "批量导入目录清单",
    "catalog.item_added": "新增证明事项",
    "catalog.item_amended": "调整证明事项",
    "catalog.item_removed": "取消证明事项",
    "catalog.version_published": "发布目录版本",
    "catalog.matter_created": "新增行政事项",
    "catalog.matter_updated": "修改行政事项",
    "catalog.matter_filed": "行政事项备案",
    # credit
    "credit.subject_registered": "登记申请人",
    "credit.subject_linked": "关联申请人账号",
    "credit.subject_found": "按证件号码精确查询",
    "credit.identifier_viewed": "查看完整证件号码",
    "credit.lookup": "事中核查信用",
    "credit.record_created": "记入信用记录",
    "credit.repair_submitted": "申请信用修复",
    "credit.repair_material_added": "补充信用修复材料",
    "credit.repair_approved": "准予信用修复",
    "credit.repair_refused": "不予信用修复",
    "credit.objection_submitted": "提出异议",
    "credit.objection_corrected": "异议成立，更正记录",
    "credit.objection_upheld": "异议不成立，维持记录",
    # documents
    "documents.template_drafts_created": "生成告知书和承诺书草稿",
    "documents.template_draft_updated": "修改告知书或承诺书草稿",
    "documents.template_published": "发布告知书或承诺书",
    "documents.template_published_lint_override": "经司法局放行发布告知书或承诺书",
    "documents.guide_draft_created": "生成办事指南草稿",
    "documents.guide_draft_updated": "修改办事指南草稿",
    "documents.guide_published": "发布办事指南",
    "documents.guide_published_lint_override": "经司法局放行发布办事指南或工作规程",
    "documents.work_rules_draft_created": "生成工作规程草稿",
    "documents.work_rules_draft_updated": "修改工作规程草稿",
    "documents.work_rules_published": "发布工作规程",
    # cases
    "cases.created": "创建办件",
    "cases.item_chosen": "选择办理方式",
    "cases.commitment_signed": "签署承诺书",
    "cases.commitment_archived": "承诺书PDF归档",
    "cases.commitment_withdrawn": "退出承诺",
    "cases.proof_uploaded": "上传证明材料",
    "cases.submitted": "提交申请",
    "cases.decided": "作出决定",
    "cases.revoked": "撤销准予决定",
    "cases.verification_scheduled": "安排核查",
    # verification
    "verification.plan_saved": "保存核查计划",
    "verification.sample_drawn": "核查抽样",
    "verification.task_created": "生成核查任务",
    "verification.online_check_done": "在线核查完成",
    "verification.online_check_failed": "在线核查未能完成",
    "verification.outcome_recorded": "记录核查结论",
    "verification.assistance_requested": "请求协助核查",
    "verification.assistance_taken": "确定协助核查承办人",
    "verification.assistance_answered": "协助核查答复",
    "verification.assistance_refused": "书面说明无法协助",
    "verification.assistance_reminded": "协助核查提醒",
    "verification.inspection_assigned": "安排现场核查",
    "verification.inspection_done": "完成现场核查",
    "verification.handling_decided": "处置不实承诺",
    "verification.handling_rectified": "整改完成",
    "verification.handling_escalated": "逾期未整改，依法处理",
    "verification.source_saved": "登记数据源",
}

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
    return EVENT_LABELS.get(code, code)


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

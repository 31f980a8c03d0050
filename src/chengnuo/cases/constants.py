"""States, choices and event codes of cases (办件). Stable strings; Chinese labels for people."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("审查中")
    APPROVED = "approved", _("准予办理")
    REJECTED = "rejected", _("不予办理")
    TERMINATED = "terminated", _("终止办理")
    REVOKED = "revoked", _("准予决定已撤销")


CONCLUDED = frozenset(
    {CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.TERMINATED, CaseStatus.REVOKED}
)


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    WINDOW = "window", _("窗口办理")


class Choice(models.TextChoices):
    UNDECIDED = "", _("未选择")
    COMMIT = "commit", _("告知承诺")
    PROOF = "proof", _("提交证明")


class CommitmentStatus(models.TextChoices):
    SIGNED = "signed", _("已签署")
    WITHDRAWN = "withdrawn", _("已退出承诺")


class SignMethod(models.TextChoices):
    ONLINE = "online", _("网上确认")
    HANDWRITTEN = "handwritten", _("窗口手写签名")


class Decision(models.TextChoices):
    APPROVE = "approve", _("准予")
    REJECT = "reject", _("不予")
    TERMINATE = "terminate", _("终止办理")


DECISION_STATUS = {
    Decision.APPROVE: CaseStatus.APPROVED,
    Decision.REJECT: CaseStatus.REJECTED,
    Decision.TERMINATE: CaseStatus.TERMINATED,
}


class Event:
    """Audit and timeline event codes of cases."""

    CREATED = "cases.created"
    ITEM_CHOSEN = "cases.item_chosen"
    COMMITMENT_SIGNED = "cases.commitment_signed"
    COMMITMENT_ARCHIVED = "cases.commitment_archived"
    COMMITMENT_WITHDRAWN = "cases.commitment_withdrawn"
    PROOF_UPLOADED = "cases.proof_uploaded"
    SUBMITTED = "cases.submitted"
    DECIDED = "cases.decided"
    REVOKED = "cases.revoked"
    VERIFICATION_SCHEDULED = "cases.verification_scheduled"


EVENT_LABELS = {
    Event.CREATED: _("创建办件"),
    Event.ITEM_CHOSEN: _("选择办理方式"),
    Event.COMMITMENT_SIGNED: _("签署承诺书"),
    Event.COMMITMENT_ARCHIVED: _("承诺书归档"),
    Event.COMMITMENT_WITHDRAWN: _("退出承诺"),
    Event.PROOF_UPLOADED: _("上传证明材料"),
    Event.SUBMITTED: _("提交申请"),
    Event.DECIDED: _("作出决定"),
    Event.REVOKED: _("撤销准予决定"),
    Event.VERIFICATION_SCHEDULED: _("生成核查任务"),
}

# Proof uploads: size and count limits (types: core.uploads.DOCUMENT_TYPES).
PROOF_MAX_BYTES = 10 * 1024 * 1024
PROOF_MAX_FILES_PER_ITEM = 5
SIGNATURE_SCAN_MAX_BYTES = 5 * 1024 * 1024
# Working days a case may take when the matter's guide states no promised time limit.
DEFAULT_TIME_LIMIT_DAYS = 20
REASON_MIN_CHARS = 4
REASON_LIMIT = 2000

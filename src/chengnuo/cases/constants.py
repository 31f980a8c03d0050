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


class Event(models.TextChoices):
    """Audit and timeline event codes of cases."""

    CREATED = "cases.created", _("创建办件")
    ITEM_CHOSEN = "cases.item_chosen", _("选择办理方式")
    COMMITMENT_SIGNED = "cases.commitment_signed", _("签署承诺书")
    COMMITMENT_ARCHIVED = "cases.commitment_archived", _("承诺书归档")
    COMMITMENT_WITHDRAWN = "cases.commitment_withdrawn", _("退出承诺")
    PROOF_UPLOADED = "cases.proof_uploaded", _("上传证明材料")
    SUBMITTED = "cases.submitted", _("提交申请")
    DECIDED = "cases.decided", _("作出决定")
    REVOKED = "cases.revoked", _("撤销准予决定")


# Proof uploads: size and count limits (types: core.uploads.DOCUMENT_TYPES).
PROOF_MAX_BYTES = 10 * 1024 * 1024
PROOF_MAX_FILES_PER_ITEM = 5
SIGNATURE_SCAN_MAX_BYTES = 5 * 1024 * 1024
# Working days a case may take when the matter's guide states no promised time limit.
DEFAULT_TIME_LIMIT_DAYS = 20
REASON_MIN_CHARS = 4
REASON_LIMIT = 2000

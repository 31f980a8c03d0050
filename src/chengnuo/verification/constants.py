"""Verification (核查) and handling (处置): methods, timings, states, outcomes, measures and
event codes (R-4.1, R-4.2, R-4.5–R-4.8, R-5.2, R-5.3, R-5.5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from chengnuo.catalog.constants import VerificationMethod

__all__ = ["VerificationMethod"]


class Timing(models.TextChoices):
    BEFORE_DECISION = "before_decision", _("决定前核查")
    AFTER_DECISION = "after_decision", _("决定后核查")


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待核查")
    IN_PROGRESS = "in_progress", _("核查中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class Outcome(models.TextChoices):
    NONE = "", _("尚无结论")
    CONSISTENT = "consistent", _("承诺属实")
    INCONSISTENT = "inconsistent", _("承诺不实")
    UNABLE = "unable", _("无法核查")


class CheckStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RETRYING = "retrying", _("重试中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败（已转其他方式）")


class ComparisonResult(models.TextChoices):
    MATCH = "match", _("一致")
    MISMATCH = "mismatch", _("不一致")
    MISSING = "missing", _("无数据")


class AssistanceStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")
    REFUSED = "refused", _("书面说明无法协助")
    CANCELLED = "cancelled", _("已撤回")


class InspectionStatus(models.TextChoices):
    ASSIGNED = "assigned", _("已派发")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class Measure(models.TextChoices):
    """R-4.8, R-5.5: the handling the law allows for an untrue commitment."""

    TERMINATE = "terminate", _("终止办理")
    RECTIFY = "rectify", _("责令限期整改")
    REVOKE = "revoke", _("撤销行政决定")
    PENALTY = "penalty", _("行政处罚")
    REFERRAL = "referral", _("移送司法机关")
    GOOD_FAITH = "good_faith", _("善意差错已及时更正")


class HandlingStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    RECTIFIED = "rectified", _("已按期整改")
    ESCALATED = "escalated", _("逾期未整改，已升级处置")
    CLOSED = "closed", _("已处置")


class Event(models.TextChoices):
    """Event codes of verification and handling (stable strings, ADR 0009)."""

    PLAN_SAVED = "verification.plan_saved", _("保存核查计划")
    DRAWN = "verification.sample_drawn", _("核查抽样")
    TASK_CREATED = "verification.task_created", _("生成核查任务")
    TASK_CANCELLED = "verification.task_cancelled", _("取消核查任务")
    CHECK_DONE = "verification.online_check_done", _("在线核查")
    CHECK_FAILED = "verification.online_check_failed", _("在线核查失败")
    ASSISTANCE_REQUESTED = "verification.assistance_requested", _("请求协助核查")
    ASSISTANCE_ANSWERED = "verification.assistance_answered", _("协助核查答复")
    ASSISTANCE_REFUSED = "verification.assistance_refused", _("书面说明无法协助")
    ASSISTANCE_REMINDED = "verification.assistance_reminded", _("协助核查提醒")
    ASSISTANCE_TAKEN = "verification.assistance_taken", _("确定协助核查承办人")
    INSPECTION_ASSIGNED = "verification.inspection_assigned", _("派发现场核查")
    INSPECTION_DONE = "verification.inspection_done", _("现场核查完成")
    OUTCOME_RECORDED = "verification.outcome_recorded", _("核查结论")
    HANDLING_DECIDED = "verification.handling_decided", _("处置决定")
    HANDLING_RECTIFIED = "verification.handling_rectified", _("整改完成")
    HANDLING_ESCALATED = "verification.handling_escalated", _("逾期未整改")
    SOURCE_SAVED = "verification.source_saved", _("保存数据源")


# days a requested agency has to answer, unless the item's plan says otherwise.
DEFAULT_ASSISTANCE_DAYS = 5
# Remind the requested agency this many working days before the deadline.
ASSISTANCE_REMINDER_DAYS = 1
INSPECTORS_PER_TASK = 2
DEFAULT_RECTIFICATION_DAYS = 15

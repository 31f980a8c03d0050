"""The key-task table's kinds, states and event codes (R-8.3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskOrigin(models.TextChoices):
    ANNEX = "annex", _("实施方案附件")
    CUSTOM = "custom", _("自定任务")


class Progress(models.TextChoices):
    UNDER_WAY = "under_way", _("推进中")
    DONE = "done", _("已完成")


class TaskState(models.TextChoices):
    """A unit's state on a task, from its reports and the deadline (computed, not stored)."""

    NOT_REPORTED = "not_reported", _("未报送")
    UNDER_WAY = "under_way", _("推进中")
    DONE = "done", _("已完成")
    OVERDUE = "overdue", _("逾期未完成")


class JointStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    DONE = "done", _("已完成")


class Event(models.TextChoices):
    """Event codes of the key-task table (stable strings, ADR 0009)."""

    TASK_SAVED = "oversight.key_task_saved", _("保存重点任务")
    PROGRESS_REPORTED = "oversight.progress_reported", _("报送重点任务进展")
    JOINT_PLANNED = "oversight.joint_planned", _("部署联合督查")
    JOINT_CONCLUDED = "oversight.joint_concluded", _("完成联合督查")


# the three units that lead the joint inspection together (annex, task five)
JOINT_KINDS = ("justice_bureau", "data_bureau", "credit_authority")

"""Rectification notices' kinds, states and event codes (R-8.1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Which oversight work found what the agency must put right."""

    PORTAL_CHECK = "portal_check", _("浏览政务服务网站")
    CASE_REVIEW = "case_review", _("案卷评查")
    JOINT_INSPECTION = "joint_inspection", _("联合督查")
    FAULT_TOLERANCE = "fault_tolerance", _("容错审查")
    LEARNING = "learning", _("核查结果评估")


class Status(models.TextChoices):
    OPEN = "open", _("待整改")
    ANSWERED = "answered", _("已报送整改情况")
    CLOSED = "closed", _("已销号")


class Event(models.TextChoices):
    """Event codes of rectification notices (stable strings, ADR 0009)."""

    ISSUED = "oversight.rectification_issued", _("下发整改通知")
    ANSWERED = "oversight.rectification_answered", _("报送整改情况")
    RETURNED = "oversight.rectification_returned", _("整改情况退回")
    CLOSED = "oversight.rectification_closed", _("整改销号")

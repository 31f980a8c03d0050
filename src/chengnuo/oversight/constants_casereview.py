"""Case-file review's kinds, states, grades and event codes (R-8.1: 调阅案卷, 案卷评查)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    COMMITTED = "committed", _("已提交随机数承诺")
    FROZEN = "frozen", _("案卷名录已冻结")
    DRAWN = "drawn", _("已抽取案卷")
    ABANDONED = "abandoned", _("已终止")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class Event(models.TextChoices):
    """Event codes of case-file review (stable strings, ADR 0009)."""

    SHEET_SAVED = "oversight.review_sheet_saved", _("发布评查标准")
    REVIEW_OPENED = "oversight.case_review_opened", _("发起案卷评查")
    REVIEW_FROZEN = "oversight.case_review_frozen", _("冻结评查案卷名录")
    REVIEW_DRAWN = "oversight.case_review_drawn", _("抽取评查案卷")
    REVIEW_ABANDONED = "oversight.case_review_abandoned", _("终止案卷评查")
    FILE_SCORED = "oversight.case_file_scored", _("评查案卷")
    FILE_RESCORED = "oversight.case_file_rescored", _("更正案卷评查结果")


# who holds which share of the seed, in the order they are combined (draw.combine_seed)
PARTY_REVIEWER = "司法局评查人员"
PARTY_PLATFORM = "平台"

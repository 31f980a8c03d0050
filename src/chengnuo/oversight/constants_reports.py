"""Circulated reports (督察情况通报, R-8.2): their states, event codes and the figures' columns."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已印发")


class Event(models.TextChoices):
    """Event codes of circulated reports (stable strings, ADR 0009)."""

    REPORT_DRAFTED = "oversight.report_drafted", _("起草督察情况通报")
    REPORT_EDITED = "oversight.report_edited", _("修改督察情况通报")
    REPORT_ISSUED = "oversight.report_issued", _("印发督察情况通报")
    REPORT_ACKNOWLEDGED = "oversight.report_acknowledged", _("签收督察情况通报")


# the sections of a first draft, in order (the text is written from the figures)
FIRST_HEADINGS = ("总体情况", "存在问题", "下一步要求")
MAX_SECTIONS = 12
HEADING_MAX = 40
SECTION_MIN = 10
SECTION_MAX = 6000
TITLE_MAX = 100
# how long the agencies named under 存在问题 have to report what they did
RECTIFY_WORKING_DAYS = 15

# the two tables of the report: (key in an agency's figures, column heading)
CASE_COLUMNS = (
    ("submitted", "办件量"),
    ("by_commitment", "承诺办件"),
    ("commitment_share", "承诺占比"),
    ("concluded", "完成核查"),
    ("on_time", "按期核查"),
    ("tasks_overdue", "超期未核查"),
    ("untrue_rate", "承诺不实率"),
)
OVERSIGHT_COLUMNS = (
    ("assistance_overdue", "协助核查超期"),
    ("complaints", "投诉举报"),
    ("complaints_on_time_rate", "按期办结率"),
    ("satisfaction", "满意率"),
    ("key_tasks_overdue", "重点任务逾期"),
)
PERCENT_KEYS = frozenset({"commitment_share", "untrue_rate", "complaints_on_time_rate",
                          "satisfaction"})  # fmt: skip

"""The figures of the rollout at a glance (R-8.1): the measures counted per agency and month.
Stable codes (stored in the counters); Chinese labels for the pages."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Measure(models.TextChoices):
    """What is counted per (agency, month). The month is that of the fact counted: the
    submission, the decision, the withdrawal, the verification's conclusion."""

    SUBMITTED = "submitted", _("提交办件")
    BY_COMMITMENT = "by_commitment", _("告知承诺办件")
    BY_PROOF = "by_proof", _("提交证明办件")
    APPROVED = "approved", _("准予办理")
    CLOSED = "closed", _("不予或终止办理")
    REVOKED = "revoked", _("准予决定被撤销")
    WITHDRAWN = "withdrawn", _("退出承诺")
    CONCLUDED = "concluded", _("核查完成")
    ON_TIME = "on_time", _("按期完成核查")
    LATE = "late", _("超期完成核查")
    TRUE = "true", _("核查属实")
    UNTRUE = "untrue", _("承诺不实")


# measures whose cases the drill-down lists (every one: each names the cases behind it)
CASE_MEASURES = tuple(Measure)

# the period filter of the overview
PERIOD_YEAR, PERIOD_QUARTER, PERIOD_MONTH = "year", "quarter", "month"
PERIODS = (
    (PERIOD_YEAR, _("全年")),
    (PERIOD_QUARTER, _("季度")),
    (PERIOD_MONTH, _("月份")),
)
FIRST_YEAR = 2026
CASES_PAGE = 50

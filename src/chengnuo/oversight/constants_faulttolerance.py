"""Fault-tolerance reviews (容错机制, R-8.4): the kinds of adverse outcome reviewed, the states
of a review, its three conclusions and the event codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FaultKind(models.TextChoices):
    """The adverse outcomes a review is opened on (R-8.4)."""

    FALSE_COMMITMENT = "false_commitment", _("虚假承诺造成损失")
    WRONG_REFUSAL = "wrong_refusal", _("错误不予办理")
    OVERDUE = "overdue", _("超期办理或超期核查")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("审查中")
    DECIDED = "decided", _("已作出结论")


class Conclusion(models.TextChoices):
    """R-8.4: the record distinguishes reasonable errors from dereliction."""

    REASONABLE_ERROR = "reasonable_error", _("合理容错")
    DERELICTION = "dereliction", _("失职")
    ACCOUNTABILITY = "accountability", _("需追责")


class Event(models.TextChoices):
    """Event codes of fault-tolerance reviews (stable strings, ADR 0009)."""

    REVIEW_OPENED = "oversight.fault_review_opened", _("开展容错审查")
    PACK_ASSEMBLED = "oversight.fault_pack_assembled", _("重新汇集容错审查证据")
    DECIDED = "oversight.fault_decided", _("作出容错审查结论")
    CORRECTED = "oversight.fault_decision_corrected", _("更正容错审查结论")


# what a review's texts must hold (R-8.4: the reasons of a decision say something)
REASONS_MIN = 20
BASIS_MIN = 6
LOSS_MIN = 10
GROUNDS_MIN = 10
CANDIDATES_PER_KIND = 50

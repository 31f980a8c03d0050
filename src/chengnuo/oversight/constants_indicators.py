"""Evaluation indicators' kinds, states and event codes (R-8.2: inspection results feed the
rule-of-law government evaluation, 法治政府建设考评, and the year-end performance targets,
年底效能目标考核)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_FORCE = "in_force", _("施行中")
    RETIRED = "retired", _("已停用")


class EvaluationStatus(models.TextChoices):
    COMPUTED = "computed", _("已计算（可调整）")
    FINALISED = "finalised", _("已定稿")


class RuleKind(models.TextChoices):
    """How a leaf's value becomes points (the rule is data on the leaf: `Indicator.rule`)."""

    RATIO_LINEAR = "ratio_linear", _("按比率线性计分")
    DEDUCT_PER = "deduct_per", _("按次扣分")
    COUNT_AT_LEAST = "count_at_least", _("达到数量得分")


class AdjustmentKind(models.TextChoices):
    ADJUSTED = "adjusted", _("人工调整")
    DROPPED = "dropped", _("重新计算后不再适用")


class Event(models.TextChoices):
    """Event codes of the evaluation indicators (stable strings, ADR 0009)."""

    SCHEME_LOADED = "oversight.indicator_scheme_loaded", _("载入考评指标体系")
    SCHEME_VERSIONED = "oversight.indicator_scheme_versioned", _("新建考评指标体系版本")
    INDICATOR_SAVED = "oversight.indicator_saved", _("修改考评指标")
    SCHEME_ENACTED = "oversight.indicator_scheme_enacted", _("启用考评指标体系")
    EVALUATION_COMPUTED = "oversight.evaluation_computed", _("计算考评得分")
    SCORE_ADJUSTED = "oversight.score_adjusted", _("人工调整考评得分")
    EVALUATION_FINALISED = "oversight.evaluation_finalised", _("考评结果定稿")


# how many evidence rows a score keeps (the count says how many there were in all)
EVIDENCE_LIMIT = 50
REASON_MIN = 10

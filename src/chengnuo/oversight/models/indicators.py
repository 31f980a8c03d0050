"""Models of the evaluation indicators (R-8.2): an indicator scheme kept as data (a tree of
groups and leaves with weights, each leaf a registered metric and a scoring rule), its
evaluations for a period and the scores per agency and leaf, with manual adjustments kept as
append-only history rows.

A scheme in force is never edited in place: a new version is drafted, edited and put in
force (the previous version retires). Evaluations keep the scheme version they were
computed with."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..constants_indicators import AdjustmentKind, EvaluationStatus, SchemeStatus

__all__ = ["Evaluation", "Indicator", "IndicatorScheme", "Score", "ScoreAdjustment"]


class IndicatorScheme(models.Model):
    code = models.CharField(_("体系代码"), max_length=40)  # stable across versions
    name = models.CharField(_("指标体系名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=10, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT
    )
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, default=100)
    description = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    enacted_at = models.DateTimeField(_("启用时间"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "year", "version"], name="uniq_indicator_scheme_version"
            )
        ]
        verbose_name = _("考评指标体系")
        verbose_name_plural = _("考评指标体系")

    def __str__(self) -> str:
        return f"{self.name}（{self.year}年第{self.version}版）"


class Indicator(models.Model):
    """A node of the tree: a group (no parent) or a leaf of a group (a metric and a rule)."""

    scheme = models.ForeignKey(IndicatorScheme, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    name = models.CharField(_("指标名称"), max_length=100)
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    metric = models.CharField(_("数据项"), max_length=40, blank=True)
    rule = models.JSONField(_("计分规则"), default=dict, blank=True)
    note = models.TextField(_("评分说明"), blank=True)

    class Meta:
        ordering = ["scheme_id", "position", "id"]
        verbose_name = _("考评指标")
        verbose_name_plural = _("考评指标")

    def __str__(self) -> str:
        return self.name

    @property
    def is_leaf(self) -> bool:
        return self.parent_id is not None


class Evaluation(models.Model):
    """One evaluation of the agencies a Justice Bureau oversees (a region, or the whole city
    when `region` is blank) for a period, with one scheme version."""

    number = models.CharField(_("编号"), max_length=20, unique=True)
    scheme = models.ForeignKey(IndicatorScheme, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("考评名称"), max_length=100)
    region = models.CharField(_("考评范围"), max_length=20, blank=True)
    start = models.DateField(_("考评期间起"))
    end = models.DateField(_("考评期间止"))  # inclusive, the last day of a month
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.COMPUTED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("考评")
        verbose_name_plural = _("考评")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Score(models.Model):
    """An agency's result on a leaf: the metric's value for the period, the points the rule
    gives, the evidence (which cases, findings, complaints) and a manual adjustment."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    has_data = models.BooleanField(_("有数据"), default=False)
    value = models.FloatField(_("数值"), null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    points = models.DecimalField(_("计算得分"), max_digits=6, decimal_places=2, default=0)
    evidence = models.JSONField(_("依据"), default=list, blank=True)
    evidence_count = models.PositiveIntegerField(_("依据条数"), default=0)
    adjusted_points = models.DecimalField(
        _("调整后得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    adjustment_reason = models.TextField(_("调整理由"), blank=True)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    adjusted_at = models.DateTimeField(_("调整时间"), null=True, blank=True)
    # what a recompute said about an adjustment that no longer applies (shown on the page)
    recompute_note = models.TextField(_("重新计算说明"), blank=True)

    class Meta:
        ordering = ["evaluation_id", "agency_id", "indicator_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "agency", "indicator"], name="uniq_evaluation_score"
            )
        ]
        verbose_name = _("考评得分")
        verbose_name_plural = _("考评得分")

    def __str__(self) -> str:
        return f"{self.evaluation_id} · {self.agency_id} · {self.indicator_id}"

    @property
    def final_points(self):
        return self.points if self.adjusted_points is None else self.adjusted_points


class ScoreAdjustment(models.Model):
    """One change of a score's adjustment: made with its reason, or dropped by a recompute
    that changed the computed points (append-only history)."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("类型"), max_length=10, choices=AdjustmentKind.choices)
    computed = models.DecimalField(_("计算得分"), max_digits=6, decimal_places=2)
    before = models.DecimalField(_("调整前"), max_digits=6, decimal_places=2)
    after = models.DecimalField(_("调整后"), max_digits=6, decimal_places=2)
    reason = models.TextField(_("理由"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    made_at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["-made_at", "-id"]
        verbose_name = _("考评得分调整记录")
        verbose_name_plural = _("考评得分调整记录")

    def __str__(self) -> str:
        return f"{self.score_id} {self.before}→{self.after}"

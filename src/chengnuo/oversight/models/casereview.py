"""Case-file review (调阅案卷, 案卷评查, R-8.1): the Justice Bureau draws a sample of an agency's
concluded case files with the published algorithm of supervision (`sm3-rank-v1`), scores each
file on a scoring sheet kept as data (评查标准: items and points, grade thresholds), cites the
case's events as evidence, and sends what it found to the agency as a rectification notice.

A round (`CaseReview`) is verifiable: the reviewer commits the SM3 of a share when opening it,
the pool (the agency's concluded case numbers in the period) is frozen with its digest and the
platform's share committed, then the reviewer reveals the share; the seed is the combination of
both shares, and anyone recomputes the selection from what the round publishes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..constants_casereview import Grade, ReviewStatus

__all__ = ["CaseFileScore", "CaseFileScoreLine", "CaseReview", "ScoringItem", "ScoringSheet"]


class ScoringSheet(models.Model):
    """评查标准, one version of it. A sheet in use is never edited: a change is a new version
    (same name, next number); a round keeps the version it was opened with."""

    name = models.CharField(_("评查标准名称"), max_length=100)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    effective = models.DateField(_("施行日期"))
    excellent_min = models.PositiveSmallIntegerField(_("优秀分数线"), default=90)
    pass_min = models.PositiveSmallIntegerField(_("合格分数线"), default=60)
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("评查标准")
        verbose_name_plural = _("评查标准")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="uniq_review_sheet_version")
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"


class ScoringItem(models.Model):
    sheet = models.ForeignKey(ScoringSheet, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField(_("序号"))
    heading = models.CharField(_("评查项目"), max_length=60)
    description = models.TextField(_("评查内容"))
    max_points = models.PositiveSmallIntegerField(_("分值"))
    # a veto item (否决项) scored 0 makes the file 不合格 whatever its total
    veto = models.BooleanField(_("否决项"), default=False)

    class Meta:
        ordering = ["sheet_id", "position"]
        verbose_name = _("评查项目")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "position"], name="uniq_review_item_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.heading}（{self.max_points}分）"


class CaseReview(models.Model):
    """One review round of one agency's case files for a period."""

    number = models.CharField(_("编号"), max_length=24, unique=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    sheet = models.ForeignKey(ScoringSheet, on_delete=models.PROTECT, related_name="reviews")
    period_start = models.DateField(_("办结日期自"))
    period_end = models.DateField(_("办结日期至"))
    quota = models.PositiveSmallIntegerField(_("抽取数量"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.COMMITTED
    )
    algorithm = models.CharField(_("抽取算法"), max_length=20)
    reviewer_commitment = models.CharField(_("评查人员随机数承诺"), max_length=64)
    platform_commitment = models.CharField(_("平台随机数承诺"), max_length=64, blank=True)
    platform_share_cipher = models.TextField(blank=True)  # encrypted until the reveal
    reviewer_share = models.CharField(_("评查人员随机数"), max_length=64, blank=True)
    platform_share = models.CharField(_("平台随机数"), max_length=64, blank=True)
    seed = models.CharField(_("随机种子"), max_length=64, blank=True)
    pool = models.JSONField(_("案卷名录"), default=list, blank=True)  # sorted case numbers
    pool_size = models.PositiveIntegerField(_("名录数量"), default=0)
    pool_digest = models.CharField(_("名录摘要"), max_length=64, blank=True)
    selected = models.JSONField(_("抽中案卷"), default=list, blank=True)  # in draw order
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("发起时间"))
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    # a round not drawn yet may be ended with its reason (a share lost); it stays on record
    abandon_reason = models.TextField(_("终止理由"), blank=True)
    abandoned_at = models.DateTimeField(_("终止时间"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("案卷评查")
        verbose_name_plural = _("案卷评查")
        indexes = [models.Index(fields=["agency", "opened_at"], name="case_review_agency_idx")]

    def __str__(self) -> str:
        return f"{self.number} 案卷评查"


class CaseFileScore(models.Model):
    """One scoring of one case file of a round. A correction is a new row naming the one it
    replaces (`corrects`, with its reason); the replaced row stays, no longer `current`."""

    review = models.ForeignKey(CaseReview, on_delete=models.PROTECT, related_name="scores")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    total = models.PositiveSmallIntegerField(_("得分"))
    grade = models.CharField(_("评查等次"), max_length=10, choices=Grade.choices)
    evidence = models.JSONField(_("引用的办件记录"), default=list)  # AuditEvent ids of the case
    summary = models.TextField(_("评查意见"), blank=True)
    current = models.BooleanField(_("现行结果"), default=True)
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by"
    )
    correction_reason = models.TextField(_("更正理由"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField(_("评查时间"))

    class Meta:
        ordering = ["review_id", "case_id", "-scored_at", "-id"]
        verbose_name = _("案卷评查结果")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "case"],
                condition=models.Q(current=True),
                name="uniq_case_file_score_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.review.number} · {self.case.number}"

    @property
    def agency(self):  # type: ignore[no-untyped-def]
        """The agency whose chain the score's events join (the reviewed agency)."""
        return self.review.agency


class CaseFileScoreLine(models.Model):
    score = models.ForeignKey(CaseFileScore, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(ScoringItem, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField(_("得分"))
    note = models.TextField(_("扣分理由"), blank=True)

    class Meta:
        ordering = ["score_id", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["score", "item"], name="uniq_case_file_score_line")
        ]

    def __str__(self) -> str:
        return f"{self.score_id} · {self.item_id}"

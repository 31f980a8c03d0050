"""Fault-tolerance reviews (容错机制, R-8.4): a review of one adverse outcome of a case (a false
commitment that caused loss, a wrong refusal, an overdue case or verification), the evidence
packs assembled from the events (frozen JSON with its digest, versioned: a re-assembly adds a
version and keeps the old), and the decisions — 合理容错 / 失职 / 需追责 with reasons and basis.
A decision is never edited: a correction (复核) is a new row that names the one it corrects."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..constants_faulttolerance import Conclusion, FaultKind, ReviewStatus

__all__ = ["EvidencePack", "FaultDecision", "FaultReview"]


class FaultReview(models.Model):
    number = models.CharField(_("审查编号"), max_length=20, unique=True)
    kind = models.CharField(_("不利后果类型"), max_length=20, choices=FaultKind.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    # the verification that found the commitment untrue (false commitments) or ran late
    task = models.ForeignKey(
        "verification.VerificationTask",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    loss = models.TextField(_("损失情况"), blank=True)
    grounds = models.TextField(_("审查事由"), blank=True)
    pack = models.ForeignKey(
        "oversight.EvidencePack",
        verbose_name=_("当前证据材料"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("开展审查时间"))

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("容错审查")
        verbose_name_plural = _("容错审查")
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="uniq_fault_review_case_kind")
        ]
        indexes = [models.Index(fields=["agency", "opened_at"], name="fault_review_agency_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"


class EvidencePack(models.Model):
    """What was reviewed, as assembled at `assembled_at`: frozen, with its digest."""

    review = models.ForeignKey(FaultReview, on_delete=models.PROTECT, related_name="packs")
    version = models.PositiveIntegerField(_("版本"))
    content = models.JSONField(_("证据材料"))
    digest = models.CharField(_("摘要"), max_length=64)
    algorithm = models.CharField(_("摘要算法"), max_length=10)
    assembled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assembled_at = models.DateTimeField(_("汇集时间"))

    class Meta:
        ordering = ["review_id", "-version"]
        verbose_name = _("容错审查证据材料")
        constraints = [
            models.UniqueConstraint(fields=["review", "version"], name="uniq_evidence_pack_version")
        ]

    def __str__(self) -> str:
        return f"{self.review_id} 第{self.version}版"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("evidence packs are frozen")
        super().save(*args, **kwargs)


class FaultDecision(models.Model):
    """One conclusion of a review with its reasons and basis, kept; a correction names the
    decision it corrects."""

    review = models.ForeignKey(FaultReview, on_delete=models.PROTECT, related_name="decisions")
    pack = models.ForeignKey(EvidencePack, on_delete=models.PROTECT, related_name="+")
    conclusion = models.CharField(_("审查结论"), max_length=20, choices=Conclusion.choices)
    reasons = models.TextField(_("理由"))
    basis = models.TextField(_("依据"))
    persons = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("相关人员")
    )
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("更正的结论"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("作出结论时间"))

    class Meta:
        ordering = ["review_id", "decided_at", "id"]
        verbose_name = _("容错审查结论")

    def __str__(self) -> str:
        return f"{self.review_id} {self.get_conclusion_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("decisions are kept as made; a correction is a new decision")
        super().save(*args, **kwargs)

    @property
    def agency(self):
        return self.review.agency

"""Rectification notices (整改通知, R-8.1): what the Justice Bureau found in an agency's portal,
case files or inspections, sent to the agency with a deadline; the agency reports what it did,
the bureau closes the notice or returns it. One notice per finding (its `target`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..constants_rectification import Source, Status


class Rectification(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    target_type = models.CharField(_("问题记录类型"), max_length=60)
    target_id = models.PositiveBigIntegerField(_("问题记录"))
    title = models.CharField(_("问题"), max_length=100)
    text = models.TextField(_("问题和整改要求"))
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("下发时间"))
    answer = models.TextField(_("整改情况"), blank=True)
    evidence = models.TextField(_("佐证材料"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    answered_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id"], name="rectification_one_per_target"
            )
        ]
        indexes = [
            models.Index(fields=["agency", "status", "deadline"], name="rectification_agency_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def overdue(self) -> bool:
        """Past its deadline and not yet closed (an answer after the deadline stays overdue
        until the bureau closes it)."""
        return self.status != Status.CLOSED and self.deadline < timezone.localdate()


__all__ = ["Rectification"]

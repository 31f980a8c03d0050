"""Verification work created when a case is concluded (R-4.1, R-4.2). The verification issue
fills in how each task is carried out; here each committed item gets its pending task with the
plan's method, deadline and the committer's risk level."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from chengnuo.catalog.constants import VerificationMethod


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待核查")


class VerificationTask(models.Model):
    commitment = models.ForeignKey(
        "cases.Commitment", on_delete=models.PROTECT, related_name="verification_tasks"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="verification_tasks"
    )
    method = models.CharField(_("核查方式"), max_length=20, choices=VerificationMethod.choices)
    risk_level = models.CharField(_("信用风险等级"), max_length=2, blank=True)
    due_date = models.DateField(_("核查期限"))
    standard = models.TextField(_("核查标准"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("核查任务")
        verbose_name_plural = _("核查任务")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "method"], name="uniq_task_per_commitment_method"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment} · {self.get_status_display()}"

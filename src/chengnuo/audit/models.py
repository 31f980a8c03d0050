"""Append-only, hash-chained audit trail (R-9.1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise RuntimeError("audit events are append-only")

    def delete(self):  # type: ignore[override]
        raise RuntimeError("audit events are append-only")


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    occurred_at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=150)
    event = models.CharField(_("事件"), max_length=60, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=60)
    target_id = models.CharField(_("对象标识"), max_length=64)
    target_label = models.CharField(_("对象"), max_length=255)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "seq"]),
            # how often one staff member did one thing lately (reveal rate limits)
            models.Index(fields=["actor", "event", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event} {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")


class Alert(models.Model):
    """Something in the trail that its agency's admin and the auditors must look at, e.g. a
    staff member revealing many full identifiers in a short time (R-5.6). Raised by the
    service that sees it, inside its transaction; closed by an acknowledgement with a note."""

    class Kind(models.TextChoices):
        IDENTIFIER_BURST = "identifier_burst", _("短时间内多次查看完整证件号码")

    kind = models.CharField(_("类型"), max_length=40, choices=Kind.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("所属机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("涉及人员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    message = models.TextField(_("说明"))
    count = models.PositiveIntegerField(_("次数"), default=0)
    raised_at = models.DateTimeField(_("发现时间"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("安全提醒")
        verbose_name_plural = _("安全提醒")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["agency", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.staff}"

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None

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
        indexes = [models.Index(fields=["target_type", "target_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event} {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")

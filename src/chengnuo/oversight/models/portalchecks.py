"""Models of the 浏览政务服务网站 part (R-8.1): one check per agency and day with a snapshot of
what the public portal published, and the findings — one row per finding (agency, item, kind)
from the day it is first seen until a later check no longer finds it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..constants_portalchecks import FindingKind


class PortalCheck(models.Model):
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("检查日期"))
    finished_at = models.DateTimeField(_("检查完成时间"))
    snapshot = models.JSONField(_("网站公布内容快照"), default=dict)
    digest = models.CharField(_("SM3摘要"), max_length=64)
    items_count = models.PositiveIntegerField(_("实行告知承诺制的证明事项数"), default=0)
    findings_count = models.PositiveIntegerField(_("发现问题数"), default=0)
    changes = models.JSONField(_("与上次检查相比的变化"), default=list, blank=True)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["agency_id", "-day"]
        verbose_name = _("浏览政务服务网站检查")
        verbose_name_plural = _("浏览政务服务网站检查")
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="uniq_portal_check_day")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} · {self.day:%Y-%m-%d}"


class PortalFinding(models.Model):
    """A gap on the portal. The same gap found on later days is the same row (`last_seen`
    moves on); once a check no longer finds it, `resolved_on` is set. A gap that comes back
    after being resolved is a new row (it may be sent for rectification again)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        "catalog.CertificationItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("证明事项"),
    )
    item_code = models.CharField(_("证明事项编码"), max_length=40, blank=True, default="")
    kind = models.CharField(_("问题类型"), max_length=24, choices=FindingKind.choices)
    text = models.TextField(_("问题描述"))
    details = models.JSONField(_("问题明细"), default=list, blank=True)
    first_seen = models.DateField(_("首次发现"))
    last_seen = models.DateField(_("最近发现"))
    resolved_on = models.DateField(_("已解决日期"), null=True, blank=True)
    last_check = models.ForeignKey(
        PortalCheck, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rectification = models.ForeignKey(
        "oversight.Rectification",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("整改通知"),
    )

    class Meta:
        ordering = ["agency_id", "item_code", "kind", "-first_seen"]
        verbose_name = _("网站检查发现的问题")
        verbose_name_plural = _("网站检查发现的问题")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "item_code", "kind"],
                condition=models.Q(resolved_on__isnull=True),
                name="uniq_portal_finding_open",
            )
        ]
        indexes = [models.Index(fields=["agency", "resolved_on"], name="portal_finding_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_code}".strip()

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.agency


__all__ = ["PortalCheck", "PortalFinding"]

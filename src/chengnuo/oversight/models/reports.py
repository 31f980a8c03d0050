"""Circulated reports (督察情况通报, R-8.2): drafted by a Justice Bureau from the oversight
figures of a period, edited (each save kept as a revision: the history), issued under a number
in sequence per bureau and year (阜司督通〔2026〕3号), and acknowledged by each agency it is
addressed to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..constants_reports import ReportStatus


class Report(models.Model):
    issuer = models.ForeignKey(
        "agencies.Agency", verbose_name=_("印发机关"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("文号"), max_length=40, blank=True)  # assigned at issue
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=100)
    period_start = models.DateField(_("通报期间起"))
    period_end = models.DateField(_("通报期间止"))  # inclusive: the last day of a month
    # [{"heading": "总体情况", "text": "…"}, …]: the body, headed 一、二、… in order
    sections = models.JSONField(_("正文"), default=list)
    # the figures at drafting time: per agency, the total, the monthly trend (see services)
    figures = models.JSONField(_("数据"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("起草时间"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("督察情况通报")
        verbose_name_plural = _("督察情况通报")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "sequence"], name="oversight_report_number"
            )
        ]
        indexes = [models.Index(fields=["issuer", "status"], name="oversight_report_issuer")]

    def __str__(self) -> str:
        return f"{self.number or '草稿'} {self.title}"


class ReportRevision(models.Model):
    """One saved text of a draft (the first is the text written from the figures)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("稿次"))
    title = models.CharField(_("标题"), max_length=100)
    sections = models.JSONField(_("正文"), default=list)
    recipient_ids = models.JSONField(_("主送单位"), default=list)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(_("保存时间"))

    class Meta:
        ordering = ["report_id", "-number"]
        verbose_name = _("通报修改记录")
        verbose_name_plural = _("通报修改记录")
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="oversight_report_revision")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} 第{self.number}稿"


class ReportRecipient(models.Model):
    """An agency the report is addressed to (主送), and its acknowledgement."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="recipients")
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("主送单位"), on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    note = models.TextField(_("签收意见"), blank=True)

    class Meta:
        ordering = ["report_id", "agency_id"]
        verbose_name = _("通报主送单位")
        verbose_name_plural = _("通报主送单位")
        constraints = [
            models.UniqueConstraint(fields=["report", "agency"], name="oversight_report_recipient")
        ]
        indexes = [models.Index(fields=["agency", "report"], name="oversight_recipient_agency")]

    def __str__(self) -> str:
        return f"{self.report_id} · {self.agency_id}"


__all__ = ["Report", "ReportRecipient", "ReportRevision"]

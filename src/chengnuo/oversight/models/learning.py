"""The catalog learns from outcomes (R-8.1, R-7.2, R-4.1/R-4.2): per certification item and
period the measured figures (verified commitments, untrue ones with a Wilson interval,
withdrawals, complaints, cases by commitment), computed by a daily job; the suggestions the
figures give the Justice Bureau (stronger verification, a review of whether the item belongs
under commitment, a lighter plan), each with its evidence; and the proposals (建议) an adopted
suggestion becomes for the item's agency, answered by its admin."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..constants_learning import ProposalStatus, SuggestionKind, SuggestionStatus

__all__ = ["AgencyProposal", "ItemOutcome", "LearningSuggestion"]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def interval_text(
    verified: int, rate: float | None, lower: float | None, upper: float | None
) -> str:
    """The untrue rate as people read it: "3.2%（95%置信区间 1.1%–8.9%）"; "—" without any
    verified commitment."""
    if not verified:
        return "—"
    return f"{percent(rate)}（95%置信区间 {percent(lower)}–{percent(upper)}）"


class ItemOutcome(models.Model):
    """One item's figures over one period [period_start, period_end] (both days included)."""

    item = models.ForeignKey(
        "catalog.CertificationItem", on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("评估期起"))
    period_end = models.DateField(_("评估期止"))
    verified = models.PositiveIntegerField(_("经核查的承诺"), default=0)  # n
    untrue = models.PositiveIntegerField(_("承诺不实"), default=0)  # k
    rate = models.FloatField(_("不实比例"), null=True, blank=True)  # k / n
    lower = models.FloatField(_("置信区间下限"), null=True, blank=True)
    upper = models.FloatField(_("置信区间上限"), null=True, blank=True)
    withdrawals = models.PositiveIntegerField(_("承诺退出"), default=0)
    complaints = models.PositiveIntegerField(_("投诉举报"), default=0)
    commitments = models.PositiveIntegerField(_("告知承诺办件"), default=0)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["-period_end", "agency_id", "item_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "period_start", "period_end"], name="uniq_item_outcome_period"
            )
        ]
        indexes = [
            models.Index(fields=["period_end", "agency"], name="item_outcome_period_agency"),
            models.Index(fields=["period_end", "rate"], name="item_outcome_period_rate"),
        ]
        verbose_name = _("证明事项核查结果评估")
        verbose_name_plural = _("证明事项核查结果评估")

    def __str__(self) -> str:
        return f"{self.item_id} · {self.period_start}–{self.period_end}"

    @property
    def rate_text(self) -> str:
        return interval_text(self.verified, self.rate, self.lower, self.upper)


class LearningSuggestion(models.Model):
    """What the figures suggest for an item, with the evidence behind it; the Justice Bureau
    adopts it (it becomes a proposal to the agency) or dismisses it with a reason. It has no
    agency of its own on purpose: nothing about it reaches the agency before adoption."""

    number = models.CharField(_("编号"), max_length=20, unique=True)
    item = models.ForeignKey(
        "catalog.CertificationItem", on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.ForeignKey(ItemOutcome, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("建议类别"), max_length=10, choices=SuggestionKind.choices)
    evidence = models.JSONField(_("依据"), default=dict)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.SUGGESTED,
    )
    created_at = models.DateTimeField(_("生成时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("研判时间"), null=True, blank=True)
    reason = models.TextField(_("研判意见"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "kind"],
                condition=models.Q(status="suggested"),
                name="one_open_learning_suggestion",
            )
        ]
        indexes = [models.Index(fields=["status", "kind"], name="learning_suggestion_status")]
        verbose_name = _("目录评估建议")
        verbose_name_plural = _("目录评估建议")

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"


class AgencyProposal(models.Model):
    """An adopted suggestion as the Justice Bureau's proposal (建议) to the item's agency: the
    evidence, what to do, and the agency admin's answer (what was done, or why not)."""

    number = models.CharField(_("编号"), max_length=20, unique=True)
    suggestion = models.OneToOneField(
        LearningSuggestion, on_delete=models.PROTECT, related_name="proposal"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        "catalog.CertificationItem", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("建议类别"), max_length=10, choices=SuggestionKind.choices)
    advice = models.TextField(_("建议内容"))
    evidence = models.JSONField(_("依据"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提出时间"))
    answer = models.TextField(_("答复内容"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "status"], name="agency_proposal_status")]
        verbose_name = _("目录评估意见建议")
        verbose_name_plural = _("目录评估意见建议")

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

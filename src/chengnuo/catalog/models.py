"""The catalog (目录清单): matters, certification items, proposals and filed versions (R-7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengnuo.core.models import TimestampedModel

from .constants import (
    ChangeAction,
    DisclosureScope,
    ItemStatus,
    MatterType,
    ProposalStatus,
    VerificationMethod,
)


class Matter(TimestampedModel):
    """An application-based administrative matter (R-1.1)."""

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("实施机关"),
        on_delete=models.PROTECT,
        related_name="matters",
    )
    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    matter_type = models.CharField(_("事项类型"), max_length=20, choices=MatterType.choices)
    legal_basis = models.TextField(_("设定依据"))
    materials = models.JSONField(_("申请材料"), default=list, blank=True)

    class Meta:
        verbose_name = _("行政事项")
        verbose_name_plural = _("行政事项")
        ordering = ["agency_id", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class CertificationItem(TimestampedModel):
    """A certification item (证明事项). Rows change only by applying filed proposals (R-7.2)."""

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("实施机关"),
        on_delete=models.PROTECT,
        related_name="items",
    )
    code = models.CharField(_("证明事项编码"), max_length=40, unique=True)
    name = models.CharField(_("证明事项名称"), max_length=200)
    proof_content = models.TextField(_("证明内容"))
    issuer = models.CharField(_("开具单位"), max_length=200)
    legal_basis = models.TextField(_("设定依据"))
    matters = models.ManyToManyField(
        Matter, verbose_name=_("适用事项"), related_name="items", blank=True
    )
    priority_domains = models.JSONField(_("重点领域"), default=list, blank=True)
    excluded_domains = models.JSONField(_("不适用领域"), default=list, blank=True)
    other_high_risk = models.BooleanField(_("其他高风险"), default=False)
    other_high_risk_reason = models.TextField(_("高风险理由"), blank=True)
    under_commitment = models.BooleanField(_("实行告知承诺制"), default=False)
    verification_method = models.CharField(
        _("核查方式"), max_length=20, choices=VerificationMethod.choices, blank=True
    )
    verification_time_limit_days = models.PositiveIntegerField(
        _("核查时限（工作日）"), null=True, blank=True
    )
    verification_standard = models.TextField(_("核查标准"), blank=True)
    disclosure_scope = models.CharField(
        _("承诺书公开范围"), max_length=30, choices=DisclosureScope.choices, blank=True, default=""
    )
    disclosure_period_days = models.PositiveIntegerField(_("公开期限（日）"), null=True, blank=True)
    liability_insurance_required = models.BooleanField(_("需责任保险"), default=False)
    risk_points = models.TextField(_("风险点"), blank=True)
    risk_controls = models.TextField(_("防控措施"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.IN_FORCE
    )
    effective_date = models.DateField(_("生效日期"))

    class Meta:
        verbose_name = _("证明事项")
        verbose_name_plural = _("证明事项")
        ordering = ["agency_id", "code"]
        indexes = [models.Index(fields=["status", "under_commitment"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def disclosed(self) -> bool:
        return bool(self.disclosure_scope)


class ChangeProposal(TimestampedModel):
    """An agency's proposed catalog adjustment, filed (备案) or returned by the Justice Bureau."""

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("申报机关"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    action = models.CharField(_("调整类型"), max_length=10, choices=ChangeAction.choices)
    item = models.ForeignKey(
        CertificationItem,
        verbose_name=_("证明事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    item_code = models.CharField(_("证明事项编码"), max_length=40)
    payload = models.JSONField(_("拟调整内容"), default=dict, blank=True)
    reason = models.TextField(_("调整理由"))
    law_change = models.TextField(_("依据的法律法规变化"))
    effective_date = models.DateField(_("拟生效日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申报人"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    version = models.ForeignKey(
        "CatalogVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    import_batch = models.CharField(_("导入批次"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("目录调整申报")
        verbose_name_plural = _("目录调整申报")
        ordering = ["-id"]

    def __str__(self) -> str:
        name = self.payload.get("name") or (self.item.name if self.item else self.item_code)
        return f"{self.get_action_display()}：{name}"

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.item or self


class ProposalRevision(models.Model):
    """One submission of a proposal and what the Justice Bureau did with it (R-7.2): the first
    submission and every amended resubmission after a return, each with the reviewer's
    outcome and reasons once reviewed. Written by the proposal services only; never edited
    after its review."""

    class Outcome(models.TextChoices):
        PENDING = "", _("待审核")
        RETURNED = "returned", _("退回")
        FILED = "filed", _("备案")
        WITHDRAWN = "withdrawn", _("撤回")

    proposal = models.ForeignKey(ChangeProposal, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("第几次提交"))
    payload = models.JSONField(_("拟调整内容"), default=dict, blank=True)
    reason = models.TextField(_("调整理由"))
    law_change = models.TextField(_("依据的法律法规变化"))
    effective_date = models.DateField(_("拟生效日期"))
    note = models.TextField(_("修改说明"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    outcome = models.CharField(
        _("审核结果"), max_length=10, choices=Outcome.choices, default="", blank=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见或退回理由"), blank=True)

    class Meta:
        verbose_name = _("申报修改记录")
        verbose_name_plural = _("申报修改记录")
        ordering = ["proposal_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="uniq_proposal_revision")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} 第{self.number}次提交"


class CatalogVersion(models.Model):
    """An immutable snapshot of one agency's catalog as it took effect (R-7.2)."""

    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("机关"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    effective_date = models.DateField(_("生效日期"))
    published_at = models.DateTimeField(_("发布时间"))
    items = models.JSONField(_("证明事项快照"))
    digest = models.CharField(_("SM3摘要"), max_length=64)

    class Meta:
        verbose_name = _("目录版本")
        verbose_name_plural = _("目录版本")
        ordering = ["agency_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="uniq_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} 第{self.number}版（{self.effective_date}）"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("catalog versions are immutable")
        super().save(*args, **kwargs)

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.agency

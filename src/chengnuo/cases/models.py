"""Cases handled by commitment (办件): one application by one subject for one matter, the choice
per certification item (R-2.1), signed commitments (R-3.3) and proofs, and the timeline.

State is a status field plus the append-only events of the spine (`audit.AuditEvent`, ADR 0009):
the case's timeline is a selector over the events about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengnuo.core.models import TimestampedModel

from .constants import CONCLUDED, CaseStatus, Channel, Choice, CommitmentStatus, SignMethod


class Case(TimestampedModel):
    number = models.CharField(_("办件编号"), max_length=32, unique=True)
    matter = models.ForeignKey(
        "catalog.Matter", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="cases"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("实施机关"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    subject = models.ForeignKey(
        "credit.Subject",
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    channel = models.CharField(_("申请渠道"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="cases_started",
    )
    risk_level = models.CharField(_("信用风险等级"), max_length=2, blank=True)
    risk_score = models.IntegerField(_("信用风险分值"), default=0)
    risk_factors = models.JSONField(_("信用风险因素"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    due_date = models.DateField(_("办结期限"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_decided",
    )
    decision_reason = models.TextField(_("决定理由"), blank=True)
    # Incremented by every transition: a stale form or API call names the version it saw.
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["subject", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.matter.name}"

    @property
    def concluded(self) -> bool:
        return self.status in CONCLUDED

    def can_submit(self) -> bool:
        return self.status == CaseStatus.DRAFT

    def can_change_items(self) -> bool:
        return self.status in (CaseStatus.DRAFT, CaseStatus.SUBMITTED)

    def can_withdraw(self) -> bool:
        """R-6.2: a commitment may be withdrawn until the case is concluded."""
        return not self.concluded

    def can_decide(self) -> bool:
        return self.status == CaseStatus.SUBMITTED


class CaseItem(models.Model):
    """One certification item the matter requires, and the applicant's choice for it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(
        "catalog.CertificationItem",
        verbose_name=_("证明事项"),
        on_delete=models.PROTECT,
        related_name="case_items",
    )
    catalog_version = models.ForeignKey(
        "catalog.CatalogVersion",
        verbose_name=_("目录版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    commit_offered = models.BooleanField(_("可选择告知承诺"), default=False)
    eligibility = models.JSONField(_("信用核查结果"), default=dict, blank=True)
    choice = models.CharField(
        _("办理方式"), max_length=10, choices=Choice.choices, default="", blank=True
    )

    class Meta:
        verbose_name = _("办件证明事项")
        verbose_name_plural = _("办件证明事项")
        ordering = ["case_id", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["case", "item"], name="uniq_case_item"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.item.name}"

    @property
    def agency(self):
        return self.case.agency

    @property
    def active_commitment(self) -> Commitment | None:
        return next(
            (c for c in self.commitments.all() if c.status == CommitmentStatus.SIGNED), None
        )

    @property
    def withdrawn(self) -> bool:
        """A commitment of this line was withdrawn (R-6.2): the line goes on under the standard
        procedure for the rest of the case."""
        return any(c.status == CommitmentStatus.WITHDRAWN for c in self.commitments.all())

    @property
    def resolved(self) -> bool:
        """Committed (a signed commitment) or the proof submitted. After a withdrawal only
        the proof resolves the line."""
        if self.withdrawn:
            return self.proofs.exists()
        if self.choice == Choice.COMMIT:
            return self.active_commitment is not None
        if self.choice == Choice.PROOF:
            return self.proofs.exists()
        return False

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.case


class Commitment(models.Model):
    """A signed commitment letter (R-3.3), bound to the exact notification and commitment
    template versions the applicant saw (their SM3 digests) and the facts committed to."""

    case_item = models.ForeignKey(CaseItem, on_delete=models.PROTECT, related_name="commitments")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="commitments")
    subject = models.ForeignKey(
        "credit.Subject", on_delete=models.PROTECT, related_name="commitments"
    )
    item = models.ForeignKey(
        "catalog.CertificationItem", on_delete=models.PROTECT, related_name="commitments"
    )
    notification_version = models.ForeignKey(
        "documents.TemplateVersion",
        verbose_name=_("告知书版本"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    notification_digest = models.CharField(_("告知书SM3摘要"), max_length=64)
    commitment_version = models.ForeignKey(
        "documents.TemplateVersion",
        verbose_name=_("承诺书版本"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    commitment_digest = models.CharField(_("承诺书SM3摘要"), max_length=64)
    facts = models.JSONField(_("承诺事实"), default=dict)
    insurance = models.JSONField(_("责任保险"), default=dict, blank=True)
    signer_name = models.CharField(_("承诺人"), max_length=200)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签署操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签署时间"))
    method = models.CharField(_("签署方式"), max_length=12, choices=SignMethod.choices)
    signature_scan = models.FileField(
        _("手写签名扫描件"), upload_to="signatures/%Y/%m/", blank=True
    )
    signature_scan_digest = models.CharField(max_length=64, blank=True)
    # SM3 of the canonical signed record (versions, digests, facts, signer, time, method).
    digest = models.CharField(_("承诺记录SM3摘要"), max_length=64)
    pdf = models.FileField(_("承诺书PDF"), upload_to="commitments/%Y/%m/", blank=True)
    pdf_digest = models.CharField(_("PDF SM3摘要"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.SIGNED,
    )
    withdrawn_at = models.DateTimeField(_("退出时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.TextField(_("退出理由"), blank=True)
    disclosure_scope = models.CharField(_("公开范围"), max_length=30, blank=True)
    publish_from = models.DateField(_("公开起始"), null=True, blank=True)
    publish_to = models.DateField(_("公开截止"), null=True, blank=True)

    class Meta:
        verbose_name = _("承诺书")
        verbose_name_plural = _("承诺书")
        ordering = ["-signed_at", "-id"]
        indexes = [
            models.Index(fields=["publish_from", "publish_to"]),
            # the public lists' rows in their publication period: publish_to >= today is the
            # narrow end (the rows published now), not publish_from <= today (all of history)
            models.Index(fields=["publish_to", "publish_from"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case_item"],
                condition=models.Q(status="signed"),
                name="one_signed_commitment_per_case_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.item.name} 承诺书"

    @property
    def agency(self):
        return self.case.agency

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.case


class Proof(models.Model):
    """A proof submitted instead of committing (standard procedure, R-2.1)."""

    case_item = models.ForeignKey(CaseItem, on_delete=models.PROTECT, related_name="proofs")
    file = models.FileField(_("文件"), upload_to="proofs/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    digest = models.CharField(_("SM3摘要"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def agency(self):
        return self.case_item.case.agency

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.case_item.case

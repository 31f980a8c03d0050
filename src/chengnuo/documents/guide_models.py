"""Service guides (办事指南, per matter) and work rules (工作规程, per item) (R-3.4, R-3.5, R-6.1,
R-6.2): an editable draft each and immutable published versions with an SM3 digest.

Imported at the end of documents/models.py so that Django registers them in the documents app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengnuo.core.models import TimestampedModel


class GuideKind(models.TextChoices):
    GUIDE = "guide", _("办事指南")
    WORK_RULES = "work_rules", _("工作规程")


class ServiceGuide(TimestampedModel):
    """The draft service guide (办事指南) of one administrative matter (R-3.4, R-3.5)."""

    kind = GuideKind.GUIDE

    matter = models.OneToOneField(
        "catalog.Matter",
        verbose_name=_("行政事项"),
        on_delete=models.PROTECT,
        related_name="service_guide",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("实施机关"),
        on_delete=models.PROTECT,
        related_name="service_guides",
    )
    conditions = models.TextField(_("申请条件"), blank=True)
    materials = models.JSONField(
        _("申请材料"),
        default=list,
        blank=True,
        help_text=_(
            "[{kind: material|proof, name, note, item_code, under_commitment, marking, "
            "alternative}]"
        ),
    )
    legal_time_limit_days = models.PositiveIntegerField(
        _("法定办结时限（工作日）"), null=True, blank=True
    )
    promised_time_limit_days = models.PositiveIntegerField(
        _("承诺办结时限（工作日）"), null=True, blank=True
    )
    fees = models.TextField(_("收费标准"), blank=True)
    where_to_apply = models.TextField(_("办理地点"), blank=True)
    how_to_apply = models.TextField(_("办理方式"), blank=True)
    withdrawal = models.TextField(_("承诺退出"), blank=True)
    credit_repair = models.TextField(_("异议处理和信用修复"), blank=True)
    free_text = models.TextField(_("其他说明"), blank=True)

    class Meta:
        verbose_name = _("办事指南（草稿）")
        verbose_name_plural = _("办事指南（草稿）")
        ordering = ["agency_id", "matter_id"]

    def __str__(self) -> str:
        return f"办事指南：{self.matter}"

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.matter


class WorkRules(TimestampedModel):
    """The draft work rules (工作规程) of one certification item, for staff (R-3.4, R-6.1)."""

    kind = GuideKind.WORK_RULES

    item = models.OneToOneField(
        "catalog.CertificationItem",
        verbose_name=_("证明事项"),
        on_delete=models.PROTECT,
        related_name="work_rules",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("实施机关"),
        on_delete=models.PROTECT,
        related_name="work_rules",
    )
    steps = models.JSONField(_("办理步骤"), default=list, blank=True)
    verification_plan = models.TextField(_("核查计划"), blank=True)
    risk_points = models.TextField(_("风险点"), blank=True)
    risk_controls = models.TextField(_("防控措施"), blank=True)
    credit_check = models.TextField(_("信用核查"), blank=True)
    free_text = models.TextField(_("其他说明"), blank=True)

    class Meta:
        verbose_name = _("工作规程（草稿）")
        verbose_name_plural = _("工作规程（草稿）")
        ordering = ["agency_id", "item_id"]

    def __str__(self) -> str:
        return f"工作规程：{self.item}"

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.item


class GuideVersion(models.Model):
    """A published, immutable version of a service guide or of work rules (R-3.4).

    `content` is the canonical JSON (core.digest.jsonable) and `digest` its SM3 digest."""

    kind = models.CharField(_("文书类型"), max_length=20, choices=GuideKind.choices)
    guide = models.ForeignKey(
        ServiceGuide,
        verbose_name=_("办事指南"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
    )
    work_rules = models.ForeignKey(
        WorkRules,
        verbose_name=_("工作规程"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
    )
    matter = models.ForeignKey(
        "catalog.Matter",
        verbose_name=_("行政事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guide_versions",
    )
    item = models.ForeignKey(
        "catalog.CertificationItem",
        verbose_name=_("证明事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guide_versions",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("实施机关"),
        on_delete=models.PROTECT,
        related_name="guide_versions",
    )
    number = models.PositiveIntegerField(_("版本号"))
    content = models.JSONField(_("内容"))
    digest = models.CharField(_("SM3摘要"), max_length=64)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    lint_findings = models.JSONField(_("文本检查结果"), default=list, blank=True)
    lint_override_reason = models.TextField(_("阻断性问题放行理由"), blank=True)
    lint_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("放行人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("指南规程版本")
        verbose_name_plural = _("指南规程版本")
        ordering = ["agency_id", "kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "number"], name="uniq_guide_version_number"),
            models.UniqueConstraint(
                fields=["work_rules", "number"], name="uniq_work_rules_version_number"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind=GuideKind.GUIDE,
                        guide__isnull=False,
                        matter__isnull=False,
                        work_rules__isnull=True,
                        item__isnull=True,
                    )
                    | models.Q(
                        kind=GuideKind.WORK_RULES,
                        guide__isnull=True,
                        matter__isnull=True,
                        work_rules__isnull=False,
                        item__isnull=False,
                    )
                ),
                name="guide_version_one_document",
            ),
        ]
        indexes = [models.Index(fields=["agency", "kind"])]

    def __str__(self) -> str:
        subject = self.matter if self.kind == GuideKind.GUIDE else self.item
        return f"{self.get_kind_display()}：{subject} 第{self.number}版"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("guide versions are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("guide versions are immutable")

    @property
    def document(self) -> ServiceGuide | WorkRules:
        document = self.guide if self.kind == GuideKind.GUIDE else self.work_rules
        assert document is not None
        return document

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.matter if self.matter_id else self.item

"""Notification and commitment templates (R-3.1, R-3.3): an editable draft per item and
immutable published versions with an SM3 digest of their canonical content."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengnuo.core.models import TimestampedModel

from .constants import TemplateKind


class NotificationTemplate(TimestampedModel):
    """The draft written notification (告知书) of one certification item (R-3.1)."""

    kind = TemplateKind.NOTIFICATION

    item = models.OneToOneField(
        "catalog.CertificationItem",
        verbose_name=_("证明事项"),
        on_delete=models.PROTECT,
        related_name="notification_template",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("实施机关"),
        on_delete=models.PROTECT,
        related_name="notification_templates",
    )
    matter_name = models.TextField(_("事项名称"), blank=True)
    legal_basis = models.TextField(_("设定依据"), blank=True)
    proof_content = models.TextField(_("证明内容或许可条件和材料要求"), blank=True)
    how_to_commit = models.TextField(_("承诺方式"), blank=True)
    civil_liability = models.TextField(_("不实承诺的民事责任"), blank=True)
    administrative_liability = models.TextField(_("不实承诺的行政责任"), blank=True)
    criminal_liability = models.TextField(_("不实承诺的刑事责任"), blank=True)
    verification_power = models.TextField(_("行政机关核查权力"), blank=True)
    disclosure = models.TextField(_("承诺书是否公开及公开范围、时限"), blank=True)
    free_text = models.TextField(_("其他说明"), blank=True)

    class Meta:
        verbose_name = _("告知书（草稿）")
        verbose_name_plural = _("告知书（草稿）")
        ordering = ["agency_id", "item_id"]

    def __str__(self) -> str:
        return f"告知书：{self.item}"

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.item


class CommitmentTemplate(TimestampedModel):
    """The draft written commitment (承诺书) of one certification item (R-3.3)."""

    kind = TemplateKind.COMMITMENT

    item = models.OneToOneField(
        "catalog.CertificationItem",
        verbose_name=_("证明事项"),
        on_delete=models.PROTECT,
        related_name="commitment_template",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("实施机关"),
        on_delete=models.PROTECT,
        related_name="commitment_templates",
    )
    knows_notification = models.TextField(_("已知晓告知事项"), blank=True)
    meets_conditions = models.TextField(_("已符合相关条件"), blank=True)
    accepts_liability = models.TextField(_("愿意承担不实承诺的法律责任"), blank=True)
    true_intent = models.TextField(_("承诺的意思表示真实"), blank=True)
    facts = models.JSONField(
        _("承诺事实"),
        default=list,
        blank=True,
        help_text=_("[{key, label, type: text|date|number|choice, required, source_field}]"),
    )
    free_text = models.TextField(_("其他说明"), blank=True)

    class Meta:
        verbose_name = _("承诺书（草稿）")
        verbose_name_plural = _("承诺书（草稿）")
        ordering = ["agency_id", "item_id"]

    def __str__(self) -> str:
        return f"承诺书：{self.item}"

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.item


class TemplateVersion(models.Model):
    """A published, immutable version of a notification or commitment template (R-3.1, R-3.3).

    `content` is the canonical JSON (core.digest.jsonable) and `digest` its SM3 digest; a later
    issue records the version and digest a commitment was signed against."""

    kind = models.CharField(_("文书类型"), max_length=20, choices=TemplateKind.choices)
    notification = models.ForeignKey(
        NotificationTemplate,
        verbose_name=_("告知书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
    )
    commitment = models.ForeignKey(
        CommitmentTemplate,
        verbose_name=_("承诺书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
    )
    item = models.ForeignKey(
        "catalog.CertificationItem",
        verbose_name=_("证明事项"),
        on_delete=models.PROTECT,
        related_name="template_versions",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("实施机关"),
        on_delete=models.PROTECT,
        related_name="template_versions",
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
        verbose_name = _("文书版本")
        verbose_name_plural = _("文书版本")
        ordering = ["item_id", "kind", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "kind", "number"], name="uniq_template_version_number"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind=TemplateKind.NOTIFICATION,
                        notification__isnull=False,
                        commitment__isnull=True,
                    )
                    | models.Q(
                        kind=TemplateKind.COMMITMENT,
                        notification__isnull=True,
                        commitment__isnull=False,
                    )
                ),
                name="template_version_one_template",
            ),
        ]
        indexes = [models.Index(fields=["agency", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.item} 第{self.number}版"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("template versions are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("template versions are immutable")

    @property
    def template(self) -> NotificationTemplate | CommitmentTemplate:
        template = self.notification if self.kind == TemplateKind.NOTIFICATION else self.commitment
        assert template is not None
        return template

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.item


from .guide_models import GuideVersion, ServiceGuide, WorkRules  # noqa: E402,F401

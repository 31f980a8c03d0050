from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengnuo.core.identifiers import validate_uscc
from chengnuo.core.models import TimestampedModel

from .constants import AgencyKind, Level, Region, Role


class Agency(TimestampedModel):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc]
    )
    region = models.CharField(_("行政区划"), max_length=20, choices=Region.choices)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    kind = models.CharField(
        _("类别"), max_length=20, choices=AgencyKind.choices, default=AgencyKind.ORDINARY
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政机关")
        verbose_name_plural = _("行政机关")
        ordering = ["level", "region", "name"]

    def __str__(self) -> str:
        return self.name


class Membership(TimestampedModel):
    """A role a user holds within one agency. Applicants and system admins have no agency."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("角色任职")
        verbose_name_plural = _("角色任职")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="uniq_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.agency or '—'}"

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.agency or self.user

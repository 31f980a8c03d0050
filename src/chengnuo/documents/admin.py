"""Django admin for templates: read-only. Drafts change only through the services
(template_draft_update / template_publish), versions never change."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chengnuo.core.admin import ReadOnlyAdmin

from .models import CommitmentTemplate, NotificationTemplate, TemplateVersion


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(ReadOnlyAdmin):
    list_display = ("item", "agency", "updated_at")
    list_filter = ("agency__level",)
    search_fields = ("item__code", "item__name", "matter_name")
    list_select_related = ("item", "agency")


@admin.register(CommitmentTemplate)
class CommitmentTemplateAdmin(ReadOnlyAdmin):
    list_display = ("item", "agency", "updated_at")
    list_filter = ("agency__level",)
    search_fields = ("item__code", "item__name")
    list_select_related = ("item", "agency")


@admin.register(TemplateVersion)
class TemplateVersionAdmin(ReadOnlyAdmin):
    list_display = (
        "item",
        "kind",
        "number",
        "published_at",
        "published_by",
        "overridden",
        "digest",
    )
    list_filter = ("kind", "agency__level")
    search_fields = ("item__code", "item__name", "digest")
    list_select_related = ("item", "published_by")

    @admin.display(description=_("阻断性问题已放行"), boolean=True)
    def overridden(self, obj: TemplateVersion) -> bool:
        return bool(obj.lint_override_reason)

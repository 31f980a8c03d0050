"""Django admin for the audit trail: read-only (R-9.1)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from chengnuo.core.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The trail is append-only: no add, change or delete here, not even for superusers."""

    list_display = (
        "seq",
        "occurred_at",
        "actor_label",
        "event",
        "target_type",
        "target_label",
        "agency",
    )
    list_filter = ("target_type",)
    search_fields = ("event", "target_label", "target_id", "actor_label")
    list_select_related = ("agency",)
    ordering = ("-id",)
    show_full_result_count = False
    fields = (
        "seq",
        "occurred_at",
        "actor",
        "actor_label",
        "event",
        "target_type",
        "target_id",
        "target_label",
        "agency",
        "before",
        "after",
        "prev_hash",
        "hash",
        "history_link",
    )
    readonly_fields = fields

    @admin.display(description=_("对象变更历史"))
    def history_link(self, obj: AuditEvent):
        from django.urls import NoReverseMatch, reverse

        try:
            url = reverse("audit:history", args=[obj.target_type, obj.target_id])
        except NoReverseMatch:
            return "—"
        return format_html('<a href="{}">{}</a>', url, _("查看"))

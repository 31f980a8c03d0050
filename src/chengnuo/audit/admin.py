"""Django admin for the audit trail: read-only (R-9.1), plus a mixin that records admin edits
of plain reference data (agencies, users, roles) in the same hash-chained trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from chengnuo import audit

from .models import AuditEvent


def model_state(obj: Model, fields: tuple[str, ...]) -> dict[str, Any]:
    """Plain values of the named concrete fields (foreign keys as ids)."""
    state: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        state[name] = field.value_from_object(obj)  # type: ignore[union-attr]
    return state


class AuditedAdminMixin:
    """Records `<audit_prefix>_created` / `_updated` events for saves made in the admin.

    The admin's change view runs in a transaction, so the event and the row commit together.
    """

    audit_prefix: str = ""
    audit_fields: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = None
            if change and obj.pk:
                old = type(obj)._default_manager.filter(pk=obj.pk).first()
                before = model_state(old, self.audit_fields) if old else None
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            event = f"{self.audit_prefix}_{'updated' if change else 'created'}"
            audit.record(request.user, event, obj, before, model_state(obj, self.audit_fields))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
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
    ordering = ("-seq",)
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

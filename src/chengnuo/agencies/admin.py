from django.contrib import admin

from chengnuo.audit.admin import AuditedAdminMixin

from .models import Agency


@admin.register(Agency)
class AgencyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "short_name", "region", "level", "kind", "parent", "uscc")
    list_filter = ("level", "region", "kind")
    search_fields = ("name", "short_name", "uscc")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    fields = ("name", "short_name", "uscc", "region", "level", "kind", "parent")

    audit_prefix = "agencies.agency"
    audit_fields = ("name", "short_name", "uscc", "region", "level", "kind", "parent")

    def has_delete_permission(self, request, obj=None):
        # Agencies are referenced by matters, items, proposals and the audit trail.
        return False

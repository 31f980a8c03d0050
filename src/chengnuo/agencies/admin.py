from django.contrib import admin

from .models import Agency
from .services import agency_save


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "region", "level", "kind", "parent", "uscc")
    list_filter = ("level", "region", "kind")
    search_fields = ("name", "short_name", "uscc")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    fields = ("name", "short_name", "uscc", "region", "level", "kind", "parent")

    def save_model(self, request, obj, form, change):
        agency_save(actor=request.user, agency=obj)

    def has_delete_permission(self, request, obj=None):
        # Agencies are referenced by matters, items, proposals and the audit trail.
        return False

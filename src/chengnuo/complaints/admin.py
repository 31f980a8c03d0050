"""What an operator sees of complaints: read-only rows without the sealed identity (the
Justice Bureau's complaint handlers see it on the complaint's page, each view recorded)."""

from __future__ import annotations

from django.contrib import admin

from chengnuo.core.admin import ReadOnlyAdmin

from .models import Complaint


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "agency", "handling_agency", "status", "due_date")
    list_filter = ("status", "kind", "channel")
    search_fields = ("number", "external_ref")
    ordering = ("-id",)
    exclude = ("secret_hash", "name_cipher", "phone_cipher", "phone_lookup", "name_masked",
               "phone_masked", "request_digest")  # fmt: skip

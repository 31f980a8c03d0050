"""Admin of credit: subjects, records, repairs and objections are read-only (every change is a
service with its audit event); credit platforms are configured here; pushes and their delivery
attempts are the delivery log. No cipher or lookup column is ever shown (R-5.6)."""

from __future__ import annotations

from django.contrib import admin

from chengnuo.core.admin import ReadOnlyAdmin

from .models import (
    CreditPlatform,
    CreditRecord,
    DeliveryAttempt,
    Objection,
    PushMessage,
    RepairApplication,
    Subject,
)


@admin.register(Subject)
class SubjectAdmin(ReadOnlyAdmin):
    list_display = ("id", "display_name", "kind", "id_type", "id_masked", "phone_masked")
    list_filter = ("kind", "id_type")
    fields = ("kind", "display_name", "id_type", "id_masked", "phone_masked", "created_at")
    readonly_fields = fields
    # no search: identifiers are found by exact lookup (HMAC) in the credit pages, not scanned


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "subject_masked", "kind", "grade", "status", "decided_on", "publish_to")
    list_filter = ("kind", "grade", "status")
    exclude = ("subject",)
    readonly_fields = (
        "subject_masked",
        "kind",
        "grade",
        "status",
        "summary",
        "impact",
        "legal_basis",
        "deciding_agency",
        "case_ref",
        "verification_ref",
        "external_ref",
        "decided_on",
        "publish_from",
        "publish_to",
    )

    @admin.display(description="申请人/承诺人")
    def subject_masked(self, obj: CreditRecord) -> str:
        return str(obj.subject)


@admin.register(RepairApplication)
class RepairApplicationAdmin(ReadOnlyAdmin):
    list_display = ("id", "record", "status", "due_on", "created_at", "decided_at")
    list_filter = ("status",)


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ("id", "record", "status", "due_on", "created_at", "decided_at")
    list_filter = ("status",)


@admin.register(CreditPlatform)
class CreditPlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "base_url", "app_key", "active", "timeout_seconds")
    list_filter = ("active",)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempted_at", "status_code", "ok", "error", "duration_ms")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PushMessage)
class PushMessageAdmin(ReadOnlyAdmin):
    """The delivery log. The body (which carries the identifier for the platform) is not shown."""

    list_display = (
        "id",
        "platform",
        "record_id",
        "change",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "platform", "change")
    fields = (
        "platform",
        "record_id",
        "change",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "delivered_at",
    )
    readonly_fields = fields
    inlines = [DeliveryAttemptInline]


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("id", "message", "attempted_at", "status_code", "ok", "duration_ms")
    list_filter = ("ok",)

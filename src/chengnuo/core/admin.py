"""What an operator watches: the reactions outbox and the daily jobs' runs — attempts, the
last error and what is still waiting. Read-only: the platform writes them."""

from __future__ import annotations

from django.contrib import admin

from .models import Reaction, ScheduledRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """The platform writes these rows through its services; the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reaction)
class ReactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "event", "handler", "attempts", "next_attempt_at", "done_at", "failed_at")
    list_filter = (
        ("failed_at", admin.EmptyFieldListFilter),
        ("done_at", admin.EmptyFieldListFilter),
        "event",
        "handler",
    )
    search_fields = ("handler", "last_error")
    ordering = ("-id",)


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    list_display = ("day", "job", "status", "attempts", "started_at", "finished_at")
    list_filter = ("status", "job")
    search_fields = ("job", "last_error")

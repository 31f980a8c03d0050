"""What an operator watches in routine supervision: the 互联网+监管 platform's connection (the
one thing set here) and, read-only, the result pushes and the draws (never edited: a draw is
recomputable only as it was made)."""

from __future__ import annotations

from django.contrib import admin

from chengnuo.core.admin import ReadOnlyAdmin

from .models import Draw, RegulatoryPlatform, ResultPush


@admin.register(RegulatoryPlatform)
class RegulatoryPlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "base_url", "app_key", "active", "timeout_seconds")


@admin.register(ResultPush)
class ResultPushAdmin(ReadOnlyAdmin):
    list_display = ("id", "task", "platform", "status", "attempts", "next_attempt_at", "receipt")
    list_filter = ("status", "platform")
    search_fields = ("idempotency_key", "receipt", "last_error")
    ordering = ("-id",)


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ("number", "plan", "status", "pool_size", "quota", "drawn_at")
    list_filter = ("status",)
    search_fields = ("number", "seed")
    ordering = ("-id",)
    exclude = ("strata", "inspectors")

"""Django admin for users, their roles (memberships) and API tokens. Role grants and token
issuance are security-relevant, so each is recorded in the audit trail (R-9.1)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from chengnuo.agencies.models import Membership
from chengnuo.agencies.services import membership_revoke, membership_save

from . import services, throttle
from .models import ApiToken, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("agency", "role")
    autocomplete_fields = ("agency",)
    verbose_name = _("角色任职")
    verbose_name_plural = _("角色任职（机关与角色）")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("平台"), {"fields": ("display_name", "failed_login_count", "locked_until")}),
    )
    add_fieldsets = (
        *(BaseUserAdmin.add_fieldsets or ()),
        (_("平台"), {"fields": ("display_name",)}),
    )
    readonly_fields = ("failed_login_count",)
    list_display = ("username", "display_name", "email", "is_active", "is_staff", "locked_until")
    search_fields = ("username", "display_name", "email")
    inlines = (MembershipInline,)
    actions = ("unlock",)

    def save_model(self, request, obj, form, change):
        services.user_save(actor=request.user, user=obj)

    @admin.display(description=_("近期登录失败次数"))
    def failed_login_count(self, obj: User) -> int:
        """Failed logins on this name within the throttle's window, from any address."""
        return throttle.recent_failures(obj.username) if obj.pk else 0

    @admin.action(description=_("解除登录锁定与限速"), permissions=["change"])
    def unlock(self, request, queryset):
        count = 0
        for user in queryset:
            services.user_unlock(actor=request.user, user=user)
            count += 1
        messages.success(request, _("已解除 %(n)s 个账户的锁定与登录限速") % {"n": count})

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        with transaction.atomic():
            instances = formset.save(commit=False)
            for membership in formset.deleted_objects:
                membership_revoke(actor=request.user, membership=membership)
            for membership in instances:
                membership_save(actor=request.user, membership=membership)
            formset.save_m2m()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens for other government systems. Only the digest is stored; the token itself is
    shown once, when it is created. Tokens are revoked, never edited or deleted."""

    list_display = ("name", "user", "created_at", "revoked_at", "digest_prefix")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "user__display_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    actions = ("revoke",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name")
        return ("user", "name", "created_at", "revoked_at", "digest_prefix")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("user", "name", "created_at", "revoked_at", "digest_prefix")

    @admin.display(description=_("摘要（前12位）"))
    def digest_prefix(self, obj: ApiToken) -> str:
        return f"{obj.key_digest[:12]}…" if obj.key_digest else "—"

    def save_model(self, request, obj, form, change):
        if change:
            return
        row, token = services.api_token_create(actor=request.user, user=obj.user, name=obj.name)
        obj.pk, obj.key_digest, obj.created_at = row.pk, row.key_digest, row.created_at
        messages.warning(
            request,
            _("接口令牌已生成，只显示这一次，请立即妥善保存：%(token)s") % {"token": token},
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return request.user.has_perm("accounts.change_apitoken")

    @admin.action(description=_("吊销所选令牌"), permissions=["revoke"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(actor=request.user, token=token)
            count += 1
        messages.success(request, _("已吊销 %(n)s 个令牌") % {"n": count})

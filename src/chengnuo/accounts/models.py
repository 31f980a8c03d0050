from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # Set only by a system admin, never by failed logins (those are throttled, accounts/
    # throttle.py). It refuses password logins until then; API tokens keep working (a token
    # stops when it is revoked or the account is deactivated).
    locked_until = models.DateTimeField(
        _("锁定至"),
        null=True,
        blank=True,
        help_text=_(
            "管理员设定的登录锁定：到期前即使密码正确也不能登录。不影响接口令牌；"
            "要停止令牌，请吊销令牌或停用账户。"
        ),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token for other government systems calling /api/v1. Only its digest is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.user


class LoginThrottle(models.Model):
    """Failed logins counted for one key (accounts/throttle.py): an account name and a client
    address (the pair), an account name from any address, or a client address across names.
    Kept in the database so that every web process sees the same counts. The name is stored
    only as a keyed digest (it may be a password typed into the wrong field); rows are pruned
    once `expires_at` has passed."""

    class Scope(models.TextChoices):
        PAIR = "pair", _("账户与地址")
        ACCOUNT = "account", _("账户")
        ADDRESS = "address", _("地址")

    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices)
    account_key = models.CharField(_("登录名摘要"), max_length=64, blank=True, default="")
    address = models.CharField(_("客户端地址"), max_length=64, blank=True, default="")
    failures = models.PositiveIntegerField(_("失败次数"), default=0)
    window_start = models.DateTimeField(_("计数起点"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("最近失败"), null=True, blank=True)
    blocked_until = models.DateTimeField(_("等待至"), null=True, blank=True)
    # pair only: the account's owner logged in from this address; until then the account-wide
    # and address delays do not hold this pair back (its own delay still does)
    known_until = models.DateTimeField(_("常用地址至"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期"), db_index=True)

    class Meta:
        verbose_name = _("登录限速记录")
        verbose_name_plural = _("登录限速记录")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "account_key", "address"], name="uniq_login_throttle_key"
            )
        ]
        indexes = [models.Index(fields=["account_key"], name="login_throttle_account")]

    def __str__(self) -> str:
        if self.scope == self.Scope.ADDRESS:
            return f"登录限速 · 地址 {self.address}"
        label = f"登录限速 · 登录名摘要 {self.account_key[:12]}…"
        return f"{label} · 地址 {self.address}" if self.address else label

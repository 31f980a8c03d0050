"""Event codes of accounts (stable strings, ADR 0009)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    LOGIN = "accounts.login", _("登录")
    LOGIN_FAILED = "accounts.login_failed", _("登录失败")
    LOGIN_THROTTLED = "accounts.login_throttled", _("登录过于频繁被拒")
    LOCKED = "accounts.locked", _("账号锁定")  # recorded before logins were throttled
    UNLOCKED = "accounts.user_unlocked", _("解除账号锁定")
    TOKEN_CREATED = "accounts.api_token_created", _("签发接口令牌")
    TOKEN_REVOKED = "accounts.api_token_revoked", _("吊销接口令牌")
    USER_CREATED = "accounts.user_created", _("新建用户")
    USER_UPDATED = "accounts.user_updated", _("修改用户")

"""Login with lockout (5 failures → 15 minutes), audited."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from chengnuo import audit
from chengnuo.core.errors import DomainError

from .models import User

EVENT_LOGIN = "accounts.login"
EVENT_LOGIN_FAILED = "accounts.login_failed"
EVENT_LOCKED = "accounts.locked"


def login_attempt(*, request, username: str, password: str) -> User:
    """Authenticate or raise. Failures are counted and committed before the refusal."""
    now = timezone.now()
    refusal: DomainError | None = None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is not None and user.locked_until and user.locked_until > now:
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            raise DomainError(
                "account_locked",
                f"连续登录失败次数过多，账户已锁定，请{minutes}分钟后再试",
            )
        authed = authenticate(request, username=username, password=password)
        if authed is None:
            refusal = DomainError("invalid_credentials", "用户名或密码错误")
            if user is not None:
                user.failed_login_count += 1
                if user.failed_login_count >= settings.LOGIN_MAX_FAILURES:
                    user.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
                    user.failed_login_count = 0
                    user.save(update_fields=["failed_login_count", "locked_until"])
                    audit.record(
                        None,
                        EVENT_LOCKED,
                        user,
                        None,
                        {"locked_until": user.locked_until},
                    )
                    refusal = DomainError(
                        "account_locked",
                        f"连续{settings.LOGIN_MAX_FAILURES}次登录失败，账户已锁定"
                        f"{settings.LOGIN_LOCKOUT_MINUTES}分钟",
                    )
                else:
                    user.save(update_fields=["failed_login_count"])
        else:
            assert isinstance(authed, User)
            authed.failed_login_count = 0
            authed.locked_until = None
            authed.last_login = now
            authed.save(update_fields=["failed_login_count", "locked_until", "last_login"])
            audit.record(authed, EVENT_LOGIN, authed, None, None)
            return authed
    raise refusal

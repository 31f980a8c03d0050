"""Login with lockout (5 failures → 15 minutes), audited."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from chengnuo.core import spine
from chengnuo.core.digest import digest_bytes
from chengnuo.core.errors import DomainError, PermissionDenied

from .constants import Event
from .models import ApiToken, User

EVENT_LOGIN = Event.LOGIN
EVENT_LOGIN_FAILED = Event.LOGIN_FAILED
EVENT_LOCKED = Event.LOCKED


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
                    spine.record(
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
            spine.record(authed, EVENT_LOGIN, authed, None, None)
            return authed
    raise refusal


# --- administration of accounts (system admins; called by the Django admin) ---------------

EVENT_UNLOCKED = Event.UNLOCKED
EVENT_TOKEN_CREATED = Event.TOKEN_CREATED
EVENT_TOKEN_REVOKED = Event.TOKEN_REVOKED


def _require_system_admin(actor) -> None:
    from chengnuo.agencies.policies import is_system_admin

    if not is_system_admin(actor):
        raise PermissionDenied("只有系统管理员可以管理账户、角色和接口令牌")


def user_unlock(*, actor, user: User) -> User:
    """Lift a login lockout before its 15 minutes are over."""
    _require_system_admin(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {
            "failed_login_count": locked.failed_login_count,
            "locked_until": locked.locked_until,
        }
        locked.failed_login_count = 0
        locked.locked_until = None
        locked.save(update_fields=["failed_login_count", "locked_until"])
        spine.record(actor, EVENT_UNLOCKED, locked, before, None)
    return locked


def api_token_create(*, actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a bearer token for another system. Only its digest is kept; the token is
    returned once, to be shown once."""
    _require_system_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 100 or "\x00" in name:
        raise DomainError("required", "必须写明令牌用途（不超过100字）", field="name")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, name=name, key_digest=digest_bytes(token.encode()))
        spine.record(actor, EVENT_TOKEN_CREATED, row, None, {"name": name, "user_id": user.pk})
    return row, token


def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    _require_system_admin(actor)
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            spine.record(
                actor, EVENT_TOKEN_REVOKED, locked, None, {"revoked_at": locked.revoked_at}
            )
    return locked


USER_FIELDS = (
    "username",
    "display_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "failed_login_count",
    "locked_until",
)
EVENT_USER_CREATED = Event.USER_CREATED
EVENT_USER_UPDATED = Event.USER_UPDATED


def user_save(*, actor, user: User) -> User:
    """Create or update an account from a validated form instance (password already set)."""
    _require_system_admin(actor)
    with transaction.atomic():
        before = None
        if user.pk:
            old = User.objects.select_for_update().filter(pk=user.pk).first()
            before = {f: getattr(old, f) for f in USER_FIELDS} if old else None
        user.save()
        event = EVENT_USER_UPDATED if before else EVENT_USER_CREATED
        spine.record(actor, event, user, before, {f: getattr(user, f) for f in USER_FIELDS})
    return user

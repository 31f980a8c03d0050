"""Login, throttled (growing delays, never a lockout: accounts/throttle.py) and audited; the
administration of accounts."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from chengnuo.core import spine
from chengnuo.core.actors import SystemActor
from chengnuo.core.digest import digest_bytes
from chengnuo.core.errors import DomainError, PermissionDenied, RateLimited
from chengnuo.core.net import client_address

from . import throttle
from .constants import Event
from .models import ApiToken, User

EVENT_LOGIN = Event.LOGIN
EVENT_LOGIN_FAILED = Event.LOGIN_FAILED
EVENT_LOGIN_THROTTLED = Event.LOGIN_THROTTLED
EVENT_LOCKED = Event.LOCKED  # recorded by earlier versions (5 failures locked an account)

# who acts in the events of a refused login: nobody is signed in
VISITOR = SystemActor("未登录访客")

INVALID_CREDENTIALS = "用户名或密码错误"


class LoginThrottled(RateLimited):
    """Too many failed logins for this name or from this address: wait, then try again. The
    same answer whether an account has that name or not; the password was not checked."""

    def __init__(self, seconds: int):
        super().__init__("login_throttled", f"登录失败次数过多，请{seconds}秒后再试")
        self.retry_after = seconds


class InvalidCredentials(DomainError):
    """Wrong name or password (never which of the two), with the wait before the next try
    when this failure started one."""

    def __init__(self, seconds: int = 0):
        message = f"{INVALID_CREDENTIALS}，请{seconds}秒后再试" if seconds else INVALID_CREDENTIALS
        super().__init__("invalid_credentials", message)
        self.retry_after = seconds


def _verify(username: str, password: str) -> tuple[User | None, bool]:
    """The account of that name and whether the password is right. The hasher runs exactly
    once whether or not the account exists (or has a usable password), so the time taken does
    not tell."""
    user = User.objects.filter(username=username).first()
    if user is None or not user.has_usable_password():
        User().set_password(password)  # the same work as checking a real password
        return user, False
    return user, user.check_password(password)


def _record_attempt(
    kind: str, user: User | None, gate: throttle.Gate, reason: str, retry_after: int
) -> None:
    """One event per refused attempt, never with the password. A known account's event is
    about the user; a name no account has is kept only as its keyed digest (it may be a
    password typed into the wrong field), in the platform chain."""
    after = {
        "address": gate.address,
        "reason": reason,
        "failures": gate.failures,
        "retry_after": retry_after,
    }
    if gate.scope:
        after["throttled_by"] = gate.scope
    target: Model
    if user is not None:
        target = user
    else:
        after["account_digest"] = gate.key
        assert gate.account_row is not None
        target = gate.account_row
    message = f"来源地址 {gate.address}"
    spine.record(VISITOR, kind, target, None, after, message=message)


def login_attempt(*, request, username: str, password: str) -> User:
    """Authenticate or raise. Every refusal is recorded and committed before it is raised.

    During a delay the password is not checked (`LoginThrottled`). Otherwise the attempt is
    counted first, the password is checked outside any transaction, and a success takes the
    count back."""
    address = client_address(request)
    with transaction.atomic():
        gate = throttle.enter(username, address)
        if gate.throttled:
            user = User.objects.filter(username=username).first()
            _record_attempt(EVENT_LOGIN_THROTTLED, user, gate, "throttled", gate.retry_after)
    if gate.throttled:
        throttle.prune()
        raise LoginThrottled(gate.retry_after)

    user, password_ok = _verify(username, password)
    now = timezone.now()
    refusal: DomainError
    with transaction.atomic():
        if user is not None and password_ok and user.is_active:
            if user.locked_until is None or user.locked_until <= now:
                throttle.succeeded(gate, now)
                user.last_login = now
                user.save(update_fields=["last_login"])
                spine.record(user, EVENT_LOGIN, user, None, {"address": address})
                return user
            # an admin's deliberate lock, told only to whoever knows the password
            throttle.taken_back(gate, now)
            _record_attempt(EVENT_LOGIN_FAILED, user, gate, "locked_by_admin", 0)
            refusal = DomainError("account_locked", "该账户已被管理员锁定，请联系系统管理员")
        else:
            if user is None:
                reason = "unknown_account"
            elif not password_ok:
                reason = "wrong_password"
            else:
                reason = "inactive_account"
            wait = gate.wait_after_failure(now)
            _record_attempt(EVENT_LOGIN_FAILED, user, gate, reason, wait)
            refusal = InvalidCredentials(wait)
    throttle.prune(now)
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
    """Lift an admin's lock and forget the failed logins of this account: its delays end at
    once, from every address (the counts of the addresses themselves stay)."""
    _require_system_admin(actor)
    with transaction.atomic():
        # throttle rows before the user row: the order a login takes them in (no deadlock)
        cleared = throttle.clear_account(user.username)
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {"locked_until": locked.locked_until, **cleared}
        locked.locked_until = None
        locked.save(update_fields=["locked_until"])
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

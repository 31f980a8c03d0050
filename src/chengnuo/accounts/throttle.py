"""Login throttling: growing delays instead of a lockout.

A lockout lets anyone lock anyone out, and telling which names got locked lets them list the
accounts. Instead, each failed login is counted in three scopes (rows of `LoginThrottle`, in
the database so that every web process sees the same counts):

- the pair (account name, client address), strict: `LOGIN_PAIR_FREE_FAILURES` are free, then
  the address waits `LOGIN_DELAY_SECONDS` before its next try on that name, doubling with each
  failure up to `LOGIN_MAX_DELAY_SECONDS`;
- the account name from any address, looser: past `LOGIN_ACCOUNT_FREE_FAILURES` every address
  that fails on the name waits a growing delay, capped at `LOGIN_ACCOUNT_MAX_DELAY_SECONDS`,
  before its next try on it. A spray from many addresses slows down, but an address that has
  not failed on the name is not held back at all, and after the owner's own mistake the
  account-wide delay is at most that cap: others' failures never keep the owner out longer;
- the client address across names (one password tried on many accounts):
  `LOGIN_ADDRESS_FREE_FAILURES` per `LOGIN_ADDRESS_WINDOW_MINUTES` are free, then growing
  delays up to `LOGIN_MAX_DELAY_SECONDS` for every name tried from that address.

After a successful login the pair is *known* for `LOGIN_KNOWN_ADDRESS_DAYS`: the account-wide
and address delays do not apply to it (an office behind one NAT address is not slowed by a
colleague's typos or a sprayer among them), only its own pair delay. Nobody becomes known
without the password, so this reveals nothing.

Names are counted the same whether an account has that name or not, so delays and answers are
identical for known and unknown names. During a delay the password is not checked at all and
the attempt is not counted (waiting it out is enough; retrying early does not prolong it).

The attempt is counted *before* the password is hashed (`enter`), in a short transaction, so
that parallel attempts cannot slip past the count while the hasher runs and no row lock is held
during hashing; a successful login takes its count back (`succeeded`).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.utils import timezone

from .models import LoginThrottle

Scope = LoginThrottle.Scope


# --- keys -----------------------------------------------------------------------------------


def account_key(username: str) -> str:
    """Keyed HMAC-SM3 of the name as typed (NFKC, trimmed, case-folded): the name may be a
    password typed into the wrong field, so it is never stored itself."""
    name = unicodedata.normalize("NFKC", username or "").strip().casefold()
    mac = hmac.HMAC(bytes.fromhex(settings.FIELD_LOOKUP_KEY), hashes.SM3())
    mac.update(b"chengnuo.accounts.login-name\x00" + name.encode("utf-8"))
    return mac.finalize().hex()


# --- policy ---------------------------------------------------------------------------------


def _delay(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after the `failures`-th failure: none while free, then doubling."""
    if failures <= free:
        return 0
    step = min(failures - free - 1, 40)
    return min(cap, settings.LOGIN_DELAY_SECONDS * 2**step)


def pair_delay(failures: int) -> int:
    return _delay(failures, settings.LOGIN_PAIR_FREE_FAILURES, settings.LOGIN_MAX_DELAY_SECONDS)


def account_delay(failures: int) -> int:
    return _delay(
        failures, settings.LOGIN_ACCOUNT_FREE_FAILURES, settings.LOGIN_ACCOUNT_MAX_DELAY_SECONDS
    )


def address_delay(failures: int) -> int:
    return _delay(failures, settings.LOGIN_ADDRESS_FREE_FAILURES, settings.LOGIN_MAX_DELAY_SECONDS)


def _window(scope: str) -> timedelta:
    if scope == Scope.ADDRESS:
        return timedelta(minutes=settings.LOGIN_ADDRESS_WINDOW_MINUTES)
    return timedelta(hours=settings.LOGIN_WINDOW_HOURS)


def seconds_until(moment: datetime | None, now: datetime) -> int:
    if moment is None or moment <= now:
        return 0
    return max(1, math.ceil((moment - now).total_seconds()))


# --- rows -----------------------------------------------------------------------------------


def _locked_row(scope: str, key: str, address: str, now: datetime) -> LoginThrottle:
    """The row of one scope key, locked (created if missing); a count whose window is over
    starts again. Call inside a transaction, always in the order address → account → pair."""
    row, _ = LoginThrottle.objects.select_for_update().get_or_create(
        scope=scope, account_key=key, address=address, defaults={"expires_at": now}
    )
    if row.window_start is not None and row.window_start + _window(scope) <= now:
        row.failures = 0
        row.window_start = None
    return row


def _set_expiry(row: LoginThrottle) -> None:
    """A row may go once its count's window, its delay and its known status are all over."""
    ends = [row.blocked_until, row.known_until]
    if row.window_start is not None:
        ends.append(row.window_start + _window(row.scope))
    row.expires_at = max((e for e in ends if e is not None), default=row.expires_at)


_FIELDS = ["failures", "window_start", "last_failure_at", "blocked_until", "known_until"]


def _save(row: LoginThrottle) -> None:
    _set_expiry(row)
    row.save(update_fields=[*_FIELDS, "expires_at"])


@dataclass
class Gate:
    """The outcome of `enter`: either wait `retry_after` seconds (nothing was counted), or go
    ahead and check the password (the attempt is already counted as a failure)."""

    key: str
    address: str
    retry_after: int = 0
    scope: str = ""  # the scope that holds the attempt back
    known: bool = False
    failures: dict[str, int] = field(default_factory=dict)
    account_row: LoginThrottle | None = None
    pair_blocked: datetime | None = None
    # the address row's delay before and after this attempt was counted (see `_take_back`)
    address_blocked: tuple[datetime | None, datetime | None] = (None, None)

    @property
    def throttled(self) -> bool:
        return self.retry_after > 0

    def wait_after_failure(self, now: datetime) -> int:
        """Seconds this client must now wait before its next try on this name."""
        pair = seconds_until(self.pair_blocked, now)
        return pair if self.known else max(pair, seconds_until(self.address_blocked[1], now))


def _until(now: datetime, seconds: int) -> datetime | None:
    return now + timedelta(seconds=seconds) if seconds else None


def enter(username: str, address: str, now: datetime | None = None) -> Gate:
    """Check the three scopes for this attempt and, when none holds it back, count it as a
    failure up front. Must run inside a transaction."""
    key = account_key(username)
    addr = _locked_row(Scope.ADDRESS, "", address, now or timezone.now())
    acct = _locked_row(Scope.ACCOUNT, key, "", now or timezone.now())
    pair = _locked_row(Scope.PAIR, key, address, now or timezone.now())
    # the time once the rows are ours: another process may have counted while we waited
    now = now or timezone.now()
    known = bool(pair.known_until and pair.known_until > now)
    gate = Gate(key=key, address=address, known=known, account_row=acct)

    waits = [(seconds_until(pair.blocked_until, now), Scope.PAIR)]
    if not known:
        waits.append((seconds_until(addr.blocked_until, now), Scope.ADDRESS))
    wait, scope = max(waits)
    if wait:
        gate.retry_after, gate.scope = wait, str(scope)
        gate.failures = {"pair": pair.failures, "account": acct.failures, "address": addr.failures}
        return gate

    for row in (addr, acct, pair):
        row.failures += 1
        row.window_start = row.window_start or now
        row.last_failure_at = now

    before = addr.blocked_until
    pending = [t for t in (before, _until(now, address_delay(addr.failures))) if t and t > now]
    addr.blocked_until = max(pending, default=None)
    gate.address_blocked = (before, addr.blocked_until)

    own = pair_delay(pair.failures)
    others = 0 if known else account_delay(acct.failures)
    pair.blocked_until = _until(now, max(own, others))
    gate.pair_blocked = pair.blocked_until

    for row in (addr, acct, pair):
        _save(row)
    gate.failures = {"pair": pair.failures, "account": acct.failures, "address": addr.failures}
    return gate


def succeeded(gate: Gate, now: datetime) -> None:
    """The password was right: take back the failure `enter` counted, reset the pair and mark
    it known. Must run inside a transaction."""
    _take_back(gate, now, known=True)


def taken_back(gate: Gate, now: datetime) -> None:
    """The password was right but the login is refused for another reason (an admin's lock):
    not a failure, but the pair does not become known either."""
    _take_back(gate, now, known=False)


def _take_back(gate: Gate, now: datetime, *, known: bool) -> None:
    addr = _locked_row(Scope.ADDRESS, "", gate.address, now)
    acct = _locked_row(Scope.ACCOUNT, gate.key, "", now)
    pair = _locked_row(Scope.PAIR, gate.key, gate.address, now)
    for row in (addr, acct):
        row.failures = max(0, row.failures - 1)
    if addr.blocked_until == gate.address_blocked[1]:  # nobody failed here since: undo ours
        addr.blocked_until = gate.address_blocked[0]
    pair.failures = 0
    pair.window_start = None
    pair.blocked_until = None
    if known:
        pair.known_until = now + timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    for row in (addr, acct, pair):
        _save(row)


def prune(now: datetime | None = None) -> int:
    """Delete the rows whose counts, delays and known status are all over (runs on its own,
    outside the login's transaction, so it never holds a lock another login waits for)."""
    deleted, _ = LoginThrottle.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def clear_account(username: str) -> dict[str, int]:
    """Forget every count and delay of this name (an admin's unlock), from every address; the
    addresses its owner logged in from stay known. Address rows stay too (they are about the
    address, not the account). Must run inside a transaction."""
    now = timezone.now()
    rows = list(
        LoginThrottle.objects.select_for_update()
        .filter(account_key=account_key(username))
        .order_by("scope", "address")
    )
    state = {
        "account_failures": sum(r.failures for r in rows if r.scope == Scope.ACCOUNT),
        "waiting_addresses": sum(
            1 for r in rows if r.scope == Scope.PAIR and r.blocked_until and r.blocked_until > now
        ),
    }
    for row in rows:
        if row.known_until and row.known_until > now:
            row.failures, row.window_start, row.blocked_until = 0, None, None
            _save(row)
        else:
            row.delete()
    return state


def recent_failures(username: str) -> int:
    """Failed logins on this name within the current window (for the admin)."""
    now = timezone.now()
    row = LoginThrottle.objects.filter(
        scope=Scope.ACCOUNT, account_key=account_key(username), address=""
    ).first()
    if row is None or row.window_start is None or row.window_start + _window(row.scope) <= now:
        return 0
    return row.failures

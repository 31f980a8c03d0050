"""Transient database failures — a deadlock, a serialization failure, a lock timeout, SQLite's
"database is locked" — are retried where that is safe, and never answered with a 500.

Safe means nothing of the failed attempt was kept: the failure rolled its transaction back and
no earlier transaction of the same unit of work committed. The platform's database backends
count commits per connection (`core.db.hooks`), so a unit of work (a request, one pass of a
worker) can tell. Events are appended and on-commit reactions queued only at commit, so a rolled
back attempt leaves nothing behind to undo.

- `TransientRetryMiddleware` re-runs a request whose view failed transiently before it
  committed anything (up to `CHENGNUO_TRANSIENT_RETRIES` times, with jittered backoff); when it
  cannot (retries spent, or something already committed) it answers 409 `busy_retry` — JSON for
  the API, a page for people — instead of a 500.
- `run_retrying(fn)` does the same for a worker's unit of work outside any request.

A database that cannot be reached at all (PostgreSQL restarting or down, SQLite's file gone) is
`is_unavailable`: the middleware answers 503 `database_unavailable` with Retry-After — JSON for
the API — instead of a 500 page and a traceback per request.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection

logger = logging.getLogger(__name__)

T = TypeVar("T")

# deadlock_detected, serialization_failure, lock_not_available (lock_timeout)
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def is_transient(exc: BaseException | None) -> bool:
    """A failure another attempt may not meet: it says nothing about the data sent."""
    seen = 0
    while exc is not None and seen < 5:
        state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if state in TRANSIENT_SQLSTATES:
            return True
        if isinstance(exc, DatabaseError) and "database is locked" in str(exc):
            return True  # SQLite's busy timeout ran out
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


# connection_exception (08…), admin_shutdown, crash_shutdown, cannot_connect_now
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
_SQLITE_UNAVAILABLE = ("unable to open database file", "disk i/o error")


def is_unavailable(exc: BaseException | None) -> bool:
    """The database could not be reached or went away: nothing about the request itself."""
    seen = 0
    while exc is not None and seen < 5:
        state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if state and state.startswith(UNAVAILABLE_SQLSTATES):
            return True
        kind = type(exc)
        if (
            kind.__module__.startswith("psycopg")
            and kind.__name__ in ("OperationalError", "InterfaceError")
            and not state
        ):
            return True  # psycopg's connection failures carry no SQLSTATE
        if isinstance(exc, InterfaceError):
            return True  # Django: the connection is already closed
        if isinstance(exc, sqlite3.OperationalError) and str(exc).lower() in _SQLITE_UNAVAILABLE:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def commits() -> int:
    """How many transactions the default connection has committed (since it opened)."""
    return getattr(connection, "chengnuo_commits", 0)


def attempts() -> int:
    return max(1, 1 + int(getattr(settings, "TRANSIENT_RETRIES", 3)))


def backoff(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: 20 ms, 40 ms, 80 ms … with jitter, at most 0.5 s."""
    base = min(0.5, 0.02 * 2 ** max(0, attempt - 1))
    return base / 2 + random.random() * base / 2


def run_retrying(fn: Callable[[], T], *, what: str = "unit of work") -> T:
    """Run `fn` (which opens its own transactions) again when it fails transiently before
    committing anything; the last failure propagates."""
    for attempt in range(1, attempts() + 1):
        before = commits()
        try:
            return fn()
        except Exception as exc:
            if attempt >= attempts() or not is_transient(exc) or connection.in_atomic_block:
                raise
            if commits() != before:
                raise
            logger.warning("%s failed transiently (attempt %s): %s; retrying", what, attempt, exc)
            time.sleep(backoff(attempt))
    raise AssertionError("unreachable")  # pragma: no cover

"""Running the on-commit reactions of `core.events` (the `Reaction` outbox).

A row is claimed like an outbox message (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, a lease
by moving `next_attempt_at`), its handler runs in a transaction of its own with the row locked,
and the row is marked done in that same transaction — so a handler's writes and "done" commit
together: a crash before commit leaves the row to run again, never half-done. A failure is
recorded and retried with exponential backoff, for ever (an operator sees the attempts and the
last error in the admin); handlers are idempotent by contract.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import events
from .models import Reaction

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 900


def backoff(attempts: int) -> timedelta:
    return timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1), BACKOFF_CAP_SECONDS)
    )


def _due(now: datetime) -> Q:
    return Q(done_at__isnull=True) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def run_one(pk: int, *, now: datetime | None = None) -> bool:
    """Run one due reaction; True when it is done now."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            rows = Reaction.objects.filter(pk=pk).filter(_due(now))
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            else:
                rows = rows.select_for_update()
            row = rows.first()
            if row is None:
                return False
            h = events.handler(row.handler)
            if h is None:
                raise LookupError(f"no handler registered under {row.handler!r}")
            h.func(**row.payload)
            row.attempts += 1
            row.done_at = timezone.now()
            row.last_error = ""
            row.save(update_fields=["attempts", "done_at", "last_error"])
        return True
    except Exception as exc:  # recorded and retried; never lost
        logger.exception("reaction %s failed", pk)
        with transaction.atomic():
            row = Reaction.objects.select_for_update().filter(pk=pk, done_at__isnull=True).first()
            if row is not None:
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:4000]
                row.next_attempt_at = timezone.now() + backoff(row.attempts)
                row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        return False


def run_due(*, limit: int = 200, now: datetime | None = None) -> int:
    """Run every due reaction (oldest first); returns how many finished."""
    now = now or timezone.now()
    ids = list(
        Reaction.objects.filter(_due(now)).order_by("id").values_list("id", flat=True)[:limit]
    )
    return sum(1 for pk in ids if run_one(pk, now=now))


def pending_count() -> int:
    return Reaction.objects.filter(done_at__isnull=True).count()

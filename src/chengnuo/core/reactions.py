"""Running the on-commit reactions of `core.events` (the `Reaction` outbox).

A row is claimed with a lease (a short transaction moves `next_attempt_at` past the time the
handler may take; PostgreSQL skips rows another runner holds), the handler runs in
transactions of its own, and the row is marked done afterwards. A runner killed mid-handler
leaves the row to be claimed again when its lease ends: nothing is lost, and handlers are
idempotent by contract (they check what they already did, under a row lock). A failure is
recorded and retried with exponential backoff (5 s doubling up to 15 min); after
`MAX_ATTEMPTS` (about a day of retries) the row is marked failed and left for an operator, who
sees the attempts and the last error in the admin (`core.Reaction`, filter 转人工处理时间) and,
once the cause is mended, runs `manage.py run_reactions --retry ID …` (or `--retry-failed`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import events
from .db import retry
from .models import Reaction

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 900
LEASE_SECONDS = 60  # a killed runner's reaction is taken up again within a minute
MAX_ATTEMPTS = 100


def backoff(attempts: int) -> timedelta:
    return timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1), BACKOFF_CAP_SECONDS)
    )


def _due(now: datetime) -> Q:
    return Q(done_at__isnull=True, failed_at__isnull=True) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _claim(pk: int, now: datetime) -> Reaction | None:
    with transaction.atomic():
        rows = Reaction.objects.filter(pk=pk).filter(_due(now))
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        else:
            rows = rows.select_for_update()
        row = rows.first()
        if row is None:
            return None
        row.attempts += 1
        row.next_attempt_at = timezone.now() + timedelta(seconds=LEASE_SECONDS)
        row.save(update_fields=["attempts", "next_attempt_at"])
    return row


def run_one(pk: int, *, now: datetime | None = None) -> bool:
    """Run one due reaction; True when it is done now."""
    row = _claim(pk, now or timezone.now())
    if row is None:
        return False
    try:
        h = events.handler(row.handler)
        if h is None:
            raise LookupError(f"no handler registered under {row.handler!r}")
        retry.run_retrying(lambda: h.func(**row.payload), what=f"reaction {row.handler}")
    except Exception as exc:  # recorded and retried; never lost
        logger.exception("reaction %s (%s) failed, attempt %s", pk, row.handler, row.attempts)
        given_up = row.attempts >= MAX_ATTEMPTS
        if given_up:
            logger.error(
                "reaction %s (%s) left for an operator after %s attempts",
                pk,
                row.handler,
                row.attempts,
            )
        Reaction.objects.filter(pk=pk, done_at__isnull=True).update(
            last_error=f"{type(exc).__name__}: {exc}"[:4000],
            next_attempt_at=None if given_up else timezone.now() + backoff(row.attempts),
            failed_at=timezone.now() if given_up else None,
        )
        return False
    Reaction.objects.filter(pk=pk).update(done_at=timezone.now(), last_error="")
    return True


def run_due(*, limit: int = 200, now: datetime | None = None) -> int:
    """Run every due reaction (oldest first); returns how many finished."""
    now = now or timezone.now()
    ids = list(
        Reaction.objects.filter(_due(now)).order_by("id").values_list("id", flat=True)[:limit]
    )
    return sum(1 for pk in ids if run_one(pk, now=now))


def requeue(ids: list[int] | None = None) -> int:
    """Give reactions left for an operator (all of them, or the given ones) a new round of
    attempts; returns how many. Done reactions are never run again."""
    rows = Reaction.objects.filter(done_at__isnull=True)
    rows = rows.filter(pk__in=ids) if ids is not None else rows.filter(failed_at__isnull=False)
    return rows.update(failed_at=None, attempts=0, next_attempt_at=None)


def pending_count() -> int:
    return Reaction.objects.filter(done_at__isnull=True).count()


def failed_count() -> int:
    return Reaction.objects.filter(done_at__isnull=True, failed_at__isnull=False).count()

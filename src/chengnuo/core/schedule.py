"""Daily jobs the platform runs itself (`manage.py run_scheduler`, started by `make run` and by
the systemd unit in `deploy/`), instead of a cron line an operator may forget.

Apps register their jobs in `ready()`: `schedule.daily("catalog.apply_due", "00:05",
"catalog_apply_due", label="…")`. Each job runs once a day at or after its time (Asia/Shanghai),
also when the scheduler starts late (it catches up the same day); a `ScheduledRun` row per job
and day is the claim, so two schedulers never run one job twice. A run is leased while it
runs: a scheduler killed mid-job leaves the run to be taken up again when the lease ends. A job
that fails is retried with backoff (1, 2, 4 … minutes) and, after `MAX_ATTEMPTS`, marked failed
for an operator (admin: 定时任务运行). Jobs are idempotent by contract (each applies what is due).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from functools import partial

from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .db import retry
from .models import ScheduledRun

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
LEASE = dt.timedelta(hours=1)
BACKOFF_BASE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Job:
    key: str
    at: dt.time
    command: str
    label: str


_JOBS: dict[str, Job] = {}


def daily(key: str, at: str, command: str, *, label: str) -> Job:
    hour, minute = (int(part) for part in at.split(":"))
    job = Job(key, dt.time(hour, minute), command, label)
    _JOBS[key] = job
    return job


def jobs() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda j: (j.at, j.key))


def backoff(attempts: int) -> dt.timedelta:
    return BACKOFF_BASE * 2 ** max(0, attempts - 1)


def _claim(job: Job, day: dt.date, now: dt.datetime) -> ScheduledRun | None:
    """Take today's run of `job` if it is due and nobody holds it."""
    try:
        with transaction.atomic():
            ScheduledRun.objects.get_or_create(job=job.key, day=day)
    except IntegrityError:
        pass  # another scheduler created it first
    with transaction.atomic():
        due = Q(status=ScheduledRun.Status.PENDING) | Q(
            status=ScheduledRun.Status.RUNNING, next_attempt_at__lte=now
        )  # a run whose scheduler died: its lease is over
        waiting = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        run = (
            ScheduledRun.objects.select_for_update(skip_locked=True)
            .filter(due & waiting, job=job.key, day=day)
            .first()
        )
        if run is None:
            return None
        run.status = ScheduledRun.Status.RUNNING
        run.attempts += 1
        run.started_at = now
        run.next_attempt_at = now + LEASE
        run.save(update_fields=["status", "attempts", "started_at", "next_attempt_at"])
    return run


def _run(job: Job, run: ScheduledRun, now: dt.datetime) -> bool:
    out = io.StringIO()
    try:
        call_command(job.command, stdout=out, stderr=out)
    except Exception as exc:  # recorded, retried, then left for an operator
        logger.exception("daily job %s failed (attempt %s)", job.key, run.attempts)
        failed = run.attempts >= MAX_ATTEMPTS
        ScheduledRun.objects.filter(pk=run.pk).update(
            status=ScheduledRun.Status.FAILED if failed else ScheduledRun.Status.PENDING,
            next_attempt_at=None if failed else now + backoff(run.attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:4000],
            output=out.getvalue()[-4000:],
            finished_at=timezone.now() if failed else None,
        )
        return False
    ScheduledRun.objects.filter(pk=run.pk).update(
        status=ScheduledRun.Status.DONE,
        finished_at=timezone.now(),
        next_attempt_at=None,
        output=out.getvalue()[-4000:],
        last_error="",
    )
    logger.info("daily job %s done", job.key)
    return True


def run_due(now: dt.datetime | None = None) -> list[str]:
    """Run every job due now (at or after its time today, not yet done); the keys it ran."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    ran: list[str] = []
    for job in jobs():
        if local.time() < job.at:
            continue
        run = retry.run_retrying(partial(_claim, job, local.date(), now), what=job.key)
        if run is not None and _run(job, run, now):
            ran.append(job.key)
    return ran

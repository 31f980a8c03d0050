"""Daily jobs the platform runs itself (`manage.py run_scheduler`, started by `make run` and by
the systemd unit in `deploy/`), instead of a cron line an operator may forget.

Apps register their jobs in `ready()`: `schedule.daily("catalog.apply_due", "00:05",
"catalog_apply_due", label="…")`. Each job runs once a day at or after its time (Asia/Shanghai),
also when the scheduler starts late (it catches up the same day); a `ScheduledRun` row per job
and day is the claim, so two schedulers never run one job twice. A run is leased while it
runs and the running scheduler renews the lease (a heartbeat every third of it): a scheduler
killed mid-job leaves the run to be taken up again within one lease (`SCHEDULER_LEASE_SECONDS`,
two minutes), while a long job that is still running is never taken twice. A job
that fails is retried with backoff (1, 2, 4 … minutes) and, after `MAX_ATTEMPTS`, marked failed
for an operator (admin: 定时任务运行). Jobs are idempotent by contract (each applies what is due).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .db import retry
from .models import ScheduledRun

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
LEASE = dt.timedelta(seconds=settings.SCHEDULER_LEASE_SECONDS)
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


class _Heartbeat(threading.Thread):
    """Renews the lease of `run` every third of a lease while its job runs."""

    def __init__(self, run: ScheduledRun):
        super().__init__(name=f"lease-{run.job}", daemon=True)
        self.run_id = run.pk
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(LEASE.total_seconds() / 3):
                try:
                    ScheduledRun.objects.filter(
                        pk=self.run_id, status=ScheduledRun.Status.RUNNING
                    ).update(next_attempt_at=timezone.now() + LEASE)
                except Exception:  # the database restarting: the next beat tries again
                    logger.warning("could not renew the lease of run %s", self.run_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(LEASE.total_seconds())


def _run(job: Job, run: ScheduledRun, now: dt.datetime) -> bool:
    out = io.StringIO()
    heartbeat = _Heartbeat(run)
    heartbeat.start()
    try:
        call_command(job.command, stdout=out, stderr=out)
    except Exception as exc:  # recorded, retried, then left for an operator
        heartbeat.stop()
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
    heartbeat.stop()
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

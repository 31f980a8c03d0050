"""The daily jobs run by the platform's own scheduler (`core.schedule`): once a day at or after
their time in Asia/Shanghai, never twice, retried with backoff after a failure and marked failed
for an operator after the last attempt; a scheduler killed mid-job loses nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import BaseCommand

from chengnuo.core import schedule
from chengnuo.core.models import ScheduledRun

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(hour: int, minute: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def test_the_platforms_daily_jobs_are_registered():
    keys = {j.key: j.command for j in schedule.jobs()}
    assert keys == {
        "catalog.apply_due": "catalog_apply_due",
        "verification.remind_assistance": "remind_assistance",
        "verification.escalate_rectifications": "escalate_rectifications",
        "supervision.daily": "supervision_daily",
        "complaints.daily": "complaints_daily",
        "oversight.fold": "oversight_fold",
        "oversight.portal_check": "oversight_portal_check",
        "oversight.learning": "oversight_learning",
    }


@pytest.fixture
def calls(monkeypatch):
    """Record the commands the scheduler runs instead of running them."""
    made: list[str] = []
    failing: dict[str, int] = {}

    def fake(name, *args, **kwargs):
        made.append(name)
        if failing.get(name, 0) > 0:
            failing[name] -= 1
            raise RuntimeError("数据库暂不可用")

    monkeypatch.setattr(schedule, "call_command", fake)
    made_failing = failing
    return made, made_failing


def test_a_job_runs_once_a_day_at_or_after_its_time(db, calls):
    made, _ = calls
    assert schedule.run_due(at(0, 1)) == []  # before 00:05: nothing
    assert schedule.run_due(at(0, 6)) == ["catalog.apply_due"]
    assert schedule.run_due(at(0, 20)) == ["verification.escalate_rectifications"]
    assert schedule.run_due(at(9)) == [
        "oversight.fold",
        "oversight.portal_check",
        "oversight.learning",
        "supervision.daily",
        "complaints.daily",
        "verification.remind_assistance",
    ]
    assert schedule.run_due(at(23)) == []  # all done today
    assert schedule.run_due(at(0, 6, day=3)) == ["catalog.apply_due"]  # the next day again
    assert made.count("catalog_apply_due") == 2
    assert ScheduledRun.objects.filter(status=ScheduledRun.Status.DONE).count() == 9


def test_a_scheduler_started_late_catches_up_the_same_day(db, calls):
    assert schedule.run_due(at(15)) == [
        "catalog.apply_due",
        "verification.escalate_rectifications",
        "oversight.fold",
        "oversight.portal_check",
        "oversight.learning",
        "supervision.daily",
        "complaints.daily",
        "verification.remind_assistance",
    ]


def test_a_failed_job_is_retried_with_backoff_then_left_failed_for_an_operator(db, calls):
    made, failing = calls
    failing["catalog_apply_due"] = 99
    start = at(1)
    assert "catalog.apply_due" not in schedule.run_due(start)
    run = ScheduledRun.objects.get(job="catalog.apply_due")
    assert run.status == ScheduledRun.Status.PENDING and run.attempts == 1
    assert "数据库暂不可用" in run.last_error
    # not again before the backoff is over
    schedule.run_due(start + dt.timedelta(seconds=30))
    assert made.count("catalog_apply_due") == 1
    now = start
    for attempt in range(2, schedule.MAX_ATTEMPTS + 1):
        now = now + schedule.backoff(attempt - 1) + dt.timedelta(seconds=1)
        schedule.run_due(now)
        assert made.count("catalog_apply_due") == attempt
    run.refresh_from_db()
    assert run.status == ScheduledRun.Status.FAILED and run.attempts == schedule.MAX_ATTEMPTS
    schedule.run_due(now + dt.timedelta(hours=5))
    assert made.count("catalog_apply_due") == schedule.MAX_ATTEMPTS  # left for the operator


def test_a_job_that_fails_once_succeeds_on_its_retry(db, calls):
    _, failing = calls
    failing["catalog_apply_due"] = 1
    schedule.run_due(at(1))
    assert schedule.run_due(at(1, 2)) == ["catalog.apply_due"]
    run = ScheduledRun.objects.get(job="catalog.apply_due")
    assert run.status == ScheduledRun.Status.DONE and run.attempts == 2 and run.last_error == ""


def test_a_run_left_by_a_killed_scheduler_is_taken_up_when_its_lease_ends(db, calls):
    made, _ = calls
    killed = schedule._claim(schedule._JOBS["catalog.apply_due"], at(1).date(), at(1))
    assert killed is not None  # claimed, then the scheduler died before finishing
    assert "catalog.apply_due" not in schedule.run_due(at(1) + schedule.LEASE / 2)  # leased
    later = at(1) + schedule.LEASE + dt.timedelta(minutes=1)
    assert "catalog.apply_due" in schedule.run_due(later)
    assert made.count("catalog_apply_due") == 1


def test_the_real_jobs_run_through_the_command(db):
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert ScheduledRun.objects.exclude(status=ScheduledRun.Status.DONE).count() == 0


def test_the_commands_exist():
    from django.core.management import get_commands, load_command_class

    commands = get_commands()
    for job in schedule.jobs():
        assert isinstance(load_command_class(commands[job.command], job.command), BaseCommand)


@pytest.mark.django_db(transaction=True)
def test_a_long_job_keeps_its_lease_while_it_runs(monkeypatch):
    """A job running longer than one lease is not taken up by another scheduler: the running
    scheduler renews the lease; once it is done, renewal stops."""
    import time

    from django.utils import timezone

    monkeypatch.setattr(schedule, "LEASE", dt.timedelta(seconds=0.6))
    seen: list[dt.datetime] = []

    def slow(name, *args, **kwargs):
        if name != "catalog_apply_due":
            return
        run = ScheduledRun.objects.get(job="catalog.apply_due")
        seen.append(run.next_attempt_at)
        time.sleep(1.5)  # more than two leases
        run.refresh_from_db()
        seen.append(run.next_attempt_at)
        # another scheduler looking now finds nothing to take
        now = timezone.now()
        job = schedule._JOBS["catalog.apply_due"]
        assert schedule._claim(job, timezone.localtime(now).date(), now) is None

    monkeypatch.setattr(schedule, "call_command", slow)
    import dataclasses

    job = schedule._JOBS["catalog.apply_due"]  # due at any hour of the real day
    monkeypatch.setitem(schedule._JOBS, job.key, dataclasses.replace(job, at=dt.time(0, 0)))
    schedule.run_due(timezone.now())
    first, renewed = seen
    assert renewed > first
    run = ScheduledRun.objects.get(job="catalog.apply_due")
    assert run.status == ScheduledRun.Status.DONE and run.next_attempt_at is None

"""Long-running loops survive a failed pass (the database restarting, a bug in one item): they
log it and go on with the next pass instead of exiting."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from chengnuo.core import schedule
from chengnuo.core.management.commands import deliver_outboxes, run_reactions, run_scheduler
from chengnuo.credit.management.commands import deliver_pushes
from chengnuo.verification.management.commands import run_online_checks


class Stop(BaseException):
    """Ends the loop from its sleep (BaseException: the loops catch Exception only)."""


@pytest.fixture
def two_passes(monkeypatch):
    """The first pass fails, the second succeeds, then the loop's sleep stops the test."""
    state = {"passes": 0, "sleeps": 0}

    def sleep(seconds):
        state["sleeps"] += 1
        if state["sleeps"] >= 2:
            raise Stop()

    def flaky(*args, **kwargs):
        state["passes"] += 1
        if state["passes"] == 1:
            raise RuntimeError("server closed the connection unexpectedly")
        return 0

    return state, sleep, flaky


@pytest.mark.parametrize(
    "module, target, command, args",
    [
        (run_online_checks, "Command._round", "run_online_checks", ["--loop", "--interval", "1"]),
        (deliver_pushes, "Command._round", "deliver_pushes", ["--loop", "1"]),
        (run_reactions, "run_due", "run_reactions", ["--loop", "1"]),
        (deliver_outboxes, "deliver_due", "deliver_outboxes", ["--loop", "1"]),
        (deliver_outboxes, "deliver_due", "deliver_results", ["--loop", "1"]),
        (run_scheduler, None, "run_scheduler", ["--interval", "1"]),
    ],
)
def test_a_loop_goes_on_after_a_failed_pass(
    db, monkeypatch, two_passes, module, target, command, args
):
    state, sleep, flaky = two_passes
    monkeypatch.setattr(module.time, "sleep", sleep)
    if module is run_scheduler:
        monkeypatch.setattr(schedule, "run_due", flaky)
    elif target in ("run_due", "deliver_due"):
        monkeypatch.setattr(module, target, flaky)
    else:
        monkeypatch.setattr(module.Command, "_round", lambda self, limit: flaky())
    with pytest.raises(Stop):
        call_command(command, *args)
    assert state["passes"] == 2  # the failed pass did not end the loop

"""The test clock (CHENGNUO_TEST_CLOCK): CI runs the suite at an instant just before and just
after midnight in Asia/Shanghai. Every test starts at that instant (conftest's `_test_clock`);
a module that needs "today" when it is imported takes it from here, not from the real clock."""

from __future__ import annotations

import datetime as dt
import os

from django.utils import timezone

TEST_CLOCK = os.environ.get("CHENGNUO_TEST_CLOCK", "").strip()


def start() -> dt.datetime | None:
    if not TEST_CLOCK:
        return None
    at = dt.datetime.fromisoformat(TEST_CLOCK)
    if at.tzinfo is None:
        raise ValueError("CHENGNUO_TEST_CLOCK needs an offset, e.g. 2026-12-31T23:58:00+08:00")
    return at


def today() -> dt.date:
    """The local date at which each test starts."""
    at = start()
    return timezone.localdate() if at is None else timezone.localdate(at)

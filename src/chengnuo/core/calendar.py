"""The one working-day calendar (weekends plus configured holidays and make-up workdays).

Deadlines in working days (R-5.4 repair/objection, R-4.7 assistance) all go through here.
Holidays: settings.WORKDAY_HOLIDAYS; weekend days that are worked (调休): settings.WORKDAY_EXTRA.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings


def _set(name: str) -> frozenset[date]:
    return frozenset(date.fromisoformat(d) for d in getattr(settings, name, ()))


def is_working_day(day: date) -> bool:
    if day in _set("WORKDAY_EXTRA"):
        return True
    if day.weekday() >= 5:
        return False
    return day not in _set("WORKDAY_HOLIDAYS")


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    if days < 0:
        raise ValueError("days must be ≥ 0")
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end ≤ start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count

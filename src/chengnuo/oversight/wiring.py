"""What the oversight app connects at start-up: each part's event reactions and daily jobs.
One function per part, so that the parts stay in their own modules."""

from __future__ import annotations


def connect_statistics() -> None:
    """The rollout at a glance (R-8.1): counters kept by the case flows' events (in their
    transactions), folded daily."""
    from django.conf import settings

    from chengnuo.core import events, schedule

    from . import statistics

    schedule.daily("oversight.fold", "00:25", "oversight_fold", label="汇总督查统计数据")
    if not getattr(settings, "OVERSIGHT_COUNTERS", True):  # the benchmark's baseline only
        return
    for name, func, key in statistics.HANDLERS:
        events.on(name, func, key=key, order=statistics.HANDLER_ORDER)


def connect_keytasks() -> None:
    """The key-task table (R-8.3): its event kinds and refusal codes."""
    from chengnuo.core.errors import register_error_codes
    from chengnuo.core.events import register_kinds

    from .constants_keytasks import Event
    from .errors import ErrorCode

    register_kinds(Event)
    register_error_codes("oversight", ErrorCode)


def connect() -> None:
    connect_statistics()
    connect_keytasks()

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


def connect_rectification() -> None:
    """Rectification notices (整改通知) the parts send to agencies, tracked to closure (R-8.1)."""
    from chengnuo.core.events import register_kinds

    from .constants_rectification import Event

    register_kinds(Event)


def connect_portalchecks() -> None:
    """The daily portal check per agency (R-8.1): its event kinds and its daily job."""
    from chengnuo.core import schedule
    from chengnuo.core.events import register_kinds

    from .constants_portalchecks import Event

    register_kinds(Event)
    schedule.daily(
        "oversight.portal_check",
        "01:10",
        "oversight_portal_check",
        label="浏览政务服务网站（每日检查）",
    )


def connect_casereview() -> None:
    """Case-file review (R-8.1): its event kinds and refusal codes."""
    from chengnuo.core.errors import register_error_codes
    from chengnuo.core.events import register_kinds

    from .constants_casereview import Event
    from .errors import ErrorCode

    register_kinds(Event)
    register_error_codes("oversight", ErrorCode)


def connect_indicators() -> None:
    """Evaluation indicators (R-8.2): their event kinds, refusal codes and built-in metrics."""
    from chengnuo.core.errors import register_error_codes
    from chengnuo.core.events import register_kinds

    from . import indicator_metrics, indicator_metrics_oversight
    from .constants_indicators import Event
    from .errors import ErrorCode

    register_kinds(Event)
    register_error_codes("oversight", ErrorCode)
    indicator_metrics.register_built_in()
    indicator_metrics_oversight.register()  # portal checks, case-file review, rectification


def connect_reports() -> None:
    """Circulated reports (R-8.2): their event kinds (the refusal codes are the app's, already
    registered by connect_keytasks)."""
    from chengnuo.core.events import register_kinds

    from .constants_reports import Event

    register_kinds(Event)


def connect_faulttolerance() -> None:
    """Fault-tolerance reviews (R-8.4): their event kinds (refusal codes: oversight's
    ErrorCode, registered with the key-task table)."""
    from chengnuo.core.events import register_kinds

    from .constants_faulttolerance import Event

    register_kinds(Event)


def connect_learning() -> None:
    """The catalog learns from outcomes (R-8.1, R-7.2): its event kinds and the daily job that
    assesses each item's verification outcomes and raises suggestions."""
    from chengnuo.core import schedule
    from chengnuo.core.events import register_kinds

    from .constants_learning import Event

    register_kinds(Event)
    schedule.daily(
        "oversight.learning", "01:40", "oversight_learning", label="告知承诺事项核查结果评估"
    )


def connect() -> None:
    connect_statistics()
    connect_keytasks()
    connect_rectification()
    connect_portalchecks()
    connect_casereview()
    connect_indicators()
    connect_reports()
    connect_faulttolerance()
    connect_learning()

"""Audit trail. `audit.record(actor, event, target, before, after)` is the one entry point."""

from typing import Any


def record(
    actor: Any, event: str, target: Any, before: Any = None, after: Any = None, **kwargs: Any
):
    from .services import record as _record

    return _record(actor, event, target, before, after, **kwargs)

"""The event spine's write side (ADR 0009): `spine.record(...)` is how every service says what
it changed. The audit app stores the events (hash-chained per agency, `audit/services.py`); no
app imports the audit app to write.

Each event names the row a write changed (`target`) and the main object it is about (`about`,
by default the target's `audit_object`: the case for a commitment, a verification task or an
assistance request; the subject for a credit record …), its agency (whose chain it joins), the
actor, the time, its kind and who may see it.

Appending is deferred to the end of the transaction. `record` only queues the event on the
database connection; the platform's database backends (`core/db`) hand the queue to the store
just before COMMIT — the store locks each chain's head row as the last thing the transaction
waits for, so no service holds a chain lock while it waits for another row, and agencies never
wait for each other. A rolled-back transaction or savepoint drops its queued events with its
changes. Under Django's TestCase (no real COMMIT) the queue is appended when a block directly
inside the test's transaction exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from . import events as kinds
from .actors import Actor, actor_label, actor_user
from .digest import jsonable

PLATFORM_CHAIN = "platform"
_PENDING = "_chengnuo_spine_pending"


def target_type_of(target: Model) -> str:
    return f"{target._meta.app_label}.{target._meta.model_name}"


def chain_key(agency_id: int | None) -> str:
    """Each agency's events form one chain; events of no agency form the platform's."""
    return f"agency:{agency_id}" if agency_id else PLATFORM_CHAIN


@dataclass
class PendingEvent:
    """One event recorded in a transaction and not yet appended to its chain."""

    chain: str
    occurred_at: dt.datetime
    actor: Any  # the user, or None for the system
    actor_label: str
    event: str
    target_type: str
    target_id: str
    target_label: str
    object_type: str
    object_id: str
    object_label: str
    agency_id: int | None
    visibility: str
    message: str = ""
    item_code: str = ""
    before: Any = None
    after: Any = None
    savepoints: frozenset = field(default_factory=frozenset)


Store = Callable[[Any, list[PendingEvent]], int]
_STORE: list[Store] = []


def register_store(store: Store) -> None:
    """The audit app registers the function that appends events to their chains."""
    _STORE[:] = [store]


def _agency_of(target: Model, about: Model, agency: Any) -> Any:
    if agency is not None:
        return agency
    for obj in (about, target):
        if obj._meta.model_name == "agency":
            return obj
        found = getattr(obj, "agency", None)
        if found is not None:
            return found
    return None


def record(
    actor: Actor,
    event: str,
    target: Model,
    before: dict | None = None,
    after: dict | None = None,
    *,
    agency: Any = None,
    about: Model | None = None,
    visibility: str | None = None,
    message: str = "",
    item_code: str = "",
) -> PendingEvent:
    """Queue one event; it is appended to its agency's chain when the transaction commits.
    Must run inside the caller's (the service's) transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("spine.record must be called inside the service's transaction")
    if about is None:
        about = getattr(target, "audit_object", None) or target
    agency = _agency_of(target, about, agency)
    if visibility is None:
        visibility = kinds.kind(str(event)).visibility
    if visibility not in kinds.VISIBILITIES:
        raise ValueError(f"unknown visibility {visibility!r}")
    agency_id = getattr(agency, "pk", None)
    row = PendingEvent(
        chain=chain_key(agency_id),
        occurred_at=timezone.now(),
        actor=actor_user(actor),
        actor_label=actor_label(actor),
        event=str(event),
        target_type=target_type_of(target),
        target_id=str(target.pk),
        target_label=str(target)[:255],
        object_type=target_type_of(about),
        object_id=str(about.pk),
        object_label=str(about)[:255],
        agency_id=agency_id,
        visibility=visibility,
        message=message,
        item_code=item_code or "",
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        savepoints=frozenset(connection.savepoint_ids),
    )
    _queue(connection).append(row)
    return row


# --- the queue (handed to the store by the database backends in core/db) --------------------


def _queue(conn: Any) -> list[PendingEvent]:
    queue = getattr(conn, _PENDING, None)
    if queue is None:
        queue = []
        setattr(conn, _PENDING, queue)
    return queue


def pending(conn: Any = None) -> list[PendingEvent]:
    """Events recorded in the current transaction and not appended yet."""
    return list(_queue(conn or connection))


def discard(conn: Any, savepoint_id: str | None = None) -> None:
    """Drop the events of a rolled-back savepoint (or of the whole transaction)."""
    if savepoint_id is None:
        setattr(conn, _PENDING, [])
    else:
        setattr(conn, _PENDING, [r for r in _queue(conn) if savepoint_id not in r.savepoints])


def flush(conn: Any) -> int:
    """Hand the queued events to the store, inside the transaction about to commit."""
    rows = _queue(conn)
    if not rows:
        return 0
    if not _STORE:
        raise ImproperlyConfigured("events were recorded but no event store is installed")
    setattr(conn, _PENDING, [])
    return _STORE[0](conn, rows)

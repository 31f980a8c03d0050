"""The event spine's vocabulary and its reactions (ADR 0009).

Kinds. Every audited write appends one event (`spine.record`) whose kind is a stable code from
its app's enum (`class Event(models.TextChoices)`: "cases.submitted", label "提交申请"). An app
registers its enum here with who may see each kind (`register_kinds`): staff (the default), the
applicant of the case (`applicant`), or anyone (`public`).

Reactions. An app that must react to another's change registers a handler instead of being
called (no Django signals, and no two apps importing each other):

    events.on("case.submitted", verification_for_submission, key="verification.draw_before")

A service announces what happened with `events.emit("case.submitted", case=case, actor=actor)`
inside its transaction. Handlers run in a defined order (`order`, then `key`):

- `phase=IN_TRANSACTION` (default): called at once, inside the emitting service's transaction;
  an exception rolls the whole service back. Guards ("no approval while a before-decision
  verification is open") are such handlers: they raise a DomainError.
- `phase=ON_COMMIT`: follow-up work. `emit` writes one `core.Reaction` row per handler in the
  same transaction (the outbox), so a committed change never loses its follow-up; after commit
  the task queue runs it, and `manage.py run_reactions --loop` retries what failed or was never
  run (a killed worker), with backoff, until it succeeds.

Payloads name objects by reference ({"case": 12}) so an on-commit handler reads current rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

logger = logging.getLogger(__name__)

STAFF = "staff"
APPLICANT = "applicant"
PUBLIC = "public"
VISIBILITIES = (STAFF, APPLICANT, PUBLIC)

IN_TRANSACTION = "in_transaction"
ON_COMMIT = "on_commit"


# --- kinds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    visibility: str


_KINDS: dict[str, Kind] = {}


def register_kinds(
    enum: Any, *, applicant: Any = (), public: Any = (), labels: dict[str, str] | None = None
) -> None:
    """Register an app's event enum (a TextChoices of "<app>.<name>" codes) with the kinds the
    applicant sees and those the public sees; the rest are for staff."""
    applicant_codes = {str(c) for c in applicant}
    public_codes = {str(c) for c in public}
    for member in enum:
        code = str(member.value)
        visibility = (
            PUBLIC if code in public_codes else APPLICANT if code in applicant_codes else STAFF
        )
        label = (labels or {}).get(code) or str(member.label)
        _KINDS[code] = Kind(code, label, visibility)


def kind(code: str) -> Kind:
    return _KINDS.get(code) or Kind(code, code, STAFF)


def kind_label(code: str) -> str:
    return kind(code).label


def all_kinds() -> dict[str, Kind]:
    return dict(_KINDS)


# --- reactions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handler:
    name: str  # the domain event it reacts to: "case.submitted"
    key: str  # stable and unique: "verification.draw_before_decision"
    func: Callable[..., Any]
    phase: str = IN_TRANSACTION
    order: int = 100


_HANDLERS: dict[str, list[Handler]] = {}
_BY_KEY: dict[str, Handler] = {}


def on(
    name: str, func: Callable[..., Any], *, key: str, phase: str = IN_TRANSACTION, order: int = 100
) -> Handler:
    """Register `func(**payload)` for the domain event `name` (called from an AppConfig's
    ready()). Registering the same key again replaces it (module reloads)."""
    if phase not in (IN_TRANSACTION, ON_COMMIT):
        raise ValueError(f"unknown phase {phase!r}")
    handler = Handler(name, key, func, phase, order)
    old = _BY_KEY.get(key)
    if old is not None:
        _HANDLERS[old.name] = [h for h in _HANDLERS.get(old.name, []) if h.key != key]
    _BY_KEY[key] = handler
    _HANDLERS.setdefault(name, []).append(handler)
    _HANDLERS[name].sort(key=lambda h: (h.order, h.key))
    return handler


def off(key: str) -> None:
    """Unregister a handler (tests)."""
    old = _BY_KEY.pop(key, None)
    if old is not None:
        _HANDLERS[old.name] = [h for h in _HANDLERS.get(old.name, []) if h.key != key]


def all_handlers() -> list[Handler]:
    return sorted(_BY_KEY.values(), key=lambda h: (h.name, h.order, h.key))


def handlers_for(name: str) -> list[Handler]:
    return list(_HANDLERS.get(name, []))


def handler(key: str) -> Handler | None:
    return _BY_KEY.get(key)


def emit(name: str, **payload: Any) -> None:
    """Announce a domain event inside the emitting service's transaction: run its
    in-transaction handlers now, in order; queue its on-commit handlers (one outbox row each,
    run after commit and retried until done)."""
    if not connection.in_atomic_block:
        raise RuntimeError(f"events.emit({name!r}) must be called inside the service's transaction")
    for h in handlers_for(name):
        if h.phase == IN_TRANSACTION:
            h.func(**payload)
        else:
            _queue(h, payload)


def _queue(h: Handler, payload: dict[str, Any]) -> None:
    from .models import Reaction

    row = Reaction.objects.create(event=h.name, handler=h.key, payload=_refs(payload))
    pk = row.pk
    transaction.on_commit(lambda: _enqueue(pk))


def _refs(payload: dict[str, Any]) -> dict[str, Any]:
    """Model instances become their primary keys ({"case": <Case 12>} → {"case": 12})."""
    out: dict[str, Any] = {}
    for k, v in payload.items():
        out[k] = getattr(v, "pk", v) if hasattr(v, "_meta") else v
    return out


def _enqueue(pk: int) -> None:
    from .tasks import run_reaction

    try:
        run_reaction.enqueue(pk)
    except Exception:  # the queue is down: run_reactions --loop picks the row up
        logger.exception("could not enqueue reaction %s; it stays in the outbox", pk)

"""The event spine (R-9.1, ADR 0009): `record(...)` appends one event inside every service's
transaction; events are hash-chained per agency.

Each event names the row a write changed (`target`) and the main object it is about (`about`,
by default the target's `audit_object`: the case for a commitment, a verification task or an
assistance request; the subject for a credit record …), its agency (whose chain it joins), the
actor, the time, its kind and who may see it.

Appending is deferred to the end of the transaction. `record` only queues the event on the
database connection; the platform's database backends (`core/db`) append the queue just before
COMMIT — the chain's head row is locked (`SELECT … FOR UPDATE`, chains in key order) as the last
thing the transaction waits for, so no service holds a chain lock while it waits for another
row, and agencies never wait for each other. A rolled-back transaction or savepoint drops its
queued events with its changes. Under Django's TestCase (no real COMMIT) the queue is appended
when a block directly inside the test's transaction exits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from chengnuo.core import events as kinds
from chengnuo.core.digest import digest_json, jsonable

from .models import AuditChain, AuditEvent

GENESIS = "0" * 64
PLATFORM_CHAIN = "platform"
_PENDING = "_chengnuo_audit_pending"


def target_type_of(target: Model) -> str:
    return f"{target._meta.app_label}.{target._meta.model_name}"


def chain_key(agency_id: int | None) -> str:
    return f"agency:{agency_id}" if agency_id else PLATFORM_CHAIN


def _content(event: AuditEvent) -> dict[str, Any]:
    """What an event's hash covers (content version 2)."""
    return {
        "v": 2,
        "chain": event.chain,
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "event": event.event,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "agency_id": event.agency_id,
        "visibility": event.visibility,
        "message": event.message,
        "item_code": event.item_code,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }


def compute_hash(event: AuditEvent) -> str:
    return digest_json(_content(event))


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
    actor: Any,
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
) -> AuditEvent:
    """Queue one event; it is appended to its agency's chain when the transaction commits.
    Must run inside the caller's (the service's) transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must be called inside the service's transaction")
    if about is None:
        about = getattr(target, "audit_object", None) or target
    agency = _agency_of(target, about, agency)
    if visibility is None:
        visibility = kinds.kind(str(event)).visibility
    if visibility not in kinds.VISIBILITIES:
        raise ValueError(f"unknown visibility {visibility!r}")
    user = actor if getattr(actor, "is_authenticated", False) else None
    agency_id = getattr(agency, "pk", None)
    row = AuditEvent(
        chain=chain_key(agency_id),
        occurred_at=timezone.now(),
        actor=user,
        actor_label=str(user) if user else (str(actor) if actor else "系统"),
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
    )
    _queue(connection).append((frozenset(connection.savepoint_ids), row))
    return row


# --- the queue and its append (called by the database backends in core/db) ------------------


def _queue(conn: Any) -> list[tuple[frozenset, AuditEvent]]:
    queue = getattr(conn, _PENDING, None)
    if queue is None:
        queue = []
        setattr(conn, _PENDING, queue)
    return queue


def pending(conn: Any = None) -> list[AuditEvent]:
    """Events recorded in the current transaction and not appended yet."""
    return [row for _sids, row in _queue(conn or connection)]


def discard(conn: Any, savepoint_id: str | None = None) -> None:
    """Drop the events of a rolled-back savepoint (or of the whole transaction)."""
    if savepoint_id is None:
        setattr(conn, _PENDING, [])
    else:
        setattr(conn, _PENDING, [(s, r) for s, r in _queue(conn) if savepoint_id not in s])


def flush(conn: Any) -> int:
    """Append the queued events to their chains, inside the transaction about to commit. The
    head of each chain is locked in key order; events keep the order they were recorded in."""
    queue = _queue(conn)
    if not queue:
        return 0
    rows = [row for _sids, row in queue]
    setattr(conn, _PENDING, [])
    by_chain: dict[str, list[AuditEvent]] = {}
    for row in rows:
        by_chain.setdefault(row.chain, []).append(row)
    with conn.cursor() as cursor:
        for key in sorted(by_chain):
            seq, head = _lock_head(conn, cursor, key)
            for row in by_chain[key]:
                seq += 1
                row.seq = seq
                row.prev_hash = head
                row.hash = compute_hash(row)
                head = row.hash
            cursor.execute(
                f"UPDATE {_table(conn)} SET seq = %s, head_hash = %s WHERE {_key(conn)} = %s",
                [seq, head, key],
            )
    AuditEvent.objects.using(conn.alias).bulk_create(rows)
    return len(rows)


def _table(conn: Any) -> str:
    return conn.ops.quote_name(AuditChain._meta.db_table)


def _key(conn: Any) -> str:
    return conn.ops.quote_name("key")


def _lock_head(conn: Any, cursor: Any, key: str) -> tuple[int, str]:
    columns = f"({_key(conn)}, seq, head_hash, verified_seq, verified_hash, origin)"
    values = "VALUES (%s, 0, %s, 0, %s, '')"
    if conn.vendor == "postgresql":
        cursor.execute(
            f"INSERT INTO {_table(conn)} {columns} {values} ON CONFLICT ({_key(conn)}) DO NOTHING",
            [key, GENESIS, GENESIS],
        )
        lock = " FOR UPDATE"
    else:  # SQLite: BEGIN IMMEDIATE already holds the database's write lock
        cursor.execute(
            f"INSERT OR IGNORE INTO {_table(conn)} {columns} {values}", [key, GENESIS, GENESIS]
        )
        lock = ""
    cursor.execute(
        f"SELECT seq, head_hash FROM {_table(conn)} WHERE {_key(conn)} = %s{lock}", [key]
    )
    seq, head = cursor.fetchone()
    return int(seq), head


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int
    kind: str  # "tampered" | "missing" | "reordered" | "truncated" | "inserted"
    detail: str


def chain_keys() -> list[str]:
    keys = set(AuditChain.objects.values_list("key", flat=True))
    keys |= set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    return sorted(keys)


def verify_one(key: str, *, full: bool = True, batch_size: int = 2000) -> ChainProblem | None:
    """Walk one chain in order from its start (or, `full=False`, from the point the last
    verification reached); compare its end with the chain's head. Records how far it got."""
    head = AuditChain.objects.filter(key=key).first()
    start_seq, prev_hash = 0, GENESIS
    if not full and head is not None and head.verified_seq:
        start_seq, prev_hash = head.verified_seq, head.verified_hash
        anchor = AuditEvent.objects.filter(chain=key, seq=start_seq).first()
        if anchor is None or anchor.hash != prev_hash or compute_hash(anchor) != anchor.hash:
            return ChainProblem(key, start_seq, "tampered", "已核验的末条记录被修改或删除")
    expected = start_seq + 1
    last_seq = start_seq
    seen: set[str] = set()
    qs = AuditEvent.objects.filter(chain=key).order_by("seq")
    while True:
        rows = list(qs.filter(seq__gt=last_seq)[:batch_size])
        if not rows:
            break
        for row in rows:
            if row.hash != compute_hash(row):
                return ChainProblem(key, row.seq, "tampered", "内容与其哈希不符（该行被修改）")
            if row.seq != expected:
                return ChainProblem(
                    key, row.seq, "missing", f"缺少序号 {expected} 至 {row.seq - 1} 的记录"
                )
            if row.prev_hash != prev_hash:
                kind = "reordered" if row.prev_hash in seen else "missing"
                return ChainProblem(
                    key, row.seq, kind, "前序哈希与上一行不符（记录被删除、插入或调换）"
                )
            seen.add(row.hash)
            prev_hash = row.hash
            expected += 1
            last_seq = row.seq
    if head is not None:
        if head.seq > last_seq:
            return ChainProblem(
                key, last_seq + 1, "truncated", f"链头记录到第{head.seq}条，表中只到第{last_seq}条"
            )
        if head.seq < last_seq or head.head_hash != prev_hash:
            return ChainProblem(key, head.seq, "inserted", "链头与表中最后一条记录不符")
        AuditChain.objects.filter(key=key).update(
            verified_seq=last_seq, verified_hash=prev_hash, verified_at=timezone.now()
        )
    return None


def verify_chain(*, full: bool = True, keys: Iterable[str] | None = None) -> ChainProblem | None:
    """Every chain (or the given ones); the first problem found, or None when all are intact."""
    for key in keys if keys is not None else chain_keys():
        problem = verify_one(key, full=full)
        if problem is not None:
            return problem
    return None


def events_for(target: Model):
    return AuditEvent.objects.filter(
        target_type=target_type_of(target), target_id=str(target.pk)
    ).select_related("actor")


def events_about(obj: Model):
    """Everything that happened to a main object (a case, an item, a subject …), in order."""
    return (
        AuditEvent.objects.filter(object_type=target_type_of(obj), object_id=str(obj.pk))
        .select_related("actor")
        .order_by("occurred_at", "id")
    )


__all__ = ["events_about", "events_for", "flush", "record", "verify_chain"]

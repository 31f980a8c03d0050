"""The event store (R-9.1, ADR 0009): the events services record through `core.spine` are
appended here, hash-chained per agency, and verified chain by chain.

`append(conn, events)` is registered with the spine and called by the database backends just
before COMMIT: it first runs the transaction's deferred constraint checks (so that COMMIT
takes no further lock), then locks each chain's head row (`SELECT … FOR UPDATE`, chains in key
order) as the last thing the transaction waits for, numbers the events in the order they were
recorded, links each to the previous hash and inserts them (the event table has no foreign-key
constraints, so the insert locks nothing else).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db.models import Model
from django.utils import timezone

from chengnuo.core.digest import digest_json
from chengnuo.core.spine import PLATFORM_CHAIN, PendingEvent, chain_key, target_type_of

from . import log
from .models import AuditChain, AuditEvent, LogQueue

GENESIS = "0" * 64


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


def append(conn: Any, pending: list[PendingEvent]) -> int:
    """Append the queued events to their chains, inside the transaction about to commit. The
    head of each chain is locked in key order; events keep the order they were recorded in."""
    rows = [_row(p) for p in pending]
    by_chain: dict[str, list[AuditEvent]] = {}
    for row in rows:
        by_chain.setdefault(row.chain, []).append(row)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # The transaction's deferred foreign-key checks run now, before any chain head is
            # locked: at COMMIT they would take KEY SHARE locks on referenced rows while this
            # transaction holds the chain, and wait for a transaction that holds one of those
            # rows and waits for the chain (a deadlock seen at 80 concurrent flows).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
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
    # every event also waits for the verifiable log, in the same transaction (ADR 0012)
    LogQueue.objects.using(conn.alias).bulk_create([log.queued(row) for row in rows])
    return len(rows)


def _row(p: PendingEvent) -> AuditEvent:
    return AuditEvent(
        chain=p.chain,
        occurred_at=p.occurred_at,
        actor=p.actor,
        actor_label=p.actor_label,
        event=p.event,
        target_type=p.target_type,
        target_id=p.target_id,
        target_label=p.target_label,
        object_type=p.object_type,
        object_id=p.object_id,
        object_label=p.object_label,
        agency_id=p.agency_id,
        visibility=p.visibility,
        message=p.message,
        item_code=p.item_code,
        before=p.before,
        after=p.after,
    )


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
    # no ORDER BY: with the default ordering DISTINCT would be over (chain, occurred_at, id)
    keys |= set(AuditEvent.objects.order_by().values_list("chain", flat=True).distinct())
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


__all__ = [
    "PLATFORM_CHAIN",
    "append",
    "chain_key",
    "events_about",
    "events_for",
    "verify_chain",
]

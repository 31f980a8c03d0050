"""The one entry point for the audit trail: `record(...)`, called inside every service's
transaction (R-9.1). Each row's hash covers its content and the previous row's hash, so an
edited, deleted or reordered row breaks the chain (see `verify_chain`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from chengnuo.core.digest import digest_json, jsonable

from .models import AuditEvent

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x63686E6F  # 'chno': serialises appends to the chain on PostgreSQL


def target_type_of(target: Model) -> str:
    return f"{target._meta.app_label}.{target._meta.model_name}"


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "event": event.event,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "agency_id": event.agency_id,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }


def compute_hash(event: AuditEvent) -> str:
    return digest_json(_content(event))


def record(
    actor: Any,
    event: str,
    target: Model,
    before: dict | None = None,
    after: dict | None = None,
    *,
    agency: Any = None,
) -> AuditEvent:
    """Append one event. Must run inside the caller's transaction (the service's)."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must be called inside the service's transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
    last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
    if agency is None:
        agency = getattr(target, "agency", None)
        if agency is None and target._meta.model_name == "agency":
            agency = target
    user = actor if getattr(actor, "is_authenticated", False) else None
    row = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        occurred_at=timezone.now(),
        actor=user,
        actor_label=str(user) if user else (str(actor) if actor else "系统"),
        event=event,
        target_type=target_type_of(target),
        target_id=str(target.pk),
        target_label=str(target)[:255],
        agency_id=getattr(agency, "pk", None),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        prev_hash=last.hash if last else GENESIS,
    )
    row.hash = compute_hash(row)
    row.save(force_insert=True)
    return row


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str  # "tampered" | "missing" | "reordered"
    detail: str


def verify_chain(batch_size: int = 2000) -> ChainProblem | None:
    """Walk the chain in order; return the first problem or None when intact."""
    expected_seq = 1
    prev_hash = GENESIS
    seen_hashes: set[str] = set()
    qs = AuditEvent.objects.order_by("seq")
    last_seq = 0
    while True:
        rows = list(qs.filter(seq__gt=last_seq)[:batch_size])
        if not rows:
            return None
        for row in rows:
            if row.hash != compute_hash(row):
                return ChainProblem(row.seq, "tampered", "内容与其哈希不符（该行被修改）")
            if row.seq != expected_seq:
                return ChainProblem(
                    row.seq, "missing", f"缺少序号 {expected_seq} 至 {row.seq - 1} 的记录"
                )
            if row.prev_hash != prev_hash:
                kind = "reordered" if row.prev_hash in seen_hashes else "missing"
                return ChainProblem(row.seq, kind, "前序哈希与上一行不符（记录被删除、插入或调换）")
            seen_hashes.add(row.hash)
            prev_hash = row.hash
            expected_seq += 1
            last_seq = row.seq


def events_for(target: Model):
    return AuditEvent.objects.filter(
        target_type=target_type_of(target), target_id=str(target.pk)
    ).select_related("actor")


__all__ = ["events_for", "record", "transaction", "verify_chain"]

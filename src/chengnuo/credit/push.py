"""Delivery of outbox pushes to credit sharing platforms (R-5.2, R-9.2).

A push is written to the outbox (`PushMessage`) in the same transaction as the record change;
the worker delivers it here. Each HTTP attempt is signed with HMAC-SM3 and carries the
message's idempotency key, so a repeated delivery (a worker crash after the platform answered)
is recognised by the receiver and never stored twice.

Claiming: a worker locks the row (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL) in a short
transaction and takes a lease by moving ``next_attempt_at`` past the request timeout with a
conditional UPDATE (a compare-and-set that also holds on SQLite). The HTTP call runs outside
any transaction, so a slow platform never holds database locks; a second worker sees the lease
and skips the message. If the worker dies mid-flight the lease expires and the push is retried.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import httpx
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from chengnuo.core import signing
from chengnuo.core.crypto import decrypt
from chengnuo.core.digest import canonical_json
from chengnuo.core.outbox import backoff

from .models import CreditPlatform, DeliveryAttempt, PushMessage

logger = logging.getLogger(__name__)

RECORDS_PATH = "/api/credit/records"
LEASE_MARGIN_SECONDS = 30
USER_AGENT = "chengnuo-credit-push/1"


# --- signing (`core.signing`: the same scheme for pushes and pulls) -------------------------


def signed_headers(platform: CreditPlatform, idempotency_key: str, body: bytes) -> dict[str, str]:
    return signing.signed_headers(
        platform.app_key, platform.secret, idempotency_key, body, user_agent=USER_AGENT
    )


def endpoint(platform: CreditPlatform, path: str) -> str:
    return f"{platform.base_url.rstrip('/')}{path}"


def body_bytes(message: PushMessage) -> bytes:
    """The exact bytes sent and signed. The outbox keeps the identifier encrypted
    (`id_cipher`, R-5.6); it is decrypted only here, at send time."""
    body = dict(message.body)
    subject = dict(body.get("subject") or {})
    cipher = subject.pop("id_cipher", None)
    if cipher:
        subject["id_number"] = decrypt(cipher)
        body["subject"] = subject
    return canonical_json(body).encode("utf-8")


# --- delivery -------------------------------------------------------------------------------

_UNDELIVERED = (PushMessage.Status.PENDING, PushMessage.Status.FAILED)


def _due(now: datetime) -> Q:
    return Q(status__in=_UNDELIVERED) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _claim(message_id: int, now: datetime) -> PushMessage | None:
    """Lock the row and take a lease; None when it is delivered, not due, or another worker
    holds it."""
    with transaction.atomic():
        rows = PushMessage.objects.select_related("platform").filter(pk=message_id)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        else:
            rows = rows.select_for_update()
        message = rows.filter(_due(now)).first()
        if message is None:
            return None
        lease_until = now + timedelta(
            seconds=message.platform.timeout_seconds + LEASE_MARGIN_SECONDS
        )
        taken = (
            PushMessage.objects.filter(pk=message.pk)
            .filter(_due(now))
            .update(next_attempt_at=lease_until)
        )
        if not taken:
            return None
        message.next_attempt_at = lease_until
    return message


def _post(message: PushMessage) -> tuple[int | None, bool, str]:
    platform = message.platform
    content = body_bytes(message)
    headers = signed_headers(platform, message.idempotency_key, content)
    headers["Content-Type"] = "application/json; charset=utf-8"
    try:
        response = httpx.post(
            endpoint(platform, RECORDS_PATH),
            content=content,
            headers=headers,
            timeout=platform.timeout_seconds,
        )
    except httpx.HTTPError as exc:
        return None, False, f"{type(exc).__name__}: {exc}"[:2000]
    if response.is_success:
        return response.status_code, True, ""
    return response.status_code, False, f"HTTP {response.status_code}: {response.text[:500]}"


def _record_outcome(
    message_id: int, status_code: int | None, ok: bool, error: str, duration_ms: int
) -> PushMessage:
    now = timezone.now()
    with transaction.atomic():
        message = PushMessage.objects.select_for_update().get(pk=message_id)
        DeliveryAttempt.objects.create(
            message=message,
            status_code=status_code,
            ok=ok,
            error=error,
            duration_ms=duration_ms,
        )
        if message.status == PushMessage.Status.DELIVERED:
            return message  # delivered meanwhile (expired lease); keep the first outcome
        if ok:
            message.status = PushMessage.Status.DELIVERED
            message.delivered_at = now
            message.next_attempt_at = None
            message.last_error = ""
        else:
            message.status = PushMessage.Status.FAILED
            message.attempts += 1
            message.last_error = error
            message.next_attempt_at = now + backoff(message.attempts)
        message.save(
            update_fields=["status", "delivered_at", "next_attempt_at", "last_error", "attempts"]
        )
    return message


def deliver(message: PushMessage, *, now: datetime | None = None) -> bool:
    """Deliver one outbox message if it is due; True when it is (now) delivered.

    A delivered message is never sent again; a message another worker is sending, or one
    waiting for its backoff, is left alone (False)."""
    claimed = _claim(message.pk, now or timezone.now())
    if claimed is None:
        message.refresh_from_db()
        return message.status == PushMessage.Status.DELIVERED
    started = time.monotonic()
    status_code, ok, error = _post(claimed)
    duration_ms = int((time.monotonic() - started) * 1000)
    result = _record_outcome(claimed.pk, status_code, ok, error, duration_ms)
    if not ok:
        logger.warning(
            "credit push %s to %s failed (attempt %s): %s",
            result.pk,
            claimed.platform,
            result.attempts,
            error,
        )
    for field in ("status", "attempts", "next_attempt_at", "last_error", "delivered_at"):
        setattr(message, field, getattr(result, field))
    return result.status == PushMessage.Status.DELIVERED


def due_ids(*, now: datetime | None = None, limit: int = 100, ids: list[int] | None = None):
    rows = PushMessage.objects.filter(_due(now or timezone.now()), platform__active=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return list(rows.order_by("id").values_list("id", flat=True)[:limit])


def deliver_due(now: datetime | None = None, limit: int = 100, ids: list[int] | None = None) -> int:
    """Deliver every pending/failed message that is due (``next_attempt_at`` empty or past),
    in id order; returns how many were delivered."""
    delivered = 0
    for pk in due_ids(now=now, limit=limit, ids=ids):
        if deliver(PushMessage(pk=pk), now=now):
            delivered += 1
    return delivered


def schedule_delivery(message_ids: list[int]) -> None:
    from .tasks import deliver_pushes

    deliver_pushes.enqueue(message_ids)

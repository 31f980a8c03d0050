"""Idempotency keys for the API's create endpoints (ADR 0006).

Every create (POST that makes a new object) requires an `Idempotency-Key` header. The first
request with a key runs the create and stores its result in the same transaction; a repeat with
the same key and the same body gets the stored result (same status, same JSON) without a second
object; a repeat with another body is refused (`idempotency_key_reused`). Keys are per user and
per endpoint (`scope`).

Concurrency: the record row is inserted before the create runs, in the create's transaction, and
the unique constraint (user, scope, key) decides who wins. On PostgreSQL a concurrent insert of
the same key blocks on the unique index until the first transaction ends, then fails (and reads
the stored result) or succeeds (the first rolled back). On SQLite every transaction starts with
`BEGIN IMMEDIATE`, so they run one after another and the second finds the record.

Only 2xx results are stored: a refused create raises (DomainError) or returns a non-2xx status,
the transaction rolls back with the record, and the key stays free.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from .digest import digest_json, jsonable
from .errors import Conflict, DomainError
from .models import IdempotencyRecord
from .timefmt import local

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
# How long a request waits for a concurrent request with the same key to finish (it normally
# does not wait at all: the blocked insert returns when the other transaction commits).
_WAIT_SECONDS = 10.0


class _Taken(Exception):
    """The key was reserved by a concurrent request."""


class _Refused(Exception):
    """A non-2xx result: leave the transaction (rolling back the reservation) and return it."""

    def __init__(self, status: int, data: dict[str, Any]):
        super().__init__(status)
        self.status = status
        self.data = data


def key_of(request: Any) -> str:
    """The request's idempotency key, checked: 1–200 printable ASCII characters."""
    key = request.headers.get(HEADER)
    if key is None or not key.strip():
        raise DomainError(
            "idempotency_key_required",
            f"创建请求必须携带请求头 {HEADER}（每次新建使用一个新的唯一值，如UUID；"
            "重试同一请求时使用相同的值）",
            field=HEADER,
        )
    if len(key) > MAX_KEY_LENGTH or not all(" " <= ch <= "~" for ch in key):
        raise DomainError(
            "invalid_idempotency_key",
            f"请求头 {HEADER} 无效：只能由可打印的ASCII字符组成，且不超过{MAX_KEY_LENGTH}个字符",
            field=HEADER,
        )
    return key


def _replay(record: IdempotencyRecord, digest: str) -> tuple[int, dict[str, Any]]:
    if record.request_digest != digest:
        raise Conflict(
            "idempotency_key_reused",
            f"该 {HEADER} 已用于另一内容不同的请求（{local(record.created_at)}）；"
            "新建请使用新的幂等键，重试请发送与首次完全相同的请求",
            field=HEADER,
        )
    return record.status_code, record.response


def _stored(user: Any, scope: str, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()


def idempotent(
    request: Any,
    scope: str,
    body_for_digest: Any,
    create: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any]]:
    """Run `create` at most once per (user, scope, Idempotency-Key) and return its (status,
    JSON). `body_for_digest` is what identifies the request (the parsed body, or the file's
    digest and the path); `create` returns JSON-ready data (`schema.model_dump(mode="json")`)
    and must write inside the caller's transaction (services' own `atomic` blocks nest)."""
    key = key_of(request)
    user = request.user
    digest = digest_json({"scope": scope, "body": body_for_digest})
    deadline = time.monotonic() + _WAIT_SECONDS
    while True:
        try:
            with transaction.atomic():
                record = _stored(user, scope, key)
                if record is not None:
                    return _replay(record, digest)
                record = _reserve(user, scope, key, digest)
                if record is None:
                    raise _Taken()
                status, data = create()
                data = jsonable(data)
                if not 200 <= status < 300:
                    raise _Refused(status, data)
                record.status_code = status
                record.response = data
                record.save(update_fields=["status_code", "response"])
                return status, data
        except _Refused as refused:
            return refused.status, refused.data
        except _Taken:
            # Another request with this key committed first (on PostgreSQL our insert waited
            # for it): return its result. If it rolled back meanwhile, try again.
            record = _stored(user, scope, key)
            if record is not None:
                return _replay(record, digest)
            if time.monotonic() >= deadline:
                raise Conflict(
                    "idempotency_key_in_progress",
                    f"使用该 {HEADER} 的另一请求正在处理中，请稍后重试",
                    field=HEADER,
                ) from None
            time.sleep(0.05)


def _reserve(user: Any, scope: str, key: str, digest: str) -> IdempotencyRecord | None:
    """Insert the record (in a savepoint, so that losing the race leaves the transaction
    usable); None when the key is taken."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=user, scope=scope, key=key, request_digest=digest
            )
    except IntegrityError:
        return None

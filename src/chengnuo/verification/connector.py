"""The one connector to data-sharing sources (R-4.5, R-9.2): a signed HTTP GET per subject, with
a quick in-call retry, a per-process rate limit and a circuit breaker kept on the `DataSource`
row (so every worker process sees it).

Signing is the credit platforms' scheme (`chengnuo.core.signing`): ``X-App-Key``,
``X-Timestamp`` and ``X-Signature`` = hex HMAC-SM3 over ``"{timestamp}\\n\\n"`` (a GET has no
idempotency key and no body). The secret is stored encrypted and decrypted only here.

Breaker: after `breaker_threshold` consecutive failures the source is open for
`breaker_cooldown_seconds` (every call fails fast with `SourceUnavailable`, no HTTP); after the
cooldown one caller wins a compare-and-set and makes the single trial call (half-open): a
success closes the breaker, a failure opens it again. A 404 ``{"found": false}`` is an answer
(no record), not a failure.

Call `fetch` outside any database transaction: it may sleep (rate limit, retry) and wait on
HTTP; its breaker bookkeeping is a few autocommitted single-row UPDATEs.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
from django.db.models import F, Q
from django.utils import timezone

from chengnuo.core.crypto import decrypt
from chengnuo.core.masking import mask_identifier
from chengnuo.core.signing import sign

from .models import DataSource

USER_AGENT = "chengnuo-verification/1"
# Quick retries inside one fetch (transport errors and 5xx), before the check-level backoff.
IN_CALL_RETRIES = 1
IN_CALL_RETRY_SECONDS = 0.2
MAX_SNAPSHOT_TEXT = 4000


class SourceUnavailable(Exception):
    """The source could not answer: timeout, connection error, 5xx, a refused signature, or
    its breaker is open. The check is retried later; nothing is lost."""

    def __init__(self, message: str, *, breaker_open: bool = False, snapshot: Any = None):
        super().__init__(message)
        self.breaker_open = breaker_open
        self.request_snapshot = snapshot or {}


@dataclass
class FetchResult:
    found: bool
    record: dict[str, Any] | None
    request_snapshot: dict[str, Any]
    response_snapshot: dict[str, Any]
    status_code: int
    seconds: float
    raw_record: dict[str, Any] | None = field(default=None, repr=False)


# --- per-process rate limit -------------------------------------------------------------------


class RateLimiter:
    """At most `rate` calls per second per source in this process (threads share it): each
    call reserves the next free slot and sleeps until it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[int, float] = {}

    def wait(self, key: int, rate: int) -> float:
        if rate <= 0:
            return 0.0
        interval = 1.0 / rate
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(key, 0.0))
            self._next[key] = slot + interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return max(delay, 0.0)


rate_limiter = RateLimiter()

_local = threading.local()


def _client() -> httpx.Client:
    """One keep-alive client per thread."""
    client = getattr(_local, "client", None)
    if client is None:
        client = httpx.Client(headers={"User-Agent": USER_AGENT})
        _local.client = client
    return client


# --- the breaker (persisted on the row) -------------------------------------------------------


def breaker_state(source: DataSource) -> str:
    """closed / open / half_open, for display."""
    if source.open_until is None:
        return "closed"
    return "open" if source.open_until > timezone.now() else "half_open"


def _enter(source: DataSource) -> bool:
    """Raise when the breaker is open; in half-open, only the caller that moves `open_until`
    forward (compare-and-set) makes the trial call. True when there is breaker state to reset
    after a success."""
    row = (
        DataSource.objects.filter(pk=source.pk).values("open_until", "consecutive_failures").first()
    )
    open_until = row["open_until"] if row else None
    if open_until is None:
        return bool(row and row["consecutive_failures"])
    now = timezone.now()
    if open_until > now:
        raise SourceUnavailable(
            f"数据源“{source.name}”已熔断，{timezone.localtime(open_until):%H:%M:%S}后重试",
            breaker_open=True,
        )
    trial_until = now + timedelta(seconds=source.breaker_cooldown_seconds)
    won = DataSource.objects.filter(pk=source.pk, open_until=open_until).update(
        open_until=trial_until
    )
    if not won:
        raise SourceUnavailable(f"数据源“{source.name}”正在试探恢复", breaker_open=True)
    return True


def _succeeded(source: DataSource) -> None:
    DataSource.objects.filter(pk=source.pk).filter(
        Q(consecutive_failures__gt=0) | Q(open_until__isnull=False)
    ).update(consecutive_failures=0, open_until=None)


def _failed(source: DataSource) -> None:
    DataSource.objects.filter(pk=source.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    until = timezone.now() + timedelta(seconds=source.breaker_cooldown_seconds)
    DataSource.objects.filter(
        pk=source.pk, consecutive_failures__gte=max(1, source.breaker_threshold)
    ).update(open_until=until)


# --- the connector ----------------------------------------------------------------------------


def apply_mapping(record: dict[str, Any], mapping: dict[str, Any] | None) -> dict[str, Any]:
    """Rename the platform's field names to the names the comparisons use (identity when the
    mapping is empty; unmapped fields keep their names)."""
    if not mapping:
        return dict(record)
    return {str(mapping.get(key) or key): value for key, value in record.items()}


class DataSourceConnector:
    def __init__(self, source: DataSource, *, retries: int = IN_CALL_RETRIES) -> None:
        self.source = source
        self.retries = max(0, retries)

    def url(self, id_type: str, id_number: str) -> str:
        path = self.source.path.format(
            source=self.source.code, id_type=id_type, id_number=quote(id_number, safe="")
        )
        return f"{self.source.base_url.rstrip('/')}/{path.lstrip('/')}"

    def headers(self) -> dict[str, str]:
        timestamp = str(int(time.time()))
        return {
            "X-App-Key": self.source.app_key,
            "X-Timestamp": timestamp,
            "X-Signature": sign(decrypt(self.source.secret_cipher), timestamp, "", b""),
            "Accept": "application/json",
        }

    def request_snapshot(self, id_type: str, id_number: str) -> dict[str, Any]:
        """What was asked, without secrets or the full identifier."""
        masked = mask_identifier(id_number)
        return {
            "method": "GET",
            "url": self.url(id_type, masked),
            "source": self.source.code,
            "id_type": id_type,
            "id_number": masked,
            "app_key": self.source.app_key,
            "signature": "HMAC-SM3",
            "requested_at": timezone.now().isoformat(timespec="seconds"),
        }

    def fetch(self, id_type: str, id_number: str) -> FetchResult:
        snapshot = self.request_snapshot(id_type, id_number)
        try:
            dirty = _enter(self.source)
        except SourceUnavailable as exc:
            exc.request_snapshot = snapshot
            raise
        started = time.monotonic()
        try:
            result = self._get(id_type, id_number, snapshot)
        except SourceUnavailable as exc:
            _failed(self.source)
            exc.request_snapshot = snapshot
            raise
        result.seconds = time.monotonic() - started
        if dirty:
            _succeeded(self.source)
        return result

    def _get(self, id_type: str, id_number: str, snapshot: dict[str, Any]) -> FetchResult:
        url = self.url(id_type, id_number)
        error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(IN_CALL_RETRY_SECONDS * attempt)
            rate_limiter.wait(self.source.pk, self.source.rate_limit_per_second)
            try:
                response = _client().get(
                    url, headers=self.headers(), timeout=self.source.timeout_seconds
                )
            except httpx.TimeoutException as exc:
                error = f"请求超时（{self.source.timeout_seconds}秒）：{type(exc).__name__}"
                continue
            except httpx.HTTPError as exc:
                error = f"连接失败：{type(exc).__name__}: {exc}"[:500]
                continue
            if response.status_code >= 500:
                error = f"数据源返回HTTP {response.status_code}"
                continue
            return self._answer(response, snapshot)
        raise SourceUnavailable(error)

    def _answer(self, response: httpx.Response, snapshot: dict[str, Any]) -> FetchResult:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        response_snapshot = {
            "status_code": response.status_code,
            "body": body if body is not None else response.text[:MAX_SNAPSHOT_TEXT],
            "received_at": timezone.now().isoformat(timespec="seconds"),
        }

        def result(found: bool, raw: dict[str, Any] | None) -> FetchResult:
            record = apply_mapping(raw, self.source.field_mapping) if raw is not None else None
            return FetchResult(
                found, record, snapshot, response_snapshot, response.status_code, 0.0, raw
            )

        if response.status_code == 404 and isinstance(body, dict) and body.get("found") is False:
            return result(False, None)
        if response.status_code == 200 and isinstance(body, dict):
            if body.get("found") is False:
                return result(False, None)
            record = body.get("record")
            if isinstance(record, dict):
                return result(True, record)
        raise SourceUnavailable(
            f"数据源应答无法识别：HTTP {response.status_code}"
            + (
                f"（{body.get('message')}）"
                if isinstance(body, dict) and body.get("message")
                else ""
            )
        )

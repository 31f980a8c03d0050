"""Outboxes to external platforms: a row written in the transaction that decides what to send,
delivered afterwards by a worker, signed, exactly once at the receiver (ADR 0006, R-9.2).

An outbox model inherits `OutboxRow` and points at its platform (any model with `base_url`,
`app_key`, `secret`, `timeout_seconds`, `active`) through a foreign key named `platform`.
`Outbox(model, path, user_agent)` delivers its rows:

- a row is claimed with a compare-and-set lease on `next_attempt_at` (two workers never post
  it at once; a worker that dies leaves a lease that runs out);
- the HTTP call runs outside any transaction, signed with HMAC-SM3 (`core.signing`, the
  scheme of every connector) and carrying the row's idempotency key, so the receiver keeps
  it once however often it is sent;
- a failure is kept with its error and retried with exponential backoff (`backoff`); a
  success keeps the receiver's receipt (`{"receipt": …}` in its answer), if it gives one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .digest import canonical_json
from .signing import signed_headers

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
LEASE_MARGIN_SECONDS = 30


def backoff(attempts: int) -> timedelta:
    """30 s x 2^(attempts-1), capped at one hour."""
    exponent = min(max(0, attempts - 1), 12)
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2**exponent, BACKOFF_CAP_SECONDS))


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待推送")
    DELIVERED = "delivered", _("已推送")
    FAILED = "failed", _("推送失败（待重试）")


UNDELIVERED = (OutboxStatus.PENDING, OutboxStatus.FAILED)


class OutboxRow(models.Model):
    """The fields every outbox row has; a concrete outbox adds `platform` and what it is
    about."""

    idempotency_key = models.CharField(max_length=64, unique=True)
    body = models.JSONField()
    status = models.CharField(
        _("状态"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    receipt = models.CharField(_("回执号"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        abstract = True


def _due(now: datetime) -> Q:
    return Q(status__in=UNDELIVERED) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


class Outbox:
    """Delivery of one outbox model's rows to `platform.base_url + path`."""

    def __init__(
        self,
        model: type[OutboxRow],
        path: str,
        user_agent: str,
        *,
        delivered: Callable[[Any], None] | None = None,
    ) -> None:
        self.model = model
        self.path = path
        self.user_agent = user_agent
        # called in the transaction that marks a row delivered (e.g. to record an event)
        self.delivered = delivered

    @property
    def rows(self) -> Any:
        """The model's manager (its `platform` is the concrete model's)."""
        return self.model._default_manager

    def _claim(self, pk: int, now: datetime) -> Any:
        row = self.rows.select_related("platform").filter(pk=pk).filter(_due(now)).first()
        if row is None:
            return None
        lease = now + timedelta(seconds=row.platform.timeout_seconds + LEASE_MARGIN_SECONDS)
        taken = self.rows.filter(pk=pk, next_attempt_at=row.next_attempt_at)
        if not taken.filter(_due(now)).update(next_attempt_at=lease):
            return None
        return row

    def _post(self, row: Any) -> tuple[bool, str, str]:
        platform = row.platform
        body = canonical_json(row.body).encode("utf-8")
        headers = signed_headers(
            platform.app_key, platform.secret, row.idempotency_key, body, user_agent=self.user_agent
        )
        headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            response = httpx.post(
                f"{platform.base_url.rstrip('/')}{self.path}",
                content=body,
                headers=headers,
                timeout=platform.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            return False, f"{type(exc).__name__}: {exc}"[:2000], ""
        if not response.is_success:
            return False, f"HTTP {response.status_code}: {response.text[:500]}", ""
        try:
            answer = response.json()
            receipt = str(answer.get("receipt") or "")[:64] if isinstance(answer, dict) else ""
        except ValueError:
            receipt = ""
        return True, "", receipt

    def deliver(self, pk: int, *, now: datetime | None = None) -> bool:
        """Deliver one row if due; True when it is (now) delivered."""
        row = self._claim(pk, now or timezone.now())
        manager = self.rows
        if row is None:
            return manager.filter(pk=pk, status=OutboxStatus.DELIVERED).exists()
        ok, error, receipt = self._post(row)
        done = timezone.now()
        with transaction.atomic():
            locked = manager.select_for_update().get(pk=pk)
            if locked.status == OutboxStatus.DELIVERED:
                return True
            if ok:
                locked.status = OutboxStatus.DELIVERED
                locked.delivered_at = done
                locked.next_attempt_at = None
                locked.last_error = ""
                locked.receipt = receipt
            else:
                locked.status = OutboxStatus.FAILED
                locked.attempts += 1
                locked.last_error = error
                locked.next_attempt_at = done + backoff(locked.attempts)
                logger.warning(
                    "%s %s failed (attempt %s): %s",
                    self.model._meta.label,
                    pk,
                    locked.attempts,
                    error,
                )
            locked.save(
                update_fields=[
                    "status",
                    "delivered_at",
                    "next_attempt_at",
                    "last_error",
                    "receipt",
                    "attempts",
                ]
            )
            if ok and self.delivered is not None:
                self.delivered(locked)
        return ok

    def deliver_due(
        self, *, now: datetime | None = None, limit: int = 100, ids: list[int] | None = None
    ) -> int:
        """Deliver up to `limit` due rows of active platforms (oldest first)."""
        rows = self.rows.filter(_due(now or timezone.now()), platform__active=True)
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        delivered = 0
        for pk in rows.order_by("id").values_list("id", flat=True)[:limit]:
            if self.deliver(pk, now=now):
                delivered += 1
        return delivered


# --- every outbox of the installed apps (their AppConfig.ready registers them) ----------------

_REGISTRY: dict[str, Outbox] = {}


def register(name: str, outbox: Outbox) -> Outbox:
    _REGISTRY[name] = outbox
    return outbox


def registered() -> dict[str, Outbox]:
    return dict(_REGISTRY)


def deliver_all(*, limit: int = 100, only: str | None = None) -> int:
    """One round over every registered outbox (or one): up to `limit` due rows each."""
    delivered = 0
    for name, outbox in sorted(_REGISTRY.items()):
        if only is None or name == only:
            delivered += outbox.deliver_due(limit=limit)
    return delivered

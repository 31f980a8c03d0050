"""Published inspection results to the 互联网+监管 platform (一公开, R-4.3, R-9.2).

The outbox row (`ResultPush`) is written in the transaction that publishes the result; the
worker (on commit) and `manage.py deliver_results --loop 30` (retries) deliver it. Each
attempt is signed with HMAC-SM3 (`core.signing`, the scheme of every connector) and carries
the row's idempotency key, so the platform stores a result once however often it is sent.
A row is claimed with a compare-and-set lease on `next_attempt_at`; the HTTP call runs
outside any transaction."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import httpx
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chengnuo.core.digest import canonical_json
from chengnuo.core.signing import signed_headers
from chengnuo.credit.push import backoff

from .constants import PushStatus
from .models import InspectionTask, RegulatoryPlatform, ResultPush

logger = logging.getLogger(__name__)

RESULTS_PATH = "/api/supervision/results"
USER_AGENT = "chengnuo-supervision-push/1"
LEASE_MARGIN_SECONDS = 30
_UNDELIVERED = (PushStatus.PENDING, PushStatus.FAILED)


def result_body(task: InspectionTask) -> dict:
    """What the platform receives: the public result, no personal identifier."""
    entry = task.entry
    subject = entry.subject
    return {
        "task": task.number,
        "plan": task.plan.number,
        "draw": task.draw.number,
        "lead_agency": {"name": task.plan.lead_agency.name, "uscc": task.plan.lead_agency.uscc},
        "agencies": sorted({i.agency.name for i in task.items.all()}),
        "subject": {"ref": entry.ref, "name": subject.display_name, "kind": subject.kind},
        "items": [{"code": i.code, "name": i.name} for i in task.items.all()],
        "outcome": task.outcome,
        "outcome_label": task.get_outcome_display(),
        "completed_on": timezone.localtime(task.completed_at).date().isoformat()
        if task.completed_at
        else None,
        "published_on": timezone.localtime(task.published_at).date().isoformat()
        if task.published_at
        else None,
    }


def enqueue_result(task: InspectionTask) -> list[ResultPush]:
    """In the publishing transaction: one outbox row per active platform."""
    rows = [
        ResultPush.objects.create(
            platform=platform,
            task=task,
            idempotency_key=f"result-{task.number}-{platform.pk}",
            body=result_body(task),
        )
        for platform in RegulatoryPlatform.objects.filter(active=True).order_by("pk")
    ]
    if rows:
        ids = [r.pk for r in rows]
        transaction.on_commit(lambda: _schedule(ids))
    return rows


def _schedule(ids: list[int]) -> None:
    from .tasks import deliver_results

    deliver_results.enqueue(ids)


def _due(now: datetime) -> Q:
    return Q(status__in=_UNDELIVERED) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _claim(pk: int, now: datetime) -> ResultPush | None:
    row = ResultPush.objects.select_related("platform").filter(pk=pk).filter(_due(now)).first()
    if row is None:
        return None
    lease = now + timedelta(seconds=row.platform.timeout_seconds + LEASE_MARGIN_SECONDS)
    taken = ResultPush.objects.filter(pk=pk, next_attempt_at=row.next_attempt_at).filter(_due(now))
    if not taken.update(next_attempt_at=lease):
        return None
    return row


def deliver(pk: int, *, now: datetime | None = None) -> bool:
    """Deliver one row if due; True when it is (now) delivered."""
    row = _claim(pk, now or timezone.now())
    if row is None:
        return ResultPush.objects.filter(pk=pk, status=PushStatus.DELIVERED).exists()
    platform = row.platform
    body = canonical_json(row.body).encode("utf-8")
    headers = signed_headers(
        platform.app_key, platform.secret, row.idempotency_key, body, user_agent=USER_AGENT
    )
    headers["Content-Type"] = "application/json; charset=utf-8"
    ok, error, receipt = False, "", ""
    try:
        response = httpx.post(
            f"{platform.base_url.rstrip('/')}{RESULTS_PATH}",
            content=body,
            headers=headers,
            timeout=platform.timeout_seconds,
        )
        ok = response.is_success
        if ok:
            try:
                receipt = str(response.json().get("receipt") or "")[:64]
            except ValueError:
                receipt = ""
        else:
            error = f"HTTP {response.status_code}: {response.text[:500]}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
    done = timezone.now()
    with transaction.atomic():
        locked = ResultPush.objects.select_for_update().get(pk=pk)
        if locked.status == PushStatus.DELIVERED:
            return True
        if ok:
            locked.status = PushStatus.DELIVERED
            locked.delivered_at = done
            locked.next_attempt_at = None
            locked.last_error = ""
            locked.receipt = receipt
        else:
            locked.status = PushStatus.FAILED
            locked.attempts += 1
            locked.last_error = error
            locked.next_attempt_at = done + backoff(locked.attempts)
            logger.warning("result push %s failed (attempt %s): %s", pk, locked.attempts, error)
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
    return ok


def deliver_due(
    *, now: datetime | None = None, limit: int = 100, ids: list[int] | None = None
) -> int:
    rows = ResultPush.objects.filter(_due(now or timezone.now()), platform__active=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    delivered = 0
    for pk in rows.order_by("id").values_list("id", flat=True)[:limit]:
        if deliver(pk, now=now):
            delivered += 1
    return delivered

"""Online verification against data-sharing sources (R-4.5, R-9.2), run by the worker.

`run_due(ids=None)` runs the due checks (queued or retrying, `next_attempt_at` past). Each
check is claimed like a credit push (`chengnuo.credit.push`): the row is locked (SELECT … FOR
UPDATE SKIP LOCKED on PostgreSQL) in a short transaction and leased by moving
`next_attempt_at` past the request time with a conditional UPDATE, so a second worker skips it;
the HTTP call runs outside any transaction; the result is written in one short transaction:
the masked request, the response snapshot and its SM3 digest, the field-by-field comparison,
the outcome, an audit event — and, once every check of the task is done, the task's outcome
(the worst wins: inconsistent > unable > consistent).

Lock order. The worker locks only the rows it changes: the check, then its task (nothing
joined is locked: `select_for_update(of=("self",))`). The case services lock case →
commitment → task and never a check, and the audit chain is locked only at commit, after
every row lock (ADR 0009), so the worker and the case services cannot wait on each other in
a cycle.

A source that cannot answer never loses a task: the check is retried with exponential backoff;
after the source's `max_attempts` it fails and the task falls back to an assistance request or
an on-site inspection per the plan (`internal.fallback_for`). A task whose outcome is "unable"
(no record, no data for a compared field) falls back too: nothing confirmed the commitment.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from chengnuo.core import spine
from chengnuo.core.db import retry
from chengnuo.core.digest import digest_json

from . import internal, rules, services
from .connector import (
    IN_CALL_RETRIES,
    IN_CALL_RETRY_SECONDS,
    DataSourceConnector,
    FetchResult,
    SourceUnavailable,
)
from .constants import CheckStatus, ComparisonResult, Event, Outcome, TaskStatus
from .models import OnlineCheck, VerificationTask

logger = logging.getLogger(__name__)

# Check-level backoff after a failed attempt: base × 2^(attempts-1), capped. Overridable by the
# settings VERIFICATION_BACKOFF_BASE_SECONDS / VERIFICATION_BACKOFF_CAP_SECONDS (tests).
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 1800
LEASE_MARGIN_SECONDS = 30
DEFAULT_LIMIT = 100

_PENDING = (CheckStatus.QUEUED, CheckStatus.RETRYING)
_SEVERITY: dict[str, int] = {
    Outcome.CONSISTENT.value: 0,
    Outcome.UNABLE.value: 1,
    Outcome.INCONSISTENT.value: 2,
}


def backoff(attempts: int) -> timedelta:
    base = float(getattr(settings, "VERIFICATION_BACKOFF_BASE_SECONDS", BACKOFF_BASE_SECONDS))
    cap = float(getattr(settings, "VERIFICATION_BACKOFF_CAP_SECONDS", BACKOFF_CAP_SECONDS))
    exponent = min(max(0, attempts - 1), 16)
    return timedelta(seconds=min(base * 2**exponent, cap))


def _due(now: datetime) -> Q:
    return Q(status__in=_PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def due_ids(
    *, now: datetime | None = None, limit: int = DEFAULT_LIMIT, ids: list[int] | None = None
) -> list[int]:
    rows = OnlineCheck.objects.filter(_due(now or timezone.now()))
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return list(rows.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])


def _claim(check_id: int, now: datetime) -> OnlineCheck | None:
    """Lock the row and take a lease; None when it is finished, not due, or another worker
    holds it."""
    with transaction.atomic():
        rows = OnlineCheck.objects.select_related(
            "source", "task", "task__commitment", "task__commitment__subject"
        ).filter(pk=check_id)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        else:
            rows = rows.select_for_update()
        check = rows.filter(_due(now)).first()
        if check is None:
            return None
        source = check.source
        # the longest a fetch can take: every in-call attempt timing out, plus the pauses
        flight = (
            source.timeout_seconds * (IN_CALL_RETRIES + 1)
            + IN_CALL_RETRY_SECONDS * IN_CALL_RETRIES * (IN_CALL_RETRIES + 1) / 2
            + LEASE_MARGIN_SECONDS
        )
        lease_until = now + timedelta(seconds=flight)
        taken = (
            OnlineCheck.objects.filter(pk=check.pk)
            .filter(_due(now))
            .update(next_attempt_at=lease_until)
        )
        if not taken:
            return None
        check.next_attempt_at = lease_until
    return check


def _comparisons(check: OnlineCheck) -> list[dict[str, Any]]:
    plan = services.plan_for(check.task.commitment.item)
    return [rule for rule in plan.comparisons or [] if rule.get("source") == check.source.code]


def _mismatch_note(checks: list[OnlineCheck]) -> str:
    """A Chinese summary of what disagreed or could not be compared."""
    parts: list[str] = []
    for check in checks:
        name = check.source.name
        if check.status == CheckStatus.FAILED:
            parts.append(f"{name}：数据源不可用")
            continue
        if not (check.response or {}).get("found", True):
            parts.append(f"{name}：无该主体记录")
        for line in check.comparison or []:
            if line.get("result") == ComparisonResult.MISMATCH:
                parts.append(
                    f"{name}“{line.get('label')}”：承诺{line.get('op_label')}"
                    f"{_show(line.get('committed'))}，数据源为{_show(line.get('source_value'))}"
                )
            elif line.get("result") == ComparisonResult.MISSING:
                parts.append(f"{name}“{line.get('label')}”：数据源无此项数据")
    if not parts:
        names = "、".join(c.source.name for c in checks)
        return f"经与{names}在线比对，承诺内容与共享数据一致"
    return "在线比对发现：" + "；".join(parts)


def _show(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _settle_task(task_id: int) -> None:
    """Inside the caller's transaction: conclude the task when its checks allow it."""
    task = VerificationTask.objects.select_for_update(of=("self",)).get(pk=task_id)
    if task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        return
    checks = list(task.checks.select_related("source").order_by("id"))
    failed = [c for c in checks if c.status == CheckStatus.FAILED]
    if failed:
        names = "、".join(c.source.name for c in failed)
        internal.fallback_for(task, f"数据源“{names}”不可用，已达最多尝试次数")
        return
    if any(c.status != CheckStatus.DONE for c in checks):
        return
    outcome = max((c.outcome or Outcome.UNABLE for c in checks), key=lambda o: _SEVERITY[o])
    note = _mismatch_note(checks)
    task = internal.task_conclude(task=task, outcome=outcome, note=note)
    if outcome == Outcome.UNABLE:
        internal.fallback_for(task, note[:500])


def _record_done(check_id: int, result: FetchResult) -> OnlineCheck | None:
    with transaction.atomic():
        check = (
            OnlineCheck.objects.select_for_update(of=("self",))
            .select_related("source", "task", "task__commitment", "task__commitment__item")
            .get(pk=check_id)
        )
        if check.status not in _PENDING:
            return None  # finished meanwhile (an expired lease); keep the first result
        lines, outcome = rules.compare(
            _comparisons(check),
            result.record if result.found else None,
            check.task.commitment.facts,
        )
        response = {
            "found": result.found,
            "status_code": result.status_code,
            "body": result.response_snapshot.get("body"),
            "record": result.record,
            "received_at": result.response_snapshot.get("received_at"),
        }
        check.attempts += 1
        check.status = CheckStatus.DONE
        check.request = result.request_snapshot
        check.response = response
        check.response_digest = digest_json(response)
        check.comparison = lines
        check.outcome = outcome
        check.error = ""
        check.http_seconds = round(result.seconds, 6)
        check.finished_at = timezone.now()
        check.next_attempt_at = None
        check.save()
        spine.record(
            None,
            Event.CHECK_DONE,
            check,
            None,
            {
                "task": check.task_id,
                "source": check.source.code,
                "found": result.found,
                "outcome": outcome,
                "digest": check.response_digest,
                "mismatches": [
                    line["label"] for line in lines if line["result"] == ComparisonResult.MISMATCH
                ],
            },
            message=f"{check.task.commitment.item.name}：向“{check.source.name}”在线查询，"
            + ("找到记录" if result.found else "未找到记录")
            + f"（应答摘要 SM3 {check.response_digest[:12]}…）",
            item_code=check.task.commitment.item.code,
        )
        _settle_task(check.task_id)
    return check


def _record_failure(check_id: int, exc: SourceUnavailable, seconds: float) -> OnlineCheck | None:
    now = timezone.now()
    with transaction.atomic():
        check = (
            OnlineCheck.objects.select_for_update(of=("self",))
            .select_related("source")
            .get(pk=check_id)
        )
        if check.status not in _PENDING:
            return None
        check.attempts += 1
        check.error = str(exc)[:2000]
        check.request = exc.request_snapshot or check.request
        check.http_seconds = round(check.http_seconds + seconds, 6)
        if check.attempts >= max(1, check.source.max_attempts):
            check.status = CheckStatus.FAILED
            check.finished_at = now
            check.next_attempt_at = None
            check.outcome = Outcome.UNABLE
            check.save()
            spine.record(
                None,
                Event.CHECK_FAILED,
                check,
                None,
                {
                    "task": check.task_id,
                    "source": check.source.code,
                    "attempts": check.attempts,
                    "error": check.error,
                },
                message=f"{check.task.commitment.item.name}：数据源“{check.source.name}”"
                f"经{check.attempts}次尝试仍不可用",
                item_code=check.task.commitment.item.code,
            )
            _settle_task(check.task_id)
        else:
            check.status = CheckStatus.RETRYING
            check.next_attempt_at = now + backoff(check.attempts)
            check.save()
    return check


def run_one(check_id: int, *, now: datetime | None = None) -> bool:
    """Run one due check; True when it finished (done or failed) in this call."""
    claimed = retry.run_retrying(
        lambda: _claim(check_id, now or timezone.now()), what=f"claiming check {check_id}"
    )
    if claimed is None:
        return False
    subject = claimed.task.commitment.subject
    connector = DataSourceConnector(claimed.source)
    started = time.monotonic()
    try:
        result = connector.fetch(subject.id_type, subject.identifier())
    except SourceUnavailable as exc:
        seconds = 0.0 if exc.breaker_open else time.monotonic() - started
        failure: SourceUnavailable = exc
        check = retry.run_retrying(
            lambda: _record_failure(claimed.pk, failure, seconds), what=f"check {check_id}"
        )
        if check is not None:
            logger.warning(
                "online check %s against %s failed (attempt %s): %s",
                check.pk,
                claimed.source.code,
                check.attempts,
                exc,
            )
        return check is not None and check.status == CheckStatus.FAILED
    done = retry.run_retrying(lambda: _record_done(claimed.pk, result), what=f"check {check_id}")
    return done is not None


def run_due(
    ids: list[int] | None = None, limit: int = DEFAULT_LIMIT, now: datetime | None = None
) -> int:
    """Run the due checks (the given ones, or any), in due order; returns how many finished."""
    finished = 0
    for pk in due_ids(now=now, limit=limit, ids=ids):
        if run_one(pk, now=now):
            finished += 1
    return finished

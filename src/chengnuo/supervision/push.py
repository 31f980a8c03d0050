"""Published inspection results to the 互联网+监管 platform (一公开, R-4.3, R-9.2).

The outbox row (`ResultPush`) is written in the transaction that publishes the result; the
worker (on commit) and `manage.py deliver_results --loop 30` (retries) deliver it through
`core.outbox`: signed with HMAC-SM3, with the row's idempotency key, so the platform stores a
result once however often it is sent."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from chengnuo.core.outbox import Outbox

from .models import InspectionTask, RegulatoryPlatform, ResultPush

RESULTS_PATH = "/api/supervision/results"
USER_AGENT = "chengnuo-supervision-push/1"


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


OUTBOX = Outbox(ResultPush, RESULTS_PATH, USER_AGENT)
deliver = OUTBOX.deliver
deliver_due = OUTBOX.deliver_due

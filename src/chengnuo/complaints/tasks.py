"""Worker jobs of complaints: delivery of answers to the 12345 hotline (R-8.1)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_replies(ids: list[int]) -> int:
    """Deliver the given hotline replies that are due (enqueued on commit by the answer)."""
    from .hotline import OUTBOX

    return OUTBOX.deliver_due(ids=list(ids), limit=max(1, len(ids)))

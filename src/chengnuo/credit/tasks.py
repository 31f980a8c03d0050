"""Worker jobs of the credit app (R-5.2): delivery of the push outbox."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_pushes(message_ids: list[int]) -> int:
    """Deliver the given outbox messages that are due (enqueued on commit by the service
    that wrote them); returns how many were delivered."""
    from .push import deliver_due

    return deliver_due(ids=list(message_ids), limit=max(1, len(message_ids)))


@task()
def deliver_due_pushes() -> int:
    """Deliver every due outbox message (retries after failures and outages)."""
    from .push import deliver_due

    return deliver_due()

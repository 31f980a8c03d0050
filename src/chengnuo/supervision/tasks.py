"""Worker jobs of routine supervision: delivery of published results (R-4.3, R-9.2)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_results(ids: list[int]) -> int:
    """Deliver the given result pushes that are due (enqueued on commit by the publication)."""
    from .push import deliver_due

    return deliver_due(ids=list(ids), limit=max(1, len(ids)))

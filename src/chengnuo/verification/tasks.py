"""Worker jobs of verification: running online checks (R-4.5)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_online_checks(check_ids: list[int]) -> int:
    """Run the given online checks that are due; returns how many finished."""
    from .online import run_due

    return run_due(ids=list(check_ids))


@task()
def run_due_online_checks() -> int:
    """Retry every due online check (after source outages)."""
    from .online import run_due

    return run_due()

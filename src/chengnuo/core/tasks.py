"""Worker jobs of the core: running an on-commit reaction (`core.reactions`)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_reaction(reaction_id: int) -> bool:
    from .reactions import run_one

    return run_one(reaction_id)

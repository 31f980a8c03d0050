"""Worker jobs of cases: archiving the signed commitment PDF."""

from __future__ import annotations

from django_tasks import task


@task()
def archive_commitment(commitment_id: int) -> str:
    """Render and store the signed commitment's PDF; returns its SM3 digest."""
    from .services import commitment_archive

    return commitment_archive(commitment_id=commitment_id).pdf_digest

from django_tasks import task


@task()
def apply_due_catalog_changes() -> int:
    """Worker job: filed catalog changes take effect on their effective date (R-7.2)."""
    from .services import catalog_apply_due

    return len(catalog_apply_due(actor=None))

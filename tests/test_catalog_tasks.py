"""Filed changes with a future effective date take effect through the worker (R-7.2)."""

import datetime as dt

import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chengnuo.catalog import services
from chengnuo.catalog.constants import ProposalStatus
from chengnuo.catalog.models import CertificationItem
from chengnuo.catalog.tasks import apply_due_catalog_changes

from .factories import item_payload


def _future_proposal(admin, agency, matter, days=2):
    return services.proposal_submit(
        actor=admin,
        agency=agency,
        action="add",
        item_code="FUT-1",
        payload=item_payload(matter_codes=[matter.code]),
        reason="法规修订",
        law_change="《某条例》修订",
        effective_date=timezone.localdate() + dt.timedelta(days=days),
    )


def test_filing_a_future_change_queues_the_worker_job_for_its_effective_date(
    settings, django_capture_on_commit_callbacks, admin_a, reviewer, agency_a, matter_a
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    proposal = _future_proposal(admin_a, agency_a, matter_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_file(actor=reviewer, proposal=proposal)
    job = DBTaskResult.objects.get()
    assert job.task_path.endswith("apply_due_catalog_changes")
    assert timezone.localtime(job.run_after).date() == proposal.effective_date


def test_the_worker_job_applies_the_change_once_the_date_has_come(
    admin_a, reviewer, agency_a, matter_a
):
    proposal = _future_proposal(admin_a, agency_a, matter_a)
    services.proposal_file(actor=reviewer, proposal=proposal)
    apply_due_catalog_changes.enqueue()  # immediate backend in tests: runs now
    assert not CertificationItem.objects.filter(code="FUT-1").exists()
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        apply_due_catalog_changes.enqueue()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EFFECTIVE
    assert CertificationItem.objects.get(code="FUT-1").status == "in_force"

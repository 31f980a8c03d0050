"""Key supervision fed by complaints (R-5.3: subjects with dishonesty records, complaints or a
poor credit class are put on key supervision lists with the reason). An accepted report of a
false commitment lists the committer, with the report's receipt number, at every agency whose
directory holds it; a verification that finds the commitment true on every method takes the
listing off again; an untrue finding keeps it. And the ways around it: a report not accepted,
a declined one, a second report, a method still under way."""

from __future__ import annotations

import pytest
from django.db import transaction

from chengnuo.audit.models import AuditEvent
from chengnuo.complaints import services
from chengnuo.supervision.constants import Event as SupervisionEvent
from chengnuo.supervision.constants import KeyReason
from chengnuo.supervision.models import KeySupervision, SubjectEntry

from .complaints_helpers import build, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def cw():
    return build()


def _listed(cw):
    return KeySupervision.objects.filter(
        subject_id=cw.commitment.subject_id, reason=KeyReason.COMPLAINT, removed_at__isnull=True
    )


def _tasks(number: str):
    from chengnuo.verification.models import VerificationTask

    # the tasks still open (an online check may have concluded already)
    return VerificationTask.objects.filter(
        origin_ref=number, status__in=("pending", "in_progress")
    ).order_by("pk")


def _conclude(task, outcome: str) -> None:
    from chengnuo.verification import internal

    with transaction.atomic():
        internal.task_conclude(task=task, outcome=outcome, note="核查记录")


def test_an_accepted_report_puts_the_committer_on_key_supervision_with_its_number(cw):
    c = report(cw).complaint
    assert not _listed(cw).exists()  # submitted only: nothing yet
    services.complaint_accept(actor=cw.handler, complaint=c)
    rows = list(_listed(cw))
    entry_agencies = set(
        SubjectEntry.objects.filter(subject_id=cw.commitment.subject_id, active=True).values_list(
            "agency_id", flat=True
        )
    )
    assert entry_agencies and {r.agency_id for r in rows} == entry_agencies
    assert all(r.source_ref == c.number and c.number in r.detail for r in rows)
    assert AuditEvent.objects.filter(event=SupervisionEvent.KEY_LISTED).count() == len(rows)


def test_a_declined_report_lists_no_one(cw):
    c = report(cw).complaint
    services.complaint_decline(actor=cw.handler, complaint=c, reason="举报内容不属于本机关职责范围")
    assert not _listed(cw).exists()


def test_a_second_report_keeps_one_listing(cw):
    services.complaint_accept(actor=cw.handler, complaint=report(cw).complaint)
    services.complaint_accept(
        actor=cw.handler,
        complaint=report(cw, text="承诺人所述婚姻状况与事实不符，我是其前配偶的亲属。").complaint,
    )
    agencies = {r.agency_id for r in _listed(cw)}
    assert _listed(cw).count() == len(agencies)


def test_a_report_found_unfounded_on_every_method_takes_the_listing_off(cw):
    c = services.complaint_accept(actor=cw.handler, complaint=report(cw).complaint)
    tasks = list(_tasks(c.number))
    assert tasks and _listed(cw).exists()
    for task in tasks[:-1]:
        _conclude(task, "consistent")
        assert _listed(cw).exists()  # another method is still under way
    _conclude(tasks[-1], "consistent")
    assert not _listed(cw).exists()
    removed = KeySupervision.objects.filter(source_ref=c.number)
    assert all(r.removal_reason == "举报经核查不属实" for r in removed)


def test_an_untrue_finding_keeps_the_subject_listed(cw):
    c = services.complaint_accept(actor=cw.handler, complaint=report(cw).complaint)
    tasks = list(_tasks(c.number))
    _conclude(tasks[0], "inconsistent")
    for task in tasks[1:]:
        _conclude(task, "consistent")
    assert _listed(cw).exists()


def test_a_listing_put_there_by_hand_is_not_taken_off_by_a_report(cw):
    """Only the listing the report made is removed when the report proves unfounded."""
    from chengnuo.supervision import key_supervision

    entry = SubjectEntry.objects.filter(subject_id=cw.commitment.subject_id).first()
    admin = cw.w.admin
    key_supervision.key_list(
        actor=admin,
        agency=entry.agency,
        subject=entry.subject,
        reason=KeyReason.COMPLAINT,
        detail="多次被群众投诉，经查属实",
    )
    c = services.complaint_accept(actor=cw.handler, complaint=report(cw).complaint)
    for task in _tasks(c.number):
        _conclude(task, "consistent")
    assert _listed(cw).filter(agency=entry.agency).exists()


def test_a_consistent_finding_while_another_method_is_under_way_keeps_the_listing(cw):
    from chengnuo.supervision import key_supervision

    c = services.complaint_accept(actor=cw.handler, complaint=report(cw).complaint)
    assert _tasks(c.number).exists()  # the on-site check is still open
    with transaction.atomic():
        key_supervision.unlist_unfounded(outcome="consistent", origin=c.number)
    assert _listed(cw).exists()

"""Complaints on PostgreSQL with real threads (R-8.1): the same hotline order sent twice at the
same moment is one complaint; two handlers accepting at once give one acceptance (the other a
clear refusal, never a 500); submissions from one phone number at the same moment stop at the
daily limit; two reopenings at once reopen once."""

from __future__ import annotations

import pytest
from django.db import connection

from chengnuo.complaints import services
from chengnuo.complaints.constants import Event
from chengnuo.complaints.models import Complaint
from chengnuo.core.errors import DomainError

from .complaints_helpers import REASON, answered, build, submit
from .races import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def cw(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return build()


def test_one_hotline_order_sent_twice_at_once_is_one_complaint(cw):
    results, errors = race(
        *[lambda: submit(cw, channel="hotline", external_ref="GD-RACE-1") for _ in range(3)]
    )
    assert errors == [] and len(results) == 3
    assert Complaint.objects.filter(external_ref="GD-RACE-1").count() == 1
    assert sum(r.created for r in results) == 1
    assert len({r.complaint.pk for r in results}) == 1


def test_two_handlers_accepting_at_once_accept_once(cw):
    c = submit(cw).complaint
    results, errors = race(
        lambda: services.complaint_accept(actor=cw.handler, complaint=c),
        lambda: services.complaint_accept(actor=cw.w.admin, complaint=c),
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], DomainError) and errors[0].code == "wrong_status"
    from chengnuo.audit.models import AuditEvent

    assert AuditEvent.objects.filter(event=Event.ACCEPTED).count() == 1


def test_one_phone_at_once_stops_at_the_daily_limit(cw, settings):
    settings.COMPLAINTS_PER_CONTACT_PER_DAY = 2
    results, errors = race(*[lambda: submit(cw) for _ in range(4)])
    assert len(results) == 2 and len(errors) == 2
    assert {e.code for e in errors} == {"contact_limit"}
    assert Complaint.objects.count() == 2


def test_two_reopenings_at_once_reopen_once(cw):
    c = answered(cw)
    results, errors = race(
        lambda: services.complaint_reopen(complaint=c, reason=REASON),
        lambda: services.complaint_reopen(complaint=c, reason=REASON),
    )
    assert len(results) == 1 and len(errors) == 1 and errors[0].code == "not_answered"
    assert Complaint.objects.get(pk=c.pk).reopen_count == 1

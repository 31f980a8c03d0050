"""Public statistics of complaints (R-8.1): per agency and year, received, answered, answered
within the deadline and rated satisfied; nothing personal; one query, then the cache."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from chengnuo.complaints import services, statistics
from chengnuo.complaints.models import Complaint

from .complaints_helpers import FACTS, MEASURES, accepted, answered, build, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_answered_on_time_late_and_satisfaction_are_counted_per_agency(client):
    cw = build()
    on_time = answered(cw, phone="13800000001")
    services.complaint_rate(complaint=on_time, rating="satisfied")
    late = accepted(cw, phone="13800000002")
    Complaint.objects.filter(pk=late.pk).update(
        answer_due=timezone.localdate() - dt.timedelta(days=1)
    )
    late.refresh_from_db()
    late = services.complaint_answer(
        actor=cw.handler, complaint=late, facts=FACTS, measures=MEASURES
    )
    services.complaint_rate(complaint=late, rating="dissatisfied")
    submit(cw, phone="13800000003")  # waiting
    rows = statistics.by_agency(timezone.localdate().year)
    assert len(rows) == 1
    row = rows[0]
    assert (row.agency, row.received, row.answered, row.on_time) == (cw.agency.name, 3, 2, 1)
    assert (row.rated, row.satisfied) == (2, 1)
    assert row.on_time_percent == 50.0 and row.satisfied_percent == 50.0
    page = client.get(reverse("complaints_public:statistics"))
    assert page.status_code == 200
    text = page.content.decode()
    assert cw.agency.name in text and "50.0%" in text
    assert "李四" not in text and "13800000001" not in text


def test_the_page_reads_one_query_and_then_the_cache(client, django_assert_max_num_queries):
    cw = build()
    for n in range(3):
        submit(cw, phone=f"1380000001{n}")
    url = reverse("complaints_public:statistics")
    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(1):  # the session, nothing of complaints
        assert client.get(url).status_code == 200


def test_a_year_out_of_range_shows_the_current_year(client):
    page = client.get(reverse("complaints_public:statistics"), {"year": "1999"})
    assert page.status_code == 200
    assert f"{timezone.localdate().year}年投诉举报办理情况" in page.content.decode()
    assert client.get(reverse("complaints_public:statistics"), {"year": "abc"}).status_code == 200

"""The rollout's counters on PostgreSQL with real threads (R-8.1): many flows of one agency at
once all count (no lost update, no deadlock, no error), a fold running meanwhile counts each
delta once, and a rebuild running meanwhile loses nothing."""

from __future__ import annotations

import pytest
from django.db import connection

from chengnuo.cases import services as case_services
from chengnuo.cases.models import Case
from chengnuo.oversight import statistics
from chengnuo.oversight.constants_dashboard import Measure

from .cases_helpers import line, pdf_upload, sign
from .oversight_helpers import build, counters_of
from .races import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def ow(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return build(settings)


def drafts(w, n: int) -> list[Case]:
    out = []
    for _ in range(n):
        case = case_services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)
        sign(w.applicant, case, w.social)
        sign(w.applicant, case, w.marriage)
        case_services.proof_upload(
            actor=w.applicant, case_item=line(case, w.diploma), upload=pdf_upload()
        )
        out.append(case)
    return out


def submit(w, case: Case):
    return lambda: case_services.case_submit(actor=w.applicant, case=Case.objects.get(pk=case.pk))


def test_flows_of_one_agency_at_once_all_count_without_deadlock(ow):
    cases = drafts(ow.w, 6)
    results, errors = race(*[submit(ow.w, c) for c in cases])
    assert errors == [] and len(results) == 6
    assert counters_of(ow.w.agency.pk)[Measure.SUBMITTED] == 6
    assert statistics.differences() == []


def test_a_fold_and_a_rebuild_during_the_flows_count_each_fact_once(ow):
    cases = drafts(ow.w, 6)
    calls = [submit(ow.w, c) for c in cases]
    results, errors = race(
        *calls[:3], statistics.fold, *calls[3:], statistics.fold, statistics.rebuild
    )
    assert errors == [] and len(results) == 9
    statistics.fold()
    assert counters_of(ow.w.agency.pk)[Measure.SUBMITTED] == 6
    assert counters_of(ow.w.agency.pk)[Measure.BY_COMMITMENT] == 6
    assert statistics.differences() == []

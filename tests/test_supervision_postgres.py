"""Routine supervision on PostgreSQL with real threads (R-4.3): two admins running the same
draw at once get one draw (the other a clear refusal, never a 500 or a second set of tasks);
two reviewers committing the Justice Bureau's share at once get one share; two inspectors of a
task recording results at once get one result."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from chengnuo.core.errors import DomainError
from chengnuo.supervision import services
from chengnuo.supervision.models import Draw, InspectionTask, SeedShare

from .supervision_helpers import add_entries, build_sup, plan

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _race(*calls) -> tuple[list, list]:
    results: list = []
    errors: list = []
    barrier = threading.Barrier(len(calls))

    def run(call) -> None:
        try:
            barrier.wait(10)
            results.append(call())
        except DomainError as exc:
            errors.append(exc)
        except BaseException as exc:  # pragma: no cover - surfaced by the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive()
    return results, errors


@pytest.fixture
def sup(transactional_db):
    s = build_sup()
    add_entries(s, 40)
    return s


def test_two_admins_running_one_draw_at_once_get_one_draw(sup):
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    services.seed_commit(actor=sup.justice, draw=d)
    results, errors = _race(
        lambda: services.draw_run(actor=sup.w.admin, draw=d),
        lambda: services.draw_run(actor=sup.w.admin, draw=d),
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], DomainError) and errors[0].code == "already_done"
    d = Draw.objects.get(pk=d.pk)
    assert InspectionTask.objects.filter(draw=d).count() == d.quota > 0


def test_two_reviewers_committing_at_once_leave_one_share(sup):
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    results, errors = _race(
        lambda: services.seed_commit(actor=sup.justice, draw=d),
        lambda: services.seed_commit(actor=sup.justice, draw=d),
    )
    assert len(results) == 1 and len(errors) == 1 and errors[0].code == "already_committed"
    assert SeedShare.objects.filter(draw=d, party="justice").count() == 1


def test_two_inspectors_recording_one_task_at_once_leave_one_result(sup):
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    services.seed_commit(actor=sup.justice, draw=d)
    d = services.draw_run(actor=sup.w.admin, draw=d)
    task = d.tasks.first()
    first, second = (i.user for i in task.inspectors.all())
    results, errors = _race(
        lambda: services.task_complete(actor=first, task=task, outcome="no_problem",
                                       findings="现场检查未发现问题"),
        lambda: services.task_complete(actor=second, task=task, outcome="rectify",
                                       findings="台账不全，责令整改"),
    )  # fmt: skip
    assert len(results) == 1 and len(errors) == 1 and errors[0].code == "task_closed"
    task.refresh_from_db()
    assert task.outcome == results[0].outcome

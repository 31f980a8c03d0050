"""Rectification notices on PostgreSQL with real threads (R-8.1): two reviewers sending the
same finding at once give one notice and one clear refusal; an answer and a return at once,
or two answers at once, leave one consistent state — never a deadlock or a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from chengnuo.core.errors import Conflict
from chengnuo.oversight import services_rectification as services
from chengnuo.oversight.constants_rectification import Status
from chengnuo.oversight.models import Rectification

from .races import race
from .test_oversight_rectification import ANSWER, TEXT, W

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def w(transactional_db):
    return W()


def _issue(w, actor):
    return lambda: services.rectification_issue(
        actor=actor, agency=w.a, source="portal_check", target=w.finding,
        title="未公布告知承诺书", text=TEXT, deadline=timezone.localdate() + dt.timedelta(days=10),
    )  # fmt: skip


def test_two_reviewers_sending_one_finding_at_once_give_one_notice(w):
    results, errors = race(*[_issue(w, w.reviewer) for _ in range(4)])
    assert len(results) == 1 and len(errors) == 3
    assert all(isinstance(e, Conflict) for e in errors)
    assert Rectification.objects.count() == 1


def test_two_answers_at_once_give_one_answer_and_a_clear_refusal(w):
    row = _issue(w, w.reviewer)()

    def answer():
        return services.rectification_answer(
            actor=w.admin_a, rectification=Rectification.objects.get(pk=row.pk), answer=ANSWER
        )

    results, errors = race(answer, answer, answer)
    assert len(results) == 1 and all(isinstance(e, Conflict) for e in errors) and len(errors) == 2
    row.refresh_from_db()
    assert row.status == Status.ANSWERED


def test_a_close_and_a_return_at_once_leave_one_decision(w):
    row = _issue(w, w.reviewer)()
    services.rectification_answer(actor=w.admin_a, rectification=row, answer=ANSWER)

    def close():
        return services.rectification_close(
            actor=w.reviewer, rectification=Rectification.objects.get(pk=row.pk)
        )

    def back():
        return services.rectification_return(
            actor=w.reviewer, rectification=Rectification.objects.get(pk=row.pk),
            reason="佐证材料不足，请补充公布页面的网址",
        )  # fmt: skip

    results, errors = race(close, back)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    row.refresh_from_db()
    assert row.status in (Status.CLOSED, Status.OPEN)

"""The verifiable log on PostgreSQL with real threads (ADR 0012): writers never wait for the
integrator (their transaction only inserts a queue row), the integrator runs while they write,
and every committed event ends up at exactly one index, with no gap, whatever order the
transactions commit in; two integrators at once serialise on the log's head row."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from chengnuo.audit import log, log_verify
from chengnuo.audit.models import AuditEvent, LogEntry, LogQueue
from chengnuo.core import spine

from .factories import AgencyFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive()


def test_writers_and_integrators_together_leave_one_gapless_log(transactional_db):
    agencies = [AgencyFactory() for _ in range(4)]
    errors: list[BaseException] = []
    writing = threading.Event()

    def writer(agency, n: int) -> None:
        try:
            for i in range(n):
                with transaction.atomic():
                    for j in range(3):
                        spine.record(None, "test.event", agency, None, {"i": i, "j": j})
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    def integrator() -> None:
        try:
            while writing.is_set():
                log.integrate(batch=37)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    writing.set()
    integrators = [threading.Thread(target=integrator) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(a, 40)) for a in agencies]
    for t in integrators:
        t.start()
    _run(writers)
    writing.clear()
    for t in integrators:
        t.join(60)
    assert errors == []
    log.integrate_all()
    total = AuditEvent.objects.count()
    assert total == 4 * 40 * 3
    assert LogQueue.objects.count() == 0
    indices = list(LogEntry.objects.order_by("index").values_list("index", flat=True))
    assert indices == list(range(total))
    assert LogEntry.objects.values("event_id").distinct().count() == total
    assert (
        log.state().root_hash
        == log.hasher()
        .root(
            [
                log.leaf_hash(c)
                for c in LogEntry.objects.order_by("index").values_list("commitment", flat=True)
            ]
        )
        .hex()
    )
    log.sign_checkpoint(force=True)
    assert log_verify.verify_log(full=True) == []


def test_a_writer_is_not_held_up_by_an_integrator_holding_the_log_head(transactional_db):
    agency = AgencyFactory()
    with transaction.atomic():
        spine.record(None, "test.event", agency, None, {"n": 0})
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with transaction.atomic():
            log._state_for_update()
            held.set()
            release.wait(30)
        connection.close()

    t = threading.Thread(target=holder)
    t.start()
    assert held.wait(10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        with transaction.atomic():
            spine.record(None, "test.event", agency, None, {"n": 1})
    finally:
        release.set()
        t.join(30)
    assert LogQueue.objects.count() == 2

"""A deadlock or serialization failure is never a 500 (ADR 0010): a request that met one before
committing anything is re-run; otherwise, or once the retries are spent, it is answered 409
`busy_retry` with nothing saved by the failed attempt."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from chengnuo.agencies.models import Agency
from chengnuo.core.db import retry

from . import transient_urls
from .factories import AgencyFactory

pytestmark = pytest.mark.urls("tests.transient_urls")


@pytest.fixture(autouse=True)
def _calls():
    transient_urls.CALLS.clear()
    transient_urls.BARRIER.clear()
    yield
    transient_urls.CALLS.clear()
    transient_urls.BARRIER.clear()


@pytest.fixture
def agency(db):
    return AgencyFactory(name="市人社局")


def test_a_request_that_met_a_deadlock_is_re_run_and_its_write_kept_once(agency, client):
    response = client.post("/t/flaky/2/")
    assert response.status_code == 200
    assert transient_urls.CALLS == ["flaky"] * 3
    # the two failed attempts rolled back: the name changed once
    assert Agency.objects.get(pk=agency.pk).name == "市人社局改"


def test_retries_spent_are_answered_409_busy_retry_not_500(agency, client, settings):
    settings.TRANSIENT_RETRIES = 2
    page = client.post("/t/flaky/99/")
    assert page.status_code == 409
    assert "请稍后再试" in page.content.decode()
    assert page["Retry-After"] == "1"
    assert transient_urls.CALLS == ["flaky"] * 3
    assert Agency.objects.get(pk=agency.pk).name == "市人社局"  # nothing of it was saved
    transient_urls.CALLS.clear()
    api = client.post("/api/t/flaky/99/")
    assert api.status_code == 409
    assert api.json()["code"] == "busy_retry"
    assert "请稍后再试" in api.json()["message"]


def test_a_request_that_committed_before_failing_is_not_re_run(db, client):
    response = client.post("/api/t/committed/")
    assert response.status_code == 409
    assert response.json()["code"] == "busy_retry"
    assert transient_urls.CALLS == ["committed"]  # not re-run: it would commit twice


def test_a_database_that_cannot_be_reached_is_503_with_retry_after_not_a_500(db, caplog):
    """PostgreSQL restarting (or SQLite's disk gone): the API says so with a code and when to
    retry, people get a page saying nothing was done; one warning line, no traceback."""
    client = Client(raise_request_exception=False)
    api = client.post("/api/t/unreachable/")
    assert api.status_code == 503
    assert api.json()["code"] == "database_unavailable"
    assert "请稍后再试" in api.json()["message"]
    assert int(api["Retry-After"]) > 0
    page = client.get("/t/unreachable/")
    assert page.status_code == 503 and "系统正在恢复" in page.content.decode()
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


def test_unavailable_is_told_apart_from_a_bug():
    import sqlite3

    from django.db import InterfaceError, OperationalError

    assert retry.is_unavailable(InterfaceError("connection already closed"))
    shutdown = OperationalError("terminating connection due to administrator command")
    shutdown.__cause__ = type("E", (Exception,), {"sqlstate": "57P01"})()
    assert retry.is_unavailable(shutdown)
    gone = OperationalError("unable to open database file")
    gone.__cause__ = sqlite3.OperationalError("unable to open database file")
    assert retry.is_unavailable(gone)
    missing_table = OperationalError("no such table: x")
    missing_table.__cause__ = sqlite3.OperationalError("no such table: x")
    assert not retry.is_unavailable(missing_table)
    assert not retry.is_unavailable(ValueError("a bug"))


def test_other_errors_are_still_errors(db):
    client = Client(raise_request_exception=False)
    assert client.get("/t/broken/").status_code == 500


def test_transient_failures_are_recognised_by_their_sqlstate():
    assert retry.is_transient(transient_urls.deadlock())
    assert not retry.is_transient(ValueError("deadlock"))
    from django.db import OperationalError

    assert retry.is_transient(OperationalError("database is locked"))
    assert not retry.is_transient(OperationalError("no such table: x"))


def test_a_worker_pass_is_re_run_only_while_it_has_committed_nothing(transactional_db):
    calls: list[int] = []

    def work():
        calls.append(1)
        if len(calls) < 3:
            raise transient_urls.deadlock()
        return "done"

    assert retry.run_retrying(work) == "done"
    assert len(calls) == 3

    def commits_then_fails():
        connection.chengnuo_commits = getattr(connection, "chengnuo_commits", 0) + 1
        raise transient_urls.deadlock()

    with pytest.raises(Exception, match="deadlock"):
        retry.run_retrying(commits_then_fails)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real deadlock needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_requests_that_deadlock_for_real_both_succeed():
    a, b = AgencyFactory(), AgencyFactory()
    transient_urls.BARRIER["crossed"] = threading.Barrier(2)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def call(first: int, second: int) -> None:
        try:
            statuses.append(Client().post(f"/t/crossed/{first}/{second}/").status_code)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        (deadlocks_before,) = cursor.fetchone()
    threads = [
        threading.Thread(target=call, args=(a.pk, b.pk)),
        threading.Thread(target=call, args=(b.pk, a.pk)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert statuses == [200, 200]
    # PostgreSQL chose a victim; its request ran again
    assert len(transient_urls.CALLS) == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        (deadlocks_after,) = cursor.fetchone()
    assert deadlocks_after >= deadlocks_before + 1

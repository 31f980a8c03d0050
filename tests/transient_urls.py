"""Views for tests/test_transient.py: they fail the way a busy database does."""

from __future__ import annotations

import contextlib
import threading

from django.db import OperationalError, connection, transaction
from django.http import HttpResponse
from django.urls import include, path

from chengnuo.agencies.models import Agency

CALLS: list[str] = []
BARRIER: dict[str, threading.Barrier] = {}


class _Deadlock(Exception):
    sqlstate = "40P01"


def deadlock() -> OperationalError:
    try:
        raise _Deadlock("deadlock detected")
    except _Deadlock as cause:
        error = OperationalError("deadlock detected")
        error.__cause__ = cause
        return error


def flaky(request, fails: int):
    """Fails transiently `fails` times, then renames an agency."""
    CALLS.append("flaky")
    with transaction.atomic():
        agency = Agency.objects.select_for_update().order_by("id").first()
        agency.name = f"{agency.name}改"
        agency.save(update_fields=["name"])
        if CALLS.count("flaky") <= fails:
            raise deadlock()
    return HttpResponse("ok")


def committed_then_busy(request):
    """Commits something, then fails transiently: re-running it would do the first part twice."""
    CALLS.append("committed")
    connection.chengnuo_commits = getattr(connection, "chengnuo_commits", 0) + 1
    raise deadlock()


def unreachable(request):
    """Opens a real connection to a database that is not there: on PostgreSQL a closed port,
    on SQLite a file in a directory that does not exist (a server restarting, a disk gone)."""
    import socket

    from django.db import connections

    CALLS.append("unreachable")
    conn = connections.create_connection("default")
    if conn.vendor == "postgresql":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        conn.settings_dict = {**conn.settings_dict, "HOST": "127.0.0.1", "PORT": str(port)}
    else:
        conn.settings_dict = {**conn.settings_dict, "NAME": "/nonexistent-dir/x/db.sqlite3"}
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        conn.close()
    return HttpResponse("unexpected")


def broken(request):
    raise ValueError("a bug, not a busy database")


def crossed(request, first: int, second: int):
    """Locks two agencies in the order given: two requests in opposite orders deadlock for real
    on PostgreSQL."""
    CALLS.append(f"crossed {first}→{second}")
    with transaction.atomic():
        Agency.objects.select_for_update().get(pk=first)
        barrier = BARRIER.get("crossed")
        if barrier is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(5)  # the retry runs alone: the barrier is broken by then
        Agency.objects.select_for_update().get(pk=second)
    return HttpResponse("ok")


urlpatterns = [
    path("t/flaky/<int:fails>/", flaky),
    path("api/t/flaky/<int:fails>/", flaky),
    path("t/committed/", committed_then_busy),
    path("api/t/committed/", committed_then_busy),
    path("t/broken/", broken),
    path("t/unreachable/", unreachable),
    path("api/t/unreachable/", unreachable),
    path("t/crossed/<int:first>/<int:second>/", crossed),
    path("", include("chengnuo.config.urls")),
]

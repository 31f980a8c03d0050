"""The authorization matrix: every HTML route of the URL conf and every operation of the API at
/api/v1, for every actor (anonymous, the owning applicant and another one, each staff role of
the agency owning the object and of another agency, the system admin, the agency asked for
assistance), answers the status the matrix in tests/authorization_matrix.py says — and a
refused request writes nothing.

The routes are read from the URL conf and the API's routers: a route or an operation without
an entry fails, and so does an entry whose route is gone. One scenario (all of agency A's
objects) is built per test module inside a transaction of its own; each cell runs in a
savepoint of it, so what a permitted write changes is gone for the next cell.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import types
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.apps import apps
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from ninja import Router
from ninja.utils import normalize_path

from chengnuo.config.api import api

from .authorization_matrix import (
    ACTORS,
    ALLOWED,
    ANON,
    DENIALS,
    ENTRIES,
    LOGIN,
    NOT_IN_MATRIX,
    ONLY_IF_CONFIGURED,
    Cell,
    Entry,
    Refused,
    Scenario,
    build_scenario,
    is_denial,
)
from .clock import TEST_CLOCK

# --- what the platform serves ----------------------------------------------------------------


def _walk(patterns: Iterable[Any], namespace: str = "") -> Iterator[tuple[str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = namespace
            if p.namespace:
                inner = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, inner)
        elif isinstance(p, URLPattern):
            name = p.name or str(p.pattern)
            yield (f"{namespace}:{name}" if namespace else name), p


def html_routes(resolver: URLResolver | None = None) -> set[str]:
    """The URL names of the URL conf, namespaced; the API's operations are counted apart."""
    found = set()
    for key, pattern in _walk((resolver or get_resolver()).url_patterns):
        if getattr(pattern.callback, "__module__", "") == "ninja.operation":
            continue  # one of the API's operations (api_operations)
        found.add(key)
    return found


def api_operations(mounts: Iterable[tuple[str, dict[str, Any]]] | None = None) -> set[str]:
    """ "<METHOD> /api/v1/<path>" of every operation of every (nested) router of the API."""
    if mounts is None:
        mounts = [(r.prefix, r.path_operations) for r in api._get_bound_routers()]
    root = reverse("api:api-root").rstrip("/")
    found = set()
    for prefix, operations in mounts:
        for route, path_view in operations.items():
            full = normalize_path("/".join(i for i in (prefix, route) if i)).rstrip("/")
            for operation in path_view.operations:
                for method in operation.methods:
                    found.add(f"{method} {root}{full}")
    return found


def _excluded(key: str) -> bool:
    return key in NOT_IN_MATRIX or any(
        key.startswith(skip[:-1]) for skip in NOT_IN_MATRIX if skip.endswith(":*")
    )


def routes_without_entry(routes: set[str], operations: set[str]) -> list[str]:
    listed = {e.key for e in ENTRIES}
    return sorted(k for k in routes | operations if k not in listed and not _excluded(k))


def entries_without_route(routes: set[str], operations: set[str]) -> list[str]:
    return sorted({e.key for e in ENTRIES} - routes - operations)


def test_every_route_and_api_operation_has_an_entry_in_the_matrix():
    missing = routes_without_entry(html_routes(), api_operations())
    assert not missing, (
        "no entry in tests/authorization_matrix.py (add one per method, every actor's status "
        f"from the view's permission check, or a reason in NOT_IN_MATRIX): {missing}"
    )


def test_the_matrix_has_no_entry_for_a_route_that_no_longer_exists():
    routes, operations = html_routes(), api_operations()
    stale = entries_without_route(routes, operations)
    assert not stale, f"entries for routes the URL conf and the API no longer have: {stale}"
    gone = sorted(
        k
        for k in NOT_IN_MATRIX
        if not k.endswith(":*") and k not in routes | operations and k not in ONLY_IF_CONFIGURED
    )
    assert not gone, f"NOT_IN_MATRIX names routes that no longer exist: {gone}"


def test_the_guard_reports_a_route_or_operation_added_without_an_entry():
    def brand_new(request):
        return HttpResponse("new")

    urlconf = types.ModuleType("matrix_guard_urls")
    urlconf.urlpatterns = [  # type: ignore[attr-defined]
        *get_resolver().url_patterns,
        path("staff/brand-new/", brand_new, name="brand_new_page"),
    ]
    router = Router()
    router.get("/reports")(lambda request: {})
    mounts = [(r.prefix, r.path_operations) for r in api._get_bound_routers()]
    mounts.append(("/brand-new", router.path_operations))

    missing = routes_without_entry(html_routes(get_resolver(urlconf)), api_operations(mounts))

    assert missing == ["GET /api/v1/brand-new/reports", "brand_new_page"]


def test_every_entry_has_a_cell_for_every_actor_and_someone_it_lets_in():
    for entry in ENTRIES:
        assert list(entry.cells) != [] and set(entry.cells) == set(ACTORS), entry.label
        assert entry.method in ("GET", "POST", "PUT", "PATCH", "DELETE"), entry.label
        assert set(entry.xfail) <= set(ACTORS), entry.label
        # someone is let in: the request reaches the permission check, not just the login
        assert any(not is_denial(c) for c in entry.cells.values()), entry.label
    labels = [e.label for e in ENTRIES]
    assert len(labels) == len(set(labels)), "an entry is listed twice"


# --- the scenario ----------------------------------------------------------------------------

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# every commitment verified after the decision (as tests/test_verification_views.py)
AFTER_DECISION = {level: {"share": 100, "timing": "after_decision"} for level in "ABC"}


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Scenario]:
    """Built once per module (and per xdist worker) in a transaction that is rolled back at
    the end; each test's own transaction is a savepoint inside it."""
    settings = override_settings(
        MEDIA_ROOT=str(tmp_path_factory.mktemp("matrix-media")),
        PASSWORD_HASHERS=FAST_HASHERS,
        TASKS=IMMEDIATE_TASKS,
        VERIFICATION_INTENSITY=AFTER_DECISION,
    )
    with django_db_blocker.unblock(), settings:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with _at_test_clock():
                built = build_scenario()
                built.extra["sessions"] = _sessions(built)
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@contextlib.contextmanager
def _at_test_clock() -> Iterator[None]:
    """Where the tests run: at CHENGNUO_TEST_CLOCK when CI sets one (tests/clock.py)."""
    if not TEST_CLOCK:
        yield
        return
    with time_machine.travel(dt.datetime.fromisoformat(TEST_CLOCK), tick=True):
        yield


def _sessions(s: Scenario) -> dict[str, str]:
    """A signed-in session per actor, made once: a cell only sends its cookie."""
    keys = {}
    for actor, user in s.users.items():
        client = Client()
        client.force_login(user)
        keys[actor] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return keys


@functools.cache
def _snapshot_query() -> str:
    """One query: the row count of every table (every model, the many-to-many tables too),
    and where a table has them, its latest updated_at and the sum of its versions."""
    columns = []
    quote = connection.ops.quote_name
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        table = quote(opts.db_table)
        columns.append(f"(SELECT COUNT(*) FROM {table})")
        names = {f.column for f in opts.concrete_fields}
        if "updated_at" in names:
            columns.append(f"(SELECT MAX({quote('updated_at')}) FROM {table})")
        if "version" in names and opts.get_field("version").get_internal_type().endswith(
            "IntegerField"
        ):
            columns.append(f"(SELECT SUM({quote('version')}) FROM {table})")
    return "SELECT " + ", ".join(columns)


def snapshot() -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_query())
        return tuple(cursor.fetchone())


# --- one cell ----------------------------------------------------------------------------------


def _url(entry: Entry, s: Scenario) -> str:
    if entry.is_api:
        url = entry.key.split(" ", 1)[1].format(**entry.kwargs(s))
    else:
        url = reverse(entry.key, kwargs=entry.kwargs(s) or None)
    query = entry.query(s)
    if query:
        url = f"{url}?{urlencode(query)}"
    return url


def _send(client: Client, entry: Entry, s: Scenario, url: str) -> Any:
    def headers(body: bytes = b"") -> dict[str, str]:
        return entry.headers(s, body) if callable(entry.headers) else entry.headers

    if entry.method == "GET":
        return client.get(url, headers=headers())
    data = entry.data(s) if entry.data else {}
    if entry.json:
        body = json.dumps(data)
        return client.generic(
            entry.method,
            url,
            body,
            content_type="application/json",
            headers=headers(body.encode()),
        )
    return client.post(url, data, headers=headers())  # a form, multipart


def _login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


def _matches(cell: Cell, response: Any) -> bool:
    status = response.status_code
    if cell == LOGIN:
        return _login_redirect(response)
    if cell == ALLOWED:
        return status < 500 and status not in DENIALS and not _login_redirect(response)
    if isinstance(cell, Refused):
        return status == cell.status
    return status == cell and not _login_redirect(response)


def cell_problem(s: Scenario, entry: Entry, actor: str) -> str:
    """What is wrong with one cell ("" when nothing): the status, or a refused request that
    wrote to the database."""
    cell = entry.cells[actor]
    client = Client()
    if actor != ANON:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = s.extra["sessions"][actor]
    url = _url(entry, s)
    before = snapshot() if is_denial(cell) else None
    response = _send(client, entry, s, url)
    seen: Any = response.status_code
    if seen in (301, 302, 303):
        seen = f"{seen} → {response['Location']}"
    where = f"{entry.method} {url} as {actor}"
    if not _matches(cell, response):
        return f"{where}: expected {cell}, got {seen} ({entry.why or 'see the entry'})"
    if before is not None and snapshot() != before:
        return f"{where} was refused ({seen}) but wrote to the database"
    return ""


def check_cells(s: Scenario, entry: Entry, actors: tuple[str, ...]) -> None:
    """Each actor's request in a savepoint rolled back after it: a permitted write is gone
    before the next actor's request."""
    problems = []
    for actor in actors:
        with transaction.atomic():
            problem = cell_problem(s, entry, actor)
            transaction.set_rollback(True)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


def _entries(writes: bool) -> list[Any]:
    """One test per entry for its actors; a cell marked as a known defect is a test of its
    own (xfail, strict: it fails the run once the defect is fixed)."""
    params = []
    for entry in ENTRIES:
        if (entry.method != "GET") != writes:
            continue
        actors = tuple(x for x in ACTORS if x not in entry.xfail)
        params.append(pytest.param(entry, actors, id=entry.label))
        for actor, reason in entry.xfail.items():
            mark = pytest.mark.xfail(strict=True, reason=reason)
            params.append(pytest.param(entry, (actor,), id=f"{entry.label}-{actor}", marks=mark))
    return params


@pytest.mark.parametrize(("entry", "actors"), _entries(writes=False))
def test_a_read_answers_every_actor_as_the_matrix_says(db, scenario, entry, actors):
    check_cells(scenario, entry, actors)


@pytest.mark.parametrize(("entry", "actors"), _entries(writes=True))
def test_a_write_answers_every_actor_as_the_matrix_says_and_a_denied_write_writes_nothing(
    db, scenario, entry, actors
):
    check_cells(scenario, entry, actors)

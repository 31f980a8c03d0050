"""Routine supervision on PostgreSQL with real threads (R-4.3): two admins running the same
draw at once get one draw (the other a clear refusal, never a 500 or a second set of tasks);
two reviewers committing the Justice Bureau's share at once get one share; two inspectors of a
task recording results at once get one result."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from chengnuo.core.errors import DomainError
from chengnuo.supervision import services
from chengnuo.supervision.models import Draw, InspectionTask, SeedShare

from .races import race
from .supervision_helpers import add_entries, build_sup, plan

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def sup(transactional_db):
    s = build_sup()
    add_entries(s, 40)
    return s


def test_two_admins_running_one_draw_at_once_get_one_draw(sup):
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    services.seed_commit(actor=sup.justice, draw=d)
    results, errors = race(
        lambda: services.draw_run(actor=sup.w.admin, draw=d),
        lambda: services.draw_run(actor=sup.w.admin, draw=d),
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], DomainError) and errors[0].code == "already_done"
    d = Draw.objects.get(pk=d.pk)
    assert InspectionTask.objects.filter(draw=d).count() == d.quota > 0


def test_two_reviewers_committing_at_once_leave_one_share(sup):
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    results, errors = race(
        lambda: services.seed_commit(actor=sup.justice, draw=d),
        lambda: services.seed_commit(actor=sup.justice, draw=d),
    )
    assert len(results) == 1 and len(errors) == 1 and errors[0].code == "already_committed"
    assert SeedShare.objects.filter(draw=d, party="justice").count() == 1


def test_the_bureau_revealing_its_share_twice_at_once_completes_one_draw(sup):
    import secrets

    from chengnuo.supervision import draw as algorithm

    share = secrets.token_hex(32)
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    services.seed_commit(actor=sup.justice, draw=d, commitment=algorithm.share_commitment(share))
    services.draw_run(actor=sup.w.admin, draw=d)
    results, errors = race(
        lambda: services.seed_reveal(actor=sup.justice, draw=d, share=share),
        lambda: services.seed_reveal(actor=sup.justice, draw=d, share=share),
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], DomainError) and errors[0].code == "already_done"
    d = Draw.objects.get(pk=d.pk)
    assert InspectionTask.objects.filter(draw=d).count() == d.quota


def test_two_inspectors_recording_one_task_at_once_leave_one_result(sup):
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    services.seed_commit(actor=sup.justice, draw=d)
    d = services.draw_run(actor=sup.w.admin, draw=d)
    task = d.tasks.first()
    first, second = (i.user for i in task.inspectors.all())
    results, errors = race(
        lambda: services.task_complete(actor=first, task=task, outcome="no_problem",
                                       findings="现场检查未发现问题"),
        lambda: services.task_complete(actor=second, task=task, outcome="rectify",
                                       findings="台账不全，责令整改"),
    )  # fmt: skip
    assert len(results) == 1 and len(errors) == 1 and errors[0].code == "task_closed"
    task.refresh_from_db()
    assert task.outcome == results[0].outcome


# --- freezing a pool on PostgreSQL: read in index order, joined by the database -----------------


def _generic_pool(p):
    """The same pool by the path every database takes (rows to Python, sorted there)."""
    from unittest import mock

    with mock.patch.object(connection, "vendor", "sqlite"):
        return services.frozen_pool(p)


def test_the_pool_postgresql_joins_is_the_pool_of_the_generic_path(transactional_db):
    s = build_sup()
    add_entries(s, 30)
    add_entries(s, 12, credit_class="C", prefix="丙")
    add_entries(s, 5, credit_class="D", route="proof", prefix="丁")
    mine = plan(s)
    fast = services.frozen_pool(mine)
    assert fast.whole is not None  # the database's path was taken (it joins the whole pool)
    generic = _generic_pool(mine)
    assert generic.whole is None
    assert fast.strata == generic.strata
    assert sorted(fast.strata) == ["A", "C", "D"]
    for key, members in generic.strata.items():
        assert generic.texts[key] == "\n".join(members).encode()
        # as read (a table this small may be read in another order: ranking sorts it)
        assert sorted(fast.texts[key].decode().split("\n")) == members
    union = sorted(m for v in generic.strata.values() for m in v)
    assert sorted(fast.whole.decode().split("\n")) == union
    ranked = services.rank_subjects("5" * 64, fast, [{"A": 10, "B": 10, "C": 10, "D": 20}], 1.0)
    again = services.rank_subjects("5" * 64, generic, [{"A": 10, "B": 10, "C": 10, "D": 20}], 1.0)
    assert ranked.strata == again.strata and ranked.pool_digest == again.pool_digest


def test_freezing_a_pool_reads_the_reference_index_without_sorting(transactional_db):
    s = build_sup()
    add_entries(s, 20)
    mine = plan(s)
    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        services.frozen_pool(mine)
    sql, params = next(q for q in captured if "GROUPING SETS" in q[0])
    with connection.cursor() as cursor:
        # a table this small is cheaper to scan and sort: ask for the plan a large one gets
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            lines = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")
    assert "entry_matter_ref_c" in lines
    assert "Sort" not in lines


# --- a large pool is read in ranges of references at once, on one snapshot ------------------


@pytest.fixture
def split_small(monkeypatch):
    """Pools this small are split as a large one is: every page sampled, three ranges."""
    monkeypatch.setattr(services, "SPLIT_FROM", 1)
    monkeypatch.setattr(services, "SAMPLE_PERCENT", 100)
    monkeypatch.setattr(services, "draw_workers", lambda: 3)
    calls = []
    real = services._read_ranges

    def spy(sql, params, bounds):
        calls.append(bounds)
        return real(sql, params, bounds)

    monkeypatch.setattr(services, "_read_ranges", spy)
    return calls


def _big_world():
    s = build_sup()
    add_entries(s, 40)
    add_entries(s, 15, credit_class="C", prefix="丙")
    add_entries(s, 6, credit_class="D", route="proof", prefix="丁")
    return s


def test_a_pool_read_in_ranges_at_once_is_the_pool_read_whole(transactional_db, split_small):
    s = _big_world()
    mine = plan(s)
    with transaction.atomic():
        split = services.frozen_pool(mine)
    assert len(split_small) == 1 and len(split_small[0]) == 2  # three ranges were read
    generic = _generic_pool(mine)
    assert split.strata == generic.strata
    union = sorted(m for v in generic.strata.values() for m in v)
    assert sorted(split.whole.decode().split("\n")) == union
    ranked = services.rank_subjects("7" * 64, split, [{"A": 10, "C": 20, "D": 50}], 1.0)
    again = services.rank_subjects("7" * 64, generic, [{"A": 10, "C": 20, "D": 50}], 1.0)
    assert ranked.strata == again.strata and ranked.pool_digest == again.pool_digest


def test_the_ranges_read_the_snapshot_the_draws_transaction_exported(
    transactional_db, split_small, monkeypatch
):
    """Entries committed by another transaction after the pool's snapshot was taken are not in
    the pool, although each range is read by a connection opened after they were committed."""
    import threading

    import psycopg

    from chengnuo.supervision.models import SubjectEntry

    s = _big_world()
    mine = plan(s)
    real_connect = psycopg.connect
    late: list = []
    lock = threading.Lock()

    def connect(*args, **kwargs):
        if kwargs.get("autocommit") is True:  # a range's connection (Django's opens otherwise)
            with lock:
                if not late:
                    late.append(race(lambda: add_entries(s, 3, prefix="晚")))
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", connect)
    with transaction.atomic():
        pool = services.frozen_pool(mine)
    assert split_small and late and late[0][1] == []
    assert SubjectEntry.objects.count() == 40 + 15 + 6 + 3
    assert sum(len(v) for v in pool.strata.values()) == 40 + 15 + 6
    assert not any(m.startswith("晚") for v in pool.strata.values() for m in v)


def test_a_transaction_that_changed_the_directory_reads_its_pool_in_one_query(
    transactional_db, split_small
):
    """Its uncommitted entries are invisible to other connections: the pool is read on its own
    connection, and includes them."""
    s = _big_world()
    mine = plan(s)
    with transaction.atomic():
        add_entries(s, 2, prefix="新")
        pool = services.frozen_pool(mine)
    assert split_small == []
    assert sum(len(v) for v in pool.strata.values()) == 40 + 15 + 6 + 2


def test_a_range_that_cannot_be_read_falls_back_to_one_query(
    transactional_db, split_small, monkeypatch
):
    import psycopg

    s = _big_world()
    mine = plan(s)

    def refused(*args, **kwargs):
        raise psycopg.OperationalError("too many connections")

    monkeypatch.setattr(psycopg, "connect", refused)
    with transaction.atomic():
        pool = services.frozen_pool(mine)
    assert split_small  # tried
    assert pool.strata == _generic_pool(mine).strata

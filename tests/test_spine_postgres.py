"""The event spine on PostgreSQL with real threads (ADR 0009): each agency's chain has its own
head lock, taken at commit, so agencies never wait for each other; concurrent writers leave
every chain gapless and intact; the event table can be range-partitioned by year."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import IntegrityError, OperationalError, connection, transaction

from chengnuo.audit.models import AuditChain, AuditEvent
from chengnuo.audit.partitioning import partition_sql
from chengnuo.audit.services import verify_chain
from chengnuo.cases import services as case_services
from chengnuo.cases.models import Case
from chengnuo.core.spine import chain_key

from .cases_helpers import World, build_world
from .factories import AgencyFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and partitions need PostgreSQL"
    ),
]


def _create(w: World) -> Case:
    return case_services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)


def _lock_timeout(ms: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{int(ms)}ms'")


class ChainHolder(threading.Thread):
    """Holds one chain's head row locked, as a transaction in the middle of its commit does,
    until told to let go."""

    def __init__(self, key: str):
        super().__init__(daemon=True)
        self.key = key
        self.locked = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT seq FROM audit_auditchain WHERE key = %s FOR UPDATE", [self.key]
                )
                self.locked.set()
                self.release.wait(30)
        except BaseException as exc:  # pragma: no cover - surfaced by the test
            self.error = exc
            self.locked.set()
        finally:
            connection.close()


@pytest.fixture
def two_agencies(transactional_db) -> tuple[World, World]:
    a = build_world(AgencyFactory(), prefix="A")
    b = build_world(AgencyFactory(), prefix="B")
    _create(a), _create(b)  # both chains have a head row
    return a, b


def test_an_agency_writes_while_another_agencys_chain_is_locked(two_agencies):
    a, b = two_agencies
    holder = ChainHolder(chain_key(a.agency.pk))
    holder.start()
    assert holder.locked.wait(10) and holder.error is None
    try:
        # agency B's write commits at once: with a 1 s lock timeout it would fail if it had to
        # wait for agency A's chain
        _lock_timeout(1000)
        case_b = _create(b)
        assert AuditEvent.objects.filter(object_id=str(case_b.pk)).exists()
        # and the lock is real: agency A's own next write waits for it (and times out here)
        _lock_timeout(300)
        with pytest.raises(OperationalError):
            _create(a)
    finally:
        holder.release.set()
        holder.join(10)
        _lock_timeout(0)
    # once A's chain is free again its writes go on, and nothing half-written remains
    case_a = _create(a)
    assert AuditEvent.objects.filter(object_id=str(case_a.pk)).exists()
    assert verify_chain() is None


def test_concurrent_writers_of_two_agencies_leave_every_chain_gapless_and_intact(two_agencies):
    a, b = two_agencies
    errors: list[BaseException] = []
    per_thread = 6
    start = threading.Barrier(6)

    def writer(w: World) -> None:
        try:
            start.wait(10)
            for _ in range(per_thread):
                _create(w)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in (a, b, a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert Case.objects.count() == 2 + 6 * per_thread
    for w in (a, b):
        key = chain_key(w.agency.pk)
        seqs = list(
            AuditEvent.objects.filter(chain=key).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, len(seqs) + 1))
        assert AuditChain.objects.get(key=key).seq == len(seqs)
    assert verify_chain() is None


SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_the_event_table_partitioned_by_year_takes_writes_in_two_years(db):
    """The statements of `audit_partition` turn the table into one partitioned by year; events
    of 31 December and 1 January land in their years' partitions, numbered on across them."""
    w = build_world()
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 59, tzinfo=SHANGHAI), tick=False):
        _create(w)  # a row before the conversion, copied across
    with connection.cursor() as cursor:
        for statement in partition_sql([2026, 2027]):
            cursor.execute(statement)
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'audit_auditevent'")
        assert cursor.fetchone() == ("p",)  # a partitioned table now
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 59, 30, tzinfo=SHANGHAI), tick=False):
        last_of_2026 = _create(w)
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 0, 30, tzinfo=SHANGHAI), tick=False):
        first_of_2027 = _create(w)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text, object_id, seq FROM audit_auditevent "
            "WHERE chain = %s ORDER BY seq",
            [chain_key(w.agency.pk)],
        )
        rows = cursor.fetchall()
    where = {object_id: part for part, object_id, _ in rows}
    assert where[str(last_of_2026.pk)] == "audit_auditevent_2026"
    assert where[str(first_of_2027.pk)] == "audit_auditevent_2027"
    assert [seq for _, _, seq in rows] == list(range(1, len(rows) + 1))
    assert verify_chain() is None
    # a second (chain, seq) in a year's partition is refused
    first = AuditEvent.objects.filter(object_id=str(first_of_2027.pk)).first()
    columns = ", ".join(f.column for f in AuditEvent._meta.concrete_fields if f.column != "id")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_auditevent ({columns}) "
            f"SELECT {columns} FROM audit_auditevent WHERE id = %s",
            [first.pk],
        )


def test_a_commit_never_waits_for_a_row_while_it_holds_its_chain(two_agencies):
    """Deferred foreign-key checks run before the chain head is locked, and the event rows
    reference nothing, so a transaction holding the chain never waits for a row lock: here one
    transaction holds the applicant's subject row and then writes to the agency's chain, while
    another creates a case for that subject (a foreign key checked at commit) in the same chain.
    Before, COMMIT took the chain and then waited for the subject: a deadlock at 80 flows."""
    from chengnuo.cases.constants import Event
    from chengnuo.core import spine
    from chengnuo.credit.models import Subject

    a, _ = two_agencies
    existing = Case.objects.filter(agency=a.agency).first()
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        try:
            with transaction.atomic():
                Subject.objects.select_for_update().get(pk=a.person.pk)
                locked.set()
                release.wait(10)
                spine.record(a.officer, Event.CREATED, existing, None, {"note": "同一链"})
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    def creator() -> None:
        try:
            _create(a)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    t1 = threading.Thread(target=holder)
    t1.start()
    assert locked.wait(10)
    t2 = threading.Thread(target=creator)
    t2.start()
    t2.join(1.0)  # the creator is now waiting in its commit (for the subject)
    release.set()
    t1.join(30)
    t2.join(30)
    assert errors == []
    assert Case.objects.filter(agency=a.agency).count() == 2
    assert verify_chain() is None

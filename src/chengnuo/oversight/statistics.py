"""The counters of the rollout at a glance (R-8.1, ADR 0015): kept up to date by event
handlers, folded, read, and rebuilt from the source tables.

- `count(...)` appends `CounterDelta` rows in the transaction of the fact counted (one INSERT
  per event, whatever the measures): flows never wait for each other's counter rows, and a
  rolled-back flow leaves no delta.
- `fold()` moves the deltas into the totals (`Counter`, one row per agency, month and
  measure): one statement on PostgreSQL (DELETE … RETURNING feeding an UPSERT, serialised by an
  advisory lock, so two folds never count a delta twice and never deadlock). It runs daily
  (`manage.py oversight_fold`) and before a rebuild; a figure is total + unfolded deltas.
- `rebuilt()` computes every counter from the source tables (cases, commitments,
  verification tasks); `manage.py oversight_rebuild` replaces the counters with it (an
  existing deployment) or, with `--check`, reports where the counters differ from it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from chengnuo.agencies.models import Agency
from chengnuo.cases.constants import CaseStatus, CommitmentStatus, Decision
from chengnuo.cases.models import Case, Commitment
from chengnuo.verification.constants import Outcome
from chengnuo.verification.models import VerificationTask

from .constants_dashboard import Measure
from .models import Counter, CounterDelta

Key = tuple[int, dt.date, str]  # (agency id, month's first day, measure)
FOLD_LOCK = 0x0F_5E_C0_01  # pg_advisory_xact_lock key of fold and rebuild
HANDLER_ORDER = 900  # after the apps' own reactions (verification's draws)


def month_of(moment: dt.datetime | dt.date) -> dt.date:
    day = timezone.localtime(moment).date() if isinstance(moment, dt.datetime) else moment
    return day.replace(day=1)


def count(agency_id: int | None, moment: dt.datetime | None, *measures: str) -> None:
    """Count one fact in the caller's transaction (a delta row per measure, one INSERT)."""
    if not agency_id or moment is None or not measures:
        return
    month = month_of(moment)
    CounterDelta.objects.bulk_create(
        [CounterDelta(agency_id=agency_id, month=month, measure=str(m)) for m in measures]
    )


# --- event handlers (registered by wiring.connect_statistics) -----------------------------------


def on_case_submitted(*, case: Any, **_: Any) -> None:
    committed = Commitment.objects.filter(case_id=case.pk, status=CommitmentStatus.SIGNED).exists()
    route = Measure.BY_COMMITMENT if committed else Measure.BY_PROOF
    count(case.agency_id, case.submitted_at, Measure.SUBMITTED, route)


def on_case_approved(*, case: Any, **_: Any) -> None:
    count(case.agency_id, case.decided_at, Measure.APPROVED)


def on_case_closed(*, case: Any, decision: Any = None, **_: Any) -> None:
    if decision in (Decision.REJECT, Decision.TERMINATE):
        count(case.agency_id, case.decided_at, Measure.CLOSED)


def on_case_revoked(*, case: Any, **_: Any) -> None:
    # counted in the month of the decision revoked (the case keeps no time of revocation)
    count(case.agency_id, case.decided_at, Measure.REVOKED)


def on_commitment_withdrawn(*, commitment: Any, **_: Any) -> None:
    agency_id = Case.objects.filter(pk=commitment.case_id).values_list("agency_id", flat=True)
    count(agency_id.first(), commitment.withdrawn_at, Measure.WITHDRAWN)


def on_verification_concluded(*, task: Any, outcome: Any = None, **_: Any) -> None:
    row = (
        VerificationTask.objects.filter(pk=getattr(task, "pk", task))
        .values("agency_id", "due_date", "concluded_at", "outcome")
        .first()
    )
    if row is None or row["concluded_at"] is None:
        return
    count(row["agency_id"], row["concluded_at"], *_task_measures(row))


def _task_measures(row: Any) -> list[str]:
    on_time = timezone.localtime(row["concluded_at"]).date() <= row["due_date"]
    measures: list[str] = [Measure.CONCLUDED, Measure.ON_TIME if on_time else Measure.LATE]
    if row["outcome"] == Outcome.CONSISTENT:
        measures.append(Measure.TRUE)
    elif row["outcome"] == Outcome.INCONSISTENT:
        measures.append(Measure.UNTRUE)
    return measures


HANDLERS = (
    ("case.submitted", on_case_submitted, "oversight.count_submitted"),
    ("case.approved", on_case_approved, "oversight.count_approved"),
    ("case.closed", on_case_closed, "oversight.count_closed"),
    ("case.revoked", on_case_revoked, "oversight.count_revoked"),
    ("commitment.withdrawn", on_commitment_withdrawn, "oversight.count_withdrawn"),
    ("verification.concluded", on_verification_concluded, "oversight.count_concluded"),
)


# --- fold ----------------------------------------------------------------------------------


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _upsert_sql() -> str:
    t = Counter._meta.db_table
    return (
        f"INSERT INTO {t} (agency_id, month, measure, count) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (agency_id, month, measure) DO UPDATE SET count = {t}.count + excluded.count"
    )


def fold() -> int:
    """Move the deltas into the totals; the number of deltas folded."""
    delta_t, counter_t = CounterDelta._meta.db_table, Counter._meta.db_table
    agency_t = Agency._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        if _is_postgres():
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK])
            cur.execute(
                f"WITH moved AS (DELETE FROM {delta_t} RETURNING agency_id, month, measure, delta),"
                f" summed AS (SELECT m.agency_id, m.month, m.measure, SUM(m.delta) AS n,"
                f" COUNT(*) AS rows FROM moved m GROUP BY 1, 2, 3),"
                f" stored AS (INSERT INTO {counter_t} (agency_id, month, measure, count)"
                f" SELECT s.agency_id, s.month, s.measure, s.n FROM summed s"
                f" JOIN {agency_t} a ON a.id = s.agency_id ORDER BY 1, 2, 3"
                f" ON CONFLICT (agency_id, month, measure)"
                f" DO UPDATE SET count = {counter_t}.count + excluded.count RETURNING 1)"
                f" SELECT COALESCE(SUM(rows), 0) FROM summed"
            )
            return int(cur.fetchone()[0])
        rows = list(
            CounterDelta.objects.values_list("id", "agency_id", "month", "measure", "delta")
        )
        if not rows:
            return 0
        top = max(r[0] for r in rows)
        CounterDelta.objects.filter(id__lte=top).delete()
        known = set(Agency.objects.filter(pk__in={r[1] for r in rows}).values_list("pk", flat=True))
        sums: dict[Key, int] = defaultdict(int)
        for _pk, agency_id, month, measure, delta in rows:
            if agency_id in known:
                sums[(agency_id, month, measure)] += delta
        cur.executemany(_upsert_sql(), [(*k, n) for k, n in sorted(sums.items())])
        return len(rows)


# --- read ----------------------------------------------------------------------------------


def figures(agency_ids: Iterable[int] | None, start: dt.date, end: dt.date) -> dict[Key, int]:
    """Every counter of the agencies (None: all) for the months start <= month < end: the
    totals plus the deltas not folded yet (two queries)."""
    totals = Counter.objects.filter(month__gte=start, month__lt=end)
    deltas = CounterDelta.objects.filter(month__gte=start, month__lt=end)
    if agency_ids is not None:
        ids = sorted(set(agency_ids))
        totals, deltas = totals.filter(agency_id__in=ids), deltas.filter(agency_id__in=ids)
    out: dict[Key, int] = defaultdict(int)
    for agency_id, month, measure, n in totals.values_list(
        "agency_id", "month", "measure", "count"
    ):
        out[(agency_id, month, measure)] += n
    summed = deltas.values("agency_id", "month", "measure").annotate(n=Sum("delta")).order_by()
    for r in summed:
        out[(r["agency_id"], r["month"], r["measure"])] += r["n"]
    return dict(out)


def current() -> dict[Key, int]:
    """Every counter as the pages see it (all months)."""
    got = figures(None, dt.date(1, 1, 1), dt.date(9999, 1, 1))
    return {k: n for k, n in got.items() if n}


# --- rebuild -------------------------------------------------------------------------------


def _tz() -> Any:
    return timezone.get_current_timezone()


def _grouped(rows: Any, into: dict[Key, int], measure_of: Any) -> None:
    for r in rows:
        measure = measure_of(r)
        if measure and r["m"] is not None:
            month = r["m"].date() if isinstance(r["m"], dt.datetime) else r["m"]
            into[(r["agency_id"], month.replace(day=1), str(measure))] += r["n"]


def rebuilt() -> dict[Key, int]:
    """Every counter computed from the source tables (what the handlers would have counted)."""
    out: dict[Key, int] = defaultdict(int)
    submitted = Case.objects.filter(submitted_at__isnull=False)
    signed_then = Commitment.objects.filter(
        case_id=OuterRef("pk"), signed_at__lte=OuterRef("submitted_at")
    ).filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=OuterRef("submitted_at")))
    rows = (
        submitted.annotate(
            m=TruncMonth("submitted_at", tzinfo=_tz()), committed=Exists(signed_then)
        )
        .values("agency_id", "m", "committed")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in rows:
        for measure in (
            Measure.SUBMITTED,
            Measure.BY_COMMITMENT if r["committed"] else Measure.BY_PROOF,
        ):
            _grouped([r], out, lambda _r, m=measure: m)
    decided = (
        Case.objects.filter(decided_at__isnull=False)
        .annotate(m=TruncMonth("decided_at", tzinfo=_tz()))
        .values("agency_id", "m", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in decided:
        if r["status"] in (CaseStatus.APPROVED, CaseStatus.REVOKED):
            _grouped([r], out, lambda _r: Measure.APPROVED)
        if r["status"] == CaseStatus.REVOKED:
            _grouped([r], out, lambda _r: Measure.REVOKED)
        if r["status"] in (CaseStatus.REJECTED, CaseStatus.TERMINATED):
            _grouped([r], out, lambda _r: Measure.CLOSED)
    withdrawn = (
        Commitment.objects.filter(status=CommitmentStatus.WITHDRAWN, withdrawn_at__isnull=False)
        .annotate(m=TruncMonth("withdrawn_at", tzinfo=_tz()), agency_id=F("case__agency_id"))
        .values("agency_id", "m")
        .annotate(n=Count("id"))
        .order_by()
    )
    _grouped(withdrawn, out, lambda _r: Measure.WITHDRAWN)
    for r in _tasks_grouped():
        _grouped([r], out, lambda _r: Measure.CONCLUDED)
        _grouped([r], out, lambda r_: Measure.ON_TIME if r_["on_time"] else Measure.LATE)
        if r["outcome"] == Outcome.CONSISTENT:
            _grouped([r], out, lambda _r: Measure.TRUE)
        elif r["outcome"] == Outcome.INCONSISTENT:
            _grouped([r], out, lambda _r: Measure.UNTRUE)
    return {k: n for k, n in out.items() if n}


def _tasks_grouped() -> Any:
    return (
        VerificationTask.objects.filter(concluded_at__isnull=False)
        .annotate(
            m=TruncMonth("concluded_at", tzinfo=_tz()),
            concluded_on=TruncDate("concluded_at", tzinfo=_tz()),
        )
        .annotate(
            on_time=ExpressionWrapper(
                Q(concluded_on__lte=F("due_date")), output_field=BooleanField()
            )
        )
        .values("agency_id", "m", "outcome", "on_time")
        .annotate(n=Count("id"))
        .order_by()
    )


def rebuild() -> int:
    """Replace every counter by the recomputed one; the number of counter rows written. Flows
    that count meanwhile wait for it (their delta INSERT waits for the table lock), so none is
    lost or counted twice."""
    with transaction.atomic():
        if _is_postgres():
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK])
                cur.execute(f"LOCK TABLE {CounterDelta._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        CounterDelta.objects.all().delete()
        Counter.objects.all().delete()
        known = set(Agency.objects.values_list("pk", flat=True))
        rows = [
            Counter(agency_id=a, month=m, measure=measure, count=n)
            for (a, m, measure), n in sorted(rebuilt().items())
            if a in known
        ]
        Counter.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def differences() -> list[tuple[Key, int, int]]:
    """(counter, kept, recomputed) wherever the kept counters differ from the source tables."""
    kept, again = current(), rebuilt()
    return [
        (k, kept.get(k, 0), again.get(k, 0))
        for k in sorted(set(kept) | set(again))
        if kept.get(k, 0) != again.get(k, 0)
    ]

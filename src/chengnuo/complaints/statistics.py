"""Public statistics of complaints (R-8.1, 一公开 of how agencies answer): per agency and
year, how many were received, answered, answered within the deadline, and how the answers
were rated. Computed by one GROUP BY over the year's complaints (index on `submitted_at`) and
kept in the cache for ten minutes, so a page load costs one cache read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from .constants import Rating, Status
from .models import Complaint

CACHE_SECONDS = 600
FIRST_YEAR = 2026


@dataclass(frozen=True)
class AgencyRow:
    agency: str
    received: int
    answered: int
    on_time: int
    rated: int
    satisfied: int  # 满意 or 基本满意

    @property
    def on_time_percent(self) -> float | None:
        return round(100 * self.on_time / self.answered, 1) if self.answered else None

    @property
    def satisfied_percent(self) -> float | None:
        return round(100 * self.satisfied / self.rated, 1) if self.rated else None


def years(today: date | None = None) -> list[int]:
    today = today or timezone.localdate()
    return list(range(today.year, FIRST_YEAR - 1, -1))


def _span(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date(year, 1, 1), time.min), tz)
    end = timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time.min), tz)
    return start, end


def counts(start: datetime, end: datetime, by: str) -> QuerySet:
    """Received, answered, answered on time, rated and satisfied (满意 or 基本满意) of the
    complaints submitted in [start, end), one row per value of `by` (one GROUP BY); the
    caller filters and orders further (the oversight dashboard uses it too)."""
    answered = Q(status=Status.ANSWERED)
    return (
        Complaint.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(answered_on=TruncDate("answered_at", tzinfo=timezone.get_current_timezone()))
        .values(by)
        .annotate(
            received=Count("id"),
            answered=Count("id", filter=answered),
            on_time=Count("id", filter=answered & Q(answered_on__lte=F("answer_due"))),
            rated=Count("id", filter=answered & ~Q(rating="")),
            satisfied=Count(
                "id", filter=answered & Q(rating__in=[Rating.SATISFIED, Rating.FAIRLY])
            ),
        )
    )


def _compute(year: int) -> list[AgencyRow]:
    rows = counts(*_span(year), "handling_agency__name").order_by(
        "-received", "handling_agency__name"
    )
    return [
        AgencyRow(
            agency=r["handling_agency__name"],
            received=r["received"],
            answered=r["answered"],
            on_time=r["on_time"],
            rated=r["rated"],
            satisfied=r["satisfied"],
        )
        for r in rows
    ]


def by_agency(year: int) -> list[AgencyRow]:
    key = f"complaints:statistics:{year}"
    rows = cache.get(key)
    if rows is None:
        rows = _compute(year)
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def totals(rows: list[AgencyRow]) -> AgencyRow:
    return AgencyRow(
        agency="",
        received=sum(r.received for r in rows),
        answered=sum(r.answered for r in rows),
        on_time=sum(r.on_time for r in rows),
        rated=sum(r.rated for r in rows),
        satisfied=sum(r.satisfied for r in rows),
    )

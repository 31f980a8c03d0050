"""The lawful contexts in which a staff member reaches a subject (R-5.6, R-5.7).

Staff never browse subjects: a subject is reachable only through a context that names it —

- an exact lookup by the full identifier (R-5.7), by this actor, in the last
  `settings.LOOKUP_CONTEXT_MINUTES` (or the subject this actor just registered at the window);
- a record of the actor's own agency (the credit authority keeps every record's file);
- and what other apps register: a case of the actor's agency (cases), a verification task or
  assistance request of it (verification).

Anything else is NotFound, indistinguishable from a subject that does not exist. The apps that
know a context register a provider in their `AppConfig.ready()` (`register_provider`), so credit
imports none of them. Each context has a stable key ("case:CN20261202000012"), the label shown
when a staff member chooses why they reveal an identifier, and whether it allows the full
identifier to be seen by someone whose role otherwise does not (an assistance request's handler,
who must identify the person).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from chengnuo.accounts.actors import user_of
from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import agency_ids_with_role, memberships
from chengnuo.core.actors import Actor

from .constants import Event


@dataclass(frozen=True)
class AccessContext:
    key: str  # stable: "<kind>:<reference>"
    kind: str  # lookup, record, case, task, assistance
    label: str  # Chinese, for the reason chooser and the audit record
    agency_id: int | None = None
    unmask: bool = False  # lets its holder see the full identifier whatever their role
    url: str = ""  # the page of the context, to go back to


Provider = Callable[[Any, Any], list[AccessContext]]
_PROVIDERS: dict[str, Provider] = {}


def register_provider(name: str, provider: Provider) -> None:
    """Called by an app's ready(): `provider(actor, subject)` lists that app's contexts."""
    _PROVIDERS[name] = provider


def contexts_for(actor: Actor, subject: Any) -> list[AccessContext]:
    """Every lawful context in which `actor` reaches `subject`, most specific first."""
    if actor is None or not getattr(actor, "is_authenticated", False) or subject is None:
        return []
    found: list[AccessContext] = []
    for name in sorted(_PROVIDERS):
        found += _PROVIDERS[name](actor, subject)
    order = {"assistance": 0, "task": 1, "case": 2, "record": 3, "lookup": 4}
    return sorted(found, key=lambda c: (order.get(c.kind, 9), c.key))


def context_get(actor: Actor, subject: Any, key: str) -> AccessContext | None:
    if not isinstance(key, str) or not key or len(key) > 100:
        return None
    return next((c for c in contexts_for(actor, subject) if c.key == key), None)


# --- credit's own contexts ------------------------------------------------------------------

LOOKUP_ROLES = (Role.WINDOW_CLERK, Role.CASE_OFFICER, Role.CREDIT_OFFICER, Role.INSPECTOR)


def _lookups(actor: Actor, subject: Any) -> list[AccessContext]:
    """An exact lookup by identifier (or the registration) by this actor, recently."""
    from chengnuo.audit.models import AuditEvent

    if not any(m.role in LOOKUP_ROLES for m in memberships(actor)):
        return []
    since = timezone.now() - timedelta(minutes=settings.LOOKUP_CONTEXT_MINUTES)
    event = (
        AuditEvent.objects.filter(
            target_type="credit.subject",
            target_id=str(subject.pk),
            actor=user_of(actor),
            event__in=(Event.SUBJECT_FOUND, Event.SUBJECT_REGISTERED),
            occurred_at__gte=since,
        )
        .order_by("-occurred_at", "-id")
        .only("id", "occurred_at", "event")
        .first()
    )
    if event is None:
        return []
    when = timezone.localtime(event.occurred_at).strftime("%H:%M")
    what = "窗口登记" if event.event == Event.SUBJECT_REGISTERED else "按证件号码精确查询"
    return [AccessContext(f"lookup:{event.pk}", "lookup", f"{what}（{when}）")]


def _records(actor: Actor, subject: Any) -> list[AccessContext]:
    """Credit records of the actor's agency; the credit authority's credit officers (and
    platform-wide ones, without an agency) keep the file of every record, repair and
    objection."""
    from .models import CreditRecord

    authority = any(
        m.role == Role.CREDIT_OFFICER and (m.agency is None or m.agency.kind == "credit_authority")
        for m in memberships(actor)
    )
    records = CreditRecord.objects.filter(subject=subject)
    if not authority:
        agencies = agency_ids_with_role(actor, *LOOKUP_ROLES)
        if not agencies:
            return []
        records = records.filter(deciding_agency_id__in=agencies)
    return [
        AccessContext(
            f"record:{r.pk}",
            "record",
            f"信用记录：{r.get_kind_display()}（{r.decided_on:%Y-%m-%d}）",
            r.deciding_agency_id,
        )
        for r in records.order_by("-decided_on", "-pk")[:5]
    ]


register_provider("credit.lookup", _lookups)
register_provider("credit.records", _records)

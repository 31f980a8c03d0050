"""Audit pages for staff: an object's history, the trail of the agencies one oversees (search
by agency, event, person and date, newest first), and the alerts to look into (R-9.1, R-5.6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from chengnuo.agencies.models import Agency
from chengnuo.core.actors import Actor
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import fail, staff_view

from . import alerts, display
from .selectors import HISTORY_TYPES, events_visible_to, history_for, history_target_get

PAGE_SIZE = 50
MAX_SEQ = 2**63 - 1


def _readable(events: Any) -> list[Any]:
    rows = list(events)
    for e in rows:
        e.label = display.event_label(e.event)
        e.changes = display.changes(e.before, e.after)
        e.history_type = e.target_type if e.target_type in HISTORY_TYPES else ""
    return rows


@login_required
def history(request, target_type: str, pk: str):
    try:
        target = history_target_get(request.user, target_type, pk)
    except NotFound as exc:
        raise Http404 from exc
    events = _readable(history_for(request.user, target))
    return render(
        request,
        "audit/history.html",
        {
            "target": target,
            "events": events,
            "target_type": target_type,
            "can_search": events_visible_to(request.user) is not None,
        },
    )


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@staff_view
def index(request: HttpRequest) -> HttpResponse:
    """The trail of the agencies the actor oversees, newest first, 50 rows a page (keyset by
    id, so a deep page costs what the first one does)."""
    qs = events_visible_to(request.user)
    if qs is None:
        raise PermissionDenied("只有部门管理员、审计人员和司法局可以查看审计记录")
    agencies = _agency_choices(request.user)
    params = request.GET
    agency = params.get("agency", "")
    if agency.isdigit() and any(str(a.pk) == agency for a in agencies):
        qs = qs.filter(agency_id=int(agency))
    event = params.get("event", "").strip()[:60]
    if event:
        qs = qs.filter(event__startswith=event)
    actor = params.get("actor", "").strip()[:150]
    if actor:
        qs = qs.filter(Q(actor_label__contains=actor) | Q(actor__username=actor))
    start, end = _date(params.get("from", "")), _date(params.get("to", ""))
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(occurred_at__gte=dt.datetime.combine(start, dt.time.min, tz))
    if end:
        qs = qs.filter(occurred_at__lt=dt.datetime.combine(end + dt.timedelta(1), dt.time.min, tz))
    before = params.get("before", "")
    if before.isdigit() and int(before) <= MAX_SEQ:
        qs = qs.filter(id__lt=int(before))
    rows = _readable(qs.select_related("agency").order_by("-id")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    query = params.copy()
    query.pop("before", None)
    return render(
        request,
        "audit/index.html",
        {
            "events": rows,
            "agencies": agencies,
            "filters": {
                "agency": agency,
                "event": event,
                "actor": actor,
                "from": params.get("from", ""),
                "to": params.get("to", ""),
            },
            "event_choices": list(display.event_labels().items()),
            "next_before": rows[-1].pk if more and rows else None,
            "query": query.urlencode(),
            "open_alerts": alerts.alerts_for(request.user).filter(acknowledged_at__isnull=True)[:5],
        },
    )


def _agency_choices(actor: Actor) -> list[Agency]:
    from chengnuo.agencies.policies import auditable_agency_ids, is_system_admin

    qs = Agency.objects.order_by("level", "name")
    return list(qs if is_system_admin(actor) else qs.filter(pk__in=auditable_agency_ids(actor)))


@staff_view
def alert_list(request: HttpRequest) -> HttpResponse:
    if not alerts.can_watch_alerts(request.user):
        raise PermissionDenied("只有部门管理员和审计人员可以查看安全提醒")
    qs = alerts.alerts_for(request.user)
    return render(
        request,
        "audit/alerts.html",
        {
            "open": list(qs.filter(acknowledged_at__isnull=True)[:200]),
            "closed": list(qs.filter(acknowledged_at__isnull=False)[:50]),
        },
    )


@staff_view
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = alerts.alerts_for(request.user).filter(pk=pk).first() if pk < MAX_SEQ else None
    if alert is None:
        raise NotFound()
    try:
        alerts.alert_acknowledge(actor=request.user, alert=alert, note=request.POST.get("note", ""))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        fail(request, exc)
    else:
        messages.success(request, "已记录处理意见")
    return redirect("audit:alerts")

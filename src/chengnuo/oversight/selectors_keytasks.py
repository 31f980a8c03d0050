"""Reads of the key-task table (R-8.3), scoped to the actor: per task, the state of each unit
the actor may see (from its latest report and the deadline)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.utils import timezone

from chengnuo.agencies.models import Agency
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound

from . import policies_keytasks as policies
from .constants_keytasks import Progress, TaskState
from .models import JointInspection, KeyTask, KeyTaskReport


def state_of(task: KeyTask, report: KeyTaskReport | None, today: dt.date) -> TaskState:
    late = task.due_date is not None and task.due_date < today
    if report is not None and report.progress == Progress.DONE:
        return TaskState.DONE
    if late:
        return TaskState.OVERDUE
    return TaskState.UNDER_WAY if report is not None else TaskState.NOT_REPORTED


def _rows(actor: Actor, tasks: list[KeyTask], today: dt.date) -> list[dict[str, Any]]:
    ordinary = policies.ordinary_ids()
    units = {t.pk: policies.unit_ids(t, ordinary) for t in tasks}
    visible = {pk: policies.visible_unit_ids(actor, ids) for pk, ids in units.items()}
    wanted = set().union(*visible.values()) if visible else set()
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=wanted).order_by("name")}
    latest: dict[tuple[int, int], KeyTaskReport] = {}
    reports = KeyTaskReport.objects.filter(task__in=tasks, agency_id__in=wanted).order_by(
        "task_id", "agency_id", "-month"
    )
    for r in reports.only("task_id", "agency_id", "month", "progress", "submitted_at"):
        latest.setdefault((r.task_id, r.agency_id), r)
    this_month = today.replace(day=1)
    out = []
    for task in tasks:
        leads = {a.pk for a in task.lead_agencies.all()}
        cells = []
        for agency_id in sorted(visible[task.pk], key=lambda i: (i not in leads, agencies[i].name)):
            report = latest.get((task.pk, agency_id))
            cells.append(
                {
                    "agency": agencies[agency_id],
                    "lead": agency_id in leads,
                    "state": state_of(task, report, today),
                    "report": report,
                    "this_month": report is not None and report.month == this_month,
                }
            )
        counts = Counter(c["state"] for c in cells)
        out.append(
            {
                "task": task,
                "cells": cells,
                "counts": {s: counts.get(s, 0) for s in TaskState},
                "overdue": counts.get(TaskState.OVERDUE, 0),
                "missing_this_month": sum(
                    1 for c in cells if not c["this_month"] and c["state"] != TaskState.DONE
                ),
            }
        )
    return out


def _tasks() -> Any:
    return KeyTask.objects.prefetch_related("lead_agencies", "responsible_agencies")


def table(actor: Actor, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Every task with a unit the actor may see (an admin: its own agency's tasks)."""
    today = today or timezone.localdate()
    rows = _rows(actor, list(_tasks()), today)
    return [r for r in rows if r["cells"]]


def task_for(actor: Actor, pk: int, *, today: dt.date | None = None) -> dict[str, Any]:
    task = _tasks().filter(pk=pk).first()
    if task is None:
        raise NotFound()
    rows = _rows(actor, [task], today or timezone.localdate())
    if not rows[0]["cells"] and not policies.is_system_admin(actor):
        raise NotFound()
    return rows[0]


def reports_of(actor: Actor, task: KeyTask, agency_ids: set[int]) -> list[KeyTaskReport]:
    return list(
        KeyTaskReport.objects.filter(task=task, agency_id__in=agency_ids)
        .select_related("agency", "submitted_by")
        .order_by("-month", "agency__name")[:500]
    )


def joint_inspections(actor: Actor) -> list[JointInspection]:
    rows = JointInspection.objects.prefetch_related("members__agency", "members__user")
    if policies.overseen_ids(actor) or policies.is_system_admin(actor):
        return list(rows[:200])
    user_id = getattr(actor, "pk", None) or 0
    return list(rows.filter(members__user_id=user_id).distinct()[:200])


def joint_for(actor: Actor, pk: int) -> JointInspection:
    rows = JointInspection.objects.prefetch_related("members__agency", "members__user").filter(
        pk=pk
    )
    if not (policies.overseen_ids(actor) or policies.is_system_admin(actor)):
        rows = rows.filter(members__user_id=getattr(actor, "pk", None) or 0)
    row = rows.first()
    if row is None:
        raise NotFound()
    return row

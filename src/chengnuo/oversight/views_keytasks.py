"""Pages of the key-task table (R-8.3): /oversight/tasks/ — the table with each unit's state,
a task with its reports and the report form, custom tasks, joint inspections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.agencies.models import Agency
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import field_errors, staff_view

from . import policies_keytasks as policies
from . import selectors_keytasks as selectors
from . import services_keytasks as services
from .constants_keytasks import JOINT_KINDS, Progress, TaskState


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip()) if raw and len(raw) <= 10 else None
    except ValueError:
        return None


@staff_view
def key_tasks(request: HttpRequest) -> HttpResponse:
    if not policies.reads_table(request.user):
        raise PermissionDenied(_("只有司法局审核人员和各单位部门管理员可以查看重点任务分解表"))
    rows = selectors.table(request.user)
    return render(
        request,
        "oversight/key_tasks.html",
        {
            "rows": rows,
            "states": TaskState,
            "manages": bool(policies.overseen_ids(request.user))
            or policies.is_system_admin(request.user),
            "today": timezone.localdate(),
        },
    )


def _task_page(
    request: HttpRequest, row: dict[str, Any], form: dict[str, Any], errors: dict[str, Any]
) -> HttpResponse:
    task = row["task"]
    reporting = policies.reporting_ids(request.user)
    return render(
        request,
        "oversight/key_task.html",
        {
            "row": row,
            "task": task,
            "reports": selectors.reports_of(
                request.user, task, {c["agency"].pk for c in row["cells"]}
            ),
            "mine": [c["agency"] for c in row["cells"] if c["agency"].pk in reporting],
            "progress": Progress.choices,
            "form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@staff_view
def key_task(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_page(request, selectors.task_for(request.user, pk), {}, {})


@staff_view
@require_POST
def key_task_report(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.task_for(request.user, pk)
    task = row["task"]
    raw = request.POST.get("agency", "")
    agency = Agency.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 10 else None
    if agency is None:
        raise NotFound()
    form = {k: request.POST.get(k, "") for k in ("progress", "text", "evidence")}
    try:
        services.progress_report(actor=request.user, task=task, agency=agency, **form)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        errors = field_errors(exc, ("progress", "text", "evidence"), general="general")
        return _task_page(request, row, form, errors)
    messages.success(request, _("本月进展已报送。"))
    return redirect("oversight:key_task", pk=task.pk)


def _agency_choices(request: HttpRequest) -> list[Agency]:
    rows = Agency.objects.order_by("name")
    if policies.is_system_admin(request.user):
        return list(rows)
    return list(rows.filter(pk__in=policies.overseen_ids(request.user)))


@staff_view
def key_task_new(request: HttpRequest) -> HttpResponse:
    if not policies.overseen_ids(request.user) and not policies.is_system_admin(request.user):
        raise PermissionDenied(_("只有司法局审核人员可以编制重点任务"))
    form: dict[str, Any] = {"lead_ids": [], "responsible_ids": []}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        form = {
            "heading": request.POST.get("heading", ""),
            "requirement": request.POST.get("requirement", ""),
            "lead_ids": request.POST.getlist("lead_ids"),
            "responsible_ids": request.POST.getlist("responsible_ids"),
            "all_agencies": request.POST.get("all_agencies") == "1",
            "due_date": request.POST.get("due_date", ""),
        }
        try:
            task = services.key_task_save(
                actor=request.user,
                heading=form["heading"],
                requirement=form["requirement"],
                lead_ids=form["lead_ids"],
                responsible_ids=form["responsible_ids"],
                all_agencies=form["all_agencies"],
                due_date=_date(form["due_date"]),
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(
                exc, ("heading", "requirement", "lead_ids", "responsible_ids", "all_agencies"),
                general="general",
            )  # fmt: skip
        else:
            messages.success(request, _("重点任务已保存。"))
            return redirect("oversight:key_task", pk=task.pk)
    return render(
        request,
        "oversight/key_task_form.html",
        {
            "form": form,
            "errors": errors,
            "agencies": _agency_choices(request),
            "city": policies.is_city_bureau(request.user) or policies.is_system_admin(request.user),
        },
        status=400 if errors else 200,
    )


def _joint_candidates() -> list[Any]:
    from chengnuo.agencies.models import Membership

    return list(
        Membership.objects.filter(agency__kind__in=JOINT_KINDS)
        .select_related("agency", "user")
        .order_by("agency__kind", "agency__name", "user__username")[:300]
    )


@staff_view
def joint_list(request: HttpRequest) -> HttpResponse:
    overseer = bool(policies.overseen_ids(request.user)) or policies.is_system_admin(request.user)
    rows = selectors.joint_inspections(request.user)
    if not overseer and not rows:
        raise PermissionDenied(_("只有司法局审核人员和联合督查组成员可以查看联合督查"))
    form: dict[str, Any] = {"member_ids": []}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        if not overseer:
            raise PermissionDenied(_("只有司法局审核人员可以部署联合督查"))
        form = {k: request.POST.get(k, "") for k in ("title", "scope", "start", "end")}
        form["member_ids"] = request.POST.getlist("member_ids")
        try:
            inspection = services.joint_plan(
                actor=request.user,
                title=form["title"],
                scope=form["scope"],
                start=_date(form["start"]),  # type: ignore[arg-type]
                end=_date(form["end"]),  # type: ignore[arg-type]
                member_ids=form["member_ids"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(exc, ("title", "scope", "end", "member_ids"), general="general")
        else:
            messages.success(request, _("联合督查已部署。"))
            return redirect("oversight:joint", pk=inspection.pk)
    seen: set[int] = set()
    candidates = []
    for m in _joint_candidates():
        if m.user_id not in seen:
            seen.add(m.user_id)
            candidates.append(m)
    return render(
        request,
        "oversight/joint_list.html",
        {
            "rows": rows,
            "overseer": overseer,
            "candidates": candidates if overseer else [],
            "form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@staff_view
def joint(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.joint_for(request.user, pk)
    errors: dict[str, Any] = {}
    findings = ""
    if request.method == "POST":
        findings = request.POST.get("findings", "")
        try:
            services.joint_conclude(actor=request.user, inspection=row, findings=findings)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(exc, ("findings",), general="general")
        else:
            messages.success(request, _("督查情况已记录，联合督查完成。"))
            return redirect("oversight:joint", pk=row.pk)
    return render(
        request,
        "oversight/joint.html",
        {
            "row": row,
            "errors": errors,
            "findings": findings,
            "may_conclude": policies.may_conclude(request.user, row),
        },
        status=400 if errors else 200,
    )

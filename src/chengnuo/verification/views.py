"""Pages of verification for the agency: the dashboard (due, overdue, outcomes by method), the
task list, a task with its online comparisons, assistance and inspection, the handling of an
untrue commitment and the rectification result (R-4.8, R-5.5); the item's verification plan
(agency admins, R-4.1); re-running a sampling draw from its seed (R-4.2). Thin views."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.agencies.models import Agency
from chengnuo.catalog.models import CertificationItem
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import fail, staff_view

from . import handling, policies, rules, selectors, services
from .constants import (
    HandlingStatus,
    Measure,
    Outcome,
    TaskStatus,
    Timing,
    VerificationMethod,
)
from .models import Handling, SamplingDraw

LIST_LIMIT = 300


@staff_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """The agency's verification dashboard and task list with filters."""
    if policies.readable_agency_ids(request.user) == set():
        raise PermissionDenied(_("只有机关工作人员可以查看核查任务"))
    today = timezone.localdate()
    status = request.GET.get("status", "")
    method = request.GET.get("method", "")
    outcome = request.GET.get("outcome", "")
    overdue = request.GET.get("overdue") == "1"
    tasks = selectors.tasks_for(
        request.user,
        status=status if status in TaskStatus.values else "",
        method=method if method in VerificationMethod.values else "",
        outcome=outcome if outcome in Outcome.values else "",
        overdue=overdue,
        on=today,
    ).order_by("status", "due_date", "id")
    stats = selectors.dashboard(request.user, on=today)
    labels = dict(VerificationMethod.choices)
    for row in stats["by_method"]:
        row["label"] = labels.get(row["method"], row["method"])
    return render(
        request,
        "verification/dashboard.html",
        {
            "tasks": list(tasks[:LIST_LIMIT]),
            "stats": stats,
            "today": today,
            "status": status,
            "method": method,
            "outcome": outcome,
            "overdue": overdue,
            "statuses": TaskStatus.choices,
            "methods": VerificationMethod.choices,
            "outcomes": [c for c in Outcome.choices if c[0]],
        },
    )


def _shown(value: Any) -> Any:
    """Booleans of a source record in words (是/否), lists joined; other values as they are."""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return value


def _displayed(checks: Any) -> list[Any]:
    rows = list(checks)
    for check in rows:
        check.lines = [  # type: ignore[attr-defined]
            dict(
                line,
                committed=_shown(line.get("committed")),
                source_value=_shown(line.get("source_value")),
            )
            for line in check.comparison or []
        ]
    return rows


def _task_context(request: HttpRequest, task: Any) -> dict[str, Any]:
    c = task.commitment
    siblings = list(
        selectors.tasks_for(request.user).filter(commitment=c).exclude(pk=task.pk).order_by("id")
    )
    handlings = list(task.handlings.select_related("credit_record", "decided_by").order_by("id"))
    open_rectification = next((h for h in handlings if h.status == HandlingStatus.OPEN), None)
    handles = policies.handles_task(request.user, task)
    return {
        "task": task,
        "c": c,
        "case": c.case,
        "facts": [
            {"label": f.get("label"), "value": c.facts.get(f["key"], "")}
            for f in c.commitment_version.content.get("facts", [])
        ],
        "checks": _displayed(selectors.checks_of(task)),
        "assistance": list(task.assistance_requests.select_related("requested_agency")),
        "inspection": getattr(task, "inspection", None),
        "siblings": siblings,
        "handlings": handlings,
        "open_rectification": open_rectification,
        "handles": handles,
        "can_handle": handles and task.outcome == Outcome.INCONSISTENT and not open_rectification,
        "can_request_assistance": handles
        and task.status != TaskStatus.DONE
        and task.method in (VerificationMethod.ASSISTANCE, VerificationMethod.ON_SITE),
        "measures": Measure.choices,
        "draw": task.draw,
        "overdue": task.status != TaskStatus.DONE and task.due_date < timezone.localdate(),
    }


@staff_view
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_for(request.user, pk)
    return render(request, "verification/task.html", _task_context(request, task))


@staff_view
@require_POST
def task_handle(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer records the handling of an untrue commitment."""
    task = selectors.task_get_for(request.user, pk)
    post = request.POST
    days_raw = post.get("rectification_days", "")
    try:
        h = handling.handling_decide(
            actor=request.user,
            task=task,
            measure=post.get("measure", ""),
            reason=post.get("reason", ""),
            legal_basis=post.get("legal_basis", ""),
            rectification_days=int(days_raw) if days_raw.isdigit() and len(days_raw) < 4 else None,
            decision_number=post.get("decision_number", ""),
            penalty_amount=post.get("penalty_amount", ""),
            referred_to=post.get("referred_to", ""),
            impact={
                "amount_yuan": post.get("impact_amount_yuan", ""),
                "people_affected": post.get("impact_people_affected", ""),
                "public_interest": "1" if post.get("impact_public_interest") else "",
            },
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        fail(request, exc)
        context = _task_context(request, task)
        context["form"] = post
        return render(request, "verification/task.html", context, status=400)
    messages.success(
        request, _("已记录处置措施：%(measure)s。") % {"measure": h.get_measure_display()}
    )
    return redirect("verification:task", pk=task.pk)


@staff_view
@require_POST
def rectification(request: HttpRequest, pk: int) -> HttpResponse:
    """Record whether the ordered rectification was done by the deadline."""
    h = Handling.objects.select_related("task").filter(pk=pk).first()
    if h is None:
        raise NotFound()
    selectors.task_get_for(request.user, h.task_id)
    try:
        h = handling.rectification_close(
            actor=request.user,
            handling=h,
            rectified=request.POST.get("rectified") == "1",
            note=request.POST.get("note", ""),
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        fail(request, exc)
    else:
        messages.success(
            request, _("已登记整改结果：%(status)s。") % {"status": h.get_status_display()}
        )
    return redirect("verification:task", pk=h.task_id)


@staff_view
def draw_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-run a draw from its stored seed and inputs: anyone who may read it sees the same
    selection (R-4.2)."""
    draw = SamplingDraw.objects.select_related("case").filter(pk=pk).first()
    if draw is None:
        raise NotFound()
    ids = policies.readable_agency_ids(request.user)
    if ids is not None and draw.case.agency_id not in ids:
        raise NotFound()
    rerun = rules.draw(draw.seed, list(draw.candidates), draw.share_percent)
    scores = [
        {"id": cid, "score": rules.draw_score(draw.seed, cid), "selected": cid in rerun}
        for cid in draw.candidates
    ]
    return render(
        request,
        "verification/draw.html",
        {
            "draw": draw,
            "rerun": rerun,
            "same": rerun == list(draw.selected),
            "scores": scores,
            "threshold": draw.share_percent * 100,
        },
    )


# --- plans (R-4.1) --------------------------------------------------------------------------


@staff_view
def plans(request: HttpRequest) -> HttpResponse:
    """Items under commitment of the admin's agencies with their verification plan."""
    from chengnuo.agencies.constants import Role
    from chengnuo.agencies.policies import agency_ids_with_role

    agency_ids = agency_ids_with_role(request.user, Role.AGENCY_ADMIN)
    if not agency_ids:
        raise PermissionDenied(_("只有部门管理员可以维护核查计划"))
    items = CertificationItem.objects.filter(
        agency_id__in=agency_ids, status="in_force", under_commitment=True
    ).order_by("agency_id", "code")
    rows = [{"item": item, "plan": services.plan_for(item)} for item in items]
    return render(request, "verification/plans.html", {"rows": rows})


@staff_view
def plan_edit(request: HttpRequest, item_code: str) -> HttpResponse:
    item = CertificationItem.objects.select_related("agency").filter(code=item_code[:40]).first()
    if item is None or not policies.can_edit_plan(request.user, item.agency_id):
        raise NotFound()
    plan = services.plan_for(item)
    status = 200
    comparisons_text = json.dumps(plan.comparisons, ensure_ascii=False, indent=2)
    if request.method == "POST":
        post = request.POST
        comparisons_text = post.get("comparisons", "[]")
        try:
            try:
                comparisons = json.loads(comparisons_text or "[]")
            except ValueError:
                raise DomainError(
                    "invalid_plan", _("比对项应为JSON列表，请检查格式"), field="comparisons"
                ) from None
            services.plan_save(
                actor=request.user,
                item=item,
                data={
                    "methods": post.getlist("methods"),
                    "timing": post.get("timing", ""),
                    "days": post.get("days", ""),
                    "comparisons": comparisons,
                    "standard": post.get("standard", ""),
                    "assistance_agency_id": post.get("assistance_agency", "") or None,
                    "assistance_days": post.get("assistance_days", "5"),
                    "fallback": post.get("fallback", ""),
                },
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            fail(request, exc)
            status = 400
        else:
            messages.success(request, _("核查计划已保存。"))
            return redirect("verification:plans")
    from .models import DataSource

    return render(
        request,
        "verification/plan_form.html",
        {
            "item": item,
            "plan": plan,
            "comparisons_text": comparisons_text,
            "methods": VerificationMethod.choices,
            "timings": Timing.choices,
            "agencies": Agency.objects.exclude(pk=item.agency_id).order_by("region", "name"),
            "sources": DataSource.objects.filter(active=True).order_by("code"),
            "ops": rules.OP_LABELS,
        },
        status=status,
    )


def task_url(task: Any) -> str:
    return reverse("verification:task", kwargs={"pk": task.pk})


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("tasks/<int:pk>/", task_detail, name="task"),
    path("tasks/<int:pk>/handle/", task_handle, name="task_handle"),
    path("handlings/<int:pk>/rectification/", rectification, name="rectification"),
    path("draws/<int:pk>/", draw_check, name="draw"),
    path("plans/", plans, name="plans"),
    path("plans/<str:item_code>/", plan_edit, name="plan_edit"),
]

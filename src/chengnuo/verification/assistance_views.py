"""Pages of assistance verification (R-4.7) and on-site inspection (R-4.6): the requested
agency's inbox (open first, 即将到期/已超期 flags) with the answer and written-refusal forms;
the officer's request form and the switch to on-site; the Justice Bureau's overdue list per
agency; the inspectors' mobile-first task list and form. Views are thin: every write is a
service, every read a scoped selector."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from chengnuo.agencies.models import Agency
from chengnuo.core.calendar import working_days_between
from chengnuo.core.errors import DomainError, PermissionDenied
from chengnuo.core.web import fail, field_errors, staff_view
from chengnuo.credit import access

from . import assistance, inspection, policies, rules, selectors, services
from .constants import (
    DEFAULT_ASSISTANCE_DAYS,
    AssistanceStatus,
    CheckStatus,
    ComparisonResult,
    InspectionStatus,
    Outcome,
    TaskStatus,
    VerificationMethod,
)
from .models import AssistanceRequest, VerificationTask

LIST_LIMIT = 200


# --- helpers -------------------------------------------------------------------------------


def _fact_rows(commitment: Any) -> list[dict[str, Any]]:
    """The facts committed to, with the labels of the commitment text they were signed on."""
    content = getattr(commitment.commitment_version, "content", None) or {}
    labels = {
        str(f.get("key")): f.get("label") or f.get("key")
        for f in content.get("facts", []) or []
        if isinstance(f, dict)
    }
    return [
        {"label": labels.get(str(k), k), "value": v} for k, v in (commitment.facts or {}).items()
    ]


def _flag(req: AssistanceRequest, today: Any, soon: Any) -> str:
    if req.status != AssistanceStatus.OPEN:
        return ""
    if rules.assistance_overdue(status=req.status, deadline=req.deadline, on=today):
        return "overdue"
    if req.deadline <= soon or req.reminded_at:
        return "due_soon"
    return ""


def _with_flags(requests: list[AssistanceRequest]) -> list[AssistanceRequest]:
    today = timezone.localdate()
    soon = assistance.due_soon_limit(today)
    for r in requests:
        r.flag = _flag(r, today, soon)  # type: ignore[attr-defined]
    return requests


def _open_first(qs: Any) -> Any:
    return qs.annotate(
        open_first=Case(
            When(status=AssistanceStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_first", "deadline", "id")


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _case_url(task: VerificationTask) -> str:
    return reverse("cases:detail", kwargs={"number": task.commitment.case.number})


# --- assistance: the requested agency's inbox --------------------------------------------------


@staff_view
def assistance_inbox(request: HttpRequest) -> HttpResponse:
    inbox = _with_flags(list(_open_first(selectors.assistance_inbox(request.user))[:LIST_LIMIT]))
    sent = _with_flags(list(_open_first(selectors.assistance_sent(request.user))[:LIST_LIMIT]))
    return render(
        request,
        "verification/assistance_inbox.html",
        {
            "inbox": inbox,
            "sent": sent,
            "open_count": sum(1 for r in inbox if r.status == AssistanceStatus.OPEN),
            "overdue_count": len([r for r in inbox if getattr(r, "flag", "") == "overdue"]),
            "oversees": policies.oversees_assistance(request.user) != set(),
        },
    )


def _detail_context(request: HttpRequest, req: AssistanceRequest) -> dict[str, Any]:
    user = request.user
    _with_flags([req])
    task = req.task
    is_open = req.status == AssistanceStatus.OPEN
    can_answer = (
        is_open
        and req.requested_agency_id in policies.answers_for(user)
        and getattr(user, "pk", None) != req.requested_by_id
        and req.handler_id in (None, getattr(user, "pk", None))
    )
    task_open = task.status not in (TaskStatus.DONE, TaskStatus.CANCELLED)
    handles = policies.handles_task(user, task)
    is_handler = req.handler_id is not None and req.handler_id == getattr(user, "pk", None)
    subject = task.commitment.subject
    contexts = [c for c in access.contexts_for(user, subject) if c.key == f"assistance:{req.pk}"]
    return {
        "can_take": can_answer and req.handler_id is None,
        "is_handler": is_handler,
        "reveal_contexts": contexts,
        "can_unmask": bool(contexts) and contexts[0].unmask,
        "subject": subject,
        "req": req,
        "task": task,
        "commitment": task.commitment,
        "facts": _fact_rows(task.commitment),
        "can_answer": can_answer,
        "can_switch": handles and task_open and task.method != VerificationMethod.ON_SITE,
        "can_ask_again": handles and task_open and not is_open,
        "results": [(v, Outcome(v).label) for v in assistance.ANSWER_RESULTS],
        "is_requester": handles,
        "errors": {},
        "form": {},
        "open_form": "",
    }


@staff_view
def assistance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.assistance_get_for(request.user, pk)
    return render(request, "verification/assistance_detail.html", _detail_context(request, req))


@staff_view
@require_POST
def assistance_answer(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.assistance_get_for(request.user, pk)
    try:
        assistance.assistance_answer(
            actor=request.user,
            request=req,
            result=request.POST.get("result", ""),
            answer=request.POST.get("answer", ""),
            evidence=request.FILES.get("evidence"),
        )
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        context = _detail_context(request, req) | {
            "errors": field_errors(exc, general="general"),
            "form": request.POST,
            "open_form": "answer",
        }
        return render(
            request, "verification/assistance_detail.html", context, status=exc.status_code
        )
    messages.success(request, "已答复协助核查请求")
    return redirect("verification:assistance_detail", pk=req.pk)


@staff_view
@require_POST
def assistance_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.assistance_get_for(request.user, pk)
    try:
        assistance.assistance_refuse(
            actor=request.user, request=req, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        context = _detail_context(request, req) | {
            "errors": field_errors(exc, general="general"),
            "form": request.POST,
            "open_form": "refuse",
        }
        return render(
            request, "verification/assistance_detail.html", context, status=exc.status_code
        )
    messages.success(request, "已书面答复无法协助，请求机关将另行安排核查")
    return redirect("verification:assistance_detail", pk=req.pk)


@staff_view
@require_POST
def assistance_take(request: HttpRequest, pk: int) -> HttpResponse:
    """由我承办: the staff member becomes the request's handler."""
    req = selectors.assistance_get_for(request.user, pk)
    try:
        assistance.assistance_take(actor=request.user, request=req)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        fail(request, exc)
    else:
        messages.success(request, "已由您承办该协助核查请求")
    return redirect("verification:assistance_detail", pk=req.pk)


@staff_view
def assistance_evidence(request: HttpRequest, pk: int) -> Any:
    req = selectors.assistance_get_for(request.user, pk)
    if not req.evidence:
        raise Http404
    extension = req.evidence.name.rsplit(".", 1)[-1]
    content_type = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
    return FileResponse(
        req.evidence.open("rb"),
        content_type=content_type.get(extension, "application/octet-stream"),
        as_attachment=True,
        filename=f"assistance-{req.pk}-evidence.{extension}",
    )


@staff_view
def assistance_overdue(request: HttpRequest) -> HttpResponse:
    """The Justice Bureau's list of overdue requests, grouped by the requested agency."""
    if policies.oversees_assistance(request.user) == set():
        raise PermissionDenied("只有司法局可以查看各机关超期未答复的协助核查请求")
    today = timezone.localdate()
    rows = list(selectors.assistance_overdue(request.user, on=today)[: LIST_LIMIT * 5])
    groups: list[dict[str, Any]] = []
    for _agency_id, items in groupby(rows, key=lambda r: r.requested_agency_id):
        requests = list(items)
        for r in requests:
            r.days_overdue = working_days_between(r.deadline, today)  # type: ignore[attr-defined]
        groups.append(
            {"agency": requests[0].requested_agency, "requests": requests, "count": len(requests)}
        )
    groups.sort(key=lambda g: (-g["count"], g["agency"].name))
    return render(
        request,
        "verification/assistance_overdue.html",
        {"groups": groups, "total": len(rows), "today": today},
    )


# --- assistance: the officer asks --------------------------------------------------------------


def _default_questions(task: VerificationTask) -> str:
    c = task.commitment
    return (
        f"请核查{c.subject.display_name}（{c.subject.id_masked}）"
        f"承诺的以下事项是否属实：{c.item.proof_content}"
    )


@staff_view
def assistance_request_create(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = selectors.task_get_for(request.user, task_pk)
    services.assert_handles(request.user, task)
    agencies = list(Agency.objects.exclude(pk=task.agency_id).order_by("level", "region", "name"))
    plan = services.plan_for(task.commitment.item)
    form: dict[str, Any] = {
        "agency": str(plan.assistance_agency_id or ""),
        "questions": _default_questions(task),
        "days": str(plan.assistance_days or DEFAULT_ASSISTANCE_DAYS),
    }
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("agency", "questions", "days")}
        try:
            req = assistance.assistance_request(
                actor=request.user,
                task=task,
                agency=form["agency"],
                questions=form["questions"],
                days=form["days"],
            )
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            errors, status = field_errors(exc, general="general"), exc.status_code
        else:
            messages.success(
                request,
                f"已请求{req.requested_agency.name}协助核查，答复期限{req.deadline:%Y-%m-%d}",
            )
            return redirect("verification:assistance_detail", pk=req.pk)
    return render(
        request,
        "verification/assistance_new.html",
        {
            "task": task,
            "commitment": task.commitment,
            "facts": _fact_rows(task.commitment),
            "agencies": agencies,
            "form": form,
            "errors": errors,
        },
        status=status,
    )


@staff_view
@require_POST
def inspection_request_create(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = selectors.task_get_for(request.user, task_pk)
    fallback = _next_url(request, _case_url(task))
    try:
        new = assistance.inspection_request(actor=request.user, task=task)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        fail(request, exc)
        return redirect(fallback)
    names = "、".join(str(u) for u in new.inspection.inspectors.all())
    messages.success(request, f"已改为现场核查，派发给{names}")
    return redirect(fallback)


# --- inspections (mobile-first) ------------------------------------------------------------


@staff_view
def inspection_list(request: HttpRequest) -> HttpResponse:
    items = list(selectors.inspections_for(request.user)[:LIST_LIMIT])
    done = list(
        selectors.inspections_for(request.user, open_only=False).exclude(
            status=InspectionStatus.ASSIGNED
        )[:20]
    )
    return render(
        request,
        "verification/inspection_list.html",
        {"inspections": items, "done": done, "today": timezone.localdate()},
    )


def _verified_online(task: VerificationTask) -> list[dict[str, Any]]:
    """What other tasks of the same commitment already verified online: the applicant is not
    asked again for anything already shared (R-4.6, 烦企扰民)."""
    labels = {c.value: c.label for c in ComparisonResult}
    out = []
    others = VerificationTask.objects.filter(commitment_id=task.commitment_id).exclude(pk=task.pk)
    for other in others.order_by("id"):
        for check in selectors.checks_of(other).filter(status=CheckStatus.DONE):
            lines = [
                {
                    "label": line.get("label") or line.get("field"),
                    "committed": line.get("committed"),
                    "result": line.get("result"),
                    "result_label": labels.get(str(line.get("result")), line.get("result")),
                }
                for line in check.comparison or []
                if isinstance(line, dict)
            ]
            out.append(
                {
                    "source": check.source.name,
                    "finished_at": check.finished_at,
                    "outcome": check.get_outcome_display(),
                    "lines": lines,
                }
            )
    return out


def _inspection_context(request: HttpRequest, item: Any) -> dict[str, Any]:
    task = item.task
    inspectors = list(item.inspectors.all())
    return {
        "inspection": item,
        "task": task,
        "commitment": task.commitment,
        "facts": _fact_rows(task.commitment),
        "inspectors": inspectors,
        "verified": _verified_online(task),
        "photos": list(item.photos.all()),
        "can_complete": item.status == InspectionStatus.ASSIGNED
        and any(u.pk == request.user.pk for u in inspectors),
        "results": [(v, Outcome(v).label) for v in inspection.RESULTS],
        "max_photos": inspection.PHOTO_MAX_FILES,
        "today": timezone.localdate(),
        "errors": {},
        "form": {},
    }


@staff_view
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.inspection_get_for(request.user, pk)
    if request.method == "POST":
        try:
            inspection.inspection_complete(
                actor=request.user,
                inspection=item,
                result=request.POST.get("result", ""),
                findings=request.POST.get("findings", ""),
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            context = _inspection_context(request, item) | {
                "errors": field_errors(exc, general="general"),
                "form": request.POST,
            }
            return render(
                request, "verification/inspection_detail.html", context, status=exc.status_code
            )
        messages.success(request, "现场核查结果已提交")
        return redirect("verification:inspection_detail", pk=item.pk)
    return render(
        request, "verification/inspection_detail.html", _inspection_context(request, item)
    )


@staff_view
def inspection_photo(request: HttpRequest, pk: int, photo_pk: int) -> Any:
    item = selectors.inspection_get_for(request.user, pk)
    photo = item.photos.filter(pk=photo_pk).first()
    if photo is None:
        raise Http404
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


urlpatterns: list[Any] = [
    path("assistance/", assistance_inbox, name="assistance_inbox"),
    path("assistance/overdue/", assistance_overdue, name="assistance_overdue"),
    path("assistance/<int:pk>/", assistance_detail, name="assistance_detail"),
    path("assistance/<int:pk>/answer/", assistance_answer, name="assistance_answer"),
    path("assistance/<int:pk>/refuse/", assistance_refuse, name="assistance_refuse"),
    path("assistance/<int:pk>/take/", assistance_take, name="assistance_take"),
    path("assistance/<int:pk>/evidence/", assistance_evidence, name="assistance_evidence"),
    path(
        "tasks/<int:task_pk>/assistance/",
        assistance_request_create,
        name="assistance_request_create",
    ),
    path(
        "tasks/<int:task_pk>/on-site/",
        inspection_request_create,
        name="inspection_request_create",
    ),
    path("inspections/", inspection_list, name="inspection_list"),
    path("inspections/<int:pk>/", inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/photos/<int:photo_pk>/", inspection_photo, name="inspection_photo"),
]

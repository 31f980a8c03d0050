"""Pages of routine supervision (R-4.3, R-4.4, R-5.3). Public, at /supervision/: the
inspection item lists (with XLSX), the draws with how to recompute them, and the published
results. Staff, at /staff/supervision/: plans and their draws (the lead agency's admin opens
and runs them; the Justice Bureau commits its share), inspection tasks on the inspector's
phone, key supervision lists and the parity reports. Thin views over services and selectors."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.agencies.constants import Region, Role
from chengnuo.agencies.models import Agency
from chengnuo.agencies.policies import agency_ids_with_role, reviewable_agency_ids
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import fail, field_errors, staff_view

from . import draw as algorithm
from . import parity_report, policies, selectors, services
from .constants import (
    DrawStatus,
    Frequency,
    ItemKind,
    Method,
    Outcome,
    PeriodKind,
    Stratify,
    TaskStatus,
)
from .models import Draw, InspectionItem, KeySupervision, ParityReport

LIST_LIMIT = 200
PAGE = 50


def _page(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


# --- public ----------------------------------------------------------------------------------


def public_index(request: HttpRequest) -> HttpResponse:
    """双随机、一公开: what is inspected, how subjects are drawn, and the results."""
    return render(
        request,
        "supervision/public_index.html",
        {
            "draws": list(selectors.public_draws().filter(status=DrawStatus.DONE)[:5]),
            "results": list(selectors.published_results()[:10]),
            "item_count": selectors.public_items().count(),
        },
    )


def public_items(request: HttpRequest) -> HttpResponse:
    """抽查事项清单 of every agency, filterable by agency; XLSX for download."""
    rows = selectors.public_items()
    agency_id = request.GET.get("agency", "")
    if agency_id.isdigit():
        rows = rows.filter(agency_id=int(agency_id))
    if request.GET.get("format") == "xlsx":
        return _items_xlsx(list(rows[:5000]))
    agencies = Agency.objects.filter(
        pk__in=InspectionItem.objects.filter(published=True).values("agency_id")
    ).order_by("name")
    return render(
        request,
        "supervision/public_items.html",
        {"items": list(rows[:LIST_LIMIT]), "agencies": agencies, "agency": agency_id},
    )


def _items_xlsx(items: list[InspectionItem]) -> HttpResponse:
    from chengnuo.catalog.exports import table_xlsx

    head = ["实施机关", "事项编码", "抽查事项", "类别", "检查对象", "检查依据", "检查内容",
            "检查方式", "检查频次", "抽查比例A类(%)", "B类(%)", "C类(%)", "D类(%)"]  # fmt: skip
    rows = (
        [
            i.agency.name,
            i.code,
            i.name,
            i.get_kind_display(),
            "、".join(m.name for m in i.matters.all()),
            i.legal_basis,
            i.content,
            i.get_method_display(),
            i.get_frequency_display(),
            *(i.ratio_by_class.get(c) for c in "ABCD"),
        ]
        for i in items
    )
    data = table_xlsx(
        head, rows, sheet_title="抽查事项清单",
        widths=(24, 14, 30, 12, 24, 36, 36, 10, 10, 12, 8, 8, 8),
    )  # fmt: skip
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E6%8A%BD%E6%9F%A5%E4%BA%8B%E9%A1%B9%E6%B8%85%E5%8D%95.xlsx"
    )
    return response


def public_draws(request: HttpRequest) -> HttpResponse:
    page = _page(request)
    rows = list(selectors.public_draws()[(page - 1) * PAGE : page * PAGE + 1])
    return render(
        request,
        "supervision/public_draws.html",
        {"draws": rows[:PAGE], "page": page, "more": len(rows) > PAGE},
    )


def public_draw(request: HttpRequest, pk: int) -> HttpResponse:
    """One draw as published, with its recomputation and how anyone repeats it."""
    try:
        draw = selectors.draw_by_id(pk)
    except NotFound:
        from django.http import Http404

        raise Http404 from None
    public = selectors.draw_public(draw, inline_limit=0)  # the page links the pools
    tasks = []
    if draw.status != DrawStatus.COMMITTING:
        tasks = list(
            draw.tasks.select_related("entry__subject").order_by("entry__ref")[:LIST_LIMIT]
        )
    return render(
        request,
        "supervision/public_draw.html",
        {
            "draw": draw,
            "public": public,
            "tasks": tasks,
            "shares": sorted(draw.shares.select_related("agency"), key=selectors.party_order),
            "recomputed": selectors.recomputed(draw)
            if draw.status != DrawStatus.COMMITTING
            else None,
            "algorithm": algorithm,
        },
    )


def public_results(request: HttpRequest) -> HttpResponse:
    """一公开: published results, by subject, agency and year."""
    subject = request.GET.get("subject", "").strip()[:50]
    agency = request.GET.get("agency", "")
    year = request.GET.get("year", "")
    page = _page(request)
    rows = selectors.published_results(
        subject=subject,
        agency_id=int(agency) if agency.isdigit() else None,
        year=int(year) if year.isdigit() and 2000 < int(year) < 2100 else None,
    ).prefetch_related("items")
    shown = list(rows[(page - 1) * PAGE : page * PAGE + 1])
    agencies = Agency.objects.filter(supervision_plans__isnull=False).distinct().order_by("name")
    return render(
        request,
        "supervision/public_results.html",
        {
            "results": shown[:PAGE],
            "more": len(shown) > PAGE,
            "page": page,
            "subject": subject,
            "agency": agency,
            "year": year,
            "agencies": agencies,
            "years": range(timezone.localdate().year, 2019, -1),
            "days": services.publication_days(),
        },
    )


# --- staff: plans and draws -------------------------------------------------------------------


def _admin_agencies(request: HttpRequest) -> list[Agency]:
    ids = agency_ids_with_role(request.user, Role.AGENCY_ADMIN)
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


@staff_view
def plans(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.plans_for(request.user)[:LIST_LIMIT])
    waiting = []
    overseen = reviewable_agency_ids(request.user)
    if overseen:
        waiting = list(
            Draw.objects.filter(status=DrawStatus.COMMITTING, plan__lead_agency_id__in=overseen)
            .exclude(shares__party="justice")
            .select_related("plan__lead_agency")
            .order_by("opened_at")[:LIST_LIMIT]
        )
    if (
        not rows
        and not waiting
        and not _admin_agencies(request)
        and not policies.readable_agency_ids(request.user)
    ):
        raise PermissionDenied(_("只有部门管理员、检查人员、审计人员和市司法局可以查看抽查计划"))
    return render(
        request,
        "supervision/plans.html",
        {"plans": rows, "waiting": waiting, "can_create": bool(_admin_agencies(request))},
    )


@staff_view
def plan_new(request: HttpRequest) -> HttpResponse:
    agencies = _admin_agencies(request)
    if not agencies:
        raise PermissionDenied(_("只有部门管理员可以制定抽查计划"))
    errors: dict[str, list[str]] = {}
    form: dict[str, Any] = {"stratify": Stratify.CREDIT_CLASS, "period_kind": PeriodKind.YEARLY}
    status = 200
    if request.method == "POST":
        post = request.POST
        form = {
            k: post.get(k, "") for k in ("lead", "title", "period_kind", "start", "end", "stratify")
        }
        form["items"] = [int(v) for v in post.getlist("items") if v.isdigit()]
        form["members"] = [int(v) for v in post.getlist("members") if v.isdigit()]
        form["regions"] = [v for v in post.getlist("regions") if v in Region.values]
        lead = next((a for a in agencies if str(a.pk) == form["lead"]), None)
        try:
            if lead is None:
                raise DomainError("invalid_plan", _("请选择牵头机关"), field="lead")
            try:
                start = dt.date.fromisoformat(form["start"])
                end = dt.date.fromisoformat(form["end"])
            except ValueError:
                raise DomainError(
                    "invalid_period", _("请填写计划期起止日期"), field="start"
                ) from None
            plan = services.plan_create(
                actor=request.user,
                lead_agency=lead,
                title=form["title"],
                period_kind=form["period_kind"],
                period_start=start,
                period_end=end,
                item_ids=form["items"],
                member_agency_ids=form["members"],
                stratify=form["stratify"],
                scope={"regions": form["regions"]} if form["regions"] else {},
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(
                exc,
                ("lead", "title", "start", "end", "items", "member_agencies", "scope"),
                general="general",
            )
            status = 400
        else:
            messages.success(request, _("抽查计划已制定：%(n)s") % {"n": plan.number})
            return redirect("supervision:plan", pk=plan.pk)
    return render(
        request,
        "supervision/plan_form.html",
        {
            "agencies": agencies,
            "all_agencies": Agency.objects.order_by("name"),
            "items": selectors.public_items(),
            "regions": Region.choices,
            "period_kinds": PeriodKind.choices,
            "stratifies": Stratify.choices,
            "form": form,
            "errors": errors,
        },
        status=status,
    )


@staff_view
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_for(request.user, pk)
    draws = list(plan.draws.prefetch_related("shares").order_by("-id"))
    current = next((d for d in draws if d.status != DrawStatus.SUPERSEDED), None)
    tasks = []
    if current is not None:
        tasks = list(
            current.tasks.select_related("entry__subject")
            .prefetch_related("inspectors__user", "items")
            .order_by("entry__ref")[:LIST_LIMIT]
        )
    return render(
        request,
        "supervision/plan_detail.html",
        {
            "plan": plan,
            "draws": draws,
            "current": current,
            "tasks": tasks,
            "manages": policies.manages(request.user, plan.lead_agency_id),
            "justice": policies.commits_for_justice(request.user, plan.lead_agency_id),
            "today": timezone.localdate(),
        },
    )


def _act(request: HttpRequest, pk: int, action: Any, done: Any) -> HttpResponse:
    """Run the action on the plan; `done` is the success message (or makes it of the result)."""
    plan = selectors.plan_for(request.user, pk)
    try:
        result = action(plan)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        fail(request, exc)
    else:
        messages.success(request, done(result) if callable(done) else done)
    return redirect("supervision:plan", pk=plan.pk)


def _draw_of(plan: Any, request: HttpRequest) -> Draw:
    raw = request.POST.get("draw", "")
    draw = plan.draws.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 10 else None
    if draw is None:
        raise NotFound()
    return draw


@staff_view
@require_POST
def draw_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, lambda p: services.draw_open(actor=request.user, plan=p),
        _("已发起随机抽取，牵头机关的随机数承诺已公开；请市司法局提交随机数承诺。"),
    )  # fmt: skip


@staff_view
@require_POST
def draw_commit(request: HttpRequest, pk: int) -> HttpResponse:
    brought = request.POST.get("commitment", "").strip()
    return _act(
        request, pk,
        lambda p: services.seed_commit(
            actor=request.user, draw=_draw_of(p, request), commitment=brought or None
        ),
        _("市司法局的随机数承诺已提交并公开；名录冻结后请输入所保管的随机数。")
        if brought
        else _("市司法局的随机数承诺已提交并公开。"),
    )  # fmt: skip


@staff_view
@require_POST
def draw_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk,
        lambda p: services.seed_reveal(
            actor=request.user, draw=_draw_of(p, request), share=request.POST.get("share", "")
        ),
        _("随机数已公开并与承诺核对一致，随机抽取完成，抽查任务已派发给抽中的检查人员。"),
    )  # fmt: skip


@staff_view
@require_POST
def draw_run(request: HttpRequest, pk: int) -> HttpResponse:
    def done(draw: Draw) -> str:
        if draw.status == DrawStatus.FROZEN:
            return _("名录已冻结，摘要已公开；市司法局输入其保管的随机数后完成抽取。")
        return _("名录已冻结，随机抽取完成，抽查任务已派发给抽中的检查人员。")

    return _act(
        request, pk, lambda p: services.draw_run(actor=request.user, draw=_draw_of(p, request)),
        done,
    )  # fmt: skip


@staff_view
@require_POST
def draw_redo(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk,
        lambda p: services.redraw(
            actor=request.user, draw=_draw_of(p, request), reason=request.POST.get("reason", "")
        ),
        _("原抽取结果已保留并标记为已重新抽取；新的抽取已发起。"),
    )  # fmt: skip


@staff_view
@require_POST
def task_publish(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_for(request.user, pk)
    try:
        services.task_publish(actor=request.user, task=task)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        fail(request, exc)
    else:
        messages.success(request, _("检查结果已公开，并推送至互联网+监管平台。"))
    return redirect("supervision:plan", pk=task.plan_id)


# --- staff: the agency's inspection item list ----------------------------------------------------


@staff_view
def items(request: HttpRequest) -> HttpResponse:
    agencies = _admin_agencies(request)
    if not agencies:
        raise PermissionDenied(_("只有部门管理员可以编制抽查事项清单"))
    rows = (
        InspectionItem.objects.filter(agency__in=agencies)
        .select_related("agency")
        .prefetch_related("matters")
        .order_by("agency__name", "code")
    )
    return render(request, "supervision/items.html", {"items": list(rows[:LIST_LIMIT])})


@staff_view
def item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    from chengnuo.catalog.models import Matter

    agencies = _admin_agencies(request)
    if not agencies:
        raise PermissionDenied(_("只有部门管理员可以编制抽查事项清单"))
    item = None
    if pk is not None:
        item = InspectionItem.objects.filter(pk=pk, agency__in=agencies).first()
        if item is None:
            raise NotFound()
    form: dict[str, Any] = {
        "agency": str(item.agency_id) if item else "",
        "code": item.code if item else "",
        "name": item.name if item else "",
        "kind": item.kind if item else ItemKind.GENERAL,
        "legal_basis": item.legal_basis if item else "",
        "content": item.content if item else "",
        "method": item.method if item else Method.ON_SITE,
        "frequency": item.frequency if item else Frequency.YEARLY,
        "matters": [m.pk for m in item.matters.all()] if item else [],
        "ratio": dict(item.ratio_by_class) if item else {"A": 3, "B": 5, "C": 10, "D": 20},
        "announce": item.announce if item else False,
    }
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        post = request.POST
        form.update({k: post.get(k, "") for k in ("agency", "code", "name", "kind",
                                                   "legal_basis", "content", "method",
                                                   "frequency")})  # fmt: skip
        form["matters"] = [int(v) for v in post.getlist("matters") if v.isdigit()]
        form["ratio"] = {c: post.get(f"ratio_{c}", "") for c in "ABCD"}
        form["announce"] = bool(post.get("announce"))
        agency = next((a for a in agencies if str(a.pk) == form["agency"]), None)
        try:
            if agency is None:
                raise DomainError("invalid_item", _("请选择实施机关"), field="agency")
            saved = services.item_save(
                actor=request.user,
                agency=agency,
                code=item.code if item else form["code"],
                name=form["name"],
                kind=form["kind"],
                legal_basis=form["legal_basis"],
                content=form["content"],
                matter_ids=form["matters"],
                method=form["method"],
                frequency=form["frequency"],
                ratio_by_class=form["ratio"],
                announce=bool(post.get("announce")),
            )
            if post.get("publish"):
                services.item_publish(actor=request.user, item=saved)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(
                exc,
                ("agency", "code", "name", "kind", "legal_basis", "content", "matters",
                 "method", "frequency", "ratio_by_class"),
                general="general",
            )  # fmt: skip
            status = 400
        else:
            messages.success(request, _("抽查事项已保存。"))
            return redirect("supervision:items")
    return render(
        request,
        "supervision/item_form.html",
        {
            "item": item,
            "form": form,
            "errors": errors,
            "agencies": agencies,
            "matters": Matter.objects.filter(agency__in=agencies).order_by("agency_id", "code"),
            "kinds": ItemKind.choices,
            "methods": Method.choices,
            "frequencies": Frequency.choices,
            "classes": "ABCD",
        },
        status=status,
    )


@staff_view
@require_POST
def item_publish(request: HttpRequest, pk: int) -> HttpResponse:
    item = InspectionItem.objects.filter(pk=pk).first()
    if item is None or not policies.reads_agency(request.user, item.agency_id):
        raise NotFound()
    services.item_publish(actor=request.user, item=item)
    messages.success(request, _("抽查事项已向社会公布。"))
    return redirect("supervision:items")


# --- staff: the inspector's tasks (phone) ----------------------------------------------------


@staff_view
def my_tasks(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.tasks_of_inspector(request.user)[:LIST_LIMIT])
    return render(
        request,
        "supervision/my_tasks.html",
        {
            "open": [t for t in rows if t.status == TaskStatus.ASSIGNED],
            "done": [t for t in rows if t.status != TaskStatus.ASSIGNED][:20],
            "today": timezone.localdate(),
        },
    )


@staff_view
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_for(request.user, pk)
    errors: dict[str, list[str]] = {}
    form: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("outcome", "findings", "commitment")}
        try:
            services.task_complete(
                actor=request.user,
                task=task,
                outcome=form["outcome"],
                findings=form["findings"],
                photos=request.FILES.getlist("photos"),
                commitment_id=int(form["commitment"]) if form["commitment"].isdigit() else None,
            )
        except NotFound:
            raise
        except DomainError as exc:
            errors = field_errors(
                exc, ("outcome", "findings", "photos", "commitment"), general="general"
            )
            status = 403 if isinstance(exc, PermissionDenied) else 400
        else:
            messages.success(request, _("检查结果已录入，将在规定时限内向社会公开。"))
            return redirect("supervision:task", pk=task.pk)
    from chengnuo.cases.models import Commitment

    commitments = list(
        Commitment.objects.filter(subject_id=task.entry.subject_id, status="signed")
        .select_related("item", "case")
        .order_by("-signed_at")[:50]
    )
    return render(
        request,
        "supervision/task_detail.html",
        {
            "task": task,
            "entry": task.entry,
            "items": list(task.items.select_related("agency")),
            "inspectors": list(task.inspectors.select_related("user", "agency")),
            "photos": list(task.photos.all()),
            "can_notify": task.status == TaskStatus.ASSIGNED
            and task.notice_sent_at is None
            and any(i.announce for i in task.items.all())
            and task.inspectors.filter(user_id=request.user.pk or 0).exists(),
            "can_complete": task.status == TaskStatus.ASSIGNED
            and task.inspectors.filter(user_id=request.user.pk or 0).exists(),
            # "untrue commitment" only where the subject has a commitment to name
            "outcomes": [
                (v, label)
                for v, label in Outcome.choices
                if v != Outcome.UNTRUE_COMMITMENT or commitments
            ],
            "commitments": commitments,
            "form": form,
            "errors": errors,
            "today": timezone.localdate(),
        },
        status=status,
    )


@staff_view
@require_POST
def task_notify(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_for(request.user, pk)
    try:
        services.task_notify(actor=request.user, task=task)
    except NotFound:
        raise
    except PermissionDenied:
        raise
    except DomainError as exc:
        fail(request, exc)
    else:
        messages.success(request, _("已告知检查对象，告知记录在其办件记录中。"))
    return redirect("supervision:task", pk=task.pk)


@staff_view
def task_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponseBase:
    from django.http import FileResponse

    task = selectors.task_for(request.user, pk)
    item = task.photos.filter(pk=photo).first()
    if item is None:
        raise NotFound()
    return FileResponse(item.file.open("rb"), content_type=item.content_type)


# --- staff: key supervision and parity ---------------------------------------------------------


@staff_view
def key_list(request: HttpRequest) -> HttpResponse:
    ids = policies.readable_agency_ids(request.user)
    rows = KeySupervision.objects.filter(removed_at__isnull=True).select_related(
        "agency", "subject"
    )
    if ids is not None:
        if not ids:
            raise PermissionDenied(_("只有部门管理员、审计人员和市司法局可以查看重点监管名单"))
        rows = rows.filter(agency_id__in=ids)
    return render(
        request,
        "supervision/key_list.html",
        {"rows": list(rows.order_by("agency__name", "-listed_at")[:LIST_LIMIT])},
    )


@staff_view
def parity(request: HttpRequest) -> HttpResponse:
    """R-4.4: the quarterly parity reports the user may read, newest first."""
    ids = policies.readable_agency_ids(request.user)
    rows = ParityReport.objects.select_related("agency")
    if ids is not None:
        if not ids:
            raise PermissionDenied(_("只有部门管理员、审计人员和市司法局可以查看非歧视性监管分析"))
        rows = rows.filter(agency_id__in=ids)
    if request.method == "POST":
        agency = next(
            (a for a in _admin_agencies(request) if str(a.pk) == request.POST.get("agency")), None
        )
        if agency is None:
            raise PermissionDenied(_("只有本机关的部门管理员可以生成分析报告"))
        report = parity_report.report_create(
            actor=request.user, agency=agency, quarter=request.POST.get("quarter", "")
        )
        return redirect("supervision:parity_report", pk=report.pk)
    return render(
        request,
        "supervision/parity.html",
        {
            "reports": list(rows.order_by("-period_start", "agency__name")[:LIST_LIMIT]),
            "agencies": _admin_agencies(request),
            "quarter": parity_report.quarter_of(timezone.localdate() - dt.timedelta(days=92)),
        },
    )


@staff_view
def parity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = ParityReport.objects.select_related("agency").filter(pk=pk).first()
    if report is None or not policies.reads_agency(request.user, report.agency_id):
        raise NotFound()
    return render(
        request,
        "supervision/parity_report.html",
        {
            "report": report,
            "chart": parity_report.chart(report),
            "json": json.dumps(report.summary, ensure_ascii=False),
        },
    )


public_urlpatterns = [
    path("", public_index, name="public_index"),
    path("items/", public_items, name="public_items"),
    path("draws/", public_draws, name="public_draws"),
    path("draws/<int:pk>/", public_draw, name="public_draw"),
    path("results/", public_results, name="public_results"),
]

app_name = "supervision"
urlpatterns = [
    path("plans/", plans, name="plans"),
    path("plans/new/", plan_new, name="plan_new"),
    path("plans/<int:pk>/", plan_detail, name="plan"),
    path("plans/<int:pk>/draw/", draw_open, name="draw_open"),
    path("plans/<int:pk>/commit/", draw_commit, name="draw_commit"),
    path("plans/<int:pk>/run/", draw_run, name="draw_run"),
    path("plans/<int:pk>/reveal/", draw_reveal, name="draw_reveal"),
    path("plans/<int:pk>/redraw/", draw_redo, name="draw_redo"),
    path("items/", items, name="items"),
    path("items/new/", item_edit, name="item_new"),
    path("items/<int:pk>/", item_edit, name="item_edit"),
    path("items/<int:pk>/publish/", item_publish, name="item_publish"),
    path("tasks/", my_tasks, name="tasks"),
    path("tasks/<int:pk>/", task_detail, name="task"),
    path("tasks/<int:pk>/publish/", task_publish, name="task_publish"),
    path("tasks/<int:pk>/notify/", task_notify, name="task_notify"),
    path("tasks/<int:pk>/photos/<int:photo>/", task_photo, name="task_photo"),
    path("key/", key_list, name="key_list"),
    path("parity/", parity, name="parity"),
    path("parity/<int:pk>/", parity_detail, name="parity_report"),
]

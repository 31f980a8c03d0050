"""Pages of complaints (R-8.1). Public, at /complaints/: the form (no account needed; a signed-in
applicant finds their contact filled in) and the receipt page where the complainant follows the
complaint with its code and secret, rates the answer and asks for it to be handled again.
Staff, at /staff/complaints/: the agency's list and each complaint with its actions, and the
Justice Bureau's oversight with counts, clusters and the XLSX export. Thin views over services
and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from chengnuo.agencies.models import Agency
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import fail, field_errors, labels, staff_view

from . import human_check, policies, rules, selectors, services, statistics
from .constants import SEALED, Category, Concern, Kind, Rating, Status
from .models import Complaint

PAGE = 50


def _steps(complaint: Complaint, *, staff: bool) -> list[Any]:
    from chengnuo.core.events import kind_label

    rows = list(selectors.timeline(complaint, staff=staff))
    for e in rows:
        setattr(e, "label", kind_label(e.event))  # noqa: B010 — shown on the page
    return rows


FORM_FIELDS = ("kind", "agency", "matter", "item", "commitment", "text", "name", "phone")


# --- public: the form -----------------------------------------------------------------------------


def _choices() -> dict[str, Any]:
    """What a complaint may name, from published data only."""
    from chengnuo.cases.selectors import public_commitments
    from chengnuo.catalog.constants import ItemStatus
    from chengnuo.catalog.models import CertificationItem
    from chengnuo.catalog.selectors import public_agency_choices, public_matters

    return {
        "agencies": public_agency_choices(),
        "matters": list(
            public_matters().select_related("agency").order_by("agency__name", "code")[:2000]
        ),
        "items": list(
            CertificationItem.objects.filter(status=ItemStatus.IN_FORCE)
            .select_related("agency")
            .order_by("agency__name", "code")[:2000]
        ),
        "commitments": list(public_commitments()[:500]),
    }


def _prefill(request: HttpRequest) -> dict[str, str]:
    """A signed-in applicant's own name and phone (their person, linked as themselves)."""
    user = request.user
    if not user.is_authenticated:
        return {}
    from chengnuo.credit.models import SubjectLink

    link = (
        SubjectLink.objects.filter(user=user, relation="self", subject__kind="person")
        .select_related("subject")
        .first()
    )
    if link is None:
        return {"name": getattr(user, "display_name", "") or ""}
    return {"name": link.subject.name, "phone": link.subject.phone()}


def _kind_help() -> list[dict[str, Any]]:
    return [
        {
            "value": k.value,
            "label": k.label,
            "category": Category(rule.category).label,
            "requires": [Concern(c).label for c in sorted(rule.requires)],
            "accept_days": rule.accept_days,
            "answer_days": rule.answer_days,
        }
        for k in Kind
        if (rule := rules.KIND_RULES[k])
    ]


@never_cache
def new(request: HttpRequest) -> HttpResponse:
    """投诉举报: the form; on success the receipt code and the secret, shown once."""
    form: dict[str, Any] = {k: "" for k in FORM_FIELDS}
    form.update(_prefill(request))
    for key in ("kind", "agency", "matter", "item", "commitment"):
        raw = request.GET.get(key, "")
        if raw and len(raw) < 40:
            form[key] = raw
    if form["commitment"] and not form["kind"]:
        form["kind"] = Kind.FALSE_COMMITMENT
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        post = request.POST
        form = {k: post.get(k, "") for k in FORM_FIELDS}
        form["anonymous"] = bool(post.get("anonymous"))
        try:
            human_check.check(post.get("captcha_key"), post.get("captcha"))
            done = services.complaint_submit(
                actor=request.user,
                channel="web",
                kind=form["kind"],
                text=form["text"],
                agency_id=form["agency"],
                matter_id=form["matter"],
                item_id=form["item"],
                commitment_id=form["commitment"],
                attachments=request.FILES.getlist("attachments"),
                anonymous=form["anonymous"],
                name=form["name"],
                phone=form["phone"],
            )
        except DomainError as exc:
            errors = field_errors(exc, (*FORM_FIELDS, "attachments", "captcha"), general="general")
            status = 429 if exc.status_code == 429 else 400
        else:
            return render(
                request,
                "complaints/submitted.html",
                {"complaint": done.complaint, "secret": done.secret},
                status=201,
            )
    return render(
        request,
        "complaints/new.html",
        {
            **_choices(),
            "kinds": _kind_help(),
            "form": form,
            "errors": errors,
            "captcha": human_check.challenge(),
            "max_files": rules.ATTACHMENTS_MAX,
        },
        status=status,
    )


# --- public: following a complaint with its receipt --------------------------------------------


def _receipt_page(
    request: HttpRequest,
    complaint: Complaint | None,
    code: str,
    secret: str,
    *,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    if complaint is None:
        return render(
            request,
            "complaints/receipt_form.html",
            {
                "code": code,
                "failed": bool(code or secret),
            },
            status=404 if (code or secret) else 200,
        )
    from chengnuo.audit import log

    from .constants import Event

    return render(
        request,
        "complaints/receipt.html",
        {
            "c": complaint,
            "code": complaint.number,
            "secret": secret,
            "steps": _steps(complaint, staff=False),
            "ratings": Rating.choices,
            "log_receipt": log.receipt_for(complaint, Event.SUBMITTED, number=complaint.number),
            "errors": errors or {},
        },
        status=status,
    )


@never_cache
def receipt(request: HttpRequest) -> HttpResponse:
    """Code + secret → the status, the public steps, the answer and the forms; an unknown code
    and a wrong secret get the same answer."""
    if request.method != "POST":
        return _receipt_page(request, None, "", "")
    code = request.POST.get("code", "")[:40]
    secret = request.POST.get("secret", "")[:64]
    return _receipt_page(request, selectors.complaint_follow(code, secret), code, secret)


def _receipt_act(request: HttpRequest, act: Any, done: str) -> HttpResponse:
    code = request.POST.get("code", "")[:40]
    secret = request.POST.get("secret", "")[:64]
    complaint = selectors.complaint_follow(code, secret)
    if complaint is None:
        return _receipt_page(request, None, code, secret)
    try:
        complaint = act(complaint)
    except DomainError as exc:
        return _receipt_page(
            request,
            Complaint.objects.get(pk=complaint.pk),
            code,
            secret,
            errors=field_errors(exc, ("rating", "reason"), general="general"),
            status=409 if exc.status_code == 409 else 400,
        )
    messages.success(request, done)
    return _receipt_page(request, complaint, code, secret)


@never_cache
@require_POST
def receipt_rate(request: HttpRequest) -> HttpResponse:
    return _receipt_act(
        request,
        lambda c: services.complaint_rate(complaint=c, rating=request.POST.get("rating", "")),
        _("感谢您的评价。"),
    )


@never_cache
@require_POST
def receipt_reopen(request: HttpRequest) -> HttpResponse:
    return _receipt_act(
        request,
        lambda c: services.complaint_reopen(complaint=c, reason=request.POST.get("reason", "")),
        _("已申请重新办理，将在期限内重新答复。"),
    )


# --- staff: the agency's list and each complaint --------------------------------------------------


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return max(1, min(int(raw), 10_000)) if raw.isdigit() and len(raw) < 6 else 1


def _filters(request: HttpRequest) -> selectors.Filters:
    g = request.GET
    agency = g.get("agency", "")
    return selectors.Filters(
        agency=int(agency) if agency.isdigit() and len(agency) < 10 else None,
        kind=g.get("kind", "") if g.get("kind", "") in Kind.values else "",
        status=g.get("status", "") if g.get("status", "") in Status.values else "",
        overdue=g.get("overdue") == "1",
        escalated=g.get("escalated") == "1",
        rating=g.get("rating", "") if g.get("rating", "") in Rating.values else "",
    )


def _require_reader(request: HttpRequest) -> set[int] | None:
    ids = policies.readable_agency_ids(request.user)
    if ids is not None and not ids:
        raise PermissionDenied(
            _("只有机关的部门管理员、投诉处理人员、审计人员和司法局可以查看投诉举报")
        )
    return ids


@staff_view
def staff_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    f = _filters(request)
    page = _page(request)
    rows = selectors.filtered(selectors.complaints_for(request.user), f)
    shown = list(rows.order_by("-submitted_at", "-id")[(page - 1) * PAGE : page * PAGE + 1])
    return render(
        request,
        "complaints/staff_list.html",
        {
            "complaints": shown[:PAGE],
            "more": len(shown) > PAGE,
            "page": page,
            "f": f,
            "kinds": Kind.choices,
            "statuses": Status.choices,
            "today": timezone.localdate(),
            "justice": policies.is_justice(request.user),
        },
    )


def _detail_context(request: HttpRequest, c: Complaint) -> dict[str, Any]:
    user = request.user
    handles = policies.handles(user, c)
    return {
        "c": c,
        "steps": _steps(c, staff=True),
        "attachments": list(c.attachments.all()),
        "handles": handles,
        "orders": policies.orders(user, c),
        "sees_identity": policies.sees_identity(user, c),
        "sealed": SEALED,
        "today": timezone.localdate(),
        "overdue": rules.is_overdue(c.status, c.due_date, timezone.localdate()),
        "agencies": list(
            Agency.objects.exclude(pk=c.handling_agency_id).order_by("level", "region", "name")
        )
        if handles and c.open
        else [],
        "rule": rules.KIND_RULES[c.kind],
        "verification_url": selectors.verification_url(c),
        "rating_labels": labels(Rating),
        "errors": {},
        "form": {},
    }


@staff_view
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.complaint_for(request.user, pk)
    return render(request, "complaints/staff_detail.html", _detail_context(request, c))


def _act(request: HttpRequest, pk: int, action: Any, done: Any) -> HttpResponse:
    c = selectors.complaint_for(request.user, pk)
    try:
        result = action(c)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        fail(request, exc)
    else:
        messages.success(request, done(result) if callable(done) else done)
    return redirect("complaints:detail", pk=c.pk)


@staff_view
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, lambda c: services.complaint_accept(actor=request.user, complaint=c),
        _("已受理，请在答复期限内查明事实并答复。"),
    )  # fmt: skip


@staff_view
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk,
        lambda c: services.complaint_decline(
            actor=request.user, complaint=c, reason=request.POST.get("reason", "")
        ),
        _("已决定不予受理，理由已告知投诉人。"),
    )  # fmt: skip


@staff_view
@require_POST
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    raw = request.POST.get("agency", "")
    target = Agency.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 10 else None

    def act(c: Complaint) -> Complaint:
        if target is None:
            raise DomainError("invalid_agency", _("请选择承办机关"), field="agency")
        return services.complaint_transfer(
            actor=request.user, complaint=c, agency=target, reason=request.POST.get("reason", "")
        )

    def done(c: Complaint) -> str:
        if target is not None and c.handling_agency_id == target.pk:
            return _("已转至%(agency)s办理。") % {"agency": target.name}
        return _("已转办过一次，再次转办的申请已提交司法局确定承办机关。")

    return _act(request, pk, act, done)


@staff_view
@require_POST
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk,
        lambda c: services.complaint_extend(
            actor=request.user, complaint=c, reason=request.POST.get("reason", "")
        ),
        _("已延期答复。"),
    )  # fmt: skip


@staff_view
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The answer; a refusal shows the form again with what was typed."""
    c = selectors.complaint_for(request.user, pk)
    form = {k: request.POST.get(k, "") for k in ("facts", "measures")}
    try:
        services.complaint_answer(
            actor=request.user, complaint=c, facts=form["facts"], measures=form["measures"]
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        context = _detail_context(request, c)
        context["errors"] = field_errors(exc, ("facts", "measures"), general="general")
        context["form"] = form
        return render(request, "complaints/staff_detail.html", context, status=400)
    messages.success(request, _("已答复，投诉人可凭受理编号和查询码查看并评价。"))
    return redirect("complaints:detail", pk=c.pk)


@staff_view
@require_POST
def supervise(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk,
        lambda c: services.complaint_supervise(
            actor=request.user, complaint=c, note=request.POST.get("note", "")
        ),
        _("已督办，承办机关可在投诉举报中看到督办意见。"),
    )  # fmt: skip


@never_cache
@staff_view
@require_POST
def identity(request: HttpRequest, pk: int) -> HttpResponse:
    """The complainant's identity, for the Justice Bureau's complaint handlers; recorded."""
    c = selectors.complaint_for(request.user, pk)
    person = services.complainant_identity(actor=request.user, complaint=c)
    context = _detail_context(request, c)
    context["identity"] = person
    return render(request, "complaints/staff_detail.html", context)


@staff_view
def attachment(request: HttpRequest, pk: int, attachment: int) -> HttpResponseBase:
    c = selectors.complaint_for(request.user, pk)
    row = c.attachments.filter(pk=attachment).first()
    if row is None:
        raise NotFound()
    return FileResponse(
        row.file.open("rb"),
        content_type=row.content_type,
        as_attachment=True,
        filename=f"{c.number}-{row.pk}.{row.file.name.rsplit('.', 1)[-1]}",
    )


# --- the Justice Bureau's oversight ---------------------------------------------------------------


def _require_justice(request: HttpRequest) -> None:
    if not policies.is_justice(request.user):
        raise PermissionDenied(_("投诉举报监督只对司法局开放"))


@staff_view
def oversight(request: HttpRequest) -> HttpResponse:
    _require_justice(request)
    f = _filters(request)
    scoped = selectors.complaints_for(request.user)
    rows = selectors.filtered(scoped, f)
    page = _page(request)
    shown = list(rows.order_by("-submitted_at", "-id")[(page - 1) * PAGE : page * PAGE + 1])
    days, minimum = selectors.cluster_settings()
    ids = policies.readable_agency_ids(request.user)
    agencies = Agency.objects.order_by("level", "region", "name")
    if ids is not None:
        agencies = agencies.filter(pk__in=ids)
    return render(
        request,
        "complaints/oversight.html",
        {
            "complaints": shown[:PAGE],
            "more": len(shown) > PAGE,
            "page": page,
            "f": f,
            "query": _query_without_page(request),
            "counts": selectors.counts_per_agency(rows),
            "clusters": selectors.clusters(scoped),
            "cluster_days": days,
            "cluster_min": minimum,
            "agencies": list(agencies.values_list("id", "name")[:1000]),
            "kinds": Kind.choices,
            "statuses": Status.choices,
            "ratings": Rating.choices,
            "today": timezone.localdate(),
            "escalated_open": scoped.filter(escalated_at__isnull=False)
            .exclude(status__in=(Status.ANSWERED, Status.DECLINED))
            .count(),
        },
    )


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@staff_view
def oversight_export(request: HttpRequest) -> HttpResponse:
    """The filtered complaints as XLSX (no personal data; text is never a formula)."""
    from chengnuo.catalog.exports import table_xlsx

    _require_justice(request)
    rows = selectors.filtered(selectors.complaints_for(request.user), _filters(request))
    today = timezone.localdate()
    kinds, statuses, ratings = labels(Kind), labels(Status), labels(Rating)
    head = ["受理编号", "类别", "被投诉机关", "承办机关", "办事事项", "证明事项", "状态",
            "提交时间", "当前期限", "超期", "升级至司法局", "督办", "评价", "渠道"]  # fmt: skip
    data = table_xlsx(
        head,
        (
            [
                c.number,
                kinds.get(c.kind, c.kind),
                c.agency.name,
                c.handling_agency.name,
                c.matter.name if c.matter else "",
                c.item.name if c.item else "",
                statuses.get(c.status, c.status),
                timezone.localtime(c.submitted_at).strftime("%Y-%m-%d %H:%M"),
                c.due_date.isoformat() if c.due_date else "",
                "是" if rules.is_overdue(c.status, c.due_date, today) else "",
                "是" if c.escalated_at else "",
                "是" if c.supervised_at else "",
                ratings.get(c.rating, ""),
                c.get_channel_display(),
            ]
            for c in rows.order_by("-submitted_at", "-id")[: selectors.EXPORT_LIMIT]
        ),
        sheet_title="投诉举报",
        widths=(16, 24, 24, 24, 24, 24, 10, 18, 12, 6, 10, 6, 10, 10),
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename=complaints-{today:%Y%m%d}.xlsx"
    return response


def public_statistics(request: HttpRequest) -> HttpResponse:
    """投诉举报办理情况: per agency and year, received, answered, answered on time, rated
    satisfied (no personal data; `statistics.py`)."""
    years = statistics.years()
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and int(raw) in years else years[0]
    rows = statistics.by_agency(year)
    return render(
        request,
        "complaints/statistics.html",
        {"rows": rows, "total": statistics.totals(rows), "year": year, "years": years},
    )


public_urlpatterns = [
    path("new/", new, name="new"),
    path("statistics/", public_statistics, name="statistics"),
    path("receipt/", receipt, name="receipt"),
    path("receipt/rate/", receipt_rate, name="receipt_rate"),
    path("receipt/reopen/", receipt_reopen, name="receipt_reopen"),
]

app_name = "complaints"
urlpatterns = [
    path("", staff_list, name="list"),
    path("oversight/", oversight, name="oversight"),
    path("oversight/export.xlsx", oversight_export, name="oversight_export"),
    path("<int:pk>/", staff_detail, name="detail"),
    path("<int:pk>/accept/", accept, name="accept"),
    path("<int:pk>/decline/", decline, name="decline"),
    path("<int:pk>/transfer/", transfer, name="transfer"),
    path("<int:pk>/extend/", extend, name="extend"),
    path("<int:pk>/answer/", answer, name="answer"),
    path("<int:pk>/supervise/", supervise, name="supervise"),
    path("<int:pk>/identity/", identity, name="identity"),
    path("<int:pk>/attachments/<int:attachment>/", attachment, name="attachment"),
]

"""Credit pages (R-2.2, R-5.4–R-5.7, R-6.4): staff credit lookup, the credit officer's queue
of repairs and objections, subject pages; the applicant's own credit, repair and objection.

Views are thin: reads go through `selectors` scoped to the actor, writes through `services`.
NotFound → 404, PermissionDenied → 403 page, DomainError → the form again with the message.
Identifiers and phones are always shown masked; the full number only through the audited
"查看完整号码" action (`services.subject_identifier_reveal`).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.catalog.selectors import public_agency_choices
from chengnuo.core.actors import Actor
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.listing import PAGE_SIZE, list_filters
from chengnuo.core.web import staff_view

from . import access, exports, policies, selectors, services
from .constants import RecordStatus
from .forms import (
    LookupForm,
    ObjectionAnswerForm,
    ObjectionForm,
    RecordExportForm,
    RepairDecisionForm,
    RepairForm,
    apply_domain_error,
)
from .models import CreditPlatform, CreditRecord, PushMessage, Subject
from .pull import pull_external_records


def _require_officer(request: HttpRequest) -> None:
    if not policies.is_credit_officer(request.user):
        raise PermissionDenied(_("只有信用管理人员可以访问该页面"))


def _assessment(actor: Actor, subject: Subject) -> dict[str, Any]:
    """Risk level, factors and eligibility per item through the audited lookup service."""
    items = selectors.lookup_items(actor)
    result = services.credit_lookup(actor=actor, subject=subject, items=items)
    return {
        "risk": result["risk"],
        "eligibility": [(item, result["eligibility"][item.code]) for item in items],
    }


# --- staff: 事中核查信用 (R-5.7) -------------------------------------------------------------


@staff_view
def lookup(request: HttpRequest) -> HttpResponse:
    """Exact search by identifier (POST, so the number stays out of URLs and logs)."""
    if not policies.can_lookup_credit(request.user):
        raise PermissionDenied(_("只有窗口人员、承办人员、核查人员和信用管理人员可以核查信用"))
    form = LookupForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "searched": False}
    if request.method == "POST" and form.is_valid():
        context["searched"] = True
        # the number typed is not echoed back into the page: a fresh form
        context["form"] = LookupForm(initial={"id_type": form.cleaned_data["id_type"]})
        try:
            subject = services.subject_lookup(
                actor=request.user,
                id_type=form.cleaned_data["id_type"],
                id_value=form.cleaned_data["id_number"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            context["searched"] = False
            context["form"] = form
            form.add_error("id_number", exc.message)
            subject = None
        if subject is not None:
            context.update(_subject_context(request, subject))
            context.update(_assessment(request.user, subject))
    return render(request, "credit/lookup.html", context)


def _reveal_context(request: HttpRequest, subject: Subject) -> dict[str, Any]:
    """The reasons a staff member may give for revealing the identifier: the lawful contexts
    in which they reach the subject (a case, task, assistance request, record, the lookup)."""
    contexts = access.contexts_for(request.user, subject)
    return {
        "can_unmask": policies.can_unmask(request.user) and bool(contexts),
        "reveal_contexts": contexts,
    }


def _subject_context(request: HttpRequest, subject: Subject) -> dict[str, Any]:
    return {
        "subject": subject,
        "records": list(selectors.records_of(request.user, subject)),
        "can_pull": policies.can_lookup_credit(request.user),
        **_reveal_context(request, subject),
    }


@staff_view
@require_POST
def subject_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """查看完整号码: roles that need it, for a context the staff member names (the case, task,
    assistance request or lookup it belongs to); every view is audited, and rate-limited."""
    subject = selectors.subject_for_staff(request.user, pk)
    key = request.POST.get("context", "")
    chosen = access.context_get(request.user, subject, key)
    back = (chosen.url if chosen else "") or reverse("credit:lookup")
    try:
        full = services.subject_identifier_reveal(
            actor=request.user, subject=subject, context_key=key
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return render(
            request,
            "credit/reveal.html",
            {
                "subject": subject,
                "error": exc.message,
                "back": back,
                **_reveal_context(request, subject),
            },
            status=exc.status_code,
        )
    return render(
        request,
        "credit/reveal.html",
        {"subject": subject, "identifier": full, "back": back, "reason": chosen},
    )


# --- credit officers ------------------------------------------------------------------------


@staff_view
def officer_queue(request: HttpRequest) -> HttpResponse:
    _require_officer(request)
    return render(
        request,
        "credit/officer_queue.html",
        {
            "repairs": list(selectors.pending_repairs(request.user)),
            "objections": list(selectors.pending_objections(request.user)),
            "today": timezone.localdate(),
            "export_form": RecordExportForm(),
        },
    )


@staff_view
def subject_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_officer(request)
    subject = selectors.subject_get(request.user, pk)
    records = list(selectors.records_of(request.user, subject))
    return render(
        request,
        "credit/subject_detail.html",
        {
            "subject": subject,
            "records": records,
            "risk": services.risk_of(subject),
            "repairs": [r for rec in records for r in rec.repairs.all()],
            "objections": [o for rec in records for o in rec.objections.all()],
            "can_pull": policies.can_lookup_credit(request.user),
            **_reveal_context(request, subject),
        },
    )


@staff_view
@require_POST
def subject_pull(request: HttpRequest, pk: int) -> HttpResponse:
    """从信用平台获取外部失信记录 (R-5.2, R-9.2): merge the platform's records of the subject
    on demand; says how many were added, or why the platform could not be asked."""
    if not policies.can_lookup_credit(request.user):
        raise PermissionDenied(_("只有窗口人员、承办人员、核查人员和信用管理人员可以获取信用记录"))
    subject = selectors.subject_for_staff(request.user, pk)
    platform = CreditPlatform.objects.filter(active=True).order_by("id").first()
    context: dict[str, Any] = {"subject": subject, "platform": platform, "error": ""}
    status = 200
    if platform is None:
        context["error"] = _("未配置启用的信用共享平台，无法获取外部失信记录。请联系系统管理员。")
        status = 503
    else:
        try:
            created = pull_external_records(actor=request.user, subject=subject, platform=platform)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            context["error"] = exc.message
            status = 503
        else:
            context["added"] = len(created)
    if policies.is_credit_officer(request.user) and status == 200:
        messages.success(request, _pull_message(context["added"], platform))
        return redirect("credit:subject_detail", pk=subject.pk)
    context.update(_subject_context(request, subject))
    context.update(_assessment(request.user, subject))
    return render(request, "credit/pull_result.html", context, status=status)


def _pull_message(added: int, platform: Any) -> str:
    if added:
        return _("已从“%(platform)s”获取并新增%(n)d条外部失信记录") % {
            "platform": platform.name,
            "n": added,
        }
    return _("已从“%(platform)s”获取，没有新的外部失信记录") % {"platform": platform.name}


@staff_view
def records_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Credit records as XLSX or CSV for credit officers, identifiers and names masked."""
    _require_officer(request)
    if fmt not in exports.FORMATS:
        raise Http404
    form = RecordExportForm(request.GET or None)
    status = grade = ""
    if form.is_valid():
        status = form.cleaned_data["status"]
        grade = form.cleaned_data["grade"]
    records = selectors.records_for_export(request.user, status=status, grade=grade)
    body = exports.export(records.iterator(), fmt)
    response = HttpResponse(body, content_type=exports.FORMATS[fmt])
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="credit-records-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@staff_view
def material_download(request: HttpRequest, repair_pk: int, pk: int) -> HttpResponseBase:
    """A repair material, to a credit officer or the applicant who submitted it; else 404."""
    material = selectors.material_get(request.user, repair_pk, pk)
    try:
        handle = material.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=material.original_name,
        content_type=material.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view
def repair_decide(request: HttpRequest, pk: int) -> HttpResponse:
    repair = selectors.repair_get(request.user, pk)
    form = RepairDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.repair_decide(
                actor=request.user,
                repair=repair,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已作出信用修复决定"))
            return redirect("credit:officer_queue")
    return render(
        request,
        "credit/repair_decide.html",
        {
            "repair": repair,
            "record": repair.record,
            "materials": list(repair.materials.all()),
            "form": form,
            "today": timezone.localdate(),
        },
    )


@staff_view
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    objection = selectors.objection_get(request.user, pk)
    form = ObjectionAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        corrected = form.cleaned_data["result"] == "corrected"
        try:
            services.objection_answer(
                actor=request.user,
                objection=objection,
                corrected=corrected,
                answer=form.cleaned_data["answer"],
                remove=corrected and form.cleaned_data["remove"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已书面答复异议"))
            return redirect("credit:officer_queue")
    return render(
        request,
        "credit/objection_answer.html",
        {
            "objection": objection,
            "record": objection.record,
            "form": form,
            "today": timezone.localdate(),
        },
    )


# --- applicants -----------------------------------------------------------------------------


_ANY_ITEM_UNDER_COMMITMENT = SimpleNamespace(code="*", under_commitment=True, status="in_force")


@staff_view
def my_credit(request: HttpRequest) -> HttpResponse:
    """The applicant's linked subjects, their records, risk level, repairs and objections."""
    subjects = []
    for subject in selectors.my_subjects(request.user):
        subjects.append(
            {
                "subject": subject,
                "risk": services.risk_of(subject),
                # for any item under commitment: may this subject commit at all today?
                "eligibility": services.eligibility_of(subject, _ANY_ITEM_UNDER_COMMITMENT),
                "records": [
                    r for r in selectors.my_records(request.user) if r.subject_id == subject.pk
                ],
            }
        )
    return render(request, "credit/my_credit.html", {"subjects": subjects})


def _my_record_page(
    request: HttpRequest,
    record: CreditRecord,
    *,
    repair_form: RepairForm | None = None,
    objection_form: ObjectionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "credit/my_record.html",
        {
            "record": record,
            "repairs": list(record.repairs.prefetch_related("materials")),
            "objections": list(record.objections.all()),
            "repair_form": repair_form or RepairForm(),
            "objection_form": objection_form or ObjectionForm(),
            "can_object": record.status in (RecordStatus.ACTIVE, RecordStatus.REPAIRED),
            "is_dishonesty": bool(record.grade),
        },
        status=status,
    )


@staff_view
def my_record(request: HttpRequest, pk: int) -> HttpResponse:
    return _my_record_page(request, selectors.my_record_get(request.user, pk))


@staff_view
@require_POST
def my_record_repair(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.my_record_get(request.user, pk)
    form = RepairForm(request.POST, request.FILES)
    if form.is_valid():
        uploads = form.cleaned_data["materials"]
        try:
            if len(uploads) > services.REPAIR_MATERIAL_MAX_FILES:
                raise DomainError(
                    "too_many_files",
                    _("最多上传%(n)d个证明材料，本次选择了%(m)d个")
                    % {"n": services.REPAIR_MATERIAL_MAX_FILES, "m": len(uploads)},
                    field="materials",
                )
            for upload in uploads:  # every file checked before anything is stored
                services.repair_material_check(upload)
            with transaction.atomic():
                repair = services.repair_submit(
                    actor=request.user,
                    record=record,
                    statement=form.cleaned_data["statement"],
                    commitment_letter=form.cleaned_data["commitment_letter"],
                )
                for upload in uploads:
                    services.repair_material_add(actor=request.user, repair=repair, upload=upload)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("信用修复申请已提交，请等待信用管理部门审核"))
            return redirect("credit:my_record", pk=record.pk)
    return _my_record_page(request, record, repair_form=form, status=400)


@staff_view
@require_POST
def my_record_object(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.my_record_get(request.user, pk)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.objection_submit(
                actor=request.user, record=record, grounds=form.cleaned_data["grounds"]
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("异议已提交，该记录已标注为“异议处理中”"))
            return redirect("credit:my_record", pk=record.pk)
    return _my_record_page(request, record, objection_form=form, status=400)


@staff_view
def push_log(request: HttpRequest) -> HttpResponse:
    """The delivery log of pushes to the credit sharing platform (R-5.2)."""
    status = request.GET.get("status", "")
    messages_qs = selectors.push_messages_visible_to(request.user, status=status)
    page = Paginator(messages_qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "credit/push_log.html",
        {"page_obj": page, "status": status, "statuses": PushMessage.Status.choices},
    )


@staff_view
def overdue(request: HttpRequest) -> HttpResponse:
    """Repairs and objections past their deadline, for officers and their supervisor."""
    today = timezone.localdate()
    items = selectors.overdue_items(request.user, on=today)
    return render(request, "credit/overdue.html", {**items, "today": today})


def public_listing(request: HttpRequest) -> HttpResponse:
    """Public list of severe dishonesty in its publication period (R-5.5), masked (R-5.6);
    searched by the shown name, the deciding agency and the decision date, a page at a time.
    A bad value is left out with a message."""
    today = timezone.localdate()
    agencies = public_agency_choices()
    filters = list_filters(
        request.GET,
        agency_ids={pk for pk, _name in agencies},
        q_label=_("主体名称"),
        date_label=_("认定日期"),
    )
    records = selectors.publicly_listed_records(
        on=today,
        q=filters.q,
        agency_id=filters.agency_id,
        decided_from=filters.date_from,
        decided_to=filters.date_to,
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "credit/public_listing.html",
        {"page_obj": page, "today": today, "filters": filters, "agencies": agencies},
    )


@staff_view
def notices(request: HttpRequest) -> HttpResponse:
    """Sanction notices to the user's agencies: severe dishonesty to take into account."""
    page = Paginator(selectors.notices_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "credit/notices.html", {"page_obj": page})


@staff_view
@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(request.user, pk)
    services.notice_mark_read(actor=request.user, notice=notice)
    return redirect("credit:notices")

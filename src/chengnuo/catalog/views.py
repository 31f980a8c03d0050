"""Staff workbench for the catalog (R-7.2): proposals, filing, import, matters.

Views are thin: reads go through selectors scoped to the actor, writes through services.
NotFound → 404, PermissionDenied → 403 page, DomainError → the form again with the message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import apply_domain_error, staff_view

from . import importer, policies, selectors, services
from .constants import (
    ChangeAction,
    DisclosureScope,
    ExcludedDomain,
    PriorityDomain,
    ProposalStatus,
    VerificationMethod,
)
from .forms import (
    FileForm,
    ImportForm,
    MatterForm,
    ProposalFilterForm,
    ProposalForm,
    ReturnForm,
)
from .models import ChangeProposal
from .rules import BOOL_FIELDS, FIELD_LABELS, ITEM_FIELDS, item_snapshot_fields

PAGE_SIZE = 50
PROPOSAL_LABELS = {
    "action": "调整类型",
    "item_code": "证明事项编码",
    "payload": "拟调整内容",
    "reason": "调整理由",
    "law_change": "依据的法律法规变化",
    "effective_date": "拟生效日期",
    **FIELD_LABELS,
}


def _is_post(request: HttpRequest) -> bool:
    return request.method == "POST"


# --- display helpers ------------------------------------------------------------------------

_CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "priority_domains": {c.value: c.label for c in PriorityDomain},
    "excluded_domains": {c.value: c.label for c in ExcludedDomain},
    "verification_method": {c.value: c.label for c in VerificationMethod},
    "disclosure_scope": {c.value: c.label for c in DisclosureScope},
}


def display_value(field: str, value: Any, matter_names: dict[str, str] | None = None) -> str:
    """An item field's value as the UI shows it (Chinese labels, 是/否, —)."""
    if field in BOOL_FIELDS:
        return _("是") if value else _("否")
    if field == "disclosure_scope" and not value:
        return _("不公开")
    if value is None or value == "" or value == []:
        return "—"
    labels = _CHOICE_LABELS.get(field)
    if field == "matter_codes":
        names = matter_names or {}
        return "、".join(f"{names[c]}（{c}）" if c in names else str(c) for c in value)
    if isinstance(value, list):
        return "、".join(str(labels.get(v, v)) if labels else str(v) for v in value)
    if labels:
        return str(labels.get(value, value))
    return str(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return (a in (None, "") and b in (None, "")) or a == b


def _proposal_rows(proposal: ChangeProposal) -> list[dict[str, Any]]:
    """One row per item field: before (the live item), after (the proposal's payload)."""
    live = item_snapshot_fields(proposal.item) if proposal.item_id else None
    after = proposal.payload if proposal.action != ChangeAction.REMOVE else None
    codes = set((live or {}).get("matter_codes", [])) | set((after or {}).get("matter_codes", []))
    names = {
        m.code: m.name
        for m in selectors.public_matters(agency_id=proposal.agency_id).filter(code__in=codes)
    }
    rows = []
    for field in ITEM_FIELDS:
        before_value = live.get(field) if live is not None else None
        after_value = after.get(field) if after is not None else None
        rows.append(
            {
                "label": _(FIELD_LABELS[field]),
                "before": display_value(field, before_value, names) if live is not None else "",
                "after": display_value(field, after_value, names) if after is not None else "",
                "changed": live is not None
                and after is not None
                and not _same(before_value, after_value),
            }
        )
    return rows


# --- proposals ------------------------------------------------------------------------------


@staff_view
def proposal_list(request: HttpRequest) -> HttpResponse:
    agencies = selectors.proposal_filter_agencies(request.user)
    form = ProposalFilterForm(request.GET or None, agencies=agencies)
    status, agency_id = "", None
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or ""
        agency_id = form.cleaned_data["agency"]
    proposals = selectors.proposals_visible_to(request.user, status=status, agency_id=agency_id)
    batch = (request.GET.get("batch") or "")[:40]
    if batch:
        proposals = proposals.filter(import_batch=batch)
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/proposal_list.html",
        {
            "form": form,
            "page": page,
            "batch": batch,
            "can_propose": selectors.agencies_administered_by(request.user).exists(),
        },
    )


def _pick_agency(request: HttpRequest, agencies: list) -> Any:
    """The agency a form is for: the only one, or ?agency=<id> among those administered."""
    if len(agencies) == 1:
        return agencies[0]
    raw = request.GET.get("agency", "")
    if not raw:
        return None
    chosen = next((a for a in agencies if str(a.pk) == raw), None)
    if chosen is None:
        raise NotFound()
    return chosen


def _choose(request: HttpRequest, title: str, intro: str, options: list[tuple[str, str]]):
    return render(
        request, "catalog/choose.html", {"title": title, "intro": intro, "options": options}
    )


def _proposal_form(
    request: HttpRequest, agency: Any, *, action: str, initial: dict[str, Any], item_code: str
) -> tuple[ProposalForm, Any]:
    """The proposal form with the agency's matters to choose from (new and resubmitted)."""
    matters = selectors.matters_managed_by(request.user).filter(agency=agency)
    form = ProposalForm(
        request.POST if _is_post(request) else None,
        initial=initial,
        action=action,
        matter_choices=[(m.code, f"{m.name}（{m.code}）") for m in matters],
        item_code=item_code,
    )
    return form, matters


def _render_proposal_form(
    request: HttpRequest,
    form: ProposalForm,
    *,
    agency: Any,
    action: str,
    item: Any,
    matters: Any,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        "catalog/proposal_form.html",
        {
            "form": form,
            "agency": agency,
            "action": action,
            "action_label": ChangeAction(action).label,
            "item": item,
            "has_matters": matters.exists(),
            **extra,
        },
        status=400 if _is_post(request) else 200,
    )


@staff_view
def proposal_create(request: HttpRequest) -> HttpResponse:
    agencies = list(selectors.agencies_administered_by(request.user))
    if not agencies:
        raise PermissionDenied(_("只有部门管理员可以申报目录调整"))
    action = request.GET.get("action") or ChangeAction.ADD.value
    if action not in ChangeAction.values:
        raise NotFound()
    agency = _pick_agency(request, agencies)
    base = reverse("catalog:proposal_create")
    if agency is None:
        options = [
            (f"{base}?{urlencode({'action': action, 'agency': a.pk})}", a.name) for a in agencies
        ]
        return _choose(
            request,
            _("选择申报机关"),
            _("您是多个机关的部门管理员，请选择本次申报的机关。"),
            options,
        )

    item = None
    if action != ChangeAction.ADD:
        code = request.GET.get("item", "")
        if not code:
            items = selectors.items_managed_by(request.user, agency_id=agency.pk)
            options = [
                (
                    f"{base}?{urlencode({'action': action, 'agency': agency.pk, 'item': i.code})}",
                    f"{i.name}（{i.code}）",
                )
                for i in items
            ]
            return _choose(
                request,
                _("选择要调整或取消的证明事项"),
                _("以下为本机关施行中的证明事项。"),
                options,
            )
        item = selectors.item_get_for_admin(request.user, code, agency_id=agency.pk)

    initial: dict[str, Any] = {"effective_date": timezone.localdate()}
    if item is not None and action == ChangeAction.AMEND:
        initial.update(item_snapshot_fields(item))
    form, matters = _proposal_form(
        request, agency, action=action, initial=initial, item_code=item.code if item else ""
    )
    if _is_post(request) and form.is_valid():
        try:
            proposal = services.proposal_submit(
                actor=request.user, agency=agency, **form.submit_kwargs()
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            apply_domain_error(form, exc, PROPOSAL_LABELS)
        else:
            messages.success(
                request,
                _("目录调整申报已提交，等待司法局备案（申报编号 %(pk)s）") % {"pk": proposal.pk},
            )
            return redirect("catalog:proposal_detail", pk=proposal.pk)
    live_rows = None
    if item is not None and action == ChangeAction.REMOVE:
        live_rows = [
            {"label": _(FIELD_LABELS[f]), "value": display_value(f, v)}
            for f, v in item_snapshot_fields(item).items()
        ]
    return _render_proposal_form(
        request, form, agency=agency, action=action, item=item, matters=matters, live_rows=live_rows
    )


def _render_detail(
    request: HttpRequest,
    proposal: ChangeProposal,
    *,
    file_form: FileForm | None = None,
    return_form: ReturnForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    submitted = proposal.status == ProposalStatus.SUBMITTED
    can_review = submitted and policies.can_review(request.user, proposal)
    can_withdraw = submitted and policies.can_manage_catalog(request.user, proposal.agency_id)
    can_resubmit = proposal.status == ProposalStatus.RETURNED and policies.can_manage_catalog(
        request.user, proposal.agency_id
    )
    return render(
        request,
        "catalog/proposal_detail.html",
        {
            "proposal": proposal,
            "rows": _proposal_rows(proposal),
            "revisions": list(proposal.revisions.select_related("submitted_by", "reviewed_by")),
            "can_resubmit": can_resubmit,
            "can_review": can_review,
            "can_withdraw": can_withdraw,
            "file_form": file_form or FileForm(),
            "return_form": return_form or ReturnForm(),
            "error": error,
        },
        status=status,
    )


@staff_view
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(request.user, pk)
    return _render_detail(request, proposal)


@staff_view
@require_POST
def proposal_file(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(request.user, pk)
    form = FileForm(request.POST)
    if form.is_valid():
        try:
            filed = services.proposal_file(
                actor=request.user, proposal=proposal, comment=form.cleaned_data["comment"]
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            apply_domain_error(form, exc, PROPOSAL_LABELS)
        else:
            if filed.status == ProposalStatus.EFFECTIVE:
                messages.success(request, _("已备案，调整已于今日生效并发布新版本目录"))
            else:
                messages.success(
                    request,
                    _("已备案，调整将于 %(date)s 生效")
                    % {"date": filed.effective_date.isoformat()},
                )
            return redirect("catalog:proposal_detail", pk=proposal.pk)
    return _render_detail(request, proposal, file_form=form, status=400)


@staff_view
@require_POST
def proposal_return(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(request.user, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_return(
                actor=request.user, proposal=proposal, reason=form.cleaned_data["reason"]
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            apply_domain_error(form, exc, PROPOSAL_LABELS)
        else:
            messages.success(request, _("已退回该申报"))
            return redirect("catalog:proposal_detail", pk=proposal.pk)
    return _render_detail(request, proposal, return_form=form, status=400)


@staff_view
def proposal_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    """Amend a returned proposal and submit it again (R-7.2): the form starts from what was
    submitted, the reviewer's reasons shown above it."""
    proposal = selectors.proposal_get_for(request.user, pk)
    if not policies.can_manage_catalog(request.user, proposal.agency_id):
        raise PermissionDenied(_("只有本机关的部门管理员可以修改申报"))
    if proposal.status != ProposalStatus.RETURNED:
        messages.error(request, _("只有被退回的申报可以修改后重新提交"))
        return redirect("catalog:proposal_detail", pk=proposal.pk)
    initial: dict[str, Any] = {
        **proposal.payload,
        "reason": proposal.reason,
        "law_change": proposal.law_change,
        "effective_date": max(proposal.effective_date, timezone.localdate()),
    }
    form, matters = _proposal_form(
        request,
        proposal.agency,
        action=proposal.action,
        initial=initial,
        item_code=proposal.item_code,
    )
    note = request.POST.get("note", "") if _is_post(request) else ""
    if _is_post(request) and form.is_valid():
        kwargs = form.submit_kwargs()
        try:
            services.proposal_resubmit(
                actor=request.user,
                proposal=proposal,
                payload=kwargs["payload"],
                reason=kwargs["reason"],
                law_change=kwargs["law_change"],
                effective_date=kwargs["effective_date"],
                note=note,
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            apply_domain_error(form, exc, PROPOSAL_LABELS)
        else:
            messages.success(request, _("已修改并重新提交，等待司法局备案"))
            return redirect("catalog:proposal_detail", pk=proposal.pk)
    return _render_proposal_form(
        request,
        form,
        agency=proposal.agency,
        action=proposal.action,
        item=proposal.item,
        matters=matters,
        resubmitting=proposal,
        note=note,
    )


@staff_view
@require_POST
def proposal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(request.user, pk)
    try:
        services.proposal_withdraw(actor=request.user, proposal=proposal)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _render_detail(request, proposal, error=exc.message, status=400)
    messages.success(request, _("已撤回该申报"))
    return redirect("catalog:proposal_detail", pk=proposal.pk)


# --- import ---------------------------------------------------------------------------------

BATCH_FIELDS = ("reason", "law_change", "effective_date")


def _import_errors(form: ImportForm, exc: DomainError) -> list[dict[str, Any]]:
    """Per-row problems for the table; batch-level ones (reason…) go once onto their field."""
    if not exc.details:
        apply_domain_error(form, exc)
        return []
    table: list[dict[str, Any]] = []
    attached: set[tuple[str, str]] = set()
    for detail in exc.details:
        column, message = detail.get("column"), detail.get("message", "")
        if column in BATCH_FIELDS:
            if (column, message) not in attached:
                attached.add((column, message))
                form.add_error(column, message)
            continue
        table.append(
            {
                "row": detail.get("row"),
                "column": importer.column_label(column),
                "code": detail.get("code", ""),
                "message": message,
            }
        )
    table.sort(key=lambda e: (e["row"] is None, e["row"] or 0))
    if table:
        form.add_error(
            None,
            _("导入文件有%(n)s处错误，未导入任何数据。请按下表逐行修改后重新上传。")
            % {"n": len(table)},
        )
    return table


@staff_view
def catalog_import(request: HttpRequest) -> HttpResponse:
    agencies = list(selectors.agencies_administered_by(request.user))
    if not agencies:
        raise PermissionDenied(_("只有部门管理员可以导入目录"))
    form = ImportForm(
        request.POST if _is_post(request) else None,
        request.FILES if _is_post(request) else None,
        agencies=agencies,
        initial={"effective_date": timezone.localdate()},
    )
    import_errors: list[dict[str, Any]] = []
    if _is_post(request) and form.is_valid():
        upload = form.cleaned_data["file"]
        data = form.cleaned_data
        try:
            if upload.size > settings.CATALOG_IMPORT_MAX_BYTES:
                raise DomainError(
                    "file_too_large",
                    _("文件过大：不得超过 %(mb).1f MB")
                    % {"mb": settings.CATALOG_IMPORT_MAX_BYTES / 1024 / 1024},
                    field="file",
                )
            rows = importer.parse_catalog_xlsx(upload, max_rows=settings.CATALOG_IMPORT_MAX_ROWS)
            proposals = services.catalog_import_rows(
                actor=request.user,
                agency=form.chosen_agency(),
                rows=rows,
                reason=data["reason"] or "",
                law_change=data["law_change"] or "",
                effective_date=data["effective_date"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            import_errors = _import_errors(form, exc)
        else:
            batch = proposals[0].import_batch
            messages.success(
                request,
                _("已导入%(n)s条目录调整申报（批次 %(batch)s），等待司法局备案")
                % {"n": len(proposals), "batch": batch},
            )
            return redirect(f"{reverse('catalog:proposal_list')}?{urlencode({'batch': batch})}")
    return render(
        request,
        "catalog/import.html",
        {
            "form": form,
            "import_errors": import_errors,
            "max_rows": settings.CATALOG_IMPORT_MAX_ROWS,
            "max_mb": settings.CATALOG_IMPORT_MAX_BYTES / 1024 / 1024,
            "columns": importer.import_columns(),
        },
        status=400 if _is_post(request) else 200,
    )


@staff_view
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(importer.template_workbook(), content_type=importer.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename="目录调整导入模板.xlsx")
        or 'attachment; filename="catalog_import_template.xlsx"'
    )
    return response


# --- matters --------------------------------------------------------------------------------


@staff_view
def matter_list(request: HttpRequest) -> HttpResponse:
    agencies = list(selectors.agencies_administered_by(request.user))
    matters = selectors.matters_managed_by(request.user)
    if not agencies and not matters.exists():
        raise PermissionDenied(_("只有部门管理员可以维护行政事项"))
    page = Paginator(matters, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/matter_list.html", {"page": page, "can_create": bool(agencies)})


@staff_view
def matter_create(request: HttpRequest) -> HttpResponse:
    agencies = list(selectors.agencies_administered_by(request.user))
    if not agencies:
        raise PermissionDenied(_("只有部门管理员可以维护行政事项"))
    form = MatterForm(request.POST if _is_post(request) else None, agencies=agencies)
    if _is_post(request) and form.is_valid():
        try:
            matter = services.matter_create(
                actor=request.user, agency=form.chosen_agency(), data=form.service_data()
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已新增行政事项：%(m)s") % {"m": matter})
            return redirect("catalog:matter_list")
    return render(
        request,
        "catalog/matter_form.html",
        {"form": form, "matter": None},
        status=400 if _is_post(request) else 200,
    )


@staff_view
def matter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    matter = selectors.matter_get_for_admin(request.user, pk)
    initial = {
        "code": matter.code,
        "name": matter.name,
        "matter_type": matter.matter_type,
        "legal_basis": matter.legal_basis,
        "materials": "\n".join(matter.materials or []),
    }
    form = MatterForm(request.POST if _is_post(request) else None, initial=initial, editing=True)
    if _is_post(request) and form.is_valid():
        data = form.service_data()
        data.pop("code")
        try:
            matter = services.matter_update(actor=request.user, matter=matter, data=data)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已保存行政事项：%(m)s") % {"m": matter})
            return redirect("catalog:matter_list")
    return render(
        request,
        "catalog/matter_form.html",
        {"form": form, "matter": matter},
        status=400 if _is_post(request) else 200,
    )

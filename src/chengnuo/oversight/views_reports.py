"""Pages of circulated reports (督察情况通报, R-8.2): /oversight/reports/ — the bureau's drafts
and the published list, drafting from the figures of a period, editing a draft, the report with
its tables, charts, recipients' acknowledgements and history, issuing, acknowledging, and the
DOCX and PDF downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.agencies.models import Agency
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import field_errors, staff_view

from . import policies_reports as policies
from . import render_reports
from . import selectors_reports as selectors
from . import services_reports as services
from .constants_reports import CASE_COLUMNS, MAX_SECTIONS, OVERSIGHT_COLUMNS, ReportStatus
from .models import Report

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def _month(raw: str, *, last: bool = False) -> dt.date | None:
    """2026-03 (a month field) or 2026-03-01 (a date)."""
    text = (raw or "").strip()[:10]
    try:
        day = dt.date.fromisoformat(text if len(text) == 10 else f"{text}-01")
    except ValueError:
        return None
    return selectors.next_month(day.replace(day=1)) - dt.timedelta(days=1) if last else day


@staff_view
def reports(request: HttpRequest) -> HttpResponse:
    if not policies.reads_reports(request.user):
        raise PermissionDenied(_("督察情况通报只对司法局审核人员和各单位部门管理员开放"))
    rows = selectors.reports(request.user)
    return render(
        request,
        "oversight/reports.html",
        {**rows, "drafts_allowed": policies.drafts(request.user)},
    )


@staff_view
def report_new(request: HttpRequest) -> HttpResponse:
    if not policies.drafts(request.user):
        raise PermissionDenied(_("只有司法局审核人员可以起草督察情况通报"))
    today = timezone.localdate()
    form = {"start": f"{today.year}-01", "end": f"{today:%Y-%m}", "title": ""}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "")[:200] for k in ("start", "end", "title")}
        try:
            report = services.report_draft(
                actor=request.user,
                start=_month(form["start"]),
                end=_month(form["end"], last=True),
                title=form["title"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(
                exc, ("start", "end", "title", "recipient_ids"), general="general"
            )
        else:
            messages.success(request, _("已根据统计数据生成通报初稿，请修改后印发。"))
            return redirect("oversight:report", pk=report.pk)
    return render(
        request,
        "oversight/report_new.html",
        {"form": form, "errors": errors, "bureau": policies.bureau_of(request.user)},
        status=400 if errors else 200,
    )


def _page(
    request: HttpRequest, report: Report, errors: dict[str, Any] | None = None, note: str = ""
) -> HttpResponse:
    recipients = selectors.recipients_of(report)
    mine = policies.admin_ids(request.user)
    # the bureau sees every addressee's acknowledgement; an agency its own
    overseer = policies.may_edit(request.user, report) or policies.is_system_admin(request.user)
    overseer = overseer or bool(policies.overseen_ids(request.user))
    figures = report.figures or {}
    return render(
        request,
        "oversight/report.html",
        {
            "report": report,
            "doc": render_reports.document_of(report, recipients, with_charts=False),
            "recipients": recipients,
            "shown": recipients if overseer else [r for r in recipients if r.agency_id in mine],
            "overseer": overseer,
            "acknowledged": sum(1 for r in recipients if r.acknowledged_at),
            "to_acknowledge": [
                r
                for r in recipients
                if r.agency_id in mine and r.acknowledged_at is None
                and report.status == ReportStatus.ISSUED
            ],
            "revisions": selectors.revisions_of(report),
            "tables": [
                (title, ["单位", *(c[1] for c in columns)],
                 render_reports.table_rows(figures, columns))
                for title, columns in zip(
                    render_reports.TABLE_TITLES, (CASE_COLUMNS, OVERSIGHT_COLUMNS), strict=True
                )
            ],
            "charts": render_reports.CHART_TITLES,
            "editable": report.status == ReportStatus.DRAFT
            and policies.may_edit(request.user, report),
            "errors": errors or {},
            "note": note,
        },
        status=400 if errors else 200,
    )  # fmt: skip


@staff_view
def report(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.report_for(request.user, pk))


@staff_view
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.report_for(request.user, pk)
    if not policies.may_edit(request.user, row):
        raise PermissionDenied(_("通报由印发机关的审核人员修改"))
    if row.status != ReportStatus.DRAFT:
        raise PermissionDenied(_("通报已印发，不能再修改"))
    sections = [dict(s) for s in row.sections]
    chosen = [str(r.agency_id) for r in selectors.recipients_of(row)]
    title = row.title
    errors: dict[str, Any] = {}
    if request.method == "POST":
        title = request.POST.get("title", "")
        headings = request.POST.getlist("heading")[: MAX_SECTIONS + 1]
        texts = request.POST.getlist("text")[: MAX_SECTIONS + 1]
        sections = [
            {"heading": h, "text": t}
            for h, t in zip(headings, texts, strict=False)
            if h.strip() or t.strip()
        ]
        chosen = request.POST.getlist("recipient_ids")
        try:
            services.report_edit(
                actor=request.user, report=row, title=title, sections=sections,
                recipient_ids=chosen,
            )  # fmt: skip
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(exc, ("title", "sections", "recipient_ids"), general="general")
        else:
            messages.success(request, _("通报草稿已保存。"))
            return redirect("oversight:report", pk=row.pk)
    overseen = policies.overseen_ids(request.user) - {row.issuer_id}
    return render(
        request,
        "oversight/report_edit.html",
        {
            "report": row,
            "title": title,
            "sections": sections,
            "blank": range(max(0, 1 if len(sections) < MAX_SECTIONS else 0)),
            "agencies": list(Agency.objects.filter(pk__in=sorted(overseen)).order_by(
                "level", "region", "name")),
            "chosen": chosen,
            "errors": errors,
        },
        status=400 if errors else 200,
    )  # fmt: skip


@staff_view
@require_POST
def report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.report_for(request.user, pk)
    try:
        issued = services.report_issue(actor=request.user, report=row)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _page(request, row, field_errors(exc, (), general="issue"))
    messages.success(request, _("通报已印发：%(number)s。") % {"number": issued.number})
    return redirect("oversight:report", pk=row.pk)


@staff_view
@require_POST
def report_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.report_for(request.user, pk)
    raw = request.POST.get("agency", "")
    agency = Agency.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 10 else None
    if agency is None:
        raise NotFound()
    note = request.POST.get("note", "")
    try:
        services.report_acknowledge(actor=request.user, report=row, agency=agency, note=note)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _page(request, row, field_errors(exc, ("note",), general="acknowledge"), note)
    messages.success(request, _("已签收。"))
    return redirect("oversight:report", pk=row.pk)


@staff_view
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise NotFound()
    row = selectors.report_for(request.user, pk)
    body = render_reports.render(row, selectors.recipients_of(row), fmt)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=render_reports.filename(row, fmt))
        or "attachment"
    )
    return response


@staff_view
def report_chart(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    if name not in render_reports.CHART_TITLES:
        raise NotFound()
    row = selectors.report_for(request.user, pk)
    png = render_reports.charts(row.figures or {})[name]
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response

"""Pages of the daily portal check (浏览政务服务网站, R-8.1): /oversight/portal-checks/ — per
agency its last check, open findings and changes; an agency's checks and findings, with "run
now" and "send for rectification" for the reviewer; a check with what changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import field_errors, staff_view

from . import policies_portalchecks as policies
from . import selectors_portalchecks as selectors
from . import services_portalchecks as services
from .constants_portalchecks import FindingKind

DEFAULT_DEADLINE_DAYS = 15


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip()) if raw and len(raw) <= 10 else None
    except ValueError:
        return None


def _require_reader(request: HttpRequest) -> None:
    if not policies.reads_any(request.user):
        raise PermissionDenied(
            _("只有司法局审核人员和各单位部门管理员可以查看浏览政务服务网站情况")
        )


@staff_view
def portal_checks(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    raw = request.GET.get("agency", "")
    agency_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
    return render(
        request,
        "oversight/portal_checks.html",
        {
            "rows": selectors.overview(request.user, agency_id=agency_id),
            "agencies": selectors.agency_choices(request.user),
            "agency_id": agency_id,
            "today": timezone.localdate(),
        },
    )


def _agency_page(
    request: HttpRequest, agency: Any, form: dict[str, Any], errors: dict[str, Any]
) -> HttpResponse:
    open_rows = selectors.open_findings(agency)
    return render(
        request,
        "oversight/portal_check_agency.html",
        {
            "agency": agency,
            "checks": selectors.checks_of(agency),
            "open": open_rows,
            "sendable": any(f.rectification_id is None for f in open_rows),
            "resolved": selectors.resolved_findings(agency),
            "may_run": policies.may_run(request.user, agency.pk),
            "form": form,
            "errors": errors,
            "kinds": FindingKind,
        },
        status=400 if errors else 200,
    )


@staff_view
def portal_check_agency(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    agency = selectors.agency_for(request.user, pk)
    default = timezone.localdate() + dt.timedelta(days=DEFAULT_DEADLINE_DAYS)
    return _agency_page(request, agency, {"deadline": default.isoformat(), "finding_ids": []}, {})


def _overseen_agency(request: HttpRequest, pk: int) -> Any:
    _require_reader(request)
    agency = selectors.agency_for(request.user, pk)
    if not policies.may_run(request.user, agency.pk):
        raise PermissionDenied(_("只有司法局审核人员可以检查网站和下发整改通知"))
    return agency


@staff_view
@require_POST
def portal_check_run(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _overseen_agency(request, pk)
    check = services.portal_check_run(actor=request.user, agency=agency, day=timezone.localdate())
    messages.success(request, _("已完成今日检查，发现问题%(n)d个。") % {"n": check.findings_count})
    return redirect("oversight:portal_check", pk=check.pk)


@staff_view
@require_POST
def portal_check_send(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _overseen_agency(request, pk)
    deadline = request.POST.get("deadline", "")
    form: dict[str, Any] = {
        "finding_ids": request.POST.getlist("finding_ids"),
        "deadline": deadline,
    }
    try:
        notices = services.portal_findings_send(
            actor=request.user,
            agency=agency,
            finding_ids=form["finding_ids"],
            deadline=_date(deadline),
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        errors = field_errors(exc, ("finding_ids", "deadline"), general="general")
        return _agency_page(request, agency, form, errors)
    messages.success(
        request,
        _("已向%(agency)s下发整改通知%(n)d份：%(numbers)s")
        % {
            "agency": agency.name,
            "n": len(notices),
            "numbers": "、".join(n.number for n in notices),
        },
    )
    return redirect("oversight:portal_check_agency", pk=agency.pk)


@staff_view
def portal_check(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    check = selectors.check_for(request.user, pk)
    return render(
        request,
        "oversight/portal_check.html",
        {
            "check": check,
            "agency": check.agency,
            "items": check.snapshot.get("items", []),
            "catalog": check.snapshot.get("catalog"),
            "findings": selectors.findings_at(check),
            "may_run": policies.may_run(request.user, check.agency_id),
        },
    )

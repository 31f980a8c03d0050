"""Pages of rectification notices (R-8.1): /oversight/rectifications/ — the list (the
reviewer's overseen agencies; an agency admin its own), a notice with its answer and review
forms and its history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import field_errors, staff_view

from . import policies_rectification as policies
from . import selectors_rectification as selectors
from . import services_rectification as services
from .constants_rectification import Source, Status

PAGE = 50


@staff_view
def rectifications(request: HttpRequest) -> HttpResponse:
    if not policies.reads_any(request.user):
        raise PermissionDenied(_("只有司法局审核人员和各单位部门管理员可以查看整改通知"))
    status = request.GET.get("status", "")
    source = request.GET.get("source", "")
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.listing(
        request.user,
        status=status if status in Status.values else "",
        source=source if source in Source.values else "",
        overdue=overdue,
    )
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/rectifications.html",
        {
            "page": page,
            "statuses": Status.choices,
            "sources": Source.choices,
            "status": status,
            "source": source,
            "overdue": overdue,
        },
    )


@staff_view
def rectification(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.get_for(request.user, pk)
    errors: dict[str, Any] = {}
    form: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = {k: request.POST.get(k, "") for k in ("answer", "evidence", "note")}
        try:
            if action == "answer":
                services.rectification_answer(
                    actor=request.user, rectification=row, answer=form["answer"],
                    evidence=form["evidence"],
                )  # fmt: skip
                done = _("整改情况已报送，等待司法局审核。")
            elif action == "close":
                services.rectification_close(
                    actor=request.user, rectification=row, note=form["note"]
                )
                done = _("整改通知已销号。")
            elif action == "return":
                services.rectification_return(
                    actor=request.user, rectification=row, reason=form["note"]
                )
                done = _("整改情况已退回，请被督查单位重新整改并报送。")
            else:
                raise NotFound()
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(exc, ("answer", "evidence", "note"), general="general")
        else:
            messages.success(request, done)
            return redirect("oversight:rectification", pk=row.pk)
    return render(
        request,
        "oversight/rectification.html",
        {
            "row": row,
            "form": form,
            "errors": errors,
            "answers": row.agency_id in policies.answering_ids(request.user),
            "reviews": policies.may_issue(request.user, row.agency_id),
            "history": selectors.history(row),
        },
        status=400 if errors else 200,
    )

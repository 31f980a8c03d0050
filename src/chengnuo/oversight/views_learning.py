"""Pages of the catalog's learning from outcomes (R-8.1, R-7.2): /oversight/learning/ — the
figures per item (sortable, filtered by agency, paginated), the open suggestions with their
evidence, a suggestion (adopt or dismiss), and the agency's proposals (its admin answers)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import field_errors, staff_view

from . import policies_learning as policies
from . import selectors_learning as selectors
from . import services_learning as services
from .constants_learning import (
    ADVICE,
    ProposalDecision,
    ProposalStatus,
    SuggestionKind,
    SuggestionStatus,
)
from .models.learning import interval_text

PAGE_SIZE = 50
SORT_LABELS = {
    "rate": "不实比例（高到低）",
    "lower": "置信区间下限（高到低）",
    "verified": "核查量（多到少）",
    "withdrawals": "承诺退出（多到少）",
    "complaints": "投诉举报（多到少）",
    "rate_asc": "不实比例（低到高）",
}


def _id(raw: str) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


def _rate_text(evidence: dict[str, Any]) -> str:
    f = evidence.get("figures", {})
    return interval_text(int(f.get("verified") or 0), f.get("rate"), f.get("lower"), f.get("upper"))


def _require_overseer(request: HttpRequest) -> None:
    if not policies.overseer(request.user):
        raise PermissionDenied(_("只有司法局审核人员可以查看目录评估"))


@staff_view
def learning_items(request: HttpRequest) -> HttpResponse:
    _require_overseer(request)
    sort = request.GET.get("sort", "rate")
    sort = sort if sort in selectors.SORTS else "rate"
    agency_id = _id(request.GET.get("agency", ""))
    period_end = selectors.latest_period_end()
    rows = selectors.outcomes(request.user, agency_id=agency_id, sort=sort, period_end=period_end)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    open_count = selectors.suggestions(request.user).count()
    return render(
        request,
        "oversight/learning_items.html",
        {
            "page": page,
            "period_end": period_end,
            "agencies": selectors.agencies(request.user),
            "agency_id": agency_id,
            "sort": sort,
            "sorts": SORT_LABELS,
            "open_count": open_count,
            "cfg": services.config(),
        },
    )


@staff_view
def learning_suggestions(request: HttpRequest) -> HttpResponse:
    _require_overseer(request)
    status = request.GET.get("status", SuggestionStatus.SUGGESTED)
    status = status if status in SuggestionStatus.values else SuggestionStatus.SUGGESTED
    rows = selectors.suggestions(request.user, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/learning_suggestions.html",
        {"page": page, "status": status, "statuses": SuggestionStatus.choices},
    )


def _suggestion_page(
    request: HttpRequest, pk: int, form: dict[str, Any], errors: dict[str, Any]
) -> HttpResponse:
    row = selectors.suggestion_for(request.user, pk)
    return render(
        request,
        "oversight/learning_suggestion.html",
        {
            "s": row,
            "f": row.evidence.get("figures", {}),
            "rate_text": _rate_text(row.evidence),
            "advice": ADVICE[SuggestionKind(row.kind)],
            "proposal": selectors.proposal_of(row),
            "open": row.status == SuggestionStatus.SUGGESTED,
            "form": form,
            "errors": errors,
            "kinds": SuggestionKind,
        },
        status=400 if errors else 200,
    )


@staff_view
def learning_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    return _suggestion_page(request, pk, {}, {})


@staff_view
@require_POST
def learning_suggestion_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.suggestion_for(request.user, pk)
    form = {"note": request.POST.get("note", "")}
    try:
        proposal = services.suggestion_adopt(actor=request.user, suggestion=row, note=form["note"])
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _suggestion_page(request, pk, form, field_errors(exc, ("note",), general="general"))
    done = _("已采纳，建议%(number)s已提给实施机关。") % {"number": proposal.number}
    messages.success(request, done)
    return redirect("oversight:learning_suggestion", pk=row.pk)


@staff_view
@require_POST
def learning_suggestion_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.suggestion_for(request.user, pk)
    form = {"reason": request.POST.get("reason", "")}
    try:
        services.suggestion_dismiss(actor=request.user, suggestion=row, reason=form["reason"])
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _suggestion_page(
            request, pk, form, field_errors(exc, ("reason",), general="general")
        )
    messages.success(request, _("已记录不予采纳的理由。"))
    return redirect("oversight:learning_suggestion", pk=row.pk)


@staff_view
def learning_proposals(request: HttpRequest) -> HttpResponse:
    if not policies.proposal_reader(request.user):
        raise PermissionDenied(_("只有部门管理员和司法局审核人员可以查看目录评估建议"))
    status = request.GET.get("status", "")
    status = status if status in ProposalStatus.values else ""
    rows = selectors.proposals(request.user, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/learning_proposals.html",
        {"page": page, "status": status, "statuses": ProposalStatus.choices},
    )


@staff_view
def learning_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.proposal_for(request.user, pk)
    form: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("decision", "answer")}
        try:
            services.proposal_answer(actor=request.user, proposal=row, **form)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(exc, ("decision", "answer"), general="general")
        else:
            messages.success(request, _("答复已报送司法局。"))
            return redirect("oversight:learning_proposal", pk=row.pk)
    return render(
        request,
        "oversight/learning_proposal.html",
        {
            "p": row,
            "f": row.evidence.get("figures", {}),
            "rate_text": _rate_text(row.evidence),
            "answers": row.agency_id in policies.answering_ids(request.user)
            and row.status == ProposalStatus.OPEN,
            "decisions": ProposalDecision.choices,
            "kinds": SuggestionKind,
            "form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )

"""Pages of fault-tolerance reviews (R-8.4): /oversight/fault-tolerance/ — the reviews and, for
the Justice Bureau's reviewers, the candidates by kind; opening a review (from a candidate or
a case number); a review with its evidence pack, its versions, the PDF and the decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import field_errors, staff_view

from . import pdf_faulttolerance as pdf
from . import policies_faulttolerance as policies
from . import selectors_faulttolerance as selectors
from . import services_faulttolerance as services
from .constants_faulttolerance import Conclusion, FaultKind, ReviewStatus


def _require_reader(request: HttpRequest) -> None:
    if not policies.reads(request.user):
        raise PermissionDenied(_("只有司法局审核人员和各单位部门管理员可以查看容错审查"))


@staff_view
def ft_index(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    kind = request.GET.get("kind", "")
    if kind not in FaultKind.values:
        kind = FaultKind.FALSE_COMMITMENT
    status = request.GET.get("status", "")
    if status not in ReviewStatus.values:
        status = ""
    reviewer = policies.reviews(request.user)
    return render(
        request,
        "oversight/fault_reviews.html",
        {
            "reviews": selectors.reviews(request.user, status=status),
            "status": status,
            "statuses": ReviewStatus.choices,
            "reviewer": reviewer,
            "kind": kind,
            "kinds": FaultKind.choices,
            "candidates": selectors.candidates(request.user, kind) if reviewer else [],
        },
    )


FORM_FIELDS = ("case", "kind", "task", "loss", "grounds")
RECTIFY_FIELDS = ("rectify_title", "rectify_text", "rectify_deadline")


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip()) if raw and len(raw) <= 10 else None
    except ValueError:
        return None


@staff_view
def ft_open(request: HttpRequest) -> HttpResponse:
    """Open a review: the case by its number (prefilled from a candidate), the kind, the loss
    (false commitments) or why the refusal is considered wrong (wrong refusals)."""
    if not policies.reviews(request.user):
        raise PermissionDenied(_("只有司法局审核人员可以开展容错审查"))
    source = request.POST if request.method == "POST" else request.GET
    form = {k: source.get(k, "")[:4000] for k in FORM_FIELDS}
    errors: dict[str, Any] = {}
    case = None
    if form["case"]:
        try:
            case = selectors.case_to_review(request.user, form["case"])
        except NotFound:
            if request.method == "POST":
                raise
            errors = {"case": [_("未找到该办件，或该办件不属于本局督查范围")]}
    if request.method == "POST":
        if case is None:
            errors = {"case": [_("请填写办件编号")]}
        else:
            try:
                review = services.fault_review_open(
                    actor=request.user,
                    case=case,
                    kind=form["kind"],
                    loss=form["loss"],
                    grounds=form["grounds"],
                    task=selectors.task_of(case, form["task"]),
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                errors = field_errors(exc, ("kind", "loss", "grounds"), general="general")
            else:
                messages.success(request, _("容错审查已开展，证据材料已汇集。"))
                return redirect("oversight:ft_review", pk=review.pk)
    return render(
        request,
        "oversight/fault_review_open.html",
        {"form": form, "errors": errors, "case": case, "kinds": FaultKind.choices},
        status=400 if errors and request.method == "POST" else 200,
    )


def _review_page(
    request: HttpRequest,
    review: Any,
    form: dict[str, Any],
    errors: dict[str, Any],
    *,
    version: Any = None,
) -> HttpResponse:
    pack = selectors.pack_of(review, version) if version is not None else review.pack
    decisions = list(review.decisions.all())
    reviewer = policies.may_review(request.user, review.agency_id)
    return render(
        request,
        "oversight/fault_review.html",
        {
            "review": review,
            "pack": pack,
            "c": pack.content if pack else {},
            "current": pack is not None and pack.pk == review.pack_id,
            "versions": selectors.pack_versions(review),
            "decisions": decisions,
            "latest": decisions[-1] if decisions else None,
            "reviewer": reviewer,
            "conclusions": Conclusion.choices,
            "form": form,
            "errors": errors,
            "notice": selectors.notice_of(review) if decisions else None,
            "may_rectify": reviewer
            and bool(decisions)
            and decisions[-1].conclusion != Conclusion.REASONABLE_ERROR,
        },
        status=400 if errors else 200,
    )


@staff_view
def ft_review(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_for(request.user, pk)
    return _review_page(request, review, {"person_ids": []}, {})


@staff_view
def ft_pack(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    review = selectors.review_for(request.user, pk)
    return _review_page(request, review, {"person_ids": []}, {}, version=version)


@staff_view
def ft_pack_pdf(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    review = selectors.review_for(request.user, pk)
    pack = selectors.pack_of(review, version)
    decisions = [d for d in review.decisions.all() if d.pack_id == pack.pk]
    response = HttpResponse(pdf.render(review, pack, decisions), content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=pdf.filename(review, pack))
        or 'attachment; filename="fault-review.pdf"'
    )
    return response


@staff_view
@require_POST
def ft_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_for(request.user, pk)
    if not policies.may_review(request.user, review.agency_id):
        raise PermissionDenied(_("只有司法局审核人员可以作出容错审查结论"))
    form: dict[str, Any] = {
        k: request.POST.get(k, "")[:4000] for k in ("conclusion", "reasons", "basis")
    }
    form["person_ids"] = request.POST.getlist("person_ids")[:100]
    form["correction"] = request.POST.get("correction") == "1"
    try:
        services.fault_decide(
            actor=request.user,
            review=review,
            conclusion=form["conclusion"],
            reasons=form["reasons"],
            basis=form["basis"],
            person_ids=form["person_ids"],
            correction=form["correction"],
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        errors = field_errors(
            exc, ("conclusion", "reasons", "basis", "person_ids", "correction"), general="general"
        )
        return _review_page(request, review, form, errors)
    messages.success(request, _("审查结论已记录。"))
    return redirect("oversight:ft_review", pk=review.pk)


@staff_view
@require_POST
def ft_reassemble(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_for(request.user, pk)
    if not policies.may_review(request.user, review.agency_id):
        raise PermissionDenied(_("只有司法局审核人员可以重新汇集证据材料"))
    pack = services.fault_pack_reassemble(actor=request.user, review=review)
    messages.success(
        request, _("已重新汇集证据材料（第%(v)s版），此前的版本仍予保留。") % {"v": pack.version}
    )
    return redirect("oversight:ft_review", pk=review.pk)


@staff_view
@require_POST
def ft_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    """A rectification notice to the agency after a conclusion of 失职 or 需追责."""
    review = selectors.review_for(request.user, pk)
    if not policies.may_review(request.user, review.agency_id):
        raise PermissionDenied(_("只有司法局审核人员可以下发整改通知"))
    form: dict[str, Any] = {k: request.POST.get(k, "")[:4000] for k in RECTIFY_FIELDS}
    form["person_ids"] = []
    try:
        notice = services.fault_rectify(
            actor=request.user,
            review=review,
            title=form["rectify_title"],
            text=form["rectify_text"],
            deadline=_date(form["rectify_deadline"]),
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        raw = field_errors(exc, ("title", "text", "deadline"), general="general")
        errors = {("rectify_" + k if k != "general" else "rectify_general"): v
                  for k, v in raw.items()}  # fmt: skip
        return _review_page(request, review, form, errors)
    messages.success(request, _("整改通知%(n)s已下发。") % {"n": notice.number})
    return redirect("oversight:ft_review", pk=review.pk)

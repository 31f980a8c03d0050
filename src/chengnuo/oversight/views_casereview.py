"""Pages of case-file review (R-8.1): /oversight/case-review/ — the rounds, a new round, a
round with its published draw and sampled files, the scoring form per file, the scoring sheet,
and the round's published draw as a download for recomputation."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.agencies.models import Agency
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import field_errors, staff_view
from chengnuo.supervision import draw as algorithm

from . import policies_casereview as policies
from . import selectors_casereview as selectors
from . import services_casereview as services
from .constants_casereview import Grade, ReviewStatus


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip()) if raw and len(raw) <= 10 else None
    except ValueError:
        return None


@staff_view
def casereview_list(request: HttpRequest) -> HttpResponse:
    if not policies.reads_any(request.user):
        raise PermissionDenied(_("只有司法局审核人员和各单位部门管理员可以查看案卷评查"))
    return render(
        request,
        "oversight/case_reviews.html",
        {
            "rows": selectors.reviews_for(request.user),
            "reviews": policies.reviews(request.user),
            "sheets": selectors.latest_sheets(),
        },
    )


def _agency_choices(request: HttpRequest) -> list[Agency]:
    rows = Agency.objects.filter(kind="ordinary").order_by("level", "name")
    if policies.is_system_admin(request.user):
        return list(rows)
    return list(rows.filter(pk__in=policies.overseen_ids(request.user)))


FORM_FIELDS = ("agency", "period_start", "period_end", "quota", "commitment")


@staff_view
def casereview_new(request: HttpRequest) -> HttpResponse:
    if not policies.reviews(request.user):
        raise PermissionDenied(_("只有司法局审核人员可以开展案卷评查"))
    today = timezone.localdate()
    form: dict[str, Any] = {
        "period_start": today.replace(month=1, day=1).isoformat(),
        "period_end": today.isoformat(),
        "quota": "10",
    }
    errors: dict[str, Any] = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in FORM_FIELDS}
        raw = form["agency"]
        agency = (
            Agency.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 10 else None
        )
        try:
            review = services.review_open(
                actor=request.user,
                agency=agency,
                period_start=_date(form["period_start"]),
                period_end=_date(form["period_end"]),
                quota=form["quota"],
                commitment=form["commitment"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(exc, FORM_FIELDS, general="general")
        else:
            messages.success(request, _("案卷评查已发起。请妥善保管随机数，名录冻结后再输入。"))
            return redirect("oversight:casereview_round", pk=review.pk)
    return render(
        request,
        "oversight/case_review_form.html",
        {"form": form, "errors": errors, "agencies": _agency_choices(request)},
        status=400 if errors else 200,
    )


def _round_page(
    request: HttpRequest, review: Any, errors: dict[str, Any], status: int = 200
) -> HttpResponse:
    rows = selectors.sample(review) if review.status == ReviewStatus.DRAWN else []
    counts = selectors.grade_counts(rows)
    return render(
        request,
        "oversight/case_review.html",
        {
            "review": review,
            "rows": rows,
            "counts": [(g.label, counts.get(g.value, 0)) for g in Grade],
            "scored": sum(counts.values()),
            "manages": policies.reviews_agency(request.user, review.agency_id),
            "errors": errors,
            "algorithm": algorithm.ALGORITHM,
        },
        status=400 if errors else status,
    )


@staff_view
def casereview_round(request: HttpRequest, pk: int) -> HttpResponse:
    return _round_page(request, selectors.review_for(request.user, pk), {})


@staff_view
@require_POST
def casereview_freeze(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_for(request.user, pk)
    try:
        services.review_freeze(actor=request.user, review=review)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _round_page(request, review, field_errors(exc, ("share",), general="general"))
    messages.success(request, _("案卷名录已冻结，请输入发起评查时保管的随机数。"))
    return redirect("oversight:casereview_round", pk=review.pk)


@staff_view
@require_POST
def casereview_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_for(request.user, pk)
    try:
        services.review_reveal(actor=request.user, review=review, share=request.POST.get("share"))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _round_page(request, review, field_errors(exc, ("share",), general="general"))
    messages.success(request, _("已抽取评查案卷。"))
    return redirect("oversight:casereview_round", pk=review.pk)


@staff_view
@require_POST
def casereview_abandon(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_for(request.user, pk)
    try:
        services.review_abandon(
            actor=request.user, review=review, reason=request.POST.get("reason")
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        errors = field_errors(exc, ("reason",), general="general")
        return _round_page(request, review, {"abandon": [m for v in errors.values() for m in v]})
    messages.success(request, _("案卷评查已终止，记录保留备查。"))
    return redirect("oversight:casereview_round", pk=review.pk)


@staff_view
def casereview_published(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's published draw as JSON, to recompute with
    `python -m chengnuo.supervision.draw <file>`."""
    review = selectors.review_for(request.user, pk, with_pool=True)
    if review.frozen_at is None:  # nothing frozen, nothing to recompute
        raise NotFound()
    body = json.dumps(services.published(review), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"案卷评查{review.number}抽取结果.json"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


SCORE_GENERAL = ("case", "evidence", "summary", "reason")


def _score_page(
    request: HttpRequest, review: Any, case: Any, form: dict[str, Any], errors: dict[str, Any]
) -> HttpResponse:
    history = selectors.scores_of(review, case)
    current = next((s for s in history if s.current), None)
    items = list(review.sheet.items.order_by("position"))
    lines = {line.item_id: line for line in current.lines.all()} if current else {}
    rows = []
    for item in items:
        key = str(item.pk)
        line = lines.get(item.pk)
        rows.append(
            {
                "item": item,
                "points": form.get("points", {}).get(key, line.points if line else item.max_points),
                "note": form.get("notes", {}).get(key, line.note if line else ""),
                "errors": errors.get(f"points_{item.pk}", []) + errors.get(f"note_{item.pk}", []),
            }
        )
    cited = {str(i) for i in form.get("evidence", current.evidence if current else [])}
    notice = services.rectification_of(current) if current else None
    return render(
        request,
        "oversight/case_review_score.html",
        {
            "review": review,
            "case": case,
            "rows": rows,
            "events": selectors.case_events(case),
            "cited": cited,
            "summary": form.get("summary", current.summary if current else ""),
            "form": form,
            "errors": errors,
            "current": current,
            "history": history,
            "notice": notice,
            "manages": policies.reviews_agency(request.user, review.agency_id)
            and review.status == ReviewStatus.DRAWN,
            "default_deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
        status=400 if errors else 200,
    )


@staff_view
def casereview_score(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    review = selectors.review_for(request.user, pk)
    case = selectors.sampled_case(review, number)
    form: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        items = list(review.sheet.items.only("pk"))
        form = {
            "points": {str(i.pk): request.POST.get(f"points_{i.pk}", "") for i in items},
            "notes": {str(i.pk): request.POST.get(f"note_{i.pk}", "") for i in items},
            "evidence": request.POST.getlist("evidence")[:200],
            "summary": request.POST.get("summary", ""),
            "reason": request.POST.get("reason", ""),
        }
        try:
            services.file_score(
                actor=request.user,
                review=review,
                case_number=case.number,
                points=form["points"],
                notes=form["notes"],
                evidence=form["evidence"],
                summary=form["summary"],
                reason=form["reason"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            known = [*SCORE_GENERAL, *(f"points_{i.pk}" for i in items)]
            known += [f"note_{i.pk}" for i in items]
            errors = field_errors(exc, known, general="general")
        else:
            messages.success(request, _("评查结果已保存。"))
            return redirect("oversight:casereview_score", pk=review.pk, number=case.number)
    return _score_page(request, review, case, form, errors)


@staff_view
@require_POST
def casereview_finding(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    review = selectors.review_for(request.user, pk)
    case = selectors.sampled_case(review, number)
    current = next((s for s in selectors.scores_of(review, case) if s.current), None)
    if current is None:
        raise NotFound()
    form = {k: request.POST.get(k, "") for k in ("deadline", "requirement")}
    try:
        notice = services.finding_issue(
            actor=request.user,
            score=current,
            deadline=_date(form["deadline"]),
            requirement=form["requirement"],
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        found = field_errors(exc, ("deadline", "requirement"), general="general")
        errors = {"finding": [m for messages_ in found.values() for m in messages_]}
        return _score_page(request, review, case, {"finding": form}, errors)
    messages.success(request, _("整改通知已下发。"))
    return redirect("oversight:rectification", pk=notice.pk)


@staff_view
def casereview_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = selectors.sheet_for(request.user, pk)
    return render(
        request,
        "oversight/case_review_sheet.html",
        {
            "sheet": sheet,
            "items": list(sheet.items.all()),
            "total": sum(i.max_points for i in sheet.items.all()),
            "versions": selectors.versions_of(sheet),
            "revises": policies.revises_sheets(request.user),
        },
    )


SHEET_EXTRA_ROWS = 3
SHEET_MAX_ROWS = 40


def _sheet_rows(request: HttpRequest) -> list[dict[str, Any]]:
    raw = request.POST.get("rows", "")
    count = min(int(raw), SHEET_MAX_ROWS) if raw.isdigit() and len(raw) < 4 else 0
    rows = []
    for n in range(count):
        row = {
            "heading": request.POST.get(f"heading_{n}", ""),
            "description": request.POST.get(f"description_{n}", ""),
            "max_points": request.POST.get(f"max_points_{n}", ""),
            "veto": request.POST.get(f"veto_{n}") == "1",
        }
        if any(str(row[k]).strip() for k in ("heading", "description", "max_points")):
            rows.append(row)
    return rows


@staff_view
def casereview_sheet_revise(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version of the sheet, from the one shown (it stays as it is)."""
    sheet = selectors.sheet_for(request.user, pk)
    if not policies.revises_sheets(request.user):
        raise PermissionDenied(_("评查标准由市司法局审核人员修订"))
    errors: dict[str, Any] = {}
    if request.method == "POST":
        rows = _sheet_rows(request)
        form: dict[str, Any] = {
            k: request.POST.get(k, "") for k in ("excellent_min", "pass_min", "note")
        }
        try:
            new = services.sheet_revise(actor=request.user, sheet=sheet, items=rows, **form)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(exc, ("items", "thresholds", "note"), general="general")
        else:
            messages.success(request, _("评查标准已修订为新版本。"))
            return redirect("oversight:casereview_sheet", pk=new.pk)
    else:
        rows = [
            {
                "heading": i.heading,
                "description": i.description,
                "max_points": i.max_points,
                "veto": i.veto,
            }
            for i in sheet.items.all()
        ]
        form = {"excellent_min": sheet.excellent_min, "pass_min": sheet.pass_min, "note": ""}
    blank = {"heading": "", "description": "", "max_points": "", "veto": False}
    rows = rows + [dict(blank) for _ in range(SHEET_EXTRA_ROWS)]
    return render(
        request,
        "oversight/case_review_sheet_form.html",
        {"sheet": sheet, "rows": rows, "form": form, "errors": errors},
        status=400 if errors else 200,
    )

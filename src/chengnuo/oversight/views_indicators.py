"""Pages of the evaluation indicators (R-8.2): /oversight/indicators/ — the schemes and their
trees, the evaluations, an evaluation's table (agencies × groups, totals, rank), an agency's
scores with evidence and the adjustment form, the history of adjustments, the XLSX."""

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

from . import indicator_export
from . import policies_indicators as policies
from . import selectors_indicators as selectors
from . import services_indicators as services
from .constants_indicators import EvaluationStatus, SchemeStatus
from .models import IndicatorScheme, Score


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip()) if raw and len(raw) <= 10 else None
    except ValueError:
        return None


def _pk(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


# --- schemes ---------------------------------------------------------------------------------


@staff_view
def indicator_schemes(request: HttpRequest) -> HttpResponse:
    rows = selectors.schemes(request.user)
    return render(
        request,
        "oversight/indicator_schemes.html",
        {"rows": rows, "manages": policies.manages_schemes(request.user)},
    )


def _scheme_page(
    request: HttpRequest, scheme: IndicatorScheme, errors: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(
        request,
        "oversight/indicator_scheme.html",
        {
            "scheme": scheme,
            "groups": selectors.tree(scheme),
            "manages": policies.manages_schemes(request.user),
            "draft": scheme.status == SchemeStatus.DRAFT,
            "problems": services.weight_problems(scheme)
            if scheme.status == SchemeStatus.DRAFT
            else [],
            "errors": errors,
            "form": {k: request.POST.get(k, "") for k in ("indicator", "name", "weight", "note")},
        },
        status=status,
    )


@staff_view
def indicator_scheme(request: HttpRequest, pk: int) -> HttpResponse:
    return _scheme_page(request, selectors.scheme_for(request.user, pk), {})


@staff_view
@require_POST
def indicator_scheme_version(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = selectors.scheme_for(request.user, pk)
    try:
        draft = services.scheme_new_version(actor=request.user, scheme=scheme)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _scheme_page(request, scheme, field_errors(exc, (), general="general"), 400)
    messages.success(request, _("已新建草稿版本，修改后启用。"))
    return redirect("oversight:indicator_scheme", pk=draft.pk)


@staff_view
@require_POST
def indicator_scheme_enact(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = selectors.scheme_for(request.user, pk)
    try:
        services.scheme_enact(actor=request.user, scheme=scheme)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _scheme_page(request, scheme, field_errors(exc, (), general="general"), 400)
    messages.success(request, _("指标体系已启用。"))
    return redirect("oversight:indicator_scheme", pk=scheme.pk)


@staff_view
@require_POST
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = selectors.indicator_for(request.user, pk)
    try:
        services.indicator_save(
            actor=request.user,
            indicator=indicator,
            name=request.POST.get("name", ""),
            weight=request.POST.get("weight", ""),
            note=request.POST.get("note", ""),
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        errors = field_errors(exc, ("name", "weight"), general="general")
        errors["indicator"] = [str(indicator.pk)]
        return _scheme_page(request, indicator.scheme, errors, 400)
    messages.success(request, _("指标已保存。"))
    return redirect("oversight:indicator_scheme", pk=indicator.scheme_id)


# --- evaluations -----------------------------------------------------------------------------


@staff_view
def indicator_evaluations(request: HttpRequest) -> HttpResponse:
    rows = selectors.evaluations(request.user)
    region = policies.evaluation_region(request.user)
    form: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        if region is None:
            raise PermissionDenied(_("只有司法局审核人员可以开展考评"))
        form = {k: request.POST.get(k, "") for k in ("scheme", "title", "start", "end")}
        scheme_pk = _pk(form["scheme"])
        scheme = IndicatorScheme.objects.filter(pk=scheme_pk).first() if scheme_pk else None
        try:
            if scheme is None:
                raise DomainError("invalid_scheme", _("请选择施行中的考评指标体系"), field="scheme")
            evaluation = services.evaluation_start(
                actor=request.user,
                scheme=scheme,
                title=form["title"],
                start=_date(form["start"]),
                end=_date(form["end"]),
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = field_errors(exc, ("scheme", "title", "start"), general="general")
        else:
            messages.success(request, _("考评已计算。"))
            return redirect("oversight:indicator_evaluation", pk=evaluation.pk)
    return render(
        request,
        "oversight/indicator_evaluations.html",
        {
            "rows": rows,
            "starts": region is not None,
            "schemes": IndicatorScheme.objects.filter(status=SchemeStatus.IN_FORCE).order_by(
                "-year", "code"
            )
            if region is not None
            else [],
            "form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _evaluation_page(
    request: HttpRequest, evaluation: Any, errors: dict[str, Any], status: int = 200
) -> HttpResponse:
    groups, rows = selectors.table(request.user, evaluation)
    return render(
        request,
        "oversight/indicator_evaluation.html",
        {
            "evaluation": evaluation,
            "groups": groups,
            "rows": rows,
            "manages": policies.may_manage(request.user, evaluation),
            "open": evaluation.status == EvaluationStatus.COMPUTED,
            "errors": errors,
        },
        status=status,
    )


@staff_view
def indicator_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    return _evaluation_page(request, selectors.evaluation_for(request.user, pk), {})


@staff_view
@require_POST
def indicator_evaluation_compute(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_for(request.user, pk)
    try:
        services.evaluation_compute(actor=request.user, evaluation=evaluation)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _evaluation_page(request, evaluation, field_errors(exc, (), general="general"), 409)
    messages.success(request, _("已按最新数据重新计算。"))
    return redirect("oversight:indicator_evaluation", pk=evaluation.pk)


@staff_view
@require_POST
def indicator_evaluation_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_for(request.user, pk)
    try:
        services.evaluation_finalise(actor=request.user, evaluation=evaluation)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _evaluation_page(request, evaluation, field_errors(exc, (), general="general"), 409)
    messages.success(request, _("考评结果已定稿。"))
    return redirect("oversight:indicator_evaluation", pk=evaluation.pk)


@staff_view
def indicator_evaluation_export(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_for(request.user, pk)
    groups, rows = selectors.table(request.user, evaluation)
    data = indicator_export.workbook(
        evaluation, groups, rows, selectors.all_scores(request.user, evaluation)
    )
    response = HttpResponse(data, content_type=indicator_export.CONTENT_TYPE)
    name = f"{evaluation.title}（{evaluation.start:%Y年%m月}至{evaluation.end:%Y年%m月}）.xlsx"
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=name)
        or 'attachment; filename="evaluation.xlsx"'
    )
    return response


@staff_view
def indicator_adjustments(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_for(request.user, pk)
    return render(
        request,
        "oversight/indicator_adjustments.html",
        {"evaluation": evaluation, "rows": selectors.adjustments(request.user, evaluation)},
    )


def _agency_page(
    request: HttpRequest,
    evaluation: Any,
    agency: Any,
    form: dict[str, Any],
    errors: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    groups = selectors.agency_scores(request.user, evaluation, agency)
    return render(
        request,
        "oversight/indicator_agency.html",
        {
            "evaluation": evaluation,
            "agency": agency,
            "groups": groups,
            "total": sum((g[2] for g in groups), 0),
            "adjusts": policies.may_manage(request.user, evaluation)
            and evaluation.status == EvaluationStatus.COMPUTED,
            "history": selectors.adjustments(request.user, evaluation, agency),
            "form": form,
            "errors": errors,
        },
        status=status,
    )


@staff_view
def indicator_agency(request: HttpRequest, pk: int, agency: int) -> HttpResponse:
    evaluation = selectors.evaluation_for(request.user, pk)
    row = selectors.agency_for(request.user, evaluation, agency)
    return _agency_page(request, evaluation, row, {}, {})


@staff_view
@require_POST
def indicator_score_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    score = Score.objects.filter(pk=pk).first()
    if score is None:
        raise NotFound()
    evaluation = selectors.evaluation_for(request.user, score.evaluation_id)
    agency = selectors.agency_for(request.user, evaluation, score.agency_id)
    form = {"score": score.pk, **{k: request.POST.get(k, "") for k in ("points", "reason")}}
    try:
        services.score_adjust(
            actor=request.user, score=score, points=form["points"], reason=form["reason"]
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        errors = field_errors(exc, ("points", "reason"), general="general")
        return _agency_page(request, evaluation, agency, form, errors, 400)
    messages.success(request, _("得分已调整，调整理由已记录。"))
    return redirect("oversight:indicator_agency", pk=evaluation.pk, agency=agency.pk)

"""Writes of the evaluation indicators (R-8.2), each in one transaction with its event.

- The city bureau drafts a new version of a scheme in force (a scheme in use is never
  edited in place), edits the draft's indicators and puts it in force once the weights add
  up (each group's leaves to the group, the groups to the scheme's total).
- A reviewer starts an evaluation of the agencies its bureau oversees for whole months, and
  recomputes it: every leaf from the platform's data (`indicator_metrics`) and its rule
  (`indicator_rules`). A recompute keeps a manual adjustment where the computed points did
  not change and drops it, saying so on the score and in the history, where they did.
- A manual adjustment needs a reason (at least ten characters, no placeholder) and stays
  between 0 and the leaf's weight. After finalisation nothing changes."""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.errors import Conflict, NotFound, PermissionDenied
from chengnuo.core.rules import FieldError, raise_field_errors

from . import indicator_metrics as metrics
from . import policies_indicators as policies
from .constants_indicators import (
    REASON_MIN,
    AdjustmentKind,
    EvaluationStatus,
    Event,
    SchemeStatus,
)
from .indicator_rules import points_for, rule_problem
from .models import Evaluation, Indicator, IndicatorScheme, Score, ScoreAdjustment
from .services_keytasks import clean_text

CENT = Decimal("0.01")


def _require_scheme_manager(actor: Actor) -> None:
    if not policies.manages_schemes(actor):
        raise PermissionDenied("只有市司法局审核人员可以修订考评指标体系")


# --- schemes ---------------------------------------------------------------------------------


def scheme_new_version(*, actor: Actor, scheme: IndicatorScheme) -> IndicatorScheme:
    """A draft copy of a scheme (its tree, weights, metrics and rules) as the next version."""
    _require_scheme_manager(actor)
    with transaction.atomic():
        source = IndicatorScheme.objects.select_for_update().get(pk=scheme.pk)
        family = IndicatorScheme.objects.filter(code=source.code, year=source.year)
        if family.filter(status=SchemeStatus.DRAFT).exists():
            raise Conflict("already_done", "该指标体系已有待启用的草稿版本，请先修改或启用草稿")
        number = (family.aggregate(n=Max("version"))["n"] or 0) + 1
        draft = IndicatorScheme.objects.create(
            code=source.code, name=source.name, year=source.year, version=number,
            total=source.total, description=source.description, status=SchemeStatus.DRAFT,
            created_by=person_of(actor),
        )  # fmt: skip
        nodes = list(Indicator.objects.filter(scheme=source).order_by("position", "id"))
        copies: dict[int, Indicator] = {}
        for node in [n for n in nodes if n.parent_id is None] + [
            n for n in nodes if n.parent_id is not None
        ]:
            copies[node.pk] = Indicator.objects.create(
                scheme=draft, parent=copies.get(node.parent_id or 0), position=node.position,
                name=node.name, weight=node.weight, metric=node.metric, rule=node.rule,
                note=node.note,
            )  # fmt: skip
        spine.record(
            actor,
            Event.SCHEME_VERSIONED,
            draft,
            None,
            {"from": source.pk, "version": number},
            message=f"新建考评指标体系版本：{draft}（据第{source.version}版）",
        )
    return draft


def _weight(raw: Any, field: str) -> tuple[Decimal | None, FieldError | None]:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None, FieldError(field, "invalid_points", "请填写分值（数字）")
    if not value.is_finite() or value < 0 or value > 1000:
        return None, FieldError(field, "invalid_points", "分值须在0到1000之间")
    return value.quantize(CENT), None


def indicator_save(
    *, actor: Actor, indicator: Indicator, name: Any, weight: Any, note: Any = ""
) -> Indicator:
    """A draft's indicator: its name, weight and note (metric and rule stay as loaded)."""
    _require_scheme_manager(actor)
    errors = []
    title, error = clean_text(name, "name", "指标名称", minimum=2, limit=100)
    if error:
        errors.append(error)
    points, error = _weight(weight, "weight")
    if error:
        errors.append(error)
    text = note.strip()[:2000] if isinstance(note, str) else ""
    raise_field_errors(errors)
    assert points is not None
    with transaction.atomic():
        row = Indicator.objects.select_for_update().select_related("scheme").get(pk=indicator.pk)
        if row.scheme.status != SchemeStatus.DRAFT:
            raise Conflict(
                "scheme_in_force", "施行中或已停用的指标体系不能直接修改，请新建版本后修改草稿"
            )
        before = {"name": row.name, "weight": row.weight, "note": row.note}
        row.name, row.weight, row.note = title, points, text
        row.save(update_fields=["name", "weight", "note"])
        spine.record(
            actor,
            Event.INDICATOR_SAVED,
            row,
            before,
            {"name": title, "weight": points, "note": text},
            about=row.scheme,
            message=f"修改考评指标“{title}”：分值{before['weight']}→{points}",
        )
    return row


def weight_problems(scheme: IndicatorScheme) -> list[str]:
    """Why a scheme's weights or rules do not add up (empty: they do)."""
    nodes = list(Indicator.objects.filter(scheme=scheme).order_by("position", "id"))
    groups = [n for n in nodes if n.parent_id is None]
    problems = []
    if sum((g.weight for g in groups), Decimal(0)) != scheme.total:
        problems.append(f"各组分值合计应为{scheme.total}分")
    for g in groups:
        leaves = [n for n in nodes if n.parent_id == g.pk]
        if sum((leaf.weight for leaf in leaves), Decimal(0)) != g.weight:
            problems.append(f"“{g.name}”各项分值合计应为{g.weight}分")
        for leaf in leaves:
            if rule_problem(leaf.rule):
                problems.append(f"“{leaf.name}”：{rule_problem(leaf.rule)}")
    return problems


def scheme_enact(*, actor: Actor, scheme: IndicatorScheme) -> IndicatorScheme:
    """Put a draft in force; the version in force before retires (its evaluations keep it)."""
    _require_scheme_manager(actor)
    with transaction.atomic():
        row = IndicatorScheme.objects.select_for_update().get(pk=scheme.pk)
        if row.status != SchemeStatus.DRAFT:
            raise Conflict("already_done", "该版本已启用或已停用")
        problems = weight_problems(row)
        if problems:
            raise_field_errors([FieldError("weight", "weights_mismatch", p) for p in problems])
        retired = list(
            IndicatorScheme.objects.filter(
                code=row.code, year=row.year, status=SchemeStatus.IN_FORCE
            ).values_list("pk", flat=True)
        )
        IndicatorScheme.objects.filter(pk__in=retired).update(status=SchemeStatus.RETIRED)
        row.status, row.enacted_at = SchemeStatus.IN_FORCE, timezone.now()
        row.save(update_fields=["status", "enacted_at"])
        spine.record(
            actor,
            Event.SCHEME_ENACTED,
            row,
            {"status": SchemeStatus.DRAFT, "in_force": retired},
            {"status": SchemeStatus.IN_FORCE},
            message=f"启用考评指标体系：{row}",
        )
    return row


# --- evaluations ------------------------------------------------------------------------------


def _period_errors(start: Any, end: Any) -> list[FieldError]:
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        return [FieldError("start", "invalid_period", "请填写考评期间的起止日期")]
    last = calendar.monthrange(end.year, end.month)[1]
    if start.day != 1 or end.day != last or end < start:
        return [
            FieldError(
                "start", "invalid_period", "考评期间按整月计算：自某月1日起，至某月最后一日止"
            )
        ]
    if (end.year - start.year) * 12 + end.month - start.month >= 12:
        return [FieldError("start", "invalid_period", "考评期间不超过12个月")]
    return []


def _compute(actor: Actor, evaluation: Evaluation) -> dict[str, Any]:
    """Every leaf for every agency in scope; returns what the event records."""
    leaves = list(
        Indicator.objects.filter(scheme_id=evaluation.scheme_id, parent__isnull=False).order_by(
            "position", "id"
        )
    )
    agencies = list(policies.scope_agencies(evaluation.region).values_list("pk", flat=True))
    start, end = evaluation.start, evaluation.end + dt.timedelta(days=1)
    old = {
        (s.agency_id, s.indicator_id): s
        for s in Score.objects.filter(evaluation=evaluation).select_for_update()
    }
    now = timezone.now()
    person = person_of(actor)
    new_rows, changed, dropped, history = [], [], [], []
    with metrics.batch(agencies, start, end):
        for agency_id in agencies:
            for leaf in leaves:
                found = metrics.metric(leaf.metric)
                value = found.func(agency_id, start, end) if found else None
                fields: dict[str, Any]
                if value is None:
                    points, fields = Decimal("0.00"), {
                        "has_data": False, "value": None, "numerator": None,
                        "denominator": None, "evidence": [], "evidence_count": 0,
                    }  # fmt: skip
                else:
                    points = points_for(leaf.rule, leaf.weight, value.value)
                    fields = {
                        "has_data": True,
                        "value": value.value,
                        "numerator": value.numerator,
                        "denominator": value.denominator,
                        "evidence": [list(e) for e in value.evidence],
                        "evidence_count": value.evidence_count,
                    }
                score = old.get((agency_id, leaf.pk))
                if score is None:
                    new_rows.append(
                        Score(evaluation=evaluation, agency_id=agency_id, indicator=leaf,
                              points=points, **fields)
                    )  # fmt: skip
                    continue
                if score.adjusted_points is not None and score.points != points:
                    note = (
                        f"重新计算后计算得分由{score.points}分变为{points}分，原人工调整"
                        f"（{score.adjusted_points}分，理由：{score.adjustment_reason}）不再适用；"
                        "如仍需调整，请重新填写理由。"
                    )
                    history.append(
                        ScoreAdjustment(
                            score=score, kind=AdjustmentKind.DROPPED, computed=points,
                            before=score.adjusted_points, after=points, reason=note,
                            made_by=person, made_at=now,
                        )
                    )  # fmt: skip
                    dropped.append([agency_id, leaf.pk, str(score.adjusted_points)])
                    score.adjusted_points, score.adjustment_reason = None, ""
                    score.adjusted_by, score.adjusted_at = None, None
                    score.recompute_note = note
                elif score.adjusted_points is None and score.points != points:
                    score.recompute_note = ""
                score.points = points
                for k, v in fields.items():
                    setattr(score, k, v)
                changed.append(score)
    Score.objects.bulk_create(new_rows, batch_size=500)
    Score.objects.bulk_update(
        changed,
        ["points", "has_data", "value", "numerator", "denominator", "evidence",
         "evidence_count", "adjusted_points", "adjustment_reason", "adjusted_by",
         "adjusted_at", "recompute_note"],
        batch_size=500,
    )  # fmt: skip
    ScoreAdjustment.objects.bulk_create(history)
    kept = sum(1 for s in changed if s.adjusted_points is not None)
    return {
        "agencies": len(agencies),
        "leaves": len(leaves),
        "kept_adjustments": kept,
        "dropped_adjustments": dropped,
    }


def evaluation_start(
    *, actor: Actor, scheme: IndicatorScheme, title: Any, start: Any, end: Any
) -> Evaluation:
    """An evaluation of the agencies the actor's bureau oversees for whole months, computed."""
    region = policies.evaluation_region(actor)
    if region is None:
        raise PermissionDenied("只有司法局审核人员可以开展考评")
    errors = []
    name, error = clean_text(title, "title", "考评名称", minimum=4, limit=100)
    if error:
        errors.append(error)
    errors += _period_errors(start, end)
    if scheme.status != SchemeStatus.IN_FORCE:
        errors.append(FieldError("scheme", "invalid_scheme", "请选择施行中的考评指标体系"))
    raise_field_errors(errors)
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            number=f"tmp-{uuid.uuid4().hex[:14]}", scheme=scheme, title=name, region=region,
            start=start, end=end, created_by=person_of(actor), computed_at=timezone.now(),
        )  # fmt: skip
        evaluation.number = f"KP{start:%Y}{evaluation.pk:04d}"
        evaluation.save(update_fields=["number"])
        summary = _compute(actor, evaluation)
        spine.record(
            actor,
            Event.EVALUATION_COMPUTED,
            evaluation,
            None,
            {"scheme": scheme.pk, "start": start, "end": end, "region": region, **summary},
            message=f"开展考评{evaluation.number}：{name}（{start:%Y-%m}至{end:%Y-%m}），"
            f"计算{summary['agencies']}个单位的得分",
        )
    return evaluation


def _locked(actor: Actor, evaluation: Evaluation) -> Evaluation:
    row = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if not policies.may_manage(actor, row):
        raise NotFound()
    if row.status == EvaluationStatus.FINALISED:
        raise Conflict("evaluation_finalised", f"考评{row.number}已定稿，不能再计算或调整")
    return row


def evaluation_compute(*, actor: Actor, evaluation: Evaluation) -> Evaluation:
    """Recompute every score from the platform's data as it is now."""
    with transaction.atomic():
        row = _locked(actor, evaluation)
        summary = _compute(actor, row)
        row.computed_at = timezone.now()
        row.save(update_fields=["computed_at"])
        dropped = len(summary["dropped_adjustments"])
        spine.record(
            actor,
            Event.EVALUATION_COMPUTED,
            row,
            None,
            summary,
            message=f"重新计算考评{row.number}的得分"
            + (f"，{dropped}项人工调整因计算得分变化不再适用" if dropped else ""),
        )
    return row


def score_adjust(*, actor: Actor, score: Score, points: Any, reason: Any) -> Score:
    """A manual adjustment of one leaf's points, with its reason (R-8.2)."""
    evaluation = Evaluation.objects.filter(pk=score.evaluation_id).first()
    if evaluation is None or not policies.may_manage(actor, evaluation):
        raise NotFound()
    visible = policies.visible_agency_ids(actor, evaluation)
    if visible is not None and score.agency_id not in visible:
        raise NotFound()
    errors = []
    text, error = clean_text(reason, "reason", "调整理由", minimum=REASON_MIN, limit=2000)
    if error:
        errors.append(error)
    value, error = _weight(points, "points")
    if error:
        errors.append(error)
    raise_field_errors(errors)
    assert value is not None
    with transaction.atomic():
        _locked(actor, evaluation)
        row = (
            Score.objects.select_for_update().select_related("indicator", "agency").get(pk=score.pk)
        )
        if value > row.indicator.weight:
            raise_field_errors(
                [FieldError("points", "invalid_points",
                            f"调整后得分须在0到该项分值{row.indicator.weight}分之间")]
            )  # fmt: skip
        before = {"points": row.points, "adjusted_points": row.adjusted_points,
                  "reason": row.adjustment_reason}  # fmt: skip
        previous = row.final_points
        now = timezone.now()
        row.adjusted_points, row.adjustment_reason = value, text
        row.adjusted_by, row.adjusted_at, row.recompute_note = person_of(actor), now, ""
        row.save(
            update_fields=["adjusted_points", "adjustment_reason", "adjusted_by", "adjusted_at",
                           "recompute_note"]
        )  # fmt: skip
        ScoreAdjustment.objects.create(
            score=row, kind=AdjustmentKind.ADJUSTED, computed=row.points, before=previous,
            after=value, reason=text, made_by=person_of(actor), made_at=now,
        )  # fmt: skip
        spine.record(
            actor,
            Event.SCORE_ADJUSTED,
            row,
            before,
            {"points": row.points, "adjusted_points": value, "reason": text},
            agency=row.agency,
            about=evaluation,
            message=f"考评{evaluation.number}：{row.agency.name}“{row.indicator.name}”"
            f"得分由{previous}分调整为{value}分，理由：{text}",
        )
    return row


def evaluation_finalise(*, actor: Actor, evaluation: Evaluation) -> Evaluation:
    """Finalise: the scores are fixed and the agencies' admins may read their own."""
    with transaction.atomic():
        row = _locked(actor, evaluation)
        row.status = EvaluationStatus.FINALISED
        row.finalised_at, row.finalised_by = timezone.now(), person_of(actor)
        row.save(update_fields=["status", "finalised_at", "finalised_by"])
        spine.record(
            actor,
            Event.EVALUATION_FINALISED,
            row,
            {"status": EvaluationStatus.COMPUTED},
            {"status": EvaluationStatus.FINALISED},
            message=f"考评{row.number}定稿：{row.title}",
        )
    return row

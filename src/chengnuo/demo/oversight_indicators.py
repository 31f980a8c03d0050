"""The demo's evaluation indicators (R-8.2): the two default schemes in force, this year's
rule-of-law evaluation of the city's agencies computed from the demo's data (with one
manual adjustment and its reason), and the year's performance evaluation finalised, so the
agencies' admins see their own scores. Loaded once, after the key-task table."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.oversight import services_indicators as services
from chengnuo.oversight import statistics
from chengnuo.oversight.indicator_schemes import load_schemes
from chengnuo.oversight.models import Evaluation, IndicatorScheme, Score


def load(stdout: Any = None) -> dict[str, int]:
    today = timezone.localdate()
    schemes = load_schemes(year=today.year)
    reviewer = User.objects.filter(username="sfj_reviewer").first()
    if reviewer is None or Evaluation.objects.exists():
        return {"indicator_schemes": len(schemes)}
    # the demo's cases are partly back-dated: the counters must agree with the tables first
    statistics.rebuild()
    start = dt.date(today.year, 1, 1)
    end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    by_code = {
        s.code: s for s in IndicatorScheme.objects.filter(year=today.year, status="in_force")
    }
    rule_of_law = services.evaluation_start(
        actor=reviewer, scheme=by_code["rule_of_law"], start=start, end=end,
        title=f"{today.year}年度法治政府建设考评（告知承诺制部分）",
    )  # fmt: skip
    adjusted = 0
    candidates = Score.objects.filter(
        evaluation=rule_of_law, has_data=True, points__lt=F("indicator__weight")
    ).select_related("indicator", "agency")
    score = candidates.filter(agency__short_name="市民政局").first() or candidates.first()
    if score is not None:
        gap = score.indicator.weight - score.points
        services.score_adjust(
            actor=reviewer, score=score, points=score.points + (gap / 2).quantize(Decimal("0.01")),
            reason="经核实，扣分事项中部分系协查单位迟延答复所致，已在督查期间补正完毕，"
            "酌情恢复一半分值",
        )  # fmt: skip
        adjusted = 1
    performance = services.evaluation_start(
        actor=reviewer, scheme=by_code["performance"], start=start, end=end,
        title=f"{today.year}年度效能目标考核（告知承诺制部分）",
    )  # fmt: skip
    services.evaluation_finalise(actor=reviewer, evaluation=performance)
    return {
        "indicator_schemes": len(schemes),
        "evaluations": 2,
        "evaluation_scores": Score.objects.count(),
        "score_adjustments": adjusted,
    }

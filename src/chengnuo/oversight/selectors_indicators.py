"""Reads of the evaluation indicators (R-8.2), scoped to the actor: the schemes and their
trees, the evaluations the actor may read, an evaluation's table (agencies × groups, with
totals and rank: one GROUP BY, whatever the number of agencies), an agency's scores with
their evidence, and the history of adjustments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from chengnuo.agencies.models import Agency
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound, PermissionDenied

from . import indicator_metrics as metrics
from . import policies_indicators as policies
from .constants_indicators import EvaluationStatus
from .indicator_rules import describe
from .models import Evaluation, Indicator, IndicatorScheme, Score, ScoreAdjustment


def require_reader(actor: Actor) -> None:
    if not policies.reads_indicators(actor):
        raise PermissionDenied("只有司法局审核人员和各单位部门管理员可以查看考评指标")


# --- schemes ---------------------------------------------------------------------------------


def schemes(actor: Actor) -> list[IndicatorScheme]:
    require_reader(actor)
    return list(IndicatorScheme.objects.order_by("-year", "code", "-version")[:200])


@dataclass
class Node:
    indicator: Indicator
    children: list[Node] = field(default_factory=list)

    @property
    def metric_label(self) -> str:
        found = metrics.metric(self.indicator.metric)
        return found.label if found else ""

    @property
    def rule_text(self) -> str:
        return describe(self.indicator.rule) if self.indicator.parent_id else ""


def tree(scheme: IndicatorScheme) -> list[Node]:
    nodes = list(Indicator.objects.filter(scheme=scheme).order_by("position", "id"))
    groups = [Node(n) for n in nodes if n.parent_id is None]
    by_id = {g.indicator.pk: g for g in groups}
    for n in nodes:
        if n.parent_id in by_id:
            by_id[n.parent_id].children.append(Node(n))
    return groups


def scheme_for(actor: Actor, pk: int) -> IndicatorScheme:
    require_reader(actor)
    row = IndicatorScheme.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return row


def indicator_for(actor: Actor, pk: int) -> Indicator:
    if not policies.manages_schemes(actor):
        raise NotFound()
    row = Indicator.objects.select_related("scheme").filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return row


# --- evaluations -----------------------------------------------------------------------------


def _readable(actor: Actor) -> Any:
    rows = Evaluation.objects.select_related("scheme")
    if policies.manages_schemes(actor):
        return rows
    regions = {a for a in policies.county_regions(actor)}
    overseen = set(policies.overseen_ids(actor))
    admin = policies.admin_ids(actor)
    q = Q(pk__in=[])
    if regions or overseen:
        q |= Q(region__in=sorted(regions)) | Q(region="") & Q(
            Exists(Score.objects.filter(evaluation_id=OuterRef("pk"), agency_id__in=overseen))
        )
    if admin:
        q |= Q(status=EvaluationStatus.FINALISED) & Q(
            Exists(Score.objects.filter(evaluation_id=OuterRef("pk"), agency_id__in=admin))
        )
    return rows.filter(q)


def evaluations(actor: Actor) -> list[Evaluation]:
    require_reader(actor)
    return list(_readable(actor).order_by("-start", "-id")[:200])


def evaluation_for(actor: Actor, pk: int) -> Evaluation:
    row = _readable(actor).filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return row


@dataclass
class Row:
    agency: Agency
    groups: list[Decimal]
    total: Decimal
    rank: int = 0


def _final() -> Any:
    return Coalesce("adjusted_points", "points")


def table(actor: Actor, evaluation: Evaluation) -> tuple[list[Node], list[Row]]:
    """Agencies × groups with totals, best first, for the agencies the actor may see; the rank
    is among every agency of the evaluation (ties share a rank)."""
    groups = tree(evaluation.scheme)
    visible = policies.visible_agency_ids(actor, evaluation)
    sums: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for got in (
        Score.objects.filter(evaluation=evaluation)
        .values("agency_id", "indicator__parent_id")
        .annotate(n=Sum(_final()))
        .order_by()
    ):
        n = Decimal(str(got["n"] or 0)).quantize(Decimal("0.01"))
        sums[got["agency_id"]][got["indicator__parent_id"]] = n
    totals = sorted((sum(v.values(), Decimal(0)) for v in sums.values()), reverse=True)
    rank_of: dict[Decimal, int] = {}
    for i, total in enumerate(totals, start=1):
        rank_of.setdefault(total, i)
    shown = sorted(sums) if visible is None else sorted(set(sums) & visible)
    agencies = Agency.objects.filter(pk__in=shown).only("pk", "name", "region", "level")
    rows: list[Row] = []
    for a in agencies:
        cells = [sums[a.pk].get(g.indicator.pk, Decimal(0)) for g in groups]
        total = sum(cells, Decimal(0))
        rows.append(Row(a, cells, total, rank_of.get(total, 0)))
    rows.sort(key=lambda r: (-r.total, r.agency.name))
    return groups, rows


def _link(kind: str, pk: int, label: str) -> str:
    if kind == "case":
        return reverse("cases:detail", args=[label])
    if kind == "complaint":
        return reverse("complaints:detail", args=[pk])
    if kind == "key_task":
        return reverse("oversight:key_task", args=[pk])
    if kind == "proposal":
        return reverse("catalog:proposal_detail", args=[pk])
    if kind == "portal_finding":  # pk: the agency whose portal was checked
        return reverse("oversight:portal_check_agency", args=[pk])
    if kind == "case_review":
        return reverse("oversight:casereview_round", args=[pk])
    if kind == "rectification":
        return reverse("oversight:rectification", args=[pk])
    return ""


@dataclass
class Leaf:
    score: Score | None
    node: Node
    evidence: list[tuple[str, str]]  # (label, url or "")

    @property
    def registered(self) -> bool:
        return metrics.metric(self.node.indicator.metric) is not None

    @property
    def unit(self) -> str:
        found = metrics.metric(self.node.indicator.metric)
        return found.unit if found else ""

    @property
    def shown(self) -> str:
        """The value as people read it: a percentage or a count."""
        if self.score is None or self.score.value is None:
            return ""
        if self.unit == "ratio":
            return f"{self.score.value * 100:.1f}%"
        return f"{self.score.value:g}"

    @property
    def evidence_label(self) -> str:
        found = metrics.metric(self.node.indicator.metric)
        return found.evidence_label if found else ""


def agency_for(actor: Actor, evaluation: Evaluation, agency_pk: int) -> Agency:
    visible = policies.visible_agency_ids(actor, evaluation)
    if visible is not None and agency_pk not in visible:
        raise NotFound()
    if not Score.objects.filter(evaluation=evaluation, agency_id=agency_pk).exists():
        raise NotFound()
    agency = Agency.objects.filter(pk=agency_pk).first()
    if agency is None:
        raise NotFound()
    return agency


def agency_scores(
    actor: Actor, evaluation: Evaluation, agency: Agency
) -> list[tuple[Node, list[Leaf], Decimal]]:
    """Each group of the scheme with its leaves' scores for the agency (checked by
    `agency_for`)."""
    groups = tree(evaluation.scheme)
    scores = {
        s.indicator_id: s
        for s in Score.objects.filter(evaluation=evaluation, agency=agency).select_related(
            "adjusted_by"
        )
    }
    out = []
    for g in groups:
        leaves = []
        for child in g.children:
            s = scores.get(child.indicator.pk)
            evidence = [
                (str(e[2]), _link(str(e[0]), int(e[1]), str(e[2])))
                for e in (s.evidence if s else [])
                if isinstance(e, list) and len(e) == 3
            ]
            leaves.append(Leaf(s, child, evidence))
        total = sum((leaf.score.final_points for leaf in leaves if leaf.score), Decimal(0))
        out.append((g, leaves, total))
    return out


def adjustments(
    actor: Actor, evaluation: Evaluation, agency: Agency | None = None
) -> list[ScoreAdjustment]:
    rows = ScoreAdjustment.objects.filter(score__evaluation=evaluation).select_related(
        "score__agency", "score__indicator", "made_by"
    )
    visible = policies.visible_agency_ids(actor, evaluation)
    if visible is not None:
        rows = rows.filter(score__agency_id__in=sorted(visible))
    if agency is not None:
        rows = rows.filter(score__agency=agency)
    return list(rows.order_by("-made_at", "-id")[:500])


def all_scores(actor: Actor, evaluation: Evaluation) -> list[Score]:
    """Every visible score of the evaluation (for the export)."""
    rows = Score.objects.filter(evaluation=evaluation).select_related("agency", "indicator")
    visible = policies.visible_agency_ids(actor, evaluation)
    if visible is not None:
        rows = rows.filter(agency_id__in=sorted(visible))
    return list(rows.order_by("agency__name", "indicator__position", "indicator_id"))

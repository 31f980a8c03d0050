"""Writes of the catalog's learning from outcomes (R-8.1, R-7.2; R-4.1/R-4.2 verification
intensity), each in one transaction with its event.

- `outcomes_compute` (the daily job "oversight.learning"): per certification item, over the
  period ending yesterday, the verified commitments n (a verification concluded true or untrue;
  a commitment counts once), the untrue ones k, the untrue rate with its 95 % Wilson score
  interval, the withdrawals (承诺退出), the complaints about the item and the cases by
  commitment — from GROUP BY queries, stored in `ItemOutcome`. Each item is stored in its own
  transaction: one that fails is logged and the rest go on.
- The figures give at most one suggestion per item and run (`kinds_for`): the Wilson lower bound
  above `review_lower` → review whether the item belongs under commitment; above
  `stronger_lower` → stronger verification; at least `lighter_min` verified and none untrue → a
  lighter plan. A suggestion is not repeated while one of its kind is open for the item (or its
  proposal is unanswered); once decided, it comes back only when the figures moved beyond what
  was decided (`moved_beyond`).
- A Justice Bureau reviewer of the item's agency adopts a suggestion (it becomes a proposal,
  `AgencyProposal`, to the agency, with the evidence and what to do) or dismisses it with a
  reason. Nothing of a suggestion reaches the agency before adoption: its events are on the
  chain of no agency (raised) or of the reviewer's bureau (dismissed).
- The agency's admin answers the proposal: accepted with what was done, or declined with the
  reasons."""

from __future__ import annotations

import datetime as dt
import logging
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import memberships
from chengnuo.core import spine
from chengnuo.core.actors import Actor, SystemActor
from chengnuo.core.errors import Conflict, NotFound, PermissionDenied
from chengnuo.core.rules import FieldError, raise_field_errors

from . import policies_learning as policies
from .constants_learning import (
    ADVICE,
    DEFAULTS,
    RECUR_LOWER_FACTOR,
    RECUR_VOLUME_FACTOR,
    Z95,
    Event,
    ProposalDecision,
    ProposalStatus,
    SuggestionKind,
    SuggestionStatus,
)
from .models import AgencyProposal, ItemOutcome, LearningSuggestion
from .services_keytasks import clean_text

logger = logging.getLogger(__name__)

JOB = SystemActor(name="告知承诺事项核查结果评估")


# --- the rules (pure) ---------------------------------------------------------------------------


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of k successes in n trials (95 % with the default z); (0, 1)
    when there is no trial. Unlike the normal approximation it stays inside [0, 1] and gives a
    real upper bound when k = 0 (R-8.1: the untrue rate is shown with its uncertainty)."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= k <= n:
        raise ValueError("k must be between 0 and n")
    p = k / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    denominator = 1 + z2 / n
    lower = max(0.0, (centre - spread) / denominator)
    upper = min(1.0, (centre + spread) / denominator)
    if k == 0:
        lower = 0.0
    if k == n:
        upper = 1.0
    return lower, upper


def config() -> dict[str, float]:
    """The thresholds: `settings.OVERSIGHT_LEARNING` over the defaults."""
    return {**DEFAULTS, **(getattr(settings, "OVERSIGHT_LEARNING", None) or {})}


def kinds_for(n: int, k: int, lower: float, cfg: dict[str, float]) -> list[str]:
    """The suggestion the figures give (at most one): the most severe rate-based one, or the
    lighter plan. Rate-based ones need at least `min_verified` verified commitments."""
    if n >= cfg["min_verified"] and k > 0:
        if lower > cfg["review_lower"]:
            return [SuggestionKind.REVIEW]
        if lower > cfg["stronger_lower"]:
            return [SuggestionKind.STRONGER]
    if k == 0 and n >= cfg["lighter_min"]:
        return [SuggestionKind.LIGHTER]
    return []


def moved_beyond(kind: str, decided: dict[str, Any], n: int, lower: float) -> bool:
    """Whether figures moved beyond those of a decided suggestion of the kind: for a rate-based
    one, the lower bound at least half again as high; for a lighter plan, twice the volume."""
    if kind == SuggestionKind.LIGHTER:
        return n >= RECUR_VOLUME_FACTOR * int(decided.get("verified") or 0)
    return lower > RECUR_LOWER_FACTOR * float(decided.get("lower") or 0.0)


# --- the period and the figures -----------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # included

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        first = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return first, after


def period_ending(today: dt.date | None = None, days: int | None = None) -> Period:
    """The `period_days` days ending yesterday."""
    today = today or timezone.localdate()
    days = int(days or config()["period_days"])
    end = today - dt.timedelta(days=1)
    return Period(end - dt.timedelta(days=days - 1), end)


def figures(period: Period) -> dict[int, dict[str, int]]:
    """Item → its counts over the period, by GROUP BY queries (one per measure)."""
    from chengnuo.cases.constants import CommitmentStatus
    from chengnuo.cases.models import Commitment
    from chengnuo.complaints.constants import Status as ComplaintStatus
    from chengnuo.complaints.models import Complaint
    from chengnuo.verification.constants import Outcome, TaskStatus
    from chengnuo.verification.models import VerificationTask

    first, after = period.bounds
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tasks = (
        VerificationTask.objects.filter(
            status=TaskStatus.DONE,
            outcome__in=[Outcome.CONSISTENT, Outcome.INCONSISTENT],
            concluded_at__gte=first,
            concluded_at__lt=after,
        )
        .values(item=F("commitment__item_id"))
        .annotate(
            n=Count("commitment_id", distinct=True),
            k=Count("commitment_id", distinct=True, filter=Q(outcome=Outcome.INCONSISTENT)),
        )
        .order_by()
    )
    for r in tasks:
        out[r["item"]]["verified"] += r["n"]
        out[r["item"]]["untrue"] += r["k"]
    withdrawn = (
        Commitment.objects.filter(
            status=CommitmentStatus.WITHDRAWN, withdrawn_at__gte=first, withdrawn_at__lt=after
        )
        .values("item_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in withdrawn:
        out[r["item_id"]]["withdrawals"] += r["n"]
    committed = (
        Commitment.objects.filter(
            status=CommitmentStatus.SIGNED, signed_at__gte=first, signed_at__lt=after
        )
        .values("item_id")
        .annotate(n=Count("case_id", distinct=True))
        .order_by()
    )
    for r in committed:
        out[r["item_id"]]["commitments"] += r["n"]
    complaints = Complaint.objects.filter(submitted_at__gte=first, submitted_at__lt=after).exclude(
        status=ComplaintStatus.DECLINED
    )
    named = complaints.filter(item_id__isnull=False).values(i=F("item_id"))
    via = complaints.filter(item_id__isnull=True, commitment_id__isnull=False).values(
        i=F("commitment__item_id")
    )
    for rows in (named, via):
        for r in rows.annotate(n=Count("id")).order_by():
            out[r["i"]]["complaints"] += r["n"]
    return {item: dict(counts) for item, counts in out.items()}


def _evidence_rows(item_id: int, period: Period, kind: str, limit: int) -> list[dict[str, Any]]:
    """The verification outcomes behind a suggestion (the untrue ones, or for a lighter plan the
    latest true ones), at most `limit`."""
    from chengnuo.verification.constants import Outcome, TaskStatus
    from chengnuo.verification.models import VerificationTask

    first, after = period.bounds
    outcome = Outcome.CONSISTENT if kind == SuggestionKind.LIGHTER else Outcome.INCONSISTENT
    rows = (
        VerificationTask.objects.filter(
            status=TaskStatus.DONE,
            outcome=outcome,
            commitment__item_id=item_id,
            concluded_at__gte=first,
            concluded_at__lt=after,
        )
        .select_related("commitment__case")
        .order_by("-concluded_at", "-id")[:limit]
    )
    return [
        {
            "task": t.pk,
            "case": t.commitment.case.number,
            "case_id": t.commitment.case_id,
            "method": str(t.get_method_display()),
            "outcome": str(Outcome(t.outcome).label),
            "concluded": timezone.localtime(t.concluded_at).date().isoformat()
            if t.concluded_at
            else "",
        }
        for t in rows
    ]


def _figures_of(row: ItemOutcome) -> dict[str, Any]:
    return {
        "period_start": row.period_start.isoformat(),
        "period_end": row.period_end.isoformat(),
        "verified": row.verified,
        "untrue": row.untrue,
        "rate": row.rate,
        "lower": row.lower,
        "upper": row.upper,
        "withdrawals": row.withdrawals,
        "complaints": row.complaints,
        "commitments": row.commitments,
    }


def _rule_text(kind: str, cfg: dict[str, float]) -> str:
    if kind == SuggestionKind.LIGHTER:
        return f"评估期内经核查的承诺不少于{int(cfg['lighter_min'])}件且未发现承诺不实"
    threshold = cfg["review_lower" if kind == SuggestionKind.REVIEW else "stronger_lower"]
    return f"承诺不实比例95%置信区间下限高于{threshold * 100:.0f}%"


def _suggest(row: ItemOutcome, period: Period, cfg: dict[str, float], now: dt.datetime) -> int:
    """Raise the suggestion the figures give, unless one is open or already decided on figures
    not far from these. The number raised (0 or 1)."""
    raised = 0
    for kind in kinds_for(row.verified, row.untrue, row.lower or 0.0, cfg):
        same = LearningSuggestion.objects.filter(item_id=row.item_id, kind=kind)
        if same.filter(status=SuggestionStatus.SUGGESTED).exists():
            continue
        if AgencyProposal.objects.filter(
            item_id=row.item_id, kind=kind, status=ProposalStatus.OPEN
        ).exists():
            continue
        decided = same.order_by("-decided_at", "-id").first()
        if decided is not None and not moved_beyond(
            kind, decided.evidence.get("figures", {}), row.verified, row.lower or 0.0
        ):
            continue
        evidence = {
            "figures": _figures_of(row),
            "rule": _rule_text(kind, cfg),
            "thresholds": {k: cfg[k] for k in sorted(cfg)},
            "outcomes": _evidence_rows(row.item_id, period, kind, int(cfg["evidence_rows"])),
            "outcomes_total": row.verified if kind == SuggestionKind.LIGHTER else row.untrue,
        }
        suggestion = LearningSuggestion.objects.create(
            number=f"tmp-{uuid.uuid4().hex[:14]}",
            item_id=row.item_id,
            outcome=row,
            kind=kind,
            evidence=evidence,
            created_at=now,
        )
        suggestion.number = f"PG{now:%Y}{suggestion.pk:05d}"
        suggestion.save(update_fields=["number"])
        spine.record(
            JOB,
            Event.SUGGESTION_RAISED,
            suggestion,
            None,
            {"kind": kind, "figures": evidence["figures"], "rule": evidence["rule"]},
            message=f"目录评估建议{suggestion.number}：{SuggestionKind(kind).label}"
            f"（{evidence['rule']}）",
        )
        raised += 1
    return raised


def _store(item: Any, counts: dict[str, int], period: Period, cfg: dict[str, float],
           now: dt.datetime) -> int:  # fmt: skip
    n, k = counts.get("verified", 0), counts.get("untrue", 0)
    lower, upper = wilson(k, n)
    row, _ = ItemOutcome.objects.update_or_create(
        item_id=item["pk"],
        period_start=period.start,
        period_end=period.end,
        defaults={
            "agency_id": item["agency_id"],
            "verified": n,
            "untrue": k,
            "rate": k / n if n else None,
            "lower": lower if n else None,
            "upper": upper if n else None,
            "withdrawals": counts.get("withdrawals", 0),
            "complaints": counts.get("complaints", 0),
            "commitments": counts.get("commitments", 0),
            "computed_at": now,
        },
    )
    return _suggest(row, period, cfg, now)


@dataclass
class Run:
    period: Period
    items: int = 0
    suggestions: int = 0
    failed: list[int] | None = None


def outcomes_compute(*, today: dt.date | None = None) -> Run:
    """The daily job (R-8.1, R-7.2): every item under commitment (and any other with figures)
    over the period ending yesterday; idempotent for a day (a second run updates the rows and
    raises nothing new). An item that fails is logged and skipped."""
    cfg = config()
    period = period_ending(today, int(cfg["period_days"]))
    counts = figures(period)
    from chengnuo.catalog.models import CertificationItem

    items = list(
        CertificationItem.objects.filter(
            Q(under_commitment=True, status="in_force") | Q(pk__in=list(counts))
        )
        .values("pk", "agency_id")
        .order_by("pk")
    )
    now = timezone.now()
    run = Run(period=period, failed=[])
    for item in items:
        try:
            with transaction.atomic():
                run.suggestions += _store(item, counts.get(item["pk"], {}), period, cfg, now)
        except Exception:
            logger.exception("learning: item %s could not be assessed", item["pk"])
            assert run.failed is not None
            run.failed.append(item["pk"])
            continue
        run.items += 1
    return run


# --- the Justice Bureau's decision --------------------------------------------------------------


def _check_reader(actor: Actor, suggestion: LearningSuggestion) -> None:
    scope = policies.overseen_scope(actor)
    if scope is not None and suggestion.item.agency_id not in scope:
        raise NotFound()


def _bureau_of(actor: Actor) -> Any:
    for m in memberships(actor):
        if m.role == Role.JUSTICE_REVIEWER and m.agency is not None:
            return m.agency
    return None


def suggestion_adopt(
    *, actor: Actor, suggestion: LearningSuggestion, note: Any = ""
) -> AgencyProposal:
    """Adopt a suggestion: it becomes a proposal (建议) to the item's agency, with the
    evidence, what to do (by kind) and the reviewer's note if any."""
    _check_reader(actor, suggestion)
    text = ""
    if isinstance(note, str) and note.strip():
        text, error = clean_text(note, "note", "给实施机关的意见")
        if error:
            raise_field_errors([error])
    with transaction.atomic():
        row = (
            LearningSuggestion.objects.select_for_update()
            .select_related("item__agency")
            .get(pk=suggestion.pk)
        )
        if row.status != SuggestionStatus.SUGGESTED:
            raise Conflict("already_done", f"目录评估建议{row.number}已研判")
        now = timezone.now()
        row.status = SuggestionStatus.ADOPTED
        row.decided_by = person_of(actor)
        row.decided_at = now
        row.reason = text
        row.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        advice = str(ADVICE[SuggestionKind(row.kind)])
        proposal = AgencyProposal.objects.create(
            number=f"tmp-{uuid.uuid4().hex[:14]}",
            suggestion=row,
            agency=row.item.agency,
            item=row.item,
            kind=row.kind,
            advice=advice + (f"\n{text}" if text else ""),
            evidence=row.evidence,
            created_by=person_of(actor),
            created_at=now,
        )
        proposal.number = f"JY{now:%Y}{proposal.pk:05d}"
        proposal.save(update_fields=["number"])
        spine.record(
            actor,
            Event.SUGGESTION_ADOPTED,
            proposal,
            {"status": SuggestionStatus.SUGGESTED},
            {"suggestion": row.number, "kind": row.kind, "note": text,
             "figures": row.evidence.get("figures", {})},
            agency=row.item.agency,
            about=row.item,
            message=f"采纳目录评估建议{row.number}，向{row.item.agency.name}提出建议"
            f"{proposal.number}：{row.item.name}{SuggestionKind(row.kind).label}",
        )  # fmt: skip
    return proposal


def suggestion_dismiss(
    *, actor: Actor, suggestion: LearningSuggestion, reason: Any
) -> LearningSuggestion:
    """Dismiss a suggestion with the reason (at least 10 characters, not a placeholder). The
    agency never learns of it."""
    _check_reader(actor, suggestion)
    text, error = clean_text(reason, "reason", "不予采纳的理由")
    if error:
        raise_field_errors([error])
    with transaction.atomic():
        row = LearningSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if row.status != SuggestionStatus.SUGGESTED:
            raise Conflict("already_done", f"目录评估建议{row.number}已研判")
        row.status = SuggestionStatus.DISMISSED
        row.decided_by = person_of(actor)
        row.decided_at = timezone.now()
        row.reason = text
        row.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        spine.record(
            actor,
            Event.SUGGESTION_DISMISSED,
            row,
            {"status": SuggestionStatus.SUGGESTED},
            {"status": SuggestionStatus.DISMISSED, "reason": text},
            agency=_bureau_of(actor),
            message=f"目录评估建议{row.number}不予采纳：{text[:80]}",
        )
    return row


# --- the agency's answer ------------------------------------------------------------------------


def proposal_answer(
    *, actor: Actor, proposal: AgencyProposal, decision: Any, answer: Any
) -> AgencyProposal:
    """The agency admin's answer: accepted with what was done (the plan adjusted, a catalog
    change proposed …), or declined with the reasons."""
    if proposal.agency_id not in policies.answering_ids(actor):
        scope = policies.proposal_scope(actor)
        if scope is None or proposal.agency_id in scope:
            raise PermissionDenied("只有实施机关的部门管理员可以答复建议")
        raise NotFound()
    errors = []
    if decision not in ProposalDecision.values:
        errors.append(FieldError("decision", "required", "请选择采纳或不予采纳"))
    label = "不予采纳的理由" if decision == ProposalDecision.DECLINE else "落实情况"
    text, error = clean_text(answer, "answer", label)
    if error:
        errors.append(error)
    raise_field_errors(errors)
    with transaction.atomic():
        row = (
            AgencyProposal.objects.select_for_update()
            .select_related("agency", "item")
            .get(pk=proposal.pk)
        )
        if row.status != ProposalStatus.OPEN:
            raise Conflict("already_done", f"建议{row.number}已答复")
        status = (
            ProposalStatus.ACCEPTED if decision == ProposalDecision.ACCEPT
            else ProposalStatus.DECLINED
        )  # fmt: skip
        row.status = status
        row.answer = text
        row.answered_by = person_of(actor)
        row.answered_at = timezone.now()
        row.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        spine.record(
            actor,
            Event.PROPOSAL_ANSWERED,
            row,
            {"status": ProposalStatus.OPEN},
            {"status": status, "answer": text},
            agency=row.agency,
            about=row.item,
            message=f"{row.agency.name}答复建议{row.number}：{ProposalStatus(status).label}",
        )
    return row

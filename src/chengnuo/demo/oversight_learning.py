"""The demo's catalog learning from outcomes (R-8.1, R-7.2): the daily assessment of every item
under commitment over the past year, with a year of verification outcomes behind it (the demo's
own cases are a few days old, so the volumes of the platform's first year are filled in per
item), the suggestions the figures give, one adopted and answered by the agency (市人社局), one
adopted and waiting for the agency's answer (市民政局), the rest waiting for the Justice
Bureau. Loaded once: skipped when figures exist."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.oversight import services_learning as services
from chengnuo.oversight.models import ItemOutcome, LearningSuggestion

# code → (verified, untrue, withdrawals, complaints): the figures that make the demo's cases
# for each kind of suggestion; every other item gets a modest, clean-ish volume
FIGURES: dict[str, tuple[int, int, int, int]] = {
    "RS-ZM-001": (264, 0, 3, 0),  # a large clean volume: a lighter plan
    "RS-ZM-002": (86, 12, 5, 2),  # 14.0 % (8.2 %–23.0 %): stronger verification
    "MZ-ZM-001": (58, 16, 9, 6),  # 27.6 % (17.8 %–40.2 %): review whether under commitment
    "YZRS-ZM-002": (47, 7, 2, 1),  # a county's item: stronger verification (颍州区司法局)
    "SJ-ZM-001": (312, 0, 4, 1),  # a lighter plan
    "GA-ZM-003": (75, 2, 1, 0),  # 2.7 %: below every threshold
}
ANSWER = (
    "已调整从事专业工作年限证明的核查计划：核查比例由30%提高至100%，对信用等级为C的承诺人"
    "一律现场核查，核查时限由20个工作日缩短至10个工作日，自下月起执行。"
)
NOTE = "请结合本系统投诉举报情况一并研究，并于30日内报送评估意见。"


def _figures(code: str, rng: random.Random) -> tuple[int, int, int, int]:
    if code in FIGURES:
        return FIGURES[code]
    n = rng.randint(8, 160)
    return n, rng.choice([0, 0, 0, 1]), rng.randint(0, 3), rng.randint(0, 1)


def load(stdout: Any = None) -> dict[str, int]:
    if ItemOutcome.objects.exists():
        return {}
    if stdout:
        stdout.write("catalog learning: the past year's verification outcomes per item …")
    run = services.outcomes_compute()  # the real job over the demo's own flows
    period, cfg, now = run.period, services.config(), timezone.now()
    rng = random.Random(20260401)
    raised = 0
    rows = ItemOutcome.objects.filter(period_end=period.end).select_related("item")
    for row in rows.order_by("item__code"):
        n, k, withdrawals, complaints = _figures(row.item.code, rng)
        row.verified += n
        row.untrue += k
        row.lower, row.upper = services.wilson(row.untrue, row.verified)
        row.rate = row.untrue / row.verified if row.verified else None
        row.withdrawals += withdrawals
        row.complaints += complaints
        row.commitments += n + withdrawals + rng.randint(0, 12)
        row.save()
        with transaction.atomic():
            raised += services._suggest(row, period, cfg, now)
    users = {u.username: u for u in User.objects.filter(
        username__in=["sfj_reviewer", "rsj_admin", "mzj_admin"])}  # fmt: skip
    reviewer = users.get("sfj_reviewer")
    proposals = 0
    if reviewer is not None:
        for code in ("RS-ZM-002", "MZ-ZM-001"):
            s = LearningSuggestion.objects.filter(item__code=code, status="suggested").first()
            if s is None:
                continue
            proposal = services.suggestion_adopt(
                actor=reviewer, suggestion=s, note=NOTE if code == "MZ-ZM-001" else ""
            )
            proposals += 1
            if code == "RS-ZM-002" and "rsj_admin" in users:
                services.proposal_answer(
                    actor=users["rsj_admin"], proposal=proposal, decision="accept", answer=ANSWER
                )
    return {"item_outcomes": rows.count(), "learning_suggestions": raised,
            "agency_proposals": proposals}  # fmt: skip

"""The demo's fault-tolerance reviews (R-8.4): the city Justice Bureau reviews a commitment found
untrue (decided 合理容错, then corrected on 复核 to 失职 — both kept), a refused case (open), and,
where the demo has one, an overdue case or verification. Loaded once, after the key-task
table; a second load adds nothing."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.cases.constants import CaseStatus
from chengnuo.cases.models import Case
from chengnuo.core.errors import DomainError
from chengnuo.oversight import selectors_faulttolerance as selectors
from chengnuo.oversight import services_faulttolerance as services
from chengnuo.oversight.constants_faulttolerance import FaultKind
from chengnuo.oversight.models import FaultReview
from chengnuo.verification.constants import Outcome, TaskStatus
from chengnuo.verification.models import VerificationTask

BASIS = (
    "《阜阳市全面推行证明事项告知承诺制实施方案》（阜政办〔2021〕1号）“建立容错机制”的规定；"
    "本事项工作规程关于事后核查的要求"
)


def _staff(review: FaultReview) -> list[int]:
    return [p["id"] for p in (review.pack.content.get("persons") or [])[:2]] if review.pack else []


def load(stdout: Any = None) -> dict[str, int]:
    reviewer = User.objects.filter(username="sfj_reviewer").first()
    if reviewer is None or FaultReview.objects.exists():
        return {}
    opened = decided = 0
    untrue = (
        VerificationTask.objects.filter(status=TaskStatus.DONE, outcome=Outcome.INCONSISTENT)
        .select_related("commitment__case")
        .order_by("concluded_at", "id")
        .first()
    )
    if untrue is not None:
        review = services.fault_review_open(
            actor=reviewer, case=untrue.commitment.case, kind=FaultKind.FALSE_COMMITMENT,
            task=untrue,
            loss="承诺人以不实承诺通过审核并领取相关待遇，经核算多领取金额2400元，"
            "已责令退回，尚有800元未追回。",
        )  # fmt: skip
        opened += 1
        services.fault_decide(
            actor=reviewer, review=review, conclusion="reasonable_error",
            reasons="承办人员按照告知承诺制工作规程受理并作出决定，承诺内容在决定时无法通过共享数据"
            "比对核实，已按核查计划在期限内开展事后核查并及时处置，未发现故意或重大过失。",
            basis=BASIS, person_ids=_staff(review),
        )  # fmt: skip
        services.fault_decide(
            actor=reviewer, review=review, conclusion="dereliction", correction=True,
            reasons="复核查明：该承诺人此前已有不实承诺记录，受理时信用核查提示未予关注，"
            "承办人员未按规定改为一般程序办理，属于未尽审查职责，应认定为失职。",
            basis=BASIS + "；《阜阳市全面推行证明事项告知承诺制实施方案》关于信用核查的规定",
            person_ids=_staff(review),
        )  # fmt: skip
        decided += 2
    refused = Case.objects.filter(status=CaseStatus.REJECTED).order_by("-decided_at", "-id").first()
    if refused is not None:
        services.fault_review_open(
            actor=reviewer, case=refused, kind=FaultKind.WRONG_REFUSAL,
            grounds="申请人反映其材料齐全且符合告知承诺条件，窗口仍以缺少证明为由不予办理，"
            "需核实不予办理决定是否有误。",
        )  # fmt: skip
        opened += 1
    for row in selectors.candidates(reviewer, FaultKind.OVERDUE, today=timezone.localdate()):
        try:
            review = services.fault_review_open(
                actor=reviewer, case=row["case"], kind=FaultKind.OVERDUE
            )
        except DomainError:
            continue
        opened += 1
        services.fault_decide(
            actor=reviewer, review=review, conclusion="accountability",
            reasons="该办件超过承诺办结时限仍未作出决定，承办人员未说明理由，也未按规定申请延期，"
            "造成申请人多次往返，应当追究相关人员责任。",
            basis="《阜阳市全面推行证明事项告知承诺制实施方案》“强化督查考核”的规定",
            person_ids=_staff(review),
        )  # fmt: skip
        decided += 1
        break
    return {"fault_reviews": opened, "fault_decisions": decided}

"""Builders for the rollout at a glance (R-8.1): agency A (county, 颍州区) with its catalog and
a realistic sequence of flows — cases by commitment and by proof, approved, rejected, a
withdrawal, verification found true and untrue; agency B of another county; the county Justice
Bureau of A's region and the city Justice Bureau, each with a reviewer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from chengnuo.agencies.constants import Level, Region, Role
from chengnuo.cases import services as case_services
from chengnuo.cases.models import Case
from chengnuo.oversight import statistics
from chengnuo.verification import internal
from chengnuo.verification.constants import Outcome, Timing
from chengnuo.verification.models import VerificationPlan, VerificationTask

from .cases_helpers import World, build_world, line, pdf_upload, ready_case, sign
from .factories import AgencyFactory, user_with_role

REASON = "申请人不符合法定条件，依法不予办理"
WITHDRAW_REASON = "不再符合条件，改为提交证明材料"


@dataclass
class OW:
    w: World  # agency A
    b: World  # agency B, another county
    county_reviewer: Any  # reviewer of the county Justice Bureau of A's region
    city_reviewer: Any
    b_reviewer: Any  # reviewer of the county Justice Bureau of B's region
    cases: dict[str, Case] = field(default_factory=dict)


def everything_verified(settings: Any) -> None:
    settings.VERIFICATION_INTENSITY = {
        level: {"share": 100, "timing": "after_decision"} for level in "ABC"
    }


def build(settings: Any) -> OW:
    everything_verified(settings)
    a = build_world(AgencyFactory(name="颍州区民政局", region=Region.YINGZHOU, level=Level.COUNTY))
    b = build_world(
        AgencyFactory(name="太和县民政局", region=Region.TAIHE, level=Level.COUNTY), prefix="B"
    )
    for world in (a, b):
        for item in (world.social, world.marriage):
            VerificationPlan.objects.create(
                item=item, methods=["on_site"], timing=Timing.AFTER_DECISION, days=10
            )
    county = AgencyFactory(
        name="颍州区司法局", kind="justice_bureau", region=Region.YINGZHOU, level=Level.COUNTY
    )
    b_county = AgencyFactory(
        name="太和县司法局", kind="justice_bureau", region=Region.TAIHE, level=Level.COUNTY
    )
    city = AgencyFactory(name="阜阳市司法局", kind="justice_bureau", level=Level.CITY)
    return OW(
        w=a,
        b=b,
        county_reviewer=user_with_role(Role.JUSTICE_REVIEWER, county, username="yz-sfj"),
        city_reviewer=user_with_role(Role.JUSTICE_REVIEWER, city, username="city-sfj"),
        b_reviewer=user_with_role(Role.JUSTICE_REVIEWER, b_county, username="th-sfj"),
    )


def conclude(task: VerificationTask, outcome: str) -> None:
    with transaction.atomic():
        internal.task_conclude(task=task, outcome=outcome, note="现场核查情况记录在案")


def withdrawn_case(w: World) -> Case:
    """Submitted with both commitments, then one withdrawn (proof uploaded instead)."""
    case = ready_case(w)
    c = case.commitments.get(item=w.social)
    case_services.commitment_withdraw(actor=w.applicant, commitment=c, reason=WITHDRAW_REASON)
    return Case.objects.get(pk=case.pk)


def proof_case(w: World) -> Case:
    """Signed, then withdrawn before submission, so the case goes in by proof only."""
    case = case_services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)
    for item in (w.social, w.marriage):
        c = sign(w.applicant, case, item)
        case_services.commitment_withdraw(actor=w.applicant, commitment=c, reason=WITHDRAW_REASON)
    for item in (w.social, w.marriage, w.diploma):
        case_services.proof_upload(
            actor=w.applicant, case_item=line(case, item), upload=pdf_upload()
        )
    return case_services.case_submit(actor=w.applicant, case=Case.objects.get(pk=case.pk))


def flows(ow: OW) -> OW:
    """The realistic sequence: for A an approved case verified true and untrue, a rejected
    case, a case with a withdrawal, a case by proof; for B one approved case."""
    w = ow.w
    approved = case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    tasks = list(VerificationTask.objects.filter(commitment__case=approved).order_by("id"))
    assert len(tasks) == 2
    conclude(tasks[0], Outcome.CONSISTENT)
    conclude(tasks[1], Outcome.INCONSISTENT)
    rejected = case_services.case_decide(
        actor=w.officer, case=ready_case(w), decision="reject", reason=REASON
    )
    ow.cases.update(
        approved=approved,
        rejected=rejected,
        withdrawn=withdrawn_case(w),
        proof=proof_case(w),
        b_approved=case_services.case_decide(
            actor=ow.b.officer, case=ready_case(ow.b), decision="approve"
        ),
    )
    return ow


def counters_of(agency_id: int) -> dict[str, int]:
    """The agency's counters summed over the months."""
    out: dict[str, int] = {}
    for (a, _month, measure), n in statistics.current().items():
        if a == agency_id:
            out[measure] = out.get(measure, 0) + n
    return out

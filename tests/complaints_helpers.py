"""Builders for complaint tests: agency A with its published catalog and an approved case whose
commitment is published for social supervision (complaints name these); agency B; the city
Justice Bureau with a complaint handler and a reviewer; complaint handlers of A and B."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chengnuo.agencies.constants import Level, Role
from chengnuo.cases import services as case_services
from chengnuo.cases.models import Commitment
from chengnuo.complaints import services
from chengnuo.complaints.models import Complaint

from .cases_helpers import World, build_world, ready_case
from .factories import AgencyFactory, user_with_role

TEXT = "窗口工作人员要求我提供社会保险缴费证明，但该证明已实行告知承诺制，我已签署承诺书。"
FACTS = "经调阅办件记录，窗口人员未按告知承诺制办理，要求申请人另行提交证明属实。"
MEASURES = "已对该窗口人员批评教育，组织全体窗口人员重新学习告知承诺制工作规程。"
REASON = "答复没有说明是否退还已收取的材料"


@dataclass
class CW:
    w: World  # agency A: admin, clerk, officers, applicant, matter, items
    agency: Any
    other: Any  # agency B
    handler: Any  # complaint handler of A
    other_handler: Any  # complaint handler of B
    auditor: Any  # auditor of A
    justice: Any  # the city Justice Bureau
    jb_handler: Any  # its complaint handler: sees identities, handles escalated complaints
    jb_reviewer: Any  # its reviewer: reads, issues supervision orders
    case: Any  # approved
    commitment: Commitment  # published (the marriage certificate, 30 days)


def build() -> CW:
    w = build_world()
    other = AgencyFactory(name="阜阳市民政局")
    justice = AgencyFactory(name="阜阳市司法局", kind="justice_bureau", level=Level.CITY)
    case = case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    commitment = Commitment.objects.get(case=case, item=w.marriage)
    assert commitment.publish_from is not None
    return CW(
        w=w,
        agency=w.agency,
        other=other,
        handler=user_with_role(Role.COMPLAINT_HANDLER, w.agency, username="A-ts"),
        other_handler=user_with_role(Role.COMPLAINT_HANDLER, other, username="B-ts"),
        auditor=user_with_role(Role.AUDITOR, w.agency, username="A-auditor"),
        justice=justice,
        jb_handler=user_with_role(Role.COMPLAINT_HANDLER, justice, username="sfj-ts"),
        jb_reviewer=user_with_role(Role.JUSTICE_REVIEWER, justice, username="sfj-reviewer"),
        case=case,
        commitment=commitment,
    )


def submit(cw: CW, **kw: Any) -> services.Submission:
    """A complaint about A's window demanding a proof under commitment, with a contact."""
    data: dict[str, Any] = {
        "channel": "web",
        "kind": "proof_demanded",
        "text": TEXT,
        "agency_id": cw.agency.pk,
        "matter_id": cw.w.matter.pk,
        "item_id": cw.w.social.pk,
        "name": "李四",
        "phone": "13800001111",
    }
    data.update(kw)
    return services.complaint_submit(**data)


def report(cw: CW, **kw: Any) -> services.Submission:
    """A report that A's published commitment is false."""
    data: dict[str, Any] = {
        "channel": "web",
        "kind": "false_commitment",
        "text": "承诺人承诺已婚，但据我所知其早已离婚多年，承诺内容与事实不符。",
        "commitment_id": cw.commitment.pk,
        "anonymous": True,
    }
    data.update(kw)
    return services.complaint_submit(**data)


def accepted(cw: CW, **kw: Any) -> Complaint:
    c = submit(cw, **kw).complaint
    return services.complaint_accept(actor=cw.handler, complaint=c)


def answered(cw: CW, **kw: Any) -> Complaint:
    c = accepted(cw, **kw)
    return services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)


def fresh(c: Complaint) -> Complaint:
    return Complaint.objects.get(pk=c.pk)

"""The demo's case-file review (R-8.1): the default scoring sheet; a round of 市人社局's concluded
case files by the city Justice Bureau (drawn with the published algorithm, the files scored —
one with deductions and a rectification notice to the agency, one in full), and a round of
颍州区's agencies by the county bureau that is only committed (the next step: freezing the pool).
Loaded once, after the key-task table."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import connection
from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.agencies.models import Agency
from chengnuo.audit.services import events_about
from chengnuo.cases.models import Case
from chengnuo.core import spine
from chengnuo.core.errors import DomainError
from chengnuo.oversight import services_casereview as services
from chengnuo.oversight.models import CaseReview
from chengnuo.supervision import draw

DEDUCTIONS = {
    "告知书送达": (6, "告知书送达记录只有窗口签收，未留存申请人签字的送达回执"),
    "按规定核查": (10, "核查办法要求现场核查，案卷中只有电话核实记录"),
    "核查按时完成": (5, "核查完成时间超出核查办法规定的10个工作日"),
    "材料齐全归档": (4, "核查记录未随案归档，电子档案中缺少现场核查照片"),
}


def _evidence(case: Case) -> list[int]:
    """The case's own events to cite: its submission and its decision where there are."""
    rows = list(events_about(case).values_list("pk", "event"))
    wanted = [
        pk
        for pk, event in rows
        if event in ("cases.submitted", "cases.commitment_signed", "cases.decided")
    ]
    return wanted or [pk for pk, _ in rows[:2]]


def load(stdout: Any = None) -> dict[str, int]:
    if CaseReview.objects.exists():
        return {}
    sheet = services.sheet_load_default()
    users = {
        u.username: u for u in User.objects.filter(username__in=["sfj_reviewer", "yz_sfj_reviewer"])
    }
    reviewer = users.get("sfj_reviewer")
    rsj = Agency.objects.filter(short_name="市人社局").first()
    if reviewer is None or rsj is None:
        return {"review_sheets": 1}
    today = timezone.localdate()
    start = today - dt.timedelta(days=365)
    share = secrets.token_hex(32)
    counts = {"review_sheets": 1, "case_reviews": 0, "case_file_scores": 0}
    review = services.review_open(
        actor=reviewer,
        agency=rsj,
        period_start=start,
        period_end=today,
        quota=4,
        commitment=draw.share_commitment(share),
        sheet=sheet,
    )
    counts["case_reviews"] += 1
    try:
        services.review_freeze(actor=reviewer, review=review)
    except DomainError:  # no concluded case of the agency in the demo: the round stays open
        return counts
    review = services.review_reveal(actor=reviewer, review=review, share=share)
    # the demo loads in one transaction: append the events queued so far, so that each case's
    # history has rows to cite as evidence
    spine.flush(connection)
    items = {i.heading: i for i in sheet.items.all()}
    full = {str(i.pk): i.max_points for i in items.values()}
    cases = {c.number: c for c in Case.objects.filter(number__in=review.selected)}
    for position, number in enumerate(review.selected[:2]):
        case = cases[number]
        points, notes = dict(full), {}
        if position == 0:
            for heading, (awarded, note) in DEDUCTIONS.items():
                item = items[heading]
                points[str(item.pk)] = awarded
                notes[str(item.pk)] = note
        score = services.file_score(
            actor=reviewer,
            review=review,
            case_number=number,
            points=points,
            notes=notes,
            evidence=_evidence(case),
            summary="告知、承诺、核查、决定各环节完整，案卷规范。"
            if position
            else "告知承诺流程基本规范，送达、核查和归档环节存在不足。",
        )
        counts["case_file_scores"] += 1
        if position == 0:
            services.finding_issue(
                actor=reviewer,
                score=score,
                deadline=today + dt.timedelta(days=30),
                requirement="补齐告知书送达回执和核查记录，完善告知承诺案卷归档制度，"
                "并组织窗口人员开展专题培训。",
            )
            counts["rectifications_from_case_review"] = 1
    county = users.get("yz_sfj_reviewer")
    yz = (
        Agency.objects.filter(region="yingzhou", kind="ordinary").order_by("pk").first()
        if county
        else None
    )
    if county is not None and yz is not None:
        services.review_open(
            actor=county,
            agency=yz,
            period_start=start,
            period_end=today,
            quota=5,
            commitment=draw.share_commitment(secrets.token_hex(32)),
            sheet=sheet,
        )
        counts["case_reviews"] += 1
    return counts

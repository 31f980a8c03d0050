"""Demo complaints and reports (R-8.1), through the services: one waiting for acceptance, one
answered and rated, one reopened by a dissatisfied complainant, one declined, one transferred to
the agency it belongs to, one overdue with the Justice Bureau's supervision order, and a report
of a published commitment as false whose acceptance opened its verification task. Loaded once
(nothing is added when complaints exist)."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.agencies.models import Agency
from chengnuo.cases.selectors import public_commitments
from chengnuo.catalog.models import CertificationItem, Matter
from chengnuo.complaints import services
from chengnuo.complaints.models import Complaint, HotlinePlatform

from .credit_data import SANDBOX_APP_KEY, SANDBOX_DEFAULT_URL, SANDBOX_SECRET

FACTS = (
    "经调阅该办件的受理记录和窗口监控，窗口工作人员在申请人已签署承诺书的情况下"
    "仍要求其提交证明，情况属实。"
)
MEASURES = (
    "已责令窗口当场按告知承诺制受理该申请，对当事工作人员进行批评教育，"
    "并组织窗口人员重新学习工作规程。"
)


def load_complaints(stdout: Any = None) -> dict[str, int]:
    # the sandbox plays the 12345 platform: it signs work orders with the demo key and secret
    # and receives the answers (active only when CHENGNUO_SANDBOX_URL is set, as `make run` does)
    url = os.environ.get("CHENGNUO_SANDBOX_URL", "").strip()
    HotlinePlatform.objects.update_or_create(
        name="阜阳市12345政务服务便民热线（沙箱）",
        defaults={"base_url": url or SANDBOX_DEFAULT_URL, "app_key": SANDBOX_APP_KEY,
                  "secret": SANDBOX_SECRET, "active": bool(url)},
    )  # fmt: skip
    if Complaint.objects.exists():
        return {"complaints": Complaint.objects.count()}
    rsj = Agency.objects.get(short_name="市人社局")
    mzj = Agency.objects.get(short_name="市民政局")
    handler = User.objects.get(username="rsj_complaints")
    justice = User.objects.get(username="sfj_complaints")
    matter = Matter.objects.get(code="340100-RS-001")
    item = CertificationItem.objects.get(code="RS-ZM-002")

    def submit(kind: str, text: str, phone: str, **kw: Any) -> Complaint:
        data: dict[str, Any] = {
            "channel": "web", "kind": kind, "text": text, "agency_id": rsj.pk,
            "name": "陈晓", "phone": phone,
        }  # fmt: skip
        data.update(kw)
        return services.complaint_submit(**data).complaint

    proof = {"matter_id": matter.pk, "item_id": item.pk}
    # waiting for acceptance
    submit(
        "proof_demanded",
        "2026年12月在市政务服务中心办理经济师考试报名，已签署工作年限承诺书，"
        "窗口仍要求我回原单位开具工作证明。",
        "13955810001",
        **proof,
    )
    # answered and rated
    done = submit(
        "proof_demanded",
        "办理专业技术人员职业资格考试报名时，工作人员拒收承诺书，要求提交社保缴费证明原件。",
        "13955810002",
        **proof,
    )
    done = services.complaint_accept(actor=handler, complaint=done)
    done = services.complaint_answer(actor=handler, complaint=done, facts=FACTS, measures=MEASURES)
    services.complaint_rate(complaint=done, rating="satisfied")
    # answered, then reopened by the complainant
    again = submit(
        "wrongly_refused",
        "我符合告知承诺条件且信用良好，窗口却以系统无法核验为由拒绝适用告知承诺制。",
        "13955810003",
        **proof,
    )
    again = services.complaint_accept(actor=handler, complaint=again)
    again = services.complaint_answer(
        actor=handler, complaint=again, facts=FACTS, measures=MEASURES
    )
    services.complaint_rate(complaint=again, rating="dissatisfied")
    services.complaint_reopen(complaint=again, reason="答复未说明拒绝适用的依据，也未告知如何补办")
    # declined: not within the remit
    declined = submit(
        "attitude",
        "小区物业服务态度恶劣，多次投诉无果，请有关部门处理。",
        "13955810004",
        channel="hotline",
        external_ref="GD2026120800017",
    )
    services.complaint_decline(
        actor=handler,
        complaint=declined,
        reason="所述物业服务问题不属于本机关职责，请向住房城乡建设部门反映",
    )
    # transferred to the agency it belongs to (anonymous)
    moved = submit(
        "attitude",
        "在办理最低生活保障审核时，工作人员态度生硬，不解释需要哪些材料。",
        "",
        anonymous=True,
    )
    services.complaint_transfer(
        actor=handler, complaint=moved, agency=mzj, reason="最低生活保障审核确认由民政部门办理"
    )
    # overdue, flagged by the daily job, with the Justice Bureau's supervision order
    late = submit(
        "overdue",
        "经济师考试报名资格审核提交已超过承诺时限仍未办结，多次电话询问无人答复。",
        "13955810005",
        matter_id=matter.pk,
    )
    late = services.complaint_accept(actor=handler, complaint=late)
    past = timezone.localdate() - dt.timedelta(days=3)
    Complaint.objects.filter(pk=late.pk).update(
        due_date=past, answer_due=past, accept_due=past - dt.timedelta(days=14)
    )  # an older complaint, its answer three days late
    services.remind_and_flag()
    services.complaint_supervise(
        actor=justice,
        complaint=late,
        note="该件已超过答复期限三日，请于两个工作日内查明情况并答复投诉人，同时报送办理结果。",
    )
    # a report of a published commitment as false: its acceptance opened the verification
    published = public_commitments().filter(case__agency=rsj).first()
    reports = 0
    if published is not None:
        report = services.complaint_submit(
            channel="hotline",
            external_ref="GD2026120900042",
            kind="false_commitment",
            text="承诺人承诺在现单位工作已满3年，据同事反映其2024年才入职，工作年限与承诺不符。",
            commitment_id=published.pk,
            anonymous=True,
        ).complaint
        services.complaint_accept(actor=handler, complaint=report)
        reports = 1
        from django.apps import apps

        if apps.is_installed("chengnuo.verification"):
            from .verification_cases import _run_online_checks

            _run_online_checks(stdout)  # the task's online check, against the sandbox
    if stdout:
        stdout.write(f"complaints: {Complaint.objects.count()} loaded")
    return {"complaints": Complaint.objects.count(), "complaint_reports": reports}

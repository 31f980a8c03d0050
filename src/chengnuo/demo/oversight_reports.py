"""The demo's circulated reports (督察情况通报, R-8.2): the city Justice Bureau's report on the
year so far, edited once and issued, acknowledged by the city's human resources bureau; a
second city draft for the last quarter; and a draft of the Yingzhou district bureau for its
region. Loaded once, after the key-task table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.agencies.models import Agency
from chengnuo.oversight import services_reports as services
from chengnuo.oversight import statistics
from chengnuo.oversight.models import Report

EXTRA = {
    "heading": "工作要求",
    "text": "各单位要把告知承诺制落实情况纳入本单位法治政府建设年度考评，"
    "对照通报问题建立整改台账，逐项销号；市司法局将适时开展“回头看”。",
}


def load(stdout: Any = None) -> dict[str, int]:
    if Report.objects.exists():
        return {}
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["sfj_reviewer", "yz_sfj_reviewer", "rsj_admin"])
    }
    city = users.get("sfj_reviewer")
    if city is None:
        return {}
    statistics.rebuild()  # the demo's cases are back-dated: the figures from the tables
    today = timezone.localdate()
    start = dt.date(today.year, 1, 1)
    report = services.report_draft(actor=city, start=start, end=today)
    report = services.report_edit(
        actor=city,
        report=report,
        title=report.title,
        sections=[*report.sections, EXTRA],
        recipient_ids=list(report.recipients.values_list("agency_id", flat=True)),
    )
    report = services.report_issue(actor=city, report=report)
    made = {"reports_issued": 1, "reports_drafted": 0, "reports_acknowledged": 0}
    rsj = Agency.objects.filter(short_name="市人社局").first()
    if "rsj_admin" in users and rsj and report.recipients.filter(agency=rsj).exists():
        services.report_acknowledge(
            actor=users["rsj_admin"], report=report, agency=rsj,
            note="已收悉，已组织窗口人员学习通报，超期核查任务本周内办结。",
        )  # fmt: skip
        made["reports_acknowledged"] = 1
    quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    services.report_draft(actor=city, start=quarter, end=today)
    made["reports_drafted"] = 1
    if "yz_sfj_reviewer" in users:
        services.report_draft(actor=users["yz_sfj_reviewer"], start=start, end=today)
        made["reports_drafted"] += 1
    return made

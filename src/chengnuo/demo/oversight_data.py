"""The demo's key-task table (R-8.3): the annex's rows, progress reported by two agencies (one
part done with its evidence, one under way), and the joint inspection of the Justice Bureau,
the data bureau and the development and reform commission. Loaded once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.agencies.models import Agency
from chengnuo.oversight import services_keytasks as services
from chengnuo.oversight.annex import load_annex
from chengnuo.oversight.models import JointInspection, KeyTask


def load_key_tasks(stdout: Any = None) -> dict[str, int]:
    today = timezone.localdate()
    tasks = load_annex(year=today.year)
    if not tasks:
        return {}
    users = {u.username: u for u in User.objects.filter(username__in=[
        "rsj_admin", "mzj_admin", "sfj_reviewer", "data_admin", "credit_officer"])}  # fmt: skip
    catalog = KeyTask.objects.get(number="FJ01")
    texts = KeyTask.objects.get(number="FJ03")
    rsj = Agency.objects.get(short_name="市人社局")
    mzj = Agency.objects.get(short_name="市民政局")
    reports = 0
    if "rsj_admin" in users:
        services.progress_report(
            actor=users["rsj_admin"], task=catalog, agency=rsj, progress="done",
            text="已在市人社局门户网站和政务服务网公布本系统实行告知承诺制的证明事项目录清单，"
            "并根据法规修改情况更新了两项。",
            evidence="市人社局门户网站“告知承诺制”专栏；阜人社〔2026〕12号",
        )  # fmt: skip
        reports += 1
    if "mzj_admin" in users:
        services.progress_report(
            actor=users["mzj_admin"], task=texts, agency=mzj, progress="under_way",
            text="办事指南和告知承诺书格式文本已在政务服务中心窗口公布，网上标注“实行告知承诺制”"
            "字样正在逐项核对中。",
        )  # fmt: skip
        reports += 1
    joint = 0
    members = [users[k] for k in ("sfj_reviewer", "data_admin", "credit_officer") if k in users]
    if len(members) == 3 and not JointInspection.objects.exists():
        start = dt.date(today.year, 6, 1)
        services.joint_plan(
            actor=users["sfj_reviewer"],
            title="全市证明事项告知承诺制推行情况联合督查",
            scope="对全市证明事项告知承诺办理情况开展联合督查，全面了解各地、各部门工作开展情况，"
            "对推进情况进行通报。",
            start=start,
            end=dt.date(today.year, 6, 30),
            member_ids=[u.pk for u in members],
        )
        joint = 1
    return {"key_tasks": len(tasks), "key_task_reports": reports, "joint_inspections": joint}

"""The annex of the implementation plan: 全面推行证明事项告知承诺制重点任务分解表, as data.
`load_annex` puts its rows into the key-task table once (the demo, a new deployment): the
units named by kind are the agencies of that kind; "各有关部门" is every ordinary agency."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from chengnuo.agencies.models import Agency
from chengnuo.core import spine
from chengnuo.core.actors import SystemActor

from .constants_keytasks import Event, TaskOrigin
from .models import KeyTask

# (heading, requirement, lead kinds, every ordinary agency carries it out, units as written,
#  (month, day) of the deadline or None for 长期)
ROWS: list[tuple[str, str, tuple[str, ...], bool, str, tuple[int, int] | None]] = [
    (
        "一、公布目录清单",
        "在前期梳理的目录清单基础上，结合实际，根据法律法规修改、废止等情况，统一在各自门户网站"
        "公布本系统实行告知承诺制的证明事项目录清单。",
        (),
        True,
        "各有关部门",
        (3, 15),
    ),
    (
        "二、制发文本材料",
        "科学编制工作规程，修改完善办事指南，制作发放告知承诺书文本。"
        "（证明事项告知承诺书文本和流程指引另行印发）",
        ("justice_bureau",),
        True,
        "司法行政部门牵头、各有关部门落实",
        (4, 30),
    ),
    (
        "二、制发文本材料",
        "把告知承诺制办事指南、告知承诺书格式文本通过政务服务中心、政务服务办事平台等渠道公布，"
        "方便申请人查阅、索取或者下载。在具体的政务服务事项下的“申请材料”模块标注“实行告知承诺制”字样。",
        (),
        True,
        "各有关部门",
        (4, 30),
    ),
    (
        "三、推进信息共享",
        "积极推动告知承诺制在线核查体系的建立，依托全国一体化政务服务平台等数据共享和业务协同，"
        "为告知承诺制的在线核查提供数据基础。",
        ("data_bureau",),
        True,
        "数据资源部门牵头，各有关部门落实",
        None,
    ),
    (
        "四、严格信用监管",
        "推动市信用信息共享服务平台、“信用阜阳”网站和政务服务网的数据对接共享工作，"
        "实现政务服务工作人员审核过程可“事中核查信用”。",
        ("credit_authority", "data_bureau"),
        True,
        "发展改革部门、数据资源部门牵头，各有关部门落实",
        None,
    ),
    (
        "四、严格信用监管",
        "加强告知承诺制信用管理，逐步探索建立告知承诺信用信息记录、归集、推送工作机制，"
        "将承诺人履行承诺情况全面纳入信用记录。",
        (),
        True,
        "各有关部门",
        None,
    ),
    (
        "五、强化督查考核",
        "6月底前，市司法局、市数据资源局、市发改委商请市创优四最营商办，对全市证明事项告知承诺"
        "办理情况开展联合督查，全面了解本地区证明事项告知承诺工作开展情况并对推进情况进行通报。",
        ("justice_bureau", "data_bureau", "credit_authority"),
        True,
        "司法行政部门、数据资源部门、发展改革部门牵头，各有关部门落实",
        (6, 30),
    ),
]

SYSTEM = SystemActor("重点任务分解表（实施方案附件）")


def load_annex(*, year: int) -> list[KeyTask]:
    """The annex's rows for `year`, once: nothing happens if they are there already."""
    if KeyTask.objects.filter(origin=TaskOrigin.ANNEX).exists():
        return []
    made = []
    with transaction.atomic():
        for position, (heading, text, kinds, everyone, units, due) in enumerate(ROWS, start=1):
            leads = list(
                Agency.objects.filter(kind__in=kinds, level="city").order_by("pk") if kinds else []
            )
            task = KeyTask.objects.create(
                number=f"FJ{position:02d}",
                position=position,
                heading=heading,
                requirement=text,
                origin=TaskOrigin.ANNEX,
                all_agencies=everyone,
                units_text=units,
                due_date=dt.date(year, *due) if due else None,
            )
            task.lead_agencies.set(leads)
            after: dict[str, Any] = {"heading": heading, "lead": [a.pk for a in leads]}
            spine.record(
                SYSTEM,
                Event.TASK_SAVED,
                task,
                None,
                after,
                message=f"载入重点任务分解表：{task.number} {heading}",
            )
            made.append(task)
    return made

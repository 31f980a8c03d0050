"""Builders for routine supervision tests: a lead agency and a member agency with their item
lists, inspectors and subjects in the directory; the Justice Bureau that shares the seed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from chengnuo.agencies.constants import Level, Region, Role
from chengnuo.credit import services as credit_services
from chengnuo.supervision import services
from chengnuo.supervision.models import InspectionItem, InspectorEntry, Plan, SubjectEntry

from .cases_helpers import World, build_world
from .credit_helpers import entity_uscc
from .factories import AgencyFactory, MatterFactory, user_with_role

RATIOS = {"A": 10, "B": 20, "C": 40, "D": 80}


@dataclass
class Sup:
    w: World  # the lead agency's world: admin, clerk, officers, a real approvable case
    lead: Any
    member: Any
    justice: Any  # a reviewer of the city Justice Bureau
    member_admin: Any
    inspectors: list[Any]  # lead agency's inspector users
    member_inspectors: list[Any]
    item: InspectionItem
    member_item: InspectionItem
    entries: list[SubjectEntry] = field(default_factory=list)


def add_entries(
    sup: Sup,
    n: int,
    *,
    matter: Any = None,
    credit_class: str = "A",
    route: str = "commitment",
    prefix: str = "企业",
) -> list[SubjectEntry]:
    matter = matter or sup.w.matter
    made = []
    for i in range(n):
        subject = credit_services.subject_register(
            actor=sup.w.clerk,
            kind="entity",
            name=f"{prefix}{i}有限公司",
            id_type="uscc",
            id_value=entity_uscc(),
        )
        made.append(
            SubjectEntry.objects.create(
                ref=services.new_ref("DX"),
                subject=subject,
                matter=matter,
                agency=matter.agency,
                route=route,
                region=Region.YINGZHOU,
                credit_class=credit_class,
                since=timezone.localdate(),
            )
        )
    sup.entries += made
    return made


def build_sup() -> Sup:
    w = build_world()
    lead = w.agency
    member = AgencyFactory(name="阜阳市生态环境局")
    member_admin = user_with_role(Role.AGENCY_ADMIN, member, username="B-admin")
    bureau = AgencyFactory(kind="justice_bureau", name="阜阳市司法局", level=Level.CITY)
    justice = user_with_role(Role.JUSTICE_REVIEWER, bureau, username="sfj-reviewer")
    inspectors = []
    for i in range(4):
        u = user_with_role(Role.INSPECTOR, lead, username=f"A-insp{i}")
        services.inspector_save(
            actor=w.admin, agency=lead, user=u, qualification=f"皖A{i:05d}", region=Region.YINGZHOU
        )
        inspectors.append(u)
    # the officer who decides cases is in the inspector directory too (recusal applies)
    services.inspector_save(
        actor=w.admin, agency=lead, user=w.officer, qualification="皖A09999", region=Region.YINGZHOU
    )
    member_inspectors = []
    for i in range(2):
        u = user_with_role(Role.INSPECTOR, member, username=f"B-insp{i}")
        services.inspector_save(
            actor=member_admin,
            agency=member,
            user=u,
            qualification=f"皖B{i:05d}",
            region=Region.YINGZHOU,
        )
        member_inspectors.append(u)
    member_matter = MatterFactory(agency=member, code="B-M-1", name="排污许可")
    item = services.item_save(
        actor=w.admin,
        agency=lead,
        code="A-CC-1",
        name="最低生活保障待遇领取情况检查",
        kind="general",
        legal_basis="《社会救助暂行办法》第十一条",
        content="核对享受待遇的条件是否持续符合",
        matter_ids=[w.matter.pk],
        method="on_site",
        frequency="yearly",
        ratio_by_class=RATIOS,
    )
    services.item_publish(actor=w.admin, item=item)
    member_item = services.item_save(
        actor=member_admin,
        agency=member,
        code="B-CC-1",
        name="排污许可证执行情况检查",
        kind="general",
        legal_basis="《排污许可管理条例》第三十条",
        content="检查排污许可证载明事项的执行情况",
        matter_ids=[member_matter.pk],
        method="on_site",
        frequency="yearly",
        ratio_by_class=RATIOS,
    )
    services.item_publish(actor=member_admin, item=member_item)
    return Sup(
        w, lead, member, justice, member_admin, inspectors, member_inspectors, item, member_item
    )


def plan(sup: Sup, *, joint: bool = False, start: dt.date | None = None, **kw: Any) -> Plan:
    start = start or dt.date(timezone.localdate().year, 1, 1)
    return services.plan_create(
        actor=sup.w.admin,
        lead_agency=sup.lead,
        title="2026年度最低生活保障双随机抽查",
        period_kind="yearly",
        period_start=start,
        period_end=start.replace(month=12, day=31),
        item_ids=[sup.item.pk] + ([sup.member_item.pk] if joint else []),
        member_agency_ids=[sup.member.pk] if joint else [],
        **kw,
    )


def run_draw(sup: Sup, p: Plan):
    d = services.draw_open(actor=sup.w.admin, plan=p)
    services.seed_commit(actor=sup.justice, draw=d)
    return services.draw_run(actor=sup.w.admin, draw=d)


def inspector_entry(user: Any) -> InspectorEntry:
    return InspectorEntry.objects.get(user=user)

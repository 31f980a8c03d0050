"""Demo routine supervision (R-4.3, R-4.4, R-5.3), through the services: two agencies' item
lists, their inspectors, a directory of licensed firms (both routes, all credit classes), a
joint inspection whose draw is complete (the Justice Bureau's share committed, subjects and
inspectors drawn) with most results recorded and published, and a key-item plan confined to
one district whose firms mostly committed — which the quarter's parity report flags. Idempotent.
"""

from __future__ import annotations

import os
import random
from datetime import date
from typing import Any

from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.agencies.models import Agency, Membership
from chengnuo.catalog.models import Matter
from chengnuo.core.identifiers import uscc_with_check
from chengnuo.credit import services as credit_services
from chengnuo.credit.models import Subject
from chengnuo.supervision import key_supervision, parity_report, services
from chengnuo.supervision.models import (
    InspectionItem,
    InspectorEntry,
    KeySupervision,
    ParityReport,
    Plan,
    RegulatoryPlatform,
    SubjectEntry,
)

from .credit_data import SANDBOX_APP_KEY, SANDBOX_DEFAULT_URL, SANDBOX_SECRET
from .data import DEMO_PASSWORD

JOINT_TITLE = "2026年度人力资源服务与食品经营跨部门联合抽查"
KEY_TITLE = "2026年度颍州区人力资源服务机构重点检查"
RS_MATTER, SJ_MATTER = "340100-RS-004", "340100-SJ-001"
FIRM_WORDS = ("恒信", "安康", "中原", "皖北", "汇丰", "同创", "阜丰", "鑫源", "瑞达", "颍河")
KINDS = ("人力资源服务有限公司", "餐饮管理有限公司", "食品商行", "劳务派遣有限公司")
REGIONS = ("yingzhou", "yingdong", "yingquan", "taihe", "jieshou")
FINDINGS = {
    "no_problem": "现场核对营业执照、许可证件和经营台账，与许可内容一致，未发现问题。",
    "rectify": "部分从业人员健康证明过期，台账记录不全，已当场责令十日内整改。",
    "referred": "发现超范围经营的线索，已移交市场监管综合执法支队处理。",
}


def _user(username: str, display: str, role: str, agency: Agency) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, display_name=display)
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=user, agency=agency, role=role)
    return user


def _admin(agency: Agency) -> User:
    m = agency.memberships.filter(role="agency_admin").select_related("user").first()
    assert m is not None, agency
    return m.user


def _firms(clerk: Any, rng: random.Random) -> list[Subject]:
    """Licensed firms of the directory (synthetic, valid codes)."""
    firms = []
    for i in range(160):
        number = uscc_with_check(f"91341200MA2T{i:05d}")
        subject = credit_services.subject_find(id_type="uscc", id_value=number)
        if subject is None:
            name = f"阜阳市{rng.choice(FIRM_WORDS)}{rng.choice(FIRM_WORDS)}{KINDS[i % 4]}"
            subject = credit_services.subject_register(
                actor=clerk, kind="entity", name=f"{name}（{i + 1:03d}）", id_type="uscc",
                id_value=number,
            )  # fmt: skip
        firms.append(subject)
    return firms


def _directory(firms: list[Subject], rs: Matter, sj: Matter, rng: random.Random) -> None:
    today = timezone.localdate()
    for i, firm in enumerate(firms):
        # firms 0-59 hold the HR licence, 40-159 the food licence: 40-59 hold both (joint visit)
        matters = ([rs] if i < 60 else []) + ([sj] if i >= 40 else [])
        # Yingzhou's HR firms (0-29) mostly committed, the other HR firms of class B (30-59)
        # mostly proved: a plan confined to Yingzhou inspects those who committed more often
        region = "yingzhou" if i < 30 else REGIONS[1 + i % (len(REGIONS) - 1)]
        for matter in matters:
            if SubjectEntry.objects.filter(subject=firm, matter=matter).exists():
                continue
            share = 0.5 if matter != rs else 0.95 if i < 30 else 0.1
            committed = rng.random() < share
            cls = "B" if i < 60 else rng.choices("ABCD", weights=(60, 25, 10, 5))[0]
            SubjectEntry.objects.create(
                ref=services.new_ref("DX"), subject=firm, matter=matter, agency=matter.agency,
                route="commitment" if committed else "proof", region=region,
                industry="人力资源服务" if matter == rs else "餐饮服务", credit_class=cls,
                address=f"阜阳市{'颍州区' if region == 'yingzhou' else ''}清河路{100 + i}号",
                since=date(today.year - 1 - i % 3, 1 + i % 12, 1 + i % 27),
            )  # fmt: skip


def _complete(plan: Plan, rng: random.Random, publish_share: float) -> int:
    draw = plan.draws.filter(status="done").first()
    if draw is None:
        return 0
    if draw.tasks.exclude(status="assigned").exists():
        return 0  # loaded before: the open tasks stay open
    done = 0
    tasks = list(draw.tasks.filter(status="assigned").order_by("number"))
    for n, task in enumerate(tasks):
        if n >= len(tasks) * 0.8:  # the rest are still open on the inspectors' phones
            break
        outcome = rng.choices(("no_problem", "rectify", "referred"), weights=(75, 20, 5))[0]
        first = task.inspectors.select_related("user").order_by("ref").first()
        assert first is not None  # every task has two inspectors at least
        inspector = first.user
        services.task_complete(
            actor=inspector, task=task, outcome=outcome, findings=FINDINGS[outcome]
        )
        if rng.random() < publish_share:
            services.task_publish(actor=_admin(plan.lead_agency), task=task)
        done += 1
    return done


def _run(plan: Plan, admin: User, reviewer: User) -> None:
    if plan.draws.exists():
        return
    draw = services.draw_open(actor=admin, plan=plan)
    services.seed_commit(actor=reviewer, draw=draw)
    services.draw_run(actor=admin, draw=draw)


def load_supervision(stdout: Any = None) -> dict[str, int]:
    rsj = Agency.objects.get(short_name="市人社局")
    scjg = Agency.objects.get(short_name="市市场监管局")
    rs, sj = Matter.objects.get(code=RS_MATTER), Matter.objects.get(code=SJ_MATTER)
    rsj_admin, scjg_admin = _admin(rsj), _admin(scjg)
    reviewer = User.objects.get(username="sfj_reviewer")
    clerk = User.objects.get(username="scjg_clerk")
    rng = random.Random(20261203)
    url = os.environ.get("CHENGNUO_SANDBOX_URL", "").strip()
    RegulatoryPlatform.objects.update_or_create(
        name="安徽省互联网+监管系统（沙箱）",
        defaults={"base_url": url or SANDBOX_DEFAULT_URL, "app_key": SANDBOX_APP_KEY,
                  "secret": SANDBOX_SECRET, "active": bool(url)},
    )  # fmt: skip

    inspectors = [User.objects.get(username=u) for u in ("rsj_inspector", "rsj_inspector2")]
    inspectors.append(_user("rsj_inspector3", "韩梅（市人社局执法）", "inspector", rsj))
    for n, user in enumerate(inspectors):
        if InspectorEntry.objects.filter(user=user, agency=rsj).exists():
            continue
        services.inspector_save(
            actor=rsj_admin,
            agency=rsj,
            user=user,
            qualification=f"皖阜人社执{2026000 + n}",
            region="fuyang",
        )
    for n, (username, display) in enumerate(
        (
            ("scjg_inspector", "罗斌（市市场监管局执法）"),
            ("scjg_inspector2", "施琴（市市场监管局执法）"),
        )
    ):
        user = _user(username, display, "inspector", scjg)
        if InspectorEntry.objects.filter(user=user, agency=scjg).exists():
            continue
        services.inspector_save(
            actor=scjg_admin,
            agency=scjg,
            user=user,
            qualification=f"皖阜市监执{2026100 + n}",
            region="fuyang",
        )

    items = {}
    for admin, agency, code, name, kind, basis, content, matter, ratios in (
        (rsj_admin, rsj, "RS-CC-001", "人力资源服务机构经营情况检查", "general",
         "《人力资源市场暂行条例》第三十五条",
         "检查许可证件、服务台账、收费公示及劳动者权益保障情况",
         rs, {"A": 5, "B": 10, "C": 20, "D": 40}),
        (scjg_admin, scjg, "SJ-CC-001", "食品经营许可事项检查", "general",
         "《中华人民共和国食品安全法》第一百一十条",
         "检查许可证件、从业人员健康证明、进货查验和食品贮存情况",
         sj, {"A": 5, "B": 10, "C": 20, "D": 40}),
        (rsj_admin, rsj, "RS-ZD-001", "人力资源服务机构重点检查", "key",
         "《人力资源市场暂行条例》第三十五条", "重点检查收费、招聘信息真实性和劳动者个人信息保护",
         rs, {"A": 60, "B": 80, "C": 100, "D": 100}),
    ):  # fmt: skip
        item = InspectionItem.objects.filter(code=code).first()
        if item is None:
            item = services.item_save(
                actor=admin, agency=agency, code=code, name=name, kind=kind, legal_basis=basis,
                content=content, matter_ids=[matter.pk], method="on_site", frequency="yearly",
                ratio_by_class=ratios, announce=code == "RS-CC-001",
            )  # fmt: skip
            services.item_publish(actor=admin, item=item)
        items[code] = item

    _directory(_firms(clerk, rng), rs, sj, rng)

    today = timezone.localdate()
    joint = Plan.objects.filter(title=JOINT_TITLE).first() or services.plan_create(
        actor=rsj_admin, lead_agency=rsj, title=JOINT_TITLE, period_kind="yearly",
        period_start=date(today.year, 1, 1), period_end=date(today.year, 12, 31),
        item_ids=[items["RS-CC-001"].pk, items["SJ-CC-001"].pk], member_agency_ids=[scjg.pk],
    )  # fmt: skip
    _run(joint, rsj_admin, reviewer)
    key = Plan.objects.filter(title=KEY_TITLE).first() or services.plan_create(
        actor=rsj_admin, lead_agency=rsj, title=KEY_TITLE, period_kind="yearly",
        period_start=date(today.year, 1, 1), period_end=date(today.year, 12, 31),
        item_ids=[items["RS-ZD-001"].pk], scope={"regions": ["yingzhou"]},
    )  # fmt: skip
    _run(key, rsj_admin, reviewer)
    completed = _complete(joint, rng, publish_share=0.8) + _complete(key, rng, publish_share=0.5)
    key_supervision.refresh()
    quarter = parity_report.quarter_of(today)
    if not ParityReport.objects.filter(agency=rsj, quarter=quarter).exists():
        parity_report.report_create(actor=rsj_admin, agency=rsj, quarter=quarter)
    if stdout:
        stdout.write(f"routine supervision: {completed} inspection(s) recorded")
    return {
        "supervision_entries": SubjectEntry.objects.count(),
        "supervision_plans": Plan.objects.count(),
        "supervision_key_listed": KeySupervision.objects.filter(removed_at__isnull=True).count(),
        "parity_flagged": sum(r.flagged for r in ParityReport.objects.all()),
    }

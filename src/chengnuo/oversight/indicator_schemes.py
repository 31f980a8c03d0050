"""The two default indicator schemes as data (R-8.2: inspection results feed the rule-of-law
government evaluation, 法治政府建设考评, and the year-end performance targets, 年底效能目标考核):
groups with their leaves, each leaf a registered metric, a weight (points) and a scoring rule
(`indicator_rules`). `load_schemes` puts them in force once for a year (the demo, a new
deployment); later changes go through new versions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo.core import spine
from chengnuo.core.actors import SystemActor

from .constants_indicators import Event, SchemeStatus
from .models import Indicator, IndicatorScheme

Leaf = tuple[str, str, int, dict[str, Any], str]  # name, metric, weight, rule, note
Group = tuple[str, int, list[Leaf]]


def _linear(full: float, zero: float, **more: Any) -> dict[str, Any]:
    return {"kind": "ratio_linear", "full_at": full, "zero_at": zero, **more}


def _deduct(per: float, points: float) -> dict[str, Any]:
    return {"kind": "deduct_per", "per": per, "points": points}


def _at_least(count: float, **more: Any) -> dict[str, Any]:
    return {"kind": "count_at_least", "count": count, **more}


RULE_OF_LAW: list[Group] = [
    ("制度落实", 35, [
        ("公布告知承诺证明事项目录清单", "catalog_published", 5, _at_least(1),
         "在门户网站公布本单位实行告知承诺制的证明事项目录清单"),
        ("目录动态调整依法备案", "catalog_filing", 5, _linear(1.0, 0.6),
         "目录调整报司法局备案，被退回的按比例扣分"),
        ("制发告知书和承诺书格式文本", "texts_published", 10, _linear(1.0, 0.5),
         "实行告知承诺制的证明事项均制发告知书和承诺书格式文本"),
        ("公布办事指南和工作规程", "guides_published", 5, _at_least(2, partial=True),
         "修改完善办事指南，科学编制工作规程"),
        ("门户网站公开情况", "portal_findings", 10, _deduct(1, 2),
         "司法局检查门户网站发现的问题，每个问题扣2分"),
    ]),
    ("核查与信用监管", 40, [
        ("核查按期完成", "verification_on_time", 10, _linear(1.0, 0.8),
         "事中事后核查在规定期限内完成"),
        ("逾期未完成核查", "verification_overdue", 8, _deduct(1, 1),
         "每有1件核查逾期未完成扣1分"),
        ("承诺不实依法处置并记入信用", "untrue_handled", 12, _linear(1.0, 0.5),
         "发现承诺不实的依法处置，并将承诺人履行承诺情况纳入信用记录"),
        ("协助核查按期答复", "assistance_overdue", 5, _deduct(1, 1),
         "每有1件协助核查逾期答复扣1分"),
        ("监管一致性", "parity_flags", 5, _deduct(1, 2.5),
         "承诺办件与提交证明办件监管力度一致，每个需关注的分层扣2.5分"),
    ]),
    ("监督评价", 25, [
        ("案卷评查", "case_review", 10, _linear(0.9, 0.6),
         "司法局调阅案卷评查的平均得分率"),
        ("投诉举报按期答复", "complaints_on_time", 8, _linear(1.0, 0.8),
         "企业和群众投诉举报在期限内答复"),
        ("投诉举报答复满意度", "complaint_satisfaction", 7, _linear(0.95, 0.6),
         "投诉举报人对答复满意或基本满意"),
    ]),
]  # fmt: skip

PERFORMANCE: list[Group] = [
    ("推行成效", 40, [
        ("告知承诺办件占比", "commitment_share", 20, _linear(0.6, 0.2),
         "申请人选择告知承诺方式办理的办件占提交办件的比例"),
        ("承诺办件退出率", "withdrawal_rate", 10, _linear(0.05, 0.3),
         "退出承诺改交证明的比例过高，说明告知不清楚（不影响申请人选择）"),
        ("公布告知承诺证明事项", "catalog_published", 10, _at_least(1),
         "公布实行告知承诺制的证明事项目录清单"),
    ]),
    ("重点任务和督查整改", 35, [
        ("重点任务按期完成", "key_tasks_on_time", 15, _linear(1.0, 0.5),
         "重点任务分解表中本单位牵头或负责的任务按期完成"),
        ("门户网站检查发现问题", "portal_findings", 10, _deduct(1, 2),
         "司法局检查门户网站发现的问题，每个问题扣2分"),
        ("督查整改按期到位", "rectification_on_time", 10, _linear(1.0, 0.5),
         "司法局下发的整改通知在期限内报送整改情况并经审核销号"),
    ]),
    ("服务质量", 25, [
        ("核查按期完成", "verification_on_time", 10, _linear(1.0, 0.8),
         "事中事后核查在规定期限内完成"),
        ("投诉举报按期答复", "complaints_on_time", 8, _linear(1.0, 0.8),
         "企业和群众投诉举报在期限内答复"),
        ("案卷评查", "case_review", 7, _linear(0.9, 0.6),
         "司法局调阅案卷评查的平均得分率"),
    ]),
]  # fmt: skip

SCHEMES: list[tuple[str, str, str, list[Group]]] = [
    ("rule_of_law", "法治政府建设考评（告知承诺制部分）",
     "证明事项告知承诺制推行情况纳入法治政府建设考评的指标和分值。", RULE_OF_LAW),
    ("performance", "年底效能目标考核（告知承诺制部分）",
     "证明事项告知承诺制推行情况纳入年底效能目标考核的指标和分值。", PERFORMANCE),
]  # fmt: skip

SYSTEM = SystemActor("考评指标体系（默认）")


def build_tree(scheme: IndicatorScheme, groups: list[Group]) -> None:
    position = 0
    for group_name, group_weight, leaves in groups:
        position += 1
        group = Indicator.objects.create(
            scheme=scheme, position=position, name=group_name, weight=Decimal(group_weight)
        )
        for name, metric, weight, rule, note in leaves:
            position += 1
            Indicator.objects.create(
                scheme=scheme, parent=group, position=position, name=name,
                weight=Decimal(weight), metric=metric, rule=rule, note=note,
            )  # fmt: skip


def load_schemes(*, year: int) -> list[IndicatorScheme]:
    """The default schemes for `year`, in force, once: a scheme already there is left alone."""
    made = []
    with transaction.atomic():
        for code, name, description, groups in SCHEMES:
            if IndicatorScheme.objects.filter(code=code, year=year).exists():
                continue
            scheme = IndicatorScheme.objects.create(
                code=code, name=name, year=year, version=1, description=description,
                status=SchemeStatus.IN_FORCE, enacted_at=timezone.now(),
            )  # fmt: skip
            build_tree(scheme, groups)
            spine.record(
                SYSTEM,
                Event.SCHEME_LOADED,
                scheme,
                None,
                {"code": code, "year": year, "groups": [[g[0], g[1]] for g in groups]},
                message=f"载入考评指标体系：{scheme}",
            )
            made.append(scheme)
    return made

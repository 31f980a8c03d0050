"""Writes of verification that staff start (R-4.1, R-4.5): the plan of an item and the
lookups the task pages share. Every entry point checks who acts and runs in one transaction
with its event. The steps the case's reactions and the workers run inside their transactions
are in `internal.py`; assistance, inspection, handling and the online checks have their own
modules."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from chengnuo.catalog.models import CertificationItem
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied

from . import policies, rules
from .constants import (
    AssistanceStatus,
    CheckStatus,
    Event,
    Timing,
    VerificationMethod,
)
from .models import (
    DataSource,
    VerificationPlan,
    VerificationTask,
)

DEFAULT_VERIFICATION_DAYS = 20


# --- plans (R-4.1) --------------------------------------------------------------------------


def default_comparisons(item: CertificationItem) -> list[dict[str, Any]]:
    """From the published commitment's facts that name a source field ("source.field")."""
    from chengnuo.documents.constants import TemplateKind
    from chengnuo.documents.selectors import public_latest_version

    version = public_latest_version(item, TemplateKind.COMMITMENT)
    out = []
    for fact in (version.content.get("facts", []) if version else []) or []:
        source_field = str(fact.get("source_field") or "")
        if "." not in source_field:
            continue
        source, field = source_field.split(".", 1)
        op = "gte" if fact.get("type") == "number" else "eq"
        out.append(
            {
                "label": fact.get("label", ""),
                "source": source,
                "field": field,
                "op": op,
                "fact": fact["key"],
            }
        )
    return out


def plan_for(item: CertificationItem) -> VerificationPlan:
    """The item's plan, or the default from its catalog entry (not saved)."""
    plan = VerificationPlan.objects.filter(item=item).first()
    if plan is not None:
        return plan
    method = item.verification_method or VerificationMethod.ONLINE
    return VerificationPlan(
        item=item,
        methods=[method],
        timing=Timing.AFTER_DECISION,
        days=item.verification_time_limit_days or DEFAULT_VERIFICATION_DAYS,
        standard=item.verification_standard,
        comparisons=default_comparisons(item) if method == VerificationMethod.ONLINE else [],
    )


PLAN_FIELDS = (
    "methods",
    "timing",
    "days",
    "comparisons",
    "standard",
    "assistance_agency_id",
    "assistance_days",
    "fallback",
)


def plan_save(*, actor: Actor, item: CertificationItem, data: dict[str, Any]) -> VerificationPlan:
    """The agency admin refines the item's plan: methods (several may combine, or exempt),
    timing, days, the comparisons (which committed facts against which source fields)."""
    if not policies.can_edit_plan(actor, item.agency_id):
        raise NotFound()
    errors: list[str] = []
    methods = data.get("methods", [])
    if (
        not isinstance(methods, list)
        or not methods
        or any(m not in VerificationMethod.values for m in methods)
    ):
        errors.append("核查方式应为一项或多项：在线核查、现场核查、协助核查，或免于核查")
    elif VerificationMethod.EXEMPT in methods and len(methods) > 1:
        errors.append("免于核查不能与其他核查方式同时选择")
    timing = data.get("timing", Timing.AFTER_DECISION)
    if timing not in Timing.values:
        errors.append("核查时点只能是决定前或决定后")
    days = data.get("days")
    if isinstance(days, str) and days.strip().isdigit():
        days = int(days)
    if not isinstance(days, int) or not 1 <= days <= 365:
        errors.append("核查时限应为1至365个工作日")
    assistance_days = data.get("assistance_days", 5)
    if isinstance(assistance_days, str) and assistance_days.strip().isdigit():
        assistance_days = int(assistance_days)
    if not isinstance(assistance_days, int) or not 1 <= assistance_days <= 60:
        errors.append("协助核查答复时限应为1至60个工作日")
    from chengnuo.documents.constants import TemplateKind
    from chengnuo.documents.selectors import public_latest_version

    version = public_latest_version(item, TemplateKind.COMMITMENT)
    facts = {f["key"] for f in (version.content.get("facts", []) if version else [])}
    sources = set(DataSource.objects.values_list("code", flat=True))
    comparisons, comparison_errors = rules.clean_comparisons(
        data.get("comparisons", []), sources=sources, facts=facts
    )
    errors += comparison_errors
    if VerificationMethod.ONLINE in (methods or []) and not comparisons and not errors:
        errors.append("在线核查须至少设置一个比对项（承诺事实与数据源字段）")
    agency_id = data.get("assistance_agency_id") or None
    if VerificationMethod.ASSISTANCE in (methods or []) and not agency_id:
        errors.append("协助核查须指定被请求协助的机关")
    fallback = data.get("fallback", VerificationMethod.ASSISTANCE)
    if fallback not in (VerificationMethod.ASSISTANCE, VerificationMethod.ON_SITE):
        errors.append("在线核查无法完成时只能改用协助核查或现场核查")
    if errors:
        raise DomainError(
            "invalid_plan",
            "核查计划未保存：" + "；".join(errors),
            details=[{"field": "plan", "message": e} for e in errors],
        )
    with transaction.atomic():
        plan = VerificationPlan.objects.select_for_update().filter(item=item).first()
        before = {f: getattr(plan, f) for f in PLAN_FIELDS} if plan else None
        plan = plan or VerificationPlan(item=item)
        plan.methods = methods
        plan.timing = timing
        plan.days = int(days)  # type: ignore[arg-type]
        plan.comparisons = comparisons
        plan.standard = str(data.get("standard", "") or "")[:4000]
        plan.assistance_agency_id = int(agency_id) if agency_id else None  # type: ignore[assignment]
        plan.assistance_days = assistance_days
        plan.fallback = fallback
        plan.save()
        spine.record(
            actor, Event.PLAN_SAVED, plan, before, {f: getattr(plan, f) for f in PLAN_FIELDS}
        )
    return plan


# --- drawing and creating work (R-4.2, R-5.3) ------------------------------------------------


def task_get_for(actor: Actor, pk: Any) -> VerificationTask:
    from . import selectors

    return selectors.task_get_for(actor, pk)


def assert_handles(actor: Actor, task: VerificationTask) -> None:
    if not policies.handles_task(actor, task):
        if policies.reads_task(actor, task):
            raise PermissionDenied("只有本机关的承办人员可以处理核查任务")
        raise NotFound()


__all__ = [
    "AssistanceStatus",
    "CheckStatus",
    "plan_for",
    "plan_save",
]

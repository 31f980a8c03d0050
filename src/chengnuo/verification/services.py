"""Writes of verification (R-4.1, R-4.2, R-4.5–R-4.8, R-5.2, R-5.3, R-5.5).

`verification_work_create(case=..., stage=...)` is the one function cases call: at submission
(stage before_decision) and at approval (after_decision). It draws, reproducibly and by the
committer's risk level, which commitments are verified at that stage, and gives each selected
commitment one task per planned method: online checks (run by the worker), an assistance request
to the planned agency, an on-site inspection for two inspectors. Outcomes lead to handling
and to credit records. Each write: one transaction, one audit event, one case timeline row."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo import audit
from chengnuo.agencies.constants import Role
from chengnuo.agencies.models import Membership
from chengnuo.catalog.models import CertificationItem
from chengnuo.core.calendar import add_working_days
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.core.events import STAFF
from chengnuo.core.timefmt import local

from . import policies, rules
from .constants import (
    INSPECTORS_PER_TASK,
    AssistanceStatus,
    CheckStatus,
    Event,
    InspectionStatus,
    Outcome,
    TaskStatus,
    Timing,
    VerificationMethod,
)
from .models import (
    AssistanceRequest,
    DataSource,
    Inspection,
    OnlineCheck,
    SamplingDraw,
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


def plan_save(*, actor: Any, item: CertificationItem, data: dict[str, Any]) -> VerificationPlan:
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
        audit.record(
            actor, Event.PLAN_SAVED, plan, before, {f: getattr(plan, f) for f in PLAN_FIELDS}
        )
    return plan


# --- drawing and creating work (R-4.2, R-5.3) ------------------------------------------------


def _signed_commitments(case: Any) -> list[Any]:
    from chengnuo.cases.constants import CommitmentStatus

    return list(
        case.commitments.filter(status=CommitmentStatus.SIGNED)
        .select_related("item", "case_item")
        .order_by("id")
    )


def _verify_every(commitment: Any) -> bool:
    return bool((commitment.case_item.eligibility or {}).get("verify_every_commitment"))


def verification_work_create(
    *, case: Any, stage: str = Timing.AFTER_DECISION
) -> list[VerificationTask]:
    """Inside the calling case service's transaction. For the commitments whose intensity
    places their verification at `stage`: one stored draw (seed, inputs, selection) and, for
    each selected commitment, one task per planned method. Exempt items are not drawn."""
    commitments = _signed_commitments(case)
    candidates: list[Any] = []
    share = 0
    for c in commitments:
        plan = plan_for(c.item)
        if plan.exempt:
            continue
        intensity = rules.intensity_for(case.risk_level or "D", verify_every=_verify_every(c))
        timing = (
            Timing.BEFORE_DECISION if plan.timing == Timing.BEFORE_DECISION else intensity.timing
        )
        if timing != stage:
            continue
        if VerificationTask.objects.filter(commitment=c).exists():
            continue
        candidates.append((c, plan))
        share = max(share, intensity.share)
    if not candidates:
        return []
    seed = secrets.token_hex(16)
    ids = [c.pk for c, _plan in candidates]
    # one share per draw: the strictest of the candidates (the same risk level in one case)
    selected = set(rules.draw(seed, ids, share))
    draw = SamplingDraw.objects.create(
        case=case,
        stage=stage,
        risk_level=case.risk_level or "D",
        share_percent=share,
        seed=seed,
        algorithm=rules.ALGORITHM,
        candidates=ids,
        selected=sorted(selected),
    )
    today = timezone.localdate()
    tasks: list[VerificationTask] = []
    for c, plan in candidates:
        if c.pk not in selected:
            continue
        for method in plan.methods:
            task = VerificationTask.objects.create(
                commitment=c,
                agency_id=case.agency_id,
                draw=draw,
                method=method,
                timing=stage,
                risk_level=case.risk_level,
                due_date=add_working_days(today, plan.days),
                standard=plan.standard or c.item.verification_standard,
            )
            _start_task(task, plan)
            tasks.append(task)
    when = "决定前" if stage == Timing.BEFORE_DECISION else "决定后"
    head = (
        f"{when}核查抽样：信用风险等级{draw.risk_level}，抽取比例{draw.share_percent}%，"
        f"候选{len(draw.candidates)}项，抽中{len(draw.selected)}项（随机种子{draw.seed}）"
    )
    lines = [
        f"{t.commitment.item.name}：{t.get_method_display()}，{t.due_date.isoformat()}前"
        for t in tasks
    ]
    # one event for the draw and the tasks it created (ADR 0009: one event per aggregate)
    audit.record(
        None,
        Event.DRAWN,
        draw,
        None,
        {
            "case": case.number,
            "share": share,
            "seed": seed,
            "candidates": ids,
            "selected": sorted(selected),
            "tasks": [
                {"id": t.pk, "item": t.commitment.item.code, "method": t.method} for t in tasks
            ],
        },
        message=head
        + ("，生成核查任务：" + "；".join(lines) if lines else "，未生成核查任务")
        + "。",
    )
    return tasks


def _start_task(task: VerificationTask, plan: VerificationPlan) -> None:
    """Set up the work of a new task: online checks queued for the worker, the assistance
    request sent, the inspection assigned."""
    if task.method == VerificationMethod.ONLINE:
        codes = sorted({rule["source"] for rule in plan.comparisons})
        sources = list(DataSource.objects.filter(code__in=codes, active=True))
        if not sources:
            _fallback(task, plan, "未配置可用的数据源")
            return
        checks = [OnlineCheck(task=task, source=s, next_attempt_at=timezone.now()) for s in sources]
        OnlineCheck.objects.bulk_create(checks)
        task.status = TaskStatus.IN_PROGRESS
        task.save(update_fields=["status"])
        ids = [c.pk for c in OnlineCheck.objects.filter(task=task)]
        transaction.on_commit(lambda: _enqueue_checks(ids))
    elif task.method == VerificationMethod.ASSISTANCE:
        if plan.assistance_agency_id:
            _assistance_create(task, plan.assistance_agency_id, plan.assistance_days, None)
    elif task.method == VerificationMethod.ON_SITE:
        _inspection_create(task)


def _enqueue_checks(ids: list[int]) -> None:
    from .tasks import run_online_checks

    run_online_checks.enqueue(ids)


def _fallback(task: VerificationTask, plan: VerificationPlan, why: str) -> VerificationTask:
    """An online check that cannot complete is never lost: the task ends as unable and a
    fallback task (assistance or on-site, per the plan) takes over."""
    task.status = TaskStatus.DONE
    task.outcome = Outcome.UNABLE
    task.outcome_note = why
    task.concluded_at = timezone.now()
    task.save(update_fields=["status", "outcome", "outcome_note", "concluded_at"])
    method = plan.fallback or VerificationMethod.ASSISTANCE
    if method == VerificationMethod.ASSISTANCE and not plan.assistance_agency_id:
        method = VerificationMethod.ON_SITE
    new = VerificationTask.objects.create(
        commitment=task.commitment,
        agency_id=task.agency_id,
        draw=task.draw,
        method=method,
        timing=task.timing,
        risk_level=task.risk_level,
        due_date=task.due_date,
        standard=task.standard,
        replaces=task,
    )
    _start_task(new, plan)
    c = task.commitment
    audit.record(
        None,
        Event.TASK_CREATED,
        new,
        None,
        {"task": new.pk, "method": new.method, "replaces": task.pk},
        message=f"{c.item.name}：在线核查无法完成（{why}），改为{new.get_method_display()}",
        item_code=c.item.code,
    )
    return new


def fallback_for(task: VerificationTask, why: str) -> VerificationTask:
    return _fallback(task, plan_for(task.commitment.item), why)


def _assistance_create(
    task: VerificationTask, agency_id: int, days: int, actor: Any, questions: str = ""
) -> AssistanceRequest:
    c = task.commitment
    request = AssistanceRequest.objects.create(
        task=task,
        requesting_agency_id=task.agency_id,
        requested_agency_id=agency_id,
        questions=questions
        or (
            f"请核查{c.subject.display_name}（{c.subject.id_masked}）"
            f"承诺的以下事项是否属实：{c.item.proof_content}"
        ),
        facts=c.facts,
        deadline=add_working_days(timezone.localdate(), days),
        requested_by=actor or c.case.started_by,
    )
    task.status = TaskStatus.IN_PROGRESS
    task.save(update_fields=["status"])
    audit.record(
        actor,
        Event.ASSISTANCE_REQUESTED,
        request,
        None,
        {"task": task.pk, "to": agency_id, "deadline": request.deadline},
        agency=task.agency,
        message=f"{c.item.name}：请求{request.requested_agency.name}协助核查，"
        f"{request.deadline:%Y-%m-%d}前答复",
        item_code=c.item.code,
    )
    return request


def _inspection_create(task: VerificationTask, actor: Any = None) -> Inspection:
    """Two inspectors of the agency (common practice), those with the fewest open inspections."""
    users = [
        m.user
        for m in Membership.objects.filter(agency_id=task.agency_id, role=Role.INSPECTOR)
        .select_related("user")
        .order_by("user_id")
    ]
    users.sort(
        key=lambda u: Inspection.objects.filter(
            inspectors=u, status=InspectionStatus.ASSIGNED
        ).count()
    )
    inspection = Inspection.objects.create(task=task)
    inspection.inspectors.set(users[:INSPECTORS_PER_TASK])
    task.status = TaskStatus.IN_PROGRESS
    task.save(update_fields=["status"])
    names = "、".join(str(u) for u in users[:INSPECTORS_PER_TASK])
    c = task.commitment
    audit.record(
        actor,
        Event.INSPECTION_ASSIGNED,
        inspection,
        None,
        {"task": task.pk, "inspectors": [u.pk for u in users[:INSPECTORS_PER_TASK]]},
        message=f"{c.item.name}：现场核查派发给{names}，{task.due_date:%Y-%m-%d}前完成",
        item_code=c.item.code,
    )
    return inspection


# --- outcomes -------------------------------------------------------------------------------


def task_conclude(
    *, task: VerificationTask, outcome: str, note: str, actor: Any = None
) -> VerificationTask:
    """Record a task's outcome (inside the caller's transaction) on the task, the case
    timeline and the audit trail; a commitment all of whose tasks are consistent is recorded
    as kept in the committer's credit (R-5.2)."""
    if outcome not in (Outcome.CONSISTENT, Outcome.INCONSISTENT, Outcome.UNABLE):
        raise DomainError("invalid_outcome", "核查结论只能是属实、不实或无法核查")
    task = VerificationTask.objects.select_for_update().get(pk=task.pk)
    if task.status == TaskStatus.DONE:
        raise Conflict(
            "already_concluded", f"该核查任务已于{local(task.concluded_at, '%Y-%m-%d')}完成"
        )
    task.status = TaskStatus.DONE
    task.outcome = outcome
    task.outcome_note = note[:4000]
    task.concluded_at = timezone.now()
    task.concluded_by = actor if getattr(actor, "is_authenticated", False) else None
    task.save(update_fields=["status", "outcome", "outcome_note", "concluded_at", "concluded_by"])
    c = task.commitment
    audit.record(
        actor,
        Event.OUTCOME_RECORDED,
        task,
        None,
        {"outcome": outcome, "note": note},
        message=f"{c.item.name}：{task.get_method_display()}结论——{Outcome(outcome).label}"
        + (f"。{note}" if note else ""),
        item_code=c.item.code,
        visibility=STAFF if outcome == Outcome.UNABLE else None,  # a fallback task follows
    )
    if outcome == Outcome.CONSISTENT:
        _record_kept_if_all_consistent(task)
    return task


def _record_kept_if_all_consistent(task: VerificationTask) -> None:
    from chengnuo.credit.constants import RecordKind
    from chengnuo.credit.models import CreditRecord
    from chengnuo.credit.services import credit_record_create

    c = task.commitment
    tasks = VerificationTask.objects.filter(commitment=c).exclude(outcome=Outcome.UNABLE)
    if tasks.exclude(outcome=Outcome.CONSISTENT).exists():
        return
    ref = f"commitment:{c.pk}"
    if CreditRecord.objects.filter(verification_ref=ref).exists():
        return
    credit_record_create(
        actor=None,
        subject=c.subject,
        kind=RecordKind.COMMITMENT_KEPT,
        summary=f"告知承诺办理“{c.case.matter.name}”，承诺“{c.item.name}”经核查属实。",
        decided_on=timezone.localdate(),
        deciding_agency=c.case.agency,
        case_ref=c.case.number,
        verification_ref=ref,
    )


def task_get_for(actor: Any, pk: Any) -> VerificationTask:
    from . import selectors

    return selectors.task_get_for(actor, pk)


def assert_handles(actor: Any, task: VerificationTask) -> None:
    if not policies.handles_task(actor, task):
        if policies.reads_task(actor, task):
            raise PermissionDenied("只有本机关的承办人员可以处理核查任务")
        raise NotFound()


__all__ = [
    "AssistanceStatus",
    "CheckStatus",
    "fallback_for",
    "plan_for",
    "plan_save",
    "task_conclude",
    "verification_work_create",
]

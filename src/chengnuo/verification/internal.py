"""The internal steps of verification (R-4.1, R-4.2, R-4.5–R-4.8, R-5.2): each runs inside the
transaction of the service or reaction that calls it, and asserts so — none checks who acts.

- `verification_work_create(case, stage)`: called by the reactions to "case.submitted"
  (stage before_decision) and "case.approved" (after_decision), `handlers.py`. It draws,
  reproducibly and by the committer's risk level, which commitments are verified at that
  stage, and gives each selected commitment one task per planned method: online checks (run
  by the worker), an assistance request to the planned agency, an on-site inspection for two
  inspectors.
- `task_conclude(task, outcome, note)`: a task's outcome, from the online-check worker, the
  inspection and the assistance answer services; a commitment all of whose tasks are
  consistent is then announced ("commitment.verified_true": credit records it as kept).
- `fallback_for(task, why)`: an online check that cannot complete becomes an assistance
  request or an inspection.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.actors import user_of
from chengnuo.agencies.constants import Role
from chengnuo.agencies.models import Membership
from chengnuo.core import events, spine
from chengnuo.core.actors import Actor
from chengnuo.core.calendar import add_working_days
from chengnuo.core.db import assert_in_transaction
from chengnuo.core.errors import Conflict, DomainError
from chengnuo.core.events import STAFF
from chengnuo.core.timefmt import local

from . import rules
from .constants import (
    INSPECTORS_PER_TASK,
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
from .services import plan_for


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
    assert_in_transaction("verification_work_create")
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
    tasks = [
        VerificationTask(
            commitment=c,
            agency_id=case.agency_id,
            draw=draw,
            method=method,
            timing=stage,
            risk_level=case.risk_level,
            due_date=add_working_days(today, plan.days),
            standard=plan.standard or c.item.verification_standard,
        )
        for c, plan in candidates
        if c.pk in selected
        for method in plan.methods
    ]
    when = "决定前" if stage == Timing.BEFORE_DECISION else "决定后"
    head = (
        f"{when}核查抽样：信用风险等级{draw.risk_level}，抽取比例{draw.share_percent}%，"
        f"候选{len(draw.candidates)}项，抽中{len(draw.selected)}项（随机种子{draw.seed}）"
    )
    lines = [
        f"{t.commitment.item.name}：{t.get_method_display()}，{t.due_date.isoformat()}前"
        for t in tasks
    ]
    # one event for the draw and the tasks it creates (ADR 0009), before what the tasks start
    spine.record(
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
            "tasks": [{"item": t.commitment.item.code, "method": t.method} for t in tasks],
        },
        message=head
        + ("，生成核查任务：" + "；".join(lines) if lines else "，未生成核查任务")
        + "。",
    )
    plans = {c.pk: plan for c, plan in candidates}
    for task in tasks:
        task.save()
        _start_task(task, plans[task.commitment_id])
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
            assistance_create(task, plan.assistance_agency_id, plan.assistance_days, None)
    elif task.method == VerificationMethod.ON_SITE:
        inspection_create(task)


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
        origin_ref=task.origin_ref,
    )
    _start_task(new, plan)
    c = task.commitment
    spine.record(
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
    assert_in_transaction("fallback_for")
    return _fallback(task, plan_for(task.commitment.item), why)


def assistance_create(
    task: VerificationTask, agency_id: int, days: int, actor: Actor, questions: str = ""
) -> AssistanceRequest:
    assert_in_transaction("assistance_create")
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
        requested_by=user_of(actor) or c.case.started_by,
    )
    task.status = TaskStatus.IN_PROGRESS
    task.save(update_fields=["status"])
    spine.record(
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


def inspection_create(task: VerificationTask, actor: Actor = None) -> Inspection:
    """Two inspectors of the agency (common practice), those with the fewest open inspections."""
    assert_in_transaction("inspection_create")
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
    spine.record(
        actor,
        Event.INSPECTION_ASSIGNED,
        inspection,
        None,
        {"task": task.pk, "inspectors": [u.pk for u in users[:INSPECTORS_PER_TASK]]},
        message=f"{c.item.name}：现场核查派发给{names}，{task.due_date:%Y-%m-%d}前完成",
        item_code=c.item.code,
    )
    return inspection


def task_conclude(
    *, task: VerificationTask, outcome: str, note: str, actor: Actor = None
) -> VerificationTask:
    """Record a task's outcome on the task and in the case's history, and announce it
    ("verification.concluded"); a commitment all of whose tasks are consistent is announced
    as verified true, which credit records as kept (R-5.2)."""
    assert_in_transaction("task_conclude")
    if outcome not in (Outcome.CONSISTENT, Outcome.INCONSISTENT, Outcome.UNABLE):
        raise DomainError("invalid_outcome", "核查结论只能是属实、不实或无法核查")
    task = VerificationTask.objects.select_for_update(of=("self",)).get(pk=task.pk)
    if task.status == TaskStatus.DONE:
        raise Conflict(
            "already_concluded", f"该核查任务已于{local(task.concluded_at, '%Y-%m-%d')}完成"
        )
    task.status = TaskStatus.DONE
    task.outcome = outcome
    task.outcome_note = note[:4000]
    task.concluded_at = timezone.now()
    task.concluded_by = user_of(actor)
    task.save(update_fields=["status", "outcome", "outcome_note", "concluded_at", "concluded_by"])
    c = task.commitment
    spine.record(
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
    events.emit(
        "verification.concluded",
        task=task.pk,
        commitment=c.pk,
        case=c.case_id,
        outcome=outcome,
        origin=task.origin_ref,
        note=task.outcome_note,
    )
    if outcome == Outcome.CONSISTENT:
        _announce_if_all_consistent(task)
    return task


def _announce_if_all_consistent(task: VerificationTask) -> None:
    """A commitment all of whose tasks found it true is announced; credit records it as kept
    (R-5.2) after commit, through the outbox ("credit.record_commitment_kept")."""
    c = task.commitment
    tasks = VerificationTask.objects.filter(commitment=c).exclude(outcome=Outcome.UNABLE)
    if tasks.exclude(outcome=Outcome.CONSISTENT).exists():
        return
    events.emit(
        "commitment.verified_true",
        commitment=c.pk,
        subject=c.subject_id,
        agency=c.case.agency_id,
        case_number=c.case.number,
        summary=f"告知承诺办理“{c.case.matter.name}”，承诺“{c.item.name}”经核查属实。",
        decided_on=timezone.localdate().isoformat(),
    )


def untrue_from_supervision(*, commitment: Any, note: str, actor: Actor = None) -> VerificationTask:
    """R-4.8: a commitment found untrue in routine supervision (双随机抽查) is handled like one
    found untrue in verification: an on-site task of the commitment, concluded "untrue", which
    the agency's officer then handles (terminate, rectify, revoke …) and credit records."""
    assert_in_transaction("untrue_from_supervision")
    task = VerificationTask.objects.create(
        commitment=commitment,
        agency_id=commitment.case.agency_id,
        method=VerificationMethod.ON_SITE,
        timing=Timing.AFTER_DECISION,
        risk_level=commitment.case.risk_level,
        due_date=timezone.localdate(),
        standard="双随机、一公开抽查",
        status=TaskStatus.IN_PROGRESS,
    )
    spine.record(
        actor,
        Event.TASK_CREATED,
        task,
        None,
        {"task": task.pk, "method": task.method, "source": "supervision"},
        message=f"{commitment.item.name}：双随机抽查发现承诺不实，转入失实承诺处置",
        item_code=commitment.item.code,
    )
    return task_conclude(task=task, outcome=Outcome.INCONSISTENT, note=note, actor=actor)


def verification_from_complaint(
    *, commitment: Any, origin: str, note: str, actor: Actor = None
) -> list[VerificationTask]:
    """R-4.1, R-8.1: a report of a false commitment, accepted, is verified whether or not the
    commitment was drawn: one task per method of the item's plan (an exempt item: on site),
    due within the plan's days, started like a drawn task. Each task carries the complaint's
    number (`origin_ref`) and is announced ("verification.task_opened") so the complaint links
    it; its outcome is announced with that number too. Idempotent per complaint."""
    from chengnuo.cases.constants import CommitmentStatus

    assert_in_transaction("verification_from_complaint")
    if commitment.status != CommitmentStatus.SIGNED:
        return []
    if VerificationTask.objects.filter(commitment=commitment, origin_ref=origin).exists():
        return []
    plan = plan_for(commitment.item)
    methods = [m for m in plan.methods if m != VerificationMethod.EXEMPT] or [
        VerificationMethod.ON_SITE
    ]
    due = add_working_days(timezone.localdate(), plan.days)
    tasks = []
    for method in methods:
        task = VerificationTask.objects.create(
            commitment=commitment,
            agency_id=commitment.case.agency_id,
            method=method,
            timing=Timing.AFTER_DECISION,
            risk_level=commitment.case.risk_level,
            due_date=due,
            standard=plan.standard or commitment.item.verification_standard,
            origin_ref=origin,
        )
        spine.record(
            actor,
            Event.TASK_CREATED,
            task,
            None,
            {"task": task.pk, "method": method, "source": "complaint", "origin": origin},
            message=f"{commitment.item.name}：{note[:200]}——{task.get_method_display()}，"
            f"{due:%Y-%m-%d}前完成",
            item_code=commitment.item.code,
        )
        events.emit(
            "verification.task_opened",
            task=task.pk,
            origin=origin,
            method=task.get_method_display(),
            due_date=due,
        )
        tasks.append(task)
    for task in tasks:
        _start_task(task, plan)
    return tasks

"""Assistance verification between agencies (R-4.7) and switching a task to on-site (R-4.6).

An officer of the task's agency asks another agency to verify specific facts by a deadline in
working days (the item's plan, default 5). Only the requested agency answers: a result and a
written answer (with optional evidence), or a written refusal whose reason is more than a stock
phrase. Open requests are reminded before the deadline and flagged overdue after it; the
Justice Bureau sees the overdue list. Each write: policy first, one transaction, one audit
event, one case timeline row."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.agencies.constants import Role
from chengnuo.agencies.models import Agency, Membership
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.calendar import add_working_days
from chengnuo.core.digest import digest_bytes
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.core.timefmt import local
from chengnuo.core.uploads import check_upload

from . import internal, policies, rules, services
from .constants import (
    ASSISTANCE_REMINDER_DAYS,
    DEFAULT_ASSISTANCE_DAYS,
    AssistanceStatus,
    CheckStatus,
    Event,
    InspectionStatus,
    Outcome,
    TaskStatus,
    VerificationMethod,
)
from .models import AssistanceRequest, Inspection, VerificationTask

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
QUESTIONS_MAX_CHARS = 2000
ANSWER_MAX_CHARS = 4000
ANSWER_RESULTS = (Outcome.CONSISTENT, Outcome.INCONSISTENT)
MAX_DAYS = 60


def _open_task(task: VerificationTask) -> VerificationTask:
    locked = VerificationTask.objects.select_for_update(of=("self",)).get(pk=task.pk)
    if locked.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise Conflict("task_closed", f"该核查任务已{locked.get_status_display()}，不能再请求核查")
    return locked


def _days_for(task: VerificationTask, days: Any) -> int:
    if days in (None, ""):
        plan = services.plan_for(task.commitment.item)
        return int(plan.assistance_days or DEFAULT_ASSISTANCE_DAYS)
    if isinstance(days, str) and days.strip().isdigit():
        days = int(days)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise DomainError("invalid_days", f"答复时限应为1至{MAX_DAYS}个工作日", field="days")
    return days


# --- requesting ---------------------------------------------------------------------------


def assistance_request(
    *, actor: Actor, task: VerificationTask, agency: Any, questions: str, days: Any = None
) -> AssistanceRequest:
    """R-4.7: a case officer of the task's agency asks another agency to verify specific facts;
    the deadline is `days` working days (default: the item's plan, else 5)."""
    services.assert_handles(actor, task)
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    try:
        agency_id = int(agency_id)
    except (TypeError, ValueError):
        agency_id = 0
    target = Agency.objects.filter(pk=agency_id).first() if agency_id > 0 else None
    if target is None:
        raise DomainError("invalid_agency", "请选择被请求协助核查的机关", field="agency")
    if target.pk == task.agency_id:
        raise DomainError(
            "own_agency", "协助核查须向其他机关请求，不能向本机关请求", field="agency"
        )
    text = (questions or "").strip() if isinstance(questions, str) else ""
    if not text:
        raise DomainError("questions_required", "请写明请求对方核查的具体事项", field="questions")
    if len(text) > QUESTIONS_MAX_CHARS:
        raise DomainError(
            "questions_too_long",
            f"请求核查的事项不得超过{QUESTIONS_MAX_CHARS}字",
            field="questions",
        )
    n_days = _days_for(task, days)
    with transaction.atomic():
        locked = _open_task(task)
        pending = locked.assistance_requests.filter(status=AssistanceStatus.OPEN).first()
        if pending is not None:
            raise Conflict(
                "assistance_pending",
                f"该任务已向{pending.requested_agency.name}请求协助核查，"
                f"答复期限{pending.deadline:%Y-%m-%d}，请等待答复",
            )
        request = internal.assistance_create(locked, target.pk, n_days, actor, text)
    return request


# --- answering ----------------------------------------------------------------------------


def _assert_answers(actor: Actor, request: AssistanceRequest) -> None:
    """Only staff of the requested agency answer — its handler, once one is set; others who
    may read it get 403, the rest 404."""
    if request.requested_agency_id in policies.answers_for(actor):
        if getattr(actor, "pk", None) == request.requested_by_id:
            raise PermissionDenied("请求协助核查的人员不能答复自己发出的请求")
        if request.handler_id is not None and request.handler_id != getattr(actor, "pk", None):
            raise PermissionDenied(f"该请求由{request.handler}承办，只有承办人可以答复")
        return
    ids = policies.readable_agency_ids(actor)
    if ids is None or request.requesting_agency_id in ids:
        raise PermissionDenied("只有被请求协助核查的机关可以答复")
    raise NotFound()


def _lock_open(request: AssistanceRequest) -> AssistanceRequest:
    locked = (
        AssistanceRequest.objects.select_for_update(of=("self",))
        .select_related("task__commitment__item", "task__commitment__case", "requested_agency")
        .get(pk=request.pk)
    )
    if locked.status != AssistanceStatus.OPEN:
        who = f"{locked.answered_by}于{local(locked.answered_at)}" if locked.answered_at else ""
        raise Conflict(
            "assistance_closed",
            f"该协助核查请求已{who}{locked.get_status_display()}，不能再答复",
        )
    return locked


def _has_other_open_work(task: VerificationTask, request_pk: int) -> bool:
    if (
        task.assistance_requests.filter(status=AssistanceStatus.OPEN)
        .exclude(pk=request_pk)
        .exists()
    ):
        return True
    if Inspection.objects.filter(task=task, status=InspectionStatus.ASSIGNED).exists():
        return True
    return task.checks.filter(status__in=[CheckStatus.QUEUED, CheckStatus.RETRYING]).exists()


def assistance_answer(
    *,
    actor: Actor,
    request: AssistanceRequest,
    result: str,
    answer: str,
    evidence: Any = None,
) -> AssistanceRequest:
    """The requested agency answers with a result (consistent/inconsistent), a written answer
    and optional evidence (PDF, JPEG or PNG, ≤ 10 MB); the task is concluded with that result
    when nothing else of it is open."""
    _assert_answers(actor, request)
    errors: list[dict[str, str]] = []
    if result not in ANSWER_RESULTS:
        errors.append({"field": "result", "message": "请选择核查结果：属实或不实"})
    text = answer.strip() if isinstance(answer, str) else ""
    if not text:
        errors.append({"field": "answer", "message": "请写明核查情况（答复内容）"})
    elif len(text) > ANSWER_MAX_CHARS:
        errors.append({"field": "answer", "message": f"答复内容不得超过{ANSWER_MAX_CHARS}字"})
    if errors:
        raise DomainError(
            "invalid_answer",
            "；".join(e["message"] for e in errors),
            field=errors[0]["field"],
            details=errors,
        )
    checked = None
    if evidence:
        checked = check_upload(
            evidence,
            field="evidence",
            limit=EVIDENCE_MAX_BYTES,
            each="证明材料",
            default_name="证明材料",
        )
    saved_name = ""
    try:
        with transaction.atomic():
            locked = _lock_open(request)
            locked.status = AssistanceStatus.ANSWERED
            locked.result = result
            locked.answer = text
            locked.answered_by = person_of(actor)
            locked.answered_at = timezone.now()
            locked.handler = locked.handler or person_of(actor)
            fields = ["status", "result", "answer", "answered_by", "answered_at", "handler"]
            if checked is not None:
                locked.evidence.save(
                    f"{uuid.uuid4().hex}.{checked.extension}",
                    ContentFile(checked.data),
                    save=False,
                )
                saved_name = locked.evidence.name
                locked.evidence_name = checked.name
                locked.evidence_digest = digest_bytes(checked.data)
                fields += ["evidence", "evidence_name", "evidence_digest"]
            locked.save(update_fields=fields)
            after = {
                "status": locked.status,
                "result": result,
                "answer": text,
                "evidence_digest": locked.evidence_digest,
            }
            task = locked.task
            c = task.commitment
            note = f"{locked.requested_agency.name}协助核查答复：{text}"
            spine.record(
                actor,
                Event.ASSISTANCE_ANSWERED,
                locked,
                {"status": AssistanceStatus.OPEN},
                after,
                message=f"{c.item.name}：{note}（{Outcome(result).label}）",
                item_code=c.item.code,
            )
            if _has_other_open_work(task, locked.pk) or task.status in (
                TaskStatus.DONE,
                TaskStatus.CANCELLED,
            ):
                pass  # the task goes on: its other work concludes it
            else:
                internal.task_conclude(task=task, outcome=result, note=note, actor=actor)
    except Exception:
        if saved_name:
            default_storage.delete(saved_name)
        raise
    return locked


def assistance_refuse(
    *, actor: Actor, request: AssistanceRequest, reason: str
) -> AssistanceRequest:
    """R-4.7: the requested agency may not shirk; if it truly cannot assist it replies in writing
    with its reasons — an empty or boilerplate reason is refused. The task stays open for the
    officer, who may ask another agency or switch to an on-site inspection."""
    _assert_answers(actor, request)
    problem = rules.refusal_problem(reason)
    if problem is not None:
        raise DomainError("refusal_reason", problem, field="reason")
    text = reason.strip()[:ANSWER_MAX_CHARS]
    with transaction.atomic():
        locked = _lock_open(request)
        locked.status = AssistanceStatus.REFUSED
        locked.refusal_reason = text
        locked.answered_by = person_of(actor)
        locked.answered_at = timezone.now()
        locked.handler = locked.handler or person_of(actor)
        locked.save(
            update_fields=["status", "refusal_reason", "answered_by", "answered_at", "handler"]
        )
        c = locked.task.commitment
        spine.record(
            actor,
            Event.ASSISTANCE_REFUSED,
            locked,
            {"status": AssistanceStatus.OPEN},
            {"status": locked.status, "reason": text},
            message=f"{c.item.name}：{locked.requested_agency.name}书面答复无法协助核查，理由：{text}"
            "（承办人员可另行请求协助或改为现场核查）",
            item_code=c.item.code,
        )
    return locked


def assistance_take(
    *, actor: Actor, request: AssistanceRequest, handler: Any = None
) -> AssistanceRequest:
    """The requested agency names who handles the request: a staff member takes it (由我承办),
    or its agency admin assigns it to a colleague who may answer. The handler alone answers it
    and may see the committer's full identifier to find the record (R-4.7, R-5.6)."""
    handler = handler or actor
    agency_id = request.requested_agency_id
    if handler == actor:
        if agency_id not in policies.answers_for(actor):
            _assert_answers(actor, request)  # 403 for those who may read it, else 404
        if actor.pk == request.requested_by_id:
            raise PermissionDenied("请求协助核查的人员不能承办自己发出的请求")
    else:
        if not Membership.objects.filter(
            user=person_of(actor), agency_id=agency_id, role=Role.AGENCY_ADMIN
        ).exists():
            if agency_id in policies.answers_for(actor):
                raise PermissionDenied("只有本机关的部门管理员可以指派承办人")
            raise NotFound()
        if agency_id not in policies.answers_for(handler) or handler.pk == request.requested_by_id:
            raise DomainError(
                "invalid_handler", "承办人须是被请求机关可以答复协助核查的人员", field="handler"
            )
    with transaction.atomic():
        locked = _lock_open(request)
        if locked.handler_id == handler.pk:
            return locked
        if locked.handler_id is not None and handler == actor:
            raise Conflict(
                "already_taken", f"该请求已由{locked.handler}承办；如需调整，请联系本机关管理员"
            )
        before = {"handler": locked.handler_id}
        locked.handler = handler
        locked.save(update_fields=["handler"])
        c = locked.task.commitment
        spine.record(
            actor,
            Event.ASSISTANCE_TAKEN,
            locked,
            before,
            {"handler": handler.pk},
            message=f"{c.item.name}：{locked.requested_agency.name}确定协助核查承办人{handler}",
            item_code=c.item.code,
        )
    return locked


# --- reminders -----------------------------------------------------------------------------


def due_soon_limit(on: date | None = None) -> date:
    """Open requests with a deadline on or before this date are reminded (and flagged)."""
    return add_working_days(on or timezone.localdate(), ASSISTANCE_REMINDER_DAYS)


def assistance_remind_due(*, on: date | None = None) -> int:
    """Mark the open requests whose deadline is within ASSISTANCE_REMINDER_DAYS working days
    (or already past) and not yet reminded; the inbox shows them as 即将到期/已超期. Returns how
    many were reminded now (each once, even when run concurrently)."""
    limit = due_soon_limit(on)
    count = 0
    ids = list(
        AssistanceRequest.objects.filter(
            status=AssistanceStatus.OPEN, reminded_at__isnull=True, deadline__lte=limit
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            now = timezone.now()
            won = AssistanceRequest.objects.filter(
                pk=pk, status=AssistanceStatus.OPEN, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not won:
                continue
            request = AssistanceRequest.objects.select_related("requested_agency").get(pk=pk)
            spine.record(
                None,
                Event.ASSISTANCE_REMINDED,
                request,
                None,
                {"deadline": request.deadline, "to": request.requested_agency_id},
                agency=request.requested_agency,
            )
            count += 1
    return count


# --- switching to on-site (R-4.6) ----------------------------------------------------------


def inspection_request(*, actor: Actor, task: VerificationTask) -> VerificationTask:
    """The officer switches an open task to an on-site inspection (e.g. after the requested
    agency replied it cannot assist): a new on-site task replaces it, assigned to two
    inspectors of the agency; open assistance requests of the old task are withdrawn."""
    services.assert_handles(actor, task)
    if not Membership.objects.filter(agency_id=task.agency_id, role=Role.INSPECTOR).exists():
        raise DomainError(
            "no_inspectors", "本机关尚未设置核查人员，请部门管理员先添加核查人员后再派发现场核查"
        )
    with transaction.atomic():
        old = _open_task(task)
        if old.method == VerificationMethod.ON_SITE:
            raise Conflict("already_on_site", "该任务已是现场核查")
        withdrawn = list(
            old.assistance_requests.filter(status=AssistanceStatus.OPEN).values_list(
                "pk", flat=True
            )
        )
        old.assistance_requests.filter(pk__in=withdrawn).update(status=AssistanceStatus.CANCELLED)
        old.status = TaskStatus.CANCELLED
        old.outcome_note = "改为现场核查"
        old.save(update_fields=["status", "outcome_note"])
        today = timezone.localdate()
        plan = services.plan_for(old.commitment.item)
        due = old.due_date if old.due_date >= today else add_working_days(today, plan.days)
        new = VerificationTask.objects.create(
            commitment=old.commitment,
            agency_id=old.agency_id,
            draw=old.draw,
            method=VerificationMethod.ON_SITE,
            timing=old.timing,
            risk_level=old.risk_level,
            due_date=due,
            standard=old.standard,
            replaces=old,
        )
        c = old.commitment
        spine.record(
            actor,
            Event.TASK_CREATED,
            new,
            {"task": old.pk, "method": old.method},
            {"task": new.pk, "method": new.method, "withdrawn": withdrawn},
            message=f"{c.item.name}：{old.get_method_display()}改为现场核查",
            item_code=c.item.code,
        )
        internal.inspection_create(new, actor)
    return new

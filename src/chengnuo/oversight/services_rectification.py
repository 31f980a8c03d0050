"""Writes of rectification notices (整改通知, R-8.1), each in one transaction with its event.

A part of oversight (portal checks, case-file review, joint inspections, fault-tolerance
reviews, the catalog's learning) finds something an agency must put right; the reviewer issues
one notice per finding with a deadline; the agency's admin reports what was done (with its
evidence); the reviewer closes the notice (销号) or returns it as not done, and the agency
answers again. Every step is on record; nothing is edited in place."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.agencies.models import Agency
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.errors import Conflict, NotFound, PermissionDenied
from chengnuo.core.rules import FieldError, raise_field_errors

from . import policies_rectification as policies
from .constants_rectification import Event, Source, Status
from .models import Rectification
from .services_keytasks import clean_text

DEADLINE_MAX_DAYS = 365


def _check_deadline(deadline: Any) -> FieldError | None:
    today = timezone.localdate()
    if not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime):
        return FieldError("deadline", "required", "请填写整改期限")
    if deadline <= today:
        return FieldError("deadline", "invalid_period", "整改期限须晚于今天")
    if deadline > today + dt.timedelta(days=DEADLINE_MAX_DAYS):
        return FieldError("deadline", "invalid_period", "整改期限不得超过一年")
    return None


def rectification_issue(
    *,
    actor: Actor,
    agency: Agency,
    source: str,
    target: models.Model,
    title: Any,
    text: Any,
    deadline: Any,
) -> Rectification:
    """A notice to `agency` to put right what `target` (a finding of `source`) records, by
    `deadline`. One notice per finding: a second raises Conflict("already_done")."""
    if not policies.may_issue(actor, agency.pk):
        raise NotFound()
    if source not in Source.values:
        raise ValueError(f"unknown rectification source {source!r}")
    if target.pk is None:
        raise ValueError("the finding must be saved before a notice is issued for it")
    errors = []
    heading, error = clean_text(title, "title", "问题", minimum=4, limit=100)
    if error:
        errors.append(error)
    body, error = clean_text(text, "text", "问题和整改要求")
    if error:
        errors.append(error)
    error = _check_deadline(deadline)
    if error:
        errors.append(error)
    raise_field_errors(errors)
    target_type = spine.target_type_of(target)
    with transaction.atomic():
        Agency.objects.select_for_update().filter(pk=agency.pk).first()  # one number at a time
        if Rectification.objects.filter(target_type=target_type, target_id=target.pk).exists():
            raise Conflict("already_done", "该问题已下发整改通知")
        now = timezone.now()
        try:
            with transaction.atomic():  # the constraint decides between two issuers at once
                row = Rectification.objects.create(
                    number=f"tmp-{uuid.uuid4().hex[:14]}",
                    agency=agency,
                    source=source,
                    target_type=target_type,
                    target_id=target.pk,
                    title=heading,
                    text=body,
                    deadline=deadline,
                    issued_by=person_of(actor),
                    issued_at=now,
                )
        except IntegrityError:
            raise Conflict("already_done", "该问题已下发整改通知") from None
        row.number = f"ZG{now:%Y}{row.pk:05d}"
        row.save(update_fields=["number"])
        spine.record(
            actor,
            Event.ISSUED,
            row,
            None,
            {"source": source, "target": [target_type, target.pk], "title": heading,
             "text": body, "deadline": deadline},
            agency=agency,
            message=f"向{agency.name}下发整改通知{row.number}：{heading}"
            f"（{Source(source).label}，{deadline:%Y-%m-%d}前整改）",
        )  # fmt: skip
    return row


def _locked(rectification: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update().select_related("agency").get(pk=rectification.pk)
    )


def rectification_answer(
    *, actor: Actor, rectification: Rectification, answer: Any, evidence: Any = ""
) -> Rectification:
    """The agency reports what it did (and its evidence: file names, addresses, numbers)."""
    if rectification.agency_id not in policies.answering_ids(actor):
        if policies.reading_ids(actor) is None or rectification.agency_id in (
            policies.reading_ids(actor) or set()
        ):
            raise PermissionDenied("整改情况由被督查单位的部门管理员报送")
        raise NotFound()
    errors = []
    body, error = clean_text(answer, "answer", "整改情况")
    if error:
        errors.append(error)
    proof = ""
    if isinstance(evidence, str) and evidence.strip():
        proof, error = clean_text(evidence, "evidence", "佐证材料", minimum=4, limit=2000)
        if error:
            errors.append(error)
    raise_field_errors(errors)
    with transaction.atomic():
        row = _locked(rectification)
        if row.status != Status.OPEN:
            raise Conflict(
                "already_done",
                "整改情况已报送，等待司法局审核"
                if row.status == Status.ANSWERED
                else "该整改通知已销号",
            )
        before = {"status": row.status, "answer": row.answer, "evidence": row.evidence}
        row.status = Status.ANSWERED
        row.answer = body
        row.evidence = proof
        row.answered_by = person_of(actor)
        row.answered_at = timezone.now()
        row.save(update_fields=["status", "answer", "evidence", "answered_by", "answered_at"])
        spine.record(
            actor,
            Event.ANSWERED,
            row,
            before,
            {"status": row.status, "answer": body, "evidence": proof},
            agency=row.agency,
            message=f"{row.agency.name}报送整改通知{row.number}的整改情况",
        )
    return row


def _review(*, actor: Actor, rectification: Rectification, close: bool, note: Any) -> Rectification:
    if not policies.may_issue(actor, rectification.agency_id):
        if rectification.agency_id in policies.answering_ids(actor):
            raise PermissionDenied("整改销号由司法局审核")
        raise NotFound()
    text = ""
    if close:
        if isinstance(note, str) and note.strip():
            text, error = clean_text(note, "note", "审核意见", minimum=4, limit=2000)
            if error:
                raise_field_errors([error])
    else:
        text, error = clean_text(note, "note", "退回理由")
        if error:
            raise_field_errors([error])
    with transaction.atomic():
        row = _locked(rectification)
        if row.status != Status.ANSWERED:
            raise Conflict(
                "already_done",
                "该整改通知已销号" if row.status == Status.CLOSED else "被督查单位尚未报送整改情况",
            )
        before = {"status": row.status, "review_note": row.review_note}
        row.review_note = text
        if close:
            row.status = Status.CLOSED
            row.closed_by = person_of(actor)
            row.closed_at = timezone.now()
        else:
            row.status = Status.OPEN
        row.save(update_fields=["status", "review_note", "closed_by", "closed_at"])
        spine.record(
            actor,
            Event.CLOSED if close else Event.RETURNED,
            row,
            before,
            {"status": row.status, "review_note": text},
            agency=row.agency,
            message=(
                f"整改通知{row.number}销号"
                if close
                else f"整改通知{row.number}的整改情况被退回：{text[:60]}"
            ),
        )
    return row


def rectification_close(
    *, actor: Actor, rectification: Rectification, note: Any = ""
) -> Rectification:
    """The bureau accepts the agency's answer: the notice is closed (销号)."""
    return _review(actor=actor, rectification=rectification, close=True, note=note)


def rectification_return(
    *, actor: Actor, rectification: Rectification, reason: Any
) -> Rectification:
    """The bureau finds the answer wanting: back to the agency, with the reason."""
    return _review(actor=actor, rectification=rectification, close=False, note=reason)

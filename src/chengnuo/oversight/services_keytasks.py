"""Writes of the key-task table (R-8.3), each in one transaction with its event.

- A Justice Bureau reviewer adds custom tasks for agencies it oversees (the annex's rows are
  loaded as data: `load_annex`), and plans joint inspections (联合督查) led by the Justice
  Bureau, the data bureau and the development and reform commission, with members from each.
- An agency admin reports its progress on a task it is a unit of, once per month (a second
  report in the same month corrects the first; both are on record)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.agencies.models import Agency, Membership
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.errors import Conflict, NotFound, PermissionDenied
from chengnuo.core.rules import FieldError, raise_field_errors

from . import policies_keytasks as policies
from .constants_keytasks import JOINT_KINDS, Event, JointStatus, Progress, TaskOrigin
from .models import JointInspection, JointInspectionMember, KeyTask, KeyTaskReport

TEXT_MIN = 10
TEXT_MAX = 4000


def clean_text(
    value: Any, field: str, label: str, *, minimum: int = TEXT_MIN, limit: int = TEXT_MAX
) -> tuple[str, FieldError | None]:
    """A text that says something: at least `minimum` characters, at most `limit`, not a
    placeholder (无, 略, 详见附件 …)."""
    from chengnuo.documents.element_rules import placeholder_problem

    if not isinstance(value, str) or "\x00" in value or not value.strip():
        return "", FieldError(field, "required", f"请填写{label}")
    text = value.strip()
    if placeholder_problem(field, label, text) is not None:
        return "", FieldError(field, "placeholder", f"{label}不能只是占位文字，请写明实际内容")
    if len(text) < minimum:
        return "", FieldError(field, "too_short", f"{label}至少{minimum}个字")
    if len(text) > limit:
        return "", FieldError(field, "too_long", f"{label}不得超过{limit}字")
    return text, None


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _agencies(ids: Any, field: str, label: str, allowed: set[int] | None) -> list[Agency]:
    wanted = sorted({int(i) for i in (ids or []) if str(i).isdigit()})
    rows = list(Agency.objects.filter(pk__in=wanted).order_by("pk"))
    if len(rows) != len(wanted) or (allowed is not None and not {a.pk for a in rows} <= allowed):
        raise_field_errors(
            [FieldError(field, "invalid_agency", f"{label}只能选择本局督查范围内的机关")]
        )
    return rows


def key_task_save(
    *,
    actor: Actor,
    heading: Any,
    requirement: Any,
    lead_ids: Any = (),
    responsible_ids: Any = (),
    all_agencies: bool = False,
    due_date: dt.date | None = None,
    task: KeyTask | None = None,
) -> KeyTask:
    """A custom task (or a correction of one): what is required, who leads, who carries it
    out, by when (none: long-term)."""
    overseen = policies.overseen_ids(actor)
    if not overseen and not policies.is_system_admin(actor):
        raise PermissionDenied("只有司法局审核人员可以编制重点任务")
    allowed = None if policies.is_system_admin(actor) else overseen
    errors = []
    title, error = clean_text(heading, "heading", "重点任务", minimum=4, limit=60)
    if error:
        errors.append(error)
    body, error = clean_text(requirement, "requirement", "具体要求")
    if error:
        errors.append(error)
    raise_field_errors(errors)
    leads = _agencies(lead_ids, "lead_ids", "牵头单位", allowed)
    responsible = _agencies(responsible_ids, "responsible_ids", "责任单位", allowed)
    if all_agencies and allowed is not None and not policies.is_city_bureau(actor):
        raise_field_errors(
            [FieldError("all_agencies", "invalid_agency", "“各有关部门落实”只能由市司法局设定")]
        )
    if not leads and not responsible and not all_agencies:
        raise_field_errors([FieldError("lead_ids", "required", "请至少选择一个牵头单位或责任单位")])
    with transaction.atomic():
        creating = task is None
        if task is None:
            task = KeyTask(origin=TaskOrigin.CUSTOM, created_by=person_of(actor))
            task.number = f"tmp-{uuid.uuid4().hex[:14]}"
            task.position = (
                KeyTask.objects.order_by("-position").values_list("position", flat=True).first()
                or 0
            ) + 1
        else:
            task = KeyTask.objects.select_for_update().get(pk=task.pk)
            if allowed is not None and not set(policies.unit_ids(task)) <= allowed:
                raise NotFound()
        task.heading = title
        task.requirement = body
        task.all_agencies = bool(all_agencies)
        task.due_date = due_date
        task.units_text = ""
        task.save()
        if creating:
            task.number = f"ZD{task.pk:04d}"
            task.save(update_fields=["number"])
        task.lead_agencies.set(leads)
        task.responsible_agencies.set(responsible)
        spine.record(
            actor,
            Event.TASK_SAVED,
            task,
            None,
            {
                "heading": title,
                "lead": [a.pk for a in leads],
                "responsible": [a.pk for a in responsible],
                "all_agencies": bool(all_agencies),
                "due_date": due_date,
            },
            message=f"{'新增' if creating else '修改'}重点任务{task.number}：{title}",
        )
    return task


def progress_report(
    *, actor: Actor, task: KeyTask, agency: Agency, progress: Any, text: Any, evidence: Any = ""
) -> KeyTaskReport:
    """An agency's progress on a task for this month (R-8.3: units report monthly)."""
    if agency.pk not in policies.reporting_ids(actor):
        raise NotFound()
    if agency.pk not in policies.unit_ids(task):
        raise PermissionDenied(f"{agency.name}不是该重点任务的牵头或责任单位")
    errors = []
    if progress not in Progress.values:
        errors.append(FieldError("progress", "required", "请选择进展（推进中或已完成）"))
    body, error = clean_text(text, "text", "进展情况")
    if error:
        errors.append(error)
    proof = ""
    if isinstance(evidence, str) and evidence.strip():
        proof, error = clean_text(evidence, "evidence", "佐证材料", minimum=4, limit=2000)
        if error:
            errors.append(error)
    if progress == Progress.DONE and not proof:
        errors.append(
            FieldError("evidence", "required", "报告已完成时请列明佐证材料（文件名称、网址或文号）")
        )
    raise_field_errors(errors)
    month = month_of(timezone.localdate())
    with transaction.atomic():
        KeyTask.objects.select_for_update().filter(pk=task.pk).first()  # one report at a time
        before = KeyTaskReport.objects.filter(task=task, agency=agency, month=month).first()
        report, _ = KeyTaskReport.objects.update_or_create(
            task=task,
            agency=agency,
            month=month,
            defaults={
                "progress": progress,
                "text": body,
                "evidence": proof,
                "submitted_by": person_of(actor),
                "submitted_at": timezone.now(),
            },
        )
        spine.record(
            actor,
            Event.PROGRESS_REPORTED,
            report,
            {"progress": before.progress, "text": before.text} if before else None,
            {"task": task.number, "month": month, "progress": progress, "text": body,
             "evidence": proof},
            agency=agency,
            message=f"{agency.name}报送重点任务{task.number}{month:%Y年%m月}进展："
            f"{Progress(progress).label}" + ("（更正本月报告）" if before else ""),
        )  # fmt: skip
    return report


def joint_plan(
    *, actor: Actor, title: Any, scope: Any, start: dt.date, end: dt.date, member_ids: Any
) -> JointInspection:
    """A joint inspection (联合督查) with members from the Justice Bureau, the data bureau and
    the development and reform commission: at least one from each."""
    if not policies.overseen_ids(actor) and not policies.is_system_admin(actor):
        raise PermissionDenied("只有司法局审核人员可以部署联合督查")
    errors = []
    name, error = clean_text(title, "title", "督查名称", minimum=4, limit=100)
    if error:
        errors.append(error)
    body, error = clean_text(scope, "scope", "督查内容")
    if error:
        errors.append(error)
    if not isinstance(start, dt.date) or not isinstance(end, dt.date) or end < start:
        errors.append(
            FieldError("end", "invalid_period", "请填写督查的开始和结束日期，结束不早于开始")
        )
    raise_field_errors(errors)
    ids = sorted({int(i) for i in (member_ids or []) if str(i).isdigit()})
    memberships = list(
        Membership.objects.filter(user_id__in=ids, agency__kind__in=JOINT_KINDS)
        .select_related("agency", "user")
        .order_by("user_id", "agency_id")
    )
    by_user: dict[int, Membership] = {}
    for m in memberships:
        by_user.setdefault(m.user_id, m)
    if len(by_user) != len(ids) or not ids:
        raise_field_errors(
            [
                FieldError(
                    "member_ids",
                    "invalid_member",
                    "督查组成员只能是司法局、数据资源局或发展改革委的工作人员",
                )
            ]
        )
    kinds = {m.agency.kind for m in by_user.values() if m.agency is not None}
    missing = [k for k in JOINT_KINDS if k not in kinds]
    if missing:
        labels = {
            "justice_bureau": "司法局",
            "data_bureau": "数据资源局",
            "credit_authority": "发展改革委",
        }
        raise_field_errors(
            [FieldError("member_ids", "invalid_member",
                        "联合督查须有" + "、".join(labels[k] for k in missing) + "的成员")]
        )  # fmt: skip
    with transaction.atomic():
        inspection = JointInspection.objects.create(
            number=f"tmp-{uuid.uuid4().hex[:14]}",
            title=name,
            scope=body,
            start=start,
            end=end,
            created_by=person_of(actor),
        )
        inspection.number = f"LH{start:%Y}{inspection.pk:04d}"
        inspection.save(update_fields=["number"])
        JointInspectionMember.objects.bulk_create(
            [
                JointInspectionMember(inspection=inspection, agency=m.agency, user=m.user)
                for m in by_user.values()
            ]
        )
        spine.record(
            actor,
            Event.JOINT_PLANNED,
            inspection,
            None,
            {"title": name, "start": start, "end": end,
             "members": [[m.agency_id, m.user_id] for m in by_user.values()]},
            message=f"部署联合督查{inspection.number}：{name}（{start:%Y-%m-%d}至{end:%Y-%m-%d}）",
        )  # fmt: skip
    return inspection


def joint_conclude(*, actor: Actor, inspection: JointInspection, findings: Any) -> JointInspection:
    """The inspection's findings, by one of its members or the bureau's reviewer."""
    if not policies.may_conclude(actor, inspection):
        raise NotFound()
    text, error = clean_text(findings, "findings", "督查情况", minimum=20)
    if error:
        raise_field_errors([error])
    with transaction.atomic():
        row = JointInspection.objects.select_for_update().get(pk=inspection.pk)
        if row.status == JointStatus.DONE:
            raise Conflict("already_done", f"联合督查{row.number}已完成")
        row.status = JointStatus.DONE
        row.findings = text
        row.concluded_at = timezone.now()
        row.save(update_fields=["status", "findings", "concluded_at"])
        spine.record(
            actor,
            Event.JOINT_CONCLUDED,
            row,
            {"status": JointStatus.PLANNED},
            {"status": JointStatus.DONE, "findings": text},
            message=f"联合督查{row.number}完成：{text[:80]}",
        )
    return row

"""On-site inspection (R-4.6): one of the two assigned inspectors records the findings, the
photos (JPEG or PNG by content, ≤ 10 MB each, at most nine, stored with their SM3 digest under
server-chosen names) and the result; the task is concluded with it. One transaction, one
audit event (and the task's outcome, recorded by `internal.task_conclude`)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.digest import sm3_hex
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.core.timefmt import local
from chengnuo.core.uploads import IMAGE_TYPE_MESSAGE, IMAGE_TYPES, check_upload

from . import internal, policies
from .constants import Event, InspectionStatus, Outcome
from .models import Inspection, InspectionPhoto

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_FILES = 9
FINDINGS_MAX_CHARS = 4000
RESULTS = (Outcome.CONSISTENT, Outcome.INCONSISTENT, Outcome.UNABLE)


def _check_photo(upload: Any) -> tuple[str, int, str, str, bytes]:
    c = check_upload(
        upload,
        field="photos",
        limit=PHOTO_MAX_BYTES,
        each="每张照片",
        default_name="照片",
        noun="照片",
        types=IMAGE_TYPES,
        type_message=IMAGE_TYPE_MESSAGE,
    )
    return c.name, c.size, c.content_type, c.extension, c.data


def assert_inspector(actor: Actor, inspection: Inspection) -> None:
    """Only an assigned inspector completes it; others of the agency get 403, the rest 404."""
    if inspection.inspectors.filter(pk=getattr(actor, "pk", 0) or 0).exists():
        return
    if policies.reads_task(actor, inspection.task):
        raise PermissionDenied("只有派发的核查人员可以填报现场核查结果")
    raise NotFound()


def inspection_complete(
    *,
    actor: Actor,
    inspection: Inspection,
    result: str,
    findings: str,
    photos: list[Any] | None = None,
) -> Inspection:
    """Record the on-site findings, photos and result; conclude the task with the result."""
    assert_inspector(actor, inspection)
    errors: list[dict[str, str]] = []
    if result not in RESULTS:
        errors.append({"field": "result", "message": "请选择核查结果：属实、不实或无法核查"})
    text = findings.strip() if isinstance(findings, str) else ""
    if not text:
        errors.append({"field": "findings", "message": "请填写现场核查情况"})
    elif len(text) > FINDINGS_MAX_CHARS:
        errors.append(
            {"field": "findings", "message": f"现场核查情况不得超过{FINDINGS_MAX_CHARS}字"}
        )
    uploads = [p for p in (photos or []) if p]
    if len(uploads) > PHOTO_MAX_FILES:
        errors.append({"field": "photos", "message": f"最多上传{PHOTO_MAX_FILES}张照片"})
    if errors:
        raise DomainError(
            "invalid_inspection",
            "；".join(e["message"] for e in errors),
            field=errors[0]["field"],
            details=errors,
        )
    checked = [_check_photo(p) for p in uploads]
    saved: list[str] = []
    try:
        with transaction.atomic():
            locked = Inspection.objects.select_for_update(of=("self",)).get(pk=inspection.pk)
            if locked.status != InspectionStatus.ASSIGNED:
                raise Conflict(
                    "inspection_done",
                    f"该现场核查已由{locked.completed_by}于{local(locked.completed_at)}填报完成",
                )
            digests = []
            for name, size, content_type, extension, data in checked:
                photo = InspectionPhoto(
                    inspection=locked,
                    original_name=name,
                    size=size,
                    content_type=content_type,
                    digest=sm3_hex(data),
                    uploaded_by=person_of(actor),
                )
                photo.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
                saved.append(photo.file.name)
                photo.save()
                digests.append(photo.digest)
            locked.status = InspectionStatus.DONE
            locked.findings = text
            locked.result = result
            locked.completed_at = timezone.now()
            locked.completed_by = person_of(actor)
            locked.save(
                update_fields=["status", "findings", "result", "completed_at", "completed_by"]
            )
            spine.record(
                actor,
                Event.INSPECTION_DONE,
                locked,
                {"status": InspectionStatus.ASSIGNED},
                {"status": locked.status, "result": result, "findings": text, "photos": digests},
                message=f"{locked.task.commitment.item.name}：现场核查已完成"
                + (f"，上传照片{len(digests)}张" if digests else ""),
                item_code=locked.task.commitment.item.code,
            )
            internal.task_conclude(
                task=locked.task,
                outcome=result,
                note=f"现场核查：{text}" + (f"（照片{len(digests)}张）" if digests else ""),
                actor=actor,
            )
    except Exception:
        for name in saved:
            default_storage.delete(name)
        raise
    return locked

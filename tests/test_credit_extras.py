"""Credit extras: pulling external records on demand (R-5.2, R-9.2), repair materials
(R-5.4) and the masked export of credit records (R-5.6)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chengnuo.audit.models import AuditEvent
from chengnuo.credit import services
from chengnuo.credit.constants import IdType, RecordKind, RepairStatus, SubjectKind
from chengnuo.credit.models import CreditPlatform, CreditRecord, RepairApplication, RepairMaterial
from chengnuo.sandbox import data, start

from . import test_credit_views as views_tests
from .cases_helpers import JPEG, PDF, PNG
from .test_credit_api import auth
from .test_credit_views import PERSON_ID, REPAIR_TEXT, false_commitment, logged_in

applicant = views_tests.applicant
other_applicant = views_tests.other_applicant
case_officer = views_tests.case_officer
clerk = views_tests.clerk
credit_officer = views_tests.credit_officer
person = views_tests.person
other_person = views_tests.other_person

pytestmark = pytest.mark.django_db

APP_KEY = "chengnuo-test"
SECRET = "pull-secret"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def sandbox():
    server = start(0, app_key=APP_KEY, secret=SECRET)
    yield server
    server.stop()


@pytest.fixture
def platform(sandbox):
    return CreditPlatform.objects.create(
        name="信用阜阳",
        base_url=sandbox.base_url + "/",
        app_key=APP_KEY,
        secret=SECRET,
        timeout_seconds=5,
    )


@pytest.fixture
def known(credit_officer):
    """A subject the sandbox platform holds one general dishonesty record of."""
    return services.subject_register(
        actor=credit_officer,
        kind=SubjectKind.PERSON,
        name="钱某某",
        id_type=IdType.RESIDENT_ID,
        id_value=data.PERSON_GENERAL,
    )


def _pull(client, subject):
    return client.post(reverse("credit:subject_pull", args=[subject.pk]))


# --- pull on demand -------------------------------------------------------------------------


def test_subject_page_offers_the_pull_button_and_pull_adds_the_records_once(
    credit_officer, known, platform
):
    client = logged_in(credit_officer)
    page = client.get(reverse("credit:subject_detail", args=[known.pk])).content.decode()
    assert "从信用平台获取外部失信记录" in page
    response = _pull(client, known)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "新增1条外部失信记录" in page
    record = CreditRecord.objects.get(subject=known)
    assert (record.kind, record.external_ref) == (
        RecordKind.EXTERNAL_DISHONESTY,
        "XYFY-2025-000342",
    )
    page = client.get(_pull(client, known)["Location"]).content.decode()
    assert "没有新的外部失信记录" in page
    assert CreditRecord.objects.filter(subject=known).count() == 1


def test_lookup_result_offers_the_pull_and_a_clerk_sees_the_count(clerk, known, platform):
    client = logged_in(clerk)
    html = client.post(
        reverse("credit:lookup"),
        {"id_type": IdType.RESIDENT_ID, "id_number": data.PERSON_GENERAL},
    ).content.decode()
    assert reverse("credit:subject_pull", args=[known.pk]) in html
    response = _pull(client, known)
    html = response.content.decode()
    assert response.status_code == 200
    assert "新增1条外部失信记录" in html
    assert data.PERSON_GENERAL not in html


def test_pull_with_the_platform_down_shows_the_message(credit_officer, known, platform, sandbox):
    sandbox.stop()
    response = _pull(logged_in(credit_officer), known)
    assert response.status_code == 503
    assert "信用平台暂时无法访问" in response.content.decode()
    assert not CreditRecord.objects.filter(subject=known).exists()


def test_pull_without_an_active_platform_says_so(credit_officer, known):
    CreditPlatform.objects.update(active=False)
    response = _pull(logged_in(credit_officer), known)
    assert response.status_code == 503
    assert "未配置启用的信用共享平台" in response.content.decode()


def test_pull_is_refused_to_applicants(applicant, person, platform):
    response = _pull(logged_in(applicant), person)
    assert response.status_code == 403
    assert not CreditRecord.objects.filter(subject=person).exists()


def found_by(user, number: str) -> None:
    """The lawful context for reaching a subject by id: an exact lookup by its identifier."""
    response = Client().get(
        f"/api/v1/credit/subjects/lookup?id_type=resident_id&id_number={number}",
        headers=auth(user),
    )
    assert response.json()["found"] is True


def test_api_pull_adds_and_reports(case_officer, known, platform):
    found_by(case_officer, data.PERSON_GENERAL)
    url = f"/api/v1/credit/subjects/{known.pk}/pull"
    response = Client().post(url, headers=auth(case_officer))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["added"] == 1
    assert body["records"][0]["grade"] == "general"
    assert data.PERSON_GENERAL not in response.content.decode()
    again = Client().post(url, headers=auth(case_officer)).json()
    assert again["added"] == 0


def test_api_pull_reports_503_when_down_or_missing(case_officer, known, platform, sandbox):
    found_by(case_officer, data.PERSON_GENERAL)
    url = f"/api/v1/credit/subjects/{known.pk}/pull"
    sandbox.stop()
    response = Client().post(url, headers=auth(case_officer))
    assert response.status_code == 503
    assert response.json()["code"] == "platform_unavailable"
    CreditPlatform.objects.update(active=False)
    response = Client().post(url, headers=auth(case_officer))
    assert (response.status_code, response.json()["code"]) == (503, "no_platform")


def test_api_pull_is_refused_to_applicants(applicant, person, platform):
    response = Client().post(f"/api/v1/credit/subjects/{person.pk}/pull", headers=auth(applicant))
    assert response.status_code == 403


# --- repair materials -----------------------------------------------------------------------


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _apply(client, record, files):
    return client.post(
        reverse("credit:my_record_repair", args=[record.pk]),
        {**REPAIR_TEXT, "materials": files},
    )


@pytest.fixture
def old_record(credit_officer, person):
    return false_commitment(credit_officer, person, days_ago=400)


def test_repair_with_materials_stores_them_and_audits(applicant, old_record):
    response = _apply(
        logged_in(applicant),
        old_record,
        [_upload("退款凭证.pdf", PDF), _upload("登记证明.png", PNG), _upload("照片.jpg", JPEG)],
    )
    assert response.status_code == 302
    repair = RepairApplication.objects.get(record=old_record)
    materials = list(repair.materials.all())
    assert [m.original_name for m in materials] == ["退款凭证.pdf", "登记证明.png", "照片.jpg"]
    assert [m.content_type for m in materials] == ["application/pdf", "image/png", "image/jpeg"]
    assert materials[0].size == len(PDF)
    assert (
        AuditEvent.objects.filter(
            event="credit.repair_material_added", target_id=str(repair.pk)
        ).count()
        == 3
    )


@pytest.mark.parametrize(
    ("files", "rule"),
    [
        ([("病毒.exe", b"MZ\x90\x00" + b"\x00" * 10)], "不是PDF、JPEG或PNG格式"),
        ([("假装.pdf", b"<html>not a pdf</html>")], "不是PDF、JPEG或PNG格式"),
        ([("大文件.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024))], "超过5 MB"),
        ([(f"材料{n}.pdf", PDF) for n in range(6)], "最多上传5个"),
    ],
)
def test_material_limits_refuse_the_application_and_name_the_file(
    applicant, old_record, files, rule
):
    response = _apply(logged_in(applicant), old_record, [_upload(n, c) for n, c in files])
    html = response.content.decode()
    assert response.status_code == 400
    assert rule in html
    if len(files) == 1:
        assert files[0][0] in html
    assert not RepairApplication.objects.filter(record=old_record).exists()
    assert not RepairMaterial.objects.exists()


def test_service_refuses_a_sixth_material_and_after_the_decision(
    applicant, old_record, credit_officer
):
    repair = services.repair_submit(actor=applicant, record=old_record, **REPAIR_TEXT)
    for n in range(5):
        services.repair_material_add(
            actor=applicant, repair=repair, upload=_upload(f"{n}.pdf", PDF)
        )
    with pytest.raises(services.DomainError) as exc:
        services.repair_material_add(actor=applicant, repair=repair, upload=_upload("6.pdf", PDF))
    assert exc.value.code == "too_many_files"
    assert "6.pdf" in exc.value.message
    services.repair_decide(actor=credit_officer, repair=repair, approve=True)
    repair.refresh_from_db()
    assert repair.status == RepairStatus.APPROVED
    RepairMaterial.objects.filter(repair=repair).last().delete()
    with pytest.raises(services.DomainError) as exc:
        services.repair_material_add(actor=applicant, repair=repair, upload=_upload("7.pdf", PDF))
    assert exc.value.code == "invalid_state"


def test_only_the_submitter_may_add_materials(applicant, other_applicant, old_record):
    repair = services.repair_submit(actor=applicant, record=old_record, **REPAIR_TEXT)
    with pytest.raises(services.NotFound):
        services.repair_material_add(
            actor=other_applicant, repair=repair, upload=_upload("x.pdf", PDF)
        )


def test_materials_download_for_officer_and_submitter_only(
    applicant, other_applicant, clerk, case_officer, credit_officer, old_record
):
    _apply(logged_in(applicant), old_record, [_upload("退款凭证.pdf", PDF)])
    repair = RepairApplication.objects.get(record=old_record)
    material = repair.materials.get()
    url = reverse("credit:material_download", args=[repair.pk, material.pk])

    page = logged_in(credit_officer).get(reverse("credit:repair_decide", args=[repair.pk]))
    assert url in page.content.decode()
    assert "退款凭证.pdf" in page.content.decode()

    for user in (credit_officer, applicant):
        response = logged_in(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
    for user in (other_applicant, clerk, case_officer):
        assert logged_in(user).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # anonymous → login
    wrong = reverse("credit:material_download", args=[repair.pk + 1, material.pk])
    assert logged_in(credit_officer).get(wrong).status_code == 404


# --- masked export --------------------------------------------------------------------------


def _export(client, fmt, **params):
    return client.get(reverse("credit:records_export", args=[fmt]), params)


def test_export_masks_identifiers_and_person_names(credit_officer, person, old_record):
    client = logged_in(credit_officer)
    csv_response = _export(client, "csv")
    assert csv_response.status_code == 200
    raw = csv_response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][2] == "证件号码（脱敏）"
    assert rows[1][2] == person.id_masked
    assert rows[1][1] == person.display_name != "张三"
    assert PERSON_ID not in text
    assert "张三" not in text

    xlsx = _export(client, "xlsx")
    assert xlsx.status_code == 200
    assert PERSON_ID.encode() not in xlsx.content
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert person.id_masked in cells
    assert not any(PERSON_ID in c or "张三" in c for c in cells)
    # the compressed XLSX could hide the number from a bytes search: check every part
    import zipfile

    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as archive:
        for name in archive.namelist():
            assert PERSON_ID.encode() not in archive.read(name)


def test_export_filters_by_status_and_grade(credit_officer, person, old_record):
    services.credit_record_create(
        actor=credit_officer,
        subject=person,
        kind=RecordKind.COMMITMENT_KEPT,
        summary="核查承诺属实",
        decided_on=old_record.decided_on,
    )
    client = logged_in(credit_officer)

    def count(**params):
        text = _export(client, "csv", **params).content.decode("utf-8-sig")
        return len(list(csv.reader(io.StringIO(text)))) - 1

    assert count() == 2
    assert count(grade=old_record.grade) == 1
    assert count(status="repaired") == 0
    assert count(grade="nonsense") == 2  # an invalid filter is ignored, not an error


def test_export_is_for_credit_officers_only(clerk, applicant, credit_officer):
    assert _export(logged_in(clerk), "csv").status_code == 403
    assert _export(logged_in(applicant), "xlsx").status_code == 403
    assert _export(logged_in(credit_officer), "json").status_code == 404


def test_queue_links_the_exports(credit_officer):
    html = logged_in(credit_officer).get(reverse("credit:officer_queue")).content.decode()
    assert reverse("credit:records_export", args=["xlsx"]) in html
    assert reverse("credit:records_export", args=["csv"]) in html

"""Complaints and reports from the public, intake (R-8.1): no account needed, every field
checked with a clear message, what it concerns chosen from published data and belonging
together, attachments through the platform's upload checks, the identity sealed, a receipt
code and secret to follow it (a wrong secret answers like an unknown code), one complaint per
order number of a channel, a limit per phone number, and the CAPTCHA."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chengnuo.audit.models import AuditEvent
from chengnuo.cases import services as case_services
from chengnuo.complaints import selectors
from chengnuo.complaints.constants import Event, Status
from chengnuo.complaints.models import Attachment, Complaint
from chengnuo.core import crypto
from chengnuo.core.errors import Conflict, DomainError, RateLimited

from .cases_helpers import pdf_upload, png_upload, ready_case
from .complaints_helpers import TEXT, build, report, submit
from .factories import CertificationItemFactory, MatterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cw(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.COMPLAINTS_CAPTCHA = False
    return build()


def _field(err: pytest.ExceptionInfo) -> set[str]:
    return {d["field"] for d in err.value.details} or {err.value.field}


# --- what it concerns -----------------------------------------------------------------------------


def test_a_complaint_goes_to_the_agency_complained_about_with_an_acceptance_deadline(cw):
    from django.utils import timezone

    from chengnuo.core.calendar import add_working_days

    done = submit(cw)
    c = done.complaint
    assert done.created and c.status == Status.SUBMITTED
    assert c.agency == cw.agency and c.handling_agency == cw.agency
    assert c.accept_due == add_working_days(timezone.localdate(), 3) == c.due_date


def test_a_report_of_a_false_commitment_goes_to_the_commitments_agency(cw):
    c = report(cw).complaint
    assert c.agency == cw.agency and c.commitment == cw.commitment
    assert c.subject_id == cw.commitment.subject_id


@pytest.mark.parametrize("text", ["", "无", "测试", "xxx", "！！！", "太慢了"])
def test_empty_placeholder_or_too_short_text_is_refused_and_nothing_is_stored(cw, text):
    with pytest.raises(DomainError) as err:
        submit(cw, text=text)
    assert "text" in _field(err) and "投诉举报内容" in err.value.message
    assert not Complaint.objects.exists()


def test_an_unknown_kind_is_refused(cw):
    with pytest.raises(DomainError) as err:
        submit(cw, kind="other")
    assert "kind" in _field(err)


def test_an_item_not_under_commitment_cannot_be_named_for_a_demanded_proof(cw):
    with pytest.raises(DomainError) as err:
        submit(cw, item_id=cw.w.diploma.pk)
    assert err.value.field == "item" and "告知承诺目录清单" in err.value.message


def test_an_item_no_longer_in_force_cannot_be_named(cw):
    cw.w.social.status = "removed"
    cw.w.social.save(update_fields=["status"])
    with pytest.raises(DomainError) as err:
        submit(cw)
    assert err.value.field == "item"


def test_an_item_of_another_agency_does_not_belong_to_the_agency_named(cw):
    stranger = CertificationItemFactory(agency=cw.other)
    with pytest.raises(DomainError) as err:
        submit(cw, item_id=stranger.pk, matter_id=None)
    assert err.value.field == "item" and cw.agency.name in err.value.message


def test_a_matter_not_published_cannot_be_named(cw):
    hidden = MatterFactory(agency=cw.agency)  # no item in force names it: not on the portal
    with pytest.raises(DomainError) as err:
        submit(cw, kind="overdue", matter_id=hidden.pk, item_id=None)
    assert err.value.field == "matter"


def test_an_item_the_matter_does_not_require_is_refused(cw):
    other_matter = MatterFactory(agency=cw.agency, name="就业登记")
    item = CertificationItemFactory(agency=cw.agency)
    item.matters.add(other_matter)
    with pytest.raises(DomainError) as err:
        submit(cw, item_id=item.pk)
    assert err.value.field == "item" and cw.w.matter.name in err.value.message


def test_a_database_id_typed_for_a_missing_agency_is_refused_without_a_500(cw):
    for value in ("999999", "abc", "-1", "1e9", None):
        with pytest.raises(DomainError):
            submit(cw, agency_id=value)


def test_a_withdrawn_commitment_cannot_be_reported(cw):
    from chengnuo.cases.models import Commitment

    Commitment.objects.filter(pk=cw.commitment.pk).update(status="withdrawn")
    with pytest.raises(DomainError) as err:
        report(cw)
    assert err.value.field == "commitment" and "公开期间" in err.value.message


def test_a_commitment_not_published_cannot_be_reported(cw):
    from chengnuo.cases.models import Commitment

    unpublished = Commitment.objects.get(case=cw.case, item=cw.w.social)  # no disclosure
    with pytest.raises(DomainError) as err:
        report(cw, commitment_id=unpublished.pk)
    assert err.value.field == "commitment"


def test_a_commitment_whose_publication_period_is_over_cannot_be_reported(cw):
    import datetime as dt

    from chengnuo.cases.models import Commitment

    Commitment.objects.filter(pk=cw.commitment.pk).update(
        publish_to=cw.commitment.publish_from - dt.timedelta(days=1)
    )
    with pytest.raises(DomainError):
        report(cw)


def test_a_commitment_of_a_case_not_approved_cannot_be_reported(cw):
    from chengnuo.cases.models import Commitment

    pending = ready_case(cw.w)
    Commitment.objects.filter(case=pending, item=cw.w.marriage).update(
        disclosure_scope="website",
        publish_from=cw.commitment.publish_from,
        publish_to=cw.commitment.publish_to,
    )
    c = Commitment.objects.get(case=pending, item=cw.w.marriage)
    with pytest.raises(DomainError):
        report(cw, commitment_id=c.pk)


# --- the contact, sealed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone", ["", "12345", "1380000111", "23800001111", "电话", "138-0000-1111x"]
)
def test_a_phone_must_be_a_mainland_mobile_or_landline(cw, phone):
    with pytest.raises(DomainError) as err:
        submit(cw, phone=phone)
    assert "phone" in _field(err)


def test_a_landline_with_its_area_code_is_accepted(cw):
    c = submit(cw, phone="0558-2211234").complaint
    assert crypto.decrypt(c.phone_cipher) == "0558-2211234"


def test_a_contact_needs_a_real_name(cw):
    with pytest.raises(DomainError) as err:
        submit(cw, name="测试")
    assert "name" in _field(err)


def test_the_identity_is_stored_encrypted_and_masked_never_in_the_events(cw):
    c = submit(cw).complaint
    assert "李四" not in c.name_cipher and "13800001111" not in c.phone_cipher
    assert crypto.decrypt(c.name_cipher) == "李四" and c.phone_masked == "138****1111"
    event = AuditEvent.objects.get(event=Event.SUBMITTED)
    dump = f"{event.before}{event.after}{event.message}{event.actor_label}{event.object_label}"
    assert "李四" not in dump and "1111" not in dump


def test_a_signed_in_applicant_is_not_recorded_as_the_actor(cw):
    submit(cw, actor=cw.w.applicant)
    event = AuditEvent.objects.get(event=Event.SUBMITTED)
    assert event.actor_id is None and event.actor_label == "网上投诉"


def test_an_anonymous_report_keeps_nothing_of_the_person_even_if_typed(cw):
    c = submit(cw, anonymous=True, name="李四", phone="13800001111").complaint
    assert c.anonymous and not (c.name_cipher or c.phone_cipher or c.phone_lookup)


# --- the receipt ----------------------------------------------------------------------------------


def test_the_receipt_is_an_opaque_code_and_a_secret_stored_only_hashed(cw):
    done = submit(cw)
    c = done.complaint
    assert re.fullmatch(r"TS[2-9A-HJ-NP-Z]{10}", c.number)
    assert done.secret and done.secret not in c.secret_hash
    assert selectors.complaint_follow(c.number, done.secret) == c
    assert selectors.complaint_follow(c.number.lower(), done.secret.lower()) == c


def test_a_wrong_secret_answers_like_an_unknown_code(cw, client):
    done = submit(cw)
    url = reverse("complaints_public:receipt")
    wrong = client.post(url, {"code": done.complaint.number, "secret": "WRONG123"})
    unknown = client.post(url, {"code": "TS2222222222", "secret": "WRONG123"})
    assert wrong.status_code == unknown.status_code == 404

    def strip(response) -> str:  # the typed code is echoed into the form; tokens differ
        body = re.sub(r'value="[^"]*"', "", response.content.decode())
        return re.sub(r'"X-CSRFToken": "[^"]*"', "", body)

    assert strip(wrong) == strip(unknown)


def test_following_the_receipt_shows_the_status_and_the_public_steps(cw, client):
    done = submit(cw)
    page = client.post(
        reverse("complaints_public:receipt"),
        {"code": done.complaint.number, "secret": done.secret},
    )
    body = page.content.decode()
    assert page.status_code == 200 and "待受理" in body and "提交投诉举报" in body
    assert "回执生成中" in body  # the event is not in a checkpoint yet
    assert "李四" not in body


# --- one complaint per order number, a limit per phone -------------------------------------------


def test_the_same_order_number_twice_is_one_complaint(cw):
    first = submit(cw, channel="hotline", external_ref="GD20260301-0001")
    again = submit(cw, channel="hotline", external_ref="GD20260301-0001")
    assert Complaint.objects.count() == 1
    assert again.complaint == first.complaint and not again.created and again.secret is None
    assert AuditEvent.objects.filter(event=Event.SUBMITTED).count() == 1


def test_the_same_order_number_with_other_content_is_refused(cw):
    submit(cw, channel="hotline", external_ref="GD20260301-0002")
    with pytest.raises(Conflict) as err:
        submit(cw, channel="hotline", external_ref="GD20260301-0002", text=TEXT + "补充说明")
    assert err.value.code == "external_ref_reused"
    assert Complaint.objects.count() == 1


def test_the_same_order_number_of_another_channel_is_another_complaint(cw):
    submit(cw, channel="hotline", external_ref="GD20260301-0003")
    submit(cw, channel="web", external_ref="GD20260301-0003")
    assert Complaint.objects.count() == 2


def test_one_phone_number_sends_at_most_the_daily_limit(cw, settings):
    settings.COMPLAINTS_PER_CONTACT_PER_DAY = 2
    submit(cw)
    submit(cw, phone="138 0000 1111")  # the same number written differently
    with pytest.raises(RateLimited) as err:
        submit(cw)
    assert err.value.code == "contact_limit" and "每天最多提交2件" in err.value.message
    assert Complaint.objects.count() == 2
    submit(cw, phone="13900002222")  # another number is not limited


# --- attachments ----------------------------------------------------------------------------------


def test_attachments_are_checked_and_stored_with_their_digest(cw):
    c = submit(cw, attachments=[pdf_upload("材料.pdf"), png_upload("现场.png")]).complaint
    assert Attachment.objects.filter(complaint=c).count() == 2


def test_an_attachment_that_fails_the_upload_checks_is_refused_and_nothing_is_stored(cw):
    fake = SimpleUploadedFile("材料.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(DomainError) as err:
        submit(cw, attachments=[pdf_upload(), fake])
    assert err.value.code == "file_type" and "材料.pdf" in err.value.message
    assert not Complaint.objects.exists() and not Attachment.objects.exists()


def test_too_many_attachments_are_refused(cw):
    with pytest.raises(DomainError) as err:
        submit(cw, attachments=[pdf_upload(f"{i}.pdf") for i in range(6)])
    assert err.value.field == "attachments"


# --- the form -------------------------------------------------------------------------------------


def _post(cw, **kw):
    data = {
        "kind": "proof_demanded",
        "agency": cw.agency.pk,
        "matter": cw.w.matter.pk,
        "item": cw.w.social.pk,
        "text": TEXT,
        "name": "李四",
        "phone": "13800001111",
    }
    data.update(kw)
    return data


def test_the_form_needs_no_account_and_shows_the_secret_once(cw, client):
    page = client.get(reverse("complaints_public:new"))
    assert page.status_code == 200 and "投诉举报" in page.content.decode()
    done = client.post(reverse("complaints_public:new"), _post(cw))
    body = done.content.decode()
    c = Complaint.objects.get()
    assert done.status_code == 201 and c.number in body and "查询码" in body
    assert "no-store" in done.get("Cache-Control", "") or "no-cache" in done.get(
        "Cache-Control", ""
    )


def test_the_form_shows_each_refusal_at_its_field(cw, client):
    page = client.post(reverse("complaints_public:new"), _post(cw, text="无", phone="123"))
    body = page.content.decode()
    assert page.status_code == 400
    assert "不是实际内容" in body and "联系电话应为11位手机号码" in body
    assert not Complaint.objects.exists()


def test_a_signed_in_applicant_finds_their_contact_filled_in(cw, client):
    client.force_login(cw.w.applicant)
    body = client.get(reverse("complaints_public:new")).content.decode()
    assert 'value="王小明"' in body and 'value="13912345678"' in body


def test_the_form_lists_only_published_commitments(cw, client):
    from chengnuo.cases.models import Commitment

    unpublished = Commitment.objects.get(case=cw.case, item=cw.w.social)
    body = client.get(reverse("complaints_public:new")).content.decode()
    assert f'value="{cw.commitment.pk}"' in body
    assert (
        f'<option value="{unpublished.pk}"'
        not in body.split('id="id_commitment"')[1].split("</select>")[0]
    )


def test_the_form_page_makes_a_bounded_number_of_queries(cw, client, django_assert_max_num_queries):
    for _ in range(3):  # more published commitments, matters and items: the same queries
        case_services.case_decide(actor=cw.w.officer, case=ready_case(cw.w), decision="approve")
    with django_assert_max_num_queries(12):
        client.get(reverse("complaints_public:new"))


def test_the_captcha_is_asked_and_checked_when_on(cw, client, settings):
    from captcha.models import CaptchaStore

    settings.COMPLAINTS_CAPTCHA = True
    page = client.get(reverse("complaints_public:new")).content.decode()
    key = re.search(r'name="captcha_key" value="(\w+)"', page).group(1)
    image = re.search(r'<img src="([^"]+)"[^>]*class="captcha"', page).group(1)
    picture = client.get(image)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    wrong = client.post(reverse("complaints_public:new"), _post(cw, captcha_key=key, captcha="0"))
    assert wrong.status_code == 400 and "验证码错误" in wrong.content.decode()
    assert not Complaint.objects.exists()
    # a new challenge: the wrong answer used the first one up
    page = wrong.content.decode()
    key = re.search(r'name="captcha_key" value="(\w+)"', page).group(1)
    answer = CaptchaStore.objects.get(hashkey=key).response
    right = client.post(
        reverse("complaints_public:new"), _post(cw, captcha_key=key, captcha=answer.upper())
    )
    assert right.status_code == 201 and Complaint.objects.count() == 1
    assert not CaptchaStore.objects.filter(hashkey=key).exists()

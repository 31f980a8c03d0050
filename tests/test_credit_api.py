"""The credit API at /api/v1/credit: masked output, scoped reads, the same refusals and codes
as the pages (R-2.2, R-5.4–R-5.7, R-6.4)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from chengnuo.accounts.models import ApiToken
from chengnuo.audit.models import AuditEvent
from chengnuo.core.digest import digest_bytes
from chengnuo.credit import services
from chengnuo.credit.constants import Event, RecordStatus, RepairStatus
from chengnuo.credit.models import Objection, RepairApplication

from . import test_credit_views as views_tests
from .test_credit_views import (
    OBJECTION_TEXT,
    OTHER_ID,
    PERSON_ID,
    PHONE,
    REPAIR_TEXT,
    false_commitment,
    serious_record,
)

# the fixtures of the page tests, shared
applicant = views_tests.applicant
other_applicant = views_tests.other_applicant
case_officer = views_tests.case_officer
clerk = views_tests.clerk
credit_officer = views_tests.credit_officer
item = views_tests.item
person = views_tests.person
other_person = views_tests.other_person

pytestmark = pytest.mark.django_db
BASE = "/api/v1/credit"


def auth(user) -> dict[str, str]:
    """A bearer token for `user` (one per user; only the digest is stored)."""
    value = f"token-credit-{user.pk}"
    ApiToken.objects.get_or_create(
        user=user, key_digest=digest_bytes(value.encode()), defaults={"name": "测试系统"}
    )
    return {"Authorization": f"Bearer {value}"}


def call(method: str, path: str, headers: dict, body: dict | None = None):
    client = Client()
    kwargs = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(BASE + path, **kwargs)


def test_lookup_returns_the_subject_masked_only(clerk, person, item):
    response = call(
        "get", f"/subjects/lookup?id_type=resident_id&id_number={PERSON_ID}", auth(clerk)
    )
    assert response.status_code == 200
    data = response.json()
    assert data["found"] is True
    assert data["subject"]["id_masked"] == person.id_masked
    assert data["subject"]["display_name"] == "张*"
    assert PERSON_ID not in response.content.decode()
    assert PHONE not in response.content.decode()
    assert data["risk"]["level"] == "A"
    assert data["eligibility"][0]["allowed"] is True


def test_lookup_of_an_unknown_identifier_is_not_found_false(clerk, item):
    response = call(
        "get", f"/subjects/lookup?id_type=resident_id&id_number={OTHER_ID}", auth(clerk)
    )
    assert response.status_code == 200
    assert response.json() == {
        "found": False,
        "subject": None,
        "risk": None,
        "eligibility": [],
        "records": [],
    }


def test_lookup_is_refused_to_applicants(applicant, person):
    response = call(
        "get", f"/subjects/lookup?id_type=resident_id&id_number={PERSON_ID}", auth(applicant)
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not AuditEvent.objects.filter(event=Event.CREDIT_LOOKUP).exists()


def test_lookup_with_an_unknown_id_type_names_the_field(clerk):
    response = call("get", "/subjects/lookup?id_type=nope&id_number=1", auth(clerk))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_choice"
    assert response.json()["field"] == "id_type"


def test_eligibility_of_a_serious_record_is_refused_with_the_reason(
    clerk, person, item, credit_officer
):
    record = serious_record(credit_officer, person)
    found = call("get", f"/subjects/lookup?id_type=resident_id&id_number={PERSON_ID}", auth(clerk))
    assert found.json()["found"] is True  # the lawful context: an exact lookup
    response = call("get", f"/subjects/{person.pk}/eligibility?item={item.code}", auth(clerk))
    assert response.status_code == 200
    data = response.json()
    assert data["allowed"] is False
    assert data["reasons"][0]["code"] == "serious_record"
    assert data["reasons"][0]["record_id"] == record.pk
    assert data["repair_hint"]


def test_eligibility_of_an_unknown_item_is_404(clerk, person):
    response = call("get", f"/subjects/{person.pk}/eligibility?item=NOPE", auth(clerk))
    assert response.status_code == 404


def test_me_records_shows_only_own_subjects_masked(applicant, person, other_person, credit_officer):
    own = false_commitment(credit_officer, person, days_ago=10)
    false_commitment(credit_officer, other_person, days_ago=10)
    response = call("get", "/me/records", auth(applicant))
    assert response.status_code == 200
    data = response.json()
    assert [s["id"] for s in data["subjects"]] == [person.pk]
    assert [r["id"] for r in data["records"]] == [own.pk]
    body = response.content.decode()
    assert PERSON_ID not in body and OTHER_ID not in body


def test_repair_of_another_applicants_record_is_404_and_nothing_changes(
    applicant, other_person, credit_officer
):
    record = false_commitment(credit_officer, other_person, days_ago=400)
    response = call("post", f"/records/{record.pk}/repairs", auth(applicant), REPAIR_TEXT)
    assert response.status_code == 404
    response = call("post", f"/records/{record.pk}/objections", auth(applicant), OBJECTION_TEXT)
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE
    assert not RepairApplication.objects.exists() and not Objection.objects.exists()


def test_repair_inside_the_minimum_period_is_refused_with_its_code(
    applicant, person, credit_officer
):
    record = false_commitment(credit_officer, person, days_ago=10)
    response = call("post", f"/records/{record.pk}/repairs", auth(applicant), REPAIR_TEXT)
    assert response.status_code == 400
    assert response.json()["code"] == "minimum_period"
    assert "最短公示期未满" in response.json()["message"]
    assert not RepairApplication.objects.exists()


def test_objection_marks_the_record_under_objection_at_once(applicant, person, credit_officer):
    record = false_commitment(credit_officer, person, days_ago=10)
    response = call("post", f"/records/{record.pk}/objections", auth(applicant), OBJECTION_TEXT)
    assert response.status_code == 201
    record.refresh_from_db()
    assert record.status == RecordStatus.UNDER_OBJECTION


def test_approved_repair_restores_eligibility(applicant, person, credit_officer, clerk, item):
    record = false_commitment(credit_officer, person, days_ago=400)
    eligibility = f"/subjects/{person.pk}/eligibility?item={item.code}"
    clerk_headers = auth(clerk)
    call("get", f"/subjects/lookup?id_type=resident_id&id_number={PERSON_ID}", clerk_headers)
    assert call("get", eligibility, clerk_headers).json()["allowed"] is False
    response = call("post", f"/records/{record.pk}/repairs", auth(applicant), REPAIR_TEXT)
    assert response.status_code == 201
    repair_id = response.json()["id"]
    officer = auth(credit_officer)
    listed = call("get", "/repairs?status=submitted", officer).json()
    assert [r["id"] for r in listed] == [repair_id]
    assert listed[0]["subject"]["id_masked"] == person.id_masked
    response = call("post", f"/repairs/{repair_id}/decision", officer, {"approve": True})
    assert response.status_code == 200
    assert response.json()["status"] == RepairStatus.APPROVED
    assert call("get", eligibility, clerk_headers).json()["allowed"] is True


def test_objection_answer_by_the_credit_officer(applicant, person, credit_officer):
    record = false_commitment(credit_officer, person, days_ago=10)
    objection = services.objection_submit(actor=applicant, record=record, **OBJECTION_TEXT)
    response = call(
        "post",
        f"/objections/{objection.pk}/answer",
        auth(credit_officer),
        {"corrected": True, "answer": "经核实异议成立，撤销该记录。", "remove": True},
    )
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.status == RecordStatus.REMOVED
    listed = call("get", "/objections?status=corrected", auth(credit_officer)).json()
    assert [o["id"] for o in listed] == [objection.pk]


def test_decisions_are_404_for_non_officers(applicant, person, credit_officer, clerk):
    record = false_commitment(credit_officer, person, days_ago=400)
    repair = services.repair_submit(actor=applicant, record=record, **REPAIR_TEXT)
    for user in (applicant, clerk):
        response = call("post", f"/repairs/{repair.pk}/decision", auth(user), {"approve": True})
        assert response.status_code == 404
    repair.refresh_from_db()
    assert repair.status == RepairStatus.SUBMITTED


def test_officer_lists_are_refused_to_others(clerk):
    assert call("get", "/repairs", auth(clerk)).status_code == 403
    assert call("get", "/objections", auth(clerk)).status_code == 403


def test_unknown_status_filter_names_the_field(credit_officer):
    response = call("get", "/repairs?status=nope", auth(credit_officer))
    assert response.status_code == 400
    assert response.json()["field"] == "status"


def test_unauthenticated_is_401():
    assert call("get", "/me/records", {}).status_code == 401

"""Agencies cannot see or touch each other's catalog proposals through the API (R-7.2).

Another agency's proposal is indistinguishable from a missing one (404), and a refused call
changes nothing: status, review fields and the audit trail stay as they were.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from chengnuo.accounts.models import ApiToken
from chengnuo.agencies.constants import Region, Role
from chengnuo.audit.models import AuditEvent
from chengnuo.catalog import services
from chengnuo.catalog.models import ChangeProposal, Matter
from chengnuo.core.digest import digest_bytes

from .factories import AgencyFactory, MatterFactory, item_payload, user_with_role

API = "/api/v1/catalog"
pytestmark = pytest.mark.django_db


def bearer(user, value: str) -> dict[str, str]:
    ApiToken.objects.create(user=user, name="测试系统", key_digest=digest_bytes(value.encode()))
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def proposal_a(admin_a, agency_a, matter_a):
    """A submitted proposal of agency A (city level), effective today."""
    return services.proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="RS-ISO-001",
        payload=item_payload(matter_codes=[matter_a.code]),
        reason="扩大告知承诺范围",
        law_change="国办发〔2020〕42号",
        effective_date=timezone.localdate(),
    )


@pytest.fixture
def county_reviewer():
    bureau = AgencyFactory(county=True, justice_bureau=True, name="颍州区司法局")
    return user_with_role(Role.JUSTICE_REVIEWER, bureau, username="county_reviewer")


def state(proposal: ChangeProposal) -> tuple:
    proposal.refresh_from_db()
    return (
        proposal.status,
        proposal.reviewed_by_id,
        proposal.reviewed_at,
        proposal.review_comment,
        proposal.version_id,
        AuditEvent.objects.count(),
    )


CALLS = [
    ("get", "", None),
    ("post", "/file", {"comment": "同意"}),
    ("post", "/return", {"reason": "理由充分的退回"}),
    ("post", "/withdraw", {}),
]


def call(client, method, path, body, headers):
    if method == "get":
        return client.get(path, headers=headers)
    return client.post(path, body, content_type="application/json", headers=headers)


@pytest.mark.parametrize(("method", "suffix", "body"), CALLS)
def test_admin_of_another_agency_gets_404_and_nothing_changes(
    client, proposal_a, admin_b, method, suffix, body
):
    headers = bearer(admin_b, "token-admin-b")
    before = state(proposal_a)

    response = call(client, method, f"{API}/proposals/{proposal_a.pk}{suffix}", body, headers)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert state(proposal_a) == before


def test_admin_of_another_agency_does_not_see_the_proposal_in_lists(
    client, proposal_a, admin_b, agency_a
):
    headers = bearer(admin_b, "token-admin-b")

    everything = client.get(f"{API}/proposals", headers=headers).json()
    filtered = client.get(f"{API}/proposals", {"agency": agency_a.pk}, headers=headers).json()

    assert everything == {"count": 0, "items": []}
    assert filtered == {"count": 0, "items": []}


@pytest.mark.parametrize(("method", "suffix", "body"), CALLS)
def test_county_reviewer_gets_404_for_a_city_agency_proposal(
    client, proposal_a, county_reviewer, method, suffix, body
):
    headers = bearer(county_reviewer, "token-county")
    before = state(proposal_a)

    response = call(client, method, f"{API}/proposals/{proposal_a.pk}{suffix}", body, headers)

    assert response.status_code == 404
    assert state(proposal_a) == before


def test_county_reviewer_files_proposals_of_its_own_region(client, county_reviewer):
    # The positive control of the test above: the same reviewer, a county agency of its region.
    county_agency = AgencyFactory(county=True, name="颍州区人社局")
    assert county_agency.region == Region.YINGZHOU
    county_admin = user_with_role(Role.AGENCY_ADMIN, county_agency, username="county_admin")
    MatterFactory(agency=county_agency, code="YZ-001")
    proposal = services.proposal_submit(
        actor=county_admin,
        agency=county_agency,
        action="add",
        item_code="YZ-ITEM-1",
        payload=item_payload(matter_codes=["YZ-001"]),
        reason="扩大告知承诺范围",
        law_change="国办发〔2020〕42号",
        effective_date=timezone.localdate(),
    )
    headers = bearer(county_reviewer, "token-county")

    seen = client.get(f"{API}/proposals/{proposal.pk}", headers=headers)
    filed = client.post(
        f"{API}/proposals/{proposal.pk}/file", {}, content_type="application/json", headers=headers
    )

    assert seen.status_code == 200
    assert filed.status_code == 200
    assert filed.json()["status"] == "effective"


def test_agency_admin_cannot_file_its_own_proposal(client, proposal_a, admin_a):
    # Filing is the Justice Bureau's: the proposer sees it but may not file it.
    headers = bearer(admin_a, "token-admin-a")
    before = state(proposal_a)

    response = client.post(
        f"{API}/proposals/{proposal_a.pk}/file",
        {},
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 404
    assert state(proposal_a) == before


def test_admin_of_a_cannot_submit_a_proposal_for_agency_b(client, admin_a, agency_b):
    MatterFactory(agency=agency_b, code="MZ-001")
    headers = bearer(admin_a, "token-admin-a")
    proposals_before = ChangeProposal.objects.count()
    audit_before = AuditEvent.objects.count()

    response = client.post(
        f"{API}/proposals",
        {
            "agency_id": agency_b.pk,
            "action": "add",
            "item_code": "MZ-ITEM-1",
            "payload": item_payload(matter_codes=["MZ-001"]),
            "reason": "扩大告知承诺范围",
            "law_change": "国办发〔2020〕42号",
            "effective_date": timezone.localdate().isoformat(),
        },
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert ChangeProposal.objects.count() == proposals_before
    assert AuditEvent.objects.count() == audit_before


def test_admin_of_a_cannot_create_a_matter_for_agency_b(client, admin_a, agency_b):
    headers = bearer(admin_a, "token-admin-a")
    audit_before = AuditEvent.objects.count()

    response = client.post(
        f"{API}/matters",
        {
            "agency_id": agency_b.pk,
            "code": "MZ-100",
            "name": "最低生活保障审批",
            "matter_type": "benefit",
            "legal_basis": "《社会救助暂行办法》",
            "materials": ["申请书"],
        },
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Matter.objects.filter(code="MZ-100").exists()
    assert AuditEvent.objects.count() == audit_before


def test_staff_member_without_a_catalog_role_sees_no_proposals(client, proposal_a, agency_a):
    clerk = user_with_role(Role.WINDOW_CLERK, agency_a, username="clerk_a")
    headers = bearer(clerk, "token-clerk")

    listed = client.get(f"{API}/proposals", headers=headers).json()
    detail = client.get(f"{API}/proposals/{proposal_a.pk}", headers=headers)

    assert listed["count"] == 0
    assert detail.status_code == 404

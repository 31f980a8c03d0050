"""Isolation through the HTML workbench: staff of one agency (or a Justice Bureau of another
region) get 404 for another agency's proposals and matters, and nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from chengnuo.agencies.constants import Level, Region, Role
from chengnuo.audit.models import AuditEvent
from chengnuo.catalog.constants import ProposalStatus
from chengnuo.catalog.models import ChangeProposal, Matter
from chengnuo.catalog.services import proposal_submit

from .factories import (
    AgencyFactory,
    CertificationItemFactory,
    MatterFactory,
    item_payload,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal_a(admin_a, agency_a, matter_a):
    return proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="RS-P-001",
        payload=item_payload(matter_codes=[matter_a.code]),
        reason="扩大告知承诺范围",
        law_change="国办发〔2020〕42号",
        effective_date=timezone.localdate(),
    )


@pytest.fixture
def county_reviewer(db):
    bureau = AgencyFactory(
        name="颍州区司法局", kind="justice_bureau", level=Level.COUNTY, region=Region.YINGZHOU
    )
    return user_with_role(Role.JUSTICE_REVIEWER, bureau, username="county_reviewer")


def _matter_state(matter: Matter) -> tuple:
    matter.refresh_from_db()
    return (matter.code, matter.name, matter.matter_type, matter.legal_basis, matter.materials)


def _write_requests(proposal: ChangeProposal, matter: Matter) -> list[tuple[str, str, dict]]:
    return [
        ("post", reverse("catalog:proposal_file", args=[proposal.pk]), {"comment": "越权备案"}),
        (
            "post",
            reverse("catalog:proposal_return", args=[proposal.pk]),
            {"reason": "越权退回理由"},
        ),
        ("post", reverse("catalog:proposal_withdraw", args=[proposal.pk]), {}),
        (
            "post",
            reverse("catalog:matter_edit", args=[matter.pk]),
            {"name": "被篡改", "matter_type": "benefit", "legal_basis": "篡改", "materials": "x"},
        ),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "catalog:proposal_detail",
        "catalog:proposal_file",
        "catalog:proposal_return",
        "catalog:proposal_withdraw",
    ],
)
def test_other_agency_staff_get_404_on_proposal_pages(client, admin_b, proposal_a, name):
    client.force_login(admin_b)
    url = reverse(name, args=[proposal_a.pk])
    response = client.get(url) if name == "catalog:proposal_detail" else client.post(url)
    assert response.status_code == 404


def test_other_agency_staff_get_404_on_matter_edit(client, admin_b, matter_a):
    client.force_login(admin_b)
    url = reverse("catalog:matter_edit", args=[matter_a.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "被篡改"}).status_code == 404


def test_other_agency_staff_cannot_propose_amending_anothers_item(client, admin_b, agency_a):
    CertificationItemFactory(agency=agency_a, code="RS-I-001")
    client.force_login(admin_b)
    url = f"{reverse('catalog:proposal_create')}?action=amend&item=RS-I-001"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert ChangeProposal.objects.count() == 0


def test_other_agency_staff_change_nothing(client, admin_b, proposal_a, matter_a):
    matter_before = _matter_state(matter_a)
    events_before = AuditEvent.objects.count()
    client.force_login(admin_b)
    for method, url, data in _write_requests(proposal_a, matter_a):
        assert getattr(client, method)(url, data).status_code == 404
    proposal_a.refresh_from_db()
    assert proposal_a.status == ProposalStatus.SUBMITTED
    assert proposal_a.review_comment == ""
    assert _matter_state(matter_a) == matter_before
    assert AuditEvent.objects.count() == events_before


def test_other_agency_list_does_not_show_the_proposal(client, admin_b, proposal_a):
    client.force_login(admin_b)
    response = client.get(reverse("catalog:proposal_list"))
    assert list(response.context["page"]) == []
    assert "RS-P-001" not in response.content.decode()


def test_county_reviewer_gets_404_for_a_city_agencys_proposal(client, county_reviewer, proposal_a):
    events_before = AuditEvent.objects.count()
    client.force_login(county_reviewer)
    assert client.get(reverse("catalog:proposal_detail", args=[proposal_a.pk])).status_code == 404
    assert client.post(reverse("catalog:proposal_file", args=[proposal_a.pk])).status_code == 404
    assert (
        client.post(
            reverse("catalog:proposal_return", args=[proposal_a.pk]), {"reason": "越权退回理由"}
        ).status_code
        == 404
    )
    proposal_a.refresh_from_db()
    assert proposal_a.status == ProposalStatus.SUBMITTED
    assert AuditEvent.objects.count() == events_before


def test_county_reviewer_files_a_proposal_of_its_own_region(client, county_reviewer):
    county_agency = AgencyFactory(level=Level.COUNTY, region=Region.YINGZHOU)
    county_admin = user_with_role(Role.AGENCY_ADMIN, county_agency)
    county_matter = MatterFactory(agency=county_agency, code="YZ-001")
    proposal = proposal_submit(
        actor=county_admin,
        agency=county_agency,
        action="add",
        item_code="YZ-P-001",
        payload=item_payload(matter_codes=[county_matter.code]),
        reason="扩大告知承诺范围",
        law_change="皖政办〔2020〕25号",
        effective_date=timezone.localdate(),
    )
    client.force_login(county_reviewer)
    response = client.post(reverse("catalog:proposal_file", args=[proposal.pk]))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EFFECTIVE


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("catalog:proposal_list", []),
        ("catalog:proposal_create", []),
        ("catalog:proposal_detail", [1]),
        ("catalog:import", []),
        ("catalog:import_template", []),
        ("catalog:matter_list", []),
        ("catalog:matter_create", []),
        ("catalog:matter_edit", [1]),
    ],
)
def test_anonymous_users_are_redirected_to_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_post_to_file_is_redirected_and_changes_nothing(client, proposal_a):
    response = client.post(reverse("catalog:proposal_file", args=[proposal_a.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    proposal_a.refresh_from_db()
    assert proposal_a.status == ProposalStatus.SUBMITTED

"""The catalog API at /api/v1/catalog: public reads (R-7.1, R-3.5), filing (R-7.2), R-9.2."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from chengnuo.accounts.models import ApiToken
from chengnuo.agencies.constants import Region
from chengnuo.audit.models import AuditEvent
from chengnuo.catalog import services
from chengnuo.catalog.constants import MatterType, ProposalStatus
from chengnuo.catalog.models import CatalogVersion, CertificationItem, ChangeProposal, Matter
from chengnuo.core.digest import digest_bytes

from .factories import (
    AgencyFactory,
    CertificationItemFactory,
    ChangeProposalFactory,
    MatterFactory,
    item_payload,
)

API = "/api/v1/catalog"
pytestmark = pytest.mark.django_db


def bearer(user, value: str = "token-value") -> dict[str, str]:
    """An API token row for `user` (only the digest is stored) and the header that uses it."""
    ApiToken.objects.create(user=user, name="测试系统", key_digest=digest_bytes(value.encode()))
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def admin_headers(admin_a):
    return bearer(admin_a, "token-admin-a")


@pytest.fixture
def reviewer_headers(reviewer):
    return bearer(reviewer, "token-reviewer")


def proposal_body(agency, **overrides) -> dict:
    body = {
        "agency_id": agency.pk,
        "action": "add",
        "item_code": "RS-API-001",
        "payload": item_payload(matter_codes=["RS-001"]),
        "reason": "扩大告知承诺范围",
        "law_change": "国办发〔2020〕42号",
        "effective_date": timezone.localdate().isoformat(),
    }
    body.update(overrides)
    return body


def publish(actor, reviewer, agency, action, code, payload=None):
    """Submit and file a change effective today through the services (a new catalog version)."""
    proposal = services.proposal_submit(
        actor=actor,
        agency=agency,
        action=action,
        item_code=code,
        payload=payload,
        reason="法律修订",
        law_change="《某法》修订",
        effective_date=timezone.localdate(),
    )
    return services.proposal_file(actor=reviewer, proposal=proposal)


# --- public: items --------------------------------------------------------------------------


def test_items_list_shows_only_items_in_force_under_commitment(client, agency_a):
    shown = CertificationItemFactory(agency=agency_a, code="A-1")
    CertificationItemFactory(agency=agency_a, code="A-2", not_under_commitment=True)
    CertificationItemFactory(agency=agency_a, code="A-3", removed=True)

    response = client.get(f"{API}/items")

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    assert [i["code"] for i in data["items"]] == [shown.code]
    assert data["items"][0]["marking"] == "实行告知承诺制"
    assert data["items"][0]["agency"]["name"] == agency_a.name


def test_items_list_with_all_includes_items_not_under_commitment_but_never_removed(
    client, agency_a
):
    CertificationItemFactory(agency=agency_a, code="A-1")
    CertificationItemFactory(agency=agency_a, code="A-2", not_under_commitment=True)
    CertificationItemFactory(agency=agency_a, code="A-3", removed=True)

    data = client.get(f"{API}/items", {"all": "true"}).json()

    assert sorted(i["code"] for i in data["items"]) == ["A-1", "A-2"]
    marking = {i["code"]: i["marking"] for i in data["items"]}
    assert marking == {"A-1": "实行告知承诺制", "A-2": None}


def test_items_search_matches_chinese_words_in_name_and_agency(client, agency_a, agency_b):
    CertificationItemFactory(agency=agency_a, code="A-1", name="无犯罪记录证明")
    CertificationItemFactory(agency=agency_b, code="B-1", name="婚姻状况证明")

    by_name = client.get(f"{API}/items", {"q": "犯罪"}).json()
    by_agency = client.get(f"{API}/items", {"q": "民政局"}).json()
    by_two_words = client.get(f"{API}/items", {"q": "婚姻 民政"}).json()
    nothing = client.get(f"{API}/items", {"q": "不存在的证明"}).json()

    assert [i["code"] for i in by_name["items"]] == ["A-1"]
    assert [i["code"] for i in by_agency["items"]] == ["B-1"]
    assert [i["code"] for i in by_two_words["items"]] == ["B-1"]
    assert nothing == {"count": 0, "items": []}


def test_items_filter_by_agency_region_domain_and_matter_type(client, agency_a, agency_b):
    county = AgencyFactory(county=True, name="颍州区民政局")
    benefit = MatterFactory(agency=agency_b, code="MZ-1", matter_type=MatterType.BENEFIT)
    CertificationItemFactory(agency=agency_a, code="A-1", priority_domains=["qualification_exam"])
    b_item = CertificationItemFactory(agency=agency_b, code="B-1")
    b_item.matters.add(benefit)
    CertificationItemFactory(agency=county, code="C-1")

    def codes(**params):
        response = client.get(f"{API}/items", params)
        assert response.status_code == 200, response.content
        return [i["code"] for i in response.json()["items"]]

    assert codes(agency=agency_a.pk) == ["A-1"]
    assert codes(region=Region.YINGZHOU) == ["C-1"]
    assert codes(region="颍州区") == ["C-1"]
    assert codes(domain="qualification_exam") == ["A-1"]
    assert codes(domain="资格考试") == ["A-1"]
    assert codes(matter_type="benefit") == ["B-1"]


def test_items_filter_with_unknown_choice_is_400_naming_the_field(client):
    response = client.get(f"{API}/items", {"region": "火星"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_choice"
    assert response.json()["field"] == "region"
    assert "阜阳市" in response.json()["message"]


def test_items_pagination_counts_all_and_returns_one_page(client, agency_a):
    for n in range(5):
        CertificationItemFactory(agency=agency_a, code=f"A-{n}")

    data = client.get(f"{API}/items", {"limit": 2, "offset": 2}).json()

    assert data["count"] == 5
    assert [i["code"] for i in data["items"]] == ["A-2", "A-3"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"agency": "abc"}, "agency"),
        ({"agency": 10**30}, "agency"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_items_bad_query_parameters_are_422_invalid_input(client, params, field):
    response = client.get(f"{API}/items", params)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == field


def test_item_detail_has_every_field_and_its_matters(client, agency_a, matter_a):
    item = CertificationItemFactory(agency=agency_a, code="A-1", excluded_domains=[])
    item.matters.add(matter_a)

    response = client.get(f"{API}/items/A-1")

    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "A-1"
    assert data["under_commitment"] is True
    assert data["marking"] == "实行告知承诺制"
    assert data["verification_method"] == "online"
    assert data["verification_method_label"] == "在线核查"
    assert data["priority_domain_labels"] == ["社会保险"]
    assert data["matters"] == [
        {
            "code": "RS-001",
            "name": "职业资格考试报名",
            "matter_type": "licensing",
            "matter_type_label": "行政许可",
        }
    ]
    assert data["versions"] == []


@pytest.mark.parametrize("code", ["NOPE", "a%00b", "x" * 41, "%E6%B5%8B%E8%AF%95"])
def test_item_detail_of_unknown_code_is_404_not_found(client, code):
    response = client.get(f"{API}/items/{code}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- public: matters ------------------------------------------------------------------------


def test_matters_list_searches_in_chinese_and_filters_by_type(client, agency_a, matter_a):
    benefit = MatterFactory(
        agency=agency_a, code="RS-002", name="社会保险待遇申领", matter_type="benefit"
    )
    for matter in (matter_a, benefit):  # the portal lists matters a filed item names (ADR 0008)
        CertificationItemFactory(agency=agency_a).matters.add(matter)

    by_q = client.get(f"{API}/matters", {"q": "资格考试"}).json()
    by_type = client.get(f"{API}/matters", {"matter_type": "benefit"}).json()
    by_agency = client.get(f"{API}/matters", {"agency": agency_a.pk}).json()

    assert [m["code"] for m in by_q["items"]] == ["RS-001"]
    assert [m["code"] for m in by_type["items"]] == ["RS-002"]
    assert by_agency["count"] == 2
    assert by_type["items"][0]["matter_type_label"] == "行政给付"


def test_matter_detail_marks_items_under_commitment(client, agency_a, matter_a):
    # in the application-materials module, items under commitment are marked.
    committed = CertificationItemFactory(agency=agency_a, code="A-1", name="学历证明")
    proof_needed = CertificationItemFactory(
        agency=agency_a, code="A-2", name="体检报告", not_under_commitment=True
    )
    gone = CertificationItemFactory(agency=agency_a, code="A-3", removed=True)
    for item in (committed, proof_needed, gone):
        item.matters.add(matter_a)

    response = client.get(f"{API}/matters/RS-001")

    assert response.status_code == 200
    data = response.json()
    assert data["materials"] == ["申请书", "身份证明"]
    assert data["legal_basis"] == "《中华人民共和国行政许可法》"
    assert [(i["code"], i["under_commitment"], i["marking"]) for i in data["items"]] == [
        ("A-1", True, "实行告知承诺制"),
        ("A-2", False, None),
    ]


def test_matter_detail_of_unknown_code_is_404(client):
    response = client.get(f"{API}/matters/NO-SUCH")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- public: versions -----------------------------------------------------------------------


@pytest.fixture
def three_versions(admin_a, reviewer, agency_a, matter_a):
    """v1 adds A-1; v2 amends A-1 and adds A-2; v3 removes A-1."""
    publish(admin_a, reviewer, agency_a, "add", "A-1", item_payload(matter_codes=["RS-001"]))
    publish(
        admin_a,
        reviewer,
        agency_a,
        "amend",
        "A-1",
        item_payload(matter_codes=["RS-001"], verification_time_limit_days=5),
    )
    publish(admin_a, reviewer, agency_a, "add", "A-2", item_payload(matter_codes=["RS-001"]))
    publish(admin_a, reviewer, agency_a, "remove", "A-1")
    return list(CatalogVersion.objects.filter(agency=agency_a).order_by("number"))


def test_versions_list_filters_by_agency(client, three_versions, agency_a, agency_b):
    mine = client.get(f"{API}/versions", {"agency": agency_a.pk}).json()
    other = client.get(f"{API}/versions", {"agency": agency_b.pk}).json()

    assert [v["number"] for v in mine["items"]] == [4, 3, 2, 1]
    assert mine["items"][0]["agency"]["id"] == agency_a.pk
    assert len(mine["items"][0]["digest"]) == 64
    assert other == {"count": 0, "items": []}


def test_version_detail_has_snapshot_and_verified_digest(client, three_versions):
    first = three_versions[0]

    response = client.get(f"{API}/versions/{first.pk}")

    assert response.status_code == 200
    data = response.json()
    assert list(data["items"]) == ["A-1"]
    assert data["items"]["A-1"]["verification_time_limit_days"] == 10
    assert data["digest"] == first.digest
    assert data["digest_verified"] is True


def test_version_detail_of_unknown_id_is_404(client):
    for path in ("/versions/999999", f"/versions/{2**40}"):
        response = client.get(f"{API}{path}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_compare_versions_lists_added_changed_and_removed_items(client, three_versions):
    v1, v2, v3, v4 = three_versions

    changed = client.get(f"{API}/versions/compare", {"a": v1.pk, "b": v2.pk}).json()
    added = client.get(f"{API}/versions/compare", {"a": v2.pk, "b": v3.pk}).json()
    removed = client.get(f"{API}/versions/compare", {"a": v3.pk, "b": v4.pk}).json()

    assert changed["a"]["number"] == 1 and changed["b"]["number"] == 2
    assert changed["added"] == [] and changed["removed"] == []
    assert changed["changed"] == [
        {
            "code": "A-1",
            "name": "无犯罪记录证明",
            "fields": {"verification_time_limit_days": {"before": 10, "after": 5}},
        }
    ]
    assert added["added"] == [{"code": "A-2", "name": "无犯罪记录证明"}]
    assert removed["removed"] == [{"code": "A-1", "name": "无犯罪记录证明"}]


def test_compare_versions_of_different_agencies_is_400(
    client, three_versions, admin_b, reviewer, agency_b
):
    MatterFactory(agency=agency_b, code="MZ-1")
    publish(admin_b, reviewer, agency_b, "add", "B-1", item_payload(matter_codes=["MZ-1"]))
    other = CatalogVersion.objects.get(agency=agency_b)

    response = client.get(f"{API}/versions/compare", {"a": three_versions[0].pk, "b": other.pk})

    assert response.status_code == 400
    assert response.json()["code"] == "different_agencies"


def test_compare_with_unknown_version_is_404_and_missing_parameter_is_422(client, three_versions):
    unknown = client.get(f"{API}/versions/compare", {"a": three_versions[0].pk, "b": 999999})
    missing = client.get(f"{API}/versions/compare", {"a": three_versions[0].pk})

    assert unknown.status_code == 404
    assert missing.status_code == 422
    assert missing.json()["field"] == "b"


# --- staff: authentication ------------------------------------------------------------------


STAFF_CALLS = [
    ("get", "/proposals"),
    ("get", "/proposals/1"),
    ("post", "/proposals"),
    ("post", "/proposals/1/file"),
    ("post", "/proposals/1/return"),
    ("post", "/proposals/1/withdraw"),
    ("post", "/matters"),
]


@pytest.mark.parametrize(("method", "path"), STAFF_CALLS)
def test_staff_calls_without_credentials_are_401_unauthenticated(client, method, path):
    response = getattr(client, method)(f"{API}{path}", {} if method == "get" else None)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path"), STAFF_CALLS)
def test_staff_calls_with_unknown_or_revoked_token_are_401(client, admin_a, method, path):
    headers = bearer(admin_a, "revoked-token")
    ApiToken.objects.update(revoked_at=timezone.now())
    for h in (headers, {"Authorization": "Bearer never-issued"}):
        response = getattr(client, method)(f"{API}{path}", headers=h)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


def test_token_of_inactive_user_is_401(client, admin_a, admin_headers):
    admin_a.is_active = False
    admin_a.save()

    response = client.get(f"{API}/proposals", headers=admin_headers)

    assert response.status_code == 401


def test_session_authentication_works_for_reads(client, admin_a, agency_a):
    ChangeProposalFactory(agency=agency_a)
    client.force_login(admin_a)

    response = client.get(f"{API}/proposals")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_session_write_without_csrf_token_is_403_and_writes_nothing(admin_a, agency_a, matter_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    audit_before = AuditEvent.objects.count()

    response = client.post(
        f"{API}/proposals", proposal_body(agency_a), content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert ChangeProposal.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


# --- staff: proposals -----------------------------------------------------------------------


def test_proposal_submitted_and_filed_via_api_publishes_the_item_today(
    client, agency_a, matter_a, admin_headers, reviewer_headers
):
    submitted = client.post(
        f"{API}/proposals",
        proposal_body(agency_a),
        content_type="application/json",
        headers=admin_headers,
    )
    assert submitted.status_code == 201, submitted.content
    proposal = submitted.json()
    assert proposal["status"] == "submitted"
    assert proposal["status_label"] == "待备案"
    assert proposal["payload"]["matter_codes"] == ["RS-001"]
    assert client.get(f"{API}/items/RS-API-001").status_code == 404

    filed = client.post(
        f"{API}/proposals/{proposal['id']}/file",
        {"comment": "同意备案"},
        content_type="application/json",
        headers=reviewer_headers,
    )

    assert filed.status_code == 200, filed.content
    assert filed.json()["status"] == "effective"
    assert filed.json()["review_comment"] == "同意备案"
    assert filed.json()["version"]["number"] == 1
    item = client.get(f"{API}/items/RS-API-001").json()
    assert item["under_commitment"] is True
    assert item["effective_date"] == timezone.localdate().isoformat()
    assert item["versions"] == [filed.json()["version"]]
    listed = client.get(f"{API}/items", {"agency": agency_a.pk}).json()
    assert [i["code"] for i in listed["items"]] == ["RS-API-001"]
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"catalog.proposal_submitted", "catalog.proposal_filed", "catalog.item_added"} <= events


def test_filing_without_a_body_is_allowed(client, agency_a, matter_a, admin_a, reviewer_headers):
    proposal = ChangeProposalFactory(
        agency=agency_a, payload=item_payload(matter_codes=["RS-001"]), submitted_by=admin_a
    )

    response = client.post(
        f"{API}/proposals/{proposal.pk}/file",
        "",
        content_type="application/json",
        headers=reviewer_headers,
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "filed"  # effective tomorrow


def test_proposal_touching_an_excluded_domain_is_refused_and_nothing_is_written(
    client, agency_a, matter_a, admin_headers
):
    # 公共安全 can never be under commitment; the refusal names the domain.
    audit_before = AuditEvent.objects.count()
    body = proposal_body(
        agency_a, payload=item_payload(matter_codes=["RS-001"], excluded_domains=["public_safety"])
    )

    response = client.post(
        f"{API}/proposals", body, content_type="application/json", headers=admin_headers
    )

    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "excluded_domain"
    assert data["field"] == "under_commitment"
    assert "公共安全" in data["message"]
    assert {"field": "under_commitment", "code": "excluded_domain"}.items() <= data["errors"][
        0
    ].items()
    assert ChangeProposal.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


def test_excluded_domain_may_be_given_by_its_chinese_name(
    client, agency_a, matter_a, admin_headers
):
    body = proposal_body(
        agency_a,
        payload=item_payload(matter_codes=["RS-001"], excluded_domains="国家安全、公共安全"),
    )

    response = client.post(
        f"{API}/proposals", body, content_type="application/json", headers=admin_headers
    )

    assert response.status_code == 400
    assert response.json()["code"] == "excluded_domain"
    assert "国家安全、公共安全" in response.json()["message"]


def test_proposal_payload_errors_list_each_field(client, agency_a, matter_a, admin_headers):
    body = proposal_body(
        agency_a,
        payload=item_payload(
            name="",
            verification_method="by_magic",
            verification_time_limit_days=9999,
            colour="red",
        ),
    )

    response = client.post(
        f"{API}/proposals", body, content_type="application/json", headers=admin_headers
    )

    assert response.status_code == 400
    fields = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert {
        ("colour", "unknown_field"),
        ("name", "required"),
        ("verification_method", "invalid_choice"),
        ("verification_time_limit_days", "out_of_range"),
    } <= fields
    assert ChangeProposal.objects.count() == 0


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        ({"action": "rename"}, "action", "invalid_choice"),
        ({"item_code": "含中文"}, "item_code", "invalid_code"),
        ({"reason": ""}, "reason", "required"),
        ({"effective_date": "2000-01-01"}, "effective_date", "past_date"),
        ({"effective_date": None}, "effective_date", "invalid_date"),
    ],
)
def test_proposal_rule_errors_name_field_and_rule(
    client, agency_a, matter_a, admin_headers, override, field, code
):
    response = client.post(
        f"{API}/proposals",
        proposal_body(agency_a, **override),
        content_type="application/json",
        headers=admin_headers,
    )

    assert response.status_code == 400
    assert (response.json()["field"], response.json()["code"]) == (field, code)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"reason": "理" * 4001}, "reason"),
        ({"law_change": 42}, "law_change"),
        ({"agency_id": "市人社局"}, "agency_id"),
        ({"effective_date": "明天"}, "effective_date"),
        ({"payload": ["name"]}, "payload"),
        ({"payload": {"name": "a\x00b"}}, "payload"),
    ],
)
def test_proposal_body_of_wrong_shape_is_422_and_writes_nothing(
    client, agency_a, matter_a, admin_headers, override, field
):
    response = client.post(
        f"{API}/proposals",
        proposal_body(agency_a, **override),
        content_type="application/json",
        headers=admin_headers,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == field
    assert ChangeProposal.objects.count() == 0


def test_malformed_json_is_400_malformed_body(client, admin_headers):
    response = client.post(
        f"{API}/proposals", "{not json", content_type="application/json", headers=admin_headers
    )

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


def test_proposal_for_unknown_agency_is_404(client, admin_headers, agency_a):
    response = client.post(
        f"{API}/proposals",
        proposal_body(agency_a, agency_id=999999),
        content_type="application/json",
        headers=admin_headers,
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_return_needs_a_reason(client, agency_a, reviewer_headers):
    proposal = ChangeProposalFactory(agency=agency_a)

    refused = client.post(
        f"{API}/proposals/{proposal.pk}/return",
        {"reason": "  "},
        content_type="application/json",
        headers=reviewer_headers,
    )

    assert refused.status_code == 400
    assert refused.json()["code"] == "reason_required"
    assert refused.json()["field"] == "reason"
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


def test_return_with_a_reason_records_it(client, agency_a, reviewer, reviewer_headers):
    proposal = ChangeProposalFactory(agency=agency_a)

    response = client.post(
        f"{API}/proposals/{proposal.pk}/return",
        {"reason": "法律依据不充分，请补充"},
        content_type="application/json",
        headers=reviewer_headers,
    )

    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert response.json()["review_comment"] == "法律依据不充分，请补充"
    assert response.json()["reviewed_by"] == str(reviewer)


def test_admin_withdraws_own_submitted_proposal(client, agency_a, admin_headers):
    proposal = ChangeProposalFactory(agency=agency_a)

    response = client.post(f"{API}/proposals/{proposal.pk}/withdraw", headers=admin_headers)

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_filing_a_proposal_twice_is_refused_with_invalid_state(client, agency_a, reviewer_headers):
    proposal = ChangeProposalFactory(agency=agency_a, returned=True)

    response = client.post(
        f"{API}/proposals/{proposal.pk}/file",
        {},
        content_type="application/json",
        headers=reviewer_headers,
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_state"


def test_proposals_list_filters_by_status(client, agency_a, admin_headers):
    ChangeProposalFactory(agency=agency_a)
    returned = ChangeProposalFactory(agency=agency_a, returned=True)

    data = client.get(f"{API}/proposals", {"status": "returned"}, headers=admin_headers).json()
    bad = client.get(f"{API}/proposals", {"status": "lost"}, headers=admin_headers)

    assert [p["id"] for p in data["items"]] == [returned.pk]
    assert data["items"][0]["status_label"] == "已退回"
    assert bad.status_code == 400
    assert bad.json()["field"] == "status"


def test_proposal_detail_for_its_agency_admin(client, agency_a, admin_headers):
    proposal = ChangeProposalFactory(agency=agency_a, item_code="NEW-1")

    response = client.get(f"{API}/proposals/{proposal.pk}", headers=admin_headers)

    assert response.status_code == 200
    assert response.json()["item_code"] == "NEW-1"
    assert response.json()["item_name"] == "无犯罪记录证明"
    assert response.json()["agency"]["id"] == agency_a.pk


def test_unknown_proposal_is_404(client, admin_headers):
    for path in ("/proposals/999999", f"/proposals/{2**40}"):
        response = client.get(f"{API}{path}", headers=admin_headers)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# --- staff: matters -------------------------------------------------------------------------


def matter_body(agency, **overrides) -> dict:
    body = {
        "agency_id": agency.pk,
        "code": "RS-100",
        "name": "技能人员职业资格认定",
        "matter_type": "confirmation",
        "legal_basis": "《中华人民共和国劳动法》第六十九条",
        "materials": ["申请表", "学历证明"],
    }
    body.update(overrides)
    return body


def test_admin_creates_a_matter_for_own_agency(client, agency_a, admin_headers):
    response = client.post(
        f"{API}/matters",
        matter_body(agency_a),
        content_type="application/json",
        headers=admin_headers,
    )

    assert response.status_code == 201, response.content
    assert response.json()["code"] == "RS-100"
    assert response.json()["matter_type_label"] == "行政确认"
    assert Matter.objects.get(code="RS-100").agency == agency_a
    # not public until an item in force (through a filed proposal) names it (ADR 0008)
    assert client.get(f"{API}/matters/RS-100").status_code == 404
    CertificationItemFactory(agency=agency_a).matters.add(Matter.objects.get(code="RS-100"))
    assert client.get(f"{API}/matters/RS-100").json()["materials"] == ["申请表", "学历证明"]
    assert AuditEvent.objects.filter(event="catalog.matter_created").count() == 1


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        ({"matter_type": "行政审批"}, "matter_type", "invalid_choice"),
        ({"code": "RS-001"}, "code", "duplicate_code"),
        ({"code": "有 空格"}, "code", "invalid_code"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_matter_rule_errors_name_field_and_rule(
    client, agency_a, matter_a, admin_headers, override, field, code
):
    before = Matter.objects.count()

    response = client.post(
        f"{API}/matters",
        matter_body(agency_a, **override),
        content_type="application/json",
        headers=admin_headers,
    )

    assert response.status_code == 400
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert Matter.objects.count() == before


def test_matter_for_unknown_agency_is_404(client, agency_a, admin_headers):
    response = client.post(
        f"{API}/matters",
        matter_body(agency_a, agency_id=999999),
        content_type="application/json",
        headers=admin_headers,
    )

    assert response.status_code == 404


def test_item_effective_in_the_future_is_not_published_yet(
    client, agency_a, matter_a, admin_headers, reviewer_headers
):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    created = client.post(
        f"{API}/proposals",
        proposal_body(agency_a, effective_date=tomorrow),
        content_type="application/json",
        headers=admin_headers,
    ).json()

    filed = client.post(
        f"{API}/proposals/{created['id']}/file",
        {},
        content_type="application/json",
        headers=reviewer_headers,
    )

    assert filed.json()["status"] == "filed"
    assert filed.json()["version"] is None
    assert not CertificationItem.objects.filter(code="RS-API-001").exists()


@pytest.mark.parametrize(
    "raw",
    [
        '"reason": "\\ud800"',
        '"payload": {"name": "\\udfff"}',
        '"payload": {"\\ud83d": "x"}',
    ],
)
def test_unpaired_surrogates_are_422_and_write_nothing(
    client, agency_a, matter_a, admin_headers, raw
):
    body = f'{{"agency_id": {agency_a.pk}, "action": "add", "item_code": "X-1", {raw}}}'

    response = client.post(
        f"{API}/proposals", body, content_type="application/json", headers=admin_headers
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert ChangeProposal.objects.count() == 0


def test_oversized_body_is_413_request_too_large(client, admin_headers, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post(
        f"{API}/proposals",
        {"reason": "理" * 2000},
        content_type="application/json",
        headers=admin_headers,
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_list_endpoints_use_a_fixed_number_of_queries(
    client, agency_a, matter_a, admin_headers, django_assert_max_num_queries
):
    for n in range(30):
        item = CertificationItemFactory(agency=agency_a, code=f"A-{n}")
        item.matters.add(matter_a)
        ChangeProposalFactory(agency=agency_a)

    with django_assert_max_num_queries(3):
        assert client.get(f"{API}/items").json()["count"] == 30
    with django_assert_max_num_queries(2):
        assert client.get(f"{API}/matters").json()["count"] == 1
    with django_assert_max_num_queries(8):
        assert client.get(f"{API}/proposals", headers=admin_headers).json()["count"] == 30

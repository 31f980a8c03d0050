"""Django admin: the same rules as the workbench (R-1.3), read-only history (R-7.2, R-9.1),
and audited edits of reference data."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from chengnuo.accounts.models import ApiToken, User
from chengnuo.agencies.constants import Role
from chengnuo.agencies.models import Membership
from chengnuo.audit.models import AuditEvent
from chengnuo.catalog.constants import Event, ProposalStatus
from chengnuo.catalog.models import CatalogVersion, CertificationItem, ChangeProposal, Matter
from chengnuo.catalog.services import proposal_submit
from chengnuo.core.digest import digest_bytes

from .factories import CertificationItemFactory, item_payload, user_with_role

pytestmark = pytest.mark.django_db

EXCLUDED_MESSAGE = "该证明事项涉及不适用告知承诺制的领域：公共安全，不得实行告知承诺制"
ADD_URL = "/admin/catalog/changeproposal/add/"


@pytest.fixture
def superadmin_a(admin_a):
    """An agency admin of agency A who also works in the Django admin."""
    User.objects.filter(pk=admin_a.pk).update(is_staff=True, is_superuser=True)
    admin_a.refresh_from_db()
    return admin_a


@pytest.fixture
def superuser(db):
    return user_with_role(Role.SYSTEM_ADMIN, None, is_staff=True, is_superuser=True)


def proposal_admin_data(agency, **overrides) -> dict:
    data = {
        "agency": agency.pk,
        "action": "add",
        "item_code": "RS-A-001",
        "name": "无犯罪记录证明",
        "proof_content": "申请人无犯罪记录",
        "issuer": "公安机关",
        "legal_basis": "《律师法》第五条",
        "matter_codes": "RS-001",
        "priority_domains": ["legal_services"],
        "under_commitment": "on",
        "verification_method": "online",
        "verification_time_limit_days": "10",
        "verification_standard": "比对公安机关违法犯罪记录信息",
        "disclosure_scope": "",
        "reason": "扩大告知承诺范围",
        "law_change": "国办发〔2020〕42号",
        "effective_date": timezone.localdate().isoformat(),
        "_save": "保存",
    }
    data.update(overrides)
    return data


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


# --- change proposals ---------------------------------------------------------------------------


def test_proposal_admin_add_form_refuses_excluded_domain_naming_it(
    client, superadmin_a, agency_a, matter_a
):
    client.force_login(superadmin_a)
    events_before = AuditEvent.objects.count()
    response = client.post(
        ADD_URL, proposal_admin_data(agency_a, excluded_domains=["public_safety"])
    )
    assert response.status_code == 200  # the form again, not a redirect
    form = response.context["adminform"].form
    assert EXCLUDED_MESSAGE in form.errors["under_commitment"]
    assert EXCLUDED_MESSAGE in response.content.decode()
    assert ChangeProposal.objects.count() == 0
    assert AuditEvent.objects.count() == events_before


def test_proposal_admin_add_submits_through_the_service(client, superadmin_a, agency_a, matter_a):
    client.force_login(superadmin_a)
    response = client.post(ADD_URL, proposal_admin_data(agency_a))
    assert response.status_code == 302
    proposal = ChangeProposal.objects.get()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.submitted_by == superadmin_a
    assert proposal.payload["matter_codes"] == ["RS-001"]
    assert AuditEvent.objects.filter(
        event=Event.PROPOSAL_SUBMITTED, target_id=str(proposal.pk)
    ).exists()


def test_proposal_admin_refuses_a_superuser_who_is_not_the_agencys_admin(
    client, superuser, agency_a, matter_a
):
    client.force_login(superuser)
    response = client.post(ADD_URL, proposal_admin_data(agency_a))
    assert response.status_code == 200
    assert (
        "只有本机关的部门管理员可以申报目录调整"
        in response.context["adminform"].form.errors["agency"]
    )
    assert ChangeProposal.objects.count() == 0


def test_proposal_admin_add_page_renders_sections(client, superadmin_a):
    client.force_login(superadmin_a)
    response = client.get(ADD_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "适用范围与风险" in html and "调整依据" in html


def test_existing_proposal_is_read_only_in_the_admin(client, superadmin_a, agency_a, matter_a):
    proposal = proposal_submit(
        actor=superadmin_a,
        agency=agency_a,
        action="add",
        item_code="RS-A-002",
        payload=item_payload(matter_codes=[matter_a.code]),
        reason="法律修订",
        law_change="《某法》修订",
        effective_date=timezone.localdate(),
    )
    client.force_login(superadmin_a)
    url = f"/admin/catalog/changeproposal/{proposal.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    assert "无犯罪记录证明" in response.content.decode()  # payload shown
    response = client.post(url, {"status": "filed", "reason": "改掉"})
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.reason == "法律修订"
    model_admin = admin.site._registry[ChangeProposal]
    assert not model_admin.has_delete_permission(_request(superadmin_a), proposal)


# --- read-only models ---------------------------------------------------------------------------


def test_audit_event_admin_has_no_add_change_or_delete(client, superuser, matter_a):
    model_admin = admin.site._registry[AuditEvent]
    request = _request(superuser)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)

    client.force_login(superuser)
    event = AuditEvent.objects.create(
        seq=1,
        occurred_at=timezone.now(),
        actor_label="系统",
        event="test.event",
        target_type="catalog.matter",
        target_id=str(matter_a.pk),
        target_label="x",
        prev_hash="0" * 64,
        hash="f" * 64,
    )
    assert client.get("/admin/audit/auditevent/").status_code == 200
    change_url = f"/admin/audit/auditevent/{event.pk}/change/"
    assert client.get(change_url).status_code == 200
    assert client.post(change_url, {"event": "tampered"}).status_code == 403
    assert (
        client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    event.refresh_from_db()
    assert event.event == "test.event"


def test_certification_items_and_versions_are_read_only_in_the_admin(superuser, agency_a):
    request = _request(superuser)
    for model in (CertificationItem, CatalogVersion):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_item_admin_page_links_to_the_workbench(client, superuser, agency_a):
    item = CertificationItemFactory(agency=agency_a, code="RS-I-010")
    client.force_login(superuser)
    response = client.get(f"/admin/catalog/certificationitem/{item.pk}/change/")
    assert response.status_code == 200
    assert "item=RS-I-010" in response.content.decode()


# --- matters through the services ------------------------------------------------------------


def test_matter_admin_add_goes_through_the_service(client, superadmin_a, agency_a):
    client.force_login(superadmin_a)
    response = client.post(
        "/admin/catalog/matter/add/",
        {
            "agency": agency_a.pk,
            "code": "RS-009",
            "name": "职业技能鉴定",
            "matter_type": "confirmation",
            "legal_basis": "《职业教育法》",
            "materials": "申请表\n身份证明",
            "_save": "保存",
        },
    )
    assert response.status_code == 302
    matter = Matter.objects.get(code="RS-009")
    assert matter.materials == ["申请表", "身份证明"]
    assert AuditEvent.objects.filter(event=Event.MATTER_CREATED, target_id=str(matter.pk)).exists()


def test_matter_admin_refuses_a_duplicate_code_with_the_services_message(
    client, superadmin_a, agency_a, matter_a
):
    client.force_login(superadmin_a)
    response = client.post(
        "/admin/catalog/matter/add/",
        {
            "agency": agency_a.pk,
            "code": "RS-001",
            "name": "重复",
            "matter_type": "licensing",
            "legal_basis": "依据",
            "materials": "",
            "_save": "保存",
        },
    )
    assert response.status_code == 200
    assert "事项编码“RS-001”已存在" in response.context["adminform"].form.errors["code"]
    assert Matter.objects.count() == 1


def test_matter_admin_change_goes_through_the_service(client, superadmin_a, matter_a):
    client.force_login(superadmin_a)
    response = client.post(
        f"/admin/catalog/matter/{matter_a.pk}/change/",
        {
            "name": "职业资格考试报名（修订）",
            "matter_type": "licensing",
            "legal_basis": "《行政许可法》",
            "materials": "报名表",
            "_save": "保存",
        },
    )
    assert response.status_code == 302
    matter_a.refresh_from_db()
    assert matter_a.name == "职业资格考试报名（修订）"
    assert AuditEvent.objects.filter(
        event=Event.MATTER_UPDATED, target_id=str(matter_a.pk)
    ).exists()


# --- agencies, users, tokens --------------------------------------------------------------------


def test_agency_admin_change_is_audited(client, superuser, agency_a):
    client.force_login(superuser)
    response = client.post(
        f"/admin/agencies/agency/{agency_a.pk}/change/",
        {
            "name": agency_a.name,
            "short_name": "人社局",
            "uscc": agency_a.uscc,
            "region": agency_a.region,
            "level": agency_a.level,
            "kind": agency_a.kind,
            "parent": "",
            "_save": "保存",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(event="agencies.agency_updated")
    assert event.before["short_name"] == ""
    assert event.after["short_name"] == "人社局"
    assert event.actor == superuser


def test_granting_a_role_in_the_user_admin_is_audited(client, superuser, agency_a):
    user = user_with_role(Role.WINDOW_CLERK, agency_a, username="clerk")
    membership = Membership.objects.get(user=user)
    client.force_login(superuser)
    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "username": "clerk",
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
            "last_login_0": "",
            "last_login_1": "",
            "display_name": "窗口人员甲",
            "failed_login_count": "0",
            "locked_until_0": "",
            "locked_until_1": "",
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-id": membership.pk,
            "memberships-0-user": user.pk,
            "memberships-0-agency": agency_a.pk,
            "memberships-0-role": "window_clerk",
            "memberships-1-id": "",
            "memberships-1-user": user.pk,
            "memberships-1-agency": agency_a.pk,
            "memberships-1-role": "case_officer",
            "_save": "保存",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Membership.objects.filter(user=user, role="case_officer").exists()
    granted = AuditEvent.objects.get(event="agencies.membership_granted")
    assert granted.after["role"] == "case_officer"
    assert granted.agency_id == agency_a.pk
    assert AuditEvent.objects.filter(event="accounts.user_updated", target_id=str(user.pk)).exists()


def test_user_admin_shows_platform_fields(client, superuser, admin_a):
    client.force_login(superuser)
    html = client.get(f"/admin/accounts/user/{admin_a.pk}/change/").content.decode()
    for name in ("display_name", "failed_login_count", "locked_until", "memberships-TOTAL_FORMS"):
        assert name in html


def test_api_token_admin_stores_only_the_digest_and_shows_the_token_once(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/apitoken/add/",
        {"user": superuser.pk, "name": "信用平台对接", "_save": "保存"},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    secret = next(m for m in shown if "只显示这一次" in m).rsplit("：", 1)[1]
    assert token.key_digest == digest_bytes(secret.encode())
    assert secret not in token.key_digest
    assert AuditEvent.objects.filter(event="accounts.api_token_created").exists()

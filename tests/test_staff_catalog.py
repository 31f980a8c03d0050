"""Staff workbench for catalog adjustments (R-1.3, R-7.2): propose, file, return, withdraw,
and keep matters — through the HTML pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.audit.models import AuditEvent
from chengnuo.catalog.constants import Event, ItemStatus, ProposalStatus
from chengnuo.catalog.models import CatalogVersion, CertificationItem, ChangeProposal, Matter
from chengnuo.catalog.services import proposal_submit

from .factories import (
    AgencyFactory,
    CertificationItemFactory,
    MatterFactory,
    item_payload,
    user_with_role,
)

pytestmark = pytest.mark.django_db

EXCLUDED_MESSAGE = "该证明事项涉及不适用告知承诺制的领域：公共安全，不得实行告知承诺制"


def add_form_data(**overrides) -> dict:
    """POST data of the proposal form for a valid item under commitment."""
    data = {
        "item_code": "RS-P-100",
        "name": "无犯罪记录证明",
        "proof_content": "申请人无犯罪记录",
        "issuer": "公安机关",
        "legal_basis": "《律师法》第五条",
        "matter_codes": ["RS-001"],
        "priority_domains": ["legal_services"],
        "under_commitment": "on",
        "verification_method": "online",
        "verification_time_limit_days": "10",
        "verification_standard": "比对公安机关违法犯罪记录信息",
        "disclosure_scope": "",
        "disclosure_period_days": "",
        "risk_points": "",
        "risk_controls": "",
        "reason": "扩大告知承诺范围",
        "law_change": "国办发〔2020〕42号",
        "effective_date": timezone.localdate().isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def create_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return (
        f"{reverse('catalog:proposal_create')}?{query}"
        if query
        else reverse("catalog:proposal_create")
    )


@pytest.fixture
def submitted(admin_a, agency_a, matter_a):
    return proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="RS-P-200",
        payload=item_payload(matter_codes=[matter_a.code]),
        reason="法律修订",
        law_change="《某法》修订",
        effective_date=timezone.localdate(),
    )


# --- proposing --------------------------------------------------------------------------------


def test_add_form_groups_item_fields_in_sections(client, admin_a, matter_a):
    client.force_login(admin_a)
    response = client.get(create_url(action="add"))
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("基本信息", "适用范围与风险", "核查方案", "公开与保险", "风险防控", "调整依据"):
        assert title in html
    assert "公共安全" in html  # excluded domains offered with Chinese labels
    assert "职业资格考试报名（RS-001）" in html  # the agency's matters


def test_admin_proposes_add_and_reviewer_files_it_into_force(client, admin_a, reviewer, matter_a):
    client.force_login(admin_a)
    response = client.post(create_url(action="add"), add_form_data())
    proposal = ChangeProposal.objects.get(item_code="RS-P-100")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:proposal_detail", args=[proposal.pk])
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.submitted_by == admin_a
    assert proposal.payload["matter_codes"] == ["RS-001"]

    client.force_login(reviewer)
    detail = client.get(reverse("catalog:proposal_detail", args=[proposal.pk]))
    assert reverse("catalog:proposal_file", args=[proposal.pk]) in detail.content.decode()
    response = client.post(
        reverse("catalog:proposal_file", args=[proposal.pk]), {"comment": "同意备案"}
    )
    assert response.status_code == 302

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EFFECTIVE
    assert proposal.review_comment == "同意备案"
    item = CertificationItem.objects.get(code="RS-P-100")
    assert item.status == ItemStatus.IN_FORCE
    assert list(item.matters.values_list("code", flat=True)) == ["RS-001"]
    version = CatalogVersion.objects.get(agency=proposal.agency)
    assert "RS-P-100" in version.items
    assert proposal.version == version


def test_filing_a_future_change_leaves_it_filed_until_its_date(client, reviewer, submitted):
    ChangeProposal.objects.filter(pk=submitted.pk).update(
        effective_date=timezone.localdate() + dt.timedelta(days=5)
    )
    client.force_login(reviewer)
    client.post(reverse("catalog:proposal_file", args=[submitted.pk]))
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.FILED
    assert not CertificationItem.objects.filter(code=submitted.item_code).exists()


def test_excluded_domain_under_commitment_is_refused_naming_the_domain(client, admin_a, matter_a):
    client.force_login(admin_a)
    events_before = AuditEvent.objects.count()
    response = client.post(
        create_url(action="add"), add_form_data(excluded_domains=["public_safety"])
    )
    assert response.status_code == 400
    assert EXCLUDED_MESSAGE in response.content.decode()
    assert EXCLUDED_MESSAGE in response.context["form"].errors["under_commitment"]
    assert ChangeProposal.objects.count() == 0
    assert AuditEvent.objects.count() == events_before


def test_missing_item_name_is_refused_on_its_field(client, admin_a, matter_a):
    client.force_login(admin_a)
    response = client.post(create_url(action="add"), add_form_data(name=""))
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["证明事项名称为必填项"]
    assert ChangeProposal.objects.count() == 0


def test_refused_form_keeps_what_was_entered(client, admin_a, matter_a):
    client.force_login(admin_a)
    response = client.post(
        create_url(action="add"), add_form_data(excluded_domains=["public_safety"])
    )
    assert 'value="RS-P-100"' in response.content.decode()


def test_reviewer_may_not_propose(client, reviewer):
    client.force_login(reviewer)
    response = client.get(create_url(action="add"))
    assert response.status_code == 403
    assert "部门管理员" in response.content.decode()


def test_amend_form_is_prefilled_from_the_live_item(client, admin_a, agency_a, matter_a):
    item = CertificationItemFactory(agency=agency_a, code="RS-I-001", name="社保缴费证明")
    item.matters.set([matter_a])
    client.force_login(admin_a)
    response = client.get(create_url(action="amend", item="RS-I-001"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["name"].value() == "社保缴费证明"
    assert form["matter_codes"].value() == ["RS-001"]
    assert form["item_code"].value() == "RS-I-001"
    assert form.fields["item_code"].disabled


def test_amend_detail_shows_before_and_after(client, admin_a, agency_a, matter_a):
    item = CertificationItemFactory(agency=agency_a, code="RS-I-002", name="旧名称")
    item.matters.set([matter_a])
    client.force_login(admin_a)
    data = add_form_data(name="新名称", item_code="ignored-because-disabled")
    response = client.post(create_url(action="amend", item="RS-I-002"), data)
    assert response.status_code == 302
    proposal = ChangeProposal.objects.get()
    assert proposal.item_code == "RS-I-002"
    detail = client.get(reverse("catalog:proposal_detail", args=[proposal.pk]))
    html = detail.content.decode()
    assert "调整前后对照" in html
    assert "旧名称" in html and "新名称" in html
    changed = [row["label"] for row in detail.context["rows"] if row["changed"]]
    assert "证明事项名称" in changed


def test_remove_proposal_needs_no_item_fields(client, admin_a, agency_a):
    CertificationItemFactory(agency=agency_a, code="RS-I-003")
    client.force_login(admin_a)
    response = client.post(
        create_url(action="remove", item="RS-I-003"),
        {
            "reason": "上位法废止",
            "law_change": "《某条例》废止",
            "effective_date": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    proposal = ChangeProposal.objects.get()
    assert proposal.action == "remove"
    assert proposal.payload == {}


def test_amend_without_item_offers_the_agencys_items(client, admin_a, agency_a, agency_b):
    CertificationItemFactory(agency=agency_a, code="RS-I-004", name="本机关证明")
    CertificationItemFactory(agency=agency_b, code="MZ-I-001", name="他机关证明")
    client.force_login(admin_a)
    response = client.get(create_url(action="amend"))
    html = response.content.decode()
    assert "本机关证明" in html
    assert "他机关证明" not in html


def test_admin_of_several_agencies_chooses_one_first(client, admin_a, agency_b):
    from chengnuo.agencies.models import Membership

    Membership.objects.create(user=admin_a, agency=agency_b, role=Role.AGENCY_ADMIN)
    client.force_login(admin_a)
    response = client.get(create_url(action="add"))
    assert response.status_code == 200
    assert "选择申报机关" in response.content.decode()
    response = client.get(create_url(action="add", agency=agency_b.pk))
    assert response.context["agency"] == agency_b


def test_unknown_action_is_not_found(client, admin_a):
    client.force_login(admin_a)
    assert client.get(create_url(action="explode")).status_code == 404


# --- reviewing --------------------------------------------------------------------------------


def test_reviewer_returns_with_a_reason_which_the_detail_shows(client, reviewer, submitted):
    client.force_login(reviewer)
    response = client.post(
        reverse("catalog:proposal_return", args=[submitted.pk]),
        {"reason": "法律依据引用不准确，请核实条款"},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.RETURNED
    assert submitted.review_comment == "法律依据引用不准确，请核实条款"
    detail = client.get(reverse("catalog:proposal_detail", args=[submitted.pk]))
    html = detail.content.decode()
    assert "法律依据引用不准确，请核实条款" in html
    assert "已退回" in html
    assert reverse("catalog:proposal_file", args=[submitted.pk]) not in html


def test_return_without_a_reason_is_refused(client, reviewer, submitted):
    client.force_login(reviewer)
    events_before = AuditEvent.objects.count()
    response = client.post(reverse("catalog:proposal_return", args=[submitted.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "退回必须写明理由" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.SUBMITTED
    assert AuditEvent.objects.count() == events_before


def test_agency_admin_sees_withdraw_but_no_filing_buttons(client, admin_a, submitted):
    client.force_login(admin_a)
    html = client.get(reverse("catalog:proposal_detail", args=[submitted.pk])).content.decode()
    assert reverse("catalog:proposal_withdraw", args=[submitted.pk]) in html
    assert reverse("catalog:proposal_file", args=[submitted.pk]) not in html
    assert reverse("audit:history", args=["catalog.changeproposal", submitted.pk]) in html


def test_agency_admin_cannot_file_own_proposal(client, admin_a, submitted):
    client.force_login(admin_a)
    response = client.post(reverse("catalog:proposal_file", args=[submitted.pk]))
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.SUBMITTED


def test_admin_withdraws_a_submitted_proposal(client, admin_a, submitted):
    client.force_login(admin_a)
    response = client.post(reverse("catalog:proposal_withdraw", args=[submitted.pk]))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.WITHDRAWN
    assert AuditEvent.objects.filter(
        event=Event.PROPOSAL_WITHDRAWN, target_id=str(submitted.pk)
    ).exists()


def test_withdrawing_a_returned_proposal_is_refused_with_the_state(
    client, admin_a, reviewer, submitted
):
    client.force_login(reviewer)
    client.post(
        reverse("catalog:proposal_return", args=[submitted.pk]), {"reason": "材料不全，请补充"}
    )
    client.force_login(admin_a)
    response = client.post(reverse("catalog:proposal_withdraw", args=[submitted.pk]))
    assert response.status_code == 400
    assert "不能撤回" in response.content.decode()


def test_file_page_only_accepts_post(client, reviewer, submitted):
    client.force_login(reviewer)
    assert client.get(reverse("catalog:proposal_file", args=[submitted.pk])).status_code == 405


# --- list ---------------------------------------------------------------------------------------


def test_list_filters_by_status(client, reviewer, admin_a, agency_a, submitted):
    returned = proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="RS-P-300",
        payload=item_payload(matter_codes=["RS-001"]),
        reason="法律修订",
        law_change="《某法》修订",
        effective_date=timezone.localdate(),
    )
    ChangeProposal.objects.filter(pk=returned.pk).update(status=ProposalStatus.RETURNED)
    client.force_login(reviewer)
    response = client.get(reverse("catalog:proposal_list"), {"status": "returned"})
    assert [p.pk for p in response.context["page"]] == [returned.pk]
    response = client.get(reverse("catalog:proposal_list"))
    assert {p.pk for p in response.context["page"]} == {returned.pk, submitted.pk}
    assert "RS-P-200" in response.content.decode()


def test_list_filters_by_agency(client, reviewer, agency_b, submitted):
    client.force_login(reviewer)
    response = client.get(reverse("catalog:proposal_list"), {"agency": agency_b.pk})
    assert list(response.context["page"]) == []


def test_list_ignores_a_bogus_filter(client, reviewer, submitted):
    client.force_login(reviewer)
    response = client.get(reverse("catalog:proposal_list"), {"status": "nonsense", "agency": "x"})
    assert response.status_code == 200


# --- matters ------------------------------------------------------------------------------------


def test_admin_creates_a_matter_with_materials_one_per_line(client, admin_a, agency_a):
    client.force_login(admin_a)
    response = client.post(
        reverse("catalog:matter_create"),
        {
            "code": "RS-002",
            "name": "社会保险登记",
            "matter_type": "confirmation",
            "legal_basis": "《社会保险法》第五十七条",
            "materials": "登记表\n\n营业执照 \n",
        },
    )
    assert response.status_code == 302
    matter = Matter.objects.get(code="RS-002")
    assert matter.agency == agency_a
    assert matter.materials == ["登记表", "营业执照"]
    assert AuditEvent.objects.filter(event=Event.MATTER_CREATED, target_id=str(matter.pk)).exists()


def test_duplicate_matter_code_is_refused_on_the_code_field(client, admin_a, matter_a):
    client.force_login(admin_a)
    response = client.post(
        reverse("catalog:matter_create"),
        {"code": "RS-001", "name": "重复", "matter_type": "licensing", "legal_basis": "依据"},
    )
    assert response.status_code == 400
    assert "事项编码“RS-001”已存在" in response.context["form"].errors["code"]


def test_admin_edits_a_matter(client, admin_a, matter_a):
    client.force_login(admin_a)
    url = reverse("catalog:matter_edit", args=[matter_a.pk])
    assert "申请书\n身份证明" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "name": "职业资格考试报名（修订）",
            "matter_type": "licensing",
            "legal_basis": "《行政许可法》",
            "materials": "报名表",
            "code": "HACKED",
        },
    )
    assert response.status_code == 302
    matter_a.refresh_from_db()
    assert matter_a.name == "职业资格考试报名（修订）"
    assert matter_a.materials == ["报名表"]
    assert matter_a.code == "RS-001"


def test_matter_edit_with_blank_name_is_refused(client, admin_a, matter_a):
    client.force_login(admin_a)
    response = client.post(
        reverse("catalog:matter_edit", args=[matter_a.pk]),
        {"name": "", "matter_type": "licensing", "legal_basis": "依据", "materials": ""},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["事项名称为必填项"]
    matter_a.refresh_from_db()
    assert matter_a.name == "职业资格考试报名"


def test_matter_list_shows_only_own_agency(client, admin_a, matter_a, agency_b):
    MatterFactory(agency=agency_b, code="MZ-001", name="低保申请")
    client.force_login(admin_a)
    html = client.get(reverse("catalog:matter_list")).content.decode()
    assert "RS-001" in html
    assert "MZ-001" not in html


def test_user_without_admin_role_cannot_keep_matters(client, agency_a):
    clerk = user_with_role(Role.WINDOW_CLERK, agency_a)
    client.force_login(clerk)
    assert client.get(reverse("catalog:matter_list")).status_code == 403
    assert client.get(reverse("catalog:matter_create")).status_code == 403


def test_county_agency_admin_proposes_for_own_agency_only(client):
    county = AgencyFactory(county=True)
    admin = user_with_role(Role.AGENCY_ADMIN, county)
    client.force_login(admin)
    response = client.get(create_url(action="add"))
    assert response.context["agency"] == county

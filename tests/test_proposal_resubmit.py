"""R-7.2 filing: a proposal the Justice Bureau returned is amended and resubmitted, keeping the
reviewer's reasons and each revision in the proposal's history (issue 11 §7: the admin had to
retype it as a new proposal); `catalog_apply_due --on DATE` like the other daily commands."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from chengnuo.audit.models import AuditEvent
from chengnuo.catalog import services
from chengnuo.catalog.constants import Event, ProposalStatus
from chengnuo.catalog.models import CatalogVersion, CertificationItem, ChangeProposal
from chengnuo.core.errors import DomainError, NotFound

from .factories import item_payload
from .test_catalog_services import submit

RETURN_REASON = "设定依据只写了法律名称，未写明具体条款，请补充条款后重新申报"


@pytest.fixture
def returned(admin_a, reviewer, agency_a, matter_a) -> ChangeProposal:
    proposal = submit(admin_a, agency_a, matter_a, legal_basis="《律师法》")
    return services.proposal_return(actor=reviewer, proposal=proposal, reason=RETURN_REASON)


def resubmit(admin, proposal, **changes):
    payload = {**proposal.payload, **changes}
    return services.proposal_resubmit(
        actor=admin,
        proposal=proposal,
        payload=payload,
        reason=proposal.reason,
        law_change=proposal.law_change,
        effective_date=timezone.localdate(),
        note="补充了设定依据的条款",
    )


def test_a_returned_proposal_is_amended_and_resubmitted_keeping_the_reasons_and_revisions(
    admin_a, reviewer, returned
):
    again = resubmit(admin_a, returned, legal_basis="《中华人民共和国律师法》第五条")
    assert again.pk == returned.pk  # the same proposal, not a retyped new one
    assert again.status == ProposalStatus.SUBMITTED
    assert again.payload["legal_basis"] == "《中华人民共和国律师法》第五条"
    assert again.review_comment == "" and again.reviewed_by is None
    first, second = again.revisions.order_by("number")
    assert (first.number, first.outcome, first.review_comment) == (1, "returned", RETURN_REASON)
    assert first.payload["legal_basis"] == "《律师法》" and first.reviewed_by == reviewer
    assert (second.number, second.outcome, second.note) == (2, "", "补充了设定依据的条款")
    assert second.payload["legal_basis"] == "《中华人民共和国律师法》第五条"
    event = AuditEvent.objects.get(event=Event.PROPOSAL_RESUBMITTED)
    assert event.before["status"] == "returned" and event.after["revision"] == 2
    # the reviewer files the amended proposal; it takes effect as usual
    filed = services.proposal_file(actor=reviewer, proposal=again)
    assert filed.status == ProposalStatus.EFFECTIVE
    assert CertificationItem.objects.get(code="RS-X-1").legal_basis.endswith("第五条")
    assert again.revisions.get(number=2).outcome == "filed"


@pytest.mark.parametrize("state", ["submitted", "filed", "withdrawn"])
def test_only_a_returned_proposal_can_be_resubmitted(admin_a, reviewer, agency_a, matter_a, state):
    proposal = submit(admin_a, agency_a, matter_a, effective=timezone.localdate() + dt.timedelta(7))
    if state == "filed":
        services.proposal_file(actor=reviewer, proposal=proposal)
    elif state == "withdrawn":
        services.proposal_withdraw(actor=admin_a, proposal=proposal)
    proposal.refresh_from_db()
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        resubmit(admin_a, proposal, name="改名")
    assert exc.value.code == "invalid_state"
    assert AuditEvent.objects.count() == events
    assert ChangeProposal.objects.get(pk=proposal.pk).payload["name"] == "无犯罪记录证明"


def test_another_agencys_admin_cannot_resubmit_and_nothing_changes(admin_b, returned):
    with pytest.raises(NotFound):
        resubmit(admin_b, returned, name="别的机关改的")
    returned.refresh_from_db()
    assert returned.status == ProposalStatus.RETURNED and returned.revisions.count() == 1


def test_a_resubmission_is_checked_like_a_submission(admin_a, returned):
    with pytest.raises(DomainError) as exc:
        resubmit(admin_a, returned, excluded_domains=["public_safety"])
    assert exc.value.code == "excluded_domain" and "公共安全" in exc.value.message
    returned.refresh_from_db()
    assert returned.status == ProposalStatus.RETURNED and returned.revisions.count() == 1


def test_the_pages_offer_the_amend_form_prefilled_with_the_reasons_shown(
    admin_a, reviewer, returned
):
    client = Client()
    client.force_login(admin_a)
    detail = client.get(f"/staff/catalog/proposals/{returned.pk}/").content.decode()
    assert "按退回理由修改后重新提交" in detail and RETURN_REASON in detail
    form = client.get(f"/staff/catalog/proposals/{returned.pk}/resubmit/").content.decode()
    assert RETURN_REASON in form and "《律师法》" in form  # starts from what was submitted
    payload = item_payload(matter_codes=[returned.payload["matter_codes"][0]])
    data = {k: v for k, v in payload.items() if not isinstance(v, list | bool) and v is not None}
    data.update(
        legal_basis="《中华人民共和国律师法》第五条",
        matter_codes=payload["matter_codes"],
        priority_domains=payload["priority_domains"],
        under_commitment="on",
        reason=returned.reason,
        law_change=returned.law_change,
        effective_date=timezone.localdate().isoformat(),
        note="补充条款",
    )
    response = client.post(f"/staff/catalog/proposals/{returned.pk}/resubmit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    returned.refresh_from_db()
    assert returned.status == ProposalStatus.SUBMITTED
    assert returned.payload["legal_basis"] == "《中华人民共和国律师法》第五条"
    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    page = reviewer_client.get(f"/staff/catalog/proposals/{returned.pk}/").content.decode()
    assert "第1次提交" in page and "第2次提交" in page and RETURN_REASON in page


def test_catalog_apply_due_on_a_date_applies_what_is_due_that_day(
    admin_a, reviewer, agency_a, matter_a
):
    later = timezone.localdate() + dt.timedelta(days=5)
    proposal = submit(admin_a, agency_a, matter_a, effective=later)
    services.proposal_file(actor=reviewer, proposal=proposal)
    out = io.StringIO()
    call_command(
        "catalog_apply_due", "--on", (later - dt.timedelta(days=1)).isoformat(), stdout=out
    )
    assert "0 catalog version(s)" in out.getvalue()
    assert not CatalogVersion.objects.exists()
    call_command("catalog_apply_due", "--on", later.isoformat(), stdout=out)
    assert CatalogVersion.objects.filter(agency=agency_a, effective_date=later).exists()
    assert ChangeProposal.objects.get(pk=proposal.pk).status == ProposalStatus.EFFECTIVE
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("catalog_apply_due", "--on", "2026-13-01")


def test_a_new_matter_stays_off_the_portal_until_a_filed_item_names_it(
    client, admin_a, reviewer, agency_a
):
    """Issue 11 §9, ADR 0008: matters are not filed, but the public sees one only once the
    filing procedure has put an item under it."""
    from chengnuo.catalog.services import matter_create

    matter = matter_create(
        actor=admin_a,
        agency=agency_a,
        data={
            "code": "RS-NEW-1",
            "name": "新设事项",
            "matter_type": "confirmation",
            "legal_basis": "《中华人民共和国社会保险法》第八十二条",
            "materials": [],
        },
    )
    assert client.get(f"/matters/{matter.code}/").status_code == 404
    assert "新设事项" not in client.get("/matters/").content.decode()
    proposal = submit(admin_a, agency_a, matter, code="RS-NEW-ITEM")
    assert client.get(f"/matters/{matter.code}/").status_code == 404  # submitted, not filed
    services.proposal_file(actor=reviewer, proposal=proposal)
    assert client.get(f"/matters/{matter.code}/").status_code == 200
    assert "新设事项" in client.get("/matters/").content.decode()

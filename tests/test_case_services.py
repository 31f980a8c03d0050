"""Cases handled by commitment: the choice per item (R-2.1), credit eligibility (R-2.2), the risk
level for staff (R-6.4), signing bound to the template versions read (R-3.1, R-3.3), liability
insurance (R-6.5), withdrawal (R-6.2), decisions, published commitments (R-6.3), and every
transition attributable and tamper-evident (R-9.1). These tests run with and without the
verification app installed (`tests/settings_without_verification.py`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from chengnuo.audit.models import AuditEvent
from chengnuo.audit.services import verify_chain
from chengnuo.cases import rules, services
from chengnuo.cases.constants import CaseStatus, Channel, Choice, CommitmentStatus, Event
from chengnuo.cases.models import Case, CaseItem, Commitment, Proof
from chengnuo.cases.selectors import case_timeline
from chengnuo.core.digest import digest_bytes
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.documents import services as doc_services
from chengnuo.documents.constants import TemplateKind
from chengnuo.documents.models import CommitmentTemplate

from .cases_helpers import (
    World,
    build_world,
    line,
    pdf_upload,
    png_upload,
    read_versions,
    ready_case,
    serious_record,
    sign,
)
from .factories import AgencyFactory, user_with_role
from .test_document_render import pdf_text


@pytest.fixture
def w(db) -> World:
    return build_world()


@pytest.fixture
def case(w) -> Case:
    return services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


# --- starting a case --------------------------------------------------------------------------


def test_an_applicant_starts_an_online_case_with_one_line_per_required_item(w, case):
    assert case.channel == Channel.ONLINE
    assert case.number.startswith("CN")
    assert case.status == CaseStatus.DRAFT
    lines = {li.item.code: li for li in case.items.select_related("item")}
    assert set(lines) == {w.social.code, w.marriage.code, w.diploma.code}
    assert lines[w.social.code].commit_offered and lines[w.social.code].choice == ""
    assert not lines[w.diploma.code].commit_offered
    assert lines[w.diploma.code].choice == Choice.PROOF
    assert "未实行告知承诺制" in lines[w.diploma.code].eligibility["reasons"][0]["message"]
    assert case.risk_level == "A"
    assert case_timeline(case, staff=True).filter(event=Event.CREATED).count() == 1
    assert AuditEvent.objects.filter(event=Event.CREATED, target_id=str(case.pk)).count() == 1


def test_nobody_else_may_start_a_case_for_the_subject_and_nothing_is_written(w):
    stranger = user_with_role("applicant", None, username="stranger")
    other_clerk = user_with_role("window_clerk", AgencyFactory(), username="other-clerk")
    for actor in (stranger, other_clerk):
        with pytest.raises(PermissionDenied):
            services.case_create(actor=actor, matter=w.matter, subject=w.person)
    assert not Case.objects.exists()


def test_a_window_clerk_starts_a_case_for_a_walk_in_applicant(w):
    case = services.case_create(actor=w.clerk, matter=w.matter, subject=w.person)
    assert case.channel == Channel.WINDOW
    assert case.started_by == w.clerk


# --- commit or proof (R-2.1, R-2.2) ---------------------------------------------------------


def test_commit_refused_for_a_subject_with_a_false_commitment_naming_the_reason_and_repair(w):
    serious_record(w.person)
    case = services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)
    social = line(case, w.social)
    assert not social.commit_offered
    assert social.choice == Choice.PROOF
    assert "虚假承诺" in social.eligibility["reasons"][0]["message"]
    assert "信用修复" in social.eligibility["repair_hint"]
    assert case.risk_level in ("C", "D")
    with pytest.raises(DomainError) as exc:
        services.item_choose(actor=w.applicant, case_item=social, choice=Choice.COMMIT)
    assert exc.value.code == "commitment_not_allowed"
    assert "虚假承诺" in exc.value.message and "信用修复" in exc.value.message
    with pytest.raises(DomainError):
        sign(w.applicant, case, w.social)
    assert not Commitment.objects.exists()
    # the case goes on with the proof (choosing the proof is never penalised)
    services.proof_upload(actor=w.applicant, case_item=line(case, w.social), upload=pdf_upload())
    assert line(case, w.social).resolved


def test_a_record_written_after_the_case_started_is_checked_again_at_signing(w, case):
    serious_record(w.person)
    with pytest.raises(DomainError) as exc:
        sign(w.applicant, case, w.social)
    assert exc.value.code == "commitment_not_allowed"
    assert "虚假承诺" in exc.value.message
    assert not Commitment.objects.exists()


def test_commit_unavailable_for_an_item_not_under_commitment(w, case):
    with pytest.raises(DomainError) as exc:
        services.item_choose(actor=w.applicant, case_item=line(case, w.diploma), choice="commit")
    assert "未实行告知承诺制" in exc.value.message


def test_commit_unavailable_once_the_item_is_no_longer_in_force(w, case):
    w.social.status = "removed"
    w.social.save()
    with pytest.raises(DomainError) as exc:
        sign(w.applicant, case, w.social)
    assert exc.value.code == "commitment_not_allowed"
    assert "目录" in exc.value.message


def test_commit_follows_the_catalog_version_in_force_that_day():
    on = dt.date(2026, 11, 27)
    assert rules.in_force_under_commitment(
        live_in_force=True, live_under_commitment=True, snapshot={}
    )
    assert not rules.in_force_under_commitment(
        live_in_force=True, live_under_commitment=True, snapshot=None
    )
    assert not rules.in_force_under_commitment(
        live_in_force=True, live_under_commitment=True, snapshot={"under_commitment": False}
    )
    assert rules.disclosure_period(scope="website", period_days=30, on=on) == (
        on,
        dt.date(2026, 12, 26),
    )
    assert rules.disclosure_period(scope="", period_days=30, on=on) is None


def test_choosing_the_proof_is_always_allowed(w, case):
    chosen = services.item_choose(actor=w.applicant, case_item=line(case, w.social), choice="proof")
    assert chosen.choice == Choice.PROOF


# --- signing (R-3.1, R-3.3) -----------------------------------------------------------------


def test_signing_binds_the_notification_and_commitment_versions_and_their_digests(w, case):
    c = sign(w.applicant, case, w.social, facts={"meets_condition": "连续缴纳24个月"})
    notification, commitment = services.current_versions(w.social)
    assert c.notification_version == notification
    assert c.notification_digest == notification.digest
    assert c.commitment_version == commitment
    assert c.commitment_digest == commitment.digest
    assert c.facts == {"meets_condition": "连续缴纳24个月"}
    assert c.method == "online" and c.signed_by == w.applicant
    assert c.signer_name == "王小明"
    assert line(case, w.social).choice == Choice.COMMIT
    assert len(c.digest) == 64
    assert AuditEvent.objects.filter(event=Event.COMMITMENT_SIGNED).count() == 1


def test_the_signed_pdf_is_archived_with_its_sm3_digest_and_the_chinese_text(
    w, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed = sign(w.applicant, case, w.social)
    c = Commitment.objects.get(pk=signed.pk)
    assert c.pdf
    body = c.pdf.read()
    assert digest_bytes(body) == c.pdf_digest
    text = pdf_text(body)
    assert "社会保险缴费证明" in text and "王小明" in text and case.number in text
    assert case_timeline(case, staff=True).filter(event=Event.COMMITMENT_ARCHIVED).exists()


def test_an_old_commitment_renders_against_the_version_it_was_signed_with(w, case):
    c = sign(w.applicant, case, w.social)
    template = CommitmentTemplate.objects.get(item=w.social)
    doc_services.template_draft_update(
        actor=w.admin, template=template, data={"free_text": "自2027年起另需说明缴费基数。"}
    )
    v2 = doc_services.template_publish(actor=w.admin, template=template)
    assert v2.number == 2
    content = services.signed_content(Commitment.objects.get(pk=c.pk))
    assert content["version"]["number"] == 1
    assert content["version"]["digest"] == c.commitment_digest
    assert "自2027年起" not in str(content)


def test_signing_is_refused_when_a_newer_text_was_published_since_it_was_read(w, case):
    read = read_versions(w.social)
    template = CommitmentTemplate.objects.get(item=w.social)
    doc_services.template_draft_update(actor=w.admin, template=template, data={"free_text": "补充"})
    doc_services.template_publish(actor=w.admin, template=template)
    with pytest.raises(Conflict) as exc:
        services.commitment_sign(
            actor=w.applicant,
            case_item=line(case, w.social),
            read=read,
            facts={"meets_condition": "是"},
            confirmed=True,
        )
    assert exc.value.code == "stale_template"
    assert "重新阅读" in exc.value.message
    assert not Commitment.objects.exists()


def test_signing_needs_the_confirmation_and_every_required_fact(w, case):
    with pytest.raises(DomainError) as exc:
        sign(w.applicant, case, w.social, confirmed=False)
    assert exc.value.code == "not_confirmed"
    with pytest.raises(DomainError) as exc:
        sign(w.applicant, case, w.social, facts={})
    assert "缺少承诺事实" in str(exc.value.details)
    assert not Commitment.objects.exists()


def test_a_commitment_cannot_be_signed_twice(w, case):
    sign(w.applicant, case, w.social)
    with pytest.raises(Conflict):
        sign(w.applicant, case, w.social)
    assert Commitment.objects.count() == 1


def test_at_the_window_the_clerk_records_the_handwritten_signature_scan(w):
    case = services.case_create(actor=w.clerk, matter=w.matter, subject=w.person)
    with pytest.raises(DomainError) as exc:
        sign(w.clerk, case, w.social)
    assert exc.value.code == "signature_scan_required"
    c = sign(w.clerk, case, w.social, signature_scan=png_upload())
    assert c.method == "handwritten"
    assert c.signature_scan and len(c.signature_scan_digest) == 64


# --- insurance (R-6.5) ----------------------------------------------------------------------


def test_items_flagged_for_liability_insurance_require_a_policy_before_signing(w, case):
    w.social.liability_insurance_required = True
    w.social.save()
    with pytest.raises(DomainError) as exc:
        sign(w.applicant, case, w.social)
    assert exc.value.code == "insurance_required"
    today = timezone.localdate()
    expired = {
        "insurer": "中国人保阜阳分公司",
        "policy_number": "PICC-2026-001",
        "amount": "500000",
        "start": (today - dt.timedelta(days=400)).isoformat(),
        "end": (today - dt.timedelta(days=35)).isoformat(),
    }
    with pytest.raises(DomainError) as exc:
        sign(w.applicant, case, w.social, insurance=expired)
    assert "不在保险期间内" in str(exc.value.details)
    assert not Commitment.objects.exists()
    valid = dict(expired, end=(today + dt.timedelta(days=330)).isoformat())
    c = sign(w.applicant, case, w.social, insurance=valid)
    assert c.insurance["policy_number"] == "PICC-2026-001"
    assert c.insurance["amount"] == "500000.00"


def test_insurance_parts_are_each_named_when_invalid():
    _clean, errors = rules.clean_insurance(
        {"insurer": "", "amount": "-5", "start": "x", "end": "2026-01-01"},
        on=dt.date(2026, 11, 27),
    )
    fields = {e.field for e in errors}
    assert {"insurance.insurer", "insurance.policy_number", "insurance.amount"} <= fields
    assert "insurance.start" in fields


# --- proofs ---------------------------------------------------------------------------------


def test_proofs_are_limited_by_type_and_size_and_nothing_is_stored_when_refused(w, case):
    social = line(case, w.social)
    text = SimpleUploadedFile("a.pdf", b"just text", content_type="application/pdf")
    with pytest.raises(DomainError) as exc:
        services.proof_upload(actor=w.applicant, case_item=social, upload=text)
    assert exc.value.code == "file_type" and "a.pdf" in exc.value.message
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024), content_type="x")
    with pytest.raises(DomainError) as exc:
        services.proof_upload(actor=w.applicant, case_item=social, upload=big)
    assert exc.value.code == "file_too_large"
    assert not Proof.objects.exists()
    proof = services.proof_upload(actor=w.applicant, case_item=social, upload=pdf_upload())
    assert proof.content_type == "application/pdf"
    assert line(case, w.social).choice == Choice.PROOF


# --- withdrawal (R-6.2) ---------------------------------------------------------------------


def test_withdrawing_before_conclusion_reverts_the_item_to_the_proof_and_the_case_continues(
    w, case
):
    c = sign(w.applicant, case, w.social)
    with pytest.raises(DomainError):
        services.commitment_withdraw(actor=w.applicant, commitment=c, reason="  ")
    assert Commitment.objects.get(pk=c.pk).status == CommitmentStatus.SIGNED
    c = services.commitment_withdraw(
        actor=w.applicant, commitment=c, reason="已找到原单位开具的缴费证明，改为提交证明"
    )
    assert c.status == CommitmentStatus.WITHDRAWN
    social = line(case, w.social)
    assert social.choice == Choice.PROOF and not social.resolved
    assert case_timeline(case, staff=True).filter(event=Event.COMMITMENT_WITHDRAWN).exists()
    services.proof_upload(actor=w.applicant, case_item=social, upload=pdf_upload())
    assert line(case, w.social).resolved
    # signing again is possible after a withdrawal? no: the item now takes the proof
    assert fresh(case).status == CaseStatus.DRAFT


def test_withdrawal_after_conclusion_is_refused_with_the_reason(w):
    case = ready_case(w)
    services.case_decide(actor=w.officer, case=case, decision="approve")
    c = Commitment.objects.filter(case=case).first()
    with pytest.raises(DomainError) as exc:
        services.commitment_withdraw(actor=w.applicant, commitment=c, reason="不想承诺了，理由充分")
    assert exc.value.code == "case_concluded"
    assert "办结后不能退出承诺" in exc.value.message
    assert Commitment.objects.get(pk=c.pk).status == CommitmentStatus.SIGNED


# --- submission and decisions ---------------------------------------------------------------


def test_submission_is_refused_naming_each_unresolved_item(w, case):
    sign(w.applicant, case, w.social)
    with pytest.raises(DomainError) as exc:
        services.case_submit(actor=w.applicant, case=case)
    assert "婚姻状况证明" in exc.value.message and "学历证明" in exc.value.message
    assert fresh(case).status == CaseStatus.DRAFT


def test_the_case_flow_runs_whether_or_not_verification_is_installed(w):
    """Run with tests/settings_without_verification.py too: cases import nothing from
    verification, which only reacts to their events."""
    import sys

    from django.apps import apps

    from chengnuo.core import events

    installed = apps.is_installed("chengnuo.verification")
    case = services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    assert case.status == CaseStatus.APPROVED
    reacting = {h.key for h in events.handlers_for("case.approved")}
    assert ("verification.draw_after" in reacting) == installed
    if not installed:
        assert not any(m.startswith("chengnuo.verification") for m in sys.modules)


def test_approval_publishes_disclosed_commitments(w):
    case = ready_case(w)
    assert case.status == CaseStatus.SUBMITTED and case.due_date > timezone.localdate()
    case = services.case_decide(actor=w.officer, case=case, decision="approve")
    assert case.status == CaseStatus.APPROVED and case.decided_by == w.officer
    marriage = Commitment.objects.get(case=case, item=w.marriage)
    social = Commitment.objects.get(case=case, item=w.social)
    today = timezone.localdate()
    assert marriage.publish_from == today
    assert marriage.publish_to == today + dt.timedelta(days=29)
    assert social.publish_from is None
    kinds = list(case_timeline(case, staff=True).values_list("event", flat=True))
    assert kinds[0] == Event.CREATED and Event.DECIDED in kinds
    assert verify_chain() is None


def test_only_the_agencys_case_officers_decide_and_a_refusal_changes_nothing(w):
    case = ready_case(w)
    with pytest.raises(PermissionDenied):
        services.case_decide(actor=w.clerk, case=case, decision="approve")
    other = user_with_role("case_officer", AgencyFactory(), username="officer-b")
    with pytest.raises(NotFound):
        services.case_decide(actor=other, case=case, decision="approve")
    with pytest.raises(PermissionDenied):  # the applicant sees the case but does not decide
        services.case_decide(actor=w.applicant, case=case, decision="approve")
    assert fresh(case).status == CaseStatus.SUBMITTED
    assert not AuditEvent.objects.filter(event=Event.DECIDED).exists()


def test_rejecting_and_terminating_need_written_reasons(w, case):
    with pytest.raises(DomainError) as exc:
        services.case_decide(actor=w.officer, case=case, decision="terminate", reason="")
    assert exc.value.details[0]["field"] == "reason"
    with pytest.raises(Conflict):  # not submitted yet: cannot be rejected
        services.case_decide(
            actor=w.officer, case=case, decision="reject", reason="材料不全不予受理"
        )
    case = services.case_decide(
        actor=w.officer, case=case, decision="terminate", reason="申请人书面申请撤回申请"
    )
    assert case.status == CaseStatus.TERMINATED
    assert case.decision_reason == "申请人书面申请撤回申请"


def test_a_second_officer_deciding_the_same_case_is_refused_with_who_decided(w):
    case = ready_case(w)
    stale = Case.objects.get(pk=case.pk)
    services.case_decide(actor=w.officer, case=case, decision="approve")
    with pytest.raises(Conflict) as exc:
        services.case_decide(actor=w.officer2, case=stale, decision="reject", reason="条件不符不予")
    assert exc.value.code == "already_decided"
    assert str(w.officer) in exc.value.message
    assert fresh(case).status == CaseStatus.APPROVED


def test_a_stale_version_is_refused(w):
    case = ready_case(w)
    with pytest.raises(Conflict) as exc:
        services.case_decide(
            actor=w.officer, case=case, decision="approve", expected_version=case.version - 1
        )
    assert exc.value.code == "stale_version"


def test_another_agencys_staff_cannot_act_on_a_case_and_nothing_changes(w, case):
    other = build_world(prefix="B")
    with pytest.raises(NotFound):
        services.proof_upload(
            actor=other.clerk, case_item=line(case, w.social), upload=pdf_upload()
        )
    with pytest.raises(NotFound):
        sign(other.applicant, case, w.social)
    assert not Proof.objects.exists() and not Commitment.objects.exists()


def test_every_transition_is_on_the_timeline_and_in_the_audit_chain(w):
    case = ready_case(w)
    services.case_decide(actor=w.officer, case=case, decision="approve")
    timeline = case_timeline(case, staff=True)
    assert timeline.filter(event=Event.COMMITMENT_SIGNED).count() == 2
    assert timeline.filter(event=Event.PROOF_UPLOADED).count() == 1
    assert AuditEvent.objects.filter(target_type="cases.case", target_id=str(case.pk)).count() >= 5
    assert verify_chain() is None
    with pytest.raises(RuntimeError):
        timeline.first().save()


def test_the_notification_template_kind_is_what_is_read_first(w):
    notification, commitment = services.current_versions(w.social)
    assert notification.kind == TemplateKind.NOTIFICATION
    assert commitment.kind == TemplateKind.COMMITMENT
    assert CaseItem.objects.count() == 0


def test_commit_follows_the_filed_catalog_version_in_force(db, admin_a, reviewer, agency_a):
    """An item filed into the catalog is offered for commitment from the version in force;
    once its removal is filed and takes effect, commit is no longer available."""
    from chengnuo.catalog import services as catalog_services
    from chengnuo.catalog.models import CatalogVersion, CertificationItem

    from .cases_helpers import publish_texts
    from .factories import MatterFactory, item_payload

    matter = MatterFactory(agency=agency_a, code="CV-M-1")
    proposal = catalog_services.proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="CV-1",
        payload=item_payload(matter_codes=[matter.code]),
        reason="法规修订后调整",
        law_change="《某条例》2026年修订",
        effective_date=catalog_services.today(),
    )
    catalog_services.proposal_file(actor=reviewer, proposal=proposal)
    item = CertificationItem.objects.get(code="CV-1")
    publish_texts(admin_a, item)
    clerk = user_with_role("window_clerk", agency_a, username="cv-clerk")
    from chengnuo.credit import services as credit_services

    from .credit_helpers import resident_id

    person = credit_services.subject_register(
        actor=clerk, kind="person", name="孙七", id_type="resident_id", id_value=resident_id()
    )
    case = services.case_create(actor=clerk, matter=matter, subject=person)
    cv_line = line(case, item)
    version = CatalogVersion.objects.filter(agency=agency_a).order_by("-number").first()
    assert cv_line.commit_offered and cv_line.catalog_version_id == version.pk
    removal = catalog_services.proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="remove",
        item_code="CV-1",
        payload=None,
        reason="上位法取消该证明",
        law_change="《某条例》2026年再次修订",
        effective_date=catalog_services.today(),
    )
    catalog_services.proposal_file(actor=reviewer, proposal=removal)
    with pytest.raises(DomainError) as exc:
        sign(clerk, case, item, signature_scan=png_upload())
    assert exc.value.code == "commitment_not_allowed"

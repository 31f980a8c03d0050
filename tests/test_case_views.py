"""The pages of cases: the applicant applies, reads and signs, uploads a proof and withdraws; the
clerk finds a walk-in applicant (masked echo) and starts a case; the officer's queue and
decision; the signed commitment shown against its version; published commitments masked
(R-6.3); other agencies' staff get 404 and nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chengnuo.cases.constants import CaseStatus, CommitmentStatus
from chengnuo.cases.models import Case, Commitment, Proof
from chengnuo.documents import services as doc_services
from chengnuo.documents.models import CommitmentTemplate

from .cases_helpers import World, build_world, line, pdf_upload, ready_case, serious_record, sign
from .credit_helpers import resident_id


@pytest.fixture
def w(db) -> World:
    return build_world()


def detail_url(case: Case) -> str:
    return reverse("cases:detail", kwargs={"number": case.number})


def test_the_applicant_applies_signs_uploads_and_submits_through_the_pages(client, w):
    client.force_login(w.applicant)
    page = client.get(reverse("cases:start") + f"?matter={w.matter.code}")
    assert "王小明" in page.content.decode()
    response = client.post(
        reverse("cases:start"), {"matter": w.matter.code, "subject": w.person.pk}
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(case)
    sign_url = reverse("cases:sign", kwargs={"number": case.number, "item_code": w.social.code})
    page = client.get(sign_url).content.decode()
    assert "告知书" in page and "社会保险缴费证明" in page
    notification, commitment = __import__(
        "chengnuo.cases.services", fromlist=["current_versions"]
    ).current_versions(w.social)
    form = {
        "notification_id": notification.pk,
        "commitment_id": commitment.pk,
        "fact_meets_condition": "连续缴纳24个月",
        "version": Case.objects.get().version,
    }
    refused = client.post(sign_url, form)  # without the confirmation
    assert refused.status_code == 400 and "请确认已阅读告知书" in refused.content.decode()
    assert not Commitment.objects.exists()
    assert client.post(sign_url, dict(form, confirmed="1")).status_code == 302
    c = Commitment.objects.get()
    assert c.facts == {"meets_condition": "连续缴纳24个月"}
    for item in (w.marriage, w.diploma):
        url = reverse("cases:upload_proof", kwargs={"number": case.number, "item_code": item.code})
        if item == w.marriage:
            client.post(
                reverse("cases:choose", kwargs={"number": case.number, "item_code": item.code}),
                {"choice": "proof"},
            )
        client.post(url, {"file": pdf_upload()})
    assert Proof.objects.count() == 2
    client.post(reverse("cases:submit", kwargs={"number": case.number}))
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    body = client.get(detail_url(case)).content.decode()
    assert "审查中" in body and "签署承诺书" in body and "提交申请" in body
    assert "信用风险等级" not in body  # the risk level is for staff (R-6.4)


def test_the_officer_sees_the_risk_level_and_decides_from_the_queue(client, w):
    case = ready_case(w)
    client.force_login(w.officer)
    queue = client.get(reverse("cases:queue")).content.decode()
    assert case.number in queue
    body = client.get(detail_url(case)).content.decode()
    assert "信用风险等级" in body and "作出决定" in body
    client.post(
        reverse("cases:decide", kwargs={"number": case.number}),
        {"decision": "approve", "version": Case.objects.get().version},
    )
    assert Case.objects.get().status == CaseStatus.APPROVED
    # a second decision with the old version is refused with a clear message
    response = client.post(
        reverse("cases:decide", kwargs={"number": case.number}),
        {"decision": "reject", "reason": "条件不符不予", "version": case.version},
        follow=True,
    )
    assert "已被他人更新" in response.content.decode()
    assert Case.objects.get().status == CaseStatus.APPROVED


def test_the_applicant_withdraws_a_commitment_with_a_reason_on_the_case_page(client, w):
    case = ready_case(w)
    c = Commitment.objects.get(case=case, item=w.social)
    client.force_login(w.applicant)
    url = reverse("cases:withdraw", kwargs={"number": case.number, "pk": c.pk})
    page = client.post(url, {"reason": ""}, follow=True).content.decode()
    assert "退出承诺的理由为必填项" in page
    client.post(url, {"reason": "单位已出具缴费证明，改为提交"})
    assert Commitment.objects.get(pk=c.pk).status == CommitmentStatus.WITHDRAWN
    body = client.get(detail_url(case)).content.decode()
    assert "已退出承诺" in body and "单位已出具缴费证明" in body


def test_a_signed_commitment_is_shown_against_its_version_after_a_new_one_is_published(client, w):
    case = ready_case(w)
    c = Commitment.objects.get(case=case, item=w.social)
    template = CommitmentTemplate.objects.get(item=w.social)
    doc_services.template_draft_update(
        actor=w.admin, template=template, data={"free_text": "新增的第二版说明文字"}
    )
    doc_services.template_publish(actor=w.admin, template=template)
    client.force_login(w.applicant)
    url = reverse("cases:commitment", kwargs={"number": case.number, "pk": c.pk})
    body = client.get(url).content.decode()
    assert "第1版" in body and "现行为第2版" in body
    assert "新增的第二版说明文字" not in body
    assert c.commitment_digest in body
    pdf = client.get(reverse("cases:commitment_pdf", kwargs={"number": case.number, "pk": c.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_the_clerk_finds_a_walk_in_applicant_with_a_masked_echo_and_starts_a_case(client, w):
    client.force_login(w.clerk)
    number = w.person.identifier()
    page = client.post(
        reverse("cases:window"), {"action": "find", "id_type": "resident_id", "id_value": number}
    ).content.decode()
    assert w.person.id_masked in page and number not in page
    response = client.post(
        reverse("cases:window"),
        {"action": "start", "subject": w.person.pk, "matter": w.matter.pk},
    )
    case = Case.objects.get()
    assert response["Location"] == detail_url(case) and case.channel == "window"
    new_id = resident_id("19851203")
    page = client.post(
        reverse("cases:window"), {"action": "find", "id_type": "resident_id", "id_value": new_id}
    ).content.decode()
    assert "登记申请人" in page


def test_a_walk_in_applicant_with_a_serious_record_sees_why_commitment_is_refused(client, w):
    serious_record(w.person)
    case = __import__("chengnuo.cases.services", fromlist=["case_create"]).case_create(
        actor=w.clerk, matter=w.matter, subject=w.person
    )
    client.force_login(w.clerk)
    body = client.get(detail_url(case)).content.decode()
    assert "不能选择告知承诺" in body and "虚假承诺" in body and "信用修复" in body
    assert not line(case, w.social).commit_offered


def test_published_commitments_are_public_with_personal_data_masked(client, w):
    case = ready_case(w)
    from chengnuo.cases import services

    services.case_decide(actor=w.officer, case=case, decision="approve")
    body = client.get(reverse("public_commitments")).content.decode()
    assert "婚姻状况证明" in body and "社会保险缴费证明" not in body
    assert "王**" in body and "王小明" not in body
    assert w.person.identifier() not in body
    c = Commitment.objects.get(case=case, item=w.marriage)
    detail = client.get(reverse("public_commitment", kwargs={"pk": c.pk})).content.decode()
    assert "王小明" not in detail and case.number not in detail
    hidden = Commitment.objects.get(case=case, item=w.social)
    assert client.get(reverse("public_commitment", kwargs={"pk": hidden.pk})).status_code == 404


def test_another_agencys_staff_and_other_applicants_get_404_and_nothing_changes(client, w):
    case = ready_case(w)
    c = Commitment.objects.get(case=case, item=w.social)
    proof = Proof.objects.get()
    other = build_world(prefix="B")
    for user in (other.officer, other.clerk, other.applicant):
        client.force_login(user)
        for url in (
            detail_url(case),
            reverse("cases:commitment", kwargs={"number": case.number, "pk": c.pk}),
            reverse("cases:commitment_pdf", kwargs={"number": case.number, "pk": c.pk}),
            reverse("cases:proof", kwargs={"number": case.number, "pk": proof.pk}),
        ):
            assert client.get(url).status_code == 404, (user, url)
        assert (
            client.post(
                reverse("cases:decide", kwargs={"number": case.number}), {"decision": "approve"}
            ).status_code
            == 404
        )
        assert (
            client.post(
                reverse("cases:withdraw", kwargs={"number": case.number, "pk": c.pk}),
                {"reason": "别人的承诺我来退出"},
            ).status_code
            == 404
        )
        assert case.number not in client.get(reverse("cases:queue")).content.decode()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED
    assert Commitment.objects.get(pk=c.pk).status == CommitmentStatus.SIGNED


def test_the_window_clerk_signs_with_a_handwritten_scan_and_prints_the_commitment(client, w):
    from .cases_helpers import png_upload

    client.force_login(w.clerk)
    client.post(
        reverse("cases:window"), {"action": "start", "subject": w.person.pk, "matter": w.matter.pk}
    )
    case = Case.objects.get()
    printed = client.get(
        reverse(
            "cases:print_commitment", kwargs={"number": case.number, "item_code": w.social.code}
        )
    )
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    sign(w.clerk, case, w.social, signature_scan=png_upload())
    assert Commitment.objects.get().method == "handwritten"


def test_a_published_commitment_disappears_when_its_period_ends(w):
    import datetime as dt

    from django.utils import timezone

    from chengnuo.cases import selectors, services

    case = ready_case(w)
    services.case_decide(actor=w.officer, case=case, decision="approve")
    c = Commitment.objects.get(case=case, item=w.marriage)
    today = timezone.localdate()
    assert list(selectors.public_commitments(on=today)) == [c]
    assert list(selectors.public_commitments(on=c.publish_to)) == [c]
    assert not selectors.public_commitments(on=c.publish_to + dt.timedelta(days=1)).exists()
    assert not selectors.public_commitments(on=today - dt.timedelta(days=1)).exists()


def test_withdrawals_are_counted_in_the_queue_statistics_and_the_audit_history_is_linked(client, w):
    from chengnuo.agencies.constants import Role
    from chengnuo.cases import services

    from .factories import user_with_role

    case = ready_case(w)
    c = Commitment.objects.get(case=case, item=w.social)
    services.commitment_withdraw(actor=w.applicant, commitment=c, reason="改为提交单位证明")
    client.force_login(w.officer)
    queue = client.get(reverse("cases:queue") + "?status=all").content.decode()
    assert "签署承诺书2份，其中退出承诺1份" in queue
    auditor = user_with_role(Role.AUDITOR, w.agency, username="A-auditor")
    client.force_login(auditor)
    body = client.get(detail_url(case)).content.decode()
    history = reverse("audit:history", kwargs={"target_type": "cases.case", "pk": case.pk})
    assert history in body
    page = client.get(history).content.decode()
    assert "cases.commitment_withdrawn" in page or "退出承诺" in page

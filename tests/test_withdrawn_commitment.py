"""R-6.2: once a commitment is withdrawn, the item goes on under the standard procedure for the
rest of the case — the applicant proves it. The walk-around found: the page still offered the
sign button next to "请改为提交证明材料", the applicant signed the same item again and the officer
approved the case without any proof (issue 11 §3)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from chengnuo.cases import services
from chengnuo.cases.constants import CaseStatus, Choice, CommitmentStatus
from chengnuo.cases.models import Case, Commitment
from chengnuo.core.errors import Conflict, DomainError

from .cases_helpers import World, build_world, line, pdf_upload, read_versions, ready_case, sign
from .test_case_api import sign_body, token


@pytest.fixture
def w(db) -> World:
    return build_world()


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def withdrawn_on_submitted_case(w: World) -> tuple[Case, Commitment]:
    case = ready_case(w)
    c = Commitment.objects.get(case=case, item=w.social)
    services.commitment_withdraw(
        actor=w.applicant, commitment=c, reason="原单位已开具缴费证明，改为提交证明材料"
    )
    return fresh(case), c


def test_a_withdrawn_commitment_cannot_be_signed_again(w):
    case, _c = withdrawn_on_submitted_case(w)
    with pytest.raises(Conflict) as exc:
        sign(w.applicant, case, w.social)
    assert exc.value.code == "commitment_withdrawn"
    assert "一般程序" in exc.value.message
    assert Commitment.objects.filter(case=case, item=w.social).count() == 1
    assert line(case, w.social).choice == Choice.PROOF


def test_the_window_clerk_cannot_sign_it_again_for_the_applicant_either(w):
    case, _c = withdrawn_on_submitted_case(w)
    from .cases_helpers import png_upload

    with pytest.raises(Conflict) as exc:
        sign(w.clerk, case, w.social, signature_scan=png_upload())
    assert exc.value.code == "commitment_withdrawn"
    assert not Commitment.objects.filter(case=case, status=CommitmentStatus.SIGNED, item=w.social)


def test_commit_cannot_be_chosen_again_after_a_withdrawal(w):
    case, _c = withdrawn_on_submitted_case(w)
    with pytest.raises(Conflict) as exc:
        services.item_choose(actor=w.applicant, case_item=line(case, w.social), choice="commit")
    assert exc.value.code == "commitment_withdrawn"
    social = line(case, w.social)
    assert social.choice == Choice.PROOF and not social.commit_offered


def test_approval_is_refused_until_the_proof_of_the_withdrawn_item_is_in(w):
    case, _c = withdrawn_on_submitted_case(w)
    with pytest.raises(DomainError) as exc:
        services.case_decide(actor=w.officer, case=case, decision="approve")
    assert exc.value.code == "items_unresolved"
    assert w.social.name in exc.value.message
    assert fresh(case).status == CaseStatus.SUBMITTED
    services.proof_upload(actor=w.applicant, case_item=line(case, w.social), upload=pdf_upload())
    decided = services.case_decide(actor=w.officer, case=fresh(case), decision="approve")
    assert decided.status == CaseStatus.APPROVED


def test_a_withdrawn_item_is_not_resolved_by_any_commitment(w):
    """Even a signed row written around the services does not stand in for the proof."""
    case, c = withdrawn_on_submitted_case(w)
    c.pk = None
    c.status = CommitmentStatus.SIGNED
    c.withdrawn_at = None
    c.save(force_insert=True)  # written around the services, as an insider could
    social = line(case, w.social)
    social.choice = Choice.COMMIT
    assert social.withdrawn
    assert not social.resolved
    with pytest.raises(DomainError) as exc:
        services.case_decide(actor=w.officer, case=fresh(case), decision="approve")
    assert exc.value.code == "items_unresolved"


def test_the_case_page_offers_no_signing_after_a_withdrawal(w):
    case, _c = withdrawn_on_submitted_case(w)
    client = Client()
    client.force_login(w.applicant)
    body = client.get(f"/cases/{case.number}/").content.decode()
    section = body[body.index(f'id="item-{w.social.code}"') :]
    section = section[: section.index("</section>")]
    assert "阅读告知书并签署承诺书" not in section
    assert f"/cases/{case.number}/items/{w.social.code}/sign/" not in section
    assert "已退出承诺" in section and "提交证明材料" in section
    assert 'name="file"' in section  # the upload is what is offered
    # the sign page itself sends the applicant back to the case, saying why
    response = client.get(f"/cases/{case.number}/items/{w.social.code}/sign/", follow=True)
    assert response.redirect_chain[-1][0] == f"/cases/{case.number}/"
    assert "已退出承诺" in response.content.decode()


def test_the_sign_page_post_is_refused_after_a_withdrawal(w):
    case, _c = withdrawn_on_submitted_case(w)
    client = Client()
    client.force_login(w.applicant)
    versions = read_versions(w.social)
    response = client.post(
        f"/cases/{case.number}/items/{w.social.code}/sign/",
        {
            "notification_id": versions.notification_id,
            "commitment_id": versions.commitment_id,
            "fact_meets_condition": "是",
            "confirmed": "1",
            "version": fresh(case).version,
        },
        follow=True,
    )
    assert "已退出承诺" in response.content.decode()
    assert not Commitment.objects.filter(
        case=case, item=w.social, status=CommitmentStatus.SIGNED
    ).exists()


def test_the_api_refuses_signing_a_withdrawn_item_with_its_code(w):
    case, _c = withdrawn_on_submitted_case(w)
    headers = {**token(w.applicant), "Idempotency-Key": uuid.uuid4().hex}
    body = sign_body(w.applicant, case.number, w.social.code)
    response = Client().post(
        f"/api/v1/cases/{case.number}/items/{w.social.code}/commitment",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "commitment_withdrawn"
    choice = Client().post(
        f"/api/v1/cases/{case.number}/items/{w.social.code}/choice",
        data=json.dumps({"choice": "commit"}),
        content_type="application/json",
        headers=token(w.applicant),
    )
    assert choice.status_code == 409 and choice.json()["code"] == "commitment_withdrawn"
    detail = Client().get(f"/api/v1/cases/{case.number}", headers=token(w.applicant)).json()
    item = next(i for i in detail["items"] if i["item_code"] == w.social.code)
    assert item["commit_offered"] is False and item["choice"] == "proof"

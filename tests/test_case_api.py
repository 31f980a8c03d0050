"""The cases API at /api/v1/cases: idempotent creates (ADR 0006), the signing flow, conflicts and
isolation between agencies and applicants."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from chengnuo.accounts.models import ApiToken
from chengnuo.cases.models import Case, Commitment, Proof
from chengnuo.core.digest import digest_bytes
from chengnuo.core.models import IdempotencyRecord

from .cases_helpers import PDF, build_world
from .factories import AgencyFactory

BASE = "/api/v1/cases"
FACTS = {"meets_condition": "是"}


def token(user) -> dict[str, str]:
    value = f"token-cases-{user.pk}"
    ApiToken.objects.get_or_create(
        user=user, key_digest=digest_bytes(value.encode()), defaults={"name": "测试系统"}
    )
    return {"Authorization": f"Bearer {value}"}


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def call(who: Any, method: str, path: str, body: dict | None = None, key: str | None = None):
    """`who` is a logged-in Client (session) or a user (bearer token)."""
    client, headers = (who, {}) if isinstance(who, Client) else (Client(), token(who))
    if key is not None:
        headers["Idempotency-Key"] = key
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(BASE + path, **kwargs)


def create(who, w, key: str | None = None, **overrides):
    body = {"matter_code": w.matter.code, "subject_id": w.person.pk, **overrides}
    return call(who, "post", "", body, key=key or uuid.uuid4().hex)


def sign_body(who, number: str, code: str) -> dict[str, Any]:
    texts = call(who, "get", f"/{number}/items/{code}/texts").json()
    return {
        "notification_version_id": texts["notification"]["id"],
        "commitment_version_id": texts["commitment"]["id"],
        "facts": FACTS,
        "confirmed": True,
    }


def sign(who, number: str, code: str, key: str | None = None):
    body = sign_body(who, number, code)
    return call(
        who, "post", f"/{number}/items/{code}/commitment", body, key=key or uuid.uuid4().hex
    )


def upload(who, number: str, code: str, key: str | None = None, data: bytes = PDF):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client, headers = (who, {}) if isinstance(who, Client) else (Client(), token(who))
    headers["Idempotency-Key"] = key or uuid.uuid4().hex
    return client.post(
        f"{BASE}/{number}/items/{code}/proofs",
        data={"file": SimpleUploadedFile("证明.pdf", data, content_type="application/pdf")},
        headers=headers,
    )


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def wb(db):
    return build_world(AgencyFactory(name="阜阳市民政局"), prefix="B")


# --- idempotency ----------------------------------------------------------------------------


def test_same_key_and_body_returns_the_first_result_and_creates_one_case(w):
    first = create(w.clerk, w, key="key-1")
    assert first.status_code == 201, first.content
    again = create(w.clerk, w, key="key-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert Case.objects.count() == 1
    data = first.json()
    assert data["channel"] == "window"
    assert data["risk_level"] == "A"
    assert [i["item_code"] for i in data["items"]] == sorted(
        [w.social.code, w.marriage.code, w.diploma.code]
    )
    assert IdempotencyRecord.objects.get().scope == "cases.create"


def test_same_key_with_another_body_is_refused(w, matter_a):
    assert create(w.clerk, w, key="key-2").status_code == 201
    other = create(w.clerk, w, key="key-2", matter_code="RS-001")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert "幂等键" in other.json()["message"] or "Idempotency-Key" in other.json()["message"]
    assert Case.objects.count() == 1


def test_the_key_is_per_user(w):
    first = create(w.clerk, w, key="shared")
    second = create(session(w.applicant), w, key="shared")
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] != second.json()["number"]
    assert Case.objects.count() == 2


def test_a_missing_or_invalid_key_is_refused(w):
    body = {"matter_code": w.matter.code, "subject_id": w.person.pk}
    missing = call(w.clerk, "post", "", body)
    assert missing.status_code == 400
    assert missing.json()["code"] == "idempotency_key_required"
    too_long = call(w.clerk, "post", "", body, key="k" * 201)
    assert too_long.status_code == 400
    assert too_long.json()["code"] == "invalid_idempotency_key"
    control = call(w.clerk, "post", "", body, key="a\tb")
    assert control.json()["code"] == "invalid_idempotency_key"
    assert not Case.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_refused_create_does_not_burn_the_key(w, wb):
    other = session(wb.applicant)
    refused = create(other, w, key="retry-me")  # A's person: not linked to B's applicant
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert not IdempotencyRecord.objects.exists()
    ok = create(other, wb, key="retry-me")
    assert ok.status_code == 201
    assert ok.json()["channel"] == "online"


def test_an_unknown_subject_is_not_revealed_to_applicants(w):
    response = create(session(w.applicant), w, subject_id=999_999)
    assert response.status_code == 403
    assert create(w.clerk, w, subject_id=999_999).status_code == 404


# --- the flow -------------------------------------------------------------------------------


def test_sign_withdraw_submit_decide_over_the_api(w):
    applicant = session(w.applicant)
    created = create(applicant, w)
    assert created.status_code == 201
    number = created.json()["number"]
    assert created.json()["risk_level"] is None  # not for the applicant
    assert created.json()["subject"]["id_masked"] == w.person.id_masked

    signed = sign(applicant, number, w.social.code, key="sign-1")
    assert signed.status_code == 201, signed.content
    assert signed.json()["status"] == "signed"
    assert signed.json()["method"] == "online"
    again = sign(applicant, number, w.social.code, key="sign-1")
    assert again.status_code == 201 and again.json() == signed.json()
    assert Commitment.objects.count() == 1
    dup = sign(applicant, number, w.social.code)
    assert dup.status_code == 409 and dup.json()["code"] == "already_signed"

    marriage = sign(applicant, number, w.marriage.code)
    assert marriage.status_code == 201
    version = marriage.json()["case_version"]
    withdrawn = call(
        applicant,
        "post",
        f"/{number}/commitments/{marriage.json()['id']}/withdraw",
        {"reason": "无法确认婚姻状况信息", "expected_version": version},
    )
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["status"] == "withdrawn"
    stale = call(applicant, "post", f"/{number}/submit", {"expected_version": version})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    unresolved = call(applicant, "post", f"/{number}/submit", {})
    assert unresolved.status_code == 400 and unresolved.json()["code"] == "items_unresolved"

    assert upload(applicant, number, w.marriage.code, key="proof-1").status_code == 201
    repeat = upload(applicant, number, w.marriage.code, key="proof-1")
    assert repeat.status_code == 201
    assert Proof.objects.count() == 1
    proof = upload(applicant, number, w.diploma.code)
    assert proof.status_code == 201, proof.content
    assert proof.json()["digest"] == digest_bytes(PDF)

    submitted = call(applicant, "post", f"/{number}/submit", {})
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["due_date"]

    detail = call(w.officer, "get", f"/{number}").json()
    assert detail["risk_level"] == "A"
    items = {i["item_code"]: i for i in detail["items"]}
    assert items[w.social.code]["commitment"]["notification"]["digest"]
    assert items[w.marriage.code]["commitment"] is None
    assert items[w.marriage.code]["commitments"][0]["status"] == "withdrawn"
    assert len(items[w.diploma.code]["proofs"]) == 1
    assert detail["timeline"][0]["kind"] == "cases.created"

    refused = call(applicant, "post", f"/{number}/decision", {"decision": "approve"})
    assert refused.status_code == 403
    decided = call(w.officer, "post", f"/{number}/decision", {"decision": "approve"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "approved"
    second = call(
        w.officer2, "post", f"/{number}/decision", {"decision": "reject", "reason": "材料不全不符"}
    )
    assert second.status_code == 409
    assert second.json()["code"] == "already_decided"
    assert Case.objects.get().status == "approved"


def test_window_signing_is_not_offered_over_the_api(w):
    number = create(w.clerk, w).json()["number"]
    response = sign(w.clerk, number, w.social.code)
    assert response.status_code == 400
    assert response.json()["code"] == "online_signing_only"
    assert not Commitment.objects.exists()


def test_choice_and_list(w):
    number = create(w.clerk, w).json()["number"]
    chosen = call(w.clerk, "post", f"/{number}/items/{w.social.code}/choice", {"choice": "proof"})
    assert chosen.status_code == 200
    assert {i["item_code"]: i["choice"] for i in chosen.json()["items"]}[w.social.code] == "proof"
    bad = call(w.clerk, "post", f"/{number}/items/{w.social.code}/choice", {"choice": "x"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_choice"
    listed = call(w.clerk, "get", "?status=draft").json()
    assert listed["count"] == 1 and listed["items"][0]["number"] == number
    assert call(w.clerk, "get", "?status=approved").json()["count"] == 0
    assert call(w.clerk, "get", "?status=nope").json()["code"] == "invalid_choice"


# --- isolation ------------------------------------------------------------------------------


def test_another_agency_sees_and_changes_nothing(w, wb):
    applicant = session(w.applicant)
    number = create(applicant, w).json()["number"]
    commitment = sign(applicant, number, w.social.code).json()
    before = Case.objects.get(number=number).version
    assert call(wb.officer, "get", "").json()["count"] == 0
    for method, path, body in [
        ("get", f"/{number}", None),
        ("get", f"/{number}/items/{w.social.code}/texts", None),
        ("post", f"/{number}/items/{w.diploma.code}/choice", {"choice": "proof"}),
        ("post", f"/{number}/commitments/{commitment['id']}/withdraw", {"reason": "测试退出承诺"}),
        ("post", f"/{number}/submit", {}),
        ("post", f"/{number}/decision", {"decision": "terminate", "reason": "申请人要求终止"}),
    ]:
        response = call(wb.officer, method, path, body)
        assert response.status_code == 404, (path, response.content)
        assert response.json()["code"] == "not_found"
    assert upload(wb.clerk, number, w.diploma.code).status_code == 404
    assert sign(applicant, number, w.marriage.code).status_code == 201  # still works for A
    assert Case.objects.get(number=number).version == before + 1
    assert not Proof.objects.exists()


def test_the_applicant_sees_own_cases_only(w, wb):
    mine = create(session(w.applicant), w).json()["number"]
    theirs = create(session(wb.applicant), wb).json()["number"]
    applicant = session(w.applicant)
    assert call(applicant, "get", f"/{mine}").status_code == 200
    assert call(applicant, "get", f"/{theirs}").status_code == 404
    listed = call(applicant, "get", "").json()
    assert [c["number"] for c in listed["items"]] == [mine]
    assert w.person.id_masked in json.dumps(listed, ensure_ascii=False)


def test_unauthenticated_is_401(w):
    response = Client().get(BASE)
    assert response.status_code == 401


# --- concurrency (PostgreSQL) ---------------------------------------------------------------

pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)


def _in_threads(count: int, action) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = action(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pg_only
@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_creates_with_one_key_make_one_case():
    w = build_world()
    headers = token(w.clerk)
    body = json.dumps({"matter_code": w.matter.code, "subject_id": w.person.pk})

    def post(_i: int):
        response = Client().post(
            BASE,
            data=body,
            content_type="application/json",
            headers={**headers, "Idempotency-Key": "one-key"},
        )
        return response.status_code, response.json()

    results = _in_threads(16, post)
    assert all(isinstance(r, tuple) for r in results), results
    assert {status for status, _ in results} == {201}
    assert len({data["number"] for _, data in results}) == 1
    assert Case.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


@pg_only
@pytest.mark.django_db(transaction=True)
def test_two_officers_deciding_at_once_one_wins():
    from .cases_helpers import ready_case

    w = build_world()
    number = ready_case(w).number
    officers = [w.officer, w.officer2]
    headers = [token(o) for o in officers]

    def decide(i: int):
        response = Client().post(
            f"{BASE}/{number}/decision",
            data=json.dumps({"decision": "approve"}),
            content_type="application/json",
            headers=headers[i],
        )
        return response.status_code, response.json()

    results = _in_threads(2, decide)
    assert all(isinstance(r, tuple) for r in results), results
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409]
    assert next(d for s, d in results if s == 409)["code"] == "already_decided"
    assert Case.objects.get(number=number).status == "approved"

"""The sandbox credit platform 信用阜阳 (R-5.2, R-9.2): its HTTP contract, without Django."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest

from chengnuo.core.signing import sign as signature
from chengnuo.sandbox import data, start

APP_KEY = "test-app"
SECRET = "test-secret"


@pytest.fixture
def sandbox():
    server = start(0, app_key=APP_KEY, secret=SECRET)
    yield server
    server.stop()


def _signed(key: str, body: bytes, *, secret: str = SECRET, app_key: str = APP_KEY) -> dict:
    ts = str(int(time.time()))
    headers = {
        "X-App-Key": app_key,
        "X-Timestamp": ts,
        "X-Signature": signature(secret, ts, key, body),
        "Content-Type": "application/json",
    }
    if key:
        headers["Idempotency-Key"] = key
    return headers


def _push(server, key: str, payload: dict, **kwargs) -> httpx.Response:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return httpx.post(
        f"{server.base_url}/api/credit/records", content=body, headers=_signed(key, body, **kwargs)
    )


def test_healthz_answers_ok(sandbox):
    response = httpx.get(f"{sandbox.base_url}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_binds_loopback_only(sandbox):
    assert sandbox.server_address[0] == "127.0.0.1"


def test_signed_push_is_stored_once_per_idempotency_key(sandbox):
    first = _push(sandbox, "k1", {"record_id": 1, "summary": "虚假承诺"})
    again = _push(sandbox, "k1", {"record_id": 1, "summary": "虚假承诺"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    listing = httpx.get(f"{sandbox.base_url}/api/credit/records").json()
    assert listing["count"] == 1
    assert listing["records"][0]["body"]["summary"] == "虚假承诺"


@pytest.mark.parametrize(
    "kwargs", [{"secret": "wrong"}, {"app_key": "someone-else"}], ids=["secret", "app_key"]
)
def test_bad_signature_is_refused_and_not_stored(sandbox, kwargs):
    response = _push(sandbox, "k2", {"record_id": 2}, **kwargs)
    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    assert sandbox.received() == []


def test_tampered_body_is_refused(sandbox):
    body = b'{"record_id":3}'
    headers = _signed("k3", body)
    response = httpx.post(
        f"{sandbox.base_url}/api/credit/records", content=b'{"record_id":4}', headers=headers
    )
    assert response.status_code == 401
    assert sandbox.received() == []


def test_stale_timestamp_is_refused(sandbox):
    body = b"{}"
    ts = str(int(time.time()) - 3600)
    headers = {
        "X-App-Key": APP_KEY,
        "X-Timestamp": ts,
        "X-Signature": signature(SECRET, ts, "k4", body),
        "Idempotency-Key": "k4",
    }
    response = httpx.post(f"{sandbox.base_url}/api/credit/records", content=body, headers=headers)
    assert response.status_code == 401


def test_push_without_idempotency_key_is_refused(sandbox):
    body = b"{}"
    response = httpx.post(
        f"{sandbox.base_url}/api/credit/records", content=body, headers=_signed("", body)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "missing_idempotency_key"


def test_subject_records_need_a_signature(sandbox):
    url = f"{sandbox.base_url}/api/credit/subjects/uscc/{data.ENTITY_SERIOUS}/records"
    assert httpx.get(url).status_code == 401
    response = httpx.get(url, headers=_signed("", b""))
    assert response.status_code == 200
    grades = {r["grade"] for r in response.json()["records"]}
    assert grades == {"serious", "general"}


def test_unknown_subject_has_no_records(sandbox):
    url = f"{sandbox.base_url}/api/credit/subjects/resident_id/110101198503120017/records"
    assert httpx.get(url, headers=_signed("", b"")).json() == {"count": 0, "records": []}


def test_unknown_path_is_404(sandbox):
    assert httpx.get(f"{sandbox.base_url}/nope").status_code == 404


def test_demo_identifiers_are_valid():
    from stdnum.cn import ric, uscc

    for id_type, number in data.SUBJECTS:
        (ric if id_type == "resident_id" else uscc).validate(number)
    for subject in data.SUBJECTS.values():
        for record in subject["records"]:
            assert record["grade"] in {"general", "serious", "severe"}
            assert set(record) == {
                "external_ref",
                "grade",
                "summary",
                "decided_on",
                "deciding_agency",
            }


def test_runs_as_a_module_without_django_settings(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"PYTHONPATH": str(__import__("chengnuo").__path__[0].rsplit("/", 1)[0]), "PATH": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "chengnuo.sandbox", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert response.json()["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=5)


# --- the data-sharing platform (R-4.5) ------------------------------------------------------


def _share(server, source: str, id_type: str, number: str, **kwargs) -> httpx.Response:
    url = f"{server.base_url}/api/share/{source}/{id_type}/{number}"
    return httpx.get(url, headers=_signed("", b"", **kwargs), timeout=5)


def test_share_records_need_a_signature(sandbox):
    from chengnuo.sandbox import share_data

    url = f"{sandbox.base_url}/api/share/education/resident_id/{share_data.LISI}"
    assert httpx.get(url).status_code == 401
    assert (
        _share(sandbox, "education", "resident_id", share_data.LISI, secret="x").status_code == 401
    )


def test_share_record_found_and_not_found(sandbox):
    from chengnuo.sandbox import share_data

    response = _share(sandbox, "education", "resident_id", share_data.LISI)
    assert response.status_code == 200
    body = response.json()
    assert (body["found"], body["source"]) == (True, "education")
    assert body["record"]["school"] == "安徽财经大学"
    assert share_data.LISI not in response.text  # the identifier is not echoed
    missing = _share(sandbox, "real_estate", "resident_id", share_data.LISI)
    assert (missing.status_code, missing.json()["found"]) == (404, False)
    assert _share(sandbox, "nope", "resident_id", share_data.LISI).json()["code"] == (
        "unknown_source"
    )


def test_every_share_source_answers_for_the_demo_subjects(sandbox):
    from chengnuo.sandbox import share_data

    for source in share_data.SOURCES:
        numbers = [n for (s, _t, n) in share_data.RECORDS if s == source]
        assert numbers, source
        id_type = "uscc" if source == "business_licence" else "resident_id"
        assert _share(sandbox, source, id_type, numbers[0]).json()["found"] is True


def test_some_demo_commitments_would_be_untrue():
    from chengnuo.sandbox import share_data

    records = share_data.RECORDS
    assert records[("criminal_record", "resident_id", share_data.WANGWU)]["has_criminal_record"]
    assert not records[("criminal_record", "resident_id", share_data.LISI)]["has_criminal_record"]
    assert records[("social_insurance", "resident_id", share_data.WANGWU)]["months"] < 12
    assert records[("social_insurance", "resident_id", share_data.ZHANGSAN)]["employed"]
    assert records[("education", "resident_id", share_data.ZHAOLIU)]["education_level"] == "大专"


def test_share_subjects_are_the_demo_subjects(db):
    from chengnuo.demo.credit_data import SUBJECTS
    from chengnuo.sandbox import share_data

    demo = {key: number for key, _k, _n, _t, number, _p, _r in SUBJECTS}
    assert demo == {
        "zhangsan": share_data.ZHANGSAN,
        "firm": share_data.FIRM,
        "lisi": share_data.LISI,
        "wangwu": share_data.WANGWU,
        "zhaoliu": share_data.ZHAOLIU,
    }
    from chengnuo.demo.verification_cases import SUBJECTS as VERIFICATION_SUBJECTS

    verification = {key: number for key, _n, number, _p in VERIFICATION_SUBJECTS}
    assert verification == {
        "qianba": share_data.QIANBA,
        "sunjiu": share_data.SUNJIU,
        "zhoushi": share_data.ZHOUSHI,
    }
    records = share_data.RECORDS
    assert records[("social_insurance", "resident_id", share_data.QIANBA)]["months"] < 36
    assert records[("education", "resident_id", share_data.SUNJIU)]["education_level"] != "本科"
    assert records[("social_insurance", "resident_id", share_data.ZHOUSHI)]["employed"]


def test_bench_subjects_get_deterministic_records_about_five_percent_inconsistent():
    from chengnuo.sandbox import share_data

    numbers = [f"{share_data.BENCH_PREFIX}{n:014d}" for n in range(4000)]
    first = [share_data.record_of("social_insurance", "resident_id", n) for n in numbers]
    again = [share_data.record_of("social_insurance", "resident_id", n) for n in numbers]
    assert first == again
    bad = sum(1 for r in first if r and r["months"] < 12)
    assert 0.03 < bad / len(numbers) < 0.07


def test_down_and_slow_sources_for_fault_drills(sandbox):
    from chengnuo.sandbox import share_data

    sandbox.down_sources.add("marriage")
    response = _share(sandbox, "marriage", "resident_id", share_data.LISI)
    assert response.status_code == 503
    assert _share(sandbox, "education", "resident_id", share_data.LISI).status_code == 200
    sandbox.slow_sources["education"] = 0.5
    with pytest.raises(httpx.TimeoutException):
        httpx.get(
            f"{sandbox.base_url}/api/share/education/resident_id/{share_data.LISI}",
            headers=_signed("", b""),
            timeout=0.1,
        )
    assert sandbox.share_hits[("marriage", share_data.LISI)] == 1

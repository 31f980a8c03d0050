"""Online verification against the sandbox data-sharing platform (R-4.5, R-9.2): the connector
(signing, breaker, rate limit, field mapping), the worker path (`online.run_due`: leases,
snapshots, SM3 digests, comparisons, outcomes, retries, fallbacks) and the data admin's
registry pages."""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.audit.models import AuditEvent
from chengnuo.cases import services as case_services
from chengnuo.core.crypto import decrypt, encrypt
from chengnuo.core.digest import canonical_json, sm3_hex
from chengnuo.credit import services as credit_services
from chengnuo.credit.models import Subject
from chengnuo.documents import services as doc_services
from chengnuo.sandbox import share_data, start
from chengnuo.verification import internal, online, services
from chengnuo.verification.connector import (
    DataSourceConnector,
    SourceUnavailable,
    apply_mapping,
    breaker_state,
)
from chengnuo.verification.constants import CheckStatus, Event, Outcome, TaskStatus
from chengnuo.verification.models import (
    AssistanceRequest,
    DataSource,
    OnlineCheck,
    VerificationPlan,
    VerificationTask,
)

from .cases_helpers import build_world, sign
from .factories import AgencyFactory, user_with_role

APP_KEY = "share-test"
SECRET = "share-secret"
FACTS = [
    {
        "key": "months",
        "label": "社会保险缴费月数",
        "type": "number",
        "required": True,
        "source_field": "social_insurance.months",
    },
    {
        "key": "employer",
        "label": "参保单位",
        "type": "text",
        "required": True,
        "source_field": "social_insurance.employer",
    },
]


@pytest.fixture
def sandbox():
    server = start(0, app_key=APP_KEY, secret=SECRET)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fast_backoff(settings):
    settings.VERIFICATION_BACKOFF_BASE_SECONDS = 10
    settings.VERIFICATION_BACKOFF_CAP_SECONDS = 60


def _source(sandbox, code="social_insurance", agency=None, **kwargs) -> DataSource:
    fields = {
        "name": share_data.SOURCE_NAMES[code],
        "providing_agency": agency or AgencyFactory(name=f"{code}提供机关"),
        "base_url": sandbox.base_url,
        "app_key": APP_KEY,
        "secret_cipher": encrypt(SECRET),
        "timeout_seconds": 2,
        "rate_limit_per_second": 1000,
        "max_attempts": 3,
        "breaker_threshold": 5,
        "breaker_cooldown_seconds": 60,
    }
    fields.update(kwargs)
    return DataSource.objects.create(code=code, **fields)


@pytest.fixture
def world(agency_a, agency_b):
    w = build_world(agency_a)
    template = w.social.commitment_template
    doc_services.template_draft_update(actor=w.admin, template=template, data={"facts": FACTS})
    doc_services.template_publish(actor=w.admin, template=template)
    VerificationPlan.objects.create(
        item=w.social,
        methods=["online"],
        comparisons=services.default_comparisons(w.social),
        fallback="assistance",
        assistance_agency=agency_b,
    )
    return w


def _commitment(w, id_number: str, facts: dict, name: str = "李四"):
    subject = credit_services.subject_register(
        actor=w.clerk,
        kind="person",
        name=name,
        id_type="resident_id",
        id_value=id_number,
        phone="",
    )
    credit_services.subject_link(
        actor=w.applicant, user=w.applicant, subject=subject, relation="self"
    )
    case = case_services.case_create(actor=w.applicant, matter=w.matter, subject=subject)
    return sign(w.applicant, case, w.social, facts=facts)


def _task(commitment) -> VerificationTask:
    """What `verification_work_create` does for a selected commitment (without the draw)."""
    plan = services.plan_for(commitment.item)
    with transaction.atomic():
        task = VerificationTask.objects.create(
            commitment=commitment,
            agency_id=commitment.case.agency_id,
            method="online",
            due_date=timezone.localdate() + dt.timedelta(days=30),
        )
        internal._start_task(task, plan)
    return task


def _checks(task) -> list[OnlineCheck]:
    return list(OnlineCheck.objects.filter(task=task).select_related("source"))


# --- outcomes -------------------------------------------------------------------------------


def test_plan_comparisons_come_from_the_commitment_facts(world):
    plan = services.plan_for(world.social)
    assert [(r["source"], r["field"], r["op"]) for r in plan.comparisons] == [
        ("social_insurance", "months", "gte"),
        ("social_insurance", "employer", "eq"),
    ]


def test_consistent_commitment_is_confirmed_and_the_task_concluded(
    world, sandbox, django_capture_on_commit_callbacks
):
    _source(sandbox)
    commitment = _commitment(
        world, share_data.LISI, {"months": "36", "employer": "阜阳皖北商贸物流有限公司"}
    )
    with django_capture_on_commit_callbacks(execute=True):  # the worker job runs at commit
        task = _task(commitment)
    (check,) = _checks(task)
    assert check.status == CheckStatus.DONE
    assert check.outcome == Outcome.CONSISTENT
    assert check.attempts == 1
    assert check.http_seconds > 0
    assert [line["result"] for line in check.comparison] == ["match", "match"]
    assert check.response["found"] is True
    assert check.response["record"]["months"] == 40
    # the request is kept without the secret and with the identifier masked
    assert share_data.LISI not in str(check.request)
    assert SECRET not in str(check.request)
    assert check.request["id_number"] == share_data.LISI[:4] + "*" * 10 + share_data.LISI[-4:]
    task.refresh_from_db()
    assert (task.status, task.outcome) == (TaskStatus.DONE, Outcome.CONSISTENT)
    assert "一致" in task.outcome_note
    assert AuditEvent.objects.filter(event=Event.CHECK_DONE, target_id=str(check.pk)).exists()
    assert AuditEvent.objects.filter(event=Event.OUTCOME_RECORDED, target_id=str(task.pk)).exists()
    assert not task.fallbacks.exists()


def test_untrue_commitment_is_inconsistent_field_by_field_with_the_sm3_digest(world, sandbox):
    _source(sandbox)
    # 王五 has 5 contribution months and no employer; he committed to 24 months at a firm
    commitment = _commitment(
        world, share_data.WANGWU, {"months": "24", "employer": "阜阳某某公司"}, name="王五"
    )
    task = _task(commitment)
    assert online.run_due() == 1
    (check,) = _checks(task)
    assert check.outcome == Outcome.INCONSISTENT
    lines = {line["field"]: line for line in check.comparison}
    assert lines["months"]["result"] == "mismatch"
    assert (lines["months"]["committed"], lines["months"]["source_value"]) == ("24", 5)
    assert lines["employer"]["result"] == "mismatch"
    assert check.response_digest == sm3_hex(canonical_json(check.response).encode())
    task.refresh_from_db()
    assert task.outcome == Outcome.INCONSISTENT
    assert "社会保险缴费月数" in task.outcome_note and "5" in task.outcome_note
    assert not task.fallbacks.exists()


def test_no_record_is_unable_and_falls_back_to_assistance(world, sandbox):
    _source(sandbox)
    commitment = _commitment(world, share_data.ZHAOLIU, {"months": "12", "employer": "x"}, "赵六")
    task = _task(commitment)
    online.run_due()
    (check,) = _checks(task)
    assert check.status == CheckStatus.DONE
    assert check.outcome == Outcome.UNABLE
    assert check.response["found"] is False
    assert check.response["status_code"] == 404
    task.refresh_from_db()
    assert task.outcome == Outcome.UNABLE
    (fallback,) = task.fallbacks.all()
    assert fallback.method == "assistance"
    assert AssistanceRequest.objects.filter(task=fallback).exists()


def test_field_mapping_renames_platform_fields(world, sandbox):
    _source(sandbox, field_mapping={"months": "contribution_months"})
    plan = VerificationPlan.objects.get(item=world.social)
    plan.comparisons = [
        {"label": "缴费月数", "source": "social_insurance", "field": "contribution_months",
         "op": "gte", "fact": "months"},
    ]  # fmt: skip
    plan.save()
    commitment = _commitment(world, share_data.LISI, {"months": "36", "employer": "x"})
    task = _task(commitment)
    online.run_due()
    (check,) = _checks(task)
    assert check.outcome == Outcome.CONSISTENT
    assert check.response["record"]["contribution_months"] == 40
    assert apply_mapping({"a": 1, "b": 2}, {}) == {"a": 1, "b": 2}


# --- outages --------------------------------------------------------------------------------


def test_source_down_retries_with_backoff_then_fails_over_without_losing_the_task(world, sandbox):
    _source(sandbox, max_attempts=3, breaker_threshold=10)
    sandbox.down_sources.add("social_insurance")
    commitment = _commitment(world, share_data.LISI, {"months": "36", "employer": "x"})
    task = _task(commitment)
    start_at = timezone.now()
    with time_machine.travel(start_at, tick=False):
        assert online.run_due() == 0
    (check,) = _checks(task)
    assert (check.status, check.attempts) == (CheckStatus.RETRYING, 1)
    assert "503" in check.error
    assert check.next_attempt_at == start_at + dt.timedelta(seconds=10)
    with time_machine.travel(start_at + dt.timedelta(seconds=5), tick=False):
        assert online.run_due() == 0  # still waiting for its backoff
    check.refresh_from_db()
    assert check.attempts == 1
    with time_machine.travel(start_at + dt.timedelta(seconds=11), tick=False):
        online.run_due()
    check.refresh_from_db()
    assert check.attempts == 2
    assert check.next_attempt_at == start_at + dt.timedelta(seconds=11 + 20)  # doubled
    with time_machine.travel(start_at + dt.timedelta(seconds=40), tick=False):
        assert online.run_due() == 1
    check.refresh_from_db()
    assert (check.status, check.attempts) == (CheckStatus.FAILED, 3)
    assert AuditEvent.objects.filter(event=Event.CHECK_FAILED, target_id=str(check.pk)).exists()
    task.refresh_from_db()
    assert (task.status, task.outcome) == (TaskStatus.DONE, Outcome.UNABLE)
    (fallback,) = task.fallbacks.all()
    assert fallback.method == "assistance"
    assert "不可用" in task.outcome_note


def test_breaker_opens_after_the_threshold_fails_fast_and_half_opens(world, sandbox):
    source = _source(sandbox, max_attempts=10, breaker_threshold=2, breaker_cooldown_seconds=60)
    sandbox.down_sources.add("social_insurance")
    connector = DataSourceConnector(source, retries=0)
    for _ in range(2):
        with pytest.raises(SourceUnavailable) as exc:
            connector.fetch("resident_id", share_data.LISI)
        assert not exc.value.breaker_open
    source.refresh_from_db()
    assert source.consecutive_failures == 2
    assert breaker_state(source) == "open"
    hits = sandbox.share_hits[("social_insurance", share_data.LISI)]
    with pytest.raises(SourceUnavailable) as exc:
        connector.fetch("resident_id", share_data.LISI)
    assert exc.value.breaker_open  # failed fast: no HTTP call
    assert sandbox.share_hits[("social_insurance", share_data.LISI)] == hits
    # a check attempted while open counts an attempt and waits, spending no HTTP time
    commitment = _commitment(world, share_data.LISI, {"months": "36", "employer": "x"})
    task = _task(commitment)
    online.run_due()
    (check,) = _checks(task)
    assert (check.status, check.attempts, check.http_seconds) == (CheckStatus.RETRYING, 1, 0)
    assert "熔断" in check.error
    # after the cooldown: one trial call; the source is back, so the breaker closes
    sandbox.down_sources.clear()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=True):
        result = connector.fetch("resident_id", share_data.LISI)
        assert result.found
        source.refresh_from_db()
        assert (source.consecutive_failures, source.open_until) == (0, None)
        assert online.run_due() == 1
    check.refresh_from_db()
    assert (check.status, check.outcome) == (CheckStatus.DONE, Outcome.INCONSISTENT)  # "x"


def test_a_hanging_source_times_out_as_unavailable(world, sandbox):
    source = _source(sandbox, timeout_seconds=0.3)
    sandbox.slow_sources["social_insurance"] = 1.0
    with pytest.raises(SourceUnavailable, match="超时"):
        DataSourceConnector(source, retries=0).fetch("resident_id", share_data.LISI)


def test_wrong_secret_is_a_failure_not_a_missing_record(world, sandbox):
    source = _source(sandbox, secret_cipher=encrypt("wrong"))
    with pytest.raises(SourceUnavailable, match="401"):
        DataSourceConnector(source, retries=0).fetch("resident_id", share_data.LISI)


def test_rate_limit_spaces_calls(world, sandbox):
    import time

    source = _source(sandbox, rate_limit_per_second=10)
    connector = DataSourceConnector(source, retries=0)
    started = time.monotonic()
    for _ in range(4):
        connector.fetch("resident_id", share_data.LISI)
    assert time.monotonic() - started >= 0.28


def test_a_check_leased_by_another_worker_is_skipped(world, sandbox):
    _source(sandbox)
    commitment = _commitment(world, share_data.LISI, {"months": "36", "employer": "x"})
    task = _task(commitment)
    (check,) = _checks(task)
    claimed = online._claim(check.pk, timezone.now())
    assert claimed is not None
    assert online._claim(check.pk, timezone.now()) is None  # the lease holds
    assert online.run_due() == 0
    assert sandbox.share_hits == {}


def test_a_second_worker_running_while_the_first_waits_on_http_takes_only_the_rest(
    world, sandbox, monkeypatch
):
    """Two workers interleaved deterministically: while worker 1 waits on the HTTP call of
    the first check, worker 2 runs; it skips the leased check and does the others, which
    worker 1 then finds finished."""
    _source(sandbox)
    numbers = [f"{share_data.BENCH_PREFIX}0120000102{n:04d}" for n in range(5)]
    for n, number in enumerate(numbers):
        _bench_commitment(world, n, number)
    real_fetch = DataSourceConnector.fetch
    second: list[int] = []

    def fetch(self, id_type, id_number):
        if not second:
            second.append(-1)
            second[0] = online.run_due()  # worker 2, while worker 1 is "on the wire"
        return real_fetch(self, id_type, id_number)

    monkeypatch.setattr(DataSourceConnector, "fetch", fetch)
    first = online.run_due()
    assert (first, second[0]) == (1, len(numbers) - 1)
    assert sorted(sandbox.share_hits.values()) == [1] * len(numbers)
    assert OnlineCheck.objects.filter(status=CheckStatus.DONE, attempts=1).count() == len(numbers)


def _bench_commitment(w, n: int, number: str):
    s = Subject.objects.create(
        kind="person",
        name=f"测试{n}",
        id_type="resident_id",
        id_cipher=encrypt(number),
        id_lookup=f"bench-{number}",
        id_masked=number[:4],
    )
    credit_services.subject_link(actor=w.applicant, user=w.applicant, subject=s, relation="self")
    case = case_services.case_create(actor=w.applicant, matter=w.matter, subject=s)
    facts = {"months": "12", "employer": "阜阳市某某测试有限公司"}
    return _task(sign(w.applicant, case, w.social, facts=facts))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_never_run_one_check_twice(agency_a, agency_b, sandbox, monkeypatch):
    monkeypatch.setattr(internal, "_enqueue_checks", lambda ids: None)  # the workers run them
    w = build_world(agency_a)
    template = w.social.commitment_template
    doc_services.template_draft_update(actor=w.admin, template=template, data={"facts": FACTS})
    doc_services.template_publish(actor=w.admin, template=template)
    VerificationPlan.objects.create(
        item=w.social,
        methods=["online"],
        comparisons=services.default_comparisons(w.social),
        fallback="assistance",
        assistance_agency=agency_b,
    )
    _source(sandbox)
    numbers = [f"{share_data.BENCH_PREFIX}0120000101{n:04d}" for n in range(12)]
    tasks = [_bench_commitment(w, n, number) for n, number in enumerate(numbers)]
    results: list[int] = []
    errors: list[BaseException] = []

    def worker():
        try:
            results.append(online.run_due())
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(results) == len(numbers)
    assert all(count == 1 for count in sandbox.share_hits.values())
    assert len(sandbox.share_hits) == len(numbers)
    assert OnlineCheck.objects.filter(status=CheckStatus.DONE, attempts=1).count() == len(numbers)
    assert VerificationTask.objects.filter(
        pk__in=[t.pk for t in tasks], status="done"
    ).count() == len(numbers)


def test_run_online_checks_command_runs_due_checks(world, sandbox):
    _source(sandbox)
    commitment = _commitment(world, share_data.LISI, {"months": "36", "employer": "x"})
    task = _task(commitment)
    out = StringIO()
    call_command("run_online_checks", stdout=out)
    assert "finished 1 online check(s)" in out.getvalue()
    (check,) = _checks(task)
    assert check.status == CheckStatus.DONE


def test_tasks_run_the_due_checks(world, sandbox):
    from chengnuo.verification.tasks import run_due_online_checks

    _source(sandbox)
    commitment = _commitment(world, share_data.LISI, {"months": "36", "employer": "x"})
    task = _task(commitment)
    assert run_due_online_checks.enqueue().return_value == 1
    assert _checks(task)[0].status == CheckStatus.DONE


# --- registry pages -------------------------------------------------------------------------


@pytest.fixture
def data_admin(db):
    return user_with_role(Role.DATA_ADMIN, AgencyFactory(kind="data_bureau"), username="dadmin")


def _form(agency, **overrides):
    data = {
        "code": "marriage",
        "name": "婚姻登记信息",
        "providing_agency": agency.pk,
        "base_url": "http://127.0.0.1:9",
        "path": "/api/share/{source}/{id_type}/{id_number}",
        "app_key": APP_KEY,
        "secret": "first-secret",
        "field_mapping": '{"marital_status": "status"}',
        "timeout_seconds": "3",
        "rate_limit_per_second": "20",
        "max_attempts": "4",
        "breaker_threshold": "5",
        "breaker_cooldown_seconds": "60",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_data_admin_registers_and_edits_a_source_with_a_write_only_secret(
    client, data_admin, agency_b
):
    client.force_login(data_admin)
    assert client.get("/verification/sources/").status_code == 200
    response = client.post("/verification/sources/new/", _form(agency_b))
    assert response.status_code == 302, response.content.decode()
    source = DataSource.objects.get(code="marriage")
    assert decrypt(source.secret_cipher) == "first-secret"
    assert source.field_mapping == {"marital_status": "status"}
    page = client.get(f"/verification/sources/{source.pk}/").content.decode()
    assert "已设置" in page and "first-secret" not in page and source.secret_cipher not in page
    # editing without a secret keeps it; a new value replaces it
    client.post(f"/verification/sources/{source.pk}/", _form(agency_b, secret="", name="婚姻"))
    source.refresh_from_db()
    assert (source.name, decrypt(source.secret_cipher)) == ("婚姻", "first-secret")
    client.post(f"/verification/sources/{source.pk}/", _form(agency_b, secret="second"))
    source.refresh_from_db()
    assert decrypt(source.secret_cipher) == "second"
    events = AuditEvent.objects.filter(event=Event.SOURCE_SAVED, target_id=str(source.pk))
    assert events.count() == 3
    assert all("secret" not in str(e.after).replace("secret_changed", "") for e in events)
    listing = client.get("/verification/sources/").content.decode()
    assert "婚姻" in listing and "正常" in listing


def test_invalid_source_is_refused_with_every_problem_named(client, data_admin, agency_b):
    client.force_login(data_admin)
    response = client.post(
        "/verification/sources/new/",
        _form(agency_b, base_url="ftp://x", secret="", field_mapping="[1]", path="/x"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("接口地址", "签名密钥", "字段映射", "查询路径"):
        assert text in body
    assert not DataSource.objects.exists()


def test_test_connection_shows_the_masked_request_and_the_response(
    client, data_admin, sandbox, agency_b
):
    source = _source(sandbox, agency=agency_b)
    client.force_login(data_admin)
    form = client.get(f"/verification/sources/{source.pk}/").content.decode()
    assert share_data.LISI not in form  # the test subject's number is not in the page
    assert share_data.LISI[:4] + "**********" + share_data.LISI[-4:] in form
    response = client.post(f"/verification/sources/{source.pk}/test/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "连接成功" in body and "阜阳皖北商贸物流有限公司" in body
    assert share_data.LISI not in body and SECRET not in body
    sandbox.down_sources.add("social_insurance")
    body = client.post(f"/verification/sources/{source.pk}/test/").content.decode()
    assert "连接失败" in body


@pytest.mark.parametrize("role", [Role.AGENCY_ADMIN, Role.CASE_OFFICER, Role.AUDITOR])
def test_others_get_404_on_the_registry(client, agency_a, agency_b, role, sandbox):
    source = _source(sandbox, agency=agency_b)
    client.force_login(user_with_role(role, agency_a, username=f"u-{role}"))
    for url in (
        "/verification/sources/",
        "/verification/sources/new/",
        f"/verification/sources/{source.pk}/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/verification/sources/{source.pk}/test/").status_code == 404
    assert client.post("/verification/sources/new/", _form(agency_b)).status_code == 404
    assert DataSource.objects.count() == 1


def test_demo_registry_loads_the_seven_sandbox_sources(db, monkeypatch):
    from chengnuo.agencies.models import Agency
    from chengnuo.demo.verification_data import SOURCES, load_sources

    for _code, _name, agencies, _mapping in SOURCES:
        if not Agency.objects.filter(name=agencies[-1]).exists():
            AgencyFactory(name=agencies[-1])
    monkeypatch.setenv("CHENGNUO_SANDBOX_URL", "http://127.0.0.1:18999")
    assert load_sources() == {"data_sources": 7}
    assert load_sources() == {"data_sources": 7}  # idempotent
    assert set(DataSource.objects.values_list("code", flat=True)) == set(share_data.SOURCES)
    source = DataSource.objects.get(code="household")
    assert source.base_url == "http://127.0.0.1:18999"
    assert decrypt(source.secret_cipher) == "sandbox-secret"

"""Credit pushes through the outbox and pulls of external records (R-5.2, R-9.2), against
the sandbox credit platform running in-process."""

from __future__ import annotations

import datetime as dt
import json
import types
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.core.errors import DomainError, PermissionDenied
from chengnuo.credit import push, services
from chengnuo.credit.models import CreditPlatform, CreditRecord, DeliveryAttempt, PushMessage
from chengnuo.credit.pull import pull_external_records
from chengnuo.credit.tasks import deliver_due_pushes, deliver_pushes
from chengnuo.sandbox import data, start

from .factories import user_with_role

APP_KEY = "chengnuo-test"
SECRET = "push-secret"
ITEM = types.SimpleNamespace(under_commitment=True, status="in_force", code="X")


@pytest.fixture
def sandbox():
    server = start(0, app_key=APP_KEY, secret=SECRET)
    yield server
    server.stop()


@pytest.fixture
def platform(db, sandbox):
    return CreditPlatform.objects.create(
        name="信用阜阳",
        base_url=sandbox.base_url + "/",
        app_key=APP_KEY,
        secret=SECRET,
        timeout_seconds=5,
    )


@pytest.fixture
def officer(agency_a):
    return user_with_role(Role.CREDIT_OFFICER, agency_a, username="credit_officer")


def _subject(officer, number=data.PERSON_CLEAN, **kwargs):
    fields = {"kind": "person", "name": "孙某某", "id_type": "resident_id"}
    fields.update(kwargs)
    return services.subject_register(actor=officer, id_value=number, **fields)


def _record(officer, subject, n=1):
    return services.credit_record_create(
        actor=officer,
        subject=subject,
        kind="false_commitment",
        summary=f"虚假承诺第{n}次：承诺无犯罪记录与事实不符",
        decided_on=dt.date(2026, 1, 5),
        impact={"amount_yuan": 0},
    )


def _received(sandbox, record_id=None):
    rows = sandbox.received()
    return [r for r in rows if record_id is None or r["body"]["record_id"] == record_id]


# --- delivery -------------------------------------------------------------------------------


def test_push_is_delivered_signed_at_commit_and_received_once(
    platform, sandbox, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = _record(officer, _subject(officer))
    message = PushMessage.objects.get(record=record)
    assert message.status == PushMessage.Status.DELIVERED
    assert message.delivered_at is not None
    received = _received(sandbox, record.pk)
    assert len(received) == 1
    assert received[0]["idempotency_key"] == message.idempotency_key
    assert json.loads(push.body_bytes(message)) == received[0]["body"]
    assert received[0]["body"]["subject"]["id_number"] == data.PERSON_CLEAN
    assert data.PERSON_CLEAN not in str(message.body)  # the outbox row keeps it encrypted
    attempt = DeliveryAttempt.objects.get(message=message)
    assert (attempt.ok, attempt.status_code) == (True, 201)


def test_bad_secret_gets_401_and_the_message_stays_failed_with_the_attempt_logged(
    platform, sandbox, officer, django_capture_on_commit_callbacks
):
    CreditPlatform.objects.filter(pk=platform.pk).update(secret="not-the-secret")
    with django_capture_on_commit_callbacks(execute=True):
        record = _record(officer, _subject(officer))
    message = PushMessage.objects.get(record=record)
    assert message.status == PushMessage.Status.FAILED
    assert message.attempts == 1
    assert "401" in message.last_error
    assert message.next_attempt_at is not None
    attempt = DeliveryAttempt.objects.get(message=message)
    assert (attempt.ok, attempt.status_code) == (False, 401)
    assert _received(sandbox) == []


def test_receiver_outage_loses_nothing_and_duplicates_nothing(
    platform, sandbox, officer, django_capture_on_commit_callbacks
):
    port = sandbox.port
    sandbox.stop()
    subject = _subject(officer)
    with django_capture_on_commit_callbacks(execute=True):
        records = [_record(officer, subject, n) for n in range(3)]
    assert push.deliver_due() == 0  # already tried at commit; backing off now
    messages = list(PushMessage.objects.order_by("id"))
    assert len(messages) == 3
    assert {m.status for m in messages} == {PushMessage.Status.FAILED}
    assert all(m.attempts == 1 and m.log.count() == 1 for m in messages)

    restarted = start(port, app_key=APP_KEY, secret=SECRET)
    try:
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=31), tick=True):
            assert push.deliver_due() == 3
            assert push.deliver_due() == 0
            # a delivered message is retried (as after a lost response): the receiver
            # recognises the idempotency key and stores nothing twice
            PushMessage.objects.filter(pk=messages[0].pk).update(
                status=PushMessage.Status.FAILED, next_attempt_at=None
            )
            assert push.deliver_due() == 1
        assert set(PushMessage.objects.values_list("status", flat=True)) == {"delivered"}
        received = _received(restarted)
        assert sorted(r["body"]["record_id"] for r in received) == sorted(r.pk for r in records)
    finally:
        restarted.stop()


def test_failed_push_waits_for_its_backoff(platform, sandbox, officer):
    CreditPlatform.objects.filter(pk=platform.pk).update(secret="wrong")
    _record(officer, _subject(officer))
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        push.deliver_due()
    message = PushMessage.objects.get()
    assert message.next_attempt_at == now + dt.timedelta(seconds=30)
    with time_machine.travel(now + dt.timedelta(seconds=29), tick=False):
        assert push.deliver_due() == 0
    assert message.log.count() == 1
    with time_machine.travel(now + dt.timedelta(seconds=31), tick=False):
        push.deliver_due()
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at == now + dt.timedelta(seconds=31 + 60)


def test_backoff_doubles_from_30_seconds_and_is_capped_at_one_hour():
    assert [push.backoff(n).total_seconds() for n in (1, 2, 3, 7, 8, 50)] == [
        30,
        60,
        120,
        1920,
        3600,
        3600,
    ]


def test_a_delivered_message_is_never_sent_again(platform, sandbox, officer):
    _record(officer, _subject(officer))
    message = PushMessage.objects.get()
    assert push.deliver(message) is True
    assert push.deliver(message) is True
    assert push.deliver_due() == 0
    assert message.log.count() == 1
    assert len(_received(sandbox)) == 1


def test_a_message_claimed_by_another_worker_is_skipped(platform, sandbox, officer):
    _record(officer, _subject(officer))
    message = PushMessage.objects.get()
    assert push._claim(message.pk, timezone.now()) is not None  # worker 1 is sending it
    assert push.deliver(message) is False  # worker 2
    assert push.deliver_due() == 0
    assert message.log.count() == 0
    assert _received(sandbox) == []


def test_a_rolled_back_transaction_writes_no_outbox_row(
    platform, sandbox, officer, django_capture_on_commit_callbacks
):
    subject = _subject(officer)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _record(officer, subject)
        raise RuntimeError("rollback")
    assert PushMessage.objects.count() == 0
    assert CreditRecord.objects.count() == 0
    assert callbacks == []
    assert _received(sandbox) == []


def test_inactive_platforms_get_no_push(platform, sandbox, officer):
    CreditPlatform.objects.filter(pk=platform.pk).update(active=False)
    _record(officer, _subject(officer))
    assert PushMessage.objects.count() == 0


def test_tasks_deliver_the_given_and_the_due_messages(platform, sandbox, officer):
    subject = _subject(officer)
    first, second = _record(officer, subject, 1), _record(officer, subject, 2)
    one = PushMessage.objects.get(record=first)
    assert deliver_pushes.call([one.pk]) == 1
    assert PushMessage.objects.get(record=second).status == PushMessage.Status.PENDING
    assert deliver_due_pushes.call() == 1
    assert len(_received(sandbox)) == 2


def test_deliver_pushes_command_delivers_due_messages(platform, sandbox, officer):
    _record(officer, _subject(officer))
    out = StringIO()
    call_command("deliver_pushes", stdout=out)
    assert "delivered 1" in out.getvalue()
    assert PushMessage.objects.get().status == PushMessage.Status.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_committed_record_is_delivered_by_the_task_after_commit(sandbox, agency_a):
    CreditPlatform.objects.create(
        name="信用阜阳", base_url=sandbox.base_url, app_key=APP_KEY, secret=SECRET
    )
    officer = user_with_role(Role.CREDIT_OFFICER, agency_a, username="credit_officer")
    record = _record(officer, _subject(officer))
    assert PushMessage.objects.get(record=record).status == PushMessage.Status.DELIVERED
    assert len(_received(sandbox, record.pk)) == 1


# --- pull ------------------------------------------------------------------------------------


def test_pull_merges_external_records_once(platform, officer):
    subject = _subject(officer, data.ENTITY_SERIOUS, kind="entity", id_type="uscc", name="某公司")
    created = pull_external_records(actor=officer, subject=subject, platform=platform)
    assert sorted(r.external_ref for r in created) == ["XYFY-2023-000090", "XYFY-2025-000508"]
    assert {r.kind for r in created} == {"external_dishonesty"}
    assert pull_external_records(actor=officer, subject=subject, platform=platform) == []
    assert CreditRecord.objects.filter(subject=subject).count() == 2
    assert PushMessage.objects.count() == 0  # records from the platform are not pushed back


def test_severe_external_record_refuses_commitment(platform, officer):
    subject = _subject(officer, data.PERSON_SEVERE, name="赵某某")
    assert services.eligibility_of(subject, ITEM).allowed
    pull_external_records(actor=officer, subject=subject, platform=platform)
    eligibility = services.eligibility_of(subject, ITEM)
    assert not eligibility.allowed
    assert [r.code for r in eligibility.reasons] == ["severe_record"]


def test_serious_external_record_refuses_commitment_within_its_bar(platform, officer):
    subject = _subject(officer, data.ENTITY_SERIOUS, kind="entity", id_type="uscc", name="某公司")
    pull_external_records(actor=officer, subject=subject, platform=platform)
    eligibility = services.eligibility_of(subject, ITEM, on=dt.date(2025, 9, 1))
    assert not eligibility.allowed
    assert [r.code for r in eligibility.reasons] == ["serious_record"]


def test_general_external_record_allows_commitment_with_verification(platform, officer):
    subject = _subject(officer, data.PERSON_GENERAL, name="钱某某")
    pull_external_records(actor=officer, subject=subject, platform=platform)
    eligibility = services.eligibility_of(subject, ITEM)
    assert eligibility.allowed
    assert eligibility.verify_every_commitment


def test_pull_when_the_platform_is_down_raises_platform_unavailable(platform, sandbox, officer):
    subject = _subject(officer, data.PERSON_SEVERE, name="赵某某")
    sandbox.stop()
    with pytest.raises(DomainError) as excinfo:
        pull_external_records(actor=officer, subject=subject, platform=platform)
    assert excinfo.value.code == "platform_unavailable"
    assert CreditRecord.objects.count() == 0


def test_pull_with_a_wrong_secret_raises_platform_unavailable(platform, officer):
    CreditPlatform.objects.filter(pk=platform.pk).update(secret="wrong")
    platform.refresh_from_db()
    subject = _subject(officer, data.PERSON_SEVERE, name="赵某某")
    with pytest.raises(DomainError) as excinfo:
        pull_external_records(actor=officer, subject=subject, platform=platform)
    assert excinfo.value.code == "platform_unavailable"
    assert CreditRecord.objects.count() == 0


def test_pull_is_refused_to_roles_without_credit_lookup(platform, officer, agency_a):
    subject = _subject(officer, data.PERSON_SEVERE, name="赵某某")
    auditor = user_with_role(Role.AUDITOR, agency_a, username="auditor")
    with pytest.raises(PermissionDenied):
        pull_external_records(actor=auditor, subject=subject, platform=platform)
    assert CreditRecord.objects.count() == 0

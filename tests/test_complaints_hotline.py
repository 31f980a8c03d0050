"""The 12345 hotline (R-8.1): a signed work order becomes a complaint through the same checks as
the web form, once per order number; the answer goes back to the 12345 platform through the
outbox, signed, retried across an outage and stored there once. Walk-arounds: no signature, a
wrong secret, a stale timestamp, an inactive platform, an order number that is not the
idempotency key, the same number with other content, placeholder text, an unpublished item."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.utils import timezone

from chengnuo.complaints import hotline, services
from chengnuo.complaints.constants import Channel, Status
from chengnuo.complaints.models import Complaint, HotlinePlatform, HotlineReply
from chengnuo.core import signing
from chengnuo.core.outbox import OutboxStatus, deliver_all
from chengnuo.sandbox import start
from chengnuo.sandbox.hotline import work_order

from .complaints_helpers import FACTS, MEASURES, build, submit

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints/hotline"
APP_KEY = "12345-test"
SECRET = "12345-secret"


@pytest.fixture
def sandbox():
    server = start(0, app_key=APP_KEY, secret=SECRET)
    yield server
    server.stop()


@pytest.fixture
def cw(sandbox):
    world = build()
    HotlinePlatform.objects.create(
        name="阜阳12345", base_url=sandbox.base_url, app_key=APP_KEY, secret=SECRET,
        timeout_seconds=5,
    )  # fmt: skip
    return world


def order(cw, number="GD20261201001", **fields):
    named = {
        "agency_uscc": cw.agency.uscc,
        "matter_code": cw.w.matter.code,
        "item_code": cw.w.social.code,
    }
    return work_order(number, **{**named, **fields})


def post(client, body: dict, *, secret=SECRET, app_key=APP_KEY, key=None, timestamp=None):
    raw = json.dumps(body, ensure_ascii=False).encode()
    key = body.get("order_no", "") if key is None else key
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "HTTP_X_APP_KEY": app_key,
        "HTTP_X_TIMESTAMP": stamp,
        "HTTP_IDEMPOTENCY_KEY": key,
        "HTTP_X_SIGNATURE": signing.sign(secret, stamp, key, raw),
    }
    return client.post(URL, data=raw, content_type="application/json", **headers)


def test_a_signed_work_order_becomes_a_hotline_complaint_with_its_concerns_from_public_codes(
    client, cw
):
    response = post(client, order(cw))
    assert response.status_code == 201, response.content
    data = response.json()
    c = Complaint.objects.get(number=data["complaint"])
    assert c.channel == Channel.HOTLINE and c.external_ref == "GD20261201001"
    assert (c.agency_id, c.matter_id, c.item_id) == (cw.agency.pk, cw.w.matter.pk, cw.w.social.pk)
    assert c.status == Status.SUBMITTED and data["accept_due"] == c.accept_due.isoformat()
    assert data["duplicate"] is False and data["handling_agency"] == cw.agency.name
    assert "13900000000" not in c.phone_cipher  # the caller's identity is sealed as any other


def test_the_same_work_order_again_is_the_same_complaint(client, cw):
    first = post(client, order(cw)).json()
    again = post(client, order(cw))
    assert again.status_code == 200 and again.json()["complaint"] == first["complaint"]
    assert again.json()["duplicate"] is True
    assert Complaint.objects.filter(channel=Channel.HOTLINE).count() == 1


def test_the_same_order_number_with_other_content_is_refused(client, cw):
    post(client, order(cw))
    other = post(
        client, order(cw, text="另一件诉求：窗口人员态度生硬，拒绝解释告知承诺制的办理要求。")
    )
    assert other.status_code == 409 and other.json()["code"] == "external_ref_reused"
    assert Complaint.objects.filter(channel=Channel.HOTLINE).count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        {"secret": "wrong"},
        {"app_key": "someone-else"},
        {"timestamp": int(time.time()) - 3600},
    ],
    ids=["wrong-secret", "unknown-key", "stale-timestamp"],
)
def test_an_unsigned_or_wrongly_signed_order_is_refused_and_nothing_is_written(client, cw, tamper):
    response = post(client, order(cw), **tamper)
    assert response.status_code == 401
    assert not Complaint.objects.exists()


def test_an_inactive_platforms_key_is_refused(client, cw):
    HotlinePlatform.objects.update(active=False)
    assert post(client, order(cw)).status_code == 401
    assert not Complaint.objects.exists()


def test_no_signature_headers_at_all_is_refused(client, cw):
    response = client.post(URL, data=json.dumps(order(cw)), content_type="application/json")
    assert response.status_code == 401 and not Complaint.objects.exists()


def test_the_order_number_must_be_the_idempotency_key(client, cw):
    response = post(client, order(cw), key="GD-OTHER")
    assert response.status_code == 400 and not Complaint.objects.exists()


def test_a_work_order_gets_the_same_checks_as_the_web_form(client, cw):
    placeholder = post(client, order(cw, "GD1", text="无"))
    assert placeholder.status_code == 400
    fields = {e["field"] for e in placeholder.json()["errors"]}
    assert "text" in fields
    unknown = post(client, order(cw, "GD2", item_code="NO-SUCH-ITEM"))
    assert unknown.status_code == 400
    assert not Complaint.objects.exists()


def test_the_answer_goes_back_signed_once_across_an_outage_without_the_callers_identity(
    client, cw, sandbox, django_capture_on_commit_callbacks
):
    c = Complaint.objects.get(number=post(client, order(cw)).json()["complaint"])
    c = services.complaint_accept(actor=cw.handler, complaint=c)
    sandbox.replies_down = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)
    row = HotlineReply.objects.get(complaint=c)
    assert row.status == OutboxStatus.FAILED and "503" in row.last_error
    later = timezone.now() + dt.timedelta(hours=2)
    assert hotline.OUTBOX.deliver_due(now=later) == 1
    assert deliver_all() == 0  # delivered: never again
    row.refresh_from_db()
    assert row.status == OutboxStatus.DELIVERED and row.receipt.startswith("12345-HD-")
    with sandbox.lock:
        received = list(sandbox.replies.values())
    assert len(received) == 1
    body = received[0]["body"]
    assert body["order_no"] == "GD20261201001" and body["complaint"] == c.number
    assert body["facts"] == FACTS and body["measures"] == MEASURES
    text = json.dumps(body, ensure_ascii=False)
    assert "13900000000" not in text and "来电市民" not in text
    # a repeated delivery (the worker died after the platform answered) is stored once
    HotlineReply.objects.filter(pk=row.pk).update(status=OutboxStatus.PENDING)
    assert hotline.OUTBOX.deliver(row.pk, now=later) is True
    with sandbox.lock:
        assert len(sandbox.replies) == 1


def test_a_declined_work_order_is_answered_with_the_reason(client, cw, sandbox):
    c = Complaint.objects.get(number=post(client, order(cw)).json()["complaint"])
    services.complaint_decline(
        actor=cw.handler,
        complaint=c,
        reason="该诉求不属于本机关职责范围，已告知来电人向市场监管部门反映",
    )
    row = HotlineReply.objects.get(complaint=c)
    assert row.body["status"] == Status.DECLINED and "职责范围" in row.body["decline_reason"]
    assert hotline.OUTBOX.deliver(row.pk) is True


def test_a_web_complaint_sends_nothing_to_the_hotline(cw):
    c = submit(cw).complaint
    c = services.complaint_accept(actor=cw.handler, complaint=c)
    services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)
    assert not HotlineReply.objects.exists()

"""The 12345 hotline (R-8.1): work orders (工单) in, answers (回单) back.

In: `POST /api/v1/complaints/hotline`, signed by the 12345 platform as every connector signs
(`core.signing`: `X-App-Key`, `X-Timestamp` within five minutes, `Idempotency-Key` = the order
number, `X-Signature` = HMAC-SM3 over timestamp, key and body). The order becomes a complaint of
the channel "hotline" through the same `services.complaint_submit` as the web form, so every
check applies; what it concerns is named by public codes (the agency's 统一社会信用代码, the
matter's and the item's codes, a published commitment's number on the portal), never by the
platform's database ids. The order number makes it idempotent: the same order again is the same
complaint, the same number with other content is refused.

Back: when the complaint is answered or declined, an outbox row per active 12345 platform is
written in that transaction (`HotlineReply`, `core.outbox`), and `deliver_outboxes` posts it to
`{base_url}/api/12345/replies` with retries until the platform has it."""

from __future__ import annotations

import hmac as std_hmac
import json
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo.core import outbox
from chengnuo.core.errors import DomainError
from chengnuo.core.signing import verify
from chengnuo.core.timefmt import local

from .constants import Channel, Status
from .models import Complaint, HotlinePlatform, HotlineReply

REPLIES_PATH = "/api/12345/replies"
USER_AGENT = "chengnuo-hotline-reply/1"
MAX_CLOCK_SKEW_SECONDS = 300


class Unauthenticated(DomainError):
    status_code = 401


def authenticate(headers: Any, body: bytes) -> HotlinePlatform:
    """The active platform whose key signed this request, or a 401 refusal (one answer for a
    wrong key, a stale timestamp and a wrong signature)."""
    app_key = str(headers.get("X-App-Key") or "")
    timestamp = str(headers.get("X-Timestamp") or "")
    given = str(headers.get("X-Signature") or "")
    key = str(headers.get("Idempotency-Key") or "")
    refused = Unauthenticated("bad_signature", "应用标识、时间戳或签名无效")
    try:
        fresh = abs(time.time() - int(timestamp)) <= MAX_CLOCK_SKEW_SECONDS
    except ValueError:
        fresh = False
    platform = None
    for candidate in HotlinePlatform.objects.filter(active=True):
        if std_hmac.compare_digest(candidate.app_key.encode(), app_key.encode()):
            platform = candidate
    if platform is None or not fresh or not verify(platform.secret, timestamp, key, body, given):
        raise refused
    return platform


def _codes(order: dict[str, Any]) -> dict[str, Any]:
    """The platform's public codes → the ids `complaint_submit` checks (an unknown code is
    left for it to refuse, naming the field)."""
    from chengnuo.agencies.models import Agency
    from chengnuo.catalog.models import CertificationItem, Matter

    found: dict[str, Any] = {}
    uscc = str(order.get("agency_uscc") or "").strip()
    if uscc:
        found["agency_id"] = (
            Agency.objects.filter(uscc=uscc).values_list("pk", flat=True).first() or "未知"
        )
    matter = str(order.get("matter_code") or "").strip()
    if matter:
        found["matter_id"] = (
            Matter.objects.filter(code=matter).values_list("pk", flat=True).first() or "未知"
        )
    item = str(order.get("item_code") or "").strip()
    if item:
        found["item_id"] = (
            CertificationItem.objects.filter(code=item).values_list("pk", flat=True).first()
            or "未知"
        )
    if order.get("commitment"):
        found["commitment_id"] = order["commitment"]
    return found


def receive(platform: HotlinePlatform, headers: Any, body: bytes) -> tuple[Any, bool]:
    """A signed work order → (the submission, created?)."""
    from . import services

    try:
        order = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DomainError("invalid_input", "请求体不是有效的JSON") from None
    if not isinstance(order, dict):
        raise DomainError("invalid_input", "请求体应为JSON对象")
    number = str(order.get("order_no") or "").strip()
    if not number or number != str(headers.get("Idempotency-Key") or "").strip():
        raise DomainError("invalid_input", "工单号（order_no）必填，且应与Idempotency-Key相同")
    existed = Complaint.objects.filter(channel=Channel.HOTLINE, external_ref=number).exists()
    submission = services.complaint_submit(
        channel=Channel.HOTLINE,
        kind=str(order.get("kind") or ""),
        text=order.get("text"),
        anonymous=bool(order.get("anonymous")),
        name=order.get("name") or "",
        phone=order.get("phone") or "",
        external_ref=number,
        **_codes(order),
    )
    return submission, not existed


def reply_body(complaint: Complaint) -> dict[str, Any]:
    """The answer (回单) as the 12345 platform receives it: no identity of the complainant."""
    answered = complaint.status == Status.ANSWERED
    return {
        "order_no": complaint.external_ref,
        "complaint": complaint.number,
        "status": complaint.status,
        "status_label": complaint.get_status_display(),
        "agency": complaint.handling_agency.name,
        "facts": complaint.facts if answered else "",
        "measures": complaint.measures if answered else "",
        "decline_reason": complaint.decline_reason if complaint.status == Status.DECLINED else "",
        "answered_at": local(complaint.answered_at) if complaint.answered_at else None,
        "replied_at": local(timezone.now()),
    }


def enqueue_reply(complaint: Complaint) -> list[HotlineReply]:
    """In the answering (or declining) transaction: one outbox row per active platform, for a
    complaint that came from the hotline. A later answer (after a reopening) is a new reply."""
    if complaint.channel != Channel.HOTLINE or not complaint.external_ref:
        return []
    done = HotlineReply.objects.filter(complaint=complaint).count()
    rows = [
        HotlineReply.objects.create(
            platform=platform,
            complaint=complaint,
            idempotency_key=f"reply-{complaint.number}-{done + 1}-{platform.pk}",
            body=reply_body(complaint),
        )
        for platform in HotlinePlatform.objects.filter(active=True).order_by("pk")
    ]
    if rows:
        ids = [r.pk for r in rows]
        transaction.on_commit(lambda: _schedule(ids))
    return rows


def _schedule(ids: list[int]) -> None:
    from .tasks import deliver_replies

    deliver_replies.enqueue(ids)


OUTBOX = outbox.Outbox(HotlineReply, REPLIES_PATH, USER_AGENT)

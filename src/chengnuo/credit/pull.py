"""Pulling a subject's dishonesty records from a credit sharing platform (R-5.2, R-9.2).

Records are merged once: a record whose platform reference is already stored for the subject
is skipped, so pulling again adds nothing. They become ``external_dishonesty`` records, which
count for commitment eligibility (R-2.2) and the credit warning level (R-6.4)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx
from django.db import transaction

from chengnuo.core.actors import Actor
from chengnuo.core.errors import DomainError, PermissionDenied

from . import policies
from .constants import Grade, RecordKind
from .models import CreditPlatform, CreditRecord, Subject
from .push import endpoint, signed_headers

logger = logging.getLogger(__name__)

UNAVAILABLE = "信用平台暂时无法访问，请稍后重试"


def _unavailable(detail: str) -> DomainError:
    logger.warning("credit platform pull failed: %s", detail)
    return DomainError("platform_unavailable", f"{UNAVAILABLE}（{detail}）")


def fetch_external_records(*, subject: Subject, platform: CreditPlatform) -> list[dict[str, Any]]:
    """The platform's records of the subject, validated; raises DomainError when the platform
    cannot be reached or answers something unusable."""
    path = (
        f"/api/credit/subjects/{quote(subject.id_type, safe='')}/"
        f"{quote(subject.identifier(), safe='')}/records"
    )
    try:
        response = httpx.get(
            endpoint(platform, path),
            headers=signed_headers(platform, "", b""),
            timeout=platform.timeout_seconds,
        )
    except httpx.HTTPError as exc:
        raise _unavailable(type(exc).__name__) from exc
    if not response.is_success:
        raise _unavailable(f"HTTP {response.status_code}")
    try:
        payload = response.json()
        items = payload["records"]
        if not isinstance(items, list):
            raise TypeError("records is not a list")
        return [_clean(item) for item in items]
    except (ValueError, KeyError, TypeError) as exc:
        raise _unavailable("返回数据格式错误") from exc


def _clean(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise TypeError("record is not an object")
    ref = item["external_ref"]
    if not isinstance(ref, str) or not ref.strip() or len(ref) > 64:
        raise ValueError("bad external_ref")
    grade = item["grade"]
    if grade not in Grade.values:
        raise ValueError("bad grade")
    summary = str(item.get("summary") or "").strip()
    agency = str(item.get("deciding_agency") or "").strip()
    if agency:
        summary = f"{summary}（认定机关：{agency}）" if summary else f"认定机关：{agency}"
    return {
        "external_ref": ref.strip(),
        "grade": grade,
        "summary": summary or "信用平台失信记录",
        "decided_on": date.fromisoformat(str(item["decided_on"])),
    }


def pull_external_records(
    *, actor: Actor, subject: Subject, platform: CreditPlatform
) -> list[CreditRecord]:
    """Merge the platform's records of the subject; returns the records created now."""
    from .services import credit_record_create

    if actor is not None and not (
        policies.is_credit_officer(actor) or policies.can_lookup_credit(actor)
    ):
        raise PermissionDenied("您的角色无权从信用平台获取信用记录")
    items = fetch_external_records(subject=subject, platform=platform)  # no transaction open
    created: list[CreditRecord] = []
    with transaction.atomic():
        # One merge per subject at a time: two concurrent pulls cannot both insert a record.
        Subject.objects.select_for_update().filter(pk=subject.pk).first()
        known = set(
            CreditRecord.objects.filter(subject=subject)
            .exclude(external_ref="")
            .values_list("external_ref", flat=True)
        )
        for item in items:
            if item["external_ref"] in known:
                continue
            known.add(item["external_ref"])
            created.append(
                credit_record_create(
                    actor=actor,
                    subject=subject,
                    kind=RecordKind.EXTERNAL_DISHONESTY,
                    grade=item["grade"],
                    summary=item["summary"],
                    decided_on=item["decided_on"],
                    external_ref=item["external_ref"],
                )
            )
    return created

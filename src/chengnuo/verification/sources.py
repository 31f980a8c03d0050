"""The data-source registry (R-4.5, R-9.2), kept by the data admin: where a source is, how its
requests are signed, how its fields map to the names the plans compare, and how hard to call it.

Every save goes through `data_source_save` (one transaction, one audit event). The signing
secret is write-only: stored encrypted, never shown or audited — only whether it changed.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from chengnuo.agencies.models import Agency
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.crypto import encrypt
from chengnuo.core.errors import DomainError, NotFound

from . import policies
from .connector import DataSourceConnector, FetchResult, SourceUnavailable
from .constants import CheckStatus, Event
from .models import DataSource

RECENT_DAYS = 7
CODE_RE = re.compile(r"\A[a-z][a-z0-9_]{1,39}\Z")
FIELD_RE = re.compile(r"\A[A-Za-z_][A-Za-z0-9_.]{0,80}\Z")

# (field, label, low, high, integer)
LIMITS: tuple[tuple[str, str, float, float, bool], ...] = (
    ("timeout_seconds", "超时（秒）", 0.1, 60, False),
    ("rate_limit_per_second", "每秒请求上限", 1, 10000, True),
    ("max_attempts", "最多尝试次数", 1, 20, True),
    ("breaker_threshold", "熔断阈值", 1, 100, True),
    ("breaker_cooldown_seconds", "熔断冷却（秒）", 1, 86400, True),
)
AUDITED = (
    "code",
    "name",
    "providing_agency_id",
    "base_url",
    "path",
    "app_key",
    "field_mapping",
    "timeout_seconds",
    "rate_limit_per_second",
    "max_attempts",
    "breaker_threshold",
    "breaker_cooldown_seconds",
    "active",
)


def sources_for(actor: Actor) -> QuerySet[DataSource]:
    """The registry with recent failure counts, for the data admin only."""
    if not policies.can_manage_sources(actor):
        raise NotFound()
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    return (
        DataSource.objects.select_related("providing_agency")
        .annotate(
            failed_recent=Count(
                "checks",
                filter=Q(checks__status=CheckStatus.FAILED, checks__finished_at__gte=since),
            ),
            retrying_now=Count("checks", filter=Q(checks__status=CheckStatus.RETRYING)),
            done_recent=Count(
                "checks",
                filter=Q(checks__status=CheckStatus.DONE, checks__finished_at__gte=since),
            ),
        )
        .order_by("code")
    )


def source_get_for(actor: Actor, pk: Any) -> DataSource:
    if not policies.can_manage_sources(actor):
        raise NotFound()
    source = DataSource.objects.select_related("providing_agency").filter(pk=pk).first()
    if source is None:
        raise NotFound()
    return source


def _number(data: dict[str, Any], name: str, label: str, low: float, high: float, integer: bool):
    raw = data.get(name)
    try:
        value = float(str(raw).strip()) if raw not in (None, "") else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high or (integer and value != int(value)):
        return None, f"{label}应为{low:g}至{high:g}之间的{'整数' if integer else '数字'}"
    return (int(value) if integer else value), None


def clean_mapping(raw: Any) -> tuple[dict[str, str], str | None]:
    """{platform field: comparison field}; a JSON object given as text or dict."""
    if raw in (None, ""):
        return {}, None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}, '字段映射应为JSON对象，如 {"xl": "education_level"}'
    if not isinstance(raw, dict) or len(raw) > 100:
        return {}, "字段映射应为不超过100项的JSON对象（平台字段名: 比对字段名）"
    clean: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not isinstance(value, str):
            return {}, "字段映射的键和值都应为字段名文本"
        if not FIELD_RE.match(key) or not FIELD_RE.match(value):
            return {}, f"字段映射“{key}: {value}”含无效字段名（英文字母、数字、下划线）"
        clean[key] = value
    return clean, None


def data_source_save(actor: Actor, source: DataSource | None, data: dict[str, Any]) -> DataSource:
    """Create (source None) or edit a registered source. `data["secret"]` empty keeps the
    stored secret (it is required when creating)."""
    if not policies.can_manage_sources(actor):
        raise NotFound()
    errors: list[str] = []
    values: dict[str, Any] = {}
    code = str(data.get("code") or (source.code if source else "")).strip()
    if not CODE_RE.match(code):
        errors.append("数据源编码应为小写英文字母开头的字母、数字或下划线（2至40位）")
    elif DataSource.objects.filter(code=code).exclude(pk=source.pk if source else -1).exists():
        errors.append(f"数据源编码“{code}”已被使用")
    values["code"] = code
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors.append("名称为必填，不超过100字")
    values["name"] = name
    agency_id = data.get("providing_agency_id") or data.get("providing_agency")
    agency = (
        Agency.objects.filter(pk=int(str(agency_id))).first() if str(agency_id).isdigit() else None
    )
    if agency is None:
        errors.append("请选择提供数据的机关")
    values["providing_agency_id"] = getattr(agency, "pk", None)
    base_url = str(data.get("base_url") or "").strip()
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(base_url) > 200:
        errors.append("接口地址应为http或https开头的完整地址")
    values["base_url"] = base_url
    path = str(data.get("path") or "/api/share/{source}/{id_type}/{id_number}").strip()
    if not path.startswith("/") or "{id_number}" not in path or len(path) > 200:
        errors.append("查询路径应以“/”开头并包含{id_number}（可用{source}、{id_type}）")
    else:
        try:
            path.format(source="s", id_type="t", id_number="n")
        except (KeyError, IndexError, ValueError):
            errors.append("查询路径只能使用{source}、{id_type}、{id_number}三个占位符")
    values["path"] = path
    app_key = str(data.get("app_key") or "").strip()
    if not app_key or len(app_key) > 100:
        errors.append("应用标识为必填，不超过100字")
    values["app_key"] = app_key
    secret = str(data.get("secret") or "")
    if source is None and not secret.strip():
        errors.append("新登记的数据源须设置签名密钥")
    if len(secret) > 500:
        errors.append("签名密钥不超过500字")
    mapping, mapping_error = clean_mapping(data.get("field_mapping"))
    if mapping_error:
        errors.append(mapping_error)
    values["field_mapping"] = mapping
    for name_, label, low, high, integer in LIMITS:
        value, error = _number(data, name_, label, low, high, integer)
        if error:
            errors.append(error)
        values[name_] = value
    active = data.get("active", True)
    values["active"] = active in (True, "on", "true", "1", 1)
    if errors:
        raise DomainError(
            "invalid_source",
            "数据源未保存：" + "；".join(errors),
            details=[{"field": "source", "message": e} for e in errors],
        )
    with transaction.atomic():
        if source is not None:
            locked = DataSource.objects.select_for_update().get(pk=source.pk)
            before: dict[str, Any] | None = {f: getattr(locked, f) for f in AUDITED}
        else:
            locked = DataSource()
            before = None
        for field, value in values.items():
            setattr(locked, field, value)
        if secret.strip():
            locked.secret_cipher = encrypt(secret.strip())
        locked.save()
        after = {f: getattr(locked, f) for f in AUDITED} | {"secret_changed": bool(secret.strip())}
        spine.record(actor, Event.SOURCE_SAVED, locked, before, after)
    return locked


def default_test_subject(source: DataSource) -> tuple[str, str]:
    """A known subject of the sandbox platform (the demo's 李四, or the demo firm for
    business licences)."""
    from chengnuo.sandbox import share_data

    if source.code == "business_licence":
        return "uscc", share_data.FIRM
    return "resident_id", share_data.LISI


def data_source_test(
    actor: Actor, source: DataSource, id_type: str, id_number: str
) -> tuple[FetchResult | None, str]:
    """One signed call for the "测试连接" button: the result (masked request, response) or
    why it failed. No check is stored."""
    if not policies.can_manage_sources(actor):
        raise NotFound()
    if id_type not in ("resident_id", "uscc") or not re.fullmatch(r"[0-9A-Za-z]{6,30}", id_number):
        raise DomainError("invalid_subject", "测试主体的证件类型或号码无效")
    try:
        return DataSourceConnector(source, retries=0).fetch(id_type, id_number), ""
    except SourceUnavailable as exc:
        return None, str(exc)

"""Digests for tamper evidence (R-9.1): SM3 by default, SHA-256 as a setting."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings


def _sm3_hex(data: bytes) -> str:
    try:
        return hashlib.new("sm3", data).hexdigest()
    except ValueError:  # OpenSSL built without SM3: pure-Python implementation
        from gmssl import func, sm3

        return sm3.sm3_hash(func.bytes_to_list(data))


def sm3_hex(data: bytes) -> str:
    """SM3 whatever the configured digest (reproducible draws must not depend on a setting)."""
    return _sm3_hex(data)


def digest_bytes(data: bytes, algorithm: str | None = None) -> str:
    algorithm = algorithm or getattr(settings, "CHENGNUO_DIGEST", "sm3")
    if algorithm == "sm3":
        return _sm3_hex(data)
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    raise ValueError(f"unknown digest algorithm {algorithm!r}")


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """One byte-exact JSON form: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def jsonable(value: Any) -> Any:
    """Round-trip through canonical JSON so stored JSON equals what was hashed."""
    return json.loads(canonical_json(value))


def digest_json(value: Any) -> str:
    return digest_bytes(canonical_json(value).encode("utf-8"))

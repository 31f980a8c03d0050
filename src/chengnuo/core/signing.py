"""The request signature the platform and its partner platforms share (credit pushes and pulls,
data-sharing sources): ``X-App-Key``, ``X-Timestamp``, ``Idempotency-Key`` (may be empty) and
``X-Signature`` = hex HMAC-SM3 over ``"{timestamp}\\n{idempotency_key}\\n" + body``."""

from __future__ import annotations

import hmac as std_hmac
import time

from cryptography.hazmat.primitives import hashes, hmac


def sign(secret: str, timestamp: str, idempotency_key: str, body: bytes) -> str:
    mac = hmac.HMAC(secret.encode("utf-8"), hashes.SM3())
    mac.update(f"{timestamp}\n{idempotency_key}\n".encode())
    mac.update(body)
    return mac.finalize().hex()


def verify(secret: str, timestamp: str, idempotency_key: str, body: bytes, given: str) -> bool:
    """Constant-time comparison of a received signature with the expected one."""
    expected = sign(secret, timestamp, idempotency_key, body)
    return std_hmac.compare_digest(given.strip().lower().encode(), expected.encode())


def signed_headers(
    app_key: str, secret: str, idempotency_key: str, body: bytes, *, user_agent: str
) -> dict[str, str]:
    """The headers of one signed request (now as its timestamp)."""
    timestamp = str(int(time.time()))
    headers = {
        "X-App-Key": app_key,
        "X-Timestamp": timestamp,
        "X-Signature": sign(secret, timestamp, idempotency_key, body),
        "User-Agent": user_agent,
    }
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return headers

"""Rate limits of the API and the public forms (R-9.2): a client that sends too much is
answered 429 with Retry-After, before the request reaches a view or the database.

Counted per minute (fixed windows in the cache), per *who*:

- a signed-in user (session) or a bearer token: their own count, so the clerks of a service
  hall behind one address do not share one;
- anyone else: their client address (`core.net.client_address`).

Rules (`settings.RATE_LIMITS`, per minute; `CHENGNUO_RATE_LIMITS=off` turns them off):

- `api`: every /api/ request of a user or token;
- `api_anonymous`: every /api/ request without credentials, per address;
- `api_address`: every /api/ request from one address whatever its credentials — a bound for
  a client that invents a new token for every request;
- `write`: unsafe requests (POST …) of a signed-in user on the HTML pages;
- `form_anonymous`: unsafe requests without a session (the login form, public forms), per
  address (login has its own throttle besides, `accounts.throttle`);
- `export`: file downloads and exports (PDF/DOCX/XLSX/CSV, rendered on request) per who.

The counters live in the default cache: with `CHENGNUO_CACHE_URL` (Redis) every web process
shares them; without it (`make run`) each process counts for itself, so a client may get up to
one limit per process. Health checks and static files are never limited.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .net import client_address

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
MESSAGE = "请求过于频繁，请稍后再试"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_EXEMPT = ("/healthz", "/static/", "/favicon.ico")
_EXPORT = re.compile(r"\.(pdf|docx|xlsx|csv|json)$|/export/")


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer " and header[7:].strip():
        return hashlib.sha256(header[7:].strip().encode("utf-8", "replace")).hexdigest()[:32]
    return None


def _session_user(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    return None


def buckets(request: HttpRequest) -> list[tuple[str, str]]:
    """(rule, who) of every count this request adds to."""
    path = request.path
    address = client_address(request)
    out: list[tuple[str, str]] = []
    if path.startswith("/api/"):
        who = _session_user(request) or (f"t{token}" if (token := _bearer(request)) else None)
        out.append(("api", who) if who else ("api_anonymous", address))
        out.append(("api_address", address))
        return out
    user = _session_user(request)
    if request.method not in _SAFE:
        out.append(("write", user) if user else ("form_anonymous", address))
    if _EXPORT.search(path):
        out.append(("export", user or address))
    return out


def _count(rule: str, who: str, now: float) -> tuple[int, int]:
    """This request's number in its window, and the seconds until the window ends."""
    window = int(now // WINDOW_SECONDS)
    key = f"rl:{rule}:{who}:{window}"
    cache.add(key, 0, WINDOW_SECONDS * 2)
    try:
        n = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS * 2)
        n = 1
    return n, WINDOW_SECONDS - int(now % WINDOW_SECONDS)


def throttled(request: HttpRequest) -> tuple[str, int] | None:
    """(rule, retry after seconds) when the request goes over a limit."""
    limits = settings.RATE_LIMITS
    if not limits:
        return None
    now = time.time()
    for rule, who in buckets(request):
        limit = limits.get(rule)
        if not limit:
            continue
        n, retry_after = _count(rule, who, now)
        if n > limit:
            return rule, retry_after
    return None


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": "throttled", "message": f"{MESSAGE}（{retry_after}秒后）"}, status=429
        )
    else:
        response = render(
            request,
            "core/throttled.html",
            {"message": MESSAGE, "retry_after": retry_after},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """After authentication (a session's user is known), before CSRF and the views."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_EXEMPT):
            try:
                hit = throttled(request)
            except Exception:  # the cache unreachable: serve rather than refuse everyone
                logger.exception("rate limit check failed; request let through")
                hit = None
            if hit is not None:
                rule, retry_after = hit
                logger.warning(
                    "rate limit %s: %s %s from %s",
                    rule,
                    request.method,
                    request.path,
                    client_address(request),
                )
                return too_many(request, retry_after)
        return self.get_response(request)

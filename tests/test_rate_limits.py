"""Rate limits on the API and the public forms (core.ratelimit): over a limit the answer is 429
with Retry-After — JSON with code `throttled` on the API, a Chinese page on the HTML side —
before any view runs, so nothing is written; clerks behind one address each have their own
count; a client that invents tokens is still bounded by its address."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from chengnuo.accounts.models import ApiToken
from chengnuo.agencies.constants import Role
from chengnuo.audit.models import AuditEvent
from chengnuo.core import ratelimit
from chengnuo.core.digest import digest_bytes

from .factories import PASSWORD, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    cache.clear()
    settings.RATE_LIMITS = {
        "api": 5,
        "api_anonymous": 3,
        "api_address": 12,
        "write": 2,
        "form_anonymous": 3,
        "export": 2,
    }
    yield settings.RATE_LIMITS
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1_800_000_000.0}  # the start of a window
    monkeypatch.setattr(ratelimit.time, "time", lambda: now["t"])
    return now


def _client(address: str = "198.51.100.7") -> Client:
    return Client(REMOTE_ADDR=address)


def _token(user, name: str) -> str:
    token = f"token-{name}-{user.pk}"
    ApiToken.objects.create(user=user, name=name, key_digest=digest_bytes(token.encode()))
    return token


def test_anonymous_api_requests_over_the_limit_get_429_throttled_with_retry_after(limits, clock):
    c = _client()
    for _ in range(3):
        assert c.get("/api/v1/catalog/items").status_code == 200
    refused = c.get("/api/v1/catalog/items")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert "请求过于频繁" in refused.json()["message"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    # another address is not held back
    assert _client("203.0.113.9").get("/api/v1/catalog/items").status_code == 200


def test_the_next_minute_starts_a_new_count(limits, clock):
    c = _client()
    for _ in range(3):
        c.get("/api/v1/catalog/items")
    assert c.get("/api/v1/catalog/items").status_code == 429
    clock["t"] += 60
    assert c.get("/api/v1/catalog/items").status_code == 200


def test_each_token_has_its_own_count_behind_one_address(limits, clock, agency_a):
    """The clerks of a service hall share one address; each token counts for itself."""
    one = _token(user_with_role(Role.WINDOW_CLERK, agency_a, username="clerk1"), "一号窗口")
    two = _token(user_with_role(Role.WINDOW_CLERK, agency_a, username="clerk2"), "二号窗口")
    c = _client()
    for _ in range(5):
        assert c.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {one}").status_code == 200
    assert c.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {one}").status_code == 429
    assert c.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {two}").status_code == 200


def test_a_client_inventing_tokens_is_bounded_by_its_address(limits, clock):
    c = _client()
    answers = [
        c.get("/api/v1/catalog/items", HTTP_AUTHORIZATION=f"Bearer invented-{n}").status_code
        for n in range(14)
    ]
    assert answers[:12] == [200] * 12  # a wrong token on a public endpoint is still public
    assert answers[12:] == [429, 429]


def test_a_throttled_write_is_refused_before_the_view_and_writes_nothing(limits, clock, admin_a):
    c = _client()
    c.force_login(admin_a)
    data = {"code": "", "name": ""}
    for _ in range(2):
        c.post("/staff/catalog/matters/new/", data)
    events = AuditEvent.objects.count()
    refused = c.post("/staff/catalog/matters/new/", {"code": "340100-X-1", "name": "越限提交"})
    assert refused.status_code == 429
    assert refused["Retry-After"]
    page = refused.content.decode()
    assert "请求过于频繁" in page and "秒后再试" in page and "throttled" not in page
    assert AuditEvent.objects.count() == events
    # reading goes on
    assert c.get("/staff/catalog/matters/").status_code == 200


def test_anonymous_form_submissions_are_limited_per_address(limits, clock, admin_a):
    c = _client()
    for _ in range(3):
        c.post("/accounts/login/", {"username": admin_a.username, "password": "wrong"})
    refused = c.post("/accounts/login/", {"username": admin_a.username, "password": PASSWORD})
    assert refused.status_code == 429
    assert "_auth_user_id" not in c.session  # not logged in: the view never ran
    # the owner from another address logs in
    other = _client("203.0.113.20")
    ok = other.post("/accounts/login/", {"username": admin_a.username, "password": PASSWORD})
    assert ok.status_code == 302


def test_exports_are_limited(limits, clock, matter_a):
    c = _client()
    assert c.get("/catalog/export.csv").status_code == 200
    assert c.get("/catalog/export.csv").status_code == 200
    assert c.get("/catalog/export.xlsx").status_code == 429
    assert c.get("/catalog/").status_code == 200  # pages are not exports


def test_health_checks_and_static_files_are_never_limited(limits, clock):
    c = _client()
    for _ in range(20):
        assert c.get("/healthz").status_code == 200


def test_a_broken_cache_lets_requests_through(limits, clock, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(ratelimit.cache, "add", broken)
    c = _client()
    for _ in range(5):
        assert c.get("/api/v1/catalog/items").status_code == 200


def test_limits_off_means_no_limit(settings, clock):
    settings.RATE_LIMITS = {}
    c = _client()
    for _ in range(10):
        assert c.get("/api/v1/catalog/items").status_code == 200


def test_the_schema_documents_429_on_every_operation():
    from chengnuo.config.api import api

    for methods in api.get_openapi_schema()["paths"].values():
        for op in methods.values():
            assert "429" in op["responses"]


def _redis_up() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis at 127.0.0.1:6379")
def test_with_a_redis_cache_every_process_shares_the_counts(limits, clock, settings):
    """CHENGNUO_CACHE_URL: the counters live in Redis, so a second web process sees them."""
    import redis

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": "chengnuo-test",
        }
    }
    cache.clear()
    c = _client("192.0.2.44")
    for _ in range(3):
        assert c.get("/api/v1/catalog/items").status_code == 200
    keys = redis.Redis(host="127.0.0.1", port=6379, db=15).keys("chengnuo-test:*rl:api_anonymous*")
    assert keys  # the count is in Redis, not in this process
    assert c.get("/api/v1/catalog/items").status_code == 429
    cache.clear()

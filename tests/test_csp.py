"""Every page is sent with a Content-Security-Policy that allows scripts and styles only from the
platform itself, and no page needs more: no inline script, no inline event handler, no inline
style, no javascript: URL — checked on the public pages and on every page one and two links
deep from each demo user's workbench."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from chengnuo.accounts.models import User

PUBLIC = [
    "/",
    "/catalog/",
    "/matters/",
    "/versions/",
    "/documents/",
    "/commitments/",
    "/commitments/hall/",
    "/credit/public/",
    "/accounts/login/",
    "/complaints/new/",
    "/complaints/receipt/",
]
# a script element that runs: no src, and not a data block (type="application/json")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def policy(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy", "")
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = " ".join(words[1:])
    return out


def assert_clean(path: str, response) -> None:
    if "text/html" not in response.get("Content-Type", ""):
        return
    csp = policy(response)
    assert csp.get("default-src") == "'self'", (path, csp)
    for directive in ("script-src", "style-src"):
        value = csp.get(directive, csp.get("default-src", ""))
        assert "'unsafe-inline'" not in value and "'unsafe-eval'" not in value, (path, csp)
    assert csp.get("frame-ancestors") == "'none'", (path, csp)
    assert csp.get("object-src") == "'none'", (path, csp)
    html = response.content.decode()
    for name, pattern in (
        ("inline script", INLINE_SCRIPT),
        ("inline handler", HANDLER),
        ("inline style", STYLE_ATTR),
        ("javascript: URL", JS_URL),
    ):
        found = pattern.search(html)
        assert found is None, (path, name, html[max(0, found.start() - 80) : found.end() + 80])


def links(html: str) -> set[str]:
    main = html.split("<main", 1)[-1].split("</main>", 1)[0]
    return {
        h
        for h in re.findall(r'href="(/[^"#?]*)"', main)
        if not h.endswith((".pdf", ".docx", ".xlsx", ".csv", ".json"))
        and "/logout" not in h
        and not h.startswith("/admin/")
    }


@pytest.fixture
def demo_db(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=io.StringIO())


def test_every_page_carries_a_strict_policy_and_needs_nothing_inline(demo_db):
    client = Client()
    seen = set()
    for path in PUBLIC:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_clean(path, response)
        for href in sorted(links(response.content.decode()))[:15]:
            if href not in seen:
                seen.add(href)
                sub = client.get(href)
                if sub.status_code == 200:
                    assert_clean(href, sub)
    assert len(seen) > 20
    # the API's interactive documentation too
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert_clean("/api/v1/docs", docs)

    # every page one and two links deep from each demo user's workbench
    checked = 0
    for user in User.objects.order_by("username"):
        client = Client()
        client.force_login(user)
        home = client.get("/workbench/")
        assert_clean("/workbench/", home)
        first = sorted(links(home.content.decode()))
        seen = set(first)
        for href in first:
            page = client.get(href)
            if page.status_code != 200:
                continue
            assert_clean(href, page)
            checked += 1
            for deeper in sorted(links(page.content.decode()) - seen)[:6]:
                seen.add(deeper)
                sub = client.get(deeper)
                if sub.status_code == 200:
                    assert_clean(deeper, sub)
                    checked += 1
    assert checked > 100

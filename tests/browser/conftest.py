"""Browser journeys: Debian's headless chromium driven by Playwright against pytest-django's
live server (Playwright cannot download its own browser here)."""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHENGNUO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 10_000


@pytest.fixture(scope="package", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    """While Playwright's sync API is alive it keeps an event loop running in the test thread,
    so Django would refuse ORM access from test code ("You cannot call this from an async
    context"). Allowed only while the tests of this package run (set up before and torn down
    after the `browser` fixture), so the rest of the suite, and the subprocesses it starts
    (e.g. `check --deploy`), never see the variable."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(tmp_path_factory):
    """One headless chromium for the browser tests; closed (and Playwright's event loop with it)
    when the last of them has run, before the rest of the suite. It sees the platform's CJK
    faces through fontconfig, so screenshots read on a machine without CJK system fonts."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"chromium not found at {CHROMIUM} (make browser-deps)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

    from chengnuo.documents.fonts import fontconfig_file

    fontconfig = fontconfig_file(tmp_path_factory.mktemp("fontconfig"))
    env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig)}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, env=env
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh browser context (own cookies: a separate visitor)."""
    contexts = []

    def make():
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(DEFAULT_TIMEOUT_MS)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def fast_passwords(settings) -> None:
    """Argon2 costs ~0.5 s per hash here and the demo has ~25 users: hash with MD5 in browser
    tests only (the login path is the same; the hasher is not what these journeys test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(transactional_db, fast_passwords) -> None:
    """The 阜阳市 demo data, loaded through the real services (as `make run` does)."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def site(live_server, demo) -> Iterator[str]:
    """Base URL of the live server, with the demo data loaded."""
    yield live_server.url.rstrip("/")


def login(page, site: str, username: str, password: str) -> None:
    """Log in through the real login form and wait for the workbench."""
    page.goto(f"{site}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def logout(page) -> None:
    """Log out with the header's 退出 button (a POST form)."""
    page.get_by_role("button", name=re.compile("退出")).click()
    page.wait_for_load_state()

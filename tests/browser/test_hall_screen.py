"""The service hall's screen in a real browser (R-6.3): eight rows at a time, the next eight
every fifteen seconds and round again; without JavaScript every row is shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..disclosure_helpers import build_disclosure, copy_commitment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hall_url(live_server) -> str:
    d = build_disclosure()
    for _ in range(19):  # 20 published commitments: three screens of 8, 8 and 4
        copy_commitment(d.first)
    return f"{live_server.url}/commitments/hall/"


def test_the_hall_screen_shows_eight_rows_at_a_time_and_turns_every_fifteen_seconds(
    browser, hall_url
):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.clock.install()
    page.goto(hall_url)
    panel = page.locator("[data-rotate]").first
    rows = panel.locator("tbody tr")
    expect(rows).to_have_count(20)
    expect(panel.locator("tbody tr:visible")).to_have_count(8)
    expect(panel.locator("[data-page-status]")).to_have_text("第 1 / 3 屏")
    expect(rows.nth(0)).to_be_visible()
    page.clock.run_for(15_000)
    expect(panel.locator("[data-page-status]")).to_have_text("第 2 / 3 屏")
    expect(rows.nth(0)).to_be_hidden()
    expect(rows.nth(8)).to_be_visible()
    page.clock.run_for(15_000)
    expect(panel.locator("tbody tr:visible")).to_have_count(4)
    page.clock.run_for(15_000)
    expect(panel.locator("[data-page-status]")).to_have_text("第 1 / 3 屏")
    expect(rows.nth(0)).to_be_visible()
    context.close()


def test_without_javascript_the_hall_screen_shows_every_row(browser, hall_url):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(hall_url)
    expect(page.locator("[data-rotate] tbody tr:visible")).to_have_count(20)
    refresh = page.locator('meta[http-equiv="refresh"]')
    expect(refresh).to_have_attribute("content", "300")
    context.close()

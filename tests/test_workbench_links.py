"""Every link the workbench shows a role opens for it (issue 11 §9: links that answered 403 or
404 for a role were shown to it; the auditor of the Justice Bureau was refused the overdue list
and had no audit pages)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from chengnuo.accounts.models import User


@pytest.fixture
def demo_db(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=io.StringIO())


def test_every_workbench_link_opens_for_every_demo_user(demo_db):
    checked = 0
    for user in User.objects.order_by("username"):
        client = Client()
        client.force_login(user)
        page = client.get("/workbench/")
        assert page.status_code == 200, user.username
        main = page.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
        for href in sorted(set(re.findall(r'href="(/[^"#]*)"', main))):
            response = client.get(href)
            assert response.status_code == 200, (user.username, href, response.status_code)
            checked += 1
    assert checked > 50
    # the Justice Bureau's auditor has the audit pages and the overdue assistance list
    auditor = User.objects.get(username="auditor")
    client = Client()
    client.force_login(auditor)
    links = client.get("/workbench/").content.decode()
    for url in ("/staff/audit/", "/staff/audit/alerts/", "/verification/assistance/overdue/"):
        assert f'href="{url}"' in links
        assert client.get(url).status_code == 200
    audit = client.get("/staff/audit/").content.decode()
    assert "创建办件" in audit and "人社局" in audit  # other agencies' trail, readable labels


def test_an_ordinary_agencys_auditor_gets_no_link_to_the_justice_bureaus_pages(db):
    """The overdue-assistance list is the Justice Bureau's: an auditor of an ordinary agency
    would be refused there, so the workbench does not offer it."""
    from chengnuo.agencies.constants import Role

    from .factories import AgencyFactory, user_with_role

    auditor = user_with_role(Role.AUDITOR, AgencyFactory(name="阜阳市人社局"), username="aud")
    client = Client()
    client.force_login(auditor)
    page = client.get("/workbench/").content.decode()
    assert 'href="/staff/audit/"' in page
    assert "/verification/assistance/overdue/" not in page
    assert client.get("/verification/assistance/overdue/").status_code == 403

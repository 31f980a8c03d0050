"""Login with throttling, idle timeout and argon2 (issue: agencies, people, roles)."""

import datetime as dt

import time_machine
from django.conf import settings
from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.audit.models import AuditEvent

from .factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2(db, settings):
    from chengnuo.config import settings as configured

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS
    user = UserFactory()
    assert user.password.startswith("argon2$argon2id$")


def test_correct_login_enters_the_workbench(client, db):
    user = UserFactory()
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/workbench/"


def test_failed_attempts_slow_the_next_try_down_instead_of_locking_the_account(client, db):
    """Was: five failures locked the account for 15 minutes, which let anyone lock anyone
    out. Now they only make this address wait (tests/test_login_throttle.py)."""
    user = UserFactory()
    for _ in range(3):
        response = post_login(client, user.username, "wrong-password")
        assert response.status_code == 400 and "Retry-After" not in response
        assert "用户名或密码错误" in response.content.decode()
    response = post_login(client, user.username, "wrong-password")
    assert "用户名或密码错误，请5秒后再试" in response.content.decode()
    # the right password waits too, and is not even checked
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 429 and "请5秒后再试" in response.content.decode()
    user.refresh_from_db()
    assert user.locked_until is None
    assert not AuditEvent.objects.filter(event="accounts.locked").exists()
    assert AuditEvent.objects.filter(event="accounts.login_failed").count() == 4
    assert AuditEvent.objects.filter(event="accounts.login_throttled").count() == 1


def test_the_owner_gets_in_once_the_wait_is_over(client, db):
    user = UserFactory()
    for _ in range(5):
        post_login(client, user.username, "wrong-password")
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=11)):
        assert post_login(client, user.username, PASSWORD).status_code == 302
        assert post_login(client, user.username, "wrong-password").status_code == 400


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client, db):
    response = post_login(client, "nobody", "whatever-password")
    assert response.status_code == 400
    assert "用户名或密码错误" in response.content.decode()
    assert not User.objects.filter(username="nobody").exists()


def test_idle_session_times_out_after_thirty_minutes(client, db):
    assert settings.SESSION_COOKIE_AGE == 1800 and settings.SESSION_SAVE_EVERY_REQUEST
    user = UserFactory()
    post_login(client, user.username, PASSWORD)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        assert client.get("/workbench/").status_code == 200  # activity renews the session
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=45)):
        assert client.get("/workbench/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=80)):
        response = client.get("/workbench/")
        assert response.status_code == 302 and LOGIN in response["Location"]

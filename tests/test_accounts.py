"""Login with lockout, idle timeout and argon2 (issue: agencies, people, roles)."""

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


def test_five_failed_attempts_lock_the_account_for_fifteen_minutes(client, db):
    user = UserFactory()
    for _ in range(4):
        response = post_login(client, user.username, "wrong-password")
        assert "用户名或密码错误" in response.content.decode()
    response = post_login(client, user.username, "wrong-password")
    assert "账户已锁定" in response.content.decode()
    user.refresh_from_db()
    assert user.locked_until is not None
    assert dt.timedelta(minutes=14) < user.locked_until - timezone.now() <= dt.timedelta(minutes=15)
    # even the right password is refused while locked
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 400 and "账户已锁定" in response.content.decode()
    assert AuditEvent.objects.filter(event="accounts.locked", target_id=str(user.pk)).count() == 1


def test_lock_ends_after_fifteen_minutes(client, db):
    user = UserFactory()
    for _ in range(5):
        post_login(client, user.username, "wrong-password")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert post_login(client, user.username, PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.failed_login_count == 0 and user.locked_until is None


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

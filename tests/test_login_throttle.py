"""Failed logins slow down, they never lock anyone out (issue: lockout abuse).

Each test plays the attacker: locking out someone else's account, telling real names from
made-up ones, taking down an integration's API token, spraying one password over many names,
forging X-Forwarded-For, and hiding from the audit trail. The clock is moved, never slept."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from chengnuo.accounts import services, throttle
from chengnuo.accounts.models import ApiToken, LoginThrottle
from chengnuo.agencies.constants import Role
from chengnuo.audit.models import AuditEvent
from chengnuo.core import net
from chengnuo.core.digest import digest_bytes

from .factories import PASSWORD, UserFactory, user_with_role

LOGIN = "/accounts/login/"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
OFFICE = "192.0.2.10"
WRONG = "Wrong#guess-2026"
ACCOUNT_CAP = 300  # LOGIN_ACCOUNT_MAX_DELAY_SECONDS: the longest others can keep the owner out

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _policy(settings):
    """The documented defaults, whatever the environment running the tests says."""
    settings.LOGIN_PAIR_FREE_FAILURES = 3
    settings.LOGIN_ACCOUNT_FREE_FAILURES = 10
    settings.LOGIN_ADDRESS_FREE_FAILURES = 30
    settings.LOGIN_DELAY_SECONDS = 5
    settings.LOGIN_MAX_DELAY_SECONDS = 900
    settings.LOGIN_ACCOUNT_MAX_DELAY_SECONDS = ACCOUNT_CAP
    settings.LOGIN_WINDOW_HOURS = 24
    settings.LOGIN_ADDRESS_WINDOW_MINUTES = 60
    settings.LOGIN_KNOWN_ADDRESS_DAYS = 30
    settings.TRUSTED_PROXIES = 0


@pytest.fixture
def clock():
    """A stopped clock the test moves with `clock.shift(seconds)`."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def wait(clock, seconds: float) -> None:
    clock.shift(dt.timedelta(seconds=seconds))


def attempt(username: str, password: str, address: str = ATTACKER, **headers):
    """One login from `address` in a fresh browser (no cookies carried over)."""
    return Client(REMOTE_ADDR=address, headers=headers).post(
        LOGIN, {"username": username, "password": password}
    )


def errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors()) if response.context else []


def answer(response, name: str) -> tuple:
    """Everything the client sees, with the name typed and the CSRF token taken out."""
    body = response.content.decode().replace(name, "<name>")
    body = re.sub(r"\b[A-Za-z0-9]{64}\b", "<csrf>", body)  # the masked CSRF token
    return (
        response.status_code,
        response.get("Retry-After"),
        errors(response),
        dict(response.context["form"].errors) if response.context else None,
        body,
    )


def fail(clock, username: str, address: str, times: int) -> None:
    """`times` counted failures: wait out every delay instead of hitting it."""
    done = 0
    while done < times:
        response = attempt(username, WRONG, address)
        if response.status_code == 429:
            wait(clock, int(response["Retry-After"]))
            continue
        assert response.status_code == 400
        done += 1


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/workbench/"


# --- the owner is never locked out by a stranger ---------------------------------------------


@pytest.mark.parametrize("failures", [5, 50])
def test_a_strangers_wrong_passwords_do_not_stop_the_owner_logging_in_from_another_address(
    clock, failures
):
    owner = UserFactory()
    fail(clock, owner.username, ATTACKER, failures)
    assert logged_in(attempt(owner.username, PASSWORD, OWNER))


@pytest.mark.parametrize("failures", [5, 50])
def test_after_a_typo_of_their_own_the_owner_waits_at_most_the_account_cap(clock, failures):
    owner = UserFactory()
    fail(clock, owner.username, ATTACKER, failures)
    response = attempt(owner.username, WRONG, OWNER)  # the owner mistypes once
    assert response.status_code == 400
    held = int(response.get("Retry-After") or 0)
    assert held <= ACCOUNT_CAP
    wait(clock, held)
    assert logged_in(attempt(owner.username, PASSWORD, OWNER))


def test_a_spray_from_many_addresses_makes_each_wait_but_keeps_the_owner_out_at_most_the_cap(
    clock,
):
    owner = UserFactory()
    addresses = [f"203.0.113.{n}" for n in range(1, 41)]
    for address in addresses:  # one guess each: under every address's own free failures
        assert attempt(owner.username, WRONG, address).status_code == 400
    # the account has 40 failures: the last addresses must now wait before their next guess
    again = attempt(owner.username, WRONG, addresses[-1])
    assert again.status_code == 429
    assert again["Retry-After"] == str(ACCOUNT_CAP)
    assert errors(again) == [f"登录失败次数过多，请{ACCOUNT_CAP}秒后再试"]
    # an address that guessed before the account's free failures were used up is not held
    assert attempt(owner.username, WRONG, addresses[0]).status_code == 400
    # the owner at an address of their own gets in at once; after a typo, within the cap
    typo = attempt(owner.username, WRONG, OWNER)
    assert errors(typo) == [f"用户名或密码错误，请{ACCOUNT_CAP}秒后再试"]
    wait(clock, ACCOUNT_CAP - 1)
    assert attempt(owner.username, PASSWORD, OWNER).status_code == 429
    wait(clock, 1)
    assert logged_in(attempt(owner.username, PASSWORD, OWNER))


def test_others_failures_do_not_hold_back_the_owner_at_an_address_they_logged_in_from(clock):
    owner = UserFactory()
    assert logged_in(attempt(owner.username, PASSWORD, OFFICE))
    for n in range(1, 41):
        attempt(owner.username, WRONG, f"203.0.113.{n}")
    typo = attempt(owner.username, WRONG, OFFICE)
    assert errors(typo) == ["用户名或密码错误"] and "Retry-After" not in typo
    assert logged_in(attempt(owner.username, PASSWORD, OFFICE))


# --- growing delays -------------------------------------------------------------------------


def test_the_first_failures_are_free_then_each_one_doubles_the_wait_up_to_the_cap(clock):
    owner = UserFactory()
    for _ in range(3):
        response = attempt(owner.username, WRONG)
        assert errors(response) == ["用户名或密码错误"] and "Retry-After" not in response
    waits = []
    for _ in range(12):
        response = attempt(owner.username, WRONG)
        assert response.status_code == 400
        seconds = int(response["Retry-After"])
        assert errors(response) == [f"用户名或密码错误，请{seconds}秒后再试"]
        waits.append(seconds)
        wait(clock, seconds)
    assert waits == [5, 10, 20, 40, 80, 160, 320, 640, 900, 900, 900, 900]


def test_during_a_wait_the_password_is_not_checked_and_trying_again_does_not_prolong_it(
    clock, monkeypatch
):
    owner = UserFactory()
    fail(clock, owner.username, ATTACKER, 4)  # now 5 seconds to wait
    hashed = count_hashing(monkeypatch)
    for elapsed in range(4):  # even the right password, tried again and again
        response = attempt(owner.username, PASSWORD)
        assert response.status_code == 429
        assert errors(response) == [f"登录失败次数过多，请{5 - elapsed}秒后再试"]
        wait(clock, 1)
    assert hashed == []
    wait(clock, 1)
    assert logged_in(attempt(owner.username, PASSWORD))


def test_the_pair_delay_is_kept_per_account_and_address(clock):
    owner, colleague = UserFactory(), UserFactory()
    fail(clock, owner.username, ATTACKER, 6)  # the pair now waits 20 seconds
    assert attempt(owner.username, PASSWORD, ATTACKER).status_code == 429
    assert logged_in(attempt(owner.username, PASSWORD, OWNER))  # same account, other address
    assert logged_in(attempt(colleague.username, PASSWORD, ATTACKER))  # same address, other name


def test_one_password_sprayed_over_many_names_from_one_address_is_throttled(clock):
    names = [UserFactory().username for _ in range(20)] + [f"guess{n}" for n in range(11)]
    regular = UserFactory()
    assert logged_in(attempt(regular.username, PASSWORD, ATTACKER))  # logs in here daily
    for name in names[:30]:
        assert errors(attempt(name, "Spring#2026")) == ["用户名或密码错误"]
    last = attempt(names[30], "Spring#2026")
    assert errors(last) == ["用户名或密码错误，请5秒后再试"]
    fresh = UserFactory()
    held = attempt(fresh.username, "Spring#2026")
    assert held.status_code == 429 and errors(held) == ["登录失败次数过多，请5秒后再试"]
    # the wait is this address's: others are not held, nor the owner of an account that
    # logged in from this address before
    assert attempt(fresh.username, "Spring#2026", OWNER).status_code == 400
    assert logged_in(attempt(regular.username, PASSWORD, ATTACKER))
    assert attempt(fresh.username, PASSWORD, ATTACKER).status_code == 429
    wait(clock, 5)
    assert logged_in(attempt(fresh.username, PASSWORD, ATTACKER))


def test_counts_restart_after_their_window_and_expired_rows_are_pruned(clock):
    owner = UserFactory()
    fail(clock, owner.username, ATTACKER, 5)
    assert LoginThrottle.objects.count() == 3
    wait(clock, 25 * 3600)
    response = attempt("someone-else", WRONG, OWNER)
    assert errors(response) == ["用户名或密码错误"]
    assert not LoginThrottle.objects.filter(address=ATTACKER).exists()
    assert errors(attempt(owner.username, WRONG)) == ["用户名或密码错误"]


def test_attempts_still_being_checked_are_already_counted(clock):
    """Parallel guesses cannot all pass while the hasher runs: each is counted on entry."""
    now = timezone.now()
    gates = []
    for _ in range(5):
        with services.transaction.atomic():
            gates.append(throttle.enter("target", ATTACKER, now))
    assert [g.throttled for g in gates] == [False, False, False, False, True]


# --- no telling real names from made-up ones -------------------------------------------------


def test_an_unknown_name_gets_exactly_the_answer_of_a_known_one_before_and_during_throttling(
    clock,
):
    known = UserFactory(username="zhangsan")
    unknown = "lisi0000"  # no such account, same length
    seen = []
    for step in range(9):
        pair = (
            answer(attempt(known.username, WRONG, "198.51.100.1"), known.username),
            answer(attempt(unknown, WRONG, "198.51.100.2"), unknown),
        )
        assert pair[0] == pair[1], f"step {step}"
        seen.append(pair[0][:3])
        if step == 5:
            wait(clock, 5)
    statuses = [s[0] for s in seen]
    assert statuses == [400, 400, 400, 400, 429, 429, 400, 429, 429]


def test_an_unknown_name_costs_one_run_of_the_hasher_like_a_known_one(monkeypatch):
    known = UserFactory()
    hashed = count_hashing(monkeypatch)
    attempt(known.username, WRONG, "198.51.100.1")
    known_runs = len(hashed)
    attempt("no-such-person", WRONG, "198.51.100.2")
    assert known_runs == 1 and len(hashed) == 2


def count_hashing(monkeypatch) -> list[str]:
    """Every run of the password hasher (the tests' fast one) appends to the list."""
    from django.contrib.auth.hashers import MD5PasswordHasher

    runs: list[str] = []
    original = MD5PasswordHasher.encode

    def encode(self, password, salt):
        runs.append(salt)
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", encode)
    return runs


def test_an_admins_lock_is_only_told_to_whoever_knows_the_password(clock):
    owner = UserFactory(locked_until=timezone.now() + dt.timedelta(hours=1))
    assert errors(attempt(owner.username, WRONG)) == ["用户名或密码错误"]
    right = attempt(owner.username, PASSWORD)
    assert errors(right) == ["该账户已被管理员锁定，请联系系统管理员"]
    wait(clock, 3601)
    assert logged_in(attempt(owner.username, PASSWORD))


def test_a_deactivated_account_gets_the_answer_of_a_wrong_password():
    owner = UserFactory(is_active=False)
    assert errors(attempt(owner.username, PASSWORD)) == ["用户名或密码错误"]


# --- API tokens are not for a stranger to switch off -----------------------------------------


def test_the_api_token_of_an_account_under_attack_keeps_working(clock, admin_a):
    ApiToken.objects.create(user=admin_a, name="省数据共享平台", key_digest=digest_bytes(b"tok"))
    headers = {"Authorization": "Bearer tok"}
    fail(clock, admin_a.username, ATTACKER, 50)
    for n in range(1, 41):
        attempt(admin_a.username, WRONG, f"203.0.113.{n}")
    assert attempt(admin_a.username, PASSWORD, ATTACKER).status_code == 429
    assert Client().get("/api/v1/catalog/proposals", headers=headers).status_code == 200


def test_an_admins_login_lock_does_not_stop_the_api_token_either(admin_a):
    ApiToken.objects.create(user=admin_a, name="省数据共享平台", key_digest=digest_bytes(b"tok"))
    admin_a.locked_until = timezone.now() + dt.timedelta(days=1)
    admin_a.save(update_fields=["locked_until"])
    headers = {"Authorization": "Bearer tok"}
    assert Client().get("/api/v1/catalog/proposals", headers=headers).status_code == 200


# --- the audit trail sees every failed login, never a password -------------------------------


def test_every_refused_login_is_recorded_and_no_event_holds_the_password(clock):
    known = UserFactory()
    typo_in_name = "Secret#Pass-99"  # a password typed into the name field
    for _ in range(4):
        attempt(known.username, "Known#wrong-1")
    attempt(known.username, "Known#wrong-2")  # throttled
    attempt(typo_in_name, "Unknown#wrong-3", OWNER)

    failed = AuditEvent.objects.filter(event="accounts.login_failed").order_by("id")
    throttled = AuditEvent.objects.filter(event="accounts.login_throttled")
    assert failed.count() == 5 and throttled.count() == 1
    about_known = failed.filter(target_type="accounts.user", target_id=str(known.pk))
    assert about_known.count() == 4
    assert about_known.first().after["reason"] == "wrong_password"
    assert about_known.last().after["address"] == ATTACKER
    assert throttled.get().target_id == str(known.pk)
    assert throttled.get().after["retry_after"] == 5
    unknown = failed.last()
    assert unknown.chain == "platform" and unknown.agency_id is None
    assert unknown.target_type == "accounts.loginthrottle"
    assert unknown.after["reason"] == "unknown_account"
    assert unknown.after["account_digest"] == throttle.account_key(typo_in_name)
    assert unknown.after["address"] == OWNER

    for event in AuditEvent.objects.all():
        text = repr(
            [
                event.before,
                event.after,
                event.message,
                event.target_label,
                event.object_label,
                event.actor_label,
            ]
        )
        for secret in ("Known#wrong", "Unknown#wrong", PASSWORD, typo_in_name):
            assert secret not in text
    for row in LoginThrottle.objects.all():
        assert typo_in_name not in repr(row.__dict__) and known.username not in repr(row.__dict__)


def test_failed_login_events_are_committed_although_the_login_is_refused(transactional_db):
    attempt("nobody-here", WRONG)
    assert AuditEvent.objects.filter(event="accounts.login_failed").count() == 1


# --- the client address is not the client's to choose ----------------------------------------


def spray(names, password="Spring#2026", **kwargs):
    return [attempt(name, password, **kwargs) for name in names]


def test_a_forged_x_forwarded_for_cannot_reset_the_address_count(clock):
    names = [f"guess{n}" for n in range(31)]
    for n, name in enumerate(names):
        attempt(name, WRONG, ATTACKER, **{"X-Forwarded-For": f"10.9.{n}.1"})
    held = attempt("guess-next", WRONG, ATTACKER, **{"X-Forwarded-For": "10.200.0.1"})
    assert held.status_code == 429
    assert AuditEvent.objects.filter(event="accounts.login_failed").last().after["address"] == (
        ATTACKER
    )


def test_behind_trusted_proxies_the_address_is_the_one_the_outermost_proxy_saw(clock, settings):
    settings.TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"
    for n in range(31):  # the client forges the left part; the proxy appends the real one
        attempt(f"guess{n}", WRONG, proxy, **{"X-Forwarded-For": f"10.9.{n}.1, {ATTACKER}"})
    forged = attempt("guess-x", WRONG, proxy, **{"X-Forwarded-For": f"10.77.0.1, {ATTACKER}"})
    assert forged.status_code == 429
    other = attempt("guess-x", WRONG, proxy, **{"X-Forwarded-For": OWNER})
    assert other.status_code == 400
    event = AuditEvent.objects.filter(event="accounts.login_failed").last()
    assert event.after["address"] == OWNER


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        ("203.0.113.5", "", 0, "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", 0, "203.0.113.5"),
        ("10.0.0.1", "1.1.1.1, 198.51.100.1", 1, "198.51.100.1"),
        ("10.0.0.1", "1.1.1.1, 198.51.100.1, 10.0.0.9", 2, "198.51.100.1"),
        ("10.0.0.1", "198.51.100.1", 2, "10.0.0.1"),  # fewer hops than proxies: not trusted
        ("10.0.0.1", "not-an-address", 1, "10.0.0.1"),
        ("10.0.0.1", "198.51.100.1:4433", 1, "198.51.100.1"),
        ("2001:db8:1:2:3:4:5:6", "", 0, "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.5", "", 0, "203.0.113.5"),
        ("", "", 0, "unknown"),
    ],
)
def test_client_address(settings, remote, forwarded, proxies, expected):
    settings.TRUSTED_PROXIES = proxies

    class Request:
        META = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}

    assert net.client_address(Request()) == expected


def test_addresses_in_one_ipv6_64_share_their_count(clock):
    for n in range(31):
        attempt(f"guess{n}", WRONG, f"2001:db8:0:1::{n + 1:x}")
    assert attempt("guess-next", WRONG, "2001:db8:0:1:ffff::1").status_code == 429
    assert attempt("guess-next", WRONG, "2001:db8:0:2::1").status_code == 400


# --- the admin's unlock -----------------------------------------------------------------------


def test_the_admin_unlock_action_lifts_every_delay_on_the_account(clock, client):
    root = user_with_role(Role.SYSTEM_ADMIN, None, is_staff=True, is_superuser=True)
    owner = UserFactory()
    fail(clock, owner.username, ATTACKER, 8)
    for n in range(1, 41):
        attempt(owner.username, WRONG, f"203.0.113.{n}")
    assert attempt(owner.username, PASSWORD, ATTACKER).status_code == 429
    assert attempt(owner.username, PASSWORD, "203.0.113.40").status_code == 429

    client.force_login(root)
    response = client.post(
        "/admin/accounts/user/", {"action": "unlock", "_selected_action": [owner.pk]}
    )
    assert response.status_code == 302

    assert logged_in(attempt(owner.username, PASSWORD, ATTACKER))
    assert logged_in(attempt(owner.username, PASSWORD, "203.0.113.40"))
    event = AuditEvent.objects.get(event="accounts.user_unlocked", target_id=str(owner.pk))
    assert event.actor == root
    assert event.before["account_failures"] == 48
    assert event.before["waiting_addresses"] >= 2


def test_unlocking_one_account_leaves_a_spraying_address_throttled(clock, settings):
    root = user_with_role(Role.SYSTEM_ADMIN, None)
    owner = UserFactory()
    for n in range(31):
        attempt(f"guess{n}", WRONG)
    services.user_unlock(actor=root, user=owner)
    assert attempt(owner.username, PASSWORD).status_code == 429


def test_the_user_admin_shows_recent_failed_logins(clock, client):
    root = user_with_role(Role.SYSTEM_ADMIN, None, is_staff=True, is_superuser=True)
    owner = UserFactory()
    fail(clock, owner.username, ATTACKER, 4)
    client.force_login(root)
    html = client.get(f"/admin/accounts/user/{owner.pk}/change/").content.decode()
    assert "近期登录失败次数" in html
    assert re.search(r"field-failed_login_count.*?<div class=\"readonly\">4</div>", html, re.S)


def test_unlocking_keeps_the_addresses_the_owner_logged_in_from_known(clock):
    root = user_with_role(Role.SYSTEM_ADMIN, None)
    owner = UserFactory()
    assert logged_in(attempt(owner.username, PASSWORD, OFFICE))
    fail(clock, owner.username, OFFICE, 5)
    services.user_unlock(actor=root, user=owner)
    for n in range(31):  # a sprayer at the office now holds the office address back
        attempt(f"guess{n}", WRONG, OFFICE)
    assert attempt("guess-next", WRONG, OFFICE).status_code == 429
    assert logged_in(attempt(owner.username, PASSWORD, OFFICE))  # but not its known owner


# --- several web processes at once (PostgreSQL, real transactions) ---------------------------

on_postgres = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL"
    ),
]


def _in_parallel(*jobs) -> list:
    """Run the jobs at once, each on its own connection, as separate web processes would."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(10)
            results[index] = job()
        except BaseException as exc:  # pragma: no cover - surfaced by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.parametrize("_", [pytest.param(None, marks=on_postgres)])
def test_parallel_guesses_cannot_slip_past_the_count_while_the_hasher_runs(transactional_db, _):
    owner = UserFactory()
    codes = _in_parallel(*[lambda: attempt(owner.username, WRONG).status_code] * 8)
    assert sorted(codes) == [400, 400, 400, 400, 429, 429, 429, 429]
    assert AuditEvent.objects.filter(event="accounts.login_failed").count() == 4
    assert AuditEvent.objects.filter(event="accounts.login_throttled").count() == 4


@pytest.mark.parametrize("_", [pytest.param(None, marks=on_postgres)])
def test_logins_guesses_and_an_unlock_at_once_do_not_deadlock(transactional_db, _):
    root = user_with_role(Role.SYSTEM_ADMIN, None)
    owner = UserFactory()
    guesses = [
        (lambda n=n: attempt(owner.username, WRONG, f"203.0.113.{n}").status_code) for n in range(6)
    ]
    results = _in_parallel(
        *guesses,
        lambda: attempt(owner.username, PASSWORD, OWNER).status_code,
        lambda: attempt(owner.username, PASSWORD, OFFICE).status_code,
        lambda: services.user_unlock(actor=root, user=owner).pk,
    )
    assert results == [400] * 6 + [302, 302, owner.pk]

import pytest
import time_machine

from chengnuo.agencies.constants import Region, Role

from .factories import AgencyFactory, MatterFactory, user_with_role


# CI runs the suite at fixed clock settings, just before and just after midnight in
# Asia/Shanghai (after it, the UTC date is still the day before), e.g.
# CHENGNUO_TEST_CLOCK=2026-12-31T23:58:00+08:00. Each test starts at that instant and the clock
# runs on from there.
@pytest.fixture(autouse=True)
def _test_clock():
    from .clock import start

    at = start()
    if at is None:
        yield
        return
    with time_machine.travel(at, tick=True):
        yield


@pytest.fixture(autouse=True, scope="session")
def _strict_error_codes():
    """An API refusal whose code no app lists in its ErrorCode enum fails the test."""
    from chengnuo.config import api

    api.STRICT_ERROR_CODES = True


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Tests send many requests from one address in a minute; tests/test_rate_limits.py turns
    the limits on where they are under test."""
    settings.RATE_LIMITS = {}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 costs ~0.5 s per user; tests that are not about hashing use a fast hasher.
    tests/test_accounts.py checks the configured (argon2) hasher itself."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.fixture
def agency_a(db):
    return AgencyFactory(name="阜阳市人力资源和社会保障局")


@pytest.fixture
def agency_b(db):
    return AgencyFactory(name="阜阳市民政局")


@pytest.fixture
def justice_bureau(db):
    return AgencyFactory(name="阜阳市司法局", kind="justice_bureau", region=Region.FUYANG)


@pytest.fixture
def admin_a(agency_a):
    return user_with_role(Role.AGENCY_ADMIN, agency_a, username="admin_a")


@pytest.fixture
def admin_b(agency_b):
    return user_with_role(Role.AGENCY_ADMIN, agency_b, username="admin_b")


@pytest.fixture
def reviewer(justice_bureau):
    return user_with_role(Role.JUSTICE_REVIEWER, justice_bureau, username="reviewer")


@pytest.fixture
def matter_a(agency_a):
    return MatterFactory(agency=agency_a, code="RS-001", name="职业资格考试报名")

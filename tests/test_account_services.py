"""Role grants, tokens and unlocks are services: system admins only, each audited (R-9.1)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chengnuo.accounts import services
from chengnuo.accounts.models import ApiToken
from chengnuo.agencies.constants import Role
from chengnuo.agencies.models import Membership
from chengnuo.agencies.services import membership_revoke, membership_save
from chengnuo.audit.models import AuditEvent
from chengnuo.core.errors import DomainError, PermissionDenied

from .factories import UserFactory, user_with_role


@pytest.fixture
def sysadmin(db):
    return user_with_role(Role.SYSTEM_ADMIN, None, username="root_admin")


def test_only_a_system_admin_may_grant_roles_and_nothing_is_written_otherwise(admin_a, agency_a):
    target = UserFactory()
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        membership_save(
            actor=admin_a, membership=Membership(user=target, agency=agency_a, role="case_officer")
        )
    assert not Membership.objects.filter(user=target).exists()
    assert AuditEvent.objects.count() == events


def test_granting_and_revoking_a_role_are_audited(sysadmin, agency_a):
    target = UserFactory()
    m = membership_save(
        actor=sysadmin, membership=Membership(user=target, agency=agency_a, role="inspector")
    )
    membership_revoke(actor=sysadmin, membership=m)
    assert not Membership.objects.filter(user=target).exists()
    assert list(
        AuditEvent.objects.filter(target_type="agencies.membership").values_list("event", flat=True)
    ) == ["agencies.membership_granted", "agencies.membership_revoked"]


def test_staff_roles_must_belong_to_an_agency(sysadmin):
    with pytest.raises(DomainError) as exc:
        membership_save(
            actor=sysadmin, membership=Membership(user=UserFactory(), agency=None, role="inspector")
        )
    assert exc.value.field == "agency"


def test_a_justice_reviewer_role_is_granted_only_in_a_justice_bureau(
    sysadmin, agency_a, justice_bureau
):
    """A reviewer files the catalog changes of every agency its bureau oversees (R-7.2); the
    role granted at an ordinary agency would review the whole city: refused, nothing written."""
    target = UserFactory()
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        membership_save(
            actor=sysadmin,
            membership=Membership(user=target, agency=agency_a, role=Role.JUSTICE_REVIEWER),
        )
    assert (exc.value.code, exc.value.field) == ("role_needs_justice_bureau", "agency")
    assert not Membership.objects.filter(user=target).exists()
    assert AuditEvent.objects.count() == events
    m = membership_save(
        actor=sysadmin,
        membership=Membership(user=target, agency=justice_bureau, role=Role.JUSTICE_REVIEWER),
    )
    assert m.pk


def test_a_reviewer_role_held_outside_a_justice_bureau_reviews_nothing(agency_a):
    """Rows written before the rule (or by hand) give no reach."""
    from chengnuo.agencies.policies import reviewable_agency_ids

    stray = user_with_role(Role.JUSTICE_REVIEWER, agency_a, username="stray_reviewer")
    assert reviewable_agency_ids(stray) == set()


def test_api_token_is_stored_as_a_digest_works_once_issued_and_stops_when_revoked(
    client, sysadmin, admin_a
):
    row, token = services.api_token_create(actor=sysadmin, user=admin_a, name="省数据共享平台")
    assert token not in row.key_digest and len(row.key_digest) == 64
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/catalog/proposals", headers=headers).status_code == 200
    services.api_token_revoke(actor=sysadmin, token=row)
    assert client.get("/api/v1/catalog/proposals", headers=headers).status_code == 401
    events = AuditEvent.objects.filter(target_type="accounts.apitoken").values_list(
        "event", flat=True
    )
    assert list(events) == ["accounts.api_token_created", "accounts.api_token_revoked"]


def test_token_needs_a_stated_use(sysadmin, admin_a):
    with pytest.raises(DomainError):
        services.api_token_create(actor=sysadmin, user=admin_a, name=" ")
    assert not ApiToken.objects.exists()


def test_system_admin_lifts_a_lockout_and_it_is_audited(sysadmin):
    from chengnuo.accounts import throttle
    from chengnuo.accounts.models import LoginThrottle

    user = UserFactory(locked_until=timezone.now() + dt.timedelta(minutes=10))
    now = timezone.now()
    for _ in range(4):
        with transaction.atomic():
            throttle.enter(user.username, "203.0.113.9", now)
    services.user_unlock(actor=sysadmin, user=user)
    user.refresh_from_db()
    assert user.locked_until is None
    assert not LoginThrottle.objects.filter(account_key=throttle.account_key(user.username))
    event = AuditEvent.objects.get(event="accounts.user_unlocked", target_id=str(user.pk))
    assert event.before["account_failures"] == 4


def test_agency_code_is_checked_against_gb_32100(sysadmin, agency_a):
    from chengnuo.agencies.services import agency_save

    name = agency_a.name
    agency_a.name = "改名后的机关"
    agency_a.uscc = agency_a.uscc[:-1] + ("0" if agency_a.uscc[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        agency_save(actor=sysadmin, agency=agency_a)
    assert "校验位" in str(exc.value)
    agency_a.refresh_from_db()
    assert agency_a.name == name

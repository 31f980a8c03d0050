"""Credit officers see the push delivery log (R-5.2) and, with their supervisor, the overdue
repairs and objections (R-5.4)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.credit import services
from chengnuo.credit.models import CreditPlatform

from .credit_helpers import resident_id
from .factories import AgencyFactory, user_with_role


@pytest.fixture
def credit_authority(db):
    return AgencyFactory(name="阜阳市发展和改革委员会", kind="credit_authority")


@pytest.fixture
def officer(credit_authority):
    return user_with_role(Role.CREDIT_OFFICER, credit_authority)


@pytest.fixture
def record(officer):
    subject = services.subject_register(
        actor=officer, kind="person", name="孙七", id_type="resident_id", id_value=resident_id()
    )
    applicant = user_with_role(Role.APPLICANT, None)
    services.subject_link(actor=applicant, user=applicant, subject=subject, relation="self")
    rec = services.credit_record_create(
        actor=officer,
        subject=subject,
        kind="false_commitment",
        summary="承诺无犯罪记录，核查发现不实",
        decided_on=timezone.localdate() - dt.timedelta(days=200),
    )
    rec.applicant = applicant
    return rec


def test_push_log_lists_deliveries_for_credit_officers_only(client, officer, record, admin_a):
    platform = CreditPlatform.objects.create(
        name="信用阜阳", base_url="http://127.0.0.1:9", app_key="k", secret="s"
    )
    services.credit_record_create(
        actor=officer,
        subject=record.subject,
        kind="commitment_kept",
        summary="承诺属实",
        decided_on=timezone.localdate(),
    )
    client.force_login(officer)
    body = client.get("/credit/pushes/").content.decode()
    assert "信用信息推送记录" in body and platform.name in body
    assert record.subject.identifier() not in body
    client.force_login(admin_a)
    assert client.get("/credit/pushes/").status_code == 404


def test_overdue_repairs_are_listed_for_officers_and_their_supervisor(
    client, officer, record, credit_authority, admin_a
):
    services.repair_submit(
        actor=record.applicant,
        record=record,
        statement="已依法补正全部材料并纠正行为",
        commitment_letter="本人承诺今后如实承诺并接受监督",
    )
    supervisor = user_with_role(Role.AGENCY_ADMIN, credit_authority)
    with time_machine.travel(timezone.now() + dt.timedelta(days=30)):
        for user in (officer, supervisor):
            client.force_login(user)
            body = client.get("/credit/overdue/").content.decode()
            assert "已超期" in body and "孙*" in body
        client.force_login(admin_a)
        assert client.get("/credit/overdue/").status_code == 403


def test_severe_dishonesty_is_listed_publicly_masked_until_repaired(client, officer):
    subject = services.subject_register(
        actor=officer, kind="person", name="周八", id_type="resident_id", id_value=resident_id()
    )
    severe = services.credit_record_create(
        actor=officer,
        subject=subject,
        kind="false_commitment",
        summary="承诺无欠薪，核查发现拖欠150人工资",
        impact={"people_affected": 150},
        decided_on=timezone.localdate() - dt.timedelta(days=400),
    )
    assert severe.grade == "severe"
    body = client.get("/credit/public/").content.decode()
    assert "周*" in body and subject.id_masked in body
    assert subject.identifier() not in body and "周八" not in body
    applicant = user_with_role(Role.APPLICANT, None)
    services.subject_link(actor=applicant, user=applicant, subject=subject, relation="self")
    repair = services.repair_submit(
        actor=applicant,
        record=severe,
        statement="已足额支付全部拖欠工资并取得职工确认",
        commitment_letter="本人承诺今后如实承诺并接受监督",
    )
    services.repair_decide(actor=officer, repair=repair, approve=True)
    assert subject.id_masked not in client.get("/credit/public/").content.decode()


def test_severe_dishonesty_is_notified_to_every_agency_which_marks_it_read(
    client, officer, agency_a, agency_b, django_capture_on_commit_callbacks
):
    from chengnuo.audit.models import AuditEvent
    from chengnuo.credit.models import SanctionNotice

    subject = services.subject_register(
        actor=officer, kind="person", name="吴九", id_type="resident_id", id_value=resident_id()
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.credit_record_create(
            actor=officer,
            subject=subject,
            kind="false_commitment",
            summary="承诺无欠薪，核查发现拖欠工资",
            impact={"people_affected": 120},
            decided_on=timezone.localdate(),
        )
    assert set(SanctionNotice.objects.values_list("agency", flat=True)) >= {
        agency_a.pk,
        agency_b.pk,
    }
    clerk_a = user_with_role(Role.WINDOW_CLERK, agency_a)
    client.force_login(clerk_a)
    body = client.get("/credit/notices/").content.decode()
    assert "吴*" in body and subject.identifier() not in body
    notice_a = SanctionNotice.objects.get(agency=agency_a)
    notice_b = SanctionNotice.objects.get(agency=agency_b)
    assert client.post(f"/credit/notices/{notice_b.pk}/read/").status_code == 404
    client.post(f"/credit/notices/{notice_a.pk}/read/")
    notice_a.refresh_from_db()
    notice_b.refresh_from_db()
    assert notice_a.read_by == clerk_a and notice_b.read_at is None
    assert AuditEvent.objects.filter(event="credit.notice_read").count() == 1


def test_general_dishonesty_is_not_notified(officer):
    from chengnuo.credit.models import SanctionNotice

    subject = services.subject_register(
        actor=officer, kind="person", name="郑十", id_type="resident_id", id_value=resident_id()
    )
    services.credit_record_create(
        actor=officer,
        subject=subject,
        kind="false_commitment",
        summary="承诺材料齐全，核查发现缺少一项",
        decided_on=timezone.localdate(),
    )
    assert not SanctionNotice.objects.exists()


def test_applicants_see_whether_they_may_commit_and_why_not(client, record):
    client.force_login(record.applicant)
    body = client.get("/credit/my/").content.decode()
    assert "暂不适用告知承诺制" in body and "信用修复前不适用告知承诺制" in body


def test_a_severe_record_writes_one_row_and_the_notices_follow_after_the_commit(
    officer, agency_a, agency_b, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """The record's transaction does not grow with the number of agencies (a province has a
    thousand): it announces the record; the outbox's reaction writes the notices, once."""
    from chengnuo.agencies.models import Agency
    from chengnuo.core.models import Reaction
    from chengnuo.credit.models import SanctionNotice

    from .factories import AgencyFactory

    def severe(name: str) -> None:
        subject = services.subject_register(
            actor=officer, kind="person", name=name, id_type="resident_id", id_value=resident_id()
        )
        services.credit_record_create(
            actor=officer, subject=subject, kind="false_commitment",
            summary="承诺无欠薪，核查发现拖欠工资", impact={"people_affected": 120},
            decided_on=timezone.localdate(),
        )  # fmt: skip

    with (
        django_capture_on_commit_callbacks(execute=False),
        django_assert_max_num_queries(60) as few,
    ):
        severe("吴一")
    AgencyFactory.create_batch(40)
    with (
        django_capture_on_commit_callbacks(execute=False),
        django_assert_max_num_queries(60) as many,
    ):
        severe("吴二")
    assert len(many.captured_queries) <= len(few.captured_queries)  # not one per agency
    assert not SanctionNotice.objects.exists()  # nothing yet: written after the commit
    rows = Reaction.objects.filter(handler="credit.notices_fan_out")
    assert rows.count() == 2
    record = rows.order_by("id").last().payload["record"]
    assert services.notices_fan_out(record=record) == Agency.objects.count()
    assert services.notices_fan_out(record=record) == 0  # run again: nothing twice
    assert SanctionNotice.objects.filter(record_id=record).count() == Agency.objects.count()

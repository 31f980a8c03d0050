"""Credit pages (R-2.2, R-5.4–R-5.7, R-6.4): masked identifiers, audited unmasking, applicants
see only their own subjects, refusals name their reason, repairs and objections."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.audit.models import AuditEvent
from chengnuo.credit import services
from chengnuo.credit.constants import (
    Event,
    IdType,
    ObjectionStatus,
    RecordKind,
    RecordStatus,
    RepairStatus,
    SubjectKind,
)
from chengnuo.credit.models import (
    CreditPlatform,
    CreditRecord,
    Objection,
    RepairApplication,
    Subject,
    SubjectLink,
)
from chengnuo.demo.credit_data import resident_id

from .factories import CertificationItemFactory, user_with_role

pytestmark = pytest.mark.django_db

PERSON_ID = resident_id("34120219980312123")
OTHER_ID = resident_id("34120320010615202")
PHONE = "13805581234"


# --- shared helpers (also used by test_credit_api.py) ---------------------------------------


@pytest.fixture
def credit_officer(db):
    return user_with_role(Role.CREDIT_OFFICER, None, username="credit_officer_t")


@pytest.fixture
def clerk(agency_a):
    return user_with_role(Role.WINDOW_CLERK, agency_a, username="clerk_t")


@pytest.fixture
def case_officer(agency_a):
    return user_with_role(Role.CASE_OFFICER, agency_a, username="case_officer_t")


@pytest.fixture
def applicant(db):
    return user_with_role(Role.APPLICANT, None, username="applicant_t")


@pytest.fixture
def other_applicant(db):
    return user_with_role(Role.APPLICANT, None, username="applicant_other")


@pytest.fixture
def item(agency_a):
    return CertificationItemFactory(agency=agency_a, code="RS-C-001", name="失业登记证明")


@pytest.fixture
def person(credit_officer, applicant):
    subject = services.subject_register(
        actor=credit_officer,
        kind=SubjectKind.PERSON,
        name="张三",
        id_type=IdType.RESIDENT_ID,
        id_value=PERSON_ID,
        phone=PHONE,
    )
    services.subject_link(
        actor=credit_officer, user=applicant, subject=subject, relation=SubjectLink.Relation.SELF
    )
    return subject


@pytest.fixture
def other_person(credit_officer, other_applicant):
    subject = services.subject_register(
        actor=credit_officer,
        kind=SubjectKind.PERSON,
        name="李四",
        id_type=IdType.RESIDENT_ID,
        id_value=OTHER_ID,
    )
    services.subject_link(
        actor=credit_officer,
        user=other_applicant,
        subject=subject,
        relation=SubjectLink.Relation.SELF,
    )
    return subject


def false_commitment(actor, subject, *, days_ago: int, impact=None) -> CreditRecord:
    return services.credit_record_create(
        actor=actor,
        subject=subject,
        kind=RecordKind.FALSE_COMMITMENT,
        summary="承诺无就业登记记录，核查发现与事实不符",
        decided_on=timezone.localdate() - dt.timedelta(days=days_ago),
        impact=impact or {"amount_yuan": 5000},
    )


def serious_record(actor, subject, *, days_ago: int = 30) -> CreditRecord:
    return services.credit_record_create(
        actor=actor,
        subject=subject,
        kind=RecordKind.EXTERNAL_DISHONESTY,
        grade="serious",
        summary="信用平台归集：拖欠农民工工资",
        decided_on=timezone.localdate() - dt.timedelta(days=days_ago),
    )


REPAIR_TEXT = {
    "statement": "已全额退回违规领取的款项，并补办了相关登记手续。",
    "commitment_letter": "本人承诺今后如实承诺，如有不实愿意承担法律责任。",
}
OBJECTION_TEXT = {"grounds": "核查时经营场所正在装修，已在三日内整改并复查合格。"}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def lookup(client: Client, number: str = PERSON_ID, id_type: str = IdType.RESIDENT_ID):
    return client.post(reverse("credit:lookup"), {"id_type": id_type, "id_number": number})


def reveal(user, subject: Subject, number: str = PERSON_ID):
    """Find the subject by its identifier (the lawful context, R-5.7), then reveal it giving
    that lookup as the reason, as the lookup page's form does."""
    client = logged_in(user)
    lookup(client, number)
    found = AuditEvent.objects.filter(event=Event.SUBJECT_FOUND, actor=user).latest("seq")
    return client.post(
        reverse("credit:subject_reveal", args=[subject.pk]), {"context": f"lookup:{found.pk}"}
    )


# --- masked output --------------------------------------------------------------------------


def test_lookup_page_shows_the_identifier_and_phone_masked_only(clerk, person, item):
    response = lookup(logged_in(clerk))
    html = response.content.decode()
    assert response.status_code == 200
    assert person.id_masked in html
    assert PERSON_ID not in html
    assert PHONE not in html
    assert "张*" in html and "张三" not in html


def test_lookup_is_audited(clerk, person, item):
    lookup(logged_in(clerk))
    assert AuditEvent.objects.filter(event=Event.CREDIT_LOOKUP, target_id=str(person.pk)).exists()


def test_lookup_of_an_unknown_identifier_says_so(clerk, item):
    response = lookup(logged_in(clerk), OTHER_ID)
    assert response.status_code == 200
    assert "未找到该证件号码对应的申请人/承诺人" in response.content.decode()


def test_lookup_page_is_refused_to_roles_without_lookup(admin_a):
    response = logged_in(admin_a).get(reverse("credit:lookup"))
    assert response.status_code == 403


def test_subject_detail_is_masked_and_links_the_audit_history(credit_officer, person):
    response = logged_in(credit_officer).get(reverse("credit:subject_detail", args=[person.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert person.id_masked in html and PERSON_ID not in html
    assert reverse("audit:history", args=["credit.subject", person.pk]) in html


def test_subject_detail_is_hidden_from_applicants_and_clerks(applicant, clerk, person):
    url = reverse("credit:subject_detail", args=[person.pk])
    assert logged_in(applicant).get(url).status_code == 403
    assert logged_in(clerk).get(url).status_code == 403


def test_my_credit_lists_own_subjects_masked(applicant, person, other_person, credit_officer):
    false_commitment(credit_officer, person, days_ago=10)
    html = logged_in(applicant).get(reverse("credit:my_credit")).content.decode()
    assert person.id_masked in html
    assert PERSON_ID not in html
    assert other_person.id_masked not in html
    assert "虚假承诺" in html


# --- unmasking (R-5.6) ----------------------------------------------------------------------


def test_unmask_shows_the_full_number_and_writes_an_audit_event(clerk, person, item):
    response = reveal(clerk, person)
    assert response.status_code == 200
    assert PERSON_ID in response.content.decode()
    event = AuditEvent.objects.get(event=Event.IDENTIFIER_VIEWED)
    assert event.actor == clerk and event.target_id == str(person.pk)
    assert event.after["context"].startswith("lookup:")
    assert "按证件号码精确查询" in event.after["reason"]


def test_unmask_is_refused_to_a_case_officer_and_not_audited(case_officer, person, item):
    response = reveal(case_officer, person)
    assert response.status_code == 403
    assert PERSON_ID not in response.content.decode()
    assert not AuditEvent.objects.filter(event=Event.IDENTIFIER_VIEWED).exists()


def test_unmask_is_not_found_for_an_applicant(applicant, person):
    response = logged_in(applicant).post(reverse("credit:subject_reveal", args=[person.pk]))
    assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(event=Event.IDENTIFIER_VIEWED).exists()


def test_unmask_button_is_shown_only_to_roles_that_may_unmask(clerk, case_officer, person, item):
    assert "查看完整号码" in lookup(logged_in(clerk)).content.decode()
    assert "查看完整号码" not in lookup(logged_in(case_officer)).content.decode()


# --- eligibility (R-2.2) --------------------------------------------------------------------


def test_serious_record_makes_the_lookup_show_the_refusal_with_its_reason(
    clerk, person, item, credit_officer
):
    serious_record(credit_officer, person)
    html = lookup(logged_in(clerk)).content.decode()
    assert "不适用告知承诺制" in html
    assert "有较重失信记录" in html
    assert "申请信用修复" in html  # the repair hint


def test_clean_subject_may_commit(clerk, person, item):
    html = lookup(logged_in(clerk)).content.decode()
    assert "可以承诺" in html


# --- applicants: isolation ------------------------------------------------------------------


def test_another_applicants_record_is_404_and_nothing_changes(
    applicant, other_person, credit_officer
):
    record = false_commitment(credit_officer, other_person, days_ago=400)
    client = logged_in(applicant)
    assert client.get(reverse("credit:my_record", args=[record.pk])).status_code == 404
    assert (
        client.post(reverse("credit:my_record_repair", args=[record.pk]), REPAIR_TEXT).status_code
        == 404
    )
    assert (
        client.post(
            reverse("credit:my_record_object", args=[record.pk]), OBJECTION_TEXT
        ).status_code
        == 404
    )
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE
    assert not RepairApplication.objects.exists()
    assert not Objection.objects.exists()


# --- repair and objection -------------------------------------------------------------------


def test_repair_inside_the_minimum_period_is_refused_with_the_message(
    applicant, person, credit_officer
):
    record = false_commitment(credit_officer, person, days_ago=10)
    response = logged_in(applicant).post(
        reverse("credit:my_record_repair", args=[record.pk]), REPAIR_TEXT
    )
    assert response.status_code == 400
    assert "最短公示期未满" in response.content.decode()
    assert not RepairApplication.objects.exists()


def test_objection_marks_the_record_under_objection_at_once(applicant, person, credit_officer):
    record = false_commitment(credit_officer, person, days_ago=10)
    response = logged_in(applicant).post(
        reverse("credit:my_record_object", args=[record.pk]), OBJECTION_TEXT
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.UNDER_OBJECTION
    assert Objection.objects.get(record=record).status == ObjectionStatus.SUBMITTED


def test_credit_officer_approves_a_repair_and_eligibility_is_restored(
    applicant, person, credit_officer, clerk, item
):
    record = false_commitment(credit_officer, person, days_ago=400)
    assert "不适用告知承诺制" in lookup(logged_in(clerk)).content.decode()
    response = logged_in(applicant).post(
        reverse("credit:my_record_repair", args=[record.pk]), REPAIR_TEXT
    )
    assert response.status_code == 302
    repair = RepairApplication.objects.get(record=record)
    response = logged_in(credit_officer).post(
        reverse("credit:repair_decide", args=[repair.pk]), {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 302
    repair.refresh_from_db()
    record.refresh_from_db()
    assert repair.status == RepairStatus.APPROVED
    assert record.status == RecordStatus.REPAIRED
    html = lookup(logged_in(clerk)).content.decode()
    assert "可以承诺" in html and "不适用告知承诺制" not in html


def test_refusing_a_repair_needs_a_reason(applicant, person, credit_officer):
    record = false_commitment(credit_officer, person, days_ago=400)
    repair = services.repair_submit(actor=applicant, record=record, **REPAIR_TEXT)
    response = logged_in(credit_officer).post(
        reverse("credit:repair_decide", args=[repair.pk]), {"decision": "refuse", "reason": ""}
    )
    assert response.status_code == 200
    assert "不予修复的理由" in response.content.decode()
    repair.refresh_from_db()
    assert repair.status == RepairStatus.SUBMITTED


def test_credit_officer_answers_an_objection_and_the_record_is_restored(
    applicant, person, credit_officer
):
    record = false_commitment(credit_officer, person, days_ago=10)
    objection = services.objection_submit(actor=applicant, record=record, **OBJECTION_TEXT)
    response = logged_in(credit_officer).post(
        reverse("credit:objection_answer", args=[objection.pk]),
        {"result": "upheld", "answer": "经复核，原记录认定事实清楚，维持原记录。"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    assert record.status == RecordStatus.ACTIVE


def test_repair_decision_page_is_404_for_non_officers(applicant, clerk, person, credit_officer):
    record = false_commitment(credit_officer, person, days_ago=400)
    repair = services.repair_submit(actor=applicant, record=record, **REPAIR_TEXT)
    url = reverse("credit:repair_decide", args=[repair.pk])
    for user in (applicant, clerk):
        assert logged_in(user).post(url, {"decision": "approve"}).status_code == 404
    repair.refresh_from_db()
    assert repair.status == RepairStatus.SUBMITTED


# --- the credit officer's queue -------------------------------------------------------------


def test_overdue_items_are_flagged_in_the_queue(applicant, person, credit_officer):
    record = false_commitment(credit_officer, person, days_ago=400)
    repair = services.repair_submit(actor=applicant, record=record, **REPAIR_TEXT)
    client = logged_in(credit_officer)
    html = client.get(reverse("credit:officer_queue")).content.decode()
    assert "已超期" not in html
    with time_machine.travel(timezone.now() + dt.timedelta(days=60)):
        html = logged_in(credit_officer).get(reverse("credit:officer_queue")).content.decode()
    assert "已超期" in html
    assert reverse("credit:repair_decide", args=[repair.pk]) in html
    assert person.id_masked in html and PERSON_ID not in html


def test_queue_is_refused_to_non_officers(clerk):
    assert logged_in(clerk).get(reverse("credit:officer_queue")).status_code == 403


# --- workbench and demo ---------------------------------------------------------------------


def test_workbench_links_credit_pages_by_role(applicant, clerk, credit_officer):
    assert (
        reverse("credit:my_credit")
        in logged_in(applicant).get(reverse("portal:workbench")).content.decode()
    )
    assert (
        reverse("credit:lookup")
        in logged_in(clerk).get(reverse("portal:workbench")).content.decode()
    )
    assert (
        reverse("credit:officer_queue")
        in logged_in(credit_officer).get(reverse("portal:workbench")).content.decode()
    )


def _credit_state() -> tuple:
    return (
        Subject.objects.count(),
        SubjectLink.objects.count(),
        CreditRecord.objects.count(),
        RepairApplication.objects.count(),
        Objection.objects.count(),
        CreditPlatform.objects.count(),
        list(CreditPlatform.objects.values_list("active", flat=True)),
    )


def test_demo_credit_loads_twice_without_change(monkeypatch):
    monkeypatch.delenv("CHENGNUO_SANDBOX_URL", raising=False)
    call_command("load_demo", verbosity=0)
    state = _credit_state()
    audit_count = AuditEvent.objects.count()
    call_command("load_demo", verbosity=0)
    assert _credit_state() == state
    assert AuditEvent.objects.count() == audit_count
    # five credit subjects, three of the verification demo, 160 firms of the supervision demo
    assert state[0] == 168
    assert CreditPlatform.objects.get().active is False
    assert RepairApplication.objects.filter(status=RepairStatus.SUBMITTED).count() == 1
    assert CreditRecord.objects.filter(status=RecordStatus.UNDER_OBJECTION).count() == 1
    applicant = SubjectLink.objects.first().user
    assert applicant.username == "applicant"
    assert SubjectLink.objects.filter(user=applicant).count() == 2


def test_admin_shows_subjects_masked_and_read_only(person, credit_officer):
    from .factories import UserFactory

    root = UserFactory(is_staff=True, is_superuser=True)
    false_commitment(credit_officer, person, days_ago=10)
    client = logged_in(root)
    for url in (
        reverse("admin:credit_subject_changelist"),
        reverse("admin:credit_subject_change", args=[person.pk]),
        reverse("admin:credit_creditrecord_changelist"),
        reverse("admin:credit_pushmessage_changelist"),
        reverse("admin:credit_creditplatform_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert PERSON_ID not in html and person.id_cipher not in html
    assert client.get(reverse("admin:credit_subject_add")).status_code == 403

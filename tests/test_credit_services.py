"""Subjects and credit through the services (R-2.2, R-5.4, R-5.5, R-5.6, R-5.7)."""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.audit.models import AuditEvent
from chengnuo.core.errors import DomainError, NotFound
from chengnuo.credit import services
from chengnuo.credit.constants import RecordStatus
from chengnuo.credit.models import CreditRecord, Subject

from .credit_helpers import entity_uscc, resident_id
from .factories import UserFactory, user_with_role

ITEM = SimpleNamespace(code="RS-ZM-001", under_commitment=True, status="in_force")


@pytest.fixture
def clerk(agency_a):
    return user_with_role(Role.WINDOW_CLERK, agency_a, username="clerk")


@pytest.fixture
def officer(db):
    from .factories import AgencyFactory

    return user_with_role(Role.CREDIT_OFFICER, AgencyFactory(kind="credit_authority"))


@pytest.fixture
def person(clerk):
    return services.subject_register(
        actor=clerk,
        kind="person",
        name="张三",
        id_type="resident_id",
        id_value=resident_id(),
        phone="13812345678",
    )


@pytest.fixture
def applicant(person):
    user = user_with_role(Role.APPLICANT, None, username="zhangsan")
    services.subject_link(actor=user, user=user, subject=person, relation="self")
    return user


def false_commitment(officer, subject, days_ago=30, **impact):
    return services.credit_record_create(
        actor=officer,
        subject=subject,
        kind="false_commitment",
        summary="承诺已缴纳社保12个月，核查发现仅缴纳3个月",
        impact=impact,
        decided_on=timezone.localdate() - dt.timedelta(days=days_ago),
    )


@pytest.mark.parametrize(
    ("id_value", "code"),
    [
        ("341202199001011235", "invalid_checksum"),
        ("341202199002301234", "invalid_component"),  # 30 February
        ("34120219900101123", "invalid_length"),
        ("3412021990010112AB", "invalid_format"),
    ],
)
def test_invalid_resident_ids_are_refused_with_the_rule_named(clerk, id_value, code):
    if code == "invalid_component":
        from stdnum.cn import ric

        id_value = id_value[:17] + ric.calc_check_digit(id_value)
    with pytest.raises(DomainError) as exc:
        services.subject_register(
            actor=clerk, kind="person", name="李四", id_type="resident_id", id_value=id_value
        )
    assert exc.value.code == code and exc.value.field == "id_value"
    assert not Subject.objects.exists()


def test_a_wrong_uscc_checksum_is_refused(clerk):
    good = entity_uscc()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(DomainError) as exc:
        services.subject_register(
            actor=clerk, kind="entity", name="阜阳某公司", id_type="uscc", id_value=bad
        )
    assert exc.value.code == "invalid_checksum"


def test_identifiers_are_stored_encrypted_masked_and_found_by_exact_lookup(person):
    number = person.identifier()
    row = Subject.objects.values().get(pk=person.pk)
    assert all(number not in str(value) for value in row.values())
    assert "13812345678" not in str(row.values())
    assert person.id_masked == number[:4] + "*" * 10 + number[-4:]
    assert person.phone_masked == "138****5678"
    assert services.subject_find(id_type="resident_id", id_value=number.lower()) == person


def test_revealing_the_full_number_is_audited_and_only_for_roles_that_need_it(
    clerk, person, admin_a
):
    from chengnuo.credit import access

    services.subject_lookup(actor=clerk, id_type="resident_id", id_value=person.identifier())
    key = access.contexts_for(clerk, person)[0].key
    assert (
        services.subject_identifier_reveal(actor=clerk, subject=person, context_key=key)
        == person.identifier()
    )
    assert AuditEvent.objects.filter(
        event="credit.identifier_viewed", target_id=str(person.pk), actor=clerk
    ).exists()
    with pytest.raises(NotFound):  # no lawful context: as if the subject did not exist
        services.subject_identifier_reveal(actor=admin_a, subject=person, context_key=key)


def test_false_commitment_is_graded_from_its_social_impact(officer, person):
    record = false_commitment(officer, person, amount_yuan=200_000)
    assert record.grade == "serious"
    assert record.impact["grade_reasons"] == ["涉及金额10万元以上"]
    assert record.publish_to == record.decided_on + dt.timedelta(days=1095)


def test_a_serious_record_makes_eligibility_refuse_with_the_reason(officer, person, clerk):
    false_commitment(officer, person, people_affected=20)
    result = services.credit_lookup(actor=clerk, subject=person, items=[ITEM])
    eligibility = result["eligibility"]["RS-ZM-001"]
    assert not eligibility.allowed
    assert "虚假承诺（较重）" in eligibility.reasons[0].message
    assert result["risk"].level == "D"
    assert AuditEvent.objects.filter(event="credit.lookup", target_id=str(person.pk)).exists()


def test_repair_inside_the_minimum_period_is_refused_then_approved_and_eligibility_restored(
    officer, person, applicant
):
    record = false_commitment(officer, person, days_ago=30)
    with pytest.raises(DomainError) as exc:
        services.repair_submit(
            actor=applicant,
            record=record,
            statement="已补缴全部社会保险费并提交缴费凭证",
            commitment_letter="本人承诺今后如实承诺，愿接受监督",
        )
    assert exc.value.code == "minimum_period"
    with time_machine.travel(timezone.now() + dt.timedelta(days=100)):
        repair = services.repair_submit(
            actor=applicant,
            record=record,
            statement="已补缴全部社会保险费并提交缴费凭证",
            commitment_letter="本人承诺今后如实承诺，愿接受监督",
        )
        assert not services.eligibility_of(person, ITEM).allowed
        services.repair_decide(actor=officer, repair=repair, approve=True)
        assert services.eligibility_of(person, ITEM).allowed
    record.refresh_from_db()
    assert record.status == RecordStatus.REPAIRED  # the record and its history stay


def test_refusing_a_repair_needs_written_reasons(officer, person, applicant):
    record = false_commitment(officer, person, days_ago=200)
    repair = services.repair_submit(
        actor=applicant,
        record=record,
        statement="已补缴全部社会保险费并提交缴费凭证",
        commitment_letter="本人承诺今后如实承诺，愿接受监督",
    )
    with pytest.raises(DomainError):
        services.repair_decide(actor=officer, repair=repair, approve=False, reason="")
    refused = services.repair_decide(
        actor=officer, repair=repair, approve=False, reason="缴费凭证与社保记录不符"
    )
    assert refused.status == "refused" and refused.decision_reason == "缴费凭证与社保记录不符"


def test_objection_marks_the_record_at_once_and_an_upheld_answer_restores_it(
    officer, person, applicant
):
    record = false_commitment(officer, person)
    objection = services.objection_submit(
        actor=applicant, record=record, grounds="记录中的缴费月数与本人社保记录不符，系误认"
    )
    record.refresh_from_db()
    assert record.status == RecordStatus.UNDER_OBJECTION
    assert objection.due_on > timezone.localdate()
    services.objection_answer(
        actor=officer, objection=objection, corrected=False, answer="经核实，原记录无误"
    )
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE


def test_a_corrected_objection_may_remove_the_record(officer, person, applicant):
    record = false_commitment(officer, person)
    objection = services.objection_submit(
        actor=applicant, record=record, grounds="该记录属于同名他人，身份证号码不一致"
    )
    services.objection_answer(
        actor=officer,
        objection=objection,
        corrected=True,
        remove=True,
        answer="经核实系误录，予以撤销",
    )
    record.refresh_from_db()
    assert record.status == RecordStatus.REMOVED
    assert services.eligibility_of(person, ITEM).allowed
    assert CreditRecord.objects.filter(pk=record.pk).exists()  # history kept


def test_another_applicant_cannot_act_on_a_record_and_nothing_changes(officer, person):
    record = false_commitment(officer, person)
    stranger = UserFactory()
    with pytest.raises(NotFound):
        services.objection_submit(actor=stranger, record=record, grounds="这不是我的记录，请撤销它")
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE


def test_only_credit_officers_decide(person, applicant, clerk, officer):
    record = false_commitment(officer, person, days_ago=200)
    repair = services.repair_submit(
        actor=applicant,
        record=record,
        statement="已补缴全部社会保险费并提交缴费凭证",
        commitment_letter="本人承诺今后如实承诺，愿接受监督",
    )
    with pytest.raises(NotFound):
        services.repair_decide(actor=clerk, repair=repair, approve=True)


def test_a_fuyang_resident_born_before_1996_with_todays_region_code_is_accepted(clerk):
    """IDs issued after 1996 carry 3412xx even for people born earlier."""
    from .credit_helpers import resident_id

    subject = services.subject_register(
        actor=clerk,
        kind="person",
        name="王老五",
        id_type="resident_id",
        id_value=resident_id(birth="19650315"),
    )
    assert subject.id_masked.startswith("3412")


def test_an_unknown_region_code_is_refused_naming_it(clerk):
    from stdnum.cn import ric

    number = "99999920000101001" + "0"
    number = number[:17] + ric.calc_check_digit(number)
    with pytest.raises(DomainError) as exc:
        services.subject_register(
            actor=clerk, kind="person", name="某某", id_type="resident_id", id_value=number
        )
    assert exc.value.code == "invalid_component" and "行政区划代码" in exc.value.message


def test_credit_histories_are_readable_by_credit_officers_only(client, officer, person, clerk):
    url = f"/staff/audit/history/credit.subject/{person.pk}/"
    client.force_login(officer)
    body = client.get(url).content.decode()
    assert "credit.subject_registered" in body
    assert person.identifier() not in body  # the trail keeps masked numbers only
    client.force_login(clerk)
    assert client.get(url).status_code == 404


def test_the_outbox_never_stores_an_identifier_in_clear(officer, person):
    from chengnuo.credit.models import CreditPlatform, PushMessage
    from chengnuo.credit.push import body_bytes

    CreditPlatform.objects.create(
        name="信用阜阳", base_url="http://127.0.0.1:9", app_key="k", secret="s", active=True
    )
    false_commitment(officer, person)
    message = PushMessage.objects.get()
    assert person.identifier() not in str(message.body)
    assert person.identifier() in body_bytes(message).decode()  # only what is sent has it


def test_rotating_field_keys_re_encrypts_every_subject_and_lookups_still_work(settings, person):
    from django.core.management import call_command

    from chengnuo.core import crypto

    number = person.identifier()
    settings.FIELD_ENCRYPTION_KEYS = [("k2027", "44" * 16), *settings.FIELD_ENCRYPTION_KEYS]
    call_command("rotate_field_keys", verbosity=0)
    person.refresh_from_db()
    assert crypto.key_id_of(person.id_cipher) == "k2027"
    assert person.identifier() == number and person.phone() == "13812345678"
    assert services.subject_find(id_type="resident_id", id_value=number) == person
    settings.FIELD_LOOKUP_KEY = "55" * 16
    assert services.subject_find(id_type="resident_id", id_value=number) is None
    call_command("rotate_field_keys", "--relookup", verbosity=0)
    assert services.subject_find(id_type="resident_id", id_value=number) == person

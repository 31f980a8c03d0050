"""A subject is reachable by staff only through a lawful context (R-5.6, R-5.7, issue 11 §2).

The walk-around: a market-regulation window clerk revealed all eight demo identifiers by posting
to /credit/subjects/1…8/reveal/; the reveal was audited but nothing stopped it. Now staff reach a
subject only by an exact lookup of its full identifier, or through a case, task, assistance
request or record of their own agency; anything else is 404, as if the subject did not exist.
Reveals name their reason (the context), are rate-limited per actor, and a burst alerts the
agency admin and the auditors."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.audit.models import Alert, AuditEvent
from chengnuo.cases import services as case_services
from chengnuo.credit import access, services
from chengnuo.credit.constants import Event
from chengnuo.credit.models import Subject

from .cases_helpers import build_world
from .credit_helpers import resident_id
from .factories import AgencyFactory, user_with_role
from .test_case_api import token

STAFF_ROLES = [
    Role.WINDOW_CLERK,
    Role.CASE_OFFICER,
    Role.INSPECTOR,
    Role.AGENCY_ADMIN,
    Role.DATA_ADMIN,
    Role.AUDITOR,
    Role.CREDIT_OFFICER,
]


@pytest.fixture
def world(db):
    """Agency A (with a case of 王小明) and agency B (市场监管, with nothing); six more people
    registered on the platform whom no one of B has any business with."""
    a = build_world(prefix="A")
    b_agency = AgencyFactory(name="阜阳市市场监督管理局")
    people = [a.person]
    registrar = user_with_role(Role.WINDOW_CLERK, AgencyFactory(name="登记窗口"), username="reg")
    numbers = {a.person.pk: a.person.identifier()}
    for i in range(6):
        number = resident_id(f"19{70 + i}0101")
        s = services.subject_register(
            actor=registrar,
            kind="person",
            name=f"测试人{i}",
            id_type="resident_id",
            id_value=number,
        )
        people.append(s)
        numbers[s.pk] = number
    case = case_services.case_create(actor=a.applicant, matter=a.matter, subject=a.person)
    b_staff = {role: user_with_role(role, b_agency, username=f"b-{role}") for role in STAFF_ROLES}
    justice = AgencyFactory(name="阜阳市司法局", kind="justice_bureau")
    b_staff["justice_auditor"] = user_with_role(Role.AUDITOR, justice, username="j-auditor")
    b_staff["justice_reviewer"] = user_with_role(
        Role.JUSTICE_REVIEWER, justice, username="j-reviewer"
    )
    b_staff["sysadmin"] = user_with_role(Role.SYSTEM_ADMIN, None, username="sys")
    return {"a": a, "case": case, "people": people, "numbers": numbers, "b_staff": b_staff}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_counting_through_ids_reveals_nothing_to_any_staff_role_of_another_agency(world):
    numbers = world["numbers"]
    # every id the world's subjects have, their neighbours, the first ids and ids past the last:
    # a counting walk over what exists (sequences are not reset between tests on PostgreSQL,
    # so walking from 1 to the highest id would grow with the suite, not with this world)
    top = max(numbers)
    ids = sorted(
        {1, 2, 3, top + 1, top + 2, top + 3} | {p + d for p in numbers for d in (-1, 0, 1)}
    )
    for name, user in world["b_staff"].items():
        client = _client(user)
        api = token(user)
        for pk in ids:
            if pk < 1:
                continue
            bodies = []
            for context in ("", "lookup:1", f"case:{world['case'].number}", "record:1"):
                r = client.post(f"/credit/subjects/{pk}/reveal/", {"context": context})
                assert r.status_code in (403, 404), (name, pk, r.status_code)
                bodies.append(r.content.decode())
            r = client.post(f"/credit/subjects/{pk}/pull/")
            assert r.status_code in (403, 404), (name, pk, r.status_code)
            bodies.append(r.content.decode())
            r = client.get(f"/credit/subjects/{pk}/")
            assert r.status_code in (403, 404), (name, pk, r.status_code)
            for path in (f"/subjects/{pk}/eligibility?item={world['a'].social.code}",):
                r = Client().get(f"/api/v1/credit{path}", headers=api)
                assert r.status_code in (403, 404), (name, pk, r.status_code)
                bodies.append(r.content.decode())
            r = Client().post(f"/api/v1/credit/subjects/{pk}/pull", headers=api)
            assert r.status_code in (403, 404), (name, pk, r.status_code)
            bodies.append(r.content.decode())
            text = "".join(bodies)
            for number in numbers.values():
                assert number not in text, (name, pk)
            for person in world["people"]:
                assert person.name not in text, (name, pk)
    assert not AuditEvent.objects.filter(event=Event.IDENTIFIER_VIEWED).exists()


def test_the_window_start_refuses_a_subject_id_the_clerk_never_looked_up(world):
    b_clerk = world["b_staff"][Role.WINDOW_CLERK]
    client = _client(b_clerk)
    for person in world["people"]:
        r = client.post("/cases/window/", {"action": "start", "subject": person.pk, "matter": "1"})
        assert r.status_code == 404
    assert not Subject.objects.filter(cases__started_by=b_clerk).exists()


def test_an_exact_lookup_by_the_full_identifier_is_the_lawful_context(world):
    b_clerk = world["b_staff"][Role.WINDOW_CLERK]
    target = world["people"][3]
    number = world["numbers"][target.pk]
    assert access.contexts_for(b_clerk, target) == []
    client = _client(b_clerk)
    page = client.post("/credit/lookup/", {"id_type": "resident_id", "id_number": number})
    assert page.status_code == 200
    found = AuditEvent.objects.get(event=Event.SUBJECT_FOUND, actor=b_clerk)
    assert found.target_id == str(target.pk) and found.after["id_masked"] == target.id_masked
    keys = re.findall(
        r'<option value="((?:lookup|case|record|assistance):[^"]+)"', page.content.decode()
    )
    assert keys == [f"lookup:{found.pk}"]
    r = client.post(f"/credit/subjects/{target.pk}/reveal/", {"context": keys[0]})
    assert r.status_code == 200 and number in r.content.decode()
    viewed = AuditEvent.objects.get(event=Event.IDENTIFIER_VIEWED)
    assert viewed.after["context"] == keys[0] and "按证件号码精确查询" in viewed.after["reason"]
    # the other people stay unreachable for this clerk
    for other in world["people"]:
        if other.pk != target.pk:
            assert (
                client.post(
                    f"/credit/subjects/{other.pk}/reveal/", {"context": keys[0]}
                ).status_code
                == 404
            )


def test_the_lookup_context_ends_after_the_configured_time(world, settings):
    b_officer = world["b_staff"][Role.CASE_OFFICER]
    target = world["people"][2]
    services.subject_lookup(
        actor=b_officer, id_type="resident_id", id_value=world["numbers"][target.pk]
    )
    url = f"/api/v1/credit/subjects/{target.pk}/eligibility?item={world['a'].social.code}"
    assert Client().get(url, headers=token(b_officer)).status_code == 200
    later = timezone.now() + dt.timedelta(minutes=settings.LOOKUP_CONTEXT_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        assert Client().get(url, headers=token(b_officer)).status_code == 404


def test_a_case_of_the_actors_own_agency_is_a_lawful_context_and_is_the_reason_recorded(world):
    a = world["a"]
    case = world["case"]
    contexts = access.contexts_for(a.clerk, a.person)
    # the case comes first; the clerk also registered 王小明 at the window earlier
    assert [c.kind for c in contexts] == ["case", "lookup"]
    assert contexts[0].key == f"case:{case.number}"
    assert case.number in contexts[0].label and a.matter.name in contexts[0].label
    client = _client(a.clerk)
    r = client.post(f"/credit/subjects/{a.person.pk}/reveal/", {"context": contexts[0].key})
    assert r.status_code == 200 and a.person.identifier() in r.content.decode()
    event = AuditEvent.objects.get(event=Event.IDENTIFIER_VIEWED)
    assert event.after["context"] == f"case:{case.number}"
    assert event.after["reason"] == contexts[0].label
    assert event.agency_id == a.agency.pk
    # the same clerk has no context for the six others
    for other in world["people"][1:]:
        assert access.contexts_for(a.clerk, other) == []


def test_a_reveal_without_a_reason_is_refused_and_not_recorded(world):
    a = world["a"]
    r = _client(a.clerk).post(f"/credit/subjects/{a.person.pk}/reveal/", {"context": ""})
    assert r.status_code == 400
    assert "查看完整号码的事由" in r.content.decode()
    assert a.person.identifier() not in r.content.decode()
    assert not AuditEvent.objects.filter(event=Event.IDENTIFIER_VIEWED).exists()


def test_a_role_that_may_not_unmask_is_refused_even_in_a_context(world):
    a = world["a"]
    key = access.contexts_for(a.officer, a.person)[0].key
    r = _client(a.officer).post(f"/credit/subjects/{a.person.pk}/reveal/", {"context": key})
    assert r.status_code == 403
    assert a.person.identifier() not in r.content.decode()


def test_reveals_are_rate_limited_per_actor(world, settings):
    settings.REVEAL_LIMIT_PER_HOUR = 3
    settings.REVEAL_BURST = 100
    a = world["a"]
    key = f"case:{world['case'].number}"
    client = _client(a.clerk)
    for _ in range(3):
        assert (
            client.post(f"/credit/subjects/{a.person.pk}/reveal/", {"context": key}).status_code
            == 200
        )
    r = client.post(f"/credit/subjects/{a.person.pk}/reveal/", {"context": key})
    assert r.status_code == 429
    body = r.content.decode()
    assert "已达上限" in body and a.person.identifier() not in body
    assert AuditEvent.objects.filter(event=Event.IDENTIFIER_VIEWED).count() == 3
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61), tick=False):
        later = _client(a.clerk)  # the idle session has ended meanwhile
        assert (
            later.post(f"/credit/subjects/{a.person.pk}/reveal/", {"context": key}).status_code
            == 200
        )


def test_a_burst_of_reveals_raises_one_alert_for_the_agency_admin_and_the_auditors(world, settings):
    settings.REVEAL_BURST = 3
    a = world["a"]
    key = f"case:{world['case'].number}"
    client = _client(a.clerk)
    for _ in range(5):
        assert (
            client.post(f"/credit/subjects/{a.person.pk}/reveal/", {"context": key}).status_code
            == 200
        )
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.IDENTIFIER_BURST
    assert alert.staff == a.clerk and alert.agency == a.agency and alert.count == 3
    assert str(a.clerk) in alert.message
    justice = AgencyFactory(name="阜阳市司法局（监督）", kind="justice_bureau")
    auditor = user_with_role(Role.AUDITOR, justice, username="auditor-x")
    for watcher in (a.admin, auditor):
        page = _client(watcher).get("/staff/audit/alerts/")
        assert page.status_code == 200 and alert.message in page.content.decode()
    other_admin = user_with_role(Role.AGENCY_ADMIN, AgencyFactory(), username="other-admin")
    assert alert.message not in _client(other_admin).get("/staff/audit/alerts/").content.decode()
    assert _client(a.clerk).get("/staff/audit/alerts/").status_code == 403
    # acknowledged with a note, audited
    r = _client(a.admin).post(
        f"/staff/audit/alerts/{alert.pk}/acknowledge/", {"note": "已核实：窗口集中补录材料所需"}
    )
    assert r.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == a.admin and "补录" in alert.note
    assert AuditEvent.objects.filter(event="audit.alert_acknowledged").exists()


def test_the_api_lookup_records_the_context_and_eligibility_follows_it(world):
    b_clerk = world["b_staff"][Role.WINDOW_CLERK]
    target = world["people"][4]
    headers = token(b_clerk)
    url = f"/api/v1/credit/subjects/{target.pk}/eligibility?item={world['a'].social.code}"
    assert Client().get(url, headers=headers).status_code == 404
    found = Client().get(
        "/api/v1/credit/subjects/lookup",
        {"id_type": "resident_id", "id_number": world["numbers"][target.pk]},
        headers=headers,
    )
    assert found.json()["found"] is True
    assert world["numbers"][target.pk] not in json.dumps(found.json())
    assert Client().get(url, headers=headers).status_code == 200


def test_a_wrong_check_digit_at_the_window_says_so_instead_of_not_found(world):
    a = world["a"]
    number = world["numbers"][a.person.pk]
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    client = _client(a.clerk)
    body = client.post(
        "/cases/window/", {"action": "find", "id_type": "resident_id", "id_value": wrong}
    ).content.decode()
    assert "校验位错误" in body
    assert "未找到该证件号码的申请人" not in body
    page = client.post("/credit/lookup/", {"id_type": "resident_id", "id_number": wrong})
    assert page.status_code == 200 and "校验位错误" in page.content.decode()
    api = Client().get(
        "/api/v1/credit/subjects/lookup",
        {"id_type": "resident_id", "id_number": wrong},
        headers=token(a.clerk),
    )
    assert api.status_code == 400 and api.json()["code"] == "invalid_checksum"


def test_the_api_case_create_refuses_a_subject_id_the_clerk_never_looked_up(world):
    """As at the window: a clerk starts a case over the API only for a subject reached through
    a lawful context; counting through subject ids creates nothing (and so opens no context to
    reveal an identifier). After an exact lookup, the same request succeeds."""
    a = world["a"]
    clerk = user_with_role(Role.WINDOW_CLERK, a.agency, username="a-clerk2")
    headers = token(clerk)
    target = world["people"][5]
    cases_before = case_services.Case.objects.count()
    for n, person in enumerate(world["people"][1:]):
        r = Client().post(
            "/api/v1/cases",
            {"matter_code": a.matter.code, "subject_id": person.pk},
            content_type="application/json",
            headers={**headers, "Idempotency-Key": f"count-{n}"},
        )
        assert r.status_code == 404, r.content
        assert r.json()["code"] == "not_found"
    assert case_services.Case.objects.count() == cases_before
    # no case was created, so no context: the clerk still cannot reveal the identifier
    reveal = _client(clerk).post(f"/credit/subjects/{target.pk}/reveal/", {"context": "x"})
    assert reveal.status_code == 404
    found = Client().get(
        "/api/v1/credit/subjects/lookup",
        {"id_type": "resident_id", "id_number": world["numbers"][target.pk]},
        headers=headers,
    )
    assert found.json()["found"] is True
    r = Client().post(
        "/api/v1/cases",
        {"matter_code": a.matter.code, "subject_id": target.pk},
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "after-lookup"},
    )
    assert r.status_code == 201, r.content

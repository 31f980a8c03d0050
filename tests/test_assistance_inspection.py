"""Assistance verification (R-4.7) and on-site inspection (R-4.6): only the requested agency
sees and answers a request (others get 404 and nothing changes); an answer concludes the task;
an empty or boilerplate refusal is refused with the problem named, a written one accepted with
the task left open for the officer, who may switch to on-site; overdue requests are flagged and
listed for the Justice Bureau of the region; reminders are sent once; an inspection goes to two
inspectors of the agency, only they complete it, photos are type-checked, and completion
concludes the task."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.audit.models import AuditEvent
from chengnuo.cases.models import Commitment
from chengnuo.core.calendar import add_working_days
from chengnuo.core.digest import sm3_hex
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.verification import assistance, inspection, internal, selectors
from chengnuo.verification.constants import (
    AssistanceStatus,
    CheckStatus,
    Event,
    InspectionStatus,
    Outcome,
    TaskStatus,
    VerificationMethod,
)
from chengnuo.verification.models import (
    AssistanceRequest,
    DataSource,
    Inspection,
    InspectionPhoto,
    OnlineCheck,
    VerificationPlan,
    VerificationTask,
)

from .cases_helpers import JPEG, PDF, PNG, World, build_world, pdf_upload, ready_case
from .factories import AgencyFactory, user_with_role


@dataclass
class Setup:
    w: World
    task: VerificationTask
    helper: Any  # the requested agency (B)
    b_staff: Any
    third: Any  # an unrelated agency (C)
    c_staff: Any
    inspectors: list[Any]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def make_task(w: World, method: str = VerificationMethod.ASSISTANCE) -> VerificationTask:
    case = ready_case(w)
    commitment = Commitment.objects.get(case=case, item=w.social)
    return VerificationTask.objects.create(
        commitment=commitment,
        agency=w.agency,
        method=method,
        due_date=add_working_days(timezone.localdate(), 20),
    )


@pytest.fixture
def s(db) -> Setup:
    w = build_world(prefix="A")
    helper = AgencyFactory(name="阜阳市人力资源和社会保障局")
    third = AgencyFactory(name="阜阳市市场监督管理局")
    inspectors = [
        user_with_role(Role.INSPECTOR, w.agency, username=f"A-inspector{i}") for i in (1, 2, 3)
    ]
    return Setup(
        w=w,
        task=make_task(w),
        helper=helper,
        b_staff=user_with_role(Role.CASE_OFFICER, helper, username="B-officer"),
        third=third,
        c_staff=user_with_role(Role.CASE_OFFICER, third, username="C-officer"),
        inspectors=inspectors,
    )


def ask(s: Setup, **kwargs: Any) -> AssistanceRequest:
    kwargs.setdefault("questions", "请核查申请人近12个月社会保险缴费记录是否连续")
    return assistance.assistance_request(actor=s.w.officer, task=s.task, agency=s.helper, **kwargs)


def events(kind: str) -> int:
    return AuditEvent.objects.filter(event=kind).count()


READABLE_REFUSAL = (
    "本局社保缴费数据自2024年起已统一归集至省级平台，本局系统无法查询该申请人的缴费明细，"
    "请向省社会保险事业管理中心请求协助"
)


# --- requesting and isolation --------------------------------------------------------------


def test_only_the_requested_agency_sees_the_request(client, s):
    req = ask(s)
    assert req.deadline == add_working_days(timezone.localdate(), 5)  # the default 5 working days
    assert req.status == AssistanceStatus.OPEN and req.requesting_agency_id == s.w.agency.pk
    assert list(selectors.assistance_inbox(s.b_staff)) == [req]
    assert not selectors.assistance_inbox(s.w.officer).exists()
    assert list(selectors.assistance_sent(s.w.officer)) == [req]
    assert not selectors.assistance_inbox(s.c_staff).exists()
    assert (
        AuditEvent.objects.filter(
            object_type="cases.case", event=Event.ASSISTANCE_REQUESTED
        ).count()
        == 1
    )
    assert events(Event.ASSISTANCE_REQUESTED) == 1

    client.force_login(s.b_staff)
    inbox = client.get(reverse("verification:assistance_inbox")).content.decode()
    assert "社会保险缴费证明" in inbox and s.w.agency.name in inbox
    detail = client.get(reverse("verification:assistance_detail", args=[req.pk])).content.decode()
    assert "请核查申请人近12个月社会保险缴费记录是否连续" in detail and "提交答复" in detail
    assert "王小明" not in detail and s.w.person.id_masked in detail  # masked subject

    client.force_login(s.c_staff)
    assert (
        "社会保险缴费证明"
        not in client.get(reverse("verification:assistance_inbox")).content.decode()
    )
    assert client.get(reverse("verification:assistance_detail", args=[req.pk])).status_code == 404
    answer = reverse("verification:assistance_answer", args=[req.pk])
    assert client.post(answer, {"result": "consistent", "answer": "属实"}).status_code == 404
    refuse = reverse("verification:assistance_refuse", args=[req.pk])
    assert client.post(refuse, {"reason": READABLE_REFUSAL}).status_code == 404
    with pytest.raises(NotFound):
        assistance.assistance_answer(
            actor=s.c_staff, request=req, result="consistent", answer="属实"
        )
    req.refresh_from_db()
    assert req.status == AssistanceStatus.OPEN and not req.answer
    assert events(Event.ASSISTANCE_ANSWERED) == events(Event.ASSISTANCE_REFUSED) == 0


def test_the_request_needs_another_agency_questions_and_the_plan_sets_the_days(s):
    with pytest.raises(DomainError, match="不能向本机关请求"):
        assistance.assistance_request(
            actor=s.w.officer, task=s.task, agency=s.w.agency, questions="核查"
        )
    with pytest.raises(DomainError, match="具体事项"):
        ask(s, questions="   ")
    with pytest.raises(NotFound):  # another agency's staff may not ask on the task
        assistance.assistance_request(
            actor=s.c_staff, task=s.task, agency=s.helper, questions="核查"
        )
    assert not AssistanceRequest.objects.exists()
    VerificationPlan.objects.create(
        item=s.w.social, methods=[VerificationMethod.ASSISTANCE], assistance_days=3
    )
    req = ask(s)
    assert req.deadline == add_working_days(timezone.localdate(), 3)
    with pytest.raises(Conflict, match="请等待答复"):
        ask(s)


def test_the_officer_asks_through_the_form(client, s):
    client.force_login(s.w.officer)
    url = reverse("verification:assistance_request_create", args=[s.task.pk])
    page = client.get(url).content.decode()
    assert s.helper.name in page and "请求核查的具体事项" in page
    refused = client.post(url, {"agency": s.w.agency.pk, "questions": "核查", "days": "5"})
    assert refused.status_code == 400 and "不能向本机关请求" in refused.content.decode()
    done = client.post(url, {"agency": s.helper.pk, "questions": "核查缴费记录", "days": "7"})
    req = AssistanceRequest.objects.get()
    assert done.status_code == 302
    assert req.deadline == add_working_days(timezone.localdate(), 7)
    client.force_login(s.c_staff)
    assert client.get(url).status_code == 404


# --- answering -----------------------------------------------------------------------------


def test_an_answer_with_evidence_concludes_the_task(client, s):
    req = ask(s)
    client.force_login(s.w.officer)  # the requesting agency cannot answer its own request
    url = reverse("verification:assistance_answer", args=[req.pk])
    assert client.post(url, {"result": "consistent", "answer": "属实"}).status_code == 403

    client.force_login(s.b_staff)
    bad = client.post(
        url,
        {
            "result": "consistent",
            "answer": "经查询缴费连续",
            "evidence": SimpleUploadedFile("x.pdf", b"not a pdf at all"),
        },
    )
    assert bad.status_code == 400 and "不是PDF、JPEG或PNG格式" in bad.content.decode()
    missing = client.post(url, {"result": "", "answer": ""})
    assert missing.status_code == 400
    assert "请选择核查结果" in missing.content.decode()
    req.refresh_from_db()
    assert req.status == AssistanceStatus.OPEN

    ok = client.post(
        url,
        {
            "result": "consistent",
            "answer": "经查询本局社保系统，该申请人近12个月缴费连续",
            "evidence": pdf_upload("缴费记录.pdf"),
        },
    )
    assert ok.status_code == 302
    req.refresh_from_db()
    assert req.status == AssistanceStatus.ANSWERED and req.result == Outcome.CONSISTENT
    assert req.answered_by == s.b_staff and req.evidence_name == "缴费记录.pdf"
    assert req.evidence.name.endswith(".pdf") and "缴费记录" not in req.evidence.name
    assert len(req.evidence_digest) == 64
    task = VerificationTask.objects.get(pk=s.task.pk)
    assert task.status == TaskStatus.DONE and task.outcome == Outcome.CONSISTENT
    assert "近12个月缴费连续" in task.outcome_note
    row = AuditEvent.objects.get(object_type="cases.case", event=Event.OUTCOME_RECORDED)
    assert "承诺属实" in row.message
    assert events(Event.ASSISTANCE_ANSWERED) == 1 and events(Event.OUTCOME_RECORDED) == 1
    assert client.get(reverse("verification:assistance_evidence", args=[req.pk])).status_code == 200
    with pytest.raises(Conflict):  # only while open
        assistance.assistance_answer(
            actor=s.b_staff, request=req, result="inconsistent", answer="再答一次"
        )


# --- refusing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("", "必填"),
        ("   ", "必填"),
        ("无法核查", "套话"),
        ("不属于本单位职责。", "套话"),
        ("本局系统故障中", "过于简单"),
    ],
)
def test_an_empty_or_boilerplate_refusal_is_refused(client, s, reason, problem):
    req = ask(s)
    with pytest.raises(DomainError, match=problem):
        assistance.assistance_refuse(actor=s.b_staff, request=req, reason=reason)
    client.force_login(s.b_staff)
    response = client.post(
        reverse("verification:assistance_refuse", args=[req.pk]), {"reason": reason}
    )
    assert response.status_code == 400 and problem in response.content.decode()
    req.refresh_from_db()
    assert req.status == AssistanceStatus.OPEN and not req.refusal_reason
    assert events(Event.ASSISTANCE_REFUSED) == 0
    assert not AuditEvent.objects.filter(
        object_type="cases.case", event=Event.ASSISTANCE_REFUSED
    ).exists()


def test_a_written_refusal_leaves_the_task_open_and_the_officer_switches_to_on_site(client, s):
    req = ask(s)
    client.force_login(s.b_staff)
    response = client.post(
        reverse("verification:assistance_refuse", args=[req.pk]), {"reason": READABLE_REFUSAL}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == AssistanceStatus.REFUSED and req.refusal_reason == READABLE_REFUSAL
    task = VerificationTask.objects.get(pk=s.task.pk)
    assert task.status == TaskStatus.IN_PROGRESS and task.outcome == ""
    row = AuditEvent.objects.get(object_type="cases.case", event=Event.ASSISTANCE_REFUSED)
    assert "无法协助" in row.message and "省级平台" in row.message
    assert events(Event.ASSISTANCE_REFUSED) == 1

    client.force_login(s.w.officer)
    detail = client.get(reverse("verification:assistance_detail", args=[req.pk])).content.decode()
    assert READABLE_REFUSAL in detail and "改为现场核查" in detail
    with pytest.raises(PermissionDenied):  # inspectors do not switch tasks
        assistance.inspection_request(actor=s.inspectors[0], task=task)
    switched = client.post(
        reverse("verification:inspection_request_create", args=[task.pk]),
        {"next": reverse("verification:assistance_detail", args=[req.pk])},
    )
    assert switched.status_code == 302
    new = VerificationTask.objects.get(replaces=task)
    assert new.method == VerificationMethod.ON_SITE and new.status == TaskStatus.IN_PROGRESS
    assert VerificationTask.objects.get(pk=task.pk).status == TaskStatus.CANCELLED
    assert new.inspection.inspectors.count() == 2


# --- overdue, reminders --------------------------------------------------------------------


def test_overdue_requests_are_flagged_and_listed_for_the_justice_bureau_of_the_region(client, s):
    req = ask(s)
    county = AgencyFactory(county=True, name="颍州区人力资源和社会保障局")
    county_req = assistance.assistance_request(
        actor=s.w.officer2, task=make_task(s.w), agency=county, questions="核查缴费"
    )
    city_jb = user_with_role(Role.JUSTICE_REVIEWER, AgencyFactory(justice_bureau=True))
    county_jb = user_with_role(
        Role.JUSTICE_REVIEWER, AgencyFactory(justice_bureau=True, county=True)
    )
    on_time = req.deadline
    assert not selectors.assistance_overdue(city_jb, on=on_time).exists()
    late = req.deadline + dt.timedelta(days=1)
    assert set(selectors.assistance_overdue(city_jb, on=late)) == {req, county_req}
    assert list(selectors.assistance_overdue(county_jb, on=late)) == [county_req]

    with time_machine.travel(dt.datetime.combine(late, dt.time(10)), tick=False):
        client.force_login(s.b_staff)
        inbox = client.get(reverse("verification:assistance_inbox")).content.decode()
        assert "已超期" in inbox
        client.force_login(city_jb)
        page = client.get(reverse("verification:assistance_overdue")).content.decode()
        assert s.helper.name in page and county.name in page and "共2件" in page
        client.force_login(county_jb)
        page = client.get(reverse("verification:assistance_overdue")).content.decode()
        assert county.name in page and s.helper.name not in page
        client.force_login(s.c_staff)  # not a Justice Bureau
        assert client.get(reverse("verification:assistance_overdue")).status_code == 403
    assert AssistanceRequest.objects.get(pk=req.pk).status == AssistanceStatus.OPEN


def test_a_reminder_is_sent_once_before_the_deadline(client, s):
    req = ask(s)
    today = timezone.localdate()
    assert assistance.assistance_remind_due(on=today) == 0  # five working days left
    day_before = req.deadline - dt.timedelta(days=1)
    assert assistance.assistance_remind_due(on=day_before) == 1
    req.refresh_from_db()
    first = req.reminded_at
    assert first is not None
    assert assistance.assistance_remind_due(on=day_before) == 0
    out = io.StringIO()
    call_command("remind_assistance", "--on", req.deadline.isoformat(), stdout=out)
    assert "reminded 0" in out.getvalue()
    req.refresh_from_db()
    assert req.reminded_at == first and events(Event.ASSISTANCE_REMINDED) == 1
    client.force_login(s.b_staff)
    assert "即将到期" in client.get(reverse("verification:assistance_inbox")).content.decode()


# --- on-site inspection ------------------------------------------------------------------------


@pytest.fixture
def on_site(s) -> Inspection:
    with transaction.atomic():
        task = VerificationTask.objects.create(
            commitment=s.task.commitment,
            agency=s.w.agency,
            method=VerificationMethod.ON_SITE,
            due_date=add_working_days(timezone.localdate(), 10),
        )
        return internal.inspection_create(task)


def test_an_inspection_goes_to_two_inspectors_of_the_agency(client, s, on_site):
    assigned = list(on_site.inspectors.all())
    assert len(assigned) == 2 and all(u in s.inspectors for u in assigned)
    idle = next(u for u in s.inspectors if u not in assigned)
    client.force_login(assigned[0])
    page = client.get(reverse("verification:inspection_list")).content.decode()
    assert "社会保险缴费证明" in page
    client.force_login(idle)
    assert (
        "社会保险缴费证明"
        not in client.get(reverse("verification:inspection_list")).content.decode()
    )
    with pytest.raises(PermissionDenied):
        inspection.inspection_complete(
            actor=idle, inspection=on_site, result="consistent", findings="现场查看属实"
        )
    client.force_login(s.c_staff)
    url = reverse("verification:inspection_detail", args=[on_site.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"result": "consistent", "findings": "属实"}).status_code == 404
    assert Inspection.objects.get(pk=on_site.pk).status == InspectionStatus.ASSIGNED


def test_photos_are_type_checked_and_completion_concludes_the_task(client, s, on_site):
    source = DataSource.objects.create(
        code="shebao",
        name="社保缴费数据",
        providing_agency=s.helper,
        base_url="https://share.example.cn",
        app_key="k",
        secret_cipher="x",
    )
    OnlineCheck.objects.create(
        task=s.task,
        source=source,
        status=CheckStatus.DONE,
        outcome=Outcome.CONSISTENT,
        comparison=[
            {"label": "连续缴费月数", "committed": 12, "source_value": 12, "result": "match"}
        ],
    )
    inspector = on_site.inspectors.first()
    url = reverse("verification:inspection_detail", args=[on_site.pk])
    client.force_login(inspector)
    page = client.get(url).content.decode()
    assert "已在线核查的内容" in page and "连续缴费月数" in page and "一致" in page
    assert 'capture="environment"' in page

    pdf = SimpleUploadedFile("a.pdf", PDF, content_type="image/png")  # lies about its type
    bad = client.post(url, {"result": "consistent", "findings": "现场查看", "photos": [pdf]})
    assert bad.status_code == 400 and "不是JPEG或PNG照片" in bad.content.decode()
    too_many = [SimpleUploadedFile(f"{i}.png", PNG) for i in range(10)]
    bad = client.post(url, {"result": "consistent", "findings": "现场", "photos": too_many})
    assert bad.status_code == 400 and "最多上传9张照片" in bad.content.decode()
    bad = client.post(url, {"result": "consistent", "findings": ""})
    assert bad.status_code == 400 and "请填写现场核查情况" in bad.content.decode()
    assert not InspectionPhoto.objects.exists()
    assert Inspection.objects.get(pk=on_site.pk).status == InspectionStatus.ASSIGNED

    ok = client.post(
        url,
        {
            "result": "inconsistent",
            "findings": "现场核查发现经营场所已停业",
            "photos": [SimpleUploadedFile("门头.png", PNG), SimpleUploadedFile("内景.jpg", JPEG)],
        },
    )
    assert ok.status_code == 302
    done = Inspection.objects.get(pk=on_site.pk)
    assert done.status == InspectionStatus.DONE and done.completed_by == inspector
    photos = list(done.photos.all())
    assert [p.content_type for p in photos] == ["image/png", "image/jpeg"]
    # stored re-encoded (core/uploads.py): the digest is that of the stored bytes
    with photos[0].file.open("rb") as stored:
        assert photos[0].digest == sm3_hex(stored.read())
    assert photos[0].original_name == "门头.png"
    task = done.task
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.outcome == Outcome.INCONSISTENT
    assert (
        "经营场所已停业"
        in AuditEvent.objects.get(object_type="cases.case", event=Event.OUTCOME_RECORDED).message
    )
    assert events(Event.INSPECTION_DONE) == 1
    photo_url = reverse("verification:inspection_photo", args=[done.pk, photos[0].pk])
    assert client.get(photo_url).status_code == 200
    with pytest.raises(Conflict):
        inspection.inspection_complete(
            actor=inspector, inspection=done, result="consistent", findings="再填一次"
        )


# --- the handler may identify the person (R-4.7, R-5.6, issue 11 §5) -------------------------


def test_the_requested_agency_sees_only_the_masked_identifier_until_someone_handles_it(client, s):
    req = ask(s)
    person = s.w.person
    client.force_login(s.b_staff)
    page = client.get(reverse("verification:assistance_detail", args=[req.pk])).content.decode()
    assert person.id_masked in page and person.identifier() not in page
    assert "由我承办" in page and "查看完整号码" not in page
    # not yet the handler: no reveal
    r = client.post(
        reverse("credit:subject_reveal", args=[person.pk]), {"context": f"assistance:{req.pk}"}
    )
    assert r.status_code == 403
    assert not AuditEvent.objects.filter(event="credit.identifier_viewed").exists()


def test_the_handler_may_view_the_full_identifier_for_that_request_audited(client, s):
    req = ask(s)
    person = s.w.person
    client.force_login(s.b_staff)
    assert client.post(reverse("verification:assistance_take", args=[req.pk])).status_code == 302
    req.refresh_from_db()
    assert req.handler == s.b_staff
    assert events(Event.ASSISTANCE_TAKEN) == 1
    page = client.get(reverse("verification:assistance_detail", args=[req.pk])).content.decode()
    assert "查看完整号码" in page and f'value="assistance:{req.pk}"' in page
    r = client.post(
        reverse("credit:subject_reveal", args=[person.pk]), {"context": f"assistance:{req.pk}"}
    )
    assert r.status_code == 200 and person.identifier() in r.content.decode()
    viewed = AuditEvent.objects.get(event="credit.identifier_viewed")
    assert viewed.actor == s.b_staff and viewed.after["context"] == f"assistance:{req.pk}"
    assert viewed.agency_id == s.helper.pk
    assert reverse("verification:assistance_detail", args=[req.pk]) in r.content.decode()


def test_once_answered_the_handler_no_longer_sees_the_full_identifier(client, s):
    req = ask(s)
    assistance.assistance_take(actor=s.b_staff, request=req)
    assistance.assistance_answer(
        actor=s.b_staff, request=req, result="consistent", answer="经查社保系统，缴费连续12个月"
    )
    client.force_login(s.b_staff)
    r = client.post(
        reverse("credit:subject_reveal", args=[s.w.person.pk]), {"context": f"assistance:{req.pk}"}
    )
    assert r.status_code == 403


def test_a_colleague_cannot_view_or_answer_a_request_another_handles(client, s):
    req = ask(s)
    colleague = user_with_role(Role.CASE_OFFICER, s.helper, username="B-officer2")
    assistance.assistance_take(actor=s.b_staff, request=req)
    with pytest.raises(Conflict) as exc:
        assistance.assistance_take(
            actor=colleague, request=AssistanceRequest.objects.get(pk=req.pk)
        )
    assert exc.value.code == "already_taken"
    with pytest.raises(PermissionDenied):
        assistance.assistance_answer(
            actor=colleague,
            request=AssistanceRequest.objects.get(pk=req.pk),
            result="consistent",
            answer="属实",
        )
    client.force_login(colleague)
    r = client.post(
        reverse("credit:subject_reveal", args=[s.w.person.pk]), {"context": f"assistance:{req.pk}"}
    )
    assert r.status_code == 403
    assert not AuditEvent.objects.filter(event="credit.identifier_viewed").exists()


def test_the_agency_admin_assigns_a_handler_and_others_cannot(s):
    req = ask(s)
    admin = user_with_role(Role.AGENCY_ADMIN, s.helper, username="B-admin")
    assistance.assistance_take(actor=admin, request=req, handler=s.b_staff)
    assert AssistanceRequest.objects.get(pk=req.pk).handler == s.b_staff
    with pytest.raises(NotFound):
        assistance.assistance_take(actor=s.c_staff, request=req, handler=s.c_staff)
    with pytest.raises(DomainError):
        assistance.assistance_take(actor=admin, request=req, handler=s.c_staff)


def test_a_conflict_names_the_time_in_asia_shanghai_not_utc(s):
    """Issue 11 §9: 00:30 in Shanghai is 16:30 UTC the day before."""
    req = ask(s)
    shanghai_half_past_midnight = dt.datetime(
        2026, 12, 3, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))
    )
    with time_machine.travel(shanghai_half_past_midnight, tick=False):
        assistance.assistance_answer(
            actor=s.b_staff, request=req, result="consistent", answer="经查社保系统，缴费连续"
        )
        with pytest.raises(Conflict) as exc:
            assistance.assistance_answer(
                actor=s.b_staff,
                request=AssistanceRequest.objects.get(pk=req.pk),
                result="consistent",
                answer="再次答复",
            )
    assert "2026-12-03 00:30" in exc.value.message
    assert "2026-12-02 16:30" not in exc.value.message

"""Handling complaints with deadlines (R-8.1): accept or decline, transfer, extend once, answer
with the facts found and the measures taken, reminders before a deadline and the overdue flag,
the Justice Bureau's supervision order, the complainant's rating and reopening, escalation;
a report of a false commitment opens its verification and gets its outcome back; the identity
stays sealed from the agency; every step on the timeline. And the ways around each rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chengnuo.audit.models import AuditEvent
from chengnuo.complaints import selectors, services
from chengnuo.complaints.constants import Event, Status, VerificationState
from chengnuo.complaints.models import Complaint
from chengnuo.core.calendar import add_working_days
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied

from .complaints_helpers import (
    FACTS,
    MEASURES,
    REASON,
    accepted,
    answered,
    build,
    fresh,
    report,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cw(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.COMPLAINTS_CAPTCHA = False
    return build()


def _state(c: Complaint) -> tuple:
    c = fresh(c)
    return (c.status, c.handling_agency_id, c.due_date, c.answer_due, c.extended_at, c.facts)


def _events(c: Complaint) -> list[str]:
    return list(selectors.timeline(c, staff=True).values_list("event", flat=True))


# --- acceptance ----------------------------------------------------------------------------------


def test_accepting_sets_the_answer_deadline_in_working_days(cw):
    c = accepted(cw)
    assert c.status == Status.ACCEPTED
    assert c.answer_due == add_working_days(timezone.localdate(), 13) == c.due_date
    assert _events(c) == [Event.SUBMITTED, Event.ACCEPTED]


def test_another_agencys_handler_cannot_open_or_act_on_a_complaint_and_nothing_changes(cw):
    c = submit(cw).complaint
    before = _state(c)
    with pytest.raises(NotFound):
        selectors.complaint_for(cw.other_handler, c.pk)
    for act in (
        lambda: services.complaint_accept(actor=cw.other_handler, complaint=c),
        lambda: services.complaint_decline(actor=cw.other_handler, complaint=c, reason=REASON),
        lambda: services.complaint_transfer(
            actor=cw.other_handler, complaint=c, agency=cw.other, reason=REASON
        ),
    ):
        with pytest.raises(NotFound):
            act()
    assert _state(c) == before and _events(c) == [Event.SUBMITTED]


def test_another_agencys_handler_gets_404_on_the_pages(cw, client):
    c = submit(cw).complaint
    client.force_login(cw.other_handler)
    assert client.get(reverse("complaints:detail", args=[c.pk])).status_code == 404
    assert client.post(reverse("complaints:accept", args=[c.pk])).status_code == 404
    assert fresh(c).status == Status.SUBMITTED


def test_an_auditor_reads_but_does_not_act(cw):
    c = submit(cw).complaint
    assert selectors.complaint_for(cw.auditor, c.pk) == c
    with pytest.raises(PermissionDenied):
        services.complaint_accept(actor=cw.auditor, complaint=c)


def test_a_complaint_is_accepted_once(cw):
    c = accepted(cw)
    with pytest.raises(Conflict):
        services.complaint_accept(actor=cw.handler, complaint=c)


@pytest.mark.parametrize("reason", ["", "无", "不属于", "。。。"])
def test_declining_needs_a_reason_that_says_something(cw, reason):
    c = submit(cw).complaint
    with pytest.raises(DomainError) as err:
        services.complaint_decline(actor=cw.handler, complaint=c, reason=reason)
    assert err.value.field == "reason"
    assert fresh(c).status == Status.SUBMITTED


def test_a_declined_complaint_shows_the_reason_to_the_complainant(cw, client):
    done = submit(cw)
    services.complaint_decline(
        actor=cw.handler, complaint=done.complaint, reason="所述事项不属于本机关职责范围"
    )
    body = client.post(
        reverse("complaints_public:receipt"), {"code": done.complaint.number, "secret": done.secret}
    ).content.decode()
    assert "不予受理" in body and "不属于本机关职责范围" in body


# --- transfer -------------------------------------------------------------------------------------


def test_a_transfer_moves_the_complaint_and_restarts_the_acceptance_deadline(cw):
    c = submit(cw).complaint
    c = services.complaint_transfer(
        actor=cw.handler, complaint=c, agency=cw.other, reason="涉及低保待遇发放，属民政部门职责"
    )
    assert c.handling_agency == cw.other and c.status == Status.SUBMITTED and c.transfer_count == 1
    services.complaint_accept(actor=cw.other_handler, complaint=c)
    with pytest.raises(PermissionDenied):  # A still reads it (complained about), no longer acts
        services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)


def test_a_second_transfer_escalates_to_the_justice_bureau_instead(cw):
    c = submit(cw).complaint
    c = services.complaint_transfer(actor=cw.handler, complaint=c, agency=cw.other, reason=REASON)
    c = services.complaint_transfer(
        actor=cw.other_handler, complaint=c, agency=cw.agency, reason="应由人社部门办理"
    )
    assert c.handling_agency == cw.other and c.escalated_at is not None and c.transfer_count == 1
    assert _events(c)[-1] == Event.ESCALATED
    with pytest.raises(Conflict):  # the agency cannot try again: the Justice Bureau decides
        services.complaint_transfer(
            actor=cw.other_handler, complaint=c, agency=cw.agency, reason="应由人社部门办理"
        )
    # the Justice Bureau's complaint handler decides where it belongs
    c = services.complaint_transfer(
        actor=cw.jb_handler, complaint=c, agency=cw.agency, reason="经核实属人社部门职责"
    )
    assert c.handling_agency == cw.agency and c.status == Status.SUBMITTED


def test_a_transfer_to_the_same_agency_is_refused(cw):
    c = submit(cw).complaint
    with pytest.raises(DomainError) as err:
        services.complaint_transfer(actor=cw.handler, complaint=c, agency=cw.agency, reason=REASON)
    assert err.value.field == "agency"


# --- extension and answer -------------------------------------------------------------------------


def test_the_answer_deadline_is_extended_once_with_a_reason(cw):
    c = accepted(cw)
    due = c.answer_due
    with pytest.raises(DomainError):
        services.complaint_extend(actor=cw.handler, complaint=c, reason="无")
    c = services.complaint_extend(actor=cw.handler, complaint=c, reason="需调取其他部门的记录")
    assert c.answer_due == add_working_days(due, 10) == c.due_date
    with pytest.raises(Conflict) as err:
        services.complaint_extend(actor=cw.handler, complaint=c, reason="还需要更多时间核实")
    assert err.value.code == "already_extended"
    assert fresh(c).answer_due == add_working_days(due, 10)


def test_no_extension_before_acceptance(cw):
    c = submit(cw).complaint
    with pytest.raises(Conflict):
        services.complaint_extend(actor=cw.handler, complaint=c, reason="需调取其他部门的记录")


@pytest.mark.parametrize(
    ("facts", "measures", "field"),
    [("", MEASURES, "facts"), (FACTS, "", "measures"), ("无", MEASURES, "facts"),
     (FACTS, "测试", "measures"), ("情况属实", MEASURES, "facts")],
)  # fmt: skip
def test_an_answer_states_both_the_facts_found_and_the_measures_taken(cw, facts, measures, field):
    c = accepted(cw)
    with pytest.raises(DomainError) as err:
        services.complaint_answer(actor=cw.handler, complaint=c, facts=facts, measures=measures)
    assert field in {d["field"] for d in err.value.details}
    assert fresh(c).status == Status.ACCEPTED


def test_no_answer_before_acceptance(cw):
    c = submit(cw).complaint
    with pytest.raises(Conflict):
        services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)


def test_the_complainant_reads_the_answer_on_the_receipt_page(cw, client):
    done = submit(cw)
    c = services.complaint_accept(actor=cw.handler, complaint=done.complaint)
    services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)
    body = client.post(
        reverse("complaints_public:receipt"), {"code": c.number, "secret": done.secret}
    ).content.decode()
    assert FACTS in body and MEASURES in body and 'id="rate-form"' in body


# --- rating and reopening -------------------------------------------------------------------------


def test_an_answer_is_rated_once(cw):
    c = answered(cw)
    with pytest.raises(DomainError):
        services.complaint_rate(complaint=c, rating="great")
    services.complaint_rate(complaint=c, rating="fairly")
    with pytest.raises(Conflict) as err:
        services.complaint_rate(complaint=c, rating="satisfied")
    assert err.value.code == "already_rated"
    assert fresh(c).rating == "fairly"


def test_no_rating_before_the_answer(cw):
    c = accepted(cw)
    with pytest.raises(Conflict):
        services.complaint_rate(complaint=c, rating="satisfied")


def test_reopening_once_goes_back_to_the_agency_the_second_escalates_a_third_is_refused(cw):
    c = answered(cw)
    services.complaint_rate(complaint=c, rating="dissatisfied")
    with pytest.raises(DomainError):
        services.complaint_reopen(complaint=c, reason="无")
    c = services.complaint_reopen(complaint=c, reason=REASON)
    assert c.status == Status.ACCEPTED and c.reopen_count == 1 and c.escalated_at is None
    assert c.rating == ""  # the new answer is rated anew
    c = services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)
    c = services.complaint_reopen(complaint=c, reason="仍未说明是否退还材料")
    assert c.escalated_at is not None and c.status == Status.ACCEPTED
    # escalated: the Justice Bureau's complaint handler may answer it too
    c = services.complaint_answer(actor=cw.jb_handler, complaint=c, facts=FACTS, measures=MEASURES)
    with pytest.raises(Conflict) as err:
        services.complaint_reopen(complaint=c, reason="还是不满意这个答复")
    assert err.value.code == "reopen_limit"
    assert fresh(c).status == Status.ANSWERED and fresh(c).reopen_count == 2


def test_reopening_through_the_receipt_page_needs_the_secret(cw, client):
    done = submit(cw)
    c = services.complaint_accept(actor=cw.handler, complaint=done.complaint)
    services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)
    url = reverse("complaints_public:receipt_reopen")
    wrong = client.post(url, {"code": c.number, "secret": "WRONG123", "reason": REASON})
    assert wrong.status_code == 404 and fresh(c).status == Status.ANSWERED
    right = client.post(url, {"code": c.number, "secret": done.secret, "reason": REASON})
    assert right.status_code == 200 and fresh(c).status == Status.ACCEPTED


def test_rating_twice_through_the_receipt_page_is_refused(cw, client):
    done = submit(cw)
    c = services.complaint_accept(actor=cw.handler, complaint=done.complaint)
    services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)
    url = reverse("complaints_public:receipt_rate")
    data = {"code": c.number, "secret": done.secret, "rating": "satisfied"}
    assert client.post(url, data).status_code == 200
    again = client.post(url, {**data, "rating": "dissatisfied"})
    assert again.status_code == 409 and fresh(c).rating == "satisfied"


# --- deadlines: reminders, overdue, supervision orders --------------------------------------------


def test_the_daily_job_reminds_before_the_deadline_once(cw):
    c = submit(cw).complaint
    due = c.due_date
    assert services.remind_and_flag(today=due - dt.timedelta(days=10))["reminded"] == 0
    day = due - dt.timedelta(days=1)
    assert services.remind_and_flag(today=day)["reminded"] == 1
    assert services.remind_and_flag(today=day)["reminded"] == 0
    assert fresh(c).reminded_for == due


def test_the_daily_job_flags_an_overdue_complaint_once(cw):
    c = submit(cw).complaint
    later = c.due_date + dt.timedelta(days=1)
    assert services.remind_and_flag(today=later)["overdue"] == 1
    assert services.remind_and_flag(today=later)["overdue"] == 0
    assert fresh(c).overdue_since == later
    assert Event.OVERDUE in _events(c)


def _make_overdue(c: Complaint) -> Complaint:
    past = timezone.localdate() - dt.timedelta(days=1)
    Complaint.objects.filter(pk=c.pk).update(due_date=past, answer_due=past)
    return fresh(c)


def test_the_justice_bureau_issues_a_supervision_order_once_overdue_and_the_agency_sees_it(
    cw, client
):
    c = accepted(cw)
    with pytest.raises(Conflict) as err:
        services.complaint_supervise(actor=cw.jb_reviewer, complaint=c, note="请尽快办理答复")
    assert err.value.code == "not_overdue"
    c = _make_overdue(c)
    with pytest.raises(PermissionDenied):
        services.complaint_supervise(actor=cw.handler, complaint=c, note="请尽快办理答复")
    services.complaint_supervise(
        actor=cw.jb_reviewer, complaint=c, note="已超期三日，请于本周内答复"
    )
    client.force_login(cw.handler)
    body = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    assert "司法局督办" in body and "已超期三日，请于本周内答复" in body


def test_the_complainant_does_not_see_reminders_supervision_orders_or_identity_views(cw):
    c = _make_overdue(accepted(cw))
    services.remind_and_flag(today=timezone.localdate())
    services.complaint_supervise(actor=cw.jb_handler, complaint=c, note="请尽快办理答复")
    services.complainant_identity(actor=cw.jb_handler, complaint=c)
    public = set(selectors.timeline(c, staff=False).values_list("event", flat=True))
    staff = set(_events(c))
    hidden = {Event.OVERDUE, Event.SUPERVISED, Event.IDENTITY_VIEWED}
    assert hidden <= staff and not hidden & public
    assert {Event.SUBMITTED, Event.ACCEPTED} <= public


# --- the sealed identity --------------------------------------------------------------------------


def test_agency_staff_see_the_identity_sealed(cw, client):
    c = submit(cw).complaint
    client.force_login(cw.handler)
    body = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    assert "（已保密）" in body and "李四" not in body and "李*" not in body and "1111" not in body


def test_agency_staff_cannot_unseal_the_identity(cw, client):
    c = submit(cw).complaint
    with pytest.raises(PermissionDenied):
        services.complainant_identity(actor=cw.w.admin, complaint=c)
    with pytest.raises(PermissionDenied):
        services.complainant_identity(actor=cw.jb_reviewer, complaint=c)
    with pytest.raises(NotFound):
        services.complainant_identity(actor=cw.other_handler, complaint=c)
    client.force_login(cw.handler)
    response = client.post(reverse("complaints:identity", args=[c.pk]))
    assert response.status_code == 403 and "李四" not in response.content.decode()
    assert not AuditEvent.objects.filter(event=Event.IDENTITY_VIEWED).exists()


def test_the_justice_bureaus_complaint_handler_sees_it_and_each_view_is_recorded(cw, client):
    c = submit(cw).complaint
    client.force_login(cw.jb_handler)
    listed = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    assert "李*" in listed and "138****1111" in listed and "李四" not in listed  # masked
    for _ in range(2):
        body = client.post(reverse("complaints:identity", args=[c.pk])).content.decode()
        assert "李四" in body and "13800001111" in body
    views = AuditEvent.objects.filter(event=Event.IDENTITY_VIEWED)
    assert views.count() == 2 and views.first().actor_id == cw.jb_handler.pk


# --- a report of a false commitment opens its verification ----------------------------------------


def _open_task(origin: str):
    from chengnuo.verification.models import VerificationTask

    return VerificationTask.objects.filter(origin_ref=origin).exclude(status="done").get()


def test_accepting_a_false_commitment_report_opens_a_verification_task_linked_both_ways(cw):
    c = report(cw).complaint
    assert not _events(c).count(Event.VERIFICATION_OPENED)
    c = services.complaint_accept(actor=cw.handler, complaint=c)
    c = fresh(c)
    task = _open_task(c.number)
    assert task.commitment == cw.commitment and task.origin_ref == c.number
    assert c.verification_state == VerificationState.OPEN and c.verification_open == 1
    assert c.verification_task_id is not None
    assert Event.VERIFICATION_OPENED in _events(c)


def test_the_answer_waits_for_the_verification_and_cites_its_outcome(cw):
    from chengnuo.verification import internal

    c = services.complaint_accept(actor=cw.handler, complaint=report(cw).complaint)
    with pytest.raises(Conflict) as err:
        services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)
    assert err.value.code == "verification_pending"
    with transaction.atomic():
        internal.task_conclude(
            task=_open_task(c.number), outcome="inconsistent", note="民政婚姻登记信息显示已离婚"
        )
    c = fresh(c)
    assert c.verification_state == VerificationState.INCONSISTENT and c.verification_open == 0
    assert c.verification_task_id is not None
    services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)
    answer = AuditEvent.objects.get(event=Event.ANSWERED)
    assert "经核查承诺不实" in answer.message


def test_an_untrue_finding_from_a_report_goes_into_verifications_handling(cw):
    from chengnuo.verification import internal
    from chengnuo.verification.selectors import task_get_for

    c = services.complaint_accept(actor=cw.handler, complaint=report(cw).complaint)
    task = _open_task(c.number)
    with transaction.atomic():
        internal.task_conclude(task=task, outcome="inconsistent", note="与婚姻登记信息不符")
    task.refresh_from_db()
    assert task.outcome == "inconsistent"  # the officer handles it as any untrue finding
    assert task_get_for(cw.w.officer, task.pk) == task


def test_a_withdrawn_commitment_calls_off_the_verification_and_the_complaint_can_be_answered(cw):
    c = services.complaint_accept(actor=cw.handler, complaint=report(cw).complaint)
    from chengnuo.verification.handlers import withdraw_tasks_of_commitment

    with transaction.atomic():
        withdraw_tasks_of_commitment(commitment=cw.commitment)
    c = fresh(c)
    assert c.verification_open == 0 and "取消" in c.verification_note
    services.complaint_answer(actor=cw.handler, complaint=c, facts=FACTS, measures=MEASURES)


# --- the pages: list, detail, oversight -----------------------------------------------------------


def test_the_agency_list_shows_its_complaints_only(cw, client):
    mine = submit(cw).complaint
    theirs = submit(
        cw,
        kind="attitude",
        agency_id=cw.other.pk,
        matter_id=None,
        item_id=None,
        phone="13911112222",
    ).complaint
    client.force_login(cw.handler)
    body = client.get(reverse("complaints:list")).content.decode()
    assert mine.number in body and theirs.number not in body


def test_staff_without_a_complaint_role_are_refused_the_list(cw, client):
    client.force_login(cw.w.clerk)
    assert client.get(reverse("complaints:list")).status_code == 403


def test_the_list_makes_a_bounded_number_of_queries(cw, client, django_assert_max_num_queries):
    for i in range(6):
        submit(cw, phone=f"1390000{i:04d}")
    client.force_login(cw.handler)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("complaints:list"))
    assert response.content.decode().count("complaints/") >= 6


def test_the_detail_makes_a_bounded_number_of_queries(cw, client, django_assert_max_num_queries):
    c = answered(cw)
    services.complaint_rate(complaint=c, rating="satisfied")
    client.force_login(cw.handler)
    with django_assert_max_num_queries(14):
        client.get(reverse("complaints:detail", args=[c.pk]))


def test_the_oversight_is_for_the_justice_bureau_only(cw, client):
    submit(cw)
    for user in (cw.handler, cw.w.admin, cw.auditor):
        client.force_login(user)
        assert client.get(reverse("complaints:oversight")).status_code == 403
        assert client.get(reverse("complaints:oversight_export")).status_code == 403
    client.force_login(cw.jb_reviewer)
    assert client.get(reverse("complaints:oversight")).status_code == 200


def test_the_oversight_filters_counts_and_finds_clusters(cw, client, settings):
    settings.COMPLAINTS_CLUSTER_MIN = 3
    for i in range(3):
        submit(cw, phone=f"1390000{i:04d}")
    late = _make_overdue(accepted(cw, phone="13700001111"))
    submit(cw, kind="attitude", agency_id=cw.other.pk, matter_id=None, item_id=None,
           phone="13600001111")  # fmt: skip
    client.force_login(cw.jb_handler)
    page = client.get(reverse("complaints:oversight"))
    counts = {r["agency_id"]: r for r in page.context["counts"]}
    assert counts[cw.agency.pk]["total"] == 4 and counts[cw.agency.pk]["overdue"] == 1
    assert counts[cw.other.pk]["total"] == 1
    clusters = {(g["what"], g["id"]) for g in page.context["clusters"]}
    assert ("agency", cw.agency.pk) in clusters and ("matter", cw.w.matter.pk) in clusters
    assert ("agency", cw.other.pk) not in clusters
    overdue = client.get(reverse("complaints:oversight"), {"overdue": "1"})
    assert [c.pk for c in overdue.context["complaints"]] == [late.pk]
    other = client.get(reverse("complaints:oversight"), {"agency": cw.other.pk, "kind": "attitude"})
    assert len(other.context["complaints"]) == 1


def test_the_oversight_makes_a_bounded_number_of_queries(cw, client, django_assert_max_num_queries):
    for i in range(5):
        submit(cw, phone=f"1390000{i:04d}")
    client.force_login(cw.jb_reviewer)
    with django_assert_max_num_queries(14):
        client.get(reverse("complaints:oversight"))


def test_the_export_has_no_personal_data_and_text_is_never_a_formula(cw, client):
    import io

    from openpyxl import load_workbook

    submit(cw, text='=HYPERLINK("http://example.com")' + "窗口要求提供已实行告知承诺的证明")
    client.force_login(cw.jb_handler)
    response = client.get(reverse("complaints:oversight_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v]
    assert "受理编号" in values and not any("李" in v or "1380000" in v for v in values)
    assert not any(v.startswith("=") for v in values)


def test_a_county_justice_bureau_oversees_its_region_only(cw):
    from chengnuo.agencies.constants import Level, Region, Role

    from .factories import AgencyFactory, user_with_role

    county = AgencyFactory(
        name="太和县司法局", kind="justice_bureau", region=Region.TAIHE, level=Level.COUNTY
    )
    outsider = user_with_role(Role.COMPLAINT_HANDLER, county, username="th-ts")
    c = submit(cw).complaint  # agency A is a city agency
    with pytest.raises(NotFound):
        selectors.complaint_for(outsider, c.pk)
    with pytest.raises(NotFound):
        services.complainant_identity(actor=outsider, complaint=c)

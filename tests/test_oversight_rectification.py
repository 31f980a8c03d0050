"""Rectification notices (R-8.1: what the Justice Bureau finds in an agency's portal, case files
and inspections goes to the agency to fix, tracked to closure): one notice per finding with a
deadline, the agency's admin reports what it did, the bureau closes it or returns it, every
step on record. And the ways around it: a second notice for the same finding, a deadline in
the past, placeholder text, another county's agency, another agency's admin answering, closing
a notice nobody answered, answering twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from chengnuo.agencies.constants import Level, Region, Role
from chengnuo.audit.models import AuditEvent
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.oversight import selectors_rectification as selectors
from chengnuo.oversight import services_keytasks as kt
from chengnuo.oversight import services_rectification as services
from chengnuo.oversight.constants_rectification import Event, Status
from chengnuo.oversight.models import Rectification

from .factories import AgencyFactory, user_with_role

pytestmark = pytest.mark.django_db

TEXT = "政务服务网未公布该事项的告知承诺书，请在期限内公布并报送整改情况。"
ANSWER = "已在政务服务网公布该事项的告知承诺书，并对其他事项逐项核对。"


class W:
    def __init__(self) -> None:
        self.city_jb = AgencyFactory(name="阜阳市司法局", kind="justice_bureau", level=Level.CITY)
        self.county_jb = AgencyFactory(
            name="太和县司法局", kind="justice_bureau", level=Level.COUNTY, region=Region.TAIHE
        )
        self.a = AgencyFactory(name="颍州区民政局", level=Level.COUNTY, region=Region.YINGZHOU)
        self.b = AgencyFactory(name="太和县民政局", level=Level.COUNTY, region=Region.TAIHE)
        self.reviewer = user_with_role(Role.JUSTICE_REVIEWER, self.city_jb, username="zg-sfj")
        self.county = user_with_role(Role.JUSTICE_REVIEWER, self.county_jb, username="zg-thsfj")
        self.admin_a = user_with_role(Role.AGENCY_ADMIN, self.a, username="zg-a")
        self.admin_b = user_with_role(Role.AGENCY_ADMIN, self.b, username="zg-b")
        self.clerk_a = user_with_role(Role.WINDOW_CLERK, self.a, username="zg-clerk")
        # any saved row stands for a finding here (each part passes its own)
        self.finding = kt.key_task_save(
            actor=self.reviewer, heading="目录清单公布", responsible_ids=[self.a.pk],
            requirement="在政务服务网公布实行告知承诺制的证明事项目录清单",
        )  # fmt: skip
        self.other_finding = kt.key_task_save(
            actor=self.reviewer, heading="文本公布", responsible_ids=[self.a.pk],
            requirement="在政务服务网公布告知承诺书和办事指南文本",
        )  # fmt: skip


@pytest.fixture
def w():
    return W()


def _issue(w, actor=None, agency=None, finding=None, **kw):
    data = {
        "actor": actor or w.reviewer, "agency": agency or w.a, "source": "portal_check",
        "target": finding or w.finding, "title": "未公布告知承诺书", "text": TEXT,
        "deadline": timezone.localdate() + dt.timedelta(days=15),
    }  # fmt: skip
    data.update(kw)
    return services.rectification_issue(**data)


def test_a_finding_goes_to_the_agency_with_a_deadline_and_is_tracked_to_closure(w):
    row = _issue(w)
    assert row.status == Status.OPEN and row.number.startswith("ZG") and not row.overdue
    assert list(selectors.listing(w.admin_a)) == [row]
    services.rectification_answer(actor=w.admin_a, rectification=row, answer=ANSWER)
    row.refresh_from_db()
    assert row.status == Status.ANSWERED and row.answered_by == w.admin_a
    services.rectification_close(actor=w.reviewer, rectification=row)
    row.refresh_from_db()
    assert row.status == Status.CLOSED and row.closed_by == w.reviewer
    kinds = list(
        AuditEvent.objects.filter(target_id=str(row.pk), event__startswith="oversight.rect")
        .order_by("id")
        .values_list("event", flat=True)
    )
    assert kinds == [Event.ISSUED, Event.ANSWERED, Event.CLOSED]
    assert [e.event for e in selectors.history(row)] == kinds


def test_a_returned_answer_goes_back_with_the_reason_and_both_answers_are_on_record(
    w,
):
    row = _issue(w)
    services.rectification_answer(actor=w.admin_a, rectification=row, answer=ANSWER)
    with pytest.raises(DomainError) as exc:
        services.rectification_return(actor=w.reviewer, rectification=row, reason="略")
    assert exc.value.code == "placeholder"
    services.rectification_return(
        actor=w.reviewer, rectification=row, reason="公布的承诺书仍是旧版本，未按新模板更新"
    )
    row.refresh_from_db()
    assert row.status == Status.OPEN and "旧版本" in row.review_note
    services.rectification_answer(
        actor=w.admin_a, rectification=row, answer="已按新模板重新公布告知承诺书并核对版本号。"
    )
    answers = AuditEvent.objects.filter(target_id=str(row.pk), event=Event.ANSWERED)
    assert answers.count() == 2


def test_one_notice_per_finding(w):
    _issue(w)
    with pytest.raises(Conflict):
        _issue(w, title="再次下发")
    assert Rectification.objects.count() == 1
    _issue(w, finding=w.other_finding)
    assert Rectification.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("text", "", "required"),
        ("text", "无", "placeholder"),
        ("text", "请整改", "too_short"),
        ("title", "略", "placeholder"),
        ("deadline", None, "required"),
        ("deadline", "today", "invalid_period"),
        ("deadline", "past", "invalid_period"),
        ("deadline", "two_years", "invalid_period"),
    ],
)
def test_a_notice_says_what_to_fix_and_by_a_date_after_today(w, field, value, code):
    today = timezone.localdate()
    value = {
        "today": today, "past": today - dt.timedelta(days=1),
        "two_years": today + dt.timedelta(days=730),
    }.get(value, value)  # fmt: skip
    with pytest.raises(DomainError) as exc:
        _issue(w, **{field: value})
    assert code in {d["code"] for d in exc.value.details}
    assert not Rectification.objects.exists()


def test_a_county_bureau_issues_only_to_its_region_and_reads_only_its_region(w):
    with pytest.raises(NotFound):
        _issue(w, actor=w.county, agency=w.a)
    row_b = _issue(w, actor=w.county, agency=w.b)
    row_a = _issue(w, finding=w.other_finding)
    assert list(selectors.listing(w.county)) == [row_b]
    with pytest.raises(NotFound):
        selectors.get_for(w.county, row_a.pk)
    with pytest.raises(NotFound):
        services.rectification_close(actor=w.county, rectification=row_a)


def test_only_the_agencys_admin_answers_and_another_agency_sees_nothing(w):
    row = _issue(w)
    with pytest.raises(NotFound):
        services.rectification_answer(actor=w.admin_b, rectification=row, answer=ANSWER)
    with pytest.raises(NotFound):
        selectors.get_for(w.admin_b, row.pk)
    with pytest.raises(PermissionDenied):  # the bureau does not answer for the agency
        services.rectification_answer(actor=w.reviewer, rectification=row, answer=ANSWER)
    with pytest.raises(NotFound):
        services.rectification_answer(actor=w.clerk_a, rectification=row, answer=ANSWER)
    assert list(selectors.listing(w.admin_b)) == []


def test_an_agency_cannot_close_its_own_notice_nor_answer_twice_nor_close_before_an_answer(w):
    row = _issue(w)
    with pytest.raises(Conflict):
        services.rectification_close(actor=w.reviewer, rectification=row)
    services.rectification_answer(actor=w.admin_a, rectification=row, answer=ANSWER)
    with pytest.raises(PermissionDenied):
        services.rectification_close(actor=w.admin_a, rectification=row)
    with pytest.raises(Conflict):
        services.rectification_answer(actor=w.admin_a, rectification=row, answer=ANSWER)
    services.rectification_close(actor=w.reviewer, rectification=row)
    with pytest.raises(Conflict):
        services.rectification_return(
            actor=w.reviewer, rectification=row, reason="销号后不能再退回整改情况"
        )


def test_a_notice_past_its_deadline_is_overdue_until_closed(w):
    row = _issue(w)
    Rectification.objects.filter(pk=row.pk).update(deadline=timezone.localdate() - dt.timedelta(1))
    row.refresh_from_db()
    assert row.overdue
    assert list(selectors.listing(w.reviewer, overdue=True)) == [row]
    services.rectification_answer(actor=w.admin_a, rectification=row, answer=ANSWER)
    row.refresh_from_db()
    assert row.overdue  # answered late: overdue until the bureau closes it
    services.rectification_close(actor=w.reviewer, rectification=row)
    row.refresh_from_db()
    assert not row.overdue
    assert list(selectors.listing(w.reviewer, overdue=True)) == []


def test_the_pages_answer_and_close_and_keep_what_was_typed_on_a_refusal(w, client):
    row = _issue(w)
    client.force_login(w.admin_a)
    url = reverse("oversight:rectification", args=[row.pk])
    response = client.post(url, {"action": "answer", "answer": "无", "evidence": "网址"})
    assert response.status_code == 400
    assert "网址" in response.content.decode()
    response = client.post(url, {"action": "answer", "answer": ANSWER})
    assert response.status_code == 302
    client.force_login(w.reviewer)
    page = client.get(url).content.decode()
    assert "整改到位，销号" in page and ANSWER in page
    assert client.post(url, {"action": "close"}).status_code == 302
    row.refresh_from_db()
    assert row.status == Status.CLOSED
    listing = client.get(reverse("oversight:rectifications") + "?status=closed").content.decode()
    assert row.number in listing


def test_the_list_and_the_notice_take_a_bounded_number_of_queries(
    w, client, django_assert_max_num_queries
):
    rows = [_issue(w)]
    for i in range(12):
        finding = kt.key_task_save(
            actor=w.reviewer, heading=f"第{i}项问题", responsible_ids=[w.a.pk, w.b.pk],
            requirement="在政务服务网公布实行告知承诺制的证明事项目录清单",
        )  # fmt: skip
        rows.append(_issue(w, finding=finding, agency=w.a if i % 2 else w.b))
    client.force_login(w.reviewer)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("oversight:rectifications")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("oversight:rectification", args=[rows[0].pk])).status_code == 200

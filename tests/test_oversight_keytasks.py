"""The key-task table (R-8.3: the annex's key tasks — 公布目录清单, 制发文本材料, 推进信息共享,
严格信用监管, 强化督查考核 — with lead and responsible units and deadlines, tracked): the annex
loads as data, units report progress monthly with evidence, states and overdue flags follow,
a county bureau sees its region only, custom tasks, and the joint inspection of the Justice
Bureau, the data bureau and the development and reform commission with members from each.
And the ways around it: another agency's report, a placeholder, "done" without evidence, a
unit that is not one, a second report in a month, an inspection without one of the three."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chengnuo.agencies.constants import Level, Region, Role
from chengnuo.audit.models import AuditEvent
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.oversight import selectors_keytasks as selectors
from chengnuo.oversight import services_keytasks as services
from chengnuo.oversight.annex import ROWS, load_annex
from chengnuo.oversight.constants_keytasks import Event, TaskState
from chengnuo.oversight.models import JointInspection, KeyTask, KeyTaskReport

from .factories import AgencyFactory, user_with_role

pytestmark = pytest.mark.django_db

TRAINING = "组织窗口人员学习告知承诺制工作规程"
TEXT = "已在本局门户网站公布实行告知承诺制的证明事项目录清单，并逐项核对了设定依据。"
FINDINGS = "督查发现部分单位未公布目录清单，已通报并限期整改"
EVIDENCE = "门户网站“告知承诺制”专栏；阜人社〔2026〕12号"


class W:
    def __init__(self) -> None:
        self.city_jb = AgencyFactory(name="阜阳市司法局", kind="justice_bureau", level=Level.CITY)
        self.county_jb = AgencyFactory(
            name="颍州区司法局", kind="justice_bureau", level=Level.COUNTY, region=Region.YINGZHOU
        )
        self.data = AgencyFactory(name="阜阳市数据资源管理局", kind="data_bureau", level=Level.CITY)
        self.fgw = AgencyFactory(
            name="阜阳市发展和改革委员会", kind="credit_authority", level=Level.CITY
        )
        self.rsj = AgencyFactory(name="阜阳市人社局", level=Level.CITY, region=Region.FUYANG)
        self.yz = AgencyFactory(name="颍州区人社局", level=Level.COUNTY, region=Region.YINGZHOU)
        self.reviewer = user_with_role(Role.JUSTICE_REVIEWER, self.city_jb, username="kt-sfj")
        self.county = user_with_role(Role.JUSTICE_REVIEWER, self.county_jb, username="kt-yzsfj")
        self.data_user = user_with_role(Role.DATA_ADMIN, self.data, username="kt-sjj")
        self.fgw_user = user_with_role(Role.CREDIT_OFFICER, self.fgw, username="kt-fgw")
        self.rsj_admin = user_with_role(Role.AGENCY_ADMIN, self.rsj, username="kt-rsj")
        self.yz_admin = user_with_role(Role.AGENCY_ADMIN, self.yz, username="kt-yz")
        self.clerk = user_with_role(Role.WINDOW_CLERK, self.rsj, username="kt-clerk")


@pytest.fixture
def w():
    world = W()
    load_annex(year=timezone.localdate().year)
    return world


def _task(number: str) -> KeyTask:
    return KeyTask.objects.get(number=number)


def test_the_annex_loads_its_five_tasks_with_their_units_and_deadlines_once(w):
    headings = list(KeyTask.objects.values_list("heading", flat=True))
    assert len(headings) == len(ROWS)
    for name in ("公布目录清单", "制发文本材料", "推进信息共享", "严格信用监管", "强化督查考核"):
        assert any(name in h for h in headings)
    texts = _task("FJ02")
    assert list(texts.lead_agencies.all()) == [w.city_jb] and texts.all_agencies
    assert _task("FJ04").due_date is None  # 长期
    assert _task("FJ01").due_date == dt.date(timezone.localdate().year, 3, 15)
    assert set(_task("FJ07").lead_agencies.all()) == {w.city_jb, w.data, w.fgw}
    assert load_annex(year=2030) == [] and KeyTask.objects.count() == len(ROWS)


def test_a_unit_reports_monthly_and_its_state_follows(w):
    task = _task("FJ04")  # long-term: never overdue
    services.progress_report(
        actor=w.rsj_admin, task=task, agency=w.rsj, progress="under_way", text=TEXT
    )
    row = selectors.task_for(w.reviewer, task.pk)
    cell = next(c for c in row["cells"] if c["agency"] == w.rsj)
    assert cell["state"] == TaskState.UNDER_WAY and cell["this_month"]
    other = next(c for c in row["cells"] if c["agency"] == w.yz)
    assert other["state"] == TaskState.NOT_REPORTED
    # a second report the same month corrects the first: one row, two events
    services.progress_report(
        actor=w.rsj_admin, task=task, agency=w.rsj, progress="done", text=TEXT, evidence=EVIDENCE
    )
    assert KeyTaskReport.objects.filter(task=task, agency=w.rsj).count() == 1
    assert AuditEvent.objects.filter(event=Event.PROGRESS_REPORTED).count() == 2
    row = selectors.task_for(w.reviewer, task.pk)
    assert next(c for c in row["cells"] if c["agency"] == w.rsj)["state"] == TaskState.DONE


def test_a_unit_past_its_deadline_without_done_is_overdue(w):
    task = _task("FJ01")
    task.due_date = timezone.localdate() - dt.timedelta(days=1)
    task.save(update_fields=["due_date"])
    services.progress_report(
        actor=w.rsj_admin, task=task, agency=w.rsj, progress="under_way", text=TEXT
    )
    row = selectors.task_for(w.reviewer, task.pk)
    states = {c["agency"]: c["state"] for c in row["cells"]}
    assert states[w.rsj] == TaskState.OVERDUE and states[w.yz] == TaskState.OVERDUE
    assert row["overdue"] == len(row["cells"])


@pytest.mark.parametrize(
    "progress, text, evidence, code",
    [
        ("", TEXT, "", "required"),
        ("done", TEXT, "", "required"),  # done needs its evidence
        ("under_way", "无", "", "placeholder"),
        ("under_way", "已推进", "", "too_short"),
        ("finished", TEXT, "", "required"),
    ],
)
def test_a_report_without_content_is_refused(w, progress, text, evidence, code):
    with pytest.raises(DomainError) as err:
        services.progress_report(
            actor=w.rsj_admin, task=_task("FJ01"), agency=w.rsj, progress=progress, text=text,
            evidence=evidence,
        )  # fmt: skip
    assert err.value.code == code
    assert not KeyTaskReport.objects.exists()


def test_only_the_units_own_admin_reports_for_it(w):
    task = _task("FJ01")
    for actor in (w.yz_admin, w.clerk, w.reviewer):
        with pytest.raises(NotFound):
            services.progress_report(
                actor=actor, task=task, agency=w.rsj, progress="under_way", text=TEXT
            )
    custom = services.key_task_save(
        actor=w.reviewer, heading="窗口人员培训", requirement=TRAINING,
        responsible_ids=[w.yz.pk],
    )  # fmt: skip
    with pytest.raises(PermissionDenied):  # the admin's agency is not a unit of this task
        services.progress_report(
            actor=w.rsj_admin, task=custom, agency=w.rsj, progress="under_way", text=TEXT
        )
    assert not KeyTaskReport.objects.exists()


def test_a_county_bureau_sees_only_its_regions_units(w):
    row = selectors.task_for(w.county, _task("FJ01").pk)
    assert {c["agency"] for c in row["cells"]} == {w.yz}
    admin_rows = selectors.table(w.yz_admin)
    assert all({c["agency"] for c in r["cells"]} == {w.yz} for r in admin_rows)
    assert selectors.table(w.clerk) == []


def test_a_county_bureau_sets_tasks_for_its_region_only(w):
    with pytest.raises(DomainError) as err:
        services.key_task_save(
            actor=w.county, heading="窗口人员培训", requirement=TRAINING,
            responsible_ids=[w.rsj.pk],
        )  # fmt: skip
    assert err.value.code == "invalid_agency"
    with pytest.raises(DomainError):
        services.key_task_save(
            actor=w.county, heading="窗口人员培训", requirement=TRAINING,
            all_agencies=True,
        )  # fmt: skip
    task = services.key_task_save(
        actor=w.county, heading="窗口人员培训", requirement=TRAINING,
        responsible_ids=[w.yz.pk], due_date=timezone.localdate() + dt.timedelta(days=30),
    )  # fmt: skip
    assert task.number.startswith("ZD") and task.origin == "custom"
    with pytest.raises(PermissionDenied):
        services.key_task_save(actor=w.rsj_admin, heading="自行添加", requirement=TEXT)


def test_a_joint_inspection_needs_members_of_all_three_bureaus(w):
    today = timezone.localdate()
    kw = {
        "title": "全市告知承诺制联合督查",
        "scope": "对全市证明事项告知承诺办理情况开展联合督查并通报",
        "start": today,
        "end": today + dt.timedelta(days=20),
    }
    with pytest.raises(DomainError) as err:
        services.joint_plan(actor=w.reviewer, member_ids=[w.reviewer.pk, w.data_user.pk], **kw)
    assert err.value.code == "invalid_member" and "发展改革委" in err.value.message
    with pytest.raises(DomainError):  # an ordinary agency's admin is not a member
        services.joint_plan(
            actor=w.reviewer,
            member_ids=[w.reviewer.pk, w.data_user.pk, w.fgw_user.pk, w.rsj_admin.pk],
            **kw,
        )
    with pytest.raises(PermissionDenied):
        services.joint_plan(
            actor=w.rsj_admin, member_ids=[w.reviewer.pk, w.data_user.pk, w.fgw_user.pk], **kw
        )
    j = services.joint_plan(
        actor=w.reviewer, member_ids=[w.reviewer.pk, w.data_user.pk, w.fgw_user.pk], **kw
    )
    assert {m.agency.kind for m in j.members.all()} == {
        "justice_bureau", "data_bureau", "credit_authority"
    }  # fmt: skip
    # a member records the findings; an outsider cannot
    with pytest.raises(NotFound):
        services.joint_conclude(
            actor=w.rsj_admin,
            inspection=j,
            findings=FINDINGS,
        )
    done = services.joint_conclude(actor=w.data_user, inspection=j, findings=FINDINGS)
    assert done.status == "done"
    assert JointInspection.objects.get(pk=j.pk).findings.startswith("督查发现")


def test_the_table_page_shows_states_and_lets_the_unit_report(w, client):
    client.force_login(w.rsj_admin)
    task = _task("FJ01")
    page = client.get(reverse("oversight:key_tasks")).content.decode()
    assert "公布目录清单" in page and "本月未报送" in page
    bad = client.post(
        reverse("oversight:key_task_report", args=[task.pk]),
        {"agency": w.rsj.pk, "progress": "done", "text": TEXT, "evidence": ""},
    )
    assert bad.status_code == 400 and "佐证材料" in bad.content.decode()
    client.post(
        reverse("oversight:key_task_report", args=[task.pk]),
        {"agency": w.rsj.pk, "progress": "done", "text": TEXT, "evidence": EVIDENCE},
    )
    assert KeyTaskReport.objects.get(task=task, agency=w.rsj).progress == "done"
    client.force_login(w.reviewer)
    detail = client.get(reverse("oversight:key_task", args=[task.pk])).content.decode()
    assert EVIDENCE in detail and "已完成" in detail
    client.force_login(w.clerk)
    assert client.get(reverse("oversight:key_tasks")).status_code == 403


def test_the_table_page_does_not_grow_in_queries_with_units_and_reports(w, client):
    client.force_login(w.reviewer)
    url = reverse("oversight:key_tasks")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(8):
        agency = AgencyFactory(name=f"阜阳市测试局{i}", level=Level.CITY)
        admin = user_with_role(Role.AGENCY_ADMIN, agency, username=f"kt-extra{i}")
        services.progress_report(
            actor=admin, task=_task("FJ01"), agency=agency, progress="under_way", text=TEXT
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_reports_of_one_unit_at_once_leave_one_row(transactional_db):
    from .races import race

    w = W()
    load_annex(year=timezone.localdate().year)
    task = _task("FJ04")
    results, errors = race(
        lambda: services.progress_report(
            actor=w.rsj_admin, task=task, agency=w.rsj, progress="under_way", text=TEXT
        ),
        lambda: services.progress_report(
            actor=w.rsj_admin, task=task, agency=w.rsj, progress="done", text=TEXT,
            evidence=EVIDENCE,
        ),
    )  # fmt: skip
    assert errors == [] and len(results) == 2
    assert KeyTaskReport.objects.filter(task=task, agency=w.rsj).count() == 1
    assert AuditEvent.objects.filter(event=Event.PROGRESS_REPORTED).count() == 2

"""一公开 and the pages (R-4.3, R-4.4, R-5.3): published results reach the 互联网+监管
platform signed and exactly once, even across an outage; the public API and pages show draws
anyone can recompute (no personal data); staff pages are scoped; key supervision lists and
the parity report with its flagged stratum."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from chengnuo.sandbox import start
from chengnuo.supervision import draw as algorithm
from chengnuo.supervision import key_supervision, parity_report, push, services
from chengnuo.supervision.constants import PushStatus, TaskStatus
from chengnuo.supervision.models import (
    InspectionItem,
    InspectionTask,
    KeySupervision,
    RegulatoryPlatform,
    ResultPush,
    SubjectEntry,
)

from .factories import PASSWORD
from .supervision_helpers import add_entries, build_sup, plan, run_draw

pytestmark = pytest.mark.django_db
APP_KEY = "hlwjg-test"
SECRET = "hlwjg-secret"


@pytest.fixture
def sandbox():
    server = start(0, app_key=APP_KEY, secret=SECRET)
    yield server
    server.stop()


@pytest.fixture
def sup():
    s = build_sup()
    add_entries(s, 30, credit_class="A")
    add_entries(s, 10, credit_class="C", route="proof")
    return s


def _published_task(sup):
    d = run_draw(sup, plan(sup))
    task = d.tasks.order_by("id").first()
    services.task_complete(
        actor=task.inspectors.first().user,
        task=task,
        outcome="no_problem",
        findings="现场检查台账齐全，未发现问题",
    )
    return d, services.task_publish(actor=sup.w.admin, task=task)


def test_a_published_result_is_pushed_signed_and_received_once_across_an_outage(
    sup, sandbox, django_capture_on_commit_callbacks
):
    RegulatoryPlatform.objects.create(
        name="互联网+监管",
        base_url=sandbox.base_url,
        app_key=APP_KEY,
        secret=SECRET,
        timeout_seconds=5,
    )
    sandbox.results_down = 1
    with django_capture_on_commit_callbacks(execute=True):
        _, task = _published_task(sup)
    row = ResultPush.objects.get(task=task)
    assert row.status == PushStatus.FAILED and row.attempts == 1 and "503" in row.last_error
    later = timezone.now() + dt.timedelta(hours=2)
    assert push.deliver_due(now=later) == 1
    assert push.deliver_due(now=later + dt.timedelta(hours=2)) == 0  # delivered: never again
    row.refresh_from_db()
    assert row.status == PushStatus.DELIVERED and row.receipt.startswith("HLWJG-")
    with sandbox.lock:
        received = list(sandbox.results.values())
    assert len(received) == 1
    body = received[0]["body"]
    assert body["task"] == task.number and body["outcome"] == "no_problem"
    assert "id_number" not in json.dumps(body) and task.entry.subject.name in json.dumps(
        body, ensure_ascii=False
    )
    # a repeated delivery (the worker crashed after the platform answered) is stored once
    ResultPush.objects.filter(pk=row.pk).update(status=PushStatus.PENDING)
    assert push.deliver(row.pk, now=later) is True
    with sandbox.lock:
        assert len(sandbox.results) == 1


def test_a_wrong_secret_is_refused_and_stays_for_retry(
    sup, sandbox, django_capture_on_commit_callbacks
):
    RegulatoryPlatform.objects.create(
        name="互联网+监管",
        base_url=sandbox.base_url,
        app_key=APP_KEY,
        secret="wrong",
        timeout_seconds=5,
    )
    with django_capture_on_commit_callbacks(execute=True):
        _, task = _published_task(sup)
    row = ResultPush.objects.get(task=task)
    assert row.status == PushStatus.FAILED and "401" in row.last_error
    assert not sandbox.results


def test_the_public_api_lists_draws_newest_first_and_the_detail_recomputes(client, sup):
    first = run_draw(sup, plan(sup))
    second = run_draw(sup, plan(sup))
    listed = client.get("/api/v1/supervision/draws").json()["results"]
    assert [d["id"] for d in listed][:2] == [second.pk, first.pk]
    detail = client.get(f"/api/v1/supervision/draws/{first.pk}").json()
    assert set(detail) >= {"id", "algorithm", "seed", "pool", "pool_digest", "quota", "selected"}
    assert algorithm.recompute(detail) == []
    text = json.dumps(detail, ensure_ascii=False)
    assert "有限公司" not in text and "uscc" not in text  # opaque references only
    key = detail["strata"][0]["key"]
    pool = client.get(detail["strata"][0]["pool_url"])
    assert (
        pool.status_code == 200 and pool.content.decode().split("\n") == detail["strata"][0]["pool"]
    )
    assert key in ("A", "C")
    assert client.get("/api/v1/supervision/draws/999999").status_code == 404
    assert client.get("/api/v1/supervision/draws/99999999999").status_code == 404


def test_a_pending_draw_shows_commitments_but_no_seed(client, sup):
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    detail = client.get(f"/api/v1/supervision/draws/{d.pk}").json()
    assert detail["seed"] is None and detail["pool"] is None
    assert detail["shares"][0]["commitment"] and detail["shares"][0]["share"] is None


def test_public_pages_show_items_draws_and_results_without_login(
    client, sup, django_assert_max_num_queries
):
    d, task = _published_task(sup)
    for url in (
        "/supervision/",
        "/supervision/items/",
        "/supervision/draws/",
        f"/supervision/draws/{d.pk}/",
        "/supervision/results/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "R-4" not in response.content.decode()
    page = client.get(f"/supervision/draws/{d.pk}/").content.decode()
    assert "结果一致" in page and d.seed in page and "如何自行重算" in page
    results = client.get(
        "/supervision/results/", {"subject": task.entry.subject.name[:3]}
    ).content.decode()
    assert task.entry.subject.display_name in results
    xlsx = client.get("/supervision/items/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    with django_assert_max_num_queries(12):
        client.get("/supervision/results/")
    with django_assert_max_num_queries(14):
        client.get(f"/supervision/draws/{d.pk}/")


def test_a_draw_page_of_a_missing_draw_is_404(client, db):
    assert client.get("/supervision/draws/424242/").status_code == 404


def test_staff_pages_are_scoped_to_the_plans_agencies(client, sup):
    from .factories import AgencyFactory, user_with_role

    d = run_draw(sup, plan(sup))
    task = d.tasks.first()
    stranger = user_with_role("agency_admin", AgencyFactory(), username="C-admin")
    client.login(username=stranger.username, password=PASSWORD)
    assert client.get(f"/staff/supervision/plans/{d.plan_id}/").status_code == 404
    assert client.get(f"/staff/supervision/tasks/{task.pk}/").status_code == 404
    response = client.post(
        f"/staff/supervision/plans/{d.plan_id}/redraw/",
        {"draw": d.pk, "reason": "越权重新抽取试一试"},
    )
    assert response.status_code == 404
    d.refresh_from_db()
    assert d.status == "done"


def test_the_inspector_completes_the_task_on_the_phone_page(client, sup):
    d = run_draw(sup, plan(sup))
    task = d.tasks.first()
    inspector = task.inspectors.first().user
    client.login(username=inspector.username, password=PASSWORD)
    assert (
        task.entry.subject.display_name in client.get("/staff/supervision/tasks/").content.decode()
    )
    page = client.get(f"/staff/supervision/tasks/{task.pk}/").content.decode()
    assert "录入检查结果" in page and sup.item.content in page
    bad = client.post(
        f"/staff/supervision/tasks/{task.pk}/", {"outcome": "no_problem", "findings": "无"}
    )
    assert bad.status_code == 400 and "占位" in bad.content.decode()
    ok = client.post(
        f"/staff/supervision/tasks/{task.pk}/",
        {"outcome": "rectify", "findings": "消防通道堵塞，责令立即整改"},
    )
    assert ok.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.outcome == "rectify"


def test_the_plan_page_runs_the_whole_draw_for_its_admin_and_the_justice_bureau(client, sup):
    p = plan(sup, joint=False)
    client.login(username=sup.w.admin.username, password=PASSWORD)
    client.post(f"/staff/supervision/plans/{p.pk}/draw/")
    d = p.draws.get()
    client.logout()
    client.login(username=sup.justice.username, password=PASSWORD)
    assert "等待市司法局" in client.get("/staff/supervision/plans/").content.decode()
    client.post(f"/staff/supervision/plans/{p.pk}/commit/", {"draw": d.pk})
    client.logout()
    client.login(username=sup.w.admin.username, password=PASSWORD)
    client.post(f"/staff/supervision/plans/{p.pk}/run/", {"draw": d.pk})
    d.refresh_from_db()
    assert d.status == "done" and InspectionTask.objects.filter(draw=d).count() == d.quota


def test_the_plan_form_refuses_selection_by_route_naming_the_rule(client, sup):
    client.login(username=sup.w.admin.username, password=PASSWORD)
    response = client.post(
        "/staff/supervision/plans/new/",
        {
            "lead": sup.lead.pk,
            "title": "按承诺人抽查",
            "period_kind": "yearly",
            "start": "2026-01-01",
            "end": "2026-12-31",
            "items": [sup.item.pk],
            "stratify": "credit_class",
            "regions": ["yingzhou"],
        },
    )
    assert response.status_code == 302  # regions are allowed
    assert sup.lead.supervision_plans.count() == 1


def test_key_supervision_lists_poor_credit_and_removes_it_when_it_improves(sup):
    listed, removed = key_supervision.refresh()
    poor = SubjectEntry.objects.filter(credit_class="C").count()
    assert listed == poor and removed == 0
    assert (
        KeySupervision.objects.filter(reason="credit_class", removed_at__isnull=True).count()
        == poor
    )
    SubjectEntry.objects.filter(credit_class="C").update(credit_class="A")
    # reclassify() recomputes only subjects with credit records; these have none and stay A
    listed, removed = key_supervision.refresh()
    assert removed == poor
    assert key_supervision.refresh() == (0, 0)


def test_a_parity_report_flags_the_stratum_where_those_who_committed_are_inspected_more(sup):
    more = add_entries(sup, 30, credit_class="B", route="commitment", prefix="承诺")
    fewer = add_entries(sup, 30, credit_class="B", route="proof", prefix="证明")
    d = run_draw(sup, plan(sup))
    # an insider's tasks on top of the draw: 20 of 30 committed, 2 of 30 proved
    for entry in more[:20] + fewer[:2]:
        InspectionTask.objects.create(
            number=f"X{entry.pk}", plan=d.plan, draw=d, entry=entry, due_date=timezone.localdate()
        ).items.add(sup.item)
    report = parity_report.report_create(
        actor=sup.w.admin, agency=sup.lead, quarter=parity_report.quarter_of(timezone.localdate())
    )
    flagged = [r for r in report.rows if r["inspection"]["flagged"]]
    assert [r["stratum"] for r in flagged] == [f"B类 · {sup.item.name}"]
    assert report.flagged == 1
    assert "<svg" in parity_report.chart(report) and "偏高" in parity_report.chart(report)
    again = parity_report.report_create(actor=sup.w.admin, agency=sup.lead, quarter=report.quarter)
    assert again.pk == report.pk


def test_the_justice_bureau_reads_the_parity_report_page(client, sup):
    report = parity_report.report_create(
        actor=sup.w.admin, agency=sup.lead, quarter=parity_report.quarter_of(timezone.localdate())
    )
    client.login(username=sup.justice.username, password=PASSWORD)
    page = client.get(reverse("supervision:parity_report", args=[report.pk]))
    assert page.status_code == 200 and "<svg" in page.content.decode()


def test_an_agency_admin_keeps_the_item_list_on_its_page_and_placeholders_are_refused(client, sup):
    client.login(username=sup.w.admin.username, password=PASSWORD)
    data = {
        "agency": sup.lead.pk, "code": "A-CC-9", "name": "就业补助资金使用情况检查",
        "kind": "general", "legal_basis": "无", "content": "检查补助资金发放对象是否符合条件",
        "matters": [sup.w.matter.pk], "method": "documents", "frequency": "yearly",
        "ratio_A": "3", "ratio_B": "5", "ratio_C": "10", "ratio_D": "20",
    }  # fmt: skip
    refused = client.post("/staff/supervision/items/new/", data)
    assert refused.status_code == 400 and "占位" in refused.content.decode()
    data["legal_basis"] = "《就业补助资金管理办法》第二十条"
    data["ratio_A"] = "2"
    refused = client.post("/staff/supervision/items/new/", data)
    assert refused.status_code == 400 and "不得低于3%" in refused.content.decode()
    data["ratio_A"] = "3"
    assert client.post("/staff/supervision/items/new/", {**data, "publish": "1"}).status_code == 302
    item = InspectionItem.objects.get(code="A-CC-9")
    assert item.published and item.ratio_by_class["D"] == 20
    client.logout()
    client.login(username=sup.member_admin.username, password=PASSWORD)
    assert client.get(f"/staff/supervision/items/{item.pk}/").status_code == 404

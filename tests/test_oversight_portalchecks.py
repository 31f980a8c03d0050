"""The daily portal check (R-8.1: the Justice Bureau tracks each agency's portal content —
浏览政务服务网站): per agency and day, what the public portal publishes — the catalog (R-7.1); for
each item under commitment the notification, commitment letter, service guide and work rules
(R-3.4); the "实行告知承诺制" marking in the guide's materials (R-3.5); no linter findings
(R-3.2); the legal basis cited (R-3.1) — and what changed since the last check. Findings are
one row per gap while it lasts, listed per agency with dates and sent to the agency to fix.

And the ways around it: a draft that is not published, a catalog version not yet in force, a
removed item, a placeholder legal basis (无, 略), a second run the same day, a second send of a
finding, another agency's finding id, a county reviewer reaching another county's agency, an
agency admin of B reading A's findings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chengnuo.agencies.constants import Level, Region, Role
from chengnuo.audit.models import AuditEvent
from chengnuo.catalog.constants import ItemStatus
from chengnuo.catalog.models import CatalogVersion, CertificationItem
from chengnuo.core.errors import Conflict, DomainError, NotFound
from chengnuo.documents import guides
from chengnuo.documents import services as doc_services
from chengnuo.documents.guide_models import GuideVersion
from chengnuo.documents.models import NotificationTemplate, TemplateVersion
from chengnuo.oversight import selectors_portalchecks as selectors
from chengnuo.oversight import services_portalchecks as services
from chengnuo.oversight.constants_portalchecks import ChangeKind, Event, FindingKind
from chengnuo.oversight.models import PortalCheck, PortalFinding, Rectification

from . import clock
from .factories import AgencyFactory, CertificationItemFactory, MatterFactory, user_with_role

pytestmark = pytest.mark.django_db

TODAY = clock.today()  # the test clock's day, not the real one


def catalog_version(agency: Any, items: list[Any], *, number: int = 1, effective=None) -> Any:
    return CatalogVersion.objects.create(
        agency=agency,
        number=number,
        effective_date=effective or TODAY - dt.timedelta(days=30),
        published_at=timezone.now(),
        items={i.code: {"name": i.name} for i in items},
        digest="0" * 64,
    )


def publish_texts(admin: Any, item: Any) -> tuple[Any, Any]:
    notification, commitment = doc_services.template_draft_create(actor=admin, item=item)
    return (
        doc_services.template_publish(actor=admin, template=notification),
        doc_services.template_publish(actor=admin, template=commitment),
    )


def publish_guide(admin: Any, matter: Any) -> GuideVersion:
    guide = guides.guide_draft_create(actor=admin, matter=matter)
    guide = guides.guide_draft_update(
        actor=admin, guide=guide, data={"promised_time_limit_days": 10}
    )
    return guides.guide_publish(actor=admin, guide=guide)


def publish_rules(admin: Any, item: Any) -> GuideVersion:
    rules = guides.work_rules_draft_create(actor=admin, item=item)
    return guides.work_rules_publish(actor=admin, rules=rules)


class W:
    """Agency A (颍州区, county) with one matter and one item under commitment; agency B of
    another county; the county bureaus of both regions and the city bureau."""

    def __init__(self) -> None:
        self.a = AgencyFactory(name="颍州区人社局", region=Region.YINGZHOU, level=Level.COUNTY)
        self.b = AgencyFactory(name="太和县人社局", region=Region.TAIHE, level=Level.COUNTY)
        county = AgencyFactory(
            name="颍州区司法局", kind="justice_bureau", region=Region.YINGZHOU, level=Level.COUNTY
        )
        b_county = AgencyFactory(
            name="太和县司法局", kind="justice_bureau", region=Region.TAIHE, level=Level.COUNTY
        )
        city = AgencyFactory(name="阜阳市司法局", kind="justice_bureau", level=Level.CITY)
        self.reviewer = user_with_role(Role.JUSTICE_REVIEWER, county, username="pc-yzsfj")
        self.b_reviewer = user_with_role(Role.JUSTICE_REVIEWER, b_county, username="pc-thsfj")
        self.city = user_with_role(Role.JUSTICE_REVIEWER, city, username="pc-sfj")
        self.admin = user_with_role(Role.AGENCY_ADMIN, self.a, username="pc-admin-a")
        self.b_admin = user_with_role(Role.AGENCY_ADMIN, self.b, username="pc-admin-b")
        self.clerk = user_with_role(Role.WINDOW_CLERK, self.a, username="pc-clerk-a")
        self.matter = MatterFactory(agency=self.a, code="YZ-RS-M1", name="失业保险金申领")
        self.item = CertificationItemFactory(
            agency=self.a, code="YZ-RS-1", name="社会保险缴费证明",
            legal_basis="《失业保险条例》第十四条",
        )  # fmt: skip
        self.item.matters.add(self.matter)

    def complete(self) -> W:
        """Everything published: the catalog, both texts, the guide and the work rules."""
        catalog_version(self.a, [self.item])
        publish_texts(self.admin, self.item)
        publish_guide(self.admin, self.matter)
        publish_rules(self.admin, self.item)
        return self


@pytest.fixture
def w() -> W:
    return W()


def run(w: W, day: dt.date = TODAY, agency: Any = None) -> PortalCheck:
    return services.portal_check_run(agency=agency or w.a, day=day)


def kinds(agency: Any) -> set[str]:
    return set(
        PortalFinding.objects.filter(agency=agency, resolved_on__isnull=True).values_list(
            "kind", flat=True
        )
    )


# --- what is found ---------------------------------------------------------------------------


def test_a_complete_portal_has_no_findings(w):
    check = run(w.complete())
    assert kinds(w.a) == set()
    assert check.items_count == 1 and check.findings_count == 0
    entry = check.snapshot["items"][0]
    assert entry["code"] == "YZ-RS-1" and entry["in_catalog"]
    assert entry["notification"]["number"] == 1 and entry["guides"][0]["marked"] is True
    assert len(check.digest) == 64


def test_an_agency_publishing_nothing_has_every_gap_found(w):
    run(w)
    assert kinds(w.a) == {
        FindingKind.CATALOG_MISSING,
        FindingKind.NOTIFICATION_MISSING,
        FindingKind.COMMITMENT_MISSING,
        FindingKind.GUIDE_MISSING,
        FindingKind.WORK_RULES_MISSING,
    }
    guide = PortalFinding.objects.get(kind=FindingKind.GUIDE_MISSING)
    assert "失业保险金申领" in guide.text and guide.details == ["YZ-RS-M1"]
    assert guide.item == w.item and guide.item_code == "YZ-RS-1"


@pytest.mark.parametrize(
    "missing, kind",
    [
        ("catalog", FindingKind.CATALOG_MISSING),
        ("texts", FindingKind.NOTIFICATION_MISSING),
        ("texts", FindingKind.COMMITMENT_MISSING),
        ("guide", FindingKind.GUIDE_MISSING),
        ("rules", FindingKind.WORK_RULES_MISSING),
    ],
)
def test_each_missing_publication_is_found_and_only_it(w, missing, kind):
    if missing != "catalog":
        catalog_version(w.a, [w.item])
    if missing != "texts":
        publish_texts(w.admin, w.item)
    if missing != "guide":
        publish_guide(w.admin, w.matter)
    if missing != "rules":
        publish_rules(w.admin, w.item)
    run(w)
    found = kinds(w.a)
    assert kind in found
    expected = {
        "catalog": {FindingKind.CATALOG_MISSING},
        "texts": {FindingKind.NOTIFICATION_MISSING, FindingKind.COMMITMENT_MISSING},
        "guide": {FindingKind.GUIDE_MISSING},
        "rules": {FindingKind.WORK_RULES_MISSING},
    }[missing]
    assert found == expected


def test_a_draft_template_does_not_count_as_published(w):
    catalog_version(w.a, [w.item])
    doc_services.template_draft_create(actor=w.admin, item=w.item)  # drafts, not published
    publish_guide(w.admin, w.matter)
    publish_rules(w.admin, w.item)
    run(w)
    assert kinds(w.a) == {FindingKind.NOTIFICATION_MISSING, FindingKind.COMMITMENT_MISSING}


def test_a_catalog_version_not_yet_in_force_does_not_count(w):
    w.complete()
    CatalogVersion.objects.filter(agency=w.a).delete()
    catalog_version(w.a, [w.item], effective=TODAY + dt.timedelta(days=1))
    run(w)
    assert kinds(w.a) == {FindingKind.CATALOG_MISSING}
    run(w, TODAY + dt.timedelta(days=1))  # the day it takes effect
    assert kinds(w.a) == set()


def test_an_item_not_yet_in_force_is_not_checked(w):
    w.complete()
    later = CertificationItemFactory(
        agency=w.a, code="YZ-RS-2", name="就业失业登记证明",
        effective_date=TODAY + dt.timedelta(days=10),
    )  # fmt: skip
    later.matters.add(w.matter)
    check = run(w)
    assert [i["code"] for i in check.snapshot["items"]] == ["YZ-RS-1"]
    assert kinds(w.a) == set()


def test_a_removed_items_texts_do_not_count_and_its_findings_resolve(w):
    catalog_version(w.a, [w.item])
    publish_texts(w.admin, w.item)
    run(w)
    assert FindingKind.WORK_RULES_MISSING in kinds(w.a)
    CertificationItem.objects.filter(pk=w.item.pk).update(status=ItemStatus.REMOVED)
    check = run(w, TODAY + dt.timedelta(days=1))
    assert check.snapshot["items"] == [] and kinds(w.a) == set()
    assert not PortalFinding.objects.filter(resolved_on__isnull=True).exists()
    assert PortalFinding.objects.filter(resolved_on=TODAY + dt.timedelta(days=1)).count() == 2


def test_a_guide_published_before_the_item_was_put_under_commitment_lacks_the_marking(w):
    """R-3.5: the materials module marks each item under commitment; a guide published while
    the item still required the proof carries no marking."""
    CertificationItem.objects.filter(pk=w.item.pk).update(under_commitment=False)
    publish_guide(w.admin, w.matter)
    CertificationItem.objects.filter(pk=w.item.pk).update(under_commitment=True)
    catalog_version(w.a, [w.item])
    publish_texts(w.admin, w.item)
    publish_rules(w.admin, w.item)
    run(w)
    assert kinds(w.a) == {FindingKind.MARKING_MISSING}
    finding = PortalFinding.objects.get(kind=FindingKind.MARKING_MISSING)
    assert "实行告知承诺制" in finding.text and finding.details == ["YZ-RS-M1"]
    guide = guides.guide_draft_get_for(w.admin, w.matter)
    guides.guide_publish(actor=w.admin, guide=guide)  # republished: the marking is now in it
    run(w, TODAY + dt.timedelta(days=1))
    assert kinds(w.a) == set()


def test_a_vague_phrase_in_a_published_text_is_found_and_quoted(w):
    w.complete()
    version = TemplateVersion.objects.get(item=w.item, kind="notification")
    content = dict(version.content)
    content["fields"] = {**content["fields"], "proof_content": "申请人应当提交户口簿等相关证明"}
    TemplateVersion.objects.filter(pk=version.pk).update(content=content)  # published as is
    run(w)
    finding = PortalFinding.objects.get(kind=FindingKind.LINT)
    assert "等相关证明" in finding.text and "告知书" in finding.text
    assert any(d["doc"] == "notification" and d["phrase"] in "等相关证明" for d in finding.details)


@pytest.mark.parametrize("basis", ["", "无", "略", "  "])
def test_an_item_without_a_real_legal_basis_is_found(w, basis):
    w.complete()
    CertificationItem.objects.filter(pk=w.item.pk).update(legal_basis=basis)
    run(w)
    assert FindingKind.LEGAL_BASIS_MISSING in kinds(w.a)
    assert "目录清单" in PortalFinding.objects.get(kind=FindingKind.LEGAL_BASIS_MISSING).text


def test_a_notification_that_cites_no_legal_basis_is_found(w):
    w.complete()
    version = TemplateVersion.objects.get(item=w.item, kind="notification")
    content = dict(version.content)
    content["fields"] = {**content["fields"], "legal_basis": ""}
    TemplateVersion.objects.filter(pk=version.pk).update(content=content)
    run(w)
    finding = PortalFinding.objects.get(kind=FindingKind.LEGAL_BASIS_MISSING)
    assert finding.details == ["告知书"]


# --- findings over days -------------------------------------------------------------------------


def test_the_same_gap_on_two_days_is_one_row_with_last_seen_moved(w):
    catalog_version(w.a, [w.item])
    publish_texts(w.admin, w.item)
    publish_guide(w.admin, w.matter)
    run(w)
    run(w, TODAY + dt.timedelta(days=1))
    rows = PortalFinding.objects.filter(kind=FindingKind.WORK_RULES_MISSING)
    assert rows.count() == 1
    row = rows.get()
    assert row.first_seen == TODAY and row.last_seen == TODAY + dt.timedelta(days=1)
    assert row.resolved_on is None


def test_a_gap_fixed_is_resolved_on_the_next_check(w):
    catalog_version(w.a, [w.item])
    publish_texts(w.admin, w.item)
    publish_guide(w.admin, w.matter)
    run(w)
    publish_rules(w.admin, w.item)
    run(w, TODAY + dt.timedelta(days=1))
    row = PortalFinding.objects.get(kind=FindingKind.WORK_RULES_MISSING)
    assert row.resolved_on == TODAY + dt.timedelta(days=1) and row.last_seen == TODAY
    assert kinds(w.a) == set()
    agency_resolved = selectors.resolved_findings(w.a)
    assert agency_resolved == [row]


def test_a_gap_that_comes_back_after_it_was_resolved_is_a_new_row(w):
    w.complete()
    days = [TODAY + dt.timedelta(days=n) for n in range(4)]
    for day, basis in zip(
        days, ["《失业保险条例》第十四条", "无", "《失业保险条例》", "略"], strict=True
    ):
        CertificationItem.objects.filter(pk=w.item.pk).update(legal_basis=basis)
        run(w, day)
    rows = list(
        PortalFinding.objects.filter(kind=FindingKind.LEGAL_BASIS_MISSING).order_by("first_seen")
    )
    assert [(r.first_seen, r.resolved_on) for r in rows] == [
        (days[1], days[2]),
        (days[3], None),
    ]


def test_a_second_run_the_same_day_updates_that_days_check(w):
    catalog_version(w.a, [w.item])
    first = run(w)
    publish_texts(w.admin, w.item)
    second = run(w)
    assert first.pk == second.pk and PortalCheck.objects.filter(agency=w.a).count() == 1
    assert second.snapshot["items"][0]["notification"] is not None
    assert FindingKind.NOTIFICATION_MISSING not in kinds(w.a)
    assert AuditEvent.objects.filter(event=Event.CHECK_RUN).count() == 2


# --- what changed -------------------------------------------------------------------------------


def test_the_check_shows_what_changed_since_the_last_one(w):
    w.complete()
    first = run(w)
    assert first.changes == [] and first.previous is None
    notification = NotificationTemplate.objects.get(item=w.item)
    doc_services.template_publish(actor=w.admin, template=notification)
    added = CertificationItemFactory(agency=w.a, code="YZ-RS-2", name="就业失业登记证明")
    added.matters.add(w.matter)
    CertificationItem.objects.filter(pk=w.item.pk).update(legal_basis="《社会保险法》第四十五条")
    catalog_version(w.a, [w.item, added], number=2, effective=TODAY)
    second = run(w, TODAY + dt.timedelta(days=1))
    assert second.previous == first
    by_kind = {c["kind"]: c["text"] for c in second.changes}
    assert "告知书第2版" in by_kind[ChangeKind.NOTIFICATION]
    assert "就业失业登记证明" in by_kind[ChangeKind.ITEM_ADDED]
    assert "社会保险法" in by_kind[ChangeKind.LEGAL_BASIS]
    assert "第2版" in by_kind[ChangeKind.CATALOG]
    assert ChangeKind.COMMITMENT not in by_kind  # not republished


def test_changes_between_reports_a_removed_item_and_a_new_guide():
    old = {"catalog": None, "items": [
        {"code": "X", "name": "甲证明", "guides": [{"matter": "M", "matter_name": "甲事项",
                                                   "guide": {"id": 1, "number": 1}}]},
        {"code": "Y", "name": "乙证明"}]}  # fmt: skip
    new = {"catalog": None, "items": [
        {"code": "X", "name": "甲证明", "guides": [{"matter": "M", "matter_name": "甲事项",
                                                   "guide": {"id": 2, "number": 2}}]}]}  # fmt: skip
    changes = services.changes_between(old, new)
    assert {c["kind"] for c in changes} == {ChangeKind.GUIDE, ChangeKind.ITEM_REMOVED}
    assert services.changes_between(None, new) == []


# --- the daily job ------------------------------------------------------------------------------


def test_the_daily_job_checks_every_agency_and_survives_one_raising(w, monkeypatch):
    real = services.snapshot_of

    def flaky(agency, day):
        if agency.pk == w.a.pk:
            raise RuntimeError("网站内容读取失败")
        return real(agency, day)

    monkeypatch.setattr(services, "snapshot_of", flaky)
    result = services.portal_check_all(TODAY)
    assert result == {"checked": 1, "failed": 1}  # B checked; the bureaus are not checked
    assert PortalCheck.objects.filter(agency=w.b, day=TODAY).exists()
    assert not PortalCheck.objects.filter(agency=w.a).exists()


def test_the_daily_command_runs_the_check(w):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("oversight_portal_check", "--day", TODAY.isoformat(), stdout=out)
    assert "checked 2 agencies" in out.getvalue()
    assert PortalCheck.objects.filter(day=TODAY).count() == 2


# --- sending findings for rectification ---------------------------------------------------------


def _deadline() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=15)


def test_selected_findings_go_to_the_agency_one_notice_each(w):
    run(w)
    rows = list(PortalFinding.objects.filter(agency=w.a).order_by("pk")[:2])
    notices = services.portal_findings_send(
        actor=w.reviewer, agency=w.a, finding_ids=[r.pk for r in rows], deadline=_deadline()
    )
    assert len(notices) == 2
    for row, notice in zip(rows, notices, strict=True):
        row.refresh_from_db()
        assert row.rectification == notice and notice.agency == w.a
        assert notice.source == "portal_check" and row.text in notice.text
    assert AuditEvent.objects.filter(event=Event.FINDINGS_SENT).count() == 1
    # a second send of the same finding is refused and sends nothing
    with pytest.raises(Conflict):
        services.portal_findings_send(
            actor=w.reviewer, agency=w.a, finding_ids=[rows[0].pk], deadline=_deadline()
        )
    assert Rectification.objects.count() == 2


def test_a_send_without_findings_or_with_a_past_deadline_is_refused(w):
    run(w)
    row = PortalFinding.objects.filter(agency=w.a).first()
    with pytest.raises(DomainError) as exc:
        services.portal_findings_send(
            actor=w.reviewer, agency=w.a, finding_ids=[], deadline=_deadline()
        )
    assert exc.value.code == "required"
    with pytest.raises(DomainError) as exc:
        services.portal_findings_send(
            actor=w.reviewer, agency=w.a, finding_ids=[row.pk], deadline=timezone.localdate()
        )
    assert exc.value.code == "invalid_period"
    assert Rectification.objects.count() == 0
    assert PortalFinding.objects.get(pk=row.pk).rectification is None


def test_a_resolved_finding_is_not_sent(w):
    catalog_version(w.a, [w.item])
    publish_texts(w.admin, w.item)
    publish_guide(w.admin, w.matter)
    run(w)
    publish_rules(w.admin, w.item)
    run(w, TODAY + dt.timedelta(days=1))
    row = PortalFinding.objects.get(kind=FindingKind.WORK_RULES_MISSING)
    with pytest.raises(Conflict):
        services.portal_findings_send(
            actor=w.reviewer, agency=w.a, finding_ids=[row.pk], deadline=_deadline()
        )
    assert Rectification.objects.count() == 0


def test_another_agencys_finding_or_agency_is_not_reachable(w):
    run(w)
    run(w, agency=w.b)
    b_row = PortalFinding.objects.filter(agency=w.b).first()
    with pytest.raises(NotFound):  # B's finding under A
        services.portal_findings_send(
            actor=w.reviewer, agency=w.a, finding_ids=[b_row.pk], deadline=_deadline()
        )
    with pytest.raises(NotFound):  # B is not in the county reviewer's region
        services.portal_findings_send(
            actor=w.reviewer, agency=w.b, finding_ids=[b_row.pk], deadline=_deadline()
        )
    with pytest.raises(NotFound):  # an agency admin does not send
        services.portal_findings_send(
            actor=w.admin, agency=w.a, finding_ids=[], deadline=_deadline()
        )
    with pytest.raises(NotFound):
        services.portal_check_run(actor=w.reviewer, agency=w.b, day=TODAY)
    assert Rectification.objects.count() == 0


# --- pages --------------------------------------------------------------------------------------


def test_the_reviewer_runs_a_check_and_sends_findings_from_the_pages(w, client):
    client.force_login(w.reviewer)
    page = client.get(reverse("oversight:portal_checks")).content.decode()
    assert "颍州区人社局" in page and "太和县人社局" not in page and "尚未检查" in page
    response = client.post(reverse("oversight:portal_check_run", args=[w.a.pk]))
    check = PortalCheck.objects.get(agency=w.a)
    assert response.status_code == 302 and response["Location"].endswith(f"/{check.pk}/")
    detail = client.get(reverse("oversight:portal_check", args=[check.pk])).content.decode()
    assert "未公布" in detail and "首次检查" in detail and "社会保险缴费证明" in detail
    agency_page = client.get(reverse("oversight:portal_check_agency", args=[w.a.pk]))
    assert "未公布工作规程" in agency_page.content.decode()
    row = PortalFinding.objects.get(agency=w.a, kind=FindingKind.WORK_RULES_MISSING)
    bad = client.post(
        reverse("oversight:portal_check_send", args=[w.a.pk]),
        {"finding_ids": [row.pk], "deadline": "2001-01-01"},
    )
    body = bad.content.decode()
    assert bad.status_code == 400 and "整改期限" in body and 'value="2001-01-01"' in body
    assert f'value="{row.pk}" aria-label="选择" checked' in body  # what was chosen is kept
    client.post(
        reverse("oversight:portal_check_send", args=[w.a.pk]),
        {"finding_ids": [row.pk], "deadline": _deadline().isoformat()},
    )
    row.refresh_from_db()
    assert row.rectification is not None
    page = client.get(reverse("oversight:portal_check_agency", args=[w.a.pk])).content.decode()
    assert row.rectification.number in page


def test_a_county_reviewer_does_not_reach_another_countys_agency(w, client):
    run(w, agency=w.b)
    check = PortalCheck.objects.get(agency=w.b)
    client.force_login(w.reviewer)
    assert client.get(reverse("oversight:portal_check_agency", args=[w.b.pk])).status_code == 404
    assert client.get(reverse("oversight:portal_check", args=[check.pk])).status_code == 404
    assert client.post(reverse("oversight:portal_check_run", args=[w.b.pk])).status_code == 404
    row = PortalFinding.objects.filter(agency=w.b).first()
    sent = client.post(
        reverse("oversight:portal_check_send", args=[w.b.pk]),
        {"finding_ids": [row.pk], "deadline": _deadline().isoformat()},
    )
    assert sent.status_code == 404 and Rectification.objects.count() == 0
    assert PortalCheck.objects.filter(agency=w.b).count() == 1
    listed = client.get(reverse("oversight:portal_checks"), {"agency": w.b.pk}).content.decode()
    assert "太和县人社局" not in listed


def test_an_agency_admin_reads_only_its_own_agency_and_changes_nothing(w, client):
    run(w)
    run(w, agency=w.b)
    client.force_login(w.b_admin)
    a_check = PortalCheck.objects.get(agency=w.a)
    assert client.get(reverse("oversight:portal_check_agency", args=[w.a.pk])).status_code == 404
    assert client.get(reverse("oversight:portal_check", args=[a_check.pk])).status_code == 404
    page = client.get(reverse("oversight:portal_checks")).content.decode()
    assert "太和县人社局" in page and "颍州区人社局" not in page
    client.force_login(w.admin)
    own = client.get(reverse("oversight:portal_check_agency", args=[w.a.pk])).content.decode()
    assert "未公布告知书" in own and "立即检查" not in own and 'name="finding_ids"' not in own
    assert client.post(reverse("oversight:portal_check_run", args=[w.a.pk])).status_code == 403
    row = PortalFinding.objects.filter(agency=w.a).first()
    sent = client.post(
        reverse("oversight:portal_check_send", args=[w.a.pk]),
        {"finding_ids": [row.pk], "deadline": _deadline().isoformat()},
    )
    assert sent.status_code == 403 and Rectification.objects.count() == 0
    client.force_login(w.clerk)
    assert client.get(reverse("oversight:portal_checks")).status_code == 403


def _more(w: W, n: int) -> None:
    for i in range(n):
        agency = AgencyFactory(name=f"颍州区测试局{i}", region=Region.YINGZHOU, level=Level.COUNTY)
        item = CertificationItemFactory(agency=agency, code=f"YZ-T{i}-1", name=f"测试证明{i}")
        item.matters.add(MatterFactory(agency=agency))
        services.portal_check_run(agency=agency, day=TODAY)
        services.portal_check_run(agency=agency, day=TODAY + dt.timedelta(days=1))


def test_the_pages_do_not_grow_in_queries_with_agencies_checks_and_findings(w, client):
    run(w)
    client.force_login(w.reviewer)
    check = PortalCheck.objects.get(agency=w.a)
    urls = [
        reverse("oversight:portal_checks"),
        reverse("oversight:portal_check_agency", args=[w.a.pk]),
        reverse("oversight:portal_check", args=[check.pk]),
    ]
    for url in urls:
        client.get(url)
    few = []
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        few.append(len(ctx))
    _more(w, 6)
    run(w, TODAY + dt.timedelta(days=1))
    run(w, TODAY + dt.timedelta(days=2))
    for url, n in zip(urls, few, strict=True):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert len(ctx) == n, url


def test_the_list_page_stays_within_a_fixed_number_of_queries(
    w, client, django_assert_max_num_queries
):
    _more(w, 4)
    client.force_login(w.city)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("oversight:portal_checks")).status_code == 200


def test_the_check_run_reads_a_constant_number_of_queries_per_agency(w):
    w.complete()
    run(w)
    with CaptureQueriesContext(connection) as few:
        run(w)
    for i in range(2, 6):
        item = CertificationItemFactory(agency=w.a, code=f"YZ-RS-{i}", name=f"测试证明{i}")
        item.matters.add(w.matter)
        publish_texts(w.admin, item)
    with CaptureQueriesContext(connection) as many:
        run(w)
    # per item only the findings rows written grow, not the reads
    reads = [q for q in many.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    reads_few = [q for q in few.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(reads) <= len(reads_few) + 2


# --- PostgreSQL: two workers at once -------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_checks_of_one_agency_at_once_leave_one_check_and_no_duplicate_findings(
    transactional_db,
):
    from .races import race

    w = W()
    catalog_version(w.a, [w.item])
    results, errors = race(
        lambda: services.portal_check_run(agency=w.a, day=TODAY),
        lambda: services.portal_check_run(agency=w.a, day=TODAY),
        lambda: services.portal_check_run(agency=w.b, day=TODAY),
    )
    assert errors == [] and len(results) == 3
    assert PortalCheck.objects.filter(agency=w.a, day=TODAY).count() == 1
    open_a = PortalFinding.objects.filter(agency=w.a, resolved_on__isnull=True)
    assert open_a.count() == len(set(open_a.values_list("item_code", "kind")))
    assert open_a.count() == 4

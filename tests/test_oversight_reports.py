"""Circulated reports (督察情况通报, R-8.2: 通报 of inspection results): a Justice Bureau drafts a
report for a period from the oversight figures (the dashboard's, R-8.1), edits it (each save
kept: the history), issues it under a number in sequence per bureau and year, and each agency
it is addressed to acknowledges it; DOCX and PDF in the official-document layout.

And the ways around it: a placeholder or empty section, a second issue, editing after issue,
a second acknowledgement, the admin of an agency not addressed, an agency reading a draft, a
county bureau addressing another county's agency, a period out of range."""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import reviewable_agency_ids
from chengnuo.audit.models import AuditEvent
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.oversight import render_reports
from chengnuo.oversight import selectors_dashboard as dashboard
from chengnuo.oversight import selectors_reports as selectors
from chengnuo.oversight import services_reports as services
from chengnuo.oversight.constants_dashboard import Measure
from chengnuo.oversight.constants_reports import Event
from chengnuo.oversight.models import Report, ReportRecipient, ReportRevision
from chengnuo.verification.models import VerificationTask

from .factories import user_with_role
from .oversight_helpers import build, flows

pytestmark = pytest.mark.django_db

BODY = "各单位应严格落实告知承诺制，依法开展事中事后核查并按期报送整改情况。"


@pytest.fixture
def ow(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return build(settings)


def _year() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


def _draft(actor, **kw) -> Report:
    start, end = _year()
    return services.report_draft(actor=actor, start=start, end=end, **kw)


def _edit(actor, report, sections=None, recipients=None, title=None):
    report = Report.objects.get(pk=report.pk)  # what the last save left
    return services.report_edit(
        actor=actor,
        report=report,
        title=title or report.title,
        sections=sections if sections is not None else report.sections,
        recipient_ids=recipients
        if recipients is not None
        else list(report.recipients.values_list("agency_id", flat=True)),
    )


# --- drafting from the figures -----------------------------------------------------------------


def test_a_draft_takes_the_dashboards_figures_for_the_period(ow):
    flows(ow)
    report = _draft(ow.city_reviewer)
    data = dashboard.overview(
        reviewable_agency_ids(ow.city_reviewer), dashboard.Period("year", timezone.localdate().year)
    )
    expected = {a.pk: f for a, f in data.agencies}
    rows = {r["id"]: r for r in report.figures["agencies"]}
    assert set(rows) == {ow.w.agency.pk, ow.b.agency.pk}  # the Justice Bureaus left out
    for pk, row in rows.items():
        f = expected[pk]
        assert row["submitted"] == f.submitted and row["by_commitment"] == f.by_commitment
        assert row["commitment_share"] == f.commitment_share
        assert row["concluded"] == f.n(Measure.CONCLUDED)
        assert row["on_time"] == f.n(Measure.ON_TIME)
        assert row["untrue"] == f.n(Measure.UNTRUE) and row["untrue_rate"] == f.untrue_rate
        assert row["tasks_overdue"] == f.tasks_overdue
        assert row["assistance_overdue"] == f.assistance_overdue
        assert row["complaints"] == f.complaints and row["satisfaction"] == f.satisfaction
    a = rows[ow.w.agency.pk]
    assert a["submitted"] == 4 and a["untrue"] == 1 and a["untrue_rate"] == 50.0
    assert report.figures["total"]["submitted"] == data.total.submitted
    assert sum(report.figures["trend"]["submitted"]) == data.total.submitted
    assert report.status == "draft" and report.number == ""
    assert [s["heading"] for s in report.sections] == ["总体情况", "存在问题", "下一步要求"]
    assert f"办件{data.total.submitted}件" in report.sections[0]["text"]
    assert set(report.recipients.values_list("agency_id", flat=True)) == set(rows)
    assert report.issuer.name == "阜阳市司法局"
    assert AuditEvent.objects.filter(event=Event.REPORT_DRAFTED).count() == 1


def test_the_first_text_names_the_agencies_with_overdue_verification_and_untrue_findings(ow):
    flows(ow)
    VerificationTask.objects.filter(commitment__case=ow.cases["b_approved"]).update(
        due_date=timezone.localdate() - dt.timedelta(days=3)
    )
    report = _draft(ow.city_reviewer)
    problems = report.sections[1]["text"]
    assert "核查超期" in problems and "太和县民政局（2件）" in problems
    assert "承诺不实" in problems and "颍州区民政局（1件）" in problems
    demands = report.sections[2]["text"]
    assert "太和县民政局" in demands and "15个工作日" in demands and "阜阳市司法局" in demands


def test_a_county_bureau_drafts_for_its_region_only(ow):
    flows(ow)
    report = _draft(ow.county_reviewer)
    assert list(report.recipients.values_list("agency_id", flat=True)) == [ow.w.agency.pk]
    assert [r["id"] for r in report.figures["agencies"]] == [ow.w.agency.pk]
    assert report.sections[0]["text"].startswith(f"{timezone.localdate().year}年，全区1个单位")
    with pytest.raises(DomainError) as err:  # another county's agency as a recipient
        _edit(ow.county_reviewer, report, recipients=[ow.w.agency.pk, ow.b.agency.pk])
    assert err.value.code == "invalid_agency"
    assert ReportRecipient.objects.filter(report=report).count() == 1
    with pytest.raises(NotFound):  # and another county's bureau cannot touch it
        _edit(ow.b_reviewer, report)
    with pytest.raises(NotFound):
        selectors.report_for(ow.b_reviewer, report.pk)


def test_only_a_justice_bureau_reviewer_drafts(ow):
    sysadmin = user_with_role(Role.SYSTEM_ADMIN, None, username="rp-sys")
    for actor in (ow.w.admin, ow.w.officer, sysadmin):
        with pytest.raises(PermissionDenied):
            _draft(actor)
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "start, end",
    [
        (dt.date(2026, 6, 1), dt.date(2026, 5, 31)),  # ends before it starts
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),  # before the platform
        (None, dt.date(2026, 5, 31)),
    ],
)
def test_a_period_out_of_range_is_refused(ow, start, end):
    with pytest.raises(DomainError) as err:
        services.report_draft(actor=ow.city_reviewer, start=start, end=end)
    assert err.value.code == "invalid_period" and not Report.objects.exists()


def test_a_future_period_is_refused(ow):
    nxt = selectors.next_month(timezone.localdate().replace(day=1))
    with pytest.raises(DomainError):
        services.report_draft(actor=ow.city_reviewer, start=nxt, end=nxt)


# --- editing and its history -----------------------------------------------------------------


def test_editing_a_draft_keeps_each_saved_text_as_a_revision(ow):
    report = _draft(ow.city_reviewer)
    first = [dict(s) for s in report.sections]
    sections = [*first, {"heading": "工作要求", "text": BODY}]
    _edit(ow.city_reviewer, report, sections=sections, title="关于全市告知承诺制推行情况的通报")
    _edit(ow.city_reviewer, report, recipients=[ow.w.agency.pk])
    revisions = list(ReportRevision.objects.filter(report=report).order_by("number"))
    assert [r.number for r in revisions] == [1, 2, 3]
    assert revisions[0].sections == first and revisions[0].title == report.title
    assert revisions[1].sections[-1] == {"heading": "工作要求", "text": BODY}
    assert revisions[2].recipient_ids == [ow.w.agency.pk]
    row = Report.objects.get(pk=report.pk)
    assert row.title == "关于全市告知承诺制推行情况的通报" and len(row.sections) == 4
    assert list(row.recipients.values_list("agency_id", flat=True)) == [ow.w.agency.pk]
    assert AuditEvent.objects.filter(event=Event.REPORT_EDITED).count() == 2


@pytest.mark.parametrize(
    "section, code",
    [
        ({"heading": "总体情况", "text": "无"}, "placeholder"),
        ({"heading": "总体情况", "text": "略"}, "placeholder"),
        ({"heading": "总体情况", "text": "详见附件"}, "placeholder"),
        ({"heading": "总体情况", "text": "   "}, "required"),
        ({"heading": "", "text": BODY}, "required"),
        ({"heading": "总体情况", "text": "情况良好"}, "too_short"),
        ("not a section", "required"),
    ],
)
def test_a_placeholder_or_empty_section_is_refused(ow, section, code):
    report = _draft(ow.city_reviewer)
    before = list(report.sections)
    with pytest.raises(DomainError) as err:
        _edit(ow.city_reviewer, report, sections=[section, *before[1:]])
    assert err.value.code == code
    assert Report.objects.get(pk=report.pk).sections == before
    assert ReportRevision.objects.filter(report=report).count() == 1


def test_no_sections_and_no_recipients_are_refused(ow):
    report = _draft(ow.city_reviewer)
    with pytest.raises(DomainError) as err:
        _edit(ow.city_reviewer, report, sections=[])
    assert err.value.code == "required"
    with pytest.raises(DomainError) as err:
        _edit(ow.city_reviewer, report, recipients=[])
    assert err.value.code == "required"
    with pytest.raises(DomainError) as err:  # the bureau itself is not an addressee
        _edit(ow.city_reviewer, report, recipients=[report.issuer_id])
    assert err.value.code == "invalid_agency"


def test_a_placeholder_that_reached_the_draft_is_refused_at_issue(ow):
    report = _draft(ow.city_reviewer)
    Report.objects.filter(pk=report.pk).update(
        sections=[{"heading": "总体情况", "text": "无"}, *report.sections[1:]]
    )
    with pytest.raises(DomainError) as err:
        services.report_issue(actor=ow.city_reviewer, report=report)
    assert err.value.code == "placeholder"
    row = Report.objects.get(pk=report.pk)
    assert row.status == "draft" and row.number == "" and row.sequence is None


# --- issuing ---------------------------------------------------------------------------------


def test_issuing_assigns_numbers_in_sequence_per_bureau_and_year(ow):
    year = timezone.localdate().year
    one, two = _draft(ow.city_reviewer), _draft(ow.city_reviewer)
    county = _draft(ow.county_reviewer)
    assert services.report_issue(actor=ow.city_reviewer, report=two).number == (
        f"阜司督通〔{year}〕1号"
    )
    assert services.report_issue(actor=ow.city_reviewer, report=one).number == (
        f"阜司督通〔{year}〕2号"
    )
    issued = services.report_issue(actor=ow.county_reviewer, report=county)
    assert issued.number == f"颍州司督通〔{year}〕1号"
    assert issued.issued_at is not None and issued.issued_by == ow.county_reviewer
    assert AuditEvent.objects.filter(event=Event.REPORT_ISSUED).count() == 3


def test_an_issued_report_is_not_issued_again_nor_edited(ow):
    report = services.report_issue(actor=ow.city_reviewer, report=_draft(ow.city_reviewer))
    with pytest.raises(Conflict) as err:
        services.report_issue(actor=ow.city_reviewer, report=report)
    assert err.value.code == "already_done" and "不能重复印发" in err.value.message
    with pytest.raises(Conflict):
        _edit(ow.city_reviewer, report, sections=[{"heading": "总体情况", "text": BODY}])
    row = Report.objects.get(pk=report.pk)
    assert row.sequence == 1 and len(row.sections) == 3
    assert ReportRevision.objects.filter(report=report).count() == 1


def test_only_the_issuing_bureau_issues(ow):
    report = _draft(ow.county_reviewer)
    sysadmin = user_with_role(Role.SYSTEM_ADMIN, None, username="rp-sys")
    with pytest.raises(NotFound):
        services.report_issue(actor=ow.b_reviewer, report=report)
    with pytest.raises(NotFound):
        services.report_issue(actor=ow.w.admin, report=report)
    with pytest.raises(PermissionDenied):
        services.report_issue(actor=sysadmin, report=report)
    assert Report.objects.get(pk=report.pk).status == "draft"


# --- who reads, who acknowledges -----------------------------------------------------------


def test_drafts_are_never_shown_to_agencies(ow, client):
    report = _draft(ow.city_reviewer)
    assert selectors.reports(ow.w.admin) == {"drafts": [], "issued": []}
    with pytest.raises(NotFound):
        selectors.report_for(ow.w.admin, report.pk)
    client.force_login(ow.w.admin)
    assert client.get(reverse("oversight:report", args=[report.pk])).status_code == 404
    url = reverse("oversight:report_download", args=[report.pk, "pdf"])
    assert client.get(url).status_code == 404
    assert report.title not in client.get(reverse("oversight:reports")).content.decode()
    services.report_issue(actor=ow.city_reviewer, report=report)
    assert client.get(reverse("oversight:report", args=[report.pk])).status_code == 200


def test_an_agency_acknowledges_once_by_its_own_admin(ow):
    report = services.report_issue(actor=ow.city_reviewer, report=_draft(ow.city_reviewer))
    a = ow.w.agency
    for actor in (ow.b.admin, ow.w.officer, ow.city_reviewer):
        with pytest.raises(NotFound):
            services.report_acknowledge(actor=actor, report=report, agency=a)
    done = services.report_acknowledge(
        actor=ow.w.admin, report=report, agency=a, note="已组织学习，按要求整改"
    )
    assert done.acknowledged_by == ow.w.admin and done.note == "已组织学习，按要求整改"
    with pytest.raises(Conflict) as err:
        services.report_acknowledge(actor=ow.w.admin, report=report, agency=a)
    assert err.value.code == "already_done" and "无需重复签收" in err.value.message
    assert AuditEvent.objects.filter(event=Event.REPORT_ACKNOWLEDGED).count() == 1
    listed = selectors.reports(ow.city_reviewer)["issued"][0]
    assert (listed.acknowledged, listed.addressed) == (1, 2)


def test_an_agency_sees_its_own_acknowledgement_not_the_others_notes(ow, client):
    report = services.report_issue(actor=ow.city_reviewer, report=_draft(ow.city_reviewer))
    note = "太和县已收悉并部署整改"
    services.report_acknowledge(actor=ow.b.admin, report=report, agency=ow.b.agency, note=note)
    client.force_login(ow.w.admin)
    page = client.get(reverse("oversight:report", args=[report.pk])).content.decode()
    assert note not in page and "本单位签收情况" in page and 'name="agency"' in page
    client.force_login(ow.city_reviewer)
    page = client.get(reverse("oversight:report", args=[report.pk])).content.decode()
    assert note in page and "已签收 1/2" in page and 'name="agency"' not in page


def test_a_draft_cannot_be_acknowledged(ow):
    report = _draft(ow.city_reviewer)
    with pytest.raises(NotFound):
        services.report_acknowledge(actor=ow.w.admin, report=report, agency=ow.w.agency)
    assert not ReportRecipient.objects.filter(acknowledged_at__isnull=False).exists()


def test_the_admin_of_an_agency_not_addressed_gets_404(ow, client):
    report = _draft(ow.city_reviewer)
    _edit(ow.city_reviewer, report, recipients=[ow.w.agency.pk])
    services.report_issue(actor=ow.city_reviewer, report=report)
    client.force_login(ow.b.admin)
    assert client.get(reverse("oversight:report", args=[report.pk])).status_code == 404
    post = client.post(
        reverse("oversight:report_acknowledge", args=[report.pk]), {"agency": ow.w.agency.pk}
    )
    assert post.status_code == 404
    post = client.post(
        reverse("oversight:report_acknowledge", args=[report.pk]), {"agency": ow.b.agency.pk}
    )
    assert post.status_code == 404
    assert selectors.reports(ow.b.admin)["issued"] == []
    assert not ReportRecipient.objects.filter(acknowledged_at__isnull=False).exists()
    # the county bureau of B's region does not read it either (not addressed to its region)
    with pytest.raises(NotFound):
        selectors.report_for(ow.b_reviewer, report.pk)
    # the county bureau of A's region reads the city's report to A
    assert selectors.report_for(ow.county_reviewer, report.pk) == report


# --- the pages -------------------------------------------------------------------------------


def test_the_pages_draft_edit_issue_and_acknowledge(ow, client):
    flows(ow)
    client.force_login(ow.city_reviewer)
    year = timezone.localdate().year
    bad = client.post(reverse("oversight:report_new"), {"start": f"{year}-06", "end": f"{year}-03"})
    assert bad.status_code == 400 and "通报期间" in bad.content.decode()
    made = client.post(
        reverse("oversight:report_new"), {"start": f"{year}-01", "end": f"{year}-12"}
    )
    report = Report.objects.get()
    assert made.status_code == 302 and made["Location"].endswith(f"/reports/{report.pk}/")
    page = client.get(made["Location"]).content.decode()
    assert "总体情况" in page and "附表1" in page and "第1稿" in page and "印发通报" in page
    edit = reverse("oversight:report_edit", args=[report.pk])
    form = client.get(edit).content.decode()
    assert "下一步要求" in form
    typed = {
        "title": report.title,
        "heading": ["总体情况", "存在问题", "下一步要求"],
        "text": ["无", report.sections[1]["text"], report.sections[2]["text"]],
        "recipient_ids": [ow.w.agency.pk],
    }
    refused = client.post(edit, typed)
    assert refused.status_code == 400
    assert (
        "占位" in refused.content.decode()
        and report.sections[2]["text"] in refused.content.decode()
    )
    typed["text"][0] = BODY
    assert client.post(edit, typed).status_code == 302
    assert client.post(reverse("oversight:report_issue", args=[report.pk])).status_code == 302
    issued = Report.objects.get()
    assert issued.number == f"阜司督通〔{year}〕1号"
    assert client.get(edit).status_code == 403
    client.force_login(ow.w.admin)
    page = client.get(reverse("oversight:report", args=[report.pk])).content.decode()
    assert issued.number in page and "签收" in page and BODY in page
    ack = client.post(
        reverse("oversight:report_acknowledge", args=[report.pk]),
        {"agency": ow.w.agency.pk, "note": "已收悉"},
    )
    assert ack.status_code == 302
    again = client.post(
        reverse("oversight:report_acknowledge", args=[report.pk]), {"agency": ow.w.agency.pk}
    )
    assert again.status_code == 400 and "无需重复签收" in again.content.decode()
    listing = client.get(reverse("oversight:reports")).content.decode()
    assert issued.number in listing and "本单位已签收" in listing
    client.force_login(ow.city_reviewer)
    listing = client.get(reverse("oversight:reports")).content.decode()
    assert "已签收 1/1" in listing


def test_the_list_and_report_pages_make_a_bounded_number_of_queries(
    ow, client, django_assert_max_num_queries
):
    flows(ow)
    for _ in range(3):
        report = _draft(ow.city_reviewer)
        _edit(ow.city_reviewer, report)
        services.report_issue(actor=ow.city_reviewer, report=report)
        services.report_acknowledge(actor=ow.w.admin, report=report, agency=ow.w.agency)
    _draft(ow.city_reviewer)
    for user in (ow.city_reviewer, ow.county_reviewer, ow.w.admin):
        client.force_login(user)
        with django_assert_max_num_queries(10):
            assert client.get(reverse("oversight:reports")).status_code == 200
        with django_assert_max_num_queries(11):
            assert client.get(reverse("oversight:report", args=[report.pk])).status_code == 200


def test_the_chart_images_are_pngs(ow, client):
    report = _draft(ow.city_reviewer)
    client.force_login(ow.city_reviewer)
    for name in ("bars", "trend"):
        got = client.get(reverse("oversight:report_chart", args=[report.pk, name]))
        assert got.status_code == 200 and got.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(reverse("oversight:report_chart", args=[report.pk, "pie"])).status_code == 404


# --- the documents ---------------------------------------------------------------------------


def _issued(ow) -> Report:
    flows(ow)
    return services.report_issue(actor=ow.city_reviewer, report=_draft(ow.city_reviewer))


def test_the_docx_opens_and_carries_the_number_title_author_and_language(ow, client):
    import docx

    report = _issued(ow)
    client.force_login(ow.city_reviewer)
    got = client.get(reverse("oversight:report_download", args=[report.pk, "docx"]))
    assert got.status_code == 200
    word = docx.Document(io.BytesIO(got.content))
    text = "\n".join(p.text for p in word.paragraphs)
    assert report.number in text and report.title in text
    assert "阜阳市司法局督察情况通报" in text and "一、总体情况" in text
    assert "二〇" in text and "颍州区民政局" in text  # 成文日期 in Chinese numerals, 主送
    assert len(word.tables) == 2 and word.tables[0].rows[0].cells[0].text == "单位"
    assert len(word.inline_shapes) == 2
    props = word.core_properties
    assert props.author == "阜阳市司法局" and props.language == "zh-CN"
    assert props.created.date() == timezone.now().date()
    name = unquote(got["Content-Disposition"].split("filename*=utf-8''")[1])
    assert name == f"{report.number} {report.title}.docx"


def test_the_pdf_has_the_text_and_the_charts_as_images(ow, client):
    from pypdf import PdfReader

    report = _issued(ow)
    client.force_login(ow.w.admin)
    got = client.get(reverse("oversight:report_download", args=[report.pk, "pdf"]))
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(got.content))
    text = "".join(page.extract_text() for page in reader.pages)
    # pypdf interleaves NULs when decoding fpdf2's two-byte codes (as tests/test_document_render)
    squeezed = "".join(text.replace("\x00", "").split())
    assert report.number in squeezed and "督察情况通报" in squeezed
    assert "总体情况" in squeezed and "附表1" in squeezed and "—1—" in squeezed
    assert sum(len(page.images) for page in reader.pages) >= 2
    assert reader.metadata.author == "阜阳市司法局"


def test_chinese_date_numerals():
    assert render_reports.chinese_date(dt.date(2026, 12, 8)) == "二〇二六年十二月八日"
    assert render_reports.chinese_date(dt.date(2030, 10, 31)) == "二〇三〇年十月三十一日"
    assert render_reports.chinese_date(dt.date(2027, 1, 20)) == "二〇二七年一月二十日"


# --- two issues at once (PostgreSQL) -------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_reports_issued_at_once_get_distinct_numbers(transactional_db, settings):
    from .races import race

    ow = build(settings)
    one, two = _draft(ow.city_reviewer), _draft(ow.city_reviewer)
    results, errors = race(
        lambda: services.report_issue(actor=ow.city_reviewer, report=one),
        lambda: services.report_issue(actor=ow.city_reviewer, report=two),
    )
    assert errors == [] and len(results) == 2
    assert sorted(Report.objects.values_list("sequence", flat=True)) == [1, 2]
    assert len(set(Report.objects.values_list("number", flat=True))) == 2
    # and the same report issued twice at once: one number, one refusal
    three = _draft(ow.city_reviewer)
    results, errors = race(
        lambda: services.report_issue(actor=ow.city_reviewer, report=three),
        lambda: services.report_issue(actor=ow.city_reviewer, report=three),
    )
    assert len(results) == 1 and len(errors) == 1 and errors[0].code == "already_done"
    assert Report.objects.get(pk=three.pk).sequence == 3


def test_no_heading_of_the_pdf_stands_alone_at_the_foot_of_a_page(ow):
    from pypdf import PdfReader

    report = _draft(ow.city_reviewer)
    long = "各单位要严格落实告知承诺制各项要求，依法开展事中事后核查，按期报送整改情况。" * 5
    sections = [
        {"heading": f"第{i}项要求", "text": "\n".join([long] * (i % 3 + 1))} for i in range(9)
    ]
    _edit(ow.city_reviewer, report, sections=sections)
    report = Report.objects.get(pk=report.pk)
    body = render_reports.render(report, selectors.recipients_of(report), "pdf")
    pages = PdfReader(io.BytesIO(body)).pages
    assert len(pages) >= 3
    for page in pages:
        lines = [x.replace("\x00", "").strip() for x in page.extract_text().splitlines()]
        lines = [x for x in lines if x and not x.replace(" ", "").startswith("—")]
        assert lines and not re.match(r"^[一二三四五六七八九十]+、", lines[-1].replace(" ", ""))

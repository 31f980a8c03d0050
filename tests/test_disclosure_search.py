"""Disclosure people can use (R-6.3, R-5.5, R-5.6): the public list of published commitments and
the public dishonesty list are searched by the name as shown, agency, item and date, a page at a
time with the filters kept; a masked name or identifier cannot be confirmed by searching for
it; withdrawn, unapproved, unpublished and expired entries never appear; bad input gets a
message, never a 500; each page runs a fixed number of queries however many rows there are."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from chengnuo.cases import selectors
from chengnuo.cases.constants import CaseStatus, CommitmentStatus
from chengnuo.credit.models import Subject
from chengnuo.credit.selectors import shown_name

from .disclosure_helpers import (
    Disclosure,
    build_disclosure,
    copy_commitment,
    copy_record,
    credit_officer,
    firm,
    person,
    severe_record,
)

pytestmark = pytest.mark.django_db

LIST = "/commitments/"
CREDIT = "/credit/public/"


@pytest.fixture
def d(db) -> Disclosure:
    return build_disclosure()


def rows(body: str) -> list[str]:
    """The table rows of the page's results (one string per row, tags removed)."""
    tbody = body.split("<tbody>", 1)[-1].split("</tbody>", 1)[0]
    found = re.findall(r"<tr>(.*?)</tr>", tbody, flags=re.S)
    return [re.sub(r"<[^>]+>", " ", r) for r in found]


def main(body: str) -> str:
    """The page's main part without the search form (which echoes what was typed)."""
    part = body.split('<main class="wrap" id="main">', 1)[-1].split("</main>", 1)[0]
    return re.sub(r"<form.*?</form>", "", part, flags=re.S)


def count(body: str) -> int:
    match = re.search(r'class="result-count">共 <strong>(\d+)</strong>', body)
    assert match, body
    return int(match.group(1))


def get(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


# --- the shown name is what is searched -----------------------------------------------------


def test_the_searched_name_is_exactly_the_name_the_list_shows(d):
    clerk = d.a.clerk
    names = ["李", "李四", "欧阳小明", "Zhang San", "张*", "100%公司"]
    subjects = [person(clerk, n) for n in names] + [firm(clerk, "阜阳市_汇丰%商贸有限公司")]
    computed = dict(
        Subject.objects.filter(pk__in=[s.pk for s in subjects])
        .annotate(shown=shown_name(""))
        .values_list("pk", "shown")
    )
    assert computed == {s.pk: s.display_name for s in subjects}
    assert computed[subjects[2].pk] == "欧***"


# --- each filter on /commitments/ -----------------------------------------------------------


def test_the_name_filter_finds_a_firm_by_its_published_name_and_leaves_out_others(client, d):
    copy_commitment(d.first, subject=firm(d.a.clerk, "阜阳市汇丰商贸有限公司"))
    copy_commitment(d.first, subject=firm(d.a.clerk, "颍州区晨光餐饮店"))
    body = get(client, LIST, q="汇丰")
    assert count(body) == 1 and "阜阳市汇丰商贸有限公司" in body and "晨光" not in body
    assert "王**" not in "".join(rows(body))


def test_the_name_filter_finds_a_person_by_the_family_name_the_list_shows(client, d):
    copy_commitment(d.first, subject=person(d.a.clerk, "李四"))
    body = get(client, LIST, q="王")
    assert count(body) == 1 and "王**" in body and "李*" not in body
    assert count(get(client, LIST, q="李*")) == 1


def test_a_masked_persons_real_name_finds_nothing(client, d):
    """A walk-around: the full name of a listed person, or its hidden part, confirms nothing."""
    for q in ("王小明", "小明", "明", "王小"):
        body = get(client, LIST, q=q)
        assert count(body) == 0 and rows(body) == [], q
        assert "没有符合条件的承诺" in body
        assert "王小明" not in main(body)


def test_a_full_id_number_or_its_hidden_digits_find_nothing(client, d):
    """A walk-around: the identifier is shown masked and is not searchable at all, neither the
    whole number nor the digits the mask hides nor the ones it shows."""
    number = d.a.person.identifier()
    for q in (number, number[4:-4], number[:4], number[-4:], d.a.person.id_masked):
        body = get(client, LIST, q=q)
        assert count(body) == 0, q
    assert number not in main(get(client, LIST, q=number))


def test_search_fields_of_other_names_are_ignored(client, d):
    """A walk-around: parameters the form does not have (the real name, the signer) change
    nothing."""
    copy_commitment(d.first, subject=person(d.a.clerk, "李四"))
    for params in ({"subject__name": "王小明"}, {"signer_name": "王小明"}, {"name": "王小明"}):
        assert count(get(client, LIST, **params)) == 2


def test_the_agency_filter_offers_the_agencies_that_publish_and_narrows_to_one(client, d):
    copy_commitment(d.first, world=d.b, item=d.b.marriage, subject=person(d.b.clerk, "赵六"))
    quiet = d.a.agency.__class__.objects.create(
        name="阜阳市不公开局", uscc="11341200000000999X", region="fuyang", level="city"
    )
    body = get(client, LIST)
    select = body.split('name="agency"', 1)[1].split("</select>", 1)[0]
    assert d.a.agency.name in select and d.b.agency.name in select
    assert quiet.name not in select
    body = get(client, LIST, agency=d.b.agency.pk)
    assert count(body) == 1 and "赵*" in body and "王**" not in body
    assert f'value="{d.b.agency.pk}" selected' in body


def test_the_item_filter_matches_item_names(client, d):
    copy_commitment(d.first, item=d.a.social, scope="website", subject=person(d.a.clerk, "钱七"))
    body = get(client, LIST, item="社会保险")
    assert count(body) == 1 and "钱*" in body and "王**" not in body
    assert count(get(client, LIST, item="婚姻")) == 1
    assert count(get(client, LIST, item="学历")) == 0


def test_the_date_range_bounds_the_publication_date_with_both_ends_included(client, d):
    today = timezone.localdate()
    ten = copy_commitment(
        d.first, subject=person(d.a.clerk, "孙八"), published=today - dt.timedelta(days=10)
    )
    twenty = copy_commitment(
        d.first, subject=person(d.a.clerk, "周九"), published=today - dt.timedelta(days=20)
    )
    day = ten.publish_from.isoformat()
    body = get(client, LIST, **{"from": day, "to": day})
    assert count(body) == 1 and "孙*" in body
    body = get(client, LIST, **{"from": twenty.publish_from.isoformat()})
    assert count(body) == 3
    body = get(client, LIST, to=(today - dt.timedelta(days=11)).isoformat())
    assert count(body) == 1 and "周*" in body


def test_filters_combine(client, d):
    today = timezone.localdate()
    b_person = person(d.b.clerk, "王五")
    copy_commitment(d.first, world=d.b, item=d.b.marriage, subject=b_person)
    copy_commitment(
        d.first,
        world=d.b,
        item=d.b.marriage,
        subject=b_person,
        published=today - dt.timedelta(days=5),
    )
    copy_commitment(d.first, world=d.b, item=d.b.social, subject=b_person, scope="website")
    params = {"q": "王", "agency": d.b.agency.pk, "item": "婚姻", "from": today.isoformat()}
    body = get(client, LIST, **params)
    assert count(body) == 1
    assert count(get(client, LIST, q="王")) == 4
    assert count(get(client, LIST, q="王", agency=d.b.agency.pk)) == 3
    assert count(get(client, LIST, q="王", agency=d.b.agency.pk, item="婚姻")) == 2


# --- what is never listed -------------------------------------------------------------------


def _hidden_commitments(d: Disclosure) -> list[str]:
    """Commitments of 李 subjects that must never be listed; returns their shown names."""
    clerk, today = d.a.clerk, timezone.localdate()
    cases = [
        {"status": CommitmentStatus.WITHDRAWN},
        {"case_status": CaseStatus.SUBMITTED},
        {"case_status": CaseStatus.REVOKED},
        {"scope": ""},
        {"published": today - dt.timedelta(days=40)},  # ended ten days ago
        {"published": today + dt.timedelta(days=1)},  # not yet
    ]
    shown = []
    for i, changes in enumerate(cases):
        subject = person(clerk, "李" + "四" * (i + 1))
        copy_commitment(d.first, subject=subject, **changes)
        shown.append(subject.display_name)
    return shown


def test_withdrawn_unapproved_unpublished_or_expired_commitments_never_appear(client, d):
    hidden = _hidden_commitments(d)
    for params in ({}, {"q": "李"}, {"q": "*"}, {"item": "婚姻"}, {"agency": d.a.agency.pk}):
        body = get(client, LIST, **params)
        assert not any(name in body for name in hidden), params
    assert count(get(client, LIST)) == 1
    hall = client.get(reverse("commitment_hall")).content.decode()
    assert "王**" in hall and not any(name in hall for name in hidden)
    assert not any(
        name in client.get(reverse("commitment_hall"), {"agency": d.a.agency.pk}).content.decode()
        for name in hidden
    )


def test_a_service_hall_only_commitment_is_not_on_the_website_list(client, d):
    copy_commitment(d.first, subject=person(d.a.clerk, "郑十"), scope="service_hall")
    assert "郑*" not in get(client, LIST)
    assert "郑*" not in get(client, LIST, q="郑")


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2025-02-30"}, "“公开日期”的起始日期不是有效日期"),
        ({"to": "昨天"}, "“公开日期”的截止日期不是有效日期"),
        ({"from": "2025-1-5"}, "不是有效日期"),
        ({"agency": "999999"}, "“实施机关”无效"),
        ({"agency": "abc"}, "“实施机关”无效"),
        ({"agency": "99999999999999999999999"}, "“实施机关”无效"),
        ({"from": "2025-03-01", "to": "2025-02-01"}, "起始日期晚于截止日期"),
        ({"q": "王" * 80}, "“承诺人”不能超过50个字"),
        ({"item": "证" * 80}, "“证明事项”不能超过50个字"),
    ],
)
def test_bad_input_gives_a_message_naming_the_field_not_a_500(client, d, params, message):
    body = get(client, LIST, **params)
    assert message in body
    assert 'role="alert"' in body
    assert "清除筛选" in body


def test_a_bad_value_is_left_out_and_the_good_ones_still_apply(client, d):
    copy_commitment(d.first, subject=person(d.a.clerk, "李四"))
    body = get(client, LIST, q="李", agency="999999", **{"from": "not-a-date"})
    assert count(body) == 1 and "李*" in body


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", "1" * 40, "2.5"])
def test_any_page_number_gives_a_page(client, d, page):
    assert count(get(client, LIST, page=page)) == 1


def test_control_characters_in_the_search_are_harmless(client, d):
    assert count(get(client, LIST, q="王\x00\x1f")) == 1
    assert count(get(client, LIST, q="%")) == 0
    assert count(get(client, LIST, q="_")) == 0


# --- the form, the count, the pages ---------------------------------------------------------


def test_the_form_keeps_the_values_and_offers_to_clear_them(client, d):
    body = get(
        client,
        LIST,
        q="王",
        item="婚姻",
        agency=d.a.agency.pk,
        **{"from": "2020-01-01", "to": "2099-12-31"},
    )
    for expected in (
        'name="q" value="王"',
        'name="item" value="婚姻"',
        f'value="{d.a.agency.pk}" selected',
        'name="from" value="2020-01-01"',
        'name="to" value="2099-12-31"',
    ):
        assert expected in body, expected
    assert f'href="{LIST}" class="button secondary">清除筛选' in body
    assert "清除筛选" not in get(client, LIST)


def test_the_list_has_breadcrumbs_and_a_link_to_the_hall_screen(client, d):
    body = get(client, LIST)
    assert 'class="breadcrumbs"' in body and "首页" in body
    assert reverse("commitment_hall") in body
    credit = get(client, CREDIT)
    assert 'class="breadcrumbs"' in credit


def test_pages_hold_30_rows_and_page_links_keep_the_filters(client, d):
    for _ in range(34):
        copy_commitment(d.first, subject=d.a.person)
    copy_commitment(d.first, subject=person(d.a.clerk, "李四"))
    body = get(client, LIST, q="王", item="婚姻")
    assert count(body) == 35 and len(rows(body)) == 30
    assert "第 1 / 2 页" in body
    next_link = re.search(r'<a href="\?([^"]+)" rel="next">', body)
    assert next_link is not None
    query = next_link.group(1).replace("&amp;", "&")
    assert set(query.split("&")) == {"q=%E7%8E%8B", "item=%E5%A9%9A%E5%A7%BB", "page=2"}
    second = get(client, f"{LIST}?{query}")
    assert len(rows(second)) == 5 and "李*" not in second
    assert 'name="q" value="王"' in second and 'rel="prev"' in second


def test_the_empty_state_says_no_commitment_matches(client, d):
    body = get(client, LIST, q="不存在的公司")
    assert count(body) == 0 and "没有符合条件的承诺" in body


def test_the_agency_choices_are_read_from_the_catalog_not_the_commitments(d):
    copy_commitment(d.first, world=d.b, item=d.b.marriage)
    agencies = dict(selectors.publishing_agencies())
    assert set(agencies) >= {d.a.agency.pk, d.b.agency.pk}
    d.b.marriage.disclosure_scope = ""
    d.b.marriage.save(update_fields=["disclosure_scope"])
    assert d.b.agency.pk not in dict(selectors.publishing_agencies())


# --- the public dishonesty list -------------------------------------------------------------


@pytest.fixture
def listed(d):
    """Severe records: 周八 (person, by A, 10 days ago), 汇丰 (firm, by B, 100 days ago)."""
    officer = credit_officer()
    zhou = person(officer, "周八")
    firm_ = firm(officer, "阜阳市汇丰商贸有限公司")
    return {
        "officer": officer,
        "zhou": severe_record(officer, zhou, agency=d.a.agency, days_ago=10),
        "firm": severe_record(officer, firm_, agency=d.b.agency, days_ago=100),
    }


def test_the_dishonesty_list_filters_by_shown_name_agency_and_decision_date(client, d, listed):
    assert count(get(client, CREDIT)) == 2
    body = get(client, CREDIT, q="周")
    assert count(body) == 1 and "周*" in body and "汇丰" not in body
    body = get(client, CREDIT, q="汇丰")
    assert count(body) == 1 and "阜阳市汇丰商贸有限公司" in body
    body = get(client, CREDIT, agency=d.b.agency.pk)
    assert count(body) == 1 and "汇丰" in body
    assert f'value="{d.b.agency.pk}" selected' in body
    day = listed["zhou"].decided_on.isoformat()
    body = get(client, CREDIT, **{"from": day, "to": day})
    assert count(body) == 1 and "周*" in body
    old = listed["firm"].decided_on
    body = get(client, CREDIT, to=(old + dt.timedelta(days=1)).isoformat())
    assert count(body) == 1 and "汇丰" in body
    assert count(get(client, CREDIT, q="周", agency=d.b.agency.pk)) == 0
    assert "没有符合条件的公示信息" in get(client, CREDIT, q="周", agency=d.b.agency.pk)


def test_a_listed_persons_real_name_or_id_number_finds_nothing(client, d, listed):
    subject = listed["zhou"].subject
    number = subject.identifier()
    for q in ("周八", "八", number, number[4:-4], subject.id_masked):
        body = get(client, CREDIT, q=q)
        assert count(body) == 0, q
    page = get(client, CREDIT, q="周")
    assert number not in page and "周八" not in page and subject.id_masked in page


def test_records_outside_their_publication_period_or_repaired_never_appear(client, d, listed):
    today = timezone.localdate()
    officer = listed["officer"]
    template = listed["zhou"]
    names = []
    for i, changes in enumerate(
        [
            {"publish_to": today - dt.timedelta(days=1)},
            {"publish_from": today + dt.timedelta(days=1)},
            {"status": "repaired"},
            {"status": "removed"},
            {"grade": "general"},
            {"kind": "commitment_kept", "grade": ""},
        ]
    ):
        subject = person(officer, "吴" + "九" * (i + 1))
        copy_record(template, subject=subject, **changes)
        names.append(subject.display_name)
    for params in ({}, {"q": "吴"}, {"q": "*"}, {"agency": d.a.agency.pk}):
        body = get(client, CREDIT, **params)
        assert not any(n in body for n in names), params
    assert count(get(client, CREDIT)) == 2
    hall = client.get(reverse("commitment_hall")).content.decode()
    assert "周*" in hall and not any(n in hall for n in names)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2025-13-01"}, "“认定日期”的起始日期不是有效日期"),
        ({"to": "2025/01/01"}, "“认定日期”的截止日期不是有效日期"),
        ({"agency": "0"}, "“实施机关”无效"),
        ({"agency": "1e3"}, "“实施机关”无效"),
        ({"from": "2025-03-01", "to": "2025-01-01"}, "起始日期晚于截止日期"),
        ({"q": "周" * 51}, "“主体名称”不能超过50个字"),
    ],
)
def test_bad_input_on_the_dishonesty_list_gives_a_message_not_a_500(
    client, d, listed, params, message
):
    body = get(client, CREDIT, **params)
    assert message in body and 'role="alert"' in body
    # the bad condition is left out: both records are still listed (the cut name matches none)
    assert count(body) == (0 if "q" in params else 2)


def test_the_dishonesty_list_pages_30_rows_and_keeps_the_filters(client, d, listed):
    for _ in range(31):
        copy_record(listed["zhou"])
    body = get(client, CREDIT, q="周")
    assert count(body) == 32 and len(rows(body)) == 30
    link = re.search(r'<a href="\?([^"]+)" rel="next">', body)
    assert link is not None and "q=%E5%91%A8" in link.group(1)
    assert len(rows(get(client, f"{CREDIT}?{link.group(1).replace('&amp;', '&')}"))) == 2


# --- the service hall's screen --------------------------------------------------------------

HALL = "/commitments/hall/"


def test_the_hall_screen_renders_without_an_agency(client, d, listed):
    copy_commitment(d.first, world=d.b, item=d.b.marriage, subject=person(d.b.clerk, "赵六"))
    body = get(client, HALL)
    assert "证明事项告知承诺书公开" in body
    assert "王**" in body and "赵*" in body and "周*" in body and "阜阳市汇丰商贸有限公司" in body
    assert d.a.person.identifier() not in body and "王小明" not in body and "周八" not in body


def test_the_hall_screen_of_one_agency_shows_that_agency_only(client, d, listed):
    copy_commitment(d.first, world=d.b, item=d.b.marriage, subject=person(d.b.clerk, "赵六"))
    body = get(client, HALL, agency=d.b.agency.pk)
    assert d.b.agency.name in body.split("</h1>", 1)[0]
    assert "赵*" in body and "王**" not in body
    assert "阜阳市汇丰商贸有限公司" in body and "周*" not in body


def test_the_hall_screen_of_a_region_shows_its_agencies(client, d):
    county = d.b.agency
    county.region = "yingzhou"
    county.save(update_fields=["region"])
    copy_commitment(d.first, world=d.b, item=d.b.marriage, subject=person(d.b.clerk, "赵六"))
    body = get(client, HALL, region="yingzhou")
    assert "颍州区" in body.split("</h1>", 1)[0]
    assert "赵*" in body and "王**" not in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"agency": "999999"}, "“实施机关”无效"),
        ({"agency": "<script>"}, "“实施机关”无效"),
        ({"region": "atlantis"}, "“行政区划”无效"),
    ],
)
def test_bad_input_on_the_hall_screen_gives_a_message_and_shows_everything(
    client, d, params, message
):
    body = get(client, HALL, **params)
    assert message in body and "王**" in body


def test_the_hall_screen_is_a_big_screen_that_turns_its_pages_and_reloads_itself(client, d):
    for _ in range(20):
        copy_commitment(d.first)
    body = get(client, HALL)
    assert '<meta http-equiv="refresh" content="300">' in body
    assert "<nav" not in body and "main-nav" not in body and "登录" not in body
    assert re.findall(r"<script[^>]*>", body) == ['<script src="/static/cases/hall.js" defer>']
    assert re.search(r'data-rotate data-rows="8" data-seconds="15"', body)
    assert len(rows(body)) == 21  # every row is in the page; the script shows 8 at a time
    assert "http://" not in body and "https://" not in body
    assert not re.search(r"R-\d+\.\d+", body)


def test_the_hall_screen_scripts_and_styles_are_local_files():
    from django.contrib.staticfiles import finders

    for name in ("cases/hall.js", "cases/hall.css"):
        path = finders.find(name)
        assert path, name
        with open(path, encoding="utf-8") as f:
            text = f.read()
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
        assert "eval(" not in text and "innerHTML" not in text


def test_a_service_hall_only_commitment_is_shown_only_on_screens_in_the_halls_networks(
    client, d, settings
):
    copy_commitment(d.first, subject=person(d.a.clerk, "郑十"), scope="service_hall")
    settings.HALL_NETWORKS = ["10.20.0.0/16"]
    outside = client.get(HALL, REMOTE_ADDR="203.0.113.9").content.decode()
    assert "王**" in outside and "郑*" not in outside
    inside = client.get(HALL, REMOTE_ADDR="10.20.3.4").content.decode()
    assert "王**" in inside and "郑*" in inside
    # a forged X-Forwarded-For does not bring a client into the hall (no trusted proxy)
    forged = client.get(
        HALL, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.20.3.4"
    ).content.decode()
    assert "郑*" not in forged
    settings.HALL_NETWORKS = []
    assert "郑*" not in client.get(HALL, REMOTE_ADDR="10.20.3.4").content.decode()


# --- bounded queries ------------------------------------------------------------------------


def _published(d: Disclosure, n: int) -> None:
    """n published commitments over both agencies and three subjects."""
    subjects = [d.a.person, firm(d.a.clerk, "阜阳市汇丰商贸有限公司"), person(d.a.clerk, "李四")]
    for i in range(n - 1):
        if i % 2:
            copy_commitment(d.first, world=d.b, item=d.b.marriage, subject=subjects[i % 3])
        else:
            copy_commitment(d.first, subject=subjects[i % 3])


def _listed(d: Disclosure, n: int) -> None:
    """n publicly listed records over both agencies and two subjects."""
    officer = credit_officer()
    subjects = [d.a.person, firm(officer, "阜阳市晨光餐饮有限公司")]
    record = severe_record(officer, d.a.person, agency=d.a.agency)
    for i in range(n - 1):
        copy_record(record, subject=subjects[i % 2], deciding_agency=(d.a, d.b)[i % 2].agency)


def all_rows(body: str) -> int:
    return sum(len(re.findall(r"<tr>", t.split("</tbody>")[0])) for t in body.split("<tbody>")[1:])


@pytest.mark.parametrize("n", [3, 30])
def test_the_commitment_list_runs_a_fixed_number_of_queries(
    client, d, n, django_assert_max_num_queries
):
    _published(d, n)
    with django_assert_max_num_queries(3):
        body = get(client, LIST)
    assert len(rows(body)) == n
    with django_assert_max_num_queries(3):
        body = get(client, LIST, q="王", agency=d.a.agency.pk, item="婚姻", page="1")
    assert rows(body)


@pytest.mark.parametrize("n", [3, 30])
def test_the_dishonesty_list_runs_a_fixed_number_of_queries(
    client, d, n, django_assert_max_num_queries
):
    _listed(d, n)
    with django_assert_max_num_queries(3):
        body = get(client, CREDIT)
    assert len(rows(body)) == n
    with django_assert_max_num_queries(3):
        body = get(client, CREDIT, q="王", agency=d.a.agency.pk, **{"from": "2020-01-01"})
    assert rows(body)


@pytest.mark.parametrize("n", [3, 30])
def test_the_hall_screen_runs_a_fixed_number_of_queries(
    client, d, n, django_assert_max_num_queries
):
    _published(d, n)
    _listed(d, n)
    with django_assert_max_num_queries(2):
        body = get(client, HALL)
    assert all_rows(body) == 2 * n
    with django_assert_max_num_queries(3):
        body = get(client, HALL, agency=d.a.agency.pk)
    assert all_rows(body) > 0


def test_the_shown_name_search_is_one_query_computed_by_the_database(d):
    sql = str(selectors.public_commitments(q="王").query).upper()
    assert "LIKE" in sql and "REPEAT" in sql


# --- the pieces -----------------------------------------------------------------------------


def test_list_filters_keep_good_values_and_name_each_bad_one():
    from chengnuo.core.listing import list_filters

    good = list_filters(
        {"q": "  王\t五 ", "agency": "7", "item": "婚姻", "from": "2025-01-01", "to": "2025-01-31"},
        agency_ids={7},
        item=True,
        q_label="承诺人",
        date_label="公开日期",
    )
    assert (good.q, good.agency_id, good.item) == ("王 五", 7, "婚姻")
    assert (good.date_from, good.date_to) == (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    assert good.errors == [] and good.active
    bad = list_filters(
        {"agency": "8", "from": "2025-02-29", "to": "2024-12-31"},
        agency_ids={7},
        q_label="承诺人",
        date_label="公开日期",
    )
    assert bad.agency_id is None and bad.date_from is None and bad.date_to == dt.date(2024, 12, 31)
    assert len(bad.errors) == 2 and not bad.form["from"] and bad.form["agency"] == ""
    reversed_ = list_filters(
        {"from": "2025-02-01", "to": "2025-01-01"}, agency_ids=(), q_label="x", date_label="日期"
    )
    assert reversed_.date_from is None and reversed_.date_to is None and not reversed_.active
    assert reversed_.form == {"q": "", "agency": "", "from": "2025-02-01", "to": "2025-01-01"}


def test_a_client_is_in_the_halls_networks_only_by_its_own_address(settings):
    from django.test import RequestFactory

    from chengnuo.core.net import client_in

    rf = RequestFactory()
    networks = ["10.20.0.0/16", "2001:db8:5::/48"]
    assert client_in(rf.get("/", REMOTE_ADDR="10.20.9.9"), networks)
    assert not client_in(rf.get("/", REMOTE_ADDR="10.21.0.1"), networks)
    assert client_in(rf.get("/", REMOTE_ADDR="2001:db8:5:1::7"), networks)
    assert not client_in(rf.get("/", REMOTE_ADDR="2001:db8:6::7"), networks)
    assert not client_in(rf.get("/", REMOTE_ADDR="10.20.9.9"), [])
    assert not client_in(rf.get("/", REMOTE_ADDR=""), networks)
    behind = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.20.1.1")
    assert not client_in(behind, networks)
    settings.TRUSTED_PROXIES = 1
    assert client_in(behind, networks)


def test_a_hall_network_that_is_not_a_network_stops_the_start():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chengnuo.config.settings",
        "PYTHONPATH": str(root / "src"),
        "CHENGNUO_HALL_NETWORKS": "10.20.0.0/16,服务大厅",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0 and "CHENGNUO_HALL_NETWORKS" in out.stderr

"""The public portal (R-7.1, R-3.5, R-7.2, R-1.2) and the staff workbench."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chengnuo.agencies.constants import Level, Region, Role
from chengnuo.catalog.constants import MatterType
from chengnuo.catalog.models import CatalogVersion, CertificationItem, ChangeProposal
from chengnuo.catalog.services import proposal_file, proposal_submit
from chengnuo.portal import views

from .factories import (
    CertificationItemFactory,
    MatterFactory,
    item_payload,
    user_with_role,
)

COMMIT_TAG = "实行告知承诺制"


def publish(admin, reviewer, agency, action, code, payload=None, reason="法律修订"):
    """Submit a proposal and file it effective today: applies it and publishes a version."""
    proposal = proposal_submit(
        actor=admin,
        agency=agency,
        action=action,
        item_code=code,
        payload=payload,
        reason=reason,
        law_change="《中华人民共和国行政许可法》修订",
        effective_date=timezone.localdate(),
    )
    return proposal_file(actor=reviewer, proposal=proposal)


def item_with_matter(matter, **kwargs):
    item = CertificationItemFactory(agency=matter.agency, **kwargs)
    item.matters.add(matter)
    return item


def page(client, name, params=None, **kwargs):
    return client.get(reverse(f"portal:{name}", kwargs=kwargs or None), params or {})


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def catalog_items(agency_a, agency_b, matter_a):
    """Two agencies in two regions, items of several kinds."""
    agency_b.region = Region.YINGZHOU
    agency_b.level = Level.COUNTY
    agency_b.save()
    matter_b = MatterFactory(
        agency=agency_b, code="MZ-001", name="最低生活保障审批", matter_type=MatterType.BENEFIT
    )
    return {
        "exam": item_with_matter(
            matter_a,
            code="RS-C-001",
            name="学历证明",
            priority_domains=["qualification_exam"],
        ),
        "income": item_with_matter(
            matter_b,
            code="MZ-C-001",
            name="家庭收入证明",
            priority_domains=["social_assistance"],
        ),
        "plain": item_with_matter(
            matter_a, code="RS-C-002", name="工作经历证明", under_commitment=False
        ),
        "removed": item_with_matter(matter_a, code="RS-C-003", name="已取消的证明", removed=True),
        "matter_b": matter_b,
    }


# --- home -----------------------------------------------------------------------------------


def test_home_quotes_the_policy_and_counts_items_by_priority_domain(client, catalog_items):
    response = page(client, "home")
    body = text(response)
    assert response.status_code == 200
    assert "阜政办〔2021〕1号" in body
    assert "资格考试" in body and "社会救助" in body
    assert "目前共有 <strong>2</strong> 个证明事项实行告知承诺制" in body
    assert "阜阳市人力资源和社会保障局" in body
    assert reverse("portal:agency_detail", kwargs={"pk": catalog_items["exam"].agency_id}) in body
    assert "颍州区" in body


def test_home_renders_with_an_empty_database(client, db):
    response = page(client, "home")
    assert response.status_code == 200
    assert "暂无机关信息" in text(response)


# --- catalog search (R-7.1) -----------------------------------------------------------------


def codes_in(response) -> set[str]:
    return {item.code for item in response.context["items"]}


def test_catalog_lists_items_under_commitment_with_the_red_tag(client, catalog_items):
    response = page(client, "catalog")
    body = text(response)
    assert response.status_code == 200
    assert codes_in(response) == {"RS-C-001", "MZ-C-001"}
    assert f'<span class="tag tag-commit">{COMMIT_TAG}</span>' in body
    assert "共找到 <strong>2</strong> 个证明事项" in body
    assert reverse("portal:item_detail", kwargs={"code": "RS-C-001"}) in body


def test_catalog_search_by_chinese_item_name(client, catalog_items):
    assert codes_in(page(client, "catalog", {"q": "学历"})) == {"RS-C-001"}


def test_catalog_search_by_matter_name(client, catalog_items):
    assert codes_in(page(client, "catalog", {"q": "最低生活保障"})) == {"MZ-C-001"}


def test_catalog_search_words_all_apply(client, catalog_items):
    assert codes_in(page(client, "catalog", {"q": "学历 最低生活保障"})) == set()


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("region", "yingzhou", {"MZ-C-001"}),
        ("region", "fuyang", {"RS-C-001"}),
        ("domain", "qualification_exam", {"RS-C-001"}),
        ("domain", "social_assistance", {"MZ-C-001"}),
        ("matter_type", "benefit", {"MZ-C-001"}),
        ("matter_type", "licensing", {"RS-C-001"}),
    ],
)
def test_each_catalog_filter_narrows_results(client, catalog_items, param, value, expected):
    assert codes_in(page(client, "catalog", {param: value})) == expected


def test_catalog_agency_filter_narrows_results(client, catalog_items, agency_b):
    assert codes_in(page(client, "catalog", {"agency": agency_b.pk})) == {"MZ-C-001"}


def test_items_not_under_commitment_are_hidden_unless_all_is_checked(client, catalog_items):
    assert "RS-C-002" not in codes_in(page(client, "catalog"))
    response = page(client, "catalog", {"all": "1"})
    assert codes_in(response) == {"RS-C-001", "MZ-C-001", "RS-C-002"}
    assert "含未实行告知承诺制的事项" in text(response)


def test_removed_items_never_appear(client, catalog_items):
    for params in ({}, {"all": "1"}, {"q": "已取消"}, {"q": "RS-C-003", "all": "1"}):
        response = page(client, "catalog", params)
        assert "RS-C-003" not in codes_in(response)
        assert "已取消的证明" not in text(response)


def test_catalog_shows_download_links_for_the_current_filter(client, catalog_items, agency_b):
    body = text(page(client, "catalog", {"agency": agency_b.pk, "q": "收入"}))
    for fmt in ("xlsx", "csv", "json"):
        url = reverse("portal:export", kwargs={"fmt": fmt})
        assert f'href="{url}?q=%E6%94%B6%E5%85%A5&amp;agency={agency_b.pk}"' in body


def test_catalog_with_htmx_returns_only_the_results_block(client, catalog_items):
    response = client.get(reverse("portal:catalog"), {"q": "学历"}, headers={"HX-Request": "true"})
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body and "<form" not in body
    assert "学历证明" in body
    assert "HX-Request" in response["Vary"]


def test_catalog_without_htmx_renders_the_whole_page_with_the_filter_form(client, catalog_items):
    body = text(page(client, "catalog"))
    assert "<html" in body and 'hx-get="/catalog/"' in body and 'id="results"' in body
    assert 'name="all"' in body


def test_catalog_paginates_thirty_per_page(client, agency_a):
    CertificationItemFactory.create_batch(31, agency=agency_a)
    first = page(client, "catalog")
    assert len(first.context["items"]) == 30
    assert "第 1 / 2 页" in text(first)
    second = page(client, "catalog", {"page": "2"})
    assert len(second.context["items"]) == 1


def test_catalog_search_page_uses_a_bounded_number_of_queries(
    client, agency_a, matter_a, django_assert_max_num_queries
):
    other = MatterFactory(agency=agency_a)
    for _ in range(40):
        item = CertificationItemFactory(agency=agency_a)
        item.matters.add(matter_a, other)
    with django_assert_max_num_queries(6):
        response = page(client, "catalog", {"q": "测试", "matter_type": "licensing"})
    assert len(response.context["items"]) == 30


def test_bad_filter_values_are_ignored_with_a_message(client, catalog_items):
    response = page(
        client,
        "catalog",
        {"region": "火星", "domain": "x", "matter_type": "y", "agency": "abc", "page": "zz"},
    )
    body = text(response)
    assert response.status_code == 200
    assert codes_in(response) == {"RS-C-001", "MZ-C-001"}
    for message in ("未知的行政区划", "未知的重点领域", "未知的事项类型", "“实施机关”参数无效"):
        assert message in body


def test_overlong_query_is_cut_with_a_message(client, catalog_items):
    response = page(client, "catalog", {"q": "学历" + "啊" * 5000})
    assert response.status_code == 200
    assert "检索词过长" in text(response)


@pytest.mark.django_db
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.text(max_size=300),
    region=st.text(max_size=40),
    domain=st.text(max_size=40),
    matter_type=st.text(max_size=40),
    agency=st.one_of(st.text(max_size=30), st.integers().map(str)),
    page_number=st.one_of(st.text(max_size=30), st.integers().map(str)),
)
def test_random_filter_values_never_cause_a_server_error(
    client, q, region, domain, matter_type, agency, page_number
):
    params = {
        "q": q,
        "region": region,
        "domain": domain,
        "matter_type": matter_type,
        "agency": agency,
        "page": page_number,
        "all": "1",
    }
    for name in ("catalog", "matters", "versions"):
        assert page(client, name, params).status_code == 200
    assert client.get(reverse("portal:export", kwargs={"fmt": "json"}), params).status_code == 200
    compare = page(client, "version_compare", {"a": agency, "b": page_number})
    assert compare.status_code in (200, 400, 404)


# --- item detail ----------------------------------------------------------------------------


def test_item_detail_shows_every_field_with_chinese_labels_and_matters(client, catalog_items):
    item = catalog_items["exam"]
    item.disclosure_scope = "website"
    item.disclosure_period_days = 30
    item.save()
    response = page(client, "item_detail", code=item.code)
    body = text(response)
    assert response.status_code == 200
    for label in (
        "证明事项编码",
        "证明内容",
        "开具单位",
        "设定依据",
        "重点领域",
        "不适用领域",
        "核查方式",
        "核查时限（工作日）",
        "承诺书公开范围",
        "需责任保险",
        "防控措施",
        "生效日期",
    ):
        assert f"<dt>{label}</dt>" in body
    assert "<dd>资格考试</dd>" in body
    assert "<dd>在线核查</dd>" in body
    assert "<dd>门户网站</dd>" in body
    assert "职业资格考试报名" in body
    assert reverse("portal:matter_detail", kwargs={"code": "RS-001"}) in body


def test_item_detail_shows_versions_and_effective_proposals(
    client, admin_a, reviewer, agency_a, matter_a
):
    publish(
        admin_a,
        reviewer,
        agency_a,
        "add",
        "RS-P-001",
        item_payload(matter_codes=[matter_a.code]),
        reason="扩大告知承诺范围",
    )
    publish(
        admin_a,
        reviewer,
        agency_a,
        "amend",
        "RS-P-001",
        item_payload(matter_codes=[matter_a.code], verification_time_limit_days=5),
        reason="缩短核查时限",
    )
    body = text(page(client, "item_detail", code="RS-P-001"))
    assert "扩大告知承诺范围" in body and "缩短核查时限" in body
    assert "新增" in body and "调整" in body
    # the filing date is public; the reviewer's name is not (personal data, R-5.6)
    assert str(reviewer) not in body and "备案日期" in body
    for version in CatalogVersion.objects.filter(agency=agency_a):
        assert reverse("portal:version_detail", kwargs={"pk": version.pk}) in body


def test_removed_item_detail_says_it_was_removed(client, catalog_items):
    response = page(client, "item_detail", code="RS-C-003")
    assert response.status_code == 200
    assert "已取消" in text(response)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("item_detail", {"code": "NO-SUCH-ITEM"}),
        ("matter_detail", {"code": "NO-SUCH-MATTER"}),
        ("agency_detail", {"pk": 999999}),
        ("agency_detail", {"pk": 10**30}),
        ("version_detail", {"pk": 999999}),
        ("version_detail", {"pk": 10**30}),
    ],
)
def test_unknown_objects_are_404(client, db, name, kwargs):
    assert page(client, name, **kwargs).status_code == 404


# --- matters (R-3.5) ------------------------------------------------------------------------


def test_matters_list_searches_and_filters(client, catalog_items, agency_b):
    response = page(client, "matters")
    assert response.status_code == 200
    assert "职业资格考试报名" in text(response) and "最低生活保障审批" in text(response)
    found = page(client, "matters", {"q": "最低生活"})
    assert [m.code for m in found.context["page_obj"]] == ["MZ-001"]
    by_type = page(client, "matters", {"matter_type": "licensing"})
    assert [m.code for m in by_type.context["page_obj"]] == ["RS-001"]
    by_agency = page(client, "matters", {"agency": agency_b.pk})
    assert [m.code for m in by_agency.context["page_obj"]] == ["MZ-001"]


def test_matters_list_counts_items_in_force(client, catalog_items):
    body = text(page(client, "matters", {"q": "职业资格"}))
    # RS-001 requires RS-C-001 (commitment) and RS-C-002 (proof); RS-C-003 is removed.
    assert "2项，其中1项可承诺" in body


def test_matter_page_marks_items_under_commitment_and_only_those(client, catalog_items):
    response = page(client, "matter_detail", code="RS-001")
    body = text(response)
    assert response.status_code == 200
    assert "申请材料" in body
    assert "申请书" in body and "身份证明" in body  # matter.materials come first
    assert body.count(COMMIT_TAG) == 1
    commit_row = body[body.index("学历证明") : body.index("学历证明") + 600]
    assert COMMIT_TAG in commit_row and "书面承诺代替" in commit_row
    plain_row = body[body.index("工作经历证明") :]
    plain_row = plain_row[: plain_row.index("</tr>")]
    assert COMMIT_TAG not in plain_row and "需提交证明" in plain_row
    assert "已取消的证明" not in body


def test_matter_page_without_items_under_commitment_has_no_commitment_mark(client, agency_a):
    matter = MatterFactory(agency=agency_a, name="普通事项")
    item_with_matter(matter, under_commitment=False, name="普通证明")
    body = text(page(client, "matter_detail", code=matter.code))
    assert COMMIT_TAG not in body
    assert "需提交证明" in body


# --- agency ---------------------------------------------------------------------------------


def test_agency_page_shows_its_catalog_versions_and_exports(
    client, admin_a, reviewer, agency_a, matter_a, catalog_items
):
    publish(admin_a, reviewer, agency_a, "add", "RS-P-001", item_payload(matter_codes=["RS-001"]))
    response = page(client, "agency_detail", pk=agency_a.pk)
    body = text(response)
    assert response.status_code == 200
    assert "阜阳市人力资源和社会保障局证明事项告知承诺制目录清单" in body
    assert codes_in(response) == {"RS-C-001", "RS-P-001"}
    assert "第1版" in body
    assert f"{reverse('portal:export', kwargs={'fmt': 'xlsx'})}?agency={agency_a.pk}" in body


# --- versions (R-7.2) -----------------------------------------------------------------------


@pytest.fixture
def two_versions(admin_a, reviewer, agency_a, matter_a):
    """First version holds A, B, C; the latest has B amended, C removed and D added."""
    for code, name in (("V-A", "甲证明"), ("V-B", "乙证明"), ("V-C", "丙证明")):
        payload = item_payload(name=name, matter_codes=[matter_a.code])
        proposal_submit(
            actor=admin_a,
            agency=agency_a,
            action="add",
            item_code=code,
            payload=payload,
            reason="首次公布",
            law_change="国办发〔2020〕42号",
            effective_date=timezone.localdate(),
        )
    for proposal in ChangeProposal.objects.filter(agency=agency_a).order_by("id"):
        proposal_file(actor=reviewer, proposal=proposal)
    base = CatalogVersion.objects.filter(agency=agency_a).order_by("-number").first()
    publish(
        admin_a,
        reviewer,
        agency_a,
        "amend",
        "V-B",
        item_payload(name="乙证明", matter_codes=[matter_a.code], verification_method="on_site"),
    )
    publish(admin_a, reviewer, agency_a, "remove", "V-C")
    publish(
        admin_a,
        reviewer,
        agency_a,
        "add",
        "V-D",
        item_payload(name="丁证明", matter_codes=[matter_a.code]),
    )
    latest = CatalogVersion.objects.filter(agency=agency_a).order_by("-number").first()
    return base, latest


def test_versions_page_lists_number_date_count_and_digest(client, two_versions):
    base, latest = two_versions
    response = page(client, "versions")
    body = text(response)
    assert response.status_code == 200
    assert base.digest in body and latest.digest in body
    assert f"第{base.number}版" in body and f"第{latest.number}版" in body
    assert f"<td>{len(latest.items)}</td>" in body
    assert f"<td>{len(base.items)}</td>" in body


def test_versions_page_filters_by_agency(client, two_versions, agency_b):
    response = page(client, "versions", {"agency": agency_b.pk})
    assert list(response.context["page_obj"]) == []
    assert "暂无已发布的目录版本" in text(response)


def test_version_detail_lists_the_snapshot_items(client, two_versions):
    base, _ = two_versions
    response = page(client, "version_detail", pk=base.pk)
    body = text(response)
    assert response.status_code == 200
    assert "甲证明" in body and "乙证明" in body and "丙证明" in body
    assert "丁证明" not in body
    assert base.digest in body


def test_version_compare_shows_added_changed_and_removed(client, two_versions):
    base, latest = two_versions
    response = page(client, "version_compare", {"a": base.pk, "b": latest.pk})
    body = text(response)
    assert response.status_code == 200
    diff = response.context["diff"]
    assert [row["code"] for row in diff["added"]] == ["V-D"]
    assert [row["code"] for row in diff["removed"]] == ["V-C"]
    assert [c["code"] for c in diff["changed"]] == ["V-B"]
    fields = diff["changed"][0]["fields"]
    assert {"label": "核查方式", "before": "在线核查", "after": "现场核查"} in fields
    assert "丁证明" in body and "丙证明" in body
    assert "新增 1 项，调整 1 项，取消 1 项" in body


def test_version_compare_with_only_b_compares_with_the_previous_version(client, two_versions):
    _, latest = two_versions
    response = page(client, "version_compare", {"b": latest.pk})
    assert response.status_code == 200
    assert [row["code"] for row in response.context["diff"]["added"]] == ["V-D"]


def test_version_compare_of_two_agencies_is_400_with_a_message(
    client, two_versions, admin_b, reviewer, agency_b
):
    matter_b = MatterFactory(agency=agency_b)
    publish(
        admin_b, reviewer, agency_b, "add", "MZ-P-1", item_payload(matter_codes=[matter_b.code])
    )
    other = CatalogVersion.objects.get(agency=agency_b)
    base, _ = two_versions
    response = page(client, "version_compare", {"a": base.pk, "b": other.pk})
    assert response.status_code == 400
    assert "只能比较同一机关的目录版本" in text(response)
    assert response.context["diff"] is None


def test_version_compare_with_bad_parameters_is_400(client, two_versions):
    response = page(client, "version_compare", {"a": "abc", "b": "1"})
    assert response.status_code == 400
    assert "版本参数无效" in text(response)


def test_version_compare_without_parameters_shows_the_form(client, two_versions):
    response = page(client, "version_compare")
    body = text(response)
    assert response.status_code == 200
    assert 'name="a"' in body and 'name="b"' in body
    assert "请选择同一机关的两个目录版本进行比较" in body


def test_version_compare_of_unknown_version_is_404(client, two_versions):
    base, _ = two_versions
    assert page(client, "version_compare", {"a": base.pk, "b": 99999}).status_code == 404


# --- workbench ------------------------------------------------------------------------------


def test_workbench_redirects_anonymous_users_to_login(client, db):
    response = page(client, "workbench")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _reversible(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def test_workbench_shows_an_agency_admin_roles_and_links(client, admin_a):
    client.force_login(admin_a)
    response = page(client, "workbench")
    body = text(response)
    assert response.status_code == 200
    assert "部门管理员" in body and "阜阳市人力资源和社会保障局" in body
    for name in (
        "catalog:proposal_list",
        "catalog:proposal_create",
        "catalog:import",
        "catalog:matter_list",
    ):
        url = _reversible(name)
        if url:
            assert f'href="{url}"' in body


def test_workbench_shows_a_reviewer_the_pending_filings_link(client, reviewer):
    client.force_login(reviewer)
    body = text(page(client, "workbench"))
    assert "司法局审核人员" in body
    url = _reversible("catalog:proposal_list")
    if url:
        assert f'href="{url}?status=submitted"' in body


def test_workbench_skips_links_whose_url_does_not_exist(client, admin_a, monkeypatch):
    monkeypatch.setitem(
        views.ROLE_LINKS,
        Role.AGENCY_ADMIN,
        [("portal:catalog", "?all=1", "存在的链接"), ("catalog:no_such_page", "", "缺失的链接")],
    )
    client.force_login(admin_a)
    body = text(page(client, "workbench"))
    assert f'href="{reverse("portal:catalog")}?all=1"' in body
    assert "缺失的链接" not in body


def test_workbench_for_a_user_without_roles(client, db):
    user = user_with_role(Role.APPLICANT)
    client.force_login(user)
    response = page(client, "workbench")
    assert response.status_code == 200
    assert "申请人" in text(response)


def test_items_in_database_match_the_catalog_count(client, catalog_items):
    """The home page total equals the catalog's default result count."""
    in_force = CertificationItem.objects.filter(status="in_force", under_commitment=True).count()
    assert page(client, "catalog").context["page_obj"].paginator.count == in_force

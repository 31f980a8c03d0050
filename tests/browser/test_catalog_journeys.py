"""The catalog's main journeys in a real browser (R-1.3, R-7.1, R-7.2).

Each test starts from the 阜阳市 demo data (loaded through the real services), drives headless
chromium against the live server and checks both what a person sees and what the database holds.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from chengnuo.catalog.constants import ItemStatus, ProposalStatus
from chengnuo.catalog.models import CertificationItem, ChangeProposal
from chengnuo.demo.data import DEMO_PASSWORD

from .conftest import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMIT_TAG = "实行告知承诺制"


def _results(page):
    return page.locator("#results")


def test_public_catalog_search_filters_and_item_detail(site, page):
    """R-7.1: anyone finds an item by a Chinese word, narrows by agency and domain, opens it;
    the pages load nothing from outside the server (no CDN on a government intranet)."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{site}{reverse('portal:catalog')}")
    expect(page.get_by_role("heading", name="证明事项目录清单")).to_be_visible()
    results = _results(page)
    expect(results).to_contain_text("家庭收入证明")  # the full catalog before searching

    page.get_by_role("searchbox").fill("学历")
    page.get_by_role("button", name="检索").click()
    expect(results).not_to_contain_text("家庭收入证明")
    expect(results.get_by_role("link", name="学历学位证明")).to_be_visible()
    expect(results.locator("tbody tr")).to_have_count(1)
    # the htmx swap replaces the results block instead of nesting a second one inside it
    expect(page.locator("[id=results]")).to_have_count(1)

    # Filters: agency, then priority domain, each narrowing the list.
    page.goto(f"{site}{reverse('portal:catalog')}")
    page.get_by_label("实施机关").select_option(label="阜阳市民政局")
    expect(results).not_to_contain_text("学历学位证明")
    expect(results).to_contain_text("社会团体住所使用证明")
    by_agency = results.locator("tbody tr").count()

    page.get_by_label("重点领域").select_option(label="社会救助")
    expect(results).not_to_contain_text("社会团体住所使用证明")
    expect(results).to_contain_text("家庭收入证明")
    assert 0 < results.locator("tbody tr").count() < by_agency

    results.get_by_role("link", name="家庭收入证明").click()
    expect(page).to_have_url(re.compile(r"/catalog/items/MZ-ZM-001/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("家庭收入证明")
    expect(page.locator("main")).to_contain_text(COMMIT_TAG)

    assert requested, "the browser recorded no requests"
    outside = [url for url in requested if not url.startswith(f"{site}/")]
    assert outside == [], f"pages loaded external resources: {outside}"


def _fill_new_item(page, *, code: str, name: str) -> None:
    """Fill the new-proposal form with a complete item under commitment."""
    page.locator("[name=item_code]").fill(code)
    page.locator("[name=name]").fill(name)
    page.locator("[name=proof_content]").fill("申请人参加创业培训并考核合格")
    page.locator("[name=issuer]").fill("创业培训定点机构")
    page.locator("[name=legal_basis]").fill("《安徽省就业补助资金管理办法》第十二条")
    page.locator("input[name=matter_codes][value='340100-RS-001']").check()
    page.locator("input[name=priority_domains][value=qualification_exam]").check()
    page.locator("input[name=under_commitment]").check()
    page.locator("select[name=verification_method]").select_option("online")
    page.locator("[name=verification_time_limit_days]").fill("10")
    page.locator("[name=verification_standard]").fill("比对创业培训管理系统中的培训与考核记录")
    page.locator("[name=reason]").fill("培训信息已实现共享，改为告知承诺")
    page.locator("[name=law_change]").fill("《安徽省就业补助资金管理办法》修订")
    page.locator("[name=effective_date]").fill(timezone.localdate().isoformat())


def _submit_proposal(page) -> None:
    page.get_by_role("button", name="提交申报", exact=True).click()
    page.wait_for_load_state()


def test_agency_proposes_item_justice_bureau_files_it_and_public_sees_it(site, new_page):
    """R-7.2: an agency admin proposes a new item, the Justice Bureau files (备案) it, and the
    published catalog shows it at once (effective today)."""
    code, name = "RS-ZM-901", "创业培训合格证明"
    page = new_page()

    login(page, site, "rsj_admin", DEMO_PASSWORD)
    page.goto(f"{site}{reverse('catalog:proposal_list')}")
    page.get_by_role("link", name="申报新增证明事项").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("新增")
    _fill_new_item(page, code=code, name=name)
    _submit_proposal(page)
    expect(page).to_have_url(re.compile(r"/staff/catalog/proposals/\d+/$"))
    expect(page.locator("main")).to_contain_text(name)
    expect(page.locator("main")).to_contain_text("待备案")
    proposal = ChangeProposal.objects.get(item_code=code)
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.payload["under_commitment"] is True
    logout(page)

    login(page, site, "sfj_reviewer", DEMO_PASSWORD)
    page.goto(f"{site}{reverse('catalog:proposal_list')}")
    page.get_by_label("状态").select_option(label="待备案")
    page.get_by_role("button", name="筛选").click()
    pending = page.locator("main table tbody")
    expect(pending).to_contain_text(name)
    expect(pending).not_to_contain_text("已生效")
    pending.get_by_role("link", name=name).click()
    expect(page).to_have_url(re.compile(rf"/staff/catalog/proposals/{proposal.pk}/$"))
    expect(page.locator("main")).to_contain_text(name)
    page.get_by_role("button", name="备案", exact=True).click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("已备案")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EFFECTIVE
    item = CertificationItem.objects.get(code=code)
    assert (item.status, item.under_commitment) == (ItemStatus.IN_FORCE, True)

    public = new_page()  # a new context: an anonymous visitor
    public.goto(f"{site}{reverse('portal:catalog')}")
    public.get_by_role("searchbox").fill("创业培训")
    public.get_by_role("button", name="检索").click()
    expect(_results(public).get_by_role("link", name=name)).to_be_visible()
    expect(public.get_by_role("link", name="登录")).to_be_visible()


def test_item_in_excluded_domain_is_refused_with_reason(site, page):
    """R-1.3: ticking 公共安全 together with 实行告知承诺制 is refused with a reason that names
    the domain, and no proposal is written."""
    code = "RS-ZM-902"
    before = ChangeProposal.objects.count()

    login(page, site, "rsj_admin", DEMO_PASSWORD)
    page.goto(f"{site}{reverse('catalog:proposal_create')}")
    _fill_new_item(page, code=code, name="职业培训场所安全证明")
    page.locator("input[name=excluded_domains][value=public_safety]").check()
    _submit_proposal(page)

    main = page.locator("main")
    expect(main).to_contain_text("不得实行告知承诺制")
    refusal = main.locator(".errorlist, [role=alert]").filter(has_text="不得实行告知承诺制")
    expect(refusal.first).to_contain_text("公共安全")
    expect(page).to_have_url(re.compile(r"/staff/catalog/proposals/new/"))
    assert not ChangeProposal.objects.filter(item_code=code).exists()
    assert ChangeProposal.objects.count() == before
    assert not CertificationItem.objects.filter(code=code).exists()

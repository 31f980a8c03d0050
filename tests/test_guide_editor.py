"""The staff editor of service guides (办事指南) and work rules (工作规程): drafts scoped to the
agency, drafts generated from the catalog, saving texts, days, materials and steps, publishing
(refused over missing sections and blocking findings, nothing written), the linter's findings as
an htmx fragment, and the Justice Bureau reviewer's audited override."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from chengnuo.audit.models import AuditEvent
from chengnuo.catalog import services as catalog_services
from chengnuo.catalog.models import CertificationItem
from chengnuo.documents import guides
from chengnuo.documents.guide_models import GuideVersion, ServiceGuide, WorkRules

from .factories import CertificationItemFactory, item_payload

MARK = "实行告知承诺制"
LIST_URL = "/documents/staff-guides/"


@pytest.fixture
def item(admin_a, reviewer, agency_a, matter_a) -> CertificationItem:
    proposal = catalog_services.proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="RS-X-1",
        payload=item_payload(matter_codes=[matter_a.code]),
        reason="法规修订后调整",
        law_change="《某条例》2026年修订",
        effective_date=catalog_services.today(),
    )
    catalog_services.proposal_file(actor=reviewer, proposal=proposal)
    return CertificationItem.objects.get(code="RS-X-1")


@pytest.fixture
def plain_item(agency_a, matter_a) -> CertificationItem:
    plain = CertificationItemFactory(
        agency=agency_a, code="RS-X-2", name="学历证明", not_under_commitment=True
    )
    plain.matters.add(matter_a)
    return plain


@pytest.fixture
def guide(admin_a, matter_a, item, plain_item) -> ServiceGuide:
    guide = guides.guide_draft_create(actor=admin_a, matter=matter_a)
    return guides.guide_draft_update(
        actor=admin_a, guide=guide, data={"promised_time_limit_days": 10}
    )


@pytest.fixture
def rules(admin_a, item) -> WorkRules:
    return guides.work_rules_draft_create(actor=admin_a, item=item)


def _guide_url(code: str = "RS-001") -> str:
    return reverse("documents:guide_staff_edit", kwargs={"matter_code": code})


def _rules_url(code: str = "RS-X-1") -> str:
    return reverse("documents:work_rules_staff_edit", kwargs={"item_code": code})


def _guide_form(guide: ServiceGuide, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(guide, f) for f in guides.GUIDE_TEXT_FIELDS}
    for field in guides.GUIDE_DAY_FIELDS:
        value = getattr(guide, field)
        data[field] = "" if value is None else str(value)
    for i, m in enumerate(guide.materials):
        data[f"materials-{i}-name"] = m["name"]
        data[f"materials-{i}-note"] = m.get("note", "")
        if m["kind"] == "proof":
            data[f"materials-{i}-item_code"] = m["item_code"]
    data["materials-count"] = str(len(guide.materials))
    return {**data, **changes}


def _rules_form(rules: WorkRules, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(rules, f) for f in guides.WORK_RULES_TEXT_FIELDS}
    data["steps"] = "\n".join(rules.steps)
    return {**data, **changes}


def test_urls_do_not_collide_with_the_template_editor():
    assert _guide_url() == "/documents/staff-guides/RS-001/"
    assert _rules_url() == "/documents/staff-work-rules/RS-X-1/"
    assert reverse("documents:guide_staff_drafts") == LIST_URL


def test_list_is_scoped_to_the_agency(client, admin_a, admin_b, guide, rules):
    client.force_login(admin_a)
    body = client.get(LIST_URL).content.decode()
    assert "RS-001" in body and "RS-X-1" in body and "未发布" in body
    assert _guide_url() in body and _rules_url() in body

    client.force_login(admin_b)
    body = client.get(LIST_URL).content.decode()
    assert "RS-001" not in body and "RS-X-1" not in body
    before = (guide.fees, AuditEvent.objects.count())
    assert client.get(_guide_url()).status_code == 404
    assert client.get(_rules_url()).status_code == 404
    assert (
        client.post(_guide_url(), _guide_form(guide, fees="改", action="save")).status_code == 404
    )
    assert client.post(_rules_url(), {"action": "publish"}).status_code == 404
    assert client.post(_guide_url() + "lint/", {"field": "fees"}).status_code == 404
    guide.refresh_from_db()
    assert (guide.fees, AuditEvent.objects.count()) == before
    assert not GuideVersion.objects.exists()


def test_anonymous_and_unknown_codes(client, admin_a, guide):
    assert client.get(LIST_URL).status_code == 302  # login
    assert client.get(_guide_url()).status_code == 302
    client.force_login(admin_a)
    assert client.get(_guide_url("NOPE")).status_code == 404
    assert client.get(_rules_url("NOPE")).status_code == 404
    assert client.post(_guide_url(), {"action": "bogus"}).status_code == 404


def test_drafts_are_generated_from_the_catalog(client, admin_a, admin_b, matter_a, item):
    client.force_login(admin_a)
    body = client.get(LIST_URL).content.decode()
    assert "尚未制作办事指南的行政事项" in body and "尚未制作工作规程的证明事项" in body
    assert "生成草稿" in body

    response = client.post(LIST_URL, {"kind": "guide", "code": "RS-001"})
    assert response.status_code == 302 and response.url == _guide_url()
    guide = ServiceGuide.objects.get(matter=matter_a)
    assert matter_a.name in guide.conditions
    assert [m["item_code"] for m in guide.materials if m["kind"] == "proof"] == ["RS-X-1"]
    again = client.post(LIST_URL, {"kind": "guide", "code": "RS-001"})
    assert again.status_code == 302 and again.url == LIST_URL  # refused with a message
    assert ServiceGuide.objects.count() == 1

    response = client.post(LIST_URL, {"kind": "work_rules", "code": "RS-X-1"})
    assert response.status_code == 302 and response.url == _rules_url()
    assert WorkRules.objects.get(item=item).steps

    client.force_login(admin_b)
    assert client.post(LIST_URL, {"kind": "work_rules", "code": "RS-X-1"}).status_code == 404
    assert client.post(LIST_URL, {"kind": "bogus", "code": "RS-X-1"}).status_code == 404


def test_edit_page_renders_fields_with_htmx_lint(client, admin_a, guide, rules):
    client.force_login(admin_a)
    body = client.get(_guide_url()).content.decode()
    lint = reverse("documents:guide_staff_lint", kwargs={"matter_code": "RS-001"})
    assert f'hx-post="{lint}"' in body
    assert 'hx-trigger="keyup changed delay:500ms"' in body
    assert 'hx-target="#findings-withdrawal"' in body
    assert 'name="promised_time_limit_days"' in body and 'type="number"' in body
    assert "异议处理和信用修复" in body and MARK in body and "RS-X-1" in body
    assert 'value="save"' in body and 'value="publish"' in body
    assert "放行理由" not in body  # only for Justice Bureau reviewers
    body = client.get(_rules_url()).content.decode()
    assert 'name="steps"' in body and 'hx-target="#findings-steps"' in body
    assert "核查计划" in body


def test_saving_a_field(client, admin_a, guide):
    client.force_login(admin_a)
    response = client.post(
        _guide_url(), _guide_form(guide, fees="本事项不收费。", free_text="请预约。", action="save")
    )
    assert response.status_code == 302
    guide.refresh_from_db()
    assert (guide.fees, guide.free_text) == ("本事项不收费。", "请预约。")
    assert "草稿已保存" in client.get(_guide_url()).content.decode()
    assert not GuideVersion.objects.exists()


def test_invalid_days_refused_per_field(client, admin_a, guide):
    client.force_login(admin_a)
    response = client.post(
        _guide_url(), _guide_form(guide, promised_time_limit_days="0", action="save")
    )
    assert response.status_code == 400
    assert "承诺办结时限应为1至3650之间的工作日数" in response.content.decode()
    guide.refresh_from_db()
    assert guide.promised_time_limit_days == 10


def test_publish_creates_a_version_on_the_public_page(client, admin_a, guide):
    client.force_login(admin_a)
    response = client.post(_guide_url(), _guide_form(guide, action="publish"))
    assert response.status_code == 302
    version = GuideVersion.objects.get(guide=guide)
    assert version.number == 1
    body = client.get(_guide_url()).content.decode()
    assert "已发布办事指南第1版" in body and "已发布" in body
    public = reverse("documents:guide_version", kwargs={"pk": version.pk})
    assert public == f"/documents/guides/{version.pk}/" and public in body
    client.logout()
    page = client.get(public)
    assert page.status_code == 200 and "职业资格考试报名" in page.content.decode()
    client.force_login(admin_a)
    assert public in client.get(LIST_URL).content.decode()


def test_publish_refused_when_a_required_section_is_emptied(client, admin_a, guide):
    client.force_login(admin_a)
    response = client.post(_guide_url(), _guide_form(guide, withdrawal="", action="publish"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "缺少必备内容：承诺退出" in body
    assert not GuideVersion.objects.exists()
    guide.refresh_from_db()
    assert guide.withdrawal == ""  # saved, not published


@pytest.mark.parametrize("text", ["申请人还须提交其他材料。", "视情况收取工本费。"])
def test_publish_refused_on_a_blocking_finding(client, admin_a, guide, text):
    client.force_login(admin_a)
    response = client.post(_guide_url(), _guide_form(guide, fees=text, action="publish"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "阻断性问题" in body and "收费标准" in body
    assert not GuideVersion.objects.exists()


def test_reviewer_overrides_with_a_reason_and_is_audited(client, admin_a, reviewer, guide):
    guides.guide_draft_update(actor=admin_a, guide=guide, data={"fees": "视情况收取工本费。"})
    client.force_login(reviewer)
    assert "RS-001" in client.get(LIST_URL).content.decode()
    body = client.get(_guide_url()).content.decode()
    assert "readonly" in body and "放行理由" in body and 'value="save"' not in body
    assert client.post(_guide_url(), {"action": "save"}).status_code == 403

    refused = client.post(_guide_url(), {"action": "override", "override_reason": ""})
    assert refused.status_code == 400
    assert "书面说明理由" in refused.content.decode()
    assert not GuideVersion.objects.exists()

    reason = "收费依据经审核确有必要，予以放行"
    response = client.post(_guide_url(), {"action": "override", "override_reason": reason})
    assert response.status_code == 302
    version = GuideVersion.objects.get(guide=guide)
    assert version.lint_override_reason == reason and version.lint_overridden_by == reviewer
    event = AuditEvent.objects.get(event=guides.Event.PUBLISHED_LINT_OVERRIDE)
    assert event.actor_id == reviewer.pk
    assert event.after["override_reason"] == reason
    assert event.after["blocking_findings"]


def test_lint_endpoint_returns_a_finding_fragment(client, admin_a, guide, rules):
    client.force_login(admin_a)
    lint = reverse("documents:guide_staff_lint", kwargs={"matter_code": "RS-001"})
    response = client.post(
        lint, {"field": "fees", "fees": "视情况收费"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'id="findings-fees"' in body
    assert "“视情况”" in body and "阻断性问题" in body
    clean = client.post(lint, {"field": "fees", "fees": "本事项不收费。"}).content.decode()
    assert "阻断性问题" not in clean
    assert client.post(lint, {"field": "bogus"}).status_code == 404
    assert client.post(lint, {"field": "steps"}).status_code == 404  # not a guide field
    assert client.get(lint).status_code == 405
    rules_lint = reverse("documents:work_rules_staff_lint", kwargs={"item_code": "RS-X-1"})
    body = client.post(rules_lint, {"field": "steps", "steps": "受理\n视情况补正"}).content.decode()
    assert 'id="findings-steps"' in body and "“视情况”" in body


def test_materials_edit(client, admin_a, guide):
    names = [m["name"] for m in guide.materials]
    assert names == ["申请书", "身份证明", "无犯罪记录证明", "学历证明"]
    client.force_login(admin_a)
    form = _guide_form(guide, action="save")
    form["materials-0-name"] = "申请表"  # rename a plain material
    form["materials-1-name"] = ""  # remove one
    form["materials-2-name"] = "无犯罪记录证明（本人）"  # a proof's name is editable
    form["materials-2-marking"] = ""  # not a field: the catalog decides the marking
    form["materials-2-under_commitment"] = "false"
    form["materials-4-name"] = "近期免冠照片"  # add one
    form["materials-4-note"] = "一寸两张"
    form["materials-count"] = "7"
    assert client.post(_guide_url(), form).status_code == 302
    guide.refresh_from_db()
    assert [m["name"] for m in guide.materials] == [
        "申请表",
        "无犯罪记录证明（本人）",
        "学历证明",
        "近期免冠照片",
    ]
    proof = guide.materials[1]
    assert proof["kind"] == "proof" and proof["item_code"] == "RS-X-1"
    assert proof["marking"] == MARK and proof["under_commitment"] is True
    assert guide.materials[3] == {"kind": "material", "name": "近期免冠照片", "note": "一寸两张"}


def test_a_proof_cannot_be_emptied_or_replaced(client, admin_a, guide):
    client.force_login(admin_a)
    form = _guide_form(guide, action="save")
    form["materials-2-name"] = ""
    response = client.post(_guide_url(), form)
    assert response.status_code == 400
    assert "申请材料第3项的名称为必填" in response.content.decode()
    form = _guide_form(guide, action="save")
    form["materials-2-item_code"] = "NOPE"
    response = client.post(_guide_url(), form)
    assert response.status_code == 400
    assert "不是本事项施行中的证明事项" in response.content.decode()
    guide.refresh_from_db()
    assert guide.materials[2]["item_code"] == "RS-X-1"


def test_steps_edit_for_work_rules(client, admin_a, rules, item):
    client.force_login(admin_a)
    form = _rules_form(rules, steps="受理申请\n\n  核查承诺内容  \n作出决定", action="save")
    assert client.post(_rules_url(), form).status_code == 302
    rules.refresh_from_db()
    assert rules.steps == ["受理申请", "核查承诺内容", "作出决定"]
    assert "受理申请\n核查承诺内容\n作出决定" in client.get(_rules_url()).content.decode()

    response = client.post(_rules_url(), _rules_form(rules, steps="", action="publish"))
    assert response.status_code == 400
    assert "缺少必备内容：办理步骤" in response.content.decode()
    assert not GuideVersion.objects.exists()

    form = _rules_form(rules, steps="受理申请\n作出决定", action="publish")
    assert client.post(_rules_url(), form).status_code == 302
    version = GuideVersion.objects.get(item=item)
    assert version.content["steps"] == ["受理申请", "作出决定"]


def test_workbench_links_to_the_guide_editor(client, admin_a, reviewer):
    for user in (admin_a, reviewer):
        client.force_login(user)
        assert LIST_URL in client.get(reverse("portal:workbench")).content.decode()

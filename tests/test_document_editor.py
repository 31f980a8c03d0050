"""The staff editor of notification and commitment templates (issue 4 §6): scoped drafts, the
linter's findings as an htmx fragment, saving, publishing refused over blocking findings (no
version created) and published once fixed; the Justice Bureau reviewer's override."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chengnuo.catalog import services as catalog_services
from chengnuo.catalog.models import CertificationItem
from chengnuo.documents import services
from chengnuo.documents.constants import TemplateKind
from chengnuo.documents.models import NotificationTemplate, TemplateVersion

from .factories import item_payload

BLOCKING_TEXT = "申请人须提交户口簿等相关证明材料"
PRECISE_TEXT = "申请人须提交户口簿原件"


@pytest.fixture
def item(admin_a, reviewer, agency_a, matter_a) -> CertificationItem:
    proposal = catalog_services.proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="RS-X-1",
        payload=item_payload(
            matter_codes=[matter_a.code], disclosure_scope="website", disclosure_period_days=30
        ),
        reason="法规修订后调整",
        law_change="《某条例》2026年修订",
        effective_date=catalog_services.today(),
    )
    catalog_services.proposal_file(actor=reviewer, proposal=proposal)
    return CertificationItem.objects.get(code="RS-X-1")


@pytest.fixture
def drafts(admin_a, item):
    return services.template_draft_create(actor=admin_a, item=item)


def _edit_url(kind: str = TemplateKind.NOTIFICATION) -> str:
    return reverse("documents:staff_edit", kwargs={"item_code": "RS-X-1", "kind": kind})


def _lint_url(kind: str = TemplateKind.NOTIFICATION) -> str:
    return reverse("documents:staff_lint", kwargs={"item_code": "RS-X-1", "kind": kind})


def _form(template: NotificationTemplate, **changes: str) -> dict[str, str]:
    data = {f: getattr(template, f) for f in services.text_fields_of(template)}
    return {**data, **changes}


def _versions(item: CertificationItem) -> int:
    return TemplateVersion.objects.filter(item=item, kind=TemplateKind.NOTIFICATION).count()


def test_edit_page_renders_for_the_agency_admin_with_htmx_lint(client, admin_a, drafts):
    client.force_login(admin_a)
    response = client.get(_edit_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "证明内容或许可条件和材料要求" in body
    assert f'hx-post="{_lint_url()}"' in body
    assert 'hx-trigger="keyup changed delay:500ms"' in body
    assert 'hx-target="#findings-proof_content"' in body
    assert client.get(_edit_url(TemplateKind.COMMITMENT)).status_code == 200


def test_other_agencies_and_anonymous_get_no_editor(client, admin_b, drafts):
    assert client.get(_edit_url()).status_code == 302  # login
    client.force_login(admin_b)
    assert client.get(_edit_url()).status_code == 404
    assert client.post(_lint_url(), {"field": "proof_content"}).status_code == 404
    assert client.post(_edit_url(), {"action": "save"}).status_code == 404
    assert client.get(reverse("documents:staff_edit", args=["RS-X-1", "bogus"])).status_code == 404
    assert (
        client.get(reverse("documents:staff_edit", args=["NOPE", "notification"])).status_code
        == 404
    )
    assert "RS-X-1" not in client.get(reverse("documents:staff_drafts")).content.decode()


def test_lint_endpoint_returns_the_finding_as_a_fragment(client, admin_a, drafts):
    client.force_login(admin_a)
    response = client.post(
        _lint_url(),
        {"field": "proof_content", "proof_content": BLOCKING_TEXT},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="findings-proof_content"' in body
    assert "“等相关证明”" in body and "阻断性问题" in body
    assert "申请人无法确定须提交哪些证明" in body  # the reason
    assert "删除“等”" in body  # the suggestion
    clean = client.post(_lint_url(), {"field": "proof_content", "proof_content": PRECISE_TEXT})
    assert "等相关证明" not in clean.content.decode()
    assert client.post(_lint_url(), {"field": "bogus"}).status_code == 404
    assert client.get(_lint_url()).status_code == 405


def test_saving_persists_the_draft(client, admin_a, drafts):
    notification, _commitment = drafts
    client.force_login(admin_a)
    response = client.post(
        _edit_url(), {**_form(notification, proof_content=PRECISE_TEXT), "action": "save"}
    )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.proof_content == PRECISE_TEXT
    assert "草稿已保存" in client.get(_edit_url()).content.decode()


def test_publishing_is_refused_over_blocking_findings_then_published_when_fixed(
    client, admin_a, drafts, item
):
    notification, _commitment = drafts
    services.template_publish(actor=admin_a, template=notification)  # version 1
    assert _versions(item) == 1
    client.force_login(admin_a)

    response = client.post(
        _edit_url(), {**_form(notification, proof_content=BLOCKING_TEXT), "action": "publish"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "阻断性问题" in body and "等相关证明" in body
    assert _versions(item) == 1

    response = client.post(
        _edit_url(), {**_form(notification, proof_content=PRECISE_TEXT), "action": "publish"}
    )
    assert response.status_code == 302
    assert _versions(item) == 2
    latest = TemplateVersion.objects.get(item=item, kind=TemplateKind.NOTIFICATION, number=2)
    assert latest.content["fields"]["proof_content"] == PRECISE_TEXT
    assert "已发布告知书第2版" in client.get(_edit_url()).content.decode()


def test_missing_elements_are_named_per_field(client, admin_a, drafts, item):
    notification, _commitment = drafts
    client.force_login(admin_a)
    response = client.post(
        _edit_url(), {**_form(notification, legal_basis=""), "action": "publish"}
    )
    assert response.status_code == 400
    assert "缺少必备要素：设定依据" in response.content.decode()
    assert _versions(item) == 0


def test_reviewer_sees_drafts_read_only_and_overrides_with_a_reason(
    client, admin_a, reviewer, drafts, item
):
    notification, _commitment = drafts
    services.template_draft_update(
        actor=admin_a, template=notification, data={"proof_content": BLOCKING_TEXT}
    )
    client.force_login(reviewer)
    assert "RS-X-1" in client.get(reverse("documents:staff_drafts")).content.decode()
    body = client.get(_edit_url()).content.decode()
    assert "readonly" in body and "放行理由" in body and 'value="save"' not in body
    assert client.post(_edit_url(), {"action": "save"}).status_code == 403

    refused = client.post(_edit_url(), {"action": "override", "override_reason": ""})
    assert refused.status_code == 400
    assert "书面说明理由" in refused.content.decode()
    assert _versions(item) == 0

    reason = "该表述经审核确有必要，予以放行"
    assert (
        client.post(_edit_url(), {"action": "override", "override_reason": reason}).status_code
        == 302
    )
    version = TemplateVersion.objects.get(item=item, kind=TemplateKind.NOTIFICATION)
    assert version.lint_override_reason == reason and version.lint_overridden_by == reviewer


def test_drafts_list_and_creating_drafts(client, admin_a, item):
    client.force_login(admin_a)
    body = client.get(reverse("documents:staff_drafts")).content.decode()
    assert "尚未制作告知书和承诺书的证明事项" in body and "RS-X-1" in body
    response = client.post(reverse("documents:staff_create"), {"item_code": "RS-X-1"})
    assert response.status_code == 302 and response.url == _edit_url()
    assert NotificationTemplate.objects.filter(item=item).exists()
    body = client.get(reverse("documents:staff_drafts")).content.decode()
    assert "未发布" in body and _edit_url(TemplateKind.COMMITMENT) in body
    again = client.post(reverse("documents:staff_create"), {"item_code": "RS-X-1"})
    assert again.status_code == 302  # refused with a message, back to the list
    assert NotificationTemplate.objects.filter(item=item).count() == 1


def test_workbench_links_to_the_editor(client, admin_a, reviewer):
    client.force_login(admin_a)
    assert (
        reverse("documents:staff_drafts")
        in client.get(reverse("portal:workbench")).content.decode()
    )
    client.force_login(reviewer)
    assert (
        reverse("documents:staff_drafts")
        in client.get(reverse("portal:workbench")).content.decode()
    )

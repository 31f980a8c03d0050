"""Notification (告知书) and commitment (承诺书) templates: defaults from the catalog, completeness
blocking (R-3.1, R-3.3), linter blocking and the Justice Bureau override (R-3.2), immutable
versions with a stable SM3 digest, scoping of drafts, and `manage.py lint_texts`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from chengnuo.audit.models import AuditEvent
from chengnuo.catalog import services as catalog_services
from chengnuo.catalog.models import CertificationItem
from chengnuo.core.digest import digest_json
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.documents import defaults, selectors, services
from chengnuo.documents.constants import Event, TemplateKind
from chengnuo.documents.models import CommitmentTemplate, NotificationTemplate, TemplateVersion

from .factories import CertificationItemFactory, item_payload

# SM3 of canonical_json(FIXED_CONTENT), computed once (hashlib and gmssl agree); must never
# change: signed commitments cite version digests.
FIXED_CONTENT = {
    "schema": 1,
    "kind": "notification",
    "item": {"code": "RS-X-1", "name": "无犯罪记录证明"},
    "fields": {"matter_name": "律师执业许可", "legal_basis": "《律师法》第五条"},
}
FIXED_DIGEST = "46e7d6ba31071cd8d3d2b7826830b0bdfa1f28849671d638703fe006a95fee24"


@pytest.fixture
def item(admin_a, reviewer, agency_a, matter_a) -> CertificationItem:
    """An item under commitment, added through the catalog services (submit, then file)."""
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
def drafts(admin_a, item) -> tuple[NotificationTemplate, CommitmentTemplate]:
    return services.template_draft_create(actor=admin_a, item=item)


def test_defaults_are_generated_from_the_catalog_entry(drafts, item, matter_a, agency_a):
    notification, commitment = drafts
    assert notification.matter_name == matter_a.name
    assert notification.legal_basis == "《律师法》第五条"
    assert "申请人无犯罪记录" in notification.proof_content
    assert agency_a.name in notification.how_to_commit
    assert "在线" in notification.how_to_commit
    assert "民事责任" in notification.civil_liability
    assert "撤销" in notification.administrative_liability
    assert "信用记录" in notification.administrative_liability
    assert "移送司法机关" in notification.criminal_liability
    assert "在线核查" in notification.verification_power
    assert "10个工作日" in notification.verification_power
    assert "比对公安机关违法犯罪记录信息" in notification.verification_power
    assert notification.disclosure == "本承诺书将在门户网站公开，公开期限为30日，接受社会监督。"
    assert commitment.knows_notification == defaults.KNOWS_NOTIFICATION
    assert "申请人无犯罪记录" in commitment.meets_conditions
    assert commitment.accepts_liability and commitment.true_intent
    assert commitment.facts == [
        {
            "key": "meets_condition",
            "label": "申请人无犯罪记录",
            "type": "text",
            "required": True,
            "source_field": "",
        }
    ]
    assert AuditEvent.objects.filter(event=Event.DRAFTS_CREATED).count() == 1


def test_default_disclosure_says_not_published_when_the_item_is_not_disclosed(agency_a):
    item = CertificationItemFactory(agency=agency_a)
    assert defaults.default_disclosure(item) == "本承诺书不予公开。"


def test_the_default_drafts_publish_without_findings(admin_a, drafts):
    notification, commitment = drafts
    n = services.template_publish(actor=admin_a, template=notification)
    c = services.template_publish(actor=admin_a, template=commitment)
    assert (n.kind, n.number, c.kind, c.number) == ("notification", 1, "commitment", 1)
    assert n.lint_findings == [] and n.lint_override_reason == ""


def test_items_not_under_commitment_get_no_templates(admin_a, agency_a):
    item = CertificationItemFactory(agency=agency_a, not_under_commitment=True)
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        services.template_draft_create(actor=admin_a, item=item)
    assert exc.value.code == "not_under_commitment"
    assert "未实行告知承诺制，不能制作告知书和承诺书" in exc.value.message
    assert not NotificationTemplate.objects.exists()
    assert AuditEvent.objects.count() == events


def test_another_agencys_admin_may_not_create_drafts(admin_b, item):
    with pytest.raises(PermissionDenied):
        services.template_draft_create(actor=admin_b, item=item)
    assert not NotificationTemplate.objects.exists()


def test_publish_refused_naming_each_missing_element_and_nothing_written(admin_a, drafts):
    notification, _commitment = drafts
    services.template_draft_update(
        actor=admin_a, template=notification, data={"legal_basis": "", "criminal_liability": "  "}
    )
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        services.template_publish(actor=admin_a, template=notification)
    assert exc.value.code == "missing_elements"
    assert exc.value.message == "缺少必备要素：设定依据、不实承诺的刑事责任"
    assert [d["field"] for d in exc.value.details] == ["legal_basis", "criminal_liability"]
    assert not TemplateVersion.objects.exists()
    assert AuditEvent.objects.count() == events


def test_commitment_publish_refused_naming_missing_declarations_and_facts(admin_a, drafts):
    _notification, commitment = drafts
    services.template_draft_update(
        actor=admin_a, template=commitment, data={"true_intent": "", "facts": []}
    )
    with pytest.raises(DomainError) as exc:
        services.template_publish(actor=admin_a, template=commitment)
    assert exc.value.message == "缺少必备要素：承诺的意思表示真实、承诺事实"
    assert not TemplateVersion.objects.exists()


def test_draft_update_refuses_nul_wrong_types_and_unknown_fields(admin_a, drafts):
    notification, commitment = drafts
    events = AuditEvent.objects.count()
    for template, data, code in [
        (notification, {"legal_basis": "依据\x00"}, "invalid_character"),
        (notification, {"legal_basis": 5}, "invalid_type"),
        (notification, {"legal_basis": "字" * 8001}, "too_long"),
        (notification, {"facts": []}, "unknown_field"),
        (commitment, {"facts": [{"key": "Bad Key", "label": "x", "type": "text"}]}, "invalid_key"),
        (commitment, {"facts": [{"key": "a", "label": "x", "type": "colour"}]}, "invalid_type"),
        (commitment, {"facts": [{"key": "a", "label": "x", "type": "choice"}]}, "invalid_choices"),
    ]:
        with pytest.raises(DomainError) as exc:
            services.template_draft_update(actor=admin_a, template=template, data=data)
        assert exc.value.code == code
    notification.refresh_from_db()
    assert notification.legal_basis == "《律师法》第五条"
    assert AuditEvent.objects.count() == events


def test_publish_refused_on_blocking_lint_findings(admin_a, drafts):
    notification, _commitment = drafts
    services.template_draft_update(
        actor=admin_a,
        template=notification,
        data={"proof_content": "申请人无犯罪记录等相关证明"},
    )
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        services.template_publish(actor=admin_a, template=notification)
    assert exc.value.code == "lint_blocking"
    assert "等相关证明" in exc.value.message
    assert exc.value.details[0]["field"] == "proof_content"
    assert not TemplateVersion.objects.exists()
    assert AuditEvent.objects.count() == events


def test_agency_admin_cannot_override_blocking_findings(admin_a, drafts):
    notification, _commitment = drafts
    services.template_draft_update(
        actor=admin_a, template=notification, data={"proof_content": "申请人的户籍证明等相关证明"}
    )
    with pytest.raises(DomainError) as exc:
        services.template_publish(
            actor=admin_a, template=notification, override_reason="法律原文如此表述"
        )
    assert exc.value.code == "lint_blocking"
    assert not TemplateVersion.objects.exists()


def test_justice_reviewer_overrides_blocking_findings_with_a_written_reason(
    admin_a, reviewer, drafts
):
    notification, _commitment = drafts
    services.template_draft_update(
        actor=admin_a, template=notification, data={"proof_content": "申请人的户籍证明等相关证明"}
    )
    with pytest.raises(DomainError) as exc:
        services.template_publish(actor=reviewer, template=notification, override_reason="好")
    assert exc.value.code == "override_reason_required"
    assert not TemplateVersion.objects.exists()

    version = services.template_publish(
        actor=reviewer, template=notification, override_reason="法律原文如此表述，已核对"
    )
    assert version.lint_override_reason == "法律原文如此表述，已核对"
    assert version.lint_overridden_by == reviewer
    assert any(f["severity"] == "blocking" for f in version.lint_findings)
    event = AuditEvent.objects.get(event=Event.PUBLISHED_LINT_OVERRIDE)
    assert event.after["override_reason"] == "法律原文如此表述，已核对"
    assert event.actor_id == reviewer.pk
    assert event.target_id == str(version.pk)


def test_published_version_is_immutable(admin_a, drafts):
    version = services.template_publish(actor=admin_a, template=drafts[0])
    version.content = {"tampered": True}
    with pytest.raises(RuntimeError):
        version.save()
    with pytest.raises(RuntimeError):
        version.delete()


def test_published_digest_matches_the_stored_content(admin_a, drafts):
    version = services.template_publish(actor=admin_a, template=drafts[0])
    stored = TemplateVersion.objects.get(pk=version.pk)  # as read back from the database
    assert stored.digest == digest_json(stored.content)
    assert len(stored.digest) == 64
    assert stored.content["fields"]["legal_basis"] == "《律师法》第五条"


def test_editing_the_draft_does_not_change_a_published_version(admin_a, drafts):
    notification, _commitment = drafts
    v1 = services.template_publish(actor=admin_a, template=notification)
    services.template_draft_update(
        actor=admin_a, template=notification, data={"free_text": "请在工作日办理。"}
    )
    v2 = services.template_publish(actor=admin_a, template=notification)
    v1.refresh_from_db()
    assert (v1.number, v2.number) == (1, 2)
    assert v1.content["fields"]["free_text"] == ""
    assert v1.digest == digest_json(v1.content) != v2.digest


def test_digest_is_stable_for_the_same_content(settings):
    settings.CHENGNUO_DIGEST = "sm3"
    assert digest_json(FIXED_CONTENT) == FIXED_DIGEST
    assert digest_json(dict(reversed(list(FIXED_CONTENT.items())))) == FIXED_DIGEST


def test_another_agencys_admin_gets_not_found(admin_a, admin_b, drafts, item):
    notification, _commitment = drafts
    with pytest.raises(NotFound):
        services.template_draft_update(
            actor=admin_b, template=notification, data={"free_text": "改"}
        )
    with pytest.raises(NotFound):
        services.template_publish(actor=admin_b, template=notification)
    with pytest.raises(NotFound):
        selectors.draft_get_for(admin_b, item, TemplateKind.NOTIFICATION)
    notification.refresh_from_db()
    assert notification.free_text == ""
    assert not TemplateVersion.objects.exists()
    assert selectors.draft_get_for(admin_a, item, TemplateKind.NOTIFICATION) == notification


def test_public_listing_shows_the_latest_version_per_item(admin_a, drafts, agency_a, matter_a):
    notification, commitment = drafts
    services.template_publish(actor=admin_a, template=notification)
    services.template_draft_update(actor=admin_a, template=notification, data={"free_text": "补"})
    latest = services.template_publish(actor=admin_a, template=notification)
    services.template_publish(actor=admin_a, template=commitment)
    listed = list(selectors.public_latest_versions(agency_id=agency_a.pk))
    assert [(v.kind, v.number) for v in listed] == [("commitment", 1), ("notification", 2)]
    assert list(selectors.public_latest_versions(matter_id=matter_a.pk, kind="notification")) == [
        latest
    ]
    assert selectors.public_latest_version(notification.item, "notification") == latest


def test_version_content_for_case_fills_the_facts(admin_a, drafts):
    version = services.template_publish(actor=admin_a, template=drafts[1])
    filled = services.version_content_for_case(version, facts={"meets_condition": "无犯罪记录"})
    assert filled["facts"][0]["value"] == "无犯罪记录"
    assert filled["version"] == {"number": 1, "digest": version.digest}
    with pytest.raises(DomainError) as exc:
        services.version_content_for_case(version, facts={})
    assert "缺少承诺事实" in exc.value.message
    version.refresh_from_db()
    assert "value" not in version.content["facts"][0]


def test_lint_texts_exits_zero_when_published_texts_are_clean(admin_a, drafts):
    services.template_publish(actor=admin_a, template=drafts[0])
    out = io.StringIO()
    call_command("lint_texts", stdout=out)
    assert "0 blocking" in out.getvalue()


def test_lint_texts_reports_blocking_findings_and_exits_one(admin_a, reviewer, drafts):
    notification, _commitment = drafts
    services.template_draft_update(
        actor=admin_a, template=notification, data={"proof_content": "无犯罪记录\n等相关证明"}
    )
    services.template_publish(actor=reviewer, template=notification, override_reason="法律原文")
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("lint_texts", stdout=out)
    assert exc.value.returncode == 1
    line = next(x for x in out.getvalue().splitlines() if "等相关证明" in x)
    assert line.startswith("RS-X-1/notification/v1:proof_content:2:")
    assert "blocking" in line

"""Service guides (办事指南) and work rules (工作规程): defaults from the catalog with the R-3.5
marking and the R-2.1 alternative, withdrawal (R-6.2) and credit repair (R-5.4) sections, the item's
plan and risk points (R-4.1, R-6.1), completeness and linter blocking with the Justice Bureau
override (R-3.2), immutable versions with a stable digest, and scoping to the agency."""

from __future__ import annotations

import pytest

from chengnuo.audit.models import AuditEvent
from chengnuo.catalog import services as catalog_services
from chengnuo.catalog.models import CertificationItem
from chengnuo.core.digest import digest_json
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.documents import guide_defaults, guides
from chengnuo.documents.guide_models import GuideVersion, ServiceGuide, WorkRules

from .factories import CertificationItemFactory, item_payload

MARK = "实行告知承诺制"
ALTERNATIVE = "可选择告知承诺方式（签署告知承诺书）或提交证明材料"


@pytest.fixture
def item(admin_a, reviewer, agency_a, matter_a) -> CertificationItem:
    """An item under commitment of matter_a, added through the catalog services."""
    proposal = catalog_services.proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="RS-X-1",
        payload=item_payload(
            matter_codes=[matter_a.code],
            risk_points="申请人隐瞒犯罪记录",
            risk_controls="受理后10个工作日内比对公安机关违法犯罪记录信息",
        ),
        reason="法规修订后调整",
        law_change="《某条例》2026年修订",
        effective_date=catalog_services.today(),
    )
    catalog_services.proposal_file(actor=reviewer, proposal=proposal)
    return CertificationItem.objects.get(code="RS-X-1")


@pytest.fixture
def plain_item(agency_a, matter_a) -> CertificationItem:
    """An item the matter requires that is not under commitment: the proof must be submitted."""
    plain = CertificationItemFactory(
        agency=agency_a, code="RS-X-2", name="学历证明", not_under_commitment=True
    )
    plain.matters.add(matter_a)
    return plain


@pytest.fixture
def guide(admin_a, matter_a, item, plain_item) -> ServiceGuide:
    return guides.guide_draft_create(actor=admin_a, matter=matter_a)


@pytest.fixture
def rules(admin_a, item) -> WorkRules:
    return guides.work_rules_draft_create(actor=admin_a, item=item)


def _complete(admin, guide: ServiceGuide) -> ServiceGuide:
    return guides.guide_draft_update(
        actor=admin, guide=guide, data={"promised_time_limit_days": 10}
    )


def test_guide_defaults_list_materials_and_mark_items_under_commitment(guide, matter_a, item):
    assert [m["name"] for m in guide.materials] == [
        "申请书",
        "身份证明",
        "无犯罪记录证明",
        "学历证明",
    ]
    assert guide.materials[0] == {"kind": "material", "name": "申请书", "note": ""}
    committed, plain = guide.materials[2], guide.materials[3]
    assert committed["item_code"] == "RS-X-1"
    assert committed["under_commitment"] is True
    assert committed["marking"] == MARK
    assert committed["alternative"] == ALTERNATIVE
    assert "申请人无犯罪记录" in committed["note"]
    assert plain["under_commitment"] is False
    assert plain["marking"] == "" and plain["alternative"] == ""
    assert matter_a.name in guide.conditions
    assert guide.legal_time_limit_days == 20  # licensing: Administrative Licensing Law art. 42
    assert guide.promised_time_limit_days is None
    assert AuditEvent.objects.filter(event=guides.Event.GUIDE_DRAFT_CREATED).count() == 1


def test_guide_has_withdrawal_and_credit_repair_sections(guide, matter_a, agency_a):
    assert f"在{matter_a.name}办结前" in guide.withdrawal
    assert "说明理由" in guide.withdrawal
    assert "按原程序继续办理" in guide.withdrawal
    assert "提交申请材料中所列的该项证明" in guide.withdrawal  # names the proof
    assert "异议" in guide.credit_repair and "信用修复" in guide.credit_repair
    assert "10个工作日" in guide.credit_repair
    assert agency_a.name in guide.where_to_apply
    assert "网上办理" in guide.how_to_apply and "窗口办理" in guide.how_to_apply
    assert "不收费" in guide.fees


def test_work_rules_carry_the_items_plan_and_risk_points(rules, item):
    assert "核查方式：在线核查" in rules.verification_plan
    assert "10个工作日" in rules.verification_plan
    assert "比对公安机关违法犯罪记录信息" in rules.verification_plan
    assert rules.risk_points == "申请人隐瞒犯罪记录"
    assert rules.risk_controls == "受理后10个工作日内比对公安机关违法犯罪记录信息"
    assert "信用" in rules.credit_check and "虚假承诺" in rules.credit_check
    assert any(step.startswith("信用核查") for step in rules.steps)
    assert AuditEvent.objects.filter(event=guides.Event.WORK_RULES_DRAFT_CREATED).count() == 1


def test_work_rules_fall_back_to_a_generic_risk_when_the_item_has_none(agency_a):
    plain = CertificationItemFactory(agency=agency_a)
    data = guide_defaults.work_rules_defaults(plain)
    assert data["risk_points"] == guide_defaults.DEFAULT_RISK_POINTS
    assert data["risk_controls"] == guide_defaults.DEFAULT_RISK_CONTROLS


def test_the_default_drafts_publish_without_blocking_findings(admin_a, guide, rules):
    g = guides.guide_publish(actor=admin_a, guide=_complete(admin_a, guide))
    w = guides.work_rules_publish(actor=admin_a, rules=rules)
    assert (g.kind, g.number, w.kind, w.number) == ("guide", 1, "work_rules", 1)
    assert not [f for f in g.lint_findings + w.lint_findings if f["severity"] == "blocking"]
    assert g.content["materials"][2]["marking"] == MARK
    assert w.content["fields"]["risk_points"] == "申请人隐瞒犯罪记录"
    assert AuditEvent.objects.filter(event=guides.Event.GUIDE_PUBLISHED).count() == 1
    assert AuditEvent.objects.filter(event=guides.Event.WORK_RULES_PUBLISHED).count() == 1


def test_publish_refused_naming_the_missing_sections_and_nothing_written(admin_a, guide):
    guides.guide_draft_update(actor=admin_a, guide=guide, data={"withdrawal": "  "})
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        guides.guide_publish(actor=admin_a, guide=guide)
    assert exc.value.code == "missing_sections"
    assert exc.value.message == "缺少必备内容：承诺办结时限、承诺退出"
    assert [d["field"] for d in exc.value.details] == ["promised_time_limit_days", "withdrawal"]
    assert not GuideVersion.objects.exists()
    assert AuditEvent.objects.count() == events


def test_work_rules_publish_refused_naming_missing_risk_points(admin_a, rules):
    guides.work_rules_draft_update(
        actor=admin_a, rules=rules, data={"risk_points": "", "steps": []}
    )
    with pytest.raises(DomainError) as exc:
        guides.work_rules_publish(actor=admin_a, rules=rules)
    assert exc.value.message == "缺少必备内容：办理步骤、风险点"
    assert not GuideVersion.objects.exists()


def test_guide_must_list_every_required_proof_and_keep_the_catalogs_marking(admin_a, guide):
    _complete(admin_a, guide)
    tampered = [dict(m) for m in guide.materials]
    tampered[2]["marking"] = ""  # a client cannot remove the marking
    tampered[2]["under_commitment"] = False
    guide = guides.guide_draft_update(actor=admin_a, guide=guide, data={"materials": tampered})
    assert guide.materials[2]["marking"] == MARK
    guide = guides.guide_draft_update(
        actor=admin_a, guide=guide, data={"materials": guide.materials[:3]}
    )
    with pytest.raises(DomainError) as exc:
        guides.guide_publish(actor=admin_a, guide=guide)
    assert exc.value.code == "missing_proofs"
    assert "学历证明" in exc.value.message
    assert not GuideVersion.objects.exists()


def test_draft_update_refuses_bad_input_and_writes_nothing(admin_a, guide, rules):
    events = AuditEvent.objects.count()
    for data, code in [
        ({"fees": "不收费\x00"}, "invalid_character"),
        ({"fees": 5}, "invalid_type"),
        ({"promised_time_limit_days": 0}, "invalid_days"),
        ({"promised_time_limit_days": True}, "invalid_days"),
        ({"materials": [{"kind": "proof", "item_code": "NOPE", "name": "x"}]}, "unknown_item"),
        ({"materials": [{"kind": "other", "name": "x"}]}, "invalid_kind"),
        ({"steps": ["a"]}, "unknown_field"),
    ]:
        with pytest.raises(DomainError) as exc:
            guides.guide_draft_update(actor=admin_a, guide=guide, data=data)
        assert exc.value.code == code
    with pytest.raises(DomainError) as exc:
        guides.work_rules_draft_update(actor=admin_a, rules=rules, data={"steps": "x"})
    assert exc.value.code == "invalid_steps"
    assert AuditEvent.objects.count() == events


def test_promised_time_limit_may_not_exceed_the_legal_one(admin_a, guide):
    guides.guide_draft_update(actor=admin_a, guide=guide, data={"promised_time_limit_days": 30})
    with pytest.raises(DomainError) as exc:
        guides.guide_publish(actor=admin_a, guide=guide)
    assert exc.value.code == "promise_exceeds_law"


def test_publish_refused_on_blocking_lint_findings(admin_a, guide):
    _complete(admin_a, guide)
    guides.guide_draft_update(
        actor=admin_a, guide=guide, data={"conditions": "申请人应当具备学历证明等相关证明"}
    )
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        guides.guide_publish(actor=admin_a, guide=guide, override_reason="法律原文如此")
    assert exc.value.code == "lint_blocking"
    assert "申请条件" in exc.value.message
    assert exc.value.details[0]["field"] == "conditions"
    assert not GuideVersion.objects.exists()
    assert AuditEvent.objects.count() == events


def test_justice_reviewer_overrides_blocking_findings_with_a_written_reason(
    admin_a, reviewer, rules
):
    guides.work_rules_draft_update(
        actor=admin_a, rules=rules, data={"risk_controls": "必要时进行现场核查等相关措施"}
    )
    with pytest.raises(DomainError) as exc:
        guides.work_rules_publish(actor=reviewer, rules=rules, override_reason="好")
    assert exc.value.code == "override_reason_required"
    assert not GuideVersion.objects.exists()
    version = guides.work_rules_publish(
        actor=reviewer, rules=rules, override_reason="规程原文经审定，暂予放行"
    )
    assert version.lint_overridden_by == reviewer
    assert version.lint_override_reason == "规程原文经审定，暂予放行"
    event = AuditEvent.objects.get(event=guides.Event.PUBLISHED_LINT_OVERRIDE)
    assert event.actor_id == reviewer.pk
    assert event.after["override_reason"] == "规程原文经审定，暂予放行"


def test_published_versions_are_immutable_with_a_stable_digest(admin_a, guide):
    guide = _complete(admin_a, guide)
    v1 = guides.guide_publish(actor=admin_a, guide=guide)
    stored = GuideVersion.objects.get(pk=v1.pk)
    assert stored.digest == digest_json(stored.content) and len(stored.digest) == 64
    assert digest_json(guides.document_content(guide)) == v1.digest  # same content, same digest
    stored.content = {"tampered": True}
    with pytest.raises(RuntimeError):
        stored.save()
    with pytest.raises(RuntimeError):
        stored.delete()
    guides.guide_draft_update(actor=admin_a, guide=guide, data={"free_text": "请在工作日办理。"})
    v2 = guides.guide_publish(actor=admin_a, guide=guide)
    v1.refresh_from_db()
    assert (v1.number, v2.number) == (1, 2)
    assert v1.content["fields"]["free_text"] == ""
    assert v1.digest == digest_json(v1.content) != v2.digest


def test_another_agencys_admin_is_refused(admin_a, admin_b, matter_a, item, guide, rules):
    with pytest.raises(PermissionDenied):
        guides.work_rules_draft_create(actor=admin_b, item=item)
    with pytest.raises(NotFound):
        guides.guide_draft_update(actor=admin_b, guide=guide, data={"free_text": "改"})
    with pytest.raises(NotFound):
        guides.guide_publish(actor=admin_b, guide=guide)
    with pytest.raises(NotFound):
        guides.work_rules_publish(actor=admin_b, rules=rules)
    with pytest.raises(NotFound):
        guides.guide_draft_get_for(admin_b, matter_a)
    assert guides.guide_draft_get_for(admin_a, matter_a) == guide
    assert not GuideVersion.objects.exists()


def test_another_agencys_admin_may_not_create_a_guide(admin_b, matter_a):
    with pytest.raises(PermissionDenied):
        guides.guide_draft_create(actor=admin_b, matter=matter_a)
    assert not ServiceGuide.objects.exists()


def test_items_not_under_commitment_get_no_work_rules(admin_a, plain_item):
    with pytest.raises(DomainError) as exc:
        guides.work_rules_draft_create(actor=admin_a, item=plain_item)
    assert exc.value.code == "not_under_commitment"
    assert not WorkRules.objects.exists()


def test_public_listing_shows_the_latest_versions(admin_a, guide, rules, agency_a, matter_a):
    _complete(admin_a, guide)
    guides.guide_publish(actor=admin_a, guide=guide)
    latest = guides.guide_publish(actor=admin_a, guide=guide)
    w = guides.work_rules_publish(actor=admin_a, rules=rules)
    listed = list(guides.public_latest_guide_versions(agency_id=agency_a.pk))
    assert [(v.kind, v.number) for v in listed] == [("guide", 2), ("work_rules", 1)]
    assert list(guides.public_latest_guide_versions(matter_id=matter_a.pk)) == [latest, w]
    assert guides.public_latest_guide(matter_a) == latest
    assert guides.public_latest_work_rules(rules.item) == w
    assert list(guides.matters_without_guide(admin_a)) == []


@pytest.mark.parametrize("placeholder", ["无", "略", "详见附件", "同上。"])
def test_a_section_holding_only_a_placeholder_is_not_published(admin_a, guide, placeholder):
    """R-3.4 with issue 11 §4: a section must say something, as the notification's elements do."""
    guides.guide_draft_update(
        actor=admin_a,
        guide=guide,
        data={"promised_time_limit_days": 10, "credit_repair": placeholder},
    )
    with pytest.raises(DomainError) as exc:
        guides.guide_publish(actor=admin_a, guide=guide)
    assert exc.value.code == "missing_sections"
    assert "异议处理和信用修复" in exc.value.message
    assert f"“{placeholder}”是占位内容" in exc.value.message
    assert not GuideVersion.objects.filter(matter=guide.matter).exists()

"""R-3.1 / R-3.3: each required element of a notification or commitment must carry real content,
not only be non-empty. The walk-around found a notification with "无" in all three liability
fields published as a permanent public version (issue 11 §4). The rules are data per element
(`documents/element_rules.py`): a minimum length, what the element must mention, placeholders
refused; the refusal names the element and why."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengnuo.documents import defaults, services
from chengnuo.documents.constants import COMMITMENT_DECLARATIONS, NOTIFICATION_ELEMENTS
from chengnuo.documents.element_rules import (
    ELEMENT_RULES,
    PLACEHOLDERS,
    element_problems,
)
from chengnuo.documents.models import NotificationTemplate, TemplateVersion

from .factories import CertificationItemFactory

GOOD = {
    "matter_name": "最低生活保障审核确认",
    "legal_basis": "《社会救助暂行办法》第十一条",
    "proof_content": "申请人家庭人均收入低于当地最低生活保障标准，且家庭财产状况符合规定。",
    "how_to_commit": "申请人通过网上政务服务平台在线签署，或到窗口现场签署书面承诺书。",
    "civil_liability": defaults.CIVIL_LIABILITY,
    "administrative_liability": defaults.ADMINISTRATIVE_LIABILITY,
    "criminal_liability": defaults.CRIMINAL_LIABILITY,
    "verification_power": (
        "行政机关有权依法对申请人所作承诺的真实性进行核查，通过数据共享在线比对或现场检查。"
    ),
    "disclosure": "承诺书在阜阳市政府网站公开，公开期限为30日。",
}


def test_every_notification_element_and_declaration_has_a_rule():
    for field, _label in (*NOTIFICATION_ELEMENTS, *COMMITMENT_DECLARATIONS):
        assert field in ELEMENT_RULES, field


def test_the_platforms_own_default_texts_pass_every_rule():
    for field, text in GOOD.items():
        assert element_problems(field, text) == [], field
    for field, text in (
        ("knows_notification", defaults.KNOWS_NOTIFICATION),
        ("accepts_liability", defaults.ACCEPTS_LIABILITY),
        ("true_intent", defaults.TRUE_INTENT),
        ("meets_conditions", "本人（单位）已符合告知书所列的全部条件。"),
    ):
        assert element_problems(field, text) == [], field


@pytest.mark.parametrize("placeholder", ["无", "暂无", "略", "同上", "详见附件", "另行通知"])
@pytest.mark.parametrize("field", ["civil_liability", "administrative_liability", "legal_basis"])
def test_placeholders_are_refused_naming_the_element(field, placeholder):
    problems = element_problems(field, placeholder)
    assert problems and problems[0].code == "placeholder"
    assert f"“{placeholder}”" in problems[0].message


@pytest.mark.parametrize(
    "text", ["无。", " 暂无 ", "（无）", "无无无", "略。", "同上。", "——", "/", "N/A", "无；无"]
)
def test_placeholders_with_punctuation_or_repeated_are_refused(text):
    assert element_problems("criminal_liability", text)[0].code == "placeholder"


def test_deferring_the_content_elsewhere_is_refused_even_in_a_longer_sentence():
    for text in (
        "不实承诺的民事责任详见附件《告知承诺须知》。",
        "民事责任由本机关另行通知申请人。",
        "同上，按照《中华人民共和国民法典》承担民事责任。",
    ):
        codes = [p.code for p in element_problems("civil_liability", text)]
        assert "deferred" in codes, text


def test_liability_must_name_its_kind_and_its_legal_source():
    problems = element_problems("civil_liability", "申请人作出不实承诺的，应当承担相应的后果。")
    codes = {p.code for p in problems}
    assert codes == {"must_mention"}
    text = "；".join(p.message for p in problems)
    assert "民事责任" in text and "法律依据" in text
    # the kind without the source is still refused, naming what is missing
    only_kind = element_problems("criminal_liability", "涉嫌犯罪的，依法追究申请人的刑事责任。")
    assert [p.code for p in only_kind] == ["must_mention"]
    assert "法律依据" in only_kind[0].message


def test_the_verification_power_names_what_may_be_checked_and_how():
    problems = element_problems("verification_power", "行政机关保留对承诺进行核查的权利。")
    assert [p.code for p in problems] == ["must_mention"]
    assert "核查方式" in problems[0].message


def test_disclosure_says_whether_and_if_published_where_and_how_long():
    assert element_problems("disclosure", "本承诺书不予公开。") == []
    problems = element_problems("disclosure", "承诺书依法予以公开，接受社会监督。")
    assert {p.code for p in problems} == {"must_mention"}
    assert "公开范围" in problems[0].message or "公开时限" in problems[0].message


def test_too_short_text_is_refused_with_the_minimum():
    problems = element_problems("how_to_commit", "签字")
    assert problems[0].code == "too_short"
    assert str(ELEMENT_RULES["how_to_commit"].min_length) in problems[0].message


@given(st.sampled_from(sorted(PLACEHOLDERS)), st.sampled_from(sorted(ELEMENT_RULES)))
def test_no_element_accepts_a_bare_placeholder(placeholder, field):
    assert element_problems(field, placeholder)


@given(st.text(max_size=60))
def test_any_text_gives_problems_with_a_code_and_a_message(text):
    for field in ELEMENT_RULES:
        for p in element_problems(field, text):
            assert p.code and p.message and p.field == field


# --- publishing ----------------------------------------------------------------------------


@pytest.fixture
def notification(admin_a, agency_a, matter_a):
    item = CertificationItemFactory(agency=agency_a, code="RS-EL-1")
    item.matters.add(matter_a)
    notification, _commitment = services.template_draft_create(actor=admin_a, item=item)
    return notification


def test_a_notification_with_wu_in_the_three_liability_fields_is_not_published(
    admin_a, notification
):
    services.template_draft_update(
        actor=admin_a,
        template=notification,
        data={
            "civil_liability": "无",
            "administrative_liability": "无",
            "criminal_liability": "无",
        },
    )
    with pytest.raises(services.DomainError) as exc:
        services.template_publish(
            actor=admin_a, template=NotificationTemplate.objects.get(pk=notification.pk)
        )
    assert exc.value.code == "element_content"
    for label in ("不实承诺的民事责任", "不实承诺的行政责任", "不实承诺的刑事责任"):
        assert label in exc.value.message
    assert "“无”" in exc.value.message
    fields = {d["field"] for d in exc.value.details}
    assert fields == {"civil_liability", "administrative_liability", "criminal_liability"}
    assert not TemplateVersion.objects.filter(item=notification.item).exists()


def test_the_justice_bureau_override_of_the_linter_does_not_cover_missing_content(
    admin_a, reviewer, notification
):
    """The reviewer's override is for vague wording (R-3.2), not for a required element that
    says nothing (R-3.1)."""
    services.template_draft_update(actor=admin_a, template=notification, data={"disclosure": "略"})
    with pytest.raises(services.DomainError) as exc:
        services.template_publish(
            actor=reviewer,
            template=NotificationTemplate.objects.get(pk=notification.pk),
            override_reason="经审查同意放行该文本",
        )
    assert exc.value.code == "element_content" and "“略”" in exc.value.message
    assert not TemplateVersion.objects.filter(item=notification.item).exists()


def test_the_editor_shows_the_element_problem_inline(client, admin_a, notification):
    services.template_draft_update(
        actor=admin_a, template=notification, data={"criminal_liability": "暂无"}
    )
    client.force_login(admin_a)
    body = client.get(f"/documents/staff/{notification.item.code}/notification/").content.decode()
    assert "不实承诺的刑事责任" in body and "“暂无”" in body

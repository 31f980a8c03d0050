"""Pure legal rules of the catalog, without the database (R-1.2, R-1.3, R-4.1, R-6.3)."""

from hypothesis import given
from hypothesis import strategies as st

from chengnuo.catalog.constants import ExcludedDomain, PriorityDomain
from chengnuo.catalog.rules import clean_item_payload, commitment_refusals, diff_snapshots

from .factories import item_payload

EXCLUDED = [d.value for d in ExcludedDomain]


def codes(errors):
    return [e.code for e in errors]


def test_item_touching_an_excluded_domain_can_never_be_under_commitment_and_the_refusal_names_it():
    _, errors = clean_item_payload(item_payload(excluded_domains=["public_safety"]))
    assert codes(errors) == ["excluded_domain"]
    assert "公共安全" in errors[0].message
    assert errors[0].field == "under_commitment"


@given(st.lists(st.sampled_from(EXCLUDED), min_size=1, unique=True))
def test_any_combination_of_excluded_domains_is_refused_naming_every_domain(domains):
    refusals = commitment_refusals(
        under_commitment=True, excluded_domains=domains, other_high_risk=False
    )
    assert len(refusals) == 1
    for domain in domains:
        assert str(ExcludedDomain(domain).label) in refusals[0].message


@given(st.lists(st.sampled_from(EXCLUDED), unique=True), st.booleans())
def test_items_not_under_commitment_may_carry_excluded_domain_flags(domains, high_risk):
    assert (
        commitment_refusals(
            under_commitment=False, excluded_domains=domains, other_high_risk=high_risk
        )
        == []
    )


def test_other_high_risk_flag_requires_a_stated_reason():
    _, errors = clean_item_payload(item_payload(under_commitment=False, other_high_risk=True))
    assert codes(errors) == ["required"]
    assert errors[0].field == "other_high_risk_reason"


def test_other_high_risk_item_cannot_be_under_commitment():
    _, errors = clean_item_payload(
        item_payload(other_high_risk=True, other_high_risk_reason="纠错成本高，损害难以挽回")
    )
    assert codes(errors) == ["other_high_risk"]
    assert "纠错成本高" in errors[0].message


def test_excluded_domains_accept_chinese_labels_as_in_a_spreadsheet():
    clean, errors = clean_item_payload(
        item_payload(under_commitment=False, excluded_domains="国家安全、公共安全")
    )
    assert errors == []
    assert clean["excluded_domains"] == ["national_security", "public_safety"]


def test_priority_domains_cover_the_seven_domains_of_r_1_2():
    labels = {str(d.label) for d in PriorityDomain}
    assert labels == {
        "户籍管理",
        "市场主体准营",
        "资格考试",
        "社会保险",
        "社会救助",
        "健康体检",
        "法律服务",
    }


def test_unknown_domain_is_refused_naming_the_field_and_allowed_values():
    _, errors = clean_item_payload(item_payload(priority_domains=["tourism"]))
    assert errors[0].field == "priority_domains"
    assert errors[0].code == "invalid_choice"
    assert "户籍管理" in errors[0].message


def test_item_under_commitment_needs_a_verification_plan():
    _, errors = clean_item_payload(
        item_payload(verification_method="", verification_time_limit_days=None)
    )
    assert ("verification_method", "required") in [(e.field, e.code) for e in errors]


def test_verified_item_needs_time_limit_and_standard_but_exempt_does_not():
    _, errors = clean_item_payload(
        item_payload(verification_time_limit_days=None, verification_standard="")
    )
    assert {e.field for e in errors} == {"verification_time_limit_days", "verification_standard"}
    _, errors = clean_item_payload(
        item_payload(
            verification_method="exempt",
            verification_time_limit_days=None,
            verification_standard="",
        )
    )
    assert errors == []


def test_published_commitments_need_a_period():
    _, errors = clean_item_payload(item_payload(disclosure_scope="website"))
    assert [(e.field, e.code) for e in errors] == [("disclosure_period_days", "required")]


def test_required_texts_are_named_in_chinese():
    _, errors = clean_item_payload(item_payload(name="  ", legal_basis=""))
    assert {(e.field, e.code) for e in errors} == {
        ("name", "required"),
        ("legal_basis", "required"),
    }
    assert any("证明事项名称" in e.message for e in errors)


@given(st.dictionaries(st.text(max_size=20), st.none() | st.text() | st.integers() | st.booleans()))
def test_any_input_gives_either_a_clean_payload_or_named_errors(raw):
    _clean, errors = clean_item_payload(raw)
    for e in errors:
        assert e.field and e.code and e.message


def test_diff_snapshots_reports_added_changed_removed():
    old = {"A": {"name": "甲", "x": 1}, "B": {"name": "乙"}}
    new = {"A": {"name": "甲", "x": 2}, "C": {"name": "丙"}}
    diff = diff_snapshots(old, new)
    assert diff["added"] == [{"code": "C", "name": "丙"}]
    assert diff["removed"] == [{"code": "B", "name": "乙"}]
    assert diff["changed"] == [
        {"code": "A", "name": "甲", "fields": {"x": {"before": 1, "after": 2}}}
    ]


def test_r_1_3_refusal_is_reported_even_when_other_fields_are_missing():
    _, errors = clean_item_payload(item_payload(name="", excluded_domains=["state_secrets"]))
    assert {e.code for e in errors} == {"required", "excluded_domain"}
    assert any("国家秘密" in e.message for e in errors)

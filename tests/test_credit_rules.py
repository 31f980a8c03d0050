"""Credit rules without the database (R-2.2, R-5.4, R-5.5, R-6.4)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from chengnuo.credit.rules import (
    RecordFacts,
    commitment_eligibility,
    grade_for,
    repair_refusal,
    risk_level,
)

ON = dt.date(2026, 11, 27)
KINDS = ["false_commitment", "commitment_kept", "external_dishonesty"]
GRADES = ["", "general", "serious", "severe"]
STATUSES = ["active", "under_objection", "repaired", "removed"]

records_st = st.lists(
    st.builds(
        RecordFacts,
        id=st.integers(1, 10_000),
        kind=st.sampled_from(KINDS),
        grade=st.sampled_from(GRADES),
        status=st.sampled_from(STATUSES),
        decided_on=st.dates(dt.date(2015, 1, 1), ON),
    ),
    max_size=8,
)


def rec(kind="false_commitment", grade="general", status="active", days_ago=30, id=1):
    return RecordFacts(id, kind, grade, status, ON - dt.timedelta(days=days_ago))


def test_grade_follows_social_impact_rules_kept_as_data():
    assert grade_for({}).grade == "general"
    assert grade_for({"amount_yuan": 150_000}).grade == "serious"
    assert grade_for({"people_affected": 500}).grade == "severe"
    decision = grade_for({"public_interest": True, "amount_yuan": 2_000_000})
    assert decision.grade == "severe" and "涉及金额100万元以上" in decision.reasons


def test_a_clean_subject_may_commit():
    assert commitment_eligibility([], item_under_commitment=True, on=ON).allowed


def test_an_unrepaired_false_commitment_refuses_with_the_reason_and_the_way_to_repair():
    result = commitment_eligibility([rec()], item_under_commitment=True, on=ON)
    assert not result.allowed
    assert result.reasons[0].code == "false_commitment"
    assert "信用修复" in result.reasons[0].message and result.repair_hint


def test_a_serious_record_bars_commitment_for_its_period_only():
    serious = rec(kind="external_dishonesty", grade="serious", days_ago=100)
    refused = commitment_eligibility([serious], item_under_commitment=True, on=ON)
    assert [r.code for r in refused.reasons] == ["serious_record"]
    later = rec(kind="external_dishonesty", grade="serious", days_ago=400)
    assert commitment_eligibility([later], item_under_commitment=True, on=ON).allowed


def test_a_severe_record_bars_until_repaired():
    severe = rec(kind="external_dishonesty", grade="severe", days_ago=3000)
    assert not commitment_eligibility([severe], item_under_commitment=True, on=ON).allowed
    repaired = rec(kind="external_dishonesty", grade="severe", status="repaired", days_ago=3000)
    assert commitment_eligibility([repaired], item_under_commitment=True, on=ON).allowed


def test_a_general_external_record_allows_commitment_but_every_one_is_verified():
    result = commitment_eligibility(
        [rec(kind="external_dishonesty", grade="general")], item_under_commitment=True, on=ON
    )
    assert result.allowed and result.verify_every_commitment


def test_every_reason_is_returned_not_only_the_first():
    result = commitment_eligibility(
        [rec(id=1), rec(kind="external_dishonesty", grade="severe", id=2)],
        item_under_commitment=False,
        on=ON,
    )
    assert {r.code for r in result.reasons} == {
        "not_under_commitment",
        "false_commitment",
        "severe_record",
    }


@given(records_st)
def test_eligibility_refuses_exactly_when_a_counting_false_commitment_or_bar_exists(records):
    result = commitment_eligibility(records, item_under_commitment=True, on=ON)
    counting = [r for r in records if r.status in ("active", "under_objection")]
    must_refuse = any(r.kind == "false_commitment" for r in counting) or any(
        r.kind == "external_dishonesty"
        and (
            r.grade == "severe"
            or (r.grade == "serious" and r.decided_on + dt.timedelta(days=365) > ON)
        )
        for r in counting
    )
    assert result.allowed is (not must_refuse)
    assert all(r.message for r in result.reasons)


@given(records_st)
def test_repaired_or_removed_records_never_refuse(records):
    cleared = [RecordFacts(r.id, r.kind, r.grade, "repaired", r.decided_on) for r in records]
    assert commitment_eligibility(cleared, item_under_commitment=True, on=ON).allowed


@given(records_st, st.sampled_from(["general", "serious", "severe"]))
def test_adding_dishonesty_never_improves_the_risk_level(records, grade):
    before = risk_level(records, on=ON)
    after = risk_level([*records, rec(grade=grade, id=99_999)], on=ON)
    assert after.level >= before.level  # "A" < "B" < "C" < "D"
    assert after.score >= before.score


def test_risk_level_shows_the_factors_that_produced_it():
    result = risk_level(
        [rec(grade="serious", days_ago=30), rec(kind="commitment_kept", grade="", id=2)], on=ON
    )
    assert result.level == "D"
    labels = [f.label for f in result.factors]
    assert any("虚假承诺（较重" in label and "近一年内" in label for label in labels)
    assert any("守诺记录1次" in label for label in labels)
    assert risk_level([], on=ON).level == "A"


def test_repair_is_refused_while_the_minimum_publication_period_runs():
    refusal = repair_refusal(rec(grade="serious", days_ago=100), on=ON, approved_repairs=0)
    assert refusal.code == "minimum_period"
    assert repair_refusal(rec(grade="serious", days_ago=400), on=ON, approved_repairs=0) is None
    assert repair_refusal(rec(grade="general", days_ago=91), on=ON, approved_repairs=0) is None


def test_repeated_repairs_are_limited(settings):
    settings.CREDIT_REPAIR_LIMIT = 2
    refusal = repair_refusal(rec(days_ago=400), on=ON, approved_repairs=2)
    assert refusal.code == "repair_limit"

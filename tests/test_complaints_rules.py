"""The rules of complaint handling as data and pure functions (R-8.1), without the database:
every kind has its deadlines, text must say something, the second reopening and the second
transfer go to the Justice Bureau."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengnuo.complaints import rules
from chengnuo.complaints.constants import Concern, Kind, Status
from chengnuo.core.calendar import add_working_days


def test_every_kind_has_its_deadlines_and_what_it_must_name():
    assert set(rules.KIND_RULES) == set(Kind.values)
    for kind, rule in rules.KIND_RULES.items():
        assert rule.accept_days > 0 and rule.answer_days > 0 and rule.extension_days > 0, kind
        assert 0 < rule.remind_days < rule.answer_days, kind
        assert rule.requires, kind
        assert not rule.requires & rule.allows, kind
        assert rule.requires | rule.allows <= set(Concern.values), kind


def test_a_complaint_about_handling_is_accepted_within_3_and_answered_within_13_working_days():
    rule = rules.KIND_RULES[Kind.PROOF_DEMANDED]
    assert (rule.accept_days, rule.answer_days) == (3, 13)


def test_a_report_of_a_false_commitment_names_the_commitment_only():
    rule = rules.KIND_RULES[Kind.FALSE_COMMITMENT]
    assert rule.requires == {Concern.COMMITMENT}


def test_deadlines_count_working_days_of_the_one_calendar():
    friday = dt.date(2026, 3, 6)
    assert rules.accept_due(Kind.ATTITUDE, friday) == dt.date(2026, 3, 11)
    assert rules.answer_due(Kind.ATTITUDE, friday) == add_working_days(friday, 13)
    due = rules.answer_due(Kind.ATTITUDE, friday)
    assert rules.extended_due(Kind.ATTITUDE, due) == add_working_days(due, 10)


def test_the_reminder_comes_two_working_days_before_the_deadline():
    monday = dt.date(2026, 3, 9)
    assert rules.reminder_day(Kind.ATTITUDE, monday) == dt.date(2026, 3, 5)  # Thursday


@pytest.mark.parametrize(
    "text",
    ["无", "无无", "测试", "测试测试", "test", "TEST", "xxx", "xxxxxx", "。。。", "！？…", "   ",
     "啊啊啊啊啊啊啊啊啊啊", "1111111111", "略", "详见附件", "同上"],
)  # fmt: skip
def test_placeholder_text_is_refused(text):
    clean, error = rules.clean_text(text, "text", "投诉举报内容", minimum=10, limit=2000)
    assert clean == "" and error is not None
    assert error.code in ("placeholder", "required")
    assert "投诉举报内容" in error.message


def test_text_shorter_than_the_minimum_is_refused_with_the_minimum_named():
    _, error = rules.clean_text("办理太慢", "text", "投诉举报内容", minimum=10, limit=2000)
    assert error is not None and error.code == "too_short" and "10" in error.message


def test_text_longer_than_the_limit_is_refused():
    _, error = rules.clean_text("情况" * 1001, "text", "投诉举报内容", minimum=10, limit=2000)
    assert error is not None and error.code == "too_long"


def test_text_that_says_something_is_kept_as_written():
    text, error = rules.clean_text(
        "  窗口要求提供已实行告知承诺的证明  ", "text", "内容", minimum=10, limit=2000
    )
    assert error is None and text == "窗口要求提供已实行告知承诺的证明"


@given(st.text(alphabet="，。！？、；：…—-_ .,!?()（）【】", max_size=30))
def test_punctuation_alone_never_passes(text):
    _, error = rules.clean_text(text, "text", "内容", minimum=1, limit=2000)
    assert error is not None


def test_a_name_must_be_a_name():
    for bad in ("", "无", "测试", "123", "。。"):
        _, error = rules.clean_name(bad)
        assert error is not None, bad
    assert rules.clean_name(" 张三 ") == ("张三", None)


def test_the_first_reopening_goes_back_to_the_agency_the_second_escalates_a_third_is_refused():
    assert [rules.reopen_outcome(n) for n in range(3)] == ["reopen", "escalate", "refuse"]


def test_the_second_transfer_escalates():
    assert [rules.transfer_outcome(n) for n in range(2)] == ["transfer", "escalate"]


def test_only_an_open_complaint_past_its_deadline_is_overdue():
    day = dt.date(2026, 3, 10)
    assert rules.is_overdue(Status.ACCEPTED, day, day + dt.timedelta(days=1))
    assert not rules.is_overdue(Status.ACCEPTED, day, day)
    assert not rules.is_overdue(Status.ANSWERED, day, day + dt.timedelta(days=9))
    assert not rules.is_overdue(Status.SUBMITTED, None, day)

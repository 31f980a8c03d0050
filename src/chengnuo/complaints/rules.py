"""The legal rules of complaint handling (R-8.1), as data and pure functions: which kinds
exist, what each must name, and its deadlines in working days (acceptance, answer, the one
extension, how early the reminder comes); what counts as text that says something. Unit-tested
without the database (tests/test_complaints_rules.py)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chengnuo.core.calendar import add_working_days, is_working_day
from chengnuo.core.rules import FieldError

from .constants import Category, Concern, Kind, Status


@dataclass(frozen=True)
class KindRule:
    """One kind of complaint: what it must name and its deadlines (working days)."""

    category: str
    requires: frozenset[str]  # Concern values the complainant must choose
    allows: frozenset[str]  # Concern values the complainant may also choose
    accept_days: int  # to accept or decline, from submission (or transfer)
    answer_days: int  # to answer, from acceptance (or reopening)
    extension_days: int  # the one extension, with a reason
    remind_days: int  # the reminder (催办) this many working days before a deadline
    under_commitment: bool = False  # the item named must be one under commitment


KIND_RULES: dict[str, KindRule] = {
    Kind.PROOF_DEMANDED: KindRule(
        Category.HANDLING,
        frozenset({Concern.AGENCY, Concern.ITEM}),
        frozenset({Concern.MATTER}),
        accept_days=3,
        answer_days=13,
        extension_days=10,
        remind_days=2,
        under_commitment=True,
    ),
    Kind.WRONGLY_REFUSED: KindRule(
        Category.HANDLING,
        frozenset({Concern.AGENCY, Concern.ITEM}),
        frozenset({Concern.MATTER}),
        accept_days=3,
        answer_days=13,
        extension_days=10,
        remind_days=2,
        under_commitment=True,
    ),
    Kind.OVERDUE: KindRule(
        Category.HANDLING,
        frozenset({Concern.AGENCY, Concern.MATTER}),
        frozenset(),
        accept_days=3,
        answer_days=13,
        extension_days=10,
        remind_days=2,
    ),
    Kind.ATTITUDE: KindRule(
        Category.HANDLING,
        frozenset({Concern.AGENCY}),
        frozenset({Concern.MATTER}),
        accept_days=3,
        answer_days=13,
        extension_days=10,
        remind_days=2,
    ),
    # the answer waits for the verification the report opens (a plan allows up to 20 days)
    Kind.FALSE_COMMITMENT: KindRule(
        Category.REPORT,
        frozenset({Concern.COMMITMENT}),
        frozenset(),
        accept_days=3,
        answer_days=30,
        extension_days=15,
        remind_days=3,
    ),
    Kind.PUBLISHED_CONTENT: KindRule(
        Category.CONTENT,
        frozenset({Concern.AGENCY}),
        frozenset({Concern.MATTER, Concern.ITEM}),
        accept_days=3,
        answer_days=10,
        extension_days=5,
        remind_days=2,
    ),
}

# reopening and transferring: the second of each goes to the Justice Bureau instead
MAX_REOPENS = 2  # the first reopens with the agency, the second escalates, a third is refused
MAX_TRANSFERS = 1  # a second transfer escalates instead

TEXT_MIN = 10
TEXT_MAX = 2000
REASON_MIN = 4
REASON_MAX = 500
ANSWER_MIN = 10
ANSWER_MAX = 4000
ATTACHMENTS_MAX = 5
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
NAME_MAX = 50


def rule_for(kind: str) -> KindRule | None:
    return KIND_RULES.get(kind)


# --- text that says something ----------------------------------------------------------------

# what people type to get past a required field: refused whatever its length
PLACEHOLDERS = frozenset(
    {
        "测试",
        "测试一下",
        "测试测试",
        "试试",
        "试一下",
        "test",
        "testing",
        "asdf",
        "qwer",
        "abc",
        "123",
        "1234",
        "12345",
        "123456",
        "哈哈",
        "呵呵",
        "啊",
        "嗯",
        "好",
        "不知道",
    }
)
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def placeholder_of(text: str) -> str | None:
    """The placeholder `text` consists of (无, 略, 测试, xxx, one character repeated, only
    punctuation …), or None when it says something."""
    from chengnuo.documents.element_rules import placeholder_problem

    raw = unicodedata.normalize("NFKC", text).strip()
    content = _NOISE.sub("", raw).lower()
    if not content:
        return raw or " "
    if content in PLACEHOLDERS or re.fullmatch(r"x+", content):
        return content
    if len(set(content)) == 1 and len(content) > 1:
        return content
    if any(re.fullmatch(f"(?:{re.escape(p)})+", content) for p in PLACEHOLDERS):
        return content
    if placeholder_problem("text", "", raw) is not None:
        return content
    return None


def clean_text(
    value: Any, field: str, label: str, *, minimum: int = REASON_MIN, limit: int = REASON_MAX
) -> tuple[str, FieldError | None]:
    """A required text that says something: at least `minimum` characters of content, at most
    `limit`, not a placeholder."""
    if not isinstance(value, str) or "\x00" in value:
        return "", FieldError(field, "required", f"请填写{label}")
    text = value.strip()
    if not text:
        return "", FieldError(field, "required", f"请填写{label}")
    if len(text) > limit:
        return "", FieldError(field, "too_long", f"{label}不得超过{limit}字")
    placeholder = placeholder_of(text)
    if placeholder is not None:
        shown = text if len(text) <= 12 else placeholder[:12]
        return "", FieldError(
            field, "placeholder", f"{label}：“{shown}”不是实际内容，请写明具体情况"
        )
    if len(_NOISE.sub("", text)) < minimum:
        return "", FieldError(field, "too_short", f"{label}过短，请至少写{minimum}个字")
    return text, None


def clean_name(value: Any) -> tuple[str, FieldError | None]:
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        return "", FieldError("name", "required", "请填写联系人姓名（匿名举报可不填）")
    name = unicodedata.normalize("NFKC", value).strip()
    if len(name) > NAME_MAX:
        return "", FieldError("name", "too_long", f"联系人姓名不得超过{NAME_MAX}字")
    if placeholder_of(name) is not None and len(name) < 2:
        return "", FieldError("name", "placeholder", "请填写联系人的真实姓名")
    if placeholder_of(name) is not None or not re.search(r"[\u4e00-\u9fffA-Za-z]", name):
        return "", FieldError("name", "placeholder", "请填写联系人的真实姓名")
    return name, None


# --- deadlines --------------------------------------------------------------------------------


def accept_due(kind: str, start: date) -> date:
    return add_working_days(start, KIND_RULES[kind].accept_days)


def answer_due(kind: str, start: date) -> date:
    return add_working_days(start, KIND_RULES[kind].answer_days)


def extended_due(kind: str, due: date) -> date:
    return add_working_days(due, KIND_RULES[kind].extension_days)


def reminder_day(kind: str, due: date) -> date:
    """The working day on which the reminder for `due` is sent: `remind_days` before it."""
    day, left = due, KIND_RULES[kind].remind_days
    while left > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def is_overdue(status: str, due: date | None, today: date) -> bool:
    return status in (Status.SUBMITTED, Status.ACCEPTED) and due is not None and today > due


def reopen_outcome(reopen_count: int) -> str:
    """What a request to reopen does after `reopen_count` earlier ones: "reopen" with the
    agency, "escalate" to the Justice Bureau, or "refuse"."""
    if reopen_count == 0:
        return "reopen"
    if reopen_count < MAX_REOPENS:
        return "escalate"
    return "refuse"


def transfer_outcome(transfer_count: int) -> str:
    """A transfer within the limit moves the complaint; beyond it, it escalates."""
    return "transfer" if transfer_count < MAX_TRANSFERS else "escalate"

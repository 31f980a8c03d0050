"""The search form of the public lists (published commitments, the public dishonesty list, the
service hall's screen). Query parameters are untrusted: a bad value is left out with a Chinese
message naming the field and the rule, never a 500; what was typed is kept for the form."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from .rules import MAX_ID

PAGE_SIZE = 30
MAX_TEXT = 50
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class ListFilters:
    """The filters of one request, validated. `form` holds what was typed (for the form);
    `errors` the messages about what was left out."""

    q: str = ""
    agency_id: int | None = None
    item: str = ""
    date_from: date | None = None
    date_to: date | None = None
    form: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """Whether any condition narrows the list."""
        return bool(self.q or self.agency_id or self.item or self.date_from or self.date_to)


def clean_text(raw: str | None, label: str, errors: list[str]) -> str:
    """Control characters and runs of spaces become one space; a value over MAX_TEXT characters
    is cut, with a message."""
    text = " ".join(_CONTROL_CHARS.sub(" ", raw or "").split())
    if len(text) > MAX_TEXT:
        errors.append(
            _("“%(field)s”不能超过%(n)d个字，已按前%(n)d个字检索。")
            % {"field": label, "n": MAX_TEXT}
        )
        text = text[:MAX_TEXT].strip()
    return text


def parse_pk(raw: str | None) -> int | None:
    """A database id from a query parameter (digits, within MAX_ID), else None."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 10 or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def parse_id(raw: str | None, known: Collection[int]) -> int | None:
    """A database id from a query parameter if it is one of `known`, else None."""
    value = parse_pk(raw)
    return value if value in known else None


def parse_date(raw: str | None) -> date | None:
    """A date written YYYY-MM-DD (what a date field sends), else None."""
    raw = (raw or "").strip()
    if not _ISO_DATE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def list_filters(
    params: Mapping[str, str],
    *,
    agency_ids: Collection[int],
    item: bool = False,
    q_label: str,
    date_label: str,
) -> ListFilters:
    """The filters `q` (name), `agency`, `item` (when `item`), `from` and `to` (a date range,
    both ends included) of a public list. `agency_ids` are the agencies the form offers."""
    errors: list[str] = []
    form: dict[str, str] = {}
    q = form["q"] = clean_text(params.get("q"), q_label, errors)
    item_text = ""
    if item:
        item_text = form["item"] = clean_text(params.get("item"), _("证明事项"), errors)

    raw_agency = (params.get("agency") or "").strip()
    agency_id = parse_id(raw_agency, agency_ids)
    if raw_agency and agency_id is None:
        errors.append(_("“实施机关”无效或不在可选范围内，已忽略该条件。"))
    form["agency"] = str(agency_id or "")

    ends: dict[str, date | None] = {}
    for key, end in (("from", _("起始日期")), ("to", _("截止日期"))):
        raw = (params.get(key) or "").strip()
        value = ends[key] = parse_date(raw)
        if raw and value is None:
            errors.append(
                _("“%(field)s”的%(end)s不是有效日期（如 2025-01-31），已忽略该条件。")
                % {"field": date_label, "end": end}
            )
        form[key] = value.isoformat() if value else ""
    date_from, date_to = ends["from"], ends["to"]
    if date_from and date_to and date_from > date_to:
        errors.append(
            _("“%(field)s”的起始日期晚于截止日期，已忽略日期条件。") % {"field": date_label}
        )
        date_from = date_to = None
    return ListFilters(
        q=q,
        agency_id=agency_id,
        item=item_text,
        date_from=date_from,
        date_to=date_to,
        form=form,
        errors=errors,
    )

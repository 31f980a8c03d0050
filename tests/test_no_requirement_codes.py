"""Requirement codes (R-x.y) stay in code, docs and the API's technical description; text
applicants, the public and staff read on the pages carries none (issue 11 §9)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "chengnuo"
CODE = re.compile(r"R-\d+\.\d+")
CJK = re.compile(r"[\u4e00-\u9fff]")
# The OpenAPI description (summaries, field descriptions) is the integrators' technical view.
TECHNICAL = {"api.py", "schemas.py"}


def _ui_strings(path: Path):
    """String literals that are not docstrings, with Chinese in them."""
    toks = list(tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline))
    for i, t in enumerate(toks):
        if t.type != tokenize.STRING or not CJK.search(t.string):
            continue
        before = toks[i - 1].type if i else None
        after = toks[i + 1].type if i + 1 < len(toks) else None
        statement = before in (
            None,
            tokenize.INDENT,
            tokenize.NEWLINE,
            tokenize.DEDENT,
            tokenize.NL,
        )
        if statement and after == tokenize.NEWLINE:
            continue  # a docstring
        yield t.start[0], t.string


def test_no_page_template_shows_a_requirement_code():
    found = []
    for path in SRC.rglob("*.html"):
        text = re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S)
        found += [f"{path.relative_to(SRC)}: {m}" for m in CODE.findall(text)]
    assert found == []


def test_no_message_or_label_in_the_code_shows_a_requirement_code():
    found = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts or path.name in TECHNICAL:
            continue
        found += [
            f"{path.relative_to(SRC)}:{line}" for line, s in _ui_strings(path) if CODE.search(s)
        ]
    assert found == []


def test_the_english_catalog_carries_none_either():
    po = (SRC / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert not CODE.search(re.sub(r"^#.*$", "", po, flags=re.M))

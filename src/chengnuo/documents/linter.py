"""The text linter of R-3.2: vague wording (模糊表述) and catch-all clauses (兜底条款).

Pure Python, no database: `lint(text)` returns every finding with its position, the phrase, why
it is unclear and how to rewrite it. The rules are data (`lint_rules.RULES`), extended without
code by the JSON file named in settings.LINT_RULES_FILE. Django is imported lazily, so the linter
also runs where settings are not configured (bench/linter_quality.py).
"""

from __future__ import annotations

import json
import os
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from . import lint_rules

_NEWLINE = re.compile("\n")
RULE_KEYS = ("id", "category", "pattern", "severity", "reason", "suggestion")


@dataclass(frozen=True)
class Finding:
    start: int  # character offsets into the text, text[start:end] == phrase
    end: int
    line: int  # 1-based
    column: int  # 1-based, in characters
    phrase: str
    rule_id: str
    category: str
    severity: str
    reason: str
    suggestion: str

    @property
    def blocking(self) -> bool:
        return self.severity == lint_rules.BLOCKING

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CompiledRule:
    id: str
    category: str
    severity: str
    reason: str
    suggestion: str
    regex: re.Pattern[str]
    order: int  # position in the rule list: breaks ties between equally long matches


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[CompiledRule, ...]
    exceptions: re.Pattern[str] | None


class RuleError(ValueError):
    """A rule (from code or from LINT_RULES_FILE) that cannot be used; the message names it."""


_FAMILY = re.compile(r"<([A-Z]+)>")


def expand_families(pattern: str) -> str:
    """Replace each <NAME> by its family of wording (`lint_rules.FAMILIES`)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in lint_rules.FAMILIES:
            raise RuleError(f"未知的词族 <{name}>，可用：{'、'.join(lint_rules.FAMILIES)}")
        return lint_rules.FAMILIES[name]

    return _FAMILY.sub(one, pattern)


def compile_rule(rule: Mapping[str, Any], order: int = 0) -> CompiledRule:
    missing = [key for key in RULE_KEYS if not rule.get(key)]
    if missing:
        raise RuleError(f"规则 {rule.get('id', order)} 缺少字段：{'、'.join(missing)}")
    if rule["category"] not in lint_rules.CATEGORIES:
        raise RuleError(f"规则 {rule['id']} 的类别无效：{rule['category']}")
    if rule["severity"] not in lint_rules.SEVERITIES:
        raise RuleError(f"规则 {rule['id']} 的严重程度无效：{rule['severity']}")
    pattern = str(rule["pattern"])
    if rule.get("regex"):
        pattern = expand_families(pattern)
    try:
        regex = re.compile(pattern if rule.get("regex") else re.escape(pattern))
    except re.error as exc:
        raise RuleError(f"规则 {rule['id']} 的正则表达式无效：{exc}") from exc
    return CompiledRule(
        id=str(rule["id"]),
        category=rule["category"],
        severity=rule["severity"],
        reason=str(rule["reason"]),
        suggestion=str(rule["suggestion"]),
        regex=regex,
        order=order,
    )


def compile_rules(rules: Iterable[Mapping[str, Any]], exceptions: Iterable[str] = ()) -> RuleSet:
    compiled = tuple(compile_rule(rule, order) for order, rule in enumerate(rules))
    phrases = sorted({p for p in exceptions if p}, key=len, reverse=True)
    exc_regex = re.compile("|".join(map(re.escape, phrases))) if phrases else None
    return RuleSet(rules=compiled, exceptions=exc_regex)


def _rules_file_setting() -> str | None:
    """settings.LINT_RULES_FILE, or None when unset or when Django is not configured."""
    try:
        from django.conf import settings

        value = getattr(settings, "LINT_RULES_FILE", None)
    except Exception:  # ImportError, ImproperlyConfigured: the linter runs without Django
        return None
    return os.fspath(value) if value else None


def load_rules_file(path: str) -> tuple[list[dict[str, Any]], list[str]]:
    """A JSON list of rules, or {"rules": [...], "exceptions": [...]}."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if isinstance(data, list):
        return data, []
    if isinstance(data, dict):
        return list(data.get("rules", [])), [str(p) for p in data.get("exceptions", [])]
    raise RuleError(f"规则文件 {path} 应为规则列表或含 rules/exceptions 的对象")


@lru_cache(maxsize=8)
def _default_ruleset(path: str | None, mtime: float | None) -> RuleSet:
    rules: list[dict[str, Any]] = list(lint_rules.RULES)
    exceptions = list(lint_rules.EXCEPTIONS)
    if path:
        extra_rules, extra_exceptions = load_rules_file(path)
        rules += extra_rules
        exceptions += extra_exceptions
    return compile_rules(rules, exceptions)


def default_ruleset() -> RuleSet:
    """The reviewed rules plus those of settings.LINT_RULES_FILE (re-read when the file changes)."""
    path = _rules_file_setting()
    mtime = os.path.getmtime(path) if path else None
    return _default_ruleset(path, mtime)


def _resolve(rules: RuleSet | Sequence[Mapping[str, Any]] | None) -> RuleSet:
    if rules is None:
        return default_ruleset()
    if isinstance(rules, RuleSet):
        return rules
    return compile_rules(rules, lint_rules.EXCEPTIONS)


def lint(text: str, rules: RuleSet | Sequence[Mapping[str, Any]] | None = None) -> list[Finding]:
    """Every vague or catch-all phrase in `text`, in order of position.

    Overlapping matches are reported once: the longest wins, then the earlier rule. Nothing is
    reported inside an exception phrase (等级, 平等 ...).
    """
    ruleset = _resolve(rules)
    if not text:
        return []
    excepted: list[tuple[int, int]] = []
    if ruleset.exceptions is not None:
        excepted = [m.span() for m in ruleset.exceptions.finditer(text)]

    candidates: list[tuple[int, int, CompiledRule]] = []
    for rule in ruleset.rules:
        has_hit = "hit" in rule.regex.groupindex
        for match in rule.regex.finditer(text):
            start, end = match.span("hit") if has_hit else match.span()
            if start < end and not _inside(start, end, excepted):
                candidates.append((start, end, rule))

    # Longest first, then the earlier rule, then the earlier position; keep what does not overlap.
    candidates.sort(key=lambda c: (c[0] - c[1], c[2].order, c[0]))
    taken: list[tuple[int, int, CompiledRule]] = []
    used = bytearray(len(text))
    for start, end, rule in candidates:
        if any(used[start:end]):
            continue
        used[start:end] = b"\x01" * (end - start)
        taken.append((start, end, rule))
    taken.sort(key=lambda c: c[0])

    line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
    findings = []
    for start, end, rule in taken:
        line = bisect_right(line_starts, start)
        findings.append(
            Finding(
                start=start,
                end=end,
                line=line,
                column=start - line_starts[line - 1] + 1,
                phrase=text[start:end],
                rule_id=rule.id,
                category=rule.category,
                severity=rule.severity,
                reason=rule.reason,
                suggestion=rule.suggestion,
            )
        )
    return findings


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that stop publication unless a Justice Bureau reviewer overrides."""
    return [f for f in findings if f.severity == lint_rules.BLOCKING]


def lint_fields(
    fields: Mapping[str, str], rules: RuleSet | Sequence[Mapping[str, Any]] | None = None
) -> dict[str, list[Finding]]:
    """Findings per field of a multi-field document; positions are within each field's text."""
    ruleset = _resolve(rules)
    return {name: lint(text or "", ruleset) for name, text in fields.items()}

#!/usr/bin/env python
"""Quality and speed of the R-3.2 text linter, over the corpus in tests/lint_corpus.json.

A finding counts as a true positive when its (phrase, category) is expected for that sentence
(each expected finding is matched at most once); unexpected findings are false positives and
expected ones not found are false negatives. Speed is the median of 20 runs over a 10 000-char
text built from the corpus, next to a trivial `str.count("等")` pass measured in the same run.

No Django setup is needed: the linter imports Django lazily and falls back to the reviewed rules.
Prints ONE JSON object on stdout.

    .venv/bin/python bench/linter_quality.py

Note: the corpus was written together with the rules, so precision and recall here are
in-sample figures — a regression check, not an estimate on unseen texts.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from chengnuo.documents import lint_rules  # noqa: E402
from chengnuo.documents.linter import lint  # noqa: E402

CORPUS = ROOT / "tests" / "lint_corpus.json"
RUNS = 20
CHARS = 10_000


def ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def score(corpus: list[dict]) -> dict:
    totals: Counter[str] = Counter()
    per_cat: dict[str, Counter[str]] = {c: Counter() for c in lint_rules.CATEGORIES}
    for row in corpus:
        expected = Counter((e["phrase"], e["category"]) for e in row["expected"])
        found = Counter((f.phrase, f.category) for f in lint(row["text"]))
        for kind, counter in (
            ("tp", expected & found),
            ("fp", found - expected),
            ("fn", expected - found),
        ):
            for (_, category), n in counter.items():
                totals[kind] += n
                per_cat.setdefault(category, Counter())[kind] += n
        totals["expected"] += sum(expected.values())
    return {
        "sentences": len(corpus),
        "expected_findings": totals["expected"],
        "true_positives": totals["tp"],
        "false_positives": totals["fp"],
        "false_negatives": totals["fn"],
        "precision": ratio(totals["tp"], totals["tp"] + totals["fp"]),
        "recall": ratio(totals["tp"], totals["tp"] + totals["fn"]),
        "per_category": {
            cat: {
                "true_positives": c["tp"],
                "false_positives": c["fp"],
                "false_negatives": c["fn"],
                "precision": ratio(c["tp"], c["tp"] + c["fp"]),
                "recall": ratio(c["tp"], c["tp"] + c["fn"]),
            }
            for cat, c in per_cat.items()
        },
    }


def median_ms(fn: Callable[[], object]) -> float:
    fn()  # warm-up: compiles and caches the rules
    timings = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(timings), 4)


def main() -> None:
    corpus = json.loads(CORPUS.read_text(encoding="utf-8"))
    result = score(corpus)
    block = "\n".join(row["text"] for row in corpus)
    text = (block * (CHARS // len(block) + 1))[:CHARS]
    result["rules"] = len(lint_rules.RULES)
    result["text_chars"] = len(text)
    result["findings_in_10k_text"] = len(lint(text))
    result["ms_per_10k_chars"] = median_ms(lambda: lint(text))
    result["baseline_ms_per_10k_chars"] = median_ms(lambda: text.count("等"))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

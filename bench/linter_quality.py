#!/usr/bin/env python
"""Quality and speed of the R-3.2 text linter, on two corpora reported apart:

- "in_sample": tests/lint_corpus.json, sentences written together with the rules — a
  regression check, not an estimate;
- "real": tests/lint_corpus_real.json, real published sentences (the seed policy 阜政办〔2021〕1号
  and published notices, service guides and verification rules found in public sources),
  labelled by hand from a written guideline without looking at the rules. Its misses were
  read once to widen the rules' families, so it is a development set now;
- "holdout": tests/lint_corpus_holdout.json, other published texts labelled by the same
  guideline separately and never used to change a rule — the estimate of how the linter does
  on texts it was not written for.

A finding is a true positive when it overlaps an expected label of the same category in the
same sentence (each label matched at most once): phrase boundaries chosen by a person and by a
rule differ ("等相关证明材料" / "等相关证明") without one being wrong. Unmatched findings are false
positives, unmatched labels false negatives. Speed is the median of 20 runs over a 10 000-char
text built from the corpora, next to a trivial `str.count("等")` pass measured in the same run.

No Django setup is needed: the linter imports Django lazily and falls back to the reviewed rules.
Prints ONE JSON object on stdout; `--misses` also prints the real corpus's false positives and
negatives to stderr.

    .venv/bin/python bench/linter_quality.py [--misses]
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
REAL_CORPUS = ROOT / "tests" / "lint_corpus_real.json"
HOLDOUT_CORPUS = ROOT / "tests" / "lint_corpus_holdout.json"
RUNS = 20
CHARS = 10_000


def ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _spans(text: str, phrases: list[str]) -> list[tuple[int, int]]:
    """Where each expected phrase is: the k-th occurrence for the k-th label of one phrase."""
    seen: Counter[str] = Counter()
    spans = []
    for phrase in phrases:
        start = -1
        for _ in range(seen[phrase] + 1):
            start = text.find(phrase, start + 1)
        seen[phrase] += 1
        spans.append((start, start + len(phrase)) if start >= 0 else (-1, -1))
    return spans


def match(text: str, expected: list[dict]) -> tuple[list, list, list]:
    """(true positives, false positives, false negatives) of one sentence, by overlap."""
    labels = list(zip(expected, _spans(text, [e["phrase"] for e in expected]), strict=True))
    found = lint(text)
    used: set[int] = set()
    tps, fps = [], []
    for f in found:
        hit = next(
            (
                i
                for i, (e, (a, b)) in enumerate(labels)
                if i not in used and e["category"] == f.category and a < f.end and f.start < b
            ),
            None,
        )
        if hit is None:
            fps.append(f)
        else:
            used.add(hit)
            tps.append(f)
    fns = [e for i, (e, _span) in enumerate(labels) if i not in used]
    return tps, fps, fns


def score(corpus: list[dict], misses: list | None = None) -> dict:
    totals: Counter[str] = Counter()
    per_cat: dict[str, Counter[str]] = {c: Counter() for c in lint_rules.CATEGORIES}
    for row in corpus:
        tps, fps, fns = match(row["text"], row["expected"])
        for kind, items in (("tp", tps), ("fp", fps)):
            for f in items:
                totals[kind] += 1
                per_cat[f.category][kind] += 1
        for e in fns:
            totals["fn"] += 1
            per_cat[e["category"]]["fn"] += 1
        totals["expected"] += len(row["expected"])
        if misses is not None and (fps or fns):
            misses.append(
                {
                    "text": row["text"],
                    "false_positives": [(f.phrase, f.category) for f in fps],
                    "false_negatives": [(e["phrase"], e["category"]) for e in fns],
                }
            )
    return {
        "sentences": len(corpus),
        "sentences_without_labels": sum(1 for row in corpus if not row["expected"]),
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
    in_sample = json.loads(CORPUS.read_text(encoding="utf-8"))
    misses: list = []
    result: dict = {"in_sample": score(in_sample)}
    rows_all = list(in_sample)
    for name, path in (("real", REAL_CORPUS), ("holdout", HOLDOUT_CORPUS)):
        corpus = json.loads(path.read_text(encoding="utf-8"))
        rows = corpus["sentences"]
        rows_all += rows
        result[name] = {
            **score(rows, misses if name == "real" else None),
            "sources": len(corpus["sources"]),
        }
    block = "\n".join(row["text"] for row in rows_all)
    text = (block * (CHARS // len(block) + 1))[:CHARS]
    result["rules"] = len(lint_rules.RULES)
    result["text_chars"] = len(text)
    result["findings_in_10k_text"] = len(lint(text))
    result["ms_per_10k_chars"] = median_ms(lambda: lint(text))
    result["baseline_ms_per_10k_chars"] = median_ms(lambda: text.count("等"))
    print(json.dumps(result, ensure_ascii=False))
    if "--misses" in sys.argv:
        for row in misses:
            print(json.dumps(row, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    main()

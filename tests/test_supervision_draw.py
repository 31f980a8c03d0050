"""The published draw algorithm `sm3-rank-v1` (R-4.3): the definition in its own words, the
fast path equal to it, and a third party's recomputation catching every kind of tampering.
No database."""

from __future__ import annotations

import copy
import hashlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chengnuo.supervision import draw, fastdraw, rules


def naive(seed: str, pool: list[str], quota: int) -> list[str]:
    """The definition as the public page states it."""
    scored = sorted(
        (int(hashlib.new("sm3", f"{seed}:{m}".encode()).hexdigest(), 16), m) for m in pool
    )
    return [m for _, m in scored[:quota]]


def test_pool_digest_is_sm3_of_the_sorted_members_joined_by_newlines():
    pool = ["DX3", "DX1", "DX2"]
    expected = hashlib.new("sm3", b"DX1\nDX2\nDX3").hexdigest()
    assert draw.pool_digest(pool) == expected
    assert draw.pool_digest(sorted(pool), presorted=True) == expected


def test_each_members_score_is_the_integer_of_sm3_of_seed_colon_member():
    assert draw.score("ab", "DX1") == int(hashlib.new("sm3", b"ab:DX1").hexdigest(), 16)


def test_the_quota_members_with_the_lowest_scores_are_selected():
    pool = [f"DX{i:05d}" for i in range(5000)]
    seed = "9" * 64
    assert draw.select(seed, pool, 150) == naive(seed, pool, 150)


def test_selection_does_not_depend_on_the_order_the_pool_is_given_in():
    pool = [f"DX{i:04d}" for i in range(800)]
    assert draw.select("s", pool, 40) == draw.select("s", list(reversed(pool)), 40)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.text(min_size=1, max_size=20),
    pool=st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=300),
    quota=st.integers(min_value=0, max_value=320),
)
def test_fast_selection_equals_the_definition(seed, pool, quota):
    assert draw.select(seed, pool, quota) == naive(seed, pool, quota)


def test_the_seed_combines_both_shares_and_each_commitment_is_sm3_of_its_share():
    assert draw.share_commitment("abc") == hashlib.new("sm3", b"abc").hexdigest()
    assert draw.combine_seed(["a", "b"]) == hashlib.new("sm3", b"a:b").hexdigest()


def published(quota: int = 5) -> dict:
    shares = ["11" * 32, "22" * 32]
    seed = draw.combine_seed(shares)
    pool_a = sorted(f"DXA{i:03d}" for i in range(60))
    pool_c = sorted(f"DXC{i:03d}" for i in range(20))
    strata = [
        {
            "key": "A",
            "pool": pool_a,
            "pool_digest": draw.pool_digest(pool_a),
            "quota": quota,
            "selected": draw.select(seed, pool_a, quota),
        },
        {
            "key": "C",
            "pool": pool_c,
            "pool_digest": draw.pool_digest(pool_c),
            "quota": 2,
            "selected": draw.select(seed, pool_c, 2),
        },
    ]
    tasks = [
        {"subject": s, "need": {"1": 2}, "excluded": ["RY1"] if i == 0 else []}
        for i, s in enumerate(sorted(strata[0]["selected"] + strata[1]["selected"]))
    ]
    pools = {"1": ["RY1", "RY2", "RY3", "RY4"]}
    picked = draw.select_inspectors(seed, tasks, pools)
    for t, p in zip(tasks, picked, strict=True):
        t["selected"] = p["selected"]
    return {
        "id": 1,
        "algorithm": draw.ALGORITHM,
        "seed": seed,
        "shares": [
            {"party": "lead", "commitment": draw.share_commitment(shares[0]), "share": shares[0]},
            {
                "party": "justice",
                "commitment": draw.share_commitment(shares[1]),
                "share": shares[1],
            },
        ],
        "strata": strata,
        "inspectors": {"pools": pools, "tasks": tasks},
    }


def test_an_untouched_draw_recomputes_identically():
    assert draw.recompute(published()) == []


def test_a_changed_selection_is_caught():
    p = published()
    p["strata"][0]["selected"][0] = "DXA999"
    assert any("抽中结果" in x for x in draw.recompute(p))


def test_a_member_left_out_of_the_published_pool_is_caught():
    p = published()
    p["strata"][1]["pool"] = p["strata"][1]["pool"][1:]
    assert any("名录摘要" in x for x in draw.recompute(p))


def test_a_share_that_does_not_match_its_commitment_is_caught():
    p = copy.deepcopy(published())
    p["shares"][1]["share"] = "33" * 32
    problems = draw.recompute(p)
    assert any("承诺的摘要不符" in x for x in problems)
    assert any("随机种子" in x for x in problems)


def test_a_seed_not_made_of_the_shares_is_caught():
    p = published()
    p["seed"] = "0" * 64
    assert any("随机种子" in x for x in draw.recompute(p))


def test_swapped_inspectors_are_caught():
    p = published()
    p["inspectors"]["tasks"][0]["selected"] = {"1": ["RY1", "RY2"]}
    assert any("检查人员" in x for x in draw.recompute(p))


def test_a_recused_inspector_is_never_selected_and_work_is_spread():
    seed = "5" * 64
    tasks = [{"subject": f"DX{i}", "need": {"1": 2}, "excluded": ["RY1"]} for i in range(6)]
    result = draw.select_inspectors(seed, tasks, {"1": ["RY1", "RY2", "RY3", "RY4", "RY5"]})
    chosen = [r for row in result for r in row["selected"]["1"]]
    assert "RY1" not in chosen
    counts = {r: chosen.count(r) for r in set(chosen)}
    assert max(counts.values()) - min(counts.values()) <= 1  # 12 visits over 4 inspectors: 3 each
    assert all(len(set(row["selected"]["1"])) == 2 for row in result)


def test_too_few_eligible_inspectors_are_reported_not_hidden():
    result = draw.select_inspectors(
        "s", [{"subject": "DX1", "need": {"1": 2}, "excluded": ["RY1"]}], {"1": ["RY1", "RY2"]}
    )
    assert result[0]["short"] == {"1": 1}


def test_the_command_line_says_identical_or_names_the_difference(tmp_path, capsys):
    import json

    good = tmp_path / "draw.json"
    good.write_text(json.dumps(published()), encoding="utf-8")
    assert draw.main([str(good)]) == 0
    assert "一致" in capsys.readouterr().out
    bad = published()
    bad["strata"][0]["quota"] = 6
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    assert draw.main([str(path)]) == 1
    assert "不一致" in capsys.readouterr().out


# --- the rules ------------------------------------------------------------------------------


def test_general_items_draw_at_least_three_percent_and_more_for_poorer_credit():
    ok, errors = rules.clean_ratios("general", {"A": 3, "B": 5, "C": 10, "D": 20})
    assert errors == [] and ok["D"] == 20
    _, errors = rules.clean_ratios("general", {"A": 2, "B": 5, "C": 10, "D": 20})
    assert errors and "3%" in errors[0].message
    _, errors = rules.clean_ratios("general", {"A": 10, "B": 5, "C": 10, "D": 20})
    assert errors and "B类不得低于A类" in errors[0].message


def test_key_items_have_no_upper_limit_below_all():
    ok, errors = rules.clean_ratios("key", {"A": 50, "B": 80, "C": 100, "D": 100})
    assert errors == [] and ok["C"] == 100


def test_quota_is_the_ratio_of_the_pool_for_the_period_and_at_least_one():
    assert rules.quota(1000, 3) == 30
    assert rules.quota(10, 3) == 1
    assert rules.quota(0, 3) == 0
    assert rules.quota(1000, 20, 0.25) == 50


def test_a_plan_may_not_select_by_route():
    for scope in ({"route": ["commitment"]}, {"regions": ["commitment"]}, {"办理方式": "承诺"}):
        errors = rules.scope_errors(scope)
        assert errors and errors[0].code == "discriminatory_selection", scope
        assert "不得对承诺人歧视性监管" in errors[0].message
    assert rules.scope_errors({"regions": ["yingzhou"]}) == []


def test_recusal_rules_are_data_and_each_excludes():
    assert {r["code"] for r in rules.RECUSAL_RULES} == {
        "handled_case",
        "declared",
        "household",
        "former_employer",
    }
    assert rules.recusal_reasons(rules.RecusalFacts(handled_case=True)) == ["handled_case"]
    assert rules.recusal_reasons(rules.RecusalFacts(declared=frozenset({"household"}))) == [
        "household"
    ]
    assert rules.recusal_reasons(rules.RecusalFacts()) == []


# --- a large draw hashed by forked workers (fastdraw): the same result as `select` -------------


def _text(pool: list[str]) -> bytes:
    return "\n".join(pool).encode()


def test_a_draw_hashed_by_two_forked_workers_equals_select_of_each_pool(monkeypatch):
    monkeypatch.setattr(fastdraw, "PARALLEL_FROM", 1_000)
    pools = [
        ([f"DX{i:05d}" for i in range(3_000)], 90),
        ([f"DY{i:05d}" for i in range(700)], 700),  # the whole pool, in score order
        ([f"DZ{i:04d}" for i in range(50)], 0),
        ([], 3),
        (["DW1"], 1),
    ]
    seed = "7" * 64
    whole = sorted(m for p, _ in pools for m in p)
    selection = fastdraw.Selection(
        seed, [(_text(p), q) for p, q in pools], check=[_text(whole)], workers=2
    )
    assert len(selection.children) == 1  # really forked (the caller hashes a slice too)
    selected, checked = selection.result()
    assert selected == [draw.select(seed, p, q) for p, q in pools]
    assert checked == [True]
    assert selected[0] == naive(seed, pools[0][0], 90)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_a_text_out_of_order_is_reported_not_selected_from(monkeypatch, workers):
    monkeypatch.setattr(fastdraw, "PARALLEL_FROM", 10)
    ordered = [f"DX{i:04d}" for i in range(600)]
    swapped_inside = [*ordered[:100], ordered[101], ordered[100], *ordered[102:]]
    swapped_across = ordered[300:] + ordered[:300]  # each half in order, not the whole
    selection = fastdraw.Selection(
        "s",
        [(_text(ordered), 5), (_text(swapped_inside), 5), (_text(swapped_across), 5)],
        check=[_text(swapped_across), _text(ordered)],
        workers=workers,
    )
    selected, checked = selection.result()
    assert selected[0] == naive("s", ordered, 5)
    assert selected[1] is None and selected[2] is None
    assert checked == [False, True]


def test_a_worker_that_fails_is_redone_by_the_caller(monkeypatch):
    monkeypatch.setattr(fastdraw, "PARALLEL_FROM", 100)
    parent = os.getpid()
    real = fastdraw._hash

    def fails_in_a_child(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("a worker's failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(fastdraw, "_hash", fails_in_a_child)
    pool = [f"DX{i:04d}" for i in range(1_000)]
    selection = fastdraw.Selection("s", [(_text(pool), 30)], workers=3)
    assert len(selection.children) == 2
    assert selection.result() == ([naive("s", pool, 30)], [])


def test_a_small_draw_is_hashed_in_the_callers_own_process():
    pool = [f"DX{i}" for i in sorted(range(500), key=str)]
    pool.sort()
    selection = fastdraw.Selection("s", [(_text(pool), 5)], workers=2)
    assert selection.children == []
    assert selection.result() == ([naive("s", pool, 5)], [])


def test_slices_cut_at_newlines_cover_the_text_once():
    text = _text([f"DX{i}" for i in range(97)])
    for parts in (1, 2, 3, 7):
        for first in (None, 0.1, 0.4):
            pieces = [fastdraw._cut(text, k, parts, first) for k in range(parts)]
            assert b"\n".join(p for p in pieces if p) == text

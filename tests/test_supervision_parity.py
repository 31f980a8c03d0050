"""Non-discrimination parity statistics without the database (R-4.4).

Expected values are published ones (R's fisher.test and mantelhaen.test documentation examples,
chi-square critical values) or are computed here independently of the module: exact rational
arithmetic (fractions, math.comb) and the normal distribution of the standard library.
"""

import math
import xml.etree.ElementTree as ET
from fractions import Fraction
from statistics import NormalDist

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengnuo.supervision import parity
from chengnuo.supervision.parity import (
    CMHResult,
    RateComparison,
    Stratum,
    chi2_sf_1df,
    cmh,
    compare,
    fisher_exact_p,
    parity_table,
    ratio_chart_svg,
)

NORMAL = NormalDist()


# --- independent references ---------------------------------------------------------------------


def pearson_reference(a, n1, c, n0):
    """Pearson chi-square of the 2x2 table [[a, b], [c, d]], no continuity correction."""
    b, d = n1 - a, n0 - c
    n = a + b + c + d
    return n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))


def chi2_p_reference(x):
    """P(chi-square_1 >= x) = P(|Z| >= sqrt(x)) for a standard normal Z."""
    return 2 * (1 - NORMAL.cdf(math.sqrt(x)))


def fisher_reference(a, n1, c, n0):
    """Two-sided Fisher exact p in exact rational arithmetic: the hypergeometric probabilities
    of all tables with the observed margins that are no more probable than the observed one."""
    m1 = a + c
    total = math.comb(n1 + n0, m1)
    probs = {
        k: Fraction(math.comb(n1, k) * math.comb(n0, m1 - k), total)
        for k in range(max(0, m1 - n0), min(n1, m1) + 1)
    }
    return float(sum(p for p in probs.values() if p <= probs[a]))


def katz_reference(a, n1, c, n0, z):
    ratio = (a / n1) / (c / n0)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    return ratio, math.exp(math.log(ratio) - z * se), math.exp(math.log(ratio) + z * se)


def cmh_reference(tables):
    """CMH statistics, MH rate ratio and Greenland-Robins variance of ln(RR_MH), written out in
    exact fractions from the textbook formulas."""
    observed = expected = variance = Fraction(0)
    num = den = gr = Fraction(0)
    for a, n1, c, n0 in tables:
        n = n1 + n0
        m1, m0 = a + c, n1 + n0 - a - c
        observed += a
        expected += Fraction(n1 * m1, n)
        variance += Fraction(n1 * n0 * m1 * m0, n * n * (n - 1))
        num += Fraction(a * n0, n)
        den += Fraction(c * n1, n)
        gr += Fraction(m1 * n1 * n0 - a * c * n, n * n)
    delta = abs(observed - expected)
    return {
        "corrected": float((delta - Fraction(1, 2)) ** 2 / variance),
        "uncorrected": float(delta**2 / variance),
        "mh_ratio": float(num / den),
        "var_log_ratio": float(gr / (num * den)),
    }


# --- the chi-square distribution ----------------------------------------------------------------


def test_z_is_the_975_percent_normal_quantile():
    assert abs(parity.Z_95 - NORMAL.inv_cdf(0.975)) < 1e-12


def test_chi2_sf_at_published_critical_values():
    assert chi2_sf_1df(3.841458820694124) == pytest.approx(0.05, abs=1e-9)
    assert chi2_sf_1df(6.634896601021214) == pytest.approx(0.01, abs=1e-9)
    assert chi2_sf_1df(10.827566170662733) == pytest.approx(0.001, abs=1e-9)
    assert chi2_sf_1df(0) == 1
    assert chi2_sf_1df(-1.0) == 1
    assert chi2_sf_1df(math.inf) == 0


@pytest.mark.parametrize("x", [0.01, 0.5, 1.0, 2.7, 5.0, 9.0])
def test_chi2_sf_is_the_two_sided_normal_tail(x):
    assert chi2_sf_1df(x) == pytest.approx(chi2_p_reference(x), abs=1e-12)


def test_chi2_sf_refuses_nan():
    with pytest.raises(ValueError):
        chi2_sf_1df(math.nan)


# --- one stratum --------------------------------------------------------------------------------


def test_two_to_one_table_ratio_katz_interval_and_pearson_p():
    row = compare(Stratum("A", 30, 100, 15, 100), z=1.96)
    assert row.rate_commit == pytest.approx(0.30)
    assert row.rate_proof == pytest.approx(0.15)
    assert row.ratio == pytest.approx(2.0)
    se = math.sqrt(1 / 30 - 1 / 100 + 1 / 15 - 1 / 100)
    assert row.ci_low == pytest.approx(math.exp(math.log(2) - 1.96 * se), rel=1e-12)
    assert row.ci_high == pytest.approx(math.exp(math.log(2) + 1.96 * se), rel=1e-12)
    # N (ad - bc)^2 / (n1 n0 m1 m0) = 200 * (30*85 - 70*15)^2 / (100*100*45*155)
    chi2 = 200 * (30 * 85 - 70 * 15) ** 2 / (100 * 100 * 45 * 155)
    assert chi2 == pytest.approx(6.4516129, abs=1e-7)
    assert chi2 == pytest.approx(pearson_reference(30, 100, 15, 100))
    assert row.p_value == pytest.approx(chi2_p_reference(chi2), abs=1e-12)
    assert row.method == "chi2"
    assert row.flagged
    assert row.note == "承诺组检查率偏高"


def test_default_interval_uses_the_exact_normal_quantile():
    row = compare(Stratum("A", 30, 100, 15, 100))
    _ratio, low, high = katz_reference(30, 100, 15, 100, NORMAL.inv_cdf(0.975))
    assert row.ci_low == pytest.approx(low, rel=1e-12)
    assert row.ci_high == pytest.approx(high, rel=1e-12)


def test_tea_tasting_fisher_exact():
    # Fisher's lady tasting tea: 3 of 4 vs 1 of 4; two-sided p = 34/70 = 0.4857
    assert fisher_exact_p(3, 4, 1, 4) == pytest.approx(34 / 70, abs=1e-12)
    row = compare(Stratum("tea", 3, 4, 1, 4))
    assert row.method == "fisher"
    assert row.p_value == pytest.approx(0.4857142857, abs=1e-9)
    assert row.ratio == pytest.approx(3.0)
    assert not row.flagged
    assert row.note == "两组无显著差异"


def test_convictions_fisher_exact_as_published_in_r():
    # R ?fisher.test, Convictions of like-sex twins of criminals: dizygotic 2 convicted of 17,
    # monozygotic 10 of 13; fisher.test(Convictions) prints p-value = 0.0005367
    assert fisher_exact_p(2, 17, 10, 13) == pytest.approx(0.0005367, abs=5e-8)
    assert fisher_exact_p(2, 17, 10, 13) == pytest.approx(fisher_reference(2, 17, 10, 13))


@pytest.mark.parametrize(
    "table",
    [(0, 5, 5, 5), (2, 4, 2, 4), (1, 9, 8, 11), (7, 7, 0, 3), (0, 1, 0, 1), (4, 20, 1, 3)],
)
def test_fisher_exact_matches_exact_rational_arithmetic(table):
    assert fisher_exact_p(*table) == pytest.approx(fisher_reference(*table), abs=1e-12)


def test_fisher_is_used_exactly_when_an_expected_cell_is_below_five():
    # expected cells: n_row * m_col / N; smallest here 10 * 10 / 40 = 2.5 and 20 * 20 / 40 = 10
    assert compare(Stratum("s", 8, 10, 2, 30)).method == "fisher"
    assert compare(Stratum("s", 15, 20, 5, 20)).method == "chi2"
    # exactly 5 expected is not below five: 10 * 20 / 40
    assert compare(Stratum("s", 10, 10, 10, 30)).method == "chi2"


def test_significantly_lower_rate_is_not_flagged_but_noted():
    row = compare(Stratum("B", 15, 200, 30, 200))
    assert row.ratio == pytest.approx(0.5)
    assert row.p_value is not None and row.p_value < 0.05
    assert row.ci_high is not None and row.ci_high < 1
    assert not row.flagged
    assert row.note == "承诺组检查率偏低"


def test_significant_but_small_excess_is_not_flagged():
    # ratio 1.2 with large groups: significant, yet inside the tolerated band
    row = compare(Stratum("C", 2400, 10000, 2000, 10000))
    assert row.ratio == pytest.approx(1.2)
    assert row.p_value is not None and row.p_value < 1e-6
    assert not row.flagged
    assert row.note == "差异有统计学意义，但未达到判定标准"
    assert compare(Stratum("C", 2400, 10000, 2000, 10000), upper=1.1).flagged


def test_large_but_not_significant_excess_is_not_flagged():
    row = compare(Stratum("D", 2, 10, 1, 10))
    assert row.ratio == pytest.approx(2.0)
    assert row.p_value is not None and row.p_value > 0.05
    assert not row.flagged
    assert row.note == "两组无显著差异"


def test_measure_names_the_rate_in_the_note():
    row = compare(Stratum("A", 30, 100, 15, 100), measure="问题发现率")
    assert row.note == "承诺组问题发现率偏高"


def test_empty_groups_give_none():
    for stratum in (Stratum("x", 0, 0, 3, 10), Stratum("x", 3, 10, 0, 0), Stratum("x", 0, 0, 0, 0)):
        row = compare(stratum)
        assert (row.ratio, row.ci_low, row.ci_high, row.p_value) == (None, None, None, None)
        assert not row.flagged
        assert row.note == "样本不足，无法比较"
    row = compare(Stratum("x", 0, 0, 3, 10))
    assert row.rate_commit is None
    assert row.rate_proof == pytest.approx(0.3)


def test_no_events_in_either_group():
    row = compare(Stratum("x", 0, 25, 0, 40))
    assert row.rate_commit == 0 and row.rate_proof == 0
    assert (row.ratio, row.ci_low, row.ci_high) == (None, None, None)
    assert row.p_value == 1.0  # the only table with these margins
    assert not row.flagged
    assert "无法计算比值" in row.note


def test_zero_in_the_commitment_group_uses_the_half_correction_upwards():
    row = compare(Stratum("x", 0, 20, 5, 20))
    assert row.ratio == 0.0
    assert row.ci_low == 0.0
    # Katz on the table with 0.5 added to every cell: 0.5/21 vs 5.5/21
    se = math.sqrt(1 / 0.5 - 1 / 21 + 1 / 5.5 - 1 / 21)
    assert row.ci_high == pytest.approx((0.5 / 5.5) * math.exp(parity.Z_95 * se), rel=1e-12)
    assert not row.flagged


def test_zero_in_the_proof_group_is_an_infinite_ratio_and_can_be_flagged():
    row = compare(Stratum("x", 20, 20, 0, 20))
    assert row.ratio is None and row.ci_high is None
    se = math.sqrt(1 / 20.5 - 1 / 21 + 1 / 0.5 - 1 / 21)
    assert row.ci_low == pytest.approx((20.5 / 0.5) * math.exp(-parity.Z_95 * se), rel=1e-12)
    assert row.p_value == pytest.approx(chi2_p_reference(pearson_reference(20, 20, 0, 20)))
    assert row.flagged
    assert row.note.startswith("承诺组检查率偏高")
    small = compare(Stratum("x", 1, 20, 0, 20))
    assert small.ratio is None and not small.flagged
    assert "无法计算比值" in small.note


def test_everyone_inspected():
    row = compare(Stratum("x", 10, 10, 5, 10))
    assert row.rate_commit == 1.0
    assert row.ratio == pytest.approx(2.0)
    assert row.ci_low is not None and row.ci_high is not None
    assert row.ci_low <= 2.0 <= row.ci_high
    both = compare(Stratum("x", 10, 10, 7, 7))
    assert both.ratio == 1.0 and both.ci_low == 1.0 and both.ci_high == 1.0
    assert both.p_value == 1.0
    assert not both.flagged


def test_invalid_strata_and_thresholds_are_refused():
    with pytest.raises(ValueError):
        Stratum("x", 5, 4, 0, 1)
    with pytest.raises(ValueError):
        Stratum("x", 0, 1, 2, 1)
    with pytest.raises(ValueError):
        Stratum("x", -1, 1, 0, 1)
    with pytest.raises(TypeError):
        Stratum("x", 1.0, 2, 0, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        compare(Stratum("x", 1, 2, 1, 2), lower=1.5)
    with pytest.raises(ValueError):
        compare(Stratum("x", 1, 2, 1, 2), alpha=0)


@st.composite
def strata(draw, max_size=400):
    n1 = draw(st.integers(0, max_size))
    n0 = draw(st.integers(0, max_size))
    return Stratum("h", draw(st.integers(0, n1)), n1, draw(st.integers(0, n0)), n0)


@given(strata())
def test_compare_properties(stratum):
    row = compare(stratum)
    swapped = compare(stratum.swapped())
    if row.p_value is not None:
        assert 0.0 <= row.p_value <= 1.0
        assert swapped.p_value == pytest.approx(row.p_value, abs=1e-9)
    if row.ratio is not None and row.ci_low is not None and row.ci_high is not None:
        assert row.ci_low <= row.ratio <= row.ci_high
    if row.ratio:
        assert swapped.ratio is not None
        assert swapped.ratio == pytest.approx(1 / row.ratio, rel=1e-9)
        assert row.ci_low is not None and row.ci_high is not None
        assert swapped.ci_low == pytest.approx(1 / row.ci_high, rel=1e-9)
    if row.flagged:
        assert row.p_value is not None and row.p_value < 0.05
        assert row.ci_low is not None and row.ci_low > 1
        assert row.ratio is None or row.ratio > 1.25
        assert not swapped.flagged
        assert swapped.note == "承诺组检查率偏低"


@given(strata(max_size=10))
def test_fisher_matches_exact_arithmetic_on_small_tables(stratum):
    a, n1, c, n0 = stratum.a, stratum.n1, stratum.c, stratum.n0
    assert fisher_exact_p(a, n1, c, n0) == pytest.approx(fisher_reference(a, n1, c, n0), abs=1e-12)


# --- strata pooled ------------------------------------------------------------------------------

# R ?mantelhaen.test: penicillin level (strata) x delay of injection (none / 1.5 h) x response,
# array(c(0, 0, 6, 5, 3, 0, 3, 6, 6, 2, 0, 4, 5, 6, 1, 0, 2, 5, 0, 0), dim = c(2, 2, 5)):
# per stratum cured (none, 1.5h), died (none, 1.5h). Printed: Mantel-Haenszel X-squared = 3.9286,
# df = 1, p-value = 0.04747.
RABBITS_R = [(0, 0, 6, 5), (3, 0, 3, 6), (6, 2, 0, 4), (5, 6, 1, 0), (2, 5, 0, 0)]
RABBITS = [(cn, cn + dn, cd, cd + dd) for cn, cd, dn, dd in RABBITS_R]


def test_cmh_rabbits_example_from_r():
    result = cmh([Stratum(str(i), *t) for i, t in enumerate(RABBITS)])
    assert result.statistic == pytest.approx(3.9286, abs=5e-5)
    assert result.p_value == pytest.approx(0.04747, abs=5e-6)
    assert result.strata_used == 5
    reference = cmh_reference(RABBITS)
    assert result.statistic == pytest.approx(reference["corrected"], rel=1e-12)
    assert result.statistic == pytest.approx(55 / 14, rel=1e-12)  # 2.5^2 / (35/22)
    assert result.statistic_uncorrected == pytest.approx(reference["uncorrected"], rel=1e-12)
    assert result.mh_ratio == pytest.approx(59 / 38, rel=1e-12)
    se = math.sqrt(reference["var_log_ratio"])
    assert result.ci_low == pytest.approx((59 / 38) * math.exp(-parity.Z_95 * se), rel=1e-12)
    assert result.ci_high == pytest.approx((59 / 38) * math.exp(parity.Z_95 * se), rel=1e-12)


def test_cmh_of_one_stratum_reduces_to_the_single_table():
    a, n1, c, n0 = 30, 100, 15, 100
    result = cmh([Stratum("A", a, n1, c, n0)])
    n = n1 + n0
    assert result.statistic_uncorrected == pytest.approx(
        pearson_reference(a, n1, c, n0) * (n - 1) / n, rel=1e-12
    )
    assert result.mh_ratio == pytest.approx(2.0)
    # Greenland-Robins reduces to the Katz variance for a single table
    row = compare(Stratum("A", a, n1, c, n0))
    assert result.ci_low == pytest.approx(row.ci_low, rel=1e-12)
    assert result.ci_high == pytest.approx(row.ci_high, rel=1e-12)


def test_cmh_of_strata_with_identical_rates_is_zero():
    tables = [(10, 100, 20, 200), (5, 50, 1, 10), (30, 60, 50, 100), (0, 40, 0, 25)]
    result = cmh([Stratum(str(i), *t) for i, t in enumerate(tables)])
    assert result.statistic == pytest.approx(0.0, abs=1e-12)
    assert result.statistic_uncorrected == pytest.approx(0.0, abs=1e-12)
    assert result.p_value == pytest.approx(1.0, abs=1e-9)
    assert result.mh_ratio == pytest.approx(1.0)
    assert result.ci_low is not None and result.ci_high is not None
    assert result.ci_low < 1 < result.ci_high


def test_cmh_of_a_consistent_doubling_is_significant():
    tables = [(20, 100, 10, 100), (40, 200, 20, 200), (12, 60, 6, 60), (30, 150, 15, 150)]
    result = cmh([Stratum(str(i), *t) for i, t in enumerate(tables)])
    reference = cmh_reference(tables)
    assert result.statistic == pytest.approx(reference["corrected"], rel=1e-12)
    assert result.p_value is not None and result.p_value < 0.001
    assert result.mh_ratio == pytest.approx(2.0)
    assert result.ci_low is not None and result.ci_low > 1
    assert result.strata_used == 4


def test_cmh_skips_strata_with_an_empty_group_and_handles_nothing():
    result = cmh([Stratum("a", 0, 0, 3, 5), Stratum("b", 1, 1, 0, 0)])
    assert result == CMHResult(None, None, None, None, None, None, 0)
    assert cmh([]).strata_used == 0
    no_events = cmh([Stratum("a", 0, 10, 0, 10)])
    assert no_events.strata_used == 1
    assert no_events.statistic is None and no_events.mh_ratio is None
    zero_commit = cmh([Stratum("a", 0, 10, 3, 10)])
    assert zero_commit.mh_ratio == 0.0 and zero_commit.ci_low is None


def test_parity_table():
    strata_ = [Stratum("A", 30, 100, 15, 100), Stratum("B", 0, 0, 1, 1)]
    rows, pooled = parity_table(strata_, upper=2.5)
    assert [r.key for r in rows] == ["A", "B"]
    assert all(isinstance(r, RateComparison) for r in rows)
    assert not rows[0].flagged  # 2.0 is within the wider band
    assert pooled.strata_used == 1
    assert pooled.mh_ratio == pytest.approx(2.0)


# --- the forest plot ----------------------------------------------------------------------------


def _elements(svg):
    root = ET.fromstring(svg)
    return root, list(root.iter())


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def test_chart_is_svg_without_styles_or_scripts():
    rows = [
        compare(Stratum("<A&B>", 30, 100, 15, 100)),
        compare(Stratum("B", 15, 200, 30, 200)),
        compare(Stratum("空", 0, 0, 3, 10)),
        compare(Stratum("无穷", 20, 20, 0, 20)),
        compare(Stratum("零", 0, 20, 5, 20)),
    ]
    svg = ratio_chart_svg(rows, title="2026年第三季度 检查率比值")
    assert svg.startswith("<svg")
    root, elements = _elements(svg)
    assert _local(root.tag) == "svg"
    assert root.get("role") == "img"
    assert root.get("font-family") == "Noto Sans SC, sans-serif"
    assert any(_local(e.tag) == "title" for e in elements)
    assert all(_local(e.tag) not in ("style", "script") for e in elements)
    assert all("style" not in e.attrib for e in elements)
    assert "style=" not in svg
    assert all(not name.startswith("on") for e in elements for name in e.attrib)
    # the key is escaped in the source and intact once parsed
    assert "<A&B>" not in svg and "&lt;A&amp;B&gt;" in svg
    texts = [e.text or "" for e in elements if _local(e.tag) == "text"]
    assert "<A&B> 偏高" in texts
    flagged = next(e for e in elements if _local(e.tag) == "text" and e.text == "<A&B> 偏高")
    assert flagged.get("fill") == "#b91c1c"
    assert texts.count("样本不足") == 1  # only the stratum without a ratio
    assert "无穷 偏高" in texts
    assert "B" in texts  # lower, not flagged
    ticks = {t for t in texts if t in {"0.25", "0.5", "0.8", "1", "1.25", "2", "4"}}
    assert {"0.8", "1", "1.25"} <= ticks


def test_chart_ticks_follow_the_data_range():
    svg = ratio_chart_svg([compare(Stratum("A", 110, 1000, 100, 1000))])
    texts = [e.text for e in ET.fromstring(svg).iter() if _local(e.tag) == "text"]
    assert {"0.8", "1", "1.25"} <= set(texts)
    assert "0.25" not in texts and "4" not in texts
    assert "偏高" not in svg


def test_chart_of_nothing():
    svg = ratio_chart_svg([], title="空表")
    root = ET.fromstring(svg)
    assert any(e.text == "无数据" for e in root.iter())

"""Non-discrimination parity of routine supervision (R-4.4): pure statistics, no database.

R-4.4 forbids discriminatory supervision of those who obtained an approval by commitment
(告知承诺). A parity report compares, per agency, inspection item and credit stratum, the rate at
which subjects approved by commitment (the "commitment" group) and subjects approved by proof
(the "proof" group) are inspected, and the rate at which inspections find something. Each
stratum is a 2x2 table of four counts::

                 event   no event   total
    commitment     a      n1 - a      n1
    proof          c      n0 - c      n0

(event = inspected, with the group sizes as totals; or event = finding, with the inspected
counts as totals). Per stratum :func:`compare` gives the rate ratio commitment/proof with a 95%
confidence interval (Katz log method) and a two-sided test (Pearson chi-square, or Fisher's exact
test for small tables); a stratum is flagged when the commitment group is inspected
significantly and materially MORE often. :func:`cmh` pools the strata (Cochran-Mantel-Haenszel
test, Mantel-Haenszel rate ratio with the Greenland-Robins variance), and
:func:`ratio_chart_svg` draws the per-stratum ratios as a forest plot (plain SVG, no script, no
inline styles: the site's Content-Security-Policy forbids them).

Only the standard library is used (math.lgamma, math.erfc).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Z_95",
    "CMHResult",
    "RateComparison",
    "Stratum",
    "chi2_sf_1df",
    "cmh",
    "compare",
    "fisher_exact_p",
    "parity_table",
    "pearson_chi2",
    "ratio_chart_svg",
    "two_by_two_p",
]

# the 97.5% quantile of the standard normal distribution: two-sided 95% intervals
Z_95 = 1.959963984540054

# Tables whose smallest expected cell is below this are tested with Fisher's exact test.
MIN_EXPECTED = 5

# R's fisher.test: tables "as extreme" as the observed one up to this relative error count in
# the two-sided p (guards against ties lost to rounding).
_FISHER_REL_ERR = 1e-7

INSUFFICIENT = "样本不足，无法比较"


@dataclass(frozen=True)
class Stratum:
    """One stratum of a parity report (R-4.4): events and group sizes of the two groups.

    ``a`` of ``n1`` subjects approved by commitment and ``c`` of ``n0`` subjects approved by
    proof had the event (were inspected; or, for the finding rate, inspections that found
    something among the inspected). ``key`` is an opaque label ("A", "颍州区", ...).
    """

    key: str
    a: int
    n1: int
    c: int
    n0: int

    def __post_init__(self) -> None:
        for name in ("a", "n1", "c", "n0"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Stratum.{name} must be an int, not {value!r}")
            if value < 0:
                raise ValueError(f"Stratum.{name} must not be negative: {value}")
        if self.a > self.n1:
            raise ValueError(f"Stratum {self.key!r}: a={self.a} exceeds n1={self.n1}")
        if self.c > self.n0:
            raise ValueError(f"Stratum {self.key!r}: c={self.c} exceeds n0={self.n0}")

    @property
    def total(self) -> int:
        """N: both groups together."""
        return self.n1 + self.n0

    @property
    def events(self) -> int:
        """m1: events in both groups together."""
        return self.a + self.c

    def swapped(self) -> Stratum:
        """The same stratum with the two groups exchanged (proof first)."""
        return Stratum(self.key, self.c, self.n0, self.a, self.n1)


@dataclass(frozen=True)
class RateComparison:
    """The comparison of one stratum (R-4.4).

    ``ratio`` is rate_commit / rate_proof; it is None when undefined: a group is empty, both
    rates are 0, or the proof rate is 0 while the commitment rate is not (an infinite ratio; then
    ``ci_low`` is still given and ``ci_high`` is None, unbounded). When the commitment rate is 0
    the ratio is 0.0 and ``ci_low`` is 0.0. ``ci_low``/``ci_high`` are the 95% Katz log interval,
    with 0.5 added to all four cells only when a or c is 0. ``p_value`` is two-sided: Pearson
    chi-square (1 df, no continuity correction), or Fisher's exact test when an expected cell is
    below 5; ``method`` says which ("chi2" or "fisher"; "" when no test was possible).

    ``flagged``: the commitment group is inspected MORE often, materially and significantly:
    ratio > upper AND p < alpha AND ci_low > 1. A significantly lower rate is not flagged (R-4.4
    protects those who committed), the note says so.
    """

    key: str
    rate_commit: float | None
    rate_proof: float | None
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    flagged: bool
    note: str
    method: str = ""


@dataclass(frozen=True)
class CMHResult:
    """Strata pooled (R-4.4): the Cochran-Mantel-Haenszel test and the Mantel-Haenszel rate ratio.

    ``statistic`` is the CMH chi-square (1 df) with the usual 0.5 continuity correction (applied,
    as in R's mantelhaen.test, only when |sum(a - E[a])| >= 0.5), ``statistic_uncorrected``
    without it; ``p_value`` belongs to the corrected statistic. ``mh_ratio`` is
    sum(a*n0/N) / sum(c*n1/N), its 95% interval uses the Greenland-Robins variance of
    ln(mh_ratio). ``strata_used`` counts the strata with N >= 2 and both groups non-empty.
    """

    statistic: float | None
    statistic_uncorrected: float | None
    p_value: float | None
    mh_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    strata_used: int


# --- distributions and tests ------------------------------------------------------------------


def chi2_sf_1df(x: float) -> float:
    """P(X >= x) for X chi-square distributed with 1 degree of freedom: erfc(sqrt(x/2)).

    1.0 for x <= 0, 0.0 for x = inf; NaN is refused.
    """
    if math.isnan(x):
        raise ValueError("chi2_sf_1df of NaN")
    if x <= 0:
        return 1.0
    return math.erfc(math.sqrt(x / 2.0))


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_exact_p(a: int, n1: int, c: int, n0: int) -> float:
    """Two-sided p of Fisher's exact test of the 2x2 table (a, n1 - a / c, n0 - c).

    With all margins fixed, a is hypergeometric; p sums the probabilities of all tables no more
    probable than the observed one (with R's relative tolerance of 1e-7 for ties). Log
    probabilities come from math.lgamma and are normalised over the support, so rounding in
    lgamma of large counts cancels.
    """
    m1 = a + c
    low, high = max(0, m1 - n0), min(n1, m1)
    if low >= high:
        return 1.0
    logs = [_log_comb(n1, k) + _log_comb(n0, m1 - k) for k in range(low, high + 1)]
    top = max(logs)
    observed = logs[a - low]
    threshold = observed + math.log1p(_FISHER_REL_ERR)
    weights = [math.exp(v - top) for v in logs]
    extreme = math.fsum(w for v, w in zip(logs, weights, strict=True) if v <= threshold)
    return min(1.0, extreme / math.fsum(weights))


def pearson_chi2(a: int, n1: int, c: int, n0: int) -> float | None:
    """Pearson chi-square of the 2x2 table without continuity correction:
    N (a d - b c)^2 / (n1 n0 m1 m0). None when a margin is 0."""
    m1 = a + c
    n = n1 + n0
    m0 = n - m1
    if not (n1 and n0 and m1 and m0):
        return None
    cross = a * (n0 - c) - (n1 - a) * c  # exact integer arithmetic
    return n * cross * cross / (n1 * n0 * m1 * m0)


def two_by_two_p(a: int, n1: int, c: int, n0: int) -> tuple[float, str]:
    """Two-sided p of the 2x2 table and the test used: ("chi2") the Pearson chi-square test
    without continuity correction, or ("fisher") Fisher's exact test when an expected cell is
    below 5 (the smallest expected cell is min(n1, n0) * min(m1, m0) / N)."""
    m1 = a + c
    n = n1 + n0
    if n == 0:
        return 1.0, "fisher"
    if min(n1, n0) * min(m1, n - m1) < MIN_EXPECTED * n:
        return fisher_exact_p(a, n1, c, n0), "fisher"
    statistic = pearson_chi2(a, n1, c, n0)
    assert statistic is not None  # every margin is positive here
    return chi2_sf_1df(statistic), "chi2"


# --- one stratum --------------------------------------------------------------------------------


def _check_thresholds(lower: float, upper: float, alpha: float, z: float) -> None:
    if not 0 < lower <= 1 <= upper:
        raise ValueError(f"need 0 < lower <= 1 <= upper, got lower={lower}, upper={upper}")
    if not 0 < alpha < 1:
        raise ValueError(f"need 0 < alpha < 1, got {alpha}")
    if not z > 0:
        raise ValueError(f"need z > 0, got {z}")


def compare(
    stratum: Stratum,
    *,
    lower: float = 0.8,
    upper: float = 1.25,
    alpha: float = 0.05,
    z: float = Z_95,
    measure: str = "检查率",
) -> RateComparison:
    """Compare the commitment and the proof group of one stratum (R-4.4).

    See :class:`RateComparison` for the fields. ``lower``/``upper`` bound the ratios taken as
    parity (default 0.8 to 1.25), ``alpha`` is the significance level, ``z`` the normal quantile
    of the interval, ``measure`` names the rate in the note ("检查率", or "问题发现率" for the
    finding rate). Never raises for a valid stratum.
    """
    _check_thresholds(lower, upper, alpha, z)
    a, n1, c, n0 = stratum.a, stratum.n1, stratum.c, stratum.n0
    rate_commit = a / n1 if n1 else None
    rate_proof = c / n0 if n0 else None
    if not n1 or not n0:
        return RateComparison(
            stratum.key, rate_commit, rate_proof, None, None, None, None, False, INSUFFICIENT
        )
    p_value, method = two_by_two_p(a, n1, c, n0)
    if a == 0 and c == 0:
        return RateComparison(
            stratum.key,
            rate_commit,
            rate_proof,
            None,
            None,
            None,
            p_value,
            False,
            f"两组{measure}均为0，无法计算比值",
            method,
        )

    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    if a and c:
        ratio = (a * n0) / (c * n1)
        se = math.sqrt(max(0.0, 1 / a - 1 / n1 + 1 / c - 1 / n0))
        # ratio * exp(-z se) <= ratio <= ratio * exp(z se) also after rounding
        ci_low, ci_high = ratio * math.exp(-z * se), ratio * math.exp(z * se)
    else:
        # a zero cell: 0.5 added to all four cells (each group's size grows by 1)
        ac, cc = a + 0.5, c + 0.5
        corrected = (ac / (n1 + 1)) / (cc / (n0 + 1))
        se = math.sqrt(max(0.0, 1 / ac - 1 / (n1 + 1) + 1 / cc - 1 / (n0 + 1)))
        if a == 0:  # ratio 0: the interval reaches down to it
            ratio, ci_low, ci_high = 0.0, 0.0, corrected * math.exp(z * se)
        else:  # c == 0: infinite ratio, the interval is unbounded above
            ratio, ci_low, ci_high = None, corrected * math.exp(-z * se), None

    significant = p_value < alpha
    higher = ratio > upper if ratio is not None else c == 0  # c == 0 < a: infinitely higher
    flagged = higher and significant and ci_low is not None and ci_low > 1
    lower_rate = (
        ratio is not None and ratio < lower and significant and ci_high is not None and ci_high < 1
    )
    if flagged:
        note = f"承诺组{measure}偏高"
        if ratio is None:
            note += f"（证明组{measure}为0）"
    elif lower_rate:
        note = f"承诺组{measure}偏低"
    elif ratio is None:
        note = f"证明组{measure}为0，无法计算比值"
    elif significant:
        note = "差异有统计学意义，但未达到判定标准"
    else:
        note = "两组无显著差异"
    return RateComparison(
        stratum.key,
        rate_commit,
        rate_proof,
        ratio,
        ci_low,
        ci_high,
        p_value,
        flagged,
        note,
        method,
    )


# --- strata pooled ------------------------------------------------------------------------------


def cmh(strata: Sequence[Stratum], *, z: float = Z_95) -> CMHResult:
    """Pool the strata (R-4.4): Cochran-Mantel-Haenszel test of a common association and the
    Mantel-Haenszel rate ratio with its 95% interval (Greenland-Robins variance).

    Per stratum with N = n1 + n0 >= 2 and both groups non-empty, m1 = a + c, m0 = N - m1:
    E[a] = n1 m1 / N, Var[a] = n1 n0 m1 m0 / (N^2 (N - 1));
    statistic = (|sum(a - E[a])| - 0.5)^2 / sum(Var[a]); the correction is dropped when
    |sum(a - E[a])| < 0.5, as in R's mantelhaen.test. mh_ratio = sum(a n0 / N) / sum(c n1 / N);
    Var[ln mh_ratio] = sum((m1 n1 n0 - a c N) / N^2) / (sum(a n0 / N) sum(c n1 / N)).
    None wherever a value is undefined (no variance, a zero sum).
    """
    used = [s for s in strata if s.n1 > 0 and s.n0 > 0]
    deviations: list[float] = []
    variances: list[float] = []
    numerators: list[float] = []
    denominators: list[float] = []
    gr_terms: list[float] = []
    for s in used:
        n, m1 = s.total, s.events
        m0 = n - m1
        deviations.append((s.a * n - s.n1 * m1) / n)  # exactly 0 when the rates are equal
        variances.append(s.n1 * s.n0 * m1 * m0 / (n * n * (n - 1)))
        numerators.append(s.a * s.n0 / n)
        denominators.append(s.c * s.n1 / n)
        gr_terms.append((m1 * s.n1 * s.n0 - s.a * s.c * n) / (n * n))

    statistic: float | None = None
    uncorrected: float | None = None
    p_value: float | None = None
    variance = math.fsum(variances)
    if variance > 0:
        delta = abs(math.fsum(deviations))
        yates = 0.5 if delta >= 0.5 else 0.0
        uncorrected = delta * delta / variance
        statistic = (delta - yates) ** 2 / variance
        p_value = chi2_sf_1df(statistic)

    numerator, denominator = math.fsum(numerators), math.fsum(denominators)
    mh_ratio = numerator / denominator if denominator > 0 else None
    ci_low: float | None = None
    ci_high: float | None = None
    if mh_ratio is not None and numerator > 0:
        se = math.sqrt(max(0.0, math.fsum(gr_terms)) / (numerator * denominator))
        ci_low, ci_high = mh_ratio * math.exp(-z * se), mh_ratio * math.exp(z * se)
    return CMHResult(statistic, uncorrected, p_value, mh_ratio, ci_low, ci_high, len(used))


def parity_table(
    strata: Sequence[Stratum],
    *,
    lower: float = 0.8,
    upper: float = 1.25,
    alpha: float = 0.05,
    z: float = Z_95,
    measure: str = "检查率",
) -> tuple[list[RateComparison], CMHResult]:
    """Every stratum compared (:func:`compare`) and all of them pooled (:func:`cmh`), R-4.4."""
    rows = [compare(s, lower=lower, upper=upper, alpha=alpha, z=z, measure=measure) for s in strata]
    return rows, cmh(strata, z=z)


# --- forest plot --------------------------------------------------------------------------------

_TICKS = (0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0)
_FONT = "Noto Sans SC, sans-serif"
_INK = "#1f2937"
_MUTED = "#6b7280"
_RED = "#b91c1c"
_BAND = "#e5e7eb"
_AXIS = "#374151"


def _attrs(**attributes: object) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{html.escape(str(value))}"'
        for name, value in attributes.items()
    )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def ratio_chart_svg(
    rows: Sequence[RateComparison],
    *,
    title: str = "",
    lower: float = 0.8,
    upper: float = 1.25,
    width: int = 640,
) -> str:
    """A forest plot of the per-stratum rate ratios (R-4.4) as a standalone SVG string.

    One row per stratum: its key on the left (red, followed by "偏高", when flagged), the ratio
    as a point and its 95% interval as a line on a log-scale axis (ticks 0.25 to 4, as far as the
    data and the parity band need), the band lower..upper shaded, a line at 1, the ratio and the
    interval as numbers on the right. Values beyond the axis end in an arrow at its edge; rows
    without a ratio say "样本不足". Only presentation attributes, no style element or attribute
    and no script (Content-Security-Policy), so the page and the PDF render the same.
    """
    width = max(int(width), 360)
    row_h, axis_h = 26, 50
    top = 40 if title else 14
    n_rows = max(len(rows), 1)
    plot_bottom = top + n_rows * row_h
    height = plot_bottom + axis_h
    label_right = round(width * 0.3)
    plot_x0 = label_right + 10
    plot_x1 = width - 140
    values_x = plot_x1 + 12

    # axis range: from the tick at or below the smallest value to the one at or above the largest
    values = [lower, upper, 0.8, 1.25]
    for row in rows:
        values += [v for v in (row.ratio, row.ci_low, row.ci_high) if v is not None and v > 0]
    low_v = min(max(min(values), _TICKS[0]), 1.0)
    high_v = max(min(max(values), _TICKS[-1]), 1.0)
    lo = max(t for t in _TICKS if t <= low_v)
    hi = min(t for t in _TICKS if t >= high_v)
    span = math.log(hi) - math.log(lo)

    def x_of(v: float) -> float:
        if v <= lo:
            return plot_x0
        if v >= hi:
            return plot_x1
        return plot_x0 + (math.log(v) - math.log(lo)) / span * (plot_x1 - plot_x0)

    def arrow(x: float, y: float, right: bool, color: str) -> str:
        d = 7 if right else -7
        points = f"{x + d:.1f},{y:.1f} {x:.1f},{y - 5:.1f} {x:.1f},{y + 5:.1f}"
        return f"<polygon {_attrs(points=points, fill=color)}/>"

    caption = title or "承诺组与证明组比值（对数刻度）"
    parts = [
        "<svg "
        + _attrs(
            xmlns="http://www.w3.org/2000/svg",
            width=width,
            height=height,
            viewBox=f"0 0 {width} {height}",
            role="img",
            font_family=_FONT,
            font_size=12,
            fill=_INK,
        )
        + ">",
        f"<title>{html.escape(caption)}</title>",
        f"<rect {_attrs(x=0, y=0, width=width, height=height, fill='#ffffff')}/>",
    ]
    if title:
        parts.append(f"<text {_attrs(x=8, y=24, font_size=15)}>{html.escape(title)}</text>")
    band_x0, band_x1 = x_of(lower), x_of(upper)
    parts.append(
        "<rect "
        + _attrs(
            x=f"{band_x0:.1f}",
            y=top,
            width=f"{band_x1 - band_x0:.1f}",
            height=plot_bottom - top,
            fill=_BAND,
        )
        + "/>"
    )
    one = x_of(1.0)
    parts.append(
        "<line "
        + _attrs(x1=f"{one:.1f}", y1=top, x2=f"{one:.1f}", y2=plot_bottom, stroke=_AXIS)
        + "/>"
    )
    # axis with ticks
    parts.append(
        "<line "
        + _attrs(x1=plot_x0, y1=plot_bottom, x2=plot_x1, y2=plot_bottom, stroke=_AXIS)
        + "/>"
    )
    for tick in _TICKS:
        if not lo <= tick <= hi:
            continue
        tx = f"{x_of(tick):.1f}"
        parts.append(
            "<line " + _attrs(x1=tx, y1=plot_bottom, x2=tx, y2=plot_bottom + 5, stroke=_AXIS) + "/>"
        )
        parts.append(
            f"<text {_attrs(x=tx, y=plot_bottom + 18, text_anchor='middle', font_size=11)}>"
            f"{tick:g}</text>"
        )
    parts.append(
        "<text "
        + _attrs(
            x=f"{(plot_x0 + plot_x1) / 2:.1f}",
            y=plot_bottom + 38,
            text_anchor="middle",
            font_size=11,
            fill=_MUTED,
        )
        + ">比值：承诺组/证明组（阴影为容许范围）</text>"
    )
    parts.append(
        f"<text {_attrs(x=values_x, y=top - 4, font_size=11, fill=_MUTED)}>"
        "比值（95%置信区间）</text>"
    )

    max_chars = max(4, (label_right - 8) // 12)
    if not rows:
        parts.append(
            f"<text {_attrs(x=plot_x0 + 6, y=top + row_h // 2 + 4, fill=_MUTED)}>无数据</text>"
        )
    for i, row in enumerate(rows):
        y = top + i * row_h + row_h / 2
        color = _RED if row.flagged else _INK
        label = row.key if len(row.key) <= max_chars else row.key[: max_chars - 2] + ".."
        if row.flagged:
            label += " 偏高"
        tooltip = f"{row.key}：{row.note}" if row.note else row.key
        parts.append(f"<g><title>{html.escape(tooltip)}</title>")
        parts.append(
            f"<text {_attrs(x=label_right, y=f'{y + 4:.1f}', text_anchor='end', fill=color)}>"
            f"{html.escape(label)}</text>"
        )
        infinite = row.ratio is None and row.ci_low is not None
        if row.ratio is None and not infinite:
            parts.append(
                f"<text {_attrs(x=plot_x0 + 6, y=f'{y + 4:.1f}', fill=_MUTED)}>样本不足</text>"
            )
            parts.append("</g>")
            continue
        # the interval
        left = row.ci_low if row.ci_low is not None else row.ratio
        right = row.ci_high if row.ci_high is not None else (math.inf if infinite else row.ratio)
        if left is not None and right is not None:
            x_left, x_right = x_of(left), x_of(right)
            parts.append(
                "<line "
                + _attrs(
                    x1=f"{x_left:.1f}",
                    y1=f"{y:.1f}",
                    x2=f"{x_right:.1f}",
                    y2=f"{y:.1f}",
                    stroke=color,
                    stroke_width=2,
                )
                + "/>"
            )
            if left < lo:
                parts.append(arrow(plot_x0, y, False, color))
            if right > hi:
                parts.append(arrow(plot_x1, y, True, color))
        # the point
        ratio = math.inf if infinite else row.ratio
        assert ratio is not None
        if lo <= ratio <= hi:
            parts.append(
                f"<circle {_attrs(cx=f'{x_of(ratio):.1f}', cy=f'{y:.1f}', r=4, fill=color)}/>"
            )
        if infinite:
            text = f"- (下限 {_fmt(row.ci_low)})"
        else:
            text = f"{_fmt(row.ratio)} ({_fmt(row.ci_low)}-{_fmt(row.ci_high)})"
        parts.append(
            f"<text {_attrs(x=values_x, y=f'{y + 4:.1f}', font_size=11, fill=color)}>"
            f"{html.escape(text)}</text>"
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)

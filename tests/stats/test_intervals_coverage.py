"""Coverage of the binomial intervals (exact, summing the binomial pmf, and Monte-Carlo),
and the Korn–Graubard interval against computations that share no code with satscore.

Exact coverage at p is sum over k of P(X = k | n, p) * [low_k <= p <= high_k].
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from satscore import SurveyDesign, proportion_ci, score_survey
from satscore._stats.svyciprop import design_proportion_ci

NS = (30, 100, 1000)
PS = (0.5, 0.85, 0.95)


def exact_coverage(method: str, n: int, ps: np.ndarray) -> np.ndarray:
    k = np.arange(n + 1)
    ci = proportion_ci(k, n, method=method)
    pmf = stats.binom.pmf(k[None, :], n, np.asarray(ps)[:, None])
    inside = (ci.low[None, :] <= ps[:, None]) & (ps[:, None] <= ci.high[None, :])
    return (pmf * inside).sum(axis=1)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["wilson", "jeffreys"])
def test_wilson_jeffreys_average_coverage_within_1_5_points(method):
    cov = np.array([exact_coverage(method, n, np.array(PS)) for n in NS])  # (n, p)
    assert abs(cov.mean() - 0.95) <= 0.015
    assert np.all(np.abs(cov.mean(axis=1) - 0.95) <= 0.015), cov  # average over p, per n
    assert np.all(np.abs(cov.mean(axis=0) - 0.95) <= 0.015), cov  # average over n, per p


@pytest.mark.slow
@pytest.mark.parametrize("method", ["clopper_pearson", "korn_graubard"])
def test_exact_intervals_never_below_nominal(method):
    ps = np.linspace(0.5, 0.98, 97)
    for n in NS:
        cov = exact_coverage(method, n, ps)
        assert cov.min() >= 0.95, (n, cov.min())


@pytest.mark.parametrize("n", [1, 7, 30, 100])
def test_korn_graubard_without_design_is_the_exact_binomial_interval(n):
    """deff = 1 (no design): scipy's exact interval, and the tails that define it."""
    k = np.arange(n + 1)
    ci = proportion_ci(k, n, method="korn_graubard")
    ref = [stats.binomtest(int(j), n).proportion_ci(0.95, method="exact") for j in k]
    np.testing.assert_allclose(ci.low, [r.low for r in ref], rtol=0, atol=1e-10)
    np.testing.assert_allclose(ci.high, [r.high for r in ref], rtol=0, atol=1e-10)
    # definition: P(X >= k | low) = P(X <= k | high) = 2.5% (low = 0 at k = 0, high = 1 at n)
    inner = (k > 0) & (k < n)
    np.testing.assert_allclose(stats.binom.sf(k[inner] - 1, n, ci.low[inner]), 0.025, atol=1e-9)
    np.testing.assert_allclose(stats.binom.cdf(k[inner], n, ci.high[inner]), 0.025, atol=1e-9)
    assert ci.low[0] == 0.0
    assert ci.high[-1] == 1.0


def korn_graubard_reference(p, se, df, rows, level=0.95):
    """Korn & Graubard (1998) from scipy.stats alone: Clopper–Pearson beta quantiles at the
    effective size p(1-p)/se², scaled by (t_{a/2, rows-1} / t_{a/2, df})²."""
    a = (1.0 - level) / 2.0
    n_eff = p * (1.0 - p) / se**2
    n_star = n_eff * (stats.t.ppf(a, rows - 1) / stats.t.ppf(a, df)) ** 2
    x = p * n_star
    return stats.beta.ppf(a, x, n_star - x + 1), stats.beta.ppf(1 - a, x + 1, n_star - x)


@pytest.mark.parametrize(("deff", "df"), [(1.8, 40), (2.5, 12), (0.7, 150)])
def test_korn_graubard_with_design_effect_is_not_clopper_pearson(deff, df):
    n = 200
    p = np.array([0.05, 0.3, 0.85, 0.97])
    se = np.sqrt(deff * p * (1 - p) / n)
    low, high, n_eff = design_proportion_ci(p, se**2, df, n, method="korn_graubard", level=0.95)
    ref_low, ref_high = korn_graubard_reference(p, se, df, n)
    np.testing.assert_allclose(low, ref_low, rtol=1e-10)
    np.testing.assert_allclose(high, ref_high, rtol=1e-10)
    np.testing.assert_allclose(n_eff, n / deff, rtol=1e-12)
    # ... and differs from Clopper-Pearson on the n answers, wider when deff > 1
    cp_low, cp_high = (
        stats.beta.ppf(0.025, p * n, n - p * n + 1),
        stats.beta.ppf(0.975, p * n + 1, n - p * n),
    )
    assert np.all(np.abs(low - cp_low) > 1e-4)
    assert np.all(np.abs(high - cp_high) > 1e-4)
    assert np.all((high - low > cp_high - cp_low) == (deff > 1))


def test_scored_korn_graubard_interval_matches_the_reference():
    """The scoring path (metrics table) with a clustered design, deff well above 1."""
    rng = np.random.default_rng(3)
    cl = np.repeat(np.arange(40), 6)
    y = np.clip(np.round(3.8 + rng.normal(size=40)[cl] + rng.normal(size=240)), 1, 5)
    df = pd.DataFrame({"CSAT01": y.astype(int), "cl": cl})
    scores = score_survey(df, "csat", design=SurveyDesign(df, cluster="cl"))
    row = scores.metrics.set_index("metric").loc["top_box"]
    assert row["n_eff"] < 0.6 * row["n"]  # a real design effect
    ref_low, ref_high = korn_graubard_reference(row["estimate"], row["se"], row["df"], row["n"])
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ref_low, ref_high), abs=1e-10)
    cp = proportion_ci(row["estimate"] * row["n"], row["n"], method="clopper_pearson")
    assert row["ci_high"] - row["ci_low"] > (cp.high - cp.low) * 1.2


@pytest.mark.slow
def test_wilson_minimum_coverage_dips_near_092():
    """The documented reason for the conservative default."""
    ps = np.linspace(0.85, 0.95, 201)
    worst = min(exact_coverage("wilson", n, ps).min() for n in (30, 50, 100))
    assert 0.90 < worst < 0.935
    wald = exact_coverage("wald", 30, np.array([0.95]))[0]
    assert wald < 0.80


@pytest.mark.slow
@pytest.mark.parametrize("method", ["wilson", "jeffreys", "clopper_pearson"])
def test_monte_carlo_agrees_with_exact(method):
    rng = np.random.default_rng(20261128)
    reps = 40_000
    for n in NS:
        for p in PS:
            k = rng.binomial(n, p, size=reps)
            ci = proportion_ci(k, n, method=method)
            mc = np.mean((ci.low <= p) & (p <= ci.high))
            ex = exact_coverage(method, n, np.array([p]))[0]
            assert abs(mc - ex) < 4 * np.sqrt(ex * (1 - ex) / reps) + 1e-9, (n, p, mc, ex)

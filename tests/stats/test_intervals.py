"""Binomial intervals, verdicts and one-sided p-values against statsmodels, scipy and R.

R values: tests/data/scoring_R.json from tests/data/make_scoring.R (R 4.2.2 binom.test,
prop.test(correct = FALSE), survey 4.1-1 svyciprop(method = "beta")).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from satscore import proportion_ci
from satscore._stats.intervals import beta_interval
from satscore._stats.svyciprop import design_proportion_ci
from satscore._stats.verdict import (
    directional_p_value,
    normal_p_values,
    proportion_p_values,
    t_p_values,
    verdict,
)
from satscore.errors import DataError, OptionError

R = json.loads((Path(__file__).parents[1] / "data" / "scoring_R.json").read_text())

SM_NAME = {
    "korn_graubard": "beta",
    "clopper_pearson": "beta",
    "wilson": "wilson",
    "jeffreys": "jeffreys",
    "agresti_coull": "agresti_coull",
    "wald": "normal",
}


def _grid():
    ks, ns = [], []
    for n in (1, 2, 3, 5, 10, 17, 30, 50, 100, 200, 1000):
        ks_n = range(n + 1) if n <= 30 else sorted({0, 1, 2, n // 2, int(0.85 * n), n - 1, n})
        for k in ks_n:
            ks.append(k)
            ns.append(n)
    return np.array(ks), np.array(ns)


K, N = _grid()


@pytest.mark.parametrize("method", list(SM_NAME))
@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
def test_two_sided_matches_statsmodels(method, level):
    ci = proportion_ci(K, N, method=method, confidence_level=level)
    lo, hi = proportion_confint(K, N, alpha=1 - level, method=SM_NAME[method])
    np.testing.assert_allclose(ci.low, lo, atol=1e-10, rtol=0)
    np.testing.assert_allclose(ci.high, hi, atol=1e-10, rtol=0)
    assert np.all((ci.low >= 0) & (ci.high <= 1) & (ci.low <= ci.high))


@pytest.mark.parametrize("method", list(SM_NAME))
def test_one_sided_matches_statsmodels(method):
    # statsmodels names `alternative` after the rejection region:
    # "smaller" -> (L, 1) (our side="lower"), "larger" -> (0, U) (our side="upper").
    lo_sm, _ = proportion_confint(K, N, alpha=0.05, method=SM_NAME[method], alternative="smaller")
    _, hi_sm = proportion_confint(K, N, alpha=0.05, method=SM_NAME[method], alternative="larger")
    lower = proportion_ci(K, N, method=method, side="lower")
    upper = proportion_ci(K, N, method=method, side="upper")
    np.testing.assert_allclose(lower.low, lo_sm, atol=1e-10, rtol=0)
    np.testing.assert_allclose(upper.high, hi_sm, atol=1e-10, rtol=0)
    assert np.all(lower.high == 1.0)
    assert np.all(upper.low == 0.0)


def test_exact_matches_r_binom_test():
    rows = R["exact"]
    k = np.array([r["k"] for r in rows], float)
    n = np.array([r["n"] for r in rows], float)
    for level in (0.90, 0.95, 0.99):
        sel = np.array([r["level"] == level for r in rows])
        ci = proportion_ci(k[sel], n[sel], method="clopper_pearson", confidence_level=level)
        np.testing.assert_allclose(ci.low, [r["low"] for r in np.array(rows)[sel]], atol=1e-10)
        np.testing.assert_allclose(ci.high, [r["high"] for r in np.array(rows)[sel]], atol=1e-10)
        lower = proportion_ci(k[sel], n[sel], confidence_level=level, side="lower")
        upper = proportion_ci(k[sel], n[sel], confidence_level=level, side="upper")
        expect_lo = [r["lower_one_sided"] for r in np.array(rows)[sel]]
        expect_hi = [r["upper_one_sided"] for r in np.array(rows)[sel]]
        np.testing.assert_allclose(lower.low, expect_lo, atol=1e-10)
        np.testing.assert_allclose(upper.high, expect_hi, atol=1e-10)


def test_wilson_matches_r_prop_test():
    rows = R["wilson"]
    ci = proportion_ci([r["k"] for r in rows], [r["n"] for r in rows], method="wilson")
    np.testing.assert_allclose(ci.low, [r["low"] for r in rows], atol=1e-10)
    np.testing.assert_allclose(ci.high, [r["high"] for r in rows], atol=1e-10)


def test_golden_values_from_research_table():
    # statsmodels = R to 6 d.p. for these (sampling_ci.md §3.3); checked here independently.
    ci = proportion_ci(85, 100, method="wilson")
    assert (round(ci.low, 6), round(ci.high, 6)) == (0.767164, 0.906940)
    ci = proportion_ci(27, 30, method="jeffreys")
    assert (round(ci.low, 6), round(ci.high, 6)) == (0.756598, 0.971019)
    ci = proportion_ci(30, 30, method="wald")
    assert (ci.low, ci.high) == (1.0, 1.0)


def test_boundaries():
    ci = proportion_ci([0, 20], 20)
    assert ci.low[0] == 0.0
    assert ci.high[1] == 1.0
    # Jeffreys is equal-tailed and not modified at the boundary (as statsmodels)
    j = proportion_ci(30, 30, method="jeffreys")
    assert 0.9999 < j.high < 1.0
    # one-sided exact bound at x = n is alpha^(1/n)
    assert proportion_ci(30, 30, side="lower").low == pytest.approx(0.05 ** (1 / 30), abs=1e-12)


def test_scalar_and_array_shapes():
    ci = proportion_ci(3, 10)
    assert isinstance(ci.low, float)
    ci2 = proportion_ci(np.array([[1, 2], [3, 4]]), 10)
    assert ci2.low.shape == (2, 2)
    assert ci2.low[1, 0] == pytest.approx(ci.low)


def test_beta_interval_non_integer_and_scipy():
    low, high = beta_interval(85.5, 100.25)
    assert low == pytest.approx(stats.beta.ppf(0.025, 85.5, 100.25 - 85.5 + 1), abs=1e-12)
    assert high == pytest.approx(stats.beta.ppf(0.975, 86.5, 100.25 - 85.5), abs=1e-12)
    # integers: scipy's exact binomtest interval
    res = stats.binomtest(85, 100).proportion_ci(0.95, method="exact")
    lo2, hi2 = beta_interval(85, 100)
    assert (lo2, hi2) == pytest.approx((res.low, res.high), abs=1e-10)
    # invalid entries are NaN (callers flag them)
    lo3, _ = beta_interval(np.array([1.0, 1.0]), np.array([0.0, 5.0]))
    assert np.isnan(lo3[0])
    assert not np.isnan(lo3[1])


def _kg(ref):
    se = np.asarray(ref["se"], float)
    return design_proportion_ci(
        ref["estimate"], se * se, ref["df"], ref["n"], method="korn_graubard", level=0.95
    )


def test_korn_graubard_matches_r_svyciprop_beta():
    kg = R["kg_total"]
    low, high, _ = _kg(kg)
    assert float(low) == pytest.approx(kg["low"], abs=1e-8)
    assert float(high) == pytest.approx(kg["high"], abs=1e-8)
    dom = R["kg_domains"]
    low, high, _ = _kg(dom)
    np.testing.assert_allclose(low, dom["low"], atol=1e-8)
    np.testing.assert_allclose(high, dom["high"], atol=1e-8)


# ----------------------------------------------------------------------------- verdicts


def test_issue_example_178_of_200_is_inconclusive():
    for method in ("korn_graubard", "wilson", "jeffreys", "agresti_coull"):
        low = proportion_ci(178, 200, method=method, side="lower").low
        high = proportion_ci(178, 200, method=method, side="upper").high
        assert verdict(low, high, 0.85) == "inconclusive", method
    assert proportion_ci(178, 200, method="wilson", side="lower").low == pytest.approx(
        0.84827, abs=1e-5
    )


def test_verdict_states_and_missing_target():
    out = verdict([0.86, 0.7, 0.8, 0.8], [0.9, 0.84, 0.9, 0.9], [0.85, 0.85, 0.85, np.nan])
    assert out.tolist() == ["met", "not_met", "inconclusive", None]
    assert verdict(0.85, 0.9, 0.85) == "met"  # lower == target counts as met
    assert verdict(0.8, 0.85, 0.85) == "inconclusive"  # upper == target is not "not met"


def test_exact_p_values_match_r():
    for case in R["exact_p"]:
        pg, pl = proportion_p_values(case["k"], case["n"], case["target"])
        assert float(pg) == pytest.approx(case["p_greater"], abs=1e-10)
        assert float(pl) == pytest.approx(case["p_less"], abs=1e-10)


@pytest.mark.parametrize("method", list(SM_NAME))
def test_p_value_is_dual_to_interval(method):
    """verdict 'met' <=> estimate >= target and one-sided p <= alpha (duality)."""
    targets = np.linspace(0.05, 0.95, 19)
    k, n = np.meshgrid(np.arange(0, 61, 3), targets, indexing="ij")
    kk, tt = k.ravel().astype(float), n.ravel()
    nn = np.full_like(kk, 60.0)
    lo = proportion_ci(kk, nn, method=method, side="lower").low
    hi = proportion_ci(kk, nn, method=method, side="upper").high
    v = verdict(lo, hi, tt)
    pg, pl = proportion_p_values(kk, nn, tt, method=method, confidence_level=0.95)
    met_by_p = pg <= 0.05 + 1e-9
    notmet_by_p = pl <= 0.05 + 1e-9
    interior = (kk > 0) & (kk < 60)  # clipped Wald/AC bounds break duality at the edges
    check = interior if method in ("wald", "agresti_coull") else np.ones_like(interior)
    near = np.abs(lo - tt) < 1e-7
    assert np.array_equal((v == "met")[check & ~near], met_by_p[check & ~near])
    near = np.abs(hi - tt) < 1e-7
    assert np.array_equal((v == "not_met")[check & ~near], notmet_by_p[check & ~near])


def test_t_and_normal_p_values():
    pg, pl = t_p_values(4.2, 0.1, 24, 4.0)
    assert float(pg) == pytest.approx(stats.t.sf(2.0, 24), abs=1e-14)
    assert float(pl) == pytest.approx(stats.t.cdf(2.0, 24), abs=1e-14)
    pg, pl = normal_p_values(0.3, 0.1, 0.1)
    assert float(pg) == pytest.approx(stats.norm.sf(2.0), abs=1e-14)
    assert float(directional_p_value(0.3, 0.1, pg, pl)) == pytest.approx(float(pg))
    assert float(directional_p_value(0.05, 0.1, pg, pl)) == pytest.approx(float(pl))
    assert np.isnan(directional_p_value(0.3, np.nan, pg, pl))


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "kwargs", "err", "match"),
    [
        ((5, 0), {}, DataError, r"n must be positive; found n=0"),
        ((11, 10), {}, DataError, r"successes must lie between 0 and n; found successes=11"),
        ((-1, 10), {}, DataError, r"successes=-1"),
        ((np.nan, 10), {}, DataError, r"finite; found NaN"),
        ((5, 10), {"method": "exact"}, OptionError, r"method='exact' is not supported"),
        ((5, 10), {"side": "left"}, OptionError, r"side='left'"),
        ((5, 10), {"confidence_level": 95}, OptionError, r"not a percentage"),
        (("a", 10), {}, DataError, r"numbers or numeric arrays"),
    ],
)
def test_bad_input(args, kwargs, err, match):
    with pytest.raises(err, match=match):
        proportion_ci(*args, **kwargs)


def test_inputs_not_mutated():
    k = np.array([1, 2, 3])
    n = np.array([10, 10, 10])
    proportion_ci(k, n)
    assert k.tolist() == [1, 2, 3]
    assert n.tolist() == [10, 10, 10]

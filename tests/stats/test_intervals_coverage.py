"""Coverage of the binomial intervals: exact (summing the binomial pmf) and Monte-Carlo.

Exact coverage at p is sum over k of P(X = k | n, p) * [low_k <= p <= high_k].
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from satscore import proportion_ci

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
def test_clopper_pearson_never_below_nominal():
    ps = np.linspace(0.5, 0.98, 97)
    for n in NS:
        cov = exact_coverage("clopper_pearson", n, ps)
        assert cov.min() >= 0.95, (n, cov.min())
        assert np.all(exact_coverage("korn_graubard", n, ps) == cov)


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

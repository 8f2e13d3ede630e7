"""Confidence intervals for design-based proportions (R ``svyciprop``).

Every method takes the design estimate ``p``, its linearised variance ``v``,
the design degrees of freedom ``df`` and the number of rows ``n`` of the
(domain) design, vectorised over domains:

``korn_graubard`` (R ``method = "beta"``)
    ``n_eff = p(1-p)/v``; ``n_eff* = n_eff·(t_{α/2, n-1}/t_{α/2, df})²``;
    Clopper–Pearson limits at ``x = p·n_eff*`` out of ``n_eff*``. Optional caps
    on ``n_eff*``: ``"n"`` (NCHS presentation standard, ``min(n_eff*, n)``) or
    ``"n_fpc"`` (``min(n_eff*, n/(1 - f))`` with ``f = n/Σw``; keeps the FPC's
    benefit at high sampling fractions; satscore's recommendation).
``logit`` / ``xlogit`` (R ``"logit"``, ``"xlogit"``)
    Wald interval on the log-odds scale with ``se/(p(1-p))`` and a ``t_df``
    quantile, back-transformed (identical for linearisation designs).
``asin``
    ``asin(√p) ± t_df · se/(2√(p(1-p)))``, back-transformed with ``sin²``.
``mean``
    ``p ± t_df · se`` (can leave [0, 1], as in R).
``wilson`` (R ≥ 4.5)
    Score interval with ``n_eff = p(1-p)/v`` (no df adjustment) and ``t_df``.
``likelihood``
    Rao–Scott scaled profile likelihood of the intercept-only quasi-binomial
    model, solved exactly (see :func:`_likelihood`).

When ``v = 0`` (``p`` is 0 or 1, or no variation) R returns NaN; satscore
instead returns the exact Clopper–Pearson interval on the ``n`` rows (NCHS
convention), so a small segment where everyone is satisfied does not report
certainty.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

from satscore._stats.intervals import beta_interval

__all__ = ["CI_METHODS", "N_EFF_CAPS", "design_proportion_ci"]

CI_METHODS = ("korn_graubard", "beta", "logit", "xlogit", "asin", "mean", "wilson", "likelihood")
N_EFF_CAPS = (None, "n", "n_fpc")


def design_proportion_ci(
    p: np.ndarray,
    var: np.ndarray,
    df: np.ndarray,
    n: np.ndarray,
    *,
    method: str,
    level: float,
    n_eff_cap: str | None = None,
    sum_w: np.ndarray | None = None,
    n_model: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(low, high, n_eff)`` arrays; see the module docstring.

    ``n_model`` (default ``n``) is the number of rows with a non-zero weight, the
    ``n`` of the likelihood method's quasi-binomial fit; it differs from ``n``
    (``nrow`` of the domain design) for domains of calibrated designs, whose
    subsets keep every row.
    """
    p, var, df, n = (np.asarray(a, float) for a in np.broadcast_arrays(p, var, df, n))
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(var)
        n_eff = p * (1.0 - p) / var
        tq = np.where(df > 0, stats.t.ppf(1.0 - alpha / 2.0, np.where(df > 0, df, 1.0)), np.nan)
        degenerate = ~(var > 0) | (p <= 0) | (p >= 1)
        if method in ("korn_graubard", "beta"):
            ratio = stats.t.ppf(alpha / 2.0, np.maximum(n - 1.0, 1.0)) / stats.t.ppf(
                alpha / 2.0, np.where(df > 0, df, np.nan)
            )
            n_star = _cap(n_eff * ratio**2, n, n_eff_cap, sum_w)
            low, high = beta_interval(p * n_star, n_star, confidence_level=level)
        elif method in ("logit", "xlogit"):
            eta = np.log(p / (1.0 - p))
            half = tq * se / (p * (1.0 - p))
            low, high = special.expit(eta - half), special.expit(eta + half)
        elif method == "asin":
            eta = np.arcsin(np.sqrt(p))
            half = tq * se / (2.0 * np.sqrt(p * (1.0 - p)))
            low, high = np.sin(eta - half) ** 2, np.sin(eta + half) ** 2
        elif method == "mean":
            low, high = p - tq * se, p + tq * se
        elif method == "wilson":
            m = _cap(n_eff, n, n_eff_cap, sum_w)
            t2 = tq * tq
            centre = p + t2 / (2.0 * m)
            half = tq / (2.0 * m) * np.sqrt(4.0 * m * p * (1.0 - p) + t2)
            low, high = (centre - half) / (1.0 + t2 / m), (centre + half) / (1.0 + t2 / m)
        else:  # likelihood
            low, high = _likelihood(p, var, tq, n if n_model is None else n_model)
        low = np.asarray(low, float)
        high = np.asarray(high, float)
    if degenerate.any():
        cp_low, cp_high = beta_interval(np.clip(p, 0, 1) * n, n, confidence_level=level)
        low = np.where(degenerate, cp_low, low)
        high = np.where(degenerate, cp_high, high)
        n_eff = np.where(degenerate, n, n_eff)
    bad = ~np.isfinite(p) | ~(df > 0)
    low = np.where(bad, np.nan, low)
    high = np.where(bad, np.nan, high)
    return low, high, n_eff


def _cap(
    n_star: np.ndarray, n: np.ndarray, cap: str | None, sum_w: np.ndarray | None
) -> np.ndarray:
    if cap is None:
        return n_star
    if cap == "n":
        return np.minimum(n_star, n)
    f = np.clip(n / sum_w, 0.0, 1.0 - 1e-12) if sum_w is not None else 0.0
    return np.minimum(n_star, n / (1.0 - f))


def _likelihood(
    p: np.ndarray, var: np.ndarray, tq: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rao–Scott scaled profile-likelihood limits of an intercept-only quasi-binomial fit.

    R ``confint(svyglm(y ~ 1, family = quasibinomial), method = "likelihood")``
    profiles the binomial deviance of the (mean-1 rescaled) weights and compares
    it with ``t²_df·λ``, ``λ`` = design variance / model variance of the
    intercept (model variance with the Pearson dispersion on ``n - 1`` residual
    df). For an intercept-only model this reduces to the closed equation
    ``2·KL(p̂‖π) = t²_df · v(p̂) · n / ((n - 1) · p̂(1 - p̂))``, solved exactly
    here for ``π`` below and above ``p̂`` (``n``: rows with a non-zero weight).
    R evaluates the same profile on a grid with spline interpolation, so R's
    limits differ from the exact root in about the fifth significant digit, up to
    ~2e-3 relative in small domains; against the exact roots of R's own profile
    equation (``uniroot``) satscore agrees to R's glm convergence (≤ 3e-4,
    ``tests/survey/test_design_multistage_R.py``).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        target = tq * tq * var * n / ((n - 1.0) * p * (1.0 - p))
    low = np.full(p.shape, np.nan)
    high = np.full(p.shape, np.nan)
    for i in np.flatnonzero(np.isfinite(target) & (p > 0) & (p < 1)):
        pi, ti = float(p[i]), float(target[i])

        def dev(x: float, pi: float = pi, ti: float = ti) -> float:
            kl = pi * np.log(pi / x) + (1.0 - pi) * np.log((1.0 - pi) / (1.0 - x))
            return 2.0 * kl - ti

        low[i] = optimize.brentq(dev, 1e-300, pi, xtol=1e-15) if dev(1e-300) > 0 else 0.0
        hi_end = 1.0 - 1e-16
        high[i] = optimize.brentq(dev, pi, hi_end, xtol=1e-15) if dev(hi_end) > 0 else 1.0
    return low, high

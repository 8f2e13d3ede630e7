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
    model, solved exactly (see :func:`~satscore._stats.intervals.likelihood_bounds`).

When ``v = 0`` (``p`` is 0 or 1, or no variation) R returns NaN; satscore
instead returns the exact Clopper–Pearson interval on the ``n`` rows (NCHS
convention), so a small segment where everyone is satisfied does not report
certainty.

Every formula lives in :mod:`satscore._stats.intervals`; this module only
composes them into the design-based methods (effective size, caps, the
degenerate-case convention).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from satscore._stats.intervals import (
    asin_bounds,
    beta_interval,
    korn_graubard_n_eff,
    likelihood_bounds,
    logit_bounds,
    wald_bounds,
    wilson_bounds,
)

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

    Examples
    --------
    >>> low, high, n_eff = design_proportion_ci(
    ...     0.827948, 0.024345**2, 197, 200, method="korn_graubard", level=0.95
    ... )
    >>> print(f"{float(low):.4f} {float(high):.4f}")
    0.7742 0.8734
    >>> # R: svyciprop(~I(sch.wide == "Yes"), dstrat, method = "beta")
    """
    p, var, df, n = (np.asarray(a, float) for a in np.broadcast_arrays(p, var, df, n))
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(var)
        n_eff = p * (1.0 - p) / var
        tq = np.where(df > 0, stats.t.ppf(1.0 - alpha / 2.0, np.where(df > 0, df, 1.0)), np.nan)
        degenerate = ~(var > 0) | (p <= 0) | (p >= 1)
        if method in ("korn_graubard", "beta"):
            n_adj = korn_graubard_n_eff(n_eff, n, np.where(df > 0, df, np.nan), alpha / 2.0)
            n_star = _cap(n_adj, n, n_eff_cap, sum_w)
            low, high = beta_interval(p * n_star, n_star, confidence_level=level)
        elif method in ("logit", "xlogit"):
            low, high = logit_bounds(p, se, tq)
        elif method == "asin":
            low, high = asin_bounds(p, se, tq)
        elif method == "mean":
            low, high = wald_bounds(p, se, tq)
        elif method == "wilson":
            low, high = wilson_bounds(p, _cap(n_eff, n, n_eff_cap, sum_w), tq)
        else:  # likelihood
            low, high = likelihood_bounds(p, var, tq, n if n_model is None else n_model)
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

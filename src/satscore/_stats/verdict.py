"""Target verdicts and one-sided p-values.

A target such as "customer satisfaction ≥ 85%" is checked against one-sided
bounds at the confidence level (a one-sided 95% bound is the matching limit of
the two-sided 90% interval):

* ``"met"`` — the one-sided lower bound is at or above the target;
* ``"not_met"`` — the one-sided upper bound is below the target;
* ``"inconclusive"`` — otherwise: the data cannot tell at this confidence level.

The reported p-value is one-sided, for the alternative on the side of the
target where the estimate lies: ``H1: θ > target`` when the estimate is at or
above the target (a small p supports "met") and ``H1: θ < target`` otherwise (a
small p supports "not met"). Each p-value is the test that the interval method
inverts, so ``verdict == "met"`` exactly when the estimate is at or above the
target and ``p_value <= 1 - confidence_level`` (up to floating point).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

from satscore._stats.intervals import agresti_coull_adjust

__all__ = [
    "directional_p_value",
    "normal_p_values",
    "proportion_p_values",
    "t_p_values",
    "verdict",
]

_MET, _NOT_MET, _INCONCLUSIVE = "met", "not_met", "inconclusive"


def verdict(lower_one_sided: Any, upper_one_sided: Any, target: Any) -> Any:
    """Three-state verdict of an estimate against a target from its one-sided bounds.

    Parameters
    ----------
    lower_one_sided, upper_one_sided : float or array_like
        One-sided lower and upper confidence bounds at the confidence level
        (e.g. the two limits of the two-sided 90% interval for 95% one-sided).
    target : float or array_like
        The target value; NaN (no target) gives ``None``.

    Returns
    -------
    str or None, or ndarray of object
        ``"met"`` when ``lower >= target``, ``"not_met"`` when ``upper < target``,
        ``"inconclusive"`` otherwise; ``None`` where the target or a bound is missing.

    Examples
    --------
    >>> from satscore._stats.intervals import proportion_ci
    >>> low = proportion_ci(178, 200, side="lower").low
    >>> high = proportion_ci(178, 200, side="upper").high
    >>> verdict(low, high, 0.85)
    'inconclusive'
    >>> verdict([0.86, 0.70, 0.80], [0.90, 0.84, 0.90], 0.85).tolist()
    ['met', 'not_met', 'inconclusive']
    """
    scalar = np.ndim(lower_one_sided) == 0 and np.ndim(upper_one_sided) == 0
    scalar = scalar and np.ndim(target) == 0
    low, high, tgt = np.broadcast_arrays(
        np.asarray(lower_one_sided, float),
        np.asarray(upper_one_sided, float),
        np.asarray(target, float),
    )
    out = np.full(low.shape, _INCONCLUSIVE, dtype=object)
    out[high < tgt] = _NOT_MET
    out[low >= tgt] = _MET
    out[np.isnan(tgt) | np.isnan(low) | np.isnan(high)] = None
    return out.item() if scalar else out


def proportion_p_values(
    x: Any,
    n: Any,
    target: Any,
    *,
    method: str = "clopper_pearson",
    confidence_level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided p-values of a proportion against a target, dual to the CI ``method``.

    Returns ``(p_greater, p_less)`` for ``H1: π > target`` and ``H1: π < target``:

    * exact (``clopper_pearson``, ``korn_graubard``): binomial tails
      ``P(X >= x | target)`` and ``P(X <= x | target)`` through the regularised
      incomplete beta function (valid for non-integer effective counts);
    * ``jeffreys``: posterior tail probabilities under the Jeffreys prior;
    * ``wilson``: the score test; ``wald``: the Wald test;
      ``agresti_coull``: the Wald test on the adjusted proportion (its
      adjustment uses the one-sided critical value of ``confidence_level``).

    Examples
    --------
    >>> pg, pl = proportion_p_values(178, 200, 0.85)
    >>> print(f"{float(pg):.4f}")
    0.0645
    >>> # R: binom.test(178, 200, p = 0.85, alternative = "greater")$p.value
    """
    x = np.asarray(x, float)
    n = np.asarray(n, float)
    t = np.asarray(target, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method in ("clopper_pearson", "korn_graubard"):
            p_greater = np.where(x <= 0, 1.0, special.betainc(np.maximum(x, 1e-300), n - x + 1, t))
            # P(X <= x) = 1 - P(X >= x + 1) = 1 - I_t(x + 1, n - x)
            p_less = np.where(x >= n, 1.0, special.betaincc(x + 1, np.maximum(n - x, 1e-300), t))
            return p_greater, p_less
        if method == "jeffreys":
            p_greater = special.betainc(x + 0.5, n - x + 0.5, t)
            return p_greater, 1.0 - p_greater
        p_hat = x / n
        if method == "wilson":
            z = (p_hat - t) / np.sqrt(t * (1.0 - t) / n)
        elif method == "wald":
            z = (p_hat - t) / np.sqrt(p_hat * (1.0 - p_hat) / n)
            z = np.where(np.isnan(z), np.sign(p_hat - t) * np.inf, z)
        elif method == "agresti_coull":
            p_c, n_c = agresti_coull_adjust(x, n, special.ndtri(confidence_level))
            z = (p_c - t) / np.sqrt(p_c * (1.0 - p_c) / n_c)
        else:
            msg = f"no p-value for method {method!r}"
            raise ValueError(msg)
        return special.ndtr(-z), special.ndtr(z)


def normal_p_values(estimate: Any, se: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(p_greater, p_less)`` of the z statistic ``(estimate - target)/se``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (np.asarray(estimate, float) - np.asarray(target, float)) / np.asarray(se, float)
    return special.ndtr(-z), special.ndtr(z)


def t_p_values(estimate: Any, se: Any, df: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(p_greater, p_less)`` of the t statistic ``(estimate - target)/se`` on ``df``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (np.asarray(estimate, float) - np.asarray(target, float)) / np.asarray(se, float)
    df = np.asarray(df, float)
    return stats.t.sf(t, df), stats.t.cdf(t, df)


def directional_p_value(estimate: Any, target: Any, p_greater: Any, p_less: Any) -> Any:
    """Pick the one-sided p-value on the side of the target where the estimate lies.

    NaN where there is no target.

    Examples
    --------
    >>> float(directional_p_value(0.89, 0.85, 0.06, 0.96))
    0.06
    """
    est = np.asarray(estimate, float)
    tgt = np.asarray(target, float)
    out = np.where(est >= tgt, p_greater, p_less)
    return np.where(np.isnan(tgt) | np.isnan(est), np.nan, out)

"""Confidence intervals for a binomial proportion, vectorised over arrays.

All methods return equal-tailed intervals. The conventions at ``x = 0`` and
``x = n`` follow :func:`statsmodels.stats.proportion.proportion_confint`:

* ``clopper_pearson`` / ``korn_graubard`` (exact, beta quantiles): the lower
  bound is 0 at ``x = 0`` and the upper bound is 1 at ``x = n``;
* ``jeffreys``: equal-tailed Beta(x + 1/2, n - x + 1/2) quantiles, *not*
  modified at the boundaries (so the upper bound at ``x = n`` is just below 1);
* ``wilson``, ``agresti_coull`` and ``wald`` are clipped to [0, 1]
  (``wald`` collapses to the point 0 or 1 at the boundaries, one reason it is
  never the default).

Without a survey design, ``korn_graubard`` *is* Clopper–Pearson. With a design,
the Korn–Graubard interval is Clopper–Pearson evaluated at the effective sample
size (see :func:`korn_graubard_interval`), which is why :func:`beta_interval`
accepts non-integer ``x`` and ``n``.

One-sided intervals (``side="lower"`` or ``"upper"``) put the full
``alpha = 1 - confidence_level`` in one tail: ``side="lower"`` returns
``(L, 1)`` and ``side="upper"`` returns ``(0, U)``. A one-sided 95% bound is the
matching limit of the two-sided 90% interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

from satscore._core.checks import check_confidence_level, check_option
from satscore._core.errors import DataError
from satscore._core.results import ConfidenceInterval

__all__ = [
    "METHODS",
    "SIDES",
    "beta_interval",
    "korn_graubard_interval",
    "proportion_bounds",
    "proportion_ci",
    "t_interval",
]

METHODS = ("korn_graubard", "clopper_pearson", "wilson", "jeffreys", "agresti_coull", "wald")
SIDES = ("two", "lower", "upper")


def _tail_alpha(confidence_level: float, side: str) -> float:
    alpha = 1.0 - confidence_level
    return alpha / 2.0 if side == "two" else alpha


def _mask_sides(low: np.ndarray, high: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray]:
    if side == "lower":
        high = np.ones_like(high)
    elif side == "upper":
        low = np.zeros_like(low)
    return low, high


def _unwrap(low: np.ndarray, high: np.ndarray, scalar: bool) -> tuple[Any, Any]:
    if scalar:
        return float(low), float(high)
    return low, high


def beta_interval(
    x: Any,
    n: Any,
    *,
    confidence_level: float = 0.95,
    side: str = "two",
) -> tuple[Any, Any]:
    """Clopper–Pearson (beta-quantile) interval for possibly non-integer ``x`` and ``n``.

    ``low = Beta.ppf(a; x, n - x + 1)`` (0 when ``x <= 0``) and
    ``high = Beta.ppf(1 - a; x + 1, n - x)`` (1 when ``x >= n``), where
    ``a = alpha/2`` for a two-sided interval and ``a = alpha`` for one side.
    Passing ``x = p * n_eff`` and ``n = n_eff`` gives the Korn–Graubard
    interval of a design-based proportion.

    Parameters
    ----------
    x : float or array_like
        Number (or effective number) of successes; broadcast against ``n``.
    n : float or array_like
        Number (or effective number) of trials, > 0.
    confidence_level : float, default 0.95
        Coverage of the interval.
    side : {"two", "lower", "upper"}, default "two"
        ``"lower"`` returns ``(L, 1)``, ``"upper"`` returns ``(0, U)``, each at the
        full ``alpha``.

    Returns
    -------
    low, high : float or ndarray
        Bounds (floats when both inputs are scalars). Entries with ``n <= 0`` or
        non-finite input are NaN; callers decide how to report them.

    Examples
    --------
    >>> low, high = beta_interval(85, 100)
    >>> print(f"{low:.6f} {high:.6f}")
    0.764692 0.913546
    >>> # R: binom.test(85, 100)$conf.int
    >>> low, high = beta_interval(85.5, 100.25)  # effective sizes need not be integers
    >>> round(low, 4)
    0.7681
    """
    level = check_confidence_level(confidence_level)
    check_option("side", side, SIDES)
    scalar = np.ndim(x) == 0 and np.ndim(n) == 0
    xa, na = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(n, dtype=float))
    a = _tail_alpha(level, side)
    bad = ~(np.isfinite(xa) & np.isfinite(na) & (na > 0))
    xs = np.clip(xa, 0.0, na)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(xs <= 0, 0.0, special.betaincinv(np.where(xs > 0, xs, 1.0), na - xs + 1, a))
        high = np.where(
            xs >= na,
            1.0,
            special.betaincinv(xs + 1, np.where(xs < na, na - xs, 1.0), 1.0 - a),
        )
    low = np.where(bad, np.nan, low)
    high = np.where(bad, np.nan, high)
    low, high = _mask_sides(low, high, side)
    return _unwrap(low, high, scalar)


def proportion_bounds(
    x: np.ndarray, n: np.ndarray, method: str, tail_alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed bounds with ``tail_alpha`` in *each* tail (no validation; internal)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    if method in ("korn_graubard", "clopper_pearson"):
        low, high = beta_interval(x, n, confidence_level=1.0 - 2.0 * tail_alpha)
        return np.asarray(low, float), np.asarray(high, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        if method == "jeffreys":
            low = special.betaincinv(x + 0.5, n - x + 0.5, tail_alpha)
            high = special.betaincinv(x + 0.5, n - x + 0.5, 1.0 - tail_alpha)
            return low, high
        z = special.ndtri(1.0 - tail_alpha)
        if method == "wilson":
            z2 = z * z
            denom = 1.0 + z2 / n
            center = (p + z2 / (2.0 * n)) / denom
            half = z * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
        elif method == "agresti_coull":
            n_c = n + z * z
            center = (x + z * z / 2.0) / n_c
            half = z * np.sqrt(center * (1.0 - center) / n_c)
        elif method == "wald":
            center = p
            half = z * np.sqrt(p * (1.0 - p) / n)
        else:  # pragma: no cover - guarded by check_option
            raise ValueError(method)
        return np.clip(center - half, 0.0, 1.0), np.clip(center + half, 0.0, 1.0)


def _check_counts(successes: Any, n: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    scalar = np.ndim(successes) == 0 and np.ndim(n) == 0
    try:
        x = np.asarray(successes, dtype=float)
        m = np.asarray(n, dtype=float)
        x, m = np.broadcast_arrays(x, m)
    except (TypeError, ValueError):
        msg = (
            f"successes and n must be numbers or numeric arrays of compatible shapes; found "
            f"{type(successes).__name__} and {type(n).__name__}. Pass counts such as "
            "proportion_ci(178, 200)."
        )
        raise DataError(msg) from None
    if not np.all(np.isfinite(x) & np.isfinite(m)):
        msg = (
            "successes and n must be finite; found NaN or infinity. Drop or fill missing "
            "counts before computing intervals."
        )
        raise DataError(msg)
    if np.any(m <= 0):
        where = np.flatnonzero(m.ravel() <= 0)[0]
        msg = (
            f"n must be positive; found n={m.ravel()[where]:g} (position {where}). A proportion "
            "needs at least one answer: drop empty segments or merge them with others."
        )
        raise DataError(msg)
    if np.any((x < 0) | (x > m)):
        where = np.flatnonzero(((x < 0) | (x > m)).ravel())[0]
        msg = (
            f"successes must lie between 0 and n; found successes={x.ravel()[where]:g} with "
            f"n={m.ravel()[where]:g} (position {where}). Check that successes counts the "
            "satisfied answers among the n valid answers."
        )
        raise DataError(msg)
    return x, m, scalar


def proportion_ci(
    successes: Any,
    n: Any,
    *,
    method: str = "korn_graubard",
    confidence_level: float = 0.95,
    side: str = "two",
) -> ConfidenceInterval:
    """Confidence interval for a binomial proportion ``successes / n``.

    Parameters
    ----------
    successes : int, float or array_like
        Number of successes (e.g. satisfied respondents). Non-integer values are
        allowed (weighted or effective counts).
    n : int, float or array_like
        Number of trials (valid answers), > 0; broadcast against ``successes``.
    method : {"korn_graubard", "clopper_pearson", "wilson", "jeffreys", "agresti_coull", \
"wald"}, default "korn_graubard"
        ``korn_graubard`` equals ``clopper_pearson`` (exact) for simple random
        samples; it is the conservative default because its coverage never falls
        below the nominal level. ``wilson`` is shorter, with mean coverage close to
        nominal but dips to about 92% for n = 30–100 near p = 0.85–0.95. ``wald``
        is offered for comparison only.
    confidence_level : float, default 0.95
        Coverage of the interval.
    side : {"two", "lower", "upper"}, default "two"
        ``"lower"`` gives ``(L, 1)``, ``"upper"`` gives ``(0, U)``, each one-sided at
        the full ``alpha``.

    Returns
    -------
    ConfidenceInterval
        ``low`` and ``high`` (floats for scalar input, else arrays).

    Raises
    ------
    DataError
        If a count is negative, above ``n``, non-finite, or ``n <= 0``.
    OptionError
        For an unknown ``method`` or ``side`` or a confidence level outside (0, 1).

    Examples
    --------
    >>> from satscore import proportion_ci
    >>> ci = proportion_ci(178, 200)
    >>> print(f"[{ci.low:.4f}, {ci.high:.4f}]")
    [0.8382, 0.9298]
    >>> # R: binom.test(178, 200)$conf.int
    >>> low, high = proportion_ci(178, 200, method="wilson", side="lower")
    >>> print(f"{low:.5f} {high:.0f}")
    0.84827 1
    >>> # R: prop.test(178, 200, alternative = "greater", correct = FALSE)$conf.int
    >>> proportion_ci([0, 30], 30, method="clopper_pearson").high.round(4)
    array([0.1157, 1.    ])
    """
    check_option("method", method, METHODS)
    level = check_confidence_level(confidence_level)
    check_option("side", side, SIDES)
    x, m, scalar = _check_counts(successes, n)
    low, high = proportion_bounds(x, m, method, _tail_alpha(level, side))
    low, high = _mask_sides(np.asarray(low, float), np.asarray(high, float), side)
    return ConfidenceInterval(*_unwrap(low, high, scalar))


def korn_graubard_interval(
    estimate: Any,
    se: Any,
    n: Any,
    *,
    df: Any = None,
    confidence_level: float = 0.95,
    side: str = "two",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Korn–Graubard interval of a (weighted or design-based) proportion.

    As R ``survey::svyciprop(method = "beta")``: ``n_eff = p(1 - p)/se²``, then the
    degrees-of-freedom adjustment ``n_eff* = n_eff · (t_{a, n-1} / t_{a, df})²``
    (skipped when ``df`` is None), then :func:`beta_interval` at ``x = p · n_eff*``.
    When ``p`` is 0 or 1 (or the variance is 0), ``n_eff`` is taken as ``n``
    (NCHS convention), which gives the exact Clopper–Pearson bound on ``n``.

    Parameters
    ----------
    estimate, se, n : array_like
        Proportion, its standard error and the unweighted number of answers.
    df : float or array_like, optional
        Design degrees of freedom (PSUs minus strata).
    confidence_level : float, default 0.95
        Coverage.
    side : {"two", "lower", "upper"}, default "two"
        As in :func:`beta_interval`.

    Returns
    -------
    low, high, n_eff : ndarray
        Bounds and the (df-adjusted) effective sample size used.

    Examples
    --------
    >>> low, high, n_eff = korn_graubard_interval(0.827948, 0.024345, 200, df=197)
    >>> print(f"{low:.4f} {high:.4f}")
    0.7742 0.8734
    >>> # R: svyciprop(~I(sch.wide == "Yes"), dstrat, method = "beta")
    """
    level = check_confidence_level(confidence_level)
    check_option("side", side, SIDES)
    p, s, m = np.broadcast_arrays(
        np.asarray(estimate, float), np.asarray(se, float), np.asarray(n, float)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        var = s * s
        n_eff = np.where(
            (p <= 0) | (p >= 1) | ~(var > 0), m, p * (1.0 - p) / np.where(var > 0, var, 1.0)
        )
        if df is not None:
            a = (1.0 - level) / 2.0
            t_n = stats.t.ppf(a, np.maximum(m - 1.0, 1.0))
            t_df = stats.t.ppf(a, np.asarray(df, float))
            n_eff = n_eff * (t_n / t_df) ** 2
    low, high = beta_interval(p * n_eff, n_eff, confidence_level=level, side=side)
    return np.asarray(low, float), np.asarray(high, float), n_eff


def t_interval(
    mean: Any,
    se: Any,
    df: Any,
    *,
    confidence_level: float = 0.95,
    side: str = "two",
) -> tuple[np.ndarray, np.ndarray]:
    """Student-t interval ``mean ± t_{1-a, df} · se`` (vectorised).

    Examples
    --------
    >>> low, high = t_interval(4.2, 0.1, 24)
    >>> print(f"{low:.4f} {high:.4f}")
    3.9936 4.4064
    """
    level = check_confidence_level(confidence_level)
    check_option("side", side, SIDES)
    q = stats.t.ppf(1.0 - _tail_alpha(level, side), np.asarray(df, float))
    mu = np.asarray(mean, float)
    half = q * np.asarray(se, float)
    low, high = mu - half, mu + half
    if side == "lower":
        high = np.full_like(low, np.inf)
    elif side == "upper":
        low = np.full_like(high, -np.inf)
    return low, high

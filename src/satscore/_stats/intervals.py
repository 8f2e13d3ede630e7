"""Confidence intervals for a proportion: every formula satscore uses, written once.

Binomial intervals of ``x`` successes out of ``n`` (:func:`proportion_ci`,
:func:`proportion_bounds`), vectorised over arrays, equal-tailed. The conventions
at ``x = 0`` and ``x = n`` follow :func:`statsmodels.stats.proportion.proportion_confint`:

* ``clopper_pearson`` / ``korn_graubard`` (exact, beta quantiles,
  :func:`beta_interval`): the lower bound is 0 at ``x = 0`` and the upper bound is
  1 at ``x = n``;
* ``jeffreys``: equal-tailed Beta(x + 1/2, n - x + 1/2) quantiles, *not*
  modified at the boundaries (so the upper bound at ``x = n`` is just below 1);
* ``wilson`` (:func:`wilson_bounds`), ``agresti_coull`` and ``wald``
  (:func:`wald_bounds`) are clipped to [0, 1] (``wald`` collapses to the point 0
  or 1 at the boundaries, one reason it is never the default).

Without a survey design, ``korn_graubard`` *is* Clopper–Pearson. With a design,
the Korn–Graubard interval is Clopper–Pearson evaluated at the effective sample
size ``n_eff = p(1-p)/SE²`` after the degrees-of-freedom adjustment
:func:`korn_graubard_n_eff`, which is why :func:`beta_interval` accepts
non-integer ``x`` and ``n``. The design-based forms of R ``svyciprop``
(:mod:`satscore._stats.svyciprop` composes them) add :func:`logit_bounds`,
:func:`asin_bounds` and :func:`likelihood_bounds`; its ``wilson`` is
:func:`wilson_bounds` with a ``t_df`` critical value and its ``mean`` is
:func:`wald_bounds` on the design SE.

One-sided intervals (``side="lower"`` or ``"upper"``) put the full
``alpha = 1 - confidence_level`` in one tail: ``side="lower"`` returns
``(L, 1)`` and ``side="upper"`` returns ``(0, U)``. A one-sided 95% bound is the
matching limit of the two-sided 90% interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize, special, stats

from satscore._core.checks import check_confidence_level, check_option
from satscore._core.errors import DataError
from satscore._core.results import ConfidenceInterval

__all__ = [
    "METHODS",
    "SIDES",
    "agresti_coull_adjust",
    "asin_bounds",
    "beta_interval",
    "korn_graubard_n_eff",
    "likelihood_bounds",
    "logit_bounds",
    "proportion_bounds",
    "proportion_ci",
    "wald_bounds",
    "wilson_bounds",
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


def wilson_bounds(p: Any, n: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits of a proportion ``p`` out of ``n`` with critical value ``q``.

    ``(p + q²/2n ∓ q·sqrt(p(1-p)/n + q²/4n²)) / (1 + q²/n)``, clipped to [0, 1].
    ``q`` is the normal quantile for binomial counts, or the ``t_df`` quantile with
    ``n = n_eff`` for a design (R >= 4.5 ``svyciprop(method = "wilson")``).

    Examples
    --------
    >>> low, high = wilson_bounds(0.89, 200, special.ndtri(0.975))
    >>> print(f"{low:.5f} {high:.5f}")
    0.83907 0.92623
    >>> # R: prop.test(178, 200, correct = FALSE)$conf.int
    """
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    q = np.asarray(q, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q2 = q * q
        denom = 1.0 + q2 / n
        centre = (p + q2 / (2.0 * n)) / denom
        half = q * np.sqrt(p * (1.0 - p) / n + q2 / (4.0 * n * n)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def wald_bounds(estimate: Any, se: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    """``estimate ∓ q·se`` (not clipped; :func:`proportion_bounds` clips its ``wald``).

    Examples
    --------
    >>> low, high = wald_bounds(0.5, 0.1, 2.0)
    >>> print(f"{low:.2f} {high:.2f}")
    0.30 0.70
    """
    half = np.asarray(q, dtype=float) * np.asarray(se, dtype=float)
    est = np.asarray(estimate, dtype=float)
    return est - half, est + half


def agresti_coull_adjust(x: Any, n: Any, z: Any) -> tuple[np.ndarray, np.ndarray]:
    """Agresti–Coull adjusted proportion and size: ``((x + z²/2)/(n + z²), n + z²)``.

    Examples
    --------
    >>> centre, n_c = agresti_coull_adjust(178, 200, 1.96)
    >>> print(f"{centre:.4f} {n_c:.4f}")
    0.8827 203.8416
    """
    z2 = np.asarray(z, dtype=float) ** 2
    n_c = np.asarray(n, dtype=float) + z2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.asarray(x, dtype=float) + z2 / 2.0) / n_c, n_c


def korn_graubard_n_eff(n_eff: Any, rows: Any, df: Any, tail: float) -> np.ndarray:
    """Korn–Graubard degrees-of-freedom adjusted effective size ``n_eff·(t_{rows-1}/t_df)²``.

    Both Student-t quantiles are taken at the interval's tail probability ``tail``
    (``alpha/2`` for a two-sided interval, ``alpha`` for a one-sided bound), as R
    ``survey::svyciprop(method = "beta")`` does; ``rows`` is the number of rows of
    the (domain) design, floored at 2 so that ``rows - 1 >= 1``. NaN where ``df`` is
    not positive.

    Examples
    --------
    >>> round(float(korn_graubard_n_eff(100.0, 200, 10, 0.025)), 4)
    78.3268
    """
    rows = np.asarray(rows, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_rows = stats.t.ppf(tail, np.maximum(rows - 1.0, 1.0))
        t_df = stats.t.ppf(tail, np.asarray(df, dtype=float))
        return np.asarray(n_eff, dtype=float) * (t_rows / t_df) ** 2


def logit_bounds(p: Any, se: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    """Wald limits on the log-odds scale, back-transformed (R ``svyciprop`` ``"logit"``).

    ``expit(logit(p) ∓ q·se/(p(1-p)))``; NaN at ``p`` = 0 or 1.

    Examples
    --------
    >>> low, high = logit_bounds(0.8, 0.04, 1.96)
    >>> print(f"{low:.4f} {high:.4f}")
    0.7102 0.8672
    """
    p = np.asarray(p, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        eta = np.log(p / (1.0 - p))
        half = np.asarray(q, dtype=float) * np.asarray(se, dtype=float) / (p * (1.0 - p))
    return special.expit(eta - half), special.expit(eta + half)


def asin_bounds(p: Any, se: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    """Arcsine-square-root limits (R ``svyciprop`` ``"asin"``).

    ``sin²(asin(√p) ∓ q·se/(2√(p(1-p))))``.

    Examples
    --------
    >>> low, high = asin_bounds(0.8, 0.04, 1.96)
    >>> print(f"{low:.4f} {high:.4f}")
    0.7164 0.8722
    """
    p = np.asarray(p, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        eta = np.arcsin(np.sqrt(p))
        half = np.asarray(q, dtype=float) * np.asarray(se, dtype=float)
        half = half / (2.0 * np.sqrt(p * (1.0 - p)))
    return np.sin(eta - half) ** 2, np.sin(eta + half) ** 2


def likelihood_bounds(
    p: np.ndarray, var: np.ndarray, q: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rao–Scott scaled profile-likelihood limits of an intercept-only quasi-binomial fit.

    R ``confint(svyglm(y ~ 1, family = quasibinomial), method = "likelihood")``
    (``svyciprop(method = "likelihood")``) profiles the binomial deviance of the
    (mean-1 rescaled) weights and compares it with ``q²·λ`` (``q = t_df``), ``λ`` =
    design variance / model variance of the intercept (model variance with the
    Pearson dispersion on ``n - 1`` residual df). For an intercept-only model this
    reduces to the closed equation ``2·KL(p̂‖π) = q² · v(p̂) · n / ((n - 1) · p̂(1 - p̂))``,
    solved exactly here for ``π`` below and above ``p̂`` (``n``: rows with a non-zero
    weight). R evaluates the same profile on a grid with spline interpolation, so
    R's limits differ from the exact root in about the fifth significant digit, up
    to ~2e-3 relative in small domains; against the exact roots of R's own profile
    equation (``uniroot``) satscore agrees to R's glm convergence (≤ 3e-4,
    ``tests/survey/test_design_multistage_R.py``). NaN where ``p`` is 0 or 1.

    Examples
    --------
    >>> low, high = likelihood_bounds(
    ...     np.array([0.8]), np.array([0.0016]), np.array([1.96]), np.array([100.0])
    ... )
    >>> print(f"{low[0]:.4f} {high[0]:.4f}")
    0.7141 0.8706
    """
    p, var, q, n = (np.asarray(a, dtype=float) for a in np.broadcast_arrays(p, var, q, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        target = q * q * var * n / ((n - 1.0) * p * (1.0 - p))
    low = np.full(p.shape, np.nan)
    high = np.full(p.shape, np.nan)
    for idx in np.argwhere(np.isfinite(target) & (p > 0) & (p < 1)):
        i = tuple(idx)
        pi, ti = float(p[i]), float(target[i])

        def dev(x: float, pi: float = pi, ti: float = ti) -> float:
            kl = pi * np.log(pi / x) + (1.0 - pi) * np.log((1.0 - pi) / (1.0 - x))
            return 2.0 * kl - ti

        low[i] = optimize.brentq(dev, 1e-300, pi, xtol=1e-15) if dev(1e-300) > 0 else 0.0
        hi_end = 1.0 - 1e-16
        high[i] = optimize.brentq(dev, pi, hi_end, xtol=1e-15) if dev(hi_end) > 0 else 1.0
    return low, high


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
            return wilson_bounds(p, n, z)
        if method == "agresti_coull":
            center, n_c = agresti_coull_adjust(x, n, z)
            low, high = wald_bounds(center, np.sqrt(center * (1.0 - center) / n_c), z)
        elif method == "wald":
            low, high = wald_bounds(p, np.sqrt(p * (1.0 - p) / n), z)
        else:  # pragma: no cover - guarded by check_option
            raise ValueError(method)
        return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


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

"""Sample sizes, allocation and rounding for quarterly plans (no pandas).

Order of operations (documented in the user guide, rounded up once at the end):

1. ``n0 = z² p(1-p)/e²`` (``z`` two-sided normal quantile of the confidence level),
2. ``n1 = n0 · deff``,
3. Cochran FPC ``n_resp = n1 / (1 + (n1 - 1)/N_h)``,
4. invitations ``n_resp / rr_h``; the respondent floor ``min_respondents / rr_h``,
5. target ``t_h = max(allocation share, precision invitations, floor invitations)``,
   capped at the eligible customers ``E_h``,
6. integers: proportional allocation rounds every stratum up (each keeps its own
   coverage); budgeted allocations (``neyman``/``equal``) use largest-remainder
   (Hamilton) rounding of the budget, never below a stratum's own floor.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = [
    "achieved_margin",
    "allocate",
    "largest_remainder",
    "respondents_for_margin",
]


def respondents_for_margin(
    p: float,
    margin: float,
    *,
    population: np.ndarray | float = np.inf,
    deff: float = 1.0,
    confidence_level: float = 0.95,
) -> np.ndarray:
    """Respondents needed for a ± ``margin`` on a proportion near ``p`` (unrounded).

    Examples
    --------
    >>> round(float(respondents_for_margin(0.85, 0.03)), 2)
    544.21
    >>> round(float(respondents_for_margin(0.5, 0.05, population=2000)), 2)
    322.39
    """
    z = stats.norm.ppf(0.5 + confidence_level / 2.0)
    n1 = z * z * p * (1.0 - p) / (margin * margin) * deff
    pop = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isfinite(pop), n1 / (1.0 + (n1 - 1.0) / pop), n1)


def achieved_margin(
    respondents: np.ndarray,
    population: np.ndarray,
    *,
    p: float = 0.85,
    deff: float = 1.0,
    confidence_level: float = 0.95,
) -> np.ndarray:
    """Half-width ``z·sqrt(deff·p(1-p)/m·(1 - m/N))`` for ``m`` respondents out of ``N``."""
    z = stats.norm.ppf(0.5 + confidence_level / 2.0)
    m = np.asarray(respondents, dtype=float)
    n = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fpc = np.clip(1.0 - m / n, 0.0, 1.0)
        return np.where(m > 0, z * np.sqrt(deff * p * (1.0 - p) / m * fpc), np.nan)


def largest_remainder(quota: np.ndarray, total: int) -> np.ndarray:
    """Integers summing to ``total`` closest to ``quota`` (Hamilton's method).

    Examples
    --------
    >>> largest_remainder(np.array([1.5, 2.5, 3.0]), 7).tolist()
    [2, 2, 3]
    """
    base = np.floor(quota).astype(np.int64)
    extra = int(total - base.sum())
    if extra > 0:
        order = np.argsort(-(quota - base), kind="stable")
        base[order[:extra]] += 1
    return base


def allocate(
    population: np.ndarray,
    eligible: np.ndarray,
    floor: np.ndarray,
    *,
    coverage: float,
    method: str,
    sd: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Real targets and integer sizes per stratum.

    Parameters
    ----------
    population : ndarray
        Active customers ``N_h``.
    eligible : ndarray
        Customers that may be invited ``E_h`` (``N_h`` minus exclusions).
    floor : ndarray
        Invitations required by precision and respondent floors (real).
    coverage : float
        Coverage fraction; the invitation budget is ``coverage · Σ N_h``.
    method : {"proportional", "neyman", "equal"}
        Allocation of the budget.
    sd : ndarray
        Expected standard deviation per stratum (Neyman).

    Returns
    -------
    target, size : ndarray
        Real targets (capped at ``E_h``) and integer sizes.
    """
    n_h = population.astype(float)
    cap = eligible.astype(float)
    need = np.minimum(floor, cap)
    if method == "proportional":
        target = np.minimum(np.maximum(coverage * n_h, need), cap)
        size = np.minimum(np.ceil(target - 1e-9), cap).astype(np.int64)
        return target, np.maximum(size, np.ceil(need - 1e-9).astype(np.int64))
    budget = coverage * n_h.sum()
    weight = n_h * sd if method == "neyman" else np.ones_like(n_h)
    weight = np.where(n_h > 0, weight, 0.0)
    fixed = np.zeros(n_h.shape, dtype=bool)
    target = np.zeros_like(n_h)
    for _ in range(n_h.size + 1):  # surplus redistribution: fix strata at floor or cap
        free = ~fixed
        rest = budget - target[fixed].sum()
        share = np.zeros_like(n_h)
        wsum = weight[free].sum()
        if wsum > 0:
            share[free] = max(rest, 0.0) * weight[free] / wsum
        new_fixed = free & ((share < need) | (share > cap))
        target = np.where(fixed, target, np.clip(share, need, cap))
        if not new_fixed.any():
            break
        fixed |= new_fixed
    total = int(np.ceil(target.sum() - 1e-9))
    size = largest_remainder(target, total)
    size = np.minimum(np.maximum(size, np.ceil(need - 1e-9).astype(np.int64)), cap.astype(np.int64))
    return target, size

"""psych's scale statistics, alpha-if-dropped table and item table from ``C`` and ``R``.

Formulas follow ``psych::alpha`` 2.2.9 (``alpha.1``, ``alpha.drop``, ``item.stats``).
The statistics without each item are computed for all items at once from the full
matrices (the sums, traces and ``C^2`` terms of a submatrix are the full ones minus the
dropped item's row and column; its SMCs come from a rank-one downdate of ``R^-1``), so
the table costs a few ``k x k`` operations rather than ``k`` pseudo-inverses. When
``R`` is ill-conditioned or has missing entries the SMCs are computed per item with
psych's pseudo-inverse instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satscore._stats.correlation import smc

__all__ = ["alpha_stats", "drop_table", "item_table"]

_DROP_COLUMNS = [
    "alpha", "std_alpha", "g6", "average_r", "signal_noise", "ase", "var_r", "median_r",
]  # fmt: skip
_MAX_COND = 1e8  # beyond this condition number the SMCs use psych's pseudo-inverse


def alpha_stats(C: np.ndarray, R: np.ndarray, n_obs: int | None = None) -> dict[str, float]:
    """psych ``alpha.1`` on covariance ``C`` and correlation ``R`` (plus ``ase``).

    ``std_alpha`` is Guttman's lambda 3 and ``g6`` lambda 6 (SMC based) of ``R``; ``ase``
    is NaN without ``n_obs``.
    """
    k = C.shape[0]
    trC, sumC, sumR = np.trace(C), C.sum(), R.sum()
    low = R[np.tril_indices(k, -1)]
    av_r = (sumR - k) / (k * (k - 1))
    CC = C @ C
    Q = (2 * k**2 / ((k - 1) ** 2 * sumC**3)) * (
        sumC * (np.trace(CC) + trC**2) - 2 * trC * CC.sum()
    )
    return {
        "alpha": float((1 - trC / sumC) * k / (k - 1)),
        "std_alpha": float((1 - k / sumR) * k / (k - 1)),
        "g6": float(1 - (k - smc(R).sum()) / sumR),
        "average_r": float(av_r),
        "median_r": float(np.median(low)),
        "var_r": float(np.var(low, ddof=1)) if low.size > 1 else np.nan,
        "signal_noise": float(k * av_r / (1 - av_r)),
        "ase": float(np.sqrt(Q / n_obs)) if Q >= 0 and n_obs is not None else np.nan,
    }


def _smc_without_each(R: np.ndarray) -> np.ndarray:
    """``sum(smc(R[-i, -i]))`` for every item ``i``."""
    k = R.shape[0]
    finite = bool(np.isfinite(R).all())
    if finite and np.linalg.cond(R) < _MAX_COND:
        A = np.linalg.inv(R)
        d = np.diag(A)
        # (R_-i)^-1 = A_-i,-i - A_-i,i A_i,-i / A_ii: its diagonal without item i
        D = d[None, :] - A * A / d[:, None]  # row i: diagonal of the downdated inverse
        with np.errstate(divide="ignore"):
            s = np.clip(1.0 - 1.0 / D, 0.0, 1.0)
        np.fill_diagonal(s, 0.0)
        return s.sum(axis=1)
    out = np.empty(k)
    for i in range(k):
        keep = np.arange(k) != i
        out[i] = smc(R[np.ix_(keep, keep)]).sum()
    return out


def _median_var_without_each(R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and variance of the inter-item correlations without each item in turn."""
    k = R.shape[0]
    ia, ib = np.tril_indices(k, -1)
    low = R[ia, ib]
    order = np.argsort(low, kind="stable")
    v = low[order]
    keep = (ia[order][None, :] != np.arange(k)[:, None]) & (
        ib[order][None, :] != np.arange(k)[:, None]
    )
    m = v.size - (k - 1)  # correlations left without one item
    if m < 1:
        return np.full(k, np.nan), np.full(k, np.nan)
    rank = np.cumsum(keep, axis=1)  # rank[i, p]: kept values up to position p
    lo = (rank < (m - 1) // 2 + 1).sum(axis=1)  # position of the ((m-1)//2)-th kept value
    hi = (rank < m // 2 + 1).sum(axis=1)
    med = (v[lo] + v[hi]) / 2.0
    w = keep.astype(float)
    s1, s2 = w @ v, w @ (v * v)
    var = (s2 - s1 * s1 / m) / (m - 1) if m > 1 else np.full(k, np.nan)
    return med, var


def drop_table(C: np.ndarray, R: np.ndarray, n_obs: int, names: list[str]) -> pd.DataFrame:
    """psych ``alpha.drop``: the scale statistics without each item in turn."""
    k = C.shape[0]
    if k == 2:
        r12, s = R[0, 1], smc(R)[0]
        rows = [
            {
                "alpha": C[0, 1] / C[1 - i, 1 - i],
                "std_alpha": r12,
                "g6": s,
                "average_r": r12,
                "median_r": r12,
                "var_r": 0.0,
                "signal_noise": r12 / (1 - r12),
                "ase": np.nan,
            }
            for i in range(2)
        ]
        return pd.DataFrame(
            {c: np.array([r[c] for r in rows], dtype=float) for c in _DROP_COLUMNS}, index=names
        )
    m = k - 1
    dC, dR = np.diag(C), np.diag(R)
    colC, colR = C.sum(axis=0), R.sum(axis=0)
    trC = np.trace(C) - dC
    sumC = C.sum() - 2 * colC + dC
    sumR = R.sum() - 2 * colR + dR
    tr_CC = (C * C).sum() - 2 * (C * C).sum(axis=0) + dC * dC
    # 1' C_-i^2 1 = || C_-i 1 ||^2 with (C_-i 1)_a = colC_a - C_ai for a != i
    rowsum = colC[None, :] - C  # row i: C_-i 1 padded with item i's own entry
    one_CC = (rowsum * rowsum).sum(axis=1) - (colC - dC) ** 2
    av_r = (sumR - m) / (m * (m - 1))
    Q = (2 * m**2 / ((m - 1) ** 2 * sumC**3)) * (sumC * (tr_CC + trC**2) - 2 * trC * one_CC)
    med, var = _median_var_without_each(R)
    with np.errstate(invalid="ignore"):
        ase = np.where(Q >= 0, np.sqrt(np.where(Q >= 0, Q, 0.0) / n_obs), np.nan)
    return pd.DataFrame(
        {
            "alpha": (1 - trC / sumC) * m / (m - 1),
            "std_alpha": (1 - m / sumR) * m / (m - 1),
            "g6": 1 - (m - _smc_without_each(R)) / sumR,
            "average_r": av_r,
            "signal_noise": m * av_r / (1 - av_r),
            "ase": ase,
            "var_r": var,
            "median_r": med,
        },
        index=names,
        dtype=float,
    )


def item_table(
    prep: object,
    C: np.ndarray,
    R: np.ndarray,
    drop: pd.DataFrame,
    *,
    polychoric: bool = False,
) -> pd.DataFrame:
    """Item statistics (psych ``item.stats``) joined with alpha-if-dropped and frequencies.

    ``prep`` is a :class:`~satscore._psychometrics.alpha_items.PreparedItems`.
    """
    k = C.shape[0]
    RC = R.copy()
    np.fill_diagonal(RC, smc(R))
    colC, d, total = C.sum(axis=0), np.diag(C), C.sum()
    rest = total - 2 * colC + d  # sum of C without item i
    # with strongly negative inter-item correlations (negative alpha, warned about) a
    # total variance can be negative; those entries are NaN, as in psych
    with np.errstate(invalid="ignore", divide="ignore"):
        std_r = R.sum(axis=0) / np.sqrt(R.sum())
        r_cor = RC.sum(axis=0) / np.sqrt(RC.sum())
        r_drop = (colC - d) / np.sqrt(d * rest)
    columns = {
        "n": np.asarray(prep.item_n, dtype=np.int64),
        "reversed": list(prep.sign < 0),
        "mean": prep.item_mean,
        "sd": prep.item_sd,
        "raw_r": std_r if polychoric else prep.raw_r,
        "std_r": std_r,
        "r_cor": r_cor,
        "r_drop": r_drop,
        "alpha_if_dropped": drop["alpha"].to_numpy(),
        "std_alpha_if_dropped": drop["std_alpha"].to_numpy(),
    }
    if k and prep.frequencies is not None:  # same item order
        columns.update({c: prep.frequencies[c].to_numpy() for c in prep.frequencies.columns})
    return pd.DataFrame(columns, index=pd.Index(prep.names, name="item"))

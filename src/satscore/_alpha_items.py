"""Building blocks of :func:`satscore.cronbach_alpha`: data preparation, keys, item tables.

Formulas follow ``psych::alpha`` 2.2.9 (``alpha.1``, ``item.stats``, ``alpha.drop``,
``response.frequencies``).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ._checks import numeric_frame
from ._correlation import correlation, covariance, smc
from .errors import DataError, OptionError, SatscoreWarning

__all__ = ["PreparedItems", "alpha_stats", "drop_table", "item_table", "prepare_items"]

_MAX_CATEGORIES = 10  # psych's ``max``: frequencies only for at most this many answers


@dataclasses.dataclass(frozen=True)
class PreparedItems:
    """Keyed item data and what :func:`item_table` needs."""

    frame: pd.DataFrame  # original (unreversed) answers, constant items dropped
    keyed: np.ndarray  # reversed where keyed
    cov: np.ndarray  # keyed covariance matrix
    names: list[str]
    reversed_items: tuple[str, ...]
    n: int
    k: int
    score_mean: float
    score_sd: float
    raw_r: np.ndarray
    frequencies: pd.DataFrame | None


def _read(data: Any) -> pd.DataFrame:
    with warnings.catch_warnings():
        # pandas 3 deprecates astype(copy=...) inside numeric_frame; not our concern here
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        return numeric_frame(data, min_columns=2, min_rows=3, what="data")


def _key_vector(keys: Iterable[Any] | None, names: list[str], dropped: list[str]) -> np.ndarray:
    k = len(names)
    sign = np.ones(k)
    if keys is None:
        return sign
    if isinstance(keys, str):
        keys = [keys]
    keys = list(keys)
    numeric = all(isinstance(v, (int, float, np.integer, np.floating)) for v in keys)
    if numeric and len(keys) == k + len(dropped) and set(np.unique(keys)) <= {-1, 1}:
        full = dict(zip([*names, *dropped], keys, strict=False))
        return np.array([float(full[n]) for n in names])
    for key in keys:
        name = str(key)
        if name in dropped:
            continue
        if name in names:
            sign[names.index(name)] = -1.0
        elif isinstance(key, (int, np.integer)) and not isinstance(key, bool) and 0 <= key < k:
            sign[int(key)] = -1.0
        else:
            msg = (
                f"keys names item {key!r}, which is not a column of the data (columns: "
                f"{names}). Give item names to reverse, or a +1/-1 vector with one entry per "
                "item."
            )
            raise OptionError(msg)
    return sign


def _first_pc_signs(X: np.ndarray) -> np.ndarray:
    """Signs of the first principal component loadings (psych ``principal``, summed > 0)."""
    R = correlation(X)
    vals, vecs = np.linalg.eigh(np.nan_to_num(R))
    load = vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))
    if load.sum() < 0:
        load = -load
    return np.where(load < 0, -1.0, 1.0)


def _frequencies(frame: pd.DataFrame) -> pd.DataFrame | None:
    """Response proportions per item (non-missing answers) and ``miss``, as psych."""
    X = frame.to_numpy()
    n_rows = X.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
    select = (hi - lo) < _MAX_CATEGORIES + 1
    if not select.any():
        return None
    Xs = X[:, select]
    finite = Xs[~np.isnan(Xs)]
    if finite.size and np.all(finite == np.round(finite)) and finite.max() - finite.min() < 1e6:
        base = finite.min()
        counts = np.bincount((finite - base).astype(np.int64))
        values = np.flatnonzero(counts) + base
    else:
        values = np.unique(finite)
    if values.size > _MAX_CATEGORIES:
        return None
    cols = {}
    answered = (~np.isnan(Xs)).sum(axis=0)
    for v in values:
        label = f"{v:g}".replace("-", "minus_").replace(".", "_")
        with np.errstate(invalid="ignore", divide="ignore"):
            cols[f"freq_{label}"] = (Xs == v).sum(axis=0) / answered
    cols["miss"] = 1.0 - answered / n_rows
    out = pd.DataFrame(cols, index=[c for c, s in zip(frame.columns, select, strict=True) if s])
    return out.reindex(frame.columns)


def prepare_items(
    data: Any,
    *,
    keys: Iterable[Any] | None,
    check_keys: bool,
    scale_range: tuple[float, float] | None,
    missing: str,
) -> PreparedItems:
    """Validate, drop constant items (with a warning, as psych), key and summarise."""
    frame = _read(data)
    if missing == "listwise":
        frame = frame.dropna()
        if frame.shape[0] < 3:
            msg = (
                f"only {frame.shape[0]} respondent(s) answered every item; at least 3 complete "
                "rows are needed with missing='listwise'. Use missing='pairwise'."
            )
            raise DataError(msg)
    sd = frame.std()
    const = [str(c) for c in frame.columns if not (sd[c] > 0)]
    if const:
        warnings.warn(
            f"item(s) {const} have no variance (every answer the same) and were dropped from "
            "alpha (psych does the same); remove them from the scale.",
            SatscoreWarning,
            stacklevel=3,
        )
        frame = frame.drop(columns=const)
    names = [str(c) for c in frame.columns]
    if len(names) < 2:
        msg = (
            f"after dropping items without variance {const}, {len(names)} item(s) remain; "
            "alpha needs at least 2 items with varying answers."
        )
        raise DataError(msg)
    X = frame.to_numpy()
    k = X.shape[1]
    C = covariance(X)
    bad = np.argwhere(np.isnan(C))
    if bad.size:
        i, j = bad[0]
        msg = (
            f"items {names[i]!r} and {names[j]!r} have fewer than 2 respondents in common, so "
            "their covariance is undefined; drop one of them or use more data."
        )
        raise DataError(msg)
    sign = _key_vector(keys, names, const)
    if check_keys or keys is None:
        pc = _first_pc_signs(X)
        if (pc < 0).any():
            neg = [n for n, s in zip(names, pc, strict=True) if s < 0]
            if check_keys:
                sign = pc
                warnings.warn(
                    f"items {neg} correlate negatively with the scale (first principal "
                    "component) and were reversed (check_keys=True). Pass keys=[...] to make "
                    "this explicit.",
                    SatscoreWarning,
                    stacklevel=3,
                )
            else:
                warnings.warn(
                    f"items {neg} correlate negatively with the scale and probably should be "
                    "reversed; pass keys=[...] naming them (or check_keys=True).",
                    SatscoreWarning,
                    stacklevel=3,
                )
    freq = _frequencies(frame)
    keyed = X
    if (sign < 0).any():
        if scale_range is None:
            lo, hi = np.nanmin(X), np.nanmax(X)
        else:
            try:
                lo, hi = (float(v) for v in scale_range)
            except (TypeError, ValueError):
                msg = f"scale_range must be a pair (min, max) of numbers; found {scale_range!r}."
                raise OptionError(msg) from None
            if not lo < hi:
                msg = f"scale_range must satisfy min < max; found {scale_range!r}."
                raise OptionError(msg)
        keyed = X.copy()
        keyed[:, sign < 0] = (lo + hi) - keyed[:, sign < 0]
    Ck = C * np.outer(sign, sign)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        total = np.nanmean(keyed, axis=1)
    if np.isnan(keyed).any():
        raw_r = correlation(np.column_stack([total, keyed]))[0, 1:]
    else:
        col = Ck.sum(axis=0)
        raw_r = col / np.sqrt(np.diag(Ck) * Ck.sum())
    n = int(X.shape[0])
    return PreparedItems(
        frame=frame,
        keyed=keyed,
        cov=Ck,
        names=names,
        reversed_items=tuple(n for n, s in zip(names, sign, strict=True) if s < 0),
        n=n,
        k=k,
        score_mean=float(np.nanmean(total)),
        score_sd=float(np.nanstd(total, ddof=1)),
        raw_r=raw_r,
        frequencies=freq,
    )


def alpha_stats(C: np.ndarray, R: np.ndarray, n_obs: int) -> dict[str, float]:
    """psych ``alpha.1`` on covariance ``C`` and correlation ``R`` (plus ``ase``)."""
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
        "ase": float(np.sqrt(Q / n_obs)) if Q >= 0 else np.nan,
    }


def drop_table(C: np.ndarray, R: np.ndarray, n_obs: int, names: list[str]) -> pd.DataFrame:
    """psych ``alpha.drop``: the scale statistics without each item in turn."""
    k = C.shape[0]
    rows = []
    if k > 2:
        for i in range(k):
            keep = np.arange(k) != i
            rows.append(alpha_stats(C[np.ix_(keep, keep)], R[np.ix_(keep, keep)], n_obs))
    else:
        r12, s = R[0, 1], smc(R)[0]
        for i in range(2):
            rows.append(
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
            )
    out = pd.DataFrame(rows, index=names)
    cols = ["alpha", "std_alpha", "g6", "average_r", "signal_noise", "ase", "var_r", "median_r"]
    return out[cols].astype(float)


def item_table(
    prep: PreparedItems,
    C: np.ndarray,
    R: np.ndarray,
    drop: pd.DataFrame,
    *,
    polychoric: bool = False,
) -> pd.DataFrame:
    """Item statistics (psych ``item.stats``) joined with alpha-if-dropped and frequencies."""
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
    keyed = prep.keyed
    answered = (~np.isnan(keyed)).sum(axis=0)
    table = pd.DataFrame(
        {
            "n": answered.astype(np.int64),
            "reversed": [n in prep.reversed_items for n in prep.names],
            "mean": np.nanmean(keyed, axis=0),
            "sd": np.nanstd(keyed, axis=0, ddof=1),
            "raw_r": std_r if polychoric else prep.raw_r,
            "std_r": std_r,
            "r_cor": r_cor,
            "r_drop": r_drop,
            "alpha_if_dropped": drop["alpha"].to_numpy(),
            "std_alpha_if_dropped": drop["std_alpha"].to_numpy(),
        },
        index=pd.Index(prep.names, name="item"),
    )
    if k and prep.frequencies is not None:
        table = table.join(prep.frequencies)
    return table

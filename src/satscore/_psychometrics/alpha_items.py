"""Alpha's shared core: item moments -> keyed covariance, item statistics, frequencies.

:func:`prepare_from_moments` turns merged
:class:`~satscore._psychometrics.alpha_moments.ItemMoments` into :class:`PreparedItems`
(keyed covariance, item means/sds, item-total correlations, response frequencies); the
in-memory path (:func:`prepare_items`) and the chunked/Dask path
(:mod:`satscore._psychometrics.streamed_alpha`) both use it, so they agree by
construction. Formulas follow ``psych::alpha`` 2.2.9 (``alpha.1``, ``item.stats``,
``response.frequencies``).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import numeric_frame
from satscore._core.errors import DataError, OptionError, SatscoreWarning
from satscore._psychometrics.alpha_moments import MAX_VALUES, ItemMoments, array_moments
from satscore._psychometrics.alpha_totals import TotalSums, total_sums
from satscore._stats.correlation import _cov2cor, _pairwise_cov_cor

__all__ = ["PreparedItems", "first_pc_signs", "key_vector", "prepare_from_moments", "prepare_items"]

_MAX_CATEGORIES = MAX_VALUES  # psych's ``max``: frequencies only for at most this many answers

Totals = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], TotalSums]


@dataclasses.dataclass(frozen=True)
class PreparedItems:
    """Validated item summaries :func:`item_table` needs (and the rows, in memory)."""

    X: np.ndarray  # answers as given (all columns; rows kept for bootstrap/ordinal alpha)
    cols: np.ndarray  # columns of X used (items without variance dropped)
    sign: np.ndarray  # +1 / -1 per item
    flip: float  # reversal constant min + max (``flip - x``)
    cov: np.ndarray  # keyed covariance matrix
    names: list[str]
    n: int
    k: int
    item_n: np.ndarray
    item_mean: np.ndarray  # keyed
    item_sd: np.ndarray
    score_mean: float
    score_sd: float
    raw_r: np.ndarray
    frequencies: pd.DataFrame | None

    @property
    def reversed_items(self) -> tuple[str, ...]:
        return tuple(n for n, s in zip(self.names, self.sign, strict=True) if s < 0)

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.X[:, self.cols].astype(float), columns=self.names)

    def keyed(self) -> np.ndarray:
        """The answers of the used items, reverse-keyed items reversed (a new float array)."""
        out = self.X[:, self.cols].astype(float)
        neg = self.sign < 0
        if neg.any():
            out[:, neg] = self.flip - out[:, neg]
        return out


def _read(data: Any) -> tuple[np.ndarray, list[str]]:
    """Item answers as a float array (a view when the data are already float64)."""
    if isinstance(data, np.ndarray) and data.ndim == 2 and data.dtype.kind in "fiub":
        # no copy for float64; integer codes stay integers (read as int8 codes later)
        X = data if data.dtype.kind in "iu" else np.asarray(data, dtype=float)
        names = [f"x{i + 1}" for i in range(X.shape[1])]  # as numeric_frame names them
        _check_shape(X, names)
        return X, names
    if isinstance(data, pd.DataFrame) and data.shape[1] >= 1:
        dtypes = list(data.dtypes)
        if all(isinstance(dt, np.dtype) and dt.kind in "fiu" for dt in dtypes):
            X = data.to_numpy()
            if X.dtype.kind not in "iu":
                X = data.to_numpy(dtype=float)
            names = [str(c) for c in data.columns]
            _check_shape(X, names)
            return X, names
    with warnings.catch_warnings():
        # pandas 3 deprecates astype(copy=...) inside numeric_frame; not our concern here
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        frame = numeric_frame(data, min_columns=2, min_rows=3, what="data")
    return frame.to_numpy(), [str(c) for c in frame.columns]


def _check_shape(X: np.ndarray, names: list[str]) -> None:
    if X.shape[1] < 2:
        msg = (
            f"data has {X.shape[1]} item column(s); at least 2 are required. Pass a DataFrame "
            "with one column per item."
        )
        raise DataError(msg)
    if X.shape[0] < 3:
        msg = f"data has {X.shape[0]} row(s); at least 3 respondents are required."
        raise DataError(msg)


def key_vector(keys: Iterable[Any] | None, names: list[str], dropped: list[str]) -> np.ndarray:
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


def first_pc_signs(R: np.ndarray) -> np.ndarray:
    """Signs of the first principal component loadings (psych ``principal``, summed > 0)."""
    vals, vecs = np.linalg.eigh(np.nan_to_num(R))
    load = vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))
    if load.sum() < 0:
        load = -load
    return np.where(load < 0, -1.0, 1.0)


def _frequencies(mom: ItemMoments, answered: np.ndarray) -> pd.DataFrame | None:
    """psych ``response.frequencies``: proportions of each answer per item, and ``miss``.

    psych tabulates the items whose range is at most ``max`` (10) when no more than 10
    distinct answers occur over them.
    """
    select = (mom.hi - mom.lo) < _MAX_CATEGORIES + 1
    if not select.any():
        return None
    chosen = np.flatnonzero(select).tolist()
    if any(mom.values[j] is None for j in chosen):
        return None
    union = np.unique(np.concatenate([mom.values[j] for j in chosen]))
    if union.size > _MAX_CATEGORIES:
        return None
    k = len(mom.columns)
    table = np.full((k, union.size), np.nan)
    for j in chosen:
        row = np.zeros(union.size)
        row[np.searchsorted(union, mom.values[j])] = mom.counts[j]
        table[j] = row / answered[j]
    out: dict[str, np.ndarray] = {}
    integral = bool(np.all(union == np.round(union)))
    for v, col in zip(union, table.T, strict=True):
        label = f"{int(v):d}" if integral else f"{v:g}".replace(".", "_")
        out[f"freq_{label.replace('-', 'minus_')}"] = col
    out["miss"] = np.where(select, 1.0 - answered / mom.rows, np.nan)
    return pd.DataFrame(out, index=list(mom.columns))


def _warn_keys(names: list[str], pc: np.ndarray, check_keys: bool) -> None:
    neg = [n for n, s in zip(names, pc, strict=True) if s < 0]
    if check_keys:
        msg = (
            f"items {neg} correlate negatively with the scale (first principal component) "
            "and were reversed (check_keys=True). Pass keys=[...] to make this explicit."
        )
    else:
        msg = (
            f"items {neg} correlate negatively with the scale and probably should be "
            "reversed; pass keys=[...] naming them (or check_keys=True)."
        )
    warnings.warn(msg, SatscoreWarning, stacklevel=6)  # the caller of cronbach_alpha


def _flip(scale_range: tuple[float, float] | None, mom: ItemMoments) -> float:
    if scale_range is None:
        return float(mom.lo.min() + mom.hi.max())
    try:
        lo, hi = (float(v) for v in scale_range)
    except (TypeError, ValueError):
        msg = f"scale_range must be a pair (min, max) of numbers; found {scale_range!r}."
        raise OptionError(msg) from None
    if not lo < hi:
        msg = f"scale_range must satisfy min < max; found {scale_range!r}."
        raise OptionError(msg)
    return lo + hi


def prepare_from_moments(
    mom: ItemMoments,
    *,
    keys: Iterable[Any] | None,
    check_keys: bool,
    scale_range: tuple[float, float] | None,
    totals: Totals,
    X: np.ndarray | None = None,
) -> PreparedItems:
    """Keyed covariance and item statistics from merged moments (psych ``alpha``).

    ``totals(cols, sign, offset, centre)`` returns the :class:`TotalSums` of the items
    ``cols`` (a second pass over the rows); it is only called with missing answers.
    """
    names = list(mom.columns)
    if len(names) < 2:
        msg = (
            f"data has {len(names)} item column(s); at least 2 are required. Pass a DataFrame "
            "with one column per item."
        )
        raise DataError(msg)
    n_item = np.diag(mom.n)
    if (n_item == 0).any():
        col = names[int(np.argmax(n_item == 0))]
        msg = (
            f"column {col!r} of data has no non-missing values; drop it before computing "
            "statistics."
        )
        raise DataError(msg)
    mean = mom.centre + np.diag(mom.s) / n_item
    mom = mom.recentred(np.round(mean) if mom.integral else mean)
    C, _ = _pairwise_cov_cor(mom.n, mom.s, mom.cross, mom.ss)
    const_mask = ~(np.diag(C) > 0)
    const = [n for n, c in zip(names, const_mask, strict=True) if c]
    cols = np.arange(len(names))
    if const:
        warnings.warn(
            f"item(s) {const} have no variance (every answer the same) and were dropped from "
            "alpha (psych does the same); remove them from the scale.",
            SatscoreWarning,
            stacklevel=5,
        )
        cols = np.flatnonzero(~const_mask)
        if cols.size < 2:
            msg = (
                f"after dropping items without variance {const}, {cols.size} item(s) remain; "
                "alpha needs at least 2 items with varying answers."
            )
            raise DataError(msg)
        mom = mom.subset(cols)
        names = list(mom.columns)
    C, R = _pairwise_cov_cor(mom.n, mom.s, mom.cross, mom.ss)
    bad = np.argwhere(np.isnan(C))
    if bad.size:
        i, j = bad[0]
        msg = (
            f"items {names[i]!r} and {names[j]!r} have fewer than 2 respondents in common, so "
            "their covariance is undefined; drop one of them or use more data."
        )
        raise DataError(msg)
    k = len(names)
    sign = key_vector(keys, names, const)
    if check_keys or keys is None:
        # psych check.keys: first principal component of the pairwise correlations; when
        # they were not gathered (keys=None only warns) the covariances' correlations
        pc = first_pc_signs(_cov2cor(C) if np.isnan(mom.ss).any() else R)
        if (pc < 0).any():
            _warn_keys(names, pc, check_keys)
            if check_keys:
                sign = pc
    flip = _flip(scale_range, mom) if (sign < 0).any() else 0.0
    Ck = C * np.outer(sign, sign)
    n_i = np.diag(mom.n)
    mean = mom.centre + np.diag(mom.s) / n_i
    item_mean = np.where(sign < 0, flip - mean, mean)
    if (mom.n == mom.rows).all():
        with np.errstate(invalid="ignore", divide="ignore"):
            raw_r = Ck.sum(axis=0) / np.sqrt(np.diag(Ck) * Ck.sum())
        score_mean, score_sd = float(item_mean.mean()), float(np.sqrt(Ck.sum()) / k)
    else:
        offset = np.where(sign < 0, flip - mom.centre, mom.centre)
        shift = float(offset.mean())
        raw = mom.totals
        if raw is not None and np.array_equal(raw.sign, sign):  # gathered in the first pass
            xsum = mom.centre * n_i + np.diag(mom.s)
            tot = raw.finish(flip, shift, mom.centre, n_i, xsum)
        else:
            tot = totals(cols, sign, offset - shift, mom.centre)
        sz, szz = np.diag(mom.s), np.diag(mom.ss)
        with np.errstate(invalid="ignore", divide="ignore"):
            cov_tz = tot.stz - tot.st * sz / n_i
            var_t = tot.stt - tot.st * tot.st / n_i
            var_z = szz - sz * sz / n_i
            raw_r = sign * cov_tz / np.sqrt(var_t * var_z)
        score_mean = shift + tot.tsum / tot.count
        score_sd = float(np.sqrt((tot.tsq - tot.tsum**2 / tot.count) / (tot.count - 1)))
    return PreparedItems(
        X=np.empty((0, len(mom.columns))) if X is None else X,
        cols=cols,
        sign=sign,
        flip=flip,
        cov=Ck,
        names=names,
        n=int(mom.rows),
        k=k,
        item_n=np.rint(n_i).astype(np.int64),
        item_mean=item_mean,
        item_sd=np.sqrt(np.diag(C)),
        score_mean=float(score_mean),
        score_sd=score_sd,
        raw_r=raw_r,
        frequencies=_frequencies(mom, n_i),
    )


def prepare_items(
    data: Any,
    *,
    keys: Iterable[Any] | None,
    check_keys: bool,
    scale_range: tuple[float, float] | None,
    missing: str,
) -> PreparedItems:
    """Validate in-memory data, summarise it (:func:`array_moments`) and prepare the items."""
    X, names = _read(data)
    hint = np.ones(len(names)) if check_keys else key_vector(keys, names, [])
    mom = array_moments(X, names, sign=hint, pairwise_r=check_keys)
    if missing == "listwise" and not (mom.n == mom.rows).all():
        X = X[~np.isnan(X).any(axis=1)]
        if X.shape[0] < 3:
            msg = (
                f"only {X.shape[0]} respondent(s) answered every item; at least 3 complete "
                "rows are needed with missing='listwise'. Use missing='pairwise'."
            )
            raise DataError(msg)
        mom = array_moments(X, names)

    def totals(cols: np.ndarray, sign: np.ndarray, offset: np.ndarray, centre: np.ndarray):
        sub = X if cols.size == X.shape[1] else X[:, cols]
        return total_sums(sub, sign, offset, centre)

    return prepare_from_moments(
        mom, keys=keys, check_keys=check_keys, scale_range=scale_range, totals=totals, X=X
    )

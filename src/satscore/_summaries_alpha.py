"""``cronbach_alpha`` from streamed chunks: prepared items from mergeable summaries.

Returns ``_alpha_items.PreparedItems`` equal to the in-memory preparation: the
keyed pairwise covariance, item statistics, response frequencies and the
total-score statistics. The correlation of each item with the row-mean total
(psych ``raw.r``) uses the rows where both are present, which needs the keying;
with missing answers that takes a second pass over the data.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._chunks import is_reiterable
from ._dask import reduce_summaries
from ._summaries import CrossProducts
from ._summaries_base import _Bundle, _matrix, _numeric_chunk
from .errors import ChunkError, DataError, OptionError, SatscoreWarning

__all__ = ["alpha_items"]


@dataclasses.dataclass(frozen=True, eq=False)
class _ValueCounts:
    """Counts of every distinct value of each column (response frequencies)."""

    columns: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    counts: tuple[np.ndarray, ...]

    @classmethod
    def from_matrix(cls, x: np.ndarray, columns: Sequence[str]) -> _ValueCounts:
        vals, cnts = [], []
        for j in range(x.shape[1]):
            col = x[:, j]
            v, c = np.unique(col[~np.isnan(col)], return_counts=True)
            vals.append(tuple(float(a) for a in v))
            cnts.append(c.astype(np.int64))
        return cls(tuple(columns), tuple(vals), tuple(cnts))

    def merge(self, other: _ValueCounts) -> _ValueCounts:
        vals, cnts = [], []
        for va, ca, vb, cb in zip(
            self.values, self.counts, other.values, other.counts, strict=True
        ):
            v = np.union1d(np.asarray(va, dtype=float), np.asarray(vb, dtype=float))
            c = np.zeros(v.size, dtype=np.int64)
            c[np.searchsorted(v, va)] += ca
            c[np.searchsorted(v, vb)] += cb
            vals.append(tuple(float(a) for a in v))
            cnts.append(c)
        return _ValueCounts(self.columns, tuple(vals), tuple(cnts))


def alpha_items(
    data: Any,
    *,
    keys: Iterable[Any] | None,
    check_keys: bool,
    scale_range: tuple[float, float] | None,
    missing: str,
) -> Any:
    """``cronbach_alpha``'s :class:`~satscore._alpha_items.PreparedItems` from chunks."""
    from ._alpha_items import _MAX_CATEGORIES, PreparedItems, _first_pc_signs, _key_vector

    listwise = missing == "listwise"

    def summarize(chunk: pd.DataFrame, number: int) -> _Bundle:
        cols = [str(c) for c in chunk.columns]
        _numeric_chunk(chunk, cols, number, "data")
        x = _matrix(chunk, cols)
        if listwise:
            x = x[~np.isnan(x).any(axis=1)]
        zero = np.zeros(x.shape[0], dtype=np.int64)
        cp = CrossProducts.from_arrays(x, zero, ((),), columns=cols)
        return _Bundle((cp, _ValueCounts.from_matrix(x, cols)), x.shape[0])

    total = reduce_summaries(data, summarize)
    cp, vc = total.parts
    names = list(cp.columns)
    n_all = np.diagonal(cp.n[0])
    empty = [c for c, m in zip(names, n_all, strict=True) if m == 0]
    if empty and not listwise:
        msg = f"column {empty[0]!r} of data has no non-missing values; drop it."
        raise DataError(msg)
    if len(names) < 2:
        msg = f"data has {len(names)} item column(s); at least 2 are required."
        raise DataError(msg)
    if total.rows < 3:
        what = "complete " if listwise else ""
        msg = f"only {total.rows} {what}row(s); at least 3 respondents are required" + (
            " with missing='listwise'. Use missing='pairwise'." if listwise else "."
        )
        raise DataError(msg)
    var = np.diagonal(cp.m2[0])
    const = [c for c, v in zip(names, var, strict=True) if not v > 0]
    if const:
        warnings.warn(
            f"item(s) {const} have no variance (every answer the same) and were dropped from "
            "alpha (psych does the same); remove them from the scale.",
            SatscoreWarning,
            stacklevel=4,
        )
    keep = [i for i, c in enumerate(names) if c not in const]
    names = [names[i] for i in keep]
    if len(names) < 2:
        msg = (
            f"after dropping items without variance {const}, {len(names)} item(s) remain; "
            "alpha needs at least 2 items with varying answers."
        )
        raise DataError(msg)
    k = len(names)
    ix = np.ix_(keep, keep)
    n = cp.n[0][ix]
    with np.errstate(invalid="ignore", divide="ignore"):
        C = np.where(n >= 2, cp.cp[0][ix] / (n - 1.0), np.nan)
        R = cp.cp[0][ix] / np.sqrt(cp.m2[0][ix] * cp.m2[0][ix].T)
    C = (C + C.T) / 2.0
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
        np.fill_diagonal(R, 1.0)
        pc = _first_pc_signs(R)
        if (pc < 0).any():
            neg = [nm for nm, sg in zip(names, pc, strict=True) if sg < 0]
            if check_keys:
                sign = pc
                warnings.warn(
                    f"items {neg} correlate negatively with the scale (first principal "
                    "component) and were reversed (check_keys=True). Pass keys=[...] to make "
                    "this explicit.",
                    SatscoreWarning,
                    stacklevel=4,
                )
            else:
                warnings.warn(
                    f"items {neg} correlate negatively with the scale and probably should be "
                    "reversed; pass keys=[...] naming them (or check_keys=True).",
                    SatscoreWarning,
                    stacklevel=4,
                )
    freq = _frequencies(vc, keep, names, total.rows, _MAX_CATEGORIES)
    flip = 0.0
    if (sign < 0).any():
        if scale_range is None:
            values = [vc.values[i] for i in keep]
            flip = float(min(v[0] for v in values) + max(v[-1] for v in values))
        else:
            try:
                lo, hi = (float(v) for v in scale_range)
            except (TypeError, ValueError):
                msg = f"scale_range must be a pair (min, max) of numbers; found {scale_range!r}."
                raise OptionError(msg) from None
            if not lo < hi:
                msg = f"scale_range must satisfy min < max; found {scale_range!r}."
                raise OptionError(msg)
            flip = lo + hi
    Ck = C * np.outer(sign, sign)
    means = np.diagonal(cp.mean[0])[keep]
    item_mean = np.where(sign < 0, flip - means, means)
    complete = bool((n == total.rows).all())
    if complete:
        col = Ck.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            raw_r = col / np.sqrt(np.diag(Ck) * Ck.sum())
        score_mean = float(item_mean.mean())
        score_sd = float(np.sqrt(Ck.sum()) / k)
    else:
        raw_r, score_mean, score_sd = _total_pass(data, names, sign, flip, listwise)
    return PreparedItems(
        X=np.empty((0, k)),  # rows are not kept out of core
        sign=sign,
        flip=flip,
        cov=Ck,
        names=names,
        n=int(total.rows),
        k=k,
        item_n=np.diagonal(n).astype(np.int64),
        item_mean=item_mean,
        item_sd=np.sqrt(np.diagonal(C)),
        score_mean=score_mean,
        score_sd=score_sd,
        raw_r=raw_r,
        frequencies=freq,
    )


def _frequencies(
    vc: _ValueCounts, keep: list[int], names: list[str], n_rows: int, max_cat: int
) -> pd.DataFrame | None:
    """psych ``response.frequencies`` (as ``_alpha_items._frequencies``) from value counts."""
    vals = [np.asarray(vc.values[i]) for i in keep]
    cnts = [vc.counts[i] for i in keep]
    select = [v.size > 0 and (v[-1] - v[0]) < max_cat + 1 for v in vals]
    if not any(select):
        return None
    union = np.unique(np.concatenate([v for v, s in zip(vals, select, strict=True) if s]))
    if union.size > max_cat:
        return None
    rows = [n for n, s in zip(names, select, strict=True) if s]
    cols: dict[str, np.ndarray] = {}
    answered = np.array([c.sum() for c, s in zip(cnts, select, strict=True) if s], dtype=float)
    table = np.zeros((len(rows), union.size))
    r = 0
    for v, c, s in zip(vals, cnts, select, strict=True):
        if s:
            table[r, np.searchsorted(union, v)] = c
            r += 1
    for j, v in enumerate(union):
        label = f"{v:g}".replace("-", "minus_").replace(".", "_")
        with np.errstate(invalid="ignore", divide="ignore"):
            cols[f"freq_{label}"] = table[:, j] / answered
    cols["miss"] = 1.0 - answered / n_rows
    return pd.DataFrame(cols, index=rows).reindex(names)


def _total_pass(
    data: Any, names: list[str], sign: np.ndarray, flip: float, listwise: bool
) -> tuple[np.ndarray, float, float]:
    """Second pass: correlation of each keyed item with the row-mean total, total mean/sd."""
    if not is_reiterable(data):
        msg = (
            "alpha with missing answers needs a second pass over the data (item-total "
            "correlations on the rows where both are present), but the data is a one-shot "
            "iterator. Pass a list of chunks, a dask DataFrame or a function returning a "
            "fresh iterator, e.g. lambda: pd.read_csv(path, chunksize=100_000)."
        )
        raise ChunkError(msg)
    cols = ["_total", *names]

    def summarize(chunk: pd.DataFrame, number: int) -> _Bundle:
        x = _matrix(chunk, names)
        if listwise:
            x = x[~np.isnan(x).any(axis=1)]
        rev = sign < 0
        if rev.any():
            x[:, rev] = flip - x[:, rev]
        cnt = (~np.isnan(x)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.where(cnt > 0, np.nansum(x, axis=1) / cnt, np.nan)
        zero = np.zeros(x.shape[0], dtype=np.int64)
        cp = CrossProducts.from_arrays(np.column_stack([total, x]), zero, ((),), columns=cols)
        return _Bundle((cp,), x.shape[0])

    cp = reduce_summaries(data, summarize).parts[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cp.cp[0][0, 1:] / np.sqrt(cp.m2[0][0, 1:] * cp.m2[0][1:, 0])
    n_t = cp.n[0][0, 0]
    return r, float(cp.mean[0][0, 0]), float(np.sqrt(cp.m2[0][0, 0] / (n_t - 1)))

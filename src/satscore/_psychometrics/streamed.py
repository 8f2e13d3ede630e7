"""Psychometrics from streamed chunks: the inputs of EFA, CFA and alpha from summaries.

Each function returns exactly what the in-memory preparation step returns, so
the fitting code downstream is shared:

* :func:`efa_inputs` — the correlation matrix, pairwise counts and number of
  rows of ``efa`` (R ``cor(use = "pairwise")`` or complete cases), from
  :class:`~satscore._stream.summaries.CrossProducts`;
* :func:`cfa_moments` — group-wise listwise sample moments (N, means,
  covariance with divisor N) of ``cfa``; groups in order of first appearance
  (or category order), as in memory;
* :func:`alpha_items` — ``cronbach_alpha``'s prepared items (keyed covariance,
  item statistics, response frequencies, total-score statistics). Alpha needs a
  second pass over the data only when answers are missing (the correlation of
  each item with the row-mean total uses the rows where both are present).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from satscore._core.errors import DataError, OptionError
from satscore._psychometrics.streamed_alpha import alpha_items
from satscore._stream.base import _Bundle, _Keyed, _matrix, _numeric_chunk, segment_keys
from satscore._stream.chunks import is_dask
from satscore._stream.reduce import reduce_summaries
from satscore._stream.summaries import CrossProducts, Moments

__all__ = ["alpha_items", "cfa_moments", "efa_inputs", "polychoric_tables"]


@dataclasses.dataclass(frozen=True, eq=False)
class _FirstSeen(_Keyed):
    """Position (chunk, row) at which each segment first appears."""

    by: tuple[str, ...]
    keys: tuple[tuple, ...]
    key_dtypes: tuple[Any, ...]
    columns: tuple[str, ...]
    first: np.ndarray
    _arrays: ClassVar[tuple[str, ...]] = ("first",)
    _fill: ClassVar[dict[str, float]] = {"first": np.inf}

    def merge(self, other: _FirstSeen) -> _FirstSeen:
        self._check_compatible(other)
        keys, a, b = self._aligned(other)
        return dataclasses.replace(self, keys=keys, first=np.minimum(a["first"], b["first"]))


# ----------------------------------------------------------------------------- EFA
class _Listwise:
    """Chunks with incomplete rows dropped (re-iterable when the source is)."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def __iter__(self) -> Any:
        from satscore._stream.chunks import iter_chunks

        return (c.dropna() for c in iter_chunks(self.source))


def efa_inputs(
    data: Any, *, missing: str, cor: str = "pearson"
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """``(R, pairwise counts, n_rows)`` as ``efa``'s preparation, from one pass of chunks."""
    if cor == "polychoric":
        from satscore._psychometrics.polychoric import polychoric

        res = polychoric(_Listwise(data) if missing == "listwise" else data)
        names = list(res.rho.columns)
        R = pd.DataFrame(np.asarray(res.rho, dtype=float), index=names, columns=names)
        return R, res.n_pairs.to_numpy(dtype=float), int(res.n)

    def summarize(chunk: pd.DataFrame, number: int) -> _Bundle:
        cols = [str(c) for c in chunk.columns]
        _numeric_chunk(chunk, cols, number, "data")
        cp = CrossProducts.from_frame(chunk, cols, listwise=missing == "listwise")
        return _Bundle((cp,), len(chunk))

    total = reduce_summaries(data, summarize)
    cp = total.parts[0]
    cols = list(cp.columns)
    if len(cols) < 2:
        msg = f"data has {len(cols)} item column(s); at least 2 are required."
        raise DataError(msg)
    counts = cp.counts()
    empty = [c for i, c in enumerate(cols) if counts[i, i] == 0 and missing == "pairwise"]
    if empty:
        msg = f"column {empty[0]!r} of data has no non-missing values; drop it."
        raise DataError(msg)
    n_rows = int(counts[0, 0]) if missing == "listwise" else int(total.rows)
    if n_rows < 3:
        msg = (
            f"data have {n_rows} usable row(s) after {missing} deletion; at least 3 "
            "respondents are required. Use missing='pairwise' or supply more data."
        )
        raise DataError(msg)
    sd_ok = np.diagonal(cp.m2[0]) > 0
    if not sd_ok.all():
        msg = (
            f"item {cols[int(np.flatnonzero(~sd_ok)[0])]!r} is constant (every answer the "
            "same), so its correlations are undefined; drop it before the factor analysis."
        )
        raise DataError(msg)
    r = cp.correlation().to_numpy(copy=True)
    np.fill_diagonal(r, 1.0)
    R = pd.DataFrame(r, index=cols, columns=cols)
    return R, np.rint(counts).astype(np.int64), n_rows


# ----------------------------------------------------------------------------- CFA
def cfa_moments(data: Any, pm: Any, *, group: str | None, missing: str = "listwise") -> tuple:
    """``(moments, groups, n_dropped)`` as ``_cfa_data.prepare_moments`` (listwise)."""
    from satscore._sem.data import _close, _make_moments

    if missing != "listwise":
        msg = (
            f"missing={missing!r} (full-information ML) needs the rows in memory; streamed "
            "data support missing='listwise'. Pass a DataFrame for FIML."
        )
        raise OptionError(msg)
    items = list(pm.observed)
    p = len(items)
    by = (group,) if group is not None else ()
    cat_order: list[Any] = []
    if group is not None and is_dask(data) and group in data.columns:
        dtype = data.dtypes[group]  # partitions run elsewhere: take categories from the meta
        if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None:
            cat_order.extend(dtype.categories)

    def summarize(chunk: pd.DataFrame, number: int) -> _Bundle:
        columns = [str(c) for c in chunk.columns]
        absent = [i for i in items if i not in columns]
        if absent:
            msg = (
                f"item {absent[0]!r} of the model is not a column of data (chunk {number})."
                f"{_close(absent[0], columns)} Fix the model or rename the column."
            )
            raise DataError(msg)
        if group is not None and group not in chunk.columns:
            msg = f"group column {group!r} is not in data.{_close(group, columns)}"
            raise DataError(msg)
        _numeric_chunk(chunk, items, number, "data")
        categorical = group is not None and isinstance(chunk[group].dtype, pd.CategoricalDtype)
        if categorical and not cat_order:
            cat_order.extend(chunk[group].cat.categories)
        x = _matrix(chunk, items)
        segment, keys, dtypes = segment_keys(chunk, by)
        cp = CrossProducts.from_arrays(
            x, segment, keys, columns=items, listwise=True, by=by, key_dtypes=dtypes
        )
        pos = np.full(len(keys), np.inf)
        rows = np.flatnonzero(segment >= 0)
        np.minimum.at(pos, segment[rows], number * 2.0**32 + rows)
        seen = _FirstSeen(by, keys, dtypes, (), pos)
        observed = Moments.from_arrays(
            x, np.zeros(len(chunk), dtype=np.int64), ((),), columns=items
        )
        return _Bundle((cp, seen, observed), len(chunk))

    total = reduce_summaries(data, summarize)
    cp, seen, observed = total.parts
    empty = [items[j] for j in range(p) if observed.n[0, j] == 0]
    if empty:
        msg = f"item column {empty[0]!r} has no non-missing values; drop it from the model."
        raise DataError(msg)
    keys = list(cp.keys)
    if group is None:
        order = [0]
        labels: list[Any] = ["all"]
    else:
        first = dict(zip(seen.keys, seen.first, strict=True))
        present = [k for k in keys if k[0] is not None]
        if cat_order:
            rank = {c: i for i, c in enumerate(cat_order)}
            present.sort(key=lambda k: rank.get(k[0], len(rank)))
        else:
            present.sort(key=lambda k: first[k])
        order = [keys.index(k) for k in present]
        labels = [k[0] for k in present]
    moments = []
    kept = 0
    for g, lab in zip(order, labels, strict=True):
        ng = int(cp.n[g, 0, 0])
        where = f"group {lab!r}" if group is not None else "data"
        if ng < p + 1:
            msg = (
                f"{where} has {ng} complete row(s) on the model's {p} items; a CFA needs at "
                f"least {p + 1} (and in practice many more). Merge small groups or drop the "
                "group from the analysis."
            )
            raise DataError(msg)
        kept += ng
        mean = np.diagonal(cp.mean[g]).copy()
        cov = cp.cp[g] / ng
        cov = (cov + cov.T) / 2.0
        moments.append(_make_moments(ng, mean, cov, items, where))
    return moments, tuple(labels), int(total.rows - kept)


# ----------------------------------------------------------------------------- alpha
# ----------------------------------------------------------------------------- polychoric
def polychoric_tables(data: Any, max_categories: int) -> tuple[list[str], np.ndarray, int, int]:
    """``(names, T, n, m)``: all pairwise tables on a common grid, as ``_polychoric._tables``.

    ``T[i, j]`` is the ``m x m`` table of items ``i`` and ``j`` over the rows where both
    are answered, categories ``lo..hi`` of all items (``m = hi - lo + 1``).
    """
    from satscore._stream.pairs import ContingencyTables

    def summarize(chunk: pd.DataFrame, number: int) -> _Bundle:
        cols = [str(c) for c in chunk.columns]
        _numeric_chunk(chunk, cols, number, "data")
        x = _matrix(chunk, cols)
        finite = np.isfinite(x)
        bad = (np.isinf(x) | (finite & (x != np.round(np.where(finite, x, 0.0))))).any(axis=0)
        if bad.any():
            col = cols[int(np.flatnonzero(bad)[0])]
            msg = (
                f"item {col!r} has non-integer answers (chunk {number}); polychoric "
                "correlations need ordinal integer codes (e.g. 1..5). Recode the item or use "
                "Pearson correlations."
            )
            raise DataError(msg)
        zero = np.zeros(x.shape[0], dtype=np.int64)
        return _Bundle((ContingencyTables.from_arrays(x, zero, ((),), columns=cols),), len(x))

    total = reduce_summaries(data, summarize)
    ct = total.parts[0]
    names = list(ct.columns)
    if len(names) < 2:
        msg = f"data has {len(names)} item column(s); at least 2 are required."
        raise DataError(msg)
    if total.rows < 3:
        msg = f"data has {total.rows} row(s); at least 3 respondents are required."
        raise DataError(msg)
    cats = [np.asarray(c, dtype=float) for c in ct.categories]
    empty = [nm for nm, c in zip(names, cats, strict=True) if c.size == 0]
    if empty:
        msg = f"column {empty[0]!r} of data has no non-missing values; drop it."
        raise DataError(msg)
    const = [nm for nm, c in zip(names, cats, strict=True) if c.size < 2]
    if const:
        msg = (
            f"item(s) {const} have no variance (every answer the same); a polychoric "
            "correlation is undefined for them. Drop them before calling polychoric."
        )
        raise DataError(msg)
    lo = min(c[0] for c in cats)
    hi = max(c[-1] for c in cats)
    m = int(hi - lo + 1)
    if m > max_categories:
        msg = (
            f"the items span {m} categories ({lo:g}..{hi:g}), more than max_categories="
            f"{max_categories}; polychoric correlations are meant for ordinal items with few "
            "categories. Use Pearson correlations or raise max_categories."
        )
        raise DataError(msg)
    k = len(names)
    T = np.zeros((k, k, m, m))
    off = ct.offsets
    pos = [(c - lo).astype(np.int64) for c in cats]
    for i in range(k):
        for j in range(k):
            block = ct.table[0, off[i] : off[i + 1], off[j] : off[j + 1]]
            T[i, j][np.ix_(pos[i], pos[j])] = block
    return names, T, int(total.rows), m

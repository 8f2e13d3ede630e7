"""Psychometrics from streamed chunks: the inputs of EFA, CFA and alpha from summaries.

Each function returns exactly what the in-memory preparation step returns, so
the fitting code downstream is shared:

* :func:`efa_inputs` — the correlation matrix, pairwise counts and number of
  rows of ``efa`` (R ``cor(use = "pairwise")`` or complete cases), from
  :class:`~satscore._summaries.CrossProducts`;
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
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ._chunks import is_dask, is_reiterable
from ._dask import reduce_summaries
from ._summaries import CrossProducts, Moments
from ._summaries_base import _Keyed, _matrix, segment_keys
from .errors import ChunkError, DataError, OptionError, SatscoreWarning

__all__ = ["alpha_items", "cfa_moments", "efa_inputs"]


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


@dataclasses.dataclass(frozen=True, eq=False)
class _Bundle:
    """Several summaries of one chunk merged together, plus the row count."""

    parts: tuple[Any, ...]
    rows: int

    def merge(self, other: _Bundle) -> _Bundle:
        parts = tuple(
            a if b is None else b if a is None else a.merge(b)
            for a, b in zip(self.parts, other.parts, strict=True)
        )
        return _Bundle(parts, self.rows + other.rows)


def _numeric_chunk(chunk: pd.DataFrame, columns: Sequence[str], number: int, what: str) -> None:
    for col in columns:
        s = chunk[col]
        ok = pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
        if not ok and s.dtype == object:
            ok = bool(s.dropna().map(lambda v: isinstance(v, (int, float))).all())
        if not ok and not s.isna().all():
            sample = s.dropna().astype(str).unique()[:3].tolist()
            msg = (
                f"column {col!r} of {what} (chunk {number}) is not numeric (found values such "
                f"as {sample}); item responses must be numeric codes. Convert labels to codes "
                "first, e.g. with instrument.validate(...), or drop the column."
            )
            raise DataError(msg)


# ----------------------------------------------------------------------------- EFA
class _Listwise:
    """Chunks with incomplete rows dropped (re-iterable when the source is)."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def __iter__(self) -> Any:
        from ._chunks import iter_chunks

        return (c.dropna() for c in iter_chunks(self.source))


def efa_inputs(
    data: Any, *, missing: str, cor: str = "pearson"
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """``(R, pairwise counts, n_rows)`` as ``efa``'s preparation, from one pass of chunks."""
    if cor == "polychoric":
        from ._polychoric import polychoric

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
    from ._cfa_data import _close, _make_moments

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


# ----------------------------------------------------------------------------- polychoric
def polychoric_tables(data: Any, max_categories: int) -> tuple[list[str], np.ndarray, int, int]:
    """``(names, T, n, m)``: all pairwise tables on a common grid, as ``_polychoric._tables``.

    ``T[i, j]`` is the ``m x m`` table of items ``i`` and ``j`` over the rows where both
    are answered, categories ``lo..hi`` of all items (``m = hi - lo + 1``).
    """
    from ._summaries_pairs import ContingencyTables

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

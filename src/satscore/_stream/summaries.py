"""Mergeable summaries: one mechanism behind chunked, streamed and Dask statistics.

Every statistic satscore computes from respondent-level data reduces to a few
*sufficient summaries* that can be computed on any chunk of rows and merged
exactly. Each summary is a frozen dataclass with

* ``from_frame(chunk, ...)`` / ``from_arrays(...)``: the summary of one chunk;
* ``merge(other)`` (also ``a + b``): the summary of the union of two chunks;
* accessors that give the statistic the in-memory functions compute.

=======================  ===============================================================
summary                  holds (per segment, i.e. per combination of ``by`` values)
=======================  ===============================================================
:class:`CategoryCounts`  counts (and sums of weights / squared weights) of each answer
                         code of each item: top-box, means, indices, net score,
                         distributions, alpha's response frequencies
:class:`Moments`         (weighted) count, mean and centred sum of squares of each
                         column, merged with Chan et al.'s pairwise update
:class:`CrossProducts`   pairwise-complete (or listwise) counts, means, centred sums of
                         squares and cross-products: R ``cov``/``cor(use = "pairwise")``,
                         what alpha, EFA and CFA need
:class:`ContingencyTables` two-way tables of every item pair (polychoric correlations)
=======================  ===============================================================

Design totals for Taylor linearisation live in :mod:`satscore._survey.totals`.

Segments are identified by their *values* (not chunk-local codes), so chunks
that see different segments merge correctly; :meth:`segments` puts them in
the order ``score_survey`` uses (observed combinations, sorted).

Merging is exact up to floating-point rounding: counts are integers; means and
centred sums of squares are combined with the pairwise update of Chan, Golub &
LeVeque (1979), ``M2 = M2_a + M2_b + δ² W_a W_b / W``, which is as accurate as a
two-pass computation on the whole data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from satscore._stats import grouped as M
from satscore._stream.base import Keyed, _weights_of, float_matrix, merge_all, segment_keys
from satscore._stream.pairs import ContingencyTables, CrossProducts

__all__ = [
    "CategoryCounts",
    "ContingencyTables",
    "CrossProducts",
    "Moments",
    "merge_all",
    "segment_keys",
]


# ----------------------------------------------------------------------------- counts
@dataclasses.dataclass(frozen=True, eq=False)
class CategoryCounts(Keyed):
    """Counts of each answer code of each column, per segment (optionally weighted).

    Attributes
    ----------
    by, keys, key_dtypes : tuple
        Segments (see :class:`~satscore._stream.base.Keyed`).
    columns : tuple of str
        Items.
    codes : tuple of tuple of float
        Answer codes of each item (values that are not codes are not counted).
    counts : ndarray, shape (G, K)
        Counts; item ``j`` occupies ``offsets[j]:offsets[j + 1]``.
    wsum, wsq : ndarray or None
        Sums of weights and of squared weights in the same layout (None unweighted).
    """

    codes: tuple[tuple[float, ...], ...]
    counts: np.ndarray
    wsum: np.ndarray | None = None
    wsq: np.ndarray | None = None
    _arrays: ClassVar[tuple[str, ...]] = ("counts", "wsum", "wsq")
    _noun: ClassVar[str] = "category counts"

    def _identity(self) -> tuple[str, ...]:
        return ("by", "columns", "codes")

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum([len(c) for c in self.codes])]).astype(np.int64)

    @classmethod
    def from_arrays(
        cls,
        values: Mapping[str, np.ndarray],
        codes: Mapping[str, Sequence[float]],
        segment: np.ndarray,
        keys: tuple[tuple, ...],
        *,
        by: Sequence[str] = (),
        key_dtypes: tuple[Any, ...] = (),
        weights: np.ndarray | None = None,
    ) -> CategoryCounts:
        """Summary of one chunk from per-row values and chunk-local segment codes."""
        cols = tuple(codes)
        n_seg = len(keys)
        parts, wparts, qparts = [], [], []
        for col in cols:
            cnt, ws, wq = M.category_counts(
                np.asarray(values[col], dtype=float), codes[col], segment, n_seg, weights
            )
            parts.append(cnt)
            wparts.append(ws)
            qparts.append(wq)
        counts = np.concatenate(parts, axis=1) if parts else np.zeros((n_seg, 0))
        ws = None if weights is None else np.concatenate(wparts, axis=1)
        wq = None if weights is None else np.concatenate(qparts, axis=1)
        return cls(
            tuple(by),
            keys,
            tuple(key_dtypes),
            cols,
            tuple(tuple(float(v) for v in codes[c]) for c in cols),
            counts,
            ws,
            wq,
        )

    @classmethod
    def from_frame(
        cls,
        chunk: pd.DataFrame,
        codes: Mapping[str, Sequence[float]],
        *,
        by: Sequence[str] = (),
        weights: Any = None,
    ) -> CategoryCounts:
        """Summary of one chunk: ``codes`` maps each item column to its answer codes.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"q": [1, 2, 2, 5, None], "s": ["a", "a", "b", "b", "b"]})
        >>> cc = CategoryCounts.from_frame(df, {"q": (1, 2, 3, 4, 5)}, by=["s"])
        >>> cc.item_counts("q").tolist()
        [[1.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 1.0]]
        """
        segment, keys, dtypes = segment_keys(chunk, by)
        values = {c: float_matrix(chunk, [c])[:, 0] for c in codes}
        w = _weights_of(chunk, weights)
        return cls.from_arrays(values, codes, segment, keys, by=by, key_dtypes=dtypes, weights=w)

    def item_counts(self, column: str, attr: str = "counts") -> np.ndarray:
        """(G, K) array of ``counts`` (or ``wsum``/``wsq``) of one item."""
        j = self.columns.index(column)
        off = self.offsets
        arr = getattr(self, attr)
        return None if arr is None else arr[:, off[j] : off[j + 1]]

    def aggregate(self, column: str, z: np.ndarray) -> M.Aggregate:
        """:class:`~satscore._stats.grouped.Aggregate` of the mean of per-code values ``z``."""
        return M.aggregate_counts(
            self.item_counts(column),
            z,
            self.item_counts(column, "wsum"),
            self.item_counts(column, "wsq"),
        )


# ----------------------------------------------------------------------------- moments
@dataclasses.dataclass(frozen=True, eq=False)
class Moments(Keyed):
    """Weighted count, mean and centred sum of squares of each column, per segment.

    Attributes
    ----------
    by, keys, key_dtypes : tuple
        Segments (see :class:`~satscore._stream.base.Keyed`).
    columns : tuple of str
        Variables.
    n : ndarray, shape (G, m)
        Non-missing rows.
    sum_w : ndarray, shape (G, m)
        Sum of weights (``n`` unweighted).
    mean : ndarray, shape (G, m)
        Weighted mean (0 where ``sum_w`` is 0).
    m2 : ndarray, shape (G, m)
        ``Σ w (x - mean)²``.
    sum_w2 : ndarray or None
        Sum of squared weights (None unweighted).
    """

    n: np.ndarray
    sum_w: np.ndarray
    mean: np.ndarray
    m2: np.ndarray
    sum_w2: np.ndarray | None = None
    _arrays: ClassVar[tuple[str, ...]] = ("n", "sum_w", "mean", "m2", "sum_w2")
    _noun: ClassVar[str] = "moments"

    @classmethod
    def from_arrays(
        cls,
        x: np.ndarray,
        segment: np.ndarray,
        keys: tuple[tuple, ...],
        *,
        columns: Sequence[str],
        by: Sequence[str] = (),
        key_dtypes: tuple[Any, ...] = (),
        weights: np.ndarray | None = None,
    ) -> Moments:
        """Two-pass moments of the columns of ``x`` (n, m) per chunk-local segment."""
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        g_n = len(keys)
        shape = (g_n, x.shape[1])
        n, sw, mean, m2 = (np.zeros(shape) for _ in range(4))
        sw2 = None if weights is None else np.zeros(shape)
        for j in range(x.shape[1]):
            z = x[:, j]
            ok = ~np.isnan(z) & (segment >= 0)
            g = segment[ok]
            zz = z[ok]
            w = np.ones_like(zz) if weights is None else weights[ok]
            n[:, j] = np.bincount(g, minlength=g_n)
            sw[:, j] = np.bincount(g, weights=w, minlength=g_n)
            with np.errstate(invalid="ignore", divide="ignore"):
                mu = np.bincount(g, weights=w * zz, minlength=g_n) / sw[:, j]
            mu = np.where(sw[:, j] > 0, mu, 0.0)
            dev = zz - mu[g]
            mean[:, j] = mu
            m2[:, j] = np.bincount(g, weights=w * dev * dev, minlength=g_n)
            if sw2 is not None:
                sw2[:, j] = np.bincount(g, weights=w * w, minlength=g_n)
        return cls(tuple(by), keys, tuple(key_dtypes), tuple(columns), n, sw, mean, m2, sw2)

    @classmethod
    def from_frame(
        cls,
        chunk: pd.DataFrame,
        columns: Sequence[str],
        *,
        by: Sequence[str] = (),
        weights: Any = None,
    ) -> Moments:
        """Summary of one chunk.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"x": [1.0, 2.0, None, 4.0], "g": ["a", "a", "b", "b"]})
        >>> m = Moments.from_frame(df, ["x"], by=["g"])
        >>> m.mean[:, 0].tolist(), m.m2[:, 0].tolist()
        ([1.5, 4.0], [0.5, 0.0])
        """
        return cls._from_chunk(chunk, columns, by, weights=weights)

    def merge(self, other: Moments) -> Moments:
        """Chan et al.'s pairwise update of (W, mean, M2)."""
        keys, a, b = self._aligned(other)
        wa, wb = a["sum_w"], b["sum_w"]
        w = wa + wb
        d = b["mean"] - a["mean"]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(w > 0, wb / w, 0.0)
            mean = np.where(wa > 0, a["mean"] + d * frac, b["mean"])
            extra = np.where((wa > 0) & (wb > 0), d * d * wa * frac, 0.0)
        sw2 = None if a["sum_w2"] is None else a["sum_w2"] + b["sum_w2"]
        return dataclasses.replace(
            self,
            keys=keys,
            n=a["n"] + b["n"],
            sum_w=w,
            mean=mean,
            m2=a["m2"] + b["m2"] + extra,
            sum_w2=sw2,
        )

    def aggregate(self, j: int | str = 0) -> M.Aggregate:
        """:class:`~satscore._stats.grouped.Aggregate` of column ``j``
        (:func:`~satscore._stats.grouped.moments_aggregate` of its moments)."""
        k = self.columns.index(j) if isinstance(j, str) else int(j)
        sw2 = None if self.sum_w2 is None else self.sum_w2[:, k]
        return M.moments_aggregate(
            self.n[:, k], self.sum_w[:, k], self.mean[:, k], self.m2[:, k], sw2
        )

"""Mergeable item moments of :func:`satscore.cronbach_alpha` and the pass computing them.

Everything alpha and its item table need from the rows is one mergeable summary,
:class:`ItemMoments`: for every pair of items the number of rows answering both and,
over those rows, the sums, sums of squares and cross-products of the answers shifted
by a centre; plus each item's smallest and largest answer and its answer counts. A
frame in memory, each chunk of a stream and each Dask partition is summarised by the
same :func:`array_moments`, and summaries are merged by addition (after shifting to a
common centre). Large frames are summarised in two halves on two threads (numpy and
BLAS release the GIL) and merged exactly like chunks.

The pass (``psych::alpha`` only needs these sums):

- complete data: one symmetric cross-product ``X'X`` (BLAS) and one int8 copy, made
  block by block while the rows are in cache, whose per-item counts give the response
  frequencies and, when every answer is a small integer (proved exactly: the codes'
  sum of squares equals the diagonal of ``X'X`` and no code wrapped), the column sums;
  integer-typed answers are converted to float64 block by block in the same read;
- missing data: in row blocks that stay in cache, the int8 codes as float32 with zeros
  where missing ``Z`` and the presence mask ``M`` side by side, ``P = [Z, M]``, and
  one symmetric product ``P'P`` (``Z'Z``, ``Z'M``, ``M'M``); ``(Z*Z)'M`` (pairwise
  variances, for pairwise correlations) only when ``check_keys`` needs them, else its
  diagonal. Products of integer codes are exact in float32 while a block's sums stay
  below ``2**24`` (checked per block from its largest code, else the block is
  multiplied in float64), so the sums are exact integers. Answers that are not int8
  integers (every present cell is compared with its code) use the same products in
  float64 about a centre near the mean. With known keys the item-total sums are
  gathered in the same pass (:mod:`satscore._psychometrics.alpha_totals`).

All BLAS calls run single-threaded
(:func:`~satscore._stats.threads.single_threaded_blas`): many small
products on a multi-threaded OpenBLAS stall when the other core is busy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from scipy.linalg import blas as _blas

from satscore._core.errors import ChunkError, DataError
from satscore._psychometrics.alpha_codes import F32_EXACT as _F32_EXACT
from satscore._psychometrics.alpha_codes import (
    MAX_VALUES,
    code_counts,
    general_values,
    gram_and_codes,
    table_values,
)
from satscore._psychometrics.alpha_totals import BLOCK as _BLOCK
from satscore._psychometrics.alpha_totals import SPLIT as _SPLIT
from satscore._psychometrics.alpha_totals import RawTotals, two_threads
from satscore._stats.threads import single_threaded_blas

__all__ = ["ItemMoments", "array_moments"]


@dataclasses.dataclass(frozen=True, eq=False)
class ItemMoments:
    """Pairwise sums of item answers about ``centre`` (mergeable).

    ``n[i, j]`` counts the rows answering items ``i`` and ``j``; over those rows
    ``s[i, j]`` sums ``z_i = x_i - centre_i``, ``ss[i, j]`` sums ``z_i**2`` and
    ``cross[i, j]`` sums ``z_i z_j``. ``values[j]``/``counts[j]`` are item ``j``'s
    distinct answers and their counts (None when more than ``MAX_VALUES`` occur);
    ``integral`` says every answer is an int8 integer and the sums are exact integers.
    """

    columns: tuple[str, ...]
    rows: int
    centre: np.ndarray
    n: np.ndarray
    s: np.ndarray
    ss: np.ndarray
    cross: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    values: tuple[np.ndarray | None, ...]
    counts: tuple[np.ndarray | None, ...]
    integral: bool
    totals: RawTotals | None = None  # item-total sums for known keys (integer codes)

    def recentred(self, centre: np.ndarray) -> ItemMoments:
        """The same sums about another centre (exact for integer sums and shifts)."""
        d = np.asarray(centre, dtype=float) - self.centre
        if not d.any():
            return self
        n, s = self.n, self.s
        cross = self.cross - s * d[None, :] - s.T * d[:, None] + n * np.outer(d, d)
        ss = self.ss - 2.0 * d[:, None] * s + (d * d)[:, None] * n
        s_new = s - d[:, None] * n
        integral = self.integral and bool(np.all(np.asarray(centre) == np.round(centre)))
        return dataclasses.replace(
            self, centre=np.asarray(centre, dtype=float), n=n, s=s_new, ss=ss, cross=cross,
            integral=integral,
        )  # fmt: skip

    def merge(self, other: ItemMoments) -> ItemMoments:
        """Summary of the rows of both (columns must match)."""
        if other.columns != self.columns:
            msg = (
                f"chunks have different item columns: {list(self.columns)} and "
                f"{list(other.columns)}; every chunk needs the same columns in the same order."
            )
            raise ChunkError(msg)
        o = other.recentred(self.centre)
        values, counts = [], []
        for va, ca, vb, cb in zip(self.values, self.counts, o.values, o.counts, strict=True):
            if va is None or vb is None:
                values.append(None)
                counts.append(None)
                continue
            v = np.union1d(va, vb)
            if v.size > MAX_VALUES:
                values.append(None)
                counts.append(None)
                continue
            c = np.zeros(v.size, dtype=np.int64)
            c[np.searchsorted(v, va)] += ca
            c[np.searchsorted(v, vb)] += cb
            values.append(v)
            counts.append(c)
        return ItemMoments(
            columns=self.columns,
            rows=self.rows + o.rows,
            centre=self.centre,
            n=self.n + o.n,
            s=self.s + o.s,
            ss=self.ss + o.ss,
            cross=self.cross + o.cross,
            lo=np.fmin(self.lo, o.lo),
            hi=np.fmax(self.hi, o.hi),
            values=tuple(values),
            counts=tuple(counts),
            integral=self.integral and o.integral,
            totals=None if self.totals is None else self.totals.merge(o.totals),
        )

    def subset(self, keep: Sequence[int]) -> ItemMoments:
        """The summary of some items only."""
        ix = np.ix_(keep, keep)
        return dataclasses.replace(
            self,
            columns=tuple(self.columns[i] for i in keep),
            centre=self.centre[keep],
            n=self.n[ix],
            s=self.s[ix],
            ss=self.ss[ix],
            cross=self.cross[ix],
            lo=self.lo[keep],
            hi=self.hi[keep],
            values=tuple(self.values[i] for i in keep),
            counts=tuple(self.counts[i] for i in keep),
            totals=None,  # the scale score changes without some items
        )


# ----------------------------------------------------------------------------- the pass
def _exact_codes(
    X: np.ndarray, columns: tuple[str, ...], S: np.ndarray, x8: np.ndarray
) -> ItemMoments | None:
    """Moments of complete ``X`` from its int8 codes when they provably equal it, else None.

    int8 truncates towards zero and wraps: ``|code| <= |x|``, equal only when the code
    is exact or ``x`` wrapped to -128 from 128, so equal sums of squares (``diag(X'X)``
    against the codes' counts) prove every code exact once -128 is ruled out: excluded
    for float answers, for integer answers only when 128 occurs in its column.
    """
    rows, k = X.shape
    sq = np.diag(S)
    counts = code_counts(x8, np.zeros(k, dtype=np.int64))
    vals = np.arange(-128, 128, dtype=np.int64)
    wrapped = counts[:, 0] > 0
    if wrapped.any() and X.dtype.kind in "iu":
        wrapped[wrapped] = X[:, wrapped].max(axis=0) > 127
    exact = (
        not wrapped.any()
        and bool((sq < 2.0**52).all())
        and np.array_equal(counts @ (vals * vals), sq)
    )
    return _from_codes(columns, rows, counts, S) if exact else None


def _complete(
    X: np.ndarray, columns: tuple[str, ...], S: np.ndarray, x8: np.ndarray
) -> ItemMoments:
    """Complete float answers: the int8 codes when exact, else float64 about a centre."""
    out = _exact_codes(X, columns, S, x8)
    if out is not None:
        return out
    rows, k = X.shape
    sq = np.diag(S).copy()
    full = np.full((k, k), float(rows))
    colsum = X.sum(axis=0)
    centre = np.zeros(k)
    var = (sq - colsum * colsum / rows) / max(rows - 1, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.abs(colsum / rows) / np.sqrt(np.where(var > 0, var, np.nan))
    if np.nanmax(ratio, initial=0.0) > 1e3:  # large means relative to the spread: centre
        centre = colsum / rows
        Z = X - centre
        S = Z.T @ Z
        colsum = Z.sum(axis=0)
        sq = np.diag(S).copy()
    values, cnts = general_values(X, None)
    return ItemMoments(
        columns, rows, centre, full, np.repeat(colsum[:, None], k, axis=1),
        np.repeat(sq[:, None], k, axis=1), S, X.min(axis=0), X.max(axis=0), values, cnts,
        False,
    )  # fmt: skip


def _block_products(
    P: np.ndarray, k: int, sq: np.ndarray | None, f64: bool
) -> tuple[np.ndarray, ...]:
    """``Z'Z``, ``Z'M``, ``M'M`` and ``(Z*Z)'M`` (or, without ``sq``, its diagonal)."""
    if f64:
        P = P.astype(np.float64)
        sq = None if sq is None else sq.astype(np.float64)
    if P.flags.f_contiguous:  # BLAS syrk straight on the column-major block (upper half)
        syrk = _blas.ssyrk if P.dtype == np.float32 else _blas.dsyrk
        G = syrk(1.0, P, trans=1)
        G = G + np.triu(G, 1).T
    else:
        G = P.T @ P  # one symmetric product
    if sq is None:  # only the diagonal: sum of squares of each item over its own rows
        ss = np.full((k, k), np.nan)
        np.fill_diagonal(ss, np.diag(G)[:k])
    else:
        ss = sq.T @ P[:, k:]
    return G[:k, :k], G[:k, k:], G[k:, k:], ss


def _missing(
    X: np.ndarray,
    columns: tuple[str, ...],
    integral: bool,
    raw: RawTotals | None = None,
    pairwise_r: bool = True,
) -> ItemMoments:
    """Pairwise sums in row blocks; exact int8 codes in float32 when ``integral``.

    Per block: ``Z`` (codes times the presence mask ``M``, so zeros where missing) and
    the products ``Z'Z``, ``Z'M``, ``M'M``, ``(Z*Z)'M``. The codes are exact when every
    present answer equals its code (counted over the whole pass; otherwise the pass
    restarts in float64). Buffers follow the memory order of ``X`` so that every
    elementwise step runs over contiguous memory. With ``raw`` (known keys), the
    item-total sums are gathered in the same pass. Without ``pairwise_r`` only the
    diagonal of ``(Z*Z)'M`` is formed (the pairwise correlations are then unknown).
    """
    rows, k = X.shape
    dtype = np.float32 if integral else np.float64
    order = "F" if X.flags.f_contiguous and not X.flags.c_contiguous else "C"
    centre = np.zeros(k) if integral else _sample_centre(X)
    sums = [np.zeros((k, k)) for _ in range(4)]  # cross, s, n, ss
    x8 = np.empty(X.shape, dtype=np.int8, order="F") if integral else None
    equal = 0
    for r0 in range(0, rows, _BLOCK):
        xb = X[r0 : r0 + _BLOCK]
        b = xb.shape[0]
        if r0 == 0 or b < _BLOCK:
            c8 = np.empty((b, k), dtype=np.int8, order=order)
            sq = np.empty((b, k), dtype=dtype, order=order)
            if order == "F":  # [Z, M] in one buffer, each a contiguous column block
                P = np.empty((b, 2 * k), dtype=dtype, order="F")
                z, m = P[:, :k], P[:, k:]
            else:  # row-major: separate buffers keep the elementwise steps contiguous,
                # joined for the product
                z, m = (np.empty((b, k), dtype=dtype) for _ in range(2))
        np.equal(xb, xb, out=m)  # presence: NaN is the only value unequal to itself
        if integral:
            with np.errstate(invalid="ignore", over="ignore"):
                np.copyto(c8, xb, casting="unsafe")
            np.multiply(c8, m, out=z)  # codes, 0 where missing (whatever NaN cast to)
            equal += np.count_nonzero(np.equal(xb, z))
            np.copyto(x8[r0 : r0 + b], z, casting="unsafe")
        else:
            np.subtract(xb, centre, out=z)
            np.copyto(z, 0.0, where=np.isnan(xb))
        if pairwise_r:
            np.multiply(z, z, out=sq)
            big = float(sq.max())
        else:
            big = max(float(z.max()), -float(z.min())) ** 2
        wide = integral and big * b >= _F32_EXACT
        block = P if order == "F" else np.concatenate([z, m], axis=1)
        products = _block_products(block, k, sq if pairwise_r else None, wide)
        for acc, part in zip(sums, products, strict=True):
            acc += part
        if integral and raw is not None:
            raw = raw.add_block(z, m)
    cross, s, n, SS = sums
    G = np.concatenate([cross, s, n])
    if integral and equal != round(np.trace(n)):  # some answer is not an int8 integer
        return _missing(X, columns, False, None, pairwise_r)
    if not np.isfinite(G).all():
        bad = int(np.flatnonzero(~np.isfinite(np.diag(cross)))[0])
        msg = (
            f"column {columns[bad]!r} of data has infinite values; replace them by NaN "
            "(missing) or valid answers."
        )
        raise DataError(msg)
    if integral:
        counts = code_counts(x8, rows - np.rint(np.diag(n)).astype(np.int64))
        values, cnts, lo, hi = table_values(counts)
    else:
        values, cnts = general_values(X, np.isnan(X))
        with np.errstate(invalid="ignore"):
            lo, hi = np.fmin.reduce(X, axis=0), np.fmax.reduce(X, axis=0)
        lo, hi = np.where(np.isnan(lo), np.inf, lo), np.where(np.isnan(hi), -np.inf, hi)
    return ItemMoments(
        columns, rows, centre, n, s, SS, cross, lo, hi, values, cnts, integral,
        raw if integral else None,
    )  # fmt: skip


def _sample_centre(X: np.ndarray) -> np.ndarray:
    """A shift near the column means from the first rows (conditioning only)."""
    head = X[:4096]
    ok = ~np.isnan(head)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(ok, head, 0.0).sum(axis=0) / ok.sum(axis=0)
    return np.where(np.isfinite(centre), centre, 0.0)


def _from_codes(
    columns: tuple[str, ...], rows: int, counts: np.ndarray, S: np.ndarray
) -> ItemMoments:
    """Moments of complete data whose int8 codes are exact (counts and ``X'X`` given)."""
    k = len(columns)
    vals = np.arange(-128, 128, dtype=np.int64)
    colsum = (counts @ vals).astype(float)
    sq = np.diag(S).copy()
    values, cnts, lo, hi = table_values(counts)
    return ItemMoments(
        columns, rows, np.zeros(k), np.full((k, k), float(rows)),
        np.repeat(colsum[:, None], k, axis=1), np.repeat(sq[:, None], k, axis=1), S, lo, hi,
        values, cnts, True,
    )  # fmt: skip


def _one(
    X: np.ndarray, columns: tuple[str, ...], raw: RawTotals | None, pairwise_r: bool
) -> ItemMoments:
    if X.dtype.kind in "iu":  # integer dtype (never missing): exact codes when within int8
        if X.size:
            out = _exact_codes(X, columns, *gram_and_codes(X))
            if out is not None:
                return out
        X = X.astype(np.float64)
    if not np.isnan(X[:_BLOCK].sum()):  # no missing answer in the first rows: try X'X
        S, x8 = gram_and_codes(X)  # NaN or inf in a column make its diagonal non-finite
        if np.isfinite(np.diag(S)).all():
            return _complete(X, columns, S, x8)
    return _missing(X, columns, True, raw, pairwise_r)


def array_moments(
    X: np.ndarray,
    columns: Sequence[str],
    *,
    split: bool = True,
    sign: np.ndarray | None = None,
    pairwise_r: bool = True,
) -> ItemMoments:
    """:class:`ItemMoments` of a float matrix (rows = respondents, NaN = missing).

    With ``split`` and at least ``SPLIT`` rows, the two halves are summarised on two
    threads and merged (the split depends on the size only, so results are
    reproducible on any machine). With ``sign`` (the keys, +1/-1 per column), the sums
    for the item-total correlations are gathered in the same pass when answers are
    missing (``ItemMoments.totals``). Without ``pairwise_r``, ``ss`` holds only its
    diagonal (NaN elsewhere): enough for the covariances and item statistics, not for
    pairwise correlations (saves a third of the products with missing answers).
    """
    columns = tuple(columns)
    rows = X.shape[0]
    raw = None
    if sign is not None:
        gamma = float(np.round(np.mean(sign * _sample_centre(X)))) if rows else 0.0
        raw = RawTotals.empty(np.asarray(sign, dtype=float), gamma)
    with single_threaded_blas():
        if not split or rows < _SPLIT:
            return _one(X, columns, raw, pairwise_r)
        half = rows // 2
        raw_b = None if raw is None else RawTotals.empty(raw.sign, raw.gamma)
        a, b = two_threads(
            lambda: _one(X[:half], columns, raw, pairwise_r),
            lambda: _one(X[half:], columns, raw_b, pairwise_r),
        )
    return a.merge(b)

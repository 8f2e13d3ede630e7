"""Pairwise summaries: cross-products (covariances, correlations) and contingency tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from satscore._core.errors import DataError
from satscore._stream.base import _BLOCK, Keyed

__all__ = ["ContingencyTables", "CrossProducts"]

_ROWS = 1 << 18  # rows per block of the cross-product sums (bounds temporaries)


# ----------------------------------------------------------------------------- cross-products
@dataclasses.dataclass(frozen=True, eq=False)
class CrossProducts(Keyed):
    """Pairwise-complete (or listwise) second moments of p columns, per segment.

    For every pair ``(j, k)`` the rows where both are observed give ``n[j, k]``,
    the mean of column ``j`` on those rows ``mean[j, k]``, its centred sum of
    squares ``m2[j, k]`` and the centred cross-product ``cp[j, k]``. Then
    ``cp / (n - 1)`` is R ``cov(use = "pairwise")`` and ``cp / sqrt(m2 ∘ m2ᵀ)`` is
    R ``cor(use = "pairwise")``. With ``listwise=True`` only complete rows enter.

    Attributes
    ----------
    by, keys, key_dtypes : tuple
        Segments (see :class:`~satscore._stream.base.Keyed`).
    columns : tuple of str
        Items.
    listwise : bool
        Whether incomplete rows were dropped.
    n, mean, m2, cp : ndarray, shape (G, p, p)
        Pairwise counts, means, centred sums of squares and cross-products.
    """

    listwise: bool
    n: np.ndarray
    mean: np.ndarray
    m2: np.ndarray
    cp: np.ndarray
    _arrays: ClassVar[tuple[str, ...]] = ("n", "mean", "m2", "cp")

    def _identity(self) -> tuple[str, ...]:
        return ("by", "columns", "listwise")

    @classmethod
    def from_arrays(
        cls,
        x: np.ndarray,
        segment: np.ndarray,
        keys: tuple[tuple, ...],
        *,
        columns: Sequence[str],
        listwise: bool = False,
        by: Sequence[str] = (),
        key_dtypes: tuple[Any, ...] = (),
    ) -> CrossProducts:
        """Shifted sums per segment (shift: the first rows' means), in row blocks.

        Chunks longer than ``_ROWS`` rows are summarised block by block and merged,
        which bounds the temporaries at a few ``_ROWS x p`` arrays.
        """
        x = np.asarray(x, dtype=float)
        if x.shape[0] > _ROWS:
            parts = [
                cls.from_arrays(
                    x[start : start + _ROWS],
                    segment[start : start + _ROWS],
                    keys,
                    columns=columns,
                    listwise=listwise,
                    by=by,
                    key_dtypes=key_dtypes,
                )
                for start in range(0, x.shape[0], _ROWS)
            ]
            out = parts[0]
            for part in parts[1:]:
                out = out.merge(part)
            return out
        p = x.shape[1]
        g_n = len(keys)
        n, mean, m2, cp = (np.zeros((g_n, p, p)) for _ in range(4))
        obs = ~np.isnan(x)
        keep = segment >= 0
        if listwise:
            keep &= obs.all(axis=1)
        whole = g_n == 1 and bool(keep.all())
        for g in range(g_n):
            if whole:
                xg, og = x, obs
            else:
                rows = keep & (segment == g)
                xg, og = x[rows], obs[rows]
            if xg.shape[0] == 0:
                continue
            mg = og.astype(float)
            head, head_ok = xg[:1024], og[:1024]
            cnt_head = head_ok.sum(axis=0)
            tot = np.where(head_ok, head, 0.0).sum(axis=0)
            shift = np.divide(tot, cnt_head, out=np.zeros(x.shape[1]), where=cnt_head > 0)
            y = np.subtract(xg, shift)  # shifted values; missing -> 0
            np.copyto(y, 0.0, where=~og)
            cnt = mg.T @ mg
            syy = y.T @ y
            sy = y.T @ mg  # sy[j, k] = Σ y_j over rows with j and k observed
            np.square(y, out=y)
            sy2 = y.T @ mg
            with np.errstate(invalid="ignore", divide="ignore"):
                mu = np.where(cnt > 0, sy / cnt, 0.0)
                n[g] = cnt
                mean[g] = shift[:, None] + mu
                m2[g] = np.where(cnt > 0, sy2 - sy * mu, 0.0)
                cp[g] = np.where(cnt > 0, syy - sy * mu.T, 0.0)
        return cls(
            tuple(by), keys, tuple(key_dtypes), tuple(columns), bool(listwise), n, mean, m2, cp
        )

    @classmethod
    def from_frame(
        cls,
        chunk: pd.DataFrame,
        columns: Sequence[str] | None = None,
        *,
        listwise: bool = False,
        by: Sequence[str] = (),
    ) -> CrossProducts:
        """Summary of one chunk (default: every column not in ``by``).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, None], "b": [2.0, 1.0, 4.0, 3.0]})
        >>> cp = CrossProducts.from_frame(df.iloc[:2]) + CrossProducts.from_frame(df.iloc[2:])
        >>> bool((cp.covariance() - df.cov()).abs().max().max() < 1e-12)
        True
        """
        cols = [str(c) for c in chunk.columns if c not in by] if columns is None else columns
        return cls._from_chunk(chunk, cols, by, listwise=listwise)

    def merge(self, other: CrossProducts) -> CrossProducts:
        """Chan et al.'s update applied to every pair."""
        keys, a, b = self._aligned(other)
        na, nb = a["n"], b["n"]
        n = na + nb
        d = b["mean"] - a["mean"]
        dt = np.swapaxes(d, 1, 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(n > 0, nb / n, 0.0)
            both = (na > 0) & (nb > 0)
            mean = np.where(na > 0, a["mean"] + d * frac, b["mean"])
            m2 = a["m2"] + b["m2"] + np.where(both, d * d * na * frac, 0.0)
            cp = a["cp"] + b["cp"] + np.where(both, d * dt * na * frac, 0.0)
        return dataclasses.replace(self, keys=keys, n=n, mean=mean, m2=m2, cp=cp)

    def _g(self, segment: int) -> int:
        if not 0 <= segment < len(self.keys):
            msg = f"segment index {segment} out of range (0..{len(self.keys) - 1})."
            raise DataError(msg)
        return segment

    def covariance(self, segment: int = 0, *, ddof: int = 1) -> pd.DataFrame:
        """Covariance matrix (divisor ``n - ddof``; NaN where a pair has too few rows)."""
        g = self._g(segment)
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = np.where(self.n[g] > ddof, self.cp[g] / (self.n[g] - ddof), np.nan)
        return pd.DataFrame(cov, index=list(self.columns), columns=list(self.columns))

    def correlation(self, segment: int = 0) -> pd.DataFrame:
        """Pearson correlations (pairwise-complete means and standard deviations)."""
        g = self._g(segment)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = self.cp[g] / np.sqrt(self.m2[g] * self.m2[g].T)
        r = np.where(self.n[g] > 1, r, np.nan)
        r = np.clip(r, -1.0, 1.0)
        return pd.DataFrame(r, index=list(self.columns), columns=list(self.columns))

    def means(self, segment: int = 0) -> pd.Series:
        """Mean of each column over all its observed rows."""
        g = self._g(segment)
        return pd.Series(np.diagonal(self.mean[g]).copy(), index=list(self.columns))

    def counts(self, segment: int = 0) -> np.ndarray:
        """Pairwise counts (p, p) (all equal to the complete rows when listwise)."""
        return self.n[self._g(segment)].copy()


# ----------------------------------------------------------------------------- contingency
@dataclasses.dataclass(frozen=True, eq=False)
class ContingencyTables(Keyed):
    """Two-way tables of observed categories of every pair of columns, per segment.

    Attributes
    ----------
    by, keys, key_dtypes : tuple
        Segments (see :class:`~satscore._stream.base.Keyed`).
    columns : tuple of str
        Items.
    categories : tuple of tuple of float
        Observed values of each item (sorted).
    table : ndarray of int64, shape (G, K, K)
        Block ``(j, k)`` (rows/columns ``offsets[j]:offsets[j+1]``) is the table of
        item ``j`` by item ``k`` over rows where both are observed; the diagonal
        block of item ``j`` holds its one-way counts on the diagonal.
    """

    categories: tuple[tuple[float, ...], ...]
    table: np.ndarray
    _arrays: ClassVar[tuple[str, ...]] = ("table",)

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum([len(c) for c in self.categories])]).astype(np.int64)

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
    ) -> ContingencyTables:
        """All two-way tables at once: ``Oᵀ O`` of the one-hot matrix ``O``, in row blocks."""
        x = np.asarray(x, dtype=float)
        p = x.shape[1]
        cats = tuple(tuple(float(v) for v in np.unique(x[~np.isnan(x[:, j]), j])) for j in range(p))
        sizes = [len(c) for c in cats]
        off = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        k_tot = int(off[-1])
        g_n = len(keys)
        table = np.zeros((g_n, k_tot, k_tot), dtype=np.int64)
        idx = np.full(x.shape, -1, dtype=np.int64)
        for j in range(p):
            ok = ~np.isnan(x[:, j])
            idx[ok, j] = np.searchsorted(np.asarray(cats[j]), x[ok, j]) + off[j]
        for g in range(g_n):
            rows = np.flatnonzero(segment == g)
            for start in range(0, rows.size, _BLOCK):
                blk = idx[rows[start : start + _BLOCK]]
                onehot = np.zeros((blk.shape[0], k_tot), dtype=np.float32)
                r, c = np.nonzero(blk >= 0)
                onehot[r, blk[r, c]] = 1.0
                table[g] += np.rint(onehot.T @ onehot).astype(np.int64)
        return cls(tuple(by), keys, tuple(key_dtypes), tuple(columns), cats, table)

    @classmethod
    def from_frame(
        cls,
        chunk: pd.DataFrame,
        columns: Sequence[str] | None = None,
        *,
        by: Sequence[str] = (),
    ) -> ContingencyTables:
        """Summary of one chunk (default: every column not in ``by``).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"a": [1, 2, 2, 1], "b": [1, 1, 2, None]})
        >>> t = ContingencyTables.from_frame(df)
        >>> t.pair("a", "b")[2].tolist()
        [[1, 0], [1, 1]]
        """
        cols = [str(c) for c in chunk.columns if c not in by] if columns is None else columns
        return cls._from_chunk(chunk, cols, by)

    def merge(self, other: ContingencyTables) -> ContingencyTables:
        """Tables of the union of rows (categories are unioned item by item)."""
        self._check_compatible(other)
        cats = tuple(
            tuple(sorted(set(a) | set(b)))
            for a, b in zip(self.categories, other.categories, strict=True)
        )
        off = np.concatenate([[0], np.cumsum([len(c) for c in cats])]).astype(np.int64)

        def remap(src: ContingencyTables) -> np.ndarray:
            pos = np.concatenate(
                [
                    np.searchsorted(np.asarray(cats[j]), np.asarray(src.categories[j])) + off[j]
                    for j in range(len(cats))
                ]
            ).astype(np.int64)
            out = np.zeros((src.table.shape[0], int(off[-1]), int(off[-1])), dtype=np.int64)
            out[:, pos[:, None], pos[None, :]] = src.table
            return out

        a = dataclasses.replace(self, categories=cats, table=remap(self))
        b = dataclasses.replace(other, categories=cats, table=remap(other))
        keys, aa, bb = a._aligned(b)
        return dataclasses.replace(a, keys=keys, table=aa["table"] + bb["table"])

    def pair(
        self, a: str, b: str, segment: int = 0
    ) -> tuple[tuple[float, ...], tuple[float, ...], np.ndarray]:
        """(categories of ``a``, categories of ``b``, table) over rows where both are observed."""
        i, j = self.columns.index(a), self.columns.index(b)
        off = self.offsets
        tab = self.table[segment, off[i] : off[i + 1], off[j] : off[j + 1]].copy()
        return self.categories[i], self.categories[j], tab

    def marginal(self, column: str, segment: int = 0) -> tuple[tuple[float, ...], np.ndarray]:
        """(categories, counts) of one item over all rows where it is observed."""
        j = self.columns.index(column)
        off = self.offsets
        block = self.table[segment, off[j] : off[j + 1], off[j] : off[j + 1]]
        return self.categories[j], np.diagonal(block).copy()

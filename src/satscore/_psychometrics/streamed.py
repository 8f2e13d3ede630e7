"""Psychometrics from streamed chunks: the inputs of EFA, polychoric and alpha from summaries.

Each function returns exactly what the in-memory preparation step returns, so the fitting code
downstream is shared:

* :func:`efa_inputs` -- the Pearson correlation matrix, pairwise counts and number of rows of
  ``efa`` (R ``cor(use = "pairwise")`` or complete cases), from
  :class:`~satscore._stream.summaries.CrossProducts`; :class:`ListwiseChunks` drops incomplete
  rows chunk by chunk (polychoric EFA with ``missing="listwise"``);
* :func:`polychoric_tables` -- all pairwise contingency tables of ``polychoric`` on a common
  category grid, from :class:`~satscore._stream.pairs.ContingencyTables`;
* :func:`alpha_items` (from :mod:`satscore._psychometrics.streamed_alpha`) --
  ``cronbach_alpha``'s prepared items.

CFA's streamed sample moments live with the CFA, in :mod:`satscore._sem.streamed`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DataError
from satscore._psychometrics.streamed_alpha import alpha_items
from satscore._stream.base import Bundle, check_numeric_chunk, float_matrix
from satscore._stream.chunks import iter_chunks
from satscore._stream.pairs import ContingencyTables
from satscore._stream.reduce import reduce_summaries
from satscore._stream.summaries import CrossProducts

__all__ = ["ListwiseChunks", "alpha_items", "efa_inputs", "polychoric_tables"]


def _reduce_items(data: Any, summarize: Any) -> tuple[Any, int]:
    """The one summary of every chunk merged, and the number of rows; at least two items."""
    total = reduce_summaries(data, summarize)
    summary = total.parts[0]
    if len(summary.columns) < 2:
        msg = f"data has {len(summary.columns)} item column(s); at least 2 are required."
        raise DataError(msg)
    return summary, int(total.rows)


# ----------------------------------------------------------------------------- EFA
class ListwiseChunks:
    """Chunks with incomplete rows dropped (re-iterable when the source is)."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def __iter__(self) -> Any:
        return (c.dropna() for c in iter_chunks(self.source))


def efa_inputs(data: Any, *, missing: str) -> tuple[pd.DataFrame, np.ndarray, int]:
    """``(R, pairwise counts, n_rows)`` of Pearson correlations as ``efa``'s preparation."""

    def summarize(chunk: pd.DataFrame, number: int) -> Bundle:
        cols = [str(c) for c in chunk.columns]
        check_numeric_chunk(chunk, cols, number, "data")
        cp = CrossProducts.from_frame(chunk, cols, listwise=missing == "listwise")
        return Bundle((cp,), len(chunk))

    cp, rows = _reduce_items(data, summarize)
    cols = list(cp.columns)
    counts = cp.counts()
    empty = [c for i, c in enumerate(cols) if counts[i, i] == 0 and missing == "pairwise"]
    if empty:
        msg = f"column {empty[0]!r} of data has no non-missing values; drop it."
        raise DataError(msg)
    n_rows = int(counts[0, 0]) if missing == "listwise" else rows
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


# ----------------------------------------------------------------------------- polychoric
def polychoric_tables(data: Any, max_categories: int) -> tuple[list[str], np.ndarray, int, int]:
    """``(names, T, n, m)``: all pairwise tables on a common grid, as ``polychoric`` in memory.

    ``T[i, j]`` is the ``m x m`` table of items ``i`` and ``j`` over the rows where both
    are answered, categories ``lo..hi`` of all items (``m = hi - lo + 1``).
    """

    def summarize(chunk: pd.DataFrame, number: int) -> Bundle:
        cols = [str(c) for c in chunk.columns]
        check_numeric_chunk(chunk, cols, number, "data")
        x = float_matrix(chunk, cols)
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
        return Bundle((ContingencyTables.from_arrays(x, zero, ((),), columns=cols),), len(x))

    ct, rows = _reduce_items(data, summarize)
    names = list(ct.columns)
    if rows < 3:
        msg = f"data has {rows} row(s); at least 3 respondents are required."
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
    return names, T, rows, m

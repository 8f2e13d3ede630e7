"""``cronbach_alpha`` from streamed chunks or a Dask frame: the in-memory core on merged moments.

Each chunk is summarised by the same
:func:`~satscore._psychometrics.alpha_moments.array_moments` as a frame in memory; the
merged :class:`~satscore._psychometrics.alpha_moments.ItemMoments` go through the same
:func:`~satscore._psychometrics.alpha_items.prepare_from_moments`, so chunked and in-memory
results agree by construction. The correlation of each item with the row-mean total
(psych ``raw.r``) uses the rows where both are present, which needs the keying; with
missing answers that takes a second pass over the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import ChunkError, DataError
from satscore._psychometrics.alpha_items import PreparedItems, prepare_from_moments
from satscore._psychometrics.alpha_moments import array_moments
from satscore._psychometrics.alpha_totals import TotalSums, total_sums
from satscore._stream.base import Bundle, check_numeric_chunk, float_matrix
from satscore._stream.chunks import is_reiterable
from satscore._stream.reduce import reduce_summaries

__all__ = ["alpha_items"]


def alpha_items(
    data: Any,
    *,
    keys: Iterable[Any] | None,
    check_keys: bool,
    scale_range: tuple[float, float] | None,
    missing: str,
) -> PreparedItems:
    """``cronbach_alpha``'s prepared items from chunks.

    Returns
    -------
    satscore._psychometrics.alpha_items.PreparedItems
        Keyed covariance and item statistics of the merged chunk summaries.
    """
    listwise = missing == "listwise"

    def summarize(chunk: pd.DataFrame, number: int) -> Bundle:
        cols = [str(c) for c in chunk.columns]
        check_numeric_chunk(chunk, cols, number, "data")
        x = float_matrix(chunk, cols)
        if listwise:
            x = x[~np.isnan(x).any(axis=1)]
        moments = array_moments(x, cols, split=False, pairwise_r=check_keys)
        return Bundle((moments,), x.shape[0])

    total = reduce_summaries(data, summarize)
    mom = total.parts[0]
    if total.rows < 3:
        what = "complete " if listwise else ""
        msg = f"only {total.rows} {what}row(s); at least 3 respondents are required" + (
            " with missing='listwise'. Use missing='pairwise'." if listwise else "."
        )
        raise DataError(msg)
    names = list(mom.columns)

    def totals(cols: np.ndarray, sign: np.ndarray, offset: np.ndarray, centre: np.ndarray):
        return _total_pass(data, [names[i] for i in cols], sign, offset, centre, listwise)

    return prepare_from_moments(
        mom, keys=keys, check_keys=check_keys, scale_range=scale_range, totals=totals
    )


def _total_pass(
    data: Any,
    names: list[str],
    sign: np.ndarray,
    offset: np.ndarray,
    centre: np.ndarray,
    listwise: bool,
) -> TotalSums:
    """Second pass: sums for the correlation of each keyed item with the row-mean total."""
    if not is_reiterable(data):
        msg = (
            "alpha with missing answers needs a second pass over the data (item-total "
            "correlations on the rows where both are present), but the data is a one-shot "
            "iterator. Pass a list of chunks, a dask DataFrame or a function returning a "
            "fresh iterator, e.g. lambda: pd.read_csv(path, chunksize=100_000)."
        )
        raise ChunkError(msg)

    def summarize(chunk: pd.DataFrame, number: int) -> Bundle:
        x = float_matrix(chunk, names)
        if listwise:
            x = x[~np.isnan(x).any(axis=1)]
        return Bundle((total_sums(x, sign, offset, centre, split=False),), x.shape[0])

    return reduce_summaries(data, summarize).parts[0]

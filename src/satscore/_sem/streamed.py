"""CFA sample moments from streamed chunks or a dask DataFrame, in one pass of summaries.

:func:`cfa_moments` returns exactly what :func:`satscore._sem.data.prepare_moments` returns for
the same rows in memory -- group-wise listwise :class:`~satscore._sem.moments.SampleMoments`
(N, means, covariance with divisor N), groups in order of first appearance (or category
order), and the number of rows dropped -- so the fit downstream is shared. The summaries are
:class:`~satscore._stream.summaries.CrossProducts` per group, plus the position where each group
first appears and per-item answer counts.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from satscore._core.checks import check_columns
from satscore._core.errors import DataError, OptionError
from satscore._sem.moments import SampleMoments, check_group_size, sample_moments
from satscore._sem.syntax import ParsedModel
from satscore._stream.base import Bundle, Keyed, check_numeric_chunk, float_matrix, segment_keys
from satscore._stream.chunks import is_dask
from satscore._stream.reduce import reduce_summaries
from satscore._stream.summaries import CrossProducts, Moments

__all__ = ["cfa_moments", "check_model_columns"]


def check_model_columns(
    columns: list[str], items: list[str], group: str | None, *, chunk: int | None = None
) -> None:
    """Raise :class:`DataError` for a model item or the group column missing from *columns*."""
    where = "a column of data" + (f" (chunk {chunk})" if chunk is not None else "")
    absent = [i for i in items if i not in columns]
    others = f"; other missing items: {absent[1:]}" if len(absent) > 1 else ""
    check_columns(
        columns, items, what="item", where=where, fix=f"fix the model or rename the column{others}"
    )
    if group is not None:
        check_columns(
            columns,
            [group],
            what="group column",
            where="in data",
            fix="pass group=<an existing column>",
        )


@dataclasses.dataclass(frozen=True, eq=False)
class _FirstSeen(Keyed):
    """Position (chunk, row) at which each segment first appears (merged: the minimum)."""

    first: np.ndarray
    _arrays: ClassVar[tuple[str, ...]] = ("first",)
    _merge_ops: ClassVar[dict[str, np.ufunc]] = {"first": np.minimum}


def cfa_moments(
    data: Any, pm: ParsedModel, *, group: str | None, missing: str = "listwise"
) -> tuple[list[SampleMoments], tuple, int]:
    """``(moments, groups, n_dropped)`` as :func:`~satscore._sem.data.prepare_moments`.

    Raises
    ------
    OptionError
        ``missing`` other than ``"listwise"`` (FIML needs the rows in memory).
    DataError
        As in memory: an absent or empty item, a constant item, a non-positive-definite
        covariance matrix, or a group with fewer complete rows than items + 1.
    """
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

    def summarize(chunk: pd.DataFrame, number: int) -> Bundle:
        check_model_columns([str(c) for c in chunk.columns], items, group, chunk=number)
        check_numeric_chunk(chunk, items, number, "data")
        categorical = group is not None and isinstance(chunk[group].dtype, pd.CategoricalDtype)
        if categorical and not cat_order:
            cat_order.extend(chunk[group].cat.categories)
        x = float_matrix(chunk, items)
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
        return Bundle((cp, seen, observed), len(chunk))

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
        check_group_size(ng, p, where)
        kept += ng
        mean = np.diagonal(cp.mean[g]).copy()
        cov = cp.cp[g] / ng
        cov = (cov + cov.T) / 2.0
        moments.append(sample_moments(ng, mean, cov, items, where))
    return moments, tuple(labels), int(total.rows - kept)

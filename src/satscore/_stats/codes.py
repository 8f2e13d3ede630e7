"""Integer codes of crossed stratum columns: one code per row, strata in sorted order.

The quarterly planner (:mod:`satscore._sampling`) and the survey design
(:mod:`satscore._survey.build`) both number their strata here, so a stratum has the same
code, and the key table the same row order, wherever it is used: strata are the observed
combinations of the columns, sorted lexicographically by the columns in the order given
(each column by its sorted values; a categorical column by its category order).
:func:`crossed_codes` is that coding; the segments of scoring and of the mergeable
summaries (:func:`satscore._stats.grouped.segment_codes`) use it too, with code ``-1`` for
a row with a missing value instead of an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from satscore._core.errors import DesignError

__all__ = ["crossed_codes", "stratum_codes"]


def crossed_codes(
    frame: pd.DataFrame | Mapping[str, pd.Series], columns: Sequence[str]
) -> tuple[np.ndarray, pd.DataFrame]:
    """Crossed code per row (observed combinations, sorted) and the key table; missing -> -1.

    The one coding core of :func:`stratum_codes` (which first rejects missing values) and
    :func:`satscore._stats.grouped.segment_codes` (rows with a missing value in any column
    get code ``-1``, in no combination). Combinations are sorted lexicographically by the
    columns in the order given, each column by its sorted values (a categorical column by
    its category order). Without columns every row has code 0 and the key table is one
    row without columns.

    Examples
    --------
    >>> frame = pd.DataFrame({"q": ["Q2", "Q1", "Q2", None], "b": ["x", "x", "y", "y"]})
    >>> codes, keys = crossed_codes(frame, ["q", "b"])
    >>> codes.tolist(), list(keys.itertuples(index=False, name=None))
    ([1, 0, 2, -1], [('Q1', 'x'), ('Q2', 'x'), ('Q2', 'y')])
    """
    cols = list(columns)
    if not cols:
        n = len(frame) if isinstance(frame, pd.DataFrame) else 0
        return np.zeros(n, dtype=np.int64), pd.DataFrame(index=pd.RangeIndex(1))
    parts = [pd.factorize(frame[col], sort=True, use_na_sentinel=True) for col in cols]
    if len(parts) == 1:
        c, uniq = parts[0]
        return c.astype(np.int64), pd.DataFrame({cols[0]: np.asarray(uniq)})
    codes_list = [c.astype(np.int64) for c, _ in parts]
    missing = np.zeros(len(codes_list[0]), dtype=bool)
    for c in codes_list:
        missing |= c < 0
    dims = tuple(max(len(u), 1) for _, u in parts)  # mixed radix, last column fastest
    flat = np.ravel_multi_index(tuple(np.where(missing, 0, c) for c in codes_list), dims)
    inverse, used = pd.factorize(flat[~missing], sort=True)
    out = np.full(len(flat), -1, dtype=np.int64)
    out[~missing] = inverse
    combos = np.unravel_index(np.asarray(used, dtype=np.intp), dims)
    keys = {col: np.asarray(u)[p] for col, (_, u), p in zip(cols, parts, combos, strict=True)}
    return out, pd.DataFrame(keys)


def stratum_codes(
    frame: pd.DataFrame | Mapping[str, pd.Series],
    columns: Sequence[str],
    *,
    what: str = "stratum",
    unit: str = "row",
    unused_categories: str = "ignore",
) -> tuple[np.ndarray, pd.DataFrame]:
    """Crossed stratum code per row (sorted strata) and the key table, one row per stratum.

    Parameters
    ----------
    frame : pandas.DataFrame or mapping of column -> Series
        The stratum columns (all of the same length).
    columns : sequence of str
        Stratum columns, crossed; at least one.
    what : str, default "stratum"
        What the caller calls a stratum column in messages (``"strata"`` for a design).
    unit : str, default "row"
        What a row is, in messages (``"customer"``).
    unused_categories : {"ignore", "raise"}, default "ignore"
        A categorical column with a category no row has: leave it out of the strata, or
        raise :class:`~satscore.errors.DesignError` (a stratum with zero population).

    Returns
    -------
    codes : ndarray of int64
        Stratum of each row, ``0 .. n_strata - 1`` in the key table's order.
    keys : pandas.DataFrame
        One row per observed stratum, one column per stratum column.

    Raises
    ------
    DesignError
        A stratum column has missing values (naming the column, the count and the first
        rows), or an unused category with ``unused_categories="raise"``.

    Examples
    --------
    >>> frame = pd.DataFrame({"region": ["N", "S", "N", "S"], "segment": [2, 1, 1, 1]})
    >>> h, keys = stratum_codes(frame, ["region", "segment"], unit="customer")
    >>> h.tolist(), list(keys.itertuples(index=False, name=None))
    ([1, 2, 0, 2], [('N', 1), ('N', 2), ('S', 1)])
    """
    cols = list(columns)
    for col in cols:
        series = frame[col]
        if unused_categories == "raise" and isinstance(series.dtype, pd.CategoricalDtype):
            unused = set(series.cat.categories) - set(series.dropna().unique())
            if unused:
                msg = (
                    f"{what} {sorted(map(str, unused))[0]!r} of column {col!r} has zero "
                    "population (an unused category); drop it with "
                    "frame[col].cat.remove_unused_categories()."
                )
                raise DesignError(msg)
        missing = series.isna().to_numpy()
        if missing.any():
            rows = np.flatnonzero(missing)[:5].tolist()
            msg = (
                f"{what} column {col!r} has missing values ({int(missing.sum())} rows, first "
                f"rows {rows}); every {unit} needs a {what} value. Fill them (e.g. 'unknown') "
                "or drop those rows."
            )
            raise DesignError(msg)
    return crossed_codes(frame, cols)

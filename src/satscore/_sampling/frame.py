"""Reading the customer frame (or one chunk of it): active rows, ids, PRNs, duplicate ids.

Both planners read every frame or chunk with these functions, so the checks and their
messages are the same in memory, on chunks and on Dask partitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satscore._core.errors import DesignError
from satscore._sampling.options import PlanOptions
from satscore._sampling.selection import shifted
from satscore._stats.prn import id_bytes, prn

__all__ = ["active_rows", "has_duplicates", "rows", "shifted_prns"]


def active_rows(part: pd.DataFrame, active: str | None) -> np.ndarray | None:
    """Mask of the active rows (None: every row), from the boolean column ``active``."""
    if active is None or active not in part.columns:
        return None
    flag = part[active]
    if flag.isna().any():
        msg = f"active column {active!r} has missing values; mark every customer True/False."
        raise DesignError(msg)
    keep = flag.to_numpy(dtype=bool)
    return None if keep.all() else keep


def rows(series: pd.Series, keep: np.ndarray | None) -> pd.Series:
    """The active rows of a column, positionally indexed (no index take)."""
    return series.reset_index(drop=True) if keep is None else pd.Series(series.array[keep])


def shifted_prns(
    part: pd.DataFrame, ids: pd.Series, keep: np.ndarray | None, opts: PlanOptions
) -> tuple[np.ndarray, np.ndarray]:
    """PRNs ``u`` of the active rows and the quarter's shifted numbers ``v`` (excluded: inf).

    ``u`` is hashed from ``ids`` (the active rows' ids) or read from ``opts.prn_column``.
    """
    if ids.isna().any():
        msg = f"id column {opts.id_column!r} has {int(ids.isna().sum())} missing id(s); drop them."
        raise DesignError(msg)
    if opts.prn_column is None:
        u = prn(ids, opts.salt)
    else:
        col = part[opts.prn_column] if keep is None else part[opts.prn_column][keep]
        u = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        if not ((u >= 0) & (u < 1)).all():
            msg = f"prn_column {opts.prn_column!r} must hold numbers in [0, 1) for every customer."
            raise DesignError(msg)
    v = shifted(u, opts.shift)
    if opts.excluded is not None:
        v[ids.isin(opts.excluded).to_numpy()] = np.inf
    return u, v


def has_duplicates(ids: pd.Series, u: np.ndarray, *, check_all: bool) -> bool:
    """Whether ``ids`` has a repeated value (exact), screened by a vectorised key.

    Duplicate ids share a PRN, so with hashed PRNs only ids with a repeated PRN need
    the exact check. With stored PRNs (``check_all``) the screen is a 64-bit
    polynomial hash of each id's bytes; ids whose hash repeats are compared exactly.

    Examples
    --------
    >>> ids = pd.Series(["a", "b", "a"])
    >>> has_duplicates(ids, np.zeros(3), check_all=True)
    True
    """
    if check_all:
        key = _byte_key(ids)
        if key is None:
            return not ids.is_unique
    else:
        key = u
    sk = np.sort(key)
    repeated = sk[1:][sk[1:] == sk[:-1]]
    if repeated.size == 0:
        return False
    cand = ids[np.isin(key, repeated)]
    return not cand.is_unique


def _byte_key(ids: pd.Series) -> np.ndarray | None:
    """64-bit polynomial hash of each id's UTF-8 bytes and length (None: ids not text/ints)."""
    try:
        codes, lengths = id_bytes(ids)
    except (TypeError, ValueError):
        return None
    key = lengths.astype(np.uint64)
    mult = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for j in range(codes.shape[1]):
            key *= mult
            key += codes[:, j]
    return key

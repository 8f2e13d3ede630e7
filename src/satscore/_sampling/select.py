"""Helpers of :func:`satscore.plan_quarterly_sample`: stratum codes, PRN selection, top-up."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_probability
from satscore._core.errors import DesignError, OptionError
from satscore._stats.prn import prn

__all__ = [
    "has_duplicates",
    "label",
    "per_stratum",
    "prns",
    "shifted",
    "smallest_per_stratum",
    "stratum_codes",
    "top_up",
]


def stratum_codes(frame: Any, cols: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Crossed stratum code per row (sorted strata) and keys; ``frame`` maps column -> Series."""
    codes = np.zeros(len(frame[cols[0]]), dtype=np.int64)
    keys: dict[str, Any] = {}
    radix = 1
    parts = []
    for col in cols:
        series = frame[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            unused = set(series.cat.categories) - set(series.dropna().unique())
            if unused:
                msg = (
                    f"stratum {sorted(map(str, unused))[0]!r} of column {col!r} has zero "
                    "population (an unused category); drop it with "
                    "frame[col].cat.remove_unused_categories()."
                )
                raise DesignError(msg)
        if series.isna().any():
            msg = (
                f"stratum column {col!r} has {int(series.isna().sum())} missing value(s); every "
                "customer needs a stratum. Fill them (e.g. 'unknown') or drop those rows."
            )
            raise DesignError(msg)
        c, uniq = pd.factorize(series, sort=True)
        parts.append((c, uniq))
    if len(parts) == 1:
        c, uniq = parts[0]
        return c.astype(np.int64, copy=False), pd.DataFrame({cols[0]: np.asarray(uniq)})
    for c, uniq in reversed(parts):
        codes += c.astype(np.int64) * radix
        radix *= len(uniq)
    first, comb = pd.factorize(codes, sort=True)
    for col, (c, uniq) in zip(cols, parts, strict=True):
        rep = np.zeros(len(comb), dtype=np.int64)
        rep[first] = c
        keys[col] = np.asarray(uniq)[rep]
    return first.astype(np.int64, copy=False), pd.DataFrame(keys)


def per_stratum(
    value: Any, name: str, keys: pd.DataFrame, cols: list[str], *, closed_high: bool
) -> np.ndarray:
    if isinstance(value, (dict, pd.Series)):
        labels = [tuple(r) if len(cols) > 1 else r[0] for r in keys.itertuples(index=False)]
        mapping = dict(value)
        unknown = [k for k in mapping if k not in labels]
        if unknown:
            msg = (
                f"{name} names stratum {unknown[0]!r}, which has zero population in the frame "
                f"(strata: {labels[:8]}). Remove it or check the stratum labels."
            )
            raise DesignError(msg)
        missing = [lab for lab in labels if lab not in mapping]
        if missing:
            msg = f"{name} has no value for stratum {missing[0]!r}; give every stratum a value."
            raise OptionError(msg)
        return np.array(
            [check_probability(f"{name}[{lab!r}]", mapping[lab], closed_high=closed_high)
             for lab in labels]
        )  # fmt: skip
    p = check_probability(name, value, closed_high=closed_high)
    return np.full(keys.shape[0], p)


def has_duplicates(ids: pd.Series, u: np.ndarray, *, check_all: bool) -> bool:
    """Whether ``ids`` has a repeated value (exact), screened by a vectorised key.

    Duplicate ids share a PRN, so with hashed PRNs only ids with a repeated PRN need
    the exact check. With stored PRNs (``check_all``) the screen is a 64-bit
    polynomial hash of each id's bytes; ids whose hash repeats are compared exactly.
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
    from satscore._stats.prn import _id_bytes

    try:
        codes, lengths = _id_bytes(ids)
    except (TypeError, ValueError):
        return None
    key = lengths.astype(np.uint64)
    mult = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for j in range(codes.shape[1]):
            key *= mult
            key += codes[:, j]
    return key


def label(keys: pd.DataFrame, k: int) -> Any:
    row = keys.iloc[int(k)]
    return row.iloc[0] if row.shape[0] == 1 else tuple(row)


def prns(
    frame: pd.DataFrame,
    prn_column: str | None,
    ids: pd.Series,
    salt: str,
    keep: np.ndarray | None = None,
) -> np.ndarray:
    """PRNs of the active rows: hashed from ``ids``, or read from ``prn_column`` of ``frame``."""
    if prn_column is None:
        return prn(ids, salt)
    if prn_column not in frame.columns:
        msg = f"prn_column {prn_column!r} is not in the frame."
        raise DesignError(msg)
    col = frame[prn_column] if keep is None else frame[prn_column][keep]
    u = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    if not ((u >= 0) & (u < 1)).all():
        msg = f"prn_column {prn_column!r} must hold numbers in [0, 1) for every customer."
        raise DesignError(msg)
    return u


def shifted(u: np.ndarray, start: Any) -> np.ndarray:
    """``(u - start) mod 1`` for ``u`` and ``start`` in [0, 1) (the same bits as ``np.mod``).

    ``start`` may be an array (NaN gives NaN). One subtraction and a conditional ``+ 1``:
    for ``|x| < 1``, ``np.mod(x, 1.0)`` is ``x`` or ``x + 1``.
    """
    with np.errstate(invalid="ignore"):
        v = np.subtract(u, start)
        v += v < 0
    return v


def top_up(
    chosen: np.ndarray,
    v: np.ndarray,
    h: np.ndarray,
    size: np.ndarray,
    window: np.ndarray,
    step: float,
) -> int:
    """Add invitations where a PRN window holds fewer than the planned size (in place).

    The extra customers come from the *free arc* of the PRN circle, outside the
    windows of this quarter and of the quarters just before and after it:
    ``[w_h + f, 1 - f)`` in shifted numbers, in increasing order. Consecutive
    quarters therefore still never share a customer (at ``f = 0.30`` the free arc
    is the part of quarters ``q ± 2`` windows, so a topped-up customer is asked
    again after two quarters). Returns the number of top-ups that had to come
    from a neighbouring window because the free arc was exhausted.

    Only the customers within a short distance ``δ_h`` of the arc's start are
    ranked (``δ_h`` holds the missing number plus six standard deviations of the
    PRN count); a stratum where that is not enough is ranked over all its customers.
    """
    n_strata = size.size
    have = np.bincount(h[chosen], minlength=n_strata)
    lacking = size - have
    if not (lacking > 0).any():
        return 0
    start = np.where(lacking > 0, window + step, np.nan)
    start_mod = np.mod(start, 1.0)
    n_h = np.maximum(np.bincount(h, minlength=n_strata), 1)
    spread = 6.0 * np.sqrt(np.maximum(lacking, 0)) + 16.0
    delta = np.where(lacking > 0, (lacking + spread) / n_h, -1.0)
    idx, d = _arc_candidates(chosen, v, h, start_mod, delta, None)
    count = np.bincount(h[idx], minlength=n_strata)
    redo = (lacking > 0) & (count < lacking) & (delta < 1.0)
    if redo.any():  # too few near the arc's start: rank the whole stratum
        delta = np.where(redo, 2.0, -1.0)
        idx2, d2 = _arc_candidates(chosen, v, h, start_mod, delta, redo)
        keep = ~redo[h[idx]]
        idx, d = np.concatenate([idx[keep], idx2]), np.concatenate([d[keep], d2])
    hc = h[idx]
    order = np.lexsort((d, hc))
    idx, d, hc = idx[order], d[order], hc[order]
    first = np.searchsorted(hc, np.arange(n_strata))
    take = (np.arange(hc.size) - first[hc]) < lacking[hc]
    rows = idx[take]
    chosen[rows] = True
    free_len = np.maximum(1.0 - step - start, 0.0)
    return int((d[take] >= free_len[hc[take]]).sum())


def _arc_candidates(
    chosen: np.ndarray,
    v: np.ndarray,
    h: np.ndarray,
    start: np.ndarray,
    delta: np.ndarray,
    only: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Unchosen, eligible rows with arc distance ``(v - start_h) mod 1 < delta_h``."""
    sel = None if only is None else np.flatnonzero(only[h])
    hh = h if sel is None else h[sel]
    vv = v if sel is None else v[sel]
    d = shifted(vv, start[hh])
    with np.errstate(invalid="ignore"):
        ok = d < delta[hh]
    ok &= ~(chosen if sel is None else chosen[sel])
    pos = np.flatnonzero(ok)
    return (pos if sel is None else sel[pos]), d[pos]


def small_codes(codes: np.ndarray, n: int) -> np.ndarray:
    """Codes in the narrowest unsigned type (numpy's stable sort is a radix sort for <= 16 bits)."""
    if n <= 1 << 8:
        return codes.astype(np.uint8)
    if n <= 1 << 16:
        return codes.astype(np.uint16)
    return codes


def smallest_per_stratum(v: np.ndarray, h: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Mask of the ``size[h]`` smallest ``v`` within each stratum (loop over strata only)."""
    order = np.argsort(small_codes(h, size.size), kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(h, minlength=size.size))])
    chosen = np.zeros(v.shape[0], dtype=bool)
    for k in range(size.size):
        idx = order[bounds[k] : bounds[k + 1]]
        m = int(size[k])
        if m <= 0 or idx.size == 0:
            continue
        if m >= idx.size:
            pick = idx
        else:
            pick = idx[np.argpartition(v[idx], m - 1)[:m]]
        chosen[pick[np.isfinite(v[pick])]] = True
    return chosen

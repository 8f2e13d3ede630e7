"""``plan_quarterly_sample`` on a Dask frame (or chunks): allocation from counts, PRN selection
partition by partition, no shuffle.

A customer's permanent random number is a pure function of its id and the salt, so only
per-stratum quantities are global:

1. one reduction counts the active customers and the excluded ones per stratum; the
   allocation (sizes, windows, binding constraints) follows from those counts with the same
   helpers as the in-memory planner (:mod:`satscore._sampling.sizes`);
2. ``selection="window"``: a second reduction counts the customers inside each stratum's
   window and, where a window holds fewer than the planned size, a third one finds the
   ``n_h - have_h`` smallest distances into the free arc (the top-up);
   ``selection="fixed"``: one reduction finds the ``n_h``-th smallest shifted PRN;
3. each partition then keeps its own selected customers (``map_partitions``).

The sample is returned lazily (a Dask frame with the partitions of the input); the
allocation table is computed. The duplicate-id check of the in-memory planner (a global
operation) is not repeated here: deduplicate the frame first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from satscore._core.errors import DesignError, OptionError
from satscore._sampling.allocation import (
    allocate_strata,
    allocation_table,
    check_plan_options,
    spill_caveat,
    windows,
)
from satscore._sampling.select import shifted
from satscore._stats.prn import prn
from satscore._stream.base import _Keyed, segment_keys
from satscore._stream.chunks import is_dask, iter_chunks
from satscore._stream.reduce import PRNThresholds, k_smallest, reduce_summaries

__all__ = ["plan_streamed"]


@dataclasses.dataclass(frozen=True, eq=False)
class _Counts(_Keyed):
    by: tuple[str, ...]
    keys: tuple[tuple, ...]
    key_dtypes: tuple[Any, ...]
    columns: tuple[str, ...]
    pop: np.ndarray
    excl: np.ndarray
    have: np.ndarray
    _arrays: ClassVar[tuple[str, ...]] = ("pop", "excl", "have")

    def merge(self, other: _Counts) -> _Counts:
        self._check_compatible(other)
        keys, a, b = self._aligned(other)
        return dataclasses.replace(self, keys=keys, **{f: a[f] + b[f] for f in self._arrays})


@dataclasses.dataclass(frozen=True)
class _Setup:
    cols: tuple[str, ...]
    id_column: str
    active: str | None
    salt: str
    prn_column: str | None
    excluded: frozenset
    shift: float


def _active_rows(part: pd.DataFrame, s: _Setup) -> pd.DataFrame:
    if s.active is not None and s.active in part.columns:
        flag = part[s.active]
        if flag.isna().any():
            msg = f"active column {s.active!r} has missing values; mark every customer True/False."
            raise DesignError(msg)
        part = part.loc[flag.to_numpy(dtype=bool)]
    return part


def _shifted(part: pd.DataFrame, s: _Setup) -> tuple[np.ndarray, np.ndarray]:
    """(prn u, shifted v with excluded -> inf) of the active rows of a partition."""
    ids = part[s.id_column]
    if ids.isna().any():
        msg = f"id column {s.id_column!r} has {int(ids.isna().sum())} missing id(s); drop them."
        raise DesignError(msg)
    if s.prn_column is None:
        u = prn(ids, s.salt)
    else:
        u = pd.to_numeric(part[s.prn_column], errors="coerce").to_numpy(dtype=float)
        if not ((u >= 0) & (u < 1)).all():
            msg = f"prn_column {s.prn_column!r} must hold numbers in [0, 1) for every customer."
            raise DesignError(msg)
    v = shifted(u, s.shift)
    if s.excluded:
        v = np.where(ids.isin(s.excluded).to_numpy(), np.inf, v)
    return u, v


def _count_pass(part: pd.DataFrame, number: int, s: _Setup, window: Any) -> _Counts:
    part = _active_rows(part, s)
    if s.cols:
        for col in s.cols:
            if part[col].isna().any():
                msg = (
                    f"stratum column {col!r} has {int(part[col].isna().sum())} missing value(s) "
                    f"(chunk {number}); every customer needs a stratum. Fill or drop them."
                )
                raise DesignError(msg)
        seg, keys, dtypes = segment_keys(part, s.cols)
    else:
        seg, keys, dtypes = np.zeros(len(part), dtype=np.int64), ((),), ()
    g_n = len(keys)
    _, v = _shifted(part, s)
    pop = np.bincount(seg, minlength=g_n).astype(float)
    excl = np.bincount(seg, weights=np.isinf(v).astype(float), minlength=g_n)
    have = np.zeros(g_n)
    if window is not None:
        lim = np.array([window.get(k, 0.0) for k in keys])
        have = np.bincount(seg, weights=(v < lim[seg]).astype(float), minlength=g_n)
    return _Counts(s.cols, keys, dtypes, (), pop, excl, have)


def _smallest_pass(
    part: pd.DataFrame, s: _Setup, start: dict, window: dict, k: int
) -> PRNThresholds:
    """k smallest distances ``(v - start_h) mod 1`` of the unchosen, eligible customers."""
    part = _active_rows(part, s)
    seg, keys, dtypes = (
        segment_keys(part, s.cols) if s.cols else (np.zeros(len(part), np.int64), ((),), ())
    )
    g_n = len(keys)
    _, v = _shifted(part, s)
    st = np.array([start.get(key, np.nan) for key in keys])
    win = np.array([window.get(key, 0.0) for key in keys])
    ok = ~np.isnan(st[seg]) & np.isfinite(v) & ~(v < win[seg])
    d = shifted(v, np.mod(st, 1.0)[seg])
    smallest = k_smallest(d[ok], seg[ok], g_n, k)
    count = np.bincount(seg[ok], minlength=g_n).astype(float)
    return PRNThresholds(s.cols, keys, dtypes, (), count, smallest)


def _select(
    part: pd.DataFrame, s: _Setup, rule: dict[tuple, tuple], out_cols: Sequence[str]
) -> pd.DataFrame:
    """Rows of a partition that are selected; rule[key] = (window, start, limit, pi, w, N)."""
    part = _active_rows(part, s)
    seg, keys, _ = (
        segment_keys(part, s.cols) if s.cols else (np.zeros(len(part), np.int64), ((),), ())
    )
    u, v = _shifted(part, s)
    params = np.array([rule.get(k, (0.0, np.nan, -np.inf, np.nan, np.nan, np.nan)) for k in keys])
    if params.size == 0:
        params = np.zeros((0, 6))
    win, st, lim, pi, w, pop = (params[seg, i] for i in range(6))
    inside = v < win
    d = shifted(v, np.mod(st, 1.0))
    top = ~inside & np.isfinite(v) & ~np.isnan(st) & (d <= lim)
    chosen = inside | top
    out = pd.DataFrame({s.id_column: part[s.id_column].to_numpy()[chosen]})
    for col in s.cols:
        out[col] = part[col].to_numpy()[chosen]
    if not s.cols:
        out["stratum"] = "all"
    out["prn"] = u[chosen]
    out["inclusion_probability"] = pi[chosen]
    out["design_weight"] = w[chosen]
    out["fpc"] = pop[chosen].astype(np.int64)
    return out.loc[:, list(out_cols)]


def plan_streamed(frame: Any, **kwargs: Any) -> Any:
    """``plan_quarterly_sample`` for a Dask frame or chunks (see the module docstring)."""
    from satscore._sampling.plan import make_plan

    opts = {
        "coverage": 0.30, "response_rate": 0.25, "strata": None, "id_column": "customer_id",
        "precision": None, "min_respondents": None, "allocation": "proportional", "deff": 1.0,
        "expected_p": 0.85, "salt": "satscore", "exclude": None, "active": "active",
        "selection": "window", "on_infeasible": "raise", "rotation_step": None,
        "prn_column": None, "confidence_level": 0.95,
    }  # fmt: skip
    quarter = kwargs.pop("quarter")
    unknown = set(kwargs) - set(opts)
    if unknown:
        msg = f"plan_quarterly_sample got unexpected option(s) {sorted(unknown)}."
        raise OptionError(msg)
    opts.update(kwargs)
    po = check_plan_options(
        quarter=quarter, coverage=opts["coverage"], allocation=opts["allocation"],
        selection=opts["selection"], on_infeasible=opts["on_infeasible"],
        rotation_step=opts["rotation_step"], deff=opts["deff"],
        confidence_level=opts["confidence_level"],
    )  # fmt: skip
    step = po.step
    strata = opts["strata"]
    cols = () if strata is None else ((strata,) if isinstance(strata, str) else tuple(strata))
    id_column = opts["id_column"]
    columns = list(frame.columns) if is_dask(frame) else list(next(iter_chunks(frame)).columns)
    if id_column not in columns:
        msg = (
            f"id column {id_column!r} is not in the frame (columns: {columns[:10]}); pass "
            "id_column=<the customer-id column>."
        )
        raise DesignError(msg)
    absent = [c for c in cols if c not in columns]
    if absent:
        msg = f"stratum column {absent[0]!r} is not in the frame; pass existing columns."
        raise DesignError(msg)
    ex = opts["exclude"]
    excluded = (
        frozenset() if ex is None else frozenset(pd.unique(pd.Series(np.asarray(ex, object))))
    )
    setup = _Setup(
        cols, id_column, opts["active"], opts["salt"], opts["prn_column"], excluded, po.shift
    )

    counts = reduce_summaries(frame, lambda p, i: _count_pass(p, i, setup, None)).sorted()
    if counts.pop.sum() == 0:
        msg = "the active frame is empty (zero population); check the active flag."
        raise DesignError(msg)
    keys = counts.segments() if cols else pd.DataFrame({"stratum": ["all"]})
    key_list = list(counts.keys)
    n_strata = len(key_list)
    a = allocate_strata(
        counts.pop, counts.excl, keys, opts=po, response_rate=opts["response_rate"],
        expected_p=opts["expected_p"], precision=opts["precision"],
        min_respondents=opts["min_respondents"], allocation=opts["allocation"],
        deff=opts["deff"], on_infeasible=opts["on_infeasible"], stacklevel=3,
    )  # fmt: skip
    pop, size, caveats = a.pop, a.size, a.caveats
    n_exclude_outside = int(len(excluded) - a.n_excl.sum())
    selection = opts["selection"]
    window = windows(a, step, selection)
    start = np.full(n_strata, np.nan)
    limit = np.full(n_strata, -np.inf)
    invited = np.zeros(n_strata)
    if selection in ("window", "poisson"):
        wmap = dict(zip(key_list, window, strict=True))
        have = reduce_summaries(frame, lambda p, i: _count_pass(p, i, setup, wmap)).sorted()
        have = have.have
        invited = have.copy()
        if selection == "window":
            lacking = np.flatnonzero(have < size)
            if lacking.size:
                k_max = int((size - have)[lacking].max())
                smap = {key_list[k]: float(window[k] + step) for k in lacking}
                top = reduce_summaries(
                    frame, lambda p, i: _smallest_pass(p, setup, smap, wmap, k_max)
                ).sorted()
                spill = 0
                for k in lacking:
                    need_k = int(size[k] - have[k])
                    vals = top.smallest[k][np.isfinite(top.smallest[k])][:need_k]
                    if vals.size == 0:
                        continue
                    start[k] = window[k] + step
                    limit[k] = vals[-1]
                    invited[k] += vals.size
                    free_len = max(1.0 - step - start[k], 0.0)
                    spill += int((vals >= free_len).sum())
                if spill:
                    caveats.append(spill_caveat(spill))
    else:
        m = int(size.max(initial=0))
        fmap = dict.fromkeys(key_list, 0.0)
        first = reduce_summaries(frame, lambda p, i: _smallest_pass(p, setup, fmap, {}, max(m, 1)))
        first = first.sorted()
        for k in range(n_strata):
            n_k = int(size[k])
            vals = first.smallest[k][np.isfinite(first.smallest[k])][:n_k]
            if n_k > 0 and vals.size:
                start[k] = 0.0
                limit[k] = vals[-1]
                invited[k] = vals.size
        window = np.full(n_strata, np.nan)
    invited = invited.astype(np.int64)
    alloc, weight = allocation_table(
        keys, a, window=window, invited=invited, deff=opts["deff"], level=po.level,
        n_exclude_outside=n_exclude_outside,
    )  # fmt: skip
    win_sel = np.where(np.isnan(window), 0.0, window)
    rule = {
        key_list[k]: (win_sel[k], start[k], limit[k], invited[k] / pop[k], weight[k], pop[k])
        for k in range(n_strata)
    }
    out_cols = [id_column, *(cols or ("stratum",)), "prn", "inclusion_probability",
                "design_weight", "fpc"]  # fmt: skip
    if is_dask(frame):
        meta = pd.DataFrame({c: pd.Series(dtype=float) for c in out_cols})
        meta[id_column] = frame._meta[id_column].iloc[:0]
        for c in cols:
            meta[c] = frame._meta[c].iloc[:0]
        if not cols:
            meta["stratum"] = pd.Series(dtype=object)
        meta["fpc"] = meta["fpc"].astype(np.int64)
        sample = frame.map_partitions(_select, setup, rule, out_cols, meta=meta.loc[:, out_cols])
    else:
        parts = [_select(c, setup, rule, out_cols) for c in iter_chunks(frame)]
        sample = pd.concat(parts, ignore_index=True)
    return make_plan(
        po, a, salt=opts["salt"], selection=selection, allocation=opts["allocation"], cols=cols,
        id_column=id_column, alloc=alloc, sample=sample,
    )  # fmt: skip

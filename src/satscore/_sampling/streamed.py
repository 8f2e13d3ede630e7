"""``plan_quarterly_sample`` on a Dask frame (or chunks): allocation from counts, PRN selection
partition by partition, no shuffle.

A customer's permanent random number is a pure function of its id and the salt, so only
per-stratum quantities are global:

1. one reduction counts the active customers and the excluded ones per stratum; the
   allocation (sizes, windows, binding constraints) follows from those counts with the same
   helpers as the in-memory planner (:mod:`satscore._sampling.allocation`);
2. :func:`satscore._sampling.selection.selection_rule` derives the selection rule with
   its two data passes as reductions of mergeable summaries: customers inside each
   stratum's window (``selection="window"``/``"poisson"``) and the smallest arc distances
   (:class:`~satscore._sampling.selection.ArcSmallest`; the top-up, or the ``n_h``
   smallest shifted PRNs for ``selection="fixed"``);
3. each partition then keeps its own selected customers (``map_partitions``) with
   :func:`~satscore._sampling.selection.select`.

The sample is returned lazily (a Dask frame with the partitions of the input; a computed
pandas frame for chunks); the allocation table is computed. The duplicate-id check of the
in-memory planner (a global operation) is not repeated here: deduplicate the frame first.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from satscore._core.errors import DesignError
from satscore._sampling.allocation import (
    allocate_strata,
    allocation_table,
    spill_caveat,
    windows,
)
from satscore._sampling.frame import active_rows, shifted_prns
from satscore._sampling.options import PlanOptions, check_frame_columns
from satscore._sampling.result import SamplePlan, make_plan
from satscore._sampling.selection import ArcSmallest, SelectionRule, arc_smallest, select
from satscore._sampling.selection import selection_rule as make_rule
from satscore._stream.base import Keyed, segment_keys
from satscore._stream.chunks import is_dask, iter_chunks
from satscore._stream.reduce import reduce_summaries

__all__ = ["plan_streamed"]


@dataclasses.dataclass(frozen=True, eq=False)
class _Counts(Keyed):
    """Per-stratum population, excluded and in-window counts (merged: summed)."""

    pop: np.ndarray
    excl: np.ndarray
    have: np.ndarray
    _arrays: ClassVar[tuple[str, ...]] = ("pop", "excl", "have")


def _read(
    part: pd.DataFrame, opts: PlanOptions, number: int | None = None
) -> tuple[pd.DataFrame, np.ndarray, tuple, tuple, np.ndarray, np.ndarray]:
    """Active rows of a partition, stratum codes, keys, dtypes, PRNs ``u`` and shifted ``v``."""
    keep = active_rows(part, opts.active)
    if keep is not None:
        part = part.loc[keep]
    if number is not None:
        for col in opts.cols:
            if part[col].isna().any():
                msg = (
                    f"stratum column {col!r} has {int(part[col].isna().sum())} missing "
                    f"value(s) (chunk {number}); every customer needs a stratum. Fill or drop "
                    "them."
                )
                raise DesignError(msg)
    if opts.cols:
        seg, keys, dtypes = segment_keys(part, opts.cols)
    else:
        seg, keys, dtypes = np.zeros(len(part), dtype=np.int64), ((),), ()
    u, v = shifted_prns(part, part[opts.id_column], None, opts)
    return part, seg, keys, dtypes, u, v


def _per_key(keys: tuple, mapping: dict, fill: float) -> np.ndarray:
    return np.array([mapping.get(k, fill) for k in keys], dtype=float)


def _count_pass(part: pd.DataFrame, number: int, opts: PlanOptions, window: Any) -> _Counts:
    _, seg, keys, dtypes, _, v = _read(part, opts, number)
    g_n = len(keys)
    pop = np.bincount(seg, minlength=g_n).astype(float)
    excl = np.bincount(seg, weights=np.isinf(v).astype(float), minlength=g_n)
    have = np.zeros(g_n)
    if window is not None:
        lim = _per_key(keys, window, 0.0)
        have = np.bincount(seg, weights=(v < lim[seg]).astype(float), minlength=g_n)
    return _Counts(opts.cols, keys, dtypes, (), pop, excl, have)


def _smallest_pass(
    part: pd.DataFrame, opts: PlanOptions, start: dict, window: dict, k: int, delta: Any
) -> ArcSmallest:
    _, seg, keys, dtypes, _, v = _read(part, opts)
    st = _per_key(keys, start, np.nan)
    win = _per_key(keys, window, 0.0)
    dl = None if delta is None else _per_key(keys, delta, -1.0)
    count, smallest = arc_smallest(v, seg, len(keys), st, win, k, dl)
    return ArcSmallest(opts.cols, keys, dtypes, (), count, smallest)


def _select(
    part: pd.DataFrame, opts: PlanOptions, rule: dict[tuple, tuple], out_cols: list[str]
) -> pd.DataFrame:
    """Rows of a partition that are selected; rule[key] = (window, start, limit, pi, w, N)."""
    part, seg, keys, _, u, v = _read(part, opts)
    params = np.array([rule.get(k, (0.0, np.nan, -np.inf, np.nan, np.nan, np.nan)) for k in keys])
    if params.size == 0:
        params = np.zeros((0, 6))
    chosen = select(v, seg, SelectionRule(params[:, 0], params[:, 1], params[:, 2]))
    pi, w, pop = (params[seg, i] for i in range(3, 6))
    out = pd.DataFrame({opts.id_column: part[opts.id_column].to_numpy()[chosen]})
    for col in opts.cols:
        out[col] = part[col].to_numpy()[chosen]
    if not opts.cols:
        out["stratum"] = "all"
    out["prn"] = u[chosen]
    out["inclusion_probability"] = pi[chosen]
    out["design_weight"] = w[chosen]
    out["fpc"] = pop[chosen].astype(np.int64)
    return out.loc[:, out_cols]


def plan_streamed(frame: Any, opts: PlanOptions) -> SamplePlan:
    """Plan one quarter on chunks or a Dask frame (``opts`` from ``check_plan_options``)."""
    cols = opts.cols
    columns = list(frame.columns) if is_dask(frame) else list(next(iter_chunks(frame)).columns)
    check_frame_columns(columns, opts)
    counts = reduce_summaries(frame, lambda p, i: _count_pass(p, i, opts, None)).sorted()
    if counts.pop.sum() == 0:
        msg = "the active frame is empty (zero population); check the active flag."
        raise DesignError(msg)
    keys = counts.segments() if cols else pd.DataFrame({"stratum": ["all"]})
    key_list = list(counts.keys)
    a = allocate_strata(counts.pop, counts.excl, keys, opts, stacklevel=3)
    n_excluded = 0 if opts.excluded is None else len(opts.excluded)
    n_exclude_outside = int(n_excluded - a.n_excl.sum())
    window = windows(a, opts.step, opts.selection)

    def by_key(values: np.ndarray) -> dict:
        return dict(zip(key_list, values.tolist(), strict=True))

    def count_inside(win: np.ndarray) -> np.ndarray:
        wmap = by_key(win)
        return reduce_summaries(frame, lambda p, i: _count_pass(p, i, opts, wmap)).sorted().have

    def smallest(start: np.ndarray, win: np.ndarray, k: int, delta: Any) -> Any:
        smap, wmap = by_key(start), by_key(win)
        dmap = None if delta is None else by_key(delta)
        top = reduce_summaries(frame, lambda p, i: _smallest_pass(p, opts, smap, wmap, k, dmap))
        top = top.sorted()
        return top.count, top.smallest

    rule, invited, n_spill = make_rule(
        a.size, a.pop, window, step=opts.step, selection=opts.selection,
        count_inside=count_inside, smallest=smallest,
    )  # fmt: skip
    if n_spill:
        a.caveats.append(spill_caveat(n_spill))
    alloc, weight = allocation_table(
        keys, a, window=window, invited=invited, opts=opts, n_exclude_outside=n_exclude_outside
    )
    pop = a.pop
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = invited / pop
    params = np.column_stack([rule.window, rule.start, rule.limit, pi, weight, pop])
    part_rule = {key_list[k]: tuple(params[k]) for k in range(len(key_list))}
    out_cols = [opts.id_column, *(cols or ("stratum",)), "prn", "inclusion_probability",
                "design_weight", "fpc"]  # fmt: skip
    if is_dask(frame):
        meta = pd.DataFrame({c: pd.Series(dtype=float) for c in out_cols})
        meta[opts.id_column] = frame._meta[opts.id_column].iloc[:0]
        for c in cols:
            meta[c] = frame._meta[c].iloc[:0]
        if not cols:
            meta["stratum"] = pd.Series(dtype=object)
        meta["fpc"] = meta["fpc"].astype(np.int64)
        sample = frame.map_partitions(
            _select, opts, part_rule, out_cols, meta=meta.loc[:, out_cols]
        )
    else:
        parts = [_select(c, opts, part_rule, out_cols) for c in iter_chunks(frame)]
        sample = pd.concat(parts, ignore_index=True)
    return make_plan(opts, a, alloc, sample)

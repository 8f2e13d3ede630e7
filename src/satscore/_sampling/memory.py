"""``plan_quarterly_sample`` on one in-memory pandas DataFrame.

The frame is read once (active rows, PRNs, stratum codes); the allocation comes from the
per-stratum counts (:mod:`satscore._sampling.allocation`) and the selection from
:func:`satscore._sampling.selection.selection_rule`, whose data passes are array
operations here. Unlike the out-of-core planner this one also checks that the ids are
unique (a global operation).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DesignError
from satscore._sampling.allocation import (
    allocate_strata,
    allocation_table,
    spill_caveat,
    windows,
)
from satscore._sampling.frame import active_rows, has_duplicates, rows, shifted_prns
from satscore._sampling.options import PlanOptions, check_frame_columns
from satscore._sampling.result import SamplePlan, make_plan
from satscore._sampling.selection import arc_smallest, select, selection_rule
from satscore._stats.codes import stratum_codes

__all__ = ["plan_in_memory"]


def plan_in_memory(frame: pd.DataFrame, opts: PlanOptions) -> SamplePlan:
    """Plan one quarter on a pandas DataFrame (``opts`` from ``check_plan_options``)."""
    check_frame_columns(list(frame.columns), opts)
    cols = list(opts.cols)
    keep = active_rows(frame, opts.active)
    ids = rows(frame[opts.id_column], keep)
    if ids.shape[0] == 0:
        msg = "the active frame is empty (zero population); check the active flag."
        raise DesignError(msg)
    u, v = shifted_prns(frame, ids, keep, opts)
    if has_duplicates(ids, u, check_all=opts.prn_column is not None):
        dup = ids[ids.duplicated()].iloc[0]
        n_dup = int(ids.duplicated().sum())
        msg = (
            f"id column {opts.id_column!r} has duplicate ids (e.g. {dup!r}, {n_dup} duplicates); "
            "a frame needs one row per customer. Deduplicate the frame first."
        )
        raise DesignError(msg)
    strata_frame = {col: rows(frame[col], keep) for col in cols}
    if cols:
        h, keys = stratum_codes(strata_frame, cols, unit="customer", unused_categories="raise")
    else:
        h, keys = np.zeros(ids.shape[0], dtype=np.int64), pd.DataFrame({"stratum": ["all"]})
    n_strata = keys.shape[0]
    pop = np.bincount(h, minlength=n_strata)
    excluded = np.isinf(v)
    n_excl = np.bincount(h[excluded], minlength=n_strata)
    n_exclude_outside = 0 if opts.excluded is None else int(len(opts.excluded) - n_excl.sum())
    a = allocate_strata(pop, n_excl, keys, opts, stacklevel=3)
    window = windows(a, opts.step, opts.selection)
    inside = None if opts.selection == "fixed" else v < window[h]

    def count_inside(win: np.ndarray) -> np.ndarray:  # win is ``window``: ``inside`` holds it
        return np.bincount(h[inside], minlength=n_strata)

    def smallest(start: np.ndarray, win: np.ndarray, k: int, delta: Any) -> Any:
        return arc_smallest(v, h, n_strata, start, win, k, delta)

    rule, invited, n_spill = selection_rule(
        a.size, pop, window, step=opts.step, selection=opts.selection,
        count_inside=count_inside, smallest=smallest,
    )  # fmt: skip
    if n_spill:
        a.caveats.append(spill_caveat(n_spill))
    chosen = np.flatnonzero(select(v, h, rule, inside))
    hr = h[chosen]
    alloc, weight = allocation_table(
        keys, a, window=window, invited=invited, opts=opts, n_exclude_outside=n_exclude_outside
    )
    data: dict[str, Any] = {opts.id_column: ids.iloc[chosen].reset_index(drop=True)}
    for col in cols:
        data[col] = strata_frame[col].iloc[chosen].reset_index(drop=True)
    if not cols:
        data["stratum"] = "all"
    data["prn"] = u[chosen]
    data["inclusion_probability"] = (invited / pop)[hr]
    data["design_weight"] = weight[hr]
    data["fpc"] = pop[hr]
    return make_plan(opts, a, alloc, pd.DataFrame(data))

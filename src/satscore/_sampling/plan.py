"""Quarterly sample plans with permanent-random-number (PRN) rotation.

Rotation (see the user guide, "Planning the quarterly survey"): customer ``i``
has the PRN ``u_i`` (:mod:`satscore._stats.prn`). Quarter ``q`` (an integer, or
``4·year + quarter - 1`` for a label such as ``"2026Q3"``) has the shift
``s_q = (q · f) mod 1`` with the rotation step ``f`` (default: the coverage),
computed in exact rational arithmetic. Customer ``i`` of stratum ``h`` is
invited in quarter ``q`` when its shifted number ``v = (u_i - s_q) mod 1`` is

* ``selection="window"`` (default): inside the stratum's window
  ``[0, w_h)``, ``w_h = target_h / E_h``, topped up to the planned size ``n_h``
  when the window holds fewer customers, from the *free arc* ``[w_h + f, 1 - f)``
  that lies outside the windows of this quarter and of the quarters just before
  and after it. With ``w_h = f`` (coverage-bound strata): consecutive quarters
  never share a customer (``f ≤ 1/3``, so that the free arc exists), four
  consecutive quarters cover the whole base (``f ≥ 1/4``), every stratum gets at
  least ``n_h = ⌈f·N_h⌉`` invitations, quarter ``q + 4`` shares about one third of
  its customers with ``q`` and ``q + 3`` about two thirds, and topped-up customers
  (a few percent) are asked again two quarters later. These hold for any frame
  order and churn because ``u`` is permanent. Conditional on its size the
  sample is a simple random sample of the stratum (the PRNs are exchangeable).
* ``selection="poisson"``: the window only (Poisson PRN sampling); exact
  rotation, but the size is Binomial(E_h, w_h) and can fall below ``n_h``.
* ``selection="fixed"`` (sequential SRS): the ``n_h`` smallest ``v``. The
  size is exact but the sample ends where the ``n_h``-th number falls, so
  consecutive quarters can share a few customers at the window boundary.

Strata whose precision or respondent floor needs a window wider than the
step (``w_h > f``) necessarily overlap the next quarter by ``w_h - f``.

Weights are ``N_h / invited_h`` (inclusion probability ``invited_h / N_h``);
the finite-population correction of the design is ``N_h``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import append_total
from satscore._core.errors import DesignError
from satscore._core.results import ResultMixin
from satscore._sampling.allocation import (
    allocate_strata,
    allocation_table,
    check_plan_options,
    parse_quarter,
    quarter_shift,
    spill_caveat,
    windows,
)
from satscore._sampling.select import (
    has_duplicates,
    prns,
    shifted,
    smallest_per_stratum,
    stratum_codes,
    top_up,
)
from satscore._stream.chunks import is_out_of_core

__all__ = ["SamplePlan", "parse_quarter", "plan_quarterly_sample", "quarter_shift"]


@dataclasses.dataclass(frozen=True, repr=False)
class SamplePlan(ResultMixin):
    """A quarterly sample: allocation per stratum and the invited customers.

    Attributes
    ----------
    quarter : str
        Quarter label (``"2026Q3"``, or ``"q<index>"`` for an integer).
    quarter_index : int
        Quarter index used for the rotation.
    shift : float
        PRN shift ``s_q`` of this quarter.
    rotation_step : float
        Rotation step ``f``.
    coverage : float
        Target share of active customers invited.
    salt : str
        PRN salt (keep it fixed across quarters).
    selection : str
        ``"window"``, ``"poisson"`` or ``"fixed"``.
    allocation_method : str
        ``"proportional"``, ``"neyman"`` or ``"equal"``.
    strata : tuple of str
        Stratum columns.
    id_column : str
        Customer-id column.
    allocation : pandas.DataFrame
        One row per stratum: stratum columns, ``N`` (active customers),
        ``excluded``, ``eligible``, ``target`` (planned invitations, real),
        ``window``, ``invite`` (selected), ``coverage`` (invite/N),
        ``response_rate``, ``expected_respondents``, ``expected_margin`` (± at
        ``expected_p`` with FPC), ``design_weight`` (N/invite), ``binding``
        (which requirement set the size).
    sample : pandas.DataFrame
        The invited customers: id, stratum columns, ``prn``,
        ``inclusion_probability``, ``design_weight``, ``fpc`` (N_h).
    caveats : tuple of str
        Coverage caveats (exclusions, capped strata).
    confidence_level : float
        Level of the precision targets and margins.
    expected_p : float
        Proportion used for the margins in ``allocation``.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import plan_quarterly_sample
    >>> frame = pd.DataFrame({"customer_id": [f"K{i:05d}" for i in range(1000)]})
    >>> plan = plan_quarterly_sample(frame, quarter="2026Q1")
    >>> int(plan.allocation["invite"].iloc[0]) >= 300, plan.quarter
    (True, '2026Q1')
    """

    quarter: str
    quarter_index: int
    shift: float
    rotation_step: float
    coverage: float
    salt: str
    selection: str
    allocation_method: str
    strata: tuple[str, ...]
    id_column: str
    allocation: pd.DataFrame
    sample: pd.DataFrame
    caveats: tuple[str, ...]
    confidence_level: float
    expected_p: float
    _title = "Quarterly sample plan"

    def summary(self) -> pd.DataFrame:
        """The allocation table with a total row."""
        tab = self.allocation.copy()
        total: dict[str, Any] = dict.fromkeys(tab.columns, None)
        for col in ("N", "excluded", "eligible", "target", "invite", "expected_respondents"):
            total[col] = tab[col].sum()
        total[tab.columns[0]] = "total"
        total["coverage"] = total["invite"] / total["N"] if total["N"] else np.nan
        return append_total(tab, total)

    def __repr__(self) -> str:
        n = int(self.allocation["N"].sum())
        k = int(self.allocation["invite"].sum())
        return (
            f"SamplePlan({self.quarter}: invite {k} of {n} active customers "
            f"({k / max(n, 1):.1%}) in {self.allocation.shape[0]} strata, "
            f"selection={self.selection!r})"
        )


def _rows(series: pd.Series, keep: np.ndarray | None) -> pd.Series:
    """The active rows of a column, positionally indexed (no index take)."""
    return series.reset_index(drop=True) if keep is None else pd.Series(series.array[keep])


def plan_quarterly_sample(
    frame: pd.DataFrame,
    *,
    quarter: Any,
    coverage: float = 0.30,
    response_rate: Any = 0.25,
    strata: Any = None,
    id_column: str = "customer_id",
    precision: dict[str, tuple[float, float]] | None = None,
    min_respondents: int | None = None,
    allocation: str = "proportional",
    deff: float = 1.0,
    expected_p: Any = 0.85,
    salt: str = "satscore",
    exclude: Any = None,
    active: str | None = "active",
    selection: str = "window",
    on_infeasible: str = "raise",
    rotation_step: float | None = None,
    prn_column: str | None = None,
    confidence_level: float = 0.95,
) -> SamplePlan:
    """Plan one quarter's survey: sizes per stratum and the customers to invite.

    Parameters
    ----------
    frame : pandas.DataFrame, iterable of DataFrames or dask DataFrame
        Customer frame, one row per customer (not modified). With chunks or a
        dask frame the allocation comes from per-stratum counts and the selection
        is made partition by partition (no shuffle); ``sample`` is then a dask
        DataFrame (computed pandas frame for chunks).
    quarter : int or str
        Quarter index or label like ``"2026Q3"``.
    coverage : float, default 0.30
        Share of active customers to invite, in (0, 1] (per stratum with
        proportional allocation; overall budget with neyman/equal).
    response_rate : float or dict, default 0.25
        Expected response rate in (0, 1], overall or per stratum label.
    strata : str or list of str, optional
        Stratum columns (crossed); one stratum when None.
    id_column : str, default "customer_id"
        Unique customer id column.
    precision : dict, optional
        ``{metric: (expected_p, margin)}``: every stratum must reach ± ``margin``
        on a proportion near ``expected_p`` (with ``deff`` and the FPC).
    min_respondents : int, optional
        Respondent floor per stratum.
    allocation : {"proportional", "neyman", "equal"}, default "proportional"
        How the coverage budget is spread over strata.
    deff : float, default 1.0
        Design effect assumed by the precision targets.
    expected_p : float or dict, default 0.85
        Proportion used for margins in the allocation table and for Neyman
        allocation (``S_h = √(p_h(1-p_h))``).
    salt : str, default "satscore"
        PRN salt; keep it fixed across quarters so rotation works.
    exclude : array_like, optional
        Customer ids not to invite (contacted by other programmes); reported as a
        coverage caveat.
    active : str or None, default "active"
        Boolean column marking the active frame (used when present); None uses
        every row.
    selection : {"window", "poisson", "fixed"}, default "window"
        PRN window topped up to the planned size from the free arc (exact
        rotation, at least the planned size), pure PRN window (exact rotation,
        random size) or the ``n_h`` smallest shifted PRNs (exact size,
        approximate rotation). See the module notes.
    on_infeasible : {"raise", "cap"}, default "raise"
        A stratum whose floors need more customers than it has: raise
        :class:`~satscore.errors.InfeasiblePlanError`, or cap and warn.
    rotation_step : float, optional
        Shift between quarters (default: ``coverage``).
    prn_column : str, optional
        Column holding precomputed PRNs (skips hashing; e.g. stored with the frame).
    confidence_level : float, default 0.95
        Level of precision targets and margins.

    Returns
    -------
    SamplePlan

    Examples
    --------
    >>> import satscore
    >>> frame = satscore.load_example("customer_frame")
    >>> plan = satscore.plan_quarterly_sample(
    ...     frame, quarter="2026Q3", strata="segment", response_rate=0.25, min_respondents=100
    ... )
    >>> print(plan.allocation[["segment", "N", "invite", "binding"]].to_string(index=False))
     segment      N  invite  binding
    affluent  37096   11204 coverage
    business  18642    5593 coverage
        mass 115229   34653 coverage
     private   6194    1885 coverage
       youth  14068    4231 coverage
    >>> round(plan.shift, 2)  # 8106 · 0.3 mod 1
    0.8
    """
    if is_out_of_core(frame):  # chunks or a dask DataFrame: counts, then per-partition selection
        from satscore._sampling.streamed import plan_streamed

        return plan_streamed(
            frame, quarter=quarter, coverage=coverage, response_rate=response_rate,
            strata=strata, id_column=id_column, precision=precision,
            min_respondents=min_respondents, allocation=allocation, deff=deff,
            expected_p=expected_p, salt=salt, exclude=exclude, active=active,
            selection=selection, on_infeasible=on_infeasible, rotation_step=rotation_step,
            prn_column=prn_column, confidence_level=confidence_level,
        )  # fmt: skip
    opts = check_plan_options(
        quarter=quarter, coverage=coverage, allocation=allocation, selection=selection,
        on_infeasible=on_infeasible, rotation_step=rotation_step, deff=deff,
        confidence_level=confidence_level,
    )  # fmt: skip
    if not isinstance(frame, pd.DataFrame):
        msg = f"frame must be a pandas DataFrame; found {type(frame).__name__}."
        raise DesignError(msg)
    if id_column not in frame.columns:
        msg = (
            f"id column {id_column!r} is not in the frame (columns: {list(frame.columns)[:10]}); "
            "pass id_column=<the customer-id column>."
        )
        raise DesignError(msg)
    cols = [] if strata is None else ([strata] if isinstance(strata, str) else list(strata))
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        msg = f"stratum column {missing[0]!r} is not in the frame; pass existing columns."
        raise DesignError(msg)
    keep: np.ndarray | None = None  # active rows (None: all rows)
    if active is not None and active in frame.columns:
        flag = frame[active]
        if flag.isna().any():
            msg = f"active column {active!r} has missing values; mark every customer True/False."
            raise DesignError(msg)
        keep = flag.to_numpy(dtype=bool)
        keep = None if keep.all() else keep
    ids = _rows(frame[id_column], keep)
    if ids.isna().any():
        msg = f"id column {id_column!r} has {int(ids.isna().sum())} missing id(s); drop them."
        raise DesignError(msg)
    if ids.shape[0] == 0:
        msg = "the active frame is empty (zero population); check the active flag."
        raise DesignError(msg)
    u = prns(frame, prn_column, ids, salt, keep)
    if has_duplicates(ids, u, check_all=prn_column is not None):
        dup = ids[ids.duplicated()].iloc[0]
        n_dup = int(ids.duplicated().sum())
        msg = (
            f"id column {id_column!r} has duplicate ids (e.g. {dup!r}, {n_dup} duplicates); a "
            "frame needs one row per customer. Deduplicate the frame first."
        )
        raise DesignError(msg)
    strata_frame = {col: _rows(frame[col], keep) for col in cols}
    if cols:
        h, keys = stratum_codes(strata_frame, cols)
    else:
        h, keys = np.zeros(ids.shape[0], dtype=np.int64), pd.DataFrame({"stratum": ["all"]})
    n_strata = keys.shape[0]
    pop = np.bincount(h, minlength=n_strata)
    v = shifted(u, opts.shift)
    n_excl = np.zeros(n_strata, dtype=np.int64)
    n_exclude_outside = 0
    if exclude is not None:
        ex = pd.Index(pd.unique(pd.Series(np.asarray(exclude, dtype=object))))
        excluded_mask = ids.isin(ex).to_numpy()
        n_exclude_outside = int(len(ex) - excluded_mask.sum())
        n_excl = np.bincount(h[excluded_mask], minlength=n_strata)
        v[excluded_mask] = np.inf
    a = allocate_strata(
        pop, n_excl, keys, opts=opts, response_rate=response_rate, expected_p=expected_p,
        precision=precision, min_respondents=min_respondents, allocation=allocation, deff=deff,
        on_infeasible=on_infeasible, stacklevel=2,
    )  # fmt: skip
    caveats = a.caveats
    window = windows(a, opts.step, selection)
    if selection == "fixed":
        chosen = smallest_per_stratum(v, h, a.size)
    else:
        chosen = v < window[h]
        if selection == "window":
            n_spill = top_up(chosen, v, h, a.size, window, opts.step)
            if n_spill:
                caveats.append(spill_caveat(n_spill))
    rows = np.flatnonzero(chosen)
    hr = h[rows]
    invited = np.bincount(hr, minlength=n_strata)
    alloc, weight = allocation_table(
        keys, a, window=window, invited=invited, deff=deff, level=opts.level,
        n_exclude_outside=n_exclude_outside,
    )  # fmt: skip
    data: dict[str, Any] = {id_column: ids.iloc[rows].reset_index(drop=True)}
    for col in cols:
        data[col] = strata_frame[col].iloc[rows].reset_index(drop=True)
    if not cols:
        data["stratum"] = "all"
    data["prn"] = u[rows]
    data["inclusion_probability"] = (invited / pop)[hr]
    data["design_weight"] = weight[hr]
    data["fpc"] = pop[hr]
    sample = pd.DataFrame(data)
    return make_plan(
        opts, a, salt=salt, selection=selection, allocation=allocation, cols=cols,
        id_column=id_column, alloc=alloc, sample=sample,
    )  # fmt: skip


def make_plan(
    opts: Any,
    a: Any,
    *,
    salt: str,
    selection: str,
    allocation: str,
    cols: Any,
    id_column: str,
    alloc: pd.DataFrame,
    sample: Any,
) -> SamplePlan:
    """The :class:`SamplePlan` of both planners (``opts``: PlanOptions, ``a``: Allocation)."""
    return SamplePlan(
        quarter=opts.q_label,
        quarter_index=opts.q_index,
        shift=opts.shift,
        rotation_step=opts.step,
        coverage=opts.coverage,
        salt=salt,
        selection=selection,
        allocation_method=allocation,
        strata=tuple(cols) if cols else ("stratum",),
        id_column=id_column,
        allocation=alloc,
        sample=sample,
        caveats=tuple(a.caveats),
        confidence_level=opts.level,
        expected_p=float(a.p_exp.mean()),
    )

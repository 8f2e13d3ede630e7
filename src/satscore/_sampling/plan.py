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

from typing import Any

import pandas as pd

from satscore._core.errors import DesignError
from satscore._sampling.memory import plan_in_memory
from satscore._sampling.options import check_plan_options, parse_quarter, quarter_shift
from satscore._sampling.result import SamplePlan
from satscore._sampling.streamed import plan_streamed
from satscore._stream.chunks import is_out_of_core

__all__ = ["SamplePlan", "parse_quarter", "plan_quarterly_sample", "quarter_shift"]


def plan_quarterly_sample(
    frame: Any,
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
    opts = check_plan_options(
        quarter=quarter, coverage=coverage, response_rate=response_rate, strata=strata,
        id_column=id_column, precision=precision, min_respondents=min_respondents,
        allocation=allocation, deff=deff, expected_p=expected_p, salt=salt, exclude=exclude,
        active=active, selection=selection, on_infeasible=on_infeasible,
        rotation_step=rotation_step, prn_column=prn_column, confidence_level=confidence_level,
    )  # fmt: skip
    if isinstance(frame, pd.DataFrame):
        return plan_in_memory(frame, opts)
    if is_out_of_core(frame):  # chunks or a dask DataFrame: counts, then per-partition selection
        return plan_streamed(frame, opts)
    msg = (
        f"frame must be a pandas DataFrame, an iterable of DataFrame chunks or a dask "
        f"DataFrame; found {type(frame).__name__}."
    )
    raise DesignError(msg)

"""Quarterly sample plans with permanent-random-number (PRN) rotation.

Rotation (see the user guide, "Planning the quarterly survey"): customer ``i``
has the PRN ``u_i`` (:mod:`satscore._prn`). Quarter ``q`` (an integer, or
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
import re
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ._checks import check_confidence_level, check_option, check_probability
from ._chunks import is_out_of_core
from ._plan_select import (
    has_duplicates,
    label,
    per_stratum,
    prns,
    smallest_per_stratum,
    stratum_codes,
    top_up,
)
from ._plan_sizes import achieved_margin, allocate, respondents_for_margin
from ._results import ResultMixin
from .errors import DesignError, InfeasiblePlanError, OptionError, SatscoreWarning

__all__ = ["SamplePlan", "parse_quarter", "plan_quarterly_sample", "quarter_shift"]

_QUARTER = re.compile(r"^\s*(\d{4})\s*[-_ ]?\s*[Qq]([1-4])\s*$")


def parse_quarter(quarter: Any) -> tuple[int, str]:
    """Quarter index and label from an int or a label such as ``"2026Q3"``.

    Examples
    --------
    >>> parse_quarter("2026Q3")
    (8106, '2026Q3')
    >>> parse_quarter(5)
    (5, 'q5')
    """
    if isinstance(quarter, (bool, np.bool_)):
        quarter = str(quarter)
    if isinstance(quarter, (int, np.integer)):
        return int(quarter), f"q{int(quarter)}"
    match = _QUARTER.match(str(quarter))
    if match is None:
        msg = (
            f"quarter={quarter!r} does not parse; pass an integer index or a label like "
            "'2026Q3' (year, 'Q', quarter 1-4)."
        )
        raise OptionError(msg)
    year, q = int(match.group(1)), int(match.group(2))
    return 4 * year + q - 1, f"{year}Q{q}"


def quarter_shift(index: int, step: float) -> float:
    """``(index · step) mod 1`` in exact arithmetic (``step`` read as its decimal text).

    Examples
    --------
    >>> [quarter_shift(q, 0.3) for q in range(5)]
    [0.0, 0.3, 0.6, 0.9, 0.2]
    """
    frac = Fraction(repr(float(step))) * index
    return float(frac - (frac.numerator // frac.denominator))


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
        return pd.concat([tab, pd.DataFrame([total])], ignore_index=True)

    def __repr__(self) -> str:
        n = int(self.allocation["N"].sum())
        k = int(self.allocation["invite"].sum())
        return (
            f"SamplePlan({self.quarter}: invite {k} of {n} active customers "
            f"({k / max(n, 1):.1%}) in {self.allocation.shape[0]} strata, "
            f"selection={self.selection!r})"
        )


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
        from ._summaries_plan import plan_streamed

        return plan_streamed(
            frame, quarter=quarter, coverage=coverage, response_rate=response_rate,
            strata=strata, id_column=id_column, precision=precision,
            min_respondents=min_respondents, allocation=allocation, deff=deff,
            expected_p=expected_p, salt=salt, exclude=exclude, active=active,
            selection=selection, on_infeasible=on_infeasible, rotation_step=rotation_step,
            prn_column=prn_column, confidence_level=confidence_level,
        )  # fmt: skip
    check_option("allocation", allocation, ("proportional", "neyman", "equal"))
    check_option("selection", selection, ("window", "poisson", "fixed"))
    check_option("on_infeasible", on_infeasible, ("raise", "cap"))
    cov = check_probability("coverage", coverage, closed_high=True)
    level = check_confidence_level(confidence_level)
    q_index, q_label = parse_quarter(quarter)
    step = cov if rotation_step is None else check_probability("rotation_step", rotation_step)
    if not isinstance(frame, pd.DataFrame):
        msg = f"frame must be a pandas DataFrame; found {type(frame).__name__}."
        raise DesignError(msg)
    if id_column not in frame.columns:
        msg = (
            f"id column {id_column!r} is not in the frame (columns: {list(frame.columns)[:10]}); "
            "pass id_column=<the customer-id column>."
        )
        raise DesignError(msg)
    if deff <= 0 or not np.isfinite(deff):
        msg = f"deff must be a positive number; found {deff!r}."
        raise OptionError(msg)
    work = frame
    if active is not None and active in frame.columns:
        flag = frame[active]
        if flag.isna().any():
            msg = f"active column {active!r} has missing values; mark every customer True/False."
            raise DesignError(msg)
        work = frame.loc[flag.to_numpy(dtype=bool)]
    ids = work[id_column]
    if ids.isna().any():
        msg = f"id column {id_column!r} has {int(ids.isna().sum())} missing id(s); drop them."
        raise DesignError(msg)
    u = prns(work, prn_column, ids, salt)
    if has_duplicates(ids, u, check_all=prn_column is not None):
        dup = ids[ids.duplicated()].iloc[0]
        n_dup = int(ids.duplicated().sum())
        msg = (
            f"id column {id_column!r} has duplicate ids (e.g. {dup!r}, {n_dup} duplicates); a "
            "frame needs one row per customer. Deduplicate the frame first."
        )
        raise DesignError(msg)
    cols = [] if strata is None else ([strata] if isinstance(strata, str) else list(strata))
    missing = [c for c in cols if c not in work.columns]
    if missing:
        msg = f"stratum column {missing[0]!r} is not in the frame; pass existing columns."
        raise DesignError(msg)
    if work.shape[0] == 0:
        msg = "the active frame is empty (zero population); check the active flag."
        raise DesignError(msg)
    if cols:
        h, keys = stratum_codes(work, cols)
    else:
        h, keys = np.zeros(work.shape[0], dtype=np.int64), pd.DataFrame({"stratum": ["all"]})
    key_cols = list(keys.columns)
    n_strata = keys.shape[0]
    rr = per_stratum(response_rate, "response_rate", keys, key_cols, closed_high=True)
    p_exp = per_stratum(expected_p, "expected_p", keys, key_cols, closed_high=False)
    pop = np.bincount(h, minlength=n_strata)

    excluded_mask = np.zeros(work.shape[0], dtype=bool)
    n_exclude_outside = 0
    if exclude is not None:
        ex = pd.Index(pd.unique(pd.Series(np.asarray(exclude, dtype=object))))
        excluded_mask = ids.isin(ex).to_numpy()
        n_exclude_outside = int(len(ex) - excluded_mask.sum())
    n_excl = np.bincount(h, weights=excluded_mask.astype(float), minlength=n_strata).astype(int)
    eligible = pop - n_excl

    need = np.zeros(n_strata)
    binding = np.array(["coverage"] * n_strata, dtype=object)
    if precision:
        for metric, spec in precision.items():
            try:
                p_m, e_m = (float(x) for x in spec)
            except (TypeError, ValueError):
                msg = f"precision[{metric!r}] must be (expected_p, margin); found {spec!r}."
                raise OptionError(msg) from None
            check_probability(f"precision[{metric!r}] expected_p", p_m)
            check_probability(f"precision[{metric!r}] margin", e_m)
            resp = respondents_for_margin(
                p_m, e_m, population=pop.astype(float), deff=deff, confidence_level=level
            )
            inv = resp / rr
            binding = np.where(inv > need, f"precision:{metric}", binding)
            need = np.maximum(need, inv)
    if min_respondents is not None:
        if min_respondents < 0:
            msg = f"min_respondents must be >= 0; found {min_respondents!r}."
            raise OptionError(msg)
        inv = np.minimum(min_respondents, pop) / rr
        binding = np.where(inv > need, "min_respondents", binding)
        need = np.maximum(need, inv)
    share = cov * pop
    caveats: list[str] = []
    short = np.flatnonzero(np.maximum(need, share if allocation == "proportional" else 0)
                            > eligible + 1e-9)  # fmt: skip
    if short.size:
        labels = [label(keys, k) for k in short]
        detail = "; ".join(
            f"{lab}: needs {max(need[k], share[k] if allocation == 'proportional' else 0):.0f} "
            f"invitations, has {eligible[k]} eligible (best achievable: "
            f"{eligible[k] * rr[k]:.0f} respondents, coverage {eligible[k] / pop[k]:.1%})"
            for lab, k in zip(labels[:5], short[:5], strict=False)
        )
        if on_infeasible == "raise":
            msg = (
                f"infeasible plan in {short.size} stratum/strata: {detail}. Lower the precision "
                "or respondent floor, merge small strata, raise the response rate assumption, "
                "or pass on_infeasible='cap' to invite everyone eligible there."
            )
            raise InfeasiblePlanError(msg)
        warnings.warn(
            f"plan capped at the eligible customers in {short.size} stratum/strata: {detail}.",
            SatscoreWarning,
            stacklevel=2,
        )
        caveats.append(f"capped at the whole eligible stratum: {', '.join(map(str, labels))}")
        binding[short] = "capped"
    sd = np.sqrt(p_exp * (1.0 - p_exp))
    target, size = allocate(pop, eligible, need, coverage=cov, method=allocation, sd=sd)
    floor_binds = (need >= target - 1e-9) & (need > 0)
    base_label = "coverage" if allocation == "proportional" else allocation
    binding = np.where(floor_binds, binding, base_label)
    binding = np.where((target >= eligible - 1e-9) & (binding != "capped"), "all_eligible", binding)

    shift = quarter_shift(q_index, step)
    v = np.mod(u - shift, 1.0)
    v_elig = np.where(excluded_mask, np.inf, v)
    if selection in ("window", "poisson"):
        with np.errstate(divide="ignore", invalid="ignore"):
            window = np.where(eligible > 0, np.minimum(target / eligible, 1.0), 0.0)
            if selection == "window":
                # keep the window at the rotation step when only exclusions push the target
                # above it; the top-up then fills the gap from the free arc, outside the
                # neighbouring quarters' windows
                floor_w = np.where(eligible > 0, need / eligible, 0.0)
                window = np.minimum(window, np.maximum(step, floor_w))
        chosen = v_elig < window[h]
        if selection == "window":
            n_spill = top_up(chosen, v_elig, h, size, window, step)
            if n_spill:
                caveats.append(
                    f"{n_spill} top-up invitations fell in a neighbouring quarter's window (free "
                    "PRN arc too small); those customers may be asked in consecutive quarters"
                )
    else:
        window = np.full(n_strata, np.nan)
        chosen = smallest_per_stratum(v_elig, h, size)
    invited = np.bincount(h[chosen], minlength=n_strata)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(invited > 0, pop / invited, np.nan)
    exp_resp = invited * rr
    alloc = keys.copy()
    alloc["N"] = pop
    alloc["excluded"] = n_excl
    alloc["eligible"] = eligible
    alloc["target"] = target
    alloc["window"] = window
    alloc["invite"] = invited
    alloc["coverage"] = invited / pop
    alloc["response_rate"] = rr
    alloc["expected_respondents"] = exp_resp
    alloc["expected_margin"] = achieved_margin(
        exp_resp,
        pop,
        p=float(p_exp.mean()) if p_exp.size else 0.85,
        deff=deff,
        confidence_level=level,
    )
    alloc["design_weight"] = weight
    alloc["binding"] = binding
    if n_excl.sum() or n_exclude_outside:
        caveats.append(
            f"{int(n_excl.sum())} active customers excluded (contacted by other programmes) "
            f"are part of the population but cannot be invited; coverage is measured against "
            f"all {int(pop.sum())} active customers"
            + (
                f"; {n_exclude_outside} excluded ids are not in the active frame"
                if n_exclude_outside
                else ""
            )
        )
    rows = np.flatnonzero(chosen)
    sample = pd.DataFrame({id_column: ids.iloc[rows].reset_index(drop=True)})
    for col in key_cols if cols else []:
        sample[col] = work[col].iloc[rows].reset_index(drop=True)
    if not cols:
        sample["stratum"] = "all"
    sample["prn"] = u[rows]
    sample["inclusion_probability"] = (invited / pop)[h[rows]]
    sample["design_weight"] = weight[h[rows]]
    sample["fpc"] = pop[h[rows]]
    return SamplePlan(
        quarter=q_label,
        quarter_index=q_index,
        shift=shift,
        rotation_step=step,
        coverage=cov,
        salt=salt,
        selection=selection,
        allocation_method=allocation,
        strata=tuple(cols) if cols else ("stratum",),
        id_column=id_column,
        allocation=alloc,
        sample=sample,
        caveats=tuple(caveats),
        confidence_level=level,
        expected_p=float(p_exp.mean()),
    )

"""The allocation core shared by the in-memory and the out-of-core (chunks/Dask) planners.

Everything here works on per-stratum arrays (populations, exclusions, keys), so both
planners (:mod:`satscore._sampling.memory` on a DataFrame, :mod:`satscore._sampling.streamed`
on chunks or a Dask frame) give identical allocations, windows, binding labels, caveats and
allocation tables from identical counts.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from satscore._core.checks import check_probability
from satscore._core.errors import InfeasiblePlanError, OptionError, SatscoreWarning
from satscore._sampling.options import PlanOptions, label, per_stratum
from satscore._sampling.sizes import achieved_margin, allocate, respondents_for_margin

__all__ = ["Allocation", "allocate_strata", "allocation_table", "spill_caveat", "windows"]


@dataclasses.dataclass(frozen=True)
class Allocation:
    """Per-stratum planning arrays (see :func:`allocate_strata`)."""

    pop: np.ndarray
    n_excl: np.ndarray
    eligible: np.ndarray
    rr: np.ndarray
    p_exp: np.ndarray
    need: np.ndarray
    target: np.ndarray
    size: np.ndarray
    binding: np.ndarray
    caveats: list[str]


def allocate_strata(
    pop: np.ndarray,
    n_excl: np.ndarray,
    keys: pd.DataFrame,
    opts: PlanOptions,
    *,
    stacklevel: int,
) -> Allocation:
    """Floors (precision, respondents), infeasibility, targets and integer sizes per stratum.

    ``stacklevel`` is the stack level of the capped-plan warning as seen from the caller
    (the number of satscore frames above it, plus one).
    """
    deff, allocation, min_respondents = opts.deff, opts.allocation, opts.min_respondents
    key_cols = list(keys.columns)
    n_strata = keys.shape[0]
    pop = np.asarray(pop, dtype=np.int64)
    n_excl = np.asarray(n_excl, dtype=np.int64)
    eligible = pop - n_excl
    rr = per_stratum(opts.response_rate, "response_rate", keys, key_cols, closed_high=True)
    p_exp = per_stratum(opts.expected_p, "expected_p", keys, key_cols, closed_high=False)
    need = np.zeros(n_strata)
    binding = np.array(["coverage"] * n_strata, dtype=object)
    for metric, spec in (opts.precision or {}).items():
        try:
            p_m, e_m = (float(x) for x in spec)
        except (TypeError, ValueError):
            msg = f"precision[{metric!r}] must be (expected_p, margin); found {spec!r}."
            raise OptionError(msg) from None
        check_probability(f"precision[{metric!r}] expected_p", p_m)
        check_probability(f"precision[{metric!r}] margin", e_m)
        resp = respondents_for_margin(
            p_m, e_m, population=pop.astype(float), deff=deff, confidence_level=opts.level
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
    caveats: list[str] = []
    floor = np.maximum(need, opts.coverage * pop if allocation == "proportional" else 0)
    short = np.flatnonzero(floor > eligible + 1e-9)
    if short.size:
        labels = [label(keys, k) for k in short]
        detail = "; ".join(
            f"{lab}: needs {floor[k]:.0f} invitations, has {eligible[k]} eligible (best "
            f"achievable: {eligible[k] * rr[k]:.0f} respondents, coverage "
            f"{eligible[k] / pop[k]:.1%})"
            for lab, k in zip(labels[:5], short[:5], strict=False)
        )
        if opts.on_infeasible == "raise":
            msg = (
                f"infeasible plan in {short.size} stratum/strata: {detail}. Lower the precision "
                "or respondent floor, merge small strata, raise the response rate assumption, "
                "or pass on_infeasible='cap' to invite everyone eligible there."
            )
            raise InfeasiblePlanError(msg)
        warnings.warn(
            f"plan capped at the eligible customers in {short.size} stratum/strata: {detail}.",
            SatscoreWarning,
            stacklevel=stacklevel + 1,
        )
        caveats.append(f"capped at the whole eligible stratum: {', '.join(map(str, labels))}")
        binding[short] = "capped"
    sd = np.sqrt(p_exp * (1.0 - p_exp))
    target, size = allocate(pop, eligible, need, coverage=opts.coverage, method=allocation, sd=sd)
    floor_binds = (need >= target - 1e-9) & (need > 0)
    base_label = "coverage" if allocation == "proportional" else allocation
    binding = np.where(floor_binds, binding, base_label)
    binding = np.where((target >= eligible - 1e-9) & (binding != "capped"), "all_eligible", binding)
    return Allocation(pop, n_excl, eligible, rr, p_exp, need, target, size, binding, caveats)


def windows(a: Allocation, step: float, selection: str) -> np.ndarray:
    """PRN window ``w_h`` per stratum (NaN for ``selection="fixed"``)."""
    if selection == "fixed":
        return np.full(a.pop.size, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        window = np.where(a.eligible > 0, np.minimum(a.target / a.eligible, 1.0), 0.0)
        if selection == "window":
            # keep the window at the rotation step when only exclusions push the target above
            # it; the top-up then fills the gap from the free arc, outside the neighbouring
            # quarters' windows
            floor_w = np.where(a.eligible > 0, a.need / a.eligible, 0.0)
            window = np.minimum(window, np.maximum(step, floor_w))
    return window


def spill_caveat(n_spill: int) -> str:
    """Caveat for top-up invitations that had to come from a neighbouring quarter's window."""
    return (
        f"{n_spill} top-up invitations fell in a neighbouring quarter's window (free PRN arc "
        "too small); those customers may be asked in consecutive quarters"
    )


def allocation_table(
    keys: pd.DataFrame,
    a: Allocation,
    *,
    window: np.ndarray,
    invited: np.ndarray,
    opts: PlanOptions,
    n_exclude_outside: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The allocation table and the design weight per stratum; appends the exclusion caveat."""
    pop = a.pop
    invited = np.asarray(invited, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(invited > 0, pop / invited, np.nan)
    exp_resp = invited * a.rr
    alloc = keys.copy()
    alloc["N"] = pop
    alloc["excluded"] = a.n_excl
    alloc["eligible"] = a.eligible
    alloc["target"] = a.target
    alloc["window"] = window
    alloc["invite"] = invited
    alloc["coverage"] = invited / pop
    alloc["response_rate"] = a.rr
    alloc["expected_respondents"] = exp_resp
    alloc["expected_margin"] = achieved_margin(
        exp_resp,
        pop,
        p=float(a.p_exp.mean()) if a.p_exp.size else 0.85,
        deff=opts.deff,
        confidence_level=opts.level,
    )
    alloc["design_weight"] = weight
    alloc["binding"] = a.binding
    if a.n_excl.sum() or n_exclude_outside:
        a.caveats.append(
            f"{int(a.n_excl.sum())} active customers excluded (contacted by other programmes) "
            f"are part of the population but cannot be invited; coverage is measured against "
            f"all {int(pop.sum())} active customers"
            + (
                f"; {n_exclude_outside} excluded ids are not in the active frame"
                if n_exclude_outside
                else ""
            )
        )
    return alloc, weight

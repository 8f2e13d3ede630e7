"""Parse ``targets=`` and attach target, verdict and one-sided p-value to metric rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import TargetError
from satscore._scoring.kpi import bank_kpi_targets
from satscore._scoring.options import KPI_NAMES
from satscore._scoring.rows import RowState, p_values_for
from satscore._stats.verdict import directional_p_value, verdict

__all__ = ["resolve_targets"]


def _key_rows(table: pd.DataFrame, key: Any, subjects: Any) -> tuple[np.ndarray, str, str]:
    metric = table["metric"].to_numpy()
    subject = table["subject"].to_numpy()
    kpis = list(subjects.kpis)
    if isinstance(key, str):
        if key in kpis:
            return metric == key, key, "kpi"
        if key in ("net_score", "resolution_rate"):
            rows = metric == key
            if rows.any():
                return rows, key, key
        hint = (
            f"KPI names: {kpis}; or use a (metric, subject) pair such as ('top_box', 'OS01')"
            if kpis
            else "use a (metric, subject) pair such as ('top_box', 'service_quality')"
        )
        msg = f"unknown target name {key!r}; {hint}."
        raise TargetError(msg)
    if isinstance(key, tuple) and len(key) == 2:
        rows = (metric == key[0]) & (subject == key[1])
        if rows.any():
            return rows, str(key[0]), str(key[0])
        avail = sorted({f"({m!r}, {s!r})" for m, s in zip(metric, subject, strict=True)})[:12]
        msg = (
            f"target {key!r} matches no (metric, subject) row of these scores; available pairs "
            f"include {', '.join(avail)}. Check the metric and subject ids, and that the metric "
            "is in metrics=."
        )
        raise TargetError(msg)
    msg = (
        f"target key {key!r} must be a KPI/metric name or a (metric, subject) tuple, e.g. "
        "{'customer_satisfaction': 0.85} or {('top_box', 'service_quality'): 0.8}."
    )
    raise TargetError(msg)


def _number(name: Any, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        msg = f"target for {name!r} must be a number; found {value!r}."
        raise TargetError(msg) from None
    return v


def _check_value(
    name: Any, value: Any, table: pd.DataFrame, state: RowState, rows: np.ndarray
) -> float:
    v = _number(name, value)
    kind = table.loc[rows, "kind"].iloc[0]
    lo = float(np.min(state.lo_b[rows]))
    hi = float(np.max(state.hi_b[rows]))
    if not (lo < v < hi) or not np.isfinite(v):
        if kind == "proportion":
            hint = "proportions are fractions: write 0.85, not 85"
        elif kind == "net":
            hint = "a net score lies in (-1, 1): write 0.3 for +30"
        else:
            hint = f"give a value on the metric's own scale, between {lo:g} and {hi:g}"
        msg = f"target for {name!r} must lie in ({lo:g}, {hi:g}); found {v!r}. Fix: {hint}."
        raise TargetError(msg)
    return v


#: How the seed-plan KPIs that are not survey metrics are checked.
_OPERATIONAL = {
    "survey_coverage": (
        "an operational KPI (responses / customers sampled), not a survey answer; check it "
        "with satscore.kpi(responses, sampled, target=0.30) or satscore.coverage_report"
    ),
    "feedback_handled": (
        "an operational KPI from the feedback log, not a survey answer; check it with "
        "satscore.kpi(handled, received, target=0.90)"
    ),
    "training_pass_rate": (
        "an operational KPI from training records, not a survey answer; check it with "
        "satscore.kpi(passed, trained, target=0.80)"
    ),
    "complaint_rate_change": (
        "a change in the complaint rate between quarters, not a survey answer; check it with "
        "satscore.rate_change(..., target=-0.10)"
    ),
}


def skip_reason(name: str, subjects: Any, instrument_id: str) -> str:
    """Why the seed-plan KPI *name* gets no row in scores of this instrument."""
    if name in _OPERATIONAL:
        return _OPERATIONAL[name]
    here = list(subjects.kpis) or "none (the instrument has no overall-satisfaction item)"
    owner = next((i for i, kpi in KPI_NAMES.items() if kpi == name), None)
    if owner is not None:
        return (
            f"the satisfaction KPI of instrument {owner!r}; these scores are for instrument "
            f"{instrument_id!r}, whose KPIs are {here}. Score {owner!r} responses to check it"
        )
    return (
        f"not a KPI of these scores (instrument {instrument_id!r}, KPIs: {here}); it is the "
        "top-box of the overall-satisfaction item of instruments without their own KPI name"
    )


def resolve_targets(
    table: pd.DataFrame,
    state: RowState,
    targets: Mapping[Any, Any] | None,
    subjects: Any,
    opts: Any,
    instrument_id: str = "",
) -> tuple[pd.DataFrame, dict[str, float], dict[str, str]]:
    """The table with ``target``, ``verdict`` and ``p_value`` filled, the targets applied,
    and the seed-plan KPI targets skipped (name -> {"target": value, "reason": text})."""
    if not targets:
        return table, {}, {}
    if not isinstance(targets, Mapping):
        msg = "targets must be a mapping such as {'customer_satisfaction': 0.85}."
        raise TargetError(msg)
    target = np.full(len(table), np.nan)
    used: dict[str, float] = {}
    skipped: dict[str, dict[str, Any]] = {}
    bank_names = set(bank_kpi_targets())
    kpis = set(subjects.kpis)
    for key, value in targets.items():
        if isinstance(key, str) and key in bank_names and key not in kpis:
            # A seed-plan KPI this survey does not measure (coverage, training pass rate,
            # or a satisfaction KPI of another instrument): recorded with the reason.
            reason = skip_reason(key, subjects, instrument_id)
            v = _number(key, value)
            if not np.isfinite(v):
                msg = f"target for {key!r} must be a finite number; found {value!r}."
                raise TargetError(msg)
            skipped[key] = {"target": v, "reason": reason}
            continue
        rows, _, _ = _key_rows(table, key, subjects)
        v = _check_value(key, value, table, state, rows)
        target[rows] = v
        used[key if isinstance(key, str) else f"{key[0]}:{key[1]}"] = v
    est = table["estimate"].to_numpy(float)
    pg, pl = p_values_for(table, state, target, opts.level)
    out = table.copy()
    out["target"] = target
    out["verdict"] = verdict(state.lo1, state.hi1, target)
    out["p_value"] = directional_p_value(est, target, pg, pl)
    return out, used, skipped

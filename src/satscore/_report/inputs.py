"""Inputs of the quarterly report: instrument, validated responses, periods, KPIs,
per-dimension reliability and coverage (helpers of :func:`satscore.quarterly_report`).
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from satscore._core.errors import DataError, OptionError, SatscoreTypeError, SatscoreWarning
from satscore._psychometrics.omega import omega
from satscore._report.method import frame_coverage
from satscore._sampling.coverage import coverage_report
from satscore._scoring.options import kpi_map as _kpis
from satscore.instruments import load_instrument

__all__ = ["coverage_of", "instrument_of", "kpi_specs", "periods", "reliability_of", "validated"]


def instrument_of(instrument: Any, responses: Any) -> Any:
    if instrument is None:
        instrument = getattr(responses, "instrument", None)
        if instrument is None:
            msg = "quarterly_report needs the instrument: pass it (or its id) as the 2nd argument."
            raise SatscoreTypeError(msg)
    if isinstance(instrument, str):
        return load_instrument(instrument)
    return instrument


def validated(responses: Any, inst: Any, on_invalid: str) -> Any:
    if hasattr(responses, "data") and hasattr(responses, "missing_reason"):
        return responses
    if not isinstance(responses, pd.DataFrame):
        msg = (
            "responses must be a pandas DataFrame or ValidatedResponses; found "
            f"{type(responses).__name__}. Read the file with satscore.read_responses(path)."
        )
        raise SatscoreTypeError(msg)
    return inst.validate(responses, on_invalid=on_invalid)


def periods(data: pd.DataFrame, period: str | None, current: Any) -> tuple[Any, Any]:
    if period is None:
        return None, None
    if period not in data.columns:
        msg = (
            f"the responses have no period column {period!r} (columns: "
            f"{list(data.columns)[:10]}...); pass period=<column> or period=None for a "
            "single-period report."
        )
        raise DataError(msg)
    levels = sorted(data[period].dropna().unique().tolist())
    if not levels:
        msg = f"the period column {period!r} is empty; fill it or pass period=None."
        raise DataError(msg)
    if current is None:
        current = levels[-1]
    elif current not in levels:
        msg = f"current={current!r} is not a value of {period!r}; its values are {levels}."
        raise OptionError(msg)
    i = levels.index(current)
    return current, (levels[i - 1] if i > 0 else None)


def kpi_specs(inst: Any) -> dict[str, tuple[str, str]]:
    """The instrument's default KPIs as score_survey defines them: name -> (metric, subject)."""
    return dict(_kpis(None, inst))


def reliability_of(scores: Any, inst: Any, period: str | None, current: Any) -> pd.DataFrame | None:
    resp = scores.respondents
    if period is not None:
        resp = resp[resp[period] == current]
    rows = {}
    for d in inst.dimensions:
        items = [i for i in d.items if inst.item(i).scored and i in resp.columns]
        if len(items) < 3:
            continue
        data = resp[items].dropna(how="all")
        if len(data) < 30:
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SatscoreWarning)
            res = omega(data, n_factors=1)
        improper = [w for w in caught if issubclass(w.category, SatscoreWarning)]
        for w in caught:  # pass on anything that is not about the factor solution
            if not issubclass(w.category, SatscoreWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        rows[d.id] = {
            "alpha": float(res.alpha),
            # omega from an improper (Heywood) or unconverged one-factor fit is not reported
            "omega": float("nan") if improper else float(res.omega_total),
            "omega_note": str(improper[0].message) if improper else None,
            "n": len(data),
            "k": len(items),
        }
    if not rows:
        return None
    return pd.DataFrame.from_dict(rows, orient="index")


def coverage_of(
    frame: Any, plan: Any, vr: Any, period: str | None, current: Any, target: float
) -> Any:
    """Coverage of the current period: the plan's coverage report, or frame-only counts."""
    if frame is None and plan is None:
        return None
    data = vr.data
    if period is not None:
        data = data[data[period] == current]
    if plan is not None:
        plan_quarter = getattr(plan, "quarter", None)
        if period is not None and plan_quarter is not None and str(plan_quarter) != str(current):
            msg = (
                f"the plan is for quarter {plan_quarter!r} but the report is for {current!r}; "
                f"pass the plan of {current!r} or current={plan_quarter!r}."
            )
            raise OptionError(msg)
        return coverage_report(plan, data, target=target)
    if not isinstance(frame, pd.DataFrame):
        msg = f"frame must be a pandas DataFrame of customers; found {type(frame).__name__}."
        raise SatscoreTypeError(msg)
    return frame_coverage(frame, data, target=target)

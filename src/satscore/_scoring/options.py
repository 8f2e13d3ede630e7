"""Argument handling of ``score_survey``, shared by the in-memory and the streamed path.

:func:`check_options` validates every argument that does not need the data, once,
at the top of ``score_survey``; :func:`validated`, :func:`by_columns` and
:func:`weights_array` check what needs the responses (a whole frame in memory, or
each chunk when streamed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_columns, check_confidence_level, check_option, check_rng
from satscore._core.errors import (
    DataError,
    DesignError,
    InstrumentError,
    OptionError,
    SatscoreTypeError,
)
from satscore._scoring.metrics import DEFAULT_METRICS, METRICS
from satscore._scoring.suppression import check_suppression
from satscore._stats.intervals import METHODS
from satscore.instruments import Instrument, ValidatedResponses, load_instrument

__all__ = [
    "CI_METHODS",
    "KPI_NAMES",
    "Options",
    "by_columns",
    "check_options",
    "design_weights",
    "kpi_map",
    "validated",
    "weights_array",
]

CI_METHODS = (*METHODS, "bootstrap", "bootstrap_percentile")

#: Headline KPI per instrument id (top-box of the overall-satisfaction item).
KPI_NAMES = {
    "personalized_service": "personalized_service_satisfaction",
    "employee_service": "employee_service_satisfaction",
}

#: Columns of the metrics and items tables: a segment column may not take these names.
_RESERVED = frozenset(
    {"metric", "subject_type", "subject", "n", "n_eff", "estimate", "se", "ci_low", "ci_high",
     "definition", "target", "verdict", "p_value", "small_n", "flag", "suppressed", "df", "kind",
     "item", "code", "label", "missing_reason", "count", "share", "share_of_all"}
)  # fmt: skip


@dataclass(frozen=True)
class Options:
    """The checked arguments of one ``score_survey`` call that do not depend on the data."""

    inst: Any
    metrics: tuple[str, ...]
    kpis: dict[str, tuple[str, str]]
    level: float
    ci_method: str
    rule: str | None
    min_n: int
    n_boot: int
    rng: np.random.Generator

    @property
    def bootstrap(self) -> bool:
        """Whether the intervals are bootstrapped (needs respondent-level values)."""
        return self.ci_method.startswith("bootstrap")


def check_options(
    instrument: Any,
    *,
    metrics: Any,
    kpis: Any,
    confidence_level: float,
    ci_method: str,
    suppression: Any,
    n_boot: Any,
    seed: Any,
    weights: Any,
    design: Any,
) -> Options:
    """Every data-independent argument of ``score_survey``, checked once."""
    inst = _instrument(instrument)
    level = check_confidence_level(confidence_level)
    check_option("ci_method", ci_method, CI_METHODS)
    rule, min_n = check_suppression(suppression)
    if not isinstance(n_boot, (int, np.integer)) or isinstance(n_boot, bool) or n_boot < 100:
        msg = f"n_boot must be an integer >= 100; found {n_boot!r}. Use e.g. n_boot=2000."
        raise OptionError(msg)
    rng = check_rng(seed)
    opts = Options(
        inst, _metrics(metrics), kpi_map(kpis, inst), level, ci_method, rule, min_n,
        int(n_boot), rng,
    )  # fmt: skip
    if design is not None and weights is not None:
        msg = "give weights either through the design or through weights=, not both."
        raise OptionError(msg)
    return opts


def _instrument(instrument: Any) -> Any:
    if isinstance(instrument, Instrument):
        return instrument
    if isinstance(instrument, str):
        return load_instrument(instrument)
    msg = (
        f"instrument must be an Instrument or a built-in instrument id; found "
        f"{type(instrument).__name__}. Pass e.g. load_instrument('bank_service') or 'bank_service'."
    )
    raise SatscoreTypeError(msg)


def _metrics(metrics: Any) -> tuple[str, ...]:
    if metrics is None:
        return DEFAULT_METRICS
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    for name in names:
        if name not in METRICS:
            msg = (
                f"unknown metric {name!r}; metrics are {', '.join(METRICS)}. "
                "Check the spelling (KPI names such as 'customer_satisfaction' go in kpis=)."
            )
            raise OptionError(msg)
    return tuple(dict.fromkeys(names))


def kpi_map(kpis: Any, inst: Any) -> dict[str, tuple[str, str]]:
    """KPI name -> ``(metric, subject)``; ``None``: the instrument's headline KPI."""
    if kpis is None:
        item = inst.role_item("overall_satisfaction")
        if item is None:
            return {}
        return {KPI_NAMES.get(inst.id, "customer_satisfaction"): ("top_box", item.id)}
    if not isinstance(kpis, Mapping):
        msg = "kpis must be a mapping such as {'customer_satisfaction': ('top_box', 'OS01')}."
        raise SatscoreTypeError(msg)
    out = {}
    for name, spec in kpis.items():
        if not (isinstance(spec, tuple) and len(spec) == 2 and spec[0] in METRICS):
            msg = (
                f"kpis[{name!r}] must be a (metric, subject) pair with a metric in "
                f"{list(METRICS)}; found {spec!r}."
            )
            raise OptionError(msg)
        out[str(name)] = (spec[0], str(spec[1]))
    return out


def validated(responses: Any, inst: Any) -> Any:
    """*responses* as :class:`ValidatedResponses` of *inst* (validated here when raw)."""
    if isinstance(responses, ValidatedResponses):
        other = responses.instrument
        if (other.id, other.version) != (inst.id, inst.version):
            msg = (
                f"responses were validated with instrument {other.id!r} {other.version}, but "
                f"scoring was asked for {inst.id!r} {inst.version}. Validate with the same "
                "instrument, or pass the raw responses."
            )
            raise InstrumentError(msg)
        return responses
    if not isinstance(responses, pd.DataFrame):
        msg = (
            f"responses must be a pandas DataFrame or ValidatedResponses; found "
            f"{type(responses).__name__}. Read files with satscore.read_responses(...)."
        )
        raise SatscoreTypeError(msg)
    return inst.validate(responses, on_invalid="raise")


def by_columns(by: Any, data: pd.DataFrame, item_ids: set[str]) -> tuple[str, ...]:
    """The segment columns of ``by=`` (checked against the validated data)."""
    if by is None:
        return ()
    cols = (by,) if isinstance(by, str) else tuple(by)
    segment_cols = [c for c in data.columns if c not in item_ids]
    for col in cols:
        if not isinstance(col, str):
            check_columns((), [col], what="by column", where="in the responses",
                          fix=f"segment by one of the columns {segment_cols[:10]}")  # fmt: skip
        check_columns(
            data.columns, [col], what="by column", where="in the responses",
            fix=f"fix the name or add the column before scoring (segment columns available: "
            f"{segment_cols})",
        )  # fmt: skip
        if col in item_ids:
            msg = f"by column {col!r} is an item of the instrument; segment by a non-item column."
            raise DataError(msg)
        if col in _RESERVED:
            msg = (
                f"by column {col!r} has the name of a column of the scores tables "
                f"({', '.join(sorted(_RESERVED))}); rename it, e.g. "
                f"responses.rename(columns={{{col!r}: {col + '_group'!r}}}), and segment by that."
            )
            raise OptionError(msg)
    if len(set(cols)) != len(cols):
        msg = f"by lists a column twice: {list(cols)}; give each segment column once."
        raise OptionError(msg)
    return cols


def weights_array(weights: Any, data: pd.DataFrame) -> tuple[np.ndarray | None, str | None]:
    """``weights=`` (a column name or one value per row) as a checked float array, and
    the column name (None for an array)."""
    if weights is None:
        return None, None
    name = None
    if isinstance(weights, str):
        check_columns(data.columns, [weights], what="weights column", where="in the responses",
                      fix="add it or pass an array")  # fmt: skip
        name = weights
        values = data[weights]
    elif isinstance(weights, pd.Series) and not weights.index.equals(data.index):
        values = weights.reindex(data.index)  # align by respondent; gaps become NaN (an error)
    else:
        values = weights
    try:
        w = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        msg = f"weights must be numeric; found values of type {type(values).__name__}."
        raise DesignError(msg) from None
    label = f"weights column {name!r}" if name else "weights"
    if len(w) != len(data):
        msg = f"{label} has {len(w)} values but there are {len(data)} respondents; give one each."
        raise DesignError(msg)
    if np.isnan(w).any() or np.isinf(w).any():
        bad = int(np.flatnonzero(~np.isfinite(w))[0])
        msg = (
            f"{label} has a missing or infinite value (row {bad}: {w[bad]:g}); every respondent "
            "needs a finite weight. Impute or drop those rows."
        )
        raise DesignError(msg)
    if (w < 0).any():
        bad = int(np.flatnonzero(w < 0)[0])
        msg = f"{label} has a negative value ({w[bad]:g} at row {bad}); weights must be >= 0."
        raise DesignError(msg)
    if not (w > 0).any():
        msg = f"{label} are all zero; at least one respondent needs a positive weight."
        raise DesignError(msg)
    return w, name


def design_weights(design: Any, data: pd.DataFrame) -> np.ndarray | None:
    """The weights of an in-memory ``SurveyDesign`` on the same rows as *data*."""
    ddata = getattr(design, "data", None)
    if not isinstance(ddata, pd.DataFrame) or not hasattr(design, "domain_means"):
        msg = (
            f"design must be a satscore.SurveyDesign; found {type(design).__name__}. "
            "Build it with SurveyDesign(responses, weights=..., strata=...)."
        )
        raise SatscoreTypeError(msg)
    if len(ddata) != len(data) or not ddata.index.equals(data.index):
        msg = (
            f"design.data has {len(ddata)} rows whose index does not match the {len(data)} "
            "responses; build the SurveyDesign on the same rows (same index, same order)."
        )
        raise DesignError(msg)
    w = getattr(design, "weights", None)
    return None if w is None else np.asarray(w, dtype=float)

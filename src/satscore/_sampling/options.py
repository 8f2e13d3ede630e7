"""The validated options of a quarterly plan (one check for every planner).

:func:`satscore.plan_quarterly_sample` holds the defaults (its signature) and calls
:func:`check_plan_options` once; the in-memory planner (:mod:`satscore._sampling.memory`)
and the out-of-core one (:mod:`satscore._sampling.streamed`) receive the resulting
:class:`PlanOptions` and never see raw keyword arguments.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import (
    check_columns,
    check_confidence_level,
    check_option,
    check_probability,
)
from satscore._core.errors import DesignError, OptionError

__all__ = [
    "PlanOptions",
    "check_frame_columns",
    "check_plan_options",
    "label",
    "parse_quarter",
    "per_stratum",
    "quarter_shift",
]

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


@dataclasses.dataclass(frozen=True, eq=False)
class PlanOptions:
    """Every option of a plan, validated (see :func:`satscore.plan_quarterly_sample`).

    ``level`` is the confidence level, ``q_index``/``q_label`` the quarter, ``step`` the
    rotation step ``f``, ``shift`` the quarter's PRN shift ``s_q``, ``cols`` the stratum
    columns (empty: one stratum) and ``excluded`` the unique excluded ids (or None).
    """

    coverage: float
    level: float
    q_index: int
    q_label: str
    step: float
    shift: float
    cols: tuple[str, ...]
    id_column: str
    response_rate: Any
    precision: dict[str, tuple[float, float]] | None
    min_respondents: int | None
    allocation: str
    deff: float
    expected_p: Any
    salt: str
    excluded: pd.Index | None
    active: str | None
    selection: str
    on_infeasible: str
    prn_column: str | None


def check_plan_options(
    *,
    quarter: Any,
    coverage: float,
    response_rate: Any,
    strata: Any,
    id_column: str,
    precision: dict[str, tuple[float, float]] | None,
    min_respondents: int | None,
    allocation: str,
    deff: float,
    expected_p: Any,
    salt: str,
    exclude: Any,
    active: str | None,
    selection: str,
    on_infeasible: str,
    rotation_step: float | None,
    prn_column: str | None,
    confidence_level: float,
) -> PlanOptions:
    """Validate the options of :func:`satscore.plan_quarterly_sample` (no defaults here)."""
    check_option("allocation", allocation, ("proportional", "neyman", "equal"))
    check_option("selection", selection, ("window", "poisson", "fixed"))
    check_option("on_infeasible", on_infeasible, ("raise", "cap"))
    cov = check_probability("coverage", coverage, closed_high=True)
    level = check_confidence_level(confidence_level)
    q_index, q_label = parse_quarter(quarter)
    step = cov if rotation_step is None else check_probability("rotation_step", rotation_step)
    if deff <= 0 or not np.isfinite(deff):
        msg = f"deff must be a positive number; found {deff!r}."
        raise OptionError(msg)
    cols = () if strata is None else ((strata,) if isinstance(strata, str) else tuple(strata))
    excluded = (
        None
        if exclude is None
        else pd.Index(pd.unique(pd.Series(np.asarray(exclude, dtype=object))))
    )
    return PlanOptions(
        coverage=cov, level=level, q_index=q_index, q_label=q_label, step=step,
        shift=quarter_shift(q_index, step), cols=cols, id_column=id_column,
        response_rate=response_rate, precision=precision, min_respondents=min_respondents,
        allocation=allocation, deff=deff, expected_p=expected_p, salt=salt, excluded=excluded,
        active=active, selection=selection, on_infeasible=on_infeasible, prn_column=prn_column,
    )  # fmt: skip


def check_frame_columns(columns: Sequence[Any], opts: PlanOptions) -> None:
    """The id, stratum and stored-PRN columns of ``opts`` are among the frame's ``columns``."""
    check_columns(
        columns, [opts.id_column], what="id column", where="in the frame",
        fix="pass id_column=<the customer-id column>", error=DesignError,
    )  # fmt: skip
    check_columns(
        columns, opts.cols, what="stratum column", where="in the frame",
        fix="pass existing columns as strata=", error=DesignError,
    )  # fmt: skip
    if opts.prn_column is not None:
        check_columns(
            columns, [opts.prn_column], what="prn_column", where="in the frame",
            fix="pass the column holding the stored PRNs, or prn_column=None to hash the ids",
            error=DesignError,
        )  # fmt: skip


def label(keys: pd.DataFrame, k: int) -> Any:
    """The label of stratum ``k``: its value, or a tuple of values for crossed strata."""
    row = keys.iloc[int(k)]
    return row.iloc[0] if row.shape[0] == 1 else tuple(row)


def per_stratum(
    value: Any, name: str, keys: pd.DataFrame, cols: list[str], *, closed_high: bool
) -> np.ndarray:
    """A probability option (``response_rate``, ``expected_p``) as one value per stratum.

    ``value`` is one number for every stratum, or a dict/Series keyed by stratum label.
    """
    if isinstance(value, (dict, pd.Series)):
        labels = [tuple(r) if len(cols) > 1 else r[0] for r in keys.itertuples(index=False)]
        mapping = dict(value)
        unknown = [k for k in mapping if k not in labels]
        if unknown:
            msg = (
                f"{name} names stratum {unknown[0]!r}, which has zero population in the frame "
                f"(strata: {labels[:8]}). Remove it or check the stratum labels."
            )
            raise DesignError(msg)
        missing = [lab for lab in labels if lab not in mapping]
        if missing:
            msg = f"{name} has no value for stratum {missing[0]!r}; give every stratum a value."
            raise OptionError(msg)
        return np.array(
            [check_probability(f"{name}[{lab!r}]", mapping[lab], closed_high=closed_high)
             for lab in labels]
        )  # fmt: skip
    p = check_probability(name, value, closed_high=closed_high)
    return np.full(keys.shape[0], p)

"""Result classes of response validation: problems, the report, coded responses."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.results import ResultMixin
from satscore.instruments._parts import InstrumentDefinition

__all__ = [
    "RESERVED_REASONS",
    "Problem",
    "ValidatedResponses",
    "ValidationReport",
    "reason_dtype",
]

#: reasons that ``ValidatedResponses.missing_reason`` may hold besides missing-code reasons
RESERVED_REASONS = ("blank", "not_asked", "invalid")


def reason_dtype(instrument: InstrumentDefinition) -> pd.CategoricalDtype:
    """Categorical dtype of ``missing_reason`` columns for *instrument*.

    Categories are the instrument's missing-code reasons and
    :data:`RESERVED_REASONS`, sorted alphabetically (unordered), the same for
    every item column.

    Examples
    --------
    >>> from satscore import load_instrument
    >>> list(reason_dtype(load_instrument("csat")).categories)
    ['blank', 'invalid', 'not_applicable', 'not_asked']
    """
    found = {m.reason for scale in instrument.scales for m in scale.missing}
    return pd.CategoricalDtype(sorted(found.union(RESERVED_REASONS)), ordered=False)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One problem found while validating responses.

    Attributes
    ----------
    kind : str
        ``"missing_column"``, ``"unknown_column"``, ``"out_of_range"``,
        ``"unknown_label"``, ``"routing"``, ``"duplicate_id"``, ``"missing_id"``,
        ``"missing_id_column"``, ``"duplicate_column"``, ``"value_labels"`` or
        ``"user_missing"`` (the last two compare labels and missing codes stored
        with the data, e.g. by SPSS, with the instrument).
    column : str or None
        The column concerned.
    n_rows : int
        Number of rows affected.
    examples : tuple
        Up to five offending values (or ids).
    fix : str
        How to fix it.
    message : str
        What was found.
    rows : tuple
        Up to five row labels (index values) where it occurs.
    severity : str
        ``"error"`` (blocks ``on_invalid="raise"``) or ``"note"`` (reported only).
    """

    kind: str
    column: str | None
    n_rows: int
    examples: tuple[Any, ...]
    fix: str
    message: str = ""
    rows: tuple[Any, ...] = ()
    severity: str = "error"

    def __str__(self) -> str:
        where = f"column {self.column!r}: " if self.column is not None else ""
        ex = ", ".join(repr(e) for e in self.examples)
        examples = f" (e.g. {ex})" if ex else ""
        rows = ""
        if self.rows:
            more = ", ..." if self.n_rows > len(self.rows) else ""
            rows = f" in row(s) {', '.join(repr(r) for r in self.rows)}{more}"
        return f"{where}{self.message}{examples}{rows}. Fix: {self.fix}"


@dataclasses.dataclass(frozen=True)
class ValidationReport(ResultMixin):
    """What :meth:`Instrument.validate` found.

    Attributes
    ----------
    problems : tuple of Problem
        Every problem, errors and notes.
    n_rows : int
        Number of respondents (rows) checked.
    on_invalid : str
        ``"raise"`` or ``"coerce"``.
    n_coerced : int
        Cells turned into missing values (reason ``"invalid"``) by ``"coerce"``.
    """

    problems: tuple[Problem, ...]
    n_rows: int
    on_invalid: str
    n_coerced: int = 0
    _title = "Response validation report"

    @property
    def ok(self) -> bool:
        """True when no error-level problem was found (notes do not count)."""
        return not self.errors

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The error-level problems."""
        return tuple(p for p in self.problems if p.severity == "error")

    def summary(self) -> pd.DataFrame:
        """One row per problem: kind, severity, column, n_rows, examples, rows, fix."""
        cols = ["kind", "severity", "column", "n_rows", "examples", "rows", "message", "fix"]
        return pd.DataFrame(
            [
                {
                    "kind": p.kind,
                    "severity": p.severity,
                    "column": p.column,
                    "n_rows": p.n_rows,
                    "examples": ", ".join(map(repr, p.examples)),
                    "rows": ", ".join(map(str, p.rows)),
                    "message": p.message,
                    "fix": p.fix,
                }
                for p in self.problems
            ],
            columns=cols,
        )

    def __str__(self) -> str:
        if not self.problems:
            return f"{self.n_rows} row(s) checked: no problems."
        lines = [f"{self.n_rows} row(s) checked, {len(self.problems)} problem(s):"]
        lines += [f"  - [{p.severity}] {p}" for p in self.problems]
        if self.n_coerced:
            lines.append(f"{self.n_coerced} cell(s) coerced to missing (reason 'invalid').")
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True, eq=False)
class ValidatedResponses(ResultMixin):
    """Responses coded against an instrument.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per respondent. Item columns hold float64 codes (raw codes,
        reverse keying not applied; NaN = no valid answer); other columns
        (segments, weights) are kept unchanged, in their original order.
    missing_reason : pandas.DataFrame
        Same index, one column per item (instrument order), ``category`` dtype
        (the same categories in every column, see :func:`reason_dtype`):
        missing (``NaN``; test with ``.isna()``) for a valid answer, else a
        missing-code reason (e.g. ``"not_applicable"``), ``"blank"``,
        ``"not_asked"`` (routing skipped the item) or ``"invalid"`` (a bad value
        coerced to missing). Compare with strings (``.eq("blank")``); note that
        ``value_counts()`` lists every category, including those with count 0.
    report : ValidationReport
        The problems found.
    instrument : Instrument
        The instrument used.
    """

    data: pd.DataFrame
    missing_reason: pd.DataFrame
    report: ValidationReport
    instrument: InstrumentDefinition
    _title = "Validated responses"

    def items(self, dimension: str | None = None) -> pd.DataFrame:
        """Scored item columns (of one *dimension*), raw codes."""
        return self.data[list(self.instrument.scored_items(dimension))]

    @property
    def segments(self) -> pd.DataFrame:
        """The non-item columns (segments, weights, ...)."""
        ids = {i.id for i in self.instrument.items}
        return self.data[[c for c in self.data.columns if c not in ids]]

    def summary(self) -> pd.DataFrame:
        """Per item: number of valid answers and of each missing reason."""
        reasons = self.missing_reason
        dtype = reason_dtype(self.instrument)
        counts = {}
        for col in reasons.columns:
            codes = np.asarray(reasons[col].astype(dtype).cat.codes, dtype=np.intp) + 1
            counts[col] = np.bincount(codes, minlength=len(dtype.categories) + 1)  # 0 = valid
        table: dict[str, Any] = {
            "item": list(reasons.columns),
            "valid": [int(c[0]) for c in counts.values()],
        }
        for j, reason in enumerate(dtype.categories, start=1):
            column = [int(c[j]) for c in counts.values()]
            if any(column):
                table[str(reason)] = column
        return pd.DataFrame(table)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: instrument id, row count, report and per-item counts."""
        return {
            "instrument": self.instrument.id,
            "n_rows": len(self.data),
            "report": self.report.to_dict(),
            "items": self.summary().to_dict(orient="records"),
        }

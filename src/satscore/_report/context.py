"""What every section of a report reads: the :class:`Context` (built by
:func:`satscore.quarterly_report`), its metric rows, and its charts."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from satscore._report.svg import inline_svg

__all__ = ["ESTIMATE_COLUMNS", "Context"]

#: the columns of an estimate row shown in tiles and tables, in display order
ESTIMATE_COLUMNS = ("n", "estimate", "ci_low", "ci_high", "target", "verdict")


@dataclasses.dataclass
class Context:
    """Everything the sections need (built by :func:`satscore.quarterly_report`)."""

    instrument: Any
    language: str
    period: str | None
    current: Any
    previous: Any
    scores: Any  # SurveyScores by period (or unsegmented)
    segment_scores: dict[str, Any]
    kpi_names: list[str]
    targets: dict[str, float]
    unmeasured: list[str]
    reliability: pd.DataFrame | None
    coverage: Any
    coverage_target: float
    validation: Any
    font: str | None
    _charts: itertools.count = dataclasses.field(
        default_factory=lambda: itertools.count(1), repr=False
    )

    @property
    def where(self) -> dict[str, Any]:
        return {self.period: self.current} if self.period else {}

    @property
    def level(self) -> float:
        return float(self.scores.confidence_level)

    def rows(self, **eq: Any) -> pd.DataFrame:
        """``scores.metrics`` rows of the current period with the given column values."""
        m = self.scores.metrics
        mask = np.ones(len(m), dtype=bool)
        for col, value in {**eq, **self.where}.items():
            mask &= (m[col] == value).to_numpy()
        return m.loc[mask]

    def figure(self, ax: Axes, *, alt: str, caption: str | None = None) -> dict[str, Any]:
        """The ``chart`` macro's view of the figure holding *ax*: inline SVG and caption.

        Charts are numbered in the order drawn; the number salts the SVG ids, so
        they are unique in the report and the same on every run.
        """
        salt = f"satscore-{next(self._charts)}"
        return {"svg": inline_svg(ax.figure, alt=alt, salt=salt), "caption": caption}

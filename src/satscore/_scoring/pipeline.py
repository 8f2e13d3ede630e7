"""One wave of responses -> mergeable summaries -> :class:`SurveyScores`.

Both ``score_survey`` paths run the same two steps:

1. :func:`summarize_block` reduces one block of validated rows (a row block of an
   in-memory frame, or one streamed chunk) to a :class:`WaveSummary`: the
   :class:`~satscore._scoring.core.ScoreSummary` behind the metrics table, the
   :class:`~satscore._scoring.distribution.DistributionSummary` behind the ``items``
   table and, for a streamed design, its
   :class:`~satscore._survey.totals.DesignTotals`. Instrument validation, reverse
   keying, dimension and overall scores are all row-local, so the summaries of the
   blocks merge exactly (to rounding) into the summary of all rows.
2. :func:`finish_scores` derives the metrics table (intervals, flags, targets) from
   the merged summary and wraps it in :class:`SurveyScores`.

The in-memory path (:mod:`satscore._scoring.in_memory`) feeds row blocks of one frame
with segment codes of the whole frame; the streamed path
(:mod:`satscore._scoring.streamed`) feeds chunks with chunk-local segment keys.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from satscore._scoring.core import (
    ScoreSummary,
    Segmented,
    block_layout,
    block_values,
    summarize,
)
from satscore._scoring.distribution import DistributionSummary, distribution_table
from satscore._scoring.respondents import Subjects
from satscore._scoring.result import SCHEMA_VERSION, SurveyScores
from satscore._scoring.rows import compute_rows, row_blocks
from satscore._scoring.targets import resolve_targets
from satscore._survey.totals import DesignSpec, DesignTotals

__all__ = ["WaveSummary", "finish_scores", "summarize_block"]


@dataclasses.dataclass(frozen=True, eq=False)
class WaveSummary:
    """Mergeable summary of a set of rows: everything the scores are computed from."""

    core: ScoreSummary  # what the metrics table is computed from
    dist: DistributionSummary  # what the items table is computed from
    design: DesignTotals | None  # a streamed design's totals
    n_rows: int
    meta: tuple  # (subjects without per-row arrays, by columns)

    def merge(self, other: WaveSummary) -> WaveSummary:
        """The summary of the union of both sets of rows."""
        return WaveSummary(
            self.core.merge(other.core),
            self.dist.merge(other.dist),
            None if self.design is None else self.design.merge(other.design),
            self.n_rows + other.n_rows,
            self.meta,
        )

    def sorted(self) -> WaveSummary:
        """Segments in ``score_survey`` order (for chunk-local segment keys)."""
        return dataclasses.replace(self, core=self.core.sorted(), dist=self.dist.sorted())


def summarize_block(
    vr: Any,
    rows: Segmented,
    opts: Any,
    *,
    spec: DesignSpec | None = None,
    number: int = 0,
    with_values: bool = False,
) -> tuple[WaveSummary, np.ndarray | None]:
    """The :class:`WaveSummary` of one block of validated responses ``vr`` and, with
    ``with_values``, the per-respondent value of every row block of the table (rows x
    blocks; an in-memory design and the bootstrap need them)."""
    data = vr.data
    subjects = Subjects.from_instrument(opts.inst, data, opts.metrics, opts.kpis)
    core = summarize(subjects, rows)
    dist = DistributionSummary.of(vr, rows, scored=core.items)
    layout = block_layout(subjects) if (spec is not None or with_values) else []
    totals = None
    if spec is not None:
        values = {f"b{j}": block_values(b, subjects) for j, b in enumerate(layout)}
        totals = DesignTotals.from_frame(data, spec, values, domains=rows.by, chunk_number=number)
    y = None
    if with_values:
        y = np.empty((len(data), len(layout)))
        for j, b in enumerate(layout):
            y[:, j] = block_values(b, subjects)
    meta = (subjects.without_rows(), tuple(rows.by))
    return WaveSummary(core, dist, totals, len(data), meta), y


def finish_scores(
    total: WaveSummary,
    *,
    segments: pd.DataFrame,
    opts: Any,
    targets: Any,
    weighted: bool,
    design: Any = None,
    segment: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    values: np.ndarray | None = None,
    respondents: Callable[[], pd.DataFrame],
) -> SurveyScores:
    """Merged summary -> metrics table (intervals, flags, targets) -> :class:`SurveyScores`.

    ``segments`` are the summary's segments in order (checked with
    :func:`~satscore._scoring.core.check_segments` by the caller); ``segment`` (code per row),
    ``weights`` and ``values`` (see :func:`summarize_block`) are given by the
    in-memory path for a design or the bootstrap; ``design`` is an in-memory
    ``SurveyDesign`` or a streamed design's precomputed domain results.
    """
    subjects, by_cols = total.meta
    inst = opts.inst
    table, state = compute_rows(
        row_blocks(total.core, subjects),
        segments=segments,
        segment=np.zeros(0, dtype=np.int64) if segment is None else segment,
        weights=weights,
        design=design,
        opts=opts,
        values=values,
    )
    table, target_map, skipped = resolve_targets(table, state, targets, subjects, opts, inst.id)
    design_based = design is not None
    dist = total.dist
    return SurveyScores(
        metrics=table,
        instrument=inst,
        by=by_cols,
        confidence_level=opts.level,
        ci_method=opts.ci_method,
        suppression=opts.rule if opts.rule != "min_n" else f"min_n={opts.min_n}",
        weighted=weighted,
        design_based=design_based,
        targets=target_map,
        targets_skipped=skipped,
        definitions=subjects.definitions(weighted, design_based, opts.ci_method),
        n_respondents=int(total.n_rows),
        schema_version=SCHEMA_VERSION,
        _segments=segments,
        _items=lambda: distribution_table(inst, dist, segments),
        _respondents=respondents,
    )

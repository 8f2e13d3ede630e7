"""``score_survey`` on streamed chunks or a Dask frame: one pass of mergeable summaries.

Each chunk is validated and scored exactly as in memory (instrument validation,
reverse keying, dimension and overall scores are all row-local), then reduced
to the same mergeable summaries the in-memory path builds over all rows:

* :class:`~satscore._scoring.core.ScoreSummary` (category counts of the scored
  items, moments of the scores merged with Chan's update, flag counts);
* :class:`~satscore._scoring.distribution.DistributionSummary` for the ``items`` table;
* with a design, :class:`~satscore._survey.totals.DesignTotals` of every
  block's per-respondent values by (stratum, PSU, segment).

The merged summaries go through the same aggregate, interval, suppression and
target code as the in-memory path, so the metrics table is equal to the
in-memory one to rounding (1e-9). Bootstrap intervals need respondent-level data and are not
available for streamed input; ``respondents`` (the per-respondent table) is not
kept.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DataError, DesignError, OptionError, SatscoreTypeError
from satscore._scoring.core import (
    ScoreSummary,
    Segmented,
    block_layout,
    block_values,
    check_segments,
    summarize,
)
from satscore._scoring.distribution import DistributionSummary, distribution_table
from satscore._stream.base import segment_keys
from satscore._stream.reduce import reduce_summaries
from satscore._survey.totals import DesignSpec, DesignTotals, design_estimates

__all__ = ["score_streamed"]


@dataclasses.dataclass(frozen=True, eq=False)
class _ChunkSummary:
    core: ScoreSummary  # what the metrics table is computed from
    dist: DistributionSummary  # what the items table is computed from
    design: DesignTotals | None
    n_rows: int
    meta: tuple  # (subjects without per-row arrays, by columns)

    def merge(self, other: _ChunkSummary) -> _ChunkSummary:
        return _ChunkSummary(
            self.core.merge(other.core),
            self.dist.merge(other.dist),
            None if self.design is None else self.design.merge(other.design),
            self.n_rows + other.n_rows,
            self.meta,
        )


def _design_spec(design: Any) -> DesignSpec | None:
    if design is None:
        return None
    spec = getattr(design, "_spec", None)
    if isinstance(spec, DesignSpec):
        return spec
    msg = (
        "the responses are streamed (chunks or a dask frame) but design is an in-memory "
        f"{type(design).__name__}; build it on the same source so it reads its columns from the "
        "chunks: SurveyDesign(<same chunks>, weights=..., strata=..., cluster=...)."
    )
    raise SatscoreTypeError(msg)


def _summarize_chunk(
    chunk: pd.DataFrame,
    number: int,
    inst: Any,
    by: Any,
    metric_names: tuple[str, ...],
    kpis: dict,
    weights: Any,
    spec: DesignSpec | None,
) -> _ChunkSummary:
    from satscore._scoring.respondents import Subjects
    from satscore._scoring.score import _by, _validated, _weights

    vr = _validated(chunk, inst)
    data = vr.data
    by_cols = _by(by, data, {i.id for i in inst.items})
    w, _ = _weights(weights, data)
    if spec is not None and spec.weights is not None:
        w = pd.to_numeric(data[spec.weights], errors="coerce").to_numpy(dtype=float)
    segment, keys, dtypes = segment_keys(data, by_cols)
    subjects = Subjects.from_instrument(inst, data, metric_names, kpis)
    rows = Segmented(segment, keys, by_cols, dtypes, w)
    core = summarize(subjects, rows)
    dist = DistributionSummary.of(vr, rows)
    totals = None
    if spec is not None:
        values = {f"b{j}": block_values(b, subjects) for j, b in enumerate(block_layout(subjects))}
        totals = DesignTotals.from_frame(data, spec, values, domains=by_cols, chunk_number=number)
    return _ChunkSummary(core, dist, totals, len(data), (subjects.without_rows(), by_cols))


class _Precomputed:
    """Stands in for a design in ``compute_rows``: domain results computed from totals."""

    def __init__(self, result: dict[str, Any]) -> None:
        self._result = result

    def domain_means(self, y: Any, *, domains: Any = None, n_domains: Any = None) -> dict:
        return self._result


def score_streamed(
    responses: Any,
    inst: Any,
    *,
    by: Any,
    metrics: tuple[str, ...],
    kpis: dict,
    targets: Any,
    weights: Any,
    design: Any,
    opts: Any,
) -> Any:
    """The streamed counterpart of ``score_survey`` (called by it for out-of-core input)."""
    from satscore._scoring.rows import row_blocks
    from satscore._scoring.score import finish_scores

    if opts.ci_method.startswith("bootstrap"):
        msg = (
            f"ci_method={opts.ci_method!r} resamples respondents, which needs them in memory; "
            "streamed input (chunks or a dask frame) supports the closed-form intervals. Use "
            "ci_method='korn_graubard' (or another closed form) or pass a DataFrame."
        )
        raise OptionError(msg)
    if weights is not None and not isinstance(weights, str):
        msg = (
            "with streamed responses, weights must be the name of a weight column in the "
            f"chunks; found {type(weights).__name__}. Add the weights as a column."
        )
        raise SatscoreTypeError(msg)
    if design is not None and weights is not None:
        msg = "give weights either through the design or through weights=, not both."
        raise OptionError(msg)
    spec = _design_spec(design)

    def summarize(chunk: pd.DataFrame, number: int) -> _ChunkSummary:
        return _summarize_chunk(chunk, number, inst, by, metrics, kpis, weights, spec)

    total = reduce_summaries(responses, summarize)
    subjects, by_cols = total.meta
    if total.n_rows == 0:
        msg = "responses have no rows; score at least one respondent."
        raise DataError(msg)
    core = total.core.sorted()
    segments = core.scores.segments()
    check_segments(core, segments)
    blocks = row_blocks(core, subjects, values=False)
    adapter = None
    if spec is not None:
        res = design_estimates(total.design)
        if len(res["domains"]) != len(segments) or not (
            res["domains"]
            .reset_index(drop=True)
            .astype(object)
            .equals(segments.reset_index(drop=True).astype(object))
            or not by_cols
        ):
            msg = "internal: design domains and segments disagree; please report this."
            raise DesignError(msg)
        res = dict(res)
        res["se"] = np.sqrt(res.pop("var"))
        adapter = _Precomputed(res)
    result = finish_scores(
        blocks,
        inst=inst,
        subjects=subjects,
        by_cols=by_cols,
        segments=segments,
        opts=opts,
        targets=targets,
        n_respondents=total.n_rows,
        weighted=weights is not None or spec is not None,
        design=adapter,
        respondents=_no_respondents,
    )
    result._cache["items"] = distribution_table(inst, total.dist.sorted(), segments)
    return result


def _no_respondents() -> pd.DataFrame:
    msg = (
        "the per-respondent table is not kept when scoring streamed data (chunks or a dask "
        "frame); every metric is in scores.metrics and the distributions in scores.items. "
        "Score an in-memory DataFrame to get scores.respondents."
    )
    raise DataError(msg)

"""``score_survey`` on streamed chunks or a Dask frame: one pass of mergeable summaries.

Each chunk is validated and reduced by :func:`~satscore._scoring.pipeline.summarize_block`,
exactly as the row blocks of an in-memory frame are, with chunk-local segment keys
(chunks may see different segments); the merged, sorted summary goes through
:func:`~satscore._scoring.pipeline.finish_scores`. With a design built on the same
chunks, its :class:`~satscore._survey.totals.DesignTotals` give the domain standard
errors. The metrics table equals the in-memory one to rounding (1e-9). Bootstrap
intervals need respondent-level data and are not available for streamed input;
``respondents`` (the per-respondent table) is not kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DataError, DesignError, OptionError, SatscoreTypeError
from satscore._scoring.core import Segmented, check_segments
from satscore._scoring.options import Options, by_columns, validated, weights_array
from satscore._scoring.pipeline import WaveSummary, finish_scores, summarize_block
from satscore._scoring.result import SurveyScores
from satscore._stream.base import segment_keys
from satscore._stream.reduce import reduce_summaries
from satscore._survey.totals import DesignSpec, design_estimates

__all__ = ["score_streamed"]


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


class _Precomputed:
    """Stands in for a design in ``compute_rows``: domain results computed from totals."""

    def __init__(self, result: dict[str, Any]) -> None:
        self._result = result

    def domain_means(self, y: Any, *, domains: Any = None, n_domains: Any = None) -> dict:
        return self._result


def _design_results(total: WaveSummary, segments: pd.DataFrame, by_cols: tuple) -> _Precomputed:
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
    return _Precomputed(res)


def score_streamed(
    responses: Any, opts: Options, *, by: Any, targets: Any, weights: Any, design: Any
) -> SurveyScores:
    """The streamed counterpart of the in-memory path (``score_survey`` dispatches here)."""
    if opts.bootstrap:
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
    spec = _design_spec(design)
    item_ids = {i.id for i in opts.inst.items}

    def summarize(chunk: pd.DataFrame, number: int) -> WaveSummary:
        vr = validated(chunk, opts.inst)
        data = vr.data
        by_cols = by_columns(by, data, item_ids)
        w, _ = weights_array(weights, data)
        if spec is not None and spec.weights is not None:
            w = pd.to_numeric(data[spec.weights], errors="coerce").to_numpy(dtype=float)
        segment, keys, dtypes = segment_keys(data, by_cols)
        rows = Segmented(segment, keys, by_cols, dtypes, w)
        return summarize_block(vr, rows, opts, spec=spec, number=number)[0]

    total = reduce_summaries(responses, summarize)
    if total.n_rows == 0:
        msg = "responses have no rows; score at least one respondent."
        raise DataError(msg)
    total = total.sorted()
    segments = total.core.scores.segments()
    check_segments(total.core, segments)
    by_cols = total.meta[1]
    return finish_scores(
        total,
        segments=segments,
        opts=opts,
        targets=targets,
        weighted=weights is not None or spec is not None,
        design=None if spec is None else _design_results(total, segments, by_cols),
        respondents=_no_respondents,
    )


def _no_respondents() -> pd.DataFrame:
    msg = (
        "the per-respondent table is not kept when scoring streamed data (chunks or a dask "
        "frame); every metric is in scores.metrics and the distributions in scores.items. "
        "Score an in-memory DataFrame to get scores.respondents."
    )
    raise DataError(msg)

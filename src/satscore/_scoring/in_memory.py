"""``score_survey`` on an in-memory frame: row blocks through the mergeable summaries.

The frame (raw responses or :class:`ValidatedResponses`) is validated and summarised
in blocks of :data:`BLOCK_ROWS` rows by the same
:func:`~satscore._scoring.pipeline.summarize_block` as streamed chunks, with the
segment codes of the whole frame, so no full-size validated copy, recoded items,
scores or per-respondent table exist while scoring: the extra memory is a few
block-sized temporaries, the segment codes and the weights. Only an in-memory design
and the bootstrap keep one value per respondent and table block (they resample or
linearise respondents). ``respondents`` is built on first access.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DataError, OptionError, ResponseValidationError
from satscore._scoring.core import Segmented, check_segments, frame_keys
from satscore._scoring.options import (
    Options,
    by_columns,
    design_weights,
    validated,
    weights_array,
)
from satscore._scoring.pipeline import finish_scores, summarize_block
from satscore._scoring.respondents import Subjects, build_respondents
from satscore._scoring.result import SurveyScores
from satscore._stats.grouped import segment_codes
from satscore._stream.base import merge_all
from satscore.instruments import ValidatedResponses

__all__ = ["BLOCK_ROWS", "score_in_memory"]

#: Rows per block: small enough that a block's float64 temporaries stay near 30 MB.
BLOCK_ROWS = 1 << 17


def _blocks(responses: Any, inst: Any) -> Iterator[tuple[int, Any]]:
    """``(start, validated block)`` over the rows (one empty block for an empty frame).

    A block that fails validation is re-validated with the whole frame, so the error
    lists every problem of every row as validating the frame at once does.
    """
    if isinstance(responses, ValidatedResponses):
        n = len(responses.data)
    else:
        n = len(responses)
    for start in range(0, max(n, 1), BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        if isinstance(responses, ValidatedResponses):
            yield (
                start,
                dataclasses.replace(
                    responses,
                    data=responses.data.iloc[start:stop],
                    missing_reason=responses.missing_reason.iloc[start:stop],
                ),
            )
        elif start == 0 and stop == n:
            yield start, validated(responses, inst)
        else:
            try:
                vr = validated(responses.iloc[start:stop], inst)
            except ResponseValidationError:
                validated(responses, inst)  # the report of the whole frame
                raise
            yield start, vr


def score_in_memory(
    responses: Any, opts: Options, *, by: Any, targets: Any, weights: Any, design: Any
) -> SurveyScores:
    """Score an in-memory frame (``score_survey`` dispatches here)."""
    inst = opts.inst
    if not isinstance(responses, pd.DataFrame):
        validated(responses, inst)  # ValidatedResponses of this instrument, else a type error
    else:
        responses = responses.copy(deep=False)  # a snapshot (copy-on-write) for respondents
    blocks = _blocks(responses, inst)
    first = next(blocks)
    frame = responses.data if isinstance(responses, ValidatedResponses) else responses
    by_cols = by_columns(by, first[1].data, {i.id for i in inst.items})
    if design is not None and opts.bootstrap:
        msg = (
            f"ci_method={opts.ci_method!r} resamples respondents independently, which ignores "
            "the design's strata and clusters; with design= use a design-based interval (the "
            "default 'korn_graubard', or 'wilson'), or pass weights= instead of design= for a "
            "weighted bootstrap of an unclustered sample."
        )
        raise OptionError(msg)
    w, w_name = weights_array(weights, frame)
    if design is not None:
        w = design_weights(design, frame)
    if len(frame) == 0:
        msg = "responses have no rows; score at least one respondent."
        raise DataError(msg)
    segment, segments = segment_codes(frame, by_cols)
    keys, dtypes = frame_keys(segments), tuple(frame[c].dtype for c in by_cols)
    need_values = design is not None or opts.bootstrap
    parts, values = [], None
    for start, vr in _chain(first, blocks):
        stop = start + len(vr.data)
        rows = Segmented(
            segment[start:stop], keys, by_cols, dtypes, None if w is None else w[start:stop]
        )
        part, y = summarize_block(vr, rows, opts, with_values=need_values)
        if y is not None:
            if values is None:
                values = np.empty((len(frame), y.shape[1]))
            values[start:stop] = y
        parts.append(part)
    total = merge_all(parts)
    check_segments(total.core, segments)

    def respondents() -> pd.DataFrame:  # built on first access of SurveyScores.respondents
        vr = validated(responses, inst)
        subjects = Subjects.from_instrument(inst, vr.data, opts.metrics, opts.kpis)
        return build_respondents(vr, subjects, by_cols, w, w_name)

    return finish_scores(
        total,
        segments=segments,
        opts=opts,
        targets=targets,
        weighted=w is not None,
        design=design,
        segment=segment,
        weights=w,
        values=values,
        respondents=respondents,
    )


def _chain(first: tuple[int, Any], rest: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
    yield first
    yield from rest

"""The one core behind ``score_survey``: mergeable per-segment summaries -> row aggregates.

The in-memory path (row blocks of one DataFrame) and the streamed path (chunks, a
Dask frame) reduce the scored values to the same summaries
(:mod:`satscore._scoring.pipeline`) and derive every row of the metrics table from
them with the same code:

* :class:`ScoreSummary` — per segment, the category counts of every scored item
  (recoded answers), the moments (count, Σw, mean, centred Σw(z - mean)², Σw²)
  of every dimension and overall score, and the counts of the scores'
  "satisfied" flags. Built with one ``np.bincount`` per item or score
  (:func:`summarize`), once per row block or chunk, merged exactly
  (:meth:`ScoreSummary.merge`);
* :func:`block_layout` — which (metric, subject) blocks of rows the table has;
* :func:`block_aggregate` — a block's :class:`~satscore._stats.grouped.Aggregate`
  (n, Σw, estimate, variance, effective n per segment) from the summary: item
  metrics from category counts, score metrics from moments and flag counts;
* :func:`block_values` — the per-respondent values of a block, needed only by
  design-based standard errors and the bootstrap.

The ``items`` distribution table has its own summary in
:mod:`satscore._scoring.distribution`, built with the same helpers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DesignError
from satscore._scoring.metrics import METRICS, category_values, linear_map, metric_kind
from satscore._stats import grouped as M
from satscore._stream.summaries import CategoryCounts, Moments

__all__ = [
    "BlockSpec",
    "ScoreSummary",
    "Segmented",
    "block_aggregate",
    "block_layout",
    "block_values",
    "counts_summary",
    "frame_keys",
    "moments_summary",
    "stack_counts",
    "summarize",
]

ANSWERED = "_answered"  # flag: 1 for respondents with any valid answer


# ----------------------------------------------------------------------------- layout
@dataclasses.dataclass(frozen=True)
class BlockSpec:
    """One (metric, subject) block of rows (one row per segment), without data."""

    metric: str  # row label: the metric, or the KPI name for KPI rows
    subject_type: str  # "kpi", "item", "dimension" or "overall"
    subject: str
    base: str  # the metric computed (differs from ``metric`` on KPI rows)
    kind: str  # "proportion", "mean" or "net"
    definition: str
    lo: float  # range of the per-respondent value (intervals are clipped to it)
    hi: float


def block_layout(subjects: Any) -> list[BlockSpec]:
    """Blocks in table order: KPIs, then items, then dimension and overall scores."""
    item_specs: dict[tuple[str, str], BlockSpec] = {}
    for it in subjects.items:
        wanted = set(it.metrics) | {m for m, s in subjects.kpis.values() if s == it.id}
        for metric in [m for m in METRICS if m in wanted]:
            zk = category_values(metric, it.codes, it.satisfied)
            item_specs[(metric, it.id)] = BlockSpec(
                metric,
                "item",
                it.id,
                metric,
                metric_kind(metric),
                subjects.definition(metric, it.id),
                float(zk.min()),
                float(zk.max()),
            )
    score_specs: dict[tuple[str, str], BlockSpec] = {}
    for s in subjects.scores:
        wanted = set(s.metrics) | {m for m, sub in subjects.kpis.values() if sub == s.id}
        for metric in [m for m in METRICS if m in wanted]:
            a, b = linear_map(metric, s.lo, s.hi)
            lo, hi = (0.0, 1.0) if metric == "top_box" else (a + b * s.lo, a + b * s.hi)
            score_specs[(metric, s.id)] = BlockSpec(
                metric,
                s.subject_type,
                s.id,
                metric,
                metric_kind(metric),
                subjects.definition(metric, s.id),
                lo,
                hi,
            )
    specs = []
    for name, (metric, subject) in subjects.kpis.items():
        src = item_specs.get((metric, subject)) or score_specs[(metric, subject)]
        text = f"KPI {name}: {metric} of {subject}: {src.definition}"
        specs.append(dataclasses.replace(src, metric=name, subject_type="kpi", definition=text))
    specs += [b for (m, _), b in item_specs.items() if m in subjects.metric_names]
    specs += [b for (m, _), b in score_specs.items() if m in subjects.metric_names]
    return specs


def block_values(spec: BlockSpec, subjects: Any) -> np.ndarray:
    """Per-respondent value of the block's metric (NaN where the respondent has none)."""
    it = subjects.item_or_none(spec.subject)
    if it is not None:
        x = subjects.recoded[it.id]
        zk = category_values(spec.base, it.codes, it.satisfied)
        c = np.asarray(it.codes, dtype=float)
        pos = np.minimum(np.searchsorted(c, x), len(c) - 1)
        return np.where(c[pos] == x, zk[pos], np.nan)
    s = subjects.score(spec.subject)
    if spec.base == "top_box":
        return np.where(np.isnan(s.values), np.nan, (s.values >= s.threshold) * 1.0)
    a, b = linear_map(spec.base, s.lo, s.hi)
    return a + b * s.values


# ----------------------------------------------------------------------------- summaries
def frame_keys(segments: pd.DataFrame) -> tuple[tuple, ...]:
    """Segment keys (tuples of Python values) of a segments frame; ``((),)`` without ``by``."""
    if not len(segments.columns):
        return ((),)
    rows = segments.itertuples(index=False, name=None)
    return tuple(tuple(v.item() if isinstance(v, np.generic) else v for v in r) for r in rows)


def counts_summary(
    values: Mapping[str, np.ndarray],
    codes: Mapping[str, Sequence[float]],
    workspace: M.Workspace,
    weights: np.ndarray | None,
    keyed: dict[str, Any],
    missing: Mapping[str, np.ndarray] | None = None,
) -> CategoryCounts:
    """:class:`CategoryCounts` of each column (one bincount each, buffers reused)."""
    parts = {
        c: M.category_counts(
            values[c],
            codes[c],
            workspace.segment,
            workspace.n_segments,
            weights,
            missing=None if missing is None else missing.get(c),
            workspace=workspace,
        )
        for c in codes
    }
    return stack_counts(parts, codes, weights, keyed)


def stack_counts(
    parts: Mapping[str, tuple], codes: Any, weights: np.ndarray | None, keyed: dict[str, Any]
) -> CategoryCounts:
    """Per-column ``(counts, wsum, wsq)`` -> one :class:`CategoryCounts` (``codes``: a
    mapping column -> codes, or one tuple of codes shared by every column)."""
    cols = tuple(parts)
    g_n = len(keyed["keys"])

    def join(i: int) -> np.ndarray | None:
        if i and weights is None:
            return None
        return np.concatenate([parts[c][i] for c in cols], axis=1) if cols else np.zeros((g_n, 0))

    of = (lambda c: codes[c]) if isinstance(codes, Mapping) else (lambda c: codes)
    as_float = tuple(tuple(float(v) for v in of(c)) for c in cols)
    return CategoryCounts(
        **keyed, columns=cols, codes=as_float, counts=join(0), wsum=join(1), wsq=join(2)
    )


def moments_summary(
    columns: Mapping[str, np.ndarray],
    segment: np.ndarray,
    n_segments: int,
    weights: np.ndarray | None,
    keyed: dict[str, Any],
) -> Moments:
    """:class:`Moments` of each column (:func:`~satscore._stats.grouped.value_moments`)."""
    seg_f = M.segment_float(segment)
    stats = [
        M.value_moments(z, segment, n_segments, weights, seg_f=seg_f) for z in columns.values()
    ]
    return _moments(stats, tuple(columns), weights, keyed)


def _moments(
    stats: Sequence[tuple], names: tuple[str, ...], weights: Any, keyed: dict[str, Any]
) -> Moments:
    """Per-column ``value_moments`` results -> one :class:`Moments`."""
    g_n = len(keyed["keys"])
    n, sw, mean, m2 = (
        np.column_stack([s[i] for s in stats]) if stats else np.zeros((g_n, 0)) for i in range(4)
    )
    sw2 = None
    if weights is not None:
        sw2 = np.column_stack([s[4] for s in stats]) if stats else np.zeros((g_n, 0))
    return Moments(**keyed, columns=names, n=n, sum_w=sw, mean=mean, m2=m2, sum_w2=sw2)


class FieldwiseMerge:
    """Merge and sort a dataclass of mergeable summaries field by field."""

    def merge(self, other: Any) -> Any:
        """The summary of the union of both sets of rows."""
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        return type(self)(*(getattr(self, f.name).merge(getattr(other, f.name)) for f in fields))

    def sorted(self) -> Any:
        """Segments in ``score_survey`` order (see :meth:`Moments.segments`)."""
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        return type(self)(*(getattr(self, f.name).sorted() for f in fields))


@dataclasses.dataclass(frozen=True, eq=False)
class ScoreSummary(FieldwiseMerge):
    """Mergeable per-segment summary of everything the metrics table is computed from.

    Attributes
    ----------
    items : CategoryCounts
        Counts (and weight sums) of the recoded answer codes of the scored items.
    scores : Moments
        Moments of every dimension and overall score.
    flags : CategoryCounts
        Counts of the 0/1 "satisfied" flag of every score (among respondents
        with that score), and of ``"_answered"`` (1 for a respondent with at
        least one valid answer to any item, among all respondents).
    """

    items: CategoryCounts
    scores: Moments
    flags: CategoryCounts

    def answered(self) -> np.ndarray:
        """Respondents with any valid scored answer, per segment."""
        return self.flags.item_counts(ANSWERED)[:, 1]


@dataclasses.dataclass(frozen=True, eq=False)
class Segmented:
    """A set of rows to summarise: segment code per row (-1 = in no segment), the keys
    (segment values) of the codes, the ``by`` columns, their dtypes and the weights."""

    segment: np.ndarray
    keys: tuple[tuple, ...]
    by: tuple[str, ...] = ()
    key_dtypes: tuple[Any, ...] = ()
    weights: np.ndarray | None = None

    def keyed(self) -> dict[str, Any]:
        """The segment fields of a mergeable summary."""
        return {"by": tuple(self.by), "keys": self.keys, "key_dtypes": tuple(self.key_dtypes)}


def summarize(subjects: Any, rows: Segmented) -> ScoreSummary:
    """The :class:`ScoreSummary` of a set of rows."""
    segment, keys, weights, keyed = rows.segment, rows.keys, rows.weights, rows.keyed()
    ws = M.Workspace(segment, len(keys))
    items = counts_summary(
        {it.id: subjects.recoded[it.id] for it in subjects.items},
        {it.id: it.codes for it in subjects.items},
        ws,
        weights,
        keyed,
        subjects.missing,
    )
    answered = np.zeros(len(segment), dtype=bool)
    for miss in subjects.missing.values():  # every item of the instrument in the data
        answered |= ~miss
    g_n = len(keys)
    seg_f = M.segment_float(segment)
    moments, flags = [], {}
    for s in subjects.scores:
        bins = M.value_bins(s.values, seg_f, g_n)
        moments.append(M.value_moments(s.values, segment, g_n, weights, bins=bins))
        flags[s.id] = M.binary_counts(s.values >= s.threshold, bins, g_n, weights)
    flags[ANSWERED] = M.binary_counts(answered, M.value_bins(0.0, seg_f, g_n), g_n, weights)
    scores = _moments(moments, tuple(s.id for s in subjects.scores), weights, keyed)
    return ScoreSummary(items, scores, stack_counts(flags, (0.0, 1.0), weights, keyed))


def check_segments(summary: ScoreSummary, segments: pd.DataFrame) -> None:
    """Every segment needs a valid answer, and a positive weight among those who answered.

    Raises DataError / DesignError naming the first offending segment.
    """
    answered = summary.flags.item_counts(ANSWERED)
    M.check_segments_nonempty(answered[:, 1], segments, "any item of the instrument")
    wsum = summary.flags.item_counts(ANSWERED, "wsum")
    if wsum is None:
        return
    zero = np.flatnonzero(~(wsum[:, 1] > 0))
    if zero.size:
        g = int(zero[0])
        msg = (
            f"segment {M.describe_segment(segments, g)}: the weights of all "
            f"{int(answered[g, 1])} respondents who answered are zero, so its estimates are "
            "undefined; give them positive weights, drop the segment's rows, or score without "
            f"that breakdown ({zero.size} segment(s) affected)."
        )
        raise DesignError(msg)


def block_aggregate(spec: BlockSpec, summary: ScoreSummary, subjects: Any) -> M.Aggregate:
    """Per-segment sufficient statistics of one block, from the summary."""
    it = subjects.item_or_none(spec.subject)
    if it is not None:
        zk = category_values(spec.base, it.codes, it.satisfied)
        return summary.items.aggregate(spec.subject, zk)
    base = summary.scores.aggregate(spec.subject)
    if spec.base == "top_box":
        flags = summary.flags
        mass = flags.item_counts(spec.subject, "counts" if flags.wsum is None else "wsum")
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(base.n > 0, mass[:, 1] / base.sum_w, np.nan)
        return M.Aggregate(base.n, base.sum_w, p, p * (1.0 - p), base.n_eff)
    s = subjects.score(spec.subject)
    a, b = linear_map(spec.base, s.lo, s.hi)
    return M.Aggregate(base.n, base.sum_w, a + b * base.estimate, b * b * base.var, base.n_eff)

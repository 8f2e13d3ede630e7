"""``score_survey`` on streamed chunks or a Dask frame: one pass of mergeable summaries.

Each chunk is validated and scored exactly as in memory (instrument validation,
reverse keying, dimension and overall scores are all row-local), then reduced
to summaries keyed by segment values:

* the per-segment aggregate of every (metric, subject) block, as weighted
  :class:`~satscore._summaries.Moments` (count, Σw, mean, centred Σw(z-mean)²,
  Σw²) merged with Chan's update;
* raw-code and missing-reason :class:`~satscore._summaries.CategoryCounts`
  for the ``items`` distribution table;
* with a design, :class:`~satscore._summaries_design.DesignTotals` of every
  block's per-respondent values by (stratum, PSU, segment).

The merged summaries go through the same interval, suppression and target code
as the in-memory path, so the metrics table is equal to the in-memory one to
rounding (1e-9). Bootstrap intervals need respondent-level data and are not
available for streamed input; ``respondents`` (the per-respondent table) is not
kept.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from . import _metrics as M
from ._dask import reduce_summaries
from ._summaries import CategoryCounts, Moments
from ._summaries_base import segment_keys
from ._summaries_design import DesignSpec, DesignTotals, design_estimates
from .errors import DataError, DesignError, OptionError, SatscoreTypeError

__all__ = ["score_streamed"]

_EXTRA_REASONS = ("blank", "invalid", "not_asked")


@dataclasses.dataclass(frozen=True, eq=False)
class _ScoreSummary:
    items: CategoryCounts  # recoded answers of the scored items, per segment
    scores: Moments  # dimension/overall scores, plus "_answered" and "_all"
    flags: CategoryCounts  # 0/1 "satisfied" flags of the scores
    raw: CategoryCounts  # raw answer codes per item, per segment
    reasons: CategoryCounts  # missing-reason codes per item, per segment
    presence: CategoryCounts  # missing-reason codes per item over all rows
    design: DesignTotals | None
    n_rows: int
    meta: tuple  # (block metadata, subjects of the first chunk, by columns)

    def merge(self, other: _ScoreSummary) -> _ScoreSummary:
        return _ScoreSummary(
            self.items.merge(other.items),
            self.scores.merge(other.scores),
            self.flags.merge(other.flags),
            self.raw.merge(other.raw),
            self.reasons.merge(other.reasons),
            self.presence.merge(other.presence),
            None if self.design is None else self.design.merge(other.design),
            self.n_rows + other.n_rows,
            self.meta if self.meta[0] is not None else other.meta,
        )


def _reason_list(inst: Any) -> tuple[str, ...]:
    reasons = {m.reason for s in inst.scales for m in s.missing}
    return tuple(sorted(reasons | set(_EXTRA_REASONS)))


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
    reasons: tuple[str, ...],
) -> _ScoreSummary:
    from ._respondents import Subjects
    from ._score import _by, _validated, _weights

    vr = _validated(chunk, inst)
    data = vr.data
    item_ids = {i.id for i in inst.items}
    by_cols = _by(by, data, item_ids)
    w, _ = _weights(weights, data)
    if spec is not None and spec.weights is not None:
        w = pd.to_numeric(data[spec.weights], errors="coerce").to_numpy(dtype=float)
    segment, keys, dtypes = segment_keys(data, by_cols)
    n_seg = len(keys)
    seg_frame = pd.DataFrame(list(keys), columns=list(by_cols)) if by_cols else None
    segments = seg_frame if seg_frame is not None else pd.DataFrame(index=pd.RangeIndex(1))
    subjects = Subjects.from_instrument(inst, data, metric_names, kpis)
    blocks = []
    if number == 0 or spec is not None:  # block layout (chunk 0) and design values
        blocks = subjects.blocks(data, None, segment, n_seg, w, segments)
    answered = np.zeros(len(data), dtype=bool)
    for x in subjects.recoded.values():
        answered |= ~np.isnan(x)
    common = {"by": by_cols, "key_dtypes": dtypes, "weights": w}
    items = CategoryCounts.from_arrays(
        {it.id: subjects.recoded[it.id] for it in subjects.items},
        {it.id: it.codes for it in subjects.items},
        segment,
        keys,
        **common,
    )
    values = [sc.values for sc in subjects.scores]
    scores = Moments.from_arrays(
        np.column_stack([*values, np.where(answered, 1.0, np.nan), np.ones(len(data))]),
        segment,
        keys,
        columns=(*(sc.id for sc in subjects.scores), "_answered", "_all"),
        **common,
    )
    flags = CategoryCounts.from_arrays(
        {
            sc.id: np.where(np.isnan(sc.values), np.nan, (sc.values >= sc.threshold) * 1.0)
            for sc in subjects.scores
        },
        {sc.id: (0.0, 1.0) for sc in subjects.scores},
        segment,
        keys,
        **common,
    )
    codes, raw_values = {}, {}
    for item in inst.items:
        if item.id in data.columns:
            codes[item.id] = tuple(float(c) for c in inst.scale(item.scale).codes)
            raw_values[item.id] = data[item.id].to_numpy(dtype=float)
    raw = CategoryCounts.from_arrays(raw_values, codes, segment, keys, **common)
    rcodes = dict.fromkeys(codes, tuple(float(i) for i in range(len(reasons))))
    index = pd.Index(reasons)
    rvals = {c: _reason_codes(vr.missing_reason[c], index) for c in codes}
    reason_counts = CategoryCounts.from_arrays(rvals, rcodes, segment, keys, **common)
    everywhere = np.zeros(len(data), dtype=np.int64)
    presence = CategoryCounts.from_arrays(rvals, rcodes, everywhere, ((),))
    totals = None
    if spec is not None:
        values = {f"b{j}": b.z() for j, b in enumerate(blocks)}
        totals = DesignTotals.from_frame(data, spec, values, domains=by_cols, chunk_number=number)
    meta = None
    if number == 0:
        meta = tuple(
            (b.metric, b.subject_type, b.subject, b.kind, b.definition, b.lo, b.hi) for b in blocks
        )
    return _ScoreSummary(
        items,
        scores,
        flags,
        raw,
        reason_counts,
        presence,
        totals,
        len(data),
        (meta, subjects, by_cols),
    )


def _reason_codes(series: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each row's missing reason in ``index`` (NaN for valid answers)."""
    arr = series.to_numpy(dtype=object)
    out = np.full(arr.shape[0], np.nan)
    given = pd.notna(arr)
    if given.any():
        pos = index.get_indexer(arr[given]).astype(float)
        out[given] = np.where(pos >= 0, pos, np.nan)
    return out


def _aggregate(
    metric: str,
    subject: str,
    subjects: Any,
    items: CategoryCounts,
    scores: Moments,
    flags: CategoryCounts,
) -> M.Aggregate:
    """The block's aggregate from merged summaries, with the in-memory formulas."""
    from ._rows import _linear

    for it in subjects.items:
        if it.id == subject:
            zk = M.category_values(metric, it.codes, it.satisfied)
            return items.aggregate(subject, zk)
    sc = subjects.score(subject)
    base = scores.aggregate(subject)
    if metric == "top_box":
        wsum = flags.item_counts(subject, "wsum")
        mass = flags.item_counts(subject) if wsum is None else wsum
        with np.errstate(invalid="ignore", divide="ignore"):
            p = mass[:, 1] / base.sum_w
        p = np.where(base.n > 0, p, np.nan)
        return M.Aggregate(
            n=base.n, sum_w=base.sum_w, estimate=p, var=p * (1 - p), n_eff=base.n_eff
        )
    a, b = _linear(metric, sc.lo, sc.hi)
    return M.Aggregate(base.n, base.sum_w, a + b * base.estimate, b * b * base.var, base.n_eff)


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
    from ._rows import RowBlock, compute_rows
    from ._scores import SCHEMA_VERSION, SurveyScores
    from ._targets import resolve_targets

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
    reasons = _reason_list(inst)

    def summarize(chunk: pd.DataFrame, number: int) -> _ScoreSummary:
        return _summarize_chunk(chunk, number, inst, by, metrics, kpis, weights, spec, reasons)

    total = reduce_summaries(responses, summarize)
    meta, subjects, by_cols = total.meta
    if total.n_rows == 0:
        msg = "responses have no rows; score at least one respondent."
        raise DataError(msg)
    scores = total.scores.sorted()
    items, flags = total.items.sorted(), total.flags.sorted()
    segments = scores.segments()
    M.check_segments_nonempty(
        scores.n[:, scores.columns.index("_answered")], segments, "any item of the instrument"
    )
    empty = np.empty(0)
    blocks = []
    for m, st, s, k, d, lo, hi in meta:
        metric = kpis[m][0] if st == "kpi" else m
        agg = _aggregate(metric, s, subjects, items, scores, flags)
        blocks.append(RowBlock(m, st, s, k, agg, lambda: empty, d, lo, hi))
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
    table = compute_rows(
        blocks,
        segments=segments,
        segment=np.zeros(0, dtype=np.int64),
        weights=None,
        design=adapter,
        respondents=None,
        data=None,
        subjects=subjects,
        opts=opts,
    )
    table, target_map = resolve_targets(table, targets, subjects, opts)
    internal = table.attrs.pop("_internal")
    table.attrs.clear()
    weighted = weights is not None or spec is not None
    result = SurveyScores(
        metrics=table,
        instrument=inst,
        by=by_cols,
        confidence_level=opts.level,
        ci_method=opts.ci_method,
        suppression=opts.rule if opts.rule != "min_n" else f"min_n={opts.min_n}",
        weighted=weighted,
        design_based=spec is not None,
        targets=target_map,
        definitions=subjects.definitions(weighted, spec is not None, opts.ci_method),
        n_respondents=int(total.n_rows),
        schema_version=SCHEMA_VERSION,
        _validated=None,
        _segment=None,
        _segments=segments,
        _weights=None,
        _internal=internal,
        _respondents=_no_respondents,
    )
    result._cache["items"] = _distribution(inst, total, scores, segments, reasons)
    return result


def _no_respondents() -> pd.DataFrame:
    msg = (
        "the per-respondent table is not kept when scoring streamed data (chunks or a dask "
        "frame); every metric is in scores.metrics and the distributions in scores.items. "
        "Score an in-memory DataFrame to get scores.respondents."
    )
    raise DataError(msg)


def _distribution(
    inst: Any, total: _ScoreSummary, mom: Moments, segments: pd.DataFrame, reasons: tuple
) -> pd.DataFrame:
    """The ``items`` table (same layout as ``_distribution.item_distribution``)."""
    raw = total.raw.sorted()
    rc = total.reasons.sorted()
    g_n = len(segments)
    weighted = raw.wsum is not None
    total_w = mom.sum_w[:, mom.columns.index("_all")]
    lang = inst.default_language
    frames = []
    for item in inst.items:
        if item.id not in raw.columns:
            continue
        scale = inst.scale(item.scale)
        k = len(scale.codes)
        cnt = raw.item_counts(item.id)
        wsum = raw.item_counts(item.id, "wsum") if weighted else cnt
        valid_w = wsum.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = wsum / valid_w
            share_all = wsum / total_w[:, None]
        labels = [scale.label(int(c), lang) for c in scale.codes]
        frames.append(
            pd.DataFrame(
                {
                    "item": item.id,
                    "_g": np.repeat(np.arange(g_n), k),
                    "code": np.tile(np.asarray(scale.codes, dtype=float), g_n),
                    "label": np.tile(np.asarray(labels, dtype=object), g_n),
                    "missing_reason": np.full(g_n * k, None, dtype=object),
                    "count": cnt.ravel(),
                    "share": share.ravel(),
                    "share_of_all": share_all.ravel(),
                }
            )
        )
        present = total.presence.item_counts(item.id)[0] > 0
        if not present.any():
            continue
        keep = np.flatnonzero(present)
        uniq = [reasons[i] for i in keep]
        r = len(uniq)
        rcnt = rc.item_counts(item.id)[:, keep]
        rw = (rc.item_counts(item.id, "wsum") if weighted else rc.item_counts(item.id))[:, keep]
        code_of = {m.reason: m.code for m in scale.missing}
        label_of = {m.reason: m.labels.get(lang, m.reason) for m in scale.missing}
        with np.errstate(invalid="ignore", divide="ignore"):
            rshare = rw / total_w[:, None]
        frames.append(
            pd.DataFrame(
                {
                    "item": item.id,
                    "_g": np.repeat(np.arange(g_n), r),
                    "code": np.tile([float(code_of.get(u, np.nan)) for u in uniq], g_n),
                    "label": np.tile(
                        np.asarray([label_of.get(u, u) for u in uniq], dtype=object), g_n
                    ),
                    "missing_reason": np.tile(np.asarray(uniq, dtype=object), g_n),
                    "count": rcnt.ravel(),
                    "share": np.nan,
                    "share_of_all": rshare.ravel(),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    order = {it.id: i for i, it in enumerate(inst.items)}
    table["_o"] = table["item"].map(order)
    table["_m"] = table["missing_reason"].notna()
    table = table.sort_values(["_o", "_g", "_m"], kind="stable")
    seg_cols = {c: segments[c].to_numpy()[table["_g"].to_numpy()] for c in segments.columns}
    out = pd.DataFrame({"item": table["item"].to_numpy(), **seg_cols})
    for col in ("code", "label", "missing_reason", "count", "share", "share_of_all"):
        out[col] = table[col].to_numpy()
    out["count"] = out["count"].astype(np.int64)
    return out

"""Response distribution per item and segment (the ``items`` table of SurveyScores).

One mergeable :class:`DistributionSummary` (raw answer codes and missing
reasons counted per item and segment, one per row block or chunk, merged) and one
table builder (:func:`distribution_table`, run on first access of
``SurveyScores.items``) serve the in-memory and the streamed path alike.
Raw codes are tabulated: reverse keying is a scoring step, not a property of
the answer.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DataError
from satscore._scoring.core import (
    FieldwiseMerge,
    Segmented,
    counts_summary,
    moments_summary,
    stack_counts,
)
from satscore._stats import grouped as M
from satscore._stream.summaries import CategoryCounts, Moments

__all__ = ["DistributionSummary", "distribution_table", "reason_list"]

_EXTRA_REASONS = ("blank", "invalid", "not_asked")  # reasons validation gives besides the scales'
_ALL = "_all"


def reason_list(inst: Any) -> tuple[str, ...]:
    """Every missing reason validation can give for this instrument (sorted)."""
    reasons = {m.reason for s in inst.scales for m in s.missing}
    return tuple(sorted(reasons | set(_EXTRA_REASONS)))


@dataclasses.dataclass(frozen=True, eq=False)
class DistributionSummary(FieldwiseMerge):
    """Mergeable counts behind the ``items`` table.

    Attributes
    ----------
    raw : CategoryCounts
        Raw answer codes per item, per segment.
    reasons : CategoryCounts
        Missing reasons per item, per segment (code ``i`` = ``reason_list(inst)[i]``).
    presence : CategoryCounts
        Missing reasons per item over all rows (which reasons occur at all).
    total : Moments
        Column ``"_all"``: respondents and their weight per segment.
    unknown : UnknownReasons
        Missing reasons validation does not give (an error when the table is built).
    """

    raw: CategoryCounts
    reasons: CategoryCounts
    presence: CategoryCounts
    total: Moments
    unknown: UnknownReasons

    @classmethod
    def of(cls, vr: Any, rows: Segmented) -> DistributionSummary:
        """Summary of validated responses ``vr``."""
        inst = vr.instrument
        data = vr.data
        reasons = reason_list(inst)
        segment, keys, weights, keyed = rows.segment, rows.keys, rows.weights, rows.keyed()
        codes, raw_values = {}, {}
        for item in inst.items:
            if item.id in data.columns:
                codes[item.id] = tuple(float(c) for c in inst.scale(item.scale).codes)
                raw_values[item.id] = data[item.id].to_numpy(dtype=float)
        ws = M.Workspace(segment, len(keys))
        raw = counts_summary(raw_values, codes, ws, weights, keyed)
        index = pd.Index(reasons)
        rvals, unknown = {}, {}
        for c in codes:
            rvals[c], bad = _reason_codes(vr.missing_reason[c], index)
            if bad is not None:
                unknown[c] = bad
        rcodes = dict.fromkeys(codes, tuple(float(i) for i in range(len(reasons))))
        reason_counts = counts_summary(rvals, rcodes, ws, weights, keyed)
        one = {"by": (), "keys": ((),), "key_dtypes": ()}
        presence = stack_counts(
            {c: _occurrences(v, len(reasons)) for c, v in rvals.items()}, rcodes, None, one
        )
        total = moments_summary({_ALL: np.ones(len(segment))}, segment, len(keys), weights, keyed)
        return cls(raw, reason_counts, presence, total, UnknownReasons(unknown))


@dataclasses.dataclass(frozen=True, eq=False)
class UnknownReasons:
    """The first missing reason per item that validation does not give (deferred error:
    scoring goes on, building the ``items`` table raises)."""

    first: dict[str, Any]

    def merge(self, other: UnknownReasons) -> UnknownReasons:
        """Per item, the reason of the earlier rows."""
        return UnknownReasons({**other.first, **self.first})

    def sorted(self) -> UnknownReasons:
        return self

    def check(self, inst: Any) -> None:
        """Raise DataError for the first item (instrument order) with an unknown reason."""
        for item in inst.items:
            if item.id in self.first:
                msg = (
                    f"item {item.id!r} has missing reason {self.first[item.id]!r}, which "
                    f"validation does not give; reasons are {list(reason_list(inst))}. Pass "
                    "responses validated with Instrument.validate (or the raw responses)."
                )
                raise DataError(msg)


def _occurrences(codes: np.ndarray, size: int) -> tuple[np.ndarray, None, None]:
    """Counts of each reason code over all rows (``counts_summary`` layout, one segment)."""
    given = codes[~np.isnan(codes)].astype(np.intp)
    return np.bincount(given, minlength=size).reshape(1, size).astype(float), None, None


def _reason_codes(series: pd.Series, index: pd.Index) -> tuple[np.ndarray, Any]:
    """Position of each row's missing reason in ``index`` (NaN for valid answers, and for
    a reason not in ``index``), and the first such unknown reason (None if none)."""
    if isinstance(series.dtype, pd.CategoricalDtype):  # map the few categories, then take
        cats = series.cat.categories
        pos = index.get_indexer(cats).astype(float)
        codes = series.cat.codes.to_numpy()
        unknown = None
        bad = np.flatnonzero(pos < 0)
        if bad.size:
            used = np.unique(codes[np.isin(codes, bad)])
            if used.size:
                unknown = cats[used[0]]
            pos[bad] = np.nan
        return np.append(pos, np.nan)[codes], unknown  # code -1 (no reason) takes the NaN
    arr = series.to_numpy(dtype=object)
    out = np.full(arr.shape[0], np.nan)
    given = pd.notna(arr)
    unknown = None
    if given.any():
        pos = index.get_indexer(arr[given])
        if (pos < 0).any():
            unknown = arr[given][pos < 0][0]
        out[given] = np.where(pos >= 0, pos, np.nan)
    return out, unknown


def distribution_table(
    inst: Any, dist: DistributionSummary, segments: pd.DataFrame
) -> pd.DataFrame:
    """The ``items`` table from a (sorted) summary whose segments are ``segments``."""
    dist.unknown.check(inst)
    reasons = reason_list(inst)
    raw, rc = dist.raw, dist.reasons
    g_n = len(segments)
    mass = "counts" if raw.wsum is None else "wsum"
    total_w = dist.total.sum_w[:, 0]
    lang = inst.default_language
    frames = []
    for item in inst.items:
        if item.id not in raw.columns:
            continue
        scale = inst.scale(item.scale)
        k = len(scale.codes)
        wsum = raw.item_counts(item.id, mass)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = wsum / wsum.sum(axis=1, keepdims=True)
            share_all = wsum / total_w[:, None]
        labels = [scale.label(int(c), lang) for c in scale.codes]
        frames.append(
            _part(item.id, g_n, np.asarray(scale.codes, dtype=float), labels,
                  np.full(k, None, dtype=object), raw.item_counts(item.id), share, share_all)
        )  # fmt: skip
        keep = np.flatnonzero(dist.presence.item_counts(item.id)[0] > 0)
        if not keep.size:
            continue
        uniq = [reasons[i] for i in keep]
        code_of = {m.reason: m.code for m in scale.missing}
        label_of = {m.reason: m.labels.get(lang, m.reason) for m in scale.missing}
        with np.errstate(invalid="ignore", divide="ignore"):
            rshare = rc.item_counts(item.id, mass)[:, keep] / total_w[:, None]
        frames.append(
            _part(item.id, g_n, np.array([float(code_of.get(u, np.nan)) for u in uniq]),
                  [label_of.get(u, u) for u in uniq], np.asarray(uniq, dtype=object),
                  rc.item_counts(item.id)[:, keep], np.nan, rshare)
        )  # fmt: skip
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


def _part(
    item: str,
    g_n: int,
    codes: np.ndarray,
    labels: list[str],
    reasons: np.ndarray,
    counts: np.ndarray,
    share: Any,
    share_all: np.ndarray,
) -> pd.DataFrame:
    """Rows of one item for every segment (``g_n`` blocks of ``len(codes)`` rows)."""
    k = len(codes)
    return pd.DataFrame(
        {
            "item": item,
            "_g": np.repeat(np.arange(g_n), k),
            "code": np.tile(codes, g_n),
            "label": np.tile(np.asarray(labels, dtype=object), g_n),
            "missing_reason": np.tile(reasons, g_n),
            "count": counts.ravel(),
            "share": share if np.isscalar(share) else share.ravel(),
            "share_of_all": share_all.ravel(),
        }
    )

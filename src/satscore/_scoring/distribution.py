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
    def of(
        cls, vr: Any, rows: Segmented, scored: CategoryCounts | None = None
    ) -> DistributionSummary:
        """Summary of validated responses ``vr``.

        ``scored``: counts of the recoded scored items over the same rows (the
        :class:`~satscore._scoring.core.ScoreSummary` field ``items``); their raw counts
        are the same counts (mirrored for a reverse-keyed item, whose recoded categories
        are ``min + max - code``), so those items are not counted again.
        """
        inst = vr.instrument
        data = vr.data
        segment, keys, weights, keyed = rows.segment, rows.keys, rows.weights, rows.keyed()
        codes: dict[str, tuple[float, ...]] = {}
        parts: dict[str, tuple] = {}
        ws = None
        for item in inst.items:
            if item.id not in data.columns:
                continue
            codes[item.id] = tuple(float(c) for c in inst.scale(item.scale).codes)
            if scored is not None and item.id in scored.columns:
                order = slice(None, None, -1 if item.reverse else 1)
                parts[item.id] = tuple(
                    None if (a := scored.item_counts(item.id, f)) is None else a[:, order]
                    for f in ("counts", "wsum", "wsq")
                )
                continue
            ws = M.Workspace(segment, len(keys)) if ws is None else ws
            x = data[item.id].to_numpy(dtype=float)
            parts[item.id] = M.category_counts(
                x, codes[item.id], segment, len(keys), weights, workspace=ws
            )
        raw = stack_counts({c: parts[c] for c in codes}, codes, weights, keyed)
        reasons, presence, unknown = _reason_counts(vr.missing_reason, tuple(codes), inst, rows)
        total = moments_summary({_ALL: np.ones(len(segment))}, segment, len(keys), weights, keyed)
        return cls(raw, reasons, presence, total, UnknownReasons(unknown))


def _reason_counts(
    frame: pd.DataFrame, items: tuple[str, ...], inst: Any, rows: Segmented
) -> tuple[CategoryCounts, CategoryCounts, dict[str, Any]]:
    """Per-segment counts of each item's missing reasons, their counts over all rows, and
    the first unknown reason per item: one integer bincount per item and statistic (bin
    ``segment * (R + 1) + 1 + reason``; valid answers in bin column 0, rows in no segment
    in an extra bin row)."""
    index = pd.Index(reason_list(inst))
    r_n, g_n = len(index), len(rows.keys)
    base = np.where(rows.segment >= 0, rows.segment, g_n).astype(np.intp) * (r_n + 1) + 1
    size = (g_n + 1) * (r_n + 1)
    w = rows.weights
    w2 = None if w is None else w * w
    parts, occurs, unknown = {}, {}, {}
    for item in items:
        pos, bad = _reason_positions(frame[item], index)
        if bad is not None:
            unknown[item] = bad
        key = base + pos

        def table(weights: np.ndarray | None, key: np.ndarray = key) -> np.ndarray:
            counts = np.bincount(key, weights=weights, minlength=size)
            return counts.reshape(g_n + 1, r_n + 1)[:, 1:]

        full = table(None).astype(float)
        occurs[item] = (full.sum(axis=0, keepdims=True), None, None)
        if w is None:
            parts[item] = (full[:g_n], None, None)
        else:
            parts[item] = (full[:g_n], table(w)[:g_n], table(w2)[:g_n])
    rcodes = tuple(float(i) for i in range(r_n))
    one = {"by": (), "keys": ((),), "key_dtypes": ()}
    reasons = stack_counts(parts, rcodes, w, rows.keyed())
    return reasons, stack_counts(occurs, rcodes, None, one), unknown


def _reason_positions(series: pd.Series, index: pd.Index) -> tuple[np.ndarray, Any]:
    """Position of each row's missing reason in ``index``, ``-1`` for a valid answer and
    for a reason not in ``index``; and the first unknown reason (or None)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = series.cat.categories
        codes = series.array.codes
        if cats.equals(index):  # the validator's categories: the codes are the positions
            return codes, None
        pos = index.get_indexer(cats)  # map the few categories, then take
        unknown = None
        bad = np.flatnonzero(pos < 0)
        if bad.size:
            used = np.unique(codes[np.isin(codes, bad)])
            if used.size:
                unknown = cats[used[0]]
        return np.append(pos, -1).astype(np.intp)[codes], unknown  # code -1 takes the -1
    arr = series.to_numpy(dtype=object)
    out = np.full(arr.shape[0], -1, dtype=np.intp)
    given = pd.notna(arr)
    unknown = None
    if given.any():
        pos = index.get_indexer(arr[given])
        if (pos < 0).any():
            unknown = arr[given][pos < 0][0]
        out[given] = pos
    return out, unknown


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

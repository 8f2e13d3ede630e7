"""Response distribution per item and segment (the ``items`` table of SurveyScores)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["item_distribution"]


def item_distribution(scores: Any) -> pd.DataFrame:
    """Counts and shares of every answer code and missing reason, per item and segment.

    Raw codes are tabulated (reverse keying is a scoring step, not a property of
    the answer). One ``np.bincount`` per item covers all segments.
    """
    vr = scores._validated
    inst = scores.instrument
    segment = scores._segment
    segments: pd.DataFrame = scores._segments
    g_n = len(segments)
    w = scores._weights
    lang = inst.default_language
    inside = segment >= 0
    wt = np.ones(len(segment)) if w is None else w
    total_w = np.bincount(segment[inside], weights=wt[inside], minlength=g_n)
    frames = []
    for item in inst.items:
        if item.id not in vr.data.columns:
            continue
        scale = inst.scale(item.scale)
        x = vr.data[item.id].to_numpy(dtype=float)
        codes = np.asarray(scale.codes, dtype=float)
        k = len(codes)
        pos = np.minimum(np.searchsorted(codes, x), k - 1)
        ok = (codes[pos] == x) & inside
        flat = segment[ok] * k + pos[ok]
        cnt = np.bincount(flat, minlength=g_n * k).reshape(g_n, k)
        wsum = np.bincount(flat, weights=wt[ok], minlength=g_n * k).reshape(g_n, k)
        valid_w = wsum.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = wsum / valid_w
            share_all = wsum / total_w[:, None]
        labels = [scale.label(int(c), lang) for c in scale.codes]
        part = {
            "item": item.id,
            "_g": np.repeat(np.arange(g_n), k),
            "code": np.tile(np.asarray(scale.codes, dtype=float), g_n),
            "label": np.tile(np.asarray(labels, dtype=object), g_n),
            "missing_reason": np.full(g_n * k, None, dtype=object),
            "count": cnt.ravel(),
            "share": share.ravel(),
            "share_of_all": share_all.ravel(),
        }
        frames.append(pd.DataFrame(part))
        reasons = vr.missing_reason[item.id]
        r_codes, r_uniques = pd.factorize(reasons, sort=True)
        if len(r_uniques):
            r = len(r_uniques)
            okr = (r_codes >= 0) & inside
            flat = segment[okr] * r + r_codes[okr]
            rc = np.bincount(flat, minlength=g_n * r).reshape(g_n, r)
            rw = np.bincount(flat, weights=wt[okr], minlength=g_n * r).reshape(g_n, r)
            code_of = {m.reason: m.code for m in scale.missing}
            label_of = {m.reason: m.labels.get(lang, m.reason) for m in scale.missing}
            uniq = [str(u) for u in r_uniques]
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
                        "count": rc.ravel(),
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

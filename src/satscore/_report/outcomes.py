"""Outcome sections of the quarterly report: problem-resolution funnel, likelihood to recommend.

Numbers come from ``scores.items`` (the screener share) and ``scores.metrics``
(resolution rate, recovery satisfaction, net score); nothing is re-estimated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satscore._core.i18n import t
from satscore._plots.ltr import plot_ltr
from satscore._plots.style import new_axes
from satscore._report.context import Context
from satscore._report.format import num, pct

__all__ = ["funnel_table", "funnel_view", "ltr_view"]


# ----------------------------------------------------------------------------- funnel
def funnel_table(ctx: Context) -> pd.DataFrame:
    """Had a problem → fully resolved → satisfied with handling (current period)."""
    inst = ctx.instrument
    screener = inst.role_item("problem_screener")
    status = inst.role_item("problem_status")
    recovery = inst.role_item("recovery_satisfaction")
    steps = []
    if screener is not None:
        items = ctx.scores.items
        sel = items[(items["item"] == screener.id) & items["missing_reason"].isna()]
        for col, value in ctx.where.items():
            sel = sel[sel[col] == value]
        yes = sel[sel["code"] == 1]
        if len(yes):
            steps.append(
                {
                    "step": "funnel_problem",
                    "estimate": float(yes["share"].iloc[0]),
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "n": int(sel["count"].sum()),
                    "count": int(yes["count"].iloc[0]),
                    "base": "funnel_of_all",
                }
            )
    for key, item, metric in (
        ("funnel_resolved", status, "resolution_rate"),
        ("funnel_satisfied", recovery, "top_box"),
    ):
        if item is None:
            continue
        r = ctx.rows(metric=metric, subject=item.id)
        r = r[r["subject_type"] == "item"]
        if len(r):
            row = r.iloc[0]
            steps.append(
                {
                    "step": key,
                    "estimate": row["estimate"],
                    "ci_low": row["ci_low"],
                    "ci_high": row["ci_high"],
                    "n": int(row["n"]),
                    "count": np.nan,
                    "base": "funnel_of_problem",
                }
            )
    return pd.DataFrame(steps)


def funnel_view(ctx: Context, table: pd.DataFrame) -> dict | None:
    """The funnel steps: label, bar width, estimate, interval, base."""
    if table.empty:
        return None
    lang = ctx.language
    steps = []
    for r in table.to_dict("records"):
        ci = ""
        if np.isfinite(r["ci_low"]):
            ci = f" ({pct(r['ci_low'])} – {pct(r['ci_high'])})"
        steps.append(
            {
                "data": {"data-step": r["step"], "data-estimate": num(r["estimate"])},
                "label": t(r["step"], lang),
                "width": f"{max(0.0, min(100.0, r['estimate'] * 100)):.1f}%",
                "estimate": pct(r["estimate"]),
                "ci": ci,
                "base": f"{t(r['base'], lang)}, n = {int(r['n']):,}",
            }
        )
    return {"id": "funnel", "heading": t("sec_funnel", lang), "steps": steps}


# ----------------------------------------------------------------------------- LTR
def ltr_view(ctx: Context) -> dict | None:
    """The likelihood-to-recommend distribution chart and its net score."""
    inst, lang = ctx.instrument, ctx.language
    item = inst.role_item("likelihood_to_recommend")
    if item is None or ctx.rows(metric="net_score", subject=item.id).empty:
        return None
    ax = plot_ltr(
        ctx.scores,
        item=item.id,
        where=ctx.where or None,
        language=lang,
        font=ctx.font,
        ax=new_axes(None, (8.5, 3.6)),
    )
    row = ctx.rows(metric="net_score", subject=item.id).iloc[0]
    data = {
        "data-net-score": num(row["estimate"]),
        "data-ci-low": num(row["ci_low"]),
        "data-ci-high": num(row["ci_high"]),
        "data-n": num(row["n"]),
    }
    figure = ctx.figure(ax, alt=t("sec_ltr", lang))
    return {"id": "ltr", "heading": t("sec_ltr", lang), "data": data, "figure": figure}

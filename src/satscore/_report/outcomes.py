"""Outcome sections of the quarterly report: problem-resolution funnel, likelihood to recommend.

Numbers come from ``scores.items`` (the screener share) and ``scores.metrics``
(resolution rate, recovery satisfaction, net score); nothing is re-estimated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satscore._core.i18n import t
from satscore._report.html import esc, figure
from satscore._report.sections import Context, _axes, _num, _rows, pct

__all__ = ["funnel_html", "funnel_table", "ltr_html"]


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
        r = _rows(ctx, metric=metric, subject=item.id)
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


def funnel_html(ctx: Context, table: pd.DataFrame) -> str:
    if table.empty:
        return ""
    lang = ctx.language
    rows = []
    for r in table.to_dict("records"):
        ci = ""
        if np.isfinite(r["ci_low"]):
            ci = f" ({pct(r['ci_low'])} – {pct(r['ci_high'])})"
        width = max(0.0, min(100.0, r["estimate"] * 100))
        rows.append(
            f'<div class="step" data-step="{esc(r["step"])}" data-estimate="{_num(r["estimate"])}">'
            f"<div>{esc(t(r['step'], lang))}</div>"
            f'<div class="bar"><span style="width:{width:.1f}%"></span></div>'
            f"<div><strong>{esc(pct(r['estimate']))}</strong>{esc(ci)} "
            f'<span class="note">{esc(t(r["base"], lang))}, n = {int(r["n"]):,}</span></div></div>'
        )
    return (
        f'<section id="funnel"><h2>{esc(t("sec_funnel", lang))}</h2>'
        f'<div class="funnel">{"".join(rows)}</div></section>'
    )


# ----------------------------------------------------------------------------- LTR
def ltr_html(ctx: Context) -> str:
    inst, lang = ctx.instrument, ctx.language
    item = inst.role_item("likelihood_to_recommend")
    if item is None or _rows(ctx, metric="net_score", subject=item.id).empty:
        return ""
    from satscore._plots.ltr import plot_ltr

    ax = plot_ltr(
        ctx.scores,
        item=item.id,
        where=ctx.where or None,
        language=lang,
        font=ctx.font,
        ax=_axes((8.5, 3.6)),
    )
    row = _rows(ctx, metric="net_score", subject=item.id).iloc[0]
    return (
        f'<section id="ltr"><h2>{esc(t("sec_ltr", lang))}</h2>'
        f'<div data-net-score="{_num(row["estimate"])}" data-ci-low="{_num(row["ci_low"])}" '
        f'data-ci-high="{_num(row["ci_high"])}" data-n="{_num(row["n"])}">'
        f"{figure(ax, alt=t('sec_ltr', lang))}</div></section>"
    )

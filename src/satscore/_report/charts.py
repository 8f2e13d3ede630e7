"""Chart sections of the quarterly report: item charts by dimension and the segment
breakdown (chart and table per segment variable)."""

from __future__ import annotations

import pandas as pd

from satscore._core.i18n import STRINGS, t
from satscore._plots.kpi import metric_rows, sort_segments
from satscore._plots.likert import plot_likert
from satscore._plots.segments import plot_segments
from satscore._report.context import ESTIMATE_COLUMNS, Context
from satscore._report.format import (
    cell,
    flag_of,
    flag_text,
    fmt_value,
    kpi_title,
    num,
    title_of,
)

__all__ = ["items_view", "segment_table", "segments_view"]


# ----------------------------------------------------------------------------- item charts
def items_view(ctx: Context) -> dict | None:
    """A diverging bar chart per dimension, then the other scored items (one per scale length)."""
    inst, lang = ctx.instrument, ctx.language
    groups = []
    for d in inst.dimensions:
        items = [i for i in d.items if inst.item(i).scored]
        if items:
            groups.append((title_of(d.title, lang), items))
    in_dims = {i for d in inst.dimensions for i in d.items}
    ltr = inst.role_item("likelihood_to_recommend")
    other = [
        i.id
        for i in inst.items
        if i.scored and i.id not in in_dims and (ltr is None or i.id != ltr.id)
    ]
    by_len: dict[int, list[str]] = {}
    for item in other:
        by_len.setdefault(len(inst.item_scale(item).codes), []).append(item)
    groups += [(t("other_items", lang), items) for items in by_len.values()]
    if not groups:
        return None
    charts = []
    for title, items in groups:
        ax = plot_likert(
            ctx.scores, inst, items=items, where=ctx.where or None, language=lang, font=ctx.font
        )
        charts.append({"title": title, "figure": ctx.figure(ax, alt=title)})
    return {"id": "items", "heading": t("sec_items", lang), "charts": charts}


# ----------------------------------------------------------------------------- segments
def segment_table(ctx: Context, by: str) -> pd.DataFrame:
    """The headline KPI per level of *by* in the current period.

    Without a KPI: the overall top-box, else the first scored item's top-box.
    """
    scores = ctx.segment_scores[by]
    metric, subject = (ctx.kpi_names[0], None) if ctx.kpi_names else ("top_box", None)
    if not ctx.kpi_names:
        subjects = scores.metrics.loc[scores.metrics["metric"] == "top_box", "subject"]
        subject = "overall" if (subjects == "overall").any() else str(subjects.iloc[0])
    rows = metric_rows(scores, metric=metric, subject=subject, along=by, where=ctx.where or None)
    cols = [by, *ESTIMATE_COLUMNS, "flag", "suppressed", "kind", "metric", "subject"]
    out = rows[[c for c in cols if c in rows.columns]]
    return sort_segments(out)


def _segment_rows(table: pd.DataFrame, by: str, lang: str) -> list[dict]:
    rows = []
    for r in table.to_dict("records"):
        supp = bool(r.get("suppressed"))
        flag = flag_of(r.get("flag"))
        mark = " ‡" if supp else (" *" if flag else "")
        kind = r.get("kind", "proportion")
        verdict = r.get("verdict")
        vtxt = t(verdict, lang) if verdict in ("met", "not_met", "inconclusive") else "–"
        attrs = {
            "class": "suppressed" if supp else "",
            "data-segment": str(r[by]),
            "data-estimate": num(r["estimate"]),
            "data-n": num(r["n"]),
        }
        cells = [
            cell(f"{r[by]}{mark}"),
            cell(f"{int(r['n']):,}"),
            cell(fmt_value(r["estimate"], kind)),
            cell(f"{fmt_value(r['ci_low'], kind)} – {fmt_value(r['ci_high'], kind)}"),
            cell(vtxt),
            cell(flag_text(flag, lang)),
        ]
        rows.append({"attrs": attrs, "cells": cells})
    return rows


def segments_view(ctx: Context, tables: dict[str, pd.DataFrame]) -> dict | None:
    """Per segment variable: the chart of the headline KPI and its table."""
    if not tables:
        return None
    lang = ctx.language
    parts = []
    for by, table in tables.items():
        label = t(by, lang) if by in STRINGS else by
        label = label[:1].upper() + label[1:]
        metric = str(table["metric"].iloc[0])
        subject = str(table["subject"].iloc[0])
        ax = plot_segments(
            ctx.segment_scores[by],
            by=by,
            metric=metric,
            subject=subject,
            where=ctx.where or None,
            language=lang,
            font=ctx.font,
            target=ctx.targets.get(metric, False),
        )
        title = t("seg_by", lang, by=label)
        head = [
            label,
            t("col_n", lang),
            kpi_title(metric, lang),
            t("col_ci", lang, level=ctx.level),
            t("col_verdict", lang),
            t("col_flag", lang),
        ]
        attrs = {"class": "segments", "data-by": by}
        parts.append(
            {
                "title": title,
                "figure": ctx.figure(ax, alt=title),
                "table": {"attrs": attrs, "head": head, "rows": _segment_rows(table, by, lang)},
            }
        )
    return {
        "id": "segments",
        "heading": t("sec_segments", lang),
        "parts": parts,
        "note": t("suppressed_note", lang),
    }

"""Headline sections of the quarterly report: KPI tiles, trend, dimension scorecard.

Every number shown is read from a :class:`~satscore.SurveyScores` (``metrics``,
``compare``) or from reliability results: nothing is re-estimated here. Each
``*_table`` function returns the tidy table a section shows (kept on
:class:`Report.tables`); each ``*_view`` function turns it into the display
strings and chart of its template (``templates/sections/<id>.html.j2``), or
``None`` when the section has nothing to show.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import InstrumentError
from satscore._core.i18n import t
from satscore._plots.kpi import plot_trend
from satscore._plots.style import new_axes
from satscore._report.context import ESTIMATE_COLUMNS, Context
from satscore._report.format import cell, fmt_change, fmt_value, kpi_title, num, pct, title_of

__all__ = ["kpi_table", "kpis_view", "scorecard_table", "scorecard_view", "trend_view"]

_VERDICTS = ("met", "not_met", "inconclusive")


# ----------------------------------------------------------------------------- KPI tiles
def kpi_table(ctx: Context) -> pd.DataFrame:
    """One row per KPI, and per other metric row with a target, of the current period.

    Rows come from ``scores.metrics``; ``tile`` is the tile id (the KPI name, or
    ``metric:subject``) and ``label`` its title in the report language.
    """
    m = ctx.rows()
    m = m[(m["subject_type"] == "kpi") | m["target"].notna()]
    m = m.sort_values("subject_type", key=lambda s: s != "kpi", kind="stable")
    cols = ["metric", "subject", *ESTIMATE_COLUMNS, "p_value", "flag", "kind"]
    out = m[[c for c in cols if c in m.columns]].reset_index(drop=True)
    kpi = (m["subject_type"] == "kpi").to_numpy()
    out.insert(
        0,
        "tile",
        [
            str(r.metric) if k else f"{r.metric}:{r.subject}"
            for k, r in zip(kpi, out.itertuples(), strict=True)
        ],
    )
    out.insert(
        1,
        "label",
        [
            kpi_title(str(r.metric), ctx.language)
            if k
            else _subject_label(ctx, r.metric, r.subject)
            for k, r in zip(kpi, out.itertuples(), strict=True)
        ],
    )
    return out


def _subject_label(ctx: Context, metric: str, subject: str) -> str:
    inst, lang = ctx.instrument, ctx.language
    name = kpi_title(metric, lang)
    if subject == "overall":
        return f"{name} – {t('overall', lang)}"
    try:
        return f"{name} – {title_of(inst.dimension(subject).title, lang)}"
    except InstrumentError:  # an item, not a dimension
        return f"{name} – {subject}"


def _tile(name: str, lang: str, level: float, row: dict[str, Any], label: str | None) -> dict:
    """The ``kpi_tile`` macro's view of one KPI row."""
    kind = row.get("kind", "proportion")
    verdict = row.get("verdict") or "none"
    target = row.get("target")
    if row["ci_low"] == row["ci_high"] == row["estimate"]:
        detail = t("tile_census", lang, n=f"{int(row['n']):,}")
    else:
        detail = t(
            "tile_detail",
            lang,
            level=level,
            low=fmt_value(row["ci_low"], kind),
            high=fmt_value(row["ci_high"], kind),
            n=f"{int(row['n']):,}",
        )
    data = {"data-kpi": name, "data-verdict": verdict}
    for key in ("estimate", "ci_low", "ci_high", "n", "target", "p_value"):
        data[f"data-{key.replace('_', '-')}"] = num(row.get(key))
    has_target = target is not None and np.isfinite(target)
    return {
        "verdict": verdict,
        "data": data,
        "name": label or kpi_title(name, lang),
        "value": fmt_value(row["estimate"], kind),
        "detail": detail,
        "target": t("tile_target", lang, target=fmt_value(target, kind)) if has_target else "",
        "badge": t(verdict, lang) if verdict in _VERDICTS else t("no_target", lang),
    }


def kpis_view(ctx: Context, table: pd.DataFrame, coverage_row: dict[str, Any] | None) -> dict:
    """KPI tiles (and the coverage tile), and the targets this survey does not measure."""
    lang = ctx.language
    tiles = [
        _tile(str(r["tile"]), lang, ctx.level, r, r["label"]) for r in table.to_dict("records")
    ]
    if coverage_row is not None:
        tiles.append(_tile("survey_coverage", lang, ctx.level, coverage_row, None))
    unmeasured = ""
    if ctx.unmeasured:
        names = ", ".join(kpi_title(n, lang) for n in ctx.unmeasured)
        unmeasured = t("unmeasured_list", lang, names=names)
    return {"id": "kpis", "heading": t("sec_kpis", lang), "tiles": tiles, "unmeasured": unmeasured}


# ----------------------------------------------------------------------------- trend
def trend_view(ctx: Context) -> dict | None:
    """One trend chart per KPI (only with a period column)."""
    if not ctx.period or not ctx.kpi_names:
        return None
    lang = ctx.language
    charts = []
    for name in ctx.kpi_names:
        ax = plot_trend(
            ctx.scores,
            ax=new_axes(None, (9.5, 3.8)),
            metric=name,
            period=ctx.period,
            language=lang,
            font=ctx.font,
            target=ctx.targets.get(name, False),
        )
        charts.append(ctx.figure(ax, alt=f"{kpi_title(name, lang)} – {t('sec_trend', lang)}"))
    return {"id": "trend", "heading": t("sec_trend", lang), "charts": charts}


# ----------------------------------------------------------------------------- scorecard
def scorecard_table(ctx: Context) -> pd.DataFrame:
    """Top-box and index per dimension (and overall), change vs previous period, α/ω."""
    inst = ctx.instrument
    subjects = [d.id for d in inst.dimensions] + ["overall"]
    rows = []
    comp = None
    if ctx.previous is not None:
        comp = ctx.scores.compare(ctx.period).table
        comp = comp[(comp["from"] == ctx.previous) & (comp["to"] == ctx.current)]
    for subj in subjects:
        rec: dict[str, Any] = {"subject": subj}
        found = False
        for metric, key in (("top_box", "top_box"), ("index_0_100", "index")):
            r = ctx.rows(metric=metric, subject=subj)
            r = r[r["subject_type"].isin(["dimension", "overall"])]
            if r.empty:
                for suffix in ("", "_ci_low", "_ci_high", "_flag"):
                    rec[key + suffix] = np.nan if suffix != "_flag" else None
                continue
            found = True
            row = r.iloc[0]
            rec[key] = row["estimate"]
            rec[key + "_ci_low"] = row["ci_low"]
            rec[key + "_ci_high"] = row["ci_high"]
            rec[key + "_flag"] = row.get("flag")
            rec["n"] = row["n"]
            if comp is not None:
                c = comp[(comp["metric"] == metric) & (comp["subject"] == subj)]
                rec[key + "_change"] = c["difference"].iloc[0] if len(c) else np.nan
                rec[key + "_significant"] = bool(c["significant"].iloc[0]) if len(c) else False
        if not found:
            continue
        if ctx.reliability is not None and subj in ctx.reliability.index:
            rec["alpha"] = ctx.reliability.loc[subj, "alpha"]
            rec["omega"] = ctx.reliability.loc[subj, "omega"]
        rows.append(rec)
    return pd.DataFrame(rows)


def _change_cell(value: Any, significant: bool, kind: str, attr: str) -> dict[str, Any]:
    if value is None or not np.isfinite(value):
        return cell("–")
    if not significant:
        return cell(fmt_change(value, kind), **{attr: value})
    arrow, cls = ("▲ ", "up") if value > 0 else ("▼ ", "down")
    return cell(arrow + fmt_change(value, kind), cls, **{attr: value})


def _scorecard_cells(r: dict[str, Any], name: str, has_change: bool, has_rel: bool) -> list:
    cells = [
        cell(name),
        cell(pct(r["top_box"]), top_box=r["top_box"]),
        cell(f"{pct(r['top_box_ci_low'])} – {pct(r['top_box_ci_high'])}"),
        cell(fmt_value(r["index"], "mean"), index=r["index"]),
        cell(f"{fmt_value(r['index_ci_low'], 'mean')} – {fmt_value(r['index_ci_high'], 'mean')}"),
    ]
    if has_change:
        sig = r.get("top_box_significant")
        cells.append(_change_cell(r.get("top_box_change"), sig, "proportion", "top_box_change"))
        sig = r.get("index_significant")
        cells.append(_change_cell(r.get("index_change"), sig, "mean", "index_change"))
    if has_rel:
        for key in ("alpha", "omega"):
            v = r.get(key)
            ok = v is not None and np.isfinite(v)
            cells.append(cell(f"{v:.2f}" if ok else "–", **{key: v}))
    cells.append(cell(f"{int(r['n']):,}", n=r["n"]))
    return cells


def scorecard_view(ctx: Context, table: pd.DataFrame) -> dict | None:
    """The dimension scorecard table and its note (significance marks, reliability)."""
    if table.empty:
        return None
    lang, inst = ctx.language, ctx.instrument
    has_change = "top_box_change" in table.columns
    has_rel = "alpha" in table.columns
    head = [
        t("col_dimension", lang),
        t("col_top_box", lang),
        t("col_ci", lang, level=ctx.level),
        t("col_index", lang),
        t("col_ci", lang, level=ctx.level),
    ]
    if has_change:
        head += [
            t("col_change_top_box", lang, prev=ctx.previous),
            t("col_change_index", lang, prev=ctx.previous),
        ]
    if has_rel:
        head += [t("col_alpha", lang), t("col_omega", lang)]
    head.append(t("col_n", lang))
    rows = []
    for r in table.to_dict("records"):
        subject = r["subject"]
        name = (
            t("overall", lang)
            if subject == "overall"
            else title_of(inst.dimension(subject).title, lang)
        )
        cells = _scorecard_cells(r, name, has_change, has_rel)
        rows.append({"attrs": {"data-subject": subject}, "cells": cells})
    notes = []
    if has_change:
        notes.append(t("significant_mark", lang, alpha=round(1 - ctx.level, 4)))
    elif ctx.period:
        notes.append(t("no_previous", lang))
    if not has_rel:
        notes.append(t("reliability_na", lang))
    elif ctx.reliability is not None and ctx.reliability["omega_note"].notna().any():
        notes.append(t("omega_improper", lang))
    return {
        "id": "scorecard",
        "heading": t("sec_scorecard", lang),
        "table": {"attrs": {"class": "scorecard"}, "head": head, "rows": rows},
        "note": " ".join(notes),
    }

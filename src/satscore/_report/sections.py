"""Sections of the quarterly report: the numbers (tidy tables) and their HTML.

Every number shown is read from a :class:`~satscore.SurveyScores` (``metrics``,
``items``, ``respondents``, ``compare``), from reliability results, or from a
coverage report: nothing is re-estimated here. Each ``*_table`` function
returns the tidy table a section shows (kept on :class:`Report.tables`); each
``*_html`` function renders it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import InstrumentError
from satscore._core.i18n import STRINGS, t
from satscore._report.html import esc, figure

__all__ = ["Context"]


@dataclasses.dataclass
class Context:
    """Everything the sections need (built by :func:`satscore.quarterly_report`)."""

    instrument: Any
    language: str
    period: str | None
    current: Any
    previous: Any
    scores: Any  # SurveyScores by period (or unsegmented)
    segment_scores: dict[str, Any]
    kpi_names: list[str]
    targets: dict[str, float]
    unmeasured: list[str]
    reliability: pd.DataFrame | None
    coverage: Any
    coverage_target: float
    validation: Any
    font: str | None

    @property
    def where(self) -> dict[str, Any]:
        return {self.period: self.current} if self.period else {}

    @property
    def level(self) -> float:
        return float(self.scores.confidence_level)


# ----------------------------------------------------------------------------- formatting
def pct(x: Any, digits: int = 1) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{float(x) * 100:.{digits}f}%"


def fmt_value(x: Any, kind: str) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    if kind == "proportion":
        return pct(x)
    if kind == "net":
        return f"{float(x) * 100:+.1f}"
    return f"{float(x):.1f}"


def fmt_change(x: Any, kind: str) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    if kind == "proportion":
        return f"{float(x) * 100:+.1f} pp"
    if kind == "net":
        return f"{float(x) * 100:+.1f}"
    return f"{float(x):+.1f}"


def _num(x: Any) -> str:
    """Full-precision number for ``data-`` attributes (repr of the float)."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    try:
        return repr(float(x))
    except (TypeError, ValueError):
        return esc(x)


def flag_of(value: Any) -> str | None:
    """A presentation-flag string, or None for no flag (None, NaN or empty)."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or value == "":
        return None
    return str(value)


def flag_text(flag: str | None, lang: str) -> str:
    """Readable text of ``;``-joined flag codes (unknown codes are shown as they are)."""
    if not flag:
        return ""
    return "; ".join(t(f"flag_{c}", lang) if f"flag_{c}" in STRINGS else c for c in flag.split(";"))


def title_of(mapping: Any, lang: str) -> str:
    return mapping.get(lang) or next(iter(mapping.values()))


def kpi_title(name: str, lang: str) -> str:
    if name in STRINGS:
        return t(name, lang)
    if f"kpi_{name}" in STRINGS:
        return t(f"kpi_{name}", lang)
    return name.replace("_", " ").capitalize()


def _axes(figsize: tuple[float, float]) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").add_subplot()


def _rows(ctx: Context, **eq: Any) -> pd.DataFrame:
    m = ctx.scores.metrics
    mask = np.ones(len(m), dtype=bool)
    for col, value in {**eq, **ctx.where}.items():
        mask &= (m[col] == value).to_numpy()
    return m.loc[mask]


# ----------------------------------------------------------------------------- KPI tiles
def kpi_table(ctx: Context) -> pd.DataFrame:
    """One row per KPI, and per other metric row with a target, of the current period.

    Rows come from ``scores.metrics``; ``tile`` is the tile id (the KPI name, or
    ``metric:subject``) and ``label`` its title in the report language.
    """
    m = _rows(ctx)
    m = m[(m["subject_type"] == "kpi") | m["target"].notna()]
    m = m.sort_values("subject_type", key=lambda s: s != "kpi", kind="stable")
    cols = [
        "metric",
        "subject",
        "n",
        "estimate",
        "ci_low",
        "ci_high",
        "target",
        "verdict",
        "p_value",
        "flag",
        "kind",
    ]
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


def _tile(name: str, lang: str, level: float, row: dict[str, Any], label: str | None = None) -> str:
    kind = row.get("kind", "proportion")
    verdict = row.get("verdict") or "none"
    badge = (
        t(verdict, lang) if verdict in ("met", "not_met", "inconclusive") else t("no_target", lang)
    )
    target = row.get("target")
    has_target = target is not None and np.isfinite(target)
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
    attrs = " ".join(
        f'data-{k}="{_num(row.get(v))}"'
        for k, v in (
            ("estimate", "estimate"),
            ("ci-low", "ci_low"),
            ("ci-high", "ci_high"),
            ("n", "n"),
            ("target", "target"),
            ("p-value", "p_value"),
        )
    )
    lines = [
        f'<div class="tile {esc(verdict)}" data-kpi="{esc(name)}" data-verdict="{esc(verdict)}" '
        f"{attrs}>",
        f'<div class="name">{esc(label or kpi_title(name, lang))}</div>',
        f'<div class="value">{esc(fmt_value(row["estimate"], kind))}</div>',
        f'<div class="detail">{esc(detail)}</div>',
        '<div class="detail">',
        f"{esc(t('tile_target', lang, target=fmt_value(target, kind)))} · " if has_target else "",
        f'<span class="badge {esc(verdict)}">{esc(badge)}</span>',
    ]
    lines.append("</div></div>")
    return "".join(lines)


def kpis_html(ctx: Context, table: pd.DataFrame, coverage_row: dict[str, Any] | None) -> str:
    lang = ctx.language
    tiles = [
        _tile(str(r["tile"]), lang, ctx.level, r, r["label"]) for r in table.to_dict("records")
    ]
    if coverage_row is not None:
        tiles.append(_tile("survey_coverage", lang, ctx.level, coverage_row))
    out = [
        f'<section id="kpis"><h2>{esc(t("sec_kpis", lang))}</h2>',
        f'<div class="tiles">{"".join(tiles)}</div>',
    ]
    if ctx.unmeasured:
        names = ", ".join(kpi_title(n, lang) for n in ctx.unmeasured)
        out.append(f'<p class="unmeasured">{esc(t("unmeasured_list", lang, names=names))}</p>')
    out.append("</section>")
    return "".join(out)


# ----------------------------------------------------------------------------- trend
def trend_html(ctx: Context) -> str:
    if not ctx.period or not ctx.kpi_names:
        return ""
    from satscore._plots.kpi import plot_trend

    lang = ctx.language
    figs = []
    for name in ctx.kpi_names:
        ax = plot_trend(
            ctx.scores,
            ax=_axes((9.5, 3.8)),
            metric=name,
            period=ctx.period,
            language=lang,
            font=ctx.font,
            target=ctx.targets.get(name, False),
        )
        figs.append(figure(ax, alt=f"{kpi_title(name, lang)} – {t('sec_trend', lang)}"))
    return f'<section id="trend"><h2>{esc(t("sec_trend", lang))}</h2>{"".join(figs)}</section>'


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
            r = _rows(ctx, metric=metric, subject=subj)
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


def _change_cell(value: Any, significant: bool, kind: str, attr: str) -> str:
    if value is None or not np.isfinite(value):
        return "<td>–</td>"
    arrow = ("▲ " if value > 0 else "▼ ") if significant else ""
    cls = (' class="up"' if value > 0 else ' class="down"') if significant else ""
    return f'<td{cls} data-{attr}="{_num(value)}">{esc(arrow + fmt_change(value, kind))}</td>'


def scorecard_html(ctx: Context, table: pd.DataFrame) -> str:
    if table.empty:
        return ""
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
    body = []
    for r in table.to_dict("records"):
        name = (
            t("overall", lang)
            if r["subject"] == "overall"
            else title_of(inst.dimension(r["subject"]).title, lang)
        )
        cells = [
            f"<td>{esc(name)}</td>",
            f'<td data-top-box="{_num(r["top_box"])}">{esc(pct(r["top_box"]))}</td>',
            f"<td>{esc(pct(r['top_box_ci_low']))} – {esc(pct(r['top_box_ci_high']))}</td>",
            f'<td data-index="{_num(r["index"])}">{esc(fmt_value(r["index"], "mean"))}</td>',
            f"<td>{esc(fmt_value(r['index_ci_low'], 'mean'))} – "
            f"{esc(fmt_value(r['index_ci_high'], 'mean'))}</td>",
        ]
        if has_change:
            cells.append(
                _change_cell(
                    r.get("top_box_change"),
                    r.get("top_box_significant"),
                    "proportion",
                    "top-box-change",
                )
            )
            cells.append(
                _change_cell(
                    r.get("index_change"), r.get("index_significant"), "mean", "index-change"
                )
            )
        if has_rel:
            for key in ("alpha", "omega"):
                v = r.get(key)
                ok = v is not None and np.isfinite(v)
                cells.append(f'<td data-{key}="{_num(v)}">{f"{v:.2f}" if ok else "–"}</td>')
        cells.append(f'<td data-n="{_num(r["n"])}">{int(r["n"]):,}</td>')
        body.append(f'<tr data-subject="{esc(r["subject"])}">{"".join(cells)}</tr>')
    notes = []
    if has_change:
        notes.append(t("significant_mark", lang, alpha=round(1 - ctx.level, 4)))
    elif ctx.period:
        notes.append(t("no_previous", lang))
    if not has_rel:
        notes.append(t("reliability_na", lang))
    elif ctx.reliability is not None and ctx.reliability["omega_note"].notna().any():
        notes.append(t("omega_improper", lang))
    thead = "".join(f"<th>{esc(h)}</th>" for h in head)
    note = f'<p class="note">{esc(" ".join(notes))}</p>' if notes else ""
    return (
        f'<section id="scorecard"><h2>{esc(t("sec_scorecard", lang))}</h2>'
        f'<table class="scorecard"><thead><tr>{thead}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{note}</section>"
    )

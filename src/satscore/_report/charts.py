"""Chart sections of the quarterly report: item charts by dimension and the segment
breakdown (split from :mod:`satscore._report.sections`, whose helpers they use).
"""

from __future__ import annotations

import pandas as pd

from satscore._core.i18n import STRINGS, t
from satscore._report.html import esc, figure
from satscore._report.sections import (
    Context,
    _num,
    flag_of,
    flag_text,
    fmt_value,
    kpi_title,
    title_of,
)

__all__ = ["items_html", "segment_table", "segments_html"]


# ----------------------------------------------------------------------------- item charts
def items_html(ctx: Context) -> str:
    from satscore._plots.likert import plot_likert

    inst, lang = ctx.instrument, ctx.language
    charts = []
    for d in inst.dimensions:
        items = [i for i in d.items if inst.item(i).scored]
        if not items:
            continue
        ax = plot_likert(
            ctx.scores, inst, items=items, where=ctx.where or None, language=lang, font=ctx.font
        )
        title = title_of(d.title, lang)
        charts.append(f"<h3>{esc(title)}</h3>{figure(ax, alt=title)}")
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
    for items in by_len.values():
        ax = plot_likert(
            ctx.scores, inst, items=items, where=ctx.where or None, language=lang, font=ctx.font
        )
        title = t("other_items", lang)
        charts.append(f"<h3>{esc(title)}</h3>{figure(ax, alt=title)}")
    if not charts:
        return ""
    return f'<section id="items"><h2>{esc(t("sec_items", lang))}</h2>{"".join(charts)}</section>'


# ----------------------------------------------------------------------------- segments
def segment_table(ctx: Context, by: str) -> pd.DataFrame:
    """The headline KPI per level of *by* in the current period.

    Without a KPI: the overall top-box, else the first scored item's top-box.
    """
    from satscore._plots.kpi import metric_rows, sort_segments

    scores = ctx.segment_scores[by]
    metric, subject = (ctx.kpi_names[0], None) if ctx.kpi_names else ("top_box", None)
    if not ctx.kpi_names:
        subjects = scores.metrics.loc[scores.metrics["metric"] == "top_box", "subject"]
        subject = "overall" if (subjects == "overall").any() else str(subjects.iloc[0])
    rows = metric_rows(scores, metric=metric, subject=subject, along=by, where=ctx.where or None)
    cols = [
        by,
        "n",
        "estimate",
        "ci_low",
        "ci_high",
        "target",
        "verdict",
        "flag",
        "suppressed",
        "kind",
        "metric",
        "subject",
    ]
    out = rows[[c for c in cols if c in rows.columns]]
    return sort_segments(out)


def segments_html(ctx: Context, tables: dict[str, pd.DataFrame]) -> str:
    from satscore._plots.segments import plot_segments

    lang = ctx.language
    parts = [f'<section id="segments"><h2>{esc(t("sec_segments", lang))}</h2>']
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
        parts.append(f"<h3>{esc(t('seg_by', lang, by=label))}</h3>")
        parts.append(figure(ax, alt=t("seg_by", lang, by=label)))
        head = [
            label,
            t("col_n", lang),
            kpi_title(metric, lang),
            t("col_ci", lang, level=ctx.level),
            t("col_verdict", lang),
            t("col_flag", lang),
        ]
        body = []
        for r in table.to_dict("records"):
            supp = bool(r.get("suppressed"))
            flag = flag_of(r.get("flag"))
            mark = " ‡" if supp else (" *" if flag else "")
            kind = r.get("kind", "proportion")
            verdict = r.get("verdict")
            vtxt = t(verdict, lang) if verdict in ("met", "not_met", "inconclusive") else "–"
            body.append(
                f'<tr class="{"suppressed" if supp else ""}" data-segment="{esc(r[by])}" '
                f'data-estimate="{_num(r["estimate"])}" data-n="{_num(r["n"])}">'
                f"<td>{esc(r[by])}{esc(mark)}</td><td>{int(r['n']):,}</td>"
                f"<td>{esc(fmt_value(r['estimate'], kind))}</td>"
                f"<td>{esc(fmt_value(r['ci_low'], kind))} – "
                f"{esc(fmt_value(r['ci_high'], kind))}</td>"
                f"<td>{esc(vtxt)}</td><td>{esc(flag_text(flag, lang))}</td></tr>"
            )
        thead = "".join(f"<th>{esc(h)}</th>" for h in head)
        parts.append(
            f'<table class="segments" data-by="{esc(by)}"><thead><tr>{thead}</tr>'
            f"</thead><tbody>{''.join(body)}</tbody></table>"
        )
    parts.append(f'<p class="note">{esc(t("suppressed_note", lang))}</p></section>')
    return "".join(parts)

"""Diverging (and 100%) stacked bar charts of Likert items.

Conventions follow Heiberger & Robbins (2014, *J. Stat. Softw.* 57(5)) and
R's ``likert`` package: one bar per item, unfavourable answers stacked to the
left of zero and favourable ones to the right, the neutral answer split across
zero (``neutral="split"``) or drawn in a separate panel (``neutral="side"``),
items grouped by dimension and sorted by their favourable (top-box) share,
the number of valid answers per row on a right-hand axis, a fixed
colour-blind-safe palette and the legend below the chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from satscore._core.checks import check_option
from satscore._core.errors import OptionError
from satscore._core.i18n import t
from satscore._plots.fonts import apply_font
from satscore._plots.likert_table import LikertTable, likert_table  # the data side (re-exported)
from satscore._plots.style import (
    count_axis,
    diverging_colors,
    frame_axes,
    legend_below,
    new_axes,
    prepare,
    wrap_label,
)

__all__ = ["LikertTable", "likert_table", "plot_likert"]


def _legend_labels(instrument: Any, items: list[str], language: str) -> list[str]:
    scales = []
    for item in items:
        scale = instrument.item_scale(item)
        if scale not in scales:
            scales.append(scale)
    per_scale = [[s.label(c, language) for c in s.codes] for s in scales]
    return [" / ".join(dict.fromkeys(parts)) for parts in zip(*per_scale, strict=True)]


def _legend_columns(names: list[str], width_in: float) -> int:
    """Legend columns that fit the figure width (about 13 characters per inch at 8.5 pt)."""
    room = 13.0 * width_in
    if sum(len(n) + 5 for n in names) <= room:
        return len(names)
    return max(1, min(len(names), int(room // (max(len(n) for n in names) + 5))))


def plot_likert(
    scores_or_responses: Any,
    instrument: Any = None,
    *,
    items: Sequence[str] | None = None,
    kind: str = "diverging",
    neutral: str = "split",
    where: Mapping[str, Any] | None = None,
    labels: str = "text",
    wrap: int = 50,
    bar_labels: bool = True,
    language: str = "en",
    font: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Diverging (or 100%) stacked bar chart of Likert items, grouped by dimension.

    Parameters
    ----------
    scores_or_responses : SurveyScores, ValidatedResponses or pandas.DataFrame
        A :class:`~satscore.SurveyScores` (its ``items`` distribution is drawn:
        shares of the valid answers, so weighted shares stay weighted), validated
        responses, or a DataFrame with one column of numeric answer codes per
        item (values that are not answer codes, e.g. 99 = N/A, are ignored).
    instrument : Instrument, optional
        The instrument (labels, dimensions, scales). Defaults to the
        ``instrument`` attribute of the scores or validated responses.
    items : sequence of str, optional
        Item ids to draw, all on scales with the same number of codes. Default:
        the scored items of every dimension.
    kind : {"diverging", "stacked100"}
        Bars centred on the neutral point (Heiberger–Robbins), or 100% stacked bars.
    neutral : {"split", "side"}
        Split the neutral category across the centre line, or draw it in a
        separate panel to the right (then the main bars show only the
        non-neutral answers, still as shares of all valid answers).
    where : mapping, optional
        Select one segment when the scores or responses are broken down, e.g.
        ``where={"quarter": "2026Q4"}``.
    labels : {"text", "id", "both"}
        Row labels: item wording, item id, or both.
    wrap : int
        Wrap row labels at about this many characters.
    bar_labels : bool
        Print the unfavourable and favourable percentages beside each bar.
    language : {"en", "zh"}
        Language of labels (item wording and answer labels from the instrument).
    font : str, optional
        Font family or font file for the text; default: matplotlib's default
        for English, an installed CJK font for Chinese (see :mod:`satscore.plots`).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created if omitted.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh` (e.g. ``height``, ``edgecolor``).

    Returns
    -------
    matplotlib.axes.Axes
        The axes with the chart. Bars are drawn one :class:`~matplotlib.container.BarContainer`
        per answer category (code order), widths in percent of valid answers.
        With ``neutral="side"`` the neutral bars sit right of the main bars, in
        a second region of the same axes starting at a vertical line.

    Notes
    -----
    Rows are grouped by dimension (instrument order, a bold header per group)
    and sorted within a group by the favourable share: the scale's satisfied
    codes, mirrored for reverse-keyed items (marked †), whose bars show the raw
    answers. The right-hand axis gives the number of valid answers per row.

    Examples
    --------
    >>> import satscore
    >>> inst = satscore.load_instrument("bank_service")
    >>> vr = inst.validate(satscore.load_example("bank_survey"), on_invalid="coerce")
    >>> ax = satscore.plot_likert(vr, items=["SA01", "SA02", "SA03"], where={"quarter": "2026Q4"})
    >>> len(ax.containers), len(ax.containers[0])  # 5 answer categories x 3 items
    (5, 3)
    >>> # R: likert::likert(items); plot(..., centered = TRUE); or HH::likert(counts)
    """
    lang, families = prepare(language, font)
    check_option("kind", kind, ("diverging", "stacked100"))
    check_option("neutral", neutral, ("split", "side"))
    check_option("labels", labels, ("text", "id", "both"))
    table = likert_table(scores_or_responses, instrument, items=items, where=where)
    inst = instrument if instrument is not None else scores_or_responses.instrument
    if lang not in inst.languages:
        msg = (
            f"instrument {inst.id!r} has no {lang!r} texts (its languages: "
            f"{', '.join(inst.languages)}); pass one of those as language=."
        )
        raise OptionError(msg)
    rows = list(table.shares.index)
    k = table.shares.shape[1]
    pct = table.shares.to_numpy(float) * 100.0
    mid = k // 2 if k % 2 else None
    side = neutral == "side" and mid is not None

    # y positions: a header row per dimension group, then its items (top to bottom).
    groups = list(dict.fromkeys(table.group.tolist()))
    show_headers = len(groups) > 1
    ypos, header_pos, header_txt, y = [], [], [], 0.0
    for g in groups:
        if show_headers:
            header_pos.append(y)
            title = inst.dimension(g).title if g is not None else None
            header_txt.append(
                title.get(lang, next(iter(title.values()))) if title else t("other_items", lang)
            )
            y += 1.0
        for _ in [i for i in rows if table.group[i] == g]:
            ypos.append(y)
            y += 1.0
        y += 0.3
    yy = np.asarray(ypos)

    names = _legend_labels(inst, rows, lang)
    legend_rows = int(np.ceil(k / _legend_columns(names, 10.0)))
    n_lines = sum(
        wrap_label(str(inst.item(i).text.get(lang, i)), wrap).count("\n") + 1 for i in rows
    )
    height = 0.25 * n_lines + 0.12 * len(rows) + 0.35 * len(header_pos) + 1.6 + 0.2 * legend_rows
    ax = new_axes(ax, (10.0, height))
    colors = diverging_colors(k)
    height = kwargs.pop("height", 0.72)
    kwargs.setdefault("edgecolor", "white")
    kwargs.setdefault("linewidth", 0.5)

    neg_idx = list(range(mid if mid is not None else k // 2))
    pos_idx = list(range((mid + 1) if mid is not None else k // 2, k))
    lefts = np.zeros_like(pct)
    if kind == "diverging":
        centre = pct[:, mid] / 2.0 if (mid is not None and not side) else np.zeros(len(rows))
        acc = centre.copy()
        for j in reversed(neg_idx):
            acc = acc + pct[:, j]
            lefts[:, j] = -acc
        if mid is not None and not side:
            lefts[:, mid] = -centre
        acc = centre.copy()
        for j in pos_idx:
            lefts[:, j] = acc
            acc = acc + pct[:, j]
    else:
        acc = np.zeros(len(rows))
        for j in range(k):
            if side and j == mid:
                continue
            lefts[:, j] = acc
            acc = acc + pct[:, j]

    neg_tot = pct[:, neg_idx].sum(axis=1)
    pos_tot = pct[:, pos_idx].sum(axis=1)
    if kind == "diverging":
        ext = float(np.max(np.maximum(-lefts[:, 0], lefts[:, -1] + pct[:, -1])))
        lim = min(100.0, 10.0 * np.ceil((ext + (14 if bar_labels else 2)) / 10.0))
        lo_lim, hi_lim = -lim, lim
        step = 25.0 if lim > 60 else 20.0 if lim > 40 else 10.0
        ticks = np.arange(0.0, lim + 1e-9, step)
        ticks = np.concatenate([-ticks[:0:-1], ticks])
    else:
        lo_lim, hi_lim = 0.0, 100.0
        ticks = np.arange(0.0, 100.0 + 1e-9, 25.0)
    tick_labels = [f"{abs(v):.0f}%" for v in ticks]
    offset = 0.0
    if side:
        # the neutral panel: a second region of the same axes, right of the main bars
        offset = hi_lim + 0.08 * (hi_lim - lo_lim)
        side_max = 10.0 * np.ceil((pct[:, mid].max() + (8.0 if bar_labels else 1.0)) / 10.0)
        side_ticks = np.arange(0.0, side_max + 1e-9, 10.0 if side_max <= 40 else 20.0)
        ticks = np.concatenate([ticks, offset + side_ticks])
        tick_labels += [f"{v:.0f}%" for v in side_ticks]
        lefts[:, mid] = offset
        hi_lim = offset + side_max

    handles = []
    for j in range(k):
        ax.barh(
            yy,
            pct[:, j],
            left=lefts[:, j],
            height=height,
            color=colors[j],
            label=names[j],
            **kwargs,
        )
        handles.append(Patch(facecolor=colors[j], edgecolor="white", label=names[j]))
    ax.set_xlim(lo_lim, hi_lim)
    ax.set_xticks(ticks, labels=tick_labels)
    note = {"fontsize": 8, "color": "#404040", "va": "center"}
    if kind == "diverging":
        ax.axvline(0.0, color="#4d4d4d", linewidth=0.8, zorder=0.5)
    if bar_labels and kind == "diverging":
        ends = lefts[:, pos_idx[-1]] + pct[:, pos_idx[-1]]
        for yv, a, b, lo, hi in zip(yy, neg_tot, pos_tot, lefts[:, 0], ends, strict=True):
            ax.text(lo - 1.0, yv, f"{a:.0f}%", ha="right", **note)
            ax.text(hi + 1.0, yv, f"{b:.0f}%", ha="left", **note)
    elif bar_labels:
        ends = lefts[:, pos_idx[-1]] + pct[:, pos_idx[-1]]
        box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"}
        for yv, a, b, end in zip(yy, neg_tot, pos_tot, ends, strict=True):
            ax.text(1.0, yv, f"{a:.0f}%", ha="left", bbox={**box, "alpha": 0.75}, **note)
            ax.text(end - 1.0, yv, f"{b:.0f}%", ha="right", bbox={**box, "alpha": 0.75}, **note)
    if side:
        ax.axvline(offset, color="#4d4d4d", linewidth=0.8, zorder=0.5)
        ax.text(
            offset, -0.75, t("neutral", lang), ha="left", va="bottom", fontsize=8.5, color="#404040"
        )
        if bar_labels:
            for yv, v in zip(yy, pct[:, mid], strict=True):
                ax.text(offset + v + 1.0, yv, f"{v:.0f}%", ha="left", **note)

    xlabel = t("percent_of_answers", lang)
    if any(inst.item(i).reverse for i in rows):
        xlabel += "\n" + t("reverse_note", lang)
    ax.set_xlabel(xlabel, fontsize=9)
    frame_axes(ax, grid="x", hide=("top", "right", "left"))
    ax.tick_params(axis="x", labelsize=8.5)

    def row_label(item: str) -> str:
        text = inst.item(item).text.get(lang, "")
        base = {"text": text, "id": item, "both": f"{item}  {text}"}[labels]
        mark = " †" if inst.item(item).reverse else ""
        return wrap_label(base, wrap) + mark

    ax.set_yticks([*header_pos, *ypos], labels=[*header_txt, *(row_label(i) for i in rows)])
    for lab in ax.get_yticklabels()[: len(header_pos)]:
        lab.set_fontweight("bold")
    ax.tick_params(axis="y", length=0, labelsize=9)
    ax.set_ylim(y - 0.1, -0.9)

    # row counts on a right-hand axis (HH::likert's "Row Count Totals")
    count_axis(ax, ypos, table.n, lang, labelsize=8, color="#404040", header_va="bottom")

    n_lines = xlabel.count("\n") + 1
    legend_below(
        ax,
        handles,
        drop=22 + 12 * n_lines,
        ncol=_legend_columns(names, ax.figure.get_figwidth()),
        fontsize=8.5,
        handlelength=1.2,
        columnspacing=1.0,
    )
    apply_font(ax, families)
    return ax

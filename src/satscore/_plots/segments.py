"""Segment breakdown chart: dot-and-whisker rows per segment with the target line.

Shares its row selection and formatting helpers with :mod:`satscore._plots.kpi`;
every number drawn comes from ``scores.metrics``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from satscore._core.checks import as_flags
from satscore._core.i18n import t
from satscore._plots.fonts import apply_font
from satscore._plots.kpi import (
    _VERDICT_COLORS,
    _fmt,
    _formatter,
    _metric_title,
    _resolve_target,
    metric_kind,
    metric_rows,
    no_target_handle,
    sort_segments,
)
from satscore._plots.style import (
    ESTIMATE,
    FLAG,
    TARGET,
    count_axis,
    frame_axes,
    legend_below,
    new_axes,
    prepare,
)

__all__ = ["plot_segments"]


def plot_segments(
    scores: Any,
    *,
    by: str = "branch",
    metric: str = "customer_satisfaction",
    subject: str | None = None,
    target: Any = None,
    where: Mapping[str, Any] | None = None,
    language: str = "en",
    font: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Dot-and-whisker rows per segment, sorted by estimate, with the target line.

    Rows are sorted by estimate, highest first; suppressed rows follow the
    publishable ones (an estimate too imprecise to publish is not ranked).

    Suppressed rows (``scores.metrics["suppressed"]``) are drawn with a hollow
    grey marker and a dashed whisker and their label says so; rows with other
    presentation flags get a hollow marker too. Filled markers are coloured by
    verdict when the scores carry one (teal met, brown not met, blue
    inconclusive).

    Parameters
    ----------
    scores : SurveyScores
        Scores with ``by`` among their ``by`` columns.
    by : str, default "branch"
        Segment column, one row per level.
    metric, subject, target, where, language, font, ax
        As in :func:`plot_trend` (without a target, the legend says "No target
        set").
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.errorbar`.

    Returns
    -------
    matplotlib.axes.Axes
        One errorbar container per row (``ax.containers``, in drawing order
        from the top) whose whiskers span ``ci_low``..``ci_high``; the target
        line has gid ``"target"``. The y tick labels are the segment levels
        (with the flag note), the right axis gives ``n``.

    Examples
    --------
    >>> import pandas as pd
    >>> import satscore
    >>> df = pd.DataFrame(
    ...     {
    ...         "branch": ["A"] * 300 + ["B"] * 200 + ["C"] * 12,
    ...         "CSAT01": [5, 4, 4, 3] * 75 + [5, 3, 2, 4] * 50 + [4] * 12,
    ...     }
    ... )
    >>> scores = satscore.score_survey(df, "csat", by="branch")
    >>> ax = satscore.plot_segments(scores, by="branch", target=0.7)
    >>> [t.get_text() for t in ax.get_yticklabels()]  # C (n = 12) is suppressed: last
    ['A', 'B', 'C (‡)']
    """
    lang, families = prepare(language, font)
    rows = metric_rows(scores, metric=metric, subject=subject, along=by, where=where)
    level = float(getattr(scores, "confidence_level", 0.95))
    kind = metric_kind(rows, metric)
    tgt = _resolve_target(scores, rows, metric, target)
    rows = sort_segments(rows)
    ax = new_axes(ax, (7.5, 0.28 * len(rows) + 1.4))
    supp = (
        pd.Series(as_flags(rows["suppressed"]), index=rows.index)
        if "suppressed" in rows.columns
        else pd.Series(False, index=rows.index)
    )
    flag = rows["flag"].notna() if "flag" in rows.columns else pd.Series(False, index=rows.index)
    verdicts = rows["verdict"] if "verdict" in rows.columns else pd.Series(None, index=rows.index)
    y = np.arange(len(rows), dtype=float)
    kwargs.setdefault("capsize", 0)
    kwargs.setdefault("elinewidth", 1.6)
    for i, r in rows.iterrows():
        color = FLAG if supp[i] else _VERDICT_COLORS.get(verdicts[i], ESTIMATE)
        hollow = bool(supp[i] or flag[i])
        err = np.array([[r["estimate"] - r["ci_low"]], [r["ci_high"] - r["estimate"]]])
        cont = ax.errorbar(
            [r["estimate"]],
            [y[i]],
            xerr=err,
            fmt="o",
            color=color,
            markersize=6,
            markerfacecolor="white" if hollow else color,
            markeredgecolor=color,
            markeredgewidth=1.4,
            **kwargs,
        )
        if supp[i]:
            for line in cont.lines[2]:
                line.set_linestyle("--")
    labels = []
    for i, r in rows.iterrows():
        note = " (‡)" if supp[i] else (" (*)" if flag[i] else "")
        labels.append(f"{r[by]}{note}")
    ax.set_yticks(y, labels=labels)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    if tgt is not None:
        ax.axvline(tgt, color=TARGET, linestyle="--", linewidth=1.4, gid="target")
    count_axis(ax, y, rows["n"], lang, labelsize=7.5, color="#606060")
    ax.xaxis.set_major_formatter(_formatter(kind))
    frame_axes(ax, grid="x", hide=("top", "right", "left"))
    ax.tick_params(axis="y", length=0, labelsize=8.5)
    ax.set_xlabel(_metric_title(metric, lang))
    handles = []
    present = [v for v in ("met", "not_met", "inconclusive") if (verdicts[~supp] == v).any()]
    if present:
        for v in present:
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    color=_VERDICT_COLORS[v],
                    label=f"{t(v, lang)} ({t('ci_band', lang, level=level)})",
                )
            )
    else:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                color=ESTIMATE,
                label=f"{t('estimate', lang)} ({t('ci_band', lang, level=level)})",
            )
        )
    if tgt is not None:
        handles.append(
            Line2D(
                [], [], color=TARGET, linestyle="--", label=f"{t('target', lang)} {_fmt(tgt, kind)}"
            )
        )
    if tgt is None and target is None:
        handles.append(no_target_handle(lang))
    if bool(supp.any() or flag.any()):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="--",
                color=FLAG,
                markerfacecolor="white",
                label=t("flagged", lang),
            )
        )
    legend_below(ax, handles, drop=38, ncol=min(len(handles), 3), fontsize=8)
    apply_font(ax, families)
    return ax

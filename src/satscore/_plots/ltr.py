"""Likelihood-to-recommend chart: the 0-10 distribution with the net score and its CI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from satscore._core.errors import DataError, OptionError
from satscore._core.i18n import t
from satscore._plots.fonts import apply_font
from satscore._plots.kpi import _check_scores, metric_rows
from satscore._plots.likert_table import check_one_segment, select_where
from satscore._plots.style import LTR_COLORS, frame_axes, new_axes, prepare

__all__ = ["plot_ltr"]


def plot_ltr(
    scores: Any,
    *,
    item: str | None = None,
    where: Mapping[str, Any] | None = None,
    language: str = "en",
    font: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """0–10 likelihood-to-recommend distribution coloured detractor / passive / promoter.

    Parameters
    ----------
    scores : SurveyScores
        Scores of an instrument with a ``likelihood_to_recommend`` item.
    item : str, optional
        The 0–10 item; default the instrument's likelihood-to-recommend item.
    where : mapping, optional
        Select one segment when the scores are broken down (e.g. by quarter).
    language, font, ax
        As in :func:`plot_likert`.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.bar`.

    Returns
    -------
    matplotlib.axes.Axes
        Eleven bars (``ax.containers[0]``) with heights = ``scores.items`` shares
        of valid answers (in percent), coloured by category; the title states the
        net score (``net_score`` row of ``scores.metrics``, ×100) with its CI and n.

    Examples
    --------
    >>> import pandas as pd
    >>> import satscore
    >>> df = pd.DataFrame({"LTR01": [10, 9, 9, 8, 7, 6, 3, 10, 9, 8] * 30})
    >>> scores = satscore.score_survey(df, "ltr")
    >>> ax = satscore.plot_ltr(scores)
    >>> print(ax.get_title(loc="left"))
    Net score +30.0 (CI +21.2 to +38.8), n = 300
    >>> # R: z <- ifelse(x >= 9, 1, ifelse(x <= 6, -1, 0))
    >>> # R: mean(z) + c(-1, 1) * qnorm(0.975) * sqrt((mean(z^2) - mean(z)^2) / length(z))
    """
    lang, families = prepare(language, font)
    _check_scores(scores)
    inst = scores.instrument
    if item is None:
        found = inst.role_item("likelihood_to_recommend")
        if found is None:
            msg = (
                f"instrument {inst.id!r} has no likelihood_to_recommend item; pass item=... "
                "with the id of a 0-10 item."
            )
            raise OptionError(msg)
        item = found.id
    codes = list(inst.item_scale(item).codes)
    table = select_where(scores.items, where, "scores.items")
    dist = table[(table["item"] == item) & table["code"].isin(codes)]
    check_one_segment(dist, [c for c in getattr(scores, "by", ()) if c not in (where or {})])
    if dist.empty:
        msg = f"scores.items has no distribution for item {item!r} (where={where!r})."
        raise DataError(msg)
    share = dist.set_index(dist["code"].astype(float).astype(int))["share"].reindex(codes)
    share = share.fillna(0.0).to_numpy(float)
    net = metric_rows(scores, metric="net_score", subject=item, where=where).iloc[0]
    ax = new_axes(ax, (7.0, 3.4))
    c = np.asarray(codes)
    cat = np.where(c <= 6, 0, np.where(c <= 8, 1, 2))
    colors = [LTR_COLORS[k] for k in cat]
    kwargs.setdefault("width", 0.8)
    ax.bar(c, share * 100.0, color=colors, edgecolor="white", **kwargs)
    for xi, v in zip(c, share, strict=True):
        ax.text(
            xi,
            v * 100.0 + 0.6,
            f"{v * 100:.0f}%",
            ha="center",
            va="bottom",
            fontsize=8,
            color="#404040",
        )
    ax.set_xticks(c, labels=[str(v) for v in c])
    ax.set_xlabel(t("ltr_axis", lang))
    ax.set_ylabel(t("percent_of_answers", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    ax.set_ylim(0, max(share) * 100.0 * 1.18 + 1)
    frame_axes(ax, grid="y")
    groups = [share[cat == k].sum() for k in range(3)]
    names = ("detractors", "passives", "promoters")
    handles = [
        Patch(color=LTR_COLORS[k], label=f"{t(names[k], lang)}: {groups[k] * 100:.1f}%")
        for k in range(3)
    ]
    ax.legend(handles=handles, loc="upper left", frameon=False, fontsize=8)
    ax.set_title(
        t(
            "net_score_label",
            lang,
            value=net["estimate"] * 100,
            low=net["ci_low"] * 100,
            high=net["ci_high"] * 100,
            n=f"{int(net['n']):,}",
        ),
        fontsize=10,
        loc="left",
    )
    apply_font(ax, families)
    return ax

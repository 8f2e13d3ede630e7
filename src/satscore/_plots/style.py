"""Shared chart conventions: palette, new axes, label wrapping, font handling.

One fixed colour-blind-safe palette is used by every satscore chart: the
ColorBrewer BrBG diverging scheme (brown = unfavourable, teal = favourable,
grey = neutral), the default of R's ``likert`` package. Structural elements
(estimates, targets, CI bands) use dark blue-grey, orange and light grey.
"""

from __future__ import annotations

import textwrap
import unicodedata
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_hex
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.transforms import offset_copy

from satscore._core.errors import SatscoreTypeError
from satscore._core.i18n import check_language, t
from satscore._plots.fonts import resolve_font

__all__ = [
    "ESTIMATE",
    "FLAG",
    "NEUTRAL",
    "TARGET",
    "count_axis",
    "diverging_colors",
    "frame_axes",
    "legend_below",
    "new_axes",
    "prepare",
    "wrap_label",
]

#: ColorBrewer BrBG, 5 classes (neutral replaced by a grey that stays visible on white).
_BRBG5 = ("#a6611a", "#dfc27d", "#d9d9d9", "#80cdc1", "#018571")
_BRBG_ANCHORS = (
    "#8c510a",
    "#bf812d",
    "#dfc27d",
    "#f6e8c3",
    "#c7eae5",
    "#80cdc1",
    "#35978f",
    "#01665e",
)
NEUTRAL = "#d9d9d9"
ESTIMATE = "#253494"
TARGET = "#d95f02"
FLAG = "#7f7f7f"
BAND = "#c6dbef"
#: Light grid lines behind the data.
GRID = "#e6e6e6"

#: Net-score categories (detractor, passive, promoter), matching the diverging ends.
LTR_COLORS = ("#a6611a", NEUTRAL, "#018571")


def diverging_colors(k: int) -> list[str]:
    """Colours for a *k*-point scale, unfavourable (brown) to favourable (teal).

    Odd scales get the grey neutral in the middle.

    Examples
    --------
    >>> diverging_colors(5)
    ['#a6611a', '#dfc27d', '#d9d9d9', '#80cdc1', '#018571']
    >>> len(diverging_colors(7)), diverging_colors(7)[3]
    (7, '#d9d9d9')
    """
    if k == 5:
        return list(_BRBG5)
    cmap = LinearSegmentedColormap.from_list("satscore_brbg", _BRBG_ANCHORS)
    half = k // 2
    low = [to_hex(cmap(x)) for x in np.linspace(0.0, 0.4, half)] if half else []
    high = [to_hex(cmap(x)) for x in np.linspace(0.6, 1.0, half)] if half else []
    if half == 1:
        low, high = [_BRBG5[0]], [_BRBG5[-1]]
    return [*low, *([NEUTRAL] if k % 2 else []), *high]


_NO_LINE_START = set("，。、；：？！）》」』”’,.;:?!)")


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap_label(text: str, width: int = 38) -> str:
    """Wrap *text* to lines of about *width* columns (CJK characters count double).

    Examples
    --------
    >>> print(wrap_label("Staff listened carefully and understood what I needed.", 30))
    Staff listened carefully and
    understood what I needed.
    >>> print(wrap_label("员工认真倾听并理解我的需求，办理业务耐心细致。", 20))
    员工认真倾听并理解我
    的需求，办理业务耐心
    细致。
    """
    text = " ".join(str(text).split())
    if _display_width(text) == len(text):
        return "\n".join(textwrap.wrap(text, width=width)) or text
    lines: list[str] = []
    line = ""
    for ch in text:
        if line and _display_width(line + ch) > width and ch not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = ch.lstrip()
        else:
            line += ch
    if line:
        lines.append(line)
    return "\n".join(lines)


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """Return *ax*, or the axes of a new (pyplot-free) :class:`~matplotlib.figure.Figure`."""
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig.add_subplot()
    if not isinstance(ax, Axes):
        msg = f"ax must be a matplotlib Axes or None; found {type(ax).__name__}."
        raise SatscoreTypeError(msg)
    return ax


def prepare(language: Any, font: Any) -> tuple[str, list[str] | None]:
    """Validate ``language`` and resolve the font family list (raises if zh has no font)."""
    lang = check_language(language)
    return lang, resolve_font(lang, font)


def hollow(color: str) -> dict[str, Any]:
    """Marker style of a flagged / suppressed estimate (hollow marker)."""
    return {"markerfacecolor": "white", "markeredgecolor": color}


def frame_axes(
    ax: Axes, *, grid: str | None = None, hide: tuple[str, ...] = ("top", "right")
) -> None:
    """Light grid lines along *grid* (``"x"``, ``"y"`` or None) behind the data; hide spines *hide*.

    Examples
    --------
    >>> ax = new_axes(None, (3.0, 2.0))
    >>> frame_axes(ax, grid="y")
    >>> ax.spines["top"].get_visible(), ax.spines["left"].get_visible(), ax.get_axisbelow()
    (False, True, True)
    """
    if grid is not None:
        getattr(ax, f"{grid}axis").grid(True, color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
    for spine in hide:
        ax.spines[spine].set_visible(False)


def count_axis(
    ax: Axes,
    positions: Any,
    counts: Any,
    lang: str,
    *,
    labelsize: float,
    color: str,
    header_va: str = "baseline",
) -> Axes:
    """Right-hand axis with the row counts (``1,234``) and an ``n`` header above it.

    Returns the secondary axes (a child of *ax*, so :func:`apply_font` reaches it).

    Examples
    --------
    >>> ax = new_axes(None, (3.0, 2.0))
    >>> sec = count_axis(ax, [0, 1], [1200, 35], "en", labelsize=8, color="#404040")
    >>> [lab.get_text() for lab in sec.get_yticklabels()], ax.texts[-1].get_text()
    (['1,200', '35'], 'n')
    """
    sec = ax.secondary_yaxis("right")
    sec.set_yticks(positions, labels=[f"{int(v):,}" for v in counts])
    sec.tick_params(axis="y", length=0, labelsize=labelsize, labelcolor=color)
    sec.spines["right"].set_visible(False)
    ax.annotate(
        t("n_short", lang),
        xy=(1.0, 1.0),
        xycoords="axes fraction",
        xytext=(4, 2),
        textcoords="offset points",
        ha="left",
        va=header_va,
        fontsize=8,
        color=color,
        annotation_clip=False,
    )
    return sec


def legend_below(ax: Axes, handles: list[Any], *, drop: float, ncol: int, **kwargs: Any) -> Legend:
    """Frameless legend centred under the axes, *drop* points below the bottom spine.

    Examples
    --------
    >>> from matplotlib.patches import Patch
    >>> ax = new_axes(None, (3.0, 2.0))
    >>> leg = legend_below(ax, [Patch(label="a"), Patch(label="b")], drop=30, ncol=2, fontsize=8)
    >>> [x.get_text() for x in leg.get_texts()], leg.get_frame_on()
    (['a', 'b'], False)
    """
    below = offset_copy(ax.transAxes, fig=ax.figure, y=-drop, units="points")
    return ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=below,
        ncol=ncol,
        frameon=False,
        **kwargs,
    )

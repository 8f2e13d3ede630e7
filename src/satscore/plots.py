"""Charts of survey results: Likert bars, KPI trends, segments, LTR, factor analysis.

Every function draws on ``ax`` (a new pyplot-free
:class:`~matplotlib.figure.Figure` when omitted), returns the
:class:`~matplotlib.axes.Axes`, never calls ``plt.show()``, and takes
``language="en" | "zh"`` and ``font=None``. One colour-blind-safe palette
(ColorBrewer BrBG: brown = unfavourable, teal = favourable, grey = neutral) is
shared by all charts; targets are dashed orange lines, confidence intervals
light-blue bands or whiskers, flagged estimates hollow markers.

======================  ====================================================
function                draws
======================  ====================================================
:func:`plot_likert`     diverging / 100% stacked bars of Likert items
:func:`plot_trend`      a KPI per period with CI band, target, changes
:func:`plot_segments`   dot-and-whisker rows per branch / channel
:func:`plot_ltr`        0-10 recommend distribution with the net score
:func:`plot_scree`      eigenvalues vs parallel analysis
:func:`plot_loadings`   loadings heatmap with the intended dimensions
======================  ====================================================

Chinese labels
--------------
With ``language="zh"`` satscore uses the first installed CJK font among
:data:`satscore._plots.fonts.CJK_FAMILIES` (Noto Sans CJK SC first) and raises
:class:`~satscore.errors.MissingDependencyError` if there is none, naming the
fix: ``apt-get install fonts-noto-cjk`` (Debian/Ubuntu; then restart Python),
or pass ``font="<family or .ttf/.otf/.ttc path>"``. Raising (rather than
warning) is deliberate: Chinese text in a font without CJK glyphs renders as
empty boxes.
"""

from __future__ import annotations

from satscore._plots.factor import intended_factors, plot_loadings, plot_scree
from satscore._plots.fonts import find_cjk_font
from satscore._plots.kpi import plot_trend
from satscore._plots.likert import LikertTable, likert_table, plot_likert
from satscore._plots.ltr import plot_ltr
from satscore._plots.segments import plot_segments

__all__ = [
    "LikertTable",
    "find_cjk_font",
    "intended_factors",
    "likert_table",
    "plot_likert",
    "plot_loadings",
    "plot_ltr",
    "plot_scree",
    "plot_segments",
    "plot_trend",
]

"""Charts of survey results: Likert bars, KPI trends, segments, LTR, factor analysis.

Every function draws on ``ax`` (a new pyplot-free figure when omitted), returns
the :class:`~matplotlib.axes.Axes`, never calls ``plt.show()``, and takes
``language="en" | "zh"`` and ``font=None``. One colour-blind-safe palette
(ColorBrewer BrBG: brown = unfavourable, teal = favourable, grey = neutral) is
shared by all charts.

Chinese labels
--------------
With ``language="zh"`` satscore uses the first installed CJK font among
:data:`~satscore._fonts.CJK_FAMILIES` (Noto Sans CJK SC first) and raises
:class:`~satscore.errors.MissingDependencyError` if there is none, naming the
fix: ``apt-get install fonts-noto-cjk`` (Debian/Ubuntu), or pass
``font="<family or .ttf/.otf/.ttc path>"``.
"""

from __future__ import annotations

from ._plot_likert import LikertTable, likert_table, plot_likert

__all__ = [
    "LikertTable",
    "likert_table",
    "plot_likert",
]

"""Scoring's metric definitions: names, written definitions, interval kinds, per-code values.

Every satisfaction metric satscore reports is a (weighted) mean of a
per-respondent value ``z`` over the respondents with a valid answer:

==================  ==========================================================
metric              z for a respondent with answer x on a scale min..max
==================  ==========================================================
``top_box``         1 if x is one of the scale's "satisfied" codes, else 0
``index_0_100``     (x - min) / (max - min) * 100
``mean``            x
``pct_of_max``      x / max * 100  (inflating: never below 100 * min / max)
``net_score``       +1 for 9-10, -1 for 0-6, 0 for 7-8 (likelihood to recommend)
``resolution_rate`` 1 if the problem status is "fully resolved" (code 1), else 0
==================  ==========================================================

Item metrics are computed from per-segment category counts with ``z`` per answer
code (:func:`category_values`); dimension and overall scores from the moments of
the per-respondent score, mapped linearly (:func:`linear_map`). The per-segment
aggregation itself is generic and lives in :mod:`satscore._stats.grouped`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "DEFAULT_METRICS",
    "METRICS",
    "METRIC_KINDS",
    "category_values",
    "format_definition",
    "generic_definition",
    "linear_map",
    "metric_kind",
]

#: Every metric name score_survey understands, with its written definition.
METRICS: dict[str, str] = {
    "top_box": (
        "share of valid answers in the scale's satisfied categories {satisfied} "
        "(top-box; for a dimension or the overall score: share of respondents whose score "
        "is at least {threshold})"
    ),
    "index_0_100": (
        "(mean - {min}) / ({max} - {min}) * 100: the mean rescaled to 0-100 (POMP); "
        "85 on this index is NOT 85% satisfied"
    ),
    "mean": "arithmetic mean of valid answers on the {min}-{max} scale",
    "pct_of_max": (
        "mean / {max} * 100: percent of the maximum; INFLATES the score (never below "
        "{floor}), prefer index_0_100"
    ),
    "net_score": (
        "share answering 9-10 minus share answering 0-6 on the 0-10 likelihood-to-recommend "
        "item (NPS-style, in [-1, 1]); CI from the multinomial variance "
        "(p_promoters + p_detractors - net^2) / n"
    ),
    "resolution_rate": (
        "share answering 'fully resolved' (code 1) among respondents who answered the "
        "problem-status item"
    ),
}
DEFAULT_METRICS = ("top_box", "index_0_100", "mean", "net_score", "resolution_rate")

#: Interval family of every metric: ``"proportion"``, ``"mean"`` or ``"net"``.
METRIC_KINDS: dict[str, str] = {
    "top_box": "proportion",
    "resolution_rate": "proportion",
    "index_0_100": "mean",
    "mean": "mean",
    "pct_of_max": "mean",
    "net_score": "net",
}


def metric_kind(metric: str) -> str:
    """``"proportion"``, ``"mean"`` or ``"net"``: which interval family applies.

    Examples
    --------
    >>> metric_kind("top_box"), metric_kind("index_0_100"), metric_kind("net_score")
    ('proportion', 'mean', 'net')
    """
    return METRIC_KINDS[metric]


def category_values(metric: str, codes: Sequence[int], satisfied: Sequence[int]) -> np.ndarray:
    """Per-category value ``z`` of *metric* for a scale with answer *codes*.

    Examples
    --------
    >>> category_values("index_0_100", (1, 2, 3, 4, 5), (4, 5)).tolist()
    [0.0, 25.0, 50.0, 75.0, 100.0]
    >>> category_values("net_score", tuple(range(11)), (9, 10)).tolist()[5:]
    [-1.0, -1.0, 0.0, 0.0, 1.0, 1.0]
    """
    c = np.asarray(codes, dtype=float)
    lo, hi = c.min(), c.max()
    if metric == "top_box":
        return np.isin(c, np.asarray(satisfied, dtype=float)).astype(float)
    if metric == "index_0_100":
        return (c - lo) / (hi - lo) * 100.0
    if metric == "mean":
        return c.copy()
    if metric == "pct_of_max":
        return c / hi * 100.0
    if metric == "net_score":
        return np.where(c >= 9, 1.0, np.where(c <= 6, -1.0, 0.0))
    if metric == "resolution_rate":
        return (c == 1).astype(float)
    raise KeyError(metric)  # pragma: no cover - names are checked upstream


def linear_map(metric: str, lo: float, hi: float) -> tuple[float, float]:
    """``(a, b)`` with metric value ``a + b * score`` for a score on ``lo..hi``.

    Examples
    --------
    >>> linear_map("index_0_100", 1.0, 5.0), linear_map("mean", 1.0, 5.0)
    ((-25.0, 25.0), (0.0, 1.0))
    """
    if metric == "index_0_100":
        return -lo / (hi - lo) * 100.0, 100.0 / (hi - lo)
    if metric == "pct_of_max":
        return 0.0, 100.0 / hi
    return 0.0, 1.0


def format_definition(metric: str, *, codes: Sequence[int], satisfied: Sequence[int]) -> str:
    """Fill in the written definition of *metric* for a scale.

    Examples
    --------
    >>> format_definition("mean", codes=(1, 2, 3, 4, 5), satisfied=(4, 5))
    'arithmetic mean of valid answers on the 1-5 scale'
    """
    lo, hi = min(codes), max(codes)
    sat = sorted(satisfied)
    threshold = min(sat) if sat else hi
    return METRICS[metric].format(
        satisfied=tuple(sat) if sat else "()",
        threshold=threshold,
        min=lo,
        max=hi,
        floor=f"{100.0 * lo / hi:.0f}" if hi else "0",
    )


def generic_definition(metric: str) -> str:
    """The definition of *metric* without a particular scale."""
    return METRICS[metric].format(
        satisfied="(the scale's satisfied codes)",
        threshold="the lowest satisfied code",
        min="min",
        max="max",
        floor="100 * min / max",
    )

"""KPI charts from :class:`~satscore.SurveyScores`: trend over periods (and shared helpers).

Every number drawn comes from ``scores.metrics`` / ``scores.items`` (no
recomputation): estimates, interval bounds, targets, verdicts and flags.
Proportions and net scores are drawn on their own scale and the axis is
labelled in percent (net score: points from -100 to +100).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import Formatter, FuncFormatter, PercentFormatter

from satscore._core.checks import as_flags
from satscore._core.errors import DataError, OptionError, SatscoreTypeError
from satscore._core.i18n import STRINGS, t
from satscore._plots.fonts import apply_font
from satscore._plots.likert_table import check_one_segment
from satscore._plots.style import BAND, ESTIMATE, TARGET, frame_axes, new_axes, prepare
from satscore._scoring.kpi import bank_kpi_targets
from satscore._scoring.metrics import METRIC_KINDS

__all__ = ["metric_kind", "metric_rows", "plot_trend"]

# plot_segments (the segment breakdown) lives in _plot_segments.py

_PROPORTION_METRICS = {m for m, kind in METRIC_KINDS.items() if kind == "proportion"}
_VERDICT_COLORS = {"met": "#018571", "not_met": "#a6611a", "inconclusive": ESTIMATE}


def _check_scores(scores: Any) -> pd.DataFrame:
    metrics = getattr(scores, "metrics", None)
    if not isinstance(metrics, pd.DataFrame):
        msg = (
            f"expected a SurveyScores (from satscore.score_survey); found {type(scores).__name__}."
        )
        raise SatscoreTypeError(msg)
    return metrics


def metric_kind(rows: pd.DataFrame, metric: str) -> str:
    """``"proportion"``, ``"net"`` or ``"mean"`` for the rows of *metric*."""
    if "kind" in rows.columns and rows["kind"].notna().any():
        return str(rows["kind"].dropna().iloc[0])
    if metric == "net_score":
        return "net"
    if metric in _PROPORTION_METRICS or (rows["subject_type"] == "kpi").all():
        return "proportion"
    return "mean"


def metric_rows(
    scores: Any,
    *,
    metric: str,
    subject: str | None = None,
    along: str | None = None,
    where: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Rows of ``scores.metrics`` for one metric and subject, one per level of *along*.

    Other ``by`` columns must be fixed with *where* (or absent).
    """
    m = _check_scores(scores)
    by = tuple(getattr(scores, "by", ()))
    if along is not None and along not in by:
        msg = (
            f"the scores are not broken down by {along!r} (their by= is {list(by)}); "
            f"score with by=[{along!r}, ...] first."
        )
        raise OptionError(msg)
    rows = m[m["metric"] == metric]
    if rows.empty:
        known = sorted(m["metric"].unique())
        msg = f"the scores have no metric {metric!r}; their metrics are {known}."
        raise OptionError(msg)
    if subject is not None:
        rows = rows[rows["subject"] == subject]
        if rows.empty:
            known = sorted(m.loc[m["metric"] == metric, "subject"].unique())
            msg = f"metric {metric!r} has no subject {subject!r}; its subjects are {known}."
            raise OptionError(msg)
    subjects = rows["subject"].unique()
    if len(subjects) > 1:
        msg = (
            f"metric {metric!r} has several subjects {sorted(subjects)[:8]}; "
            "choose one with subject=..."
        )
        raise OptionError(msg)
    for col, value in (where or {}).items():
        if col not in by:
            msg = f"where= names {col!r}, which is not a by= column of the scores ({list(by)})."
            raise OptionError(msg)
        rows = rows[rows[col] == value]
    if rows.empty:
        msg = f"no rows of metric {metric!r} match where={dict(where or {})!r}; check the values."
        raise DataError(msg)
    check_one_segment(rows, [c for c in by if c != along and c not in (where or {})], also=True)
    if along is not None:
        rows = rows.sort_values(along, kind="stable")
    return rows.reset_index(drop=True)


def sort_segments(rows: pd.DataFrame) -> pd.DataFrame:
    """Publishable rows by estimate (highest first), then suppressed rows by estimate.

    Suppressed estimates are too imprecise to rank, so they never head the list.
    """
    supp = (
        pd.Series(as_flags(rows["suppressed"]), index=rows.index)
        if "suppressed" in rows.columns
        else pd.Series(False, index=rows.index)
    )
    order = np.lexsort((-rows["estimate"].to_numpy(float), supp.to_numpy()))
    return rows.iloc[order].reset_index(drop=True)


def _formatter(kind: str) -> Formatter:
    """Percent ticks for proportions (decimals as the tick spacing needs), ±points for nets."""
    if kind == "proportion":
        return PercentFormatter(xmax=1.0, decimals=None)
    if kind == "net":
        return FuncFormatter(lambda v, _: f"{v * 100:+g}")
    return FuncFormatter(lambda v, _: f"{v:g}")


def _fmt(value: float, kind: str) -> str:
    if kind == "proportion":
        return f"{value * 100:.1f}%"
    if kind == "net":
        return f"{value * 100:+.1f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _default_target(scores: Any, rows: pd.DataFrame, metric: str) -> float | None:
    if "target" in rows.columns and rows["target"].notna().any():
        return float(rows["target"].dropna().iloc[0])
    table = bank_kpi_targets()
    if isinstance(table, Mapping) and metric in table:
        return float(table[metric])
    return None


def _resolve_target(scores: Any, rows: pd.DataFrame, metric: str, target: Any) -> float | None:
    if target is False:
        return None
    if target is None:
        return _default_target(scores, rows, metric)
    try:
        return float(target)
    except (TypeError, ValueError):
        msg = f"target must be a number, None (use the scores' target) or False; found {target!r}."
        raise OptionError(msg) from None


def no_target_handle(lang: str) -> Line2D:
    """Legend entry (no line, no marker) saying that no target line is drawn."""
    return Line2D([], [], linestyle="none", marker="none", label=t("no_target_set", lang))


def _metric_title(metric: str, lang: str) -> str:
    return t(metric, lang) if metric in STRINGS else metric


def significant_changes(
    scores: Any, *, period: str, metric: str, subject: str, where: Mapping[str, Any] | None
) -> dict[Any, float]:
    """Periods whose change from the previous period is significant, with the p-value.

    Uses ``scores.compare(by=period)``; an empty dict if the scores cannot compare.
    """
    compare = getattr(scores, "compare", None)
    if compare is None:
        return {}
    result = compare(period)
    table = result if isinstance(result, pd.DataFrame) else getattr(result, "table", None)
    if table is None and hasattr(result, "summary"):
        table = result.summary()
    if not isinstance(table, pd.DataFrame) or table.empty:
        return {}
    rows = table[(table["metric"] == metric) & (table["subject"] == subject)]
    for col, value in (where or {}).items():
        if col in rows.columns:
            rows = rows[rows[col] == value]
    level_col = next((c for c in ("to", "level", period) if c in rows.columns), None)
    sig_col = next((c for c in ("significant", "reject") if c in rows.columns), None)
    p_col = next(
        (c for c in ("p_adjusted", "p_value_adjusted", "p_value") if c in rows.columns), None
    )
    if level_col is None or sig_col is None:
        return {}
    hits = rows[rows[sig_col].astype(bool)]
    return {
        lvl: float(p) if p_col else float("nan")
        for lvl, p in zip(
            hits[level_col], hits[p_col] if p_col else [np.nan] * len(hits), strict=True
        )
    }


def plot_trend(
    scores: Any,
    *,
    metric: str = "customer_satisfaction",
    subject: str | None = None,
    period: str = "quarter",
    target: Any = None,
    where: Mapping[str, Any] | None = None,
    changes: bool = True,
    language: str = "en",
    font: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Estimate per period with its confidence band, the target line and significant changes.

    Parameters
    ----------
    scores : SurveyScores
        Scores with ``period`` among their ``by`` columns.
    metric : str, default "customer_satisfaction"
        A KPI name or a metric (``"top_box"``, ``"index_0_100"``, ``"net_score"``, ...).
    subject : str, optional
        Item or dimension id when the metric has several subjects.
    period : str, default "quarter"
        The period column.
    target : float, None or False
        Target line. ``None`` (default): the target stored in the scores
        (``score_survey(targets=...)``), else the bank's default target for a
        KPI (:func:`satscore.bank_kpi_targets`, e.g. 0.85 for customer
        satisfaction); ``False``: no line. When ``None`` finds no target
        (neither stored nor a bank KPI target, e.g. for ``"index_0_100"``), no
        line is drawn and the legend says so: a last entry "No target set"
        (zh: "未设定目标") without a line, so a missing line is never mistaken
        for a target that was dropped.
    where : mapping, optional
        Fix other ``by`` columns, e.g. ``{"channel": "mobile"}``.
    changes : bool, default True
        Mark periods whose change from the previous period is significant
        (``scores.compare(period)``, multiplicity-adjusted) with a ring and the
        adjusted p-value.
    language : {"en", "zh"}
    font : str, optional
    ax : matplotlib.axes.Axes, optional
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the estimate line.

    Returns
    -------
    matplotlib.axes.Axes
        Artists: the CI band (a ``PolyCollection``, ``ax.collections[0]``, with
        the ``ci_low``/``ci_high`` bounds), the estimate line (gid
        ``"estimate"``), the target line (gid ``"target"``) and ring markers
        (gid ``"significant_change"``). Without a target (see ``target``) the
        legend's last text is "No target set".

    Examples
    --------
    >>> import pandas as pd
    >>> import satscore
    >>> df = pd.DataFrame(
    ...     {
    ...         "quarter": ["2026Q1"] * 200 + ["2026Q2"] * 200,
    ...         "CSAT01": [5, 4, 3, 4, 2] * 40 + [5, 4, 4, 4, 3] * 40,
    ...     }
    ... )
    >>> scores = satscore.score_survey(df, "csat", by="quarter")
    >>> ax = satscore.plot_trend(scores, target=0.85)
    >>> [round(float(v), 3) for v in ax.lines[0].get_ydata()]  # the estimates
    [0.6, 0.8]
    >>> ax.lines[-1].get_gid(), round(float(ax.lines[-1].get_ydata()[0]), 2)  # significant change
    ('significant_change', 0.8)
    >>> # R: binom.test(x, n)$conf.int per quarter; prop.test for the change
    """
    lang, families = prepare(language, font)
    rows = metric_rows(scores, metric=metric, subject=subject, along=period, where=where)
    kind = metric_kind(rows, metric)
    tgt = _resolve_target(scores, rows, metric, target)
    ax = new_axes(ax, (7.0, 3.6))
    x = np.arange(len(rows), dtype=float)
    est = rows["estimate"].to_numpy(float)
    low = rows["ci_low"].to_numpy(float)
    high = rows["ci_high"].to_numpy(float)
    level = float(getattr(scores, "confidence_level", 0.95))
    ax.fill_between(
        x,
        low,
        high,
        color=BAND,
        alpha=0.9,
        linewidth=0,
        label=t("ci_band", lang, level=level),
        gid="ci_band",
    )
    kwargs.setdefault("color", ESTIMATE)
    kwargs.setdefault("marker", "o")
    kwargs.setdefault("linewidth", 2.0)
    ax.plot(x, est, label=_metric_title(metric, lang), gid="estimate", **kwargs)
    for xi, v in zip(x, est, strict=True):
        ax.annotate(
            _fmt(v, kind),
            (xi, v),
            xytext=(0, 8),
            textcoords="offset points",
            ha="center",
            fontsize=8.5,
            color=ESTIMATE,
        )
    if tgt is not None:
        ax.axhline(
            tgt,
            color=TARGET,
            linestyle="--",
            linewidth=1.4,
            gid="target",
            label=f"{t('target', lang)} {_fmt(tgt, kind)}",
        )
    if changes and len(rows) > 1:
        sig = significant_changes(
            scores, period=period, metric=metric, subject=str(rows["subject"].iloc[0]), where=where
        )
        idx = [i for i, p in enumerate(rows[period]) if p in sig]
        if idx:
            ax.plot(
                x[idx],
                est[idx],
                linestyle="none",
                marker="o",
                markersize=14,
                markerfacecolor="none",
                markeredgecolor=TARGET,
                markeredgewidth=1.6,
                gid="significant_change",
                label=t("significant_change", lang),
            )
    ax.set_xticks(x, labels=[str(p) for p in rows[period]])
    if "n" in rows.columns:
        sec = ax.secondary_xaxis("top")
        sec.set_xticks(x, labels=[f"n={int(v):,}" for v in rows["n"]])
        sec.tick_params(length=0, labelsize=7.5, labelcolor="#606060")
        sec.spines["top"].set_visible(False)
    ax.yaxis.set_major_formatter(_formatter(kind))
    finite = np.concatenate([low, high, [tgt] if tgt is not None else []])
    finite = finite[np.isfinite(finite)]
    if finite.size:
        span = max(float(finite.max() - finite.min()), 0.02 if kind == "proportion" else 1.0)
        ax.set_ylim(finite.min() - 0.25 * span, finite.max() + 0.35 * span)
    ax.set_xlim(-0.4, len(rows) - 0.6)
    ax.set_xlabel(t("period", lang))
    frame_axes(ax, grid="y")
    handles, labels = ax.get_legend_handles_labels()
    if tgt is None and target is None:
        handles.append(no_target_handle(lang))
        labels.append(handles[-1].get_label())
    ax.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8
    )
    apply_font(ax, families)
    return ax

"""Rows of the metrics table: estimates, intervals, effective n, flags — all rows at once.

Interval rules (``alpha = 1 - confidence_level``; one-sided bounds for the
verdict use ``alpha`` in one tail):

* proportions (``top_box``, ``resolution_rate``, top-box KPIs): the chosen
  binomial interval at ``x = p·n_eff`` successes out of ``n_eff`` (= the counts
  themselves without weights). With a design, ``n_eff = p(1-p)/SE²`` and the
  Korn–Graubard degrees-of-freedom adjustment ``(t_{n-1}/t_df)²`` as in R
  ``svyciprop(method = "beta")``; at p = 0 or 1, ``n_eff = n``. ``"wilson"`` with a
  design is the R >= 4.5 ``svyciprop(method = "wilson")`` form (``n_eff`` without the
  df adjustment, ``t_df`` quantile); the other methods use the df-adjusted ``n_eff``.
  The adjustment is taken at the interval's own tail: ``alpha/2`` for ``ci_low``/
  ``ci_high``, ``alpha`` for the one-sided verdict bounds, which are therefore the
  limits of R ``svyciprop(level = 1 - 2 alpha)``; the p-values use the latter.
* means and indices: ``estimate ± t_{df} · SE`` with ``SE = s/√n_eff`` (``s`` the
  standard deviation, divisor ``n_eff - 1``) and ``df = n_eff - 1``; with a
  design, the design SE and design df.
* net score: ``estimate ± z · SE`` with the multinomial ``SE² =
  (p_promoters + p_detractors - net²)/n_eff`` (design SE and t_df with a design).
* mean and net-score intervals are clipped to the metric's range (e.g. 1–5,
  0–100, [-1, 1]); with a single answer (no spread estimate) the interval is
  the whole range. Such rows are always flagged ``small_n``.
* ``ci_method="bootstrap"``/``"bootstrap_percentile"``: BCa/percentile bounds
  for every metric.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from satscore._scoring.core import block_aggregate, block_layout
from satscore._scoring.suppression import presentation_flags
from satscore._stats import grouped as M
from satscore._stats.bootstrap import bootstrap_means
from satscore._stats.intervals import korn_graubard_n_eff, proportion_bounds, wilson_bounds
from satscore._stats.verdict import normal_p_values, proportion_p_values, t_p_values

__all__ = ["RowBlock", "RowState", "compute_rows", "p_values_for", "row_blocks"]


@dataclass(frozen=True, eq=False)
class RowState:
    """What the target step needs of the interval step, row by row (next to the table).

    Attributes
    ----------
    lo1, hi1 : ndarray
        One-sided bounds at the confidence level (the verdict).
    ne_ci : ndarray
        Effective sizes of the one-sided proportion bounds (the p-values are dual to them).
    wilson_t : bool
        Design-based Wilson interval with the ``t_df`` quantile (R >= 4.5 ``svyciprop``).
    method : str
        The proportion interval method (``korn_graubard`` under a bootstrap).
    boot : object or None
        The bootstrap replicates, when ``ci_method`` is a bootstrap.
    bca : bool
        Whether the bootstrap bounds are BCa.
    lo_b, hi_b : ndarray
        Range of each row's metric (targets must lie inside it).
    """

    lo1: np.ndarray
    hi1: np.ndarray
    ne_ci: np.ndarray
    wilson_t: bool
    method: str
    boot: Any
    bca: bool
    lo_b: np.ndarray
    hi_b: np.ndarray


@dataclass
class RowBlock:
    """G rows (one per segment) of one (metric, subject)."""

    metric: str
    subject_type: str
    subject: str
    kind: str
    agg: M.Aggregate
    definition: str
    lo: float
    hi: float


def row_blocks(summary: Any, subjects: Any) -> list[RowBlock]:
    """Every block of the table with its aggregates from the mergeable ``summary``."""
    blocks = []
    for spec in block_layout(subjects):
        agg = block_aggregate(spec, summary, subjects)
        blocks.append(
            RowBlock(
                spec.metric,
                spec.subject_type,
                spec.subject,
                spec.kind,
                agg,
                spec.definition,
                spec.lo,
                spec.hi,
            )
        )
    return blocks


def compute_rows(
    blocks: list[RowBlock],
    *,
    segments: pd.DataFrame,
    segment: np.ndarray,
    weights: np.ndarray | None,
    design: Any,
    opts: Any,
    values: np.ndarray | None = None,
) -> tuple[pd.DataFrame, RowState]:
    """Stack the blocks into the tidy metrics table with intervals and flags; the
    :class:`RowState` the verdicts and p-values are computed from.

    ``values`` (one column of per-respondent values per block, rows as ``segment``) is
    needed only by an in-memory design and the bootstrap.
    """
    g_n = len(segments)
    nb = len(blocks)

    def stack(attr: str) -> np.ndarray:
        return np.concatenate([getattr(b.agg, attr) for b in blocks]) if nb else np.empty(0)

    n = stack("n")
    est = stack("estimate")
    var = stack("var")
    n_eff = stack("n_eff")
    kind = np.repeat([b.kind for b in blocks], g_n)
    lo_b = np.repeat([b.lo for b in blocks], g_n)
    hi_b = np.repeat([b.hi for b in blocks], g_n)
    is_p = kind == "proportion"
    is_net = kind == "net"
    a = 1.0 - opts.level
    df = np.maximum(n_eff - 1.0, 0.0)
    boot = None
    with np.errstate(invalid="ignore", divide="ignore"):
        rows_kg = n
        if design is not None:
            se, n_eff, df, est, rows_kg = _design_se(nb, design, values, segment, g_n, var, n)
        else:
            s2 = np.where(kind == "mean", var * n_eff / (n_eff - 1.0), var)
            se = np.sqrt(s2 / n_eff)
        # effective counts for the binomial intervals: with a design, df-adjusted at the
        # tail of each interval (two-sided: a/2; the one-sided verdict bounds: a, so they are
        # the limits of R svyciprop(level = 1 - 2a), as the verdict definition says)
        ne_ci = ne_ci1 = n_eff
        if design is not None:
            ne_ci, ne_ci1 = (
                np.where(se > 0, korn_graubard_n_eff(n_eff, rows_kg, df, q), n) for q in (a / 2, a)
            )
        method = "korn_graubard" if opts.ci_method.startswith("bootstrap") else opts.ci_method
        q_t2 = stats.t.ppf(1 - a / 2, df)
        q_t1 = stats.t.ppf(1 - a, df)
        wilson_t = design is not None and method == "wilson"
        if wilson_t:  # R >= 4.5 svyciprop(method = "wilson"): n_eff, t_df quantile
            ne_ci = ne_ci1 = np.where(se > 0, n_eff, n)
            pl2, ph2 = wilson_bounds(est, ne_ci, q_t2)
            pl1, ph1 = wilson_bounds(est, ne_ci, q_t1)
        else:
            pl2, ph2 = proportion_bounds(est * ne_ci, ne_ci, method, a / 2)
            pl1, ph1 = proportion_bounds(est * ne_ci1, ne_ci1, method, a)
        if design is None:
            q_n2 = np.full_like(est, special.ndtri(1 - a / 2))
            q_n1 = np.full_like(est, special.ndtri(1 - a))
        else:
            q_n2, q_n1 = q_t2, q_t1
        q2 = np.where(is_net, q_n2, q_t2)
        q1 = np.where(is_net, q_n1, q_t1)
        ci_low = np.where(is_p, pl2, est - q2 * se)
        ci_high = np.where(is_p, ph2, est + q2 * se)
        lo1 = np.where(is_p, pl1, est - q1 * se)
        hi1 = np.where(is_p, ph1, est + q1 * se)
        # means and net scores: clip to the metric's range; no spread estimate (n_eff <= 1)
        # means no information: the whole range
        unknown = ~is_p & ~np.isfinite(se) & (n > 0)
        ci_low = np.where(unknown, lo_b, np.clip(ci_low, lo_b, hi_b))
        ci_high = np.where(unknown, hi_b, np.clip(ci_high, lo_b, hi_b))
        lo1 = np.where(unknown, lo_b, np.clip(lo1, lo_b, hi_b))
        hi1 = np.where(unknown, hi_b, np.clip(hi1, lo_b, hi_b))
        if opts.ci_method.startswith("bootstrap"):
            boot = _bootstrap(blocks, values, segment, g_n, weights, opts)
            bca = opts.ci_method == "bootstrap"
            ci_low, ci_high = (v.T.ravel() for v in boot.bounds(a / 2, bca=bca))
            lo1, hi1 = (v.T.ravel() for v in boot.bounds(a, bca=bca))
    flag, suppressed = presentation_flags(
        rule=opts.rule,
        min_n=opts.min_n,
        is_proportion=is_p,
        estimate=est,
        se=se,
        n=n,
        n_eff=n_eff,
        df=df if design is None else df + 0 * n,
        design_rows=None if design is None else rows_kg,
    )
    cols: dict[str, Any] = {
        "metric": np.repeat([b.metric for b in blocks], g_n),
        "subject_type": np.repeat([b.subject_type for b in blocks], g_n),
        "subject": np.repeat([b.subject for b in blocks], g_n),
    }
    for col in segments.columns:
        cols[col] = np.tile(segments[col].to_numpy(), nb)
    cols.update(
        n=n.astype(np.int64),
        n_eff=n_eff,
        estimate=est,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        definition=np.repeat([b.definition for b in blocks], g_n),
        target=np.full(len(est), np.nan),
        verdict=np.full(len(est), None, dtype=object),
        p_value=np.full(len(est), np.nan),
        small_n=~(n_eff >= 30),
        flag=flag,
        suppressed=suppressed,
        df=df + 0 * n,
        kind=kind,
    )
    state = RowState(
        lo1=lo1,
        hi1=hi1,
        ne_ci=ne_ci1,  # p-values are dual to the one-sided bounds
        wilson_t=wilson_t,
        method=method,
        boot=boot,
        bca=opts.ci_method == "bootstrap",
        lo_b=lo_b,
        hi_b=hi_b,
    )
    return pd.DataFrame(cols), state


def _design_se(
    nb: int,
    design: Any,
    y: np.ndarray | None,
    segment: np.ndarray,
    g_n: int,
    var: np.ndarray,
    n: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Design SEs (and df, rows, estimates) of every row from ``design.domain_means``.

    Uses the domain degrees of freedom and domain row counts when the design
    reports them (``df_domain``, ``n_rows``: as R ``svyby`` on subsets), else the
    design df and the number of valid answers.
    """
    res = design.domain_means(y, domains=segment, n_domains=g_n)

    def col(key: str, default: Any) -> np.ndarray:
        value = res.get(key, default)
        return np.broadcast_to(np.asarray(value, float), (g_n, nb)).T.ravel()

    d_est = col("estimate", np.nan)
    se = col("se", np.nan)
    df = col("df_domain", res["df"]) if "df_domain" in res else col("df", np.nan)
    rows = col("n_rows", np.nan) if "n_rows" in res else n
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(se > 0, var / se**2, n)
    return se, n_eff, df, d_est, rows


def _bootstrap(
    blocks: list[RowBlock],
    z: np.ndarray | None,
    segment: np.ndarray,
    g_n: int,
    weights: np.ndarray | None,
    opts: Any,
) -> Any:
    estimate = np.column_stack([b.agg.estimate for b in blocks])
    return bootstrap_means(
        z, segment, g_n, weights=weights, estimate=estimate, n_boot=opts.n_boot, rng=opts.rng
    )


def p_values_for(
    table: pd.DataFrame, state: RowState, target: np.ndarray, level: float
) -> tuple[Any, Any]:
    """(p_greater, p_less) of every row against ``target`` (NaN where no target)."""
    est = table["estimate"].to_numpy(float)
    kind = table["kind"].to_numpy()
    boot = state.boot
    with np.errstate(invalid="ignore", divide="ignore"):
        if boot is not None:
            g_n = boot.z0.shape[0]
            tgt = target.reshape(-1, g_n).T
            pg, pl = boot.p_values(tgt, bca=state.bca)
            return pg.T.ravel(), pl.T.ravel()
        ne = state.ne_ci
        se = table["se"].to_numpy(float)
        df = table["df"].to_numpy(float)
        pg_p, pl_p = proportion_p_values(
            est * ne,
            ne,
            np.where(np.isnan(target), 0.5, target),
            method=state.method,
            confidence_level=level,
        )
        pg_t, pl_t = t_p_values(est, se, df, target)
        pg_n, pl_n = normal_p_values(est, se, target)
        if state.wilson_t:  # score statistic referred to t_df, dual to the interval
            null_se = np.sqrt(target * (1 - target) / ne)
            pg_p, pl_p = t_p_values(est, null_se, df, target)
        pg = np.where(kind == "proportion", pg_p, np.where(kind == "net", pg_n, pg_t))
        pl = np.where(kind == "proportion", pl_p, np.where(kind == "net", pl_n, pl_t))
    return pg, pl

"""Differences between waves or segments: Newcombe CIs, tests, multiplicity adjustment.

* Proportions: difference ``p_to - p_from`` with the Newcombe (1998) hybrid-score
  interval (MOVER from the two Wilson intervals; evaluated at the effective
  sample sizes when weighted), and the pooled two-proportion z test.
* Means, indices: Welch interval and t test (Satterthwaite df).
* Net scores: normal interval and z test with the multinomial SEs.
* p-values are adjusted across the segments and pairs of each
  (metric, subject) with Holm (default, family-wise error) or
  Benjamini–Hochberg (``"bh"``, false discovery rate, for screening many
  branches); ``significant`` is ``p_adjusted < 1 - confidence_level``.

Waves are assumed independent samples (no customer answers in both); for
overlapping samples use a design with the customer as the cluster.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from satscore._core.checks import check_confidence_level, check_option
from satscore._core.errors import DataError
from satscore._core.results import ResultMixin
from satscore._stats.intervals import proportion_bounds

__all__ = [
    "Comparison",
    "adjust_p_values",
    "compare",
    "compare_segments",
    "newcombe_interval",
    "two_proportion_test",
]

ADJUST = ("holm", "bh", "none")
_KEYS = ["metric", "subject_type", "subject"]


def newcombe_interval(
    p1: Any, n1: Any, p2: Any, n2: Any, *, confidence_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe hybrid-score interval for ``p2 - p1`` (vectorised).

    Examples
    --------
    >>> low, high = newcombe_interval(170 / 200, 200, 184 / 200, 200)
    >>> print(f"{float(low):.4f} {float(high):.4f}")
    0.0071 0.1337
    >>> # statsmodels: confint_proportions_2indep(184, 200, 170, 200, method="newcomb")
    """
    a = (1.0 - check_confidence_level(confidence_level)) / 2.0
    p1, n1, p2, n2 = (np.asarray(v, float) for v in (p1, n1, p2, n2))
    l1, u1 = proportion_bounds(p1 * n1, n1, "wilson", a)
    l2, u2 = proportion_bounds(p2 * n2, n2, "wilson", a)
    d = p2 - p1
    low = d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return low, high


def two_proportion_test(p1: Any, n1: Any, p2: Any, n2: Any) -> np.ndarray:
    """Two-sided pooled z test of ``p1 == p2`` (vectorised; p = 1 when both are 0 or 1).

    Examples
    --------
    >>> round(float(two_proportion_test(0.85, 200, 0.92, 200)), 4)
    0.0282
    >>> # statsmodels: proportions_ztest([170, 184], [200, 200])
    """
    p1, n1, p2, n2 = (np.asarray(v, float) for v in (p1, n1, p2, n2))
    pool = (p1 * n1 + p2 * n2) / (n1 + n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (p2 - p1) / np.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
    p = 2.0 * special.ndtr(-np.abs(z))
    return np.where((pool <= 0) | (pool >= 1), 1.0, p)


def adjust_p_values(p: Any, method: str = "holm") -> np.ndarray:
    """Holm or Benjamini–Hochberg adjusted p-values (NaN entries are left out and kept NaN).

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03], "holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_p_values([0.01, 0.04, 0.03], "bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    >>> # R: p.adjust(c(0.01, 0.04, 0.03), "holm"); p.adjust(..., "BH")
    """
    check_option("adjust", method, ADJUST)
    p = np.asarray(p, float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    if method == "none":
        out[ok] = q
        return out
    order = np.argsort(q, kind="stable")
    sq = q[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * sq)
    else:
        adj = np.minimum.accumulate((m / np.arange(m, 0, -1)) * sq[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out


@dataclasses.dataclass(frozen=True)
class Comparison(ResultMixin):
    """Differences between two waves (or segment levels) of scores.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per compared (metric, subject, segment, pair): ``metric``,
        ``subject_type``, ``subject``, the segment columns, ``from`` and ``to``
        (the compared levels, or ``"a"``/``"b"``), ``estimate_from``,
        ``estimate_to``, ``difference`` (to − from), ``ci_low``, ``ci_high``,
        ``p_value`` (two-sided), ``p_adjusted``, ``significant``, ``n_from``,
        ``n_to`` and ``method``.
    by : str or None
        The variable whose levels are compared (None for two score sets).
    adjust : str
        Multiplicity adjustment ("holm", "bh" or "none"), within each
        (metric, subject).
    confidence_level : float
        Level of the difference intervals; ``significant`` uses
        ``p_adjusted < 1 - confidence_level``.
    """

    table: pd.DataFrame
    by: str | None
    adjust: str
    confidence_level: float
    _title = "Comparison"

    def summary(self) -> pd.DataFrame:
        """The comparison table."""
        return self.table

    def significant(self) -> pd.DataFrame:
        """Rows whose adjusted p-value is below ``1 - confidence_level``."""
        return self.table[self.table["significant"]].reset_index(drop=True)


def _differences(a: pd.DataFrame, b: pd.DataFrame, level: float) -> dict[str, np.ndarray]:
    kind = a["kind"].to_numpy()
    pa, pb = a["estimate"].to_numpy(float), b["estimate"].to_numpy(float)
    na, nb = a["n_eff"].to_numpy(float), b["n_eff"].to_numpy(float)
    sa, sb = a["se"].to_numpy(float), b["se"].to_numpy(float)
    da, db = a["df"].to_numpy(float), b["df"].to_numpy(float)
    alpha = 1.0 - level
    diff = pb - pa
    with np.errstate(invalid="ignore", divide="ignore"):
        nl, nh = newcombe_interval(pa, na, pb, nb, confidence_level=level)
        p_prop = two_proportion_test(pa, na, pb, nb)
        se = np.sqrt(sa**2 + sb**2)
        welch = se**4 / (sa**4 / da + sb**4 / db)
        q_t = stats.t.ppf(1 - alpha / 2, welch)
        p_t = 2.0 * stats.t.sf(np.abs(diff / se), welch)
        q_z = special.ndtri(1 - alpha / 2)
        p_z = 2.0 * special.ndtr(-np.abs(diff / se))
    is_p, is_net = kind == "proportion", kind == "net"
    low = np.where(is_p, nl, diff - np.where(is_net, q_z, q_t) * se)
    high = np.where(is_p, nh, diff + np.where(is_net, q_z, q_t) * se)
    p = np.where(is_p, p_prop, np.where(is_net, p_z, p_t))
    method = np.where(
        is_p, "newcombe_hybrid_score/z_test", np.where(is_net, "normal/z_test", "welch_t")
    )
    return {
        "estimate_from": pa, "estimate_to": pb, "difference": diff, "ci_low": low,
        "ci_high": high, "p_value": p, "n_from": a["n"].to_numpy(), "n_to": b["n"].to_numpy(),
        "method": method,
    }  # fmt: skip


def _finish(
    keys: pd.DataFrame, diffs: dict[str, np.ndarray], adjust: str, level: float
) -> pd.DataFrame:
    table = keys.reset_index(drop=True).copy()
    for k, v in diffs.items():
        table[k] = v
    p_adj = np.full(len(table), np.nan)
    fam = table.groupby(_KEYS, sort=False).ngroup().to_numpy()
    for f in np.unique(fam):  # one family per (metric, subject): few
        idx = np.flatnonzero(fam == f)
        p_adj[idx] = adjust_p_values(table["p_value"].to_numpy()[idx], adjust)
    table["p_adjusted"] = p_adj
    table["significant"] = p_adj < (1.0 - level)
    return table


def compare_segments(
    scores: Any,
    by: str,
    *,
    reference: Any = "previous",
    adjust: str = "holm",
    metrics: Any = None,
) -> Comparison:
    """Compare the levels of one segment variable of a :class:`SurveyScores`.

    ``reference="previous"`` compares each level with the one before it (sorted
    order: quarter to quarter); ``"first"`` compares every level with the first;
    any other value compares every level with that level. Other ``by`` columns
    are kept as segments (e.g. each branch quarter to quarter).

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import score_survey
    >>> df = pd.DataFrame(
    ...     {
    ...         "quarter": ["Q1"] * 200 + ["Q2"] * 200,
    ...         "CSAT01": [4] * 170 + [2] * 30 + [5] * 184 + [1] * 16,
    ...     }
    ... )
    >>> cmp = score_survey(df, "csat", by="quarter").compare(by="quarter")
    >>> row = cmp.table.query("metric == 'customer_satisfaction'").iloc[0]
    >>> print(f"{row.difference:.2f} [{row.ci_low:.4f}, {row.ci_high:.4f}] p={row.p_value:.4f}")
    0.07 [0.0071, 0.1337] p=0.0282
    """
    check_option("adjust", adjust, ADJUST)
    if by not in scores.by:
        msg = (
            f"compare(by={by!r}): the scores are segmented by {list(scores.by)}, not {by!r}. "
            f"Score with by=[..., {by!r}] first."
        )
        raise DataError(msg)
    m = scores.metrics
    if metrics is not None:
        wanted = [metrics] if isinstance(metrics, str) else list(metrics)
        m = m[m["metric"].isin(wanted)]
    levels = list(pd.unique(scores._segments[by]))
    others = [c for c in scores.by if c != by]
    m = m.assign(_lvl=m[by].map({v: i for i, v in enumerate(levels)}).to_numpy())
    m = m.sort_values([*_KEYS, *others, "_lvl"], kind="stable").reset_index(drop=True)
    group = m.groupby([*_KEYS, *others], sort=False, dropna=False)
    if reference == "previous":
        prev = group.cumcount().to_numpy() - 1
        start = np.flatnonzero(prev >= 0)
        a_idx = start - 1
        b_idx = start
    else:
        ref = levels[0] if reference == "first" else reference
        if ref not in levels:
            msg = f"reference={reference!r} is not a level of {by!r}; levels are {levels}."
            raise DataError(msg)
        gid = group.ngroup().to_numpy()
        is_ref = (m[by] == ref).to_numpy()
        ref_row = np.full(gid.max() + 1 if len(gid) else 0, -1)
        ref_row[gid[is_ref]] = np.flatnonzero(is_ref)
        b_idx = np.flatnonzero(~is_ref & (ref_row[gid] >= 0))
        a_idx = ref_row[gid[b_idx]]
    a = m.iloc[a_idx]
    b = m.iloc[b_idx]
    keys = b[[*_KEYS, *others]].copy()
    keys.insert(len(keys.columns), "from", a[by].to_numpy())
    keys.insert(len(keys.columns), "to", b[by].to_numpy())
    level = scores.confidence_level
    table = _finish(keys, _differences(a, b, level), adjust, level)
    return Comparison(table=table, by=by, adjust=adjust, confidence_level=level)


def compare(
    scores_a: Any, scores_b: Any, *, adjust: str = "holm", metrics: Any = None
) -> Comparison:
    """Compare two :class:`SurveyScores` (e.g. last quarter ``a`` vs this quarter ``b``).

    Rows are matched on metric, subject and the segment columns (both must be
    scored with the same ``by``); ``difference`` is ``b - a``. The two samples
    are assumed independent.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import score_survey, compare
    >>> q1 = score_survey(pd.DataFrame({"CSAT01": [4] * 170 + [2] * 30}), "csat")
    >>> q2 = score_survey(pd.DataFrame({"CSAT01": [5] * 184 + [1] * 16}), "csat")
    >>> row = compare(q1, q2).table.iloc[0]
    >>> print(row.metric, f"{row.difference:.2f}", bool(row.significant))
    customer_satisfaction 0.07 True
    """
    check_option("adjust", adjust, ADJUST)
    if tuple(scores_a.by) != tuple(scores_b.by):
        msg = (
            f"compare() needs scores with the same by columns; found {list(scores_a.by)} and "
            f"{list(scores_b.by)}. Score both waves with the same by=."
        )
        raise DataError(msg)
    if scores_a.confidence_level != scores_b.confidence_level:
        msg = "compare() needs scores computed at the same confidence_level."
        raise DataError(msg)
    keys = [*_KEYS, *scores_a.by]
    ma, mb = scores_a.metrics, scores_b.metrics
    if metrics is not None:
        wanted = [metrics] if isinstance(metrics, str) else list(metrics)
        ma, mb = ma[ma["metric"].isin(wanted)], mb[mb["metric"].isin(wanted)]
    joined = (
        ma.reset_index(drop=True)
        .reset_index()
        .merge(mb.reset_index(drop=True).reset_index(), on=keys, suffixes=("_a", "_b"))
    )
    a = ma.reset_index(drop=True).iloc[joined["index_a"].to_numpy()]
    b = mb.reset_index(drop=True).iloc[joined["index_b"].to_numpy()]
    out_keys = b[keys].copy()
    out_keys["from"] = "a"
    out_keys["to"] = "b"
    level = scores_a.confidence_level
    table = _finish(out_keys, _differences(a, b, level), adjust, level)
    return Comparison(table=table, by=None, adjust=adjust, confidence_level=level)

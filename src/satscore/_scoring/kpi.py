"""Operational KPIs (not from the survey) with the same verdict logic, and rate changes."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from satscore._core.checks import check_confidence_level, check_option
from satscore._core.errors import DataError, TargetError
from satscore._core.results import ConfidenceInterval, ResultMixin
from satscore._stats.intervals import METHODS, proportion_bounds, proportion_ci
from satscore._stats.verdict import directional_p_value, proportion_p_values, verdict

__all__ = ["KPIResult", "RateChangeResult", "bank_kpi_targets", "kpi", "rate_change"]


def bank_kpi_targets() -> dict[str, float]:
    """The bank's seed-plan KPI targets.

    ============================================  =======  ==========================
    name                                          target   checked with
    ============================================  =======  ==========================
    ``customer_satisfaction``                     ≥ 0.85   ``score_survey`` (bank_service)
    ``personalized_service_satisfaction``         ≥ 0.90   ``score_survey`` (personalized_service)
    ``employee_service_satisfaction``             ≥ 0.85   ``score_survey`` (employee_service)
    ``survey_coverage``                           ≥ 0.30   ``kpi`` / ``coverage_report``
    ``feedback_handled``                          ≥ 0.90   ``kpi`` (operational log)
    ``training_pass_rate``                        ≥ 0.80   ``kpi`` (training records)
    ``complaint_rate_change``                     ≤ -0.10  ``rate_change`` (per quarter)
    ============================================  =======  ==========================

    The whole dictionary can be passed to ``score_survey(..., targets=...)``: it applies the
    KPIs the instrument measures and skips the other seed-plan names (those are checked with
    ``kpi`` / ``rate_change``); a name that is not a seed-plan KPI still raises ``TargetError``.

    Returns
    -------
    dict
        KPI name → target (fractions; the complaint-rate target is a relative change).

    Examples
    --------
    >>> from satscore import bank_kpi_targets
    >>> t = bank_kpi_targets()
    >>> t["customer_satisfaction"], t["complaint_rate_change"]
    (0.85, -0.1)
    """
    return {
        "customer_satisfaction": 0.85,
        "personalized_service_satisfaction": 0.90,
        "employee_service_satisfaction": 0.85,
        "survey_coverage": 0.30,
        "feedback_handled": 0.90,
        "training_pass_rate": 0.80,
        "complaint_rate_change": -0.10,
    }


@dataclasses.dataclass(frozen=True)
class KPIResult(ResultMixin):
    """A proportion KPI checked against its target.

    Attributes
    ----------
    name : str
        KPI name.
    successes, n : float
        Numerator and denominator.
    estimate : float
        ``successes / n``.
    ci : ConfidenceInterval
        Two-sided interval at ``confidence_level``.
    lower_bound, upper_bound : float
        One-sided bounds at ``confidence_level`` (used for the verdict).
    target : float
        Target proportion.
    verdict : str
        "met", "not_met" or "inconclusive" (always "met"/"not_met" for a census).
    p_value : float
        One-sided p-value against the target (see :mod:`satscore._stats.verdict`); 0 or 1
        for a census.
    method : str
        Interval method, or "census" (no sampling error).
    confidence_level : float
        Confidence level.
    """

    name: str
    successes: float
    n: float
    estimate: float
    ci: ConfidenceInterval
    lower_bound: float
    upper_bound: float
    target: float
    verdict: str
    p_value: float
    method: str
    confidence_level: float
    _title = "KPI"

    def summary(self) -> pd.DataFrame:
        """One-row table of the KPI."""
        return pd.DataFrame(
            [
                {
                    "kpi": self.name, "successes": self.successes, "n": self.n,
                    "estimate": self.estimate, "ci_low": self.ci.low, "ci_high": self.ci.high,
                    "target": self.target, "verdict": self.verdict, "p_value": self.p_value,
                    "method": self.method,
                }
            ]
        )  # fmt: skip


def kpi(
    successes: float,
    n: float,
    *,
    target: float,
    name: str = "kpi",
    method: str = "korn_graubard",
    confidence_level: float = 0.95,
    census: bool = False,
) -> KPIResult:
    """Check a proportion KPI that does not come from the survey (e.g. feedback handled).

    Parameters
    ----------
    successes, n : float
        E.g. complaints handled within the deadline, and complaints received.
    target : float
        Target proportion in (0, 1).
    name : str, default "kpi"
        Label of the KPI.
    method : str, default "korn_graubard"
        Interval method (see :func:`satscore.proportion_ci`).
    confidence_level : float, default 0.95
        Confidence level; the verdict uses one-sided bounds at this level.
    census : bool, default False
        True when ``n`` is the whole population (an operational log, not a
        sample): no sampling error, the verdict compares the rate with the target.

    Returns
    -------
    KPIResult

    Examples
    --------
    >>> from satscore import kpi
    >>> r = kpi(178, 200, target=0.85, name="feedback_handled")
    >>> print(r.verdict, f"{r.ci.low:.4f}", f"{r.p_value:.4f}")
    inconclusive 0.8382 0.0645
    >>> # R: binom.test(178, 200, p = 0.85, alternative = "greater")$p.value
    """
    check_option("method", method, METHODS)
    level = check_confidence_level(confidence_level)
    t = _target01(name, target)
    ci = proportion_ci(successes, n, method=method, confidence_level=level)
    est = float(successes) / float(n)
    if census:
        v = "met" if est >= t else "not_met"
        return KPIResult(name, float(successes), float(n), est, ConfidenceInterval(est, est),
                         est, est, t, v, 0.0 if v == "met" else 1.0, "census", level)  # fmt: skip
    lo1, hi1 = proportion_bounds(np.asarray(successes, float), np.asarray(n, float), method,
                                 1 - level)  # fmt: skip
    pg, pl = proportion_p_values(successes, n, t, method=method, confidence_level=level)
    p = float(directional_p_value(est, t, pg, pl))
    return KPIResult(name, float(successes), float(n), est, ci, float(lo1), float(hi1), t,
                     verdict(float(lo1), float(hi1), t), p, method, level)  # fmt: skip


def _target01(name: str, target: Any) -> float:
    try:
        t = float(target)
    except (TypeError, ValueError):
        msg = f"target of {name!r} must be a number in (0, 1); found {target!r}."
        raise TargetError(msg) from None
    if not 0.0 < t < 1.0:
        msg = (
            f"target of {name!r} must lie in (0, 1); found {t!r}. "
            "Give a fraction such as 0.9, not a percentage such as 90."
        )
        raise TargetError(msg)
    return t


@dataclasses.dataclass(frozen=True)
class RateChangeResult(ResultMixin):
    """Change of an event rate between two periods, checked against a target change.

    Attributes
    ----------
    rate_before, rate_after : float
        Events per unit of exposure.
    ratio : float
        ``rate_after / rate_before`` (after the continuity correction, if any).
    change : float
        ``ratio - 1`` (e.g. -0.2 = a 20% fall).
    ci : ConfidenceInterval
        Two-sided interval of ``change`` (log-scale Wald interval of the ratio).
    lower_bound, upper_bound : float
        One-sided bounds of ``change`` at ``confidence_level``.
    target : float
        Target change (e.g. -0.10: at least a 10% fall).
    verdict : str
        "met" when the one-sided upper bound of the change is ≤ the target,
        "not_met" when the one-sided lower bound is above it, else "inconclusive".
    p_value : float
        One-sided p-value for ``H1: change < target`` when the estimate is at or
        below the target, else for ``H1: change > target``.
    continuity_corrected : bool
        True when a count was 0 and 0.5 was added to both counts.
    confidence_level : float
        Confidence level.
    """

    rate_before: float
    rate_after: float
    ratio: float
    change: float
    ci: ConfidenceInterval
    lower_bound: float
    upper_bound: float
    target: float
    verdict: str
    p_value: float
    continuity_corrected: bool
    confidence_level: float
    _title = "Rate change"

    def summary(self) -> pd.DataFrame:
        """One-row table."""
        return pd.DataFrame(
            [
                {
                    "rate_before": self.rate_before, "rate_after": self.rate_after,
                    "ratio": self.ratio, "change": self.change, "ci_low": self.ci.low,
                    "ci_high": self.ci.high, "target": self.target, "verdict": self.verdict,
                    "p_value": self.p_value,
                }
            ]
        )  # fmt: skip


def rate_change(
    events_before: float,
    exposure_before: float,
    events_after: float,
    exposure_after: float,
    *,
    target: float = -0.10,
    confidence_level: float = 0.95,
) -> RateChangeResult:
    """Relative change of a Poisson event rate (e.g. complaints per 1,000 customers).

    The ratio of rates ``R = (e_after/x_after) / (e_before/x_before)`` gets the
    log-scale Wald interval ``exp(log R ± z · sqrt(1/e_before + 1/e_after))``
    (statsmodels ``confint_poisson_2indep(method="wald-log")``); the change is
    ``R - 1``. With a zero count, 0.5 is added to both counts.

    Parameters
    ----------
    events_before, exposure_before : float
        Events and exposure (customers, accounts, transactions) of the earlier period.
    events_after, exposure_after : float
        The same for the later period.
    target : float, default -0.10
        Target relative change (-0.10: the rate falls by at least 10%).
    confidence_level : float, default 0.95
        Confidence level.

    Returns
    -------
    RateChangeResult

    Examples
    --------
    >>> from satscore import rate_change
    >>> r = rate_change(60, 1000, 48, 1000)
    >>> print(f"{r.change:.2f} [{r.ci.low:.3f}, {r.ci.high:.3f}] {r.verdict}")
    -0.20 [-0.453, 0.169] inconclusive
    """
    level = check_confidence_level(confidence_level)
    vals = np.array([events_before, exposure_before, events_after, exposure_after], float)
    if not np.all(np.isfinite(vals)) or np.any(vals < 0) or vals[1] <= 0 or vals[3] <= 0:
        msg = (
            f"events must be >= 0 and exposures > 0; found events {vals[0]:g}, {vals[2]:g} and "
            f"exposures {vals[1]:g}, {vals[3]:g}. Pass counts and the customer base (or "
            "customer-months) of each period."
        )
        raise DataError(msg)
    t = float(target)
    if not -1.0 < t < np.inf or not np.isfinite(t):
        msg = f"target change must be > -1 (e.g. -0.10 for a 10% fall); found {target!r}."
        raise TargetError(msg)
    e1, x1, e2, x2 = vals
    cc = bool(e1 == 0 or e2 == 0)
    if cc:
        e1, e2 = e1 + 0.5, e2 + 0.5
    log_r = np.log((e2 / x2) / (e1 / x1))
    se = np.sqrt(1 / e1 + 1 / e2)
    a = 1.0 - level
    z2, z1 = special.ndtri(1 - a / 2), special.ndtri(1 - a)
    ci = ConfidenceInterval(np.expm1(log_r - z2 * se), np.expm1(log_r + z2 * se))
    lo1, hi1 = np.expm1(log_r - z1 * se), np.expm1(log_r + z1 * se)
    # lower is better: "met" when the upper bound is at or below the target
    v = verdict(-hi1, -lo1, -t)
    zt = (log_r - np.log1p(t)) / se
    p = float(special.ndtr(zt)) if np.expm1(log_r) <= t else float(special.ndtr(-zt))
    rb, ra = vals[0] / vals[1], vals[2] / vals[3]
    return RateChangeResult(
        float(rb), float(ra), float(np.exp(log_r)), float(np.expm1(log_r)),
        ConfidenceInterval(float(ci.low), float(ci.high)), float(lo1), float(hi1), t, v, p, cc,
        level,
    )  # fmt: skip

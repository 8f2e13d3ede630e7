"""Scoring: satisfaction metrics with confidence intervals, per segment, against targets.

The public functions live in small private modules and are re-exported here:

=========================  ================================================
:func:`score_survey`       a wave of responses → :class:`SurveyScores`
:func:`proportion_ci`      binomial intervals (Korn–Graubard/Clopper–Pearson,
                           Wilson, Jeffreys, Agresti–Coull, Wald)
:func:`compare`            two waves → :class:`Comparison` (Newcombe, Holm/BH)
:func:`kpi`                an operational proportion KPI vs its target
:func:`rate_change`        a rate's relative change vs a target (−10%)
:func:`bank_kpi_targets`   the bank's seed-plan targets
=========================  ================================================

Examples
--------
>>> import satscore
>>> ci = satscore.proportion_ci(178, 200)
>>> print(f"{178 / 200:.1%} [{ci.low:.1%}, {ci.high:.1%}]")
89.0% [83.8%, 93.0%]
"""

from __future__ import annotations

from satscore._scoring.compare import Comparison, adjust_p_values, compare, newcombe_interval
from satscore._scoring.kpi import KPIResult, RateChangeResult, bank_kpi_targets, kpi, rate_change
from satscore._scoring.metrics import METRICS
from satscore._scoring.result import SCHEMA_VERSION, SurveyScores
from satscore._scoring.score import score_survey
from satscore._stats.intervals import beta_interval, proportion_ci

__all__ = [
    "METRICS",
    "SCHEMA_VERSION",
    "Comparison",
    "KPIResult",
    "RateChangeResult",
    "SurveyScores",
    "adjust_p_values",
    "bank_kpi_targets",
    "beta_interval",
    "compare",
    "kpi",
    "newcombe_interval",
    "proportion_ci",
    "rate_change",
    "score_survey",
]

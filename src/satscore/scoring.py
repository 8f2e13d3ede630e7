"""Scoring: satisfaction metrics with confidence intervals, per segment, against targets.

This public module re-exports the scoring API from small private modules:
``_intervals`` (binomial intervals), ``_verdict`` (target verdicts),
``_metrics``/``_rows``/``_respondents`` (metric computation), ``_suppression``
(NCHS presentation flags), ``_compare`` (differences between waves or
segments), ``_kpi`` (operational KPIs) and ``_score`` (:func:`score_survey`).
"""

from __future__ import annotations

from ._intervals import proportion_ci
from ._score import score_survey
from ._scores import SurveyScores

__all__ = ["SurveyScores", "proportion_ci", "score_survey"]

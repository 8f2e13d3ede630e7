"""Sampling and design-based inference.

Quarterly sample plans with permanent-random-number (PRN) rotation, coverage
reports, nonresponse adjustment, post-stratification and raking, and
:class:`SurveyDesign` for Taylor-linearised estimates that match R ``survey``.
"""

from __future__ import annotations

from satscore._sampling.coverage import CoverageReport, coverage_report, respondent_design
from satscore._sampling.plan import SamplePlan, plan_quarterly_sample
from satscore._stats.prn import prn
from satscore._survey.design import DesignEstimate, SurveyDesign
from satscore._survey.waves import WaveComparison, compare_waves
from satscore._survey.weighting import nonresponse_adjust, post_stratify, rake

__all__ = [
    "CoverageReport",
    "DesignEstimate",
    "SamplePlan",
    "SurveyDesign",
    "WaveComparison",
    "compare_waves",
    "coverage_report",
    "nonresponse_adjust",
    "plan_quarterly_sample",
    "post_stratify",
    "prn",
    "rake",
    "respondent_design",
]

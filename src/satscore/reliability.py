"""Reliability and factor analysis of questionnaire scales.

Public façade: the statistics live in small private modules and are re-exported
here (and lazily from :mod:`satscore`).

- item analysis and reliability: :func:`cronbach_alpha` (with item statistics and
  Feldt / Duhachek / bootstrap intervals), :func:`ordinal_alpha`, :func:`split_half`,
  :func:`guttman`;
- ordinal correlations: :func:`polychoric`;
- sampling adequacy: :func:`kmo`, :func:`bartlett_sphericity`;
- factor analysis: :func:`efa`, :func:`parallel_analysis`, :func:`velicer_map`,
  :func:`omega`, :func:`reliability_report`.

All are checked number-for-number against R ``psych`` 2.2.9.
"""

from __future__ import annotations

# --- item analysis, polychoric, adequacy (engineer A) ---
from ._correlation import cor_smooth, correlation, covariance, is_positive_definite, smc

# --- factor analysis (engineer B) ---
from ._efa import EFAResult, efa
from ._omega import OmegaResult, omega
from ._parallel import MAPResult, ParallelAnalysisResult, parallel_analysis, velicer_map
from ._reliability_report import ReliabilityReport, reliability_report

__all__ = [
    "EFAResult",
    "MAPResult",
    "OmegaResult",
    "ParallelAnalysisResult",
    "ReliabilityReport",
    "cor_smooth",
    "correlation",
    "covariance",
    "efa",
    "is_positive_definite",
    "omega",
    "parallel_analysis",
    "reliability_report",
    "smc",
    "velicer_map",
]

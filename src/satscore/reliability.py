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
from satscore._psychometrics.adequacy import BartlettResult, KMOResult, bartlett_sphericity, kmo
from satscore._psychometrics.alpha import AlphaResult, cronbach_alpha, ordinal_alpha

# --- factor analysis (engineer B) ---
from satscore._psychometrics.efa import EFAResult, efa
from satscore._psychometrics.omega import OmegaResult, omega
from satscore._psychometrics.parallel import (
    MAPResult,
    ParallelAnalysisResult,
    parallel_analysis,
    velicer_map,
)
from satscore._psychometrics.polychoric import PolychoricResult, polychoric
from satscore._psychometrics.splithalf import GuttmanResult, SplitHalfResult, guttman, split_half
from satscore._questionnaire.report import ReliabilityReport, reliability_report
from satscore._stats.correlation import (
    cor_smooth,
    correlation,
    covariance,
    is_positive_definite,
    smc,
)

__all__ = [
    "AlphaResult",
    "BartlettResult",
    "EFAResult",
    "GuttmanResult",
    "KMOResult",
    "MAPResult",
    "OmegaResult",
    "ParallelAnalysisResult",
    "PolychoricResult",
    "ReliabilityReport",
    "SplitHalfResult",
    "bartlett_sphericity",
    "cor_smooth",
    "correlation",
    "covariance",
    "cronbach_alpha",
    "efa",
    "guttman",
    "is_positive_definite",
    "kmo",
    "omega",
    "ordinal_alpha",
    "parallel_analysis",
    "polychoric",
    "reliability_report",
    "smc",
    "split_half",
    "velicer_map",
]

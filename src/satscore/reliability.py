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
from ._adequacy import BartlettResult, KMOResult, bartlett_sphericity, kmo
from ._alpha import AlphaResult, cronbach_alpha, ordinal_alpha
from ._correlation import cor_smooth, correlation, covariance, is_positive_definite, smc

# --- factor analysis (engineer B) ---
from ._efa import EFAResult, efa
from ._omega import OmegaResult, omega
from ._parallel import MAPResult, ParallelAnalysisResult, parallel_analysis, velicer_map
from ._polychoric import PolychoricResult, polychoric
from ._reliability_report import ReliabilityReport, reliability_report
from ._splithalf import GuttmanResult, SplitHalfResult, guttman, split_half

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

"""Sampling and design-based inference.

Quarterly sample plans with permanent-random-number (PRN) rotation, coverage
reports, nonresponse adjustment, post-stratification and raking, and
:class:`SurveyDesign` for Taylor-linearised estimates that match R ``survey``.
"""

from __future__ import annotations

from ._design import DesignEstimate, SurveyDesign
from ._weighting import nonresponse_adjust, post_stratify, rake

__all__ = ["DesignEstimate", "SurveyDesign", "nonresponse_adjust", "post_stratify", "rake"]

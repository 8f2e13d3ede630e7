"""Scoring: satisfaction metrics with confidence intervals, per segment, against targets.

This public module re-exports the scoring API from small private modules.
"""

from __future__ import annotations

from ._intervals import proportion_ci

__all__ = ["proportion_ci"]

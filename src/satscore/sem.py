"""Confirmatory factor analysis, convergent/discriminant validity and measurement invariance."""

from __future__ import annotations

from satscore._sem.api import (
    CFAResult,
    InvarianceResult,
    ValidityReport,
    cfa,
    measurement_invariance,
    validity_report,
)

__all__ = [
    "CFAResult",
    "InvarianceResult",
    "ValidityReport",
    "cfa",
    "measurement_invariance",
    "validity_report",
]

"""Confirmatory factor analysis, convergent/discriminant validity and measurement invariance.

The numbers follow R lavaan 0.6-14 (``cfa()`` with its defaults) and semTools 0.5-6; see the
user guide "Confirmatory factor analysis, validity and invariance" for the definitions.

==============================  ==========================================================
:func:`cfa`                     ML confirmatory factor analysis -> :class:`CFAResult`
:func:`validity_report`         CR, AVE, Fornell-Larcker, HTMT -> :class:`ValidityReport`
:func:`measurement_invariance`  configural / metric / scalar -> :class:`InvarianceResult`
==============================  ==========================================================

Public facade: each function is defined once, in ``satscore._sem.cfa``,
``satscore._sem.validity`` and ``satscore._sem.invariance``.
"""

from __future__ import annotations

from satscore._sem.cfa import cfa
from satscore._sem.invariance import InvarianceResult, measurement_invariance
from satscore._sem.result import CFAResult
from satscore._sem.validity import ValidityReport, validity_report

__all__ = [
    "CFAResult",
    "InvarianceResult",
    "ValidityReport",
    "cfa",
    "measurement_invariance",
    "validity_report",
]

"""Exceptions and warnings raised by satscore (defined in :mod:`satscore._core.errors`)."""

from __future__ import annotations

from satscore._core.errors import (
    ChunkError,
    ConvergenceWarning,
    DataError,
    DesignError,
    HeywoodWarning,
    InfeasiblePlanError,
    InstrumentError,
    MissingDependencyError,
    ModelSpecificationError,
    NonPositiveDefiniteWarning,
    OptionError,
    ResponseValidationError,
    ReverseKeyWarning,
    SatscoreError,
    SatscoreTypeError,
    SatscoreWarning,
    TargetError,
)

__all__ = [
    "ChunkError",
    "ConvergenceWarning",
    "DataError",
    "DesignError",
    "HeywoodWarning",
    "InfeasiblePlanError",
    "InstrumentError",
    "MissingDependencyError",
    "ModelSpecificationError",
    "NonPositiveDefiniteWarning",
    "OptionError",
    "ResponseValidationError",
    "ReverseKeyWarning",
    "SatscoreError",
    "SatscoreTypeError",
    "SatscoreWarning",
    "TargetError",
]

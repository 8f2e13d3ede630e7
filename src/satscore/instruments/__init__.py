"""Instruments: questionnaires as data, built-in bank instruments, response validation.

An :class:`Instrument` is a frozen description of a questionnaire: its
response scales (integer codes with labels in every language, missing codes,
the "satisfied" categories), items (wording, scale, dimension, reverse keying,
routing, role) and dimensions. Instruments are stored as YAML or JSON files;
the built-ins ship with satscore (see :func:`list_instruments`).

Examples
--------
>>> from satscore.instruments import load_instrument
>>> inst = load_instrument("bank_service")
>>> [d.id for d in inst.dimensions]
['service_quality', 'staff_attitude', 'problem_resolution']
"""

from __future__ import annotations

from satscore.instruments._builtins import list_instruments, load_instrument
from satscore.instruments._model import (
    ROLES,
    SCHEMA_VERSION,
    Condition,
    Dimension,
    Instrument,
    Item,
    MissingCode,
    ResponseScale,
)
from satscore.instruments._responses import reason_dtype
from satscore.instruments._validate import (
    Problem,
    ValidatedResponses,
    ValidationReport,
    validate_responses,
)

__all__ = [
    "ROLES",
    "SCHEMA_VERSION",
    "Condition",
    "Dimension",
    "Instrument",
    "Item",
    "MissingCode",
    "Problem",
    "ResponseScale",
    "ValidatedResponses",
    "ValidationReport",
    "list_instruments",
    "load_instrument",
    "reason_dtype",
    "validate_responses",
]

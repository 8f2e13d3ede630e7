"""Frictionless Table Schema (v2) describing a response file of an instrument."""

from __future__ import annotations

from typing import Any

from satscore._core.errors import InstrumentError
from satscore.instruments._parts import InstrumentDefinition

__all__ = ["TABLE_SCHEMA_PROFILE", "table_schema"]

TABLE_SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"


def table_schema(inst: InstrumentDefinition, *, language: str | None = None) -> dict[str, Any]:
    """Table Schema dict: one integer field per item with labelled categories.

    Each field lists its answer codes as ``categories`` (``{"value", "label"}``),
    ``categoriesOrdered`` for ordinal scales, and field-level ``missingValues``
    (the empty string, labelled ``"blank"``, plus the scale's missing codes with
    their labels). Labels use *language* (default: the instrument's default).

    Examples
    --------
    >>> from satscore import load_instrument
    >>> schema = load_instrument("csat").to_table_schema()
    >>> field = schema["fields"][0]
    >>> field["name"], field["type"], field["categoriesOrdered"], field["categories"][3]
    ('CSAT01', 'integer', True, {'value': 4, 'label': 'Satisfied'})
    >>> field["missingValues"]
    [{'value': '', 'label': 'blank'}, {'value': '99', 'label': 'Not applicable'}]
    """
    lang = language or inst.default_language
    if lang not in inst.languages:
        msg = (
            f"language {lang!r} is not declared by instrument {inst.id!r}; "
            f"use one of {list(inst.languages)}."
        )
        raise InstrumentError(msg)
    fields = []
    for item in inst.items:
        scale = inst.scale(item.scale)
        field: dict[str, Any] = {
            "name": item.id,
            "type": "integer",
            "title": item.id,
            "description": item.text[lang],
            "categories": [
                {"value": code, "label": label}
                for code, label in zip(scale.codes, scale.labels[lang], strict=True)
            ],
            "categoriesOrdered": scale.ordinal,
            "missingValues": [{"value": "", "label": "blank"}]
            + [{"value": str(m.code), "label": m.labels[lang]} for m in scale.missing],
        }
        fields.append(field)
    return {
        "$schema": TABLE_SCHEMA_PROFILE,
        "title": inst.title[lang],
        "description": (
            f"Response file of instrument {inst.id} {inst.version}: one row per respondent, "
            "one integer column per item; other columns are segments."
        ),
        "fields": fields,
        "missingValues": [""],
        "fieldsMatch": "subset",
    }

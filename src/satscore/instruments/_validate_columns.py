"""Checks of a response frame's columns and of the value labels a file carries.

Helpers of :func:`satscore.instruments.validate_responses`: missing and unknown
columns, and -- for files that store value labels, such as SPSS ``.sav`` files read
by :func:`satscore.read_responses` (``df.attrs["value_labels"]``) -- codes whose
label in the file is the instrument's label of *another* code (a reversed or
re-ordered export would otherwise be scored silently the wrong way round).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from satscore.instruments._checks import normalise_label
from satscore.instruments._parts import InstrumentDefinition
from satscore.instruments._responses import Problem

__all__ = ["column_problems", "value_label_problems"]


def column_problems(
    instrument: InstrumentDefinition,
    columns: Sequence[Any],
    id_column: str | None,
    n_rows: int,
    coerce: bool,
) -> list[Problem]:
    """Missing item columns (errors) and columns that are not items (notes)."""
    problems = []
    item_ids = [it.id for it in instrument.items]
    item_set = set(item_ids)
    present = set(columns)
    unknown = [c for c in columns if c not in item_set and c != id_column]
    by_fold = {"".join(str(c).split()).casefold(): c for c in unknown}  # "SQ01 " ~ "sq01"
    none_found = not any(i in present for i in item_ids) and not any(
        "".join(i.split()).casefold() in by_fold for i in item_ids
    )
    for item_id in item_ids:
        if item_id not in present:
            near = by_fold.get(item_id.casefold())
            if near is not None:
                fix = f"rename column {near!r} to {item_id!r}"
            elif none_found:
                shown = ", ".join(repr(str(c)) for c in columns[:6])
                fix = (
                    f"no item column of instrument {instrument.id!r} was found (the columns are "
                    f"{shown}{', ...' if len(columns) > 6 else ''}): check that this is the right "
                    "instrument and that the header is the file's first row (e.g. "
                    "read_responses(path, header=2) when two title rows come first)"
                )
            else:
                fix = f"add a column {item_id!r} (blank where not asked)"
            fix += (
                "; treated as blank (coerced)"
                if coerce
                else "; with on_invalid='coerce' it is treated as blank"
            )
            problems.append(
                Problem(
                    "missing_column",
                    item_id,
                    n_rows,
                    (),
                    fix,
                    "item column is missing from the responses",
                )
            )
    for col in unknown:
        problems.append(
            Problem(
                "unknown_column",
                str(col),
                n_rows,
                (),
                "none needed: kept unchanged as a segment column (rename it to an item id "
                "if it holds answers)",
                "column is not an item of the instrument",
                severity="note",
            )
        )
    return problems


def value_label_problems(
    instrument: InstrumentDefinition, attrs: Mapping[str, Any]
) -> list[Problem]:
    """Compare the value labels stored with the data to the instrument's labels.

    An error when the file labels a code with the instrument's label of another code
    (or of a missing code); a note when the wording is simply different.
    """
    problems = _user_missing_notes(instrument, attrs.get("user_missing"))
    stored = attrs.get("value_labels")
    if not isinstance(stored, Mapping):
        return problems
    for item in instrument.items:
        labels = stored.get(item.id)
        if not isinstance(labels, Mapping) or not labels:
            continue
        scale = instrument.scale(item.scale)
        own: dict[float, set[str]] = {}
        owner: dict[str, str] = {}  # normalised label -> what it means in the instrument
        for lang_labels in scale.labels.values():
            for code, text in zip(scale.codes, lang_labels, strict=True):
                own.setdefault(float(code), set()).add(normalise_label(text))
                owner.setdefault(normalise_label(text), f"code {code} {text!r}")
        for m in scale.missing:
            for text in m.labels.values():
                owner.setdefault(normalise_label(text), f"missing code {m.code} {text!r}")
        clashes, other = [], []
        for code, text in labels.items():
            try:
                key = float(code)
            except (TypeError, ValueError):
                continue
            if key not in own or not isinstance(text, str):
                continue
            norm = normalise_label(text)
            if norm in own[key]:
                continue
            if norm in owner:
                clashes.append(f"{code} = {text!r} (instrument: {owner[norm]})")
            else:
                other.append(f"{code} = {text!r}")
        if clashes:
            default = scale.labels[instrument.default_language]
            expected = ", ".join(
                f"{c} = {lab!r}" for c, lab in zip(scale.codes, default, strict=True)
            )
            problems.append(
                Problem(
                    "value_labels",
                    item.id,
                    len(clashes),
                    tuple(clashes[:5]),
                    f"the instrument codes this item {expected}; recode the column to these codes "
                    "(the export may run the other way round) or correct the file's value labels "
                    "-- the codes are used as they are",
                    "the file's value labels give a code the meaning of another code",
                )
            )
        if other:
            problems.append(
                Problem(
                    "value_labels",
                    item.id,
                    len(other),
                    tuple(other[:5]),
                    "check that the wording means the same as the instrument's labels "
                    "(the codes are used as they are)",
                    "the file's value labels are worded differently from the instrument",
                    severity="note",
                )
            )
    return problems


def _user_missing_notes(instrument: InstrumentDefinition, stored: Any) -> list[Problem]:
    """Notes for SPSS user-missing codes that are not missing codes of the instrument."""
    if not isinstance(stored, Mapping):
        return []
    problems = []
    for item in instrument.items:
        declared = stored.get(item.id)
        if not declared:
            continue
        scale = instrument.scale(item.scale)
        own = set(scale.missing_codes)
        odd = [d for d in declared if not (isinstance(d, int | float) and d in own)]
        if not odd:
            continue
        answers = [d for d in odd if isinstance(d, int | float) and d in scale.codes]
        problems.append(
            Problem(
                "user_missing",
                item.id,
                len(odd),
                tuple(odd[:5]),
                (
                    f"the instrument's missing codes are {list(scale.missing_codes) or 'none'}; "
                    "cells holding the other codes are checked as answers"
                    + (
                        f" (and {answers} are valid answers of scale {scale.id!r}, so they are "
                        "counted as answers, not as missing)"
                        if answers
                        else " (reported as out of range if they occur)"
                    )
                    + "; recode them to the instrument's missing codes if they mean missing"
                ),
                "the file declares user-missing codes (or ranges) that are not missing codes "
                "of the instrument",
                severity="note",
            )
        )
    return problems

"""What the subcommands share: reading the response file and the instrument, printing.

Plain-text tables (:func:`frame_text`, wide CJK characters count two columns), JSON
(:func:`dumps`), validation problems as lines, ``--target`` parsing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DataError, OptionError, TargetError
from satscore._core.results import to_jsonable
from satscore._io.responses import read_responses as _read_file
from satscore.instruments import Instrument

__all__ = [
    "count_problems",
    "dumps",
    "frame_text",
    "language",
    "out",
    "parse_targets",
    "problem_lines",
    "read_responses",
    "split_list",
    "write_csv",
]


def out(text: str = "") -> None:
    """Print *text* to standard output."""
    print(text, file=sys.stdout)


def _width(text: str) -> int:
    """Display width: East Asian wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value:.4f}"
    return str(value)


def frame_text(frame: pd.DataFrame) -> str:
    """Plain-text table: text columns left-aligned, numbers right-aligned (floats to 4 places).

    Examples
    --------
    >>> print(frame_text(pd.DataFrame({"branch": ["北京", "A"], "n": [3, 12]})))
    branch   n
    北京     3
    A       12
    """
    columns = [str(c) for c in frame.columns]
    cells = [[_cell(v) for v in frame[c].tolist()] for c in frame.columns]
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c].dtype)
        and not pd.api.types.is_bool_dtype(frame[c].dtype)
        for c in frame.columns
    ]
    widths = [
        max([_width(h)] + [_width(v) for v in col]) for h, col in zip(columns, cells, strict=True)
    ]

    def line(values: Sequence[str]) -> str:
        parts = []
        for value, width, right in zip(values, widths, numeric, strict=True):
            pad = " " * (width - _width(value))
            parts.append(pad + value if right else value + pad)
        return "  ".join(parts).rstrip()

    rows = [line(columns)] + [line(row) for row in zip(*cells, strict=True)]
    return "\n".join(rows)


def dumps(obj: Any) -> str:
    """JSON text of *obj* (frames, numpy values and results made JSON-safe), indented."""
    return json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2)


def language(inst: Instrument, lang: str | None) -> str:
    """``--lang`` checked against the instrument's languages (default: its default)."""
    if lang is None:
        return inst.default_language
    if lang not in inst.languages:
        msg = (
            f"--lang {lang!r} is not a language of instrument {inst.id!r}; "
            f"use one of {', '.join(inst.languages)}."
        )
        raise OptionError(msg)
    return lang


def read_responses(args: argparse.Namespace) -> pd.DataFrame:
    """Read FILE with :func:`satscore.read_responses` and the reader options.

    ``--encoding``, ``--sheet``, ``--header`` and, where the subcommand has it,
    ``--id-column`` (ids are read as text, so leading zeros stay).
    """
    path = args.file
    if not Path(path).is_file():
        msg = f"response file {path!r} not found; check the path."
        raise DataError(msg)
    kwargs: dict[str, Any] = {
        "encoding": args.encoding,
        "id_column": getattr(args, "id_column", None),
    }
    if args.sheet is not None:
        kwargs["sheet_name"] = int(args.sheet) if args.sheet.isdigit() else args.sheet
    if args.header is not None:
        kwargs["header"] = args.header
    return _read_file(path, **kwargs)


def write_csv(frame: pd.DataFrame, path: str, what: str) -> None:
    """Write *frame* to *path*; an unwritable path is a one-line :class:`DataError`."""
    try:
        frame.to_csv(path)
    except OSError as err:
        msg = f"cannot write the {what} to {path!r} ({err}); pass a path in a writable folder."
        raise DataError(msg) from None


def problem_rows(problems: Sequence[Any]) -> list[dict[str, Any]]:
    """Validation problems as plain dicts (for ``--json``)."""
    return [dataclasses.asdict(p) for p in problems]


def problem_lines(problems: Sequence[Any]) -> list[str]:
    """One line per error; notes of one kind and fix grouped into one line."""
    lines = [
        f"  [error] {_cli_words(str(p))}"
        for p in problems
        if getattr(p, "severity", "error") == "error"
    ]
    notes: dict[tuple[str, str], list[str]] = {}
    for p in problems:
        if getattr(p, "severity", "error") != "error":
            notes.setdefault((p.kind, p.fix), []).append(str(p.column))
    for (kind, fix), columns in notes.items():
        lines.append(f"  [note] {kind}: {', '.join(columns)}. {fix}")
    return lines


def _cli_words(text: str) -> str:
    """Fix texts name the Python options; on the command line they are flags."""
    return (
        text.replace("pass on_invalid='coerce'", "pass --coerce")
        .replace("pass id_column= (command line: --id-column)", "pass --id-column")
        .replace("with on_invalid='coerce'", "with --coerce")
        .replace("read_responses(path, header=2)", "--header 2")
    )


def count_problems(problems: Sequence[Any]) -> str:
    """``"2 error(s), 3 note(s)"``."""
    n_err = sum(getattr(p, "severity", "error") == "error" for p in problems)
    return f"{n_err} error(s), {len(problems) - n_err} note(s)"


def parse_targets(items: list[str]) -> dict[Any, float]:
    """``["customer_satisfaction=0.85", "top_box:SQ01=0.8"]`` → targets mapping.

    Examples
    --------
    >>> parse_targets(["customer_satisfaction=0.85", "top_box:SQ01=0.8"])
    {'customer_satisfaction': 0.85, ('top_box', 'SQ01'): 0.8}
    """
    targets: dict[Any, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if not sep or not name or number is None:
            msg = (
                f"--target {item!r} is not NAME=VALUE; write e.g. "
                "--target customer_satisfaction=0.85 or --target top_box:service_quality=0.8."
            )
            raise TargetError(msg)
        metric, colon, subject = name.partition(":")
        targets[(metric, subject) if colon else name] = number
    return targets


def split_list(text: str | None) -> list[str] | None:
    """``"branch, quarter"`` → ``["branch", "quarter"]`` (``None`` stays ``None``)."""
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]

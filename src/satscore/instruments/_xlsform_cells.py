"""Cell-level XLSForm conventions shared by the satscore and the plain XLSForm readers.

Language headers (``label::English (en)``), ``relevant`` expressions
(``${PR00} = '1'``), yes/no flags, integer codes re-saved by Excel (``"4.0"``)
and the rows of a sheet as records.
"""

from __future__ import annotations

import re
from typing import Any

from satscore._core.errors import InstrumentError
from satscore.instruments._parts import Condition

__all__ = [
    "LANGUAGE_NAMES",
    "as_int",
    "flag",
    "language_header",
    "parse_relevant",
    "records",
    "relevant_expression",
]

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "hi": "Hindi",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "ms": "Malay",
    "nl": "Dutch",
    "pt": "Portuguese",
    "ru": "Russian",
    "ta": "Tamil",
    "th": "Thai",
    "vi": "Vietnamese",
    "zh": "Chinese",
}
_RELEVANT_PART = re.compile(
    r"^\s*(?:\$\{(?P<a>[A-Za-z_][\w.-]*)\}\s*=\s*(?P<q>['\"]?)(?P<v>-?\d+)(?P=q)"
    r"|selected\(\s*\$\{(?P<b>[A-Za-z_][\w.-]*)\}\s*,\s*(?P<q2>['\"])(?P<w>-?\d+)(?P=q2)\s*\))\s*$"
)


def language_header(lang: str) -> str:
    """XLSForm label header for a language code, e.g. ``'English (en)'``."""
    name = LANGUAGE_NAMES.get(lang.split("-")[0], lang)
    return f"{name} ({lang})"


def relevant_expression(cond: Condition) -> str:
    """XLSForm ``relevant`` expression, e.g. ``${PR00} = '1'``."""
    return " or ".join(f"${{{cond.item}}} = '{v}'" for v in cond.values)


def parse_relevant(text: str, where: str) -> Condition:
    """Inverse of :func:`relevant_expression`."""
    items, values = set(), []
    for part in text.split(" or "):
        m = _RELEVANT_PART.match(part)
        if m is None:
            msg = (
                f"{where}: cannot read relevant expression {text!r}; satscore reads "
                "\"${ITEM} = 'code'\" or \"selected(${ITEM}, 'code')\" joined by ' or ' "
                "(e.g. ${PR00} = '1'); simplify the expression or edit the instrument file."
            )
            raise InstrumentError(msg)
        items.add(m.group("a") or m.group("b"))
        values.append(int(m.group("v") or m.group("w")))
    if len(items) != 1:
        msg = f"{where}: relevant expression {text!r} must refer to a single screener item."
        raise InstrumentError(msg)
    return Condition(items.pop(), tuple(values))


def records(wb: Any, name: str, source: str) -> list[dict[str, Any]]:
    """Rows of sheet *name* as ``{header: text or None}``; blank rows skipped."""
    if name not in wb.sheetnames:
        msg = (
            f"{source}: sheet {name!r} is missing; an XLSForm needs 'survey' and 'choices' "
            "sheets, and files written by Instrument.to_xlsform also carry satscore_* sheets."
        )
        raise InstrumentError(msg)
    rows = list(wb[name].iter_rows(values_only=True))
    if not rows:
        return []
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    out = []
    for row in rows[1:]:
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        rec = {}
        for key, value in zip(header, row, strict=False):
            if key:
                rec[key] = None if value is None else str(value)
        out.append(rec)
    return out


def flag(value: Any, where: str) -> bool:
    """``yes``/``true``/``1`` -> True, ``no``/``false``/``0``/blank -> False, else an error."""
    text = (value or "").strip().lower()
    if text in ("yes", "true", "1"):
        return True
    if text in ("no", "false", "0", ""):
        return False
    raise InstrumentError(f"{where}: expected yes or no; found {value!r}.")


def as_int(text: str) -> int:
    """``"4"`` or ``"4.0"`` (a number cell re-saved by Excel) -> 4; ValueError otherwise."""
    try:
        return int(text)
    except ValueError:
        number = float(text)  # ValueError for text that is no number
        if not number.is_integer():
            raise
        return int(number)

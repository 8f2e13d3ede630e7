"""How the report writes numbers, flags and titles (display strings only, never new numbers).

Examples
--------
>>> pct(0.7531), fmt_value(0.245, "net"), fmt_change(-0.023, "proportion"), num(0.1)
('75.3%', '+24.5', '-2.3 pp', '0.1')
>>> pct(float("nan")), num(None)
('–', '')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from satscore._core.i18n import STRINGS, t

__all__ = [
    "cell",
    "flag_of",
    "flag_text",
    "fmt_change",
    "fmt_value",
    "kpi_title",
    "num",
    "pct",
    "title_of",
]


def pct(x: Any, digits: int = 1) -> str:
    """A fraction as a percentage (``–`` for missing)."""
    return "–" if x is None or not np.isfinite(x) else f"{float(x) * 100:.{digits}f}%"


def fmt_value(x: Any, kind: str) -> str:
    """An estimate of a metric of *kind* (``proportion``, ``net`` or a mean)."""
    if x is None or not np.isfinite(x):
        return "–"
    if kind == "proportion":
        return pct(x)
    if kind == "net":
        return f"{float(x) * 100:+.1f}"
    return f"{float(x):.1f}"


def fmt_change(x: Any, kind: str) -> str:
    """A change between periods (percentage points for proportions)."""
    if x is None or not np.isfinite(x):
        return "–"
    if kind == "proportion":
        return f"{float(x) * 100:+.1f} pp"
    if kind == "net":
        return f"{float(x) * 100:+.1f}"
    return f"{float(x):+.1f}"


def num(x: Any) -> str:
    """Full-precision number for ``data-`` attributes (repr of the float; ``""`` if missing)."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    try:
        return repr(float(x))
    except (TypeError, ValueError):
        return str(x)


def flag_of(value: Any) -> str | None:
    """A presentation-flag string, or None for no flag (None, NaN or empty)."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or value == "":
        return None
    return str(value)


def flag_text(flag: str | None, lang: str) -> str:
    """Readable text of ``;``-joined flag codes (unknown codes are shown as they are)."""
    if not flag:
        return ""
    return "; ".join(t(f"flag_{c}", lang) if f"flag_{c}" in STRINGS else c for c in flag.split(";"))


def title_of(mapping: Any, lang: str) -> str:
    """The *lang* text of an instrument title mapping (else its first language)."""
    return mapping.get(lang) or next(iter(mapping.values()))


def kpi_title(name: str, lang: str) -> str:
    """Display name of a metric or KPI."""
    if name in STRINGS:
        return t(name, lang)
    if f"kpi_{name}" in STRINGS:
        return t(f"kpi_{name}", lang)
    return name.replace("_", " ").capitalize()


def cell(text: Any, cls: str | None = None, **data: Any) -> dict[str, Any]:
    """A table cell for the ``data_table`` macro: text, optional class, ``data-*`` numbers.

    Keyword names become ``data-`` attributes (``top_box=`` -> ``data-top-box``),
    their values go through :func:`num`.

    Examples
    --------
    >>> cell("64.3%", top_box=0.643)
    {'text': '64.3%', 'attrs': {'data-top-box': '0.643'}}
    """
    attrs = {} if cls is None else {"class": cls}
    attrs.update({f"data-{k.replace('_', '-')}": num(v) for k, v in data.items()})
    return {"text": str(text), "attrs": attrs}

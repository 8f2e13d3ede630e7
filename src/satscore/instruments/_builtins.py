"""The built-in instruments and :func:`load_instrument` (built-in id or file path)."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from satscore._core.errors import InstrumentError
from satscore.instruments._io import parse_text
from satscore.instruments._model import Instrument

__all__ = ["list_instruments", "load_instrument"]


def _builtin_files() -> dict[str, Any]:
    folder = resources.files("satscore.instruments")
    return {
        entry.name[: -len(".yaml")]: entry
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }


def list_instruments() -> list[str]:
    """Ids of the built-in instruments, sorted.

    Examples
    --------
    >>> from satscore import list_instruments
    >>> list_instruments()
    ['bank_service', 'ces', 'csat', 'employee_service', 'ltr', 'personalized_service']
    """
    return sorted(_builtin_files())


@functools.lru_cache(maxsize=32)
def _load_builtin(name: str) -> Instrument:
    entry = _builtin_files()[name]
    source = f"built-in instrument {name!r} ({entry.name})"
    data = parse_text(entry.read_text(encoding="utf-8"), "yaml", source)
    return Instrument.from_dict(data, source=source)


def load_instrument(name: str | Path) -> Instrument:
    """Load a built-in instrument by id, or an instrument file by path.

    Parameters
    ----------
    name : str or path
        A built-in id (see :func:`list_instruments`), a ``.yaml``/``.yml``/
        ``.json`` file, or an XLSForm ``.xlsx`` workbook (read with
        :meth:`Instrument.from_xlsform`; needs the ``xlsform`` extra).

    Returns
    -------
    Instrument

    Examples
    --------
    >>> from satscore import load_instrument
    >>> inst = load_instrument("bank_service")
    >>> inst.item("SQ09").reverse, inst.item_scale("LY01").max
    (True, 10)
    """
    if isinstance(name, str) and name in _builtin_files():
        return _load_builtin(name)
    path = Path(name)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return Instrument.from_xlsform(path)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        return Instrument.from_file(path)
    raise InstrumentError(
        f"unknown instrument {str(name)!r}; built-in instruments are "
        f"{', '.join(list_instruments())}, or pass the path of a .yaml/.json instrument file "
        "or an XLSForm .xlsx."
    )

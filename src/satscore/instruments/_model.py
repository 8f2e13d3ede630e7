"""The :class:`Instrument` dataclass: a questionnaire as data.

:class:`Instrument` checks the whole definition on construction (see
``_checks.py``) and raises :class:`~satscore.errors.InstrumentError` on any
inconsistency. Its building blocks live in ``_parts.py``.

This module sits above the modules that do the work: the checks, the YAML/JSON
(``_io.py``), XLSForm (``_xlsform.py``) and Table Schema converters and response
validation take any :class:`~satscore.instruments._parts.InstrumentDefinition`
and are given the class to build with, so the methods here are thin wrappers and
nothing imports upward.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from satscore._core.errors import InstrumentError
from satscore.instruments._checks import check_instrument
from satscore.instruments._io import (
    instrument_from_dict,
    instrument_to_dict,
    read_instrument_file,
    write_instrument_file,
)
from satscore.instruments._parts import (
    ROLES,
    SCHEMA_VERSION,
    Condition,
    Dimension,
    FrozenMap,
    Item,
    MissingCode,
    ResponseScale,
    _set,
    _text_map,
)
from satscore.instruments._table_schema import table_schema
from satscore.instruments._validate import ValidatedResponses, validate_responses
from satscore.instruments._xlsform import read_xlsform, write_xlsform

__all__ = [
    "ROLES",
    "SCHEMA_VERSION",
    "Condition",
    "Dimension",
    "FrozenMap",
    "Instrument",
    "Item",
    "MissingCode",
    "ResponseScale",
]


@dataclasses.dataclass(frozen=True, repr=False)
class Instrument:
    """A questionnaire: scales, items and dimensions, in one or more languages.

    Construct it from a file with :meth:`from_file` or
    :func:`~satscore.instruments.load_instrument`; the constructor checks the
    whole definition and raises :class:`~satscore.errors.InstrumentError`
    naming the field and the fix.

    Attributes
    ----------
    id : str
        Instrument identifier (snake_case).
    version : str
        Version of the instrument (e.g. ``"1.0.0"``).
    title : Mapping[str, str]
        Title per language.
    languages : tuple of str
        Declared languages; every text has every language.
    default_language : str
        Language used when none is asked for.
    scales : tuple of ResponseScale
        Response scales used by the items.
    items : tuple of Item
        Items in questionnaire order.
    dimensions : tuple of Dimension
        Scored dimensions.
    description : Mapping[str, str]
        What the instrument measures (constructs), per language; may be empty.
    references : tuple of str
        Literature the constructs draw on.

    Examples
    --------
    >>> from satscore import load_instrument
    >>> inst = load_instrument("bank_service")
    >>> inst.languages, len(inst.items), inst.scored_items("staff_attitude")
    (('en', 'zh'), 26, ('SA01', 'SA02', 'SA03', 'SA04', 'SA05'))
    >>> inst.role_item("problem_status").id, str(inst.item("PR01").relevant)
    ('PR01', 'PR00 = 1')
    """

    id: str
    version: str
    title: Mapping[str, str]
    languages: tuple[str, ...]
    default_language: str
    scales: tuple[ResponseScale, ...]
    items: tuple[Item, ...]
    dimensions: tuple[Dimension, ...] = ()
    description: Mapping[str, str] = dataclasses.field(default_factory=FrozenMap)
    references: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _set(self, "title", _text_map(self.title, "title"))
        _set(self, "description", _text_map(self.description, "description"))
        for name in ("languages", "scales", "items", "dimensions", "references"):
            value = getattr(self, name)
            if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
                msg = f"{name} must be a list; found {type(value).__name__} {value!r}."
                raise InstrumentError(msg)
            _set(self, name, tuple(value))
        check_instrument(self)
        lookup = {
            "_scales": {s.id: s for s in self.scales},
            "_items": {i.id: i for i in self.items},
            "_dims": {d.id: d for d in self.dimensions},
        }
        _set(self, "_lookup", lookup)

    # ------------------------------------------------------------------ access
    def scale(self, scale_id: str) -> ResponseScale:
        """Return the scale with id *scale_id*."""
        return self._get("_scales", scale_id, "scale")

    def item(self, item_id: str) -> Item:
        """Return the item with id *item_id*."""
        return self._get("_items", item_id, "item")

    def dimension(self, dim_id: str) -> Dimension:
        """Return the dimension with id *dim_id*."""
        return self._get("_dims", dim_id, "dimension")

    def item_scale(self, item_id: str) -> ResponseScale:
        """Return the response scale of item *item_id*."""
        return self.scale(self.item(item_id).scale)

    def scored_items(self, dimension: str | None = None) -> tuple[str, ...]:
        """Ids of scored items (of one *dimension*), in questionnaire order."""
        if dimension is None:
            return tuple(i.id for i in self.items if i.scored)
        dim = self.dimension(dimension)
        return tuple(i for i in dim.items if self.item(i).scored)

    def role_item(self, role: str) -> Item | None:
        """Return the item playing *role* (see :data:`ROLES`), or ``None``."""
        if role not in ROLES:
            msg = f"unknown item role {role!r}; roles are {', '.join(ROLES)}."
            raise InstrumentError(msg)
        for item in self.items:
            if item.role == role:
                return item
        return None

    def _get(self, table: str, key: str, what: str) -> Any:
        found = self._lookup[table].get(key)  # type: ignore[attr-defined]
        if found is None:
            known = ", ".join(self._lookup[table])  # type: ignore[attr-defined]
            msg = f"instrument {self.id!r} has no {what} {key!r}; its {what}s are: {known}."
            raise InstrumentError(msg)
        return found

    # ------------------------------------------------------------ conversions
    def to_dict(self) -> dict[str, Any]:
        """Return the definition as plain JSON/YAML-safe Python objects.

        ``Instrument.from_dict(inst.to_dict()) == inst`` always holds.
        """
        return instrument_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>") -> Instrument:
        """Build an instrument from :meth:`to_dict` output (or a parsed file).

        *source* names the origin in error messages.
        """
        return instrument_from_dict(cls, data, source=source)

    @classmethod
    def from_file(cls, path: str | Path) -> Instrument:
        """Read an instrument from a ``.yaml``/``.yml`` or ``.json`` file.

        Malformed definitions raise :class:`~satscore.errors.InstrumentError`
        naming the file, the field and the fix.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from satscore import Instrument, load_instrument
        >>> inst = load_instrument("csat")
        >>> path = inst.to_file(pathlib.Path(tempfile.mkdtemp()) / "csat.yaml")
        >>> Instrument.from_file(path) == inst
        True
        """
        return read_instrument_file(cls, path)

    def to_file(self, path: str | Path) -> Path:
        """Write the instrument to ``.yaml``/``.yml`` or ``.json`` (chosen by extension).

        Returns the path written. See :meth:`from_file` for an example.
        """
        return write_instrument_file(self, path)

    def to_xlsform(self, path: str | Path) -> Path:
        """Write the instrument as an XLSForm workbook (needs the ``xlsform`` extra).

        Items become ``select_one <scale>`` rows with ``label::English (en)``-style
        columns, ``relevant`` in XLSForm syntax and ``appearance=likert``; the
        scoring metadata goes into ``satscore_*`` columns and sheets, so
        :meth:`from_xlsform` restores the identical instrument.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from satscore import Instrument, load_instrument
        >>> inst = load_instrument("bank_service")
        >>> path = inst.to_xlsform(pathlib.Path(tempfile.mkdtemp()) / "bank.xlsx")
        >>> Instrument.from_xlsform(path) == inst
        True
        """
        return write_xlsform(self, path)

    @classmethod
    def from_xlsform(cls, path: str | Path) -> Instrument:
        """Read an instrument from an XLSForm workbook.

        Workbooks written by :meth:`to_xlsform` come back identical. Other
        XLSForms (designed in ODK, KoboToolbox, ...) are imported conservatively:
        ``select_one`` rows become items, integer choice lists become scales
        (``appearance=likert`` = ordinal), with no satisfied or missing codes
        unless ``satscore_*`` columns say so; other question types are skipped
        with a :class:`~satscore.errors.SatscoreWarning`. See :meth:`to_xlsform`
        for an example.
        """
        return read_xlsform(cls, path)

    def to_table_schema(self, *, language: str | None = None) -> dict[str, Any]:
        """Return a Frictionless Table Schema (v2) dict describing response files.

        One integer field per item with labelled ``categories``,
        ``categoriesOrdered`` and labelled ``missingValues``; labels in
        *language* (default: the instrument's default language).

        Examples
        --------
        >>> from satscore import load_instrument
        >>> field = load_instrument("ltr").to_table_schema(language="zh")["fields"][0]
        >>> field["name"], field["categories"][-1]
        ('LTR01', {'value': 10, 'label': '10 - 极有可能'})
        """
        return table_schema(self, language=language)

    # -------------------------------------------------------------- validation
    def validate(
        self,
        responses: pd.DataFrame,
        *,
        id_column: str | None = None,
        on_invalid: Literal["raise", "coerce"] = "raise",
    ) -> ValidatedResponses:
        """Check and code a response frame against this instrument.

        See :func:`satscore.instruments.validate_responses` for the rules.

        Examples
        --------
        >>> import pandas as pd
        >>> from satscore import load_instrument
        >>> inst = load_instrument("ltr")
        >>> vr = inst.validate(pd.DataFrame({"LTR01": [10, "9", " 0 - not at all likely", None]}))
        >>> vr.data["LTR01"].tolist(), vr.missing_reason["LTR01"].tolist()
        ([10.0, 9.0, 0.0, nan], [nan, nan, nan, 'blank'])
        """
        return validate_responses(self, responses, id_column=id_column, on_invalid=on_invalid)

    # ---------------------------------------------------------------- display
    def summary(self, language: str | None = None) -> pd.DataFrame:
        """One row per item: id, dimension, scale, codes, routing, role, text.

        Examples
        --------
        >>> from satscore import load_instrument
        >>> table = load_instrument("bank_service").summary("zh")
        >>> table.loc[table["item"] == "SA01", ["scale", "relevant", "text"]].values.tolist()
        [['agree5', 'SC01 = 1', '工作人员对我礼貌、尊重。']]
        """
        lang = language or self.default_language
        rows = []
        for item in self.items:
            scale = self.scale(item.scale)
            rows.append(
                {
                    "item": item.id,
                    "dimension": item.dimension,
                    "scale": scale.id,
                    "codes": f"{scale.min}-{scale.max}",
                    "missing_codes": ", ".join(str(c) for c in scale.missing_codes) or None,
                    "reverse": item.reverse,
                    "relevant": str(item.relevant) if item.relevant else None,
                    "scored": item.scored,
                    "role": item.role,
                    "text": item.text[lang],
                }
            )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return (
            f"Instrument(id={self.id!r}, version={self.version!r}, items={len(self.items)}, "
            f"dimensions={[d.id for d in self.dimensions]}, languages={self.languages})"
        )

    def _repr_html_(self) -> str:
        title = html.escape(f"{self.title[self.default_language]} ({self.id} {self.version})")
        table = self.summary().to_html(escape=True, index=False, na_rep="")
        return f"<div class='satscore-instrument'><strong>{title}</strong>{table}</div>"

"""Building blocks of an instrument: scales, missing codes, routing, items, dimensions.

Every class normalises its inputs on construction (lists become tuples, dicts
become read-only :class:`FrozenMap` mappings) so that instruments are immutable,
hashable and compare equal exactly when their definitions are equal.

:class:`InstrumentDefinition` is what an instrument offers to the modules that
check, convert and validate it; :class:`~satscore.instruments.Instrument` (in
``_model.py``, above them all) implements it, so those modules never import it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

from satscore._core.errors import InstrumentError

__all__ = [
    "ROLES",
    "SCHEMA_VERSION",
    "Condition",
    "Dimension",
    "FrozenMap",
    "InstrumentDefinition",
    "Item",
    "MissingCode",
    "ResponseScale",
]

#: Version of the instrument file format written by :meth:`Instrument.to_file`.
SCHEMA_VERSION = 1

#: Roles an item can play for scoring and reporting.
ROLES = (
    "overall_satisfaction",
    "likelihood_to_recommend",
    "problem_status",
    "problem_screener",
    "staff_screener",
    "retention",
    "recovery_satisfaction",
    "effort",
)


class FrozenMap(Mapping[str, Any]):
    """A read-only, hashable mapping (language -> text, for example).

    Compares equal to any mapping with the same items, including a plain dict.

    Examples
    --------
    >>> m = FrozenMap({"en": "Yes", "zh": "是"})
    >>> m == {"en": "Yes", "zh": "是"}, m["zh"]
    (True, '是')
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        object.__setattr__(self, "_data", dict(data))

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is read-only")

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


def _text_map(value: Any, field: str) -> FrozenMap:
    if isinstance(value, FrozenMap):
        return value
    if not isinstance(value, Mapping):
        msg = (
            f"{field} must be a mapping language -> text, e.g. {{'en': '...', 'zh': '...'}}; "
            f"found {type(value).__name__} {value!r}."
        )
        raise InstrumentError(msg)
    return FrozenMap(value)


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _int_tuple(value: Any, field: str) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        msg = f"{field} must be a list of integer codes; found {value!r}. Write e.g. [1, 2, 3]."
        raise InstrumentError(msg)
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int):
            msg = (
                f"{field} must contain integers only; found {v!r} ({type(v).__name__}). "
                "Answer codes are whole numbers such as 1..5 or 99."
            )
            raise InstrumentError(msg)
        out.append(int(v))
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class MissingCode:
    """A code that records a non-answer, such as "not applicable".

    Attributes
    ----------
    code : int
        The code as stored in response files (e.g. 99).
    reason : str
        Snake-case reason kept in ``ValidatedResponses.missing_reason``:
        ``"not_applicable"``, ``"refused"`` or ``"dont_know"`` (or your own).
    labels : Mapping[str, str]
        Label per language, e.g. ``{"en": "Not applicable", "zh": "不适用"}``.

    Examples
    --------
    >>> na = MissingCode(99, "not_applicable", {"en": "Not applicable", "zh": "不适用"})
    >>> na.labels["zh"]
    '不适用'
    """

    code: int
    reason: str
    labels: Mapping[str, str]

    def __post_init__(self) -> None:
        (code,) = _int_tuple([self.code], "missing code")
        _set(self, "code", code)
        _set(self, "labels", _text_map(self.labels, f"labels of missing code {code}"))


@dataclasses.dataclass(frozen=True)
class ResponseScale:
    """An ordered set of integer answer codes with labels in every language.

    Attributes
    ----------
    id : str
        Scale identifier, e.g. ``"agree5"``.
    codes : tuple of int
        Valid answer codes, ascending.
    labels : Mapping[str, tuple of str]
        Per language, one label per code (aligned with ``codes``).
    missing : tuple of MissingCode
        Codes recording a non-answer (never part of ``codes``).
    satisfied : tuple of int
        Codes counted as "satisfied" (e.g. ``(4, 5)``, the top-2 box).
    ordinal : bool
        Whether the codes are ordered (required for reverse keying).
    min, max : int
        Smallest and largest valid code.

    Examples
    --------
    >>> s = ResponseScale("yesno", (0, 1), {"en": ("No", "Yes")}, satisfied=(1,), ordinal=False)
    >>> s.label(1), s.min, s.max
    ('Yes', 0, 1)
    """

    id: str
    codes: tuple[int, ...]
    labels: Mapping[str, tuple[str, ...]]
    missing: tuple[MissingCode, ...] = ()
    satisfied: tuple[int, ...] = ()
    ordinal: bool = True

    def __post_init__(self) -> None:
        where = f"scale {self.id!r}"
        _set(self, "codes", _int_tuple(self.codes, f"{where}: codes"))
        _set(self, "satisfied", _int_tuple(self.satisfied, f"{where}: satisfied"))
        labels = _text_map(self.labels, f"{where}: labels")
        _set(
            self,
            "labels",
            FrozenMap(
                (lang, tuple(v) if isinstance(v, (list, tuple)) else v)
                for lang, v in labels.items()
            ),
        )
        missing = self.missing
        if isinstance(missing, MissingCode):
            missing = (missing,)
        _set(self, "missing", tuple(missing))
        if not isinstance(self.ordinal, bool):
            msg = f"{where}: ordinal must be true or false; found {self.ordinal!r}."
            raise InstrumentError(msg)

    @property
    def min(self) -> int:
        """Smallest valid code."""
        return self.codes[0]

    @property
    def max(self) -> int:
        """Largest valid code."""
        return self.codes[-1]

    @property
    def missing_codes(self) -> tuple[int, ...]:
        """The codes of :attr:`missing`."""
        return tuple(m.code for m in self.missing)

    def label(self, code: int, language: str | None = None) -> str:
        """Return the label of a valid or missing *code* in *language*.

        ``language=None`` uses the first language of the scale.
        """
        lang = language if language is not None else next(iter(self.labels))
        if lang not in self.labels:
            msg = (
                f"scale {self.id!r} has no labels in language {lang!r}; "
                f"use one of {sorted(self.labels)}."
            )
            raise InstrumentError(msg)
        if code in self.codes:
            return self.labels[lang][self.codes.index(code)]
        for m in self.missing:
            if m.code == code:
                return m.labels[lang]
        msg = (
            f"code {code!r} is not a valid or missing code of scale {self.id!r}; "
            f"valid codes are {list(self.codes)}, missing codes {list(self.missing_codes)}."
        )
        raise InstrumentError(msg)


_CONDITION_RE = re.compile(
    r"^\s*([A-Za-z][A-Za-z0-9]*)\s*(?:(=|==)\s*(-?\d+)|in\s*[\(\[]\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*,?\s*[\)\]])\s*$"
)


@dataclasses.dataclass(frozen=True)
class Condition:
    """Routing: the item is asked only if *item*'s answer is one of *values*.

    Attributes
    ----------
    item : str
        The screener item id.
    values : tuple of int
        Codes of the screener for which the item is asked.

    Examples
    --------
    >>> c = Condition.parse("PR00 = 1")
    >>> c, str(c)
    (Condition(item='PR00', values=(1,)), 'PR00 = 1')
    >>> str(Condition("Q1", (1, 2)))
    'Q1 in (1, 2)'
    """

    item: str
    values: tuple[int, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.item, str):
            msg = f"routing condition item must be an item id; found {self.item!r}."
            raise InstrumentError(msg)
        _set(self, "values", _int_tuple(self.values, f"routing condition on {self.item!r}"))

    def __str__(self) -> str:
        if len(self.values) == 1:
            return f"{self.item} = {self.values[0]}"
        return f"{self.item} in ({', '.join(str(v) for v in self.values)})"

    @classmethod
    def parse(cls, text: str) -> Condition:
        """Parse ``"PR00 = 1"`` or ``"Q1 in (1, 2)"``."""
        m = _CONDITION_RE.match(text) if isinstance(text, str) else None
        if m is None:
            msg = (
                f"cannot read routing condition {text!r}; write it as 'PR00 = 1' or "
                "'Q1 in (1, 2)' (an item id and integer codes)."
            )
            raise InstrumentError(msg)
        if m.group(3) is not None:
            values: tuple[int, ...] = (int(m.group(3)),)
        else:
            values = tuple(int(v) for v in m.group(4).split(","))
        return cls(m.group(1), values)


@dataclasses.dataclass(frozen=True)
class Item:
    """One question.

    Attributes
    ----------
    id : str
        Identifier matching ``^[A-Za-z][A-Za-z0-9]{0,19}$`` (also the column name
        in response files).
    text : Mapping[str, str]
        Question wording per language.
    scale : str
        Id of the item's :class:`ResponseScale`.
    dimension : str or None
        Id of the :class:`Dimension` the item belongs to.
    reverse : bool
        Reverse-keyed (high code = low satisfaction); only on ordinal scales.
    relevant : Condition or None
        Routing condition; ``None`` means asked of everyone.
    scored : bool
        Whether the item enters item-level and dimension scores.
    role : str or None
        Special role for scoring/reporting, one of :data:`ROLES`.
    construct : str or None
        Short name of the facet the item measures (documentation only).

    Examples
    --------
    >>> it = Item("PR01", {"en": "Resolved?"}, "resolved3", relevant="PR00 = 1", scored=False)
    >>> str(it.relevant)
    'PR00 = 1'
    """

    id: str
    text: Mapping[str, str]
    scale: str
    dimension: str | None = None
    reverse: bool = False
    relevant: Condition | None = None
    scored: bool = True
    role: str | None = None
    construct: str | None = None

    def __post_init__(self) -> None:
        _set(self, "text", _text_map(self.text, f"item {self.id!r}: text"))
        if isinstance(self.relevant, str):
            _set(self, "relevant", Condition.parse(self.relevant))
        elif isinstance(self.relevant, Mapping):
            try:
                _set(self, "relevant", Condition(**self.relevant))
            except TypeError:
                msg = (
                    f"item {self.id!r}: relevant must be a condition such as 'PR00 = 1' or "
                    f"{{item: PR00, values: [1]}}; found {dict(self.relevant)!r}."
                )
                raise InstrumentError(msg) from None
        for name in ("reverse", "scored"):
            if not isinstance(getattr(self, name), bool):
                msg = (
                    f"item {self.id!r}: {name} must be true or false; "
                    f"found {getattr(self, name)!r}."
                )
                raise InstrumentError(msg)


@dataclasses.dataclass(frozen=True)
class Dimension:
    """A group of items scored together (e.g. ``service_quality``).

    Attributes
    ----------
    id : str
        Dimension identifier (snake_case).
    title : Mapping[str, str]
        Title per language.
    items : tuple of str
        Item ids, in instrument order.
    min_valid : int
        Minimum number of valid answers for a respondent's dimension score;
        ``None`` on construction means ``max(2, ceil(k / 2))`` (capped at k).

    Examples
    --------
    >>> Dimension("d", {"en": "D"}, ("A1", "A2", "A3", "A4", "A5")).min_valid
    3
    """

    id: str
    title: Mapping[str, str]
    items: tuple[str, ...]
    min_valid: int = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        _set(self, "title", _text_map(self.title, f"dimension {self.id!r}: title"))
        items = self.items
        if isinstance(items, str) or not isinstance(items, Iterable):
            msg = f"dimension {self.id!r}: items must be a list of item ids; found {items!r}."
            raise InstrumentError(msg)
        _set(self, "items", tuple(items))
        k = len(self.items)
        if self.min_valid is None:
            _set(self, "min_valid", min(k, max(2, -(-k // 2))))
        elif isinstance(self.min_valid, bool) or not isinstance(self.min_valid, int):
            msg = f"dimension {self.id!r}: min_valid must be an integer; found {self.min_valid!r}."
            raise InstrumentError(msg)


class InstrumentDefinition(Protocol):
    """The fields and look-ups of an instrument (implemented by ``Instrument``).

    The checks, the file, XLSForm and Table Schema converters and response
    validation take any object with these members, so they sit below the
    ``Instrument`` class whose methods call them.
    """

    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def title(self) -> Mapping[str, str]: ...
    @property
    def languages(self) -> tuple[str, ...]: ...
    @property
    def default_language(self) -> str: ...
    @property
    def scales(self) -> tuple[ResponseScale, ...]: ...
    @property
    def items(self) -> tuple[Item, ...]: ...
    @property
    def dimensions(self) -> tuple[Dimension, ...]: ...
    @property
    def description(self) -> Mapping[str, str]: ...
    @property
    def references(self) -> tuple[str, ...]: ...
    def scale(self, scale_id: str) -> ResponseScale: ...
    def item(self, item_id: str) -> Item: ...
    def item_scale(self, item_id: str) -> ResponseScale: ...
    def scored_items(self, dimension: str | None = None) -> tuple[str, ...]: ...
    def role_item(self, role: str) -> Item | None: ...

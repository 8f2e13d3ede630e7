"""Consistency checks of an instrument definition.

Called by ``Instrument.__post_init__``; every failure raises
:class:`~satscore.errors.InstrumentError` naming the field, what was found and
the fix. File readers prefix the message with the file name.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from satscore._core.errors import InstrumentError
from satscore.instruments._parts import (
    ROLES,
    Condition,
    Dimension,
    InstrumentDefinition,
    Item,
    ResponseScale,
)

__all__ = ["ITEM_ID_RE", "SNAKE_RE", "check_instrument", "normalise_label"]

ITEM_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,19}$")
SNAKE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_WS = re.compile(r"\s+")


def normalise_label(text: str) -> str:
    """Case-, width- and whitespace-insensitive form of a label (used for matching).

    Unicode NFKC folds full-width letters and digits (common in Chinese input)
    into their ordinary forms.

    Examples
    --------
    >>> normalise_label("  Strongly   AGREE ")
    'strongly agree'
    >>> normalise_label("Ａｇｒｅｅ　")
    'agree'
    """
    return _WS.sub(" ", unicodedata.normalize("NFKC", str(text))).strip().casefold()


def _fail(msg: str) -> None:
    raise InstrumentError(msg)


def _dupes(values: Iterable[Any]) -> list[Any]:
    return [v for v, n in Counter(values).items() if n > 1]


def _check_id(value: Any, field: str, pattern: re.Pattern[str], rule: str) -> None:
    if not isinstance(value, str) or not pattern.match(value):
        _fail(f"{field}: id {value!r} is not valid; {rule}.")


_SNAKE_RULE = (
    "use lower-case snake_case starting with a letter (letters, digits, underscores), "
    "e.g. 'service_quality'"
)
_ITEM_RULE = (
    "item ids must match ^[A-Za-z][A-Za-z0-9]{0,19}$ (a letter, then up to 19 letters or "
    "digits, no underscores or spaces), e.g. 'SQ01'"
)


def _check_texts(mapping: Mapping[str, Any], languages: tuple[str, ...], field: str) -> None:
    missing = [lang for lang in languages if lang not in mapping]
    if missing:
        _fail(
            f"{field}: language(s) {missing} missing; the instrument declares languages "
            f"{list(languages)}, so add a text for each (or remove the language from 'languages')."
        )
    extra = [lang for lang in mapping if lang not in languages]
    if extra:
        _fail(
            f"{field}: language(s) {extra} are not declared; add them to 'languages' "
            f"or remove them (declared: {list(languages)})."
        )
    for lang, text in mapping.items():
        if not isinstance(text, str) or not text.strip():
            hint = (
                " (YAML reads unquoted yes/no/on/off as booleans: quote the text)"
                if isinstance(text, bool)
                else ""
            )
            _fail(f"{field}[{lang}]: needs non-empty text; found {text!r}{hint}.")


def _check_scale(scale: ResponseScale, languages: tuple[str, ...]) -> None:
    where = f"scales[{scale.id}]"
    _check_id(scale.id, "scales", SNAKE_RE, _SNAKE_RULE)
    codes = scale.codes
    if not codes:
        _fail(f"{where}.codes: empty; list the valid answer codes, e.g. [1, 2, 3, 4, 5].")
    if list(codes) != sorted(set(codes)):
        _fail(
            f"{where}.codes: {list(codes)} must be strictly ascending without duplicates; "
            f"write {sorted(set(codes))}."
        )
    _check_texts(
        dict.fromkeys(scale.labels, "x"), languages, f"{where}.labels"
    )  # language coverage
    for lang, labels in scale.labels.items():
        if not isinstance(labels, tuple) or len(labels) != len(codes):
            n = len(labels) if isinstance(labels, tuple) else labels
            _fail(
                f"{where}.labels[{lang}]: found {n} label(s) for {len(codes)} codes "
                f"{list(codes)}; give exactly one label per code, in code order."
            )
        for code, label in zip(codes, labels, strict=True):
            if not isinstance(label, str) or not label.strip():
                hint = (
                    " (YAML reads unquoted yes/no/on/off as booleans: quote the label, e.g. 'No')"
                    if isinstance(label, bool)
                    else ""
                )
                _fail(f"{where}.labels[{lang}]: label of code {code} is {label!r}{hint}.")
    missing_codes = [m.code for m in scale.missing]
    if _dupes(missing_codes):
        _fail(f"{where}.missing: duplicate missing code(s) {_dupes(missing_codes)}.")
    overlap = sorted(set(missing_codes) & set(codes))
    if overlap:
        _fail(
            f"{where}.missing: code(s) {overlap} are also valid answer codes; a missing code "
            "(e.g. 99 'not applicable') must lie outside the answer codes — never the midpoint."
        )
    for m in scale.missing:
        if (
            not isinstance(m.reason, str)
            or not SNAKE_RE.match(m.reason)
            or m.reason
            in (
                "blank",
                "not_asked",
                "invalid",
            )
        ):
            _fail(
                f"{where}.missing[{m.code}].reason: {m.reason!r} is not allowed; use a snake_case "
                "reason such as 'not_applicable', 'refused' or 'dont_know' ('blank', "
                "'not_asked' and 'invalid' are reserved)."
            )
        _check_texts(m.labels, languages, f"{where}.missing[{m.code}].labels")
    bad_sat = [c for c in scale.satisfied if c not in codes]
    if bad_sat:
        _fail(
            f"{where}.satisfied: code(s) {bad_sat} are not answer codes {list(codes)}; list the "
            "codes counted as satisfied, e.g. [4, 5]."
        )
    if list(scale.satisfied) != sorted(set(scale.satisfied)):
        _fail(f"{where}.satisfied: write the codes ascending without duplicates.")
    # label -> code mapping must be unambiguous across languages and missing codes
    seen: dict[str, int] = {}
    pairs = [(lab, c) for labs in scale.labels.values() for lab, c in zip(labs, codes, strict=True)]
    pairs += [(lab, m.code) for m in scale.missing for lab in m.labels.values()]
    for label, code in pairs:
        key = normalise_label(label)
        if seen.setdefault(key, code) != code:
            _fail(
                f"{where}.labels: label {label!r} is used for codes {seen[key]} and {code}; "
                "labels must identify one code (case and spacing are ignored). Reword one of them."
            )
        try:
            as_number = float(key)
        except ValueError:
            continue
        if as_number != code:
            _fail(
                f"{where}.labels: label {label!r} of code {code} reads as the number "
                f"{key}; a numeric label must equal its own code."
            )


def check_instrument(inst: InstrumentDefinition) -> None:
    """Raise :class:`InstrumentError` if *inst* is inconsistent."""
    _check_id(inst.id, "id", SNAKE_RE, _SNAKE_RULE)
    if not isinstance(inst.version, str) or not inst.version.strip():
        _fail(f"version: found {inst.version!r}; give a version string such as '1.0.0' (quoted).")
    langs = inst.languages
    if not langs:
        _fail("languages: empty; declare at least one language code, e.g. [en, zh].")
    for lang in langs:
        if not isinstance(lang, str) or not LANG_RE.match(lang):
            _fail(
                f"languages: {lang!r} is not a language code; use lower-case ISO 639 codes "
                "such as 'en', 'zh' (optionally with a subtag, e.g. 'zh-Hans')."
            )
    if _dupes(langs):
        _fail(f"languages: duplicate language(s) {_dupes(langs)}.")
    if inst.default_language not in langs:
        _fail(
            f"default_language: {inst.default_language!r} is not one of the declared languages "
            f"{list(langs)}; pick one of them."
        )
    _check_texts(inst.title, langs, "title")
    if inst.description:
        _check_texts(inst.description, langs, "description")
    for ref in inst.references:
        if not isinstance(ref, str):
            _fail(f"references: each reference must be text; found {ref!r}.")

    for kind, objs, cls, pattern, rule in (
        ("scales", inst.scales, ResponseScale, SNAKE_RE, _SNAKE_RULE),
        ("items", inst.items, Item, ITEM_ID_RE, _ITEM_RULE),
        ("dimensions", inst.dimensions, Dimension, SNAKE_RE, _SNAKE_RULE),
    ):
        for obj in objs:
            if not isinstance(obj, cls):
                _fail(f"{kind}: expected {cls.__name__} objects; found {type(obj).__name__}.")
            _check_id(obj.id, kind, pattern, rule)
        ids = [o.id for o in objs]
        if _dupes(ids):
            _fail(
                f"{kind}: duplicate id(s) {_dupes(ids)}; every entry needs a unique id. "
                "Rename or remove the repeated entry."
            )
        folded = [i.lower() for i in ids]
        if _dupes(folded):
            clash = sorted(i for i in ids if i.lower() in set(_dupes(folded)))
            _fail(
                f"{kind}: ids {clash} differ only by letter case; SPSS, XLSForm and most "
                "analysis tools treat them as the same name. Rename one of them."
            )
    if not inst.scales:
        _fail("scales: empty; define at least one response scale.")
    if not inst.items:
        _fail("items: empty; define at least one item.")

    for scale in inst.scales:
        _check_scale(scale, langs)
    scales = {s.id: s for s in inst.scales}
    dims = {d.id: d for d in inst.dimensions}
    positions: dict[str, int] = {}
    roles: dict[str, str] = {}
    for pos, item in enumerate(inst.items):
        _check_id(item.id, "items", ITEM_ID_RE, _ITEM_RULE)
        where = f"items[{item.id}]"
        _check_texts(item.text, langs, f"{where}.text")
        if not isinstance(item.scale, str) or item.scale not in scales:
            _fail(
                f"{where}.scale: unknown scale {item.scale!r}; define it under 'scales' or use "
                f"one of {sorted(scales)}."
            )
        scale = scales[item.scale]
        if item.dimension is not None and (
            not isinstance(item.dimension, str) or item.dimension not in dims
        ):
            _fail(
                f"{where}.dimension: unknown dimension {item.dimension!r}; define it under "
                f"'dimensions' or use one of {sorted(dims)}."
            )
        if item.reverse and not scale.ordinal:
            _fail(
                f"{where}.reverse: reverse keying needs an ordinal scale, but scale "
                f"{scale.id!r} is not ordinal; set reverse: false or use an ordinal scale."
            )
        if item.role is not None:
            if not isinstance(item.role, str) or item.role not in ROLES:
                _fail(f"{where}.role: unknown role {item.role!r}; use one of {', '.join(ROLES)}.")
            if item.role in roles:
                _fail(
                    f"{where}.role: role {item.role!r} is already played by item "
                    f"{roles[item.role]!r}; each role belongs to one item."
                )
            roles[item.role] = item.id
        if item.construct is not None and not isinstance(item.construct, str):
            _fail(f"{where}.construct: must be text; found {item.construct!r}.")
        cond = item.relevant
        if cond is not None:
            if not isinstance(cond, Condition):
                _fail(f"{where}.relevant: expected a condition such as 'PR00 = 1'; found {cond!r}.")
            if cond.item not in positions:
                later = any(i.id == cond.item for i in inst.items)
                why = (
                    "comes after it; a screener must be asked before the items it routes"
                    if later
                    else "is not an item of this instrument"
                )
                _fail(f"{where}.relevant: condition refers to item {cond.item!r}, which {why}.")
            screener = scales[inst.items[positions[cond.item]].scale]
            bad = [v for v in cond.values if v not in screener.codes]
            if bad or not cond.values:
                _fail(
                    f"{where}.relevant: condition '{cond}' uses code(s) {bad} that are not answer "
                    f"codes of {cond.item!r} (scale {screener.id!r}: {list(screener.codes)})."
                )
        positions[item.id] = pos

    items = {i.id: i for i in inst.items}
    for dim in inst.dimensions:
        where = f"dimensions[{dim.id}]"
        _check_id(dim.id, "dimensions", SNAKE_RE, _SNAKE_RULE)
        _check_texts(dim.title, langs, f"{where}.title")
        if not dim.items:
            _fail(
                f"{where}: no items belong to this dimension; set 'dimension: {dim.id}' on its "
                "items or remove the dimension."
            )
        unknown = [i for i in dim.items if i not in items]
        if unknown:
            _fail(f"{where}.items: unknown item(s) {unknown}; list ids of defined items.")
        declared = tuple(i.id for i in inst.items if i.dimension == dim.id)
        if tuple(dim.items) != declared:
            _fail(
                f"{where}.items: {list(dim.items)} disagrees with the items that declare "
                f"'dimension: {dim.id}' ({list(declared)}); list them in questionnaire order."
            )
        unscored = [i for i in dim.items if not items[i].scored]
        if unscored:
            _fail(
                f"{where}: item(s) {unscored} are not scored; an item in a dimension must be "
                "scored. Set scored: true or remove the dimension from the item."
            )
        k = len(dim.items)
        if not 1 <= dim.min_valid <= k:
            _fail(
                f"{where}.min_valid: {dim.min_valid} is outside 1..{k} (the dimension has {k} "
                f"item(s)); use e.g. {min(k, max(2, -(-k // 2)))}."
            )

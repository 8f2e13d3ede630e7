"""Instrument files: plain data <-> instrument, YAML/JSON files.

File layout (YAML shown; JSON has the same structure)::

    schema_version: 1
    id: my_survey
    version: "1.0.0"
    title: {en: My survey, zh: 我的调查}
    languages: [en, zh]
    default_language: en
    scales:
      - id: agree5
        codes: [1, 2, 3, 4, 5]
        labels: {en: [...5 labels...], zh: [...]}
        missing: [{code: 99, reason: not_applicable, labels: {en: Not applicable, zh: 不适用}}]
        satisfied: [4, 5]
        ordinal: true
    dimensions:
      - {id: service_quality, title: {en: ..., zh: ...}, min_valid: 2}
    items:
      - {id: SQ01, text: {en: ..., zh: ...}, scale: agree5, dimension: service_quality}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from satscore._core.errors import InstrumentError
from satscore.instruments._parts import (
    SCHEMA_VERSION,
    Condition,
    Dimension,
    FrozenMap,
    InstrumentDefinition,
    Item,
    MissingCode,
    ResponseScale,
)

__all__ = [
    "instrument_from_dict",
    "instrument_to_dict",
    "parse_text",
    "read_instrument_file",
    "write_instrument_file",
]

_I = TypeVar("_I", bound=InstrumentDefinition)

_TOP_REQUIRED = ("id", "version", "title", "languages", "default_language", "scales", "items")
_TOP_OPTIONAL = ("schema_version", "dimensions", "description", "references")
_SCALE_KEYS = (("id", "codes", "labels"), ("missing", "satisfied", "ordinal"))
_MISSING_KEYS = (("code", "reason", "labels"), ())
_DIM_KEYS = (("id", "title"), ("items", "min_valid"))
_ITEM_KEYS = (
    ("id", "text", "scale"),
    ("dimension", "reverse", "relevant", "scored", "role", "construct"),
)


def _plain(value: Any) -> Any:
    if isinstance(value, FrozenMap):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def instrument_to_dict(inst: InstrumentDefinition) -> dict[str, Any]:
    """Plain-Python form of *inst* (see the module docstring for the layout)."""
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": inst.id,
        "version": inst.version,
        "title": _plain(inst.title),
    }
    if inst.description:
        out["description"] = _plain(inst.description)
    if inst.references:
        out["references"] = list(inst.references)
    out["languages"] = list(inst.languages)
    out["default_language"] = inst.default_language
    out["scales"] = [
        {
            "id": s.id,
            "codes": list(s.codes),
            "labels": _plain(s.labels),
            "missing": [
                {"code": m.code, "reason": m.reason, "labels": _plain(m.labels)} for m in s.missing
            ],
            "satisfied": list(s.satisfied),
            "ordinal": s.ordinal,
        }
        for s in inst.scales
    ]
    out["dimensions"] = [
        {"id": d.id, "title": _plain(d.title), "min_valid": d.min_valid} for d in inst.dimensions
    ]
    items = []
    for it in inst.items:
        row: dict[str, Any] = {"id": it.id, "text": _plain(it.text), "scale": it.scale}
        if it.dimension is not None:
            row["dimension"] = it.dimension
        if it.reverse:
            row["reverse"] = True
        if it.relevant is not None:
            row["relevant"] = str(it.relevant)
        if not it.scored:
            row["scored"] = False
        if it.role is not None:
            row["role"] = it.role
        if it.construct is not None:
            row["construct"] = it.construct
        items.append(row)
    out["items"] = items
    return out


def _fields(obj: Any, keys: tuple[tuple[str, ...], tuple[str, ...]], where: str) -> dict:
    required, optional = keys
    if not isinstance(obj, Mapping):
        raise InstrumentError(
            f"{where}: expected a mapping with keys {list(required)}; found "
            f"{type(obj).__name__} {obj!r}."
        )
    missing = [k for k in required if k not in obj]
    if missing:
        raise InstrumentError(f"{where}: required field(s) {missing} missing; add them.")
    unknown = [k for k in obj if k not in required + optional]
    if unknown:
        raise InstrumentError(
            f"{where}: unknown field(s) {unknown}; allowed fields are "
            f"{list(required + optional)} (check the spelling)."
        )
    return dict(obj)


def _list(value: Any, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise InstrumentError(f"{where}: expected a list; found {type(value).__name__} {value!r}.")
    return list(value)


def _label_of(obj: Any, idx: int, key: str = "id") -> str:
    return str(obj.get(key, idx)) if isinstance(obj, Mapping) else str(idx)


def instrument_from_dict(build: Callable[..., _I], data: Any, *, source: str = "<dict>") -> _I:
    """``build(**fields)`` from plain data (the class); errors name *source* and the field."""
    try:
        return _from_dict(build, data)
    except InstrumentError as err:
        raise InstrumentError(f"{source}: {err}") from None


def _from_dict(build: Callable[..., _I], data: Any) -> _I:
    top = _fields(data, (_TOP_REQUIRED, _TOP_OPTIONAL), "instrument")
    version = top.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise InstrumentError(
            f"schema_version: found {version!r}, this satscore reads schema_version "
            f"{SCHEMA_VERSION}; upgrade satscore or rewrite the file for schema {SCHEMA_VERSION}."
        )
    scales = []
    for i, raw in enumerate(_list(top["scales"], "scales")):
        where = f"scales[{_label_of(raw, i)}]"
        s = _fields(raw, _SCALE_KEYS, where)
        missing = []
        for j, mraw in enumerate(_list(s.get("missing"), f"{where}.missing")):
            m = _fields(mraw, _MISSING_KEYS, f"{where}.missing[{_label_of(mraw, j, 'code')}]")
            missing.append(MissingCode(m["code"], m["reason"], m["labels"]))
        labels = s["labels"]
        if isinstance(labels, Mapping):
            labels = {k: _list(v, f"{where}.labels[{k}]") for k, v in labels.items()}
        scales.append(
            ResponseScale(
                s["id"],
                s["codes"],
                labels,
                missing=tuple(missing),
                satisfied=s.get("satisfied") or (),
                ordinal=s.get("ordinal", True),
            )
        )
    raw_items = [
        _fields(r, _ITEM_KEYS, f"items[{_label_of(r, i)}]")
        for i, r in enumerate(_list(top["items"], "items"))
    ]
    raw_dims = [
        _fields(r, _DIM_KEYS, f"dimensions[{_label_of(r, i)}]")
        for i, r in enumerate(_list(top.get("dimensions"), "dimensions"))
    ]
    # membership may be declared on the item ("dimension:") or on the dimension ("items:")
    member: dict[str, str] = {}
    for d in raw_dims:
        for item_id in _list(d.get("items"), f"dimensions[{d['id']}].items"):
            if item_id in member and member[item_id] != d["id"]:
                raise InstrumentError(
                    f"dimensions[{d['id']}].items: item {item_id!r} is also listed in dimension "
                    f"{member[item_id]!r}; an item belongs to at most one dimension."
                )
            member[item_id] = d["id"]
    items = []
    for r in raw_items:
        dim = r.get("dimension")
        listed = member.get(r["id"]) if isinstance(r["id"], str) else None
        if dim is not None and listed is not None and dim != listed:
            raise InstrumentError(
                f"items[{r['id']}].dimension: {dim!r}, but dimension {listed!r} lists this item; "
                "make them agree."
            )
        relevant = r.get("relevant")
        if isinstance(relevant, str):
            try:
                relevant = Condition.parse(relevant)
            except InstrumentError as err:
                raise InstrumentError(f"items[{r['id']}].relevant: {err}") from None
        elif relevant is not None and not isinstance(relevant, Mapping):
            raise InstrumentError(
                f"items[{r['id']}].relevant: found {relevant!r}; write a condition such as "
                "'PR00 = 1'."
            )
        items.append(
            Item(
                r["id"],
                r["text"],
                r["scale"],
                dimension=dim if dim is not None else listed,
                reverse=r.get("reverse", False),
                relevant=relevant,
                scored=r.get("scored", True),
                role=r.get("role"),
                construct=r.get("construct"),
            )
        )
    dims = []
    for d in raw_dims:
        members = tuple(it.id for it in items if it.dimension == d["id"])
        listed_items = d.get("items")
        if listed_items is not None:
            unknown = [i for i in listed_items if i not in {it.id for it in items}]
            if unknown:
                raise InstrumentError(
                    f"dimensions[{d['id']}].items: unknown item(s) {unknown}; list ids of "
                    "defined items."
                )
        dims.append(Dimension(d["id"], d["title"], members, d.get("min_valid")))
    return build(
        id=top["id"],
        version=top["version"],
        title=top["title"],
        languages=_list(top["languages"], "languages"),
        default_language=top["default_language"],
        scales=scales,
        items=items,
        dimensions=dims,
        description=top.get("description") or {},
        references=_list(top.get("references"), "references"),
    )


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    raise InstrumentError(
        f"{path}: unknown instrument file type {suffix!r}; use a .yaml, .yml or .json file "
        "(or Instrument.from_xlsform for .xlsx)."
    )


def parse_text(text: str, fmt: str, source: str) -> Any:
    """Parse YAML or JSON *text*; a syntax error names *source*, the line and the fix."""
    try:
        if fmt == "yaml":
            return yaml.safe_load(text)
        return json.loads(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InstrumentError(
            f"{source}: not valid YAML{where} ({problem}). Fix the syntax there "
            "(indentation, a missing ':' or an unquoted special character)."
        ) from None
    except json.JSONDecodeError as err:
        raise InstrumentError(
            f"{source}: not valid JSON ({err.msg} at line {err.lineno}, column {err.colno}). "
            "Fix the syntax there."
        ) from None


def read_instrument_file(build: Callable[..., _I], path: str | Path) -> _I:
    """Read a YAML or JSON instrument file (see :meth:`Instrument.from_file`)."""
    path = Path(path)
    fmt = _format(path)
    if not path.is_file():
        raise InstrumentError(f"{path}: no such instrument file; check the path.")
    data = parse_text(path.read_text(encoding="utf-8"), fmt, str(path))
    return instrument_from_dict(build, data, source=str(path))


def write_instrument_file(inst: InstrumentDefinition, path: str | Path) -> Path:
    """Write *inst* as YAML or JSON (by extension); return the path."""
    path = Path(path)
    fmt = _format(path)
    data = instrument_to_dict(inst)
    if fmt == "yaml":
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return path

"""XLSForm export and import (needs openpyxl, the ``xlsform`` extra).

Layout written by :func:`write_xlsform`:

* ``survey``: one ``select_one <scale>`` row per item, ``label::English (en)``
  style columns per language, ``relevant`` as ``${PR00} = '1'``,
  ``appearance = likert`` on ordinal scales, and the scoring metadata in
  ``satscore_dimension``, ``satscore_reverse``, ``satscore_scored``,
  ``satscore_role`` and ``satscore_construct`` columns (ignored by pyxform).
* ``choices``: one row per answer code and missing code (``satscore_missing``
  holds the missing reason).
* ``settings``: ``form_title``, ``form_id``, ``version``, ``default_language``.
* ``satscore_instrument``, ``satscore_scales``, ``satscore_dimensions``:
  instrument-level metadata (titles, descriptions, references, satisfied
  codes, ordinal flags, dimension titles, ``min_valid``) so that
  :func:`read_xlsform` restores the identical :class:`Instrument`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from satscore._core.errors import InstrumentError, MissingDependencyError
from satscore.instruments._parts import (
    SCHEMA_VERSION,
    Dimension,
    InstrumentDefinition,
    Item,
    MissingCode,
)
from satscore.instruments._parts import ResponseScale as Scale
from satscore.instruments._xlsform_cells import (
    as_int,
    flag,
    language_header,
    parse_relevant,
    records,
    relevant_expression,
)
from satscore.instruments._xlsform_plain import read_plain_xlsform

__all__ = ["read_xlsform", "write_xlsform"]

_I = TypeVar("_I", bound=InstrumentDefinition)
_META = ("dimension", "reverse", "scored", "role", "construct")
_LANG_HEADER = re.compile(r"^label::.*\(([^()]+)\)\s*$")


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:
        msg = (
            "XLSForm export/import needs the optional package 'openpyxl', which is not "
            'installed; install it with: pip install "satscore[xlsform]"'
        )
        raise MissingDependencyError(msg) from None
    return openpyxl


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _write_sheet(wb: Any, title: str, rows: list[list[Any]], *, first: bool = False) -> None:
    ws = wb.active if first else wb.create_sheet(title)
    ws.title = title
    for row in rows:
        ws.append([None if v is None or v == "" else str(v) for v in row])
    for row in ws.iter_rows():  # text stays text, even when it starts with "="
        for cell in row:
            if cell.value is not None:
                cell.data_type = "s"


def write_xlsform(inst: InstrumentDefinition, path: str | Path) -> Path:
    """Write *inst* as an XLSForm workbook (see the module docstring)."""
    openpyxl = _openpyxl()
    path = Path(path)
    langs = inst.languages
    label_cols = [f"label::{language_header(lang)}" for lang in langs]
    survey = [
        ["type", "name", *label_cols, "relevant", "appearance"] + [f"satscore_{m}" for m in _META]
    ]
    for it in inst.items:
        scale = inst.scale(it.scale)
        survey.append(
            [
                f"select_one {it.scale}",
                it.id,
                *(it.text[lang] for lang in langs),
                relevant_expression(it.relevant) if it.relevant else "",
                "likert" if scale.ordinal else "",
                it.dimension or "",
                _yes(it.reverse),
                _yes(it.scored),
                it.role or "",
                it.construct or "",
            ]
        )
    choices = [["list_name", "name", *label_cols, "satscore_missing"]]
    for s in inst.scales:
        for pos, code in enumerate(s.codes):
            choices.append([s.id, code, *(s.labels[lang][pos] for lang in langs), ""])
        for m in s.missing:
            choices.append([s.id, m.code, *(m.labels[lang] for lang in langs), m.reason])
    settings = [
        ["form_title", "form_id", "version", "default_language"],
        [
            inst.title[inst.default_language],
            inst.id,
            inst.version,
            language_header(inst.default_language),
        ],
    ]
    meta: list[list[Any]] = [
        ["key", "value"],
        ["schema_version", SCHEMA_VERSION],
        ["id", inst.id],
        ["version", inst.version],
        ["languages", " ".join(langs)],
        ["default_language", inst.default_language],
    ]
    meta += [[f"title::{lang}", inst.title[lang]] for lang in langs]
    meta += [[f"description::{lang}", text] for lang, text in inst.description.items()]
    meta += [["reference", ref] for ref in inst.references]
    scales = [["scale", "satisfied", "ordinal"]]
    scales += [[s.id, " ".join(map(str, s.satisfied)), _yes(s.ordinal)] for s in inst.scales]
    dims = [["dimension", *(f"title::{lang}" for lang in langs), "min_valid"]]
    dims += [[d.id, *(d.title[lang] for lang in langs), d.min_valid] for d in inst.dimensions]
    wb = openpyxl.Workbook()
    _write_sheet(wb, "survey", survey, first=True)
    _write_sheet(wb, "choices", choices)
    _write_sheet(wb, "settings", settings)
    _write_sheet(wb, "satscore_instrument", meta)
    _write_sheet(wb, "satscore_scales", scales)
    _write_sheet(wb, "satscore_dimensions", dims)
    wb.save(path)
    return path


# ----------------------------------------------------------------- reading
def _int(value: Any, where: str) -> int:
    try:
        return as_int(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        raise InstrumentError(f"{where}: expected an integer code; found {value!r}.") from None


def read_xlsform(build: Callable[..., _I], path: str | Path) -> _I:
    """Read an XLSForm workbook; ``build(**fields)`` makes the instrument (the class).

    Workbooks written by :func:`write_xlsform` come back identical; others go
    through :func:`~satscore.instruments._xlsform_plain.read_plain_xlsform`.
    """
    openpyxl = _openpyxl()
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InstrumentError(f"{source}: no such XLSForm file; check the path.")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:
        msg = f"{source}: cannot open as an .xlsx workbook ({err}); save it as .xlsx."
        raise InstrumentError(msg) from None
    try:
        return _read(build, wb, source)
    except InstrumentError as err:
        text = str(err)
        raise InstrumentError(text if text.startswith(source) else f"{source}: {text}") from None
    finally:
        wb.close()


def _read(build: Callable[..., _I], wb: Any, source: str) -> _I:
    if "satscore_instrument" not in wb.sheetnames:
        return read_plain_xlsform(build, wb, source)
    meta: dict[str, Any] = {}
    references = []
    for rec in records(wb, "satscore_instrument", source):
        if rec.get("key") == "reference":
            references.append(rec.get("value") or "")
        else:
            meta[rec.get("key") or ""] = rec.get("value")
    version = _int(meta.get("schema_version"), "satscore_instrument.schema_version")
    if version != SCHEMA_VERSION:
        msg = (
            f"satscore_instrument.schema_version: found {version}, this satscore reads "
            f"{SCHEMA_VERSION}; upgrade satscore."
        )
        raise InstrumentError(msg)
    langs = tuple((meta.get("languages") or "").split())
    title = {lang: meta.get(f"title::{lang}") for lang in langs}
    description = {k.split("::", 1)[1]: v for k, v in meta.items() if k.startswith("description::")}
    survey = records(wb, "survey", source)
    choices = records(wb, "choices", source)
    header_lang = {}
    for rec in survey[:1] + choices[:1]:
        for key in rec:
            m = _LANG_HEADER.match(key)
            if m:
                header_lang[m.group(1)] = key
    missing_langs = [lang for lang in langs if lang not in header_lang]
    if missing_langs:
        msg = (
            f"survey/choices: no label column for language(s) {missing_langs}; add columns "
            f"like 'label::{language_header(missing_langs[0])}'."
        )
        raise InstrumentError(msg)
    by_list: dict[str, list[dict[str, Any]]] = {}
    for rec in choices:
        by_list.setdefault(rec.get("list_name") or "", []).append(rec)
    scales = []
    for rec in records(wb, "satscore_scales", source):
        sid = rec.get("scale") or ""
        rows = by_list.get(sid, [])
        where = f"choices[{sid}]"
        valid = [r for r in rows if not (r.get("satscore_missing") or "").strip()]
        missing = [
            MissingCode(
                _int(r.get("name"), where),
                (r.get("satscore_missing") or "").strip(),
                {lang: r.get(header_lang[lang]) for lang in langs},
            )
            for r in rows
            if (r.get("satscore_missing") or "").strip()
        ]
        scales.append(
            Scale(
                sid,
                tuple(_int(r.get("name"), where) for r in valid),
                {lang: tuple(r.get(header_lang[lang]) for r in valid) for lang in langs},
                missing=tuple(missing),
                satisfied=tuple(
                    _int(v, f"satscore_scales[{sid}].satisfied")
                    for v in (rec.get("satisfied") or "").split()
                ),
                ordinal=flag(rec.get("ordinal"), f"satscore_scales[{sid}].ordinal"),
            )
        )
    items = []
    for pos, rec in enumerate(survey):
        qtype = (rec.get("type") or "").split()
        name = rec.get("name") or f"row {pos + 2}"
        where = f"survey[{name}]"
        if len(qtype) != 2 or qtype[0] != "select_one":
            msg = (
                f"{where}.type: found {rec.get('type')!r}; satscore items are "
                "'select_one <scale>' rows."
            )
            raise InstrumentError(msg)
        relevant = rec.get("relevant")
        items.append(
            Item(
                rec.get("name") or "",
                {lang: rec.get(header_lang[lang]) for lang in langs},
                qtype[1],
                dimension=rec.get("satscore_dimension") or None,
                reverse=flag(rec.get("satscore_reverse"), f"{where}.satscore_reverse"),
                relevant=parse_relevant(relevant, f"{where}.relevant") if relevant else None,
                scored=flag(rec.get("satscore_scored") or "yes", f"{where}.satscore_scored"),
                role=rec.get("satscore_role") or None,
                construct=rec.get("satscore_construct") or None,
            )
        )
    dims = []
    for rec in records(wb, "satscore_dimensions", source):
        did = rec.get("dimension") or ""
        members = tuple(it.id for it in items if it.dimension == did)
        dims.append(
            Dimension(
                did,
                {lang: rec.get(f"title::{lang}") for lang in langs},
                members,
                _int(rec.get("min_valid"), f"satscore_dimensions[{did}].min_valid"),
            )
        )
    return build(
        id=meta.get("id") or "",
        version=meta.get("version") or "",
        title=title,
        languages=langs,
        default_language=meta.get("default_language") or "",
        scales=scales,
        items=items,
        dimensions=dims,
        description=description,
        references=tuple(references),
    )

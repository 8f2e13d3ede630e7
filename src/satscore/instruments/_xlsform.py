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
from pathlib import Path
from typing import Any

from satscore._core.errors import InstrumentError, MissingDependencyError
from satscore.instruments._model import (
    SCHEMA_VERSION,
    Condition,
    Dimension,
    Instrument,
    Item,
    MissingCode,
)
from satscore.instruments._model import ResponseScale as Scale

__all__ = ["read_xlsform", "write_xlsform"]

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
_META = ("dimension", "reverse", "scored", "role", "construct")
_LANG_HEADER = re.compile(r"^label::.*\(([^()]+)\)\s*$")
_RELEVANT_PART = re.compile(
    r"^\s*(?:\$\{(?P<a>[A-Za-z_][\w.-]*)\}\s*=\s*(?P<q>['\"]?)(?P<v>-?\d+)(?P=q)"
    r"|selected\(\s*\$\{(?P<b>[A-Za-z_][\w.-]*)\}\s*,\s*(?P<q2>['\"])(?P<w>-?\d+)(?P=q2)\s*\))\s*$"
)


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


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _write_sheet(wb: Any, title: str, rows: list[list[Any]], *, first: bool = False) -> None:
    ws = wb.active if first else wb.create_sheet(title)
    ws.title = title
    for row in rows:
        ws.append([None if v is None or v == "" else str(v) for v in row])
    for row in ws.iter_rows():  # text stays text, even when it starts with "="
        for cell in row:
            if cell.value is not None:
                cell.data_type = "s"


def write_xlsform(inst: Instrument, path: str | Path) -> Path:
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
def _records(wb: Any, name: str, source: str) -> list[dict[str, Any]]:
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


def _flag(value: Any, where: str) -> bool:
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


def _int(value: Any, where: str) -> int:
    try:
        return as_int(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        raise InstrumentError(f"{where}: expected an integer code; found {value!r}.") from None


def read_xlsform(path: str | Path) -> Instrument:
    """Read an XLSForm workbook written by :func:`write_xlsform`."""
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
        return _read(wb, source)
    except InstrumentError as err:
        text = str(err)
        raise InstrumentError(text if text.startswith(source) else f"{source}: {text}") from None
    finally:
        wb.close()


def _read(wb: Any, source: str) -> Instrument:
    if "satscore_instrument" not in wb.sheetnames:
        from satscore.instruments._xlsform_plain import read_plain_xlsform

        return read_plain_xlsform(wb, source)
    meta: dict[str, Any] = {}
    references = []
    for rec in _records(wb, "satscore_instrument", source):
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
    survey = _records(wb, "survey", source)
    choices = _records(wb, "choices", source)
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
    for rec in _records(wb, "satscore_scales", source):
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
                ordinal=_flag(rec.get("ordinal"), f"satscore_scales[{sid}].ordinal"),
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
                reverse=_flag(rec.get("satscore_reverse"), f"{where}.satscore_reverse"),
                relevant=parse_relevant(relevant, f"{where}.relevant") if relevant else None,
                scored=_flag(rec.get("satscore_scored") or "yes", f"{where}.satscore_scored"),
                role=rec.get("satscore_role") or None,
                construct=rec.get("satscore_construct") or None,
            )
        )
    dims = []
    for rec in _records(wb, "satscore_dimensions", source):
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
    return Instrument(
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

"""Import of XLSForms that were *not* written by satscore (designed in ODK, Kobo, ...).

What XLSForm cannot express is inferred conservatively:

* id, version and title come from the ``settings`` sheet (``form_id``, ``version``,
  ``form_title``); languages from the ``label::Name (code)`` headers;
* every ``select_one <list>`` row becomes an item; its choice list becomes a response
  scale whose codes are the (integer) choice names, sorted ascending; a list shown with
  ``appearance = likert`` is ordinal; no code counts as "satisfied" and no code is a missing
  code unless the ``satscore_missing`` column says so;
* ``satscore_*`` columns are honoured when present (dimension, reverse, scored, role,
  construct); dimensions are titled by their id;
* rows of other question types (text, integer, select_multiple, ...) are skipped with a
  :class:`~satscore.errors.SatscoreWarning` naming them; groups, notes and metadata rows are
  ignored.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from satscore._core.errors import InstrumentError, SatscoreWarning
from satscore.instruments._checks import LANG_RE
from satscore.instruments._parts import (
    Dimension,
    InstrumentDefinition,
    Item,
    MissingCode,
    ResponseScale,
)
from satscore.instruments._xlsform_cells import (
    LANGUAGE_NAMES,
    as_int,
    flag,
    parse_relevant,
    records,
)

__all__ = ["read_plain_xlsform"]

_I = TypeVar("_I", bound=InstrumentDefinition)

_IGNORED_TYPES = {
    "begin",
    "end",
    "begin_group",
    "end_group",
    "begin_repeat",
    "end_repeat",
    "note",
    "calculate",
    "start",
    "today",
    "deviceid",
    "username",
    "phonenumber",
    "simserial",
    "subscriberid",
    "audit",
    "hidden",
    "email",
    "start-geopoint",
}
_CODE_IN_PARENS = re.compile(r"\(([^()]+)\)\s*$")
_NAME_TO_CODE = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
_NAME_TO_CODE.update(
    {
        "chinese (simplified)": "zh-Hans",
        "chinese (traditional)": "zh-Hant",
        "中文": "zh",
        "简体中文": "zh-Hans",
        "繁體中文": "zh-Hant",
        "英文": "en",
        "english (us)": "en-US",
        "english (uk)": "en-GB",
    }
)


def _language(header: str, where: str) -> str:
    name = header.split("::", 1)[1].strip()
    m = _CODE_IN_PARENS.search(name)
    if m and LANG_RE.match(m.group(1).strip()):
        return m.group(1).strip()  # 'English (en)', '中文 (zh)', 'Chinese (zh-Hans)'
    if LANG_RE.match(name) and len(name) <= 3:
        return name  # a bare code: 'label::zh'
    code = _NAME_TO_CODE.get(name.lower()) or _NAME_TO_CODE.get(name.split("(")[0].strip().lower())
    if code is None:
        msg = (
            f"{where}: cannot tell the language code of column {header!r}; write the header as "
            f"'label::{name} (xx)' with a two-letter code, e.g. 'label::English (en)'."
        )
        raise InstrumentError(msg)
    return code


def _label_columns(rows: list[dict[str, Any]], where: str, default: str) -> dict[str, str]:
    keys: list[str] = []
    for rec in rows:
        keys += [k for k in rec if k not in keys]
    cols = {_language(k, where): k for k in keys if k.startswith("label::")}
    if not cols and "label" in keys:
        cols = {default: "label"}
    if not cols:
        raise InstrumentError(f"{where}: no 'label' column; add label::English (en) etc.")
    return cols


def _snake(text: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return out if out and out[0].isalpha() else f"form_{out}" if out else "form"


def read_plain_xlsform(build: Callable[..., _I], wb: Any, source: str) -> _I:
    """``build(**fields)`` from a general XLSForm workbook (see the module docstring)."""
    settings = (records(wb, "settings", source) if "settings" in wb.sheetnames else []) or [{}]
    setting = settings[0]
    default_header = (setting.get("default_language") or "").strip()
    survey = records(wb, "survey", source)
    choices = records(wb, "choices", source)
    default = _language(f"label::{default_header}", "settings") if default_header else "en"
    label_cols = _label_columns(survey, "survey", default)
    choice_cols = _label_columns(choices, "choices", default)
    langs = tuple(label_cols)
    if default not in langs:
        default = langs[0]
    lists: dict[str, list[dict[str, Any]]] = {}
    for rec in choices:
        lists.setdefault((rec.get("list_name") or "").strip(), []).append(rec)

    items: list[Item] = []
    used: dict[str, bool] = {}  # list name -> shown as likert
    skipped: list[str] = []
    for pos, rec in enumerate(survey):
        qtype = (rec.get("type") or "").split()
        name = (rec.get("name") or "").strip()
        where = f"survey[{name or f'row {pos + 2}'}]"
        if not qtype or qtype[0].lower() in _IGNORED_TYPES:
            continue
        if qtype[0] != "select_one" or len(qtype) != 2:
            skipped.append(f"{name} ({' '.join(qtype)})")
            continue
        list_name = qtype[1]
        if list_name not in lists:
            msg = f"{where}.type: choice list {list_name!r} is not on the choices sheet; add it."
            raise InstrumentError(msg)
        likert = "likert" in (rec.get("appearance") or "").lower()
        used[list_name] = used.get(list_name, False) or likert
        relevant = (rec.get("relevant") or "").strip()
        items.append(
            Item(
                name,
                {lang: rec.get(col) for lang, col in label_cols.items()},
                list_name,
                dimension=(rec.get("satscore_dimension") or "").strip() or None,
                reverse=flag(rec.get("satscore_reverse"), f"{where}.satscore_reverse"),
                relevant=parse_relevant(relevant, f"{where}.relevant") if relevant else None,
                scored=flag(rec.get("satscore_scored") or "yes", f"{where}.satscore_scored"),
                role=(rec.get("satscore_role") or "").strip() or None,
                construct=(rec.get("satscore_construct") or "").strip() or None,
            )
        )
    if skipped:
        warnings.warn(
            f"{source}: skipped {len(skipped)} question(s) that are not select_one items: "
            f"{', '.join(skipped[:10])}; satscore instruments hold coded single-choice items only.",
            SatscoreWarning,
            stacklevel=4,
        )
    scales = []
    for list_name, likert in used.items():
        rows = lists[list_name]
        where = f"choices[{list_name}]"
        valid, missing = [], []
        for r in rows:
            raw = (r.get("name") or "").strip()
            try:
                code = as_int(raw)
            except (ValueError, OverflowError):
                msg = (
                    f"{where}: choice name {raw!r} is not an integer code; satscore needs "
                    "integer answer codes (e.g. 1..5, 99 for not applicable). Rename the choices."
                )
                raise InstrumentError(msg) from None
            labels = {lang: r.get(col) for lang, col in choice_cols.items() if lang in langs}
            reason = (r.get("satscore_missing") or "").strip()
            if reason:
                missing.append(MissingCode(code, reason, labels))
            else:
                valid.append((code, labels))
        valid.sort(key=lambda pair: pair[0])
        scales.append(
            ResponseScale(
                _snake(list_name),
                tuple(c for c, _ in valid),
                {lang: tuple(lab.get(lang) for _, lab in valid) for lang in langs},
                missing=tuple(sorted(missing, key=lambda m: m.code)),
                satisfied=(),
                ordinal=likert,
            )
        )
    rename = {name: _snake(name) for name in used}
    items = [
        Item(
            it.id,
            it.text,
            rename[it.scale],
            dimension=it.dimension,
            reverse=it.reverse,
            relevant=it.relevant,
            scored=it.scored,
            role=it.role,
            construct=it.construct,
        )
        for it in items
    ]
    dim_ids: list[str] = []
    for it in items:
        if it.dimension is not None and it.dimension not in dim_ids:
            dim_ids.append(it.dimension)
    dims = [
        Dimension(d, dict.fromkeys(langs, d), tuple(i.id for i in items if i.dimension == d))
        for d in dim_ids
    ]
    title = (setting.get("form_title") or "").strip() or (setting.get("form_id") or "form")
    return build(
        id=_snake(setting.get("form_id") or title),
        version=str(setting.get("version") or "1"),
        title=dict.fromkeys(langs, title),
        languages=langs,
        default_language=default,
        scales=scales,
        items=items,
        dimensions=dims,
    )

"""Validate a response frame against an instrument and turn answers into codes.

Vectorised, no Python work per row: numeric columns are coded with array
comparisons (a range test for consecutive codes), text and mixed columns are
mapped once through their distinct values (``pandas.factorize``). Codes are
written straight into one (items x rows) float64 block that becomes the coded
frame without a copy; missing reasons are int8 category codes, wrapped as one
pandas Categorical per item (no per-cell Python strings).
"""

from __future__ import annotations

import decimal
import math
import numbers
from typing import Any, Literal

import numpy as np
import pandas as pd

from satscore._core.checks import check_option
from satscore._core.errors import ResponseValidationError, SatscoreTypeError
from satscore.instruments._checks import normalise_label
from satscore.instruments._parts import InstrumentDefinition, ResponseScale
from satscore.instruments._responses import (
    Problem,
    ValidatedResponses,
    ValidationReport,
    reason_dtype,
)
from satscore.instruments._validate_columns import column_problems, value_label_problems

__all__ = ["Problem", "ValidatedResponses", "ValidationReport", "validate_responses"]

_N_EXAMPLES = 5


# ---------------------------------------------------------------- coding
class _Lookup:
    """Per-scale lookup tables: normalised label / code -> (code, reason)."""

    def __init__(self, scale: ResponseScale, category: dict[str, int]) -> None:
        self.scale = scale
        self.category = category  # reason -> categorical code in missing_reason
        self.codes = np.asarray(scale.codes, dtype=float)
        self.missing = {float(m.code): m.reason for m in scale.missing}
        self.labels: dict[str, tuple[float, str | None]] = {}
        for labels in scale.labels.values():
            for code, label in zip(scale.codes, labels, strict=True):
                self.labels[normalise_label(label)] = (float(code), None)
        for m in scale.missing:
            for label in m.labels.values():
                self.labels[normalise_label(label)] = (math.nan, m.reason)
        self.valid = set(self.codes.tolist())
        steps = np.diff(self.codes)
        #: codes are consecutive integers: a range test replaces one comparison per code
        self.consecutive = bool(
            np.all(self.codes == np.round(self.codes)) and (steps.size == 0 or np.all(steps == 1))
        )

    def number(self, value: float) -> tuple[float, str | None, str | None]:
        if value in self.valid:
            return value, None, None
        if value in self.missing:
            return math.nan, self.missing[value], None
        return math.nan, "invalid", "out_of_range"

    def classify(self, value: Any) -> tuple[float, str | None, str | None]:
        """Return (code or NaN, reason, problem kind) for one distinct raw value."""
        if isinstance(value, bool | np.bool_):  # True/False mean yes/no only on a 0/1 scale
            if self.valid == {0.0, 1.0}:
                return self.number(float(value))
            return math.nan, "invalid", "unknown_label"
        if isinstance(value, complex | np.complexfloating) and value.imag == 0:
            value = value.real  # equal values share one factorize slot (4 == 4+0j)
        if isinstance(value, numbers.Real | decimal.Decimal):
            number = float(value)  # Decimal, numpy scalars, int, float
            if math.isnan(number):
                return math.nan, "blank", None
            return self.number(number)
        if isinstance(value, str):
            key = normalise_label(value)
            if not key:
                return math.nan, "blank", None
            if key in self.labels:
                code, reason = self.labels[key]
                return code, reason, None
            try:
                number = float(key)
            except ValueError:
                return math.nan, "invalid", "unknown_label"
            if math.isnan(number):
                return math.nan, "blank", None
            return self.number(number)
        return math.nan, "invalid", "unknown_label"

    def valid_mask(self, values: np.ndarray) -> np.ndarray:
        """True where a float value is one of the scale's codes (NaN is never valid)."""
        if self.consecutive:
            lo, hi = self.codes[0], self.codes[-1]
            return (values >= lo) & (values <= hi) & (np.floor(values) == values)
        return np.isin(values, self.codes)


def _code_column(
    series: pd.Series, lookup: _Lookup, out: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Code one column into *out* (float64); return reason codes (int8) and problem masks.

    Reason codes index the categories of ``missing_reason`` (-1 = valid answer).
    """
    cat = lookup.category
    dtype = series.dtype
    if (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not isinstance(dtype, pd.CategoricalDtype)
    ):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        valid = lookup.valid_mask(values)
        blank = np.isnan(values)
        # reason codes by arithmetic on 0/1 bytes (masked assignment is slower on mixed masks)
        reasons = blank.view(np.int8) * np.int8(cat["blank"] + 1)
        known = valid | blank
        for code, reason in lookup.missing.items():
            hit = values == code
            if hit.any():
                reasons += hit.view(np.int8) * np.int8(cat[reason] + 1)
                known |= hit
        bad = ~known
        any_bad = bool(bad.any())
        if any_bad:
            reasons += bad.view(np.int8) * np.int8(cat["invalid"] + 1)
        reasons -= np.int8(1)
        out[...] = values
        drop = ~valid & ~blank  # missing codes and bad values become NaN
        if drop.any():
            out[drop] = np.nan
        return reasons, ({"out_of_range": bad} if any_bad else {})
    try:
        idx, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts): compare them by their text
        series = series.map(_hashable)
        idx, uniques = pd.factorize(series, use_na_sentinel=True)
    results = [lookup.classify(u) for u in uniques]
    u_codes = np.array([r[0] for r in results] + [math.nan], dtype=float)
    u_reasons = np.array(
        [-1 if r[1] is None else cat[r[1]] for r in results] + [cat["blank"]], dtype=np.int8
    )
    u_kind = np.array([r[2] or "" for r in results] + [""], dtype=object)
    np.take(u_codes, idx, out=out, mode="wrap")  # idx == -1 picks the appended "blank" entry
    reasons = u_reasons[idx]
    masks = {}
    for kind in ("out_of_range", "unknown_label"):
        u_mask = np.append(u_kind[:-1] == kind, False)
        if u_mask.any():
            masks[kind] = u_mask[idx]
    return reasons, masks


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _examples(values: pd.Series | np.ndarray, mask: np.ndarray) -> tuple[Any, ...]:
    chosen = np.asarray(values, dtype=object)[mask]
    try:
        picked = pd.unique(chosen)[:_N_EXAMPLES]
    except TypeError:  # unhashable cells
        picked = pd.unique(np.array([_hashable(v) for v in chosen[:1000]], dtype=object))
        picked = picked[:_N_EXAMPLES]
    out = []
    for v in picked:
        v = v.item() if isinstance(v, np.generic) else v
        out.append(int(v) if isinstance(v, float) and v.is_integer() else v)
    return tuple(out)


def _rows(index: pd.Index, mask: np.ndarray) -> tuple[Any, ...]:
    return tuple(index[np.flatnonzero(mask)[:_N_EXAMPLES]].tolist())


def _scale_text(scale: ResponseScale) -> str:
    missing = ", ".join(f"{m.code} ({m.reason})" for m in scale.missing)
    text = f"valid codes of scale {scale.id!r} are {scale.min}..{scale.max}"
    return text + (f", missing codes {missing}" if missing else "")


def validate_responses(
    instrument: InstrumentDefinition,
    responses: pd.DataFrame,
    *,
    id_column: str | None = None,
    on_invalid: Literal["raise", "coerce"] = "raise",
) -> ValidatedResponses:
    """Check *responses* against *instrument* and code every answer.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire the responses answer.
    responses : pandas.DataFrame
        One row per respondent, one column per item (named by item id), plus
        any segment columns. Answers may be codes (numbers or numeric strings
        such as ``"4"`` or ``"4.0"``), labels in any declared language (case and
        spacing ignored), missing codes (e.g. 99) or missing-code labels, or blank.
    id_column : str, optional
        Column of respondent ids; it becomes the (unique) index of the result.
    on_invalid : {"raise", "coerce"}
        ``"raise"``: raise :class:`~satscore.errors.ResponseValidationError`
        listing every problem. ``"coerce"``: bad cells become NaN with reason
        ``"invalid"`` and the report says how many and where. Missing or
        duplicate respondent ids always raise.

    Returns
    -------
    ValidatedResponses
        ``data`` holds float64 codes; ``missing_reason`` one categorical column
        per item (NaN where the answer is valid).

    Notes
    -----
    Routing: an item with ``relevant: PR00 = 1`` is *not asked* when PR00 has a
    valid answer other than 1, or when PR00 itself has no valid answer; a
    non-answer in such a row gets reason ``"not_asked"``. An actual answer in a
    row where PR00 was answered with another code (or, in a chain of routed
    items, where PR00 itself was routed out that way) breaks the routing and is a
    problem (answers are kept when PR00 is missing). Columns that are not items
    are reported as notes and kept unchanged. The caller's frame is never
    modified.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import load_instrument
    >>> inst = load_instrument("csat")
    >>> df = pd.DataFrame(
    ...     {"CSAT01": [5, "Satisfied", "非常不满意", 99, None], "branch": list("ABABA")}
    ... )
    >>> vr = inst.validate(df)
    >>> vr.data["CSAT01"].tolist()
    [5.0, 4.0, 1.0, nan, nan]
    >>> vr.missing_reason["CSAT01"].tolist()  # NaN: a valid answer
    [nan, nan, nan, 'not_applicable', 'blank']
    >>> list(vr.missing_reason["CSAT01"].cat.categories)
    ['blank', 'invalid', 'not_applicable', 'not_asked']
    >>> [p.kind for p in vr.report.problems], vr.report.ok
    (['unknown_column'], True)
    """
    if not isinstance(responses, pd.DataFrame):
        msg = (
            f"responses must be a pandas DataFrame; found {type(responses).__name__}. "
            "Read your file with satscore.read_responses(path) or wrap it in pandas.DataFrame."
        )
        raise SatscoreTypeError(msg)
    check_option("on_invalid", on_invalid, ("raise", "coerce"))
    coerce = on_invalid == "coerce"
    problems: list[Problem] = []
    fatal: list[Problem] = []
    columns = list(responses.columns)
    dup_cols = pd.Index(columns)[pd.Index(columns).duplicated()].unique().tolist()
    if dup_cols:
        fatal.append(
            Problem(
                "duplicate_column",
                str(dup_cols[0]),
                len(responses),
                tuple(dup_cols[:_N_EXAMPLES]),
                "give every column a unique name",
                f"{len(dup_cols)} column name(s) occur more than once",
            )
        )
        _raise(instrument, fatal, len(responses))

    # -- respondent ids
    if id_column is not None:
        if id_column not in columns:
            fatal.append(
                Problem(
                    "missing_id_column",
                    id_column,
                    len(responses),
                    (),
                    "pass id_column= (command line: --id-column) one of the columns "
                    f"{columns[:10]} or None",
                    "the id column is not in the responses",
                )
            )
            _raise(instrument, fatal, len(responses))
        ids = responses[id_column]
        null = ids.isna().to_numpy()
        if null.any():
            fatal.append(
                Problem(
                    "missing_id",
                    id_column,
                    int(null.sum()),
                    (),
                    "give every respondent an id (or drop those rows)",
                    f"{int(null.sum())} row(s) have no respondent id",
                    rows=_rows(responses.index, null),
                )
            )
        index = pd.Index(ids.array, name=id_column, copy=True)
        # one hash pass when the ids are unique (the usual case); its table stays cached
        # on the index for later lookups
        clean = not null.any() and index.is_unique
        dup = None if clean else ids.duplicated(keep=False).to_numpy() & ~null
        if dup is not None and dup.any():
            fatal.append(
                Problem(
                    "duplicate_id",
                    id_column,
                    int(dup.sum()),
                    _examples(ids, dup),
                    "each respondent must appear once; remove duplicate submissions or fix the ids",
                    f"{int(dup.sum())} row(s) share a respondent id with another row",
                    rows=_rows(responses.index, dup),
                )
            )
        if fatal:
            _raise(instrument, fatal + problems, len(responses))
    else:
        index = responses.index.copy()

    # -- columns
    item_ids = [it.id for it in instrument.items]
    item_set = set(item_ids)
    present = set(columns)
    problems += column_problems(instrument, columns, id_column, len(responses), coerce)
    problems += value_label_problems(instrument, getattr(responses, "attrs", {}) or {})

    # -- code every item, in questionnaire order (screeners come before their items),
    # straight into one (items x rows) float block: the frame is built on it without a copy
    n = len(responses)
    out_order = [c for c in columns if c != id_column]
    out_order += [i for i in item_ids if i not in present]
    item_order = [c for c in out_order if c in item_set]
    block = np.empty((len(item_order), n))
    codes = {item_id: block[j] for j, item_id in enumerate(item_order)}
    dtype = reason_dtype(instrument)
    category = {str(r): i for i, r in enumerate(dtype.categories)}
    reasons: dict[str, np.ndarray] = {}
    routed_out: dict[str, np.ndarray] = {}  # rows that routing positively excluded, per item
    n_coerced = 0
    lookups: dict[str, _Lookup] = {}
    for item in instrument.items:
        scale = instrument.scale(item.scale)
        lookup = lookups.setdefault(scale.id, _Lookup(scale, category))
        code = codes[item.id]
        if item.id not in present:
            code[...] = np.nan
            reason = np.full(n, category["blank"], dtype=np.int8)
        else:
            raw = responses[item.id]
            reason, masks = _code_column(raw, lookup, code)
            for kind, mask in masks.items():
                count = int(mask.sum())
                problems.append(_value_problem(instrument, item.id, kind, raw, mask, index, coerce))
                n_coerced += count
        cond = item.relevant
        if cond is not None:
            screener = codes[cond.item]
            asked = np.isin(screener, np.asarray(cond.values, dtype=float))
            answered = ~np.isnan(code)
            # routed out: the screener was answered with another code, or was itself routed out
            said_no = ~np.isnan(screener)
            if cond.item in routed_out:
                said_no |= routed_out[cond.item]
            routed_out[item.id] = ~asked & said_no
            broken = routed_out[item.id] & answered
            if broken.any():
                count = int(broken.sum())
                problems.append(
                    Problem(
                        "routing",
                        item.id,
                        count,
                        _examples(responses[item.id], broken),
                        f"{item.id} is asked only if {cond}; blank these answers or correct "
                        f"{cond.item}"
                        + (
                            " (coerced to missing, reason 'invalid')"
                            if coerce
                            else " (or pass on_invalid='coerce' to drop the answers)"
                        ),
                        f"{count} row(s) answer {item.id} although {cond.item} was answered "
                        f"with a code other than {', '.join(map(str, cond.values))}"
                        + (" or was itself routed out" if cond.item in routed_out else ""),
                        rows=_rows(index, broken),
                    )
                )
                code[broken] = np.nan
                reason[broken] = category["invalid"]
                n_coerced += count
            skipped = ~asked & ~answered & (reason != category["invalid"])
            reason = np.where(skipped, np.int8(category["not_asked"]), reason)
        reasons[item.id] = reason

    report = ValidationReport(tuple(problems), n, on_invalid, n_coerced if coerce else 0)
    if not coerce and not report.ok:
        _raise(instrument, problems, n)

    data = _assemble(responses, out_order, item_order, block, index)
    missing_reason = pd.DataFrame(
        {i: pd.Categorical.from_codes(reasons[i], dtype=dtype, validate=False) for i in item_ids},
        index=index,
        copy=False,
    )
    return ValidatedResponses(data, missing_reason, report, instrument)


def _value_problem(
    instrument: InstrumentDefinition,
    item_id: str,
    kind: str,
    raw: pd.Series,
    mask: np.ndarray,
    index: pd.Index,
    coerce: bool,
) -> Problem:
    """The problem report for bad values (out-of-range numbers or unknown text) of one item."""
    scale = instrument.item_scale(item_id)
    count = int(mask.sum())
    if kind == "out_of_range":
        message = f"{count} row(s) hold numbers that are not codes of the item"
        fix = f"{_scale_text(scale)}; correct the values"
    else:
        labels = ", ".join(repr(v[0]) for v in scale.labels.values())
        message = f"{count} row(s) hold text that is no label of scale {scale.id!r}"
        fix = (
            f"use a code or a label of scale {scale.id!r} in any declared language "
            f"({', '.join(instrument.languages)}), e.g. {labels}; {_scale_text(scale)}"
        )
    fix += (
        " (coerced to missing, reason 'invalid')"
        if coerce
        else " (or pass on_invalid='coerce' to treat them as missing)"
    )
    return Problem(
        kind, item_id, count, _examples(raw, mask), fix, message, rows=_rows(index, mask)
    )


_MAX_INSERTS = 50  # more non-item columns: one concatenation (copies the codes) instead


def _assemble(
    responses: pd.DataFrame,
    out_order: list[Any],
    item_order: list[str],
    block: np.ndarray,
    index: pd.Index,
) -> pd.DataFrame:
    """The coded frame: item codes (one float block, not copied) and copies of the other columns."""
    data = pd.DataFrame(block.T, index=index, columns=item_order, copy=False)
    items = set(item_order)
    others = [(pos, col) for pos, col in enumerate(out_order) if col not in items]
    if len(others) > _MAX_INSERTS:
        seg = pd.DataFrame({col: responses[col].array for _, col in others}, index=index, copy=True)
        return pd.concat([data, seg], axis=1)[out_order]
    for pos, col in others:  # increasing positions: each lands at its final place
        data.insert(pos, col, responses[col].array.copy())
    return data


def _raise(instrument: InstrumentDefinition, problems: list[Problem], n_rows: int) -> None:
    errors = [p for p in problems if p.severity == "error"]
    lines = [
        f"responses do not conform to instrument {instrument.id!r}: {len(errors)} problem(s) "
        f"in {n_rows} row(s):"
    ]
    lines += [f"  - {p}" for p in errors]
    raise ResponseValidationError("\n".join(lines), problems=list(problems))

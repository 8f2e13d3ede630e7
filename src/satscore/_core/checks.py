"""Argument checks shared by every public function.

Each check raises a typed :mod:`satscore.errors` exception whose message says
what was found, what is required and how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DataError, OptionError, SatscoreTypeError

__all__ = [
    "check_columns",
    "check_confidence_level",
    "check_option",
    "check_probability",
    "check_rng",
    "numeric_frame",
]


def close_matches(name: Any, columns: Iterable[Any]) -> str:
    """`` Close matches: 'a', 'b'.`` for a misspelt column name, or ``""``."""
    labels = [str(c) for c in columns]
    close = difflib.get_close_matches(str(name), labels, n=3, cutoff=0.5)
    return f" Close matches: {', '.join(repr(c) for c in close)}." if close else ""


def check_columns(
    columns: Iterable[Any],
    names: Iterable[Any],
    *,
    what: str = "column",
    where: str = "in the data",
    fix: str = "pass an existing column name",
    error: type[Exception] = DataError,
) -> None:
    """Raise *error* naming the first of *names* that is not one of *columns*.

    Every "column not in the data" check of satscore goes through here, so each says the
    same three things: which name was not found (with close matches), which columns there
    are, and how to fix it.

    Parameters
    ----------
    columns : iterable
        The columns there are (``frame.columns``, a schema's names).
    names : iterable
        The columns needed.
    what : str
        What the caller calls the column (``"stratum column"``, ``"item"``).
    where : str
        The rest of the sentence after ``is not``: ``"in the frame"``,
        ``"a column of design_a.data"``.
    fix : str
        How to fix it, in the caller's terms.
    error : type
        The exception class (a :class:`~satscore.errors.SatscoreError` subclass).

    Examples
    --------
    >>> check_columns(["branch", "quarter"], ["quarter"])
    >>> check_columns(["branch", "quarter"], ["brnch"], what="by column")
    Traceback (most recent call last):
    ...
    satscore.errors.DataError: by column 'brnch' is not in the data. Close matches: 'branch'. ...
    """
    present = list(columns)
    have = set(present)
    for name in names:
        if name in have:
            continue
        shown = ", ".join(repr(c) for c in present[:10])
        more = f" (and {len(present) - 10} more)" if len(present) > 10 else ""
        msg = (
            f"{what} {name!r} is not {where}.{close_matches(name, present)} "
            f"Columns: {shown or 'none'}{more}. Fix: {fix}."
        )
        raise error(msg)


def check_option(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return *value* if it is one of *allowed*, else raise :class:`OptionError`.

    Examples
    --------
    >>> check_option("missing", "pairwise", ("pairwise", "listwise"))
    'pairwise'
    >>> check_option("missing", "pair", ("pairwise", "listwise"))
    Traceback (most recent call last):
    ...
    satscore.errors.OptionError: missing='pair' is not supported; use one of 'pairwise', 'listwise'.
    """
    allowed = tuple(allowed)
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        msg = f"{name}={value!r} is not supported; use one of {choices}."
        raise OptionError(msg)
    return value


def check_confidence_level(confidence_level: Any) -> float:
    """Validate a confidence level in the open interval (0, 1)."""
    try:
        level = float(confidence_level)
    except (TypeError, ValueError):
        msg = (
            f"confidence_level must be a number in (0, 1); found {confidence_level!r}. "
            "Pass e.g. confidence_level=0.95."
        )
        raise OptionError(msg) from None
    if not 0.0 < level < 1.0:
        msg = (
            f"confidence_level must lie strictly between 0 and 1; found {level!r}. "
            "Pass a fraction such as 0.95, not a percentage such as 95."
        )
        raise OptionError(msg)
    return level


def check_probability(name: str, value: Any, *, closed_high: bool = False) -> float:
    """Validate a proportion in (0, 1) (or (0, 1] with ``closed_high``)."""
    try:
        p = float(value)
    except (TypeError, ValueError):
        msg = f"{name} must be a number in (0, 1); found {value!r}."
        raise OptionError(msg) from None
    ok = 0.0 < p <= 1.0 if closed_high else 0.0 < p < 1.0
    if not ok:
        bound = "(0, 1]" if closed_high else "(0, 1)"
        msg = (
            f"{name} must lie in {bound}; found {p!r}. "
            "Give a fraction such as 0.3, not a percentage such as 30."
        )
        raise OptionError(msg)
    return p


def check_rng(seed: Any) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` from ``None``, an int or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    msg = (
        f"seed must be None, an int or a numpy.random.Generator; found {type(seed).__name__}. "
        "Pass e.g. seed=42 for a reproducible result."
    )
    raise SatscoreTypeError(msg)


def numeric_frame(
    data: Any,
    *,
    min_columns: int = 1,
    min_rows: int = 1,
    what: str = "data",
) -> pd.DataFrame:
    """Return a float64 copy of *data* as a DataFrame, checking it is usable.

    Accepts a DataFrame or a 2-D array. Raises :class:`DataError` naming the
    offending column for non-numeric values, all-missing columns, or too few
    rows/columns. The caller's object is never modified.
    """
    if isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(data, np.ndarray) and data.ndim == 2:
        frame = pd.DataFrame(data, columns=[f"x{i + 1}" for i in range(data.shape[1])])
    else:
        msg = (
            f"{what} must be a pandas DataFrame or a 2-D numpy array; found "
            f"{type(data).__name__}. Wrap your data with pandas.DataFrame(...)."
        )
        raise SatscoreTypeError(msg)
    bad = [c for c in frame.columns if not _is_numeric(frame[c])]
    if bad:
        col = bad[0]
        sample = frame[col].dropna().astype(str).unique()[:3].tolist()
        msg = (
            f"column {col!r} of {what} is not numeric (found values such as {sample}); "
            f"item responses must be numeric codes. Convert labels to codes first, e.g. "
            f"with instrument.validate(...), or drop the column."
            + (f" Other non-numeric columns: {bad[1:]}." if len(bad) > 1 else "")
        )
        raise DataError(msg)
    out = frame.astype("float64")  # a new object (copy-on-write in pandas 3)
    out.columns = [str(c) for c in out.columns]
    if out.shape[1] < min_columns:
        msg = (
            f"{what} has {out.shape[1]} item column(s); at least {min_columns} are required. "
            "Pass a DataFrame with one column per item."
        )
        raise DataError(msg)
    empty = [c for c in out.columns if out[c].isna().all()]
    if empty:
        msg = (
            f"column {empty[0]!r} of {what} has no non-missing values; "
            "drop it before computing statistics."
        )
        raise DataError(msg)
    if out.shape[0] < min_rows:
        msg = f"{what} has {out.shape[0]} row(s); at least {min_rows} respondents are required."
        raise DataError(msg)
    return out


def _is_numeric(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series.dtype):
        return True
    if pd.api.types.is_numeric_dtype(series.dtype):
        return True
    if series.dtype == object:
        non_null = series.dropna()
        return bool(len(non_null) == 0 or non_null.map(lambda v: isinstance(v, (int, float))).all())
    return False


def as_flags(values: Any) -> np.ndarray:
    """Boolean array of yes/no flags: missing values are False, others by truthiness.

    The same on pandas 2 and 3 (``Series.fillna(False)`` on object data warns about
    downcasting on pandas 2.2).

    Examples
    --------
    >>> as_flags([True, None, 0, 1.0, float("nan")]).tolist()
    [True, False, False, True, False]
    """
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    present = s.notna().to_numpy()
    out = np.zeros(len(s), dtype=bool)
    out[present] = s[present].astype(bool).to_numpy()
    return out


def append_total(table: pd.DataFrame, total: dict[str, Any]) -> pd.DataFrame:
    """``table`` with a ``total`` row appended (columns the total leaves out are missing).

    Each column of the new row takes the table column's dtype where it can hold the
    value (a missing value in an integer or boolean column makes that column float or
    object, as pandas does), so pandas 2.2 and 3 give the same result and no warning
    about all-missing entries.

    Examples
    --------
    >>> t = pd.DataFrame({"stratum": ["a", "b"], "N": [10, 20], "rate": [0.1, 0.2]})
    >>> append_total(t, {"stratum": "total", "N": 30}).to_dict("list")
    {'stratum': ['a', 'b', 'total'], 'N': [10, 20, 30], 'rate': [0.1, 0.2, nan]}
    """
    row = {}
    for col in table.columns:
        value = total.get(col)
        dtype = table[col].dtype
        if value is None or (isinstance(value, float) and np.isnan(value)):
            kind = getattr(dtype, "kind", "O")
            # integers cannot hold a missing value (float, as pandas), nor can booleans
            missing_dtype = float if kind in "iu" else object if kind == "b" else dtype
            row[col] = pd.Series([None], dtype=missing_dtype)
        else:
            row[col] = pd.Series([value])
    return pd.concat([table, pd.DataFrame(row)], ignore_index=True)

"""Read response files (CSV, Excel, Parquet, SPSS) into a DataFrame for validation.

Optional formats need extras: Excel ``satscore[xlsform]`` (openpyxl), Parquet
``satscore[parquet]`` (pyarrow), SPSS ``satscore[spss]`` (pyreadstat).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from .errors import DataError, MissingDependencyError

__all__ = ["read_responses"]

_FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".sav": "spss",
    ".zsav": "spss",
}


def _require(module: str, extra: str, what: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        msg = (
            f"reading {what} files needs the optional package {module!r}, which is not "
            f'installed; install it with: pip install "satscore[{extra}]"'
        )
        raise MissingDependencyError(msg) from None


def read_responses(
    path: str | Path,
    *,
    format: str | None = None,
    sheet_name: str | int = 0,
    encoding: str = "utf-8-sig",
    id_column: str | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Read a response file into a DataFrame ready for :meth:`Instrument.validate`.

    Parameters
    ----------
    path : str or path
        A ``.csv``/``.txt`` (comma), ``.tsv`` (tab), ``.xlsx``/``.xlsm``,
        ``.parquet`` or ``.sav``/``.zsav`` (SPSS) file.
    format : {"csv", "tsv", "excel", "parquet", "spss"}, optional
        Override the format implied by the file extension.
    sheet_name : str or int, default 0
        Excel sheet to read.
    encoding : str, default "utf-8-sig"
        Text encoding of CSV/TSV files (UTF-8 with or without a byte-order
        mark); use e.g. ``"gbk"`` for files saved by older Chinese Excel.
    id_column : str, optional
        Column of respondent ids to read as text in CSV/TSV/Excel files, so
        ids such as ``"00123"`` keep their leading zeros.
    **kwargs
        Passed to the underlying pandas/pyreadstat reader.

    Returns
    -------
    pandas.DataFrame
        The answers as stored: codes, labels or blanks. For SPSS files the
        numeric codes are returned (user-missing codes such as 99 are kept as
        values, not turned into NaN), and ``df.attrs`` holds
        ``"value_labels"`` (column -> {code: label}), ``"column_labels"``
        (column -> question text) and ``"user_missing"`` (column -> missing
        codes or ranges), so nothing in the file is lost.

    Raises
    ------
    satscore.errors.MissingDependencyError
        When the optional reader package is not installed (names the extra).
    satscore.errors.DataError
        When the file does not exist, has an unsupported type, or cannot be decoded.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from satscore import read_responses, load_instrument
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> text = "CSAT01,branch\\n5,A\\n满意,B\\n99,A\\n"
    >>> _ = (folder / "r.csv").write_text(text, encoding="utf-8")
    >>> df = read_responses(folder / "r.csv")
    >>> load_instrument("csat").validate(df).data["CSAT01"].tolist()
    [5.0, 4.0, nan]
    """
    path = Path(path)
    fmt = format if format is not None else _FORMATS.get(path.suffix.lower())
    if fmt not in ("csv", "tsv", "excel", "parquet", "spss"):
        found = f"format={format!r}" if format is not None else f"extension {path.suffix!r}"
        msg = (
            f"cannot read {path.name}: unsupported {found}; supported are .csv, .tsv, "
            ".xlsx/.xlsm (Excel), .parquet and .sav/.zsav (SPSS). Save the file in one of "
            "these formats or pass format='csv' etc."
        )
        raise DataError(msg)
    if not path.is_file():
        msg = f"response file {str(path)!r} does not exist; check the path."
        raise DataError(msg)
    if id_column is not None and fmt in ("csv", "tsv", "excel"):
        dtype = kwargs.pop("dtype", None)
        if dtype is None:
            dtype = {id_column: str}
        elif isinstance(dtype, dict):
            dtype = {id_column: str, **dtype}
        kwargs["dtype"] = dtype
    if fmt in ("csv", "tsv"):
        sep = kwargs.pop("sep", "\t" if fmt == "tsv" else ",")
        try:
            return pd.read_csv(path, sep=sep, encoding=encoding, **kwargs)
        except UnicodeDecodeError as err:
            msg = (
                f"cannot decode {path.name} as {encoding} ({err.reason} at byte {err.start}); "
                "pass the file's encoding, e.g. read_responses(path, encoding='gbk')."
            )
            raise DataError(msg) from None
    if fmt == "excel":
        _require("openpyxl", "xlsform", "Excel")
        return pd.read_excel(path, sheet_name=sheet_name, engine="openpyxl", **kwargs)
    if fmt == "parquet":
        _require("pyarrow", "parquet", "Parquet")
        return pd.read_parquet(path, engine="pyarrow", **kwargs)
    return _read_spss(path, **kwargs)


def _read_spss(path: Path, **kwargs: Any) -> pd.DataFrame:
    pyreadstat = _require("pyreadstat", "spss", "SPSS")
    kwargs.setdefault("user_missing", True)
    kwargs.setdefault("apply_value_formats", False)
    reader = pyreadstat.read_sav
    df, meta = reader(str(path), **kwargs)
    user_missing: dict[str, list[Any]] = {}
    for col, ranges in (meta.missing_ranges or {}).items():
        values: list[Any] = []
        for r in ranges:
            lo, hi = r.get("lo"), r.get("hi")
            values.append(_as_code(lo) if lo == hi else [_as_code(lo), _as_code(hi)])
        user_missing[col] = values
    df.attrs["value_labels"] = {
        col: {_as_code(k): v for k, v in labels.items()}
        for col, labels in (meta.variable_value_labels or {}).items()
    }
    df.attrs["column_labels"] = {
        c: lab for c, lab in zip(meta.column_names, meta.column_labels, strict=False) if lab
    }
    df.attrs["user_missing"] = user_missing
    return df


def _as_code(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

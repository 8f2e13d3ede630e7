"""Read response files (CSV, Excel, Parquet, SPSS) into a DataFrame for validation.

Optional formats need extras: Excel ``satscore[xlsform]`` (openpyxl), Parquet
``satscore[parquet]`` (pyarrow), SPSS ``satscore[spss]`` (pyreadstat).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from satscore._core.errors import DataError, MissingDependencyError

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
    encoding: str | None = None,
    id_column: str | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Read a response file into a DataFrame ready for :meth:`Instrument.validate`.

    Parameters
    ----------
    path : str or path
        A ``.csv``/``.txt`` (comma, semicolon or tab, detected from the header
        line), ``.tsv`` (tab), ``.xlsx``/``.xlsm``, ``.parquet`` or
        ``.sav``/``.zsav`` (SPSS) file.
    format : {"csv", "tsv", "excel", "parquet", "spss"}, optional
        Override the format implied by the file extension.
    sheet_name : str or int, default 0
        Excel sheet to read.
    encoding : str, optional
        Text encoding of CSV/TSV files. Default: UTF-16 when the file starts
        with a UTF-16 byte-order mark (Excel's "Unicode text"), else UTF-8
        with or without a byte-order mark. Use e.g. ``"gbk"`` for CSV files
        saved by Chinese Excel (the error message says when a file looks like
        GBK).
    id_column : str, optional
        Column of respondent ids to read as text in CSV/TSV/Excel files, so
        ids such as ``"00123"`` keep their leading zeros.
    **kwargs
        Passed to the underlying pandas/pyreadstat reader.

    Returns
    -------
    pandas.DataFrame
        The answers as stored: codes, labels or blanks. As with pandas, empty
        cells and the usual missing-value markers (``NA``, ``N/A``, ``NULL``,
        ``nan``, ...) of CSV and Excel files are read as blank; pass
        ``keep_default_na=False, na_values=[""]`` to keep such text (then
        :meth:`~satscore.instruments.Instrument.validate` reports it). For
        SPSS files the numeric codes are returned (user-missing codes such as
        99 are kept as values, not turned into NaN), and ``df.attrs`` holds
        ``"value_labels"`` (column -> {code: label}), ``"column_labels"``
        (column -> question text) and ``"user_missing"`` (column -> missing
        codes or ranges), so nothing in the file is lost.

    Raises
    ------
    satscore.errors.MissingDependencyError
        When the optional reader package is not installed (names the extra).
    satscore.errors.DataError
        When the file does not exist, has an unsupported type, is empty or
        damaged, or cannot be decoded (the message names the file and the fix).

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
            f"cannot read {str(path)!r}: unsupported {found}; supported are .csv, .tsv, "
            ".xlsx/.xlsm (Excel), .parquet and .sav/.zsav (SPSS). Save the file in one of "
            "these formats or pass format='csv' etc."
        )
        raise DataError(msg)
    if path.is_dir():
        msg = f"response file {str(path)!r} is a directory; give the path of a file in it."
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
        return _read_text(path, fmt, encoding, kwargs)
    if fmt == "excel":
        _require("openpyxl", "xlsform", "Excel")
        with _damaged(path, "an Excel .xlsx workbook", "open it in Excel and save it as .xlsx"):
            return pd.read_excel(path, sheet_name=sheet_name, engine="openpyxl", **kwargs)
    if fmt == "parquet":
        _require("pyarrow", "parquet", "Parquet")
        with _damaged(path, "a Parquet file", "write it again, e.g. with DataFrame.to_parquet"):
            return pd.read_parquet(path, engine="pyarrow", **kwargs)
    return _read_spss(path, **kwargs)


@contextlib.contextmanager
def _damaged(path: Path, what: str, fix: str) -> Iterator[None]:
    """Turn a reader's own exception into a DataError naming the file, the cause and the fix."""
    try:
        yield
    except (DataError, MissingDependencyError, TypeError, UnicodeDecodeError):
        raise  # TypeError: a wrong keyword argument is the caller's mistake, keep it as is
    except pd.errors.EmptyDataError:
        raise
    except LookupError as err:  # unknown codec name
        msg = (
            f"cannot read {str(path)!r}: {err}; pass a Python codec name such as 'utf-8', "
            "'utf-8-sig', 'gbk' or 'latin-1' as encoding."
        )
        raise DataError(msg) from None
    except Exception as err:
        cause = " ".join(str(err).split()).rstrip(".") or type(err).__name__
        if isinstance(err, ValueError) and cause.startswith("Worksheet"):
            fix = f"pass sheet_name= one of the workbook's sheets {_sheets(path)}"
        msg = f"cannot read {str(path)!r} as {what}: {cause}; {fix}."
        raise DataError(msg) from err


def _sheets(path: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _sniff(path: Path, encoding: str | None) -> tuple[str, str]:
    """(encoding, separator) of a text file from its first bytes and header line."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if encoding is None:
        encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        first = head.decode(encoding, errors="ignore").splitlines()[0] if head else ""
    except LookupError:  # unknown codec name: pandas reports it
        first = ""
    for sep in (",", "\t", ";"):
        if sep in first:
            return encoding, sep
    return encoding, ","


def _looks_chinese(path: Path) -> bool:
    """True when the file's first bytes decode as GB18030 into CJK text (Chinese Excel)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    try:
        text = head.decode("gb18030", errors="strict")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # a character cut at the end of the sample is fine
            return False
        text = head[: err.start].decode("gb18030")
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def decode_error(path: Path, enc: str, err: UnicodeDecodeError) -> DataError:
    """The DataError for a text file that does not decode as ``enc`` (names the likely fix)."""
    if _looks_chinese(path):
        hint = (
            "it decodes as Chinese text in GBK/GB18030 (the encoding of CSV files saved by "
            "Chinese Excel): if so pass encoding='gbk' (command line: --encoding gbk) or "
            "save it from Excel as 'CSV UTF-8'; otherwise pass the file's encoding, e.g. "
            "'latin-1'"
        )
    else:
        hint = (
            "pass the file's encoding, e.g. encoding='gbk' or 'latin-1' (command line: "
            "--encoding gbk), or save it as UTF-8"
        )
    msg = f"cannot decode {str(path)!r} as {enc} ({err.reason} at byte {err.start}); {hint}."
    return DataError(msg)


def _read_text(path: Path, fmt: str, encoding: str | None, kwargs: dict[str, Any]) -> pd.DataFrame:
    enc, sniffed = _sniff(path, encoding)
    sep = kwargs.pop("sep", "\t" if fmt == "tsv" else sniffed)
    try:
        fix = (
            "check the separator and quoting (sep=), or skip title rows above the column names "
            "(header=N; command line: --header N)"
        )
        with _damaged(path, "a delimited text file", fix):
            return pd.read_csv(path, sep=sep, encoding=enc, **kwargs)
    except UnicodeDecodeError as err:
        raise decode_error(path, enc, err) from None
    except pd.errors.EmptyDataError:
        msg = (
            f"response file {str(path)!r} is empty (no header row); export the responses "
            "again with one header row of column names."
        )
        raise DataError(msg) from None


def _read_spss(path: Path, **kwargs: Any) -> pd.DataFrame:
    pyreadstat = _require("pyreadstat", "spss", "SPSS")
    kwargs.setdefault("user_missing", True)
    kwargs.setdefault("apply_value_formats", False)
    reader = pyreadstat.read_sav
    with _damaged(path, "an SPSS .sav file", "save it again from SPSS as .sav"):
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

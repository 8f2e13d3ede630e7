"""One adapter from every supported data source to a stream of pandas chunks.

satscore's statistics accept three kinds of data:

* a :class:`pandas.DataFrame` (in memory; one chunk);
* an iterable or iterator of DataFrame chunks, e.g. ``pd.read_csv(path,
  chunksize=100_000)``, a list of frames, Parquet row groups
  (:func:`read_chunks`), or pyarrow ``Table``/``RecordBatch`` objects;
* a ``dask.dataframe.DataFrame`` (extra ``dask``), whose partitions are the chunks.

:func:`iter_chunks` turns any of them into DataFrames, checking that every
chunk has the columns and compatible dtypes of the first one. Integer and
float columns are compatible (a CSV chunk with a blank cell reads an integer
column as float); a column that is entirely missing in a chunk is compatible
with any dtype; otherwise a column must keep its kind (numeric, boolean,
text, datetime, categorical).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pandas as pd

from satscore._core.errors import ChunkError, MissingDependencyError, SatscoreTypeError

__all__ = [
    "import_dask",
    "is_dask",
    "is_out_of_core",
    "is_reiterable",
    "iter_chunks",
]


def import_dask() -> Any:
    """Import ``dask.dataframe`` or raise :class:`MissingDependencyError` naming the extra."""
    try:
        import dask.dataframe as dd
    except ImportError as err:  # pragma: no cover - dask is installed in the test environment
        msg = (
            f"this feature needs dask, which is not installed ({err}). Install the extra: "
            'pip install "satscore[dask]".'
        )
        raise MissingDependencyError(msg) from err
    return dd


def is_dask(data: Any) -> bool:
    """Whether *data* is a dask DataFrame (checked without importing dask)."""
    mod = type(data).__module__ or ""
    return mod.startswith("dask") and hasattr(data, "npartitions") and hasattr(data, "columns")


def is_out_of_core(data: Any) -> bool:
    """Whether *data* is a stream of chunks or a dask DataFrame (not one in-memory frame).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [1, 2]})
    >>> is_out_of_core(df), is_out_of_core([df, df]), is_out_of_core(iter([df]))
    (False, True, True)
    """
    if isinstance(data, (pd.DataFrame, pd.Series, str, bytes, dict)) or data is None:
        return False
    if is_dask(data):
        return True
    if hasattr(data, "instrument") and isinstance(getattr(data, "data", None), pd.DataFrame):
        return False  # ValidatedResponses
    if hasattr(data, "__array__") or hasattr(data, "shape"):
        return False  # numpy arrays and array-likes are in memory
    if callable(getattr(data, "iter_batches", None)):
        return True  # pyarrow.parquet.ParquetFile
    if _is_factory(data):
        return True  # a function returning a fresh iterable of chunks
    return isinstance(data, (Iterable, Iterator))


def _is_factory(data: Any) -> bool:
    return callable(data) and not isinstance(data, type) and not isinstance(data, Iterable)


def is_reiterable(data: Any) -> bool:
    """Whether *data* can be read more than once (needed by two-pass statistics).

    DataFrames, lists/tuples of chunks, dask frames, Parquet files and functions
    returning a fresh iterator are; generators and ``pd.read_csv(chunksize=...)``
    readers are not.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [1]})
    >>> is_reiterable([df]), is_reiterable(iter([df])), is_reiterable(lambda: iter([df]))
    (True, False, True)
    """
    if isinstance(data, (pd.DataFrame, list, tuple)) or is_dask(data):
        return True
    if getattr(type(data), "reiterable", False):  # read_chunks' FileChunks and kin
        return True
    if _is_factory(data):
        return True
    return callable(getattr(data, "iter_batches", None))


def _to_frame(obj: Any, number: int) -> pd.DataFrame:
    if isinstance(obj, pd.DataFrame):
        return obj
    to_pandas = getattr(obj, "to_pandas", None)  # pyarrow Table / RecordBatch
    if callable(to_pandas) and type(obj).__module__.startswith("pyarrow"):
        return to_pandas()
    msg = (
        f"chunk {number} is a {type(obj).__name__}, not a pandas DataFrame; an iterable of "
        "data must yield DataFrames (e.g. pd.read_csv(path, chunksize=...)) or pyarrow "
        "tables/record batches. Fix the source of the chunks."
    )
    raise SatscoreTypeError(msg)


def _kind(series: pd.Series) -> str:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "text"


def _check_chunk(
    chunk: pd.DataFrame, number: int, first: pd.DataFrame, kinds: dict[str, str]
) -> None:
    cols = [str(c) for c in chunk.columns]
    ref = [str(c) for c in first.columns]
    if cols != ref:
        extra = [c for c in cols if c not in ref]
        lost = [c for c in ref if c not in cols]
        if extra or lost:
            what = f"column {extra[0]!r} not in chunk 0" if extra else f"no column {lost[0]!r}"
        else:
            what = "the same columns in a different order"
        msg = (
            f"chunk {number} has {what}; every chunk must have the columns of the first chunk "
            f"({ref[:8]}{'...' if len(ref) > 8 else ''}). Fix the file or pass columns=[...] "
            "to read only the columns you need."
        )
        raise ChunkError(msg)
    for col in chunk.columns:
        s = chunk[col]
        kind = _kind(s)
        want = kinds[str(col)]
        if kind == want or want == "empty":
            if want == "empty" and not s.isna().all():
                kinds[str(col)] = kind
            continue
        if s.isna().all():
            continue  # an all-missing column reads as float (CSV) or object: compatible
        msg = (
            f"chunk {number} column {str(col)!r} has dtype {s.dtype} ({kind}), but the first "
            f"chunk has {first[col].dtype} ({want}); every chunk must keep each column's "
            "type. Fix: read with an explicit dtype= (e.g. pd.read_csv(..., dtype={"
            f"{str(col)!r}: ...}})) or convert the column before scoring."
        )
        raise ChunkError(msg)


def iter_chunks(data: Any, *, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
    """Yield pandas DataFrame chunks from a DataFrame, an iterable of chunks or a dask frame.

    Parameters
    ----------
    data : pandas.DataFrame, iterable of DataFrames, dask.dataframe.DataFrame, or callable
        The data. A DataFrame is one chunk (yielded as is, never modified); an
        iterable yields its chunks (pyarrow tables and record batches are
        converted); a dask frame yields its computed partitions one at a time; a
        function without arguments is called for a fresh iterable (so the data can
        be read twice, e.g. ``lambda: pd.read_csv(path, chunksize=100_000)``).
    columns : sequence of str, optional
        Keep only these columns (in this order).

    Yields
    ------
    pandas.DataFrame
        Chunks with the columns (and compatible dtypes) of the first chunk.

    Raises
    ------
    ChunkError
        No chunks at all, or a chunk whose columns or dtypes differ from the first
        (the message names the chunk number, counted from 0, and the column).
    SatscoreTypeError
        For a string, or an iterable that yields something other than frames.

    Examples
    --------
    >>> import io
    >>> import pandas as pd
    >>> csv = io.StringIO("x,y\\n1,a\\n2,b\\n3,c\\n")
    >>> [len(c) for c in iter_chunks(pd.read_csv(csv, chunksize=2))]
    [2, 1]
    """
    if isinstance(data, (str, bytes, os.PathLike)):
        msg = (
            f"data is a {type(data).__name__} ({str(data)[:60]!r}), not a DataFrame or chunks. "
            "To stream a CSV or Parquet file use satscore._stream.chunks.read_chunks(path, "
            "chunksize=...) or pd.read_csv(path, chunksize=...)."
        )
        raise SatscoreTypeError(msg)
    if _is_factory(data):
        data = data()
        if isinstance(data, (str, bytes, os.PathLike)) or _is_factory(data):
            msg = (
                "a function passed as data must return a DataFrame or an iterable of chunks "
                f"(e.g. lambda: pd.read_csv(path, chunksize=100_000)); it returned "
                f"{type(data).__name__}."
            )
            raise SatscoreTypeError(msg)
    if isinstance(data, pd.DataFrame):
        source: Iterable[Any] = [data]
    elif callable(getattr(data, "iter_batches", None)):  # pyarrow.parquet.ParquetFile
        source = (b.to_pandas() for b in data.iter_batches())
    elif is_dask(data):
        source = (part.compute() for part in data.partitions)
    elif is_out_of_core(data):
        source = data
    else:
        msg = (
            f"data must be a pandas DataFrame, an iterable of DataFrame chunks or a dask "
            f"DataFrame; found {type(data).__name__}. Wrap arrays with pandas.DataFrame(...)."
        )
        raise SatscoreTypeError(msg)
    return _generate(source, columns)


def _generate(source: Iterable[Any], columns: Sequence[str] | None) -> Iterator[pd.DataFrame]:
    first: pd.DataFrame | None = None
    kinds: dict[str, str] = {}
    number = -1
    for number, obj in enumerate(source):
        chunk = _to_frame(obj, number)
        if columns is not None:
            absent = [c for c in columns if c not in chunk.columns]
            if absent:
                msg = (
                    f"chunk {number} has no column {absent[0]!r} (columns: "
                    f"{[str(c) for c in chunk.columns][:8]}); every chunk needs the columns "
                    "asked for. Fix the column name or the file."
                )
                raise ChunkError(msg)
            chunk = chunk.loc[:, list(columns)]
        if first is None:
            first = chunk
            kinds = {
                str(c): ("empty" if chunk[c].isna().all() else _kind(chunk[c]))
                for c in chunk.columns
            }
        else:
            _check_chunk(chunk, number, first, kinds)
        yield chunk
    if first is None:
        msg = (
            "the data yielded no chunks (an empty iterator, or a generator that was already "
            "consumed); pass a DataFrame or a fresh iterable with at least one chunk."
        )
        raise ChunkError(msg)

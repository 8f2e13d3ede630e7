"""Response files read in chunks: :func:`read_chunks` and the CLI's streamed input.

A CSV/TSV file is read with ``pandas.read_csv(chunksize=...)`` after the same
encoding and separator sniffing as :func:`~satscore.read_responses`; a Parquet
file by record batches with pyarrow, one row group at a time. Every iteration
reads the file afresh, so statistics needing two passes can take it. The chunks
go through :func:`~satscore._stream.chunks.iter_chunks`, which checks that they agree.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from satscore._core.errors import DataError, MissingDependencyError, OptionError
from satscore._io.responses import _sniff, decode_error
from satscore._stream.chunks import iter_chunks

__all__ = ["FileChunks", "read_chunks", "response_chunks"]


class FileChunks:
    """A CSV/TSV or Parquet file read in chunks; every iteration reads it afresh.

    Returned by :func:`read_chunks`. Being re-iterable, it serves statistics that
    need two passes (alpha with missing answers) and several estimates of a
    streamed :class:`~satscore.SurveyDesign`.
    """

    reiterable = True  # every iteration reads the file again

    def __init__(
        self,
        path: Path,
        chunksize: int,
        columns: Sequence[str] | None,
        dtype: Any = None,
        encoding: str | None = None,
        header: int = 0,
    ) -> None:
        self.path, self.chunksize, self.columns, self.dtype = path, chunksize, columns, dtype
        self.encoding, self.header = encoding, header

    def __repr__(self) -> str:
        return f"FileChunks({str(self.path)!r}, chunksize={self.chunksize})"

    def __iter__(self) -> Iterator[pd.DataFrame]:
        p, cols = self.path, self.columns
        suffix = p.suffix.lower()
        if suffix in (".parquet", ".pq"):
            try:
                import pyarrow.parquet as pq
            except ImportError as err:  # pragma: no cover
                msg = 'reading Parquet needs pyarrow: pip install "satscore[parquet]".'
                raise MissingDependencyError(msg) from err
            # one row group at a time, without pre-buffering: memory stays bounded by a row
            # group (a single iterator over the file buffers its pages as it goes)
            pf = pq.ParquetFile(p, pre_buffer=False)
            wanted = None if cols is None else list(cols)
            batches = (
                b
                for g in range(pf.num_row_groups)
                for b in pf.iter_batches(batch_size=self.chunksize, row_groups=[g], columns=wanted)
            )
            return iter_chunks((b.to_pandas() for b in batches), columns=cols)
        # as read_responses: UTF-8 with or without a byte-order mark (or UTF-16 with one)
        # unless told, and the separator (comma, semicolon, tab) from the header line
        enc, sniffed = _sniff(p, self.encoding)
        options = {
            "sep": "\t" if suffix in (".tsv", ".tab") else sniffed,
            "chunksize": self.chunksize,
            "usecols": None if cols is None else list(cols),
            "dtype": self.dtype,
            "encoding": enc,
            "header": self.header,
        }
        return iter_chunks(_text_chunks(p, options), columns=cols)


def _text_chunks(path: Path, options: dict[str, Any]) -> Iterator[pd.DataFrame]:
    """``pandas.read_csv`` chunks; a decoding error becomes a DataError naming the fix."""
    try:
        yield from pd.read_csv(path, **options)
    except UnicodeDecodeError as err:
        raise decode_error(path, options["encoding"], err) from None


def read_chunks(
    path: str | os.PathLike,
    *,
    chunksize: int = 1_000_000,
    columns: Sequence[str] | None = None,
    dtype: Any = None,
    encoding: str | None = None,
    header: int = 0,
) -> FileChunks:
    """Read a CSV/TSV or Parquet file in chunks, for out-of-core statistics.

    Parquet files are read by record batches with pyarrow (extra ``parquet``),
    CSV/TSV with ``pandas.read_csv(chunksize=...)``. Nothing is read until the
    result is iterated, and every iteration reads the file again, so it can be
    passed to functions that need two passes.

    Parameters
    ----------
    path : str or path-like
        ``.csv``, ``.tsv``/``.tab`` or ``.parquet``/``.pq`` file.
    chunksize : int, default 1_000_000
        Rows per chunk (Parquet: per record batch).
    columns : sequence of str, optional
        Read only these columns.
    dtype : type or dict, optional
        CSV column types (``pandas.read_csv(dtype=...)``). Give item columns whose
        answers mix codes and label text ``str`` so that every chunk reads them the
        same way (e.g. ``{item.id: str for item in instrument.items}``).
    encoding : str, optional
        Text encoding of a CSV/TSV file, e.g. ``"gbk"``. Default, as
        :func:`~satscore.read_responses`: UTF-16 when the file starts with a UTF-16
        byte-order mark, else UTF-8 with or without one. The separator of a ``.csv``
        file (comma, semicolon or tab) is read from its header line.
    header : int, default 0
        Row number of the column names in a CSV/TSV file (skip title rows above them).

    Returns
    -------
    FileChunks
        An iterable of pandas DataFrames, accepted by ``score_survey``,
        ``SurveyDesign``, ``cronbach_alpha``, ``polychoric``, ``efa``, ``cfa``
        and ``plan_quarterly_sample``.

    Raises
    ------
    OptionError
        For a chunk size that is not a positive integer.
    ChunkError
        When iterated, for a chunk whose columns or types differ from the first.
    DataError
        When iterated, for a text file that does not decode with ``encoding``.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> import satscore
    >>> path = os.path.join(tempfile.mkdtemp(), "r.csv")
    >>> pd.DataFrame({"x": range(5)}).to_csv(path, index=False)
    >>> chunks = satscore.read_chunks(path, chunksize=2)
    >>> [len(c) for c in chunks], [len(c) for c in chunks]
    ([2, 2, 1], [2, 2, 1])
    """
    if not isinstance(chunksize, int) or isinstance(chunksize, bool) or chunksize < 1:
        msg = f"chunksize must be a positive integer; found {chunksize!r}. Use e.g. 100000."
        raise OptionError(msg)
    p = Path(path)
    if not p.exists():
        msg = f"file {str(p)!r} does not exist; check the path."
        raise DataError(msg)
    if not isinstance(header, int) or isinstance(header, bool) or header < 0:
        msg = f"header must be a row number >= 0; found {header!r}. Use e.g. header=2."
        raise OptionError(msg)
    cols = None if columns is None else list(columns)
    return FileChunks(p, chunksize, cols, dtype, encoding, header)


class _ValidatedChunks:
    """Chunks of a response file validated with ``on_invalid="coerce"`` (re-iterable)."""

    reiterable = True

    def __init__(self, source: FileChunks, instrument: Any, id_column: str | None) -> None:
        self.source, self.instrument, self.id_column = source, instrument, id_column

    def __iter__(self) -> Iterator[pd.DataFrame]:
        for chunk in self.source:
            vr = self.instrument.validate(chunk, id_column=self.id_column, on_invalid="coerce")
            yield vr.data


def response_chunks(
    path: str | os.PathLike,
    instrument: Any,
    *,
    chunksize: int,
    on_invalid: str = "raise",
    id_column: str | None = None,
    encoding: str | None = None,
    header: int | None = None,
    sheet: str | None = None,
) -> Any:
    """A response file as chunks for ``score_survey`` (used by ``satscore score --chunksize``).

    CSV item columns are read as text (answers may mix codes and labels), and so is
    ``id_column`` (ids keep leading zeros, as with :func:`~satscore.read_responses`);
    ``encoding`` and ``header`` apply to CSV/TSV files as in ``read_responses``. With
    ``on_invalid="coerce"`` every chunk is validated here and invalid cells become
    missing (reason ``"blank"`` in the streamed ``items`` table).
    """
    p = Path(path)
    if sheet is not None:
        msg = (
            f"--sheet {sheet!r} was given with --chunksize, but Excel workbooks cannot be "
            f"streamed; found {str(p)!r}. Drop --chunksize, or save the sheet as CSV or "
            "Parquet and stream that."
        )
        raise DataError(msg)
    if p.suffix.lower() not in (".csv", ".tsv", ".tab", ".parquet", ".pq"):
        msg = (
            f"--chunksize streams CSV/TSV or Parquet files; found {p.suffix or 'no extension'!r} "
            f"({str(p)!r}). Convert the file (e.g. to Parquet) or drop --chunksize."
        )
        raise DataError(msg)
    dtype = {item.id: str for item in instrument.items}
    if id_column is not None:
        dtype[id_column] = str
    text = p.suffix.lower() in (".csv", ".tsv", ".tab")
    if not text and (encoding is not None or header not in (None, 0)):
        msg = (
            f"--encoding and --header apply to CSV/TSV files; found the Parquet file "
            f"{str(p)!r}. Drop those options."
        )
        raise DataError(msg)
    source = read_chunks(p, chunksize=chunksize, dtype=dtype, encoding=encoding, header=header or 0)
    if on_invalid == "coerce":
        return _ValidatedChunks(source, instrument, id_column)
    return source

"""Shared machinery of the mergeable summaries: segment keys, alignment, tree merge."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from functools import reduce
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from satscore._core.checks import check_columns
from satscore._core.errors import DataError, SatscoreTypeError
from satscore._stats import grouped as M

__all__ = [
    "Bundle",
    "Keyed",
    "check_numeric_chunk",
    "float_matrix",
    "merge_all",
    "segment_keys",
]

_BLOCK = 1 << 16  # rows per one-hot block (float32 sums of 0/1 stay exact below 2**24)


# ----------------------------------------------------------------------------- keys
def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def segment_keys(
    chunk: pd.DataFrame, by: Sequence[str]
) -> tuple[np.ndarray, tuple[tuple, ...], tuple[Any, ...]]:
    """Chunk-local segment code of each row, the segment keys and the ``by`` dtypes.

    Rows with a missing ``by`` value get code ``-1``.
    """
    by = tuple(by)
    check_columns(chunk.columns, by, what="segment column", fix="fix the name in by=")
    codes, segs = M.segment_codes(chunk, by)
    if not by:
        return codes, ((),), ()
    keys = tuple(tuple(_py(v) for v in row) for row in segs.itertuples(index=False, name=None))
    dtypes = tuple(chunk[c].dtype for c in by)
    return codes, keys, dtypes


def _union(a: tuple, b: tuple) -> tuple[tuple, np.ndarray, np.ndarray]:
    index = {k: i for i, k in enumerate(a)}
    keys = list(a)
    ib = np.empty(len(b), dtype=np.int64)
    for j, k in enumerate(b):
        pos = index.get(k)
        if pos is None:
            pos = index[k] = len(keys)
            keys.append(k)
        ib[j] = pos
    return tuple(keys), np.arange(len(a), dtype=np.int64), ib


def _scatter(arr: np.ndarray | None, idx: np.ndarray, size: int, fill: float) -> Any:
    if arr is None:
        return None
    out = np.full((size, *arr.shape[1:]), fill, dtype=arr.dtype)
    out[idx] = arr
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class Keyed:
    """Base of the keyed mergeable summaries: segments, alignment, sorting, field-wise merge.

    A subclass is a frozen dataclass that adds its per-segment arrays (first axis: one
    row per segment key) as fields and names them in ``_arrays``. Merging aligns both
    summaries on the union of their keys (a segment one side lacks gets that array's
    ``_fill``) and combines each array with its ``_merge_ops`` ufunc (default
    ``np.add``; ``np.minimum`` / ``np.maximum`` fill with ``inf`` / ``-inf``). A
    summary whose merge is not field-wise (Chan et al.'s moments update, k smallest)
    overrides :meth:`merge` and uses :meth:`_aligned`.

    Attributes
    ----------
    by : tuple of str
        Segment columns.
    keys : tuple of tuple
        Segment values, one tuple per row of the arrays.
    key_dtypes : tuple
        dtypes of the ``by`` columns (for ordering).
    columns : tuple of str
        Columns summarised (``()`` when not column-wise).

    Examples
    --------
    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True, eq=False)
    ... class Lowest(Keyed):
    ...     lo: np.ndarray
    ...     _arrays = ("lo",)
    ...     _merge_ops = {"lo": np.minimum}
    >>> a = Lowest(("g",), (("x",), ("y",)), (), (), np.array([3.0, 1.0]))
    >>> b = Lowest(("g",), (("z",), ("x",)), (), (), np.array([5.0, 2.0]))
    >>> m = a + b
    >>> m.keys, m.lo.tolist()
    ((('x',), ('y',), ('z',)), [2.0, 1.0, 5.0])
    """

    by: tuple[str, ...]
    keys: tuple[tuple, ...]
    key_dtypes: tuple[Any, ...]
    columns: tuple[str, ...]
    _arrays: ClassVar[tuple[str, ...]] = ()
    _fill: ClassVar[dict[str, float]] = {}
    _merge_ops: ClassVar[dict[str, np.ufunc]] = {}
    _noun: ClassVar[str] = "summaries"

    def _check_compatible(self, other: Any) -> None:
        if type(other) is not type(self):
            msg = f"cannot merge a {type(self).__name__} with a {type(other).__name__}."
            raise SatscoreTypeError(msg)
        for field in self._identity():
            if getattr(self, field) != getattr(other, field):
                msg = (
                    f"cannot merge {type(self).__name__} summaries with different {field}: "
                    f"{getattr(self, field)!r} vs {getattr(other, field)!r}; summarise every "
                    "chunk with the same options."
                )
                raise DataError(msg)
        for field in self._arrays:  # optional arrays (weights): both or neither
            if (getattr(self, field) is None) != (getattr(other, field) is None):
                msg = f"cannot merge weighted and unweighted {self._noun}."
                raise DataError(msg)

    def _identity(self) -> tuple[str, ...]:
        return ("by", "columns")

    def _fill_of(self, field: str) -> float:
        if field in self._fill:
            return self._fill[field]
        op = self._merge_ops.get(field, np.add)
        return np.inf if op is np.minimum else -np.inf if op is np.maximum else 0.0

    def _aligned(self, other: Any) -> tuple[tuple, dict[str, Any], dict[str, Any]]:
        """Check ``other`` can be merged; the union of keys and both sides' arrays on it."""
        self._check_compatible(other)
        keys, ia, ib = _union(self.keys, other.keys)
        size = len(keys)
        a = {f: _scatter(getattr(self, f), ia, size, self._fill_of(f)) for f in self._arrays}
        b = {f: _scatter(getattr(other, f), ib, size, self._fill_of(f)) for f in self._arrays}
        return keys, a, b

    @classmethod
    def _from_chunk(
        cls, chunk: pd.DataFrame, columns: Sequence[str], by: Sequence[str], **options: Any
    ) -> Any:
        """``from_arrays`` of the float matrix of ``columns`` with the chunk's segment keys.

        A ``weights`` option (a column name or per-row values) is read from the chunk.
        """
        segment, keys, dtypes = segment_keys(chunk, by)
        x = float_matrix(chunk, list(columns))
        if "weights" in options:
            options["weights"] = _weights_of(chunk, options["weights"])
        return cls.from_arrays(  # type: ignore[attr-defined]
            x, segment, keys, columns=columns, by=by, key_dtypes=dtypes, **options
        )

    def merge(self, other: Any) -> Any:
        """The summary of both chunks' rows: each array combined by its ``_merge_ops``."""
        keys, a, b = self._aligned(other)
        new = {
            f: None if a[f] is None else self._merge_ops.get(f, np.add)(a[f], b[f])
            for f in self._arrays
        }
        return dataclasses.replace(self, keys=keys, **new)

    def __add__(self, other: Any) -> Any:
        return self.merge(other)

    def segments(self) -> pd.DataFrame:
        """The segments in ``score_survey`` order (one row each; no columns without ``by``)."""
        return self._order()[1]

    def _order(self) -> tuple[np.ndarray, pd.DataFrame]:
        if not self.by:
            return np.zeros(len(self.keys), dtype=np.int64), pd.DataFrame(index=pd.RangeIndex(1))
        frame = pd.DataFrame(list(self.keys), columns=list(self.by))
        for col, dtype in zip(self.by, self.key_dtypes, strict=True):
            if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(dtype):
                frame[col] = frame[col].astype(dtype)
        codes, segs = M.segment_codes(frame, self.by)
        return codes, segs

    def sorted(self) -> Any:
        """The same summary with segments in :meth:`segments` order."""
        codes, _ = self._order()
        inv = np.empty_like(codes)
        inv[codes] = np.arange(codes.size)
        changes = {
            f: (None if getattr(self, f) is None else getattr(self, f)[inv]) for f in self._arrays
        }
        keys = tuple(self.keys[i] for i in inv)
        return dataclasses.replace(self, keys=keys, **changes)


def merge_all(summaries: Iterable[Any]) -> Any:
    """Merge any number of summaries of the same kind (pairwise tree, balanced).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    >>> from satscore._stream.summaries import Moments
    >>> parts = [Moments.from_frame(df.iloc[i : i + 1], ["x"]) for i in range(4)]
    >>> m = merge_all(parts)
    >>> float(m.mean[0, 0]), float(m.m2[0, 0])
    (2.5, 5.0)
    """
    items = list(summaries)
    if not items:
        msg = "nothing to merge: no chunk summaries were produced (empty data?)."
        raise DataError(msg)
    while len(items) > 1:
        nxt = [items[i].merge(items[i + 1]) for i in range(0, len(items) - 1, 2)]
        if len(items) % 2:
            nxt.append(items[-1])
        items = nxt
    return reduce(lambda a, b: a.merge(b), items)


def _weights_of(chunk: pd.DataFrame, weights: Any) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, str):
        check_columns(chunk.columns, [weights], what="weights column", fix="add it or fix the name")
        return chunk[weights].to_numpy(dtype=float)
    return np.asarray(weights, dtype=float).reshape(-1)


def float_matrix(chunk: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """``columns`` of ``chunk`` as a column-major float matrix (missing -> NaN).

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2], "b": [0.5, None]})
    >>> float_matrix(df, ["b", "a"]).tolist()
    [[0.5, 1.0], [nan, 2.0]]
    """
    check_columns(chunk.columns, columns, fix="fix the column list")
    out = np.empty((len(chunk), len(columns)), dtype=float, order="F")
    for j, c in enumerate(columns):  # column-major: each column is one contiguous write
        out[:, j] = chunk[c].to_numpy(dtype=float, na_value=np.nan)
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class Bundle:
    """Several summaries of one chunk merged together, plus the row count."""

    parts: tuple[Any, ...]
    rows: int

    def merge(self, other: Bundle) -> Bundle:
        parts = tuple(
            a if b is None else b if a is None else a.merge(b)
            for a, b in zip(self.parts, other.parts, strict=True)
        )
        return Bundle(parts, self.rows + other.rows)


def check_numeric_chunk(
    chunk: pd.DataFrame, columns: Sequence[str], number: int, what: str
) -> None:
    """Raise :class:`DataError` naming the first of ``columns`` that is not numeric.

    A column may be numeric, boolean, entirely missing, or of object dtype holding only
    numbers; ``number`` (the chunk) and ``what`` (the data's name) go into the message.
    """
    for col in columns:
        s = chunk[col]
        ok = pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
        if not ok and s.dtype == object:
            ok = bool(s.dropna().map(lambda v: isinstance(v, (int, float))).all())
        if not ok and not s.isna().all():
            sample = s.dropna().astype(str).unique()[:3].tolist()
            msg = (
                f"column {col!r} of {what} (chunk {number}) is not numeric (found values such "
                f"as {sample}); item responses must be numeric codes. Convert labels to codes "
                "first, e.g. with instrument.validate(...), or drop the column."
            )
            raise DataError(msg)

"""Reduce mergeable summaries over chunks or Dask partitions; PRN selection without a shuffle.

:func:`reduce_summaries` is the one driver behind every out-of-core statistic:

* a pandas DataFrame: the summary of the frame;
* an iterable of chunks: chunks are summarised one at a time and merged as a
  balanced binary tree (a stack of at most ``log2(chunks)`` partial summaries),
  so memory holds one chunk plus a few small summaries;
* a Dask DataFrame: one task per partition summarises it (``to_delayed``; no
  shuffle, no repartition) and a tree of ``merge`` tasks combines them, on
  whatever scheduler is active (threads, processes or a ``distributed``
  cluster).

Permanent-random-number selection on Dask (:func:`prn_select`) is
partition-local: a PRN is a pure function of the customer id and the salt, so
the only global quantities are, per stratum, the population count and the
fixed-size threshold (the ``n_h``-th smallest shifted PRN). Both come from a
first reduction of mergeable summaries; the second pass filters each
partition independently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from satscore._core.errors import DataError
from satscore._stats.prn import prn
from satscore._stream.base import _Keyed, merge_all
from satscore._stream.chunks import import_dask, is_dask, iter_chunks

__all__ = ["PRNThresholds", "k_smallest", "prn_select", "prn_thresholds", "reduce_summaries"]


def _merge(a: Any, b: Any) -> Any:
    return a.merge(b)


def reduce_summaries(
    data: Any,
    summarize: Callable[[pd.DataFrame, int], Any],
    *,
    columns: Sequence[str] | None = None,
) -> Any:
    """Summarise every chunk of *data* with ``summarize(chunk, number)`` and merge the results.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore._stream.summaries import Moments
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> chunks = [df.iloc[:2], df.iloc[2:]]
    >>> m = reduce_summaries(chunks, lambda c, i: Moments.from_frame(c, ["x"]))
    >>> print(m.mean[0, 0], m.m2[0, 0])
    3.0 10.0
    """
    if is_dask(data):
        dd = import_dask()  # noqa: F841 - raises MissingDependencyError if absent
        import dask

        frame = data if columns is None else data[list(columns)]
        parts = frame.to_delayed()
        if not parts:
            msg = "the dask DataFrame has no partitions; nothing to summarise."
            raise DataError(msg)
        tasks = [dask.delayed(summarize)(p, i) for i, p in enumerate(parts)]
        while len(tasks) > 1:
            pairs = range(0, len(tasks) - 1, 2)
            nxt = [dask.delayed(_merge)(tasks[i], tasks[i + 1]) for i in pairs]
            if len(tasks) % 2:
                nxt.append(tasks[-1])
            tasks = nxt
        return tasks[0].compute()
    stack: list[tuple[int, Any]] = []  # (level, summary): binary-counter tree merge
    for number, chunk in enumerate(iter_chunks(data, columns=columns)):
        item = (0, summarize(chunk, number))
        while stack and stack[-1][0] == item[0]:
            level, prev = stack.pop()
            item = (level + 1, prev.merge(item[1]))
        stack.append(item)
    return merge_all([s for _, s in stack])


# ----------------------------------------------------------------------------- PRN selection
@dataclasses.dataclass(frozen=True, eq=False)
class PRNThresholds(_Keyed):
    """Per-stratum population count and the ``k`` smallest shifted PRNs (mergeable).

    Attributes
    ----------
    by : tuple of str
        Stratum columns.
    keys : tuple of tuple
        Strata.
    key_dtypes : tuple
        dtypes of the stratum columns.
    columns : tuple of str
        Empty (kept for the shared machinery).
    count : ndarray, shape (H,)
        Population units per stratum.
    smallest : ndarray, shape (H, k)
        The ``k`` smallest shifted PRNs ``(u - start) mod 1`` per stratum (``inf``
        padding), ``k = max n_h`` requested.
    """

    by: tuple[str, ...]
    keys: tuple[tuple, ...]
    key_dtypes: tuple[Any, ...]
    columns: tuple[str, ...]
    count: np.ndarray
    smallest: np.ndarray
    _arrays: ClassVar[tuple[str, ...]] = ("count", "smallest")
    _fill: ClassVar[dict[str, float]] = {"count": 0.0, "smallest": np.inf}

    def merge(self, other: PRNThresholds) -> PRNThresholds:
        self._check_compatible(other)
        keys, a, b = self._aligned(other)
        both = np.concatenate([a["smallest"], b["smallest"]], axis=1)
        k = self.smallest.shape[1]
        return dataclasses.replace(
            self, keys=keys, count=a["count"] + b["count"], smallest=np.sort(both, axis=1)[:, :k]
        )


def _shifted(chunk: pd.DataFrame, id_column: str, salt: str, start: float) -> np.ndarray:
    if id_column not in chunk.columns:
        msg = f"id column {id_column!r} is not in the frame; pass the customer id column."
        raise DataError(msg)
    return np.mod(prn(chunk[id_column], salt) - start, 1.0)


def _threshold_summary(
    chunk: pd.DataFrame, strata: Sequence[str], id_column: str, salt: str, start: float, k: int
) -> PRNThresholds:
    from satscore._stream.base import segment_keys

    code, keys, dtypes = segment_keys(chunk, strata)
    u = _shifted(chunk, id_column, salt, start)
    g_n = len(keys)
    ok = code >= 0
    count = np.bincount(code[ok], minlength=g_n).astype(float)
    smallest = k_smallest(u[ok], code[ok], g_n, k)
    return PRNThresholds(tuple(strata), keys, dtypes, (), count, smallest)


def k_smallest(values: np.ndarray, codes: np.ndarray, n_groups: int, k: int) -> np.ndarray:
    """``(n_groups, k)`` array of each group's ``k`` smallest values in order (``inf`` padding)."""
    smallest = np.full((n_groups, k), np.inf)
    order = np.lexsort((values, codes))
    cs, vs = codes[order], values[order]
    rank = np.arange(cs.size) - np.searchsorted(cs, np.arange(n_groups))[cs]
    keep = rank < k
    smallest[cs[keep], rank[keep]] = vs[keep]
    return smallest


def prn_thresholds(
    data: Any,
    *,
    id_column: str,
    strata: Sequence[str],
    salt: str,
    start: float = 0.0,
    max_size: int,
) -> PRNThresholds:
    """First pass: population counts and the smallest shifted PRNs per stratum."""
    cols = [id_column, *strata]
    return reduce_summaries(
        data,
        lambda c, i: _threshold_summary(c, strata, id_column, salt, start, max_size),
        columns=cols,
    )


def _select_partition(
    part: pd.DataFrame,
    strata: Sequence[str],
    id_column: str,
    salt: str,
    start: float,
    limits: Mapping[tuple, float],
) -> pd.DataFrame:
    from satscore._stream.base import segment_keys

    code, keys, _ = segment_keys(part, strata)
    lim = np.array([limits.get(k, -np.inf) for k in keys] + [-np.inf])
    u = _shifted(part, id_column, salt, start)
    out = part.loc[u <= lim[code]].copy()
    out["prn"] = prn(out[id_column], salt)
    return out


def prn_select(
    data: Any,
    *,
    id_column: str,
    strata: Sequence[str],
    sizes: Mapping[Any, int],
    salt: str,
    start: float = 0.0,
) -> Any:
    """Fixed-size PRN selection per stratum, partition-local (no shuffle).

    In stratum ``h`` the ``n_h`` units with the smallest ``(u - start) mod 1`` are
    selected, where ``u`` is the unit's permanent random number. ``sizes`` maps a
    stratum value (or tuple of values for several columns) to ``n_h``.

    Returns a frame of the same kind (pandas or Dask; for an iterable, pandas)
    with the selected rows and a ``prn`` column.
    """
    strata = list(strata)
    norm = {(k if isinstance(k, tuple) else (k,)): int(v) for k, v in sizes.items()}
    k = max(norm.values(), default=0)
    if k <= 0:
        msg = "sizes asks for no units in any stratum; give n_h >= 1 for at least one stratum."
        raise DataError(msg)
    first = prn_thresholds(
        data, id_column=id_column, strata=strata, salt=salt, start=start, max_size=k
    )
    limits: dict[tuple, float] = {}
    for i, key in enumerate(first.keys):
        n_h = norm.get(key, 0)
        if n_h > first.count[i]:
            msg = (
                f"stratum {key!r} has {int(first.count[i])} units but {n_h} were asked for; "
                "lower the sample size or merge strata."
            )
            raise DataError(msg)
        if n_h > 0:
            limits[key] = float(first.smallest[i, n_h - 1])
    if is_dask(data):
        meta = data._meta.assign(prn=np.float64(0))
        return data.map_partitions(
            _select_partition, strata, id_column, salt, start, limits, meta=meta
        )
    parts = [
        _select_partition(c, strata, id_column, salt, start, limits) for c in iter_chunks(data)
    ]
    return pd.concat(parts)

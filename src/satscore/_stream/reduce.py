"""Reduce mergeable summaries over chunks or Dask partitions.

:func:`reduce_summaries` is the one driver behind every out-of-core statistic:

* a pandas DataFrame: the summary of the frame;
* an iterable of chunks: chunks are summarised one at a time and merged as a
  balanced binary tree (a stack of at most ``log2(chunks)`` partial summaries),
  so memory holds one chunk plus a few small summaries;
* a Dask DataFrame: one task per partition summarises it (``to_delayed``; no
  shuffle, no repartition) and a tree of ``merge`` tasks combines them, on
  whatever scheduler is active (threads, processes or a ``distributed``
  cluster).

A summary is any object with ``merge(other)`` returning the summary of both parts
(:mod:`satscore._stream.summaries`, or a caller's own ``Keyed`` subclass).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from satscore._core.errors import DataError
from satscore._stream.base import merge_all
from satscore._stream.chunks import import_dask, is_dask, iter_chunks

__all__ = ["reduce_summaries"]


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

"""int8 codes of item answers for :func:`satscore.cronbach_alpha`: copies, counts, cross-products.

Likert answers are small integers. Their int8 codes are 8x smaller than float64 answers;
per-item counts of the codes give psych's response frequencies (and exact column sums),
and float32 products of the codes are exact while a block's sums stay below ``2**24``.
Callers prove the codes exact before using them.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "code_counts",
    "general_values",
    "gram_and_codes",
    "table_values",
]  # fmt: skip

MAX_VALUES = 10  # psych tabulates frequencies when at most this many distinct answers occur
F32_EXACT = 2.0**24  # float32 sums of integers are exact below this


def code_counts(x8: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """``(k, 256)`` counts of each int8 code per column (index ``code + 128``).

    Missing cells hold the code 0; ``missing`` (per column) is subtracted from its
    count. A column whose codes (from a row sample) are at most ``MAX_VALUES`` values
    is counted by one comparison per value into a reused buffer, verified complete by
    the total; otherwise by ``bincount`` of adjacent row pairs.
    """
    rows, k = x8.shape
    out = np.zeros((k, 256), dtype=np.int64)
    sample = np.ascontiguousarray(x8[:: max(1, rows // 2048)].T)
    sample.sort(axis=1, kind="stable")  # radix sort of int8
    hit = np.empty(rows, dtype=bool)
    for j in range(k):
        col = x8[:, j]
        s = sample[j]
        vals = s[np.concatenate(([True], s[1:] != s[:-1]))] if s.size else s
        if missing[j] and not (vals == 0).any():
            vals = np.append(vals, np.int8(0))
        if vals.size <= MAX_VALUES + 1:
            c = np.empty(vals.size, dtype=np.int64)
            for i, v in enumerate(vals):
                c[i] = np.count_nonzero(np.equal(col, v, out=hit))
            if c.sum() == rows:
                out[j, vals.astype(np.int64) + 128] = c
                out[j, 128] -= missing[j]
                continue
        if col.flags.c_contiguous and rows % 2 == 0 and rows > 0:
            pairs = np.bincount(col.view(np.uint16), minlength=65536).reshape(256, 256)
            byte = pairs.sum(axis=0) + pairs.sum(axis=1)
        else:
            byte = np.bincount(col.view(np.uint8), minlength=256)
        out[j] = np.roll(byte, 128)
        out[j, 128] -= missing[j]
    return out


def table_values(counts: np.ndarray) -> tuple[tuple, tuple, np.ndarray, np.ndarray]:
    values, cnts, lo, hi = [], [], [], []
    for row in counts:
        nz = np.flatnonzero(row)
        v = (nz - 128).astype(float)
        lo.append(v[0] if v.size else np.inf)
        hi.append(v[-1] if v.size else -np.inf)
        small = v.size <= MAX_VALUES
        values.append(v if small else None)
        cnts.append(row[nz] if small else None)
    return tuple(values), tuple(cnts), np.array(lo), np.array(hi)


def general_values(X: np.ndarray, nan: np.ndarray | None) -> tuple[tuple, tuple]:
    """Distinct answers and counts per column (None beyond ``MAX_VALUES``), any numbers."""
    values, counts = [], []
    for j in range(X.shape[1]):
        col = X[:, j] if nan is None else X[~nan[:, j], j]
        cand = np.unique(col[:: max(1, col.size // 2048)])
        if cand.size <= MAX_VALUES:
            c = np.array([np.count_nonzero(col == v) for v in cand], dtype=np.int64)
            if c.sum() != col.size:
                cand, c = np.unique(col, return_counts=True)
        else:
            c = None
        if cand.size > MAX_VALUES:
            values.append(None)
            counts.append(None)
        else:
            values.append(cand.astype(float))
            counts.append(c.astype(np.int64))
    return tuple(values), tuple(counts)


def gram_and_codes(X: np.ndarray, block: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """``X'X`` (float64 BLAS) and the column-major int8 codes of ``X`` in one read of ``X``.

    Row blocks small enough to stay in cache are multiplied and then cast while still
    there, so the answers cross the memory bus once (about 15% less CPU than the two
    passes on one thread, and much less contention when two threads share the bus).
    Integer-typed answers are converted to float64 block by block for the product.
    """
    rows, k = X.shape
    S = np.zeros((k, k))
    x8 = np.empty(X.shape, dtype=np.int8, order="F")
    buf = None
    if X.dtype != np.float64:  # same memory order as X, so the copy runs down its columns
        order = "F" if X.ndim == 2 and X.strides[0] <= X.strides[1] else "C"
        buf = np.empty((min(block, rows), k), order=order)
    with np.errstate(invalid="ignore", over="ignore"):
        for r0 in range(0, rows, block):
            xb = X[r0 : r0 + block]
            fb = xb
            if buf is not None:
                fb = buf[: xb.shape[0]]
                np.copyto(fb, xb, casting="unsafe")
            S += fb.T @ fb
            np.copyto(x8[r0 : r0 + block], xb, casting="unsafe")
    return S, x8

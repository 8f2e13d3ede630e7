"""One-pass summaries of item answers for :func:`satscore.cronbach_alpha`.

The hot path on large data, kept minimal:

- complete data: one symmetric cross-product ``X'X`` (BLAS) and one int8 copy whose
  byte histogram per item gives the response frequencies *and* (when the answers are
  small integers, checked exactly) the column sums, so no further pass is needed;
- pairwise-missing data: masked cross-products in cache-sized row chunks
  (:func:`satscore._correlation._pairwise_products`), one int8 copy for the
  frequencies, and one more chunked pass for the item-total correlations.
"""

from __future__ import annotations

import numpy as np

__all__ = ["byte_counts", "int8_codes", "pairwise_total_sums"]

# value of each byte of an int8 array
BYTE_VALUES = np.where(np.arange(256) < 128, np.arange(256), np.arange(256) - 256)


def byte_counts(X8: np.ndarray) -> np.ndarray:
    """``(k, 256)`` counts of each byte per column of an int8 matrix.

    Counting pairs of adjacent rows as one ``uint16`` halves the number of increments;
    the two marginals of the 256 x 256 pair table are the counts of the two bytes.
    """
    n, k = X8.shape
    out = np.empty((k, 256), dtype=np.int64)
    for j in range(k):
        col = X8[:, j]
        if col.flags.c_contiguous and n % 2 == 0 and n > 0:
            pairs = np.bincount(col.view(np.uint16), minlength=65536).reshape(256, 256)
            out[j] = pairs.sum(axis=0) + pairs.sum(axis=1)
        else:
            out[j] = np.bincount(col.view(np.uint8), minlength=256)
    return out


def int8_codes(X: np.ndarray) -> np.ndarray:
    """A column-major int8 copy of ``X`` (truncated/wrapped; callers check exactness)."""
    X8 = np.empty(X.shape, dtype=np.int8, order="F")
    with np.errstate(invalid="ignore", over="ignore"):
        np.copyto(X8, X, casting="unsafe")
    return X8


def pairwise_total_sums(
    X: np.ndarray, nan: np.ndarray, centre: np.ndarray, sign: np.ndarray, offset: np.ndarray
) -> dict[str, np.ndarray | float]:
    """Sums for the correlation of each item with the scale score (row mean of answers).

    The keyed, shifted answer is ``sign * z + offset`` with ``z = x - centre``; the score
    ``t`` is its mean over the answered items of a row (rows without answers have none).
    Returns, per item over the rows where it is answered, the sums of ``t``, ``t^2`` and
    ``t z``, and over all scored rows the count, sum and sum of squares of ``t``.
    """
    n_rows, k = X.shape
    St, Stt, Stz = np.zeros(k), np.zeros(k), np.zeros(k)
    count, tsum, tsq = 0, 0.0, 0.0
    step = max(1, int(2**21 // (2 * k)))
    for start in range(0, n_rows, step):
        x, m = X[start : start + step], nan[start : start + step]
        z = x - centre
        np.copyto(z, 0.0, where=m)
        pres = 1.0 - m
        answered = pres.sum(axis=1)
        scored = answered > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            t = (z @ sign + pres @ offset) / answered
        t[~scored] = 0.0
        St += pres.T @ t
        Stt += pres.T @ (t * t)
        Stz += z.T @ t
        count += int(scored.sum())
        tsum += float(t.sum())
        tsq += float(t @ t)
    return {"St": St, "Stt": Stt, "Stz": Stz, "count": count, "tsum": tsum, "tsq": tsq}

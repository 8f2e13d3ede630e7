"""Item-total sums of :func:`satscore.cronbach_alpha` (psych ``raw.r`` with missing answers).

psych correlates each keyed item with the scale score ``t`` (row mean of the answered
keyed items) over the rows where the item is answered. With missing answers that needs,
per item, sums of ``t``, ``t**2`` and ``t * x`` over those rows (:class:`TotalSums`).

- :class:`RawTotals` gathers them *during* the moment pass when the keys are known
  (``keys`` given, or none): with integer codes, ``t = p + flip * q`` where
  ``p = (sum of signed codes) / answered - gamma`` and ``q`` is the share of answered
  reversed items; the sums of ``p``, ``q`` and their products against the presence mask
  and the codes give :class:`TotalSums` for any reversal constant ``flip`` afterwards.
- :func:`total_sums` is the second pass otherwise (``check_keys`` reversing items,
  items dropped for no variance, non-integer answers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from satscore._stats.threads import single_threaded_blas

__all__ = ["RawTotals", "TotalSums", "total_sums", "two_threads"]

T = TypeVar("T")

BLOCK = 2048  # rows per block of the passes (float64 copies of a block stay in L2)
SPLIT = 200_000  # frames with at least this many rows are summarised in two halves


def two_threads(first: Callable[[], T], second: Callable[[], T]) -> tuple[T, T]:
    """``(first(), second())`` with ``second`` on a worker thread while ``first`` runs here.

    The passes over the two halves of a large frame release the GIL (numpy, BLAS), so
    they run in parallel; only one thread is started.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(second)
        a = first()
        b = other.result()
    return a, b


@dataclasses.dataclass(frozen=True, eq=False)
class TotalSums:
    """Sums for the item-total correlations with missing answers (mergeable by addition).

    ``t`` is the scale score of a row (mean of its answered keyed items) minus a shift;
    per item over the rows answering it: ``st`` sums ``t``, ``stt`` sums ``t**2`` and
    ``stz`` sums ``t z`` (``z`` the answer minus the centre); over all scored rows
    ``count``, ``tsum`` and ``tsq``.
    """

    st: np.ndarray
    stt: np.ndarray
    stz: np.ndarray
    count: int
    tsum: float
    tsq: float

    def merge(self, other: TotalSums) -> TotalSums:
        return TotalSums(
            self.st + other.st,
            self.stt + other.stt,
            self.stz + other.stz,
            self.count + other.count,
            self.tsum + other.tsum,
            self.tsq + other.tsq,
        )


@dataclasses.dataclass(frozen=True, eq=False)
class RawTotals:
    """Sums for :class:`TotalSums` gathered in the moment pass (integer codes, known keys).

    With ``T = [p, q, p*p, p*q, q*q]`` per row (zero for rows without answers):
    ``zt[j]`` sums ``x_j T`` (its first two columns only: nothing else needs the
    rest) and ``mt[j]`` sums ``T`` over the rows answering item ``j``;
    ``t`` sums ``T`` over all rows; ``count`` counts rows with an answer.
    """

    sign: np.ndarray
    gamma: float
    zt: np.ndarray
    mt: np.ndarray
    t: np.ndarray
    count: int

    @classmethod
    def empty(cls, sign: np.ndarray, gamma: float) -> RawTotals:
        k = sign.size
        return cls(sign, gamma, np.zeros((k, 5)), np.zeros((k, 5)), np.zeros(5), 0)

    def add_block(self, z: np.ndarray, m: np.ndarray) -> RawTotals:
        """Accumulate one block: codes ``z`` (zeros where missing) and presence mask ``m``.

        Without reversed items ``q`` is zero and only ``p``, ``p*p`` are formed.
        """
        rev = self.sign < 0
        answered = m.sum(axis=1, dtype=np.float64)  # exact: counts
        u = (z @ self.sign.astype(z.dtype)).astype(np.float64)  # exact: small integers
        scored = answered > 0
        inv = np.divide(1.0, answered, out=np.zeros(answered.size), where=scored)
        T = np.zeros((5, answered.size))
        np.multiply(u - self.gamma * answered, inv, out=T[0])
        np.multiply(T[0], T[0], out=T[2])
        rows, pq = [0, 2], [0]
        if rev.any():
            np.multiply(m[:, rev].sum(axis=1, dtype=np.float64), inv, out=T[1])
            np.multiply(T[0], T[1], out=T[3])
            np.multiply(T[1], T[1], out=T[4])
            rows, pq = [0, 1, 2, 3, 4], [0, 1]
        # p (and q): the only columns that meet the answers
        self.zt[:, pq] += (T[pq] @ z.astype(np.float64)).T
        self.mt[:, rows] += (T[rows] @ m.astype(np.float64)).T
        self.t[...] += T.sum(axis=1)
        return dataclasses.replace(self, count=self.count + int(scored.sum()))

    def merge(self, other: RawTotals | None) -> RawTotals | None:
        if other is None or other.gamma != self.gamma or not np.array_equal(other.sign, self.sign):
            return None
        return RawTotals(
            self.sign, self.gamma, self.zt + other.zt, self.mt + other.mt, self.t + other.t,
            self.count + other.count,
        )  # fmt: skip

    def finish(
        self, flip: float, shift: float, centre: np.ndarray, n: np.ndarray, xsum: np.ndarray
    ) -> TotalSums:
        """:class:`TotalSums` of ``t - shift`` with ``z = x - centre``.

        ``n[j]`` counts the rows answering item ``j`` and ``xsum[j]`` sums its answers.
        """
        d = self.gamma - shift  # t - shift = p + flip * q + d
        c2 = np.array([1.0, flip, 0.0, 0.0, 0.0])
        sq = np.array([2 * d, 2 * d * flip, 1.0, 2 * flip, flip * flip])
        st = self.mt @ c2 + d * n
        stt = self.mt @ sq + d * d * n
        sxt = self.zt @ c2 + d * xsum
        tsum = float(self.t @ c2 + d * self.count)
        tsq = float(self.t @ sq + d * d * self.count)
        return TotalSums(st, stt, sxt - centre * st, self.count, tsum, tsq)


# ----------------------------------------------------------------------------- totals
def _totals_one(
    X: np.ndarray, sign: np.ndarray, offset: np.ndarray, centre: np.ndarray
) -> TotalSums:
    rows, k = X.shape
    P = np.empty((min(BLOCK, rows), 2 * k), order="F")
    st, stt, stz = np.zeros(k), np.zeros(k), np.zeros(k)
    count, tsum, tsq = 0, 0.0, 0.0
    for r0 in range(0, rows, BLOCK):
        xb = X[r0 : r0 + BLOCK]
        if xb.shape[0] < P.shape[0]:
            P = np.empty((xb.shape[0], 2 * k), order="F")
        mb = np.isnan(xb)
        z, m = P[:, :k], P[:, k:]
        np.subtract(xb, centre, out=z)
        np.copyto(z, 0.0, where=mb)
        np.logical_not(mb, out=m)
        answered = m.sum(axis=1)
        scored = answered > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            t = (z @ sign + m @ offset) / answered
        t[~scored] = 0.0
        T = np.column_stack([t, t * t])
        prod = P.T @ T
        stz += prod[:k, 0]
        st += prod[k:, 0]
        stt += prod[k:, 1]
        count += int(scored.sum())
        tsum += float(t.sum())
        tsq += float(t @ t)
    return TotalSums(st, stt, stz, count, tsum, tsq)


def total_sums(
    X: np.ndarray, sign: np.ndarray, offset: np.ndarray, centre: np.ndarray, *, split: bool = True
) -> TotalSums:
    """:class:`TotalSums` with the keyed, shifted answer ``sign * (x - centre) + offset``."""
    rows = X.shape[0]
    with single_threaded_blas():
        if not split or rows < SPLIT:
            return _totals_one(X, sign, offset, centre)
        half = rows // 2
        a, b = two_threads(
            lambda: _totals_one(X[:half], sign, offset, centre),
            lambda: _totals_one(X[half:], sign, offset, centre),
        )
    return a.merge(b)

"""PRN selection: the one routine behind the in-memory, chunked and Dask planners.

A customer with permanent random number ``u`` has the shifted number
``v = (u - s_q) mod 1`` in quarter ``q`` (``v = inf`` for an excluded customer). Every
selection is a :class:`SelectionRule`, three numbers per stratum ``h``:

* ``window`` ``w_h``: customers with ``v < w_h`` are selected (the PRN window);
* ``start`` ``a_h`` and ``limit`` ``l_h``: eligible customers outside the window with arc
  distance ``(v - a_h) mod 1 <= l_h`` are selected too (``a_h`` NaN: none). The limit is
  the ``m_h``-th smallest such distance, ``m_h`` the number of customers still needed.

:func:`selection_rule` derives the rule from per-stratum counts: ``selection="poisson"``
is the window alone; ``"window"`` adds the top-up from the free arc ``[w_h + f, 1 - f)``
where the window holds fewer than the planned size ``n_h``; ``"fixed"`` is no window and
the ``n_h`` smallest ``v`` (``a_h = 0``). The two data passes it needs (customers inside
the windows, the smallest arc distances) are functions given by the planner: array
operations on one in-memory frame, or :func:`satscore._stream.reduce.reduce_summaries`
over chunks and Dask partitions with the mergeable :class:`ArcSmallest`. The rule is then
applied to every row, or partition by partition with no shuffle, by :func:`select`.

Only customers within a short distance ``δ_h`` of the arc's start are ranked (``δ_h``
holds the missing number plus six standard deviations of the PRN count); a stratum where
that is not enough is ranked over all its customers in a second pass. Customers at exactly
the limit are all selected (distinct ids have distinct PRNs; tied stored PRNs are kept
together, on every path alike).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from satscore._stream.base import Keyed

__all__ = [
    "ArcSmallest",
    "SelectionRule",
    "arc_smallest",
    "k_smallest",
    "select",
    "selection_rule",
    "shifted",
]


def shifted(u: np.ndarray, start: Any) -> np.ndarray:
    """``(u - start) mod 1`` for ``u`` and ``start`` in [0, 1) (the same bits as ``np.mod``).

    ``start`` may be an array (NaN gives NaN). One subtraction and a conditional ``+ 1``:
    for ``|x| < 1``, ``np.mod(x, 1.0)`` is ``x`` or ``x + 1``.

    Examples
    --------
    >>> shifted(np.array([0.25, 0.75]), 0.5).tolist()
    [0.75, 0.25]
    """
    with np.errstate(invalid="ignore"):
        v = np.subtract(u, start)
        v += v < 0
    return v


def _small_codes(codes: np.ndarray, n: int) -> np.ndarray:
    """Codes in the narrowest unsigned type (numpy's stable sort is a radix sort for <= 16 bits)."""
    if n <= 1 << 8:
        return codes.astype(np.uint8)
    if n <= 1 << 16:
        return codes.astype(np.uint16)
    return codes


def k_smallest(values: np.ndarray, codes: np.ndarray, n_groups: int, k: int) -> np.ndarray:
    """``(n_groups, k)`` array of each group's ``k`` smallest values in order (``inf`` padding).

    Examples
    --------
    >>> k_smallest(np.array([0.5, 0.1, 0.3, 0.2]), np.array([0, 0, 0, 1]), 2, 2).tolist()
    [[0.1, 0.3], [0.2, inf]]
    """
    smallest = np.full((n_groups, k), np.inf)
    if k <= 0 or values.size == 0:
        return smallest
    order = np.argsort(_small_codes(codes, n_groups), kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_groups))])
    grouped = values[order]
    if 64 * n_groups > values.size:  # many small groups: one sort of the values per group
        cs = codes[order]
        within = np.argsort(grouped, kind="stable")
        within = within[np.argsort(_small_codes(cs[within], n_groups), kind="stable")]
        rank = np.arange(cs.size) - bounds[cs]
        keep = rank < k
        smallest[cs[keep], rank[keep]] = grouped[within][keep]
        return smallest
    for g in np.flatnonzero(np.diff(bounds)):  # few large groups: partition, sort k
        x = grouped[bounds[g] : bounds[g + 1]]
        if x.size > k:
            x = np.partition(x, k - 1)[:k]
        smallest[g, : x.size] = np.sort(x)
    return smallest


def arc_smallest(
    v: np.ndarray,
    h: np.ndarray,
    n_groups: int,
    start: np.ndarray,
    window: np.ndarray,
    k: int,
    delta: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Eligible customers near each stratum's arc start: their count and ``k`` smallest distances.

    Eligible: ``v`` finite, outside the window (``v >= window_h``), in a stratum with a
    ``start`` (not NaN) and, with ``delta``, at arc distance ``(v - start_h) mod 1 < delta_h``.
    """
    d = shifted(v, np.mod(start, 1.0)[h])  # NaN for strata without a start, inf if excluded
    with np.errstate(invalid="ignore"):
        pos = np.flatnonzero(d < (np.inf if delta is None else delta[h]))
    pos = pos[v[pos] >= window[h[pos]]]  # outside the window
    hp = h[pos]
    count = np.bincount(hp, minlength=n_groups).astype(float)
    return count, k_smallest(d[pos], hp, n_groups, k)


@dataclasses.dataclass(frozen=True, eq=False)
class ArcSmallest(Keyed):
    """:func:`arc_smallest` of one chunk, per stratum key (mergeable over chunks).

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
        Eligible customers within ``delta`` of the arc start per stratum.
    smallest : ndarray, shape (H, k)
        Their ``k`` smallest arc distances in order (``inf`` padding).
    """

    count: np.ndarray
    smallest: np.ndarray
    _arrays: ClassVar[tuple[str, ...]] = ("count", "smallest")
    _fill: ClassVar[dict[str, float]] = {"count": 0.0, "smallest": np.inf}

    def merge(self, other: ArcSmallest) -> ArcSmallest:
        """The summary of both chunks: counts added, the ``k`` smallest of both kept."""
        keys, a, b = self._aligned(other)  # checks that both summarise the same strata
        both = np.concatenate([a["smallest"], b["smallest"]], axis=1)
        k = self.smallest.shape[1]
        return dataclasses.replace(
            self, keys=keys, count=a["count"] + b["count"], smallest=np.sort(both, axis=1)[:, :k]
        )


@dataclasses.dataclass(frozen=True)
class SelectionRule:
    """Per-stratum ``window``, arc ``start`` (NaN: no top-up) and distance ``limit``."""

    window: np.ndarray
    start: np.ndarray
    limit: np.ndarray


def select(
    v: np.ndarray, h: np.ndarray, rule: SelectionRule, inside: np.ndarray | None = None
) -> np.ndarray:
    """Mask of the selected customers: inside the window, or within the limit on the arc.

    ``inside``: ``v < rule.window[h]`` when the caller has it already (it is reused).

    Examples
    --------
    >>> rule = SelectionRule(np.array([0.3]), np.array([0.6]), np.array([0.05]))
    >>> select(np.array([0.1, 0.4, 0.62, 0.7, np.inf]), np.zeros(5, np.int64), rule).tolist()
    [True, False, True, False, False]
    """
    chosen = v < rule.window[h] if inside is None else inside.copy()
    if np.isnan(rule.start).all():
        return chosen
    with np.errstate(invalid="ignore"):  # NaN start: no top-up; inf v (excluded): never
        chosen |= shifted(v, np.mod(rule.start, 1.0)[h]) <= rule.limit[h]
    return chosen


# (start, window, k, delta) -> (count, smallest): a pass over the data
SmallestFn = Callable[[np.ndarray, np.ndarray, int, "np.ndarray | None"], tuple[Any, Any]]


def _arc_limits(
    need: np.ndarray, start: np.ndarray, window: np.ndarray, pop: np.ndarray, smallest: SmallestFn
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per stratum: the limit, the number taken and the taken distances' mask (``need_h`` > 0)."""
    n_strata = need.size
    lacking = need > 0
    st = np.where(lacking, start, np.nan)
    k = int(need.max(initial=0))
    spread = 6.0 * np.sqrt(np.maximum(need, 0)) + 16.0
    delta = np.where(lacking, (need + spread) / np.maximum(pop, 1), -1.0)
    count, small = smallest(st, window, k, delta)
    redo = lacking & (count < need) & (delta < 1.0)
    if redo.any():  # too few near the arc's start: rank the whole stratum
        _, again = smallest(np.where(redo, st, np.nan), window, k, None)
        small = np.where(redo[:, None], again, small)
    n_finite = np.isfinite(small).sum(axis=1)
    take = np.where(lacking, np.minimum(need, n_finite), 0).astype(np.int64)
    rows = np.arange(n_strata)
    limit = np.where(take > 0, small[rows, np.maximum(take - 1, 0)] if k else -np.inf, -np.inf)
    taken = np.arange(k)[None, :] < take[:, None]
    return limit, take, np.where(taken, small, np.nan)


def selection_rule(
    size: np.ndarray,
    pop: np.ndarray,
    window: np.ndarray,
    *,
    step: float,
    selection: str,
    count_inside: Callable[[np.ndarray], np.ndarray],
    smallest: SmallestFn,
) -> tuple[SelectionRule, np.ndarray, int]:
    """The selection rule of a plan, the invitations per stratum and the spilled top-ups.

    Parameters
    ----------
    size : ndarray of int
        Planned size ``n_h`` per stratum.
    pop : ndarray
        Active customers ``N_h`` per stratum (for the near-start screen).
    window : ndarray
        PRN window ``w_h`` (NaN for ``selection="fixed"``).
    step : float
        Rotation step ``f``.
    selection : {"window", "poisson", "fixed"}
        See :func:`satscore.plan_quarterly_sample`.
    count_inside : callable
        ``count_inside(window)``: eligible customers with ``v < window_h`` per stratum.
    smallest : callable
        ``smallest(start, window, k, delta)``: :func:`arc_smallest` over the whole frame.

    Returns
    -------
    rule : SelectionRule
    invited : ndarray of int64
        Selected customers per stratum.
    n_spill : int
        Top-ups beyond the free arc, in a neighbouring quarter's window (``"window"``).
    """
    n_strata = size.size
    size = np.asarray(size, dtype=np.int64)
    if selection == "fixed":
        none = np.zeros(n_strata)
        limit, take, _ = _arc_limits(size, none, none, pop, smallest)
        return SelectionRule(none, np.where(take > 0, 0.0, np.nan), limit), take, 0
    have = np.asarray(count_inside(window)).astype(np.int64)
    rule = SelectionRule(window, np.full(n_strata, np.nan), np.full(n_strata, -np.inf))
    if selection == "poisson" or not (have < size).any():
        return rule, have, 0
    start = window + step
    limit, take, dist = _arc_limits(np.maximum(size - have, 0), start, window, pop, smallest)
    free_len = np.maximum(1.0 - step - start, 0.0)
    with np.errstate(invalid="ignore"):
        n_spill = int((dist >= free_len[:, None]).sum())
    start = np.where(take > 0, start, np.nan)
    return SelectionRule(window, start, limit), have + take, n_spill

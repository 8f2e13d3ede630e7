"""Split-half reliabilities and Guttman's lambdas, as ``psych::splitHalf`` and
``psych::guttman`` (psych 2.2.9).

A split puts ``floor(k/2)`` items in half A and the rest in half B; its reliability is
``4 r_AB / 1'R1`` with ``r_AB`` the sum of correlations between the halves (the
Flanagan-Rulon / Guttman split-half coefficient on standardised items). psych evaluates
the first ``choose(k, floor(k/2)) / 2`` combinations in lexicographic order (all distinct
splits when ``k`` is even; for odd ``k`` psych's count stops half-way, reproduced here) when
that is at most ``n_sample``, else ``n_sample`` random splits.

``psych::guttman`` is deprecated in psych in favour of ``splitHalf``; it still reports
lambda 1-6 (lambda 4 = the best split), lambda 5+, the first principal component's alpha
and beta. Its ``glb`` and ten Berge bounds are not reproduced here.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_rng
from satscore._core.errors import DataError, OptionError, SatscoreWarning
from satscore._core.results import ResultMixin
from satscore._psychometrics.adequacy import correlation_input
from satscore._psychometrics.alpha_items import first_pc_signs, key_vector
from satscore._psychometrics.alpha_table import alpha_stats

__all__ = ["GuttmanResult", "SplitHalfResult", "guttman", "split_half"]


@dataclasses.dataclass(frozen=True)
class SplitHalfResult(ResultMixin):
    """Result of :func:`split_half`.

    Attributes
    ----------
    max_split : float
        Largest split-half reliability (Guttman's lambda 4).
    min_split : float
        Smallest split-half reliability (Revelle's beta).
    mean_split : float
        Average split-half reliability.
    alpha : float
        Standardised alpha (lambda 3).
    lambda2 : float
        Guttman's lambda 2.
    lambda6 : float
        Guttman's lambda 6 (SMC based).
    average_r : float
        Mean inter-item correlation.
    median_r : float
        Median inter-item correlation.
    quantiles : tuple of float
        2.5%, 50% and 97.5% quantiles of the split-half values (psych ``ci``).
    n_splits : int
        Number of splits evaluated.
    exhaustive : bool
        Whether the splits were enumerated (True) or sampled (False).
    best_split : tuple of str
        Items of one half of the best split (reversed items marked with ``-``).
    worst_split : tuple of str
        Items of one half of the worst split.
    reversed_items : tuple of str
        Items reversed before splitting.
    """

    max_split: float
    min_split: float
    mean_split: float
    alpha: float
    lambda2: float
    lambda6: float
    average_r: float
    median_r: float
    quantiles: tuple[float, float, float]
    n_splits: int
    exhaustive: bool
    best_split: tuple[str, ...]
    worst_split: tuple[str, ...]
    reversed_items: tuple[str, ...]

    _title = "Split-half reliability"

    def summary(self) -> pd.DataFrame:
        """One row per coefficient (``statistic``, ``value``)."""
        names = ["max_split", "min_split", "mean_split", "alpha", "lambda2", "lambda6"]
        names += ["average_r", "median_r"]
        return pd.DataFrame({"statistic": names, "value": [float(getattr(self, n)) for n in names]})


@dataclasses.dataclass(frozen=True)
class GuttmanResult(ResultMixin):
    """Result of :func:`guttman` (Guttman's six lower bounds and relatives).

    Attributes
    ----------
    lambda1, lambda2, lambda3, lambda4, lambda5, lambda6 : float
        Guttman's lambdas (lambda 3 = standardised alpha, lambda 4 = best split half).
    lambda5p : float
        psych's ``lambda.5p`` variant ``lambda1 + k/(k-1) 2 sqrt(max c) / V``.
    alpha_pc : float
        Alpha of the first principal component.
    r_pc, beta_pc : float
        Split-half correlation and beta estimated from the first two eigenvalues.
    beta : float
        Worst split half (floored at 0).
    """

    lambda1: float
    lambda2: float
    lambda3: float
    lambda4: float
    lambda5: float
    lambda5p: float
    lambda6: float
    alpha_pc: float
    r_pc: float
    beta_pc: float
    beta: float

    _title = "Guttman's lambdas"

    def summary(self) -> pd.DataFrame:
        """One row per coefficient (``statistic``, ``value``)."""
        names = [f.name for f in dataclasses.fields(self)]
        return pd.DataFrame({"statistic": names, "value": [float(getattr(self, n)) for n in names]})


def _split_values(R: np.ndarray, A: np.ndarray) -> np.ndarray:
    """``4 r_AB / 1'R1`` for every indicator row of ``A`` (splits x items)."""
    B = 1.0 - A
    rab = np.einsum("si,ij,sj->s", A, R, B)
    return 4.0 * rab / R.sum()


def _split_core(
    R: np.ndarray, n_sample: int, rng_seed: Any
) -> tuple[np.ndarray, np.ndarray, bool, float]:
    k = R.shape[0]
    m = k // 2
    count = round(math.comb(k, m)) / 2.0
    if count <= n_sample:
        n_eval = math.ceil(count)
        combos = itertools.islice(itertools.combinations(range(k), m), n_eval)
        A = np.zeros((n_eval, k))
        for row, combo in enumerate(combos):
            A[row, list(combo)] = 1.0
        return _split_values(R, A), A, True, count
    rng = check_rng(rng_seed)
    keys = rng.random((n_sample, k))
    A = (np.argsort(keys, axis=1) < m).astype(float)
    return _split_values(R, A), A, False, float(n_sample)


def _lambda2(R: np.ndarray) -> float:
    """Guttman's lambda 2 of a correlation matrix (psych ``splitHalf`` / ``guttman``)."""
    k = R.shape[0]
    sumr = R.sum()
    off = R - np.diag(np.diag(R))
    return float((sumr - np.trace(R) + np.sqrt((off**2).sum() * k / (k - 1))) / sumr)


def split_half(
    data: Any,
    *,
    keys: Iterable[Any] | None = None,
    check_keys: bool = True,
    n_sample: int = 10000,
    seed: Any = None,
    missing: str = "pairwise",
) -> SplitHalfResult:
    """Best, worst and average split-half reliability, as ``psych::splitHalf``.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Raw item data (respondents in rows) or a correlation matrix.
    keys : iterable, optional
        Items to reverse (names or positions, or a +1/-1 vector).
    check_keys : bool, default True
        As psych: when no ``keys`` are given, reverse items loading negatively on the
        first principal component (with a warning).
    n_sample : int, default 10000
        Enumerate all splits when there are at most this many (up to 16 items), else
        sample this many random splits.
    seed : None, int or numpy.random.Generator
        Randomness for sampled splits.
    missing : {"pairwise", "listwise"}, default "pairwise"
        Handling of missing answers in raw data.

    Returns
    -------
    SplitHalfResult

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array(
    ...     [
    ...         [1.0, 0.5, 0.4, 0.3],
    ...         [0.5, 1.0, 0.45, 0.35],
    ...         [0.4, 0.45, 1.0, 0.3],
    ...         [0.3, 0.35, 0.3, 1.0],
    ...     ]
    ... )
    >>> res = split_half(R)  # R: psych::splitHalf(R)
    >>> round(res.max_split, 4), round(res.min_split, 4), round(res.mean_split, 4)
    (0.7209, 0.6977, 0.7132)
    """
    if isinstance(n_sample, bool) or not isinstance(n_sample, int) or n_sample < 1:
        msg = f"n_sample must be a positive integer; found {n_sample!r}."
        raise OptionError(msg)
    R, names = _split_matrix(data, missing)
    k = R.shape[0]
    sign = key_vector(keys, names, [])
    if check_keys and keys is None:
        sign = first_pc_signs(R)
        if (sign < 0).any():
            neg = [n for n, s in zip(names, sign, strict=True) if s < 0]
            warnings.warn(
                f"items {neg} correlate negatively with the scale and were reversed "
                "(check_keys=True, as psych); pass keys=[...] to make this explicit.",
                SatscoreWarning,
                stacklevel=2,
            )
    R = R * np.outer(sign, sign)
    values, A, exhaustive, count = _split_core(R, n_sample, seed)
    label = [("-" if s < 0 else "") + n for n, s in zip(names, sign, strict=True)]
    best, worst = A[np.argmax(values)], A[np.argmin(values)]
    st = alpha_stats(R, R)  # psych alpha.1 on R: standardised alpha, lambda 6, r
    q = np.quantile(values, [0.025, 0.5, 0.975])
    return SplitHalfResult(
        max_split=float(values.max()),
        min_split=float(values.min()),
        mean_split=float(values.sum() / count),
        alpha=st["std_alpha"],
        lambda2=_lambda2(R),
        lambda6=st["g6"],
        average_r=st["average_r"],
        median_r=st["median_r"],
        quantiles=(float(q[0]), float(q[1]), float(q[2])),
        n_splits=int(values.size),
        exhaustive=exhaustive,
        best_split=tuple(label[i] for i in range(k) if best[i] > 0),
        worst_split=tuple(label[i] for i in range(k) if worst[i] > 0),
        reversed_items=tuple(n for n, s in zip(names, sign, strict=True) if s < 0),
    )


def _split_matrix(data: Any, missing: str) -> tuple[np.ndarray, list[str]]:
    """psych splitHalf: ``cov2cor(cov(x, use = "pairwise"))`` for raw data."""
    R, names, _rows = correlation_input(data, missing, via_covariance=True)
    if R.shape[0] < 3:
        msg = (
            f"split-half reliability needs at least 3 items; found {R.shape[0]}. Use "
            "cronbach_alpha for two items."
        )
        raise DataError(msg)
    return R, names


def guttman(
    data: Any, *, keys: Iterable[Any] | None = None, missing: str = "pairwise"
) -> GuttmanResult:
    """Guttman's lambda 1-6 as ``psych::guttman`` (correlation based).

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Raw item data (respondents in rows) or a correlation matrix.
    keys : iterable, optional
        Items to reverse (names or positions, or a +1/-1 vector).
    missing : {"pairwise", "listwise"}, default "pairwise"
        Handling of missing answers in raw data.

    Returns
    -------
    GuttmanResult

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array(
    ...     [
    ...         [1.0, 0.5, 0.4, 0.3],
    ...         [0.5, 1.0, 0.45, 0.35],
    ...         [0.4, 0.45, 1.0, 0.3],
    ...         [0.3, 0.35, 0.3, 1.0],
    ...     ]
    ... )
    >>> g = guttman(R)  # R: psych::guttman(R)
    >>> [round(v, 4) for v in (g.lambda1, g.lambda2, g.lambda3, g.lambda4, g.lambda6)]
    [0.5349, 0.7165, 0.7132, 0.7209, 0.6589]
    """
    R, names, _ = correlation_input(data, missing)
    k = R.shape[0]
    if k < 3:
        msg = f"Guttman's lambdas need at least 3 items; found {k}. Use cronbach_alpha."
        raise DataError(msg)
    sign = key_vector(keys, names, [])
    R = R * np.outer(sign, sign)
    Vt = R.sum()
    lam1 = 1.0 - np.trace(R) / Vt
    cco = (R**2).sum(axis=0) - np.diag(R) ** 2
    lam5 = lam1 + 2.0 * np.sqrt(cco.max()) / Vt
    lam5p = lam1 + k / (k - 1) * 2.0 * np.sqrt(cco.max()) / Vt
    # lambda 4 and beta from psych's splitHalf(r) (which auto-reverses by the first PC)
    pc = first_pc_signs(R)
    values, _, _, _ = _split_core(R * np.outer(pc, pc), 10000, 0)
    ev = np.linalg.eigvalsh(R)[::-1]
    alpha_pc = (1.0 - 1.0 / ev[0]) * k / (k - 1)
    r_pc = (2.0 * ev[0] / (ev[0] + ev[1]) - 1.0) * alpha_pc
    return GuttmanResult(
        lambda1=float(lam1),
        lambda2=_lambda2(R),
        lambda3=float(k * lam1 / (k - 1)),
        lambda4=float(values.max()),
        lambda5=float(lam5),
        lambda5p=float(lam5p),
        lambda6=alpha_stats(R, R)["g6"],
        alpha_pc=float(alpha_pc),
        r_pc=float(r_pc),
        beta_pc=float(2.0 * r_pc / (1.0 + r_pc)),
        beta=float(max(values.min(), 0.0)),
    )

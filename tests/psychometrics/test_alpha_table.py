"""The vectorised alpha-if-dropped table equals psych's definition computed item by item.

psych ``alpha.drop`` runs ``alpha.1`` on every ``k - 1`` item submatrix; ``drop_table``
gets all rows at once (sums/traces minus the dropped row and column, SMCs by a rank-one
downdate of ``R^-1``, or per item with psych's pseudo-inverse when ``R`` is
ill-conditioned). Checked against ``alpha_stats`` on each submatrix at 1e-12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from satscore._psychometrics.alpha_table import alpha_stats, drop_table
from satscore._stats.correlation import _cov2cor


def loop(C: np.ndarray, R: np.ndarray, n: int) -> pd.DataFrame:
    k = C.shape[0]
    rows = []
    for i in range(k):
        keep = np.arange(k) != i
        rows.append(alpha_stats(C[np.ix_(keep, keep)], R[np.ix_(keep, keep)], n))
    return pd.DataFrame(rows)


def cov(k: int, seed: int, rank: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((rank or 3 * k, k)) + 0.8
    return A.T @ A / (A.shape[0] - 1)


@pytest.mark.parametrize(("k", "seed"), [(3, 1), (4, 2), (5, 3), (12, 4), (30, 5)])
def test_drop_table_equals_item_by_item(k, seed):
    C = cov(k, seed)
    R = _cov2cor(C)
    fast = drop_table(C, R, 500, [f"x{i}" for i in range(k)])
    slow = loop(C, R, 500)
    for col in slow.columns:
        np.testing.assert_allclose(fast[col], slow[col], rtol=1e-12, atol=1e-12, err_msg=col)


def test_singular_correlations_use_the_pseudo_inverse():
    C = cov(7, 6, rank=5)  # rank 5 < 7 items: R singular, submatrices too
    R = _cov2cor(C)
    fast = drop_table(C, R, 6, list("abcdefg"))
    slow = loop(C, R, 6)
    np.testing.assert_allclose(fast["g6"], slow["g6"], rtol=1e-10)
    np.testing.assert_allclose(fast["alpha"], slow["alpha"], rtol=1e-12)


def test_negative_correlations_and_nan_ase():
    C = cov(5, 7)
    C[0, 1:] *= -1
    C[1:, 0] *= -1
    R = _cov2cor(C)
    fast = drop_table(C, R, 100, list("abcde"))
    slow = loop(C, R, 100)
    for col in slow.columns:
        np.testing.assert_allclose(fast[col], slow[col], rtol=1e-12, atol=1e-12, err_msg=col)

"""Is a square input a correlation or covariance matrix, and is it singular? (psych's rules).

psych decides whether ``fa``, ``omega``, ``KMO`` and friends got raw data or a matrix with
``isCorrelation`` / ``isCovariance``; R's ``solve`` decides what is singular. These helpers
make the same calls for :func:`satscore.efa`, :func:`satscore.kmo` and the others.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DataError
from satscore._stats.correlation import _cov2cor

__all__ = [
    "SINGULAR_RATIO",
    "as_correlation_matrix",
    "check_not_singular",
    "dependent_items",
    "is_numerically_singular",
    "is_singular",
]


def as_correlation_matrix(values: Any, names: list[str] | None = None) -> np.ndarray | None:
    """The correlation matrix a square input stands for, or None for raw data.

    psych decides with ``isCorrelation`` / ``isCovariance``: a square matrix symmetric up to
    ``all.equal``'s tolerance (mean relative difference below 1.5e-8) with a unit diagonal is a
    correlation matrix; any other symmetric matrix is a covariance matrix, which ``fa``,
    ``omega``, ``splitHalf`` and ``guttman`` analyse as its correlations (``cov2cor``;
    satscore does so in every function, also where psych's ``KMO`` would treat it as raw
    data). Here a covariance
    matrix must also have a positive diagonal and satisfy ``|c_ij| <= sqrt(c_ii c_jj)``;
    a square data set that fails these checks is treated as raw data.

    Raises
    ------
    DataError
        A symmetric matrix with a unit diagonal but correlations outside [-1, 1].

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[4.0, 2.0], [2.0, 9.0]])
    >>> as_correlation_matrix(C).round(4).tolist()  # R: cov2cor(C)
    [[1.0, 0.3333], [0.3333, 1.0]]
    >>> as_correlation_matrix(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])) is None
    True
    """
    if isinstance(values, pd.DataFrame):
        if not all(pd.api.types.is_numeric_dtype(t) for t in values.dtypes):
            return None
        values = values.to_numpy(dtype=float, na_value=np.nan)
    if not isinstance(values, np.ndarray):
        return None
    arr = values
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 2:
        return None
    if arr.dtype.kind not in "fiu":
        return None
    arr = arr.astype(float)
    if not np.isfinite(arr).all():
        return None
    scale = np.abs(arr).sum()
    if not scale > 0 or np.abs(arr - arr.T).sum() > 1.5e-8 * scale:
        return None
    arr = (arr + arr.T) / 2.0
    d = np.diag(arr)
    if np.allclose(d, 1.0, rtol=0, atol=1.5e-8):
        off = np.abs(arr) > 1.0 + 1e-12
        if off.any():
            i, j = np.argwhere(off)[0]
            a = names[i] if names else f"x{i + 1}"
            b = names[j] if names else f"x{j + 1}"
            msg = (
                f"the matrix looks like a correlation matrix (symmetric, unit diagonal) but "
                f"the entry for {a!r} and {b!r} is {arr[i, j]:g}, outside [-1, 1]; fix that "
                "entry or pass raw data."
            )
            raise DataError(msg)
        np.fill_diagonal(arr, 1.0)
        return arr
    if not (d > 0).all():
        return None
    bound = np.sqrt(np.outer(d, d))
    if (np.abs(arr) > bound * (1.0 + 1e-12)).any():
        return None
    return _cov2cor(arr)


#: A matrix whose smallest eigenvalue is below this fraction of its largest is singular: R's
#: ``solve`` refuses (reciprocal condition number below machine epsilon), whereas the
#: eigenvalues psych's ``cor.smooth`` leaves (``100 * 1e-12``, rescaled) stay well above it.
SINGULAR_RATIO = 1e-13


def is_singular(eigenvalues: np.ndarray) -> bool:
    """Whether ascending ``eigenvalues`` of a correlation matrix mark it as singular.

    Examples
    --------
    >>> import numpy as np
    >>> is_singular(np.array([1e-17, 1.0, 2.0])), is_singular(np.array([1e-10, 1.0, 2.0]))
    (True, False)
    """
    vals = np.asarray(eigenvalues, dtype=float)
    return bool(abs(vals[0]) < SINGULAR_RATIO * max(abs(vals[-1]), 1.0))


def is_numerically_singular(matrix: np.ndarray) -> bool:
    """Whether a square matrix is singular to working precision: condition number above 1/eps.

    That is R's rule for ``solve`` (reciprocal condition number below ``.Machine$double.eps``).
    For such a matrix the *sign* of a computed determinant is rounding noise (it differs
    between LAPACK builds), so satscore decides by the condition number (the ratio of the
    largest to the smallest singular value) and never by that sign.

    Examples
    --------
    >>> import numpy as np
    >>> is_numerically_singular(np.array([[1.0, 1.0], [1.0, 1.0 + 1e-17]]))
    True
    >>> is_numerically_singular(np.array([[1.0, 0.5], [0.5, 1.0]]))
    False
    """
    sv = np.linalg.svd(np.asarray(matrix, dtype=float), compute_uv=False)
    return bool(not sv[-1] > np.finfo(float).eps * sv[0])


def dependent_items(vector: np.ndarray, names: list[str], limit: int) -> list[str]:
    """The items an eigenvector of a (nearly) zero eigenvalue involves, largest weights first.

    Items with an absolute weight above 0.1, at most *limit* of them: the linearly dependent
    items an error message names.

    Examples
    --------
    >>> import numpy as np
    >>> dependent_items(np.array([0.05, -0.7, 0.7]), ["a", "b", "c"], 4)
    ['b', 'c']
    """
    order = np.argsort(-np.abs(vector))
    return [names[i] for i in order if abs(vector[i]) > 0.1][:limit]


def check_not_singular(R: np.ndarray, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Ascending eigenvalues and eigenvectors of the correlation matrix *R*, checked.

    Raises
    ------
    DataError
        *R* is singular (:func:`is_singular`); the message names the items of the smallest
        eigenvector (the linearly dependent ones, e.g. a duplicated item or a total score).

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]])
    >>> check_not_singular(R, ["a", "b", "c"])
    Traceback (most recent call last):
    ...
    satscore.errors.DataError: the correlation matrix is singular (smallest eigenvalue ...
    """
    vals, vecs = np.linalg.eigh(R)
    if is_singular(vals):
        involved = dependent_items(vecs[:, 0], names, 4)
        msg = (
            f"the correlation matrix is singular (smallest eigenvalue {vals[0]:.2e}): items "
            f"{involved} are linearly dependent (e.g. a duplicated item or a total score). "
            "Drop one of them."
        )
        raise DataError(msg)
    return vals, vecs

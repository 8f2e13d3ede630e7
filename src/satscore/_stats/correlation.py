"""Shared correlation machinery: pairwise/listwise covariances, SMCs, smoothing.

These are the building blocks of alpha, polychoric smoothing, KMO, EFA and CFA.
They follow R conventions exactly:

- :func:`covariance` / :func:`correlation` with ``missing="pairwise"`` equal
  ``cov(x, use = "pairwise")`` / ``cor(x, use = "pairwise")``: every entry uses the
  rows where *both* items are present, including the means and (for correlations)
  the two standard deviations. They are computed with masked matrix products, so a
  million rows cost a few matrix multiplications, not a loop over pairs.
- :func:`smc` is ``psych::smc`` (pseudo-inverse with psych's tolerance, clamped to
  [0, 1], NA correlations replaced by the item's largest absolute correlation).
- :func:`cor_smooth` is ``psych::cor.smooth`` (eigenvalues below ``eig_tol`` set to
  ``100 * eig_tol``, rescaled to sum to the number of items, back to a correlation
  matrix).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_option
from satscore._core.errors import DataError, NonPositiveDefiniteWarning, SatscoreTypeError

__all__ = [
    "cor_smooth",
    "correlation",
    "covariance",
    "is_positive_definite",
    "pairwise_counts",
    "pinv_psych",
    "smc",
]

_EPS = np.finfo(float).eps


def _as_array(X: Any) -> tuple[np.ndarray, list[str] | None]:
    if isinstance(X, pd.DataFrame):
        return X.to_numpy(dtype=float, na_value=np.nan), [str(c) for c in X.columns]
    arr = np.asarray(X, dtype=float)
    if arr.ndim != 2:
        msg = (
            f"expected a 2-D array (rows = respondents, columns = items); found an array "
            f"with {arr.ndim} dimension(s). Reshape it or pass a DataFrame."
        )
        raise SatscoreTypeError(msg)
    return arr, None


def _wrap(M: np.ndarray, names: list[str] | None) -> Any:
    if names is None:
        return M
    return pd.DataFrame(M, index=names, columns=names)


def pairwise_counts(X: Any) -> np.ndarray:
    """Number of rows where both items of each pair are present (``k x k`` integer matrix).

    Examples
    --------
    >>> import numpy as np
    >>> pairwise_counts(np.array([[1.0, np.nan], [2.0, 3.0], [3.0, 1.0]])).tolist()
    [[3, 2], [2, 2]]
    """
    arr, _ = _as_array(X)
    m = (~np.isnan(arr)).astype(float)
    return np.rint(m.T @ m).astype(np.int64)


def _centre(arr: np.ndarray) -> np.ndarray:
    """Per-column shift near the mean (from a row sample), for conditioning only.

    Pairwise sums are shift invariant; shifting by roughly the mean just keeps the
    cross-products well conditioned, so a sample of rows suffices (no full pass).
    """
    step = max(1, arr.shape[0] // 20_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = np.nanmean(arr[::step], axis=0) if arr.shape[0] else np.zeros(arr.shape[1])
    return np.where(np.isfinite(centre), centre, 0.0)


def _pairwise_products(
    arr: np.ndarray, nan: np.ndarray, centre: np.ndarray, *, squares: bool = True
) -> tuple[np.ndarray, ...]:
    """Masked cross-products ``n = M'M``, ``Si = Z'M``, ``Sij = Z'Z``, ``Sii = (Z*Z)'M``.

    ``Z`` is the shifted data with zeros where missing, ``M`` the presence mask. The
    blocks ``[Z, M, Z*Z]`` are built in row chunks (cache sized) and one symmetric
    product per chunk gives all sums at once.
    """
    n_rows, k = arr.shape
    width = (3 if squares else 2) * k
    G = np.zeros((width, width))
    step = max(1, int(2**21 // width))
    W = np.empty((min(step, max(n_rows, 1)), width))
    for start in range(0, n_rows, step):
        x, m = arr[start : start + step], nan[start : start + step]
        w = W[: x.shape[0]]
        z = w[:, :k]
        np.subtract(x, centre, out=z)
        np.copyto(z, 0.0, where=m)
        np.subtract(1.0, m, out=w[:, k : 2 * k])
        if squares:
            np.multiply(z, z, out=w[:, 2 * k :])
        G += w.T @ w
    n, Si, Sij = G[k : 2 * k, k : 2 * k], G[:k, k : 2 * k], G[:k, :k]
    Sii = G[2 * k :, k : 2 * k] if squares else None
    return n, Si, Sij, Sii


def _moments(arr: np.ndarray, missing: str) -> tuple[np.ndarray, ...]:
    """Pairwise sums: n, S_i, S_j, S_ij, S_ii(j), S_jj(i) over the rows both are present."""
    if missing == "listwise":
        arr = arr[~np.isnan(arr).any(axis=1)]
    centre = _centre(arr)
    nan = np.isnan(arr)
    if not nan.any():
        Z = arr - centre
        n_rows = Z.shape[0]
        n = np.full((Z.shape[1], Z.shape[1]), float(n_rows))
        s = Z.sum(axis=0)
        Si = np.broadcast_to(s[:, None], n.shape)
        Sj = Si.T
        Sij = Z.T @ Z
        sq = (Z * Z).sum(axis=0)
        Sii = np.broadcast_to(sq[:, None], n.shape)
        return n, Si, Sj, Sij, Sii, Sii.T
    n, Si, Sij, Sii = _pairwise_products(arr, nan, centre)
    return n, Si, Si.T, Sij, Sii, Sii.T


def _pairwise_cov_cor(
    n: np.ndarray, Si: np.ndarray, Sij: np.ndarray, Sii: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise covariance and correlation (as :func:`covariance`, :func:`correlation`)."""
    Sj, Sjj = Si.T, Sii.T
    with np.errstate(invalid="ignore", divide="ignore"):
        cxy = Sij - Si * Sj / n
        C = cxy / (n - 1.0)
        vx = Sii - Si * Si / n
        vy = Sjj - Sj * Sj / n
        R = cxy / np.sqrt(vx * vy)
    C = np.where(n >= 2, C, np.nan)
    C = (C + C.T) / 2.0
    ok = (n >= 2) & _varies(vx, Sii) & _varies(vy, Sjj)
    R = np.where(ok, R, np.nan)
    R = np.clip((R + R.T) / 2.0, -1.0, 1.0)
    diag_ok = np.diag(np.where(n >= 2, vx, np.nan)) > 0
    np.fill_diagonal(R, np.where(diag_ok, 1.0, np.nan))
    return C, R


def _varies(v: np.ndarray, sum_sq: np.ndarray) -> np.ndarray:
    """Whether a pairwise sum of squared deviations ``v`` is a real spread, not rounding.

    An item that is constant on the rows a pair shares has ``v = 0`` exactly, but
    ``sum z^2 - (sum z)^2 / n`` leaves ~1e-16 of ``sum z^2``; R's ``cor`` then returns NA
    ("the standard deviation is zero"), and so must we rather than a correlation of noise.
    """
    with np.errstate(invalid="ignore"):
        return v > 1e-10 * np.abs(sum_sq)


def _complete_covariance(arr: np.ndarray) -> np.ndarray | None:
    """Covariance of complete data from one cross-product (no centred copy).

    Returns None when the means are large relative to the spread (where the raw
    cross-product would lose precision); the caller then centres first.
    """
    return _covariance_from_cross(arr.T @ arr, arr.sum(axis=0), arr.shape[0])


def _covariance_from_cross(S: np.ndarray, colsum: np.ndarray, n: int) -> np.ndarray | None:
    """Covariance from the cross-product ``X'X`` and column sums (None if ill-conditioned)."""
    mean = colsum / n
    C = (S - n * np.outer(mean, mean)) / (n - 1)
    d = np.diag(C)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.abs(mean) / np.sqrt(np.where(d > 0, d, np.nan))
    if np.nanmax(ratio, initial=0.0) > 1e3:
        return None
    C = (C + C.T) / 2.0
    np.fill_diagonal(C, np.maximum(d, 0.0))
    return C


def covariance(X: Any, *, missing: str = "pairwise") -> Any:
    """Covariance matrix of items with missing values (NaN).

    Parameters
    ----------
    X : array_like or pandas.DataFrame
        Respondents in rows, items in columns; NaN marks a missing answer.
    missing : {"pairwise", "listwise"}, default "pairwise"
        ``"pairwise"`` uses, for each pair, the rows where both items are present
        (R ``cov(x, use = "pairwise")``); ``"listwise"`` first drops every row with
        a missing value (R ``cov(na.omit(x))``).

    Returns
    -------
    numpy.ndarray or pandas.DataFrame
        ``k x k`` covariances (divisor ``n_ij - 1``); a DataFrame labelled by item
        when *X* is a DataFrame. Entries with fewer than two shared rows are NaN.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0]])
    >>> # R: cov(X, use = "pairwise")
    >>> np.round(covariance(X), 4).tolist()
    [[1.6667, 1.8333], [1.8333, 2.3333]]
    """
    check_option("missing", missing, ("pairwise", "listwise"))
    arr, names = _as_array(X)
    if arr.shape[0] >= 2 and np.isfinite(arr.sum()):
        fast = _complete_covariance(arr)
        if fast is not None:
            return _wrap(fast, names)
    n, Si, Sj, Sij, _, _ = _moments(arr, missing)
    with np.errstate(invalid="ignore", divide="ignore"):
        C = (Sij - Si * Sj / n) / (n - 1.0)
    C = np.where(n >= 2, C, np.nan)
    C = (C + C.T) / 2.0
    return _wrap(C, names)


def correlation(X: Any, *, missing: str = "pairwise") -> Any:
    """Pearson correlation matrix of items with missing values (NaN).

    Pairwise correlations use, for each pair, the rows where both items are present
    for the covariance *and* both standard deviations, exactly as R
    ``cor(x, use = "pairwise")``.

    Parameters
    ----------
    X : array_like or pandas.DataFrame
        Respondents in rows, items in columns; NaN marks a missing answer.
    missing : {"pairwise", "listwise"}, default "pairwise"
        How missing values are handled (see :func:`covariance`).

    Returns
    -------
    numpy.ndarray or pandas.DataFrame
        ``k x k`` correlations with a unit diagonal (NaN where a pair has fewer than
        two shared rows or an item is constant on those rows).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0]])
    >>> # R: cor(X, use = "pairwise")
    >>> round(float(correlation(X)[0, 1]), 4)
    0.7857
    """
    check_option("missing", missing, ("pairwise", "listwise"))
    arr, names = _as_array(X)
    n, Si, Sj, Sij, Sii, Sjj = _moments(arr, missing)
    with np.errstate(invalid="ignore", divide="ignore"):
        cxy = Sij - Si * Sj / n
        vx = Sii - Si * Si / n
        vy = Sjj - Sj * Sj / n
        R = cxy / np.sqrt(vx * vy)
    R = np.where((n >= 2) & _varies(vx, Sii) & _varies(vy, Sjj), R, np.nan)
    R = np.clip((R + R.T) / 2.0, -1.0, 1.0)
    diag_ok = np.diag(np.where(n >= 2, vx, np.nan)) > 0
    np.fill_diagonal(R, np.where(diag_ok, 1.0, np.nan))
    return _wrap(R, names)


def pinv_psych(X: np.ndarray, tol: float = float(np.sqrt(_EPS))) -> np.ndarray:
    """Moore-Penrose inverse as ``psych::Pinv`` (singular values below ``tol * d_max`` dropped)."""
    u, d, vt = np.linalg.svd(np.asarray(X, dtype=float))
    keep = d > max(tol * d[0], 0.0)
    return (vt[keep].T / d[keep]) @ u[:, keep].T


def _cov2cor(C: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        d = 1.0 / np.sqrt(np.diag(C))
    R = C * np.outer(d, d)
    np.fill_diagonal(R, 1.0)
    return R


def smc(R: Any) -> Any:
    """Squared multiple correlations, exactly as ``psych::smc``.

    The SMC of item *i* is ``1 - 1 / (R^-1)_ii``. As psych does, the inverse is the
    pseudo-inverse with relative tolerance ``sqrt(machine eps)`` (so a singular matrix
    still gives values), results above 1 are set to 1 and below 0 to 0, and items
    whose correlations are partly NaN get their largest absolute non-missing
    correlation instead (with a warning).

    Parameters
    ----------
    R : array_like or pandas.DataFrame
        A square correlation or covariance matrix (a covariance matrix is first
        rescaled to correlations, as psych does with ``covar=FALSE``).

    Returns
    -------
    numpy.ndarray or pandas.Series
        One SMC per item (a Series labelled by item for DataFrame input).

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]])
    >>> # R: psych::smc(R)
    >>> np.round(smc(R), 4).tolist()
    [0.3187, 0.2619, 0.1733]
    """
    arr, names = _as_array(R)
    if arr.shape[0] != arr.shape[1]:
        msg = f"smc needs a square correlation matrix; found shape {arr.shape}."
        raise DataError(msg)
    arr = _cov2cor(arr)
    p = arr.shape[0]
    out = np.full(p, np.nan)
    bad = np.isnan(arr)
    keep = np.ones(p, dtype=bool)
    if bad.any():
        off = np.abs(np.where(np.eye(p, dtype=bool), np.nan, arr))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            maxr = np.nanmax(off, axis=0)
        # drop the item(s) with most NaN correlations until the rest is complete
        while bad[np.ix_(keep, keep)].any():
            counts = bad[np.ix_(keep, keep)].sum(axis=0)
            idx = np.flatnonzero(keep)[counts == counts.max()]
            keep[idx] = False
        names_bad = [names[i] if names else f"V{i + 1}" for i in np.flatnonzero(~keep)]
        warnings.warn(
            f"the correlations of item(s) {names_bad} are partly missing (NaN); their SMCs "
            "were replaced by their largest absolute correlation.",
            NonPositiveDefiniteWarning,
            stacklevel=2,
        )
        out[~keep] = maxr[~keep]
    if keep.any():
        inv = pinv_psych(arr[np.ix_(keep, keep)])
        with np.errstate(divide="ignore", invalid="ignore"):
            s = 1.0 - 1.0 / np.diag(inv)
        if np.isnan(s).all():
            s = np.ones_like(s)
        out[keep] = np.clip(s, 0.0, 1.0)
    if names is None:
        return out
    return pd.Series(out, index=names, name="smc")


def is_positive_definite(R: Any, *, tol: float = float(_EPS)) -> bool:
    """Whether the smallest eigenvalue of the symmetric matrix *R* is at least *tol*.

    The default threshold is psych's (``.Machine$double.eps``), the test
    :func:`cor_smooth` uses to decide whether to smooth.

    Examples
    --------
    >>> import numpy as np
    >>> is_positive_definite(np.eye(3))
    True
    >>> is_positive_definite(np.array([[1.0, 1.0], [1.0, 1.0]]))
    False
    """
    arr, _ = _as_array(R)
    if np.isnan(arr).any():
        return False
    return bool(np.linalg.eigvalsh((arr + arr.T) / 2.0)[0] >= tol)


def cor_smooth(R: Any, *, eig_tol: float = 1e-12) -> tuple[Any, bool]:
    """Smooth a non-positive-definite correlation matrix as ``psych::cor.smooth``.

    If the smallest eigenvalue is below machine epsilon, eigenvalues below
    ``eig_tol`` are set to ``100 * eig_tol``, all eigenvalues are rescaled to sum to
    the number of items, and the rebuilt matrix is rescaled to a unit diagonal.
    Otherwise *R* is returned unchanged. No warning is issued here; callers warn.

    Parameters
    ----------
    R : array_like or pandas.DataFrame
        Symmetric correlation matrix.
    eig_tol : float, default 1e-12
        Eigenvalues below this are replaced by ``100 * eig_tol``.

    Returns
    -------
    smoothed : numpy.ndarray or pandas.DataFrame
        The (possibly) smoothed matrix, labelled like *R*.
    was_smoothed : bool
        Whether smoothing was applied.

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.8], [0.1, 0.8, 1.0]])
    >>> S, done = cor_smooth(R)  # R: psych::cor.smooth(R)
    >>> done, round(float(S[0, 1]), 4)
    (True, 0.7925)
    """
    arr, names = _as_array(R)
    if np.isnan(arr).any():
        counts = np.isnan(arr).sum(axis=0)
        worst = np.flatnonzero(counts == counts.max())[:4]
        items = [names[i] if names else f"x{i + 1}" for i in worst]
        msg = (
            f"cannot smooth a correlation matrix with missing (NaN) entries: item(s) {items} "
            "have undefined correlations (no answers in common with some item, or constant). "
            "Drop those items."
        )
        raise DataError(msg)
    arr = (arr + arr.T) / 2.0
    vals, vecs = np.linalg.eigh(arr)
    if vals.min() >= _EPS:
        return _wrap(arr, names), False
    vals = np.where(vals < eig_tol, 100.0 * eig_tol, vals)
    vals = vals * arr.shape[0] / vals.sum()
    S = (vecs * vals) @ vecs.T
    return _wrap(_cov2cor(S), names), True

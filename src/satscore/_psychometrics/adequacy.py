"""Sampling adequacy for factor analysis: KMO (``psych::KMO``) and Bartlett's sphericity
test (``psych::cortest.bartlett``), psych 2.2.9.

- KMO: with ``Q`` the anti-image (partial) correlations ``cov2cor(R^-1)``,
  ``MSA = sum r^2 / (sum r^2 + sum q^2)`` over off-diagonal entries, per item by column.
- Bartlett: ``chi2 = -log|R| (n - 1 - (2p + 5) / 6)`` on ``p (p - 1) / 2`` degrees of
  freedom. Unlike psych, a correlation matrix without ``n`` is an error (psych silently
  uses ``n = 100``).
"""

from __future__ import annotations

import dataclasses
import numbers
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from satscore._core.checks import check_option, numeric_frame
from satscore._core.errors import DataError, NonPositiveDefiniteWarning, OptionError
from satscore._core.results import ResultMixin
from satscore._stats.correlation import _cov2cor, correlation, covariance
from satscore._stats.matrix_input import as_correlation_matrix, check_not_singular

__all__ = ["BartlettResult", "KMOResult", "bartlett_sphericity", "kmo"]


@dataclasses.dataclass(frozen=True)
class KMOResult(ResultMixin):
    """Result of :func:`kmo`.

    Attributes
    ----------
    msa : float
        Overall Kaiser-Meyer-Olkin measure of sampling adequacy.
    msa_items : pandas.Series
        Measure of sampling adequacy per item.
    anti_image : pandas.DataFrame
        Anti-image correlation matrix (psych ``Image``: ``cov2cor(R^-1)``).
    """

    msa: float
    msa_items: pd.Series
    anti_image: pd.DataFrame = dataclasses.field(repr=False)

    _title = "Kaiser-Meyer-Olkin measure of sampling adequacy"

    def summary(self) -> pd.DataFrame:
        """Overall MSA (item ``"overall"``) and one row per item (``item``, ``msa``)."""
        items = list(self.msa_items.index)
        return pd.DataFrame(
            {
                "item": ["overall", *items],
                "msa": [self.msa, *self.msa_items.to_numpy(dtype=float)],
            }
        )


@dataclasses.dataclass(frozen=True)
class BartlettResult(ResultMixin):
    """Result of :func:`bartlett_sphericity`.

    Attributes
    ----------
    statistic : float
        Chi-square statistic.
    df : int
        Degrees of freedom ``p (p - 1) / 2``.
    pvalue : float
        Upper-tail p-value.
    n : int
        Number of observations used.
    """

    statistic: float
    df: int
    pvalue: float
    n: int

    _title = "Bartlett's test of sphericity"

    def summary(self) -> pd.DataFrame:
        """One row: ``statistic``, ``df``, ``pvalue``, ``n``."""
        return pd.DataFrame([dataclasses.asdict(self)])


def correlation_input(
    data: Any, missing: str, *, via_covariance: bool = False
) -> tuple[np.ndarray, list[str], int | None]:
    """Correlation matrix of raw data (pairwise/listwise) or a given correlation matrix.

    ``via_covariance=True`` is psych ``splitHalf``'s ``cov2cor(cov(x, use = "pairwise"))``:
    pairwise covariances over each item's own variance, defined even where an item is
    constant on the rows a pair shares (where the pairwise correlation is NA).

    Returns the matrix, item names and the number of rows (None for a matrix).
    """
    check_option("missing", missing, ("pairwise", "listwise"))
    names = [str(c) for c in data.columns] if isinstance(data, pd.DataFrame) else None
    arr = as_correlation_matrix(data, names)
    if arr is not None:  # correlation matrix, or covariance rescaled (psych cov2cor)
        return arr, names or [f"x{i + 1}" for i in range(arr.shape[0])], None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        frame = numeric_frame(data, min_columns=2, min_rows=3, what="data")
    names = [str(c) for c in frame.columns]
    if missing == "listwise":
        frame = frame.dropna()
        if frame.shape[0] < 3:
            msg = (
                f"only {frame.shape[0]} respondent(s) answered every item; need at least 3 "
                "complete rows with missing='listwise'. Use missing='pairwise'."
            )
            raise DataError(msg)
    sd = frame.std()
    const = [c for c in names if not (sd[c] > 0)]
    if const:
        msg = (
            f"item {const[0]!r} has no variance (every answer the same), so its correlations "
            "are undefined; drop it."
        )
        raise DataError(msg)
    if via_covariance:
        R = _cov2cor(covariance(frame.to_numpy(), missing=missing))
    else:
        R = correlation(frame.to_numpy(), missing=missing)
    bad = np.argwhere(np.isnan(R))
    if bad.size:
        i, j = bad[0]
        msg = (
            f"the correlation of items {names[i]!r} and {names[j]!r} is undefined (fewer than "
            "2 respondents answered both, or one is constant where both answered); drop one."
        )
        raise DataError(msg)
    return R, names, int(frame.shape[0])


def _indefinite_note(R: np.ndarray) -> str | None:
    """Why a matrix with a negative eigenvalue is not positive definite, or None."""
    smallest = float(np.linalg.eigvalsh(R)[0])
    if smallest >= 0:
        return None
    return (
        f"the correlation matrix is not positive definite (smallest eigenvalue "
        f"{smallest:.3g}), as pairwise deletion of missing answers can produce"
    )


def kmo(data: Any, *, missing: str = "pairwise") -> KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, as ``psych::KMO``.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Raw item data (respondents in rows), a correlation matrix, or a covariance matrix
        (rescaled to correlations as psych's ``fa`` does; psych's ``KMO`` would treat it as
        raw data).
    missing : {"pairwise", "listwise"}, default "pairwise"
        How raw data with missing values are correlated (psych: pairwise).

    Returns
    -------
    KMOResult

    Raises
    ------
    DataError
        A singular correlation matrix (psych then silently uses ``R`` itself as the
        anti-image), a constant item or undefined correlations, or a non-positive-definite
        (pairwise) matrix whose inverse has a negative diagonal (psych returns NaN).

    Warns
    -----
    NonPositiveDefiniteWarning
        A non-positive-definite (pairwise) matrix for which the KMO is still defined.

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
    >>> res = kmo(R)  # R: psych::KMO(R)
    >>> round(res.msa, 4)
    0.7414
    """
    R, names, _ = correlation_input(data, missing)
    check_not_singular(R, names)
    inv = np.linalg.inv(R)
    note = _indefinite_note(R)
    if note is not None:
        bad = [names[i] for i in np.flatnonzero(~(np.diag(inv) > 0))]
        if bad:  # psych: sqrt of a negative number, MSA NaN for every item
            msg = (
                f"{note}; the anti-image of item(s) {bad} is undefined (negative diagonal of "
                "the inverse), so the KMO cannot be computed (psych returns NaN). Use "
                "missing='listwise', or drop the items with the fewest answers in common."
            )
            raise DataError(msg)
        warnings.warn(
            f"{note}; the KMO is computed from it as psych does. Consider missing='listwise'.",
            NonPositiveDefiniteWarning,
            stacklevel=2,
        )
    d = 1.0 / np.sqrt(np.diag(inv))
    Q = inv * np.outer(d, d)
    image = Q.copy()
    np.fill_diagonal(Q, 0.0)
    off = R.copy()
    np.fill_diagonal(off, 0.0)
    r2, q2 = off**2, Q**2
    msa = r2.sum() / (r2.sum() + q2.sum())
    msa_i = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return KMOResult(
        msa=float(msa),
        msa_items=pd.Series(msa_i, index=names, name="msa"),
        anti_image=pd.DataFrame(image, index=names, columns=names),
    )


def bartlett_sphericity(
    data: Any, *, n: int | None = None, missing: str = "pairwise"
) -> BartlettResult:
    """Bartlett's test that the correlation matrix is an identity matrix.

    As ``psych::cortest.bartlett``: ``chi2 = -log|R| (n - 1 - (2p + 5) / 6)`` with
    ``p (p - 1) / 2`` degrees of freedom.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Raw item data, a correlation matrix or a covariance matrix (rescaled to
        correlations; psych's ``cortest.bartlett`` would only set its diagonal to 1).
    n : int, optional
        Number of observations. Required for a correlation matrix (psych silently
        assumes 100); for raw data the default is the number of rows (complete rows with
        ``missing="listwise"``), as psych.
    missing : {"pairwise", "listwise"}, default "pairwise"
        How raw data with missing values are correlated.

    Returns
    -------
    BartlettResult

    Raises
    ------
    OptionError
        A correlation matrix without ``n``, or an invalid ``n``.
    DataError
        A singular matrix, or a non-positive-definite (pairwise) matrix with a negative
        determinant (psych returns NaN).

    Warns
    -----
    NonPositiveDefiniteWarning
        A non-positive-definite matrix whose determinant is still positive.

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.45], [0.4, 0.45, 1.0]])
    >>> res = bartlett_sphericity(R, n=200)  # R: psych::cortest.bartlett(R, n = 200)
    >>> round(res.statistic, 3), res.df
    (111.698, 3)
    """
    R, names, rows = correlation_input(data, missing)
    if n is None:
        if rows is None:
            msg = (
                "bartlett_sphericity got a correlation matrix without n; pass n=<number of "
                "respondents> (psych silently assumes 100, which gives a wrong test)."
            )
            raise OptionError(msg)
        n = rows
    elif isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
        msg = f"n must be an integer >= 2 (the number of respondents); found {n!r}."
        raise OptionError(msg)
    vals, _ = check_not_singular(R, names)
    p = R.shape[0]
    logdet = np.linalg.slogdet(R)[1]
    note = _indefinite_note(R)
    if note is not None:
        # R is not singular, so the determinant's sign is that of the product of the
        # eigenvalues: negative for an odd number of negative ones.
        if (vals < 0).sum() % 2 == 1:  # psych: log of a negative determinant, statistic NaN
            msg = (
                f"{note}; its determinant is negative, so Bartlett's statistic -log|R| (n - 1 - "
                "(2p + 5)/6) is undefined (psych returns NaN). Use missing='listwise', or drop "
                "the items with the fewest answers in common."
            )
            raise DataError(msg)
        warnings.warn(
            f"{note}; Bartlett's test is computed from it as psych does. Consider "
            "missing='listwise'.",
            NonPositiveDefiniteWarning,
            stacklevel=2,
        )
    stat = -logdet * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) // 2
    return BartlettResult(
        statistic=float(stat), df=int(df), pvalue=float(stats.chi2.sf(stat, df)), n=int(n)
    )

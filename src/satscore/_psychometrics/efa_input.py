"""Input handling of :func:`satscore.efa` (and omega, parallel analysis, MAP), as ``psych::fa``.

Raw data are correlated (Pearson pairwise or listwise, or polychoric) with their pairwise
counts and number of rows; a square symmetric matrix is taken as a correlation matrix, or as
a covariance matrix rescaled to correlations (psych's ``isCorrelation`` / ``isCovariance``
and ``cov2cor``; see :func:`~satscore._stats.correlation.as_correlation_matrix`).
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import numeric_frame
from satscore._core.errors import DataError, NonPositiveDefiniteWarning, OptionError
from satscore._psychometrics.polychoric import polychoric
from satscore._psychometrics.streamed import ListwiseChunks, efa_inputs
from satscore._stats.correlation import correlation, pairwise_counts
from satscore._stats.matrix_input import as_correlation_matrix, check_not_singular
from satscore._stream.chunks import is_out_of_core

__all__ = ["check_correlation_matrix", "check_n_factors", "prepare_correlations"]


def check_n_factors(n_factors: Any) -> int:
    """``n_factors`` as an int, or :class:`OptionError` unless it is a positive integer.

    Examples
    --------
    >>> check_n_factors(3)
    3
    >>> check_n_factors(0)
    Traceback (most recent call last):
    ...
    satscore.errors.OptionError: n_factors must be a positive integer; found 0. Pass e.g. ...
    """
    if isinstance(n_factors, bool) or not isinstance(n_factors, numbers.Integral) or n_factors < 1:
        msg = f"n_factors must be a positive integer; found {n_factors!r}. Pass e.g. n_factors=3."
        raise OptionError(msg)
    return int(n_factors)


def _pairwise(frame: pd.DataFrame, missing: str) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Pearson correlations (pairwise or listwise), pairwise counts and number of rows."""
    if missing == "listwise":
        frame = frame.dropna()
    counts = pairwise_counts(frame)
    R = correlation(frame)
    return R, counts, frame.shape[0]


def prepare_correlations(
    data: Any, *, cor: str, missing: str, n_obs: Any
) -> tuple[pd.DataFrame, np.ndarray | None, int | None]:
    """Return the correlation matrix, pairwise counts (raw data only) and n_obs."""
    names = [str(c) for c in data.columns] if isinstance(data, pd.DataFrame) else None
    arr = None if is_out_of_core(data) else as_correlation_matrix(data, names)
    if arr is not None:  # a correlation matrix, or a covariance matrix rescaled (psych cov2cor)
        names = names or [f"x{i + 1}" for i in range(arr.shape[0])]
        if n_obs is not None:
            if isinstance(n_obs, bool) or not isinstance(n_obs, numbers.Integral) or n_obs < 2:
                msg = f"n_obs must be an integer >= 2; found {n_obs!r}."
                raise OptionError(msg)
            n_obs = int(n_obs)
        return pd.DataFrame(arr, index=names, columns=names), None, n_obs
    if n_obs is not None:
        msg = (
            f"n_obs={n_obs!r} was given with raw data; n_obs is only used with a correlation "
            "matrix (raw data give it as the number of rows). Drop n_obs."
        )
        raise OptionError(msg)
    if is_out_of_core(data):  # chunks or a dask DataFrame: correlations from summaries
        if cor == "polychoric":
            res = polychoric(ListwiseChunks(data) if missing == "listwise" else data)
            names = list(res.rho.columns)
            R = pd.DataFrame(np.asarray(res.rho, dtype=float), index=names, columns=names)
            return R, res.n_pairs.to_numpy(dtype=float), int(res.n)
        return efa_inputs(data, missing=missing)
    frame = numeric_frame(data, min_columns=2, min_rows=3, what="data")
    n_rows = frame.dropna().shape[0] if missing == "listwise" else frame.shape[0]
    if n_rows < 3:
        msg = (
            f"data have {n_rows} usable row(s) after {missing} deletion; at least 3 "
            "respondents are required. Use missing='pairwise' or supply more data."
        )
        raise DataError(msg)
    arr = frame.to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns are caught earlier
        spread = np.nanmax(arr, axis=0) - np.nanmin(arr, axis=0)
    const = [c for c, s in zip(frame.columns, spread, strict=True) if not s > 0]
    if const:
        msg = (
            f"item {const[0]!r} is constant (every answer the same), so its correlations are "
            "undefined; drop it before the factor analysis."
        )
        raise DataError(msg)
    if cor == "polychoric":
        work = frame.dropna() if missing == "listwise" else frame
        mask = work.notna().to_numpy(dtype=float)
        R = polychoric(work).rho
        R = pd.DataFrame(np.asarray(R, dtype=float), index=frame.columns, columns=frame.columns)
        return R, mask.T @ mask, work.shape[0]
    R, counts, n = _pairwise(frame, missing)
    return R, counts, n


def check_correlation_matrix(R: pd.DataFrame) -> None:
    """Raise for undefined or singular correlations; warn for a non-positive-definite matrix.

    Raises
    ------
    DataError
        An undefined correlation (NaN) or a singular matrix (see
        :func:`~satscore._stats.matrix_input.check_not_singular`), naming the items involved.

    Warns
    -----
    NonPositiveDefiniteWarning
        A negative eigenvalue (pairwise deletion); analysed as psych does.
    """
    bad = R.isna().any()
    if bad.any():
        item = str(bad[bad].index[0])
        msg = (
            f"the correlation of item {item!r} with some other item is undefined (no pair of "
            "answers in common, or a constant item); drop the item or use more data."
        )
        raise DataError(msg)
    vals, vecs = check_not_singular(R.to_numpy(), [str(c) for c in R.columns])
    if vals[0] < 0:
        involved = [str(R.columns[i]) for i in np.argsort(-np.abs(vecs[:, 0]))[:3]]
        warnings.warn(
            f"the correlation matrix is not positive definite (smallest eigenvalue "
            f"{vals[0]:.3g}; items most involved: {involved}), as pairwise deletion can "
            "produce; it is analysed as psych does (factor-analysis fit statistics use its "
            "smoothed version, cor.smooth). Use missing='listwise' or drop items with few "
            "answers in common to avoid it.",
            NonPositiveDefiniteWarning,
            stacklevel=3,
        )

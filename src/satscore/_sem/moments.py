"""Sample moments of one CFA group, and the checks every way of computing them shares.

A CFA works on sample moments only: per group the size, means and covariance matrix with
divisor N (lavaan's ML convention), or with full-information ML the missing-data pattern
statistics and the EM saturated model. In-memory data (:mod:`satscore._sem.data`), streamed
chunks (:mod:`satscore._sem.streamed`), a covariance matrix and FIML
(:mod:`satscore._sem.missing`) all end in :class:`SampleMoments` through the checks here, so
they refuse the same inputs with the same messages.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from satscore._core.errors import DataError
from satscore._stats.matrix_input import dependent_items

__all__ = [
    "Patterns",
    "SampleMoments",
    "check_group_size",
    "check_positive_definite",
    "is_constant",
    "sample_moments",
]

#: A correlation matrix whose smallest eigenvalue is below this is treated as singular: its
#: items are linearly dependent and the ML discrepancy (``log|S|``) is not usable.
MIN_EIGENVALUE = 1e-10


@dataclasses.dataclass(frozen=True)
class Patterns:
    """Missing-data patterns of one group, stacked: sizes, observed masks, embedded moments.

    ``obs`` (P x p) marks the observed items of each pattern; ``mean`` (P x p) and ``cov``
    (P x p x p) hold the pattern's means and covariances (divisor n_p) of its observed items,
    zero elsewhere.
    """

    n: np.ndarray
    obs: np.ndarray
    mean: np.ndarray
    cov: np.ndarray

    @functools.cached_property
    def _by_missing(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Patterns grouped by their number of missing items: (pattern indices, missing idx)."""
        k_miss = (~self.obs).sum(axis=1)
        out = []
        for k in np.unique(k_miss):
            idx = np.flatnonzero(k_miss == k)
            miss = np.array([np.flatnonzero(~self.obs[i]) for i in idx], dtype=int)
            out.append((idx, miss.reshape(len(idx), int(k))))
        return out

    def inverses(self, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Embedded ``Sigma_oo^-1`` per pattern (zero on missing rows/columns) and
        ``log|Sigma_oo|``; None when Sigma is not positive definite.

        With ``Omega = Sigma^-1``: ``Sigma_oo^-1 = Omega_oo - Omega_om Omega_mm^-1 Omega_mo`` and
        ``log|Sigma_oo| = log|Sigma| + log|Omega_mm|``, so only the small missing blocks are
        inverted.
        """
        try:
            chol = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return None
        inv_chol = np.linalg.inv(chol)
        omega = inv_chol.T @ inv_chol
        logdet_sigma = 2.0 * np.log(np.diag(chol)).sum()
        n_pat, p = self.obs.shape
        a = np.empty((n_pat, p, p))
        logdet = np.empty(n_pat)
        for idx, miss in self._by_missing:
            if miss.shape[1] == 0:
                a[idx] = omega
                logdet[idx] = logdet_sigma
                continue
            o_mm = omega[miss[:, :, None], miss[:, None, :]]
            o_am = omega[:, miss].transpose(1, 0, 2)  # (P_m x p x k)
            _, ld = np.linalg.slogdet(o_mm)  # blocks of a positive-definite Omega: sign 1
            a[idx] = omega[None] - o_am @ np.linalg.solve(o_mm, o_am.transpose(0, 2, 1))
            logdet[idx] = logdet_sigma + ld
        mask = self.obs[:, :, None] & self.obs[:, None, :]
        return np.where(mask, a, 0.0), logdet


@dataclasses.dataclass(frozen=True)
class SampleMoments:
    """Sample moments of one CFA group: size, means and covariance with divisor N.

    With full-information ML (``patterns`` given) ``mean`` and ``cov`` are the EM estimates of
    the saturated model (lavaan's h1 "sample statistics"), ``loglik_h1`` its log-likelihood and
    ``baseline_chi2`` the independence model's chi-square.

    Not to be confused with :class:`satscore._stream.summaries.Moments`, the mergeable
    per-column summaries of streamed data.
    """

    n: int
    mean: np.ndarray
    cov: np.ndarray
    logdet: float
    patterns: Patterns | None = None
    loglik_h1: float | None = None
    baseline_chi2: float | None = None


def check_group_size(n: int, p: int, where: str, *, rows: str = "complete row(s)") -> None:
    """Raise :class:`DataError` when *where* has fewer than ``p + 1`` usable rows.

    Examples
    --------
    >>> check_group_size(5, 9, "group 'Tiny'")
    Traceback (most recent call last):
    ...
    satscore.errors.DataError: group 'Tiny' has 5 complete row(s) on the model's 9 items; ...
    """
    if n < p + 1:
        msg = (
            f"{where} has {n} {rows} on the model's {p} items; a CFA needs at least {p + 1} "
            "(and in practice many more). Merge small groups or drop the group from the analysis."
        )
        raise DataError(msg)


def is_constant(var: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Which variances are zero up to rounding, relative to the size of the item's mean."""
    return np.asarray(var <= (1e-8 * np.abs(mean)) ** 2 + 1e-300)


def check_positive_definite(
    cov: np.ndarray, items: list[str], where: str, *, what: str = "sample covariance matrix"
) -> None:
    """Raise :class:`DataError` naming the dependent items when *cov* is (nearly) singular.

    Decided by the smallest eigenvalue of the correlation matrix (below
    :data:`MIN_EIGENVALUE`), not by the sign of a determinant, which rounding makes arbitrary
    for a numerically singular matrix.
    """
    var = np.diag(cov)
    corr = cov / np.sqrt(np.outer(var, var))
    evals, evecs = np.linalg.eigh(corr)
    if evals[0] < MIN_EIGENVALUE:
        involved = dependent_items(evecs[:, 0], items, 6)
        msg = (
            f"the {what} of the model's items in {where} is not positive definite (smallest "
            f"eigenvalue {evals[0]:.2e}); items {involved} are linearly dependent. Drop a "
            "redundant item or collect more complete responses."
        )
        raise DataError(msg)


def sample_moments(
    n: int, mean: np.ndarray, cov: np.ndarray, items: list[str], where: str
) -> SampleMoments:
    """Checked :class:`SampleMoments` of one group (complete data).

    Raises
    ------
    DataError
        A constant item, or a covariance matrix that is not positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> m = sample_moments(10, np.zeros(2), np.array([[1.0, 0.5], [0.5, 1.0]]), ["a", "b"], "data")
    >>> round(m.logdet, 6)  # log(1 - 0.5**2)
    -0.287682
    """
    const = [items[i] for i in np.flatnonzero(is_constant(np.diag(cov), mean))]
    if const:
        msg = (
            f"item {const[0]!r} has zero variance in {where}; a constant item cannot be "
            "modelled. Drop it from the model"
            + (f" (also constant: {const[1:]})." if const[1:] else ".")
        )
        raise DataError(msg)
    check_positive_definite(cov, items, where)
    logdet = float(np.linalg.slogdet(cov)[1])
    return SampleMoments(n=int(n), mean=mean, cov=cov, logdet=logdet)

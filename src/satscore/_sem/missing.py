"""Full-information ML (lavaan ``missing = "ml"``): missing-data patterns, EM saturated model,
independence baseline.

One pass over the rows groups them by missing-data pattern and keeps each pattern's size, means
and covariance (divisor n_p) of its observed items; everything else works on these statistics.
The saturated model (lavaan's h1) is estimated by EM on the pattern statistics; the independence
model's FIML estimates are each item's observed mean and variance.
"""

from __future__ import annotations

import warnings

import numpy as np

from satscore._core.errors import ConvergenceWarning, DataError
from satscore._sem.moments import (
    Patterns,
    SampleMoments,
    check_group_size,
    check_positive_definite,
    is_constant,
)

__all__ = ["fiml_moments"]

_LOG2PI = float(np.log(2.0 * np.pi))


def _patterns(x: np.ndarray) -> Patterns:
    observed = ~np.isnan(x)
    uniq, inverse = np.unique(observed, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    n_pat, p = uniq.shape
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(n_pat + 1))
    xs = np.where(observed, x, 0.0)[order]  # rows sorted by pattern
    counts = np.diff(bounds).astype(float)
    mean = np.add.reduceat(xs, bounds[:-1], axis=0) / counts[:, None]
    cov = np.zeros((n_pat, p, p))
    for k in range(n_pat):
        xc = (xs[bounds[k] : bounds[k + 1]] - mean[k]) * uniq[k]
        cov[k] = (xc.T @ xc) / counts[k]
    return Patterns(n=counts, obs=uniq, mean=mean, cov=cov)


def _loglik(pats: Patterns, mu: np.ndarray, sigma: np.ndarray) -> float:
    inv = pats.inverses(sigma)
    if inv is None:
        return -np.inf
    a, logdet = inv
    d = (pats.mean - mu[None, :]) * pats.obs
    k = pats.obs.sum(axis=1)
    quad = np.einsum("pij,pij->p", pats.cov, a) + np.einsum("pi,pij,pj->p", d, a, d)
    return float(-0.5 * np.sum(pats.n * (k * _LOG2PI + logdet + quad)))


def _em(pats: Patterns, n: int, max_iter: int = 20000, tol: float = 1e-11):
    """EM for the saturated normal model on pattern statistics -> (mu, sigma, converged).

    E-step per pattern with ``R = Sigma A`` (A the embedded ``Sigma_oo^-1``): the conditional
    mean of the completed rows is ``mu + R (m_p - mu)``, their scatter ``R S_p R'`` and the
    conditional covariance ``Sigma - Sigma A Sigma``.
    """
    o = pats.obs.astype(float)
    w = pats.n[:, None] * o
    mu = (w * pats.mean).sum(axis=0) / w.sum(axis=0)
    var = (w * np.diagonal(pats.cov, axis1=1, axis2=2)).sum(axis=0) / w.sum(axis=0)
    var += ((w * (pats.mean - mu) ** 2) * o).sum(axis=0) / w.sum(axis=0)
    sigma = np.diag(var)
    for _ in range(max_iter):
        inv = pats.inverses(sigma)
        if inv is None:
            return mu, sigma, False
        a = inv[0]
        r = sigma[None] @ a
        c = mu[None, :] + np.einsum("pij,pj->pi", r, (pats.mean - mu[None, :]) * o)
        scatter = r @ pats.cov @ r.transpose(0, 2, 1) + sigma[None] - r @ sigma[None]
        scatter += c[:, :, None] * c[:, None, :]
        new_mu = np.einsum("p,pi->i", pats.n, c) / n
        new_sigma = np.einsum("p,pij->ij", pats.n, scatter) / n - np.outer(new_mu, new_mu)
        new_sigma = (new_sigma + new_sigma.T) / 2.0
        sd = np.sqrt(np.diag(new_sigma))
        change = max(
            np.max(np.abs(new_sigma - sigma) / np.outer(sd, sd)),
            np.max(np.abs(new_mu - mu) / sd),
        )
        mu, sigma = new_mu, new_sigma
        if change < tol:
            return mu, sigma, True
    return mu, sigma, False


def fiml_moments(x: np.ndarray, items: list[str], where: str) -> SampleMoments:
    """Pattern statistics, EM saturated moments and the FIML baseline of one group."""
    keep = ~np.isnan(x).all(axis=1)
    x = x[keep]
    n, p = x.shape
    check_group_size(n, p, where, rows="row(s) with at least one answer")
    observed = (~np.isnan(x)).astype(float)
    coverage = observed.T @ observed
    low = np.argwhere(coverage < 2)
    if low.size:
        i, j = low[0]
        msg = (
            f"items {items[i]!r} and {items[j]!r} are answered together by fewer than 2 "
            f"respondents in {where}, so their covariance cannot be estimated even with "
            "missing='ml'. Drop one of them or collect more complete responses."
        )
        raise DataError(msg)
    for j in range(p):
        col = x[:, j][~np.isnan(x[:, j])]
        if col.size < 2 or is_constant(col.var(), col.mean()):
            msg = (
                f"item {items[j]!r} has zero variance (or fewer than 2 answers) in {where}; a "
                "constant item cannot be modelled. Drop it from the model."
            )
            raise DataError(msg)
    pats = _patterns(x)
    mu, sigma, ok = _em(pats, n)
    if not ok:
        warnings.warn(
            f"the EM estimate of the saturated model in {where} did not converge; the chi-square "
            "and fit measures under missing='ml' may be inaccurate.",
            ConvergenceWarning,
            stacklevel=4,
        )
    ll_h1 = _loglik(pats, mu, sigma)
    base = 0.0
    for j in range(p):
        col = x[:, j]
        col = col[~np.isnan(col)]
        base += -0.5 * len(col) * (_LOG2PI + np.log(col.var()) + 1.0)
    check_positive_definite(sigma, items, where, what="EM covariance matrix")
    logdet = np.linalg.slogdet(sigma)[1]
    return SampleMoments(
        n=int(n),
        mean=mu,
        cov=sigma,
        logdet=float(logdet),
        patterns=pats,
        loglik_h1=ll_h1,
        baseline_chi2=2.0 * (ll_h1 - base),
    )

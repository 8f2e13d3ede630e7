"""Numerical core of :func:`satscore.efa`: extraction and fit statistics as psych 2.2.9 does them.

Extraction (``psych::fac``):

* ``minres``: minimise the sum of squared *off-diagonal* residuals of ``R`` with
  ``1 - psi`` on the diagonal over the uniquenesses ``psi`` with L-BFGS-B
  (bounds ``[0.005, max(smc, 1)]``, start ``1 - smc``, parameter scale 0.01, at most 100
  iterations, 5 correction pairs), using psych's gradient ``diag(L L' + diag(psi) - R)``;
  loadings from the eigen decomposition of ``R - diag(psi)``.
* ``ml``: psych's ML discrepancy ``-sum_{j>k}(log e_j - e_j) - k + p`` of the eigenvalues
  ``e`` of ``psi^-1/2 R psi^-1/2`` with its analytic gradient; loadings
  ``psi^1/2 V (E - 1)^1/2``.
* ``pa``: iterated principal axes from SMC communalities until the total communality
  changes by less than ``min_err`` = 0.001 (at most ``max_iter`` = 50 iterations).

Known limit: scipy's L-BFGS-B (version 3.0) and R's ``optim`` (L-BFGS-B 2.x) take identical
steps while no uniqueness is at a bound, so interior solutions agree with psych to ~1e-12.
Once a uniqueness reaches the 0.005 lower bound (a Heywood case) the paths part -- traced on
one data set: identical evaluations until the first step after a bound became active, then
different (version 3.0 projects the subspace step onto the box where 2.x truncates it:
Morales & Nocedal 2011) -- and because psych's minres gradient is not the exact gradient of
its objective the final point depends on the path. On ~270 random data sets this moved efa
loadings beyond 1e-3 for about 1 in 35 and 3-factor omega (often over-factored there) for
about 1 in 8: loadings usually differed from psych by 1e-3 to 5e-3, but with several
items at the bound or a just-identified model the two can end in different improper
solutions altogether (loadings, and omega's Schmid-Leiman loadings, off by 0.1 to 1). Such
solutions are flagged by the HeywoodWarning.

Fit statistics (``psych::factor.stats``) use the pairwise counts when raw data are given
(empirical chi-square, harmonic-mean n), the smoothed model/observed matrices for the ML
objective, Bartlett's correction for ``STATISTIC``, the 90% RMSEA interval by inverting the
non-central chi-square, Tucker-Lewis from the null model, and ``BIC = chi2 - df log N``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import optimize, special, stats

from satscore._core.errors import DataError
from satscore._stats.correlation import cor_smooth, smc
from satscore._stats.matrix_input import is_numerically_singular

__all__ = [
    "Extraction",
    "FitStats",
    "extract",
    "fit_statistics",
    "max_factors",
]

_EPS = np.finfo(float).eps


@dataclasses.dataclass(frozen=True)
class Extraction:
    """Unrotated solution: loadings, eigenvalues of the reduced matrix, convergence."""

    loadings: np.ndarray
    values: np.ndarray
    converged: bool
    iterations: int
    psi: np.ndarray | None


@dataclasses.dataclass(frozen=True)
class FitStats:
    """psych's ``factor.stats`` quantities (``None`` when undefined)."""

    dof: float
    objective: float | None
    statistic: float | None
    pvalue: float | None
    rmsea: float | None
    rmsea_low: float | None
    rmsea_high: float | None
    tli: float | None
    bic: float | None
    sabic: float | None
    null_chisq: float | None
    null_dof: float
    fit: float
    fit_off: float
    rms: float
    crms: float | None
    chi_empirical: float | None
    ebic: float | None
    n_harmonic: float | None


def max_factors(p: int) -> int:
    """Largest number of factors with non-negative degrees of freedom for ``p`` items."""
    k = 0
    while k + 1 <= p and _dof(p, k + 1) >= 0:
        k += 1
    return k


def _dof(p: int, k: int) -> float:
    return p * (p - 1) / 2 - p * k + k * (k - 1) / 2


def _eigh_desc(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    vals, vecs = np.linalg.eigh(S)
    return vals[::-1], vecs[:, ::-1]


# ----------------------------------------------------------------------------- extraction
def _minres_objective(psi: np.ndarray, R: np.ndarray, k: int) -> float:
    S = R.copy()
    np.fill_diagonal(S, 1.0 - psi)
    vals, vecs = _eigh_desc(S)
    vals = np.where(vals < _EPS, 100 * _EPS, vals)
    L = vecs[:, :k] * np.sqrt(vals[:k])
    resid = S - L @ L.T
    low = resid[np.tril_indices_from(resid, -1)]
    return float(np.sum(low * low))


def _minres_gradient(psi: np.ndarray, R: np.ndarray, k: int) -> np.ndarray:
    vals, vecs = _eigh_desc(R - np.diag(psi))
    L = vecs[:, :k] * np.sqrt(np.maximum(vals[:k], 0.0))
    return np.sum(L * L, axis=1) + psi - np.diag(R)


def _ml_objective(psi: np.ndarray, R: np.ndarray, k: int) -> float:
    sc = 1.0 / np.sqrt(psi)
    vals = np.linalg.eigvalsh(R * np.outer(sc, sc))[::-1]
    e = vals[k:]
    return float(-(np.sum(np.log(e) - e) - k + R.shape[0]))


def _ml_loadings(psi: np.ndarray, R: np.ndarray, k: int) -> np.ndarray:
    sc = 1.0 / np.sqrt(psi)
    vals, vecs = _eigh_desc(R * np.outer(sc, sc))
    L = vecs[:, :k] * np.sqrt(np.maximum(vals[:k] - 1.0, 0.0))
    return np.sqrt(psi)[:, None] * L


def _ml_gradient(psi: np.ndarray, R: np.ndarray, k: int) -> np.ndarray:
    L = _ml_loadings(psi, R, k)
    return (np.sum(L * L, axis=1) + psi - np.diag(R)) / psi**2


def _lbfgsb(fun, grad, start, upper, R, k, max_iter):
    """R's ``optim(method = "L-BFGS-B", parscale = 0.01)``: optimise x = psi / 0.01."""
    scale = 0.01
    res = optimize.minimize(
        lambda x: fun(x * scale, R, k),
        start / scale,
        jac=lambda x: grad(x * scale, R, k) * scale,
        method="L-BFGS-B",
        bounds=[(0.005 / scale, upper / scale)] * len(start),
        options={"maxiter": max_iter, "maxcor": 5, "ftol": 1e7 * _EPS, "gtol": 0.0},
    )
    # psych ignores optim's convergence code; its minres gradient is not the exact gradient of
    # the objective, so a line-search stop ("abnormal termination") is normal at the optimum.
    # Only the iteration limit counts as non-convergence.
    return res.x * scale, res.status != 1, int(res.nit)


def extract(
    R: np.ndarray,
    k: int,
    method: str,
    *,
    max_iter: int | None = None,
    min_err: float = 0.001,
    smc_start: bool = True,
) -> Extraction:
    """Unrotated factor extraction of the correlation matrix ``R`` (psych ``fac``).

    ``smc_start=False`` is psych's ``SMC = FALSE``: principal axes start from communalities
    of 1 (minres and ml start from ``1 - smc`` either way, as in psych).
    """
    p = R.shape[0]
    r_smc = smc(R)
    if method in ("minres", "ml"):
        upper = max(float(r_smc.max()), 1.0)
        start = np.diag(R) - r_smc
        iters = 100 if max_iter is None else max_iter
        if method == "ml":
            smallest = float(np.linalg.eigvalsh(R)[0])
            if smallest <= 0:
                msg = (
                    "maximum likelihood factor analysis needs a positive-definite correlation "
                    f"matrix; this one has smallest eigenvalue {smallest:.3g} (pairwise deletion "
                    "of missing answers can produce that), so the ML discrepancy is undefined "
                    "(psych's fa stops: 'L-BFGS-B needs finite values of fn'). Use "
                    "method='minres' or 'pa', or missing='listwise'."
                )
                raise DataError(msg)
        if method == "minres":
            psi, ok, nit = _lbfgsb(_minres_objective, _minres_gradient, start, upper, R, k, iters)
            vals, vecs = _eigh_desc(R - np.diag(psi))
            L = vecs[:, :k] * np.sqrt(np.maximum(vals[:k], 0.0))
        else:
            psi, ok, nit = _lbfgsb(_ml_objective, _ml_gradient, start, upper, R, k, iters)
            L = _ml_loadings(psi, R, k)
        S = R.copy()
        np.fill_diagonal(S, np.sum(L * L, axis=1))
        values = np.linalg.eigvalsh(S)[::-1]
        return Extraction(L, values, ok, nit, psi)
    if method == "pa":
        iters = 50 if max_iter is None else max_iter
        rmat = R.copy()
        start_h2 = r_smc if smc_start else np.ones(p)
        np.fill_diagonal(rmat, start_h2)
        comm = float(np.sum(start_h2))
        err = comm
        i = 1
        converged = True
        vals = np.zeros(p)
        L = np.zeros((p, k))
        while err > min_err:
            vals, vecs = _eigh_desc(rmat)
            if vals[k - 1] < 0:
                msg = (
                    f"the principal-axis iterations reached a negative eigenvalue "
                    f"({vals[k - 1]:.3g}) for factor {k} of the reduced correlation matrix, so "
                    "its loadings would be imaginary (psych's fa stops: 'imaginary eigen value "
                    "condition encountered'). Use fewer factors or method='minres'."
                )
                raise DataError(msg)
            L = vecs[:, :k] * np.sqrt(vals[:k])
            new = np.sum(L * L, axis=1)
            comm1 = float(np.sum(new))
            np.fill_diagonal(rmat, new)
            err = abs(comm - comm1)
            comm = comm1
            i += 1
            if i > iters:
                converged = err <= min_err
                break
        return Extraction(L, vals, converged, i - 1, None)
    msg = f"unknown extraction method {method!r}"  # pragma: no cover - checked by caller
    raise ValueError(msg)


# ----------------------------------------------------------------------------- statistics
def _ncp_root(stat: float, df: float, target: float, upper: float) -> float | None:
    def f(x: float) -> float:
        return float(special.chndtr(stat, df, x) if x > 0 else special.chdtr(df, stat)) - target

    try:
        return float(optimize.brentq(f, 0.0, upper, xtol=1e-10))
    except ValueError:
        return None


def fit_statistics(
    R: np.ndarray,
    L: np.ndarray,
    phi: np.ndarray | None,
    *,
    n_obs: float | None,
    np_obs: np.ndarray | None,
    alpha: float = 0.1,
) -> FitStats:
    """psych ``factor.stats(r, f, phi, n.obs, np.obs, alpha = .1, smooth = TRUE)``."""
    p, k = L.shape
    model = L @ L.T if phi is None else L @ phi @ L.T
    resid = R - model
    r2 = float(np.sum(R * R))
    rstar2 = float(np.sum(resid * resid))
    dof = _dof(p, k)
    np.fill_diagonal(resid, 0.0)
    nh = None
    chi = None
    ebic = None
    crms = None
    if np_obs is None:
        rstar_off = float(np.sum(resid * resid))
        r2_off = r2 - float(np.trace(R))
        rms = math.sqrt(rstar_off / (p * (p - 1)))
        if n_obs is not None:
            chi = rstar_off * n_obs
            if dof > 0:
                ebic = chi - dof * math.log(n_obs)
        if dof > 0:
            crms = math.sqrt(rstar_off / (2 * dof))
    else:
        rstar_off = float(np.sum(resid * resid * np_obs))
        w = R * R * np_obs
        r2_off = float(np.sum(w) - np.trace(w))
        chi = rstar_off
        nh = float(stats.hmean(np_obs.ravel()))
        rms = math.sqrt(rstar_off / (nh * p * (p - 1)))
        if dof > 0:
            crms = math.sqrt(rstar_off / (2 * nh * dof))
            ebic = chi - dof * math.log(nh)
    fit = 1.0 - rstar2 / r2
    fit_off = 1.0 - rstar_off / r2_off

    model_s = model.copy()
    np.fill_diagonal(model_s, np.diag(R))
    model_s = cor_smooth(model_s)[0]
    r_s = cor_smooth(R)[0]
    m_inv_r = np.linalg.solve(model_s, r_s)
    objective: float | None = None
    if not is_numerically_singular(m_inv_r):
        # Both smoothed matrices are positive definite, so det(m_inv_r) > 0 in exact arithmetic.
        objective = float(np.trace(m_inv_r) - np.linalg.slogdet(m_inv_r)[1] - p)
        if not math.isfinite(objective):
            objective = rstar2  # psych: an infinite objective is replaced by the squared residuals
    # else (e.g. an ultra-Heywood model): psych's log(det(m.inv.r)) is NaN or -Inf depending on
    # the rounding of a numerically zero determinant; satscore reports the objective and every
    # statistic built on it as undefined (None), and efa() warns.
    if is_numerically_singular(r_s):
        F0 = r2  # psych: an infinite null objective is replaced by the squared correlations
    else:
        F0 = float(np.trace(r_s) - np.linalg.slogdet(r_s)[1] - p)
    null_dof = p * (p - 1) / 2

    statistic = pvalue = rmsea = lo = hi = tli = bic = sabic = null_chisq = None
    if n_obs is not None and objective is None:
        null_chisq = F0 * ((n_obs - 1) - (2 * p + 5) / 6)
    elif n_obs is not None:
        nm = (n_obs - 1) - (2 * p + 5) / 6 - (2 * k) / 3
        chisq = objective * nm
        statistic = max(chisq, 0.0)
        if dof > 0:
            pvalue = float(stats.chi2.sf(statistic, dof))
        null_chisq = F0 * ((n_obs - 1) - (2 * p + 5) / 6)
        Mm = objective / dof if dof != 0 else math.nan
        M0 = F0 * 2 / (p * (p - 1))
        tli = (M0 - Mm) / (M0 - 1 / nm) if dof != 0 else None
        if dof > 0:
            rmsea = math.sqrt(max(chisq / (dof * n_obs) - 1 / (n_obs - 1), 0.0))
            tail = alpha / 2
            upper = max(n_obs, chisq) + 2 * n_obs
            cdf0 = float(stats.chi2.cdf(statistic, dof))
            hi = 0.0
            if cdf0 > tail:
                root = _ncp_root(statistic, dof, tail, upper)
                hi = None if root is None else math.sqrt(root / (n_obs - 1) / dof)
            lo = 0.0
            if cdf0 > 1 - tail:
                root = _ncp_root(statistic, dof, 1 - tail, upper)
                lo = None if root is None else math.sqrt(root / (n_obs - 1) / dof)
            if hi is not None and hi < rmsea:
                hi = None
            if lo is not None and lo > rmsea:
                lo = None
            bic = chisq - dof * math.log(n_obs)
            sabic = chisq - dof * math.log((n_obs + 2) / 24)
    return FitStats(
        dof=dof,
        objective=objective,
        statistic=statistic,
        pvalue=pvalue,
        rmsea=rmsea,
        rmsea_low=lo,
        rmsea_high=hi,
        tli=tli,
        bic=bic,
        sabic=sabic,
        null_chisq=null_chisq,
        null_dof=null_dof,
        fit=fit,
        fit_off=fit_off,
        rms=rms,
        crms=crms,
        chi_empirical=chi,
        ebic=ebic,
        n_harmonic=nh,
    )

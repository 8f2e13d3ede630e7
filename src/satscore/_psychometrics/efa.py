"""Exploratory factor analysis as ``psych::fa`` (psych 2.2.9) computes it."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_option
from satscore._core.errors import (
    ConvergenceWarning,
    DataError,
    HeywoodWarning,
    ModelSpecificationError,
    NonPositiveDefiniteWarning,
)
from satscore._core.results import ConfidenceInterval, ResultMixin
from satscore._psychometrics.efa_fit import (
    extract,
    fit_statistics,
    max_factors,
)
from satscore._psychometrics.efa_input import (
    check_correlation_matrix,
    check_n_factors,
    prepare_correlations,
)
from satscore._stats.rotation import ROTATIONS, rotate
from satscore._stats.threads import with_single_threaded_blas

__all__ = ["EFAResult", "efa"]

_PREFIX = {"minres": "MR", "ml": "ML", "pa": "PA"}
_ROTATION_ALIASES = {"geominQ": "geomin"}


@dataclasses.dataclass(frozen=True)
class EFAResult(ResultMixin):
    """Result of :func:`efa`, with psych's names, order and signs.

    Attributes
    ----------
    loadings : pandas.DataFrame
        Pattern loadings, items x factors. Factors are named as psych names them before it
        sorts them ("MR1".., "ML1".., "PA1".. by extraction order), then ordered by the
        variance they explain after rotation; each column is reflected to a positive sum.
    structure : pandas.DataFrame
        Structure matrix ``loadings @ phi`` (item-factor correlations).
    phi : pandas.DataFrame
        Factor correlations (identity for orthogonal rotations or none).
    communalities : pandas.Series
        ``h2 = diag(L Phi L')`` (invariant to rotation; correct for oblique rotations).
    uniquenesses : pandas.Series
        ``u2 = diag(R) - h2``.
    complexity : pandas.Series
        Hofmann's item complexity ``(sum l^2)^2 / sum l^4`` of the pattern loadings.
    variance : pandas.DataFrame
        psych's ``Vaccounted``: per factor ``ss_loadings`` (``diag(Phi L'L)`` for oblique
        rotations), ``proportion_var``, ``cumulative_var``, ``proportion_explained``,
        ``cumulative_proportion``.
    eigenvalues : pandas.Series
        Eigenvalues of the correlation matrix (psych ``e.values``).
    common_eigenvalues : pandas.Series
        Eigenvalues of the reduced matrix with the communalities on the diagonal (``values``).
    correlation : pandas.DataFrame
        The correlation matrix analysed.
    chi_square : float or None
        psych's ``STATISTIC``: ML objective times ``n - 1 - (2p + 5)/6 - 2k/3``.
    dof : float
        Degrees of freedom ``p(p-1)/2 - pk + k(k-1)/2``.
    p_value : float or None
        Upper-tail chi-square probability of ``chi_square``.
    objective : float or None
        Value of the ML discrepancy of the (smoothed) model and data matrices; None (with a
        warning) where it is undefined because the determinant of ``model^-1 R`` is negative
        (psych: NaN), and then so are ``chi_square``, ``p_value``, RMSEA, TLI and BIC.
    rmsea : float or None
        Root mean square error of approximation (``n_obs``-based, as psych).
    rmsea_ci : ConfidenceInterval or None
        90% interval for RMSEA from the non-central chi-square (a bound is ``None`` where
        psych reports ``NA``).
    tli : float or None
        Tucker-Lewis index.
    bic, sabic : float or None
        ``chi2 - df log(N)`` and the sample-size adjusted ``chi2 - df log((N + 2)/24)``.
    null_chi_square : float or None
        Chi-square of the independence model (``null_dof`` degrees of freedom).
    null_dof : float
        ``p(p-1)/2``.
    fit, fit_off : float
        psych's ``fit`` and ``fit.off`` (1 - squared residuals / squared correlations).
    rms, crms : float or None
        Root mean square off-diagonal residual and its df-corrected version.
    chi_empirical, ebic : float or None
        Empirical chi-square from the residuals (weighted by pairwise counts) and its BIC.
    n_obs : int or None
        Number of observations (rows of the raw data, or ``n_obs`` given with a matrix).
    method : str
        Extraction method: "minres", "ml" or "pa".
    rotation : str or None
        Rotation applied.
    converged : bool
        Whether the extraction (and rotation) met its convergence criterion.
    iterations : int
        Iterations of the extraction.
    heywood_items : tuple of str
        Items with a communality above one or a uniqueness at the 0.005 lower bound.
    """

    loadings: pd.DataFrame
    structure: pd.DataFrame
    phi: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    complexity: pd.Series
    variance: pd.DataFrame
    eigenvalues: pd.Series
    common_eigenvalues: pd.Series
    correlation: pd.DataFrame
    chi_square: float | None
    dof: float
    p_value: float | None
    objective: float | None
    rmsea: float | None
    rmsea_ci: ConfidenceInterval | None
    tli: float | None
    bic: float | None
    sabic: float | None
    null_chi_square: float | None
    null_dof: float
    fit: float
    fit_off: float
    rms: float
    crms: float | None
    chi_empirical: float | None
    ebic: float | None
    n_obs: int | None
    method: str
    rotation: str | None
    converged: bool
    iterations: int
    heywood_items: tuple[str, ...]

    _title = "Exploratory factor analysis"

    @property
    def n_factors(self) -> int:
        """Number of factors."""
        return self.loadings.shape[1]

    def summary(self) -> pd.DataFrame:
        """One row per item: loadings (lower-case factor names), ``h2``, ``u2``, ``complexity``."""
        out = self.loadings.copy()
        out.columns = [c.lower() for c in out.columns]
        out.insert(0, "item", out.index.astype(str))
        out["h2"] = self.communalities.to_numpy()
        out["u2"] = self.uniquenesses.to_numpy()
        out["complexity"] = self.complexity.to_numpy()
        return out.reset_index(drop=True)

    def fit_measures(self) -> pd.DataFrame:
        """Fit statistics as a one-row tidy DataFrame (psych's names in snake_case)."""
        ci = self.rmsea_ci
        row = {
            "n_obs": self.n_obs,
            "n_factors": self.n_factors,
            "chi_square": self.chi_square,
            "dof": self.dof,
            "p_value": self.p_value,
            "rmsea": self.rmsea,
            "rmsea_low": None if ci is None else ci.low,
            "rmsea_high": None if ci is None else ci.high,
            "tli": self.tli,
            "bic": self.bic,
            "sabic": self.sabic,
            "rms": self.rms,
            "crms": self.crms,
            "fit": self.fit,
            "fit_off": self.fit_off,
            "objective": self.objective,
        }
        return pd.DataFrame([row])

    def __repr__(self) -> str:
        rmsea = "NA" if self.rmsea is None else f"{self.rmsea:.4f}"
        tli = "NA" if self.tli is None else f"{self.tli:.4f}"
        return (
            f"EFAResult(method={self.method!r}, rotation={self.rotation!r}, "
            f"n_factors={self.n_factors}, n_obs={self.n_obs}, rmsea={rmsea}, tli={tli})"
        )


@with_single_threaded_blas
def efa(
    data: Any,
    n_factors: int,
    *,
    method: str = "minres",
    rotation: str | None = "oblimin",
    cor: str = "pearson",
    missing: str = "pairwise",
    n_obs: int | None = None,
    max_iter: int | None = None,
) -> EFAResult:
    """Exploratory factor analysis, number for number as ``psych::fa``.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Raw item responses (rows = respondents, NaN = missing) or a correlation matrix
        (square, symmetric, unit diagonal; then give ``n_obs`` for the fit statistics).
    n_factors : int
        Number of factors; at most the number with non-negative degrees of freedom.
    method : {"minres", "ml", "pa"}
        Minimum residual (psych's default), maximum likelihood, or iterated principal axes.
    rotation : {"oblimin", "promax", "varimax", "geomin", "quartimax", "Promax", None}
        psych's rotations: ``"promax"`` is Kaiser-normalised Promax (psych's
        ``rotate = "promax"``), ``"Promax"`` the unnormalised one; ``"geomin"`` is
        GPArotation's ``geominQ`` (oblique, delta 0.01). ``None`` leaves the solution
        unrotated.
    cor : {"pearson", "polychoric"}
        Correlations analysed (polychoric: psych's two-step estimate).
    missing : {"pairwise", "listwise"}
        Deletion for raw data. psych uses pairwise correlations and counts.
    n_obs : int, optional
        Sample size when ``data`` is a correlation matrix.
    max_iter : int, optional
        Iteration limit of the extraction (psych: 100 for L-BFGS-B, 50 for ``pa``).

    Returns
    -------
    EFAResult

    Raises
    ------
    DataError
        Too few respondents, a constant item, a singular correlation matrix.
    ModelSpecificationError
        More factors than the degrees of freedom allow.
    OptionError
        Unknown method, rotation or correlation type.

    Warns
    -----
    HeywoodWarning
        A communality at or above one (uniqueness at its lower bound), naming the items.
    NonPositiveDefiniteWarning
        An indefinite (pairwise) correlation matrix, or ML fit statistics that are undefined
        (psych: NaN) and returned as None.

    Examples
    --------
    >>> import satscore
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(500, 2))
    >>> X = np.hstack(
    ...     [
    ...         f[:, [0]] + rng.normal(scale=0.8, size=(500, 3)),
    ...         f[:, [1]] + rng.normal(scale=0.8, size=(500, 3)),
    ...     ]
    ... )
    >>> res = satscore.efa(pd.DataFrame(X, columns=list("abcdef")), 2)
    >>> # R: psych::fa(X, nfactors = 2, fm = "minres", rotate = "oblimin")
    >>> list(res.loadings.columns)
    ['MR1', 'MR2']
    >>> round(float(res.loadings.loc["a"].abs().max()), 2)
    0.75
    """
    check_option("method", method, tuple(_PREFIX))
    rotation = _ROTATION_ALIASES.get(rotation, rotation) if isinstance(rotation, str) else rotation
    if rotation == "none":
        rotation = None
    check_option("rotation", rotation, (*ROTATIONS, None))
    check_option("cor", cor, ("pearson", "polychoric"))
    check_option("missing", missing, ("pairwise", "listwise"))
    k = check_n_factors(n_factors)

    R_df, np_obs, n = prepare_correlations(data, cor=cor, missing=missing, n_obs=n_obs)
    items = [str(c) for c in R_df.columns]
    p = len(items)
    if p < 2:
        msg = f"found {p} item; factor analysis needs at least 2 (3 or more per factor)."
        raise DataError(msg)
    kmax = max_factors(p)
    if k > kmax:
        msg = (
            f"n_factors={k} is too many for {p} items: the model would have negative degrees "
            f"of freedom ({p * (p - 1) / 2 - p * k + k * (k - 1) / 2:g}). The maximum for {p} "
            f"items is {kmax}; reduce n_factors or add items."
        )
        raise ModelSpecificationError(msg)
    if n is not None and np_obs is not None and n <= p:
        msg = (
            f"found {n} respondents for {p} items; an EFA needs more respondents than items "
            "(ideally 5-10 per item). Collect more data or analyse fewer items."
        )
        raise DataError(msg)
    check_correlation_matrix(R_df)
    R = R_df.to_numpy(dtype=float)

    ex = extract(R, k, method, max_iter=max_iter)
    L = ex.loadings.copy()
    s = np.sign(L.sum(axis=0))
    s[s == 0] = 1.0
    L = L * s
    L[L == 0] = 1e-15
    names = np.array([f"{_PREFIX[method]}{j + 1}" for j in range(k)])
    h2 = np.sum(L * L, axis=1)

    rot = rotate(L, rotation) if k > 1 else rotate(L, None)
    Lr = rot.loadings
    phi = rot.phi if rot.oblique else None
    s = np.sign(Lr.sum(axis=0))
    s[s == 0] = 1.0
    Lr = Lr * s
    if phi is not None:
        phi = phi * np.outer(s, s)
    if k > 1:
        ev = np.diag(phi @ Lr.T @ Lr) if phi is not None else np.sum(Lr * Lr, axis=0)
        order = np.argsort(-ev, kind="stable")
        Lr = Lr[:, order]
        names = names[order]
        if phi is not None:
            phi = phi[np.ix_(order, order)]

    st = fit_statistics(R, Lr, phi, n_obs=n, np_obs=np_obs)
    if st.objective is None:
        warnings.warn(
            "the ML fit statistics (objective, chi_square, p_value, RMSEA, TLI, BIC) are "
            "undefined: the smoothed model and correlation matrices are numerically singular "
            "(determinant of model^-1 R negative; psych reports NaN), as an ultra-Heywood "
            "solution or an indefinite pairwise correlation matrix produces. Use fewer "
            "factors, another method, or missing='listwise'.",
            NonPositiveDefiniteWarning,
            stacklevel=2,
        )

    u2 = np.diag(R) - h2
    heywood = [
        items[i]
        for i in range(p)
        if h2[i] > 1.0 or (ex.psi is not None and ex.psi[i] <= 0.005 + 1e-8)
    ]
    if heywood:
        warnings.warn(
            f"Heywood case: item(s) {heywood} have a communality at or above 1 (uniqueness "
            f"{', '.join(f'{u2[items.index(i)]:.3f}' for i in heywood)}); the solution is "
            "improper. Try fewer factors, another method, or check those items.",
            HeywoodWarning,
            stacklevel=2,
        )
    converged = ex.converged and rot.converged
    if not ex.converged:
        warnings.warn(
            f"the {method} extraction did not converge in {ex.iterations} iterations; "
            "raise max_iter or check the number of factors.",
            ConvergenceWarning,
            stacklevel=2,
        )

    phi_full = phi if phi is not None else np.eye(k)
    vx = np.diag(phi_full @ Lr.T @ Lr)
    vtotal = float(np.sum(h2 + u2))
    variance = pd.DataFrame(
        {
            "ss_loadings": vx,
            "proportion_var": vx / vtotal,
            "cumulative_var": np.cumsum(vx / vtotal),
            "proportion_explained": vx / vx.sum(),
            "cumulative_proportion": np.cumsum(vx / vx.sum()),
        },
        index=pd.Index(names, name="factor"),
    )
    cols = [str(c) for c in names]  # Python str, also on pandas 2 (not np.str_)
    idx = pd.Index(items, name="item")
    loadings = pd.DataFrame(Lr, index=idx, columns=cols)
    complexity = np.sum(Lr**2, axis=1) ** 2 / np.sum(Lr**4, axis=1)
    rmsea_ci = None
    if st.rmsea is not None:
        rmsea_ci = ConfidenceInterval(st.rmsea_low, st.rmsea_high)
    return EFAResult(
        loadings=loadings,
        structure=pd.DataFrame(Lr @ phi_full, index=idx, columns=cols),
        phi=pd.DataFrame(phi_full, index=cols, columns=cols),
        communalities=pd.Series(h2, index=idx, name="h2"),
        uniquenesses=pd.Series(u2, index=idx, name="u2"),
        complexity=pd.Series(complexity, index=idx, name="complexity"),
        variance=variance,
        eigenvalues=pd.Series(np.linalg.eigvalsh(R)[::-1], name="eigenvalue"),
        common_eigenvalues=pd.Series(ex.values, name="eigenvalue"),
        correlation=R_df,
        chi_square=st.statistic,
        dof=st.dof,
        p_value=st.pvalue,
        objective=st.objective,
        rmsea=st.rmsea,
        rmsea_ci=rmsea_ci,
        tli=st.tli,
        bic=st.bic,
        sabic=st.sabic,
        null_chi_square=st.null_chisq,
        null_dof=st.null_dof,
        fit=st.fit,
        fit_off=st.fit_off,
        rms=st.rms,
        crms=st.crms,
        chi_empirical=st.chi_empirical,
        ebic=st.ebic,
        n_obs=n,
        method=method,
        rotation=rotation,
        converged=converged,
        iterations=ex.iterations,
        heywood_items=tuple(heywood),
    )

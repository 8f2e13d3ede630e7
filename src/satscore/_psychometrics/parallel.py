"""How many factors? Horn's parallel analysis (psych ``fa.parallel``) and Velicer's MAP.

Parallel analysis (psych 2.2.9 ``fa.parallel`` defaults): the eigenvalues of the observed
correlation matrix (components) and of the matrix with one-factor minres communalities on the
diagonal (factors; psych's ``fa(r, 1, rotate = "none")$values``) are compared with the same
eigenvalues of correlation matrices of (a) normal data of the same size ("simulated") and
(b) data resampled column by column with replacement ("resampled"). The suggested number is
the count of leading observed eigenvalues that exceed the ``quantile`` of the simulated ones.
The simulations are batched: one array of all replicate data sets, batched correlation
matrices and batched ``eigvalsh``; only the one-factor fits of the factor version loop.

MAP (Velicer 1976; psych ``VSS``/``vss`` ``map``): average squared partial correlation after
partialling out the first ``k`` principal components; the 2000 revision (Velicer, Eaton &
Fava) uses the fourth power.
"""

from __future__ import annotations

import dataclasses
import numbers
import warnings
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_option, check_probability, check_rng
from satscore._core.errors import (
    DataError,
    NonPositiveDefiniteWarning,
    OptionError,
    SatscoreWarning,
)
from satscore._core.results import ResultMixin
from satscore._psychometrics.efa_fit import extract
from satscore._psychometrics.efa_input import check_correlation_matrix, prepare_correlations
from satscore._psychometrics.polychoric import polychoric
from satscore._stats.threads import with_single_threaded_blas

__all__ = ["MAPResult", "ParallelAnalysisResult", "parallel_analysis", "velicer_map"]


@dataclasses.dataclass(frozen=True)
class ParallelAnalysisResult(ResultMixin):
    """Result of :func:`parallel_analysis`.

    Attributes
    ----------
    n_factors : int or None
        Suggested number of factors (leading factor eigenvalues above the simulated quantile;
        psych ``nfact``). ``None`` when ``fa="pc"``.
    n_components : int or None
        Suggested number of components (psych ``ncomp``). ``None`` when ``fa="fa"``.
    eigenvalues : pandas.DataFrame
        One row per position ``k`` = 1..p: ``pc_observed``, ``fa_observed`` and, for the
        simulated and resampled replicates, ``*_mean`` and ``*_quantile``.
    n_iter : int
        Replicates per kind.
    quantile : float
        Quantile of the replicate eigenvalues used as threshold.
    n_obs : int
        Sample size simulated.
    """

    n_factors: int | None
    n_components: int | None
    eigenvalues: pd.DataFrame
    n_iter: int
    quantile: float
    n_obs: int

    _title = "Parallel analysis"

    def summary(self) -> pd.DataFrame:
        """The eigenvalue table with a ``position`` column."""
        return self.eigenvalues.reset_index()


@dataclasses.dataclass(frozen=True)
class MAPResult(ResultMixin):
    """Result of :func:`velicer_map`.

    Attributes
    ----------
    n_factors : int
        Number of components minimising the average squared partial correlation (k >= 1,
        as psych reports it).
    n_factors_revised : int
        Same for the fourth-power criterion (Velicer, Eaton & Fava 2000).
    table : pandas.DataFrame
        Rows k = 0..n (k = 0 is the average squared correlation itself); columns ``map``
        (squared; psych's ``map`` for k >= 1) and ``map4`` (fourth power). NaN (with a
        warning) where a non-positive-definite matrix makes a partial variance negative, as
        psych.
    """

    n_factors: int
    n_factors_revised: int
    table: pd.DataFrame

    _title = "Velicer's MAP"

    def summary(self) -> pd.DataFrame:
        """The MAP table with a ``k`` column."""
        return self.table.reset_index()


# ------------------------------------------------------------------------------------------
def _batched_cor(X: np.ndarray) -> np.ndarray:
    """Pairwise-complete Pearson correlations of a batch ``(b, n, p)`` (NaN = missing)."""
    M = (~np.isnan(X)).astype(float)
    X0 = np.where(M > 0, X, 0.0)
    if M.min() == 1.0:
        Xc = X0 - X0.mean(axis=1, keepdims=True)
        C = np.swapaxes(Xc, 1, 2) @ Xc
        ss = np.einsum("bii->bi", C)
        scale = np.einsum("bni,bni->bi", X0, X0)
        d = np.where(ss > 1e-10 * scale, np.sqrt(ss), np.nan)  # a constant column: NaN, as R
        return C / (d[:, :, None] * d[:, None, :])
    Mt = np.swapaxes(M, 1, 2)
    n = Mt @ M
    sx = np.swapaxes(X0, 1, 2) @ M  # sum of x_i over rows where j is observed
    sxx = np.swapaxes(X0 * X0, 1, 2) @ M
    sxy = np.swapaxes(X0, 1, 2) @ X0
    sy = np.swapaxes(sx, 1, 2)
    syy = np.swapaxes(sxx, 1, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n
        vx = sxx - sx * sx / n
        vy = syy - sy * sy / n
        # an item constant on the rows a pair shares: NaN as R's cor (not rounding noise)
        varies = (vx > 1e-10 * sxx) & (vy > 1e-10 * syy)
        return np.where(varies, cov / np.sqrt(vx * vy), np.nan)


def _polychoric_batch(X: np.ndarray, names: pd.Index) -> np.ndarray:
    """Polychoric matrices of a batch of resampled data sets (one fit per replicate)."""
    out = np.empty((X.shape[0], X.shape[2], X.shape[2]))
    for b in range(X.shape[0]):
        with warnings.catch_warnings():
            # smoothing/sparse-table notes on resampled data are expected and not actionable
            warnings.simplefilter("ignore", SatscoreWarning)
            try:
                rho = polychoric(pd.DataFrame(X[b], columns=names)).rho
            except DataError:  # e.g. a resampled item with one category: redrawn
                out[b] = np.nan
                continue
        out[b] = np.asarray(rho, dtype=float)
    return out


def _resampled_cors(
    raw: np.ndarray, n: int, n_iter: int, rng: np.random.Generator, cor: str, names: pd.Index
) -> np.ndarray:
    """Correlation matrices of ``n_iter`` column-wise resamples of ``raw``.

    As psych's ``fa.parallel``, a resample whose correlations are undefined (a resampled item
    that came out constant) is drawn again.
    """
    p = raw.shape[1]
    out = np.empty((n_iter, p, p))
    todo = np.arange(n_iter)
    for _attempt in range(100):
        idx = rng.integers(0, raw.shape[0], size=(todo.size, n, p))
        X = np.take_along_axis(raw[None, :, :], idx, axis=1)
        C = _polychoric_batch(X, names) if cor == "polychoric" else _batched_cor(X)
        ok = ~np.isnan(C).any(axis=(1, 2))
        out[todo[ok]] = C[ok]
        todo = todo[~ok]
        if todo.size == 0:
            return out
    sd = np.nanstd(raw, axis=0)
    rare = [str(names[i]) for i in np.argsort(sd)[:3]]
    msg = (
        "parallel analysis could not draw resamples with defined correlations in 100 attempts: "
        f"items such as {rare} are (almost) constant, so resampled copies come out constant. "
        "Drop those items or use resample=False."
    )
    raise DataError(msg)


def _fa_values(R: np.ndarray, method: str, *, smc_start: bool = True) -> np.ndarray:
    """psych ``fa(R, nfactors = 1, rotate = "none", fm = method, SMC = smc_start)$values``.

    psych's ``fa.parallel`` uses ``SMC = TRUE`` for the observed matrix and ``SMC = FALSE``
    for the replicates (which matters for ``fm = "pa"`` only: its iterations then start
    from communalities of 1).
    """
    return extract(R, 1, method, smc_start=smc_start).values


@with_single_threaded_blas
def parallel_analysis(
    data: Any,
    *,
    n_iter: int = 20,
    fa: str = "both",
    quantile: float = 0.95,
    method: str = "minres",
    cor: str = "pearson",
    missing: str = "pairwise",
    resample: bool = True,
    n_obs: int | None = None,
    seed: Any = None,
) -> ParallelAnalysisResult:
    """Horn's parallel analysis with psych ``fa.parallel``'s definitions.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Raw responses, or a correlation matrix with ``n_obs`` (then only simulated data).
    n_iter : int, default 20
        Replicates (psych's default 20).
    fa : {"both", "fa", "pc"}
        Suggest factors, components, or both.
    quantile : float, default 0.95
        Quantile of the replicate eigenvalues compared with the observed ones (psych
        ``quant``).
    method : {"minres", "ml", "pa"}
        Extraction for the one-factor communalities of the factor eigenvalues.
    cor : {"pearson", "polychoric"}
        Correlation type of the observed and the resampled data. As in psych, the simulated
        normal data always use Pearson correlations; polychoric resampling fits one
        polychoric matrix per replicate (about a second each for 25 items).
    missing : {"pairwise", "listwise"}
        Deletion for the observed correlations.
    resample : bool, default True
        Also compute eigenvalues of column-wise resampled data (raw data only).
    n_obs : int, optional
        Sample size when ``data`` is a correlation matrix.
    seed : None, int or numpy.random.Generator
        Randomness; psych uses R's RNG, so replicate values cannot match R draw for draw.

    Returns
    -------
    ParallelAnalysisResult

    Notes
    -----
    The observed eigenvalues are psych's exactly; the replicate eigenvalues follow psych's
    definitions (the factor version of every replicate is ``fa(..., SMC = FALSE)``, which for
    ``method="pa"`` starts from communalities of 1) and agree with R's in distribution.
    Deliberate departures from ``fa.parallel``: a replicate whose pairwise correlations are
    undefined is dropped instead of redrawn; with ``fa="fa"`` and a correlation matrix psych
    compares the factor eigenvalues with the *mean* of the simulated ones (its other branches
    use the quantile), satscore always uses ``quantile``; when every observed eigenvalue
    exceeds its threshold psych reports ``NA`` and satscore the number of items.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import satscore
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(400, 2))
    >>> X = np.repeat(f, 4, axis=1) + rng.normal(size=(400, 8))
    >>> pa = satscore.parallel_analysis(pd.DataFrame(X), seed=1)
    >>> # R: psych::fa.parallel(X)
    >>> pa.n_factors, pa.n_components
    (2, 2)
    """
    check_option("fa", fa, ("both", "fa", "pc"))
    check_option("method", method, ("minres", "ml", "pa"))
    check_option("cor", cor, ("pearson", "polychoric"))
    quantile = check_probability("quantile", quantile)
    if isinstance(n_iter, bool) or not isinstance(n_iter, numbers.Integral) or n_iter < 2:
        msg = f"n_iter must be an integer >= 2; found {n_iter!r}. psych's default is 20."
        raise OptionError(msg)
    rng = check_rng(seed)
    R_df, counts, n = prepare_correlations(data, cor=cor, missing=missing, n_obs=n_obs)
    if n is None:
        msg = (
            "a correlation matrix was given without n_obs; parallel analysis simulates data of "
            "the same size, so pass n_obs= (psych silently assumes 100)."
        )
        raise OptionError(msg)
    check_correlation_matrix(R_df)
    R = R_df.to_numpy(dtype=float)
    p = R.shape[0]
    pc_obs = np.linalg.eigvalsh(R)[::-1]
    do_fa = fa != "pc"
    fa_obs = _fa_values(R, method) if do_fa else np.full(p, np.nan)

    table = {"pc_observed": pc_obs, "fa_observed": fa_obs}
    kinds = {"simulated": _batched_cor(rng.standard_normal((n_iter, n, p)))}
    if resample and counts is not None:
        raw = data.to_numpy(dtype=float) if isinstance(data, pd.DataFrame) else np.asarray(data)
        if missing == "listwise":
            raw = raw[~np.isnan(raw).any(axis=1)]
        kinds["resampled"] = _resampled_cors(raw, n, n_iter, rng, cor, R_df.columns)
    for kind, C in kinds.items():
        pc = np.linalg.eigvalsh(C)[:, ::-1]
        table[f"pc_{kind}_mean"] = pc.mean(axis=0)
        table[f"pc_{kind}_quantile"] = np.quantile(pc, quantile, axis=0)
        if do_fa:
            fv = np.array([_fa_values(c, method, smc_start=False) for c in C])
            table[f"fa_{kind}_mean"] = fv.mean(axis=0)
            table[f"fa_{kind}_quantile"] = np.quantile(fv, quantile, axis=0)

    def leading(obs: np.ndarray, thr: np.ndarray) -> int:
        below = np.flatnonzero(~(obs > thr))
        return int(below[0]) if below.size else p

    n_comp = leading(pc_obs, table["pc_simulated_quantile"]) if fa != "fa" else None
    n_fact = leading(fa_obs, table["fa_simulated_quantile"]) if do_fa else None
    eig = pd.DataFrame(table, index=pd.RangeIndex(1, p + 1, name="position"))
    if not do_fa:
        eig = eig.drop(columns="fa_observed")
    return ParallelAnalysisResult(
        n_factors=n_fact,
        n_components=n_comp,
        eigenvalues=eig,
        n_iter=int(n_iter),
        quantile=quantile,
        n_obs=int(n),
    )


@with_single_threaded_blas
def velicer_map(
    data: Any,
    *,
    max_factors: int = 8,
    cor: str = "pearson",
    missing: str = "pairwise",
) -> MAPResult:
    """Velicer's minimum average partial (MAP) test, as psych ``VSS``'s ``map``.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Raw responses or a correlation matrix.
    max_factors : int, default 8
        Largest number of components tried (psych ``n = 8``; at most p - 1).
    cor, missing
        As in :func:`satscore.efa`.

    Returns
    -------
    MAPResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import satscore
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(400, 2))
    >>> X = np.repeat(f, 4, axis=1) + rng.normal(size=(400, 8))
    >>> res = satscore.velicer_map(pd.DataFrame(X))
    >>> # R: psych::VSS(X, n = 8)$map
    >>> res.n_factors, res.n_factors_revised
    (2, 2)
    """
    if isinstance(max_factors, bool) or not isinstance(max_factors, numbers.Integral):
        msg = f"max_factors must be a positive integer; found {max_factors!r}."
        raise OptionError(msg)
    if max_factors < 1:
        msg = f"max_factors must be at least 1; found {max_factors}."
        raise OptionError(msg)
    check_option("cor", cor, ("pearson", "polychoric"))
    R_df, _counts, _n = prepare_correlations(data, cor=cor, missing=missing, n_obs=None)
    check_correlation_matrix(R_df)
    R = R_df.to_numpy(dtype=float)
    p = R.shape[0]
    n1 = min(int(max_factors), p - 1)
    vals, vecs = np.linalg.eigh(R)
    off = ~np.eye(p, dtype=bool)
    m2 = np.empty(n1 + 1)
    m4 = np.empty(n1 + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        # as psych: a negative eigenvalue gives a NaN component, a negative partial variance
        # a NaN criterion (both only with a non-positive-definite matrix)
        comp = vecs[:, ::-1] * np.sqrt(vals[::-1])
        for k in range(n1 + 1):
            c = R - comp[:, :k] @ comp[:, :k].T
            d = 1.0 / np.sqrt(np.diag(c))
            r = (c * np.outer(d, d))[off]
            m2[k] = np.sum(r**2) / (p * (p - 1))
            m4[k] = np.sum(r**4) / (p * (p - 1))
    undefined = [int(k) for k in np.flatnonzero(np.isnan(m2[1:])) + 1]
    if len(undefined) == n1:
        msg = (
            "Velicer's MAP is undefined for every number of components: the correlation "
            "matrix is not positive definite (negative partial variances). Use "
            "missing='listwise' or drop items with few answers in common."
        )
        raise DataError(msg)
    if undefined:
        warnings.warn(
            f"Velicer's MAP is undefined for k = {undefined} components (negative partial "
            "variances: the correlation matrix is not positive definite; psych reports NaN); "
            "the minimum is taken over the other k. Use missing='listwise' to avoid it.",
            NonPositiveDefiniteWarning,
            stacklevel=2,
        )
    table = pd.DataFrame({"map": m2, "map4": m4}, index=pd.RangeIndex(0, n1 + 1, name="k"))
    return MAPResult(
        n_factors=int(np.nanargmin(m2[1:]) + 1),
        n_factors_revised=int(np.nanargmin(m4[1:]) + 1),
        table=table,
    )

"""Confirmatory factor analysis by maximum likelihood (lavaan's defaults).

The fit works on sample moments only (one pass over the data), so its cost after that pass does
not depend on the number of respondents. Estimation is Fisher scoring (Gauss-Newton on the ML
discrepancy with the expected information) with step halving; standard errors come from the
expected information, as lavaan's default for complete-data ML.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ._cfa_fit import (
    FitState,
    estimates_table,
    fit_measures,
    modification_indices,
    residual_correlations,
)
from ._cfa_model import (
    EQUAL_OPTIONS,
    LOADING,
    LV_COV,
    RESID,
    Moments,
    ParTable,
    build_partable,
    check_structure,
    evaluate,
    implied,
    jacobian,
    normalise_parameter,
)
from ._cfa_syntax import ParsedModel, parse_model
from ._checks import check_option
from ._results import ConfidenceInterval, ResultMixin
from .errors import (
    ConvergenceWarning,
    DataError,
    HeywoodWarning,
    ModelSpecificationError,
    OptionError,
    SatscoreTypeError,
    SatscoreWarning,
)

__all__ = ["CFAResult", "fit_model"]


@dataclasses.dataclass(frozen=True)
class CFAResult(ResultMixin):
    """A fitted confirmatory factor analysis (maximum likelihood, lavaan's defaults).

    Attributes
    ----------
    chi2 : float
        Model chi-square as lavaan reports it: ``sum_g N_g F_ML,g`` (sample covariances with
        divisor N).
    df : int
        Degrees of freedom: sample moments minus free parameters.
    pvalue : float
        p-value of ``chi2`` (NaN for a saturated model, ``df = 0``).
    cfi, tli : float
        Comparative fit index and Tucker-Lewis index against the independence model.
    rmsea : float
        Root mean square error of approximation, ``sqrt(max(chi2/df - 1, 0) / N)`` times
        ``sqrt(G)`` for G groups.
    rmsea_ci : ConfidenceInterval
        90% interval for the RMSEA (lavaan's non-centrality method).
    srmr : float
        Standardized root mean square residual (lavaan's ``srmr``: Bentler's, means included
        when the model has a mean structure).
    loglik, aic, bic : float
        Log-likelihood, Akaike and Bayesian information criteria.
    n : int
        Respondents used (complete cases on the model's items).
    converged : bool
        Whether the optimiser met its convergence criterion.
    iterations : int
        Fisher-scoring iterations used.
    estimates : pandas.DataFrame
        One row per parameter: ``lhs, op, rhs`` (``group`` with several groups), ``label``,
        ``free``, ``est``, ``se``, ``z``, ``pvalue``, ``std_lv``, ``std_all``. Fixed parameters
        have ``se = 0`` and NaN ``z``/``pvalue`` (as in lavaan).
    std_loadings : pandas.DataFrame
        Completely standardized loadings, items x factors (rows ``(group, item)`` with groups);
        0 where an item does not load.
    residual_correlations : pandas.DataFrame or dict
        Observed minus model-implied correlations (lavaan ``residuals(fit, type = "cor")``);
        a dict group -> DataFrame with several groups.
    fit_measures : dict
        All fit measures, including ``baseline_chi2``, ``baseline_df``, ``npar``,
        ``unrestricted_loglik`` and ``srmr_nomean``.
    groups : tuple
        Group labels (order of first appearance), ``("all",)`` for one group.
    n_by_group : dict
        Complete cases per group.
    model : str
        The model in lavaan syntax.
    """

    chi2: float
    df: int
    pvalue: float
    cfi: float
    tli: float
    rmsea: float
    rmsea_ci: ConfidenceInterval
    srmr: float
    loglik: float
    aic: float
    bic: float
    n: int
    converged: bool
    iterations: int
    estimates: pd.DataFrame
    std_loadings: pd.DataFrame
    residual_correlations: Any
    fit_measures: dict
    groups: tuple
    n_by_group: dict
    model: str
    _state: Any = dataclasses.field(default=None, repr=False, compare=False)
    _title = "Confirmatory factor analysis (ML)"

    def summary(self) -> pd.DataFrame:
        """Fit measures as a tidy DataFrame (``measure``, ``value``)."""
        rows = [(k, v) for k, v in self.fit_measures.items()]
        rows.insert(0, ("converged", float(self.converged)))
        return pd.DataFrame(rows, columns=["measure", "value"])

    def modification_indices(self, *, sort: bool = True, minimum: float = 0.0) -> pd.DataFrame:
        """Modification indices (lavaan ``modindices``): ``mi``, ``epc``, ``sepc_lv``, ``sepc_all``.

        One row per fixed or absent loading / covariance whose release is identified.
        ``sort`` orders by decreasing ``mi``; rows with ``mi <= minimum`` are dropped when
        ``minimum > 0``.
        """
        frame = modification_indices(self._state)
        if minimum > 0:
            frame = frame[frame["mi"] > minimum]
        if sort:
            frame = frame.sort_values("mi", ascending=False, kind="stable")
        return frame.reset_index(drop=True)


def _close(name: str, columns: list[str]) -> str:
    close = difflib.get_close_matches(name, columns, n=3, cutoff=0.5)
    return f" Close matches: {', '.join(map(repr, close))}." if close else ""


def _unwrap(data: Any) -> Any:
    inner = getattr(data, "data", None)
    if isinstance(inner, pd.DataFrame) and hasattr(data, "instrument"):
        return inner
    return data


def prepare_moments(
    data: Any,
    pm: ParsedModel,
    *,
    group: str | None,
    sample_cov: Any = None,
    n_obs: int | None = None,
) -> tuple[list[Moments], tuple, int]:
    """Group-wise sample moments after listwise deletion: ``(moments, groups, n_dropped)``."""
    items = list(pm.observed)
    p = len(items)
    if sample_cov is not None:
        return _moments_from_cov(sample_cov, items, n_obs, group), ("all",), 0
    data = _unwrap(data)
    if isinstance(data, np.ndarray) and data.ndim == 2:
        data = pd.DataFrame(data, columns=[f"x{i + 1}" for i in range(data.shape[1])])
    if not isinstance(data, pd.DataFrame):
        msg = (
            f"data must be a pandas DataFrame (one column per item); found "
            f"{type(data).__name__}. Or pass sample_cov=... and n_obs=..."
        )
        raise SatscoreTypeError(msg)
    columns = [str(c) for c in data.columns]
    missing = [i for i in items if i not in columns]
    if missing:
        msg = (
            f"item {missing[0]!r} of the model is not a column of data."
            f"{_close(missing[0], columns)} Fix the model or rename the column"
            + (f"; other missing items: {missing[1:]}." if len(missing) > 1 else ".")
        )
        raise DataError(msg)
    x = _item_matrix(data, items)
    if group is not None:
        if group not in data.columns:
            msg = f"group column {group!r} is not in data.{_close(group, columns)}"
            raise DataError(msg)
        gcol = data[group]
        if isinstance(gcol.dtype, pd.CategoricalDtype):
            labels = [c for c in gcol.cat.categories if (gcol == c).any()]
        else:
            labels = list(pd.unique(gcol.dropna()))
        codes = np.full(len(gcol), -1)
        for k, lab in enumerate(labels):
            codes[(gcol == lab).to_numpy()] = k
    else:
        labels, codes = ["all"], np.zeros(len(x), dtype=int)
    keep = ~np.isnan(x).any(axis=1) & (codes >= 0)
    dropped = int(len(x) - keep.sum())
    moments = []
    for k, lab in enumerate(labels):
        rows = keep & (codes == k)
        xg = x if rows.all() else x[rows]
        ng = xg.shape[0]
        where = f"group {lab!r}" if group is not None else "data"
        if ng < p + 1:
            msg = (
                f"{where} has {ng} complete row(s) on the model's {p} items; a CFA needs at "
                f"least {p + 1} (and in practice many more). Merge small groups or drop the "
                "group from the analysis."
            )
            raise DataError(msg)
        mean = xg.mean(axis=0)
        cov = _centered_crossprod(xg, mean) / ng
        moments.append(_make_moments(ng, mean, cov, items, where))
    return moments, tuple(labels), dropped


def _centered_crossprod(x: np.ndarray, mean: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """``(x - mean)' (x - mean)`` in row chunks (bounded memory, no cancellation)."""
    p = x.shape[1]
    out = np.zeros((p, p))
    for start in range(0, x.shape[0], chunk):
        c = x[start : start + chunk] - mean
        out += c.T @ c
    return out


def _item_matrix(data: pd.DataFrame, items: list[str]) -> np.ndarray:
    """float64 (n x p) copy of the item columns, with typed errors naming the column."""
    cols = {str(c): c for c in data.columns}
    for item in items:
        col = data[cols[item]]
        ok = pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)
        if not ok and col.dtype == object:
            ok = bool(col.dropna().map(lambda v: isinstance(v, (int, float))).all())
        if not ok:
            sample = col.dropna().astype(str).unique()[:3].tolist()
            msg = (
                f"item column {item!r} is not numeric (found values such as {sample}); CFA "
                "needs numeric codes. Convert labels to codes first, e.g. with "
                "instrument.validate(...)."
            )
            raise DataError(msg)
    frame = data.loc[:, [cols[i] for i in items]]
    x = frame.to_numpy(dtype=float, na_value=np.nan)  # may be a read-only view: never written
    empty = [items[k] for k in np.flatnonzero(np.isnan(x).all(axis=0))]
    if empty:
        msg = f"item column {empty[0]!r} has no non-missing values; drop it from the model."
        raise DataError(msg)
    return x


def _moments_from_cov(sample_cov: Any, items: list[str], n_obs: Any, group: Any) -> list[Moments]:
    if group is not None:
        msg = "group= needs raw data; sample_cov supports a single group only."
        raise OptionError(msg)
    if n_obs is None or int(n_obs) != n_obs or int(n_obs) < 2:
        msg = (
            f"sample_cov needs n_obs, the number of respondents (an integer >= 2); found {n_obs!r}."
        )
        raise OptionError(msg)
    if not isinstance(sample_cov, pd.DataFrame):
        msg = "sample_cov must be a DataFrame with item names as index and columns."
        raise SatscoreTypeError(msg)
    cols = [str(c) for c in sample_cov.columns]
    missing = [i for i in items if i not in cols]
    if missing:
        msg = f"item {missing[0]!r} of the model is not in sample_cov.{_close(missing[0], cols)}"
        raise DataError(msg)
    cov = sample_cov.loc[items, items].to_numpy(dtype=float)
    n = int(n_obs)
    # lavaan's sample.cov.rescale: an unbiased covariance is rescaled to divisor N
    cov = cov * (n - 1) / n
    return [_make_moments(n, np.zeros(len(items)), cov, items, "sample_cov")]


def _make_moments(n: int, mean: np.ndarray, cov: np.ndarray, items: list[str], where: str):
    var = np.diag(cov)
    const = [items[i] for i in np.flatnonzero(var <= (1e-8 * np.abs(mean)) ** 2 + 1e-300)]
    if const:
        msg = (
            f"item {const[0]!r} has zero variance in {where}; a constant item cannot be "
            "modelled. Drop it from the model"
            + (f" (also constant: {const[1:]})." if const[1:] else ".")
        )
        raise DataError(msg)
    corr = cov / np.sqrt(np.outer(var, var))
    evals, evecs = np.linalg.eigh(corr)
    if evals[0] < 1e-10:
        vec = evecs[:, 0]
        involved = [items[i] for i in np.argsort(-np.abs(vec)) if abs(vec[i]) > 0.1][:6]
        msg = (
            f"the sample covariance matrix of the model's items in {where} is not positive "
            f"definite (smallest eigenvalue {evals[0]:.2e}); items {involved} are linearly "
            "dependent. Drop a redundant item or collect more complete responses."
        )
        raise DataError(msg)
    logdet = float(np.linalg.slogdet(cov)[1])
    return Moments(n=int(n), mean=mean, cov=cov, logdet=logdet)


def start_values(tab: ParTable, pm: ParsedModel, moments: list[Moments]) -> np.ndarray:
    """Starting values: one-factor principal axes per factor, marker-scaled."""
    theta = np.full(tab.npar, np.nan)
    vals = tab.value.copy()
    obs = tab.observed
    seen: set[str] = set()
    for g, mom in enumerate(moments):
        rows = tab.rows(g)
        sd = np.sqrt(np.diag(mom.cov))
        corr = mom.cov / np.outer(sd, sd)
        comm = np.zeros(len(obs))
        for k, items in enumerate(pm.factors.values()):
            idx = [obs.index(i) for i in items]
            sub = corr[np.ix_(idx, idx)]
            if len(idx) > 1:
                w, v = np.linalg.eigh(sub)
                load = v[:, -1] * np.sqrt(max(w[-1] - (1 - w[-1]) / max(len(idx) - 1, 1), 0.1))
                load *= np.sign(load[0]) if load[0] != 0 else 1.0
            else:
                load = np.array([0.7])
            load = np.clip(load, -0.95, 0.95)
            unstd = load * sd[idx]
            krows = [r for r in rows if tab.kind[r] == LOADING and tab.j[r] == k]
            var_row = [r for r in rows if tab.kind[r] == LV_COV and tab.i[r] == k == tab.j[r]]
            fixed = [r for r in krows if tab.free[r] < 0 and tab.value[r] != 0]
            if fixed:
                pos = idx.index(tab.i[fixed[0]])
                scale = unstd[pos] / tab.value[fixed[0]] if unstd[pos] != 0 else 1.0
                phi = scale**2
            elif var_row and tab.free[var_row[0]] < 0 and tab.value[var_row[0]] > 0:
                scale = np.sqrt(tab.value[var_row[0]])
                phi = tab.value[var_row[0]]
            else:
                scale, phi = 1.0, 1.0
            for r in krows:
                item = obs[tab.i[r]]
                if tab.free[r] >= 0:
                    first_use = (g, item) not in seen
                    vals[r] = unstd[idx.index(tab.i[r])] / scale if first_use else 0.0
            for r in krows:
                seen.add((g, obs[tab.i[r]]))
                comm[tab.i[r]] = max(comm[tab.i[r]], load[idx.index(tab.i[r])] ** 2)
            for r in var_row:
                if tab.free[r] >= 0:
                    vals[r] = phi
        for r in rows:
            if tab.free[r] < 0:
                continue
            if tab.kind[r] == RESID:
                i = tab.i[r]
                vals[r] = mom.cov[i, i] * (1.0 - comm[i]) if i == tab.j[r] else 0.0
            elif tab.kind[r] == 3:  # intercept
                vals[r] = mom.mean[tab.i[r]]
            elif (tab.kind[r] == LV_COV and tab.i[r] != tab.j[r]) or tab.kind[r] == 4:
                vals[r] = 0.0
    for r in range(len(vals)):
        f = tab.free[r]
        if f >= 0 and np.isnan(theta[f]):
            theta[f] = vals[r]
    return theta


def check_identified(tab: ParTable) -> None:
    """Raise if the Jacobian of the implied moments is rank deficient at generic values."""
    q = tab.npar
    p = len(tab.observed)
    per_group = p * (p + 1) // 2 + (p if tab.meanstructure else 0)
    if q > tab.ngroups * per_group:
        msg = (
            f"the model has {q} free parameters but only {tab.ngroups * per_group} sample "
            "moments, so it is not identified (negative degrees of freedom). Remove free "
            "parameters (covariances, cross-loadings) or add items."
        )
        raise ModelSpecificationError(msg)
    # generic, scale-free values: identification is a property of the structure, not the data
    rng = np.random.default_rng(20240601)
    th = np.empty(q)
    for k in range(q):
        r = int(np.flatnonzero(tab.free == k)[0])
        kind, diag = tab.kind[r], tab.i[r] == tab.j[r]
        if kind == LOADING:
            th[k] = rng.uniform(0.5, 1.0)
        elif kind in (LV_COV, RESID):
            th[k] = rng.uniform(0.5, 1.5) if diag else rng.uniform(0.1, 0.3)
        else:
            th[k] = rng.uniform(-1.0, 1.0)
    vals = tab.values(th)
    low = np.tril_indices(p)
    a = tab.incidence()
    blocks = []
    for g in range(tab.ngroups):
        rows = tab.rows(g)
        lam, phi, _, _, al = implied(vals, tab, rows)
        ds, dm = jacobian(tab, rows, lam, phi, al)
        jac = ds[:, low[0], low[1]]
        if tab.meanstructure:
            jac = np.concatenate([jac, dm], axis=1)
        blocks.append(jac.T @ a[rows])
    full = np.vstack(blocks)
    # equilibrate rows and columns so that items on very different scales do not look singular
    rn = np.linalg.norm(full, axis=1)
    full = full[rn > 0] / rn[rn > 0, None]
    cn = np.linalg.norm(full, axis=0)
    full = full / np.where(cn > 0, cn, 1.0)
    _, sv, vt = np.linalg.svd(full, full_matrices=False)
    if sv[-1] < 1e-8 * sv[0]:
        null = np.abs(vt[-1])
        involved = [
            tab.name(int(np.flatnonzero(tab.free == k)[0]))
            for k in np.argsort(-null)[:4]
            if null[k] > 0.05
        ]
        msg = (
            "the model is not identified: the parameters "
            f"{involved} cannot be estimated separately. Fix a loading or a variance per "
            "factor, give each factor enough indicators (3, or 2 if it correlates with another "
            "factor), or remove the offending covariance."
        )
        raise ModelSpecificationError(msg)


def estimate(
    tab: ParTable, theta0: np.ndarray, moments: list[Moments], *, max_iter: int, tol: float
) -> tuple[np.ndarray, float, bool, int]:
    """Fisher scoring with step halving; returns ``(theta, T, converged, iterations)``."""
    n = sum(m.n for m in moments)
    theta = theta0.copy()
    t_val, grad, hess = evaluate(theta, tab, moments)
    if not np.isfinite(t_val):
        # starting values imply a non-PD Sigma: shrink covariances towards zero
        theta = np.where(np.isin(np.arange(tab.npar), _offdiag_params(tab)), 0.0, theta)
        t_val, grad, hess = evaluate(theta, tab, moments)
    converged = False
    it = 0
    while it < max_iter:
        it += 1
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        dec = float(grad @ step)
        if abs(dec) / n < tol:
            converged = True
            break
        factor, accepted = 1.0, False
        while factor > 1e-10:
            cand = theta - factor * step
            c_val = evaluate(cand, tab, moments, want=0)[0]
            if np.isfinite(c_val) and c_val <= t_val + 1e-12 * abs(t_val):
                accepted = True
                break
            factor /= 2.0
        if not accepted:
            break
        theta = cand
        t_val, grad, hess = evaluate(theta, tab, moments)
    return theta, float(t_val), converged, it


def _offdiag_params(tab: ParTable) -> np.ndarray:
    mask = (tab.free >= 0) & np.isin(tab.kind, (LV_COV, RESID)) & (tab.i != tab.j)
    return np.unique(tab.free[mask])


def fit_model(
    data: Any,
    model: Any,
    *,
    estimator: str = "ml",
    missing: str = "listwise",
    std_lv: bool = False,
    group: str | None = None,
    equal: Any = (),
    partial: Any = (),
    sample_cov: Any = None,
    n_obs: int | None = None,
    max_iter: int = 1000,
) -> CFAResult:
    """Implementation of :func:`satscore.cfa` (see there)."""
    if not isinstance(estimator, str) or estimator.lower() != "ml":
        msg = (
            f"estimator={estimator!r} is not supported; satscore.cfa estimates by maximum "
            "likelihood: use estimator='ml' (lavaan's default)."
        )
        raise OptionError(msg)
    check_option("missing", missing, ("listwise",))
    equal = (equal,) if isinstance(equal, str) else tuple(equal)
    for e in equal:
        check_option("equal", e.replace("_", "."), EQUAL_OPTIONS)
    if equal and group is None:
        msg = f"equal={equal!r} constrains parameters across groups; pass group='<column>' too."
        raise OptionError(msg)
    if int(max_iter) < 1:
        raise OptionError(f"max_iter must be a positive integer; found {max_iter!r}.")
    pm = parse_model(model)
    moments, groups, _ = prepare_moments(data, pm, group=group, sample_cov=sample_cov, n_obs=n_obs)
    ngroups = len(moments)
    if pm.n_modifier_groups() not in (1, ngroups):
        msg = (
            f"the model uses c(...) modifiers with {pm.n_modifier_groups()} values but the data "
            f"have {ngroups} group(s) {list(groups)}; give one value per group."
        )
        raise ModelSpecificationError(msg)
    partial = (partial,) if isinstance(partial, str) else tuple(partial)
    _check_partial(partial, pm, equal)
    tab = build_partable(
        pm,
        ngroups=ngroups,
        std_lv=bool(std_lv),
        equal=equal,
        meanstructure=ngroups > 1,
        partial=partial,
    )
    check_structure(pm, tab)
    with small_blas():
        return _fit_tab(pm, tab, moments, groups, int(max_iter))


def _check_partial(partial: tuple, pm: ParsedModel, equal: tuple) -> None:
    if partial and not equal:
        msg = f"partial={partial!r} exempts parameters from equal=...; pass equal=(...) too."
        raise OptionError(msg)
    known = {f"{t.lhs}{t.op}{t.rhs}" for t in pm.terms}
    known |= {f"{x}~1" for x in pm.observed} | {f"{f}~1" for f in pm.latent}
    known |= {f"{x}~~{x}" for x in (*pm.observed, *pm.latent)}
    known |= {f"{a}~~{b}" for a in pm.latent for b in pm.latent}
    for item in partial:
        if normalise_parameter(item) not in known:
            msg = (
                f"partial: {item!r} is not a parameter of the model; write e.g. 'x3 ~1' "
                "(an intercept), 'visual =~ x2' (a loading) or 'x3 ~~ x3' (a residual variance)."
            )
            raise ModelSpecificationError(msg)


def small_blas() -> contextlib.AbstractContextManager:
    """Single-threaded BLAS for the small-matrix iterations (threads only add overhead there,
    and a lot of it on a busy machine); a no-op when threadpoolctl is not installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _fit_tab(
    pm: ParsedModel, tab: ParTable, moments: list[Moments], groups: tuple, max_iter: int
) -> CFAResult:
    theta0 = start_values(tab, pm, moments)
    check_identified(tab)
    theta, t_val, converged, iterations = estimate(
        tab, theta0, moments, max_iter=max_iter, tol=1e-13
    )
    if not converged:
        warnings.warn(
            f"the CFA did not converge after {iterations} iteration(s) (max_iter={max_iter}); "
            "the estimates and fit measures are unreliable. Check for items that barely load, "
            "near-zero variances or a mis-specified model, or raise max_iter.",
            ConvergenceWarning,
            stacklevel=4,
        )
    _, _, hess = evaluate(theta, tab, moments)
    info = 0.5 * hess if hess is not None else np.full((tab.npar, tab.npar), np.nan)
    try:
        d = np.sqrt(np.abs(np.diag(info)))
        cond = np.linalg.cond(info / np.outer(d, d)) if (d > 0).all() else np.inf
    except np.linalg.LinAlgError:
        cond = np.inf
    if not np.isfinite(cond) or cond > 1e14:
        warnings.warn(
            "the information matrix is singular at the solution, so standard errors are not "
            "available (NaN); the model may be empirically under-identified (e.g. a factor "
            "correlation near zero with a two-indicator factor).",
            SatscoreWarning,
            stacklevel=4,
        )
        vcov = np.full_like(info, np.nan)
    else:
        vcov = np.linalg.inv(info)
    state = FitState(tab=tab, theta=theta, moments=moments, groups=groups, vcov=vcov, chi2=t_val)
    _heywood(state)
    return _result(state, pm, converged, iterations)


def _heywood(state: FitState) -> None:
    for g in range(len(state.moments)):
        _, phi, th, _, _ = state.group_matrices(g)
        where = f" in group {state.groups[g]!r}" if len(state.groups) > 1 else ""
        neg = [state.tab.observed[i] for i in np.flatnonzero(np.diag(th) < 0)]
        if neg:
            warnings.warn(
                f"negative residual variance (Heywood case) for item(s) {neg}{where}; the "
                "solution is improper. Check the item's loadings or drop it.",
                HeywoodWarning,
                stacklevel=5,
            )
        if np.linalg.eigvalsh(phi)[0] < 0:
            warnings.warn(
                f"the factor covariance matrix{where} is not positive definite (a factor "
                "correlation beyond +-1); the factors may not be distinct.",
                HeywoodWarning,
                stacklevel=5,
            )


def _result(state: FitState, pm: ParsedModel, converged: bool, iterations: int) -> CFAResult:
    fm = fit_measures(state)
    est = estimates_table(state)
    tab = state.tab
    p, m, ng = len(tab.observed), len(tab.latent), len(state.groups)
    loads = np.zeros((ng, p, m))
    sel = tab.kind == LOADING
    loads[tab.group[sel], tab.i[sel], tab.j[sel]] = est["std_all"].to_numpy()[sel]
    if ng == 1:
        index = pd.Index(list(tab.observed), name="item")
        rescor = residual_correlations(state)[0]
    else:
        index = pd.MultiIndex.from_product(
            [list(state.groups), list(tab.observed)], names=["group", "item"]
        )
        rescor = dict(zip(state.groups, residual_correlations(state), strict=True))
    std = pd.DataFrame(loads.reshape(ng * p, m), index=index, columns=list(tab.latent))
    return CFAResult(
        chi2=fm["chi2"],
        df=fm["df"],
        pvalue=fm["pvalue"],
        cfi=fm["cfi"],
        tli=fm["tli"],
        rmsea=fm["rmsea"],
        rmsea_ci=ConfidenceInterval(fm["rmsea_ci_low"], fm["rmsea_ci_high"]),
        srmr=fm["srmr"],
        loglik=fm["loglik"],
        aic=fm["aic"],
        bic=fm["bic"],
        n=fm["n"],
        converged=bool(converged),
        iterations=int(iterations),
        estimates=est,
        std_loadings=std,
        residual_correlations=rescor,
        fit_measures=fm,
        groups=state.groups,
        n_by_group={g: m.n for g, m in zip(state.groups, state.moments, strict=True)},
        model=pm.to_syntax(),
        _state=state,
    )

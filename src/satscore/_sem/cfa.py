"""Confirmatory factor analysis by maximum likelihood (lavaan's defaults).

The fit works on sample moments only (one pass over the data), so its cost after that pass does
not depend on the number of respondents. Estimation is Fisher scoring (Gauss-Newton on the ML
discrepancy with the expected information) with step halving; standard errors come from the
expected information, as lavaan's default for complete-data ML.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_option
from satscore._core.errors import (
    ConvergenceWarning,
    HeywoodWarning,
    ModelSpecificationError,
    OptionError,
    SatscoreWarning,
)
from satscore._core.results import ConfidenceInterval, ResultMixin
from satscore._sem.data import prepare_moments
from satscore._sem.fit import (
    FitState,
    estimates_table,
    fit_measures,
    modification_indices,
    residual_correlations,
)
from satscore._sem.keys import apply_reversal, is_instrument, reverse_key_warnings, reverse_spec
from satscore._sem.model import (
    EQUAL_OPTIONS,
    LOADING,
    Moments,
    ParTable,
    build_partable,
    check_structure,
    evaluate,
    normalise_parameter,
)
from satscore._sem.optim import (
    check_identified,
    estimate,
    observed_hessian,
    small_blas,
    start_values,
)
from satscore._sem.syntax import ParsedModel, parse_model

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
        Respondents used (complete cases on the model's items; with ``missing="ml"`` every
        row with at least one answer).
    converged : bool
        Whether the optimiser met its convergence criterion.
    iterations : int
        Fisher-scoring iterations used (not comparable with lavaan's nlminb count).
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
    reversed_items : dict
        Items modelled reverse-keyed, as ``min + max - x``: item -> ``min + max`` used (from
        the instrument's response scale, or from the data with ``keys=``; None when fitted
        from ``sample_cov``, where only the covariances' sign changes). Empty if none.

    Examples
    --------
    >>> import numpy as np, pandas as pd, satscore
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(400, 1))
    >>> x = f * [0.8, 0.7, 0.6, 0.5] + rng.normal(0, 0.6, (400, 4))
    >>> df = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    >>> fit = satscore.cfa(df, {"f": ["a", "b", "c", "d"]})
    >>> # R: fit <- lavaan::cfa("f =~ a + b + c + d", data = df)
    >>> # R: parameterEstimates(fit, standardized = TRUE); fitMeasures(fit)
    >>> est = fit.estimates[fit.estimates["op"] == "=~"]
    >>> print(est[["rhs", "est", "se", "std_all"]].round(3).to_string(index=False))
    rhs   est    se  std_all
      a 1.000 0.000    0.771
      b 0.934 0.071    0.792
      c 0.678 0.060    0.631
      d 0.609 0.056    0.602
    >>> print(f"chi2({fit.df}) = {fit.chi2:.3f}, CFI = {fit.cfi:.4f}, SRMR = {fit.srmr:.4f}")
    chi2(2) = 4.711, CFI = 0.9942, SRMR = 0.0192
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
    reversed_items: dict = dataclasses.field(default_factory=dict)
    _title = "Confirmatory factor analysis (ML)"

    def __repr__(self) -> str:
        ci = f"[{self.rmsea_ci.low:.3f}, {self.rmsea_ci.high:.3f}]"
        groups = f", groups={len(self.groups)}" if len(self.groups) > 1 else ""
        return (
            f"CFAResult(chi2={self.chi2:.3f}, df={self.df}, pvalue={self.pvalue:.3g}, "
            f"cfi={self.cfi:.3f}, tli={self.tli:.3f}, rmsea={self.rmsea:.3f} {ci}, "
            f"srmr={self.srmr:.3f}, n={self.n}{groups}, converged={self.converged})"
        )

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
    keys: Any = None,
    check_keys: bool = True,
    reverse: dict | None = None,
) -> CFAResult:
    """Implementation of :func:`satscore.cfa` (see there).

    ``check_keys=False`` skips the reverse-keying sign warning (used for the nested fits of an
    invariance test, which warn once). ``reverse`` (internal) gives the items to reverse with
    their ``min + max`` from an instrument's scales when the model is a dict of some of its
    dimensions (reliability_report).
    """
    if not isinstance(estimator, str) or estimator.lower() != "ml":
        msg = (
            f"estimator={estimator!r} is not supported; satscore.cfa estimates by maximum "
            "likelihood: use estimator='ml' (lavaan's default)."
        )
        raise OptionError(msg)
    check_option("missing", missing, ("listwise", "ml", "fiml"))
    missing = "ml" if missing == "fiml" else missing
    equal = (equal,) if isinstance(equal, str) else tuple(equal)
    for e in equal:
        check_option("equal", e.replace("_", "."), EQUAL_OPTIONS)
    if equal and group is None:
        msg = f"equal={equal!r} constrains parameters across groups; pass group='<column>' too."
        raise OptionError(msg)
    if int(max_iter) < 1:
        raise OptionError(f"max_iter must be a positive integer; found {max_iter!r}.")
    pm = parse_model(model)
    if reverse is not None:
        spec = {k: v for k, v in reverse.items() if k in pm.observed}
    else:
        spec = reverse_spec(data, model, pm, keys, from_cov=sample_cov is not None)
    moments, groups, _ = prepare_moments(
        data, pm, group=group, sample_cov=sample_cov, n_obs=n_obs, missing=missing
    )
    moments = apply_reversal(moments, pm.observed, spec)
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
        meanstructure=ngroups > 1 or missing == "ml",
        partial=partial,
    )
    check_structure(pm, tab)
    with small_blas():
        result = _fit_tab(pm, tab, moments, groups, int(max_iter))
    if spec:
        result = dataclasses.replace(result, reversed_items=spec)
    if check_keys:
        by_instrument = is_instrument(model) or reverse is not None
        reverse_key_warnings(result.std_loadings, instrument=by_instrument, stacklevel=4)
    return result


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
    if any(m.patterns is not None for m in moments):
        hess = observed_hessian(tab, theta, moments)  # lavaan: information = "observed"
    else:
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

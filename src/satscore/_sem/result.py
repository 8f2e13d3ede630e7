"""The result of a CFA: :class:`CFAResult`, built from the fitted state.

:func:`cfa_result` turns a :class:`~satscore._sem.fit.FitState` into the tables users see
(fit measures, parameter estimates, standardized loadings, residual correlations).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.results import ConfidenceInterval, ResultMixin
from satscore._sem.fit import (
    FitState,
    estimates_table,
    fit_measures,
    modification_indices,
    residual_correlations,
)
from satscore._sem.model import LOADING
from satscore._sem.syntax import ParsedModel

__all__ = ["CFAResult", "cfa_result"]


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


def cfa_result(state: FitState, pm: ParsedModel, converged: bool, iterations: int) -> CFAResult:
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

"""Confirmatory factor analysis by maximum likelihood (lavaan's defaults): :func:`cfa`.

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

from satscore._core.checks import check_option
from satscore._core.errors import (
    ConvergenceWarning,
    HeywoodWarning,
    ModelSpecificationError,
    OptionError,
    SatscoreWarning,
)
from satscore._sem.data import prepare_moments
from satscore._sem.fit import FitState
from satscore._sem.keys import apply_reversal, is_instrument, reverse_key_warnings, reverse_spec
from satscore._sem.model import (
    EQUAL_OPTIONS,
    ParTable,
    build_partable,
    check_structure,
    evaluate,
    normalise_parameter,
)
from satscore._sem.moments import SampleMoments
from satscore._sem.optim import check_identified, estimate, observed_hessian, start_values
from satscore._sem.result import CFAResult, cfa_result
from satscore._sem.syntax import ParsedModel, parse_model
from satscore._stats.threads import single_threaded_blas

__all__ = ["CFAResult", "cfa"]


def cfa(
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
) -> CFAResult:
    """Fit a confirmatory factor analysis by maximum likelihood, as lavaan's ``cfa()``.

    lavaan's defaults throughout: the first loading of each factor is fixed to 1 (or, with
    ``std_lv=True``, factor variances are fixed to 1 and all loadings free); factor variances
    and covariances and residual variances are free; sample covariances use divisor N; the
    chi-square is ``sum_g N_g F_ML,g``; standard errors come from the expected information.
    With ``group`` (or ``missing="ml"``) the model has a mean structure (free intercepts,
    latent means fixed to 0; with equal intercepts the latent means are free beyond the first
    group).

    The fit uses only the sample moments, so after one pass over the data its cost does not
    depend on the number of respondents.

    Parameters
    ----------
    data : pandas.DataFrame or ValidatedResponses or None
        One column per item (numeric codes); other columns are ignored. ``None`` with
        ``sample_cov``.
    model : dict, str or Instrument
        ``{"factor": ["item", ...]}``; lavaan syntax (``"visual =~ x1 + x2 + x3"``, with
        ``~~`` (co)variances, fixed values ``0.5*x2``, ``NA*x1`` (free), labels ``a*x2`` for
        equality, ``c(a, b)*x2`` per group, ``#`` comments); or an instrument, whose dimensions
        become factors of their scored items. With an instrument the data are raw codes (as
        ``instrument.validate`` gives them) and its reverse-keyed items (``Item.reverse``) are
        modelled as ``(scale min + scale max) - x`` with the item's response scale; the result
        lists them in ``reversed_items``.
    estimator : {"ml"}
        Maximum likelihood (the only estimator).
    missing : {"listwise", "ml"}
        ``"listwise"`` (default) drops rows with a missing value on any model item;
        ``"ml"`` (alias ``"fiml"``) is full-information maximum likelihood as lavaan's
        ``missing = "ml"``: every row with at least one answer contributes, the model gets a
        mean structure, the chi-square is against the EM-estimated saturated model, and
        standard errors use the observed information (lavaan's default there). Appropriate
        for missing-at-random item non-response, not for items that were never asked.
    std_lv : bool, default False
        Identify factors by fixing their variances to 1 instead of the first loading.
    group : str, optional
        Column defining groups for a multi-group model (order of first appearance; the first
        is the reference group).
    equal : sequence of str
        Cross-group equality constraints (lavaan ``group.equal``): any of ``"loadings"``,
        ``"intercepts"``, ``"residuals"``, ``"residual.covariances"``, ``"lv.variances"``,
        ``"lv.covariances"``, ``"means"``.
    partial : sequence of str
        Parameters exempted from ``equal`` (lavaan ``group.partial``) for partial invariance,
        e.g. ``("x3 ~1",)`` (an intercept) or ``("visual =~ x2",)`` (a loading).
    sample_cov : pandas.DataFrame, optional
        Fit from a covariance matrix (item names as index and columns, divisor N - 1, rescaled
        to divisor N as lavaan's ``sample.cov.rescale``) instead of raw data; needs ``n_obs``.
    n_obs : int, optional
        Number of respondents behind ``sample_cov``.
    max_iter : int, default 1000
        Maximum Fisher-scoring iterations.
    keys : sequence of str, optional
        Reverse-keyed items of a dict or lavaan-syntax model, modelled as
        ``(min + max) - x`` where min and max are the item's observed minimum and maximum
        (so a 1-5 item answered 1..5 becomes ``6 - x``; with ``sample_cov`` only the sign of its
        covariances changes). Not allowed with an instrument, whose ``Item.reverse`` flags
        decide. lavaan has no such option: reverse the column before ``cfa()``.

    Returns
    -------
    CFAResult
        Fit measures (chi2, df, pvalue, cfi, tli, rmsea, rmsea_ci, srmr, loglik, aic, bic),
        ``estimates``, ``std_loadings``, ``residual_correlations``,
        ``modification_indices()`` and ``reversed_items``.

    Raises
    ------
    DataError
        An item of the model is not in ``data`` (close matches are listed), an item is
        constant, the sample covariance matrix is not positive definite, or a group has fewer
        complete rows than items + 1.
    ModelSpecificationError
        Unreadable syntax, or a factor / model that is not identified (e.g. a factor with one
        indicator, or two indicators and no correlation with another factor).
    OptionError
        An unknown estimator, missing-data method or equality constraint; ``keys`` with an
        instrument model.

    Warns
    -----
    ConvergenceWarning
        The optimiser stopped before converging (``converged`` is then False).
    HeywoodWarning
        A negative residual variance or a non-positive-definite factor covariance matrix.
    ReverseKeyWarning
        An item's standardized loading has the opposite sign to the other items of its factor
        (typically a reverse-keyed item left unreversed); the message names the item and the
        fix (``keys=[item]``, or ``reverse=True`` in the instrument).

    See Also
    --------
    validity_report : CR, AVE, Fornell-Larcker and HTMT from the same fit.
    measurement_invariance : configural, metric and scalar models across groups.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import satscore
    >>> rng = np.random.default_rng(7)
    >>> f = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=600)
    >>> x = np.hstack([f[:, [0]] * [0.8, 0.7, 0.6], f[:, [1]] * [0.8, 0.7, 0.6]])
    >>> x = x + rng.normal(0, 0.6, (600, 6))
    >>> df = pd.DataFrame(x, columns=["q1", "q2", "q3", "q4", "q5", "q6"])
    >>> fit = satscore.cfa(df, "service =~ q1 + q2 + q3; staff =~ q4 + q5 + q6")
    >>> # R: lavaan::cfa("service =~ q1 + q2 + q3; staff =~ q4 + q5 + q6", data = df)
    >>> print(f"chi2({fit.df}) = {fit.chi2:.2f}, CFI = {fit.cfi:.3f}, SRMR = {fit.srmr:.4f}")
    chi2(8) = 2.04, CFI = 1.000, SRMR = 0.0089
    >>> print(fit.std_loadings.round(3))
          service  staff
    item
    q1      0.810  0.000
    q2      0.768  0.000
    q3      0.665  0.000
    q4      0.000  0.730
    q5      0.000  0.758
    q6      0.000  0.708

    A reverse-worded item: ``keys=`` models it as ``min + max - x`` (here -q6 stands in).

    >>> df["q6"] = -df["q6"]
    >>> fit = satscore.cfa(df, "service =~ q1 + q2 + q3; staff =~ q4 + q5 + q6", keys=["q6"])
    >>> # R: df$q6 <- min(df$q6) + max(df$q6) - df$q6; lavaan::cfa(model, data = df)
    >>> print(f"{fit.std_loadings.loc['q6', 'staff']:.3f}", list(fit.reversed_items))
    0.708 ['q6']
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
    with single_threaded_blas():
        result = _fit_tab(pm, tab, moments, groups, int(max_iter))
    if spec:
        result = dataclasses.replace(result, reversed_items=spec)
    reverse_key_warnings(result.std_loadings, instrument=is_instrument(model), stacklevel=3)
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
    pm: ParsedModel, tab: ParTable, moments: list[SampleMoments], groups: tuple, max_iter: int
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
            stacklevel=3,
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
            stacklevel=3,
        )
        vcov = np.full_like(info, np.nan)
    else:
        vcov = np.linalg.inv(info)
    state = FitState(tab=tab, theta=theta, moments=moments, groups=groups, vcov=vcov, chi2=t_val)
    _heywood(state)
    return cfa_result(state, pm, converged, iterations)


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
                stacklevel=4,
            )
        if np.linalg.eigvalsh(phi)[0] < 0:
            warnings.warn(
                f"the factor covariance matrix{where} is not positive definite (a factor "
                "correlation beyond +-1); the factors may not be distinct.",
                HeywoodWarning,
                stacklevel=4,
            )

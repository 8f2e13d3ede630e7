"""Confirmatory factor analysis, convergent/discriminant validity and measurement invariance.

The numbers follow R lavaan 0.6-14 (``cfa()`` with its defaults) and semTools 0.5-6; see the
user guide "Confirmatory factor analysis, validity and invariance" for the definitions.

==============================  ==========================================================
:func:`cfa`                     ML confirmatory factor analysis -> :class:`CFAResult`
:func:`validity_report`         CR, AVE, Fornell-Larcker, HTMT -> :class:`ValidityReport`
:func:`measurement_invariance`  configural / metric / scalar -> :class:`InvarianceResult`
==============================  ==========================================================
"""

from __future__ import annotations

from typing import Any

from satscore._sem.cfa import CFAResult, fit_model
from satscore._sem.invariance import InvarianceResult
from satscore._sem.invariance import measurement_invariance as _measurement_invariance
from satscore._sem.validity import ValidityReport
from satscore._sem.validity import validity_report as _validity_report

__all__ = [
    "CFAResult",
    "InvarianceResult",
    "ValidityReport",
    "cfa",
    "measurement_invariance",
    "validity_report",
]


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
    return fit_model(
        data,
        model,
        estimator=estimator,
        missing=missing,
        std_lv=std_lv,
        group=group,
        equal=equal,
        partial=partial,
        sample_cov=sample_cov,
        n_obs=n_obs,
        max_iter=max_iter,
        keys=keys,
    )


def validity_report(
    data: Any,
    model: Any = None,
    *,
    cr_min: float = 0.70,
    ave_min: float = 0.50,
    htmt_max: float = 0.85,
    **cfa_options: Any,
) -> ValidityReport:
    """Convergent and discriminant validity of a measurement model.

    Fits the CFA (or takes a fitted :class:`CFAResult` as ``data``) and reports per factor the
    composite reliability (CR, from standardized loadings; Fornell & Larcker 1981), semTools'
    ``compRelSEM`` omega, the average variance extracted (AVE, mean squared standardized
    loading) and semTools' ``AVE``; the Fornell-Larcker matrix; and the heterotrait-monotrait
    ratios HTMT (Henseler, Ringle & Sarstedt 2015; absolute correlations, arithmetic means, as
    ``semTools::htmt(htmt2 = FALSE)``) and HTMT2. Flags: CR >= ``cr_min``, AVE >= ``ave_min``,
    sqrt(AVE) above the factor's correlations (Fornell-Larcker), HTMT < ``htmt_max``.

    Parameters
    ----------
    data : pandas.DataFrame or CFAResult
        Item responses, or a single-group CFA already fitted with :func:`cfa`.
    model : dict, str or Instrument, optional
        The measurement model (as for :func:`cfa`); not needed when ``data`` is a fit.
    cr_min, ave_min, htmt_max : float
        Thresholds (.70, .50, .85 by default).
    **cfa_options
        Passed on to :func:`cfa` (e.g. ``std_lv``, ``missing``, ``keys``). With an
        instrument as the model its reverse-keyed items are reversed first (see :func:`cfa`);
        HTMT then uses the correlations of the reversed items.

    Returns
    -------
    ValidityReport

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import satscore
    >>> rng = np.random.default_rng(7)
    >>> f = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=600)
    >>> x = np.hstack([f[:, [0]] * [0.8, 0.7, 0.6], f[:, [1]] * [0.8, 0.7, 0.6]])
    >>> df = pd.DataFrame(x + rng.normal(0, 0.6, (600, 6)), columns=[f"q{i}" for i in range(1, 7)])
    >>> rep = satscore.validity_report(
    ...     df, {"service": ["q1", "q2", "q3"], "staff": ["q4", "q5", "q6"]}
    ... )
    >>> # R: semTools::compRelSEM(fit); semTools::AVE(fit); semTools::htmt(model, df, htmt2 = FALSE)
    >>> print(rep.factors[["factor", "cr", "ave", "max_htmt"]].round(3).to_string(index=False))
     factor    cr   ave  max_htmt
    service 0.793 0.563      0.45
      staff 0.776 0.536      0.45
    >>> rep.ok
    True
    """
    return _validity_report(
        data, model, cr_min=cr_min, ave_min=ave_min, htmt_max=htmt_max, **cfa_options
    )


def measurement_invariance(
    data: Any,
    model: Any,
    *,
    group: str,
    levels: Any = ("configural", "metric", "scalar"),
    alpha: float = 0.05,
    delta_cfi: float = -0.010,
    delta_rmsea: float = 0.015,
    configural_cfi: float = 0.90,
    configural_rmsea: float = 0.10,
    std_lv: bool = False,
    partial: Any = (),
    missing: str = "listwise",
    keys: Any = None,
) -> InvarianceResult:
    """Test configural, metric and scalar (optionally strict) invariance across groups.

    Fits the multi-group CFA with increasing lavaan ``group.equal`` constraints: none
    (configural), ``"loadings"`` (metric), ``"loadings", "intercepts"`` (scalar) and
    optionally ``+ "residuals"`` (strict), and compares each with the previous level by the
    chi-square difference test (lavaan ``lavTestLRT`` for ML), delta CFI and delta RMSEA.

    Verdict rule: a level is supported when the chi-square difference has ``p > alpha`` **or**
    ``delta CFI >= delta_cfi`` and ``delta RMSEA <= delta_rmsea`` (Chen 2007: -.010 and .015);
    the configural model is supported when ``CFI >= configural_cfi`` and
    ``RMSEA <= configural_rmsea``. ``holds`` is True while every level up to it is supported;
    only then may group means be compared (scalar) or relationships (metric).

    Parameters
    ----------
    data : pandas.DataFrame
        Item responses plus the grouping column.
    model : dict, str or Instrument
        The measurement model (as for :func:`cfa`).
    group : str
        Grouping column (e.g. ``"channel"``, ``"quarter"``, ``"language"``).
    levels : sequence of str
        Nested levels in order, from ``("configural", "metric", "scalar", "strict")``.
    alpha, delta_cfi, delta_rmsea, configural_cfi, configural_rmsea : float
        Verdict thresholds (see above).
    std_lv : bool, default False
        Identify factors by their variances (lavaan frees them beyond the first group once
        loadings are equal).
    partial : sequence of str
        Parameters left free across groups in every constrained level (lavaan
        ``group.partial``), e.g. ``("x3 ~1",)`` for partial scalar invariance.
    missing : {"listwise", "ml"}
        Missing-data handling (as for :func:`cfa`).
    keys : sequence of str, optional
        Reverse-keyed items of a dict or lavaan-syntax model (see :func:`cfa`); an
        instrument's reverse-keyed items are reversed automatically.

    Returns
    -------
    InvarianceResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import satscore
    >>> rng = np.random.default_rng(7)
    >>> f = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=600)
    >>> x = np.hstack([f[:, [0]] * [0.8, 0.7, 0.6], f[:, [1]] * [0.8, 0.7, 0.6]])
    >>> df = pd.DataFrame(x + rng.normal(0, 0.6, (600, 6)), columns=[f"q{i}" for i in range(1, 7)])
    >>> df["branch"] = np.where(np.arange(600) % 2 == 0, "north", "south")
    >>> inv = satscore.measurement_invariance(
    ...     df, "service =~ q1 + q2 + q3; staff =~ q4 + q5 + q6", group="branch"
    ... )
    >>> # R: lavaan::cfa(model, df, group = "branch", group.equal = c("loadings", "intercepts"))
    >>> print(inv.table[["level", "chi2", "df", "verdict"]].round(2).to_string(index=False))
         level  chi2  df   verdict
    configural 12.41  16 supported
        metric 12.90  20 supported
        scalar 14.04  24 supported
    >>> inv.highest_level
    'scalar'
    """
    return _measurement_invariance(
        data,
        model,
        group=group,
        levels=levels,
        alpha=alpha,
        delta_cfi=delta_cfi,
        delta_rmsea=delta_rmsea,
        configural_cfi=configural_cfi,
        configural_rmsea=configural_rmsea,
        std_lv=std_lv,
        partial=partial,
        missing=missing,
        keys=keys,
    )

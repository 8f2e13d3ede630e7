"""Cronbach's alpha with psych's item analysis (``psych::alpha``, psych 2.2.9).

Everything derives from the item covariance matrix ``C`` (pairwise by default) and
``R = cov2cor(C)`` with ``k`` items:

- raw alpha ``k/(k-1) (1 - tr C / 1'C1)``; standardised alpha the same on ``R``;
- G6 ``1 - (k - sum smc(R)) / 1'R1``; average r, median r, S/N ``k r / (1 - r)``;
- Duhachek-Iacobucci ASE ``sqrt(Q / N)`` with
  ``Q = 2k^2 / ((k-1)^2 (1'C1)^3) [(1'C1)(tr C^2 + (tr C)^2) - 2 tr C (1'C^2 1)]``;
- Feldt interval ``1 - (1 - alpha) F_{q}(N-1, (N-1)(k-1))``.

``N`` is the number of rows (psych's convention, also with pairwise missing data); with
``missing="listwise"`` it is the number of complete rows (pingouin uses the original row
count there, which is wrong).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from satscore._core.checks import check_confidence_level, check_option, check_rng
from satscore._core.errors import OptionError, SatscoreWarning
from satscore._core.results import ConfidenceInterval, ResultMixin
from satscore._psychometrics.alpha_bootstrap import bootstrap_alpha
from satscore._psychometrics.alpha_items import prepare_items
from satscore._psychometrics.alpha_table import alpha_stats, drop_table, item_table
from satscore._psychometrics.polychoric import polychoric
from satscore._psychometrics.streamed_alpha import alpha_items
from satscore._stats.correlation import _cov2cor
from satscore._stats.threads import single_threaded_blas
from satscore._stream.chunks import is_out_of_core

__all__ = ["AlphaResult", "cronbach_alpha", "ordinal_alpha"]

_CI_METHODS = ("feldt", "duhachek", "bootstrap")
_CORE = ("alpha", "std_alpha", "g6", "average_r", "median_r", "var_r", "signal_noise", "ase")


@dataclasses.dataclass(frozen=True)
class AlphaResult(ResultMixin):
    """Result of :func:`cronbach_alpha` (and :func:`ordinal_alpha`).

    Attributes
    ----------
    alpha : float
        Raw Cronbach's alpha (Guttman's lambda 3) from the item covariances.
    std_alpha : float
        Standardised alpha (from the item correlations).
    g6 : float
        Guttman's lambda 6 from the squared multiple correlations (psych ``G6(smc)``).
    average_r : float
        Mean inter-item correlation.
    median_r : float
        Median inter-item correlation.
    var_r : float
        Variance of the inter-item correlations.
    signal_noise : float
        Signal/noise ratio ``k r / (1 - r)``.
    ase : float
        Duhachek-Iacobucci asymptotic standard error of alpha.
    ci : ConfidenceInterval
        Interval for alpha by ``ci_method`` at ``confidence_level``.
    ci_method : str
        ``"feldt"``, ``"duhachek"`` or ``"bootstrap"``.
    confidence_level : float
        Level of ``ci``.
    n : int
        Number of respondents used for the interval and the ASE (all rows with
        ``missing="pairwise"``, complete rows with ``"listwise"``).
    k : int
        Number of items.
    mean : float
        Mean of the scale score (row mean of the answered, keyed items).
    sd : float
        Standard deviation of the scale score.
    items : pandas.DataFrame
        One row per item: ``n`` (answers), ``reversed``, ``mean``, ``sd``, ``raw_r``
        (item-total r), ``std_r``, ``r_cor`` (corrected for overlap and reliability),
        ``r_drop`` (item-rest r), ``alpha_if_dropped``, ``std_alpha_if_dropped`` and the
        response proportions ``freq_<value>`` plus ``miss`` (as psych, when there are at
        most 10 distinct answers).
    alpha_drop : pandas.DataFrame
        psych ``alpha.drop``: every scale statistic recomputed without each item.
    reversed_items : tuple of str
        Items that were reverse-scored.
    bootstrap : numpy.ndarray or None
        Bootstrap replicates of raw alpha (``ci_method="bootstrap"``), else None.
    """

    alpha: float
    std_alpha: float
    g6: float
    average_r: float
    median_r: float
    var_r: float
    signal_noise: float
    ase: float
    ci: ConfidenceInterval
    ci_method: str
    confidence_level: float
    n: int
    k: int
    mean: float
    sd: float
    items: pd.DataFrame
    alpha_drop: pd.DataFrame
    reversed_items: tuple[str, ...]
    bootstrap: np.ndarray | None = dataclasses.field(default=None, repr=False)

    _title = "Cronbach's alpha"

    def confidence_interval(
        self, confidence_level: float = 0.95, *, method: str | None = None
    ) -> ConfidenceInterval:
        """Interval for alpha at another level or by another method.

        Parameters
        ----------
        confidence_level : float, default 0.95
            Coverage of the interval.
        method : {"feldt", "duhachek", "bootstrap"}, optional
            Defaults to ``ci_method``. ``"bootstrap"`` needs the replicates, i.e. a
            result computed with ``ci_method="bootstrap"``.

        Returns
        -------
        ConfidenceInterval
        """
        level = check_confidence_level(confidence_level)
        method = check_option("method", self.ci_method if method is None else method, _CI_METHODS)
        if method == "bootstrap" and self.bootstrap is None:
            msg = (
                "method='bootstrap' needs bootstrap replicates, but this result has none; "
                "call cronbach_alpha(..., ci_method='bootstrap') first."
            )
            raise OptionError(msg)
        return _interval(self.alpha, self.ase, self.n, self.k, level, method, self.bootstrap)

    def summary(self) -> pd.DataFrame:
        """One row per scale statistic (``statistic``, ``value``)."""
        rows = {
            "alpha": self.alpha,
            "std_alpha": self.std_alpha,
            "g6": self.g6,
            "average_r": self.average_r,
            "median_r": self.median_r,
            "signal_noise": self.signal_noise,
            "ase": self.ase,
            "ci_low": self.ci.low,
            "ci_high": self.ci.high,
            "mean": self.mean,
            "sd": self.sd,
            "n": self.n,
            "k": self.k,
        }
        return pd.DataFrame({"statistic": list(rows), "value": [float(v) for v in rows.values()]})

    def __repr__(self) -> str:
        return (
            f"AlphaResult(alpha={self.alpha:.4f}, std_alpha={self.std_alpha:.4f}, "
            f"ci=[{self.ci.low:.4f}, {self.ci.high:.4f}] ({self.ci_method}), n={self.n}, "
            f"k={self.k})"
        )


def _interval(
    alpha: float,
    ase: float,
    n: int,
    k: int,
    level: float,
    method: str,
    boot: np.ndarray | None,
) -> ConfidenceInterval:
    tail = (1.0 - level) / 2.0
    if method == "feldt":
        df1, df2 = n - 1, (n - 1) * (k - 1)
        low = 1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - tail, df1, df2)
        high = 1.0 - (1.0 - alpha) * stats.f.ppf(tail, df1, df2)
    elif method == "duhachek":
        z = float(special.ndtri(1.0 - tail))
        low, high = alpha - z * ase, alpha + z * ase
    else:
        low, high = np.quantile(boot, [tail, 1.0 - tail])
    return ConfidenceInterval(float(low), float(high))


def _result(
    core: dict[str, float],
    ci: ConfidenceInterval,
    ci_method: str,
    level: float,
    prep: Any,
    items: pd.DataFrame,
    drop: pd.DataFrame,
    boot: np.ndarray | None,
) -> AlphaResult:
    stats_ = {key: core[key] for key in _CORE}
    return AlphaResult(
        **stats_, ci=ci, ci_method=ci_method, confidence_level=level, n=prep.n, k=prep.k,
        mean=prep.score_mean, sd=prep.score_sd, items=items, alpha_drop=drop,
        reversed_items=prep.reversed_items, bootstrap=boot,
    )  # fmt: skip


def cronbach_alpha(
    data: Any,
    *,
    keys: Iterable[Any] | None = None,
    check_keys: bool = False,
    scale_range: tuple[float, float] | None = None,
    missing: str = "pairwise",
    ci_method: str = "feldt",
    confidence_level: float = 0.95,
    n_boot: int = 1000,
    seed: Any = None,
) -> AlphaResult:
    """Cronbach's alpha with psych's full item analysis.

    Equals ``psych::alpha`` number for number (raw and standardised alpha, G6, average
    and median r, S/N, Duhachek ASE, Feldt interval, item statistics, alpha if an item is
    dropped, response frequencies), including with missing data.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Respondents in rows, one numeric column per item; NaN marks a missing answer.
    keys : iterable, optional
        Items to reverse-score: item names (or column positions), or a vector of +1/-1
        per item. Reversal is ``(min + max) - x``.
    check_keys : bool, default False
        As psych ``check.keys``: reverse every item with a negative loading on the first
        principal component (this overrides ``keys``) and warn which.
    scale_range : (float, float), optional
        ``(min, max)`` of the response scale used for reversal (e.g. from the
        instrument). Default: the smallest and largest answer over all items (psych).
    missing : {"pairwise", "listwise"}, default "pairwise"
        Pairwise covariances (psych) or complete rows only.
    ci_method : {"feldt", "duhachek", "bootstrap"}, default "feldt"
        Interval for alpha. ``"bootstrap"`` resamples respondents (percentile interval
        of raw alpha, as psych ``n.iter``).
    confidence_level : float, default 0.95
        Coverage of ``ci``.
    n_boot : int, default 1000
        Bootstrap resamples.
    seed : None, int or numpy.random.Generator
        Randomness for the bootstrap.

    Returns
    -------
    AlphaResult

    Warns
    -----
    SatscoreWarning
        Items correlating negatively with the scale (first principal component) when
        they are not keyed; reversed items with ``check_keys=True``; alpha below 0.1
        (reverse-keyed items not keyed?); an item without variance (dropped, as psych).

    Examples
    --------
    >>> import pandas as pd
    >>> import satscore
    >>> df = pd.DataFrame(
    ...     {
    ...         "q1": [4, 5, 3, 4, 2, 5, 4, 3, 5, 2, 3, 4],
    ...         "q2": [3, 4, 4, 5, 2, 4, 3, 2, 4, 3, 3, 5],
    ...         "q3": [2, 3, 3, 1, 4, 2, 2, 4, 1, 3, 4, 2],  # reverse-keyed
    ...         "q4": [5, 3, 3, 4, 3, 5, 2, 2, 4, 3, 2, 3],
    ...     }
    ... )
    >>> res = satscore.cronbach_alpha(df, keys=["q3"])
    >>> # R: a <- psych::alpha(df, keys = "q3"); a$total; a$feldt
    >>> round(res.alpha, 4), round(res.std_alpha, 4), round(res.g6, 4)
    (0.8462, 0.8457, 0.8274)
    >>> print(f"{res.ci.low:.4f} {res.ci.high:.4f}")
    0.6290 0.9503
    >>> res.items["r_drop"].round(4).tolist()
    [0.6908, 0.6632, 0.8233, 0.5658]
    """
    check_option("missing", missing, ("pairwise", "listwise"))
    check_option("ci_method", ci_method, _CI_METHODS)
    level = check_confidence_level(confidence_level)
    if ci_method == "bootstrap":
        if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
            msg = f"n_boot must be an integer >= 2; found {n_boot!r}. Pass e.g. n_boot=1000."
            raise OptionError(msg)
        rng = check_rng(seed)
    with single_threaded_blas():  # many small products: see satscore._stats.threads
        return _cronbach_alpha(
            data,
            keys,
            check_keys,
            scale_range,
            missing,
            ci_method,
            level,
            n_boot,
            rng if ci_method == "bootstrap" else None,
        )


def _cronbach_alpha(
    data: Any,
    keys: Iterable[Any] | None,
    check_keys: bool,
    scale_range: tuple[float, float] | None,
    missing: str,
    ci_method: str,
    level: float,
    n_boot: int,
    rng: np.random.Generator | None,
) -> AlphaResult:
    if is_out_of_core(data):  # chunks or a dask DataFrame: items from mergeable summaries
        if ci_method == "bootstrap":
            msg = (
                "ci_method='bootstrap' resamples respondents, which needs them in memory; "
                "for chunks or a dask DataFrame use ci_method='feldt' or 'duhachek'."
            )
            raise OptionError(msg)
        prep = alpha_items(
            data, keys=keys, check_keys=check_keys, scale_range=scale_range, missing=missing
        )
    else:
        prep = prepare_items(
            data, keys=keys, check_keys=check_keys, scale_range=scale_range, missing=missing
        )
    C = prep.cov
    R = _cov2cor(C)
    core = alpha_stats(C, R, prep.n)
    boot = None
    if ci_method == "bootstrap":
        boot = bootstrap_alpha(prep.keyed(), int(n_boot), rng, missing == "listwise")
    ci = _interval(core["alpha"], core["ase"], prep.n, prep.k, level, ci_method, boot)
    drop = drop_table(C, R, prep.n, prep.names)
    items = item_table(prep, C, R, drop)
    if core["alpha"] < 0.1:
        warnings.warn(
            f"alpha is {core['alpha']:.3f} (near zero or negative): the items hardly measure "
            "one thing, or reverse-keyed items were not reversed. Check the keys (keys=[...] "
            "or check_keys=True).",
            SatscoreWarning,
            stacklevel=3,
        )
    return _result(core, ci, ci_method, level, prep, items, drop, boot)


def ordinal_alpha(
    data: Any,
    *,
    keys: Iterable[Any] | None = None,
    ci_method: str = "feldt",
    confidence_level: float = 0.95,
    correct: float = 0.5,
) -> AlphaResult:
    """Ordinal alpha: Cronbach's alpha of the polychoric correlation matrix.

    As ``psych::alpha(psych::polychoric(x)$rho)`` (Zumbo, Gadermann & Zeisser 2007).
    Raw and standardised alpha coincide. The interval uses the number of rows as ``N``
    (psych gives no interval for a matrix without ``n.obs``).

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Ordinal answers (integer codes), respondents in rows.
    keys : iterable, optional
        Items to reverse (their polychoric correlations change sign).
    ci_method : {"feldt", "duhachek"}, default "feldt"
        Interval for alpha.
    confidence_level : float, default 0.95
        Coverage of ``ci``.
    correct : float, default 0.5
        Continuity correction for empty cells (see :func:`polychoric`).

    Returns
    -------
    AlphaResult
        ``items`` holds ``std_r``, ``r_cor``, ``r_drop`` and the ``*_if_dropped`` values
        of the polychoric matrix, plus the observed item ``n``, ``mean`` and ``sd``.

    Examples
    --------
    >>> import pandas as pd
    >>> import satscore
    >>> df = pd.DataFrame(
    ...     {
    ...         "q1": [1, 2, 2, 3, 4, 4, 5, 3, 2, 4, 5, 1, 3, 4, 2],
    ...         "q2": [2, 2, 3, 3, 4, 5, 5, 2, 1, 4, 4, 1, 3, 3, 2],
    ...         "q3": [1, 3, 2, 4, 3, 4, 5, 3, 2, 5, 4, 2, 2, 4, 1],
    ...     }
    ... )
    >>> res = satscore.ordinal_alpha(df)
    >>> # R: psych::alpha(psych::polychoric(df)$rho)$total
    >>> round(res.alpha, 4), round(res.g6, 4)
    (0.9431, 0.9413)
    """
    check_option("ci_method", ci_method, ("feldt", "duhachek"))
    level = check_confidence_level(confidence_level)
    prep = prepare_items(data, keys=keys, check_keys=False, scale_range=None, missing="pairwise")
    raw = prep.frame
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SatscoreWarning)
        rho = polychoric(raw, correct=correct).rho.to_numpy()
    sign = np.where(np.isin(prep.names, prep.reversed_items), -1.0, 1.0)
    R = rho * np.outer(sign, sign)
    core = alpha_stats(R, R, prep.n)
    ci = _interval(core["alpha"], core["ase"], prep.n, prep.k, level, ci_method, None)
    drop = drop_table(R, R, prep.n, prep.names)
    items = item_table(prep, R, R, drop, polychoric=True)
    return _result(core, ci, ci_method, level, prep, items, drop, None)

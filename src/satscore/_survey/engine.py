"""Estimates shared by both design backends: one estimate, a domain table, intervals.

:class:`DesignEngine` is the base of the two backends behind
:class:`satscore.SurveyDesign`: :class:`~satscore._survey.memory.MemoryEngine`
(rows in memory) and :class:`~satscore._survey.streamed.StreamedEngine` (chunks or
a Dask frame, reduced to design totals). A backend supplies
:meth:`DesignEngine.domain_results` (the variance core's results per domain) and
the design's structure (``df``, ``n_psu``, ...); everything after that —
:class:`DesignEstimate`, the ``svyby`` table, ``t_df`` and proportion
intervals — is here, once.
"""

from __future__ import annotations

import abc
import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from satscore._core.checks import check_confidence_level, check_option
from satscore._core.errors import DataError
from satscore._core.results import ConfidenceInterval, ResultMixin
from satscore._stats.svyciprop import design_proportion_ci

__all__ = ["DEFF_TYPES", "DesignEngine", "DesignEstimate"]

DEFF_TYPES = ("wor", "replace")


@dataclasses.dataclass(frozen=True)
class DesignEstimate(ResultMixin):
    """A design-based estimate with its linearised standard error.

    Attributes
    ----------
    statistic : str
        ``"mean"``, ``"total"`` or ``"proportion"``.
    variable : str
        The variable (and level, for a proportion) estimated.
    estimate : float
        Point estimate.
    se : float
        Linearised (Taylor) standard error.
    ci : ConfidenceInterval
        Confidence interval at ``confidence_level``.
    deff : float
        Design effect: design variance over the SRS variance (``"wor"``: R
        ``deff = TRUE``, SRS without replacement with ``N̂ = Σw``; ``"replace"``:
        with replacement, Kish's deft²).
    n : int
        Rows with a non-missing value.
    n_eff : float
        Effective sample size ``σ̂²/v`` (``p(1-p)/v`` for a proportion).
    df : float
        Design degrees of freedom (PSUs minus strata).
    method : str
        Interval method.
    confidence_level : float
        Coverage of ``ci``.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import SurveyDesign
    >>> d = SurveyDesign(pd.DataFrame({"sat": [1, 1, 1, 0] * 25, "h": ["a", "b"] * 50}), strata="h")
    >>> est = d.proportion("sat")
    >>> print(f"{est.estimate:.2f} [{est.ci.low:.3f}, {est.ci.high:.3f}] df={est.df:.0f}")
    0.75 [0.672, 0.818] df=98
    >>> # R: svyciprop(~sat, svydesign(id=~1, strata=~h, data=d), method = "beta")
    """

    statistic: str
    variable: str
    estimate: float
    se: float
    ci: ConfidenceInterval
    deff: float
    n: int
    n_eff: float
    df: float
    method: str
    confidence_level: float
    _title = "Design-based estimate"

    def summary(self) -> pd.DataFrame:
        """One-row tidy table of the estimate."""
        return pd.DataFrame(
            [
                {
                    "statistic": self.statistic,
                    "variable": self.variable,
                    "estimate": self.estimate,
                    "se": self.se,
                    "ci_low": self.ci.low,
                    "ci_high": self.ci.high,
                    "deff": self.deff,
                    "n": self.n,
                    "n_eff": self.n_eff,
                    "df": self.df,
                    "method": self.method,
                }
            ]
        )


class DesignEngine(abc.ABC):
    """Base of the design backends: estimates from :meth:`domain_results` (internal).

    A backend also gives the attributes (or properties) below and the ``weights``
    property; :class:`satscore.SurveyDesign` documents them.

    Attributes
    ----------
    data : pandas.DataFrame or None
        The rows (None when streamed).
    df, n_psu, n_strata, n_stages : int
        The design's structure.
    calibrated : bool
        Whether post-stratification or raking has been applied.
    """

    data: pd.DataFrame | None
    df: int
    n_psu: int
    n_strata: int
    n_stages: int
    calibrated: bool
    weights: np.ndarray

    # ------------------------------------------------------------------ the backend
    @abc.abstractmethod
    def describe(self) -> str:
        """The design's ``repr``."""

    @abc.abstractmethod
    def calibrate(self, weights: np.ndarray, step: tuple) -> DesignEngine:
        """A copy with new weights and one more calibration step."""

    @abc.abstractmethod
    def domain_means(
        self, y: Any, *, domains: Any, n_domains: int | None, deff: str
    ) -> dict[str, Any]:
        """``SurveyDesign.domain_means`` (row-aligned arrays)."""

    @abc.abstractmethod
    def domain_results(
        self, var: Any, level: Any, statistic: str, deff: str, columns: Any = None
    ) -> tuple[dict[str, Any], pd.DataFrame | None, str, float]:
        """Estimates of ``var`` in each domain of ``columns`` (None = whole design).

        Returns the variance core's results (``(G,)`` arrays), the domain keys
        (None without ``columns``), the variable's name and the number of design
        rows.
        """

    # ------------------------------------------------------------------ estimates
    def estimate(
        self,
        statistic: str,
        var: Any,
        level: Any,
        method: str,
        confidence_level: float,
        deff: str,
        n_eff_cap: str | None,
    ) -> DesignEstimate:
        """One whole-design estimate (``mean``, ``total``, ``proportion``)."""
        conf = check_confidence_level(confidence_level)
        check_option("deff", deff, DEFF_TYPES)
        res, _, name, n_rows = self.domain_results(var, level, statistic, deff)
        if res["n"][0] == 0:
            msg = f"variable {name!r} has no non-missing values; nothing to estimate."
            raise DataError(msg)
        df = float(self.df)
        low, high, n_eff = self._interval(
            statistic, res, np.array([df]), np.array([n_rows]), method, conf, n_eff_cap
        )
        return DesignEstimate(
            statistic=statistic,
            variable=name,
            estimate=float(res["estimate"][0]),
            se=float(np.sqrt(res["var"][0])),
            ci=ConfidenceInterval(float(low[0]), float(high[0])),
            deff=float(res["deff"][0]),
            n=int(res["n"][0]),
            n_eff=float(n_eff[0]),
            df=df,
            method=method,
            confidence_level=conf,
        )

    def by(
        self,
        columns: Any,
        var: Any,
        statistic: str,
        level: Any,
        method: str,
        conf: float,
        n_eff_cap: str | None,
        deff: str,
    ) -> pd.DataFrame:
        """The ``svyby`` table of ``SurveyDesign.by`` (options already checked)."""
        res, keys, _, _ = self.domain_results(var, level, statistic, deff, columns)
        low, high, n_eff = self._interval(
            statistic, res, res["df_domain"], res["n_rows"], method, conf, n_eff_cap
        )
        out = keys.copy()
        out["estimate"] = res["estimate"]
        out["se"] = np.sqrt(res["var"])
        out["ci_low"] = low
        out["ci_high"] = high
        out["deff"] = res["deff"]
        out["n"] = res["n"].astype(np.int64)
        out["n_eff"] = n_eff
        out["df"] = res["df_domain"]
        out["sum_w"] = res["sum_w"]
        out.columns = pd.Index(list(out.columns), dtype=object)
        return out

    @staticmethod
    def _interval(
        statistic: str,
        res: dict[str, np.ndarray],
        df: np.ndarray,
        rows: np.ndarray,
        method: str,
        conf: float,
        n_eff_cap: str | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        est, var = res["estimate"], res["var"]
        if statistic == "proportion":
            return design_proportion_ci(
                est, var, df, rows, method=method, level=conf, n_eff_cap=n_eff_cap,
                sum_w=res["sum_w"], n_model=res.get("n_model"),
            )  # fmt: skip
        with np.errstate(invalid="ignore"):
            tq = np.where(df > 0, stats.t.ppf(0.5 + conf / 2.0, np.where(df > 0, df, 1.0)), np.nan)
            se = np.sqrt(var)
        return est - tq * se, est + tq * se, res["n_eff"]

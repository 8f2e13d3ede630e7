"""Comparing two survey waves (quarters): independent or overlapping samples.

* **Independent waves** (consecutive quarters of a PRN rotation never share a
  customer): the difference ``d = θ_b - θ_a`` gets the MOVER interval
  (Newcombe's method generalised to any per-wave limits ``(l, u)``; Zou &
  Donner 2008): ``L = d - √((θ_b - l_b)² + (u_a - θ_a)²)``,
  ``U = d + √((u_b - θ_b)² + (θ_a - l_a)²)``, with each wave's own design
  interval (Korn–Graubard by default for proportions).
* **Overlapping waves** (year over year, quarters ``q`` and ``q + 4`` share a
  third of their PRN window): the two samples are stacked and the customer is
  the cluster (PSU), so a customer answering both waves contributes the
  covariance of their two answers — R ``svydesign(ids = ~customer_id, weights =
  ~w, data = stacked)`` then ``svycontrast(svyby(~y, ~wave, d, svymean, covmat =
  TRUE), c(-1, 1))``. The stacked design keeps the waves' weights but not their
  strata or FPCs (a with-replacement, conservative approximation); the interval
  is ``d ± t_df · se`` with ``df`` = customers - 1.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from satscore._core.checks import check_columns, check_confidence_level
from satscore._core.errors import DesignError
from satscore._core.results import ConfidenceInterval, ResultMixin
from satscore._survey.build import DesignArgs
from satscore._survey.design import SurveyDesign
from satscore._survey.memory import MemoryEngine
from satscore._survey.variance import influence_variance

__all__ = ["WaveComparison", "compare_waves"]


@dataclasses.dataclass(frozen=True)
class WaveComparison(ResultMixin):
    """Difference between two waves, ``b - a``.

    Attributes
    ----------
    variable : str
        Variable compared.
    estimate_a, estimate_b : float
        Wave estimates.
    difference : float
        ``estimate_b - estimate_a``.
    se : float or None
        Standard error of the difference (overlapping waves; None for MOVER).
    ci : ConfidenceInterval
        Interval of the difference.
    method : str
        ``"mover"`` (independent) or ``"stacked_cluster"`` (overlapping).
    n_shared : int
        Customers present in both waves (0 for independent waves).
    df : float or None
        Degrees of freedom of the stacked design (None for MOVER).
    confidence_level : float
        Coverage of ``ci``.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import SurveyDesign, compare_waves
    >>> a = SurveyDesign(pd.DataFrame({"sat": [1] * 80 + [0] * 20}))
    >>> b = SurveyDesign(pd.DataFrame({"sat": [1] * 90 + [0] * 10}))
    >>> print(round(compare_waves(a, b, "sat").difference, 2))
    0.1
    """

    variable: str
    estimate_a: float
    estimate_b: float
    difference: float
    se: float | None
    ci: ConfidenceInterval
    method: str
    n_shared: int
    df: float | None
    confidence_level: float
    _title = "Wave comparison"

    def summary(self) -> pd.DataFrame:
        """One-row table of the comparison."""
        return pd.DataFrame(
            [
                {
                    "variable": self.variable,
                    "estimate_a": self.estimate_a,
                    "estimate_b": self.estimate_b,
                    "difference": self.difference,
                    "se": self.se,
                    "ci_low": self.ci.low,
                    "ci_high": self.ci.high,
                    "method": self.method,
                    "n_shared": self.n_shared,
                }
            ]
        )


def compare_waves(
    design_a: SurveyDesign,
    design_b: SurveyDesign,
    var: str,
    *,
    level: Any = None,
    overlap_id: str | None = None,
    method: str = "korn_graubard",
    confidence_level: float = 0.95,
) -> WaveComparison:
    """Difference of a mean or proportion between two waves (``b - a``).

    Parameters
    ----------
    design_a, design_b : SurveyDesign
        The two waves' designs.
    var : str
        Variable (column in both designs' data).
    level : scalar, optional
        Compare the share of ``var == level`` (a proportion); else the mean.
    overlap_id : str, optional
        Customer-id column: the waves overlap and are stacked with the customer
        as cluster. Without it the waves are independent (MOVER interval).
    method : str, default "korn_graubard"
        Per-wave proportion interval for MOVER (see :meth:`SurveyDesign.proportion`).
    confidence_level : float, default 0.95
        Coverage.

    Returns
    -------
    WaveComparison

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from satscore import SurveyDesign
    >>> from satscore.sampling import compare_waves
    >>> a = SurveyDesign(pd.DataFrame({"sat": [1] * 170 + [0] * 30}))
    >>> b = SurveyDesign(pd.DataFrame({"sat": [1] * 184 + [0] * 16}))
    >>> res = compare_waves(a, b, "sat", method="wilson")
    >>> print(f"{res.difference:.3f} [{res.ci.low:.4f}, {res.ci.high:.4f}]")
    0.070 [0.0066, 0.1342]
    >>> # statsmodels newcomb (Wilson with z, n): [0.0071, 0.1337]; the design Wilson uses
    >>> # t_df and n_eff = n - 1 (with-replacement variance), hence slightly wider
    """
    conf = check_confidence_level(confidence_level)
    for name, d in (("design_a", design_a), ("design_b", design_b)):
        if not isinstance(d, SurveyDesign):
            msg = f"{name} must be a SurveyDesign; found {type(d).__name__}."
            raise DesignError(msg)
    if overlap_id is None:
        return _mover(design_a, design_b, var, level, method, conf)
    return _stacked(design_a, design_b, var, level, overlap_id, conf)


def _mover(
    a: SurveyDesign, b: SurveyDesign, var: str, level: Any, method: str, conf: float
) -> WaveComparison:
    """Independent waves: the MOVER interval from each wave's own interval."""
    proportion = level is not None or (_is_binary(a, var) and _is_binary(b, var))
    if proportion:
        ea = a.proportion(var, level=level, method=method, confidence_level=conf)
        eb = b.proportion(var, level=level, method=method, confidence_level=conf)
    else:
        ea = a.mean(var, confidence_level=conf)
        eb = b.mean(var, confidence_level=conf)
    d = eb.estimate - ea.estimate
    low = d - np.hypot(eb.estimate - eb.ci.low, ea.ci.high - ea.estimate)
    high = d + np.hypot(eb.ci.high - eb.estimate, ea.estimate - ea.ci.low)
    return WaveComparison(
        variable=ea.variable,
        estimate_a=ea.estimate,
        estimate_b=eb.estimate,
        difference=float(d),
        se=None,
        ci=ConfidenceInterval(float(low), float(high)),
        method="mover",
        n_shared=0,
        df=None,
        confidence_level=conf,
    )


def _is_binary(d: SurveyDesign, var: str) -> bool:
    """Whether every non-missing value of ``var`` is 0 or 1."""
    y, _ = d._rows("compare_waves without level= (telling a 0/1 variable from a mean)").values(var)
    vals = y[~np.isnan(y)]
    return bool(vals.size) and bool(np.isin(vals, (0.0, 1.0)).all())


def _stacked(
    a: SurveyDesign, b: SurveyDesign, var: str, level: Any, overlap_id: str, conf: float
) -> WaveComparison:
    """Overlapping waves: the stacked design with the customer as cluster."""
    rows_a, rows_b = (d._rows("compare_waves with overlap_id") for d in (a, b))
    for name, rows in (("design_a", rows_a), ("design_b", rows_b)):
        check_columns(
            rows.data.columns, [overlap_id], what="overlap_id", where=f"a column of {name}.data",
            fix="pass the customer-id column present in both waves", error=DesignError,
        )  # fmt: skip
    ya, name = rows_a.values(var, level)
    yb, _ = rows_b.values(var, level)
    ids = pd.concat([rows_a.data[overlap_id], rows_b.data[overlap_id]], ignore_index=True)
    if ids.isna().any():
        msg = f"overlap_id column {overlap_id!r} has missing ids; every row needs a customer id."
        raise DesignError(msg)
    wave = np.r_[np.zeros(ya.size, dtype=np.int64), np.ones(yb.size, dtype=np.int64)]
    stacked = pd.DataFrame({"_id": ids.to_numpy(), "_w": np.r_[rows_a.weights, rows_b.weights]})
    design = MemoryEngine(stacked, DesignArgs(weights="_w", cluster="_id"))
    y = np.r_[ya, yb]
    w = design.weights
    member = ~np.isnan(y)
    sum_w = np.bincount(wave[member], weights=w[member], minlength=2)
    means = np.bincount(wave[member], weights=(w * np.where(member, y, 0))[member], minlength=2)
    means = means / sum_w
    sign = np.where(wave == 1, 1.0, -1.0)
    z = np.where(member, sign * w * (np.where(member, y, 0.0) - means[wave]) / sum_w[wave], 0.0)
    var_d = influence_variance(design.struct, z[:, None])[0]
    se = float(np.sqrt(var_d))
    df = float(design.df)
    d = float(means[1] - means[0])
    tq = stats.t.ppf(0.5 + conf / 2.0, df)
    shared = pd.Index(rows_a.data[overlap_id]).intersection(pd.Index(rows_b.data[overlap_id]))
    return WaveComparison(
        variable=name,
        estimate_a=float(means[0]),
        estimate_b=float(means[1]),
        difference=d,
        se=se,
        ci=ConfidenceInterval(d - tq * se, d + tq * se),
        method="stacked_cluster",
        n_shared=int(shared.size),
        df=df,
        confidence_level=conf,
    )

"""Construction pieces of :class:`satscore.SurveyDesign`: result type, codes, FPC, weights."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._results import ConfidenceInterval, ResultMixin
from .errors import DesignError

__all__ = [
    "DesignEstimate",
    "column_list",
    "fpc_factors",
    "psu_codes",
    "sampling_weights",
    "stratum_codes",
]


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


def stratum_codes(
    frame: pd.DataFrame, columns: Sequence[str], what: str
) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer codes of the combinations of ``columns`` (sorted), and the key table."""
    sub = frame.loc[:, list(columns)]
    if sub.isna().any().any():
        col = next(c for c in columns if sub[c].isna().any())
        rows = np.flatnonzero(sub[col].isna().to_numpy())[:5].tolist()
        msg = (
            f"{what} column {col!r} has missing values (rows {rows}); every row needs a "
            f"{what} value. Fill or drop those rows first."
        )
        raise DesignError(msg)
    grouped = sub.groupby(list(columns), sort=True, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    keys = grouped.size().reset_index().loc[:, list(columns)]
    return codes, keys


def column_list(value: Any, data: pd.DataFrame, what: str) -> list[str]:
    cols = [value] if isinstance(value, str) else list(value)
    missing = [c for c in cols if c not in data.columns]
    if missing:
        msg = (
            f"{what} column {missing[0]!r} is not in the data (columns: "
            f"{list(map(str, data.columns))[:12]}). Pass an existing column name."
        )
        raise DesignError(msg)
    return cols


def psu_codes(data: pd.DataFrame, col: str, h: np.ndarray, nest: bool) -> np.ndarray:
    ids = data[col]
    if ids.isna().any():
        rows = np.flatnonzero(ids.isna().to_numpy())[:5].tolist()
        msg = f"cluster column {col!r} has missing values (rows {rows}); fill or drop them."
        raise DesignError(msg)
    raw = pd.factorize(ids, sort=True)[0].astype(np.int64)
    pair = pd.factorize(h * (raw.max() + 1) + raw, sort=True)[0].astype(np.int64)
    if not nest:
        per_id = np.bincount(np.unique(h * (raw.max() + 1) + raw) % (raw.max() + 1))
        if (per_id > 1).any():
            bad = ids.iloc[np.flatnonzero(raw == int(np.argmax(per_id > 1)))[0]]
            msg = (
                f"cluster id {bad!r} in column {col!r} appears in more than one stratum; "
                "cluster ids must be nested in strata. If ids are only unique within "
                "strata pass nest=True."
            )
            raise DesignError(msg)
    return pair


def fpc_factors(
    label: Any, fpc: Any, data: pd.DataFrame, h: np.ndarray, n_psu: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    n_strata = n_psu.shape[0]
    if fpc is None:
        return np.ones(n_strata), None
    if isinstance(fpc, str):
        if fpc not in data.columns:
            msg = f"fpc column {fpc!r} is not in the data; pass an existing column name."
            raise DesignError(msg)
        values = pd.to_numeric(data[fpc], errors="coerce").to_numpy(dtype=float)
        where = f"column {fpc!r}"
    else:
        values = np.broadcast_to(np.asarray(fpc, dtype=float), (data.shape[0],)).copy()
        where = "fpc"
    if not np.isfinite(values).all() or (values <= 0).any():
        bad = float(values[~(np.isfinite(values) & (values > 0))][0])
        msg = (
            f"fpc ({where}) has the value {bad!r}; it must be a positive population size "
            "(> 1) or sampling fraction (<= 1) on every row."
        )
        raise DesignError(msg)
    lo = np.full(n_strata, np.inf)
    hi = np.full(n_strata, -np.inf)
    np.minimum.at(lo, h, values)
    np.maximum.at(hi, h, values)
    varying = np.flatnonzero(hi - lo > 1e-9 * np.maximum(1.0, hi))
    if varying.size:
        msg = (
            f"fpc ({where}) varies within stratum {label(varying[0])!r} "
            f"(from {lo[varying[0]]!r} to {hi[varying[0]]!r}); it must be constant within "
            "each stratum (the population size or sampling fraction of that stratum)."
        )
        raise DesignError(msg)
    # R as.fpc: all values <= 1 are sampling fractions, otherwise population sizes
    pop = n_psu / hi if (values <= 1).all() else hi.copy()
    too_small = np.flatnonzero(pop < n_psu - 1e-9)
    if too_small.size:
        k = too_small[0]
        msg = (
            f"fpc ({where}) gives a population of {pop[k]:g} PSUs in stratum "
            f"{label(k)!r}, smaller than the {int(n_psu[k])} sampled there "
            "(FPC smaller than the sample). Pass the population size N_h (>= n_h) or the "
            "sampling fraction n_h/N_h."
        )
        raise DesignError(msg)
    return (pop - n_psu) / pop, pop


def sampling_weights(
    weights: Any,
    data: pd.DataFrame,
    h: np.ndarray,
    n_psu: np.ndarray,
    pop_psu: np.ndarray | None,
) -> np.ndarray:
    n = data.shape[0]
    if weights is None:
        if pop_psu is None:
            return np.ones(n)
        return (pop_psu / n_psu)[h]
    if isinstance(weights, str):
        if weights not in data.columns:
            msg = f"weights column {weights!r} is not in the data; pass an existing column."
            raise DesignError(msg)
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float).copy()
        where = f"weights column {weights!r}"
    else:
        w = np.asarray(weights, dtype=float).reshape(-1).copy()
        where = "weights"
        if w.shape[0] != n:
            msg = f"weights has {w.shape[0]} values for {n} rows; pass one weight per row."
            raise DesignError(msg)
    bad = ~(np.isfinite(w) & (w > 0))
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        msg = (
            f"{where} has {int(bad.sum())} non-positive, missing or infinite value(s) "
            f"(rows {rows}, e.g. {float(w[bad][0])!r}); sampling weights must be finite "
            "and > 0. "
            "Drop those rows or fix the weights."
        )
        raise DesignError(msg)
    return w

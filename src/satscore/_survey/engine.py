"""The estimation engine behind :class:`satscore.SurveyDesign` (private methods).

Turns a variable (column, array or category share) and optional domain columns
into the variance core's results (:func:`satscore._survey.variance.domain_stats`)
and confidence intervals. :class:`~satscore._survey.streamed.StreamedDesign`
overrides only :meth:`DesignEngine._domain_results`, so the in-memory and the
streamed design share everything after the reduction to cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from satscore._core.checks import check_confidence_level, check_option
from satscore._core.errors import DataError
from satscore._core.results import ConfidenceInterval
from satscore._stats.svyciprop import design_proportion_ci
from satscore._survey.build import DesignEstimate, column_list
from satscore._survey.rows import calibrated_variance, check_binary, column_values, row_cells
from satscore._survey.variance import domain_stats

__all__ = ["DEFF_TYPES", "DesignEngine"]

DEFF_TYPES = ("wor", "replace")


class DesignEngine:
    """Private estimation methods shared by the in-memory and streamed designs."""

    data: Any
    _w: np.ndarray
    _struct: Any

    # ------------------------------------------------------------------ variables
    def _values(self, var: Any, level: Any = None) -> tuple[np.ndarray, str]:
        n = self._w.size
        if isinstance(var, str):
            if var not in self.data.columns:
                msg = (
                    f"variable {var!r} is not a column of the design data; pass one of "
                    f"{list(map(str, self.data.columns))[:12]} or an array with one value per row."
                )
                raise DataError(msg)
            series, name = self.data[var], var
        else:
            series = pd.Series(np.asarray(var).reshape(-1))
            name = getattr(var, "name", None) or "y"
            if series.shape[0] != n:
                msg = (
                    f"variable has {series.shape[0]} values for {n} design rows; pass one per row."
                )
                raise DataError(msg)
        values = column_values(series, str(name), level).astype(float)
        return values, str(name) if level is None else f"{name}={level}"

    def _domain_codes(self, by: Any) -> tuple[np.ndarray, pd.DataFrame]:
        cols = column_list(by, self.data, "by")
        grouped = self.data.loc[:, cols].groupby(cols, sort=True, observed=True, dropna=True)
        codes = grouped.ngroup().to_numpy()
        codes = np.where(np.isnan(codes.astype(float)), -1, codes).astype(np.int64)
        return codes, grouped.size().reset_index().loc[:, cols]

    # ------------------------------------------------------------------ engine
    def _stats(
        self, y: np.ndarray, groups: np.ndarray, n_groups: int, statistic: str, deff: str
    ) -> dict[str, np.ndarray]:
        """Domain estimates of the columns of ``y`` (n, m) through the variance core."""
        cells = row_cells(self._struct, self._w, y, groups, n_groups)
        row_variance = None
        if self.calibrated:
            row_variance = calibrated_variance(self._struct, self._w, y, groups, statistic)
        res = domain_stats(
            self._struct, cells, n_groups, statistic=statistic, deff=deff,
            row_variance=row_variance,
        )  # fmt: skip
        if self.calibrated:  # R keeps every row of a calibrated design in a domain subset
            res["n_model"] = res["n_rows"]  # (zero-weight rows do not count in svyglm)
            res["n_rows"] = np.full(n_groups, float(self._w.size))
        return res

    def _domain_results(
        self, var: Any, level: Any, statistic: str, deff: str, columns: Any = None
    ) -> tuple[dict[str, Any], pd.DataFrame | None, str, float]:
        """Estimates of ``var`` in each domain of ``columns`` (None = whole design).

        Returns the core results (``(G,)`` arrays), the domain keys, the variable's
        name and the number of design rows. The one hook of the streamed design.
        """
        y, name = self._values(var, level)
        if statistic == "proportion":
            check_binary(y, name)
        if columns is None:
            groups, keys = np.zeros(y.shape[0], dtype=np.int64), None
        else:
            groups, keys = self._domain_codes(columns)
        n_groups = 1 if keys is None else keys.shape[0]
        kind = "total" if statistic == "total" else "mean"
        res = self._stats(y[:, None], groups, n_groups, kind, deff)
        res = {k: v[:, 0] if v.ndim == 2 else v for k, v in res.items()}
        return res, keys, name, float(self._w.size)

    def _one(
        self,
        statistic: str,
        var: Any,
        level: Any,
        method: str,
        confidence_level: float,
        deff: str,
        n_eff_cap: str | None,
    ) -> DesignEstimate:
        conf = check_confidence_level(confidence_level)
        check_option("deff", deff, DEFF_TYPES)
        res, _, name, n_rows = self._domain_results(var, level, statistic, deff)
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

    _check_binary = staticmethod(check_binary)

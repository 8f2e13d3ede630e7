"""The in-memory backend of :class:`satscore.SurveyDesign`: rows, weights and coded stages.

:class:`MemoryEngine` keeps the data frame, the validated weights and the
integer-coded design (:func:`satscore._survey.build.build_structure`). Each
estimate reduces the rows to per (unit, domain) cells
(:func:`satscore._survey.rows.row_cells`) and calls the one variance core
(:func:`satscore._survey.variance.domain_stats`); a calibrated design first
residualises row influence values (:func:`satscore._survey.rows.calibrated_variance`).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_columns, check_option
from satscore._core.errors import DataError, DesignError, SatscoreTypeError
from satscore._survey.build import (
    LONELY_PSU,
    DesignArgs,
    build_structure,
    column_list,
    sampling_weights,
)
from satscore._survey.engine import DEFF_TYPES, DesignEngine
from satscore._survey.rows import (
    calibrated_variance,
    check_binary,
    column_values,
    domain_arrays,
    row_cells,
)
from satscore._survey.variance import DesignStructure, domain_stats

__all__ = ["MemoryEngine"]


class MemoryEngine(DesignEngine):
    """A design whose rows are in memory (``args`` as :class:`satscore.SurveyDesign`'s).

    Attributes
    ----------
    data : pandas.DataFrame
        The rows (not copied, never modified).
    struct : DesignStructure
        The integer-coded stages, with the calibration steps.
    df, n_psu, n_strata, n_stages : int
        PSUs minus strata, first-stage clusters (rows when unclustered), strata, and
        the sampling stages entering the variance.
    """

    def __init__(self, data: pd.DataFrame, args: DesignArgs) -> None:
        if not isinstance(data, pd.DataFrame):
            msg = (
                f"data must be a pandas DataFrame; found {type(data).__name__}. "
                "Wrap your data with pandas.DataFrame(...)."
            )
            raise SatscoreTypeError(msg)
        if data.shape[0] < 2:
            msg = f"data has {data.shape[0]} row(s); a survey design needs at least 2."
            raise DesignError(msg)
        check_option("lonely_psu", args.lonely_psu, LONELY_PSU)
        self.data = data
        built = build_structure(
            data, strata=args.strata, cluster=args.cluster, fpc=args.fpc, nest=args.nest,
            lonely_psu=args.lonely_psu,
        )  # fmt: skip
        self.struct: DesignStructure = built.struct
        self._w = sampling_weights(args.weights, data, built.fpc_weight)
        self._has_fpc = args.fpc is not None
        self.df = self.struct.df
        self.n_psu = self.struct.n_clusters
        self.n_strata = self.struct.n_strata
        self.n_stages = len(self.struct.stages)

    @property
    def weights(self) -> np.ndarray:
        """Sampling (or calibrated) weights, one per row (a copy)."""
        return self._w.copy()

    @property
    def calibrated(self) -> bool:
        """Whether post-stratification or raking has been applied."""
        return bool(self.struct.calibration)

    def describe(self) -> str:
        """``SurveyDesign(200 rows, 3 strata, 200 PSUs, FPC, df=197)``."""
        parts = [f"{self._w.size} rows", f"{self.n_strata} strata", f"{self.n_psu} PSUs"]
        if self.n_stages > 1:
            parts.append(f"{self.n_stages} stages")
        if self._has_fpc:
            parts.append("FPC")
        if self.calibrated:
            parts.append("calibrated")
        return f"SurveyDesign({', '.join(parts)}, df={self.df})"

    def calibrate(self, weights: np.ndarray, step: tuple) -> MemoryEngine:
        """A copy with new weights and one more calibration step (used by weighting)."""
        new = copy.copy(self)
        new._w = weights
        new.struct = dataclasses.replace(self.struct, calibration=(*self.struct.calibration, step))
        return new

    # ------------------------------------------------------------------ variables
    def values(self, var: Any, level: Any = None) -> tuple[np.ndarray, str]:
        """Float values of ``var`` (a column or one value per row) and its name."""
        n = self._w.size
        if isinstance(var, str):
            check_columns(
                self.data.columns, [var], what="variable", where="a column of the design data",
                fix="pass an existing column or an array with one value per row",
                error=DataError,
            )  # fmt: skip
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
        """Domain code of each row (-1: a domain column is missing) and the sorted keys."""
        cols = column_list(by, self.data, "by")
        grouped = self.data.loc[:, cols].groupby(cols, sort=True, observed=True, dropna=True)
        codes = grouped.ngroup().to_numpy()
        codes = np.where(np.isnan(codes.astype(float)), -1, codes).astype(np.int64)
        return codes, grouped.size().reset_index().loc[:, cols]

    # ------------------------------------------------------------------ estimates
    def _stats(
        self, y: np.ndarray, groups: np.ndarray, n_groups: int, statistic: str, deff: str
    ) -> dict[str, np.ndarray]:
        """Domain estimates of the columns of ``y`` (n, m) through the variance core."""
        cells = row_cells(self.struct, self._w, y, groups, n_groups)
        row_variance = None
        if self.calibrated:
            row_variance = calibrated_variance(self.struct, self._w, y, groups, statistic)
        res = domain_stats(
            self.struct, cells, n_groups, statistic=statistic, deff=deff,
            row_variance=row_variance,
        )  # fmt: skip
        if self.calibrated:  # R keeps every row of a calibrated design in a domain subset
            res["n_model"] = res["n_rows"]  # (zero-weight rows do not count in svyglm)
            res["n_rows"] = np.full(n_groups, float(self._w.size))
        return res

    def domain_results(
        self, var: Any, level: Any, statistic: str, deff: str, columns: Any = None
    ) -> tuple[dict[str, Any], pd.DataFrame | None, str, float]:
        """Estimates of ``var`` in each domain of ``columns`` (see the base class)."""
        y, name = self.values(var, level)
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

    def domain_means(
        self, y: Any, *, domains: Any = None, n_domains: int | None = None, deff: str = "wor"
    ) -> dict[str, Any]:
        """``SurveyDesign.domain_means``: every column of ``y`` in every domain."""
        check_option("deff", deff, DEFF_TYPES)
        arr, groups, n_groups = domain_arrays(y, domains, n_domains, self._w.size)
        res = self._stats(arr, groups, n_groups, "mean", deff)
        out = {k: res[k] for k in ("estimate", "n", "deff", "sum_w", "n_eff")}
        out["se"] = np.sqrt(res["var"])
        out["n"] = res["n"].astype(np.int64)
        m = arr.shape[1]
        out["df_domain"] = np.repeat(res["df_domain"][:, None], m, axis=1)
        out["n_rows"] = np.repeat(res["n_rows"][:, None], m, axis=1)
        out["df"] = self.df
        return out

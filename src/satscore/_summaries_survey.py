"""``SurveyDesign`` on streamed chunks or a Dask frame (Taylor linearisation from totals).

``SurveyDesign(chunks, weights=..., strata=..., cluster=..., fpc=...)`` with
out-of-core data returns a :class:`StreamedDesign`: it keeps the source and
the design's column names, and each estimate (``mean``, ``total``,
``proportion``, ``by``) reads the chunks once, reducing them to
:class:`~satscore._summaries_design.DesignTotals`. The results equal the
in-memory design's (same combination step, FPC and lonely-PSU rules).

A one-shot iterator (a generator, ``pd.read_csv(chunksize=...)``) can serve
one estimate only; pass a list of chunks, a Dask frame, or a function
returning a fresh iterator to estimate several times. Row-aligned arrays
(``domain_means``, array variables) and calibration (``post_stratify``,
``rake``) need the rows in memory and are not available.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._checks import check_confidence_level, check_option
from ._chunks import is_reiterable
from ._dask import reduce_summaries
from ._design import DEFF_TYPES, LONELY_PSU, DesignEstimate, SurveyDesign
from ._design_ci import CI_METHODS, N_EFF_CAPS
from ._results import ConfidenceInterval
from ._summaries_design import DesignSpec, DesignTotals, design_estimates
from .errors import ChunkError, DataError, DesignError, SatscoreTypeError

__all__ = ["StreamedDesign"]


def _names(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    cols = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(c, str) for c in cols):
        msg = (
            f"with streamed data, {what} must be column name(s); found {value!r}. Add the "
            "values as a column of every chunk."
        )
        raise SatscoreTypeError(msg)
    return cols


class StreamedDesign(SurveyDesign):
    """A survey design over chunks or a Dask frame (see the module docstring).

    Attributes
    ----------
    data : None
        Rows are not kept.
    df : int
        Design degrees of freedom (one pass over the design columns on first use).
    n_psu, n_strata : int
        Number of first-stage clusters and strata.
    """

    def __init__(
        self,
        data: Any,
        *,
        weights: Any = None,
        strata: Any = None,
        cluster: Any = None,
        fpc: Any = None,
        nest: bool = False,
        lonely_psu: str = "fail",
    ) -> None:
        check_option("lonely_psu", lonely_psu, LONELY_PSU)
        clusters = _names(cluster, "cluster")
        if len(clusters) > 1:
            msg = f"cluster takes one column (first-stage PSU); found {list(clusters)}."
            raise DesignError(msg)
        if fpc is not None and not isinstance(fpc, str):
            fpc = float(fpc)
        self._spec = DesignSpec(
            weights=(_names(weights, "weights") or (None,))[0],
            strata=_names(strata, "strata"),
            cluster=clusters[0] if clusters else None,
            fpc=fpc,
            nest=bool(nest),
            lonely_psu=lonely_psu,
        )
        self._source = data
        self._reads = 0
        self._structure: dict[str, Any] | None = None
        self.data = None

    # ------------------------------------------------------------------ streaming
    def _totals(self, values: Any, domains: tuple[str, ...]) -> DesignTotals:
        if self._reads and not is_reiterable(self._source):
            msg = (
                "this design's data is a one-shot iterator that was already read; pass a list "
                "of chunks, a dask DataFrame or a function returning a fresh iterator (e.g. "
                "lambda: pd.read_csv(path, chunksize=100_000)) to estimate more than once."
            )
            raise ChunkError(msg)
        self._reads += 1
        spec = self._spec

        def summarize(chunk: pd.DataFrame, number: int) -> DesignTotals:
            return DesignTotals.from_frame(
                chunk, spec, values(chunk), domains=domains, chunk_number=number
            )

        return reduce_summaries(self._source, summarize)

    def _estimates(
        self, var: Any, level: Any, statistic: str, deff: str, domains: tuple[str, ...] = ()
    ) -> tuple[dict[str, Any], str]:
        if not isinstance(var, str):
            msg = (
                f"with streamed data the variable must be a column name; found "
                f"{type(var).__name__}. Add it as a column of every chunk."
            )
            raise SatscoreTypeError(msg)
        name = var if level is None else f"{var}={level}"

        def values(chunk: pd.DataFrame) -> dict[str, np.ndarray]:
            y = _column_values(chunk, var, level)
            if statistic == "proportion":
                SurveyDesign._check_binary(y, name)
            return {name: y}

        totals = self._totals(values, domains)
        res = design_estimates(
            totals, statistic="total" if statistic == "total" else "mean", deff=deff
        )
        self._structure = {k: res[k] for k in ("df", "n_psu", "n_strata", "n_total")}
        return res, name

    def _ensure_structure(self) -> dict[str, Any]:
        if self._structure is None:
            self._totals_structure()
        return self._structure  # type: ignore[return-value]

    def _totals_structure(self) -> None:
        totals = self._totals(lambda c: {"_one": np.ones(len(c))}, ())
        res = design_estimates(totals)
        self._structure = {k: res[k] for k in ("df", "n_psu", "n_strata", "n_total")}

    # ------------------------------------------------------------------ properties
    @property
    def weights(self) -> np.ndarray:  # type: ignore[override]
        msg = (
            "a streamed design does not keep per-row weights: calibration (post_stratify, "
            "rake) and row-level access need the rows in memory. Build the design on a "
            "DataFrame, or read the weights from the chunks."
        )
        raise DesignError(msg)

    @property
    def df(self) -> int:
        return int(self._ensure_structure()["df"])

    @property
    def n_psu(self) -> int:
        return int(self._ensure_structure()["n_psu"])

    @property
    def n_strata(self) -> int:
        return int(self._ensure_structure()["n_strata"])

    @property
    def calibrated(self) -> bool:
        return False

    def __repr__(self) -> str:
        s = self._spec
        parts = [f"weights={s.weights!r}", f"strata={list(s.strata)}", f"cluster={s.cluster!r}"]
        if s.fpc is not None:
            parts.append(f"fpc={s.fpc!r}")
        return f"StreamedDesign({', '.join(parts)})"

    def _with(self, weights: np.ndarray, step: tuple) -> SurveyDesign:
        msg = (
            "post-stratification and raking need the rows in memory (calibrated variances use "
            "row-level residuals); build the design on a DataFrame to calibrate it."
        )
        raise DesignError(msg)

    def domain_means(self, y: Any, **kwargs: Any) -> dict[str, Any]:
        msg = (
            "domain_means takes row-aligned arrays, which a streamed design does not have; use "
            "design.by(columns, var) or score_survey(<same chunks>, ..., design=design)."
        )
        raise DesignError(msg)

    # ------------------------------------------------------------------ estimates
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
        res, name = self._estimates(var, level, statistic, deff)
        if res["n"][0, 0] == 0:
            msg = f"variable {name!r} has no non-missing values; nothing to estimate."
            raise DataError(msg)
        one = {k: res[k][:, 0] for k in ("estimate", "var", "n", "sum_w", "deff", "n_eff")}
        df = float(res["df"])
        low, high, n_eff = self._interval(
            statistic,
            one,
            np.array([df]),
            np.array([float(res["n_total"])]),
            method,
            conf,
            n_eff_cap,
        )
        return DesignEstimate(
            statistic=statistic,
            variable=name,
            estimate=float(one["estimate"][0]),
            se=float(np.sqrt(one["var"][0])),
            ci=ConfidenceInterval(float(low[0]), float(high[0])),
            deff=float(one["deff"][0]),
            n=int(one["n"][0]),
            n_eff=float(n_eff[0]),
            df=df,
            method=method,
            confidence_level=conf,
        )

    def by(
        self,
        columns: Any,
        var: Any,
        *,
        statistic: str = "mean",
        level: Any = None,
        method: str = "korn_graubard",
        confidence_level: float = 0.95,
        n_eff_cap: str | None = None,
        deff: str = "wor",
    ) -> pd.DataFrame:
        """Domain estimates, one row per combination of ``columns`` (R ``svyby``)."""
        check_option("statistic", statistic, ("mean", "proportion", "total"))
        check_option("method", method, CI_METHODS)
        check_option("n_eff_cap", n_eff_cap, N_EFF_CAPS)
        check_option("deff", deff, DEFF_TYPES)
        conf = check_confidence_level(confidence_level)
        domains = _names(columns, "by")
        res, _ = self._estimates(var, level, statistic, deff, domains)
        one = {k: res[k][:, 0] for k in ("estimate", "var", "n", "sum_w", "deff", "n_eff")}
        low, high, n_eff = self._interval(
            statistic, one, res["df_domain"][:, 0], res["n_rows"][:, 0], method, conf, n_eff_cap
        )
        out = res["domains"].copy()
        out["estimate"] = one["estimate"]
        out["se"] = np.sqrt(one["var"])
        out["ci_low"] = low
        out["ci_high"] = high
        out["deff"] = one["deff"]
        out["n"] = one["n"].astype(np.int64)
        out["n_eff"] = n_eff
        out["df"] = res["df_domain"][:, 0]
        out["sum_w"] = one["sum_w"]
        out.columns = pd.Index(list(out.columns), dtype=object)
        return out


def _column_values(chunk: pd.DataFrame, var: str, level: Any) -> np.ndarray:
    if var not in chunk.columns:
        msg = (
            f"variable {var!r} is not a column of the chunks; pass one of "
            f"{[str(c) for c in chunk.columns][:12]}."
        )
        raise DataError(msg)
    series = chunk[var]
    if level is not None:
        return np.where(series.isna().to_numpy(), np.nan, (series == level).to_numpy(float))
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=float)
    num = pd.to_numeric(series, errors="coerce")
    if (num.isna() & series.notna()).any():
        sample = series[num.isna() & series.notna()].astype(str).unique()[:3].tolist()
        msg = (
            f"variable {var!r} is not numeric (values such as {sample}); pass level=... to "
            "estimate the proportion of one category, or convert it to numbers."
        )
        raise DataError(msg)
    return num.to_numpy(dtype=float)

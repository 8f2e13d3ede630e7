"""``SurveyDesign``: design-based means, totals and proportions (R ``survey``).

Taylor linearisation for stratified, clustered (one or more stages) designs
with finite-population corrections, matching R ``survey`` 4.1 (``svydesign``,
``svymean``, ``svytotal``, ``svyciprop``, ``svyby``). The rows are reduced to
per (unit, domain) cells (:mod:`satscore._design_rows`) and go through the one
variance core :mod:`satscore._design_core`, which the streamed design
(:mod:`satscore._summaries_survey`) shares; proportion intervals are in
:mod:`satscore._design_ci`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._checks import check_confidence_level, check_option
from ._chunks import is_out_of_core
from ._design_build import DesignEstimate, build_structure, column_list, sampling_weights
from ._design_ci import CI_METHODS, N_EFF_CAPS, design_proportion_ci
from ._design_core import domain_stats, influence_variance
from ._design_rows import check_binary, column_values, row_cells
from ._results import ConfidenceInterval
from .errors import DataError, DesignError, SatscoreTypeError

__all__ = ["DesignEstimate", "SurveyDesign"]

LONELY_PSU = ("fail", "adjust", "remove", "certainty", "average")
DEFF_TYPES = ("wor", "replace")


class SurveyDesign:
    """A stratified, clustered survey design with a finite-population correction.

    The design-based counterpart of R ``survey::svydesign(ids=, strata=,
    weights=, fpc=, nest=)``. Estimates use Taylor linearisation; degrees of
    freedom are PSUs minus strata. With several cluster columns and an FPC for
    every stage the variance is R's multistage estimator; without FPCs the
    first stage is the ultimate cluster (with-replacement approximation), as R.

    Parameters
    ----------
    data : pandas.DataFrame, iterable of DataFrames or dask DataFrame
        One row per respondent. It is kept (not copied, never modified) as
        :attr:`data`. Chunks (e.g. ``satscore.read_chunks(path)``) or a dask
        DataFrame give a streamed design whose estimates are computed from
        per-stratum/PSU totals, one pass per estimate (see the "Data larger than
        memory" guide).
    weights : str or array_like, optional
        Column name or vector of sampling weights (> 0, finite). Without
        weights they are derived from ``fpc`` (``N_h/n_h``) or set to 1.
    strata : str or list of str, optional
        Stratum column(s); several columns are crossed.
    cluster : str or list of str, optional
        Cluster column of each sampling stage, first-stage PSU first (R
        ``ids = ~psu + ssu``); each row is its own PSU when omitted. Later-stage
        units are nested in their PSU (R makes them so).
    fpc : str, float or list, optional
        Finite-population correction of each stage: the population number of
        units (values > 1) or the sampling fraction (values ≤ 1), constant within
        a stratum (stage 1) or a first-stage unit (stage 2), as R ``fpc = ~N1 + N2``.
    nest : bool, default False
        Cluster ids are only unique within strata (R ``nest = TRUE``).
    lonely_psu : {"fail", "adjust", "remove", "certainty", "average"}, default "fail"
        What a stratum with a single PSU contributes to the variance (R
        ``options(survey.lonely.psu = )``): ``"fail"`` raises at construction;
        ``"remove"``/``"certainty"`` contribute 0; ``"adjust"`` centres the PSU at
        the grand mean; ``"average"`` uses the average of the other strata. A
        stratum whose FPC says it was fully sampled contributes 0 and is never
        lonely (R). At a later stage (a PSU with one sampled unit) ``"fail"`` and
        ``"average"`` raise (R stops, resp. returns NaN).

    Attributes
    ----------
    data : pandas.DataFrame
        The data the design was built on.
    weights : ndarray
        Sampling (or calibrated) weights.
    df : int
        Design degrees of freedom, PSUs minus strata.
    n_psu : int
        Number of first-stage clusters.
    n_stages : int
        Sampling stages entering the variance.
    n_strata : int
        Number of strata.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import SurveyDesign
    >>> api = pd.read_csv("tests/data/apistrat.csv")
    >>> d = SurveyDesign(api, weights="pw", strata="stype", fpc="fpc")
    >>> m = d.mean("api00")
    >>> print(f"{m.estimate:.4f} {m.se:.4f}")
    662.2874 9.4089
    >>> # R: svymean(~api00, svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat))
    >>> ci = d.proportion("sch.wide", level="Yes").ci
    >>> print(f"{ci.low:.6f} {ci.high:.6f}")
    0.774171 0.873432
    >>> # R: svyciprop(~I(sch.wide == "Yes"), dstrat, method = "beta")
    """

    def __new__(cls, data: Any = None, *args: Any, **kwargs: Any) -> SurveyDesign:
        # chunks or a dask DataFrame: a StreamedDesign (design totals per stratum/PSU/domain)
        if cls is SurveyDesign and is_out_of_core(data):
            from ._summaries_survey import StreamedDesign

            return object.__new__(StreamedDesign)
        return object.__new__(cls)

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        weights: Any = None,
        strata: Any = None,
        cluster: Any = None,
        fpc: Any = None,
        nest: bool = False,
        lonely_psu: str = "fail",
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            msg = (
                f"data must be a pandas DataFrame; found {type(data).__name__}. "
                "Wrap your data with pandas.DataFrame(...)."
            )
            raise SatscoreTypeError(msg)
        if data.shape[0] < 2:
            msg = f"data has {data.shape[0]} row(s); a survey design needs at least 2."
            raise DesignError(msg)
        check_option("lonely_psu", lonely_psu, LONELY_PSU)
        self.data = data
        built = build_structure(
            data, strata=strata, cluster=cluster, fpc=fpc, nest=nest, lonely_psu=lonely_psu
        )
        self._struct = built.struct
        self._w = sampling_weights(weights, data, built.fpc_weight)
        self._has_fpc = fpc is not None

    # ------------------------------------------------------------------ properties
    @property
    def weights(self) -> np.ndarray:
        """Sampling (or calibrated) weights, one per row (a copy)."""
        return self._w.copy()

    @property
    def df(self) -> int:
        """Design degrees of freedom: PSUs minus strata (R ``degf``)."""
        return self._struct.df

    @property
    def n_psu(self) -> int:
        """Number of first-stage clusters (rows when unclustered)."""
        return self._struct.n_clusters

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return self._struct.n_strata

    @property
    def n_stages(self) -> int:
        """Sampling stages entering the variance (1 = ultimate cluster)."""
        return len(self._struct.stages)

    @property
    def calibrated(self) -> bool:
        """Whether post-stratification or raking has been applied."""
        return bool(self._struct.calibration)

    def __repr__(self) -> str:
        parts = [f"{self._w.size} rows", f"{self.n_strata} strata", f"{self.n_psu} PSUs"]
        if self.n_stages > 1:
            parts.append(f"{self.n_stages} stages")
        if self._has_fpc:
            parts.append("FPC")
        if self.calibrated:
            parts.append("calibrated")
        return f"SurveyDesign({', '.join(parts)}, df={self.df})"

    def _with(self, weights: np.ndarray, step: tuple) -> SurveyDesign:
        """A copy with new weights and one more calibration step (used by weighting)."""
        new = object.__new__(SurveyDesign)
        new.__dict__.update(self.__dict__)
        new._w = weights
        new._struct = dataclasses.replace(
            self._struct, calibration=(*self._struct.calibration, step)
        )
        return new

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
            row_variance = self._calibrated_variance(y, groups, n_groups, statistic)
        res = domain_stats(
            self._struct, cells, n_groups, statistic=statistic, deff=deff,
            row_variance=row_variance,
        )  # fmt: skip
        if self.calibrated:  # R keeps every row of a calibrated design in a domain subset
            res["n_model"] = res["n_rows"]  # (zero-weight rows do not count in svyglm)
            res["n_rows"] = np.full(n_groups, float(self._w.size))
        return res

    def _calibrated_variance(
        self, y: np.ndarray, groups: np.ndarray, n_groups: int, statistic: str
    ) -> Any:
        w, n = self._w, self._w.size
        rows = np.arange(n)
        step = max(1, min(n_groups, 20_000_000 // max(n, 1)))

        def variance(j: int, mean_g: np.ndarray, w_g: np.ndarray) -> np.ndarray:
            member = (groups >= 0) & ~np.isnan(y[:, j])
            g = groups[member]
            yj = y[member, j]
            with np.errstate(invalid="ignore", divide="ignore"):
                z = w[member] * (yj if statistic == "total" else (yj - mean_g[g]) / w_g[g])
            out = np.empty(n_groups)
            for start in range(0, n_groups, step):
                stop = min(n_groups, start + step)
                sel = (g >= start) & (g < stop)
                zmat = np.zeros((n, stop - start))
                zmat[rows[member][sel], g[sel] - start] = z[sel]
                out[start:stop] = influence_variance(self._struct, zmat)
            return out

        return variance

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

    # ------------------------------------------------------------------ public API
    def mean(
        self, var: Any, *, confidence_level: float = 0.95, deff: str = "wor"
    ) -> DesignEstimate:
        """Design-based mean of ``var`` (R ``svymean``), with a ``t_df`` interval.

        Parameters
        ----------
        var : str or array_like
            Column name or one value per row; NaN rows are left out (domain
            estimation, as R ``na.rm = TRUE``).
        confidence_level : float, default 0.95
            Coverage of the interval ``estimate ± t_{df} · se`` (R
            ``confint(svymean(...), df = degf(design))``).
        deff : {"wor", "replace"}, default "wor"
            Design-effect reference: SRS without (R ``deff = TRUE``) or with
            replacement (R ``deff = "replace"``).

        Returns
        -------
        DesignEstimate

        Examples
        --------
        >>> import pandas as pd
        >>> from satscore import SurveyDesign
        >>> api = pd.read_csv("tests/data/apiclus1.csv")
        >>> d = SurveyDesign(api, weights="pw", cluster="dnum", fpc="fpc")
        >>> m = d.mean("api00")
        >>> print(f"{m.estimate:.4f} {m.se:.4f} {m.deff:.4f}")
        644.1694 23.5422 9.3459
        >>> # R: dclus1 <- svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)
        >>> # R: svymean(~api00, dclus1, deff = TRUE)
        """
        return self._one("mean", var, None, "t", confidence_level, deff, None)

    def total(
        self, var: Any, *, confidence_level: float = 0.95, deff: str = "wor"
    ) -> DesignEstimate:
        """Design-based total of ``var`` (R ``svytotal``), with a ``t_df`` interval.

        Parameters
        ----------
        var : str or array_like
            Column name or one value per row; NaN rows are left out.
        confidence_level : float, default 0.95
            Coverage of the interval.
        deff : {"wor", "replace"}, default "wor"
            Design-effect reference (see :meth:`mean`).

        Returns
        -------
        DesignEstimate

        Examples
        --------
        >>> import pandas as pd
        >>> from satscore import SurveyDesign
        >>> api = pd.read_csv("tests/data/apistrat.csv")
        >>> t = SurveyDesign(api, weights="pw", strata="stype", fpc="fpc").total("enroll")
        >>> print(f"{t.estimate:.0f} {t.se:.0f}")
        3687178 114642
        >>> # R: svytotal(~enroll, dstrat)
        """
        return self._one("total", var, None, "t", confidence_level, deff, None)

    def proportion(
        self,
        var: Any,
        *,
        level: Any = None,
        method: str = "korn_graubard",
        confidence_level: float = 0.95,
        n_eff_cap: str | None = None,
        deff: str = "wor",
    ) -> DesignEstimate:
        """Design-based proportion with a confidence interval (R ``svyciprop``).

        Parameters
        ----------
        var : str or array_like
            A 0/1 (or boolean) column, or any column with ``level=``.
        level : scalar, optional
            The category whose share is estimated (``var == level``).
        method : str, default "korn_graubard"
            ``"korn_graubard"`` (= ``"beta"``, R ``method = "beta"``), ``"logit"``,
            ``"xlogit"``, ``"asin"``, ``"mean"``, ``"wilson"`` (R ≥ 4.5 formula) or
            ``"likelihood"``. See :mod:`satscore._design_ci`.
        confidence_level : float, default 0.95
            Coverage.
        n_eff_cap : {None, "n", "n_fpc"}, optional
            Cap on the Korn–Graubard/Wilson effective sample size: none (R),
            ``"n"`` (NCHS standard) or ``"n_fpc"`` (``n/(1 - n/Σw)``).
        deff : {"wor", "replace"}, default "wor"
            Design-effect reference.

        Returns
        -------
        DesignEstimate

        Examples
        --------
        >>> import pandas as pd
        >>> from satscore import SurveyDesign
        >>> api = pd.read_csv("tests/data/apiclus1.csv")
        >>> d = SurveyDesign(api, weights="pw", cluster="dnum", fpc="fpc")
        >>> ci = d.proportion("sch.wide", level="Yes").ci
        >>> print(f"{ci.low:.6f} {ci.high:.6f}")
        0.823702 0.914704
        >>> # R: svyciprop(~I(sch.wide == "Yes"), dclus1, method = "beta")
        """
        check_option("method", method, CI_METHODS)
        check_option("n_eff_cap", n_eff_cap, N_EFF_CAPS)
        return self._one("proportion", var, level, method, confidence_level, deff, n_eff_cap)

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
        """Domain estimates, one row per combination of ``columns`` (R ``svyby``).

        Domain variances use the whole design (rows outside a domain contribute
        zeros, PSU counts are those of the full design), never a subset design.
        Each domain's degrees of freedom are its PSUs minus its strata, and the
        Korn–Graubard ``n`` is its number of rows, as ``svyby(..., svyciprop)``.

        Parameters
        ----------
        columns : str or list of str
            Domain column(s).
        var : str or array_like
            Variable to estimate.
        statistic : {"mean", "proportion", "total"}, default "mean"
            What to estimate in each domain.
        level, method, n_eff_cap : optional
            As in :meth:`proportion` (proportions only).
        confidence_level : float, default 0.95
            Coverage.
        deff : {"wor", "replace"}, default "wor"
            Design-effect reference.

        Returns
        -------
        pandas.DataFrame
            The domain columns, then ``estimate``, ``se``, ``ci_low``, ``ci_high``,
            ``deff``, ``n``, ``n_eff``, ``df``, ``sum_w``.

        Examples
        --------
        >>> import pandas as pd
        >>> from satscore import SurveyDesign
        >>> api = pd.read_csv("tests/data/apiclus1.csv")
        >>> d = SurveyDesign(api, weights="pw", cluster="dnum", fpc="fpc")
        >>> tab = d.by("stype", "api00")
        >>> print(tab[["stype", "estimate", "se"]].round(3).to_string(index=False))
        stype  estimate     se
            E   648.868 22.362
            H   618.571 38.020
            M   631.440 31.609
        >>> # R: svyby(~api00, ~stype, dclus1, svymean)
        """
        check_option("statistic", statistic, ("mean", "proportion", "total"))
        check_option("method", method, CI_METHODS)
        check_option("n_eff_cap", n_eff_cap, N_EFF_CAPS)
        check_option("deff", deff, DEFF_TYPES)
        conf = check_confidence_level(confidence_level)
        res, keys, _, _ = self._domain_results(var, level, statistic, deff, columns)
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

    def domain_means(
        self, y: Any, *, domains: Any = None, n_domains: int | None = None, deff: str = "wor"
    ) -> dict[str, Any]:
        """Vectorised domain means of several variables (the seam used by ``score_survey``).

        Parameters
        ----------
        y : array_like, shape (n, m)
            Values aligned with :attr:`data` rows; NaN = missing or out of domain
            for that column.
        domains : array_like of int, shape (n,), optional
            Domain code 0..G-1 of each row, or -1 for rows in no domain. None =
            one domain holding every row.
        n_domains : int, optional
            G (default ``max(domains) + 1``).
        deff : {"wor", "replace"}, default "wor"
            Design-effect reference.

        Returns
        -------
        dict
            ``"estimate"``, ``"se"``, ``"n"`` (unweighted non-missing counts),
            ``"deff"``, ``"sum_w"``, ``"n_eff"`` (``σ̂²/v``), ``"df_domain"`` (PSUs
            minus strata with rows in the domain, as R ``svyby``) and
            ``"n_rows"`` (rows in the domain, the ``n`` of R's Korn–Graubard
            adjustment), each of shape ``(G, m)``, plus ``"df"``: the scalar design
            degrees of freedom.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from satscore import SurveyDesign
        >>> api = pd.read_csv("tests/data/apiclus1.csv")
        >>> d = SurveyDesign(api, weights="pw", cluster="dnum", fpc="fpc")
        >>> codes = api["stype"].map({"E": 0, "H": 1, "M": 2}).to_numpy()
        >>> out = d.domain_means(api[["api00"]].to_numpy(float), domains=codes)
        >>> print(np.round(out["estimate"][:, 0], 3), out["df"])
        [648.868 618.571 631.44 ] 14
        """
        check_option("deff", deff, DEFF_TYPES)
        arr = np.asarray(y, dtype=float)
        if arr.ndim == 1:
            arr = arr[:, None]
        n = self._w.size
        if arr.ndim != 2 or arr.shape[0] != n:
            msg = (
                f"y has shape {np.shape(y)}; need (n, m) with n = {n} design rows. Align the "
                "values with design.data rows."
            )
            raise DesignError(msg)
        if domains is None:
            groups = np.zeros(n, dtype=np.int64)
            n_groups = 1 if n_domains is None else int(n_domains)
        else:
            groups = np.asarray(domains).astype(np.int64).reshape(-1)
            if groups.shape[0] != n:
                msg = f"domains has {groups.shape[0]} codes for {n} design rows; pass one per row."
                raise DesignError(msg)
            top = int(groups.max()) + 1 if groups.size else 0
            n_groups = top if n_domains is None else int(n_domains)
            if top > n_groups or (groups < -1).any():
                msg = (
                    f"domains must be codes 0..{n_groups - 1} or -1; found values up to "
                    f"{top - 1} and down to {int(groups.min())}."
                )
                raise DesignError(msg)
        res = self._stats(arr, groups, n_groups, "mean", deff)
        out = {k: res[k] for k in ("estimate", "n", "deff", "sum_w", "n_eff")}
        out["se"] = np.sqrt(res["var"])
        out["n"] = res["n"].astype(np.int64)
        m = arr.shape[1]
        out["df_domain"] = np.repeat(res["df_domain"][:, None], m, axis=1)
        out["n_rows"] = np.repeat(res["n_rows"][:, None], m, axis=1)
        out["df"] = self.df
        return out

"""``SurveyDesign``: design-based means, totals and proportions (R ``survey``).

Taylor linearisation for stratified, first-stage-clustered designs with a
finite-population correction, matching R ``survey`` 4.1 (``svydesign`` with
one stage of clusters, ``svymean``, ``svytotal``, ``svyciprop``, ``svyby``).
The numerical engine lives in :mod:`satscore._design_core`, the proportion
intervals in :mod:`satscore._design_ci`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._checks import check_confidence_level, check_option
from ._chunks import is_out_of_core
from ._design_build import (
    DesignEstimate,
    column_list,
    fpc_factors,
    psu_codes,
    sampling_weights,
    stratum_codes,
)
from ._design_ci import CI_METHODS, N_EFF_CAPS, design_proportion_ci
from ._design_core import DesignStructure, domain_counts, domain_variance
from ._results import ConfidenceInterval
from .errors import DataError, DesignError, SatscoreTypeError

__all__ = ["DesignEstimate", "SurveyDesign"]

LONELY_PSU = ("fail", "adjust", "remove", "certainty", "average")
DEFF_TYPES = ("wor", "replace")


class SurveyDesign:
    """A stratified, clustered survey design with a finite-population correction.

    The design-based counterpart of R ``survey::svydesign(ids=, strata=,
    weights=, fpc=, nest=)`` for one stage of clusters (ultimate-cluster
    variance; later stages are not modelled, as R's default without
    second-stage FPCs). Estimates use Taylor linearisation; degrees of freedom
    are PSUs minus strata.

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
    cluster : str, optional
        First-stage cluster (PSU) column; each row is its own PSU when omitted.
    fpc : str or float, optional
        Finite-population correction, per stratum: the population number of
        PSUs (values > 1) or the sampling fraction (values ≤ 1), as in R.
    nest : bool, default False
        Cluster ids are only unique within strata (R ``nest = TRUE``).
    lonely_psu : {"fail", "adjust", "remove", "certainty", "average"}, default "fail"
        What a stratum with a single PSU contributes to the variance (R
        ``options(survey.lonely.psu = )``): ``"fail"`` raises at construction;
        ``"remove"``/``"certainty"`` contribute 0; ``"adjust"`` centres the PSU at
        the grand mean; ``"average"`` uses the average of the other strata.

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
        n = data.shape[0]
        self._strata_cols = None if strata is None else column_list(strata, data, "strata")
        if self._strata_cols is None:
            h = np.zeros(n, dtype=np.int64)
            self._strata_keys = pd.DataFrame({"stratum": [0]})
        else:
            h, self._strata_keys = stratum_codes(data, self._strata_cols, "strata")
        n_strata = int(h.max()) + 1
        self._cluster_col = None if cluster is None else column_list(cluster, data, "cluster")
        if self._cluster_col is not None:
            if len(self._cluster_col) != 1:
                msg = (
                    f"cluster takes one column (first-stage PSU); found {self._cluster_col}. "
                    "Later stages do not enter an ultimate-cluster variance; pass the PSU only."
                )
                raise DesignError(msg)
            psu = psu_codes(data, self._cluster_col[0], h, nest)
            psu_h = np.zeros(int(psu.max()) + 1, dtype=np.int64)
            psu_h[psu] = h
        else:
            psu = None
            psu_h = h.copy()
        n_psu = np.bincount(psu_h, minlength=n_strata)
        fpc_factor, pop_psu = fpc_factors(self._stratum_label, fpc, data, h, n_psu)
        w = sampling_weights(weights, data, h, n_psu, pop_psu)
        lonely = np.flatnonzero(n_psu == 1)
        if lonely.size and lonely_psu == "fail":
            labels = [self._stratum_label(k) for k in lonely[:5]]
            msg = (
                f"stratum {labels[0]!r} has a single PSU (lonely PSU; {lonely.size} such "
                f"strata: {labels}); its variance cannot be estimated. Pass "
                "lonely_psu='adjust' (centre at the grand mean, conservative), 'average', "
                "'remove' or 'certainty', or merge the stratum with a similar one."
            )
            raise DesignError(msg)
        self._struct = DesignStructure(
            stratum=h,
            psu=psu,
            psu_stratum=psu_h,
            n_psu=n_psu,
            fpc_factor=fpc_factor,
            lonely_psu=lonely_psu,
        )
        self._w = w
        self._pop_psu = pop_psu
        self._has_fpc = fpc is not None
        self._nest = nest

    # ------------------------------------------------------------------ construction
    def _stratum_label(self, code: int) -> Any:
        row = self._strata_keys.iloc[int(code)]
        return row.iloc[0] if row.shape[0] == 1 else tuple(row)

    # ------------------------------------------------------------------ properties
    @property
    def weights(self) -> np.ndarray:
        """Sampling (or calibrated) weights, one per row (a copy)."""
        return self._w.copy()

    @property
    def df(self) -> int:
        """Design degrees of freedom: PSUs minus strata (R ``degf``)."""
        return int(self._struct.n_clusters if self._struct.psu is not None else self._w.size) - (
            self._struct.n_strata
        )

    @property
    def n_psu(self) -> int:
        """Number of first-stage clusters (rows when unclustered)."""
        return int(self._struct.n_clusters if self._struct.psu is not None else self._w.size)

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return self._struct.n_strata

    @property
    def calibrated(self) -> bool:
        """Whether post-stratification or raking has been applied."""
        return bool(self._struct.calibration)

    def __repr__(self) -> str:
        parts = [f"{self._w.size} rows", f"{self.n_strata} strata", f"{self.n_psu} PSUs"]
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
            series = self.data[var]
            name = var
        else:
            series = pd.Series(np.asarray(var).reshape(-1))
            name = getattr(var, "name", None) or "y"
            if series.shape[0] != n:
                msg = (
                    f"variable has {series.shape[0]} values for {n} design rows; pass one per row."
                )
                raise DataError(msg)
        if level is not None:
            values = np.where(series.isna().to_numpy(), np.nan, (series == level).to_numpy(float))
            return values.astype(float), f"{name}={level}"
        if pd.api.types.is_bool_dtype(series.dtype):
            return series.to_numpy(dtype=float), str(name)
        num = pd.to_numeric(series, errors="coerce")
        if (num.isna() & series.notna()).any():
            sample = series[num.isna() & series.notna()].astype(str).unique()[:3].tolist()
            msg = (
                f"variable {name!r} is not numeric (values such as {sample}); pass level=... "
                "to estimate the proportion of one category, or convert it to numbers."
            )
            raise DataError(msg)
        return num.to_numpy(dtype=float), str(name)

    def _domain_codes(self, by: Any) -> tuple[np.ndarray, pd.DataFrame]:
        cols = column_list(by, self.data, "by")
        sub = self.data.loc[:, cols]
        grouped = sub.groupby(cols, sort=True, observed=True, dropna=True)
        codes = grouped.ngroup().to_numpy()
        codes = np.where(np.isnan(codes.astype(float)), -1, codes).astype(np.int64)
        keys = grouped.size().reset_index().loc[:, cols]
        return codes, keys

    # ------------------------------------------------------------------ engine
    def _stats(
        self, y: np.ndarray, groups: np.ndarray, n_groups: int, statistic: str, deff: str
    ) -> dict[str, np.ndarray]:
        """Estimates, variances and counts of one variable in every domain."""
        w = self._w
        in_domain = groups >= 0
        member = in_domain & ~np.isnan(y)
        g = np.where(member, groups, 0)
        y0 = np.where(member, y, 0.0)
        wm = np.where(member, w, 0.0)
        sum_w = np.bincount(g, weights=wm, minlength=n_groups)
        n = np.bincount(g, weights=member.astype(float), minlength=n_groups)
        total = np.bincount(g, weights=wm * y0, minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / sum_w
            resid = np.where(member, y0 - mean[g], 0.0)
            s2_pop = np.bincount(g, weights=wm * resid * resid, minlength=n_groups) / sum_w
            if statistic == "total":
                z = wm * y0
                est = total
            else:
                z = wm * resid / sum_w[g]
                est = mean
        var = domain_variance(self._struct, z, member, g, n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            s2 = s2_pop * n / (n - 1.0)
            if statistic == "total":
                vsrs = s2 * sum_w**2 / n
            else:
                vsrs = s2 / n
            if deff == "wor":
                vsrs = np.where(sum_w >= n, vsrs * (sum_w - n) / sum_w, np.nan)
            d_eff = var / vsrs
            n_eff = np.where(var > 0, (s2_pop * (sum_w**2 if statistic == "total" else 1)) / var, n)
        dom = in_domain & (w != 0)
        psus, strata = domain_counts(self._struct, dom, np.where(dom, groups, 0), n_groups)
        rows = np.bincount(
            np.where(in_domain, groups, 0), weights=in_domain.astype(float), minlength=n_groups
        )
        return {
            "estimate": np.where(n > 0, est, np.nan),
            "var": np.where(n > 0, var, np.nan),
            "n": n,
            "sum_w": sum_w,
            "deff": d_eff,
            "n_eff": n_eff,
            "df": (psus - strata).astype(float),
            "rows": rows,
        }

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
        y, name = self._values(var, level)
        if statistic == "proportion":
            self._check_binary(y, name)
        groups = np.zeros(y.shape[0], dtype=np.int64)
        res = self._stats(y, groups, 1, "total" if statistic == "total" else "mean", deff)
        df = float(self.df)
        if res["n"][0] == 0:
            msg = f"variable {name!r} has no non-missing values; nothing to estimate."
            raise DataError(msg)
        low, high, n_eff = self._interval(
            statistic,
            res,
            np.array([df]),
            np.array([float(y.shape[0])]),
            method,
            conf,
            n_eff_cap,
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

    def _interval(
        self,
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
                est,
                var,
                df,
                rows,
                method=method,
                level=conf,
                n_eff_cap=n_eff_cap,
                sum_w=res["sum_w"],
            )
        with np.errstate(invalid="ignore"):
            tq = np.where(df > 0, stats.t.ppf(0.5 + conf / 2.0, np.where(df > 0, df, 1.0)), np.nan)
            se = np.sqrt(var)
        return est - tq * se, est + tq * se, res["n_eff"]

    @staticmethod
    def _check_binary(y: np.ndarray, name: str) -> None:
        vals = y[~np.isnan(y)]
        bad = vals[(vals != 0) & (vals != 1)]
        if bad.size:
            msg = (
                f"variable {name!r} has the value {float(bad[0])!r}; a proportion needs 0/1 (or "
                "True/False) values. Pass level=<category> to estimate the share of one "
                "category."
            )
            raise DataError(msg)

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
        y, name = self._values(var, level)
        if statistic == "proportion":
            self._check_binary(y, name)
        groups, keys = self._domain_codes(columns)
        n_groups = keys.shape[0]
        res = self._stats(y, groups, n_groups, "total" if statistic == "total" else "mean", deff)
        rows = res["rows"] if not self.calibrated else np.full(n_groups, float(self._w.size))
        low, high, n_eff = self._interval(statistic, res, res["df"], rows, method, conf, n_eff_cap)
        out = keys.copy()
        out["estimate"] = res["estimate"]
        out["se"] = np.sqrt(res["var"])
        out["ci_low"] = low
        out["ci_high"] = high
        out["deff"] = res["deff"]
        out["n"] = res["n"].astype(np.int64)
        out["n_eff"] = n_eff
        out["df"] = res["df"]
        out["sum_w"] = res["sum_w"]
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
        m = arr.shape[1]
        keys = ("estimate", "se", "n", "deff", "sum_w", "n_eff", "df_domain", "n_rows")
        out = {k: np.full((n_groups, m), np.nan) for k in keys}
        for j in range(m):
            res = self._stats(arr[:, j], groups, n_groups, "mean", deff)
            out["estimate"][:, j] = res["estimate"]
            out["se"][:, j] = np.sqrt(res["var"])
            out["n"][:, j] = res["n"]
            out["deff"][:, j] = res["deff"]
            out["sum_w"][:, j] = res["sum_w"]
            out["n_eff"][:, j] = res["n_eff"]
            out["df_domain"][:, j] = res["df"]
            out["n_rows"][:, j] = res["rows"] if not self.calibrated else float(n)
        out["n"] = out["n"].astype(np.int64)
        out["df"] = self.df
        return out

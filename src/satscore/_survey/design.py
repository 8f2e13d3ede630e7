"""``SurveyDesign``: design-based means, totals and proportions (R ``survey``).

Taylor linearisation for stratified, clustered (one or more stages) designs
with finite-population corrections, matching R ``survey`` 4.1 (``svydesign``,
``svymean``, ``svytotal``, ``svyciprop``, ``svyby``). The rows are reduced to
per (unit, domain) cells (:mod:`satscore._survey.rows`) and go through the one
variance core :mod:`satscore._survey.variance`, which the streamed design
(:mod:`satscore._survey.streamed`) shares; proportion intervals are in
:mod:`satscore._stats.svyciprop`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_confidence_level, check_option
from satscore._core.errors import DesignError, SatscoreTypeError
from satscore._stats.svyciprop import CI_METHODS, N_EFF_CAPS
from satscore._stream.chunks import is_out_of_core
from satscore._survey.build import DesignEstimate, build_structure, sampling_weights
from satscore._survey.engine import DEFF_TYPES, DesignEngine
from satscore._survey.rows import domain_arrays

__all__ = ["DesignEstimate", "SurveyDesign"]

LONELY_PSU = ("fail", "adjust", "remove", "certainty", "average")


class SurveyDesign(DesignEngine):
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
        a stratum (stage 1) or a unit of the previous stage, as R ``fpc = ~N1 + N2``.
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
    >>> clus2 = pd.read_csv("tests/data/apiclus2.csv")
    >>> d2 = SurveyDesign(clus2, cluster=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    >>> m2 = d2.mean("api00")
    >>> print(f"{m2.estimate:.4f} {m2.se:.4f} stages={d2.n_stages} df={d2.df}")
    670.8118 30.0990 stages=2 df=39
    >>> # R: svymean(~api00, svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2))
    """

    def __new__(cls, data: Any = None, *args: Any, **kwargs: Any) -> SurveyDesign:
        # chunks or a dask DataFrame: a StreamedDesign (design totals per stratum/PSU/domain)
        if cls is SurveyDesign and is_out_of_core(data):
            from satscore._survey.streamed import StreamedDesign

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
            ``"likelihood"``. See :mod:`satscore._stats.svyciprop`.
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

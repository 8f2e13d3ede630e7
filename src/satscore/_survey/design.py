"""``SurveyDesign``: design-based means, totals and proportions (R ``survey``).

Taylor linearisation for stratified, clustered (one or more stages) designs
with finite-population corrections, matching R ``survey`` 4.1 (``svydesign``,
``svymean``, ``svytotal``, ``svyciprop``, ``svyby``).

:class:`SurveyDesign` is the one public class. Its constructor chooses the
backend from the data, here and nowhere else: a DataFrame gives a
:class:`~satscore._survey.memory.MemoryEngine` (rows reduced to per (unit,
domain) cells by :mod:`satscore._survey.rows`); chunks or a Dask frame give a
:class:`~satscore._survey.streamed.StreamedEngine` (chunks reduced to
:mod:`satscore._survey.totals`). Both go through the one variance core
:mod:`satscore._survey.variance` and share the estimates and intervals of
:mod:`satscore._survey.engine`; proportion intervals are in
:mod:`satscore._stats.svyciprop`.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_confidence_level, check_option
from satscore._core.errors import DesignError
from satscore._stats.svyciprop import CI_METHODS, N_EFF_CAPS
from satscore._stream.chunks import is_out_of_core
from satscore._survey.build import DesignArgs
from satscore._survey.engine import DEFF_TYPES, DesignEngine, DesignEstimate
from satscore._survey.memory import MemoryEngine
from satscore._survey.streamed import StreamedEngine
from satscore._survey.totals import DesignSpec

__all__ = ["DesignEstimate", "SurveyDesign"]


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
        memory" guide); it is the same class, but row-level operations
        (:attr:`weights`, :meth:`domain_means`, post-stratification, raking) need
        a DataFrame.
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
    data : pandas.DataFrame or None
        The data the design was built on (None when streamed).
    weights : ndarray
        Sampling (or calibrated) weights (in-memory designs).
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
        args = DesignArgs(weights, strata, cluster, fpc, nest, lonely_psu)
        # the backend, chosen once: rows in memory, or design totals per stratum/PSU/domain
        engine: DesignEngine
        if is_out_of_core(data):
            engine = StreamedEngine(data, args)
        else:
            engine = MemoryEngine(data, args)
        self._engine = engine

    # ------------------------------------------------------------------ properties
    @property
    def data(self) -> pd.DataFrame | None:
        """The data the design was built on (None for chunks or a Dask frame)."""
        return self._engine.data

    @property
    def weights(self) -> np.ndarray:
        """Sampling (or calibrated) weights, one per row (a copy; in-memory designs only)."""
        return self._engine.weights

    @property
    def df(self) -> int:
        """Design degrees of freedom: PSUs minus strata (R ``degf``)."""
        return self._engine.df

    @property
    def n_psu(self) -> int:
        """Number of first-stage clusters (rows when unclustered)."""
        return self._engine.n_psu

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return self._engine.n_strata

    @property
    def n_stages(self) -> int:
        """Sampling stages entering the variance (1 = ultimate cluster)."""
        return self._engine.n_stages

    @property
    def calibrated(self) -> bool:
        """Whether post-stratification or raking has been applied."""
        return self._engine.calibrated

    @property
    def _spec(self) -> DesignSpec | None:
        """The design's columns when streamed (``score_survey`` reads its chunks with them)."""
        engine = self._engine
        return engine.spec if isinstance(engine, StreamedEngine) else None

    def __repr__(self) -> str:
        """``SurveyDesign(200 rows, 3 strata, 200 PSUs, FPC, df=197)`` (streamed: its columns)."""
        return self._engine.describe()

    def _rows(self, purpose: str) -> MemoryEngine:
        """The in-memory backend, or a DesignError saying that ``purpose`` needs the rows."""
        engine = self._engine
        if not isinstance(engine, MemoryEngine):
            msg = (
                f"{purpose} works on the rows, which a streamed design (chunks or a dask "
                "DataFrame) does not keep: calibration and row-level access need the rows in "
                "memory. Build the design on a DataFrame."
            )
            raise DesignError(msg)
        return engine

    def _with(self, weights: np.ndarray, step: tuple) -> SurveyDesign:
        """A copy with new weights and one more calibration step (used by weighting)."""
        new = copy.copy(self)
        new._engine = self._engine.calibrate(weights, step)
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
        return self._engine.estimate("mean", var, None, "t", confidence_level, deff, None)

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
        return self._engine.estimate("total", var, None, "t", confidence_level, deff, None)

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
        return self._engine.estimate(
            "proportion", var, level, method, confidence_level, deff, n_eff_cap
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
        return self._engine.by(columns, var, statistic, level, method, conf, n_eff_cap, deff)

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
        return self._engine.domain_means(y, domains=domains, n_domains=n_domains, deff=deff)

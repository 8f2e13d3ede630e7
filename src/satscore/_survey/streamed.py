"""The streamed backend of ``SurveyDesign``: chunks or a Dask frame, reduced to design totals.

``SurveyDesign(chunks, weights=..., strata=..., cluster=..., fpc=...)`` with
out-of-core data estimates through a :class:`StreamedEngine`: it keeps the
source and the design's column names, and each estimate (``mean``, ``total``,
``proportion``, ``by``) reads the chunks once, reducing them to
:class:`~satscore._survey.totals.DesignTotals`. The results equal the
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

from satscore._core.checks import check_columns, check_option
from satscore._core.errors import ChunkError, DataError, DesignError, SatscoreTypeError
from satscore._stream.chunks import is_reiterable
from satscore._stream.reduce import reduce_summaries
from satscore._survey.build import LONELY_PSU, DesignArgs, stage_list, stage_plan
from satscore._survey.engine import DesignEngine
from satscore._survey.rows import check_binary, column_values
from satscore._survey.totals import DesignSpec, DesignTotals, design_estimates

__all__ = ["StreamedEngine"]


def _names(value: Any, what: str) -> tuple[str, ...]:
    """Column name(s) of a design argument as a tuple (streamed designs take names only)."""
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


class StreamedEngine(DesignEngine):
    """A survey design over chunks or a Dask frame (see the module docstring).

    Attributes
    ----------
    data : None
        Rows are not kept.
    spec : DesignSpec
        The design's columns (``score_survey`` reads the same chunks with it).
    df : int
        Design degrees of freedom (one pass over the design columns on first use).
    n_psu, n_strata : int
        Number of first-stage clusters and strata.
    """

    calibrated = False  # calibration needs the rows in memory

    def __init__(self, data: Any, args: DesignArgs) -> None:
        check_option("lonely_psu", args.lonely_psu, LONELY_PSU)
        clusters = _names(args.cluster, "cluster")
        fpcs = tuple(f if isinstance(f, str) else float(f) for f in stage_list(args.fpc))
        stage_plan(clusters, fpcs)  # one fpc per stage, or none (raises otherwise)
        self.spec = DesignSpec(
            weights=(_names(args.weights, "weights") or (None,))[0],
            strata=_names(args.strata, "strata"),
            cluster=clusters or None,
            fpc=fpcs or None,
            nest=bool(args.nest),
            lonely_psu=args.lonely_psu,
        )
        self._source = data
        self._reads = 0
        self._structure: dict[str, Any] | None = None
        self.data = None

    # ------------------------------------------------------------------ streaming
    def _totals(self, values: Any, domains: tuple[str, ...]) -> DesignTotals:
        """The design totals of ``values(chunk)`` over the whole source (one pass)."""
        if self._reads and not is_reiterable(self._source):
            msg = (
                "this design's data is a one-shot iterator that was already read; pass a list "
                "of chunks, a dask DataFrame or a function returning a fresh iterator (e.g. "
                "lambda: pd.read_csv(path, chunksize=100_000)) to estimate more than once."
            )
            raise ChunkError(msg)
        self._reads += 1
        spec = self.spec

        def summarize(chunk: pd.DataFrame, number: int) -> DesignTotals:
            return DesignTotals.from_frame(
                chunk, spec, values(chunk), domains=domains, chunk_number=number
            )

        return reduce_summaries(self._source, summarize)

    def domain_results(
        self, var: Any, level: Any, statistic: str, deff: str, columns: Any = None
    ) -> tuple[dict[str, Any], pd.DataFrame | None, str, float]:
        """Estimates of ``var`` in each domain of ``columns``: one pass over the chunks."""
        if not isinstance(var, str):
            msg = (
                f"with streamed data the variable must be a column name; found "
                f"{type(var).__name__}. Add it as a column of every chunk."
            )
            raise SatscoreTypeError(msg)
        name = var if level is None else f"{var}={level}"
        domains = () if columns is None else _names(columns, "by")

        def values(chunk: pd.DataFrame) -> dict[str, np.ndarray]:
            y = _column_values(chunk, var, level)
            if statistic == "proportion":
                check_binary(y, name)
            return {name: y}

        totals = self._totals(values, domains)
        res = design_estimates(
            totals, statistic="total" if statistic == "total" else "mean", deff=deff
        )
        self._structure = {k: res[k] for k in ("df", "n_psu", "n_strata", "n_total")}
        out = {k: v[:, 0] for k, v in res.items() if isinstance(v, np.ndarray) and v.ndim == 2}
        keys = res["domains"] if domains else None
        return out, keys, name, float(res["n_total"])

    def _ensure_structure(self) -> dict[str, Any]:
        """``df``, ``n_psu``, ``n_strata`` and rows (one pass on first use)."""
        if self._structure is None:
            self._totals_structure()
        return self._structure  # type: ignore[return-value]

    def _totals_structure(self) -> None:
        """Read the design columns once for the design's structure."""
        totals = self._totals(lambda c: {"_one": np.ones(len(c))}, ())
        res = design_estimates(totals)
        self._structure = {k: res[k] for k in ("df", "n_psu", "n_strata", "n_total")}

    # ------------------------------------------------------------------ properties
    @property
    def weights(self) -> np.ndarray:
        """Not kept: raises :class:`~satscore.errors.DesignError`."""
        msg = (
            "a streamed design does not keep per-row weights: calibration (post_stratify, "
            "rake) and row-level access need the rows in memory. Build the design on a "
            "DataFrame, or read the weights from the chunks."
        )
        raise DesignError(msg)

    @property
    def df(self) -> int:
        """PSUs minus strata (one pass over the design columns on first use)."""
        return int(self._ensure_structure()["df"])

    @property
    def n_psu(self) -> int:
        """First-stage clusters."""
        return int(self._ensure_structure()["n_psu"])

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return int(self._ensure_structure()["n_strata"])

    @property
    def n_stages(self) -> int:
        """Sampling stages entering the variance."""
        return max(1, len(self.spec.clusters))

    def describe(self) -> str:
        """``StreamedDesign(weights='pw', strata=['stype'], cluster=[])``."""
        s = self.spec
        parts = [f"weights={s.weights!r}", f"strata={list(s.strata)}", f"cluster={s.clusters}"]
        if s.fpc is not None:
            parts.append(f"fpc={s.fpc!r}")
        return f"StreamedDesign({', '.join(parts)})"

    def calibrate(self, weights: np.ndarray, step: tuple) -> DesignEngine:
        """Not available: raises :class:`~satscore.errors.DesignError`."""
        msg = (
            "post-stratification and raking need the rows in memory (calibrated variances use "
            "row-level residuals); build the design on a DataFrame to calibrate it."
        )
        raise DesignError(msg)

    def domain_means(
        self, y: Any, *, domains: Any = None, n_domains: int | None = None, deff: str = "wor"
    ) -> dict[str, Any]:
        """Not available: raises :class:`~satscore.errors.DesignError`."""
        msg = (
            "domain_means takes row-aligned arrays, which a streamed design does not have; use "
            "design.by(columns, var) or score_survey(<same chunks>, ..., design=design)."
        )
        raise DesignError(msg)


def _column_values(chunk: pd.DataFrame, var: str, level: Any) -> np.ndarray:
    """Float values of the variable ``var`` in one chunk."""
    check_columns(
        chunk.columns, [var], what="variable", where="a column of the chunks",
        fix="pass a column that every chunk has", error=DataError,
    )  # fmt: skip
    return column_values(chunk[var], var, level)

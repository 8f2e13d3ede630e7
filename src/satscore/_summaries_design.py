"""Mergeable design totals: Taylor-linearised domain means and totals from chunks.

The linearised variance of a domain ratio mean ``ȳ_g = Σ w y / Σ w`` needs,
for every first-stage PSU ``c`` and domain ``g``, only the weighted count
``W_cg`` and weighted mean ``m_cg`` of the domain's members in the PSU: the PSU
total of the influence values is ``T_cg = W_cg (m_cg - ȳ_g) / W_g`` (for a
total, ``W_cg m_cg``). Those are :class:`~satscore._summaries.Moments` keyed by
``(stratum, PSU, domain)``, merged exactly across chunks. Without clusters
every row is its own PSU and the sum of squared influence values per
``(stratum, domain)`` comes from a second set of moments weighted by ``w²``.
Stratum sums of ``T`` and ``T²`` then go through the same combination step
as :class:`satscore.SurveyDesign` (``_design_core._combine``: FPC, lonely-PSU
rules), so results equal the in-memory design's to rounding.

Calibrated designs (post-stratification, raking) need row-level residuals and
are not supported out of core.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from . import _metrics as M
from ._design_core import DesignStructure, _combine
from ._summaries import Moments
from ._summaries_base import _Keyed, _py
from .errors import DesignError

__all__ = ["DesignSpec", "DesignTotals", "design_estimates"]


@dataclasses.dataclass(frozen=True)
class DesignSpec:
    """Column names of a design (as :class:`satscore.SurveyDesign` arguments)."""

    weights: str | None = None
    strata: tuple[str, ...] = ()
    cluster: str | None = None
    fpc: str | float | None = None
    nest: bool = False
    lonely_psu: str = "fail"

    def columns(self) -> list[str]:
        cols = [*self.strata]
        for c in (self.cluster, self.weights, self.fpc):
            if isinstance(c, str):
                cols.append(c)
        return cols


def _none(v: Any) -> Any:
    v = _py(v)
    try:
        return None if pd.isna(v) else v
    except (TypeError, ValueError):
        return v


def _row_keys(frame: pd.DataFrame, cols: Sequence[str]) -> tuple[np.ndarray, list[tuple]]:
    """Chunk-local code of each row's combination of ``cols`` (missing -> None) and the keys."""
    if not cols:
        return np.zeros(len(frame), dtype=np.int64), [()]
    grouped = frame.groupby(list(cols), sort=False, dropna=False, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    first = np.unique(codes, return_index=True)[1]
    sub = frame.loc[:, list(cols)].iloc[first]
    keys = [tuple(_none(v) for v in row) for row in sub.itertuples(index=False, name=None)]
    return codes, keys


@dataclasses.dataclass(frozen=True, eq=False)
class _Extremes(_Keyed):
    """Per-stratum minimum and maximum of the FPC column."""

    by: tuple[str, ...]
    keys: tuple[tuple, ...]
    key_dtypes: tuple[Any, ...]
    columns: tuple[str, ...]
    lo: np.ndarray
    hi: np.ndarray
    _arrays: ClassVar[tuple[str, ...]] = ("lo", "hi")
    _fill: ClassVar[dict[str, float]] = {"lo": np.inf, "hi": -np.inf}

    def merge(self, other: _Extremes) -> _Extremes:
        self._check_compatible(other)
        keys, a, b = self._aligned(other)
        return dataclasses.replace(
            self, keys=keys, lo=np.minimum(a["lo"], b["lo"]), hi=np.maximum(a["hi"], b["hi"])
        )


@dataclasses.dataclass(frozen=True, eq=False)
class DesignTotals:
    """Mergeable per-(stratum, PSU, domain) totals of one or more variables.

    Attributes
    ----------
    spec : DesignSpec
        The design's columns.
    domains : tuple of str
        Domain columns (``()`` = one domain).
    columns : tuple of str
        Variables.
    cells : Moments
        Keyed by ``(*strata, psu, *domain)`` (``psu`` None without clusters); the
        variables plus ``_rows`` (every row) and ``_wnz`` (rows with w ≠ 0), weights w.
    squares : Moments or None
        Without clusters: keyed by ``(*strata, *domain)``, weights ``w²``.
    fpc : _Extremes or None
        Per-stratum range of the FPC column.
    domain_dtypes : tuple
        dtypes of the domain columns (for ordering).
    """

    spec: DesignSpec
    domains: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Moments
    squares: Moments | None
    fpc: _Extremes | None
    domain_dtypes: tuple[Any, ...]
    strata_dtypes: tuple[Any, ...]

    @classmethod
    def from_frame(
        cls,
        chunk: pd.DataFrame,
        spec: DesignSpec,
        values: Mapping[str, np.ndarray],
        *,
        domains: Sequence[str] = (),
        chunk_number: int = 0,
    ) -> DesignTotals:
        """Totals of one chunk; ``values`` maps each variable to one value per row (NaN = none)."""
        n = len(chunk)
        for col in [*spec.columns(), *domains]:
            if col not in chunk.columns:
                msg = (
                    f"design column {col!r} is not in chunk {chunk_number} (columns: "
                    f"{[str(c) for c in chunk.columns][:10]}); every chunk needs the design "
                    "columns."
                )
                raise DesignError(msg)
        w = _chunk_weights(chunk, spec, chunk_number)
        for col in (spec.cluster, *spec.strata):
            if col is not None and chunk[col].isna().any():
                rows = np.flatnonzero(chunk[col].isna().to_numpy())[:5].tolist()
                what = "cluster" if col == spec.cluster else "strata"
                msg = (
                    f"{what} column {col!r} has missing values (chunk {chunk_number}, rows "
                    f"{rows}); every row needs a {what} value. Fill or drop those rows first."
                )
                raise DesignError(msg)
        names = tuple(values)
        y = np.column_stack([np.asarray(values[c], dtype=float).reshape(-1) for c in names])
        extra = np.column_stack([np.ones(n), np.where(w != 0, 1.0, np.nan)])
        x = np.concatenate([y, extra], axis=1)
        psu_cols = [spec.cluster] if spec.cluster is not None else []
        code, keys = _row_keys(chunk, [*spec.strata, *psu_cols, *domains])
        if spec.cluster is None:
            nh = len(spec.strata)
            keys = [(*k[:nh], None, *k[nh:]) for k in keys]
        cells = Moments.from_arrays(
            x, code, tuple(keys), columns=(*names, "_rows", "_wnz"), weights=w
        )
        squares = None
        if spec.cluster is None:
            code2, keys2 = _row_keys(chunk, [*spec.strata, *domains])
            squares = Moments.from_arrays(y, code2, tuple(keys2), columns=names, weights=w * w)
        fpc = None
        if isinstance(spec.fpc, str):
            vals = pd.to_numeric(chunk[spec.fpc], errors="coerce").to_numpy(dtype=float)
            if not (np.isfinite(vals).all() and (vals > 0).all()):
                bad = vals[~(np.isfinite(vals) & (vals > 0))][0]
                msg = (
                    f"fpc (column {spec.fpc!r}) has the value {bad!r} in chunk {chunk_number}; it "
                    "must be a positive population size (> 1) or sampling fraction (<= 1)."
                )
                raise DesignError(msg)
            hc, hk = _row_keys(chunk, list(spec.strata))
            lo = np.full(len(hk), np.inf)
            hi = np.full(len(hk), -np.inf)
            np.minimum.at(lo, hc, vals)
            np.maximum.at(hi, hc, vals)
            fpc = _Extremes(tuple(spec.strata), tuple(hk), (), ("fpc",), lo, hi)
        return cls(
            spec,
            tuple(domains),
            names,
            cells,
            squares,
            fpc,
            tuple(chunk[c].dtype for c in domains),
            tuple(chunk[c].dtype for c in spec.strata),
        )

    def merge(self, other: DesignTotals) -> DesignTotals:
        """Totals of the union of the two chunks' rows."""
        if (self.spec, self.domains, self.columns) != (other.spec, other.domains, other.columns):
            msg = "cannot merge design totals of different designs, domains or variables."
            raise DesignError(msg)
        return dataclasses.replace(
            self,
            cells=self.cells.merge(other.cells),
            squares=None if self.squares is None else self.squares.merge(other.squares),
            fpc=None if self.fpc is None else self.fpc.merge(other.fpc),
        )

    def __add__(self, other: DesignTotals) -> DesignTotals:
        return self.merge(other)


def _chunk_weights(chunk: pd.DataFrame, spec: DesignSpec, number: int) -> np.ndarray:
    if spec.weights is None:
        return np.ones(len(chunk))
    w = pd.to_numeric(chunk[spec.weights], errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(w) & (w > 0))
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        msg = (
            f"weights column {spec.weights!r} has {int(bad.sum())} non-positive, missing or "
            f"infinite value(s) in chunk {number} (rows {rows} of the chunk, e.g. {w[bad][0]!r}); "
            "sampling weights must be finite and > 0. Drop those rows or fix the weights."
        )
        raise DesignError(msg)
    return w


def _order(keys: list[tuple], names: Sequence[str], dtypes: Sequence[Any]) -> np.ndarray:
    """Rank of each distinct key in sorted (score_survey / svyby) order."""
    if not names:
        return np.zeros(len(keys), dtype=np.int64)
    frame = pd.DataFrame(keys, columns=list(names))
    for col, dtype in zip(names, dtypes, strict=True):
        if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(dtype):
            frame[col] = frame[col].astype(dtype)
    return M.segment_codes(frame, list(names))[0]


def design_estimates(
    totals: DesignTotals, *, statistic: str = "mean", deff: str = "wor"
) -> dict[str, Any]:
    """Domain estimates of every variable, as ``SurveyDesign.domain_means`` / ``_stats``.

    Returns a dict with ``"estimate"``, ``"var"``, ``"n"``, ``"sum_w"``, ``"deff"``,
    ``"n_eff"``, ``"df_domain"``, ``"n_rows"`` of shape ``(G, m)``, ``"df"`` (design
    df), ``"n_psu"``, ``"n_strata"``, ``"n"`` rows and ``"domains"`` (DataFrame).
    """
    spec = totals.spec
    cells = totals.cells
    nh = len(spec.strata)
    keys = list(cells.keys)
    hkeys = [k[:nh] for k in keys]
    psus = [k[nh] for k in keys]
    dkeys = [k[nh + 1 :] for k in keys]
    # strata
    uh = list(dict.fromkeys(hkeys))
    h_rank = _order(uh, spec.strata, totals.strata_dtypes)
    h_of = {k: int(h_rank[i]) for i, k in enumerate(uh)}
    h = np.array([h_of[k] for k in hkeys], dtype=np.int64)
    n_strata = len(uh)
    m = len(totals.columns)
    rows_col, wnz_col = m, m + 1
    cell_rows = cells.n[:, rows_col]
    n_total = float(cell_rows.sum())
    # PSUs per stratum (whole design)
    if spec.cluster is None:
        n_psu = np.bincount(h, weights=cell_rows, minlength=n_strata).astype(np.int64)
        n_clusters = int(n_total)
    else:
        pairs = {(hk, p) for hk, p in zip(hkeys, psus, strict=True)}
        if not spec.nest:
            seen: dict[Any, Any] = {}
            for hk, p in sorted(pairs, key=repr):
                if p in seen and seen[p] != hk:
                    msg = (
                        f"cluster id {p!r} in column {spec.cluster!r} appears in more than one "
                        "stratum; cluster ids must be nested in strata. If ids are only unique "
                        "within strata pass nest=True."
                    )
                    raise DesignError(msg)
                seen[p] = hk
        n_psu = np.bincount([h_of[hk] for hk, _ in pairs], minlength=n_strata).astype(np.int64)
        n_clusters = len(pairs)
    fpc_factor, pop = _fpc_factor(totals, uh, h_of, n_psu)
    scale = np.ones(n_strata) if spec.weights is not None or pop is None else pop / n_psu
    lonely = np.flatnonzero(n_psu == 1)
    if lonely.size and spec.lonely_psu == "fail":
        labels = [next(k for k in uh if h_of[k] == i) for i in lonely[:5]]
        labels = [lab[0] if len(lab) == 1 else lab for lab in labels]
        msg = (
            f"stratum {labels[0]!r} has a single PSU (lonely PSU; {lonely.size} such strata: "
            f"{labels}); its variance cannot be estimated. Pass lonely_psu='adjust', "
            "'average', 'remove' or 'certainty', or merge the stratum with a similar one."
        )
        raise DesignError(msg)
    struct = DesignStructure(
        stratum=np.zeros(0, dtype=np.int64),
        psu=None,
        psu_stratum=np.zeros(0, dtype=np.int64),
        n_psu=n_psu,
        fpc_factor=fpc_factor,
        lonely_psu=spec.lonely_psu,
    )
    # domains
    in_dom = np.array([all(v is not None for v in d) for d in dkeys], dtype=bool)
    ud = list(dict.fromkeys(d for d, ok in zip(dkeys, in_dom, strict=True) if ok))
    if not totals.domains:
        ud = [()]
    d_rank = _order(ud, totals.domains, totals.domain_dtypes)
    d_of = {k: int(d_rank[i]) for i, k in enumerate(ud)}
    g_n = len(ud)
    g = np.array([d_of.get(d, -1) if ok else -1 for d, ok in zip(dkeys, in_dom, strict=True)])
    inside = g >= 0
    gi = np.where(inside, g, 0)
    domains = pd.DataFrame(index=pd.RangeIndex(g_n))
    if totals.domains:
        inv = np.empty(g_n, dtype=np.int64)
        inv[d_rank] = np.arange(g_n)
        domains = pd.DataFrame([ud[i] for i in inv], columns=list(totals.domains))
        for col, dtype in zip(totals.domains, totals.domain_dtypes, strict=True):
            if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(dtype):
                domains[col] = domains[col].astype(dtype)
    sc = scale[h]
    rows = np.bincount(gi[inside], weights=cell_rows[inside], minlength=g_n)
    wnz = cells.n[:, wnz_col] > 0
    dom_ok = inside & wnz
    hg_present = np.zeros(n_strata * g_n, dtype=bool)
    hg_present[(h * g_n + gi)[dom_ok]] = True
    strata_present = hg_present.reshape(n_strata, g_n).sum(axis=0)
    if spec.cluster is None:
        psus_present = np.bincount(gi[dom_ok], weights=cells.n[dom_ok, wnz_col], minlength=g_n)
    else:
        psus_present = np.bincount(gi[dom_ok], minlength=g_n).astype(float)
    df_domain = psus_present - strata_present
    shape = (g_n, m)
    out = {k: np.full(shape, np.nan) for k in ("estimate", "var", "n", "sum_w", "deff", "n_eff")}
    for j in range(m):
        n_c = cells.n[:, j]
        w_c = cells.sum_w[:, j] * sc
        mu_c = cells.mean[:, j]
        m2_c = cells.m2[:, j] * sc
        mem = inside & (n_c > 0)
        gm = gi[mem]
        n_g = np.bincount(gm, weights=n_c[mem], minlength=g_n)
        w_g = np.bincount(gm, weights=w_c[mem], minlength=g_n)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_g = np.bincount(gm, weights=w_c[mem] * mu_c[mem], minlength=g_n) / w_g
            dev = mu_c[mem] - mean_g[gm]
            m2_g = np.bincount(gm, weights=m2_c[mem] + w_c[mem] * dev * dev, minlength=g_n)
            s2_pop = m2_g / w_g
            if statistic == "total":
                t = w_c[mem] * mu_c[mem]
                est = w_g * mean_g
            else:
                t = w_c[mem] * dev / w_g[gm]
                est = mean_g
        key = h[mem] * g_n + gm
        size = n_strata * g_n
        s1 = np.bincount(key, weights=t, minlength=size)
        if spec.cluster is None:
            s2 = _unclustered_squares(totals, j, h_of, d_of, scale, mean_g, w_g, statistic, size)
        else:
            s2 = np.bincount(key, weights=t * t, minlength=size)
        present = np.zeros(size, dtype=bool)
        present[key] = True
        var = _combine(
            struct,
            s1.reshape(n_strata, g_n),
            s2.reshape(n_strata, g_n),
            present.reshape(n_strata, g_n),
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            s2u = s2_pop * n_g / (n_g - 1.0)
            vsrs = s2u * w_g**2 / n_g if statistic == "total" else s2u / n_g
            if deff == "wor":
                vsrs = np.where(w_g >= n_g, vsrs * (w_g - n_g) / w_g, np.nan)
            d_eff = var / vsrs
            n_eff = np.where(var > 0, (s2_pop * (w_g**2 if statistic == "total" else 1)) / var, n_g)
        out["estimate"][:, j] = np.where(n_g > 0, est, np.nan)
        out["var"][:, j] = np.where(n_g > 0, var, np.nan)
        out["n"][:, j] = n_g
        out["sum_w"][:, j] = w_g
        out["deff"][:, j] = d_eff
        out["n_eff"][:, j] = n_eff
    out["df_domain"] = np.repeat(df_domain[:, None], m, axis=1)
    out["n_rows"] = np.repeat(rows[:, None], m, axis=1)
    out["df"] = int(n_clusters - n_strata)
    out["n_psu"] = int(n_clusters)
    out["n_strata"] = int(n_strata)
    out["n_total"] = int(n_total)
    out["domains"] = domains
    return out


def _unclustered_squares(
    totals: DesignTotals,
    j: int,
    h_of: dict,
    d_of: dict,
    scale: np.ndarray,
    mean_g: np.ndarray,
    w_g: np.ndarray,
    statistic: str,
    size: int,
) -> np.ndarray:
    """Σ z² per (stratum, domain) when every row is a PSU, from the w²-weighted moments."""
    sq = totals.squares
    nh = len(totals.spec.strata)
    g_n = mean_g.shape[0]
    out = np.zeros(size)
    for k, key in enumerate(sq.keys):
        d = key[nh:]
        if sq.n[k, j] == 0 or any(v is None for v in d):
            continue
        hh = h_of[key[:nh]]
        gg = d_of.get(d if totals.domains else (), -1)
        if gg < 0:
            continue
        c2 = scale[hh] ** 2
        w2 = sq.sum_w[k, j] * c2
        m2 = sq.m2[k, j] * c2
        mu = sq.mean[k, j]
        if statistic == "total":
            val = m2 + w2 * mu * mu
        else:
            dev = mu - mean_g[gg]
            val = (m2 + w2 * dev * dev) / (w_g[gg] * w_g[gg])
        out[hh * g_n + gg] += val
    return out


def _fpc_factor(
    totals: DesignTotals, uh: list[tuple], h_of: dict, n_psu: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    spec = totals.spec
    n_strata = n_psu.shape[0]
    if spec.fpc is None:
        return np.ones(n_strata), None
    if isinstance(spec.fpc, str):
        ext = totals.fpc
        lo = np.full(n_strata, np.inf)
        hi = np.full(n_strata, -np.inf)
        for k, key in enumerate(ext.keys):
            lo[h_of[key]] = min(lo[h_of[key]], ext.lo[k])
            hi[h_of[key]] = max(hi[h_of[key]], ext.hi[k])
        where = f"column {spec.fpc!r}"
    else:
        lo = hi = np.full(n_strata, float(spec.fpc))
        where = "fpc"
    varying = np.flatnonzero(hi - lo > 1e-9 * np.maximum(1.0, hi))
    if varying.size:
        lab = next(k for k in uh if h_of[k] == varying[0])
        msg = (
            f"fpc ({where}) varies within stratum {lab!r} (from {lo[varying[0]]!r} to "
            f"{hi[varying[0]]!r}); it must be constant within each stratum."
        )
        raise DesignError(msg)
    pop = n_psu / hi if (hi <= 1).all() else hi.copy()
    small = np.flatnonzero(pop < n_psu - 1e-9)
    if small.size:
        lab = next(k for k in uh if h_of[k] == small[0])
        msg = (
            f"fpc ({where}) gives a population of {pop[small[0]]:g} PSUs in stratum {lab!r}, "
            f"smaller than the {int(n_psu[small[0]])} sampled there. Pass the population size "
            "N_h (>= n_h) or the sampling fraction n_h/N_h."
        )
        raise DesignError(msg)
    return (pop - n_psu) / pop, pop

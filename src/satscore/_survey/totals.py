"""Mergeable design totals: Taylor-linearised domain means and totals from chunks.

The linearised variance of a domain ratio mean ``ȳ_g = Σ w y / Σ w`` needs,
for every first-stage PSU ``c`` and domain ``g``, only the weighted count
``W_cg`` and weighted mean ``m_cg`` of the domain's members in the PSU: the PSU
total of the influence values is ``T_cg = W_cg (m_cg - ȳ_g) / W_g`` (for a
total, ``W_cg m_cg``). Those are :class:`~satscore._stream.summaries.Moments` keyed by
``(stratum, PSU, domain)`` — ``(stratum, PSU, secondary unit, domain)`` for a
multistage design with an FPC at every stage — merged exactly across chunks,
with the range of each stage's FPC within its groups. Without clusters
every row is its own PSU and the sum of squared influence values per
``(stratum, domain)`` comes from a second set of moments weighted by ``w²``.
These cells are the :class:`~satscore._survey.variance.Cells` of the one variance
core that :class:`satscore.SurveyDesign` also uses (FPC, lonely-PSU rules,
domains), so results equal the in-memory design's to rounding.

Calibrated designs (post-stratification, raking) need row-level residuals and
are not supported out of core.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from satscore._core.checks import check_columns
from satscore._core.errors import DesignError
from satscore._stats import grouped as M
from satscore._stream.base import Keyed, _py
from satscore._stream.summaries import Moments
from satscore._survey.build import (
    check_complete,
    check_lonely,
    check_weights,
    fpc_column,
    fpc_number,
    fpc_weight,
    group_range,
    make_stages,
    not_nested,
    stage_factors,
    stage_list,
    stage_plan,
    units_per_group,
)
from satscore._survey.variance import Cells, DesignStructure, domain_stats

__all__ = ["DesignSpec", "DesignTotals", "design_estimates"]


@dataclasses.dataclass(frozen=True)
class DesignSpec:
    """Column names of a design (as :class:`satscore.SurveyDesign` arguments).

    ``cluster`` and ``fpc`` name one column per stage (a tuple) or the first
    stage only (a string); ``fpc`` may also be numbers.
    """

    weights: str | None = None
    strata: tuple[str, ...] = ()
    cluster: str | tuple[str, ...] | None = None
    fpc: str | float | tuple | None = None
    nest: bool = False
    lonely_psu: str = "fail"

    @property
    def fpcs(self) -> list[Any]:
        """The FPC of every stage."""
        return stage_list(self.fpc)

    @property
    def clusters(self) -> list[str]:
        """The cluster columns whose stages enter the variance (see ``stage_plan``)."""
        return stage_plan(stage_list(self.cluster), self.fpcs)

    def columns(self) -> list[str]:
        """Every column the design reads from a chunk."""
        extra = [c for c in [*stage_list(self.cluster), self.weights, *self.fpcs] if c is not None]
        return [*self.strata, *(c for c in extra if isinstance(c, str))]


def _none(v: Any) -> Any:
    """A key value as a Python scalar, None for a missing one."""
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
class _Extremes(Keyed):
    """Per-stratum minimum and maximum of the FPC column (merged: min and max)."""

    lo: np.ndarray
    hi: np.ndarray
    _arrays: ClassVar[tuple[str, ...]] = ("lo", "hi")
    _merge_ops: ClassVar[dict[str, np.ufunc]] = {"lo": np.minimum, "hi": np.maximum}


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
        Keyed by ``(*strata, *clusters, *domain)`` (one None cluster without
        clusters); the
        variables plus ``_rows`` (every row), weights w.
    squares : Moments or None
        Without clusters: keyed by ``(*strata, *domain)``, weights ``w²``.
    fpc : tuple
        Per stage, the range of its FPC column within each group (``_Extremes``
        keyed by the strata and the earlier stages' clusters), or None for a
        number.
    domain_dtypes : tuple
        dtypes of the domain columns (for ordering).
    """

    spec: DesignSpec
    domains: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Moments
    squares: Moments | None
    fpc: tuple[_Extremes | None, ...]
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
        check_columns(
            chunk.columns, [*spec.columns(), *domains], what="design column",
            where=f"in chunk {chunk_number}", fix="every chunk needs the design columns",
            error=DesignError,
        )  # fmt: skip
        w = _chunk_weights(chunk, spec, chunk_number)
        clusters = spec.clusters
        for col in (*clusters, *spec.strata):
            what = "cluster" if col in clusters else "strata"
            check_complete(chunk[col], col, what, chunk_number)
        names = tuple(values)
        y = np.column_stack([np.asarray(values[c], dtype=float).reshape(-1) for c in names])
        x = np.concatenate([y, np.ones((n, 1))], axis=1)
        code, keys = _row_keys(chunk, [*spec.strata, *clusters, *domains])
        squares = None
        if not clusters:
            nh = len(spec.strata)
            keys = [(*k[:nh], None, *k[nh:]) for k in keys]
            code2, keys2 = _row_keys(chunk, [*spec.strata, *domains])
            squares = Moments.from_arrays(y, code2, tuple(keys2), columns=names, weights=w * w)
        cells = Moments.from_arrays(x, code, tuple(keys), columns=(*names, "_rows"), weights=w)
        fpc = tuple(
            _fpc_extremes(chunk, f, [*spec.strata, *clusters[:s]], chunk_number)
            for s, f in enumerate(spec.fpcs)
        )
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
            fpc=tuple(
                None if a is None else a.merge(b) for a, b in zip(self.fpc, other.fpc, strict=True)
            ),
        )

    def __add__(self, other: DesignTotals) -> DesignTotals:
        """``a + b`` is :meth:`merge`."""
        return self.merge(other)


def _fpc_extremes(chunk: pd.DataFrame, fpc: Any, by: list[str], number: int) -> _Extremes | None:
    """Range of an FPC column within each group of ``by`` (None for a number)."""
    if not isinstance(fpc, str):
        return None
    vals = fpc_column(chunk, fpc, number)
    code, keys = _row_keys(chunk, by)
    lo, hi = group_range(code, len(keys), vals)
    return _Extremes(tuple(by), tuple(keys), (), ("fpc",), lo, hi)


def _chunk_weights(chunk: pd.DataFrame, spec: DesignSpec, number: int) -> np.ndarray:
    """Checked weights of a chunk's rows (1 without a weights column)."""
    if spec.weights is None:
        return np.ones(len(chunk))
    w = pd.to_numeric(chunk[spec.weights], errors="coerce").to_numpy(dtype=float)
    return check_weights(w, f"weights column {spec.weights!r}", number)


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

    The merged totals are turned into the variance core's cells
    (:class:`~satscore._survey.variance.Cells`) and stages, and
    :func:`~satscore._survey.variance.domain_stats` does the rest, exactly as for an
    in-memory design. Returns a dict with ``"estimate"``, ``"var"``, ``"n"``,
    ``"sum_w"``, ``"deff"``, ``"n_eff"``, ``"df_domain"``, ``"n_rows"`` of shape
    ``(G, m)``, ``"df"`` (design df), ``"n_psu"``, ``"n_strata"``, ``"n_total"`` rows
    and ``"domains"`` (DataFrame).
    """
    spec = totals.spec
    cells = totals.cells
    nh, used = len(spec.strata), spec.clusters
    n_stage_cols = max(1, len(used))
    keys = list(cells.keys)
    hkeys = [k[:nh] for k in keys]
    uh = list(dict.fromkeys(hkeys))
    h_rank = _order(uh, spec.strata, totals.strata_dtypes)
    h_of = {k: int(h_rank[i]) for i, k in enumerate(uh)}
    h = np.array([h_of[k] for k in hkeys], dtype=np.int64)
    n_strata = len(uh)
    m = len(totals.columns)
    rows = cells.n[:, m]
    # units of every stage: (parent, id) pairs numbered in order of appearance
    units: list[np.ndarray] = []
    groups: list[np.ndarray | None] = []
    unit_keys: list[dict] = []
    parent = h
    for s in range(len(used)):
        pairs = list(zip(parent.tolist(), [k[nh + s] for k in keys], strict=True))
        code = {p: i for i, p in enumerate(_sorted(set(pairs)))}  # in-memory order
        unit = np.array([code[p] for p in pairs], dtype=np.int64)
        group = np.zeros(len(code), dtype=np.int64)
        group[unit] = parent
        if s == 0 and not spec.nest:
            _check_nested([p for p, _ in sorted(code.items(), key=lambda kv: kv[1])], spec)
        units.append(unit)
        groups.append(group)
        unit_keys.append(code)
        parent = unit
    if used:
        n_units = units_per_group(groups, n_strata)
    else:
        n_units = [np.bincount(h, weights=rows, minlength=n_strata).astype(np.int64)]
        groups = [None]

    def label(stage: int, k: int) -> Any:
        if stage == 0:
            key = next(key for key in uh if h_of[key] == int(k))
            return key[0] if len(key) == 1 else key
        return next(p[1] for p, i in unit_keys[stage - 1].items() if i == int(k))

    factors, pops = _fpc_factors(totals, h_of, unit_keys, n_units, label)
    stages = make_stages(groups, n_units, factors)
    check_lonely(stages, spec.lonely_psu, label, used)
    struct = DesignStructure(stages=tuple(stages), lonely_psu=spec.lonely_psu)
    g, domains = _domain_codes(totals, [k[nh + n_stage_cols :] for k in keys])
    sc = np.ones(len(keys))
    if spec.weights is None and pops is not None:  # weights Π N/n from the FPCs
        sc = fpc_weight([h, *units[:-1]], pops, n_units)
    sq = _squares(totals, keys, nh, sc) if not used else None
    core = Cells(
        stratum=h,
        domain=g,
        rows=rows,
        units=tuple(units),
        n=cells.n[:, :m],
        sum_w=cells.sum_w[:, :m] * sc[:, None],
        mean=cells.mean[:, :m],
        m2=cells.m2[:, :m] * sc[:, None],
        sq=sq,
    )
    res = domain_stats(struct, core, len(domains), statistic=statistic, deff=deff)
    for key in ("df_domain", "n_rows"):
        res[key] = np.repeat(res[key][:, None], m, axis=1)
    res["df"] = struct.df
    res["n_psu"] = struct.n_clusters
    res["n_strata"] = n_strata
    res["n_total"] = int(rows.sum())
    res["domains"] = domains
    return res


def _sorted(pairs: set[tuple]) -> list[tuple]:
    """Unit keys in the in-memory design's order (by ``repr`` for ids of mixed types)."""
    try:
        return sorted(pairs)
    except TypeError:  # ids of mixed types
        return sorted(pairs, key=repr)


def _check_nested(pairs: list[tuple], spec: DesignSpec) -> None:
    """First-stage cluster ids must each sit in one stratum unless ``nest``."""
    seen: dict[Any, int] = {}
    for hh, p in pairs:
        if seen.setdefault(p, hh) != hh:
            raise not_nested(p, spec.clusters[0])


def _domain_codes(totals: DesignTotals, dkeys: list[tuple]) -> tuple[np.ndarray, pd.DataFrame]:
    """Domain code of each cell (-1: a domain column is missing) and the sorted domain table."""
    if not totals.domains:
        return np.zeros(len(dkeys), dtype=np.int64), pd.DataFrame(index=pd.RangeIndex(1))
    ok = [all(v is not None for v in d) for d in dkeys]
    ud = list(dict.fromkeys(d for d, good in zip(dkeys, ok, strict=True) if good))
    rank = _order(ud, totals.domains, totals.domain_dtypes)
    d_of = {k: int(rank[i]) for i, k in enumerate(ud)}
    g = np.array([d_of[d] if good else -1 for d, good in zip(dkeys, ok, strict=True)])
    inv = np.empty(len(ud), dtype=np.int64)
    inv[rank] = np.arange(len(ud))
    domains = pd.DataFrame([ud[i] for i in inv], columns=list(totals.domains))
    for col, dtype in zip(totals.domains, totals.domain_dtypes, strict=True):
        if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(dtype):
            domains[col] = domains[col].astype(dtype)
    return g.astype(np.int64), domains


def _squares(
    totals: DesignTotals, keys: list[tuple], nh: int, sc: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The w²-weighted moments aligned with the cells (rows are the units)."""
    sq = totals.squares
    index = {k: i for i, k in enumerate(sq.keys)}
    at = np.array([index[(*k[:nh], *k[nh + 1 :])] for k in keys], dtype=np.int64)
    c2 = (sc * sc)[:, None]
    return sq.sum_w[at] * c2, sq.mean[at], sq.m2[at] * c2


def _fpc_factors(
    totals: DesignTotals,
    h_of: dict,
    unit_keys: list[dict],
    n_units: list[np.ndarray],
    label: Any,
) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """``1 - n/N`` and ``N`` per group of every stage from the merged FPC ranges."""
    spec = totals.spec
    fpcs = spec.fpcs
    if not fpcs:
        return [np.ones(n_units[0].shape[0])], None
    nh = len(spec.strata)
    ranges = []
    for s, (f, ext) in enumerate(zip(fpcs, totals.fpc, strict=True)):
        k_n = n_units[s].shape[0]
        if ext is None:
            values, where = fpc_number(f, s, k_n)
            ranges.append((values, values, where))
            continue
        if s == 0:
            at = np.array([h_of[key] for key in ext.keys], dtype=np.int64)
        else:  # keyed by (*strata, *clusters[:s]): the group is the parent unit
            at = np.empty(len(ext.keys), dtype=np.int64)
            for i, key in enumerate(ext.keys):
                parent = h_of[key[:nh]]
                for t in range(s):
                    parent = unit_keys[t][(parent, key[nh + t])]
                at[i] = parent
        lo = group_range(at, k_n, ext.lo)[0]
        hi = group_range(at, k_n, ext.hi)[1]
        ranges.append((lo, hi, f"column {f!r}"))
    return stage_factors(ranges, n_units, label)

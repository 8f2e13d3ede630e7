"""Construction pieces of :class:`satscore.SurveyDesign`: codes, stages, FPC, weights."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_columns
from satscore._core.errors import DesignError
from satscore._stats.codes import stratum_codes
from satscore._survey.variance import DesignStructure, Stage, key_index

__all__ = [
    "LONELY_PSU",
    "BuiltDesign",
    "DesignArgs",
    "build_structure",
    "check_complete",
    "check_fpc",
    "check_lonely",
    "check_weights",
    "column_list",
    "fpc_column",
    "fpc_factors",
    "fpc_number",
    "fpc_weight",
    "group_range",
    "make_stages",
    "not_nested",
    "psu_codes",
    "sampling_weights",
    "stage_factors",
    "stage_fpc",
    "stage_list",
    "stage_plan",
    "units_per_group",
]

LONELY_PSU = ("fail", "adjust", "remove", "certainty", "average")


@dataclasses.dataclass(frozen=True)
class DesignArgs:
    """The design arguments of :class:`satscore.SurveyDesign`, as given (internal).

    Each backend reads them its own way: the in-memory one accepts columns or
    arrays, the streamed one column names only.
    """

    weights: Any = None
    strata: Any = None
    cluster: Any = None
    fpc: Any = None
    nest: bool = False
    lonely_psu: str = "fail"


def column_list(value: Any, data: pd.DataFrame, what: str) -> list[str]:
    """``value`` (a column name or several) as a list of columns of ``data``."""
    cols = [value] if isinstance(value, str) else list(value)
    check_columns(data.columns, cols, what=f"{what} column", error=DesignError)
    return cols


def check_complete(ids: pd.Series, col: str, what: str, chunk: int | None = None) -> None:
    """Raise unless every row has a value in the design column ``col``."""
    missing = ids.isna().to_numpy()
    if missing.any():
        rows = np.flatnonzero(missing)[:5].tolist()
        place = "" if chunk is None else f"chunk {chunk}, "
        msg = (
            f"{what} column {col!r} has missing values ({place}rows {rows}); every row needs a "
            f"{what} value. Fill or drop those rows first."
        )
        raise DesignError(msg)


def not_nested(cluster_id: Any, col: str) -> DesignError:
    """The error for a first-stage cluster id found in several strata."""
    return DesignError(
        f"cluster id {cluster_id!r} in column {col!r} appears in more than one stratum; "
        "cluster ids must be nested in strata. If ids are only unique within strata pass "
        "nest=True."
    )


def psu_codes(data: pd.DataFrame, col: str, h: np.ndarray, nest: bool) -> np.ndarray:
    """Unit code of each row at a stage: its (group ``h``, id in ``col``) pair, pairs sorted."""
    ids = data[col]
    check_complete(ids, col, "cluster")
    raw = pd.factorize(ids, sort=True)[0].astype(np.int64)
    k = int(raw.max()) + 1
    present, pair = key_index(h * k + raw, (int(h.max()) + 1) * k)  # (group, id) pairs, sorted
    if not nest:
        per_id = np.bincount(present % k, minlength=k)
        if (per_id > 1).any():
            bad = ids.iloc[np.flatnonzero(raw == int(np.argmax(per_id > 1)))[0]]
            raise not_nested(bad, col)
    return pair


def fpc_column(frame: pd.DataFrame, fpc: str, chunk: int | None = None) -> np.ndarray:
    """The values of the FPC column ``fpc``, checked to be positive and finite."""
    values = pd.to_numeric(frame[fpc], errors="coerce").to_numpy(dtype=float)
    return check_fpc(values, f"column {fpc!r}", chunk)


def check_fpc(values: np.ndarray, where: str, chunk: int | None = None) -> np.ndarray:
    """``values`` if every FPC value is finite and > 0, else a DesignError naming one."""
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        place = "" if chunk is None else f" in chunk {chunk}"
        msg = (
            f"fpc ({where}) has the value {float(values[bad][0])!r}{place}; it must be a "
            "positive population size (> 1) or sampling fraction (<= 1) on every row."
        )
        raise DesignError(msg)
    return values


def fpc_number(fpc: Any, stage: int, size: int) -> tuple[np.ndarray, str]:
    """A numeric FPC of a stage as ``size`` checked values, and how messages name it."""
    where = "fpc" if stage == 0 else f"fpc of stage {stage + 1}"
    values = np.broadcast_to(np.asarray(fpc, dtype=float), (size,))
    return check_fpc(values, where), where


def group_range(codes: np.ndarray, k: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of ``values`` in each of the ``k`` groups ``codes`` (±inf if empty)."""
    lo = np.full(k, np.inf)
    hi = np.full(k, -np.inf)
    np.minimum.at(lo, codes, values)
    np.maximum.at(hi, codes, values)
    return lo, hi


def fpc_factors(
    label: Callable[[int, int], Any],
    fpc: Sequence[Any],
    data: pd.DataFrame,
    row_groups: Sequence[np.ndarray],
    n_units: Sequence[np.ndarray],
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``1 - n/N`` and the population sizes ``N`` of every group of every stage.

    ``fpc[s]`` is a column or number per row, constant within the groups of stage
    ``s`` (``row_groups[s]``: the group of each row).
    """
    ranges = []
    for s, (f, h, n_s) in enumerate(zip(fpc, row_groups, n_units, strict=True)):
        if isinstance(f, str):
            check_columns(data.columns, [f], what="fpc column", error=DesignError)
            ranges.append((*group_range(h, n_s.shape[0], fpc_column(data, f)), f"column {f!r}"))
        else:
            values, where = fpc_number(f, s, h.shape[0])
            ranges.append((*group_range(h, n_s.shape[0], values), where))
    return stage_factors(ranges, n_units, label)


def stage_factors(
    ranges: Sequence[tuple[np.ndarray, np.ndarray, str]],
    n_units: Sequence[np.ndarray],
    label: Callable[[int, int], Any],
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(1 - n/N, N)`` per group of every stage from the FPC range ``(lo, hi, where)`` in it.

    As R ``as.fpc``: when every value of every stage is <= 1 they are sampling
    fractions, else population sizes.
    """
    fractions = all((hi <= 1).all() for _, hi, _ in ranges)
    out = [
        stage_fpc(lo, hi, n_s, where=where, label=label, stage=s, fractions=fractions)
        for s, ((lo, hi, where), n_s) in enumerate(zip(ranges, n_units, strict=True))
    ]
    return [f for f, _ in out], [p for _, p in out]


def units_per_group(groups: Sequence[np.ndarray], n_strata: int) -> list[np.ndarray]:
    """Sampled units in each group of every stage (``groups[s]``: the group of each unit)."""
    sizes = [n_strata, *(g.shape[0] for g in groups[:-1])]
    return [np.bincount(g, minlength=k) for g, k in zip(groups, sizes, strict=True)]


def fpc_weight(
    groups: Sequence[np.ndarray], pops: Sequence[np.ndarray], n_units: Sequence[np.ndarray]
) -> np.ndarray:
    """``Π N/n`` over the stages: the sampling weight implied by the FPCs (R ``svydesign``)."""
    out = np.ones(groups[0].shape[0])
    for group, pop, n_s in zip(groups, pops, n_units, strict=True):
        out = out * (pop / n_s)[group]
    return out


def stage_fpc(
    lo: np.ndarray,
    hi: np.ndarray,
    n_s: np.ndarray,
    *,
    where: str,
    label: Callable[[int, int], Any],
    stage: int,
    fractions: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """``(1 - n/N, N)`` per group from the range ``[lo, hi]`` of the FPC values in the group."""
    varying = np.flatnonzero(hi - lo > 1e-9 * np.maximum(1.0, hi))
    what = ["stratum", "first-stage cluster"][stage] if stage < 2 else f"stage-{stage} unit"
    what += f" (stage {stage + 1})" if stage else ""
    if varying.size:
        k = varying[0]
        msg = (
            f"fpc ({where}) varies within {what} {label(stage, k)!r} (from {lo[k]!r} to "
            f"{hi[k]!r}); it must be constant within each {what.split(' (')[0]} (the "
            "population size or sampling fraction of its units)."
        )
        raise DesignError(msg)
    pop = n_s / hi if fractions else hi.copy()
    too_small = np.flatnonzero(pop < n_s - 1e-9)
    if too_small.size:
        k = too_small[0]
        msg = (
            f"fpc ({where}) gives a population of {pop[k]:g} {'PSUs' if stage == 0 else 'units'} "
            f"in {what} {label(stage, k)!r}, smaller than the {int(n_s[k])} sampled there (FPC "
            "smaller than the sample). Pass the population size N (>= n) or the sampling "
            "fraction n/N."
        )
        raise DesignError(msg)
    return (pop - n_s) / pop, pop


def sampling_weights(weights: Any, data: pd.DataFrame, fpc_weight: np.ndarray | None) -> np.ndarray:
    """Validated sampling weights; without ``weights``, ``Π N/n`` from the FPCs (or 1)."""
    n = data.shape[0]
    if weights is None:
        return np.ones(n) if fpc_weight is None else fpc_weight
    if isinstance(weights, str):
        check_columns(
            data.columns, [weights], what="weights column", fix="pass an existing column",
            error=DesignError,
        )  # fmt: skip
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float).copy()
        where = f"weights column {weights!r}"
    else:
        w = np.asarray(weights, dtype=float).reshape(-1).copy()
        where = "weights"
        if w.shape[0] != n:
            msg = f"weights has {w.shape[0]} values for {n} rows; pass one weight per row."
            raise DesignError(msg)
    return check_weights(w, where)


def check_weights(w: np.ndarray, where: str, chunk: int | None = None) -> np.ndarray:
    """``w`` if every weight is finite and > 0, else a DesignError naming the rows."""
    bad = ~(np.isfinite(w) & (w > 0))
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        place = "" if chunk is None else f" in chunk {chunk}"
        of = "" if chunk is None else " of the chunk"
        msg = (
            f"{where} has {int(bad.sum())} non-positive, missing or infinite value(s){place} "
            f"(rows {rows}{of}, e.g. {float(w[bad][0])!r}); sampling weights must be finite "
            "and > 0. Drop those rows or fix the weights."
        )
        raise DesignError(msg)
    return w


@dataclasses.dataclass(frozen=True)
class BuiltDesign:
    """What :func:`build_structure` derives from the design columns (internal)."""

    struct: DesignStructure
    fpc_weight: np.ndarray | None
    strata_keys: pd.DataFrame
    cluster_ids: tuple[pd.Series, ...]


def _scalar(value: Any) -> Any:
    """A numpy scalar as the Python scalar (readable in messages)."""
    return value.item() if isinstance(value, np.generic) else value


def stage_list(value: Any) -> list[Any]:
    """``cluster``/``fpc`` argument as a list with one entry per stage."""
    if value is None:
        return []
    return [value] if isinstance(value, (str, int, float, np.number)) else list(value)


def stage_plan(clusters: Sequence[str], fpcs: Sequence[Any]) -> list[str]:
    """The cluster columns whose stages enter the variance (R: all with FPCs, else the first)."""
    if len(fpcs) > max(1, len(clusters)):
        msg = (
            f"fpc gives {len(fpcs)} stages but cluster gives {max(1, len(clusters))}; pass one "
            "fpc per sampling stage (first stage first), or None."
        )
        raise DesignError(msg)
    if len(clusters) > 1 and len(fpcs) not in (0, len(clusters)):
        msg = (
            f"cluster gives {len(clusters)} stages {list(clusters)} but fpc only {len(fpcs)}; a "
            "multistage variance needs the FPC of every stage (R svydesign(id=~psu+ssu, "
            "fpc=~N1+N2)). Pass one fpc per stage, or fpc=None for the with-replacement "
            "(ultimate cluster) approximation."
        )
        raise DesignError(msg)
    return list(clusters) if len(fpcs) == len(clusters) else list(clusters[:1])


def make_stages(
    groups: Sequence[np.ndarray | None],
    n_units: Sequence[np.ndarray],
    factors: Sequence[np.ndarray],
) -> list[Stage]:
    """Stages with the scale of each group: the product of the earlier sampling fractions."""
    stages: list[Stage] = []
    for s, (group, n_s, factor) in enumerate(zip(groups, n_units, factors, strict=True)):
        if s == 0:
            scale = np.ones(n_s.shape[0])
        else:
            prev = stages[-1]
            scale = (prev.scale * (1.0 - prev.fpc_factor))[groups[s - 1]]
        stages.append(Stage(group, n_s, factor, scale))
    return stages


def build_structure(
    data: pd.DataFrame,
    *,
    strata: Any,
    cluster: Any,
    fpc: Any,
    nest: bool,
    lonely_psu: str,
) -> BuiltDesign:
    """Integer-coded stages of a design (R ``svydesign`` with ``ids``, ``strata``, ``fpc``).

    ``cluster`` lists one column per stage. Later stages enter the variance only
    when every stage has an FPC (R's multistage estimator); otherwise the first
    stage is the ultimate cluster and the later columns are not used.
    """
    n = data.shape[0]
    if strata is None:
        h = np.zeros(n, dtype=np.int64)
        keys = pd.DataFrame({"stratum": [0]})
    else:
        h, keys = stratum_codes(data, column_list(strata, data, "strata"), what="strata")
    n_strata = int(h.max()) + 1
    clusters = [] if cluster is None else column_list(cluster, data, "cluster")
    fpcs = stage_list(fpc)
    used = stage_plan(clusters, fpcs)
    # units of every stage: codes, the group (stratum / parent unit) of each unit
    row_units: list[np.ndarray] = []
    groups: list[np.ndarray] = []
    parent = h
    for s, col in enumerate(used):
        unit = psu_codes(data, col, parent, nest or s > 0)
        group = np.zeros(int(unit.max()) + 1, dtype=np.int64)
        group[unit] = parent
        row_units.append(unit)
        groups.append(group)
        parent = unit
    row_groups = [h, *row_units[:-1]] if used else [h]
    if used:
        n_units = units_per_group(groups, n_strata)
    else:
        n_units = [np.bincount(h, minlength=n_strata)]

    def label(stage: int, k: int) -> Any:
        if stage == 0:
            row = [_scalar(v) for v in keys.iloc[int(k)]]
            return row[0] if len(row) == 1 else tuple(row)
        first = int(np.flatnonzero(row_units[stage - 1] == k)[0])
        return _scalar(data[used[stage - 1]].iloc[first])

    if fpcs:
        factors, pops = fpc_factors(label, fpcs, data, row_groups, n_units)
    else:
        factors, pops = [np.ones(n_strata)], None
    stages = make_stages(groups if used else [None], n_units, factors)
    check_lonely(stages, lonely_psu, label, used)
    struct = DesignStructure(
        stages=tuple(stages), lonely_psu=lonely_psu, row_stratum=h, row_units=tuple(row_units)
    )
    weight = None if pops is None else fpc_weight(row_groups, pops, n_units)
    return BuiltDesign(struct, weight, keys, tuple(data[c] for c in used))


def check_lonely(stages: Sequence[Stage], rule: str, label: Callable, used: Sequence[str]) -> None:
    """Raise for lonely units the rule cannot handle (stage 1 "fail"; later "fail", "average")."""
    for s, stage in enumerate(stages):
        lonely = np.flatnonzero(stage.lonely)
        if not lonely.size or rule not in ("fail", "average") or (rule == "average" and s == 0):
            continue
        labels = [label(s, k) for k in lonely[:5]]
        if s == 0:
            msg = (
                f"stratum {labels[0]!r} has a single PSU (lonely PSU; {lonely.size} such "
                f"strata: {labels}); its variance cannot be estimated. Pass "
                "lonely_psu='adjust' (centre at the grand mean, conservative), 'average', "
                "'remove' or 'certainty', or merge the stratum with a similar one."
            )
        else:
            msg = (
                f"{used[s - 1]} {labels[0]!r} has a single sampled unit at stage {s + 1} and is "
                f"not fully sampled (lonely unit; {lonely.size} such: {labels}); "
                f"lonely_psu={rule!r} cannot estimate its variance (R stops with 'fail' and "
                "gives NaN with 'average'). Pass lonely_psu='adjust', 'remove' or 'certainty', "
                "or an fpc of 1 unit if it was the only one."
            )
        raise DesignError(msg)

"""Rows to design cells: variable values and per (unit, domain) moments of an in-memory design.

:func:`row_cells` reduces the rows of an in-memory :class:`satscore.SurveyDesign`
to the :class:`~satscore._survey.variance.Cells` that the streamed design builds
from chunk summaries, so both go through the same variance core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DataError, DesignError
from satscore._survey.variance import Cells, DesignStructure, influence_variance, key_index

__all__ = ["calibrated_variance", "check_binary", "column_values", "domain_arrays", "row_cells"]


def column_values(series: pd.Series, name: str, level: Any = None) -> np.ndarray:
    """Float values of a variable: ``series == level`` (NaN kept) or the numbers of ``series``."""
    if level is not None:
        return np.where(series.isna().to_numpy(), np.nan, (series == level).to_numpy(float))
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=float)
    num = pd.to_numeric(series, errors="coerce")
    if (num.isna() & series.notna()).any():
        sample = series[num.isna() & series.notna()].astype(str).unique()[:3].tolist()
        msg = (
            f"variable {name!r} is not numeric (values such as {sample}); pass level=... "
            "to estimate the proportion of one category, or convert it to numbers."
        )
        raise DataError(msg)
    return num.to_numpy(dtype=float)


def check_binary(y: np.ndarray, name: str) -> None:
    """Raise unless every non-missing value is 0 or 1."""
    vals = y[~np.isnan(y)]
    bad = vals[(vals != 0) & (vals != 1)]
    if bad.size:
        msg = (
            f"variable {name!r} has the value {float(bad[0])!r}; a proportion needs 0/1 (or "
            "True/False) values. Pass level=<category> to estimate the share of one category."
        )
        raise DataError(msg)


def row_cells(
    struct: DesignStructure, w: np.ndarray, y: np.ndarray, groups: np.ndarray, n_groups: int
) -> Cells:
    """Cells of an in-memory design: ``y`` (n, m), ``groups`` (n,) domain codes (-1 = none)."""
    inside = groups >= 0
    if not inside.all():
        keep = np.flatnonzero(inside)
        w, y, groups = w[keep], y[keep], groups[keep]
        stratum = struct.row_stratum[keep]
        units = tuple(u[keep] for u in struct.row_units)
    else:
        stratum, units = struct.row_stratum, struct.row_units
    y = np.asfortranarray(y)  # columns contiguous: the loops below run over columns
    member = ~np.isnan(y)
    y0 = np.where(member, y, 0.0) if not member.all() else y
    wm = np.asfortranarray(np.where(member, w[:, None], 0.0))
    if not units:  # every row is a first-stage unit: one cell per row
        zeros = np.zeros(y.shape, order="F")
        return Cells(
            stratum=stratum,
            domain=groups,
            rows=np.ones(w.shape[0]),
            units=(),
            n=np.asfortranarray(member, dtype=float),
            sum_w=wm,
            mean=np.asfortranarray(y0),
            m2=zeros,
            sq=(wm * w[:, None], np.asfortranarray(y0), zeros),
        )
    last = units[-1]
    u_n = int(struct.stages[-1].group.shape[0])
    present, cell = key_index(last * n_groups + groups, u_n * n_groups)
    c_n = present.shape[0]
    rows = np.bincount(cell, minlength=c_n)
    m = y.shape[1]
    n, sum_w, mean, m2 = (np.empty((c_n, m), order="F") for _ in range(4))
    for j in range(m):
        wj, yj = wm[:, j], y0[:, j]
        n[:, j] = np.bincount(cell, weights=member[:, j], minlength=c_n)
        sum_w[:, j] = np.bincount(cell, weights=wj, minlength=c_n)
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = np.bincount(cell, weights=wj * yj, minlength=c_n) / sum_w[:, j]
        mu = np.where(sum_w[:, j] > 0, mu, 0.0)
        dev = yj - mu[cell]
        m2[:, j] = np.bincount(cell, weights=wj * dev * dev, minlength=c_n)
        mean[:, j] = mu
    unit = present // n_groups
    chain = [unit]
    for stage in struct.stages[:0:-1]:  # walk up from the last stage to the first
        chain.append(stage.group[chain[-1]])
    chain.reverse()
    return Cells(
        stratum=struct.stages[0].group[chain[0]],
        domain=present % n_groups,
        rows=rows.astype(float),
        units=tuple(chain),
        n=n,
        sum_w=sum_w,
        mean=mean,
        m2=m2,
    )


def calibrated_variance(
    struct: DesignStructure, w: np.ndarray, y: np.ndarray, groups: np.ndarray, statistic: str
) -> Callable[[int, np.ndarray, np.ndarray], np.ndarray]:
    """``row_variance`` for :func:`~satscore._survey.variance.domain_stats` of a calibrated design.

    Row influence values ``w(y - ȳ_g)/W_g`` (or ``w y``) of each domain are
    residualised for the calibration (R ``svyrecvar``) before the stage sums, a
    block of domains at a time.
    """
    n = w.size
    rows = np.arange(n)

    def variance(j: int, mean_g: np.ndarray, w_g: np.ndarray) -> np.ndarray:
        n_groups = mean_g.shape[0]
        step = max(1, min(n_groups, 20_000_000 // max(n, 1)))
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
            out[start:stop] = influence_variance(struct, zmat)
        return out

    return variance


def domain_arrays(
    y: Any, domains: Any, n_domains: int | None, n: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Validated ``(y (n, m), domain codes (n,), G)`` of ``SurveyDesign.domain_means``."""
    arr = np.asarray(y, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        msg = (
            f"y has shape {np.shape(y)}; need (n, m) with n = {n} design rows. Align the "
            "values with design.data rows."
        )
        raise DesignError(msg)
    if domains is None:
        return arr, np.zeros(n, dtype=np.int64), 1 if n_domains is None else int(n_domains)
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
    return arr, groups, n_groups

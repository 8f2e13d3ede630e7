"""The one Taylor-linearisation variance core of :class:`satscore.SurveyDesign`.

Both the in-memory design and the streamed one (chunks, Dask) reduce their
data to the same *cells* — per (sampling unit, domain) weighted moments of each
variable — and call :func:`domain_stats` here, so the two give the same
numbers. Pure numpy, no pandas.

Algorithm: R ``survey`` 4.1's ``svyrecvar`` → ``multistage`` → ``onestage`` →
``onestrat``.

* A domain estimate's influence (linearised) value of a cell is
  ``t = W (m - ȳ_g) / W_g`` for a ratio mean (``W`` weighted count, ``m``
  weighted mean of the cell) and ``t = W m`` for a total; rows outside the domain
  contribute 0, which is what makes domain variances those of the full design
  (R ``svyby``), not of a subset design.
* Stage ``s`` of the design groups its units (stage 1: PSUs in strata; stage 2:
  secondary units within each PSU, ...). With ``T`` the unit totals of ``t``, a
  group ``k`` with ``n_k`` sampled units (in the *whole* design) contributes
  ``c_k · f_k · n_k/(n_k - 1) · Σ (T - T̄_k)²`` with ``f_k = 1 - n_k/N_k`` (1
  without an FPC) and ``c_k`` the product of the earlier stages' sampling
  fractions ``n/N`` (1 at stage 1). Later stages enter only when every stage has
  an FPC, as in R (otherwise the first stage is the ultimate cluster).
* A group with ``f_k < 1e-7`` (fully sampled: certainty units) contributes 0.
  A group with a single unit that is not fully sampled is "lonely":
  ``options(survey.lonely.psu=)`` — ``"remove"``/``"certainty"`` contribute 0,
  ``"adjust"`` contributes ``c_k f_k T²`` (the unit measured from the grand
  mean), ``"average"`` scales the first stage's sum by
  (strata present)/(strata that are not lonely).
* Calibrated designs (post-stratification, raking) residualise row-level
  influence values first (:func:`residualise`, as ``svyrecvar``) and use
  :func:`influence_variance`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from scipy import sparse

__all__ = [
    "Cells",
    "DesignStructure",
    "Stage",
    "domain_stats",
    "influence_variance",
    "key_index",
    "residualise",
]

FULLY_SAMPLED = 1e-7  # R onestrat: f < 1e-7 contributes nothing (certainty)
_DENSE_LIMIT = 20_000_000  # key space above which keys are compressed with np.unique


@dataclasses.dataclass(frozen=True)
class Stage:
    """One sampling stage (internal).

    Attributes
    ----------
    group : ndarray of int, shape (U,) or None
        Group (stage 1: stratum; stage s > 1: the parent unit of stage s-1) of
        each unit; None when the units are the rows (unclustered stage 1).
    n_units : ndarray of int, shape (K,)
        Sampled units per group in the whole design.
    fpc_factor : ndarray, shape (K,)
        ``1 - n_k/N_k`` (1 without an FPC).
    scale : ndarray, shape (K,)
        Product of the earlier stages' sampling fractions ``n/N`` (1 at stage 1).
    """

    group: np.ndarray | None
    n_units: np.ndarray
    fpc_factor: np.ndarray
    scale: np.ndarray

    @property
    def lonely(self) -> np.ndarray:
        """Groups with one sampled unit that are not fully sampled."""
        return (self.n_units == 1) & (self.fpc_factor >= FULLY_SAMPLED)


@dataclasses.dataclass(frozen=True)
class DesignStructure:
    """Integer-coded design (internal).

    Attributes
    ----------
    stages : tuple of Stage
        Sampling stages, first stage first.
    lonely_psu : str
        Lonely-PSU rule.
    row_stratum : ndarray or None
        Stratum of each row (in-memory designs).
    row_units : tuple of ndarray
        Unit code of each row at each stage (empty when rows are the units).
    calibration : tuple
        Calibration steps, oldest first: ``("post", codes, w, w_old)`` or
        ``("rake", ((codes, w), ...))``.
    """

    stages: tuple[Stage, ...]
    lonely_psu: str
    row_stratum: np.ndarray | None = None
    row_units: tuple[np.ndarray, ...] = ()
    calibration: tuple = ()

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return int(self.stages[0].n_units.shape[0])

    @property
    def n_clusters(self) -> int:
        """First-stage units (rows when unclustered)."""
        first = self.stages[0]
        return int(first.n_units.sum() if first.group is None else first.group.shape[0])

    @property
    def df(self) -> int:
        """PSUs minus strata (R ``degf``)."""
        return self.n_clusters - self.n_strata


@dataclasses.dataclass(frozen=True)
class Cells:
    """Weighted moments of ``m`` variables per (last-stage unit, domain) cell (internal).

    Attributes
    ----------
    stratum : ndarray of int, shape (C,)
        Stratum of the cell.
    domain : ndarray of int, shape (C,)
        Domain 0..G-1 of the cell, -1 for rows in no domain.
    rows : ndarray, shape (C,)
        Rows in the cell (whatever their values).
    units : tuple of ndarray
        Unit code of the cell at each stage; empty when the rows are the
        (only-stage) units, several of which a cell may then hold.
    n, sum_w, mean, m2 : ndarray, shape (C, m)
        Non-missing rows, Σw, weighted mean and Σw(y - mean)² of each variable.
    sq : tuple of ndarray or None
        With ``units`` empty: ``(Σw², w²-weighted mean, Σw²(y - mean)²)`` of each
        variable, which give the sum of squared row influence values.
    """

    stratum: np.ndarray
    domain: np.ndarray
    rows: np.ndarray
    units: tuple[np.ndarray, ...]
    n: np.ndarray
    sum_w: np.ndarray
    mean: np.ndarray
    m2: np.ndarray
    sq: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


# ----------------------------------------------------------------------------- keys
def key_index(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of ``key`` (ints in ``[0, size)``), sorted, and each key's position.

    One implementation for every (group, unit, domain) key of the design: a dense
    lookup table while ``size`` is at most ``_DENSE_LIMIT``, else ``np.unique``
    (same result, less memory).

    Examples
    --------
    >>> present, index = key_index(np.array([7, 2, 7, 5]), 10)
    >>> present.tolist(), index.tolist()
    ([2, 5, 7], [2, 0, 2, 1])
    """
    if size <= _DENSE_LIMIT:
        present = np.flatnonzero(np.bincount(key, minlength=size))
        lookup = np.empty(size, dtype=np.int64)
        lookup[present] = np.arange(present.size)
        return present, lookup[key]
    present, inverse = np.unique(key, return_inverse=True)
    return present, inverse.reshape(-1).astype(np.int64)


def _sums(key: np.ndarray, size: int, *values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Distinct keys (< size) and the sums of ``values`` over each."""
    present, index = key_index(key, size)
    return (present, *(np.bincount(index, weights=v, minlength=present.size) for v in values))


def _distinct_per_domain(key: np.ndarray, size: int, n_groups: int) -> np.ndarray:
    """Distinct ``unit * G + g`` keys per domain ``g``."""
    if key.size == 0:
        return np.zeros(n_groups)
    return np.bincount(_sums(key, size)[0] % n_groups, minlength=n_groups).astype(float)


# ----------------------------------------------------------------------------- combination
def _combine(
    stage: Stage, group: np.ndarray, dom: np.ndarray, s1: np.ndarray, s2: np.ndarray,
    rule: str, n_groups: int, first: bool,
) -> np.ndarray:  # fmt: skip
    """Variance per domain from (group, domain) sums ``s1 = ΣT`` and ``s2 = ΣT²`` of one stage."""
    n = stage.n_units[group].astype(float)
    f = stage.fpc_factor[group]
    lonely = (n == 1) & (f >= FULLY_SAMPLED)
    with np.errstate(invalid="ignore", divide="ignore"):
        centred = np.maximum(s2 - s1 * s1 / n, 0.0) * f * n / np.where(n > 1, n - 1.0, 1.0)
    alone = f * s2 if rule == "adjust" else 0.0
    contrib = np.where(f < FULLY_SAMPLED, 0.0, np.where(lonely, alone, centred))
    var = np.bincount(dom, weights=contrib * stage.scale[group], minlength=n_groups)
    if first and rule == "average":
        present = np.bincount(dom, minlength=n_groups)
        ok = np.bincount(dom, weights=~lonely, minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.where(present == ok, var, var * present / ok)
    return var


def _cell_variance(
    struct: DesignStructure, cells: Cells, mem: np.ndarray, dom: np.ndarray, t: np.ndarray,
    q: np.ndarray | None, n_groups: int,
) -> np.ndarray:  # fmt: skip
    """Variance per domain from the influence totals ``t`` of member cells (``q``: Σz²)."""
    rule = struct.lonely_psu
    var = np.zeros(n_groups)
    if not cells.units:  # rows are the units of a single stage
        stage = struct.stages[0]
        h_n = stage.n_units.shape[0]
        key = cells.stratum[mem] * n_groups + dom
        pairs, s1, s2 = _sums(key, h_n * n_groups, t, q)
        return _combine(stage, pairs // n_groups, pairs % n_groups, s1, s2, rule, n_groups, True)
    last = len(struct.stages) - 1
    for s, stage in enumerate(struct.stages):
        unit = cells.units[s][mem]
        if s == last:  # cells are distinct (unit, domain) pairs
            units, totals, g = unit, t, dom
        else:
            size = int(stage.group.shape[0]) * n_groups
            pairs, totals = _sums(unit * n_groups + dom, size, t)
            units, g = pairs // n_groups, pairs % n_groups
        k_n = stage.n_units.shape[0]
        pairs, s1, s2 = _sums(stage.group[units] * n_groups + g, k_n * n_groups, totals, totals**2)
        var += _combine(stage, pairs // n_groups, pairs % n_groups, s1, s2, rule, n_groups, s == 0)
    return var


def residualise(struct: DesignStructure, zmat: np.ndarray) -> np.ndarray:
    """Apply every calibration step to row influence columns (as R ``svyrecvar``)."""
    for step in struct.calibration:
        if step[0] == "post":
            _, codes, w, w_old = step
            k = int(codes.max()) + 1
            num = _group_sum(codes, zmat * (w_old / w)[:, None], k)
            den = np.bincount(codes, weights=w_old, minlength=k)
            zmat = zmat - (num / den[:, None])[codes] * w[:, None]
        else:  # raking: 10 sweeps of unweighted-mean centring of z/w within margin categories
            for _ in range(10):
                for codes, w in step[1]:
                    k = int(codes.max()) + 1
                    counts = np.bincount(codes, minlength=k)
                    means = _group_sum(codes, zmat / w[:, None], k) / counts[:, None]
                    zmat = zmat - means[codes] * w[:, None]
    return zmat


def _group_sum(codes: np.ndarray, mat: np.ndarray, k: int) -> np.ndarray:
    """Column sums of ``mat`` within each of the ``k`` groups ``codes`` (sparse product)."""
    n = codes.shape[0]
    ind = sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(k, n))
    return np.asarray(ind @ mat)


def influence_variance(struct: DesignStructure, zmat: np.ndarray) -> np.ndarray:
    """Variance of each column of row influence values ``zmat`` (n, k) of an in-memory design.

    Calibration steps are applied first; every stratum counts as present (the
    rows of a calibrated domain estimate are all kept, as R's subsets of
    calibrated designs).
    """
    zmat = residualise(struct, zmat)
    n, k = zmat.shape
    var = np.zeros(k)
    for s, stage in enumerate(struct.stages):
        if struct.row_units:
            u_n = int(stage.group.shape[0])
            agg = sparse.csr_matrix((np.ones(n), (struct.row_units[s], np.arange(n))), (u_n, n))
            totals, group = np.asarray(agg @ zmat), stage.group
        else:
            totals, group = zmat, struct.row_stratum
        k_n = stage.n_units.shape[0]
        ind = sparse.csr_matrix((np.ones(group.shape[0]), (group, np.arange(group.shape[0]))),
                                (k_n, group.shape[0]))  # fmt: skip
        s1, s2 = np.asarray(ind @ totals), np.asarray(ind @ (totals * totals))
        grp = np.repeat(np.arange(k_n), k)
        dom = np.tile(np.arange(k), k_n)
        var += _combine(stage, grp, dom, s1.ravel(), s2.ravel(), struct.lonely_psu, k, s == 0)
    return var


# ----------------------------------------------------------------------------- estimates
def domain_layout(struct: DesignStructure, cells: Cells, n_groups: int) -> dict[str, np.ndarray]:
    """Rows, and PSUs minus strata, with rows in each domain (R ``degf`` of the domain)."""
    inside = (cells.domain >= 0) & (cells.rows > 0)
    g = cells.domain[inside]
    rows = np.bincount(g, weights=cells.rows[inside], minlength=n_groups)
    strata = _distinct_per_domain(cells.stratum[inside] * n_groups + g, struct.n_strata * n_groups,
                                  n_groups)  # fmt: skip
    if cells.units:
        size = int(struct.stages[0].group.shape[0]) * n_groups
        psus = _distinct_per_domain(cells.units[0][inside] * n_groups + g, size, n_groups)
    else:
        psus = rows
    return {"n_rows": rows, "df_domain": psus - strata}


def domain_stats(
    struct: DesignStructure,
    cells: Cells,
    n_groups: int,
    *,
    statistic: str = "mean",
    deff: str = "wor",
    row_variance: Callable[[int, np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Domain means (or totals) of every variable with their design variances.

    Returns ``"estimate"``, ``"var"``, ``"n"``, ``"sum_w"``, ``"deff"``, ``"n_eff"``
    of shape ``(G, m)`` and ``"df_domain"``, ``"n_rows"`` of shape ``(G,)``.
    ``row_variance(j, mean_g, sum_w_g)``, when given, computes the variance of
    variable ``j`` from row-level influence values (calibrated designs).
    """
    m = cells.n.shape[1]
    out = {k: np.full((n_groups, m), np.nan) for k in ("estimate", "var", "deff", "n_eff")}
    out["n"] = np.zeros((n_groups, m))
    out["sum_w"] = np.zeros((n_groups, m))
    inside = cells.domain >= 0
    for j in range(m):
        n_c = cells.n[:, j]
        mem = inside & (n_c > 0)
        g = cells.domain[mem]
        w_c, mu_c = cells.sum_w[:, j][mem], cells.mean[:, j][mem]
        n_g = np.bincount(g, weights=n_c[mem], minlength=n_groups)
        w_g = np.bincount(g, weights=w_c, minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_g = np.bincount(g, weights=w_c * mu_c, minlength=n_groups) / w_g
            dev = mu_c - mean_g[g]
            m2_g = np.bincount(g, weights=cells.m2[:, j][mem] + w_c * dev * dev, minlength=n_groups)
            total = statistic == "total"
            t = w_c * mu_c if total else w_c * dev / w_g[g]
            q = None
            if cells.sq is not None:
                w2, mu2, m22 = (a[:, j][mem] for a in cells.sq)
                d2 = mu2 if total else mu2 - mean_g[g]
                q = (m22 + w2 * d2 * d2) / (1.0 if total else w_g[g] ** 2)
        if row_variance is not None:
            var = row_variance(j, mean_g, w_g)
        else:
            var = _cell_variance(struct, cells, mem, g, t, q, n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            s2_pop = m2_g / w_g
            vsrs = s2_pop * n_g / (n_g - 1.0) / n_g * (w_g**2 if total else 1.0)
            if deff == "wor":
                vsrs = np.where(w_g >= n_g, vsrs * (w_g - n_g) / w_g, np.nan)
            out["deff"][:, j] = var / vsrs
            out["n_eff"][:, j] = np.where(var > 0, s2_pop * (w_g**2 if total else 1.0) / var, n_g)
        has = n_g > 0
        out["estimate"][:, j] = np.where(has, w_g * mean_g if total else mean_g, np.nan)
        out["var"][:, j] = np.where(has, var, np.nan)
        out["n"][:, j] = n_g
        out["sum_w"][:, j] = w_g
    out.update(domain_layout(struct, cells, n_groups))
    return out

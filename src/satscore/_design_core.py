"""Taylor-linearisation variance engine behind :class:`satscore.SurveyDesign`.

This module holds the numerical core, free of pandas: a design *structure*
(stratum and first-stage PSU codes, PSU counts, finite-population factors,
lonely-PSU rule, calibration steps) and the function that turns influence
values into variances for many domains at once.

The algorithm is R ``survey`` 4.1's ``svyrecvar`` → ``onestage`` →
``onestrat`` for a single (ultimate-cluster) stage:

* influence values ``z`` are first residualised for every calibration step
  (post-stratification: ``z - w·mean_k(z·w_old/w)`` with ``w_old``-weighted
  post-stratum means; raking: ten sweeps of ``z - w·ave_k(z/w)`` over the
  margins, exactly as ``svyrecvar`` does);
* ``z`` is summed within PSUs; in stratum ``h`` with ``n_h`` PSUs in the *whole*
  design (absent PSUs count as zeros, which is what makes domain variances
  correct) the contribution is ``f_h · n_h/(n_h - 1) · Σ (T - T̄_h)²`` with
  ``f_h = 1 - n_h/N_h`` (1 without an FPC);
* a stratum with one PSU ("lonely") contributes according to the
  ``lonely_psu`` rule of ``options(survey.lonely.psu=)``: ``"remove"`` and
  ``"certainty"`` contribute 0 (identical for a single-stage design),
  ``"adjust"`` contributes ``f_h · T²`` (the PSU total measured from the grand
  mean, which is 0 for centred influence values), ``"average"`` replaces it by
  the average of the other strata (sum × strata/non-lonely strata).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from scipy import sparse

__all__ = ["DesignStructure", "domain_counts", "domain_variance"]

_DENSE_LIMIT = 20_000_000  # cells: above this, pair keys are compressed with np.unique


@dataclasses.dataclass(frozen=True)
class DesignStructure:
    """Integer-coded design (internal).

    Attributes
    ----------
    stratum : ndarray of int, shape (n,)
        Stratum code 0..H-1 of each row.
    psu : ndarray of int, shape (n,) or None
        First-stage PSU code 0..C-1 (unique across strata); None when every row
        is its own PSU.
    psu_stratum : ndarray of int, shape (C,)
        Stratum of each PSU.
    n_psu : ndarray of int, shape (H,)
        PSUs per stratum in the whole design.
    fpc_factor : ndarray of float, shape (H,)
        ``1 - n_h/N_h`` (1 without an FPC).
    lonely_psu : str
        Lonely-PSU rule.
    calibration : tuple
        Calibration steps, oldest first: ``("post", codes, w, w_old)`` or
        ``("rake", ((codes, w), ...))``.
    """

    stratum: np.ndarray
    psu: np.ndarray | None
    psu_stratum: np.ndarray
    n_psu: np.ndarray
    fpc_factor: np.ndarray
    lonely_psu: str
    calibration: tuple = ()

    @property
    def n_strata(self) -> int:
        return int(self.n_psu.shape[0])

    @property
    def n_clusters(self) -> int:
        return int(self.psu_stratum.shape[0])

    def psu_codes(self) -> np.ndarray:
        if self.psu is None:
            return np.arange(self.stratum.shape[0])
        return self.psu


def _pair_sums(key: np.ndarray, values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum ``values`` by integer ``key`` < ``size``; return (keys present, sums)."""
    if size <= _DENSE_LIMIT:
        sums = np.bincount(key, weights=values, minlength=size)
        present = np.bincount(key, minlength=size) > 0
        idx = np.flatnonzero(present)
        return idx, sums[idx]
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq, np.bincount(inv, weights=values, minlength=uniq.shape[0])


def _count_pairs(key: np.ndarray, size: int, n_groups: int, group_of: np.ndarray) -> np.ndarray:
    """Number of distinct keys per group (``group_of`` maps a key to its group)."""
    if key.size == 0:
        return np.zeros(n_groups, dtype=np.int64)
    if size <= _DENSE_LIMIT:
        present = np.flatnonzero(np.bincount(key, minlength=size))
    else:
        present = np.unique(key)
    return np.bincount(group_of(present), minlength=n_groups)


def domain_counts(
    struct: DesignStructure, member: np.ndarray, groups: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """PSUs and strata with at least one member row, per domain.

    Returns ``(n_psu_present, n_strata_present)``, each of shape ``(G,)``; the
    design degrees of freedom of a domain are their difference (R ``degf`` of
    the domain subset).
    """
    g = groups[member]
    psu = struct.psu_codes()[member]
    h = struct.stratum[member]
    n_c = struct.n_clusters if struct.psu is not None else struct.stratum.shape[0]
    psus = _count_pairs(psu * n_groups + g, n_c * n_groups, n_groups, lambda k: k % n_groups)
    strata = _count_pairs(
        h * n_groups + g, struct.n_strata * n_groups, n_groups, lambda k: k % n_groups
    )
    return psus, strata


def _stratum_sums(
    struct: DesignStructure, z: np.ndarray, groups: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """S1[h, g] = Σ_psu T and S2[h, g] = Σ_psu T² of PSU totals T of sparse influence ``z``."""
    hsize = struct.n_strata * n_groups
    if struct.psu is None:
        key = struct.stratum * n_groups + groups
        s1 = np.bincount(key, weights=z, minlength=hsize)
        s2 = np.bincount(key, weights=z * z, minlength=hsize)
    else:
        pkey = struct.psu * n_groups + groups
        pairs, totals = _pair_sums(pkey, z, struct.n_clusters * n_groups)
        key = struct.psu_stratum[pairs // n_groups] * n_groups + pairs % n_groups
        s1 = np.bincount(key, weights=totals, minlength=hsize)
        s2 = np.bincount(key, weights=totals * totals, minlength=hsize)
    return s1.reshape(struct.n_strata, n_groups), s2.reshape(struct.n_strata, n_groups)


def _combine(
    struct: DesignStructure, s1: np.ndarray, s2: np.ndarray, strata_present: np.ndarray
) -> np.ndarray:
    """Per-domain variance from stratum sums ``(H, G)`` following ``onestrat``/``onestage``."""
    n_h = struct.n_psu.astype(float)[:, None]
    f_h = struct.fpc_factor[:, None]
    lonely = (struct.n_psu == 1)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        centred = np.maximum(s2 - s1 * s1 / n_h, 0.0) * f_h * n_h / np.where(n_h > 1, n_h - 1, 1)
    rule = struct.lonely_psu
    if rule == "adjust":
        contrib = np.where(lonely, f_h * s2, centred)
    else:  # remove / certainty contribute 0; average handled below; fail never reaches here
        contrib = np.where(lonely, 0.0, centred)
    var = contrib.sum(axis=0)
    if rule == "average" and lonely.any():
        present = strata_present  # (H, G) bool
        n_strat = present.sum(axis=0)
        n_ok = (present & ~lonely).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.where(n_ok > 0, var * n_strat / n_ok, np.nan)
    return var


def _residualise(struct: DesignStructure, zmat: np.ndarray) -> np.ndarray:
    """Apply every calibration step to dense influence columns (as R ``svyrecvar``)."""
    for step in struct.calibration:
        if step[0] == "post":
            _, codes, w, w_old = step
            k = int(codes.max()) + 1
            num = _group_sum(codes, zmat * (w_old / w)[:, None], k)
            den = np.bincount(codes, weights=w_old, minlength=k)
            zmat = zmat - (num / den[:, None])[codes] * w[:, None]
        else:  # raking: 10 sweeps of unweighted-mean centring of z/w within margin categories
            margins = step[1]
            for _ in range(10):
                for codes, w in margins:
                    k = int(codes.max()) + 1
                    counts = np.bincount(codes, minlength=k)
                    means = _group_sum(codes, zmat / w[:, None], k) / counts[:, None]
                    zmat = zmat - means[codes] * w[:, None]
    return zmat


def _group_sum(codes: np.ndarray, mat: np.ndarray, k: int) -> np.ndarray:
    ind = sparse.csr_matrix(
        (np.ones(codes.shape[0]), (codes, np.arange(codes.shape[0]))), shape=(k, codes.shape[0])
    )
    return np.asarray(ind @ mat)


def domain_variance(
    struct: DesignStructure,
    z: np.ndarray,
    member: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
) -> np.ndarray:
    """Design variance of a linear statistic in each of ``n_groups`` domains.

    Parameters
    ----------
    struct : DesignStructure
        The design.
    z : ndarray, shape (n,)
        Influence value of each row for *its own* domain (0 for non-members).
    member : ndarray of bool, shape (n,)
        Rows that belong to their domain and have a value.
    groups : ndarray of int, shape (n,)
        Domain code 0..G-1 of each row (any value for non-members).
    n_groups : int
        Number of domains G.

    Returns
    -------
    ndarray, shape (G,)
        Variances (the influence of domain ``g`` is ``z`` on its member rows and 0
        elsewhere, i.e. domain estimation without a subset design).
    """
    g = np.where(member, groups, 0).astype(np.int64)
    zz = np.where(member, z, 0.0)
    if struct.calibration:
        return _dense_variance(struct, zz, member, g, n_groups)
    key = struct.stratum * n_groups + g
    present = (
        np.bincount(key[member], minlength=struct.n_strata * n_groups).reshape(
            struct.n_strata, n_groups
        )
        > 0
    )
    s1, s2 = _stratum_sums(struct, zz, g, n_groups)
    return _combine(struct, s1, s2, present)


def _dense_variance(
    struct: DesignStructure, z: np.ndarray, member: np.ndarray, g: np.ndarray, n_groups: int
) -> np.ndarray:
    n = z.shape[0]
    out = np.empty(n_groups)
    chunk = max(1, min(n_groups, 20_000_000 // max(n, 1)))
    psu = struct.psu_codes()
    n_c = struct.n_clusters if struct.psu is not None else n
    agg = sparse.csr_matrix((np.ones(n), (psu, np.arange(n))), shape=(n_c, n))
    psu_h = struct.psu_stratum if struct.psu is not None else struct.stratum
    hind = sparse.csr_matrix((np.ones(n_c), (psu_h, np.arange(n_c))), shape=(struct.n_strata, n_c))
    present = np.ones((struct.n_strata, 1), dtype=bool)  # calibrated subsets keep every row
    rows = np.arange(n)
    for start in range(0, n_groups, chunk):
        stop = min(n_groups, start + chunk)
        zmat = np.zeros((n, stop - start))
        sel = member & (g >= start) & (g < stop)
        zmat[rows[sel], g[sel] - start] = z[sel]
        zmat = _residualise(struct, zmat)
        totals = np.asarray(agg @ zmat)
        s1 = np.asarray(hind @ totals)
        s2 = np.asarray(hind @ (totals * totals))
        out[start:stop] = _combine(struct, s1, s2, np.repeat(present, stop - start, axis=1))
    return out


def stratum_sizes(codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Row counts per code (small helper used by the design front end)."""
    return np.bincount(codes, minlength=n_groups)


def as_float_array(values: Any, n: int, what: str) -> np.ndarray:
    """Return a float64 copy of a length-``n`` vector (no validation of content)."""
    arr = np.asarray(values, dtype=float).reshape(-1)
    if arr.shape[0] != n:
        from .errors import DesignError

        msg = f"{what} has {arr.shape[0]} values but the data have {n} rows; pass one per row."
        raise DesignError(msg)
    return arr.copy()

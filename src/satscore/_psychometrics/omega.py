"""McDonald's omega via the Schmid-Leiman transformation, as ``psych::omega`` (2.2.9) does it.

Steps (psych ``omegah`` + ``schmid``): correlations (pairwise); optional reverse ``key``;
an EFA with ``n_factors`` factors rotated to varimax; an oblique rotation of those loadings
(oblimin by default, no Kaiser normalisation, no re-ordering); a one-factor EFA of the factor
correlations gives the loadings of the group factors on ``g`` (with two factors ``g`` is not
identified and ``option`` fixes it: "equal" = both ``sqrt(|phi12|)``, "first"/"second" = one
of them 1 and the other ``phi12``); ``g`` loadings = ``F gload``, residualised group loadings
= ``sign(F) sqrt(F^2 (1 - gload^2))``. With ``flip`` items whose ``g`` loading is negative
are reversed. Then ``omega_h = (sum g)^2 / V``, ``omega_t = (V - sum u2) / V`` with ``V`` the
sum of the (flipped) correlation matrix.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_option
from satscore._core.errors import DataError, OptionError, SatscoreWarning
from satscore._core.results import ResultMixin
from satscore._psychometrics.alpha_table import alpha_stats
from satscore._psychometrics.efa import efa
from satscore._psychometrics.efa_input import (
    check_correlation_matrix,
    check_n_factors,
    prepare_correlations,
)
from satscore._stats.rotation import rotate
from satscore._stats.threads import with_single_threaded_blas

__all__ = ["OmegaResult", "omega"]


@dataclasses.dataclass(frozen=True)
class OmegaResult(ResultMixin):
    """Result of :func:`omega`.

    Attributes
    ----------
    omega_h : float
        Omega hierarchical: share of total-score variance due to the general factor.
    omega_total : float
        Omega total: share of total-score variance due to all common factors.
    omega_limit : float
        Asymptotic omega_h (``omega_h / omega_total``; psych ``omega.lim``).
    alpha : float
        Standardised Cronbach's alpha of the (flipped) correlation matrix.
    g6 : float
        Guttman's lambda 6 (SMC based).
    ecv : float
        Explained common variance of the general factor.
    schmid_leiman : pandas.DataFrame
        Items x (``g``, ``f1``..``fk`` group loadings, ``h2``, ``u2``, ``p2``) after flipping
        (psych ``schmid$sl``; ``p2`` = g^2 / h2).
    general_loadings : pandas.Series
        Loadings on the general factor (column ``g`` of ``schmid_leiman``).
    group_loadings : pandas.DataFrame
        Residualised loadings on the group factors.
    omega_subscales : pandas.DataFrame
        psych ``omega.group``: rows ``g`` and each group factor (items assigned to the group
        on which they load most), columns ``total``, ``general``, ``group``.
    key : pandas.Series
        +1 / -1 per item: -1 marks an item reversed (by ``flip`` or the given ``key``).
    oblique_loadings : pandas.DataFrame
        Oblique pattern loadings of the first-order factors (``f1``..``fk``).
    phi : pandas.DataFrame
        Correlations of the first-order factors.
    g_loadings_of_factors : pandas.Series
        Loadings of the first-order factors on ``g`` (psych ``gloading``).
    n_factors : int
        Number of group factors.
    n_obs : int or None
        Number of observations.
    method : str
        Extraction method of the EFAs.
    rotation : str
        Oblique rotation of the first-order factors.
    """

    omega_h: float
    omega_total: float
    omega_limit: float
    alpha: float
    g6: float
    ecv: float
    schmid_leiman: pd.DataFrame
    general_loadings: pd.Series
    group_loadings: pd.DataFrame
    omega_subscales: pd.DataFrame
    key: pd.Series
    oblique_loadings: pd.DataFrame
    phi: pd.DataFrame
    g_loadings_of_factors: pd.Series
    n_factors: int
    n_obs: int | None
    method: str
    rotation: str

    _title = "Omega (Schmid-Leiman)"

    def summary(self) -> pd.DataFrame:
        """Tidy table: one row per coefficient (``statistic``, ``value``)."""
        rows = [
            ("omega_h", self.omega_h),
            ("omega_total", self.omega_total),
            ("omega_limit", self.omega_limit),
            ("alpha", self.alpha),
            ("g6", self.g6),
            ("ecv", self.ecv),
        ]
        return pd.DataFrame(rows, columns=["statistic", "value"])

    def __repr__(self) -> str:
        return (
            f"OmegaResult(omega_h={self.omega_h:.4f}, omega_total={self.omega_total:.4f}, "
            f"alpha={self.alpha:.4f}, n_factors={self.n_factors})"
        )


def _g_loadings(phi: np.ndarray, k: int, method: str, option: str) -> np.ndarray:
    if k == 1:
        return np.array([1.0])
    if k > 2:
        with warnings.catch_warnings():
            # a Heywood case of the higher-order fit is reported by psych silently too
            warnings.simplefilter("ignore", SatscoreWarning)
            g = efa(pd.DataFrame(phi), 1, method=method, rotation=None)
        return g.loadings.to_numpy()[:, 0]
    r12 = phi[0, 1]
    warnings.warn(
        f"omega_h is not identified with 2 group factors; option={option!r} constrains the "
        "general-factor loadings. Compare the options or use 3 or more factors.",
        SatscoreWarning,
        stacklevel=3,
    )
    if option == "equal":
        return np.array([np.sqrt(abs(r12)), np.sign(r12) * np.sqrt(abs(r12))])
    if option == "first":
        return np.array([1.0, r12])
    return np.array([r12, 1.0])


@with_single_threaded_blas
def omega(
    data: Any,
    *,
    n_factors: int = 3,
    method: str = "minres",
    rotation: str = "oblimin",
    option: str = "equal",
    flip: bool = True,
    key: Any = None,
    cor: str = "pearson",
    missing: str = "pairwise",
    n_obs: int | None = None,
) -> OmegaResult:
    """Omega hierarchical and total from a Schmid-Leiman transformation, as ``psych::omega``.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Raw item responses or a correlation matrix.
    n_factors : int, default 3
        Number of group factors (psych's default 3). With 2, omega_h is not identified and
        ``option`` decides; with 1, omega_h equals omega_total's general part (psych warns).
    method : {"minres", "ml", "pa"}
        Factor extraction (psych ``fm``).
    rotation : {"oblimin", "promax", "Promax", "geomin"}
        Oblique rotation of the first-order factors.
    option : {"equal", "first", "second"}
        Two-factor constraint (psych ``option``).
    flip : bool, default True
        Reverse items with negative general-factor loadings (psych ``flip``).
    key : sequence of +1/-1, optional
        Reverse these items before the analysis (then ``flip`` is off, as in psych).
    cor, missing, n_obs
        As in :func:`satscore.efa`.

    Returns
    -------
    OmegaResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import satscore
    >>> rng = np.random.default_rng(3)
    >>> g, s = rng.normal(size=(800, 1)), rng.normal(size=(800, 3))
    >>> X = np.hstack(
    ...     [0.6 * g + 0.5 * s[:, [j]] + 0.6 * rng.normal(size=(800, 3)) for j in range(3)]
    ... )
    >>> res = satscore.omega(pd.DataFrame(X), n_factors=3)
    >>> # R: psych::omega(X, nfactors = 3)
    >>> print(f"{res.omega_h:.2f} {res.omega_total:.2f}")
    0.73 0.92
    """
    check_option("method", method, ("minres", "ml", "pa"))
    rotation = {"geominQ": "geomin"}.get(rotation, rotation)
    check_option("rotation", rotation, ("oblimin", "promax", "Promax", "geomin"))
    check_option("option", option, ("equal", "first", "second"))
    k = check_n_factors(n_factors)
    R_df, _counts, n = prepare_correlations(data, cor=cor, missing=missing, n_obs=n_obs)
    items = [str(c) for c in R_df.columns]
    p = len(items)
    if p < 3:
        msg = f"found {p} items; omega needs at least 3 items. Use alpha for shorter scales."
        raise DataError(msg)
    check_correlation_matrix(R_df)
    m = R_df.to_numpy(dtype=float)
    keyv = np.ones(p)
    if key is not None:
        keyv = np.asarray(key, dtype=float).ravel()
        if keyv.shape != (p,) or not np.all(np.isin(keyv, (-1.0, 1.0))):
            msg = (
                f"key must hold one +1 or -1 per item ({p} items); found {key!r}. "
                "Use -1 for reverse-keyed items."
            )
            raise OptionError(msg)
        m = m * np.outer(keyv, keyv)
        flip = False

    fact = efa(
        pd.DataFrame(m, index=items, columns=items), k, method=method, rotation="varimax", n_obs=n
    )
    orth = fact.loadings.to_numpy()
    if k == 1:
        fload = orth
        phi = np.ones((1, 1))
    else:
        rot = rotate(orth, rotation)
        fload, phi = rot.loadings, rot.phi
    gload = _g_loadings(phi, k, method, option)
    g = fload @ gload
    h2 = np.sum(orth * orth, axis=1)
    u2 = np.diag(m) - h2
    uniq2 = fload**2 - (fload * gload) ** 2
    uniq2[uniq2 < 0] = 0.0
    sm = np.sign(fload) * np.sqrt(uniq2)
    if flip:
        s = np.sign(g)
        s[s == 0] = 1.0
        if np.any(s < 0):
            m = m * np.outer(s, s)
            g = g * s
            sm = sm * s[:, None]
            keyv = s
    Vt = float(m.sum())
    gsq = float(g.sum()) ** 2
    omega_total = (Vt - float(u2.sum())) / Vt
    st = alpha_stats(m, m)  # psych alpha.1 on m: standardised alpha and lambda 6
    alpha, g6 = st["std_alpha"], st["g6"]
    ev = np.concatenate([[np.sum(g * g)], np.sum(sm * sm, axis=0)])
    ecv = float(ev[0] / ev.sum())

    fnames = [f"f{j + 1}" for j in range(k)]
    sub = np.argmax(np.abs(sm), axis=1)
    total = np.full(k + 1, np.nan)
    general = np.full(k + 1, np.nan)
    group = np.full(k + 1, np.nan)
    grs = 0.0
    for j in range(k):
        idx = np.flatnonzero(sub == j)
        if idx.size:
            vgr = float(m[np.ix_(idx, idx)].sum())
            gr = float(sm[idx, j].sum())
            gg = float(g[idx].sum())
            grs += gr * gr
            group[j + 1] = gr * gr / vgr
            general[j + 1] = gg * gg / vgr
            total[j + 1] = (gr * gr + gg * gg) / vgr
    general[0] = gsq / Vt
    group[0] = grs / Vt
    total[0] = omega_total

    idx_items = pd.Index(items, name="item")
    sl = pd.DataFrame(sm, index=idx_items, columns=fnames)
    sl.insert(0, "g", g)
    sl["h2"] = h2
    sl["u2"] = u2
    sl["p2"] = g * g / h2
    return OmegaResult(
        omega_h=gsq / Vt,
        omega_total=omega_total,
        omega_limit=gsq / (Vt - float(u2.sum())),
        alpha=alpha,
        g6=g6,
        ecv=ecv,
        schmid_leiman=sl,
        general_loadings=pd.Series(g, index=idx_items, name="g"),
        group_loadings=pd.DataFrame(sm, index=idx_items, columns=fnames),
        omega_subscales=pd.DataFrame(
            {"total": total, "general": general, "group": group},
            index=pd.Index(["g", *fnames], name="factor"),
        ),
        key=pd.Series(keyv.astype(int), index=idx_items, name="key"),
        oblique_loadings=pd.DataFrame(fload, index=idx_items, columns=fnames),
        phi=pd.DataFrame(phi, index=fnames, columns=fnames),
        g_loadings_of_factors=pd.Series(gload, index=fnames, name="g"),
        n_factors=k,
        n_obs=n,
        method=method,
        rotation=rotation,
    )

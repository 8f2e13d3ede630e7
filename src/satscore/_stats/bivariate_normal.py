"""Vectorised standard bivariate normal CDF (rectangle probabilities of psych::polychoric).

The CDF uses the Drezner & Wesolowsky (1990) method in the double-precision form of
Genz (2004), "Numerical computation of rectangular bivariate and trivariate normal and t
probabilities", Statistics and Computing 14 (Genz's ``BVND``, the two-dimensional routine
behind ``mnormt::pmnorm``/``biv.nt.prob`` and ``pbivnorm``): for ``|r| < 0.925``
Gauss-Legendre quadrature of Sheppard's integral over ``asin(r)`` (Genz's 6-, 12- or
20-point rule by ``|r|``); closer to ``|r| = 1`` an asymptotic expansion plus a 20-point
quadrature of the remainder. Absolute error about 1e-15; every argument is an array and
there is no Python loop over evaluation points.

Why not scipy: ``scipy.stats.multivariate_normal.cdf`` integrates by randomised
quasi-Monte Carlo (default ``abseps = 1e-5``), one correlation matrix per call and a
Python-level loop over the points. Its error (up to that tolerance, different on every
call unless seeded) would move R ``optimize``'s search for each polychoric ``rho``
(:mod:`satscore._stats.brent`), and calling it for every cell of every item pair at every
search step is too slow. psych
itself evaluates each cell with ``mnormt::sadmvn`` (Genz's 1992 adaptive cubature,
``abseps = 1e-6``); this deterministic, essentially exact CDF agrees with it within that
tolerance.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["bvn_cdf"]

_RULES = {n: np.polynomial.legendre.leggauss(n) for n in (6, 12, 20)}
_NODES, _WEIGHTS = _RULES[20]
_TWO_PI = 2.0 * np.pi


def _upper(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P(X > h, Y > k) for finite h, k and |r| <= 1 (all arrays of one shape)."""
    out = np.empty(h.shape)
    ar = np.abs(r)
    mid = ar < 0.925
    # Genz's choice of rule: 6 points for |r| < 0.3, 12 below 0.75, else 20
    for sel, npts in (
        (ar < 0.3, 6),
        ((ar >= 0.3) & (ar < 0.75), 12),
        ((ar >= 0.75) & mid, 20),
    ):
        if not sel.any():
            continue
        nodes, weights = _RULES[npts]
        hh, kk, rr = h[sel], k[sel], r[sel]
        hk, hs = hh * kk, (hh * hh + kk * kk) / 2.0
        asr = np.arcsin(rr)
        sn = np.sin(asr[..., None] * (1.0 + nodes) / 2.0)
        f = np.exp((sn * hk[..., None] - hs[..., None]) / (1.0 - sn * sn))
        out[sel] = (f @ weights) * asr / (4.0 * np.pi) + special.ndtr(-hh) * special.ndtr(-kk)
    hi = ~mid
    if hi.any():
        hh, kk, rr = h[hi], k[hi].copy(), r[hi]
        neg = rr < 0
        kk[neg] = -kk[neg]
        hk = hh * kk
        bvn = np.zeros(hh.shape)
        inner = np.abs(rr) < 1.0
        if inner.any():
            hk_i, h_i, k_i, r_i = hk[inner], hh[inner], kk[inner], rr[inner]
            a_s = (1.0 - r_i) * (1.0 + r_i)
            a = np.sqrt(a_s)
            bs = (h_i - k_i) ** 2
            c = (4.0 - hk_i) / 8.0
            d = (12.0 - hk_i) / 16.0
            ex = -(bs / a_s + hk_i) / 2.0
            val = np.where(
                ex > -100,
                a
                * np.exp(ex)
                * (1 - c * (bs - a_s) * (1 - d * bs / 5) / 3 + c * d * a_s * a_s / 5),
                0.0,
            )
            b = np.sqrt(bs)
            sp = np.sqrt(_TWO_PI) * special.ndtr(-b / a)
            with np.errstate(over="ignore"):
                tail = np.exp(-hk_i / 2.0) * sp * b * (1 - c * bs * (1 - d * bs / 5) / 3)
            val = val - np.where(hk_i > -100, tail, 0.0)
            half = a / 2.0
            xs = (half[..., None] * (1.0 + _NODES)) ** 2  # (..., 20)
            rs = np.sqrt(1.0 - xs)
            ex2 = -(bs[..., None] / xs + hk_i[..., None]) / 2.0
            sp2 = 1.0 + c[..., None] * xs * (1.0 + d[..., None] * xs)
            ep = np.exp(-hk_i[..., None] * (1.0 - rs) / (2.0 * (1.0 + rs))) / rs
            term = np.where(ex2 > -100, np.exp(ex2) * (ep - sp2), 0.0)
            val = val + half * (term @ _WEIGHTS)
            bvn[inner] = -val / _TWO_PI
        pos = ~neg
        bvn[pos] = bvn[pos] + special.ndtr(-np.maximum(hh[pos], kk[pos]))
        bvn[neg] = -bvn[neg] + np.maximum(0.0, special.ndtr(-hh[neg]) - special.ndtr(-kk[neg]))
        out[hi] = bvn
    return np.clip(out, 0.0, 1.0)


def bvn_cdf(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``P(X <= h, Y <= k)`` for standard bivariate normals with correlation ``r``.

    Arguments broadcast against each other; ``h`` and ``k`` may be infinite.

    Examples
    --------
    >>> import numpy as np
    >>> # R: mnormt::pmnorm(c(0.3, -0.2), varcov = matrix(c(1, .5, .5, 1), 2))
    >>> round(float(bvn_cdf(np.array(0.3), np.array(-0.2), np.array(0.5))), 6)
    0.336198
    """
    h, k, r = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (h, k, r)))
    out = np.zeros(h.shape)
    fin = np.isfinite(h) & np.isfinite(k)
    if fin.any():
        out[fin] = _upper(-h[fin], -k[fin], r[fin])
    # one limit infinite: the other margin (or zero)
    hinf, kinf = np.isposinf(h), np.isposinf(k)
    only_h = hinf & ~np.isnan(k)
    out[only_h] = special.ndtr(k[only_h])
    only_k = kinf & ~np.isnan(h)
    out[only_k] = special.ndtr(h[only_k])
    out[np.isneginf(h) | np.isneginf(k)] = 0.0
    return out

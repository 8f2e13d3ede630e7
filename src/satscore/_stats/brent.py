"""R's ``optimize`` (Brent's ``fmin``) run on many independent problems at once.

``psych::polychoric`` maximises each pair's likelihood with ``optimize(interval = c(-1, 1))``,
whose default tolerance ``.Machine$double.eps^0.25`` (about 1.2e-4) leaves the estimate up to
about 1e-4 from the exact maximum -- and, where the likelihood is numerically flat (a table
with an empty cell pushes the estimate towards +-1), wherever Brent's golden-section and
parabolic steps stop. Reproducing psych therefore means reproducing the search, not only the
maximum. This is Brent (1973), *Algorithms for Minimization without Derivatives*, procedure
``localmin``, in the form of R's ``Brent_fmin`` (``src/library/stats/src/optimize.c``), with
every step written as array operations so that all problems advance together; each keeps its
own state and stops on its own criterion, exactly as the scalar loop would.

Why not scipy: ``scipy.optimize.minimize_scalar(method="bounded")`` (``fminbound``) is the
same Brent procedure, but it solves one problem per call (a Python loop over every item
pair) and differs from R's ``Brent_fmin`` in the details that decide where a flat search
stops: it hard-codes ``sqrt(2.2e-16)`` instead of ``sqrt(DBL_EPSILON)`` in the tolerance
``tol1 = sqrt_eps·|x| + tol/3``, and breaks ties the other way (a zero step, or a parabolic
step too close to an end with ``x`` exactly at the midpoint, moves ``+tol1`` where R moves
``-tol1``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["brent_fmin"]

_GOLD = (3.0 - math.sqrt(5.0)) * 0.5
_SQRT_EPS = math.sqrt(np.finfo(float).eps)
R_OPTIMIZE_TOL = np.finfo(float).eps ** 0.25


def brent_fmin(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    lower: float,
    upper: float,
    size: int,
    *,
    tol: float = R_OPTIMIZE_TOL,
    max_iter: int = 500,
) -> np.ndarray:
    """Minimise ``size`` univariate functions on ``(lower, upper)`` as R's ``optimize``.

    ``f(x, idx)`` returns the values of problems ``idx`` at the points ``x`` (both 1-D arrays
    of one length). Returns the abscissae R's ``optimize(...)$minimum`` returns.

    Examples
    --------
    >>> import numpy as np
    >>> centres = np.array([0.3, -0.5])
    >>> x = brent_fmin(lambda x, i: (x - centres[i]) ** 2, -1.0, 1.0, 2)
    >>> # R: optimize(function(x) (x - 0.3)^2, c(-1, 1))$minimum
    >>> np.round(x, 6).tolist()
    [0.3, -0.5]
    """
    a = np.full(size, float(lower))
    b = np.full(size, float(upper))
    v = a + _GOLD * (b - a)
    w = v.copy()
    x = v.copy()
    d = np.zeros(size)
    e = np.zeros(size)
    fx = np.asarray(f(x, np.arange(size)), dtype=float)
    fv = fx.copy()
    fw = fx.copy()
    tol3 = tol / 3.0
    active = np.ones(size, dtype=bool)
    for _ in range(max_iter):
        xm = (a + b) * 0.5
        tol1 = _SQRT_EPS * np.abs(x) + tol3
        t2 = tol1 * 2.0
        active &= ~(np.abs(x - xm) <= t2 - (b - a) * 0.5)
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        A, B, X, V, W = a[idx], b[idx], x[idx], v[idx], w[idx]
        FX, FV, FW, D, E = fx[idx], fv[idx], fw[idx], d[idx], e[idx]
        XM, TOL1, T2 = xm[idx], tol1[idx], t2[idx]
        # fit a parabola where the last-but-one step was large enough
        fit = np.abs(E) > TOL1
        r = np.where(fit, (X - W) * (FX - FV), 0.0)
        q = np.where(fit, (X - V) * (FX - FW), 0.0)
        p = np.where(fit, (X - V) * q - (X - W) * r, 0.0)
        q = np.where(fit, (q - r) * 2.0, 0.0)
        pos = q > 0.0
        p = np.where(fit & pos, -p, p)
        q = np.where(fit & ~pos, -q, q)
        r = np.where(fit, E, 0.0)
        E = np.where(fit, D, E)
        golden = (np.abs(p) >= np.abs(q * 0.5 * r)) | (p <= q * (A - X)) | (p >= q * (B - X))
        e_gold = np.where(X < XM, B - X, A - X)
        E = np.where(golden, e_gold, E)
        with np.errstate(divide="ignore", invalid="ignore"):
            d_par = p / q
        u_par = X + d_par
        edge = (u_par - A < T2) | (B - u_par < T2)
        d_par = np.where(edge, np.where(X >= XM, -TOL1, TOL1), d_par)
        D = np.where(golden, _GOLD * e_gold, d_par)
        U = np.where(np.abs(D) >= TOL1, X + D, np.where(D > 0.0, X + TOL1, X - TOL1))
        FU = np.asarray(f(U, idx), dtype=float)
        # update a, b, v, w, x as Brent_fmin does
        better = FU <= FX
        left = U < X
        A_new = np.where(better, np.where(left, A, X), np.where(left, U, A))
        B_new = np.where(better, np.where(left, X, B), np.where(left, B, U))
        worse = ~better
        c1 = worse & ((FU <= FW) | (W == X))
        c2 = worse & ~c1 & ((FU <= FV) | (V == X) | (V == W))
        V_new = np.where(better, W, np.where(c1, W, np.where(c2, U, V)))
        FV_new = np.where(better, FW, np.where(c1, FW, np.where(c2, FU, FV)))
        W_new = np.where(better, X, np.where(c1, U, W))
        FW_new = np.where(better, FX, np.where(c1, FU, FW))
        X_new = np.where(better, U, X)
        FX_new = np.where(better, FU, FX)
        a[idx], b[idx], v[idx], w[idx], x[idx] = A_new, B_new, V_new, W_new, X_new
        fv[idx], fw[idx], fx[idx], d[idx], e[idx] = FV_new, FW_new, FX_new, D, E
    return x

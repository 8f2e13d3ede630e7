"""Factor rotations as R's psych::fa applies them (GPArotation, stats::varimax, psych::Promax).

Every rotation takes an unrotated loading matrix ``A`` (items x factors) and returns a
:class:`Rotation` with the rotated pattern ``loadings``, the factor correlations ``phi``
(identity for orthogonal rotations) and ``rotmat`` such that ``loadings = A @ rotmat``.

Algorithms (re-implemented from the published descriptions and checked against R):

* ``varimax``: Kaiser's varimax as in ``stats::varimax`` (Kaiser row normalisation on,
  SVD iterations until the criterion improves by less than ``eps`` relatively).
* ``quartimax``: gradient projection for orthogonal rotations (Bernaards & Jennrich 2005,
  ``GPArotation::GPForth``) with the quartimax criterion.
* ``oblimin`` (gamma 0 = quartimin) and ``geomin`` (delta 0.01): gradient projection for
  oblique rotations (``GPArotation::GPFoblq``), step halving, convergence when the Frobenius
  norm of the projected gradient falls below ``eps`` = 1e-5, at most 1000 iterations.
  psych's ``fa`` passes no ``normalize`` argument, so Kaiser normalisation is off by default.
* ``Promax``: psych's Promax (power 4) -- varimax, then a least-squares fit to the
  element-wise powered target, columns rescaled; ``Phi = U^-1 U^-T``.
* ``promax``: psych's ``kaiser(rotate = "Promax")``: rows normalised to unit communality,
  Promax, rows scaled back (SPSS-style).

Why not scipy/statsmodels: scipy has no factor rotations. ``statsmodels``'
``rotate_factors`` implements the same gradient projection algorithm but stops after 501
iterations (GPArotation: 1000), has no geomin, no Kaiser row normalisation, computes
varimax by gradient projection instead of ``stats::varimax``'s SVD iterations with their
relative-change stopping rule, and its ``promax`` (default power 2, its own column scaling)
is neither psych's ``Promax`` nor ``kaiser(rotate = "Promax")``; loadings would agree with
psych only to the convergence tolerance, and not at all for promax.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import numpy as np

from satscore._core.errors import ConvergenceWarning, OptionError

__all__ = ["ROTATIONS", "Rotation", "rotate"]

#: rotation names accepted by :func:`rotate` (and ``efa(rotation=...)``); ``None`` = unrotated
ROTATIONS = ("oblimin", "promax", "Promax", "varimax", "geomin", "quartimax", "quartimin")
OBLIQUE = frozenset({"oblimin", "promax", "Promax", "geomin", "quartimin"})

Criterion = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclasses.dataclass(frozen=True)
class Rotation:
    """Result of a rotation: ``loadings = unrotated @ rotmat`` and factor correlations ``phi``."""

    loadings: np.ndarray
    phi: np.ndarray
    rotmat: np.ndarray
    oblique: bool
    converged: bool
    iterations: int


# --------------------------------------------------------------------------------------------
# criteria: each returns (value f, gradient dQ/dL)
def _vgq_oblimin(gamma: float) -> Criterion:
    def crit(L: np.ndarray) -> tuple[float, np.ndarray]:
        L2 = L * L
        X = L2.sum(axis=1, keepdims=True) - L2
        if gamma != 0:
            X = X - (gamma / L.shape[0]) * X.sum(axis=0, keepdims=True)
        return float(np.sum(L2 * X) / 4.0), L * X

    return crit


def _vgq_geomin(delta: float) -> Criterion:
    def crit(L: np.ndarray) -> tuple[float, np.ndarray]:
        k = L.shape[1]
        L2 = L * L + delta
        pro = np.exp(np.log(L2).sum(axis=1) / k)
        return float(pro.sum()), (2.0 / k) * (L / L2) * pro[:, None]

    return crit


def _vgq_quartimax(L: np.ndarray) -> tuple[float, np.ndarray]:
    L2 = L * L
    return float(-np.sum(L2 * L2) / 4.0), -(L**3)


# --------------------------------------------------------------------------------------------
def _normalizing_weight(A: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum(A * A, axis=1))[:, None]


def _gpf_oblique(
    A: np.ndarray, crit: Criterion, *, normalize: bool, eps: float, max_iter: int
) -> Rotation:
    """Gradient projection for oblique rotations (Bernaards & Jennrich 2005; GPFoblq)."""
    w = _normalizing_weight(A) if normalize else None
    if w is not None:
        A = A / w
    k = A.shape[1]
    T = np.eye(k)
    alpha = 1.0
    L = A.copy()
    f, Gq = crit(L)
    G = -(L.T @ Gq @ np.linalg.inv(T)).T
    s = np.inf
    it = 0
    for it in range(max_iter + 1):  # noqa: B007 - count reported
        Gp = G - T * np.sum(T * G, axis=0)
        s = float(np.sqrt(np.sum(Gp * Gp)))
        if s < eps:
            break
        alpha *= 2.0
        for _ in range(11):
            X = T - alpha * Gp
            Tt = X / np.sqrt(np.sum(X * X, axis=0))
            Tt_inv = np.linalg.inv(Tt)
            L = A @ Tt_inv.T
            ft, Gqt = crit(L)
            if f - ft > 0.5 * s * s * alpha:
                break
            alpha /= 2.0
        T = Tt
        f = ft
        G = -(L.T @ Gqt @ Tt_inv).T
    converged = s < eps
    _warn_convergence(converged, it, max_iter, "oblique gradient projection")
    if w is not None:
        L = L * w
    return Rotation(
        loadings=L,
        phi=T.T @ T,
        rotmat=np.linalg.inv(T).T,
        oblique=True,
        converged=converged,
        iterations=it,
    )


def _gpf_orthogonal(
    A: np.ndarray, crit: Criterion, *, normalize: bool, eps: float, max_iter: int
) -> Rotation:
    """Gradient projection for orthogonal rotations (GPForth)."""
    w = _normalizing_weight(A) if normalize else None
    if w is not None:
        A = A / w
    k = A.shape[1]
    T = np.eye(k)
    alpha = 1.0
    L = A @ T
    f, Gq = crit(L)
    G = A.T @ Gq
    s = np.inf
    it = 0
    for it in range(max_iter + 1):  # noqa: B007 - count reported
        M = T.T @ G
        S = (M + M.T) / 2.0
        Gp = G - T @ S
        s = float(np.sqrt(np.sum(Gp * Gp)))
        if s < eps:
            break
        alpha *= 2.0
        for _ in range(11):
            X = T - alpha * Gp
            u, _d, vt = np.linalg.svd(X)
            Tt = u @ vt
            L = A @ Tt
            ft, Gqt = crit(L)
            if ft < f - 0.5 * s * s * alpha:
                break
            alpha /= 2.0
        T = Tt
        f = ft
        G = A.T @ Gqt
    converged = s < eps
    _warn_convergence(converged, it, max_iter, "orthogonal gradient projection")
    if w is not None:
        L = L * w
    return Rotation(
        loadings=L, phi=np.eye(k), rotmat=T, oblique=False, converged=converged, iterations=it
    )


def _warn_convergence(converged: bool, it: int, max_iter: int, what: str) -> None:
    if not converged and it >= max_iter:
        warnings.warn(
            f"the {what} rotation did not converge in {max_iter} iterations; the loadings "
            "may not be at the criterion's optimum. Try another rotation or check the number "
            "of factors.",
            ConvergenceWarning,
            stacklevel=4,
        )


def varimax(A: np.ndarray, *, normalize: bool = True, eps: float = 1e-5) -> Rotation:
    """Kaiser's varimax exactly as ``stats::varimax`` (R) iterates it."""
    A = np.asarray(A, dtype=float)
    k = A.shape[1]
    if k < 2:
        return Rotation(A.copy(), np.eye(k), np.eye(k), False, True, 0)
    x = A
    sc = None
    if normalize:
        sc = np.sqrt(np.sum(x * x, axis=1))[:, None]
        x = x / sc
    p = x.shape[0]
    TT = np.eye(k)
    d = 0.0
    it = 0
    for it in range(1, 1001):  # noqa: B007 - iteration count is reported
        z = x @ TT
        B = x.T @ (z**3 - z * (np.sum(z * z, axis=0) / p))
        u, sv, vt = np.linalg.svd(B)
        TT = u @ vt
        dpast = d
        d = float(np.sum(sv))
        if d < dpast * (1 + eps):
            break
    z = x @ TT
    if sc is not None:
        z = z * sc
    return Rotation(z, np.eye(k), TT, False, True, it)


def promax(A: np.ndarray, *, power: int = 4) -> Rotation:
    """psych's ``Promax``: varimax, then the least-squares fit to ``L * |L|^(power-1)``."""
    A = np.asarray(A, dtype=float)
    vm = varimax(A)
    x = vm.loadings
    Q = x * np.abs(x) ** (power - 1)
    U = np.linalg.lstsq(x, Q, rcond=None)[0]
    UtU = U.T @ U
    try:
        d = np.diag(np.linalg.inv(UtU))
    except np.linalg.LinAlgError:  # pragma: no cover - exactly uncorrelated factors
        ev, vec = np.linalg.eigh(UtU)
        ev = np.where(ev < np.finfo(float).eps, 100 * np.finfo(float).eps, ev)
        UU = (vec * ev) @ vec.T
        np.fill_diagonal(UU, 1.0)
        d = np.diag(np.linalg.inv(UU))
    U = U * np.sqrt(d)
    z = x @ U
    U = vm.rotmat @ U
    ui = np.linalg.inv(U)
    return Rotation(z, ui @ ui.T, U, True, vm.converged, vm.iterations)


def kaiser_promax(A: np.ndarray, *, power: int = 4) -> Rotation:
    """psych's ``kaiser(rotate = "Promax")`` = ``fa(rotate = "promax")``."""
    A = np.asarray(A, dtype=float)
    h = np.sqrt(np.sum(A * A, axis=1))[:, None]
    rot = promax(A / h, power=power)
    return dataclasses.replace(rot, loadings=rot.loadings * h)


def rotate(
    A: np.ndarray,
    method: str | None,
    *,
    normalize: bool | None = None,
    eps: float = 1e-5,
    max_iter: int = 1000,
    gamma: float = 0.0,
    delta: float = 0.01,
    power: int = 4,
) -> Rotation:
    """Rotate the loading matrix ``A`` the way ``psych::fa(rotate = method)`` does.

    ``method`` is one of :data:`ROTATIONS` or ``None`` (no rotation). ``normalize``
    (Kaiser row normalisation) defaults to psych's choice: on for varimax (inside
    ``stats::varimax``), off for the gradient-projection rotations; promax always uses it.
    """
    A = np.asarray(A, dtype=float)
    k = A.shape[1]
    if method is None or method == "none" or k < 2:
        return Rotation(A.copy(), np.eye(k), np.eye(k), False, True, 0)
    if method == "varimax":
        return varimax(A, normalize=True if normalize is None else normalize, eps=eps)
    if method == "Promax":
        return promax(A, power=power)
    if method == "promax":
        return kaiser_promax(A, power=power)
    norm = bool(normalize)
    if method in ("oblimin", "quartimin"):
        g = 0.0 if method == "quartimin" else gamma
        return _gpf_oblique(A, _vgq_oblimin(g), normalize=norm, eps=eps, max_iter=max_iter)
    if method == "geomin":
        return _gpf_oblique(A, _vgq_geomin(delta), normalize=norm, eps=eps, max_iter=max_iter)
    if method == "quartimax":
        return _gpf_orthogonal(A, _vgq_quartimax, normalize=norm, eps=eps, max_iter=max_iter)
    choices = ", ".join(repr(r) for r in ROTATIONS)
    msg = (
        f"rotation={method!r} is not supported; use one of {choices} or None "
        "(no rotation). Oblique: oblimin, promax, geomin; orthogonal: varimax, quartimax."
    )
    raise OptionError(msg)

"""Starting values, the identification check and the Fisher-scoring optimiser."""

from __future__ import annotations

import numpy as np

from satscore._core.errors import ModelSpecificationError
from satscore._sem.model import (
    LOADING,
    LV_COV,
    RESID,
    ParTable,
    evaluate,
    implied,
    jacobian,
)
from satscore._sem.moments import SampleMoments
from satscore._sem.syntax import ParsedModel

__all__ = ["check_identified", "estimate", "observed_hessian", "start_values"]


def start_values(tab: ParTable, pm: ParsedModel, moments: list[SampleMoments]) -> np.ndarray:
    """Starting values: one-factor principal axes per factor, marker-scaled."""
    theta = np.full(tab.npar, np.nan)
    vals = tab.value.copy()
    obs = tab.observed
    seen: set[str] = set()
    for g, mom in enumerate(moments):
        rows = tab.rows(g)
        sd = np.sqrt(np.diag(mom.cov))
        corr = mom.cov / np.outer(sd, sd)
        comm = np.zeros(len(obs))
        for k, items in enumerate(pm.factors.values()):
            idx = [obs.index(i) for i in items]
            sub = corr[np.ix_(idx, idx)]
            if len(idx) > 1:
                w, v = np.linalg.eigh(sub)
                load = v[:, -1] * np.sqrt(max(w[-1] - (1 - w[-1]) / max(len(idx) - 1, 1), 0.1))
                load *= np.sign(load[0]) if load[0] != 0 else 1.0
            else:
                load = np.array([0.7])
            load = np.clip(load, -0.95, 0.95)
            unstd = load * sd[idx]
            krows = [r for r in rows if tab.kind[r] == LOADING and tab.j[r] == k]
            var_row = [r for r in rows if tab.kind[r] == LV_COV and tab.i[r] == k == tab.j[r]]
            fixed = [r for r in krows if tab.free[r] < 0 and tab.value[r] != 0]
            if fixed:
                pos = idx.index(tab.i[fixed[0]])
                scale = unstd[pos] / tab.value[fixed[0]] if unstd[pos] != 0 else 1.0
                phi = scale**2
            elif var_row and tab.free[var_row[0]] < 0 and tab.value[var_row[0]] > 0:
                scale = np.sqrt(tab.value[var_row[0]])
                phi = tab.value[var_row[0]]
            else:
                scale, phi = 1.0, 1.0
            for r in krows:
                item = obs[tab.i[r]]
                if tab.free[r] >= 0:
                    first_use = (g, item) not in seen
                    vals[r] = unstd[idx.index(tab.i[r])] / scale if first_use else 0.0
            for r in krows:
                seen.add((g, obs[tab.i[r]]))
                comm[tab.i[r]] = max(comm[tab.i[r]], load[idx.index(tab.i[r])] ** 2)
            for r in var_row:
                if tab.free[r] >= 0:
                    vals[r] = phi
        for r in rows:
            if tab.free[r] < 0:
                continue
            if tab.kind[r] == RESID:
                i = tab.i[r]
                vals[r] = mom.cov[i, i] * (1.0 - comm[i]) if i == tab.j[r] else 0.0
            elif tab.kind[r] == 3:  # intercept
                vals[r] = mom.mean[tab.i[r]]
            elif (tab.kind[r] == LV_COV and tab.i[r] != tab.j[r]) or tab.kind[r] == 4:
                vals[r] = 0.0
    for r in range(len(vals)):
        f = tab.free[r]
        if f >= 0 and np.isnan(theta[f]):
            theta[f] = vals[r]
    return theta


def check_identified(tab: ParTable) -> None:
    """Raise if the Jacobian of the implied moments is rank deficient at generic values."""
    q = tab.npar
    p = len(tab.observed)
    per_group = p * (p + 1) // 2 + (p if tab.meanstructure else 0)
    if q > tab.ngroups * per_group:
        msg = (
            f"the model has {q} free parameters but only {tab.ngroups * per_group} sample "
            "moments, so it is not identified (negative degrees of freedom). Remove free "
            "parameters (covariances, cross-loadings) or add items."
        )
        raise ModelSpecificationError(msg)
    # generic, scale-free values: identification is a property of the structure, not the data
    rng = np.random.default_rng(20240601)
    th = np.empty(q)
    for k in range(q):
        r = int(np.flatnonzero(tab.free == k)[0])
        kind, diag = tab.kind[r], tab.i[r] == tab.j[r]
        if kind == LOADING:
            th[k] = rng.uniform(0.5, 1.0)
        elif kind in (LV_COV, RESID):
            th[k] = rng.uniform(0.5, 1.5) if diag else rng.uniform(0.1, 0.3)
        else:
            th[k] = rng.uniform(-1.0, 1.0)
    vals = tab.values(th)
    low = np.tril_indices(p)
    a = tab.incidence()
    blocks = []
    for g in range(tab.ngroups):
        rows = tab.rows(g)
        lam, phi, _, _, al = implied(vals, tab, rows)
        ds, dm = jacobian(tab, rows, lam, phi, al)
        jac = ds[:, low[0], low[1]]
        if tab.meanstructure:
            jac = np.concatenate([jac, dm], axis=1)
        blocks.append(jac.T @ a[rows])
    full = np.vstack(blocks)
    # equilibrate rows and columns so that items on very different scales do not look singular
    rn = np.linalg.norm(full, axis=1)
    full = full[rn > 0] / rn[rn > 0, None]
    cn = np.linalg.norm(full, axis=0)
    full = full / np.where(cn > 0, cn, 1.0)
    _, sv, vt = np.linalg.svd(full, full_matrices=False)
    if sv[-1] < 1e-8 * sv[0]:
        null = np.abs(vt[-1])
        involved = [
            tab.name(int(np.flatnonzero(tab.free == k)[0]))
            for k in np.argsort(-null)[:4]
            if null[k] > 0.05
        ]
        msg = (
            "the model is not identified: the parameters "
            f"{involved} cannot be estimated separately. Fix a loading or a variance per "
            "factor, give each factor enough indicators (3, or 2 if it correlates with another "
            "factor), or remove the offending covariance."
        )
        raise ModelSpecificationError(msg)


def estimate(
    tab: ParTable, theta0: np.ndarray, moments: list[SampleMoments], *, max_iter: int, tol: float
) -> tuple[np.ndarray, float, bool, int]:
    """Fisher scoring with step halving; returns ``(theta, T, converged, iterations)``."""
    n = sum(m.n for m in moments)
    theta = theta0.copy()
    t_val, grad, hess = evaluate(theta, tab, moments)
    if not np.isfinite(t_val):
        # starting values imply a non-PD Sigma: shrink covariances towards zero
        theta = np.where(np.isin(np.arange(tab.npar), _offdiag_params(tab)), 0.0, theta)
        t_val, grad, hess = evaluate(theta, tab, moments)
    converged = False
    it = 0
    while it < max_iter:
        it += 1
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        dec = float(grad @ step)
        if abs(dec) / n < tol:
            converged = True
            break
        factor, accepted = 1.0, False
        while factor > 1e-10:
            cand = theta - factor * step
            c_val = evaluate(cand, tab, moments, want=0)[0]
            if np.isfinite(c_val) and c_val <= t_val + 1e-12 * abs(t_val):
                accepted = True
                break
            factor /= 2.0
        if not accepted:
            break
        theta = cand
        t_val, grad, hess = evaluate(theta, tab, moments)
    return theta, float(t_val), converged, it


def _offdiag_params(tab: ParTable) -> np.ndarray:
    mask = (tab.free >= 0) & np.isin(tab.kind, (LV_COV, RESID)) & (tab.i != tab.j)
    return np.unique(tab.free[mask])


def observed_hessian(
    tab: ParTable, theta: np.ndarray, moments: list[SampleMoments]
) -> np.ndarray | None:
    """Hessian of the discrepancy by central differences of its analytic gradient."""
    q = len(theta)
    out = np.zeros((q, q))
    for k in range(q):
        h = 1e-5 * max(abs(theta[k]), 1.0)
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        g_up = evaluate(up, tab, moments, want=1)[1]
        g_down = evaluate(down, tab, moments, want=1)[1]
        if g_up is None or g_down is None:
            return None
        out[:, k] = (g_up - g_down) / (2.0 * h)
    return (out + out.T) / 2.0

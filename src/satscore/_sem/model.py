"""The CFA parameter table and the model algebra (implied moments and their derivatives).

The model in group *g* is ``Sigma = Lambda Phi Lambda' + Theta`` and, with a mean structure,
``mu = nu + Lambda alpha``. Every model-matrix element is one row of a :class:`ParTable` (as in
lavaan's parameter table); free rows point into the parameter vector ``theta`` through ``free``
(rows that share an index are equal: labels and cross-group equality constraints), fixed rows
carry their value.

Row kinds: 0 loading (i = item, j = factor), 1 factor (co)variance (i, j factors),
2 residual (co)variance (i, j items), 3 intercept (i item), 4 latent mean (i factor).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from satscore._core.errors import ModelSpecificationError
from satscore._sem.moments import SampleMoments
from satscore._sem.syntax import Modifier, ParsedModel

__all__ = ["EQUAL_OPTIONS", "ParTable", "build_partable", "implied", "jacobian"]

LOADING, LV_COV, RESID, INTERCEPT, LV_MEAN = range(5)
EQUAL_OPTIONS = (
    "loadings",
    "intercepts",
    "residuals",
    "residual.covariances",
    "lv.variances",
    "lv.covariances",
    "means",
)


@dataclasses.dataclass
class ParTable:
    """Column-wise parameter table (one entry per row)."""

    lhs: list[str]
    op: list[str]
    rhs: list[str]
    group: np.ndarray
    kind: np.ndarray
    i: np.ndarray
    j: np.ndarray
    free: np.ndarray  # index into theta, -1 = fixed
    value: np.ndarray  # fixed value (fixed rows) or start value (free rows)
    label: list[str]
    observed: tuple[str, ...]
    latent: tuple[str, ...]
    ngroups: int
    meanstructure: bool

    @property
    def npar(self) -> int:
        """Number of free parameters."""
        return int(self.free.max()) + 1 if (self.free >= 0).any() else 0

    def values(self, theta: np.ndarray) -> np.ndarray:
        """Row values for the parameter vector *theta*."""
        out = self.value.copy()
        mask = self.free >= 0
        out[mask] = theta[self.free[mask]]
        return out

    def rows(self, group: int) -> np.ndarray:
        """Indices of the rows of *group*."""
        return np.flatnonzero(self.group == group)

    def incidence(self) -> np.ndarray:
        """(rows x npar) 0/1 matrix mapping free rows to parameters."""
        a = np.zeros((len(self.free), self.npar))
        mask = self.free >= 0
        a[np.flatnonzero(mask), self.free[mask]] = 1.0
        return a

    def name(self, row: int) -> str:
        """'lhs op rhs' (with the group when there are several) for messages."""
        text = f"{self.lhs[row]} {self.op[row]} {self.rhs[row]}".strip()
        return f"{text} (group {self.group[row] + 1})" if self.ngroups > 1 else text


def normalise_parameter(text: str) -> str:
    """'x3 ~ 1' / 'x3~1' -> 'x3~1'; 'visual =~ x2' -> 'visual=~x2' (spaces removed)."""
    return "".join(str(text).split())


def _normalise_equal(equal: tuple[str, ...]) -> set[str]:
    return {e.replace("_", ".") for e in equal}


def build_partable(
    pm: ParsedModel,
    *,
    ngroups: int,
    std_lv: bool,
    equal: tuple[str, ...],
    meanstructure: bool,
    partial: tuple[str, ...] = (),
) -> ParTable:
    """Build lavaan's default CFA parameter table for *pm* (see the module docstring).

    ``equal`` is lavaan's ``group.equal``; ``partial`` (lavaan's ``group.partial``) lists
    parameters such as ``"x3 ~1"`` or ``"visual =~ x2"`` exempted from it.
    """
    obs, lat = pm.observed, pm.latent
    exempt = {normalise_parameter(x) for x in partial}
    oi = {n: k for k, n in enumerate(obs)}
    li = {n: k for k, n in enumerate(lat)}
    eq = _normalise_equal(equal)
    cols: dict[str, list] = {k: [] for k in ("lhs", "op", "rhs", "g", "kind", "i", "j", "fix")}
    cols["label"], cols["key"] = [], []

    def add(lhs, op, rhs, g, kind, i, j, mod: Modifier, default_fixed, eq_name):
        fixed = mod.fixed if mod.fixed is not None else (None if mod.free else default_fixed)
        for k, v in zip(
            ("lhs", "op", "rhs", "g", "kind", "i", "j", "fix"),
            (lhs, op, rhs, g, kind, i, j, fixed),
            strict=True,
        ):
            cols[k].append(v)
        cols["label"].append(mod.label or "")
        if fixed is not None and not mod.label:
            key = None
        elif mod.label:
            key = ("label", mod.label)
        elif eq_name in eq and ngroups > 1 and f"{lhs}{op}{rhs}" not in exempt:
            key = (kind, lhs, op, rhs)
        else:
            key = (kind, lhs, op, rhs, g)
        cols["key"].append(key)

    first = {f: items[0] for f, items in pm.factors.items()}

    def lv_var_default(g: int) -> float | None:
        if not std_lv:
            return None
        if g > 0 and "loadings" in eq and "lv.variances" not in eq:
            return None  # lavaan frees factor variances beyond group 1
        return 1.0

    for g in range(ngroups):
        user_var: set[tuple[str, str]] = set()
        for t in pm.terms:
            mod = t.modifier(g)
            if t.op == "=~":
                marker = 1.0 if (not std_lv and first[t.lhs] == t.rhs) else None
                add(t.lhs, "=~", t.rhs, g, LOADING, oi[t.rhs], li[t.lhs], mod, marker, "loadings")
                continue
            user_var.add((t.lhs, t.rhs))
            user_var.add((t.rhs, t.lhs))
            if t.lhs in li:
                a, b = li[t.lhs], li[t.rhs]
                name = "lv.variances" if a == b else "lv.covariances"
                default = lv_var_default(g) if a == b else None  # as lavaan: std_lv still fixes
                add(t.lhs, "~~", t.rhs, g, LV_COV, a, b, mod, default, name)
            else:
                a, b = oi[t.lhs], oi[t.rhs]
                name = "residuals" if a == b else "residual.covariances"
                add(t.lhs, "~~", t.rhs, g, RESID, a, b, mod, None, name)
        none = Modifier()
        for k, name in enumerate(obs):
            if (name, name) not in user_var:
                add(name, "~~", name, g, RESID, k, k, none, None, "residuals")
        for k, name in enumerate(lat):
            if (name, name) not in user_var:
                add(name, "~~", name, g, LV_COV, k, k, none, lv_var_default(g), "lv.variances")
        for a in range(len(lat)):
            for b in range(a + 1, len(lat)):
                if (lat[a], lat[b]) not in user_var:
                    add(lat[a], "~~", lat[b], g, LV_COV, a, b, none, None, "lv.covariances")
        if meanstructure:
            for k, name in enumerate(obs):
                add(name, "~1", "", g, INTERCEPT, k, -1, none, None, "intercepts")
            for k, name in enumerate(lat):
                free_mean = g > 0 and "intercepts" in eq and "means" not in eq
                add(name, "~1", "", g, LV_MEAN, k, -1, none, None if free_mean else 0.0, "means")
    ids: dict[tuple, int] = {}
    free = np.full(len(cols["key"]), -1, dtype=int)
    for r, key in enumerate(cols["key"]):
        if key is None:
            continue
        if cols["fix"][r] is not None:  # a labelled fixed parameter stays fixed
            continue
        free[r] = ids.setdefault(key, len(ids))
    value = np.array([0.0 if f is None else float(f) for f in cols["fix"]])
    return ParTable(
        lhs=cols["lhs"],
        op=cols["op"],
        rhs=cols["rhs"],
        group=np.array(cols["g"], dtype=int),
        kind=np.array(cols["kind"], dtype=int),
        i=np.array(cols["i"], dtype=int),
        j=np.array(cols["j"], dtype=int),
        free=free,
        value=value,
        label=cols["label"],
        observed=obs,
        latent=lat,
        ngroups=ngroups,
        meanstructure=meanstructure,
    )


def check_structure(pm: ParsedModel, tab: ParTable) -> None:
    """Raise :class:`ModelSpecificationError` for factors that cannot be identified."""
    rows0 = tab.rows(0)
    for k, (factor, items) in enumerate(pm.factors.items()):
        load = [r for r in rows0 if tab.kind[r] == LOADING and tab.j[r] == k]
        n_free_load = sum(tab.free[r] >= 0 for r in load)
        var_row = [r for r in rows0 if tab.kind[r] == LV_COV and tab.i[r] == k == tab.j[r]]
        var_free = bool(var_row) and tab.free[var_row[0]] >= 0
        if n_free_load == len(load) and var_free:
            msg = (
                f"factor {factor!r} has no fixed scale: all its loadings and its variance are "
                f"free. Fix one loading (e.g. '{factor} =~ 1*{items[0]} + ...') or its variance "
                f"('{factor} ~~ 1*{factor}'), or use std_lv=True."
            )
            raise ModelSpecificationError(msg)
        if len(items) == 1:
            i = tab.observed.index(items[0])
            res = [r for r in rows0 if tab.kind[r] == RESID and tab.i[r] == i == tab.j[r]]
            if res and tab.free[res[0]] >= 0:
                msg = (
                    f"factor {factor!r} has 1 indicator ({items[0]!r}); a factor needs at least "
                    "3 indicators (2 if it correlates with another factor). Add indicators, "
                    f"merge the factor with another one, or fix the residual variance "
                    f"('{items[0]} ~~ 0*{items[0]}')."
                )
                raise ModelSpecificationError(msg)
        if len(items) == 2 and n_free_load == 2 - int(var_free):
            cov_free = [
                r
                for r in rows0
                if tab.kind[r] == LV_COV
                and tab.i[r] != tab.j[r]
                and k in (tab.i[r], tab.j[r])
                and tab.free[r] >= 0
            ]
            labels = {tab.label[r] for r in load if tab.label[r]}
            if not cov_free and len(labels) != 1:
                msg = (
                    f"factor {factor!r} has only 2 indicators ({items[0]!r}, {items[1]!r}) and "
                    "is not correlated with any other factor, so it is not identified. Add a "
                    "third indicator, let it correlate with another factor, or constrain both "
                    f"loadings equal ('{factor} =~ a*{items[0]} + a*{items[1]}')."
                )
                raise ModelSpecificationError(msg)


def implied(
    vals: np.ndarray, tab: ParTable, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Model matrices of one group: ``(Lambda, Phi, Theta, nu, alpha)``."""
    p, m = len(tab.observed), len(tab.latent)
    lam, phi, th = np.zeros((p, m)), np.zeros((m, m)), np.zeros((p, p))
    nu, al = np.zeros(p), np.zeros(m)
    k, i, j, v = tab.kind[rows], tab.i[rows], tab.j[rows], vals[rows]
    s = k == LOADING
    lam[i[s], j[s]] = v[s]
    s = k == LV_COV
    phi[i[s], j[s]] = v[s]
    phi[j[s], i[s]] = v[s]
    s = k == RESID
    th[i[s], j[s]] = v[s]
    th[j[s], i[s]] = v[s]
    s = k == INTERCEPT
    nu[i[s]] = v[s]
    s = k == LV_MEAN
    al[i[s]] = v[s]
    return lam, phi, th, nu, al


def jacobian(
    tab: ParTable, rows: np.ndarray, lam: np.ndarray, phi: np.ndarray, al: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of Sigma (r x p x p) and mu (r x p) with respect to each row's value."""
    p = lam.shape[0]
    r = len(rows)
    ds = np.zeros((r, p, p))
    dm = np.zeros((r, p))
    kind, i, j = tab.kind[rows], tab.i[rows], tab.j[rows]
    b = lam @ phi
    n = np.flatnonzero(kind == LOADING)
    if n.size:
        cols = b[:, j[n]].T  # (k x p)
        ds[n, i[n], :] += cols
        ds[n, :, i[n]] += cols
        dm[n, i[n]] = al[j[n]]
    n = np.flatnonzero(kind == LV_COV)
    if n.size:
        outer = np.einsum("pk,qk->kpq", lam[:, i[n]], lam[:, j[n]])
        off = i[n] != j[n]
        ds[n] = outer + np.where(off[:, None, None], outer.transpose(0, 2, 1), 0.0)
    n = np.flatnonzero(kind == RESID)
    if n.size:
        ds[n, i[n], j[n]] = 1.0
        ds[n, j[n], i[n]] = 1.0
    n = np.flatnonzero(kind == INTERCEPT)
    dm[n, i[n]] = 1.0
    n = np.flatnonzero(kind == LV_MEAN)
    if n.size:
        dm[n] = lam[:, i[n]].T
    return ds, dm


def evaluate(
    theta: np.ndarray, tab: ParTable, moments: list[SampleMoments], want: int = 2
) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """ML discrepancy ``T = sum_g N_g F_g`` with gradient and expected Hessian in theta.

    ``F_g = log|Sigma| - log|S| + tr(S Sigma^-1) - p + (m - mu)' Sigma^-1 (m - mu)``; at the
    minimum ``T`` is lavaan's chi-square (``likelihood = "normal"``). The expected Hessian
    ``sum_g N_g [tr(Sigma^-1 dSigma_r Sigma^-1 dSigma_s) + 2 dmu_r' Sigma^-1 dmu_s]`` is twice the
    expected information of the log-likelihood. Returns ``(inf, None, None)`` when an implied
    covariance matrix is not positive definite.
    """
    vals = tab.values(theta)
    q = tab.npar
    total = 0.0
    grad = np.zeros(q) if want >= 1 else None
    hess = np.zeros((q, q)) if want >= 2 else None
    a = tab.incidence() if want >= 1 else None
    p = len(tab.observed)
    for g, mom in enumerate(moments):
        rows = tab.rows(g)
        lam, phi, th, nu, al = implied(vals, tab, rows)
        sigma = lam @ phi @ lam.T + th
        try:
            chol = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return np.inf, None, None
        logdet = 2.0 * np.log(np.diag(chol)).sum()
        inv_chol = np.linalg.inv(chol)
        sinv = inv_chol.T @ inv_chol
        if mom.patterns is not None:
            out = _fiml_group(mom, sigma, nu + lam @ al, want)
            if out is None:
                return np.inf, None, None
            f_val, g_sigma, g_mu, pats = out
            total += f_val
            if want == 0:
                continue
            ds, dm = jacobian(tab, rows, lam, phi, al)
            r = len(rows)
            g_rows = ds.reshape(r, p * p) @ g_sigma.ravel() + dm @ g_mu
            ag = a[rows]
            grad += ag.T @ g_rows
            if want >= 2:
                n_p, a_p = pats
                # sum_p n_p (A_p kron A_p) as one matrix product
                a_flat = a_p.reshape(len(n_p), p * p)
                gram = (a_flat.T * n_p) @ a_flat
                kron = gram.reshape(p, p, p, p).transpose(0, 2, 1, 3).reshape(p * p, p * p)
                dsf = ds.reshape(r, p * p)
                h_rows = dsf @ kron @ dsf.T + 2.0 * dm @ np.einsum("p,pij->ij", n_p, a_p) @ dm.T
                hess += ag.T @ h_rows @ ag
            continue
        d = mom.mean - (nu + lam @ al) if tab.meanstructure else np.zeros(p)
        sd = sinv @ d
        f = logdet + np.sum(mom.cov * sinv) - mom.logdet - p + d @ sd
        total += mom.n * f
        if want == 0:
            continue
        ds, dm = jacobian(tab, rows, lam, phi, al)
        w = sinv @ (sigma - mom.cov - np.outer(d, d)) @ sinv
        g_rows = ds.reshape(len(rows), p * p) @ w.ravel() - 2.0 * dm @ sd
        ag = a[rows]
        grad += mom.n * (ag.T @ g_rows)
        if want >= 2:
            r = len(rows)
            msm = (sinv @ ds @ sinv).reshape(r, p * p)
            h_rows = msm @ ds.reshape(r, p * p).T + 2.0 * dm @ sinv @ dm.T
            hess += mom.n * (ag.T @ h_rows @ ag)
    return total, grad, hess


def _fiml_group(mom: SampleMoments, sigma: np.ndarray, mu: np.ndarray, want: int):
    """Full-information ML over the missing-data patterns of one group (vectorised).

    Returns ``(T_g, dT/dSigma, dT/dmu, (n_p, A_p))`` with ``T_g = -2 loglik + 2 loglik_h1`` (the
    group's chi-square contribution) and ``A_p`` the embedded ``Sigma_oo^-1``; None when a
    pattern's implied covariance block is not positive definite.
    """
    pats = mom.patterns
    inv = pats.inverses(sigma)
    if inv is None:
        return None
    a, logdet = inv
    n = pats.n
    d = (pats.mean - mu[None, :]) * pats.obs
    ad = np.einsum("pij,pj->pi", a, d)
    k = pats.obs.sum(axis=1)
    total = float(
        np.sum(
            n
            * (
                k * np.log(2.0 * np.pi)
                + logdet
                + np.einsum("pij,pij->p", pats.cov, a)
                + np.einsum("pi,pi->p", d, ad)
            )
        )
    )
    total += 2.0 * mom.loglik_h1
    if want == 0:
        return total, None, None, None
    asa = a @ pats.cov @ a
    w = a - asa - ad[:, :, None] * ad[:, None, :]
    g_sigma = np.einsum("p,pij->ij", n, w)
    g_mu = -2.0 * np.einsum("p,pi->i", n, ad)
    return total, g_sigma, g_mu, (n, a)

"""Fit measures, standardized solutions, residuals and modification indices of a CFA fit.

Definitions follow lavaan 0.6-14 (``fitMeasures``, ``standardizedSolution``, ``residuals``,
``modindices``); each function names the lavaan quantity it reproduces.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from satscore._sem.model import (
    INTERCEPT,
    LOADING,
    LV_COV,
    LV_MEAN,
    RESID,
    ParTable,
    evaluate,
    implied,
)
from satscore._sem.moments import SampleMoments

__all__ = [
    "FitState",
    "estimates_table",
    "fit_measures",
    "modification_indices",
    "residual_correlations",
    "rmsea_ci",
]


@dataclasses.dataclass(frozen=True)
class FitState:
    """Everything a fitted CFA needs for post-estimation."""

    tab: ParTable
    theta: np.ndarray
    moments: list[SampleMoments]
    groups: tuple
    vcov: np.ndarray
    chi2: float

    @property
    def n(self) -> int:
        return int(sum(m.n for m in self.moments))

    def group_matrices(self, g: int):
        lam, phi, th, nu, al = implied(self.tab.values(self.theta), self.tab, self.tab.rows(g))
        sigma = lam @ phi @ lam.T + th
        mu = nu + lam @ al
        return lam, phi, th, sigma, mu


def rmsea_ci(chi2: float, df: int, n: int, groups: int = 1, level: float = 0.90):
    """lavaan's RMSEA interval: non-centrality limits of the chi-square, scaled by N df."""
    if df < 1 or not np.isfinite(chi2):
        return 0.0, 0.0
    hi_p, lo_p = 1.0 - (1.0 - level) / 2.0, (1.0 - level) / 2.0

    def cdf(lam: float) -> float:
        return float(special.chndtr(chi2, df, lam)) if lam > 0 else float(special.chdtr(df, chi2))

    if cdf(0.0) - hi_p < 0:
        lower = 0.0
    else:
        lam_l = optimize.brentq(lambda x: cdf(x) - hi_p, 0.0, max(chi2, 1e-8), xtol=1e-12)
        lower = np.sqrt(lam_l / (n * df)) * np.sqrt(groups)
    n_rmsea = max(n, chi2 * 4)
    if cdf(n_rmsea) - lo_p > 0 or cdf(0.0) - lo_p < 0:
        upper = 0.0
    else:
        lam_u = optimize.brentq(lambda x: cdf(x) - lo_p, 0.0, n_rmsea, xtol=1e-12)
        upper = np.sqrt(lam_u / (n * df)) * np.sqrt(groups)
    return float(lower), float(upper)


def fit_measures(state: FitState) -> dict[str, float]:
    """chi2, df, baseline, CFI, TLI, RMSEA (+ 90% CI), SRMR, log-likelihoods, AIC, BIC."""
    tab, moms = state.tab, state.moments
    p, ngroups, n = len(tab.observed), len(moms), state.n
    npar = tab.npar
    per_group = p * (p + 1) // 2 + (p if tab.meanstructure else 0)
    df = ngroups * per_group - npar
    chi2 = state.chi2
    base = sum(
        m.baseline_chi2
        if m.baseline_chi2 is not None
        else m.n * (np.log(np.diag(m.cov)).sum() - m.logdet)
        for m in moms
    )
    base_df = ngroups * p * (p - 1) // 2
    t1, t2 = max(chi2 - df, 0.0), max(chi2 - df, base - base_df, 0.0)
    cfi = 1.0 if np.isclose(t1, 0.0) and np.isclose(t2, 0.0) else 1.0 - t1 / t2
    tt1, tt2 = (chi2 - df) * base_df, (base - base_df) * df
    tli = 1.0 - tt1 / tt2 if df > 0 and abs(tt2) > 0 else 1.0
    rmsea = float(np.sqrt(max(chi2 / n / df - 1.0 / n, 0.0)) * np.sqrt(ngroups)) if df > 0 else 0.0
    lo, hi = rmsea_ci(chi2, df, n, ngroups)
    srmr, srmr_nomean = _srmr(state)
    const = p * np.log(2.0 * np.pi)
    unrestricted = sum(
        m.loglik_h1 if m.loglik_h1 is not None else -0.5 * m.n * (const + m.logdet + p)
        for m in moms
    )
    loglik = unrestricted - 0.5 * chi2
    return {
        "chi2": float(chi2),
        "df": int(df),
        "pvalue": float(stats.chi2.sf(chi2, df)) if df > 0 else float("nan"),
        "baseline_chi2": float(base),
        "baseline_df": int(base_df),
        "cfi": float(cfi),
        "tli": float(tli),
        "rmsea": rmsea,
        "rmsea_ci_low": lo,
        "rmsea_ci_high": hi,
        "srmr": srmr,
        "srmr_nomean": srmr_nomean,
        "loglik": float(loglik),
        "unrestricted_loglik": float(unrestricted),
        "aic": float(-2.0 * loglik + 2.0 * npar),
        "bic": float(-2.0 * loglik + npar * np.log(n)),
        "npar": int(npar),
        "n": int(n),
    }


def _srmr(state: FitState) -> tuple[float, float]:
    """lavaan's SRMR (Bentler): residuals scaled by the observed SDs, means included when the
    model has a mean structure; groups weighted by N_g / N."""
    p = len(state.tab.observed)
    low = np.tril_indices(p)
    total, nomean = 0.0, 0.0
    for g, mom in enumerate(state.moments):
        _, _, _, sigma, mu = state.group_matrices(g)
        sd = np.sqrt(np.diag(mom.cov))
        res = ((mom.cov - sigma) / np.outer(sd, sd))[low]
        ss_cov = float(np.sum(res**2))
        w = mom.n / state.n
        nomean += w * np.sqrt(ss_cov / len(res))
        if state.tab.meanstructure:
            mres = (mom.mean - mu) / sd
            total += w * np.sqrt((ss_cov + float(np.sum(mres**2))) / (len(res) + p))
        else:
            total += w * np.sqrt(ss_cov / len(res))
    return float(total), float(nomean)


def _std_scales(state: FitState, g: int):
    _, phi, th, sigma, _ = state.group_matrices(g)
    sd_lv = np.sqrt(np.where(np.diag(phi) > 0, np.diag(phi), np.nan))
    var_ov = np.diag(sigma)
    sd_ov = np.sqrt(np.where(var_ov > 0, var_ov, np.nan))
    sd_res = np.sqrt(np.abs(np.diag(th)))
    return sd_lv, sd_ov, var_ov, sd_res


def standardize(state: FitState, tab: ParTable, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """lavaan's std.lv and std.all (with ``cov.std = TRUE``) for the rows of *tab*."""
    std_lv = vals.astype(float).copy()
    std_all = vals.astype(float).copy()
    for g in range(len(state.moments)):
        sd_lv, sd_ov, var_ov, sd_res = _std_scales(state, g)
        rows = tab.rows(g)
        for r in rows:
            kind, i, j, v = tab.kind[r], tab.i[r], tab.j[r], vals[r]
            if kind == LOADING:
                std_lv[r] = v * sd_lv[j]
                std_all[r] = v * sd_lv[j] / sd_ov[i]
            elif kind == LV_COV:
                std_lv[r] = std_all[r] = v / (sd_lv[i] * sd_lv[j])
            elif kind == RESID:
                if i == j:
                    std_all[r] = v / var_ov[i]
                else:
                    std_all[r] = v / (sd_res[i] * sd_res[j])
            elif kind == INTERCEPT:
                std_all[r] = v / sd_ov[i]
            elif kind == LV_MEAN:
                std_lv[r] = std_all[r] = v / sd_lv[i]
    return std_lv, std_all


def estimates_table(state: FitState) -> pd.DataFrame:
    """Parameter table like lavaan's ``parameterEstimates(fit, standardized = TRUE)``."""
    tab = state.tab
    vals = tab.values(state.theta)
    se_theta = np.sqrt(np.clip(np.diag(state.vcov), 0.0, None))
    se = np.where(tab.free >= 0, se_theta[np.maximum(tab.free, 0)], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(tab.free >= 0, vals / se, np.nan)
    pvalue = 2.0 * stats.norm.sf(np.abs(z))
    std_lv, std_all = standardize(state, tab, vals)
    frame = pd.DataFrame(
        {
            "lhs": tab.lhs,
            "op": tab.op,
            "rhs": tab.rhs,
            "group": [state.groups[g] for g in tab.group],
            "label": tab.label,
            "free": tab.free >= 0,
            "est": vals,
            "se": se,
            "z": z,
            "pvalue": pvalue,
            "std_lv": std_lv,
            "std_all": std_all,
        }
    )
    if len(state.groups) == 1:
        frame = frame.drop(columns="group")
    return frame


def residual_correlations(state: FitState) -> list[pd.DataFrame]:
    """Observed minus model-implied correlations per group (lavaan ``residuals(type="cor")``)."""
    obs = list(state.tab.observed)
    out = []
    for g, mom in enumerate(state.moments):
        sigma = state.group_matrices(g)[3]
        sd_s, sd_m = np.sqrt(np.diag(mom.cov)), np.sqrt(np.diag(sigma))
        res = mom.cov / np.outer(sd_s, sd_s) - sigma / np.outer(sd_m, sd_m)
        out.append(pd.DataFrame(res, index=pd.Index(obs, name="item"), columns=obs))
    return out


def _extended_table(tab: ParTable) -> tuple[ParTable, np.ndarray]:
    """lavaan's ``lav_object_extended(all.free = TRUE)``: fixed rows and every absent loading
    or covariance (``lav_partable_full``) become extra free parameters."""
    q = tab.npar
    present = {(tab.lhs[r], tab.op[r], tab.rhs[r], tab.group[r]) for r in range(len(tab.lhs))}
    present |= {(tab.rhs[r], tab.op[r], tab.lhs[r], tab.group[r]) for r in range(len(tab.lhs))}
    cols = {k: list(getattr(tab, k)) for k in ("lhs", "op", "rhs", "label")}
    arr = {k: list(getattr(tab, k)) for k in ("group", "kind", "i", "j", "value")}
    free = list(tab.free)
    extra: list[int] = []
    nxt = q
    for r in range(len(free)):
        if free[r] < 0:
            free[r] = nxt
            extra.append(r)
            nxt += 1
    obs, lat = tab.observed, tab.latent

    def add(lhs, op, rhs, g, kind, i, j):
        nonlocal nxt
        if (lhs, op, rhs, g) in present:
            return
        for k, v in zip(("lhs", "op", "rhs", "label"), (lhs, op, rhs, ""), strict=True):
            cols[k].append(v)
        for k, v in zip(("group", "kind", "i", "j", "value"), (g, kind, i, j, 0.0), strict=True):
            arr[k].append(v)
        free.append(nxt)
        extra.append(len(free) - 1)
        nxt += 1

    for g in range(tab.ngroups):
        for k, f in enumerate(lat):
            for i, x in enumerate(obs):
                add(f, "=~", x, g, LOADING, i, k)
        for j in range(len(obs)):
            for i in range(j + 1, len(obs)):
                add(obs[j], "~~", obs[i], g, RESID, i, j)
        for j in range(len(lat)):
            for i in range(j + 1, len(lat)):
                add(lat[j], "~~", lat[i], g, LV_COV, i, j)
    ext = ParTable(
        lhs=cols["lhs"],
        op=cols["op"],
        rhs=cols["rhs"],
        group=np.array(arr["group"], dtype=int),
        kind=np.array(arr["kind"], dtype=int),
        i=np.array(arr["i"], dtype=int),
        j=np.array(arr["j"], dtype=int),
        free=np.array(free, dtype=int),
        value=np.array(arr["value"], dtype=float),
        label=cols["label"],
        observed=obs,
        latent=lat,
        ngroups=tab.ngroups,
        meanstructure=tab.meanstructure,
    )
    return ext, np.array(extra, dtype=int)


def modification_indices(state: FitState) -> pd.DataFrame:
    """Score tests for every fixed or absent parameter, as lavaan's ``modindices()``.

    ``mi = N s^2 / V`` with ``s`` the per-observation score of the log-likelihood and
    ``V = I_ee - I_em I_mm^-1 I_me`` from the expected information of the extended model;
    ``epc = s / V``; rows with ``V < eps^(1/3)`` (a release that is not identified, e.g. a
    marker loading) are dropped, as lavaan does.
    """
    tab = state.tab
    ext, extra_rows = _extended_table(tab)
    q = tab.npar
    theta_ext = np.concatenate([state.theta, ext.value[extra_rows]])
    ext.value[:] = ext.values(theta_ext)
    _, grad, hess = evaluate(theta_ext, ext, state.moments, want=2)
    n = state.n
    info = hess / (2.0 * n)
    score = -grad / (2.0 * n)
    e = np.arange(q, ext.npar)
    m = np.arange(q)
    i_mm = info[np.ix_(m, m)]
    d = np.sqrt(np.abs(np.diag(i_mm)))
    d = np.where(d > 0, d, 1.0)
    i_mm_inv = np.linalg.pinv(i_mm / np.outer(d, d)) / np.outer(d, d)  # scale-safe inverse
    v = np.diag(info[np.ix_(e, e)] - info[np.ix_(e, m)] @ i_mm_inv @ info[np.ix_(m, e)])
    # lavaan's rule (absolute, so it depends on the items' units: with item variances in the
    # hundreds some identified releases fall under it too; kept for fidelity to lavaan)
    v = np.where(v < np.finfo(float).eps ** (1.0 / 3.0), np.nan, v)
    s = score[e]
    mi = n * s**2 / v
    epc = s / v
    epc = np.where(np.abs(n * s) < 1e-15, mi, epc)
    vals = ext.value.copy()
    epc_rows = np.zeros(len(vals))
    epc_rows[extra_rows] = np.abs(epc)
    # variances keep their estimate when standardizing residual covariances (cov.std = TRUE)
    sign = np.sign(epc)
    std_in = np.where(np.isin(np.arange(len(vals)), extra_rows), epc_rows, vals)
    std_lv, std_all = standardize(state, ext, std_in)
    frame = pd.DataFrame(
        {
            "lhs": [ext.lhs[r] for r in extra_rows],
            "op": [ext.op[r] for r in extra_rows],
            "rhs": [ext.rhs[r] for r in extra_rows],
            "group": [state.groups[ext.group[r]] for r in extra_rows],
            "mi": mi,
            "epc": epc,
            "sepc_lv": sign * std_lv[extra_rows],
            "sepc_all": sign * std_all[extra_rows],
        }
    )
    if len(state.groups) == 1:
        frame = frame.drop(columns="group")
    return frame[frame["mi"].notna()].reset_index(drop=True)

"""Convergent and discriminant validity from a CFA: CR, AVE, Fornell-Larcker, HTMT.

Definitions (per factor *k* with indicators *I_k*; standardized loadings ``l_i`` and
standardized residual variances ``e_i = theta_ii / sigma_ii`` from the ML fit):

* ``cr`` - composite reliability from standardized loadings (Fornell & Larcker 1981):
  ``(sum l_i)^2 / ((sum l_i)^2 + sum e_i)``, the reliability of the sum of the *standardized*
  items. (semTools' ``compRelSEM`` is the reliability of the raw unit-weighted sum, below; the
  two agree only when the items have equal variances.)
* ``omega`` - semTools' default ``compRelSEM(fit)`` (``obs.var = TRUE``):
  ``(sum lambda_i)^2 phi_kk / 1' S_k 1`` with the *observed* covariance ``S_k`` of the items, so
  residual covariances and misfit enter the denominator.
* ``ave`` - average variance extracted, the mean of ``l_i^2`` (Fornell & Larcker 1981).
* ``ave_semtools`` - semTools ``AVE(fit)``: ``sum lambda_i^2 phi_kk / sum S_ii`` (a ratio of sums
  rather than a mean of ratios); NaN, as in semTools, for a factor with a cross-loading item.
* Fornell-Larcker matrix: ``sqrt(ave)`` on the diagonal, factor correlations off it; the
  criterion holds for *k* when ``sqrt(ave_k)`` exceeds every ``|r_kl|``.
* ``htmt`` - heterotrait-monotrait ratio (Henseler, Ringle & Sarstedt 2015): the mean absolute
  correlation between the items of two factors divided by the geometric mean of the two mean
  absolute within-factor correlations; semTools ``htmt(..., htmt2 = FALSE)``. ``htmt2`` uses
  geometric instead of arithmetic means (Roemer et al. 2021; semTools' default).

Correlations are those of the listwise-complete sample the CFA used.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import OptionError
from satscore._core.results import ResultMixin
from satscore._sem.cfa import cfa
from satscore._sem.keys import is_instrument, opposite_sign_items
from satscore._sem.model import LOADING
from satscore._sem.result import CFAResult

__all__ = ["ValidityReport", "validity_report"]


@dataclasses.dataclass(frozen=True)
class ValidityReport(ResultMixin):
    """Convergent and discriminant validity of a CFA measurement model.

    Attributes
    ----------
    factors : pandas.DataFrame
        One row per factor: ``factor``, ``n_items``, ``cr``, ``omega``, ``ave``,
        ``ave_semtools``, ``sqrt_ave``, ``max_abs_corr`` (largest absolute correlation with
        another factor), ``max_htmt``, and the flags ``cr_ok`` (``cr >= cr_min``), ``ave_ok``
        (``ave >= ave_min``), ``fornell_larcker_ok`` (``sqrt_ave > max_abs_corr``) and
        ``htmt_ok`` (``max_htmt < htmt_max``; HTMT is NaN, and not flagged, for a factor with
        one indicator, which has no monotrait correlation).
    fornell_larcker : pandas.DataFrame
        Factors x factors: ``sqrt(AVE)`` on the diagonal, factor correlations off it.
    factor_correlations : pandas.DataFrame
        Model-implied factor correlations.
    htmt : pandas.DataFrame
        Heterotrait-monotrait ratios (Henseler et al. 2015), 1 on the diagonal.
    htmt2 : pandas.DataFrame
        HTMT2 ratios with geometric means (semTools' default ``htmt2 = TRUE``).
    thresholds : dict
        ``cr_min``, ``ave_min``, ``htmt_max`` used for the flags.
    problems : list of str
        One sentence per failed criterion, naming the factor(s).
    ok : bool
        True when every criterion holds for every factor.
    fit : CFAResult
        The CFA the report is computed from.

    Examples
    --------
    >>> import numpy as np, pandas as pd, satscore
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(400, 1))
    >>> x = f * [0.8, 0.7, 0.6, 0.5] + rng.normal(0, 0.6, (400, 4))
    >>> df = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    >>> rep = satscore.validity_report(satscore.cfa(df, {"f": ["a", "b", "c", "d"]}))
    >>> # R: semTools::compRelSEM(fit); semTools::AVE(fit)
    >>> print(rep.factors[["factor", "cr", "omega", "ave"]].round(3).to_string(index=False))
    factor    cr  omega   ave
         f 0.795  0.804 0.495
    >>> rep.problems
    ['f: AVE 0.495 < 0.50']
    """

    factors: pd.DataFrame
    fornell_larcker: pd.DataFrame
    factor_correlations: pd.DataFrame
    htmt: pd.DataFrame
    htmt2: pd.DataFrame
    thresholds: dict
    problems: list
    ok: bool
    fit: Any = dataclasses.field(repr=False)
    _title = "Convergent and discriminant validity"

    def __repr__(self) -> str:
        cols = ["factor", "cr", "ave", "max_htmt"]
        rows = "; ".join(
            f"{r.factor}: CR {r.cr:.3f}, AVE {r.ave:.3f}, max HTMT {r.max_htmt:.3f}"
            for r in self.factors[cols].itertuples()
        )
        return f"ValidityReport(ok={self.ok}, {len(self.problems)} problem(s); {rows})"

    def summary(self) -> pd.DataFrame:
        """The per-factor table."""
        return self.factors.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (the CFA fit is summarised by its fit measures)."""
        out = super().to_dict()
        out["fit"] = self.fit.to_dict()["fit_measures"]
        return out


def _htmt(
    r: np.ndarray, items: dict[str, list[int]], geometric: bool
) -> tuple[np.ndarray, list[str]]:
    a = np.abs(r.copy())
    np.fill_diagonal(a, np.nan)
    names = list(items)

    def avg(block: np.ndarray) -> float:
        vals = block[~np.isnan(block)]
        if vals.size == 0:
            return float("nan")
        return float(np.exp(np.mean(np.log(vals)))) if geometric else float(np.mean(vals))

    mono = [avg(a[np.ix_(items[f], items[f])]) for f in names]
    out = np.ones((len(names), len(names)))
    for i, fi in enumerate(names):
        for j, fj in enumerate(names):
            if i != j:
                hetero = avg(a[np.ix_(items[fi], items[fj])])
                out[i, j] = hetero / np.sqrt(mono[i] * mono[j])
    return out, names


def validity_report(
    data: Any,
    model: Any = None,
    *,
    cr_min: float = 0.70,
    ave_min: float = 0.50,
    htmt_max: float = 0.85,
    **cfa_options: Any,
) -> ValidityReport:
    """Convergent and discriminant validity of a measurement model.

    Fits the CFA (or takes a fitted :class:`CFAResult` as ``data``) and reports per factor the
    composite reliability (CR, from standardized loadings; Fornell & Larcker 1981), semTools'
    ``compRelSEM`` omega, the average variance extracted (AVE, mean squared standardized
    loading) and semTools' ``AVE``; the Fornell-Larcker matrix; and the heterotrait-monotrait
    ratios HTMT (Henseler, Ringle & Sarstedt 2015; absolute correlations, arithmetic means, as
    ``semTools::htmt(htmt2 = FALSE)``) and HTMT2. Flags: CR >= ``cr_min``, AVE >= ``ave_min``,
    sqrt(AVE) above the factor's correlations (Fornell-Larcker), HTMT < ``htmt_max``.

    Parameters
    ----------
    data : pandas.DataFrame or CFAResult
        Item responses, or a single-group CFA already fitted with :func:`cfa`.
    model : dict, str or Instrument, optional
        The measurement model (as for :func:`cfa`); not needed when ``data`` is a fit.
    cr_min, ave_min, htmt_max : float
        Thresholds (.70, .50, .85 by default).
    **cfa_options
        Passed on to :func:`cfa` (e.g. ``std_lv``, ``missing``, ``keys``). With an
        instrument as the model its reverse-keyed items are reversed first (see :func:`cfa`);
        HTMT then uses the correlations of the reversed items.

    Returns
    -------
    ValidityReport

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import satscore
    >>> rng = np.random.default_rng(7)
    >>> f = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=600)
    >>> x = np.hstack([f[:, [0]] * [0.8, 0.7, 0.6], f[:, [1]] * [0.8, 0.7, 0.6]])
    >>> df = pd.DataFrame(x + rng.normal(0, 0.6, (600, 6)), columns=[f"q{i}" for i in range(1, 7)])
    >>> rep = satscore.validity_report(
    ...     df, {"service": ["q1", "q2", "q3"], "staff": ["q4", "q5", "q6"]}
    ... )
    >>> # R: semTools::compRelSEM(fit); semTools::AVE(fit); semTools::htmt(model, df, htmt2 = FALSE)
    >>> print(rep.factors[["factor", "cr", "ave", "max_htmt"]].round(3).to_string(index=False))
     factor    cr   ave  max_htmt
    service 0.793 0.563      0.45
      staff 0.776 0.536      0.45
    >>> rep.ok
    True
    """
    if isinstance(data, CFAResult):
        fit = data
    else:
        if model is None:
            msg = "validity_report needs a model (dict, lavaan syntax or Instrument)."
            raise OptionError(msg)
        fit = cfa(data, model, **cfa_options)
    state = fit._state
    if len(state.groups) > 1:
        msg = (
            "validity_report works on a single-group CFA; found groups "
            f"{list(state.groups)}. Run it per group on the group's rows."
        )
        raise OptionError(msg)
    tab, mom = state.tab, state.moments[0]
    vals = tab.values(state.theta)
    lam, phi, th, sigma, _ = state.group_matrices(0)
    lat = tab.latent
    m = len(lat)
    sd_lv = np.sqrt(np.abs(np.diag(phi)))
    sd_ov = np.sqrt(np.diag(sigma))
    std_load = lam * sd_lv[None, :] / sd_ov[:, None]
    std_err = np.diag(th) / np.diag(sigma)
    corr_lv = phi / np.outer(sd_lv, sd_lv)
    loads_on = {
        f: [int(tab.i[r]) for r in range(len(vals)) if tab.kind[r] == LOADING and tab.j[r] == k]
        for k, f in enumerate(lat)
    }
    loads_on = {f: sorted(set(v)) for f, v in loads_on.items()}
    n_factors_of = (lam != 0).sum(axis=1)
    cov = mom.cov
    rows = []
    for k, f in enumerate(lat):
        idx = loads_on[f]
        lk = std_load[idx, k]
        sum_l = lk.sum()
        cr = sum_l**2 / (sum_l**2 + std_err[idx].sum())
        ave = float(np.mean(lk**2))
        raw = lam[idx, k]
        omega = raw.sum() ** 2 * phi[k, k] / cov[np.ix_(idx, idx)].sum()
        cross = bool((n_factors_of[idx] > 1).any())
        ave_st = np.nan if cross else (raw**2).sum() * phi[k, k] / np.diag(cov)[idx].sum()
        rows.append((f, len(idx), cr, omega, ave, ave_st))
    table = pd.DataFrame(rows, columns=["factor", "n_items", "cr", "omega", "ave", "ave_semtools"])
    table["sqrt_ave"] = np.sqrt(table["ave"])
    offdiag = np.abs(corr_lv) - np.eye(m) * np.abs(corr_lv)
    table["max_abs_corr"] = offdiag.max(axis=1) if m > 1 else np.nan
    sd_s = np.sqrt(np.diag(cov))
    r_obs = cov / np.outer(sd_s, sd_s)
    items = {f: loads_on[f] for f in lat}
    h1, _ = _htmt(r_obs, items, geometric=False)
    h2, _ = _htmt(r_obs, items, geometric=True)
    hoff = np.where(np.eye(m, dtype=bool), np.nan, h1)
    finite = ~np.isnan(hoff)
    row_max = np.where(finite, hoff, -np.inf).max(axis=1) if m > 1 else np.full(m, -np.inf)
    table["max_htmt"] = np.where(finite.any(axis=1), row_max, np.nan)
    table["cr_ok"] = table["cr"] >= cr_min
    table["ave_ok"] = table["ave"] >= ave_min
    table["fornell_larcker_ok"] = (table["sqrt_ave"] > table["max_abs_corr"]) | (m == 1)
    single = table["n_items"] < 2
    table["htmt_ok"] = (table["max_htmt"] < htmt_max) | (m == 1) | single
    problems = []
    for _, row in table.iterrows():
        f = row["factor"]
        if not row["cr_ok"]:
            problems.append(f"{f}: composite reliability {row['cr']:.3f} < {cr_min:.2f}")
        if not row["ave_ok"]:
            problems.append(f"{f}: AVE {row['ave']:.3f} < {ave_min:.2f}")
        if not row["fornell_larcker_ok"]:
            problems.append(
                f"{f}: sqrt(AVE) {row['sqrt_ave']:.3f} <= its largest factor correlation "
                f"{row['max_abs_corr']:.3f} (Fornell-Larcker)"
            )
    fix = "reverse=True in the instrument" if is_instrument(model) else "keys=[...]"
    for item, f, value in opposite_sign_items(fit.std_loadings):
        problems.append(
            f"{f}: item {item!r} loads {value:.3f}, against the factor's other items; if it is "
            f"reverse-worded, reverse it ({fix}: min + max - code) before judging its CR and "
            "omega (AVE and HTMT do not depend on the sign)"
        )
    for k in np.flatnonzero(single.to_numpy()):
        problems.append(f"{lat[k]}: one indicator, so HTMT is undefined (NaN) for this factor")
    for i in range(m):
        for j in range(i + 1, m):
            if np.isnan(h1[i, j]):
                continue
            if not h1[i, j] < htmt_max:
                problems.append(
                    f"{lat[i]} / {lat[j]}: HTMT {h1[i, j]:.3f} >= {htmt_max:.2f} "
                    "(the factors may not be distinct)"
                )
    fl = corr_lv.copy()
    np.fill_diagonal(fl, table["sqrt_ave"].to_numpy())
    lat_l = pd.Index(list(lat), name="factor")
    return ValidityReport(
        factors=table,
        fornell_larcker=pd.DataFrame(fl, index=lat_l, columns=list(lat)),
        factor_correlations=pd.DataFrame(corr_lv, index=lat_l, columns=list(lat)),
        htmt=pd.DataFrame(h1, index=lat_l, columns=list(lat)),
        htmt2=pd.DataFrame(h2, index=lat_l, columns=list(lat)),
        thresholds={"cr_min": cr_min, "ave_min": ave_min, "htmt_max": htmt_max},
        problems=problems,
        ok=not problems,
        fit=fit,
    )

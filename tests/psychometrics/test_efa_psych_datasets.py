"""satscore.efa against psych 2.2.9 ``fa`` on data the other EFA tests do not use.

Reference: tests/data/make_psych_datasets.R -> psych_datasets_R.json (psych 2.2.9, GPArotation
2022.10-2, R 4.2.2; the exact ``fa`` calls are in the script). Data: psych's ``sat.act`` (NA in
SATQ), ``Thurstone``, ``Bechtoldt.1``, ``Reise`` and base R's ``Harman74.cor`` (correlation
matrices with ``n.obs``), and R-simulated ordinal / binary items (tests/data/*.csv). Every
rotation satscore offers x minres / ml / pa, 1 to 6 factors, Pearson and polychoric,
Heywood-prone and zero-df models.

Tolerance: 1e-3 (iterative fits) on loadings, Phi, communalities, eigenvalues and variance
accounted; fit statistics to a relative 1e-3 (chi-square values are in the hundreds).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satscore import efa
from satscore.errors import HeywoodWarning, NonPositiveDefiniteWarning

DATA = Path(__file__).parents[1] / "data"
REF = json.loads((DATA / "psych_datasets_R.json").read_text())
SAT = pd.read_csv(DATA / "sat_act.csv")
FRAMES = {
    "sat5": SAT[["education", "age", "ACT", "SATV", "SATQ"]],
    "sat3": SAT[["ACT", "SATV", "SATQ"]],
    "ord_mixed": pd.read_csv(DATA / "ord_mixed.csv"),
    "ord_global": pd.read_csv(DATA / "ord_global.csv"),
    "bin_sim": pd.read_csv(DATA / "bin_sim.csv"),
    "thurstone": pd.read_csv(DATA / "thurstone.csv"),
    "harman74": pd.read_csv(DATA / "harman74.csv"),
    "bechtoldt1": pd.read_csv(DATA / "bechtoldt1.csv"),
    "reise": pd.read_csv(DATA / "reise.csv"),
}
ROTATION = {"none": None, "geominQ": "geomin"}
TOL = 1e-3


def arr(x) -> np.ndarray:
    """JSON (nested lists, null = NA) -> float array with NaN."""
    a = np.array(x, dtype=object)
    return np.where(a == None, np.nan, a).astype(float)  # noqa: E711


def stat_close(ours, ref, name: str) -> None:
    if ref is None:
        assert ours is None or not np.isfinite(ours), f"{name}: psych NA, satscore {ours}"
        return
    assert ours is not None, f"{name}: psych {ref}, satscore None"
    assert ours == pytest.approx(ref, rel=TOL, abs=TOL), name


def run_fa(ref: dict, data=None):
    kw = {"n_obs": ref["n_obs_arg"]} if ref.get("n_obs_arg") else {}
    cor = "polychoric" if ref["cor"] == "poly" else "pearson"
    with warnings.catch_warnings():
        # Heywood / non-positive-definite / sparse-table notes are the subject of other tests
        warnings.simplefilter("ignore")
        return efa(
            FRAMES[ref["data"]] if data is None else data,
            ref["nfactors"],
            method=ref["fm"],
            rotation=ROTATION.get(ref["rotate"], ref["rotate"]),
            cor=cor,
            **kw,
        )


def check_against(res, ref: dict) -> None:
    k = res.n_factors
    np.testing.assert_allclose(
        res.loadings.to_numpy(), arr(ref["loadings"]).reshape(-1, k), atol=TOL
    )
    assert list(res.loadings.columns) == list(np.atleast_1d(ref["colnames"]))
    phi = np.eye(k) if ref["Phi"] is None else arr(ref["Phi"])
    np.testing.assert_allclose(res.phi.to_numpy(), phi, atol=TOL)
    np.testing.assert_allclose(res.communalities, arr(ref["communality"]), atol=TOL)
    np.testing.assert_allclose(res.uniquenesses, arr(ref["uniquenesses"]), atol=TOL)
    np.testing.assert_allclose(res.complexity, arr(ref["complexity"]), atol=TOL)
    np.testing.assert_allclose(res.eigenvalues, arr(ref["e_values"]), atol=TOL)
    np.testing.assert_allclose(res.common_eigenvalues, arr(ref["values"]), atol=TOL)
    vacc = arr(ref["Vaccounted"]).reshape(-1, k)
    np.testing.assert_allclose(res.variance.to_numpy().T[: vacc.shape[0]], vacc, atol=TOL)
    assert res.dof == ref["dof"]
    assert res.null_dof == ref["null_dof"]
    for ours, name in [
        (res.chi_square, "STATISTIC"),
        (res.p_value, "PVAL"),
        (res.objective, "objective"),
        (res.tli, "TLI"),
        (res.bic, "BIC"),
        (res.sabic, "SABIC"),
        (res.null_chi_square, "null_chisq"),
        (res.rms, "rms"),
        (res.crms, "crms"),
        (res.fit, "fit"),
        (res.fit_off, "fit_off"),
        (res.chi_empirical, "chi"),
        (res.ebic, "EBIC"),
    ]:
        stat_close(ours, ref[name], name)
    if ref["RMSEA"] is None:
        assert res.rmsea is None
    else:
        rmsea, low, high = (None if v is None else v for v in ref["RMSEA"][:3])
        stat_close(res.rmsea, rmsea, "RMSEA")
        stat_close(res.rmsea_ci.low, low, "RMSEA lower")
        stat_close(res.rmsea_ci.high, high, "RMSEA upper")
    assert res.n_obs == ref["n_obs"]


@pytest.mark.parametrize("name", sorted(REF["fa"]))
def test_fa_matches_psych(name):
    ref = REF["fa"][name]
    check_against(run_fa(ref), ref)


def test_grid_covers_every_rotation_and_method():
    """The reference grid is what the module docstring promises (a test of the test data)."""
    cases = REF["fa"].values()
    assert {c["rotate"] for c in cases} >= {
        "oblimin",
        "promax",
        "Promax",
        "varimax",
        "geominQ",
        "quartimax",
        "quartimin",
        "none",
    }
    assert {c["fm"] for c in cases} == {"minres", "ml", "pa"}
    assert {c["nfactors"] for c in cases} == {1, 2, 3, 4, 5, 6}
    assert {c["cor"] for c in cases} == {"cor", "poly"}
    assert any(c["dof"] == 0 for c in cases)


@pytest.mark.parametrize("fm", ["minres", "ml", "pa"])
def test_heywood_small_sample(fm):
    """n = 20, 8 items, 3 factors: communalities at or above 1; psych's numbers all the same."""
    ref = REF["edge"][f"heywood3_{fm}"]
    data = pd.read_csv(DATA / "edge_heywood_small.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = efa(data, 3, method=fm)
    assert any(issubclass(w.category, HeywoodWarning) for w in caught)
    assert res.heywood_items  # names the items
    assert "x1" in res.heywood_items
    check_against(res, {**ref, "nfactors": 3})


def test_indefinite_pairwise_matrix_is_analysed_as_psych_does():
    """40% missing, n = 40: the pairwise matrix has a negative eigenvalue; psych smooths it for
    the fit statistics only, and so does satscore (with a warning)."""
    data = pd.read_csv(DATA / "edge_pairwise_npd.csv")
    assert REF["edge"]["npd_min_eigen"] < 0
    with (
        pytest.warns(NonPositiveDefiniteWarning, match="not positive definite"),
        pytest.warns(HeywoodWarning, match=r"\['x5', 'x6'\]"),
    ):
        res = efa(data, 2)
    check_against(res, {**REF["edge"]["npd_fa2"], "nfactors": 2})


def test_covariance_matrix_is_rescaled_like_psych():
    """psych's fa treats a symmetric non-correlation matrix as a covariance matrix (cov2cor)."""
    cov = pd.read_csv(DATA / "edge_heywood_small_cov.csv")
    before = cov.copy()
    res = run_fa(
        {
            "data": None,
            "nfactors": 2,
            "fm": "minres",
            "rotate": "oblimin",
            "cor": "cor",
            "n_obs_arg": 20,
        },
        data=cov,
    )
    check_against(res, REF["edge"]["cov_fa2"])
    pd.testing.assert_frame_equal(cov, before)
    # the same numbers as the correlation matrix of the raw data
    raw = pd.read_csv(DATA / "edge_heywood_small.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HeywoodWarning)
        direct = efa(raw, 2)
    np.testing.assert_allclose(res.loadings, direct.loadings, atol=1e-10)


def test_undefined_fit_statistics_are_none_with_a_warning_as_psych_nan():
    """Ultra-Heywood pa solution on an indefinite pairwise matrix: psych's objective and every
    statistic built on it are NaN; satscore returns None and says why (it used to substitute
    the squared residuals and report a plausible-looking chi-square)."""
    ref = REF["edge"]["ultra_heywood_pa4"]
    assert ref["objective"] is None
    assert ref["STATISTIC"] is None
    data = pd.read_csv(DATA / "edge_ultra_heywood.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = efa(data, 4, method="pa", rotation=None)
    msgs = [str(w.message) for w in caught if w.category is NonPositiveDefiniteWarning]
    assert any("fit statistics" in m and "undefined" in m and "NaN" in m for m in msgs)
    assert any(issubclass(w.category, HeywoodWarning) for w in caught)
    check_against(res, {**ref, "nfactors": 4})
    for name in ("objective", "chi_square", "p_value", "rmsea", "tli", "bic", "sabic"):
        assert getattr(res, name) is None, name
    assert res.null_chi_square == pytest.approx(ref["null_chisq"], rel=1e-6)
    assert res.fit_measures().loc[0, "chi_square"] is None


def test_undefined_fit_statistics_do_not_depend_on_the_sign_of_a_determinant(monkeypatch):
    """Whether the objective is defined is decided by the condition number of the smoothed
    model-inverse-times-R matrix: flipping the sign LAPACK reports for determinants changes
    nothing (it used to turn the ultra-Heywood NaN into a chi-square of 2.4e10 on some numpy
    builds, and would have turned every ordinary fit into NaN)."""
    data = pd.read_csv(DATA / "edge_ultra_heywood.csv")
    ordinary = FRAMES["thurstone"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = efa(ordinary, 3, n_obs=213)
    real = np.linalg.slogdet

    def negative(a):
        sign, logdet = real(a)
        return type(sign)(-1.0), logdet

    monkeypatch.setattr(np.linalg, "slogdet", negative)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        heywood = efa(data, 4, method="pa", rotation=None)
        after = efa(ordinary, 3, n_obs=213)
    assert heywood.objective is None
    assert heywood.chi_square is None
    assert after.objective == pytest.approx(before.objective, rel=1e-12)
    assert after.chi_square == pytest.approx(before.chi_square, rel=1e-12)


def test_ml_on_indefinite_matrix_is_an_error_as_in_psych():
    """psych's fa(fm = "ml") stops on an indefinite pairwise matrix ('L-BFGS-B needs finite
    values of fn'); satscore used to return NaN-driven loadings flagged as converged."""
    from satscore.errors import DataError

    data = pd.read_csv(DATA / "edge_pairwise_npd.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonPositiveDefiniteWarning)
        with pytest.raises(DataError, match=r"positive-definite.*method='minres' or 'pa'"):
            efa(data, 2, method="ml")


def test_principal_axes_with_imaginary_loadings_is_an_error_as_in_psych():
    """psych's pa meets a negative eigenvalue ('imaginary eigen value condition') and fails;
    satscore returned NaN loadings with RuntimeWarnings."""
    from satscore.errors import DataError

    assert REF["edge"]["pa_imaginary_fails"] is True
    data = pd.read_csv(DATA / "edge_pa_imaginary.csv")
    with pytest.raises(DataError, match=r"negative eigenvalue.*factor 3.*method='minres'"):
        efa(data, 3, method="pa")
    with warnings.catch_warnings():  # the suggested fix runs (Heywood notes aside)
        warnings.simplefilter("ignore", HeywoodWarning)
        assert np.isfinite(efa(data, 3, method="minres").loadings.to_numpy()).all()

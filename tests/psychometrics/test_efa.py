"""satscore.efa against psych 2.2.9 ``fa`` (GPArotation 2022.10-2).

Reference values: tests/data/make_reliability_b.R -> reliability_b_R.json (exact R calls there),
plus tests/data/reference_R.json (make_reference.R). Tolerance 1e-3 for loadings and other
iterative outputs as the project requires; in practice they agree to ~1e-12.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satscore._psychometrics.efa import efa
from satscore.errors import (
    DataError,
    HeywoodWarning,
    ModelSpecificationError,
    OptionError,
    SatscoreTypeError,
)

DATA = Path(__file__).parents[1] / "data"
REF = json.loads((DATA / "reliability_b_R.json").read_text())
REF0 = json.loads((DATA / "reference_R.json").read_text())
BFI = pd.read_csv(DATA / "bfi.csv").iloc[:, :25]
HS = pd.read_csv(DATA / "holzinger1939.csv")[[f"x{i}" for i in range(1, 10)]]
HS_COR = pd.DataFrame(REF["hs_cor"])
# the deterministic missingness of make_reliability_b.R (R rows 1, 4, 7, ... and 2, 7, 12, ...)
BFI_MISS = BFI.copy()
BFI_MISS.loc[BFI_MISS.index[0::3], "C1"] = np.nan
BFI_MISS.loc[BFI_MISS.index[1::5], ["E3", "O1"]] = np.nan
TOL = 1e-3

CASES = {
    "fa_bfi5_minres_oblimin": (BFI, 5, "minres", "oblimin", {}),
    "fa_bfi5_ml_varimax": (BFI, 5, "ml", "varimax", {}),
    "fa_bfi3_pa_promax": (BFI, 3, "pa", "promax", {}),
    "fa_bfi4_ml_geomin": (BFI, 4, "ml", "geomin", {}),
    "fa_bfi6_minres_quartimax": (BFI, 6, "minres", "quartimax", {}),
    "fa_hs3_minres_varimax": (HS, 3, "minres", "varimax", {}),
    "fa_hs3_ml_oblimin": (HS, 3, "ml", "oblimin", {}),
    "fa_hs3_pa_none": (HS, 3, "pa", None, {}),
    "fa_hs2_minres_Promax": (HS, 2, "minres", "Promax", {}),
    "fa_hs1_ml": (HS, 1, "ml", "oblimin", {}),
    "fa_hscor3_minres_oblimin_n301": (
        pd.DataFrame(REF["hs_cor"]),
        3,
        "minres",
        "oblimin",
        {"n_obs": 301},
    ),
    "fa_bfimiss4_pa_oblimin": (BFI_MISS, 4, "pa", "oblimin", {}),
    "fa_bfimiss5_ml_promax": (BFI_MISS, 5, "ml", "promax", {}),
    "fa_bfi15_3_minres_geomin": (BFI.iloc[:, :15], 3, "minres", "geomin", {}),
    "fa_bfi20_4_ml_Promax": (BFI.iloc[:, 5:25], 4, "ml", "Promax", {}),
}


def _close(a, b, tol=TOL):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), atol=tol, rtol=0)


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    data, k, method, rotation, kw = CASES[request.param]
    return efa(data, k, method=method, rotation=rotation, **kw), REF[request.param]


def test_loadings_order_signs_and_names(case):
    res, ref = case
    _close(res.loadings.to_numpy(), np.array(ref["loadings"]).reshape(res.loadings.shape))
    assert list(res.loadings.columns) == list(np.atleast_1d(ref["colnames"]))


def test_phi_communalities_uniquenesses_variance(case):
    res, ref = case
    k = res.n_factors
    if ref["Phi"] is not None:
        _close(res.phi.to_numpy(), ref["Phi"])
    else:
        _close(res.phi.to_numpy(), np.eye(k), 0)
    _close(res.communalities, ref["communality"])
    _close(res.uniquenesses, ref["uniquenesses"])
    _close(res.complexity, ref["complexity"])
    _close(res.eigenvalues, ref["e_values"])
    _close(res.common_eigenvalues, ref["values"])
    vacc = np.array(ref["Vaccounted"], float).reshape(-1, k)  # rows: SS, prop, cum, ...
    _close(res.variance.to_numpy().T[: vacc.shape[0]], vacc)


def test_fit_statistics(case):
    res, ref = case
    assert res.dof == ref["dof"]
    for ours, theirs in [
        (res.chi_square, "STATISTIC"),
        (res.p_value, "PVAL"),
        (res.objective, "objective"),
        (res.tli, "TLI"),
        (res.bic, "BIC"),
        (res.sabic, "SABIC"),
        (res.fit, "fit"),
        (res.fit_off, "fit_off"),
        (res.rms, "rms"),
        (res.crms, "crms"),
        (res.chi_empirical, "chi"),
        (res.ebic, "EBIC"),
        (res.null_chi_square, "null_chisq"),
    ]:
        assert ours == pytest.approx(ref[theirs], rel=1e-6, abs=1e-9), theirs
    rmsea, low, high = ref["RMSEA"]
    assert res.rmsea == pytest.approx(rmsea, rel=1e-8)
    # psych inverts the non-central chi-square with uniroot(tol = 1.2e-4 on the ncp)
    assert res.rmsea_ci.low == pytest.approx(low, abs=1e-6)
    assert res.rmsea_ci.high == pytest.approx(high, abs=1e-6)
    assert res.n_obs == ref["n_obs"]


@pytest.mark.parametrize("method", ["minres", "ml"])
def test_reference_r_json_bfi(method):
    """The older reference file agrees too (bfi 5-factor minres/oblimin and ml/varimax)."""
    rotation = "oblimin" if method == "minres" else "varimax"
    res = efa(BFI, 5, method=method, rotation=rotation)
    ref = REF0[f"bfi_fa5_{method}_{rotation}"]
    _close(res.loadings.to_numpy(), np.array(ref["loadings"]))
    _close(res.communalities, ref["communality"])
    if method == "minres":
        _close(res.phi.to_numpy(), np.array(ref["Phi"]))
        assert res.tli == pytest.approx(ref["TLI"], abs=1e-6)
        assert res.rmsea == pytest.approx(ref["RMSEA"], abs=1e-6)
        assert res.bic == pytest.approx(ref["BIC"], abs=1e-4)
    else:
        assert res.chi_square == pytest.approx(ref["STATISTIC"], abs=1e-4)
        assert res.dof == ref["dof"]


def test_structure_and_oblique_communality():
    res = efa(BFI, 5)
    L, phi = res.loadings.to_numpy(), res.phi.to_numpy()
    _close(res.structure.to_numpy(), L @ phi, 1e-12)
    # h2 = diag(L Phi L'), not the row sums of squared pattern loadings
    _close(res.communalities, np.diag(L @ phi @ L.T), 1e-10)
    assert np.abs(res.communalities - (L**2).sum(axis=1)).max() > 0.01


def test_correlation_matrix_without_n_obs_has_no_chi_square():
    res = efa(pd.DataFrame(REF["hs_cor"]), 3)
    ref = REF["fa_hscor3_minres_oblimin_nobs_na"]
    _close(res.loadings.to_numpy(), np.array(ref["loadings"]))
    assert res.chi_square is None
    assert res.rmsea is None
    assert res.tli is None
    assert res.bic is None
    assert res.rms == pytest.approx(ref["rms"], rel=1e-8)


def test_listwise_equals_complete_cases():
    a = efa(BFI, 3, missing="listwise")
    b = efa(BFI.dropna(), 3)
    _close(a.loadings.to_numpy(), b.loadings.to_numpy(), 1e-12)
    assert a.n_obs == b.n_obs == len(BFI.dropna())


def test_heywood_warning_names_item():
    ref = REF["heywood"]
    with pytest.warns(HeywoodWarning, match=r"Heywood case: item\(s\) \['x1'\]"):
        res = efa(np.array(ref["R"]), 1, n_obs=200)
    _close(res.loadings.to_numpy().ravel(), ref["loadings"])
    _close(res.communalities, ref["communality"])
    assert res.heywood_items == ("x1",)


def test_does_not_mutate_input_and_summary():
    data = BFI.iloc[:, :10].copy()
    before = data.copy()
    res = efa(data, 2, rotation="varimax")
    pd.testing.assert_frame_equal(data, before)
    summ = res.summary()
    assert list(summ.columns) == ["item", "mr1", "mr2", "h2", "u2", "complexity"]
    assert summ["item"].tolist() == list(data.columns)
    d = res.to_dict()
    json.dumps(d)
    assert d["rotation"] == "varimax"
    assert "EFAResult" in repr(res)
    assert "<table" in res._repr_html_()
    fm = res.fit_measures()
    assert fm.loc[0, "dof"] == res.dof
    assert fm.shape[0] == 1


def test_too_many_factors_states_maximum():
    with pytest.raises(ModelSpecificationError, match=r"maximum for 9 items is 5"):
        efa(HS, 6)


def test_bad_inputs():
    with pytest.raises(OptionError, match="rotation='equamax' is not supported"):
        efa(HS, 2, rotation="equamax")
    with pytest.raises(OptionError, match="method='uls' is not supported"):
        efa(HS, 2, method="uls")
    with pytest.raises(OptionError, match="n_factors must be a positive integer"):
        efa(HS, 0)
    with pytest.raises(OptionError, match=r"n_obs=.*only used with a correlation matrix"):
        efa(HS, 2, n_obs=100)
    with pytest.raises(DataError, match="found 5 respondents for 9 items"):
        efa(HS.iloc[:5], 1)
    const = HS.copy()
    const["x4"] = 3.0
    with pytest.raises(DataError, match="item 'x4' is constant"):
        efa(const, 2)
    dup = HS.copy()
    dup["x10"] = dup["x1"] + dup["x2"]
    with pytest.raises(DataError, match=r"singular.*x1|singular.*x10"):
        efa(dup, 2)
    text = HS.astype(object)
    text.loc[0, "x3"] = "high"
    with pytest.raises(DataError, match="column 'x3'"):
        efa(text, 2)
    with pytest.raises(SatscoreTypeError):
        efa([[1, 2], [3, 4]], 1)


def test_geomin_alias_and_unrotated_name():
    a = efa(HS, 3, rotation="geominQ")
    assert a.rotation == "geomin"
    b = efa(HS, 3, rotation="none")
    assert b.rotation is None


def test_polychoric_efa_matches_psych():
    """psych::fa(bfi[, 1:10], 2, cor = "poly"); polychoric estimates agree to ~1e-4."""
    res = efa(BFI.iloc[:, :10], 2, cor="polychoric")
    ref = REF["fa_bfi10_poly2_minres_oblimin"]
    _close(res.loadings.to_numpy(), np.array(ref["loadings"]))
    _close(res.phi.to_numpy(), np.array(ref["Phi"]))
    assert list(res.loadings.columns) == ref["colnames"]
    assert res.chi_square == pytest.approx(ref["STATISTIC"], rel=1e-3)
    assert res.n_obs == 2800

"""satscore.omega against psych 2.2.9 ``omega`` (Schmid-Leiman), GPArotation 2022.10-2.

References: tests/data/make_reliability_b.R -> reliability_b_R.json (``omega_*``) and
tests/data/reference_R.json (``bfi_omega5``). Tolerance 1e-3 (iterative fits).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satscore._psychometrics.omega import omega
from satscore.errors import DataError, OptionError, SatscoreWarning

DATA = Path(__file__).parents[1] / "data"
REF = json.loads((DATA / "reliability_b_R.json").read_text())
REF0 = json.loads((DATA / "reference_R.json").read_text())
BFI = pd.read_csv(DATA / "bfi.csv").iloc[:, :25]
HS = pd.read_csv(DATA / "holzinger1939.csv")[[f"x{i}" for i in range(1, 10)]]
THURSTONE = pd.DataFrame(REF["thurstone"], columns=REF["thurstone_names"])
BFI_MISS = BFI.copy()  # the deterministic missingness of make_reliability_b.R
BFI_MISS.loc[BFI_MISS.index[0::3], "C1"] = np.nan
BFI_MISS.loc[BFI_MISS.index[1::5], ["E3", "O1"]] = np.nan
TOL = 1e-3

CASES = {
    "omega_bfi5": (BFI, {"n_factors": 5}),
    "omega_hs3": (HS, {"n_factors": 3}),
    "omega_bfi10_2_equal": (BFI.iloc[:, :10], {"n_factors": 2}),
    "omega_bfi10_2_first": (BFI.iloc[:, :10], {"n_factors": 2, "option": "first"}),
    "omega_bfi10_2_second": (BFI.iloc[:, :10], {"n_factors": 2, "option": "second"}),
    "omega_bfiAC_3_ml": (BFI.iloc[:, :10], {"n_factors": 3, "method": "ml"}),
    "omega_bfi_noflip": (BFI.iloc[:, 10:20], {"n_factors": 3, "flip": False}),
    "omega_hs3_promax": (HS, {"n_factors": 3, "rotation": "promax"}),
    "omega_thurstone": (THURSTONE, {"n_factors": 3, "n_obs": 213}),
    "omega_bfimiss5_pa_geomin": (BFI_MISS, {"n_factors": 5, "method": "pa", "rotation": "geomin"}),
}


def _fit(name):
    data, kw = CASES[name]
    with warnings.catch_warnings():
        if kw.get("n_factors") == 2:
            warnings.filterwarnings("ignore", "omega_h is not identified", SatscoreWarning)
        return omega(data, **kw)


@pytest.mark.parametrize("name", sorted(CASES))
def test_omega_matches_psych(name):
    res, ref = _fit(name), REF[name]
    assert res.omega_h == pytest.approx(ref["omega_h"], abs=TOL)
    assert res.omega_total == pytest.approx(ref["omega_tot"], abs=TOL)
    assert res.omega_limit == pytest.approx(ref["omega_lim"], abs=TOL)
    assert res.alpha == pytest.approx(ref["alpha"], abs=1e-10)
    assert res.g6 == pytest.approx(ref["G6"], abs=1e-10)
    assert res.ecv == pytest.approx(ref["ECV"], abs=TOL)
    sl = np.array(ref["sl"]).reshape(res.schmid_leiman.shape)
    np.testing.assert_allclose(res.schmid_leiman.to_numpy(), sl, atol=TOL)
    np.testing.assert_allclose(res.key.to_numpy(), ref["key"])
    np.testing.assert_allclose(res.g_loadings_of_factors.to_numpy(), ref["gloading"], atol=TOL)
    grp = np.array(ref["omega_group"], dtype=float)
    np.testing.assert_allclose(res.omega_subscales.to_numpy(), grp, atol=TOL)


def test_bfi_published_values():
    res = _fit("omega_bfi5")
    ref = REF0["bfi_omega5"]
    assert res.omega_h == pytest.approx(ref["omega_h"], abs=1e-6)
    assert res.omega_total == pytest.approx(ref["omega_t"], abs=1e-6)
    assert round(res.omega_h, 4) == 0.4617
    assert round(res.omega_total, 4) == 0.8748
    # bfi has reverse-keyed items: flip reverses those with negative g loadings
    flipped = set(res.key[res.key < 0].index)
    assert {"A1", "C4", "C5", "E1", "E2"} <= flipped


def test_thurstone_g_loadings_published():
    res = _fit("omega_thurstone")
    expected = [0.71, 0.73, 0.68, 0.65, 0.62, 0.56, 0.59, 0.58, 0.54]
    np.testing.assert_allclose(res.general_loadings.to_numpy(), expected, atol=0.006)
    assert res.omega_total >= res.g6


def test_two_factors_warn():
    with pytest.warns(SatscoreWarning, match="not identified with 2 group factors"):
        omega(BFI.iloc[:, :10], n_factors=2)


def test_key_reverses_and_disables_flip():
    key = np.ones(25)
    key[[0, 8, 9, 10, 11, 21, 24]] = -1  # A1 C4 C5 E1 E2 O2 O5
    res = omega(BFI, n_factors=5, key=key)
    assert (res.key.to_numpy() == key).all()
    assert 0.3 < res.omega_h < 0.9


def test_summary_to_dict_and_no_mutation():
    data = HS.copy()
    res = omega(data)
    pd.testing.assert_frame_equal(data, HS)
    s = res.summary()
    assert s["statistic"].tolist() == [
        "omega_h",
        "omega_total",
        "omega_limit",
        "alpha",
        "g6",
        "ecv",
    ]
    json.dumps(res.to_dict())
    assert "OmegaResult(omega_h=" in repr(res)
    assert list(res.schmid_leiman.columns) == ["g", "f1", "f2", "f3", "h2", "u2", "p2"]


def test_bad_input():
    with pytest.raises(OptionError, match="rotation='varimax' is not supported"):
        omega(HS, rotation="varimax")
    with pytest.raises(OptionError, match="option='both' is not supported"):
        omega(HS, option="both")
    with pytest.raises(DataError, match="found 2 items; omega needs at least 3"):
        omega(HS.iloc[:, :2], n_factors=1)
    with pytest.raises(OptionError, match=r"key must hold one \+1 or -1 per item"):
        omega(HS, key=[1, -1])

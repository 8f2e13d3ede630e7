"""measurement_invariance against lavaan 0.6-14 (cfa(..., group.equal = ...) and lavTestLRT)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from satscore import measurement_invariance
from satscore.errors import DataError, OptionError

# bfi's A1, C4 and C5 are fitted unreversed, as lavaan's references are; the
# ReverseKeyWarning this triggers is tested in tests/sem/test_cfa_keys.py.
pytestmark = pytest.mark.filterwarnings("ignore::satscore.errors.ReverseKeyWarning")


@pytest.fixture(scope="module")
def ref(data_dir):
    return json.loads((data_dir / "cfa_R.json").read_text())


@pytest.fixture(scope="module")
def hs(data_dir):
    return pd.read_csv(data_dir / "holzinger1939.csv")


def test_holzinger_by_school_issue_values(ref, hs):
    inv = measurement_invariance(hs, ref["hs3"]["model"], group="school")
    t = inv.table.set_index("level")
    # issue 4: configural chi2(48) = 115.85, metric chi2(54) = 124.04, scalar chi2(60) = 164.10
    assert t.loc["configural", "chi2"] == pytest.approx(115.85, abs=5e-3)
    assert t.loc["metric", "chi2"] == pytest.approx(124.04, abs=5e-3)
    assert t.loc["scalar", "chi2"] == pytest.approx(164.10, abs=5e-3)
    assert list(t["df"]) == [48, 54, 60]
    lrt = ref["hs_school"]["lrt"]
    np.testing.assert_allclose(t["chi2"], lrt["chisq"], rtol=1e-6)
    np.testing.assert_allclose(t["delta_chi2"][1:], lrt["chisq_diff"][1:], rtol=1e-5)
    np.testing.assert_allclose(t["delta_df"][1:], lrt["df_diff"][1:])
    np.testing.assert_allclose(t["delta_pvalue"][1:], lrt["p"][1:], rtol=1e-4)
    for level in ("configural", "metric", "scalar"):
        fit = ref["hs_school"][level]["fit"]
        assert t.loc[level, "cfi"] == pytest.approx(fit["cfi"], rel=1e-5)
        assert t.loc[level, "rmsea"] == pytest.approx(fit["rmsea"], rel=1e-5)
        assert t.loc[level, "srmr"] == pytest.approx(fit["srmr"], rel=1e-5)
        assert t.loc[level, "aic"] == pytest.approx(fit["aic"], rel=1e-8)
    assert t.loc["scalar", "delta_cfi"] == pytest.approx(
        ref["hs_school"]["scalar"]["fit"]["cfi"] - ref["hs_school"]["metric"]["fit"]["cfi"],
        abs=1e-6,
    )
    assert t.loc["metric", "delta_srmr"] == pytest.approx(
        ref["hs_school"]["metric"]["fit"]["srmr"] - ref["hs_school"]["configural"]["fit"]["srmr"],
        abs=1e-6,
    )
    assert list(t["verdict"]) == ["supported", "supported", "not_supported"]
    assert list(t["holds"]) == [True, True, False]
    assert inv.highest_level == "metric"
    assert inv.groups == ("Pasteur", "Grant-White")
    assert inv.n_by_group == {"Pasteur": 156, "Grant-White": 145}
    assert "Chen 2007" in inv.rule
    json.dumps(inv.to_dict())


def test_bfi_by_gender_matches_lrt(ref, data_dir):
    bfi = pd.read_csv(data_dir / "bfi.csv")
    bfi["gender"] = np.where(bfi["gender"] == 1, "male", "female")
    inv = measurement_invariance(bfi, ref["bfi_ac"]["model"], group="gender")
    lrt = ref["bfi_gender"]["lrt"]
    t = inv.table
    np.testing.assert_allclose(t["chi2"], lrt["chisq"], rtol=1e-6)
    np.testing.assert_allclose(t["delta_pvalue"][1:], lrt["p"][1:], rtol=1e-4)
    # metric: p = .24 -> supported; scalar: p < .001 but delta CFI -.007, delta RMSEA -.001
    # -> supported by Chen's criteria
    assert list(t["verdict"]) == ["supported", "supported", "supported"]


def test_strict_level_and_custom_rule(ref, hs):
    inv = measurement_invariance(
        hs,
        ref["hs3"]["model"],
        group="school",
        levels=("configural", "metric", "scalar", "strict"),
        alpha=0.5,
        delta_cfi=-0.001,
    )
    t = inv.table.set_index("level")
    # lavaan: strict chi2(69) = 181.511 (research notes, lavaan 0.6-14)
    assert t.loc["strict", "chi2"] == pytest.approx(181.511, abs=1e-3)
    assert t.loc["strict", "df"] == 69
    # metric p = .224 < alpha = .5 and delta CFI -.0025 < -.001 -> not supported
    assert t.loc["metric", "verdict"] == "not_supported"
    assert inv.highest_level == "configural"


def test_bad_levels_and_groups(ref, hs):
    with pytest.raises(OptionError, match=r"nested levels in order"):
        measurement_invariance(hs, ref["hs3"]["model"], group="school", levels=("metric",))
    with pytest.raises(OptionError, match=r"levels='partial'"):
        measurement_invariance(hs, ref["hs3"]["model"], group="school", levels=("partial",))
    tiny = hs.copy()
    tiny.loc[:3, "school"] = "Tiny"
    with pytest.raises(DataError, match=r"group 'Tiny' has 4 complete row"):
        measurement_invariance(tiny, ref["hs3"]["model"], group="school")


def test_partial_scalar_invariance(ref, hs):
    inv = measurement_invariance(
        hs, ref["hs3"]["model"], group="school", partial=("x3 ~1", "x7 ~1")
    )
    t = inv.table.set_index("level")
    assert inv.partial == ("x3 ~1", "x7 ~1")
    assert t.loc["scalar", "df"] == 58
    # freeing the two intercepts removes most of the scalar misfit
    assert t.loc["scalar", "delta_chi2"] < 15
    assert t.loc["metric", "chi2"] == pytest.approx(124.044, abs=1e-3)  # partial: no intercepts

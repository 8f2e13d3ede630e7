"""validity_report against semTools 0.5-6 / lavaan 0.6-14 (tests/data/cfa_R.json).

``omega`` = semTools::compRelSEM(fit) (obs.var = TRUE), ``ave_semtools`` = semTools::AVE(fit),
``htmt`` = semTools::htmt(model, data, htmt2 = FALSE), ``htmt2`` = semTools::htmt(model, data);
``cr`` and ``ave`` (Fornell & Larcker 1981) are closed forms of lavaan's std.all estimates.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from satscore import cfa, validity_report
from satscore.errors import OptionError, ReverseKeyWarning

CASES = [("hs3", "hs"), ("hs_resid", "hs"), ("bfi_ac", "bfi"), ("bfi_5", "bfi")]


@pytest.fixture(scope="module")
def ref(data_dir):
    return json.loads((data_dir / "cfa_R.json").read_text())


@pytest.fixture(scope="module")
def datasets(data_dir):
    return {
        "hs": pd.read_csv(data_dir / "holzinger1939.csv"),
        "bfi": pd.read_csv(data_dir / "bfi.csv"),
    }


def _closed_forms(pe: pd.DataFrame, factor: str) -> tuple[float, float]:
    load = pe[(pe["op"] == "=~") & (pe["lhs"] == factor)]
    items = list(load["rhs"])
    err = pe[(pe["op"] == "~~") & (pe["lhs"] == pe["rhs"]) & pe["lhs"].isin(items)]
    lam = load["std.all"].to_numpy()
    cr = lam.sum() ** 2 / (lam.sum() ** 2 + err["std.all"].sum())
    return cr, float(np.mean(lam**2))


@pytest.mark.parametrize(("name", "data"), CASES)
@pytest.mark.filterwarnings("ignore::satscore.errors.ReverseKeyWarning")  # bfi fitted unreversed
def test_validity_matches_semtools(ref, datasets, name, data):
    rep = validity_report(datasets[data], ref[name]["model"])
    val = ref[name]["validity"]
    table = rep.factors.set_index("factor")
    assert list(table.index) == val["factors"]
    for f in val["factors"]:
        assert table.loc[f, "omega"] == pytest.approx(val["comprel_obs"][f], abs=1e-4)
        assert table.loc[f, "ave_semtools"] == pytest.approx(val["ave_obs"][f], abs=1e-4)
        cr, ave = _closed_forms(pd.DataFrame(ref[name]["pe"]), f)
        assert table.loc[f, "cr"] == pytest.approx(cr, abs=1e-4)
        assert table.loc[f, "ave"] == pytest.approx(ave, abs=1e-4)
    np.testing.assert_allclose(rep.htmt.to_numpy(), np.array(val["htmt"]), atol=1e-10)
    np.testing.assert_allclose(rep.htmt2.to_numpy(), np.array(val["htmt2"]), atol=1e-10)
    np.testing.assert_allclose(
        rep.factor_correlations.to_numpy(), np.array(val["cov_lv"]), atol=1e-4
    )


def test_flags_and_fornell_larcker_on_holzinger(ref, datasets):
    rep = validity_report(datasets["hs"], ref["hs3"]["model"])
    t = rep.factors.set_index("factor")
    # visual: CR .626 and AVE .371 fail; textual passes everything
    assert not t.loc["visual", "cr_ok"]
    assert not t.loc["visual", "ave_ok"]
    assert t.loc["textual", ["cr_ok", "ave_ok", "fornell_larcker_ok", "htmt_ok"]].all()
    assert t.loc["speed", "htmt_ok"]
    assert rep.ok is False
    assert any(p.startswith("visual: AVE 0.371") for p in rep.problems)
    fl = rep.fornell_larcker
    assert fl.loc["visual", "visual"] == pytest.approx(np.sqrt(t.loc["visual", "ave"]))
    assert fl.loc["visual", "textual"] == pytest.approx(0.4585, abs=1e-4)
    assert t.loc["visual", "max_abs_corr"] == pytest.approx(0.4705, abs=1e-4)
    assert rep.thresholds == {"cr_min": 0.70, "ave_min": 0.50, "htmt_max": 0.85}
    d = rep.to_dict()
    assert d["fit"]["df"] == 24
    assert d["ok"] is False
    json.dumps(d)


def test_reverse_keyed_items_are_flagged(ref, datasets):
    with pytest.warns(ReverseKeyWarning) as record:
        rep = validity_report(datasets["bfi"], ref["bfi_ac"]["model"])
    warned = sorted(str(w.message).split("'")[1] for w in record)
    assert warned == ["A1", "C4", "C5"]  # A1 is agree's marker: A2-A5 load against it
    assert any("consc: item 'C4' loads -0." in p and "keys=[...]" in p for p in rep.problems)
    assert any("agree: item 'A1' loads 0." in p for p in rep.problems)
    rev = datasets["bfi"].copy()
    for item in ["A1", "C4", "C5"]:
        rev[item] = 7 - rev[item]
    fixed = validity_report(rev, ref["bfi_ac"]["model"])
    assert not any("loads" in p for p in fixed.problems)
    assert fixed.factors.set_index("factor").loc["consc", "cr"] > 0.7
    keyed = validity_report(datasets["bfi"], ref["bfi_ac"]["model"], keys=["A1", "C4", "C5"])
    assert keyed.fit.reversed_items == {"A1": 7.0, "C4": 7.0, "C5": 7.0}
    pd.testing.assert_frame_equal(keyed.factors, fixed.factors, rtol=1e-9)
    pd.testing.assert_frame_equal(keyed.htmt, fixed.htmt, rtol=1e-9)


def test_htmt_threshold_flags_indistinct_factors():
    rng = np.random.default_rng(3)
    n = 800
    f = rng.multivariate_normal([0, 0], [[1, 0.95], [0.95, 1]], size=n)
    x = np.hstack([f[:, [0]] * [0.8, 0.8, 0.8], f[:, [1]] * [0.8, 0.8, 0.8]])
    df = pd.DataFrame(x + rng.normal(0, 0.5, (n, 6)), columns=[f"q{i}" for i in range(6)])
    rep = validity_report(df, {"a": ["q0", "q1", "q2"], "b": ["q3", "q4", "q5"]})
    t = rep.factors.set_index("factor")
    assert not t["htmt_ok"].any()
    assert not t["fornell_larcker_ok"].any()
    assert any("a / b: HTMT" in p for p in rep.problems)


def test_accepts_a_fit_and_rejects_multigroup(ref, datasets):
    fit = cfa(datasets["hs"], ref["hs3"]["model"])
    rep = validity_report(fit)
    assert rep.fit is fit
    with pytest.raises(OptionError, match=r"single-group CFA"):
        validity_report(cfa(datasets["hs"], ref["hs3"]["model"], group="school"))
    with pytest.raises(OptionError, match=r"needs a model"):
        validity_report(datasets["hs"])


def test_single_indicator_factor_has_undefined_htmt(datasets):
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7\nx7 ~~ 0*x7"
    rep = validity_report(datasets["hs"], model)
    t = rep.factors.set_index("factor")
    assert np.isnan(rep.htmt.loc["speed", "visual"])
    assert t.loc["speed", "htmt_ok"]
    assert "speed: one indicator, so HTMT is undefined (NaN) for this factor" in rep.problems
    assert t.loc["speed", "cr"] == pytest.approx(1.0)  # x7 without error variance


def test_validity_on_a_fiml_fit_uses_em_moments(ref, datasets):
    mask = np.array(ref["hs3_fiml"]["mask"], dtype=bool).reshape(9, 301).T
    data = datasets["hs"].copy()
    for j in range(9):
        data.loc[mask[:, j], f"x{j + 1}"] = np.nan
    rep = validity_report(data, ref["hs3"]["model"], missing="ml")
    t = rep.factors.set_index("factor")
    for f in ("visual", "textual", "speed"):
        assert t.loc[f, "omega"] == pytest.approx(ref["hs3_fiml"]["comprel_obs"][f], abs=1e-4)
        assert t.loc[f, "ave_semtools"] == pytest.approx(ref["hs3_fiml"]["ave_obs"][f], abs=1e-4)

"""Reverse-keyed items in cfa / validity_report / measurement_invariance.

Reference: lavaan 0.6-14 / semTools 0.5-6 via tests/data/make_cfa_bank.R -> cfa_bank_R.json, on
tests/data/cfa_bank.csv (tests/data/make_cfa_bank_data.py: the listwise sample of the example
bank survey on the bank_service instrument's 19 scored items, raw codes) with SQ09 reversed in R
as 6 - SQ09. Tolerances: fit measures rel 1e-5; estimates, SEs, standardized loadings, CR, AVE
abs 1e-3 (iterative fits); HTMT (closed form on the sample correlations) abs 1e-8.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import satscore
from satscore import cfa, measurement_invariance, validity_report
from satscore.errors import ModelSpecificationError, OptionError, ReverseKeyWarning

ITEMS = {
    "service_quality": [f"SQ0{i}" for i in range(1, 10)],
    "staff_attitude": [f"SA0{i}" for i in range(1, 6)],
    "problem_resolution": [f"PR0{i}" for i in range(2, 7)],
}
FIT_KEYS = {
    "chi2": "chisq",
    "df": "df",
    "pvalue": "pvalue",
    "baseline_chi2": "baseline.chisq",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_low": "rmsea.ci.lower",
    "rmsea_ci_high": "rmsea.ci.upper",
    "srmr": "srmr",
    "loglik": "logl",
    "aic": "aic",
    "bic": "bic",
    "n": "ntotal",
}


@pytest.fixture(scope="module")
def ref(data_dir):
    return json.loads((data_dir / "cfa_bank_R.json").read_text())


@pytest.fixture(scope="module")
def bank(data_dir):
    return pd.read_csv(data_dir / "cfa_bank.csv")


@pytest.fixture(scope="module")
def inst():
    return satscore.load_instrument("bank_service")


def check_fit(fit, expected):
    for ours, theirs in FIT_KEYS.items():
        assert fit.fit_measures[ours] == pytest.approx(expected[theirs], rel=1e-5), ours


def check_pe(fit, pe):
    pe = pd.DataFrame(pe)
    pe["rhs"] = pe["rhs"].fillna("")
    merged = fit.estimates.merge(pe, on=["lhs", "op", "rhs"], suffixes=("", "_r"))
    assert len(merged) == len(fit.estimates) == len(pe)
    for ours, theirs in [("est", "est_r"), ("se", "se_r"), ("std_all", "std.all")]:
        np.testing.assert_allclose(merged[ours], merged[theirs], atol=1e-3, err_msg=ours)


def test_instrument_reverses_sq09_as_lavaan(ref, bank, inst):
    before = bank.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ReverseKeyWarning once SQ09 is reversed
        fit = cfa(bank, inst)
    pd.testing.assert_frame_equal(bank, before)  # the caller's data are not reversed
    assert fit.reversed_items == {"SQ09": 6.0}
    check_fit(fit, ref["bank"]["fit"])
    check_pe(fit, ref["bank"]["pe"])
    assert fit.std_loadings.loc["SQ09", "service_quality"] > 0.5
    stdlv = cfa(bank, inst, std_lv=True)
    check_fit(stdlv, ref["bank_stdlv"]["fit"])
    check_pe(stdlv, ref["bank_stdlv"]["pe"])


def test_instrument_validity_matches_semtools(ref, bank, inst):
    rep = validity_report(bank, inst)
    val = ref["bank"]["validity"]
    t = rep.factors.set_index("factor")
    pe = pd.DataFrame(ref["bank"]["pe"])
    for f in val["factors"]:
        assert t.loc[f, "omega"] == pytest.approx(val["comprel_obs"][f], abs=1e-3)
        assert t.loc[f, "ave_semtools"] == pytest.approx(val["ave_obs"][f], abs=1e-3)
        lam = pe.query("op == '=~' and lhs == @f")["std.all"]
        err = pe.query("op == '~~' and lhs == rhs and lhs in @ITEMS[@f]")["std.all"]
        cr = lam.sum() ** 2 / (lam.sum() ** 2 + err.sum())
        assert t.loc[f, "cr"] == pytest.approx(cr, abs=1e-3)
        assert t.loc[f, "ave"] == pytest.approx((lam**2).mean(), abs=1e-3)
    lat = val["factors"]
    np.testing.assert_allclose(rep.htmt.loc[lat, lat], val["htmt"], atol=1e-8)
    np.testing.assert_allclose(rep.htmt2.loc[lat, lat], val["htmt2"], atol=1e-8)
    np.testing.assert_allclose(rep.factor_correlations.loc[lat, lat], val["cov_lv"], atol=1e-3)
    assert not any("loads" in p for p in rep.problems)  # no sign problem once reversed
    assert "service_quality: AVE 0.413 < 0.50" in rep.problems  # a real finding, not keying
    assert rep.fit.reversed_items == {"SQ09": 6.0}


def test_unreversed_dict_model_warns_and_matches_lavaan(ref, bank):
    with pytest.warns(ReverseKeyWarning, match=r"'SQ09'.*-0\.55.*keys=\['SQ09'\]") as rec:
        fit = cfa(bank, ITEMS)
    assert len(rec) == 1
    assert fit.reversed_items == {}
    check_fit(fit, ref["bank_unreversed"]["fit"])
    pe = pd.DataFrame(ref["bank_unreversed"]["pe"]).query("op == '=~' and rhs == 'SQ09'")
    got = fit.std_loadings.loc["SQ09", "service_quality"]
    assert got == pytest.approx(pe["std.all"].iloc[0], abs=1e-3)
    assert got == pytest.approx(-0.556, abs=1e-3)  # the distortion issue 4 reports
    with pytest.warns(ReverseKeyWarning):
        rep = validity_report(bank, ITEMS)
    fixed = validity_report(bank, ITEMS, keys=["SQ09"]).factors.set_index("factor")
    t = rep.factors.set_index("factor")
    # the sign lowers CR and omega (semTools: .862 -> .798) but not AVE or HTMT
    val, val_raw = ref["bank"]["validity"], ref["bank_unreversed"]["validity"]
    assert t.loc["service_quality", "omega"] == pytest.approx(
        val_raw["comprel_obs"]["service_quality"], abs=1e-3
    )
    assert val_raw["comprel_obs"]["service_quality"] < val["comprel_obs"]["service_quality"] - 0.05
    assert t.loc["service_quality", "cr"] < fixed.loc["service_quality", "cr"] - 0.05
    for col in ("ave", "ave_semtools", "max_htmt"):
        assert t.loc["service_quality", col] == pytest.approx(fixed.loc["service_quality", col])
    assert any("service_quality: item 'SQ09' loads -0.55" in p for p in rep.problems)
    assert not rep.ok
    assert rep.factors.set_index("factor").loc["service_quality", "ave"] == pytest.approx(
        np.mean(
            np.square(
                pd.DataFrame(ref["bank_unreversed"]["pe"]).query(
                    "op == '=~' and lhs == 'service_quality'"
                )["std.all"]
            )
        ),
        abs=1e-3,
    )


def test_keys_equal_the_instrument_and_manual_reversal(bank, inst):
    by_inst = cfa(bank, inst)
    by_keys = cfa(bank, ITEMS, keys=["SQ09"])
    by_str = cfa(bank, ITEMS, keys="SQ09")  # a single item as a string
    manual = cfa(bank.assign(SQ09=6 - bank["SQ09"]), ITEMS)
    assert by_keys.reversed_items == by_str.reversed_items == {"SQ09": 6.0}  # 1..5 observed
    for other in (by_keys, by_str, manual):
        assert other.chi2 == pytest.approx(by_inst.chi2, rel=1e-10)
        np.testing.assert_allclose(other.estimates["est"], by_inst.estimates["est"], atol=1e-9)


def test_keys_min_max_come_from_the_data(data_dir):
    hs = pd.read_csv(data_dir / "holzinger1939.csv")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
    lo, hi = hs["x2"].min(), hs["x2"].max()
    # x2 is not reverse-worded, so reversing it makes it load negatively: both fits warn
    with pytest.warns(ReverseKeyWarning, match="'x2'"):
        keyed = cfa(hs, model, keys=["x2"], group="school")  # mean structure: constant matters
    with pytest.warns(ReverseKeyWarning, match="'x2'"):
        manual = cfa(hs.assign(x2=lo + hi - hs["x2"]), model, group="school")
    assert keyed.reversed_items == {"x2": pytest.approx(lo + hi)}
    assert keyed.chi2 == pytest.approx(manual.chi2, rel=1e-10)
    np.testing.assert_allclose(keyed.estimates["est"], manual.estimates["est"], atol=1e-8)


def test_keys_with_fiml_and_sample_cov(data_dir):
    hs = pd.read_csv(data_dir / "holzinger1939.csv")
    rng = np.random.default_rng(5)
    holes = hs.copy()
    cols = [f"x{i}" for i in range(1, 7)]
    holes[cols] = holes[cols].mask(rng.random((len(hs), 6)) < 0.07)
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
    lo, hi = holes["x5"].min(), holes["x5"].max()
    with pytest.warns(ReverseKeyWarning, match="'x5'"):
        keyed = cfa(holes, model, keys=["x5"], missing="ml")
    with pytest.warns(ReverseKeyWarning, match="'x5'"):
        manual = cfa(holes.assign(x5=lo + hi - holes["x5"]), model, missing="ml")
    assert keyed.chi2 == pytest.approx(manual.chi2, rel=1e-9)
    np.testing.assert_allclose(keyed.estimates["est"], manual.estimates["est"], atol=1e-7)
    np.testing.assert_allclose(keyed.estimates["se"], manual.estimates["se"], atol=1e-7)
    cov = hs[cols].cov()
    with pytest.warns(ReverseKeyWarning, match="'x5'"):
        from_cov = cfa(None, model, sample_cov=cov, n_obs=len(hs), keys=["x5"])
    with pytest.warns(ReverseKeyWarning, match="'x5'"):
        flipped = cfa(hs.assign(x5=-hs["x5"]), model)
    assert from_cov.reversed_items == {"x5": None}
    assert from_cov.chi2 == pytest.approx(flipped.chi2, rel=1e-9)
    np.testing.assert_allclose(from_cov.estimates["est"], flipped.estimates["est"], atol=1e-8)


def test_marker_item_reverse_keyed_is_named(data_dir):
    """bfi's A1 (reverse-worded) is agree's marker: A2-A5 load negatively, A1 is named."""
    bfi = pd.read_csv(data_dir / "bfi.csv")
    with pytest.warns(ReverseKeyWarning, match=r"item 'A1' has standardized loading 0\.") as rec:
        cfa(bfi, {"agree": ["A1", "A2", "A3", "A4", "A5"]})
    assert len(rec) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = cfa(bfi, {"agree": ["A1", "A2", "A3", "A4", "A5"]}, keys=["A1"])
    assert (fit.std_loadings["agree"] > 0).all()


def test_negative_cross_loading_is_not_flagged(data_dir):
    hs = pd.read_csv(data_dir / "holzinger1939.csv")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6 + x1\nspeed =~ x7 + x8 + x9"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = cfa(hs.assign(x1=hs["x1"]), model)
    assert fit.converged


def test_invariance_by_channel_with_instrument(ref, bank, inst):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inv = measurement_invariance(bank, inst, group="channel")
    r = ref["bank_channel"]
    assert list(inv.groups) == r["groups"]
    assert inv.reversed_items == {"SQ09": 6.0}
    t = inv.table.set_index("level")
    np.testing.assert_allclose(t["chi2"], r["lrt"]["chisq"], rtol=1e-5)
    np.testing.assert_allclose(t["df"], r["lrt"]["df"])
    np.testing.assert_allclose(t["delta_chi2"][1:], r["lrt"]["chisq_diff"][1:], rtol=1e-4)
    check_fit(inv.fits["configural"], r["configural"]["fit"])
    check_fit(inv.fits["scalar"], r["scalar"]["fit"])


def test_invariance_warns_once_for_an_unreversed_item(bank):
    with pytest.warns(ReverseKeyWarning) as rec:
        measurement_invariance(bank, ITEMS, group="channel", levels=("configural", "metric"))
    assert len(rec) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inv = measurement_invariance(
            bank, ITEMS, group="channel", levels=("configural", "metric"), keys=["SQ09"]
        )
    assert inv.reversed_items == {"SQ09": 6.0}


def test_validated_responses_and_instrument(inst, bank):
    raw = satscore.load_example("bank_survey")
    vr = inst.validate(raw, id_column="respondent_id", on_invalid="coerce")
    fit = cfa(vr, inst)
    assert fit.n == len(bank)
    assert fit.chi2 == pytest.approx(cfa(bank, inst).chi2, rel=1e-10)


def test_bad_keys(bank, inst):
    with pytest.raises(OptionError, match=r"keys= cannot be combined with an instrument"):
        cfa(bank, inst, keys=["SQ09"])
    with pytest.raises(ModelSpecificationError, match=r"keys: 'SQ99' is not an item of the model"):
        cfa(bank, ITEMS, keys=["SQ99"])
    chunks = [bank.iloc[:300], bank.iloc[300:]]
    with pytest.raises(OptionError, match=r"keys= takes each item's min and max from the data"):
        cfa(iter(chunks), ITEMS, keys=["SQ09"])


def test_instrument_reversal_on_chunks(bank, inst):
    """Out-of-core moments are reversed like in-memory ones (means matter with groups)."""
    chunks = [bank.iloc[:300], bank.iloc[300:]]
    for group in (None, "channel"):
        mem = cfa(bank, inst, group=group)
        out = cfa(iter(chunks), inst, group=group)
        assert out.reversed_items == {"SQ09": 6.0}
        assert out.chi2 == pytest.approx(mem.chi2, rel=1e-9)
        np.testing.assert_allclose(out.estimates["est"], mem.estimates["est"], atol=1e-8)

"""The CFA and validity part of reliability_report.

References:
* bank example: lavaan 0.6-14 / semTools 0.5-6 via tests/data/make_cfa_bank.R -> cfa_bank_R.json
  (the 671 respondents answering all 19 scored items, SQ09 reversed as 6 - SQ09).
* bfi five-factor model: lavaan via tests/data/make_cfa.R -> cfa_R.json ``bfi_5`` (raw items).
  Reversing an item changes no fit measure, AVE, semTools AVE or HTMT (absolute correlations),
  and makes every loading positive, so CR is the closed form on |std.all|.
Tolerances: fit measures rel 1e-5; loadings, CR, AVE abs 1e-3; HTMT abs 1e-8.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import satscore
from satscore import reliability_report
from satscore.errors import ConvergenceWarning, OptionError, SatscoreWarning
from satscore.instruments import Instrument

REVERSED = {"A1", "C4", "C5", "E1", "E2", "O2", "O5"}
FIT = {"chi2": "chisq", "df": "df", "cfi": "cfi", "tli": "tli", "rmsea": "rmsea", "srmr": "srmr"}


def make_instrument(members: dict[str, list[str]], reverse=REVERSED) -> Instrument:
    """An instrument on a 1-6 scale with the given dimensions."""
    where = {it: d for d, its in members.items() for it in its}
    return Instrument.from_dict(
        {
            "schema_version": 1,
            "id": "toy",
            "version": "1.0.0",
            "title": {"en": "toy"},
            "languages": ["en"],
            "default_language": "en",
            "scales": [
                {
                    "id": "six",
                    "codes": [1, 2, 3, 4, 5, 6],
                    "labels": {"en": [f"c{i}" for i in range(1, 7)]},
                    "satisfied": [5, 6],
                    "ordinal": True,
                }
            ],
            "dimensions": [{"id": d, "title": {"en": d}, "items": i} for d, i in members.items()],
            "items": [
                {
                    "id": it,
                    "text": {"en": it},
                    "scale": "six",
                    "dimension": where[it],
                    "reverse": it in reverse,
                }
                for it in where
            ],
        }
    )


BFI_DIMS = {p: [f"{p}{i}" for i in range(1, 6)] for p in "ACENO"}


@pytest.fixture(scope="module")
def bfi(data_dir):
    return pd.read_csv(data_dir / "bfi.csv").iloc[:, :25]


@pytest.fixture(scope="module")
def cfa_ref(data_dir):
    return json.loads((data_dir / "cfa_R.json").read_text())


@pytest.fixture(scope="module")
def bank_ref(data_dir):
    return json.loads((data_dir / "cfa_bank_R.json").read_text())


@pytest.fixture(scope="module")
def bank_report():
    inst = satscore.load_instrument("bank_service")
    raw = satscore.load_example("bank_survey")
    vr = inst.validate(raw, id_column="respondent_id", on_invalid="coerce")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SQ09 reversed: no warning at all
        return reliability_report(vr)


def test_bank_report_cfa_matches_lavaan(bank_report, bank_ref):
    rep = bank_report
    assert rep.cfa_status == "fitted"
    fit = rep.cfa
    assert fit.reversed_items == {"SQ09": 6.0}
    ref = bank_ref["bank"]
    for ours, theirs in FIT.items():
        assert getattr(fit, ours) == pytest.approx(ref["fit"][theirs], rel=1e-5), ours
    assert fit.n == ref["fit"]["ntotal"] == 671
    pe = pd.DataFrame(ref["pe"])
    lam = pe[pe["op"] == "=~"].set_index("rhs")["std.all"]
    items = rep.items.set_index("item")
    np.testing.assert_allclose(items.loc[lam.index, "std_loading"], lam, atol=1e-3)
    assert items.loc["SQ09", "std_loading"] > 0.5  # -0.556 before reversal
    val = ref["validity"]
    dims = rep.dimensions.set_index("dimension")
    vt = rep.validity.factors.set_index("factor")
    for f in val["factors"]:
        own = pe[(pe["op"] == "=~") & (pe["lhs"] == f)]
        err = pe[(pe["op"] == "~~") & (pe["lhs"] == pe["rhs"]) & pe["lhs"].isin(own["rhs"])]
        s = own["std.all"].sum()
        assert dims.loc[f, "cr"] == pytest.approx(s**2 / (s**2 + err["std.all"].sum()), abs=1e-3)
        assert dims.loc[f, "ave"] == pytest.approx((own["std.all"] ** 2).mean(), abs=1e-3)
        assert vt.loc[f, "omega"] == pytest.approx(val["comprel_obs"][f], abs=1e-3)
        assert vt.loc[f, "ave_semtools"] == pytest.approx(val["ave_obs"][f], abs=1e-3)
    htmt = np.array(val["htmt"])
    np.fill_diagonal(htmt, np.nan)
    np.testing.assert_allclose(dims.loc[val["factors"], "max_htmt"], np.nanmax(htmt, 1), atol=1e-8)
    # service quality: AVE .413 < .50 and sqrt(AVE) .643 below its correlation with staff
    # attitude (lavaan cor.lv); no fit flag, no other validity flag
    r_sq_sa = val["cov_lv"][0][1]
    assert np.sqrt(dims.loc["service_quality", "ave"]) < r_sq_sa
    cfa_flags = rep.flags[~rep.flags["flag"].isin(["low_alpha", "low_r_drop", "raises_alpha"])]
    assert list(cfa_flags["flag"]) == ["low_ave", "fornell_larcker"]
    assert set(cfa_flags["dimension"]) == {"service_quality"}
    assert rep.cfa_notes[0].startswith("CFA sample: 671 of 20000 respondents (listwise")


def test_bank_report_summary_dict_html(bank_report):
    s = bank_report.summary()
    top = s.iloc[0]
    assert top["level"] == "cfa"
    assert top["n"] == 671
    assert top["df"] == 149
    assert top["cfi"] == pytest.approx(bank_report.cfa.cfi)
    assert top["flags"] == ""
    sq = s[(s["level"] == "dimension") & (s["dimension"] == "service_quality")].iloc[0]
    assert sq["flags"] == "low_ave,fornell_larcker"
    assert sq["ave"] == pytest.approx(0.413, abs=5e-4)
    d = json.loads(json.dumps(bank_report.to_dict()))
    assert d["cfa_status"] == "fitted"
    assert d["cfa"]["reversed_items"] == {"SQ09": 6.0}
    assert d["validity"]["factors"][0]["factor"] == "service_quality"
    html = bank_report._repr_html_()
    assert "CFA (ML, n = 671): chi2(149) = 161.75" in html
    assert "reverse-keyed items reversed: SQ09" in html
    assert "cfa='fitted'" in repr(bank_report)


def test_bfi_report_cfa_matches_lavaan(bfi, cfa_ref):
    inst = make_instrument({f"dim_{p.lower()}": its for p, its in BFI_DIMS.items()})
    rep = reliability_report(bfi, inst)
    ref = cfa_ref["bfi_5"]
    for ours, theirs in FIT.items():
        assert getattr(rep.cfa, ours) == pytest.approx(ref["fit"][theirs], rel=1e-5), ours
    assert rep.cfa.reversed_items == dict.fromkeys(sorted(REVERSED, key=list(bfi).index), 7.0)
    pe = pd.DataFrame(ref["pe"])
    dims = rep.dimensions.set_index("dimension")
    expected_flags = set()
    for p in "ACENO":
        own = pe[(pe["op"] == "=~") & (pe["lhs"] == p)]
        err = pe[(pe["op"] == "~~") & (pe["lhs"] == pe["rhs"]) & pe["lhs"].isin(own["rhs"])]
        s = own["std.all"].abs().sum()
        cr = s**2 / (s**2 + err["std.all"].sum())
        ave = (own["std.all"] ** 2).mean()
        assert dims.loc[f"dim_{p.lower()}", "cr"] == pytest.approx(cr, abs=1e-3)
        assert dims.loc[f"dim_{p.lower()}", "ave"] == pytest.approx(ave, abs=1e-3)
        assert rep.validity.factors.set_index("factor").loc[
            f"dim_{p.lower()}", "ave_semtools"
        ] == pytest.approx(ref["validity"]["ave_obs"][p], abs=1e-3)
        if cr < 0.70:
            expected_flags.add(("low_cr", f"dim_{p.lower()}"))
        if ave < 0.50:
            expected_flags.add(("low_ave", f"dim_{p.lower()}"))
    np.testing.assert_allclose(rep.validity.htmt, ref["validity"]["htmt"], atol=1e-8)
    items = rep.items.set_index("item")
    lam = pe[pe["op"] == "=~"].set_index("rhs")["std.all"]
    np.testing.assert_allclose(items.loc[lam.index, "std_loading"], lam.abs(), atol=1e-3)
    fl = rep.flags
    got = {(r.flag, r.dimension) for r in fl.itertuples() if r.flag in ("low_cr", "low_ave")}
    assert got == expected_flags
    # lavaan: CFI .78, RMSEA .078, SRMR .075 -> low_cfi only
    assert ref["fit"]["cfi"] < 0.90 < 0.92
    assert set(fl.loc[fl["level"] == "model", "flag"]) == {"low_cfi"}


def test_cfa_can_be_switched_off(bfi):
    inst = make_instrument({"a": BFI_DIMS["A"], "c": BFI_DIMS["C"]})
    rep = reliability_report(bfi, inst, cfa=False)
    assert rep.cfa is None
    assert rep.validity is None
    assert rep.cfa_status == "off"
    assert rep.dimensions[["cr", "ave", "max_htmt"]].isna().all().all()
    assert "cfa" not in set(rep.summary()["level"])
    assert "switched off" in rep._repr_html_()


def test_dimension_with_one_item_is_left_out_with_a_warning(bfi):
    inst = make_instrument({"a": BFI_DIMS["A"], "c": BFI_DIMS["C"], "solo": ["E3"]})
    with pytest.warns(SatscoreWarning, match=r"dimension 'solo' has 1 scored item.*left out"):
        rep = reliability_report(bfi, inst)
    assert rep.cfa_status == "fitted_partial"
    assert rep.cfa is not None
    assert list(rep.cfa.std_loadings.columns) == ["a", "c"]
    assert any("'solo'" in n for n in rep.cfa_notes)
    assert "Left out: CFA: dimension &#x27;solo&#x27;" in rep._repr_html_()


def test_too_few_complete_rows_fails_loudly(bfi):
    inst = make_instrument({"a": BFI_DIMS["A"], "c": BFI_DIMS["C"]})
    with pytest.warns(SatscoreWarning, match=r"CFA not fitted: data has 9 complete row"):
        rep = reliability_report(bfi.iloc[:9], inst, cfa_missing="listwise")
    assert rep.cfa is None
    assert rep.validity is None
    assert rep.cfa_status == "failed"
    assert "needs at least 11" in rep.cfa_notes[0]
    row = rep.summary().iloc[0]
    assert row["level"] == "cfa"
    assert row["flags"] == "cfa_failed"
    assert np.isnan(row["cfi"])
    assert "CFA not fitted" in rep._repr_html_()
    d = json.loads(json.dumps(rep.to_dict()))
    assert d["cfa"] is None
    assert d["cfa_status"] == "failed"
    assert "needs at least 11" in d["cfa_notes"][0]


def test_non_positive_definite_fails_loudly(bfi):
    data = bfi.assign(C5=bfi["C4"])  # two identical items
    inst = make_instrument({"a": BFI_DIMS["A"], "c": BFI_DIMS["C"]})
    with pytest.warns(SatscoreWarning) as record:
        rep = reliability_report(data, inst)
    msgs = [str(w.message) for w in record]
    assert any(m.startswith("CFA not fitted") and "not positive definite" in m for m in msgs)
    assert rep.cfa_status == "failed"
    assert "not positive definite" in rep.cfa_notes[-1]


def test_non_convergence_fails_loudly(bfi, monkeypatch):
    import satscore._sem.cfa as cfa_module

    original = cfa_module.estimate

    def one_step(tab, theta, moments, *, max_iter, tol):
        return original(tab, theta, moments, max_iter=1, tol=tol)

    monkeypatch.setattr(cfa_module, "estimate", one_step)
    inst = make_instrument({"a": BFI_DIMS["A"], "c": BFI_DIMS["C"]})
    with pytest.warns(ConvergenceWarning, match=r"did not converge after 1 iteration") as rec:
        rep = reliability_report(bfi, inst)
    assert len([w for w in rec if "CFA not used" in str(w.message)]) == 1
    assert rep.cfa is None
    assert rep.cfa_status == "failed"
    assert "did not converge" in rep.cfa_notes[-1]


def test_fiml_option_and_bad_options(bfi):
    inst = make_instrument({"a": BFI_DIMS["A"], "c": BFI_DIMS["C"]})
    rep = reliability_report(bfi, inst, cfa_missing="ml")
    direct = satscore.cfa(bfi, inst, missing="ml")
    assert rep.cfa.n == direct.n > int(bfi[BFI_DIMS["A"] + BFI_DIMS["C"]].notna().all(axis=1).sum())
    assert rep.cfa.chi2 == pytest.approx(direct.chi2, rel=1e-10)
    with pytest.raises(OptionError, match="cfa_missing='pairwise' is not supported"):
        reliability_report(bfi, inst, cfa_missing="pairwise")
    with pytest.raises(OptionError, match="htmt_threshold"):
        reliability_report(bfi, inst, htmt_threshold=1.5)


def test_cfa_warnings_are_reemitted_and_recorded(bfi, monkeypatch):
    """A warning of the fit itself (here a Heywood case, injected) reaches the caller, prefixed
    "CFA:", and is kept in cfa_notes; the fit is still used."""
    import satscore._sem.cfa as cfa_module
    from satscore.errors import HeywoodWarning

    def heywood(state):
        warnings.warn(
            "negative residual variance (Heywood case) for item(s) ['A3']", HeywoodWarning
        )

    monkeypatch.setattr(cfa_module, "_heywood", heywood)
    inst = make_instrument({"a": BFI_DIMS["A"], "c": BFI_DIMS["C"]})
    with pytest.warns(HeywoodWarning, match=r"^CFA: negative residual variance"):
        rep = reliability_report(bfi, inst)
    assert rep.cfa_status == "fitted"
    assert rep.cfa is not None
    assert any(n.startswith("CFA: negative residual variance") for n in rep.cfa_notes)
    assert any(n.startswith("CFA: negative residual variance") for n in rep.notes)

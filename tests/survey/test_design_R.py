"""SurveyDesign against R survey 4.1-1 (tests/data/make_sampling.R -> sampling_R.json), tol 1e-6."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from satscore import SurveyDesign, post_stratify, rake
from satscore._stats.intervals import beta_interval
from satscore.errors import DesignError

TOL = 1e-6


@pytest.fixture(scope="module")
def ref(data_dir):
    return json.loads((data_dir / "sampling_R.json").read_text())


@pytest.fixture(scope="module")
def apistrat(data_dir):
    return pd.read_csv(data_dir / "apistrat.csv")


@pytest.fixture(scope="module")
def apiclus1(data_dir):
    return pd.read_csv(data_dir / "apiclus1.csv")


def _num(values):
    return np.array([np.nan if v in (None, "NaN", "NA") else v for v in values], dtype=float)


def build(name, apistrat, apiclus1, ref=None):
    if name == "dstrat":
        return SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    if name == "dstrat_nofpc":
        return SurveyDesign(apistrat, weights="pw", strata="stype")
    if name == "dstrat_fpconly":
        return SurveyDesign(apistrat, strata="stype", fpc="fpc")
    if name == "dstrat_clus":
        return SurveyDesign(apistrat, weights="pw", strata="stype", cluster="dnum", nest=True)
    if name == "dclus1":
        return SurveyDesign(apiclus1, weights="pw", cluster="dnum", fpc="fpc")
    if name == "dclus1_nofpc":
        return SurveyDesign(apiclus1, weights="pw", cluster="dnum")
    pop = ref["pop"]
    types = {r["stype"]: r["Freq"] for r in pop["types"]}
    schwide = {r["sch.wide"]: r["Freq"] for r in pop["schwide"]}
    awards = {r["awards"]: r["Freq"] for r in pop["awards"]}
    dclus1 = build("dclus1", apistrat, apiclus1)
    if name == "dclus1_ps_stype":
        return post_stratify(dclus1, "stype", types)
    if name == "dclus1_rake":
        return rake(dclus1, {"stype": types, "sch.wide": schwide})
    if name == "dstrat_ps_awards":
        return post_stratify(build("dstrat", apistrat, apiclus1), "awards", awards)
    if name == "dclus1_ps_stype_awards":
        tab = pd.DataFrame(pop["stype_awards"])
        return post_stratify(dclus1, ["stype", "awards"], tab)
    if name == "dstrat_nofpc_rake":
        return rake(
            build("dstrat_nofpc", apistrat, apiclus1), {"awards": awards, "sch.wide": schwide}
        )
    raise KeyError(name)


PLAIN = ["dstrat", "dstrat_nofpc", "dstrat_fpconly", "dstrat_clus", "dclus1", "dclus1_nofpc"]
CAL = [
    "dclus1_ps_stype",
    "dclus1_rake",
    "dstrat_ps_awards",
    "dclus1_ps_stype_awards",
    "dstrat_nofpc_rake",
]
# raked on sch.wide: the proportion of sch.wide is calibrated (se ~ 1e-13), no CI to compare
CAL_CI = [c for c in CAL if "rake" not in c]
METHODS = {
    "beta": "korn_graubard",
    "logit": "logit",
    "xlogit": "xlogit",
    "asin": "asin",
    "mean": "mean",
}


@pytest.mark.parametrize("name", PLAIN + CAL)
def test_whole_design_statistics(name, ref, apistrat, apiclus1):
    r = ref[name]
    d = build(name, apistrat, apiclus1, ref)
    assert d.df == r["df"]
    m = d.mean("api00")
    assert m.estimate == pytest.approx(r["mean_api00"]["est"], rel=TOL)
    assert m.se == pytest.approx(r["mean_api00"]["se"], rel=TOL)
    assert m.deff == pytest.approx(r["mean_api00"]["deff"], rel=TOL)
    assert d.mean("api00", deff="replace").deff == pytest.approx(
        r["mean_api00"]["deff_replace"], rel=TOL
    )
    np.testing.assert_allclose(tuple(m.ci), r["mean_api00"]["ci_t"], rtol=TOL)
    t = d.total("enroll")
    assert t.estimate == pytest.approx(r["total_enroll"]["est"], rel=TOL)
    assert t.se == pytest.approx(r["total_enroll"]["se"], rel=TOL)
    assert t.deff == pytest.approx(r["total_enroll"]["deff"], rel=TOL)
    assert d.total("enroll", deff="replace").deff == pytest.approx(
        r["total_enroll"]["deff_replace"], rel=TOL
    )
    np.testing.assert_allclose(tuple(t.ci), r["total_enroll"]["ci_t"], rtol=TOL)
    na = d.mean("acs.k3")
    assert na.estimate == pytest.approx(r["mean_acsk3_narm"]["est"], rel=TOL)
    assert na.se == pytest.approx(r["mean_acsk3_narm"]["se"], rel=TOL)
    assert na.deff == pytest.approx(r["mean_acsk3_narm"]["deff"], rel=TOL)
    p = d.proportion("sch.wide", level="Yes")
    assert p.estimate == pytest.approx(r["prop_schwide"]["est"], rel=TOL)
    assert p.se == pytest.approx(r["prop_schwide"]["se"], rel=TOL, abs=1e-9)
    if name in PLAIN + CAL_CI:
        assert p.deff == pytest.approx(r["prop_schwide"]["deff"], rel=TOL)


@pytest.mark.parametrize("name", PLAIN + CAL_CI)
@pytest.mark.parametrize("rmethod", list(METHODS))
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_svyciprop_methods(name, rmethod, level, ref, apistrat, apiclus1):
    key = ("ciprop_" if level == 0.95 else "ciprop90_") + rmethod
    r = ref[name][key]
    d = build(name, apistrat, apiclus1, ref)
    est = d.proportion("sch.wide", level="Yes", method=METHODS[rmethod], confidence_level=level)
    assert est.estimate == pytest.approx(r["p"], rel=TOL)
    np.testing.assert_allclose(tuple(est.ci), r["ci"], rtol=TOL)


@pytest.mark.parametrize("name", PLAIN + CAL_CI)
def test_svyciprop_likelihood(name, ref, apistrat, apiclus1):
    r = ref[name]["ciprop_likelihood"]
    d = build(name, apistrat, apiclus1, ref)
    est = d.proportion("sch.wide", level="Yes", method="likelihood")
    # R interpolates the profile on a grid (MASS profile + spline); satscore solves exactly
    np.testing.assert_allclose(tuple(est.ci), r["ci"], rtol=1e-4)


@pytest.mark.parametrize("name", PLAIN)
def test_near_zero_beta(name, ref, apistrat, apiclus1):
    r = ref[name]["ciprop_ell0_beta"]
    d = build(name, apistrat, apiclus1, ref)
    est = d.proportion(d.data["ell"] == 0)
    assert est.estimate == pytest.approx(r["p"], rel=TOL)
    np.testing.assert_allclose(tuple(est.ci), r["ci"], rtol=TOL, atol=1e-12)


def _check_by(tab, r, keycol, estcol="estimate"):
    keys = [str(k) for k in tab[keycol]]
    assert keys == r["key"]
    np.testing.assert_allclose(tab[estcol], _num(r["est"]), rtol=TOL)
    np.testing.assert_allclose(tab["se"], _num(r["se"]), rtol=TOL, atol=1e-12)


@pytest.mark.parametrize("name", PLAIN + CAL)
def test_by_stype(name, ref, apistrat, apiclus1):
    r = ref["by_stype"][name] if name in PLAIN else ref[name]["by_stype"]
    d = build(name, apistrat, apiclus1, ref)
    tab = d.by("stype", "api00")
    _check_by(tab, r["mean_api00"], "stype")
    np.testing.assert_allclose(tab["deff"], _num(r["mean_api00"]["deff"]), rtol=TOL)
    _check_by(d.by("stype", "enroll", statistic="total"), r["total_enroll"], "stype")
    for rmethod in ("beta", "logit", "mean", "asin"):
        tab = d.by(
            "stype", "sch.wide", statistic="proportion", level="Yes", method=METHODS[rmethod]
        )
        rr = r[f"ciprop_{rmethod}"]
        _check_by(tab, rr, "stype")
        np.testing.assert_allclose(tab["ci_low"], _num(rr["ci_l"]), rtol=TOL)
        np.testing.assert_allclose(tab["ci_high"], _num(rr["ci_u"]), rtol=TOL)


@pytest.mark.parametrize("name", ["dclus1", "dstrat"])
def test_by_cname_many_small_domains(name, ref, apistrat, apiclus1):
    r = ref[f"by_cname_{name}"]
    d = build(name, apistrat, apiclus1, ref)
    _check_by(d.by("cname", "api00"), r["mean_api00"], "cname")
    _check_by(d.by("cname", "enroll", statistic="total"), r["total_enroll"], "cname")
    for rmethod in ("beta", "logit", "mean"):
        tab = d.by(
            "cname", "sch.wide", statistic="proportion", level="Yes", method=METHODS[rmethod]
        )
        rr = r[f"ciprop_{rmethod}"]
        # R leaves the interval NaN when df = 0; satscore too. R is also NaN when se == 0
        # (p = 0 or 1); satscore then gives the exact Clopper-Pearson interval on n.
        # R's logit interval at df = 1 degenerates to (0, NaN): confint.svyglm converts
        # t_{0.975, 1} = 12.7 to a normal level 1 - 2*pnorm(-12.7), which rounds to 1.
        r_low, r_high = _num(rr["ci_l"]), _num(rr["ci_u"])
        ok = np.isfinite(r_low) & np.isfinite(r_high) & (_num(rr["se"]) > 0)
        np.testing.assert_allclose(tab["ci_low"][ok], r_low[ok], rtol=TOL)
        np.testing.assert_allclose(tab["ci_high"][ok], r_high[ok], rtol=TOL)
        assert np.isnan(tab["ci_low"][tab["df"] <= 0]).all()
        if rmethod == "logit":
            assert ok[(tab["df"].to_numpy() >= 2) & (tab["se"].to_numpy() > 0)].all()
        zero = (tab["df"] > 0) & (tab["se"] == 0)
        if zero.any():
            cp = beta_interval(tab["estimate"][zero] * tab["n"][zero], tab["n"][zero])
            np.testing.assert_allclose(tab["ci_low"][zero], cp[0], rtol=TOL)
            np.testing.assert_allclose(tab["ci_high"][zero], cp[1], rtol=TOL)


def test_by_two_columns(ref, apistrat, apiclus1):
    r = ref["by_stype_awards_dclus1"]
    d = build("dclus1", apistrat, apiclus1)
    tab = d.by(["stype", "awards"], "api00")
    got = {(s, a): (e, se) for s, a, e, se in tab[["stype", "awards", "estimate", "se"]].to_numpy()}
    for s, a, e, se in zip(r["stype"], r["awards"], r["est"], r["se"], strict=True):
        assert got[(s, a)][0] == pytest.approx(e, rel=TOL)
        assert got[(s, a)][1] == pytest.approx(se, rel=TOL)


@pytest.mark.parametrize("rule", ["adjust", "average", "remove", "certainty"])
def test_lonely_psu_rules(rule, ref, apiclus1):
    r = ref[f"lonely_{rule}"]
    d = SurveyDesign(apiclus1, weights="pw", cluster="dnum", strata="cname", lonely_psu=rule)
    assert d.df == r["df"]
    m = d.mean("api00")
    assert m.estimate == pytest.approx(r["mean_api00"]["est"], rel=TOL)
    assert m.se == pytest.approx(r["mean_api00"]["se"], rel=TOL)
    t = d.total("enroll")
    assert t.se == pytest.approx(r["total_enroll"]["se"], rel=TOL)
    tab = d.by("stype", "api00")
    np.testing.assert_allclose(tab["se"], r["by_stype"]["se"], rtol=TOL)


def test_lonely_psu_fail_names_the_stratum(apiclus1):
    with pytest.raises(DesignError, match=r"stratum 'Alameda' has a single PSU.*lonely_psu="):
        SurveyDesign(apiclus1, weights="pw", cluster="dnum", strata="cname")


@pytest.mark.parametrize("name", CAL)
def test_calibrated_weights(name, ref, apistrat, apiclus1):
    d = build(name, apistrat, apiclus1, ref)
    np.testing.assert_allclose(d.weights, ref[name]["weights"], rtol=TOL)


def test_issue_values(apistrat, apiclus1):
    d = SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    m = d.mean("api00")
    assert round(m.estimate, 4) == 662.2874
    assert round(m.se, 4) == 9.4089
    p = d.proportion("sch.wide", level="Yes", method="logit")
    assert round(p.estimate, 6) == 0.827948
    assert (round(p.ci.low, 6), round(p.ci.high, 6)) == (0.774540, 0.870815)
    p = d.proportion("sch.wide", level="Yes")
    assert (round(p.ci.low, 6), round(p.ci.high, 6)) == (0.774171, 0.873432)
    c = SurveyDesign(apiclus1, weights="pw", cluster="dnum", fpc="fpc")
    m = c.mean("api00")
    assert (round(m.estimate, 4), round(m.se, 4), round(m.deff, 4)) == (644.1694, 23.5422, 9.3459)
    ci = c.proportion("sch.wide", level="Yes").ci
    assert (round(ci.low, 6), round(ci.high, 6)) == (0.823702, 0.914704)


def test_reference_json_from_make_reference(reference_r, apistrat, apiclus1):
    d = SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    r = reference_r["apistrat_mean_api00"]
    m = d.mean("api00")
    assert m.estimate == pytest.approx(
        r["mean"][0] if isinstance(r["mean"], list) else r["mean"], rel=TOL
    )
    for meth in ("logit", "asin", "beta", "mean", "xlogit"):
        rr = reference_r[f"apistrat_ciprop_{meth}"]
        est = d.proportion("sch.wide", level="Yes", method=METHODS[meth])
        np.testing.assert_allclose(tuple(est.ci), rr["ci"], rtol=TOL)
    c = SurveyDesign(apiclus1, weights="pw", cluster="dnum", fpc="fpc")
    rr = reference_r["apiclus1_ciprop_beta"]
    np.testing.assert_allclose(tuple(c.proportion("sch.wide", level="Yes").ci), rr["ci"], rtol=TOL)


def test_contrast_reference_available(ref):
    # used by test_sampling_compare (overlap-aware wave comparison)
    assert "contrast_awards_dclus1" in ref

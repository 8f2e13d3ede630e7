"""SurveyDesign: contract seam, domain estimation, interval options, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from satscore import DesignEstimate, SurveyDesign
from satscore._stats.intervals import beta_interval
from satscore.errors import DataError, DesignError, OptionError, SatscoreTypeError


@pytest.fixture(scope="module")
def apistrat(data_dir):
    return pd.read_csv(data_dir / "apistrat.csv")


@pytest.fixture(scope="module")
def apiclus1(data_dir):
    return pd.read_csv(data_dir / "apiclus1.csv")


@pytest.fixture(scope="module")
def dstrat(apistrat):
    return SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def dclus1(apiclus1):
    return SurveyDesign(apiclus1, weights="pw", cluster="dnum", fpc="fpc")


def test_domain_means_contract(dclus1, apiclus1):
    y = apiclus1[["api00", "api99", "acs.k3"]].to_numpy(float)
    codes = apiclus1["stype"].map({"E": 0, "H": 1, "M": 2}).to_numpy().copy()
    codes[:3] = -1  # rows in no domain
    out = dclus1.domain_means(y, domains=codes, n_domains=4)
    for key in ("estimate", "se", "n", "deff", "sum_w", "n_eff", "df_domain", "n_rows"):
        assert out[key].shape == (4, 3)
    assert out["df"] == 14
    assert out["n"].dtype.kind == "i"
    assert np.isnan(out["estimate"][3]).all()  # empty domain: NaN, count 0
    assert (out["n"][3] == 0).all()
    # each domain equals the by() estimate of the variable with the other rows set to NaN
    tab_var = apiclus1["api99"].to_numpy(float).copy()
    for g in range(3):
        masked = np.where(codes == g, tab_var, np.nan)
        est = dclus1.mean(masked)
        assert out["estimate"][g, 1] == pytest.approx(est.estimate, rel=1e-12)
        assert out["se"][g, 1] == pytest.approx(est.se, rel=1e-10)
        assert out["deff"][g, 1] == pytest.approx(est.deff, rel=1e-10)
        assert out["n"][g, 1] == est.n
    one = dclus1.domain_means(y[:, :1])
    assert one["estimate"][0, 0] == pytest.approx(dclus1.mean("api00").estimate, rel=1e-12)


def test_domain_variance_is_not_a_subset_design(apistrat):
    # R survey: a domain keeps the full design's PSU counts; a naive subset design does not
    d = SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    tab = d.by("awards", "api00")
    sub = apistrat[apistrat["awards"] == "No"]
    naive = SurveyDesign(sub, weights="pw", strata="stype", fpc="fpc").mean("api00")
    row = tab.set_index("awards").loc["No"]
    assert row["estimate"] == pytest.approx(naive.estimate, rel=1e-12)
    assert abs(row["se"] - naive.se) > 1e-3 * naive.se


def test_by_matches_domain_means_many_domains():
    rng = np.random.default_rng(4)
    n = 5000
    df = pd.DataFrame(
        {
            "h": rng.integers(0, 20, n),
            "psu": rng.integers(0, 400, n),
            "g": rng.integers(0, 37, n),
            "y": rng.integers(0, 2, n).astype(float),
            "w": rng.uniform(1, 5, n),
        }
    )
    df["psu"] = df["h"] * 1000 + df["psu"]
    d = SurveyDesign(df, weights="w", strata="h", cluster="psu", lonely_psu="adjust")
    tab = d.by("g", "y", statistic="proportion")
    out = d.domain_means(df[["y"]].to_numpy(), domains=df["g"].to_numpy())
    np.testing.assert_allclose(tab["estimate"], out["estimate"][:, 0], rtol=1e-12)
    np.testing.assert_allclose(tab["se"], out["se"][:, 0], rtol=1e-12)
    for g in (0, 17, 36):
        masked = np.where(df["g"] == g, df["y"], np.nan)
        assert tab["se"][g] == pytest.approx(d.mean(masked).se, rel=1e-10)


def test_interval_options_match_reference_formulas(dstrat, dclus1):
    # research note §8.2: KG-NCHS (cap n) and Wilson (R 4.5 formula), computed from the formulas
    ref = {
        (id(dstrat), "n"): (0.768364, 0.877530),
        (id(dclus1), "n"): (0.817403, 0.918632),
        (id(dstrat), "wilson"): (0.774815, 0.870638),
        (id(dclus1), "wilson"): (0.824172, 0.911693),
    }
    for d in (dstrat, dclus1):
        nchs = d.proportion("sch.wide", level="Yes", n_eff_cap="n").ci
        np.testing.assert_allclose(tuple(nchs), ref[(id(d), "n")], atol=5e-7)
        wil = d.proportion("sch.wide", level="Yes", method="wilson").ci
        np.testing.assert_allclose(tuple(wil), ref[(id(d), "wilson")], atol=5e-7)
    e = dstrat.proportion("sch.wide", level="Yes")
    assert e.n_eff == pytest.approx(240.4, abs=0.05)
    capped = dstrat.proportion("sch.wide", level="Yes", n_eff_cap="n_fpc").ci
    uncapped = e.ci
    assert capped.low <= uncapped.low
    assert capped.high >= uncapped.high


def test_kg_without_design_is_clopper_pearson_on_n_minus_1(data_dir):
    # unweighted, no FPC: v = p(1-p)/(n-1) (with-replacement variance), so n_eff = n - 1 and the
    # df adjustment is 1: Clopper-Pearson at x = p(n-1) out of n - 1 (R svyciprop "beta" agrees)
    df = pd.DataFrame({"y": [1] * 85 + [0] * 15})
    e = SurveyDesign(df).proportion("y")
    assert e.n_eff == pytest.approx(99)
    np.testing.assert_allclose(tuple(e.ci), beta_interval(0.85 * 99, 99), rtol=1e-12)
    ref = json.loads((data_dir / "sampling_R.json").read_text())["srs_85_100_beta"]
    np.testing.assert_allclose(tuple(e.ci), ref, rtol=1e-6)


def test_all_satisfied_segment_is_not_certain():
    df = pd.DataFrame({"y": [1.0] * 30, "h": ["a"] * 15 + ["b"] * 15})
    e = SurveyDesign(df, strata="h").proportion("y")
    low, _ = beta_interval(30, 30)
    assert e.ci.low == pytest.approx(low)
    assert e.ci.high == 1.0
    assert e.ci.low < 0.9


def test_estimate_result_api(dstrat):
    e = dstrat.proportion("sch.wide", level="Yes")
    assert isinstance(e, DesignEstimate)
    row = e.summary().iloc[0]
    assert row["ci_low"] == e.ci.low
    assert e.to_dict()["ci"]["low"] == e.ci.low
    assert "<table" in e._repr_html_()
    assert "df=197" in repr(dstrat)


def test_total_and_mean_of_boolean_and_array(dstrat, apistrat):
    a = dstrat.mean(apistrat["sch.wide"] == "Yes")
    b = dstrat.proportion("sch.wide", level="Yes")
    assert a.estimate == pytest.approx(b.estimate)
    t = dstrat.total((apistrat["sch.wide"] == "Yes").to_numpy())
    assert t.estimate == pytest.approx(b.estimate * dstrat.weights.sum())


def test_design_does_not_modify_data(apiclus1):
    before = apiclus1.copy()
    d = SurveyDesign(apiclus1, weights="pw", cluster="dnum", fpc="fpc")
    d.by("stype", "sch.wide", statistic="proportion", level="Yes")
    d.domain_means(apiclus1[["api00"]].to_numpy())
    pd.testing.assert_frame_equal(apiclus1, before)
    assert d.data is apiclus1


def test_fpc_as_fraction_equals_population_size(apistrat):
    n_h = apistrat.groupby("stype")["stype"].transform("size")
    frac = apistrat.assign(f=n_h / apistrat["fpc"])
    a = SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc").mean("api00")
    b = SurveyDesign(frac, weights="pw", strata="stype", fpc="f").mean("api00")
    assert a.se == pytest.approx(b.se, rel=1e-12)


# ------------------------------------------------------------------ bad input
def test_bad_weights(apistrat):
    for bad in (0.0, -1.0, np.nan):
        df = apistrat.assign(pw=apistrat["pw"].where(apistrat.index != 5, bad))
        with pytest.raises(
            DesignError, match=r"weights column 'pw' has 1 non-positive.*rows \[5\]"
        ):
            SurveyDesign(df, weights="pw", strata="stype")
    with pytest.raises(DesignError, match="weights column 'wt' is not in the data"):
        SurveyDesign(apistrat, weights="wt")
    with pytest.raises(DesignError, match="weights has 3 values for 200 rows"):
        SurveyDesign(apistrat, weights=[1, 2, 3])


def test_bad_fpc(apistrat, apiclus1):
    small = apistrat.assign(fpc=np.where(apistrat["stype"] == "H", 10, apistrat["fpc"]))
    with pytest.raises(
        DesignError, match=r"population of 10 PSUs in stratum 'H', smaller than the 50"
    ):
        SurveyDesign(small, weights="pw", strata="stype", fpc="fpc")
    vary = apistrat.assign(fpc=apistrat["fpc"] + np.arange(200))
    with pytest.raises(DesignError, match=r"fpc \(column 'fpc'\) varies within stratum 'E'"):
        SurveyDesign(vary, weights="pw", strata="stype", fpc="fpc")
    with pytest.raises(DesignError, match=r"fpc \(fpc\) has the value -5.0"):
        SurveyDesign(apistrat, strata="stype", fpc=-5)


def test_single_psu_and_nesting(apiclus1, apistrat):
    one = apiclus1.assign(h=np.where(apiclus1["dnum"] == apiclus1["dnum"].iloc[0], "x", "y"))
    with pytest.raises(DesignError, match=r"stratum 'x' has a single PSU \(lonely PSU"):
        SurveyDesign(one, weights="pw", cluster="dnum", strata="h")
    with pytest.raises(
        DesignError, match=r"cluster id .* appears in more than one stratum.*nest=True"
    ):
        SurveyDesign(apistrat, weights="pw", strata="stype", cluster="dnum")
    with pytest.raises(OptionError, match="lonely_psu='drop' is not supported"):
        SurveyDesign(apiclus1, lonely_psu="drop")


def test_bad_variables_and_types(dstrat, apistrat):
    with pytest.raises(DataError, match=r"variable 'sch\.wide' is not numeric"):
        dstrat.mean("sch.wide")
    with pytest.raises(
        DataError, match=r"variable 'api00' has the value 840\.0; a proportion needs 0/1"
    ):
        dstrat.proportion("api00")
    with pytest.raises(DataError, match="variable 'nope' is not a column"):
        dstrat.mean("nope")
    with pytest.raises(SatscoreTypeError, match="data must be a pandas DataFrame"):
        SurveyDesign(apistrat.to_numpy())
    with pytest.raises(DesignError, match="strata column 'stype' has missing values"):
        SurveyDesign(
            apistrat.assign(stype=apistrat["stype"].where(apistrat.index > 0)), strata="stype"
        )
    with pytest.raises(OptionError, match="method='exact' is not supported"):
        dstrat.proportion("sch.wide", level="Yes", method="exact")
    with pytest.raises(DesignError, match="y has shape"):
        dstrat.domain_means(np.ones((3, 2)))
    with pytest.raises(DesignError, match="domains must be codes"):
        dstrat.domain_means(np.ones((200, 1)), domains=np.full(200, 5), n_domains=3)


def test_sparse_pair_path_equals_dense(monkeypatch):
    import satscore._survey.variance as core

    rng = np.random.default_rng(8)
    n = 3000
    df = pd.DataFrame(
        {
            "h": rng.integers(0, 5, n),
            "psu": rng.integers(0, 60, n),
            "g": rng.integers(0, 9, n),
            "y": rng.normal(size=n),
            "w": rng.uniform(1, 3, n),
        }
    )
    df["psu"] = df["h"] * 100 + df["psu"]
    d = SurveyDesign(df, weights="w", strata="h", cluster="psu")
    dense = d.by("g", "y")
    monkeypatch.setattr(core, "_DENSE_LIMIT", 10)
    sparse = d.by("g", "y")
    np.testing.assert_allclose(sparse["se"], dense["se"], rtol=1e-12)
    np.testing.assert_array_equal(sparse["df"], dense["df"])

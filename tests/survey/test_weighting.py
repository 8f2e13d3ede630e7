"""Weighting: post-stratification, raking, nonresponse adjustment (R values in test_design_R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from satscore import SurveyDesign, nonresponse_adjust, post_stratify, rake
from satscore.errors import ConvergenceWarning, DesignError

TYPES = {"E": 4421, "H": 755, "M": 1018}
SCHWIDE = {"No": 1072, "Yes": 5122}


@pytest.fixture(scope="module")
def dclus1(data_dir):
    api = pd.read_csv(data_dir / "apiclus1.csv")
    return SurveyDesign(api, weights="pw", cluster="dnum", fpc="fpc")


def test_post_stratified_weights_reproduce_population(dclus1):
    ps = post_stratify(dclus1, "stype", TYPES)
    sums = pd.Series(ps.weights).groupby(dclus1.data["stype"].to_numpy()).sum()
    np.testing.assert_allclose(sums[list(TYPES)], list(TYPES.values()), rtol=1e-12)
    # the original design is untouched and variance of a post-stratum total is ~0
    assert not dclus1.calibrated
    assert ps.calibrated
    t = ps.total(dclus1.data["stype"] == "E")
    assert t.estimate == pytest.approx(4421)
    assert t.se < 1e-6


def test_population_formats_are_equivalent(dclus1):
    a = post_stratify(dclus1, "stype", TYPES).mean("api00")
    b = post_stratify(dclus1, "stype", pd.Series(TYPES)).mean("api00")
    c = post_stratify(
        dclus1, "stype", pd.DataFrame({"stype": list(TYPES), "Freq": list(TYPES.values())})
    ).mean("api00")
    assert a.se == pytest.approx(b.se, rel=1e-14)
    assert a.se == pytest.approx(c.se, rel=1e-14)


def test_raked_weights_match_both_margins(dclus1):
    r = rake(dclus1, {"stype": TYPES, "sch.wide": SCHWIDE})
    data = dclus1.data
    for col, pop in (("stype", TYPES), ("sch.wide", SCHWIDE)):
        sums = pd.Series(r.weights).groupby(data[col].to_numpy()).sum()
        np.testing.assert_allclose(sums[list(pop)], list(pop.values()), atol=1.0)


def test_rake_nonconvergence_warns(dclus1):
    with pytest.warns(ConvergenceWarning, match="raking did not converge in 1 sweeps"):
        rake(dclus1, {"stype": TYPES, "sch.wide": SCHWIDE}, max_iter=1, epsilon=1e-9)


def test_calibration_errors(dclus1):
    with pytest.raises(
        DesignError, match=r"cell \('H',\) of \['stype'\] is in the sample but has no"
    ):
        post_stratify(dclus1, "stype", {"E": 4421, "M": 1018})
    with pytest.raises(DesignError, match=r"population cell\(s\) \[\('X',\)\].*partial=True"):
        post_stratify(dclus1, "stype", {**TYPES, "X": 10})
    ok = post_stratify(dclus1, "stype", {**TYPES, "X": 10}, partial=True)
    assert ok.weights.sum() == pytest.approx(sum(TYPES.values()))
    with pytest.raises(DesignError, match="post-stratum column 'region' is not in the design"):
        post_stratify(dclus1, "region", TYPES)
    with pytest.raises(DesignError, match="population must be a dict"):
        post_stratify(dclus1, "stype", [1, 2, 3])
    with pytest.raises(DesignError, match="count column"):
        post_stratify(dclus1, "stype", pd.DataFrame({"stype": ["E"], "a": [1], "b": [2]}))
    with pytest.raises(DesignError, match="margins is empty"):
        rake(dclus1, {})


def test_nonresponse_adjustment():
    s = pd.DataFrame(
        {
            "h": ["a"] * 5 + ["b"] * 5,
            "design_weight": [10.0] * 5 + [20.0] * 5,
            "resp": [1, 1, 0, 0, 0, 1, 1, 1, 1, 0],
        }
    )
    before = s.copy()
    out = nonresponse_adjust(s, responded="resp", classes="h")
    pd.testing.assert_frame_equal(s, before)
    assert len(out) == 6
    np.testing.assert_allclose(out.groupby("h")["weight"].sum(), [50.0, 100.0])
    np.testing.assert_allclose(out["nr_factor"], [2.5, 2.5, 1.25, 1.25, 1.25, 1.25])
    one = nonresponse_adjust(s, responded=s["resp"].astype(bool).to_numpy())
    assert one["weight"].sum() == pytest.approx(150.0)
    with pytest.raises(DesignError, match="adjustment class 'b' has no respondents"):
        nonresponse_adjust(s.assign(resp=[1] * 5 + [0] * 5), responded="resp", classes="h")
    with pytest.raises(DesignError, match="weights column 'wt' is not in the sample"):
        nonresponse_adjust(s, responded="resp", weights="wt")
    with pytest.raises(DesignError, match="responded column 'r' is not in the sample"):
        nonresponse_adjust(s, responded="r")

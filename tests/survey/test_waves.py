"""Comparing waves: MOVER for independent quarters, stacked customer clusters for overlaps."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from satscore import SurveyDesign
from satscore.errors import DesignError
from satscore.sampling import compare_waves


@pytest.fixture(scope="module")
def waves(data_dir):
    w = pd.read_csv(data_dir / "sampling_waves.csv")
    a = SurveyDesign(w[w["wave"] == "a"].reset_index(drop=True), weights="w")
    b = SurveyDesign(w[w["wave"] == "b"].reset_index(drop=True), weights="w")
    ref = json.loads((data_dir / "sampling_R.json").read_text())["waves_overlap"]
    return a, b, ref


@pytest.mark.parametrize("var", ["sat", "score"])
def test_overlapping_waves_match_r_svycontrast(waves, var):
    a, b, ref = waves
    res = compare_waves(a, b, var, overlap_id="customer_id")
    assert res.difference == pytest.approx(ref[var]["est"], rel=1e-6)
    assert res.se == pytest.approx(ref[var]["se"], rel=1e-6)
    assert res.df == ref[var]["df"]
    np.testing.assert_allclose([res.estimate_a, res.estimate_b], ref[var]["means"], rtol=1e-6)
    assert res.n_shared == 150
    assert res.method == "stacked_cluster"


def test_overlap_reduces_se_for_persistent_customers(waves):
    a, b, _ = waves
    stacked = compare_waves(a, b, "score", overlap_id="customer_id")
    ea, eb = a.mean("score"), b.mean("score")
    naive = np.hypot(ea.se, eb.se)  # with-replacement SEs treated as independent
    assert stacked.se < naive


def test_mover_is_built_from_the_wave_intervals(waves):
    a, b, _ = waves
    res = compare_waves(a, b, "sat")
    ea, eb = a.proportion("sat"), b.proportion("sat")
    d = eb.estimate - ea.estimate
    low = d - np.sqrt((eb.estimate - eb.ci.low) ** 2 + (ea.ci.high - ea.estimate) ** 2)
    high = d + np.sqrt((eb.ci.high - eb.estimate) ** 2 + (ea.estimate - ea.ci.low) ** 2)
    assert (res.ci.low, res.ci.high) == pytest.approx((low, high), rel=1e-12)
    means = compare_waves(a, b, "score")
    assert means.difference == pytest.approx(b.mean("score").estimate - a.mean("score").estimate)


def test_mover_close_to_newcombe_for_srs():
    # research note §6.1: Q1 170/200, Q2 184/200; statsmodels newcomb [0.0071, 0.1337]
    a = SurveyDesign(pd.DataFrame({"sat": [1] * 170 + [0] * 30}))
    b = SurveyDesign(pd.DataFrame({"sat": [1] * 184 + [0] * 16}))
    res = compare_waves(a, b, "sat", method="wilson")
    ref = confint_proportions_2indep(184, 200, 170, 200, method="newcomb")
    np.testing.assert_allclose(tuple(res.ci), ref, atol=1e-3)
    assert res.summary().iloc[0]["method"] == "mover"


def test_compare_errors(waves):
    a, b, _ = waves
    with pytest.raises(DesignError, match=r"overlap_id 'cid' is not a column of design_a\.data"):
        compare_waves(a, b, "sat", overlap_id="cid")
    with pytest.raises(DesignError, match="design_b must be a SurveyDesign"):
        compare_waves(a, b.data, "sat")

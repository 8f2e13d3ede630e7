"""Comparisons of waves/segments against statsmodels, scipy and R (tests/data/scoring_R.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from satscore import compare, load_example, load_instrument, score_survey
from satscore._scoring.compare import two_proportion_test
from satscore.errors import DataError, OptionError
from satscore.scoring import adjust_p_values, newcombe_interval

R = json.loads((Path(__file__).parents[1] / "data" / "scoring_R.json").read_text())


def _grid():
    rows = []
    for n1, n2 in [(10, 12), (30, 30), (200, 150), (1000, 800)]:
        for k1 in sorted({0, 1, n1 // 2, int(0.9 * n1), n1}):
            for k2 in sorted({0, 1, n2 // 3, int(0.85 * n2), n2}):
                rows.append((k1, n1, k2, n2))
    return np.array(rows, float)


G = _grid()


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_newcombe_matches_statsmodels(level):
    k1, n1, k2, n2 = G.T
    low, high = newcombe_interval(k1 / n1, n1, k2 / n2, n2, confidence_level=level)
    for i in range(len(G)):
        # statsmodels' "diff" is p1 - p2 for (count1, nobs1, count2, nobs2)
        lo_sm, hi_sm = confint_proportions_2indep(
            k2[i], n2[i], k1[i], n1[i], method="newcomb", alpha=1 - level
        )
        assert low[i] == pytest.approx(lo_sm, abs=1e-10)
        assert high[i] == pytest.approx(hi_sm, abs=1e-10)


def test_two_proportion_z_matches_statsmodels():
    k1, n1, k2, n2 = G.T
    p = two_proportion_test(k1 / n1, n1, k2 / n2, n2)
    for i in range(len(G)):
        pool = (k1[i] + k2[i]) / (n1[i] + n2[i])
        if 0 < pool < 1:
            _, p_sm = proportions_ztest([k1[i], k2[i]], [n1[i], n2[i]])
            assert p[i] == pytest.approx(p_sm, abs=1e-12)
        else:
            assert p[i] == 1.0


def test_adjustments_match_r_and_statsmodels():
    p = np.array(R["adjust"]["p"])
    np.testing.assert_allclose(adjust_p_values(p, "holm"), R["adjust"]["holm"], atol=1e-14)
    np.testing.assert_allclose(adjust_p_values(p, "bh"), R["adjust"]["bh"], atol=1e-14)
    rng = np.random.default_rng(0)
    q = rng.uniform(0, 0.2, 37)
    np.testing.assert_allclose(adjust_p_values(q, "holm"), multipletests(q, method="holm")[1])
    np.testing.assert_allclose(adjust_p_values(q, "bh"), multipletests(q, method="fdr_bh")[1])
    with_nan = adjust_p_values([0.01, np.nan, 0.04], "holm")
    assert np.isnan(with_nan[1])
    np.testing.assert_allclose(with_nan[[0, 2]], [0.02, 0.04])


@pytest.fixture(scope="module")
def quarters():
    inst = load_instrument("bank_service")
    vr = inst.validate(load_example("bank_survey"), on_invalid="coerce")
    return vr, score_survey(vr, inst, by=["quarter"])


def test_compare_quarters_against_statsmodels(quarters):
    vr, scores = quarters
    cmp = scores.compare(by="quarter")
    t = cmp.table[cmp.table["metric"] == "customer_satisfaction"]
    assert t[["from", "to"]].values.tolist() == [
        ["2026Q1", "2026Q2"],
        ["2026Q2", "2026Q3"],
        ["2026Q3", "2026Q4"],
    ]
    x = vr.data["OS01"]
    g = vr.data["quarter"]
    k = x.isin([4, 5]).groupby(g).sum()
    n = x.notna().groupby(g).sum()
    pvals = []
    for _, row in t.iterrows():
        a, b = row["from"], row["to"]
        lo, hi = confint_proportions_2indep(k[b], n[b], k[a], n[a], method="newcomb")
        assert row["ci_low"] == pytest.approx(lo, abs=1e-10)
        assert row["ci_high"] == pytest.approx(hi, abs=1e-10)
        assert row["difference"] == pytest.approx(k[b] / n[b] - k[a] / n[a], abs=1e-14)
        _, p = proportions_ztest([k[a], k[b]], [n[a], n[b]])
        assert row["p_value"] == pytest.approx(p, abs=1e-12)
        pvals.append(p)
    np.testing.assert_allclose(t["p_adjusted"], multipletests(pvals, method="holm")[1])
    assert (t["significant"] == (t["p_adjusted"] < 0.05)).all()
    bh = scores.compare(by="quarter", adjust="bh").table
    bh = bh[bh["metric"] == "customer_satisfaction"]
    np.testing.assert_allclose(bh["p_adjusted"], multipletests(pvals, method="fdr_bh")[1])


def test_reference_first_and_level(quarters):
    _, scores = quarters
    first = scores.compare(by="quarter", reference="first", metrics="customer_satisfaction")
    assert first.table["from"].eq("2026Q1").all()
    assert first.table["to"].tolist() == ["2026Q2", "2026Q3", "2026Q4"]
    last = scores.compare(by="quarter", reference="2026Q4", metrics=["customer_satisfaction"])
    assert last.table["from"].eq("2026Q4").all()
    assert len(last.table) == 3
    assert set(first.summary().columns) >= {"difference", "ci_low", "p_adjusted", "significant"}
    assert "<table" in first._repr_html_()
    json.dumps(first.to_dict())


def test_welch_mean_difference_matches_r():
    x, y = R["welch"]["x"], R["welch"]["y"]
    a = score_survey(pd.DataFrame({"CSAT01": x}), "csat", metrics=["mean"])
    b = score_survey(pd.DataFrame({"CSAT01": y}), "csat", metrics=["mean"])
    row = compare(a, b, metrics="mean").table.iloc[0]
    assert row["difference"] == pytest.approx(R["welch"]["diff"], abs=1e-12)
    assert row["ci_low"] == pytest.approx(R["welch"]["low"], abs=1e-10)
    assert row["ci_high"] == pytest.approx(R["welch"]["high"], abs=1e-10)
    assert row["p_value"] == pytest.approx(R["welch"]["p"], abs=1e-10)
    ref = stats.ttest_ind(y, x, equal_var=False)
    assert row["p_value"] == pytest.approx(ref.pvalue, abs=1e-12)


def test_compare_two_score_sets_by_segment():
    rng = np.random.default_rng(3)

    def wave(p):
        return pd.DataFrame(
            {"CSAT01": np.where(rng.random(600) < p, 5, 2), "branch": rng.choice(["a", "b"], 600)}
        )

    a = score_survey(wave(0.80), "csat", by="branch")
    b = score_survey(wave(0.90), "csat", by="branch")
    t = compare(a, b).table
    t = t[t["metric"] == "customer_satisfaction"]
    assert t["branch"].tolist() == ["a", "b"]
    assert (t["from"] == "a").all()
    assert (t["difference"] > 0).all()
    ma = a.metrics.set_index(["metric", "branch"])
    mb = b.metrics.set_index(["metric", "branch"])
    for _, row in t.iterrows():
        key = ("customer_satisfaction", row["branch"])
        assert row["difference"] == pytest.approx(mb.loc[key, "estimate"] - ma.loc[key, "estimate"])


def test_compare_bad_input(quarters):
    _, scores = quarters
    with pytest.raises(DataError, match=r"segmented by \['quarter'\], not 'branch'"):
        scores.compare(by="branch")
    with pytest.raises(DataError, match=r"reference='2027Q1' is not a level"):
        scores.compare(by="quarter", reference="2027Q1")
    with pytest.raises(OptionError, match=r"adjust='bonferroni' is not supported"):
        scores.compare(by="quarter", adjust="bonferroni")
    other = score_survey(pd.DataFrame({"CSAT01": [5, 4, 3]}), "csat")
    with pytest.raises(DataError, match=r"same by columns"):
        compare(scores, other)

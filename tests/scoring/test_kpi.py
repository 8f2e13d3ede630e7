"""Operational KPIs and rate changes against R binom.test (stored) and statsmodels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats import rates as sm_rates

from satscore import bank_kpi_targets, kpi, rate_change
from satscore.errors import DataError, OptionError, TargetError

R = json.loads((Path(__file__).parents[1] / "data" / "scoring_R.json").read_text())


def test_kpi_matches_binom_test():
    for case in R["exact_p"]:
        if case["k"] in (0, case["n"]):
            continue
        r = kpi(case["k"], case["n"], target=case["target"], name="feedback_handled")
        est = case["k"] / case["n"]
        expect = case["p_greater"] if est >= case["target"] else case["p_less"]
        assert r.p_value == pytest.approx(expect, abs=1e-10)
        assert r.verdict == (
            "met"
            if r.lower_bound >= r.target
            else "not_met"
            if r.upper_bound < r.target
            else "inconclusive"
        )
    exact = next(e for e in R["exact"] if e["k"] == 170 and e["n"] == 200 and e["level"] == 0.95)
    r = kpi(170, 200, target=0.8)
    assert (r.ci.low, r.ci.high) == pytest.approx((exact["low"], exact["high"]), abs=1e-10)
    assert r.lower_bound == pytest.approx(exact["lower_one_sided"], abs=1e-10)


def test_kpi_verdicts_and_census():
    assert kpi(178, 200, target=0.85).verdict == "inconclusive"
    assert kpi(950, 1000, target=0.9).verdict == "met"
    assert kpi(700, 1000, target=0.8).verdict == "not_met"
    c = kpi(178, 200, target=0.85, census=True)
    assert c.verdict == "met"
    assert c.method == "census"
    assert c.ci.low == c.ci.high == pytest.approx(0.89)
    s = kpi(178, 200, target=0.85, method="wilson").summary()
    assert s.loc[0, "verdict"] == "inconclusive"
    json.dumps(kpi(1, 2, target=0.5).to_dict())


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"target": 90}, TargetError, r"found 90.0\. Give a fraction"),
        ({"target": "x"}, TargetError, r"must be a number"),
        ({"target": 0.9, "method": "exact"}, OptionError, r"method='exact'"),
    ],
)
def test_kpi_bad_input(kwargs, err, match):
    with pytest.raises(err, match=match):
        kpi(5, 10, **kwargs)
    with pytest.raises(DataError, match=r"successes must lie between 0 and n"):
        kpi(11, 10, target=0.5)


def test_rate_change_matches_statsmodels_wald_log():
    for e1, x1, e2, x2 in [(60, 1000, 48, 1000), (120, 5000, 80, 5200), (15, 300, 30, 310)]:
        r = rate_change(e1, x1, e2, x2)
        lo, hi = sm_rates.confint_poisson_2indep(e2, x2, e1, x1, method="wald-log")
        assert r.ci.low == pytest.approx(lo - 1, abs=1e-12)
        assert r.ci.high == pytest.approx(hi - 1, abs=1e-12)
        assert r.ratio == pytest.approx((e2 / x2) / (e1 / x1))
        side = "smaller" if r.change <= -0.1 else "larger"
        res = sm_rates.test_poisson_2indep(
            e2, x2, e1, x1, value=0.9, method="wald-log", alternative=side
        )
        assert r.p_value == pytest.approx(res.pvalue, abs=1e-12)


def test_rate_change_verdicts():
    assert rate_change(60, 1000, 48, 1000).verdict == "inconclusive"
    assert rate_change(6000, 100000, 4000, 100000).verdict == "met"
    assert rate_change(6000, 100000, 6100, 100000).verdict == "not_met"
    zero = rate_change(10, 1000, 0, 1000)
    assert zero.continuity_corrected
    assert np.isfinite(zero.ci.low)
    with pytest.raises(DataError, match=r"exposures > 0"):
        rate_change(10, 0, 5, 100)
    with pytest.raises(TargetError, match=r"must be > -1"):
        rate_change(10, 100, 5, 100, target=-1.5)


def test_bank_kpi_targets():
    t = bank_kpi_targets()
    assert t == {
        "customer_satisfaction": 0.85,
        "personalized_service_satisfaction": 0.90,
        "employee_service_satisfaction": 0.85,
        "survey_coverage": 0.30,
        "feedback_handled": 0.90,
        "training_pass_rate": 0.80,
        "complaint_rate_change": -0.10,
    }
    t["customer_satisfaction"] = 0.5
    assert bank_kpi_targets()["customer_satisfaction"] == 0.85


def test_score_survey_accepts_bank_kpi_targets():
    import satscore
    from satscore.errors import TargetError

    inst = satscore.load_instrument("bank_service")
    df = satscore.load_example("bank_survey").head(2000)
    v = inst.validate(df, on_invalid="coerce")
    s = satscore.score_survey(v, inst, targets=satscore.bank_kpi_targets())
    row = s.metrics[s.metrics["metric"] == "customer_satisfaction"]
    assert len(row) == 1
    assert row["target"].iloc[0] == 0.85
    assert row["verdict"].iloc[0] in {"met", "not_met", "inconclusive"}
    # only the survey-measurable KPI got a target; the others are recorded with the reason
    assert s.metrics["target"].notna().sum() == 1
    assert s.targets == {"customer_satisfaction": 0.85}
    skipped = s.targets_skipped
    assert set(skipped) == set(satscore.bank_kpi_targets()) - {"customer_satisfaction"}
    assert skipped["survey_coverage"]["target"] == 0.30
    assert "coverage_report" in skipped["survey_coverage"]["reason"]
    assert "rate_change" in skipped["complaint_rate_change"]["reason"]
    assert skipped["complaint_rate_change"]["target"] == -0.10
    assert (
        "instrument 'personalized_service'"
        in (skipped["personalized_service_satisfaction"]["reason"])
    )
    assert "instrument 'bank_service'" in skipped["employee_service_satisfaction"]["reason"]
    summ = s.summary()
    rows = summ[summ["flag"] == "target_skipped"]
    assert list(rows["metric"]) == list(skipped)
    assert rows["estimate"].isna().all()
    assert rows["verdict"].isna().all()
    assert np.allclose(rows["target"], [skipped[k]["target"] for k in rows["metric"]])
    page = s._repr_html_()
    assert "Targets not applied" in page
    assert "training_pass_rate" in page
    doc = s.to_dict(include_items=False)
    assert doc["targets_skipped"] == skipped
    streamed = satscore.score_survey([v.data.iloc[:900], v.data.iloc[900:]], inst,
                                     targets=satscore.bank_kpi_targets())  # fmt: skip
    assert streamed.targets_skipped == skipped
    # every target applied: nothing skipped, summary unchanged
    s2 = satscore.score_survey(v, inst, targets={"customer_satisfaction": 0.85})
    assert s2.targets_skipped == {}
    assert "target_skipped" not in set(s2.summary()["flag"])
    assert "Targets not applied" not in s2._repr_html_()
    assert len(summ) == len(s2.summary()) + len(skipped)
    # an instrument without an overall-satisfaction item: customer_satisfaction is skipped too
    ltr = satscore.load_instrument("ltr")
    lv = ltr.validate(pd.DataFrame({ltr.items[0].id: [10, 9, 3, 7] * 10}))
    s3 = satscore.score_survey(lv, ltr, targets=satscore.bank_kpi_targets())
    assert "customer_satisfaction" in s3.targets_skipped
    assert "no overall-satisfaction item" in s3.targets_skipped["customer_satisfaction"]["reason"]
    with pytest.raises(TargetError, match="target for 'survey_coverage' must be a finite"):
        satscore.score_survey(v, inst, targets={"survey_coverage": float("nan")})
    with pytest.raises(TargetError, match="unknown target name 'custmer_satisfaction'"):
        satscore.score_survey(v, inst, targets={"custmer_satisfaction": 0.85})

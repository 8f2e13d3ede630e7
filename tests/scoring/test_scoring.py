"""score_survey: metric values against independent pandas/numpy/statsmodels computations,
design-based intervals against R survey, weights, bootstrap, flags, JSON schema, bad input."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

import satscore
import satscore._scoring.in_memory as in_memory
import satscore.scoring
from satscore import SurveyDesign, load_example, load_instrument, score_survey
from satscore._stats.bootstrap import _jackknife_accel
from satscore.errors import (
    DataError,
    DesignError,
    OptionError,
    ResponseValidationError,
    SatscoreTypeError,
    TargetError,
)

R = json.loads((Path(__file__).parents[1] / "data" / "scoring_R.json").read_text())
INST = load_instrument("bank_service")
SCORED = INST.scored_items()
DIMS = {d.id: d for d in INST.dimensions}


def make_responses(n: int, seed: int = 0, n_branches: int = 3) -> pd.DataFrame:
    """Valid bank_service responses (routing respected), with segments and weights."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {
        "quarter": rng.choice(["2026Q1", "2026Q2"], n),
        "branch": rng.choice([f"B{i}" for i in range(n_branches)], n),
        "w": rng.uniform(0.5, 3.0, n),
    }
    for item in INST.items:
        scale = INST.scale(item.scale)
        p = np.linspace(1, 3, len(scale.codes))
        x = rng.choice(np.asarray(scale.codes, float), n, p=p / p.sum())
        x[rng.random(n) < 0.05] = np.nan
        cols[item.id] = x
    frame = pd.DataFrame(cols)
    for item in INST.items:
        if item.relevant is not None:
            asked = frame[item.relevant.item].isin(item.relevant.values)
            frame.loc[~asked, item.id] = np.nan
    return frame


@pytest.fixture(scope="module")
def example():
    vr = INST.validate(load_example("bank_survey"), on_invalid="coerce")
    return vr, score_survey(vr, INST, by="quarter", metrics=[*satscore.scoring.METRICS])


def _rows(scores, metric, subject, subject_type=None):
    m = scores.metrics
    sel = (m["metric"] == metric) & (m["subject"] == subject)
    if subject_type:
        sel &= m["subject_type"] == subject_type
    return m[sel].set_index(list(scores.by) or None) if scores.by else m[sel]


# ------------------------------------------------------------------ independent checks


def test_item_metrics_match_pandas_statsmodels_scipy(example):
    vr, scores = example
    data = vr.data
    for item_id in SCORED:
        scale = INST.item_scale(item_id)
        x = data[item_id]
        if INST.item(item_id).reverse:
            x = scale.min + scale.max - x
        g = data["quarter"]
        n = x.notna().groupby(g).sum()
        sat = x.isin(scale.satisfied).groupby(g).sum()
        mean = x.groupby(g).mean()
        sd = x.groupby(g).std(ddof=1)
        tb = _rows(scores, "top_box", item_id, "item")
        np.testing.assert_allclose(tb["n"], n.loc[tb.index], rtol=0)
        np.testing.assert_allclose(tb["estimate"], (sat / n).loc[tb.index], atol=1e-12)
        lo, hi = proportion_confint(sat.loc[tb.index], n.loc[tb.index], method="beta")
        np.testing.assert_allclose(tb["ci_low"], lo, atol=1e-10)
        np.testing.assert_allclose(tb["ci_high"], hi, atol=1e-10)
        mn = _rows(scores, "mean", item_id, "item")
        np.testing.assert_allclose(mn["estimate"], mean.loc[mn.index], atol=1e-12)
        se = sd / np.sqrt(n)
        lo, hi = stats.t.interval(0.95, n - 1, loc=mean, scale=se)
        np.testing.assert_allclose(mn["ci_low"], pd.Series(lo, n.index).loc[mn.index], atol=1e-9)
        np.testing.assert_allclose(mn["ci_high"], pd.Series(hi, n.index).loc[mn.index], atol=1e-9)
        idx = _rows(scores, "index_0_100", item_id, "item")
        expect = (mean - scale.min) / (scale.max - scale.min) * 100
        np.testing.assert_allclose(idx["estimate"], expect.loc[idx.index], atol=1e-10)
        pm = _rows(scores, "pct_of_max", item_id, "item")
        np.testing.assert_allclose(pm["estimate"], (mean / scale.max * 100).loc[pm.index])


def test_net_score_and_resolution_rate(example):
    vr, scores = example
    data = vr.data
    x, g = data["LY01"], data["quarter"]
    n = x.notna().groupby(g).sum()
    pro = (x >= 9).groupby(g).sum() / n
    det = (x <= 6).groupby(g).sum() / n
    net = pro - det
    se = np.sqrt((pro + det - net**2) / n)
    rows = _rows(scores, "net_score", "LY01")
    np.testing.assert_allclose(rows["estimate"], net.loc[rows.index], atol=1e-12)
    np.testing.assert_allclose(rows["se"], se.loc[rows.index], atol=1e-12)
    np.testing.assert_allclose(rows["ci_low"], (net - 1.959963984540054 * se).loc[rows.index])
    status = data["PR01"]
    answered = status.notna().groupby(g).sum()
    rate = (status == 1).groupby(g).sum() / answered
    rr = _rows(scores, "resolution_rate", "PR01")
    np.testing.assert_allclose(rr["estimate"], rate.loc[rr.index], atol=1e-12)
    np.testing.assert_array_equal(rr["n"], answered.loc[rr.index])


def test_dimension_and_overall_scores(example):
    vr, scores = example
    data = vr.data
    resp = scores.respondents
    dim_scores = {}
    for dim_id, dim in DIMS.items():
        items = data[list(dim.items)].copy()
        if "SQ09" in items:
            items["SQ09"] = 6 - items["SQ09"]
        count = items.notna().sum(axis=1)
        score = items.mean(axis=1).where(count >= dim.min_valid)
        dim_scores[dim_id] = score
        np.testing.assert_allclose(resp[f"{dim_id}_score"], score, atol=1e-12)
        sat = resp[f"{dim_id}_satisfied"]
        assert sat.isna().equals(score.isna())
        assert (sat[score.notna()] == (score[score.notna()] >= 4)).all()
        rows = _rows(scores, "top_box", dim_id, "dimension")
        share = (score >= 4).astype(float).where(score.notna()).groupby(data["quarter"]).mean()
        np.testing.assert_allclose(rows["estimate"], share.loc[rows.index], atol=1e-12)
    overall = pd.DataFrame(dim_scores).mean(axis=1)
    np.testing.assert_allclose(resp["overall_score"], overall, atol=1e-12)
    rows = _rows(scores, "index_0_100", "overall", "overall")
    expect = ((overall - 1) / 4 * 100).groupby(data["quarter"]).mean()
    np.testing.assert_allclose(rows["estimate"], expect.loc[rows.index], atol=1e-10)
    # reverse keying applied in the respondents table
    np.testing.assert_array_equal(resp["SQ09"], 6 - data["SQ09"])


def test_headline_kpi_is_top_box_of_overall_item(example):
    _, scores = example
    kpi = _rows(scores, "customer_satisfaction", "OS01", "kpi")
    tb = _rows(scores, "top_box", "OS01", "item")
    np.testing.assert_array_equal(kpi["estimate"], tb["estimate"])
    assert "customer_satisfaction" in scores.definitions
    assert "top_box of OS01" in scores.definitions["customer_satisfaction"]
    assert scores.respondents["customer_satisfaction"].dtype == "boolean"


def test_items_distribution_matches_value_counts(example):
    vr, scores = example
    items = scores.items
    q1 = vr.data["quarter"] == "2026Q1"
    for item_id in ("OS01", "SQ09", "PR01", "LY01"):
        valid = items[(items["item"] == item_id) & items["missing_reason"].isna()]
        got = valid[valid["quarter"] == "2026Q1"].set_index("code")["count"]
        expect = vr.data.loc[q1, item_id].value_counts()
        for code, cnt in got.items():
            assert cnt == expect.get(code, 0)
        assert valid.groupby("quarter")["share"].sum().round(12).eq(1).all()
        miss = items[(items["item"] == item_id) & items["missing_reason"].notna()]
        reasons = vr.missing_reason.loc[q1, item_id].value_counts()
        got_r = miss[miss["quarter"] == "2026Q1"].set_index("missing_reason")["count"]
        assert got_r.to_dict() == {k: int(v) for k, v in reasons.items() if v > 0}


def test_design_based_korn_graubard_matches_r_svyby(data_dir):
    api = pd.read_csv(data_dir / "apistrat.csv")
    df = pd.DataFrame(
        {
            "CSAT01": np.where(api["sch.wide"] == "Yes", 5, 1),
            "stype": api["stype"],
            "pw": api["pw"],
            "fpc": api["fpc"],
        }
    )
    design = SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")
    by_dom = score_survey(df, "csat", by="stype", design=design)
    rows = _rows(by_dom, "customer_satisfaction", "CSAT01")
    dom = R["kg_domains"]
    np.testing.assert_allclose(rows.loc[dom["stype"], "estimate"], dom["estimate"], atol=1e-10)
    np.testing.assert_allclose(rows.loc[dom["stype"], "se"], dom["se"], atol=1e-8)
    np.testing.assert_allclose(rows.loc[dom["stype"], "ci_low"], dom["low"], atol=1e-7)
    np.testing.assert_allclose(rows.loc[dom["stype"], "ci_high"], dom["high"], atol=1e-7)
    total = _rows(score_survey(df, "csat", design=design), "customer_satisfaction", "CSAT01")
    kg = R["kg_total"]
    assert total["ci_low"].iloc[0] == pytest.approx(kg["low"], abs=1e-7)
    assert total["ci_high"].iloc[0] == pytest.approx(kg["high"], abs=1e-7)
    assert by_dom.design_based


def test_weights_kish_effective_n():
    df = make_responses(600, seed=3)
    scores = score_survey(df, INST, by="branch", weights="w")
    w, x, g = df["w"], df["OS01"], df["branch"]
    ok = x.notna()
    p = (w * x.isin([4, 5]))[ok].groupby(g[ok]).sum() / w[ok].groupby(g[ok]).sum()
    n_eff = w[ok].groupby(g[ok]).sum() ** 2 / (w[ok] ** 2).groupby(g[ok]).sum()
    rows = _rows(scores, "customer_satisfaction", "OS01")
    np.testing.assert_allclose(rows["estimate"], p.loc[rows.index], atol=1e-12)
    np.testing.assert_allclose(rows["n_eff"], n_eff.loc[rows.index], atol=1e-9)
    low = pd.Series(stats.beta.ppf(0.025, p * n_eff, n_eff - p * n_eff + 1), p.index)
    np.testing.assert_allclose(rows["ci_low"], low.loc[rows.index], atol=1e-10)
    assert "Kish" in scores.definitions["n_eff"]
    # weighted mean with Kish n_eff and a t interval
    mrow = _rows(scores, "mean", "OS01", "item")
    mu = (w * x)[ok].groupby(g[ok]).sum() / w[ok].groupby(g[ok]).sum()
    var = (w * (x - mu.reindex(g).to_numpy()) ** 2)[ok].groupby(g[ok]).sum()
    var = var / w[ok].groupby(g[ok]).sum()
    se = np.sqrt(var * n_eff / (n_eff - 1) / n_eff)
    np.testing.assert_allclose(mrow["se"], se.loc[mrow.index], atol=1e-12)
    # array weights are equivalent to a column name
    same = score_survey(df, INST, by="branch", weights=df["w"].to_numpy())
    pd.testing.assert_series_equal(same.metrics["ci_low"], scores.metrics["ci_low"])


# ------------------------------------------------------------------ targets and verdicts


def test_178_of_200_against_85_is_inconclusive():
    df = pd.DataFrame({"CSAT01": [5] * 178 + [2] * 22})
    scores = score_survey(df, "csat", targets={"customer_satisfaction": 0.85})
    row = scores.kpi().iloc[0]
    assert row["verdict"] == "inconclusive"
    p_r = next(c for c in R["exact_p"] if c["k"] == 178)["p_greater"]
    assert row["p_value"] == pytest.approx(p_r, abs=1e-10)
    assert row["estimate"] == pytest.approx(0.89)
    met = score_survey(df, "csat", targets={"customer_satisfaction": 0.80}).kpi().iloc[0]
    assert met["verdict"] == "met"
    notmet = score_survey(df, "csat", targets={"customer_satisfaction": 0.95}).kpi().iloc[0]
    assert notmet["verdict"] == "not_met"
    wil = score_survey(df, "csat", ci_method="wilson", targets={"customer_satisfaction": 0.85})
    assert wil.kpi()["verdict"].iloc[0] == "inconclusive"


def test_target_forms_and_verdicts_per_segment():
    df = make_responses(800, seed=5)
    targets = {
        "customer_satisfaction": 0.5,
        ("index_0_100", "service_quality"): 60,
        ("mean", "LY02"): 3.0,
        "net_score": 0.1,
        "resolution_rate": 0.3,
    }
    scores = score_survey(df, INST, by="quarter", targets=targets)
    m = scores.metrics
    assert set(scores.targets) == {
        "customer_satisfaction",
        "index_0_100:service_quality",
        "mean:LY02",
        "net_score",
        "resolution_rate",
    }
    has = m["target"].notna()
    assert has.sum() == 5 * 2
    assert m.loc[has, "verdict"].isin(["met", "not_met", "inconclusive"]).all()
    assert m.loc[~has, "verdict"].isna().all()
    # verdict consistent with the one-sided p-value (dual tests)
    row = m[has]
    above = row["estimate"] >= row["target"]
    assert ((row["verdict"] == "met") == (above & (row["p_value"] <= 0.05))).all()
    # one-sided 95% bounds are the two-sided 90% limits
    ninety = score_survey(df, INST, by="quarter", confidence_level=0.90)
    kpi90 = ninety.kpi()
    kpi95 = scores.kpi()
    met = kpi95["verdict"] == "met"
    assert (kpi90.loc[met, "ci_low"] >= 0.5).all()


@pytest.mark.parametrize("method", ["bootstrap", "bootstrap_percentile"])
def test_bootstrap_is_seeded_and_close_to_analytic(method):
    df = make_responses(1500, seed=11)
    a = score_survey(df, INST, by="quarter", ci_method=method, n_boot=400, seed=1)
    b = score_survey(df, INST, by="quarter", ci_method=method, n_boot=400, seed=1)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    ref = score_survey(df, INST, by="quarter", ci_method="wald")
    for metric in ("customer_satisfaction", "mean", "net_score", "index_0_100"):
        sel = a.metrics["metric"] == metric
        width = (ref.metrics.loc[sel, "ci_high"] - ref.metrics.loc[sel, "ci_low"]).to_numpy()
        np.testing.assert_allclose(
            a.metrics.loc[sel, "ci_low"], ref.metrics.loc[sel, "ci_low"], atol=0.15 * width.max()
        )
    assert a.ci_method == method
    targeted = score_survey(
        df, INST, ci_method=method, n_boot=400, seed=2, targets={"customer_satisfaction": 0.5}
    ).kpi()
    assert 0 <= targeted["p_value"].iloc[0] <= 1


def test_jackknife_acceleration_closed_form_matches_loop():
    rng = np.random.default_rng(4)
    z = rng.integers(1, 6, size=(40, 1)).astype(float)
    z[[3, 7]] = np.nan
    w = rng.uniform(0.5, 2, 40)
    seg = np.repeat([0, 1], 20)
    valid = ~np.isnan(z)
    wz = np.where(valid, z * w[:, None], 0.0)
    wv = np.where(valid, w[:, None], 0.0)
    accel = _jackknife_accel(wz, wv, seg, 2)
    for g in (0, 1):
        idx = np.flatnonzero(seg == g)
        theta = []
        for i in idx:
            keep = np.setdiff1d(idx, [i])
            ok = valid[keep, 0]
            theta.append(np.sum(w[keep][ok] * z[keep, 0][ok]) / np.sum(w[keep][ok]))
        theta = np.array(theta)
        d = theta.mean() - theta
        expect = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5)
        assert accel[g, 0] == pytest.approx(expect, abs=1e-12)


# ------------------------------------------------------------------ flags


def test_nchs_flags_small_segments_are_marked_not_dropped():
    df = make_responses(400, seed=8, n_branches=12)
    scores = score_survey(df, INST, by=["branch", "quarter"])
    m = scores.metrics
    small = m["n_eff"] < 30
    assert small.any()
    assert (m.loc[small & (m["n"] > 0), "flag"].str.contains("suppress_n_eff")).all()
    assert m.loc[small, "suppressed"].all()
    assert m["small_n"].equals(small)
    n_seg = len(m[["branch", "quarter"]].drop_duplicates())
    assert len(m[m["metric"] == "customer_satisfaction"]) == n_seg
    simple = score_survey(df, INST, by=["branch", "quarter"], suppression=("min_n", 30)).metrics
    assert simple.loc[simple["n"] < 30, "flag"].str.contains("suppress_min_n").all()
    none = score_survey(df, INST, by=["branch", "quarter"], suppression=None).metrics
    assert none.loc[none["n"] > 0, "flag"].isna().all()


def test_nchs_complement_and_boundary_flags():
    df = pd.DataFrame({"CSAT01": [5] * 97 + [1] * 3, "g": "a"})
    df = pd.concat([df, pd.DataFrame({"CSAT01": [5] * 60, "g": "b"})], ignore_index=True)
    m = score_survey(df, "csat", by="g").kpi().set_index("g")
    assert m.loc["a", "flag"] == "footnote_complement"
    assert m.loc["b", "flag"] == "review_0_or_100"
    assert not m["suppressed"].any()
    assert m.loc["b", "ci_high"] == 1.0
    assert m.loc["b", "ci_low"] == pytest.approx(0.025 ** (1 / 60), abs=1e-12)


def test_routed_item_with_no_answers_in_a_segment_is_flagged():
    df = make_responses(300, seed=2)
    df.loc[df["branch"] == "B1", "PR00"] = 0
    for item in ("PR01", "PR02", "PR03", "PR04", "PR05", "PR06", "PR07"):
        df.loc[df["branch"] == "B1", item] = np.nan
    m = score_survey(df, INST, by="branch").metrics
    rr = m[(m["metric"] == "resolution_rate") & (m["branch"] == "B1")].iloc[0]
    assert rr["n"] == 0
    assert np.isnan(rr["estimate"])
    assert rr["flag"] == "no_answers"
    assert rr["suppressed"]


# ------------------------------------------------------------------ result object


def test_to_dict_validates_against_json_schema():
    schema_text = resources.files("satscore").joinpath("schemas/survey_scores.schema.json")
    schema = json.loads(schema_text.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    df = make_responses(300, seed=1)
    targets = {"customer_satisfaction": 0.6, "feedback_handled": 0.9}
    scores = score_survey(df, INST, by=["quarter", "branch"], targets=targets)
    doc = json.loads(scores.to_json())
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(doc)
    assert doc["schema_version"] == satscore.scoring.SCHEMA_VERSION == "1.1.0"
    assert schema["$id"].endswith("/" + doc["schema_version"])
    assert doc["metrics"][0]["segment"].keys() == {"quarter", "branch"}
    assert doc["targets"] == {"customer_satisfaction": 0.6}
    assert doc["targets_skipped"]["feedback_handled"]["target"] == 0.9
    assert "satscore.kpi(" in doc["targets_skipped"]["feedback_handled"]["reason"]
    bad = dict(doc, metrics=[dict(doc["metrics"][0], verdict="maybe")])
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(bad)
    no_reason = dict(doc, targets_skipped={"feedback_handled": {"target": 0.9}})
    with pytest.raises(jsonschema.ValidationError, match="'reason' is a required property"):
        validator.validate(no_reason)
    # a 1.0.0 document (before targets_skipped) still validates: the field is optional
    old = {k: v for k, v in doc.items() if k != "targets_skipped"}
    validator.validate(dict(old, schema_version="1.0.0"))


def test_frozen_summary_html_repr():
    scores = score_survey(make_responses(200), INST, by="quarter")
    with pytest.raises(AttributeError):
        scores.by = ("x",)
    summ = scores.summary()
    assert set(summ["subject_type"]) <= {"kpi", "item", "dimension", "overall"}
    assert "customer_satisfaction" in set(summ["metric"])
    assert "<table" in scores._repr_html_()
    assert "SurveyScores(" in repr(scores)
    assert scores.confidence_level == 0.95
    assert scores.by == ("quarter",)
    assert scores.instrument is INST


def test_caller_data_not_mutated():
    df = make_responses(200, seed=4)
    before = df.copy(deep=True)
    score_survey(df, INST, by="quarter", weights="w", targets={"customer_satisfaction": 0.5})
    pd.testing.assert_frame_equal(df, before)


def test_no_input_is_mutated_on_any_path():
    df = make_responses(300, seed=5)
    vr = INST.validate(df)
    data0, reasons0 = vr.data.copy(deep=True), vr.missing_reason.copy(deep=True)
    w = df["w"].to_numpy().copy()
    w0 = w.copy()
    ws = pd.Series(w, index=df.index)
    chunks = [df.iloc[:120].copy(), df.iloc[120:].copy()]
    chunks0 = [c.copy(deep=True) for c in chunks]
    design = SurveyDesign(df, weights="w", strata="branch")
    ddata0 = design.data.copy(deep=True)
    targets = {"customer_satisfaction": 0.5, "survey_coverage": 0.3}
    targets0 = dict(targets)
    kpis = {"customer_satisfaction": ("top_box", "OS01")}
    runs = [
        score_survey(vr, INST, by="quarter", weights=w, targets=targets, kpis=kpis),
        score_survey(vr, INST, by="quarter", weights=ws, ci_method="bootstrap", n_boot=100),
        score_survey(df, INST, by="quarter", design=design, targets=targets),
        score_survey(chunks, INST, by="quarter", weights="w", targets=targets),
    ]
    for res in runs[:3]:  # the per-respondent table is a copy, not a view of the responses
        table = res.respondents
        table.loc[:, "OS01"] = -1.0
        _ = res.items
    metrics0 = runs[0].metrics.copy(deep=True)
    runs[0].compare(by="quarter")
    satscore.compare(runs[0], runs[1])
    pd.testing.assert_frame_equal(runs[0].metrics, metrics0)
    pd.testing.assert_frame_equal(vr.data, data0)
    pd.testing.assert_frame_equal(vr.missing_reason, reasons0)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(ws.to_numpy(), w0)
    for c, c0 in zip(chunks, chunks0, strict=True):
        pd.testing.assert_frame_equal(c, c0)
    pd.testing.assert_frame_equal(design.data, ddata0)
    assert targets == targets0
    assert kpis == {"customer_satisfaction": ("top_box", "OS01")}


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"metrics": ["top_box", "nps"]}, OptionError, r"unknown metric 'nps'"),
        ({"targets": {"csat": 0.85}}, TargetError, r"unknown target name 'csat'.*KPI names"),
        ({"targets": {"customer_satisfaction": 85}}, TargetError, r"found 85.*write 0.85"),
        ({"targets": {"customer_satisfaction": 0.0}}, TargetError, r"must lie in \(0, 1\)"),
        ({"targets": {("top_box", "XX01"): 0.5}}, TargetError, r"matches no \(metric, subject\)"),
        ({"targets": {("mean", "OS01"): 7}}, TargetError, r"between 1 and 5"),
        ({"targets": {"top_box": 0.5}}, TargetError, r"unknown target name 'top_box'"),
        ({"by": "region"}, DataError, r"by column 'region' is not in the responses"),
        ({"by": ["quarter", "quarter"]}, OptionError, r"lists a column twice"),
        ({"by": "flag"}, OptionError, r"by column 'flag' has the name of a column of the scores"),
        ({"by": ["quarter", "n"]}, OptionError, r"rename it, e.g. .*'n': 'n_group'"),
        ({"weights": "nope"}, DataError, r"weights column 'nope' is not in the responses"),
        ({"ci_method": "exact"}, OptionError, r"ci_method='exact' is not supported"),
        ({"suppression": "strict"}, OptionError, r"suppression='strict' is not supported"),
        ({"confidence_level": 95}, OptionError, r"not a percentage"),
        ({"n_boot": 10}, OptionError, r"n_boot must be an integer >= 100"),
        ({"seed": "x"}, SatscoreTypeError, r"seed must be None"),
    ],
)
def test_bad_options(kwargs, err, match):
    df = make_responses(120).assign(flag=1, n=2)
    with pytest.raises(err, match=match):
        score_survey(df, INST, **kwargs)


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        (lambda n: np.r_[-1.0, np.ones(n - 1)], r"negative value \(-1 at row 0\)"),
        (lambda n: np.r_[np.nan, np.ones(n - 1)], r"missing or infinite value \(row 0"),
        (lambda n: np.zeros(n), r"weights are all zero"),
        (lambda n: np.ones(n - 1), r"has 119 values but there are 120 respondents"),
    ],
)
def test_bad_weights(weights, match):
    with pytest.raises(DesignError, match=match):
        score_survey(make_responses(120), INST, weights=weights(120))


def test_segment_without_any_valid_answer():
    df = make_responses(120)
    items = [i.id for i in INST.items]
    df.loc[df["branch"] == "B2", items] = np.nan
    with pytest.raises(DataError, match=r"segment branch='B2' has no valid answers"):
        score_survey(df, INST, by="branch")


def test_failing_validation_raises():
    df = make_responses(50)
    df.loc[3, "OS01"] = 7
    with pytest.raises(ResponseValidationError, match=r"OS01"):
        score_survey(df, INST)


def test_wrong_types_and_mismatched_inputs(data_dir):
    with pytest.raises(SatscoreTypeError, match=r"responses must be a pandas DataFrame"):
        score_survey(42, INST)
    with pytest.raises(SatscoreTypeError, match=r"chunk 0 is a list, not a pandas DataFrame"):
        score_survey([[1, 2]], INST)
    with pytest.raises(SatscoreTypeError, match=r"instrument must be an Instrument"):
        score_survey(make_responses(10), 42)
    vr = load_instrument("csat").validate(pd.DataFrame({"CSAT01": [5, 4]}))
    with pytest.raises(satscore.errors.InstrumentError, match=r"validated with instrument 'csat'"):
        score_survey(vr, INST)
    df = make_responses(60)
    design = SurveyDesign(df.iloc[:50], weights="w")
    with pytest.raises(DesignError, match=r"design.data has 50 rows"):
        score_survey(df, INST, design=design)
    with pytest.raises(OptionError, match=r"either through the design or through weights"):
        score_survey(df, INST, design=SurveyDesign(df, weights="w"), weights="w")
    with pytest.raises(OptionError, match=r"ignores the design's strata and clusters"):
        score_survey(df, INST, design=SurveyDesign(df, weights="w"), ci_method="bootstrap")


@pytest.mark.parametrize(
    ("ci_method", "scipy_method"), [("bootstrap", "BCa"), ("bootstrap_percentile", "percentile")]
)
def test_bootstrap_agrees_with_scipy_bootstrap(ci_method, scipy_method):
    rng = np.random.default_rng(1)
    x = rng.choice([1, 2, 3, 4, 5], size=300, p=[0.05, 0.1, 0.2, 0.35, 0.3]).astype(float)
    scores = score_survey(
        pd.DataFrame({"CSAT01": x}), "csat", metrics=["mean", "top_box"],
        ci_method=ci_method, n_boot=4000, seed=3,
    )  # fmt: skip
    m = scores.metrics.set_index("metric")
    for metric, stat, tol in (
        ("mean", np.mean, 0.02),
        ("top_box", lambda v: np.mean(v >= 4), 0.01),
    ):
        ref = stats.bootstrap(
            (x,), stat, n_resamples=4000, method=scipy_method, random_state=5
        ).confidence_interval
        assert m.loc[metric, "ci_low"] == pytest.approx(ref.low, abs=tol)
        assert m.loc[metric, "ci_high"] == pytest.approx(ref.high, abs=tol)


@pytest.mark.parametrize(
    ("inst_id", "kpi_name"),
    [
        ("bank_service", "customer_satisfaction"),
        ("csat", "customer_satisfaction"),
        ("personalized_service", "personalized_service_satisfaction"),
        ("employee_service", "employee_service_satisfaction"),
    ],
)
def test_headline_kpi_names_per_instrument(inst_id, kpi_name):
    inst = load_instrument(inst_id)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({i.id: rng.choice(inst.scale(i.scale).codes, 80) for i in inst.items})
    for item in inst.items:
        if item.relevant is not None:
            df[item.id] = df[item.id].where(df[item.relevant.item].isin(item.relevant.values))
    scores = score_survey(df, inst, targets={kpi_name: 0.5})
    row = scores.kpi(kpi_name).iloc[0]
    overall = inst.role_item("overall_satisfaction").id
    assert row["subject"] == overall
    assert row["verdict"] in ("met", "not_met", "inconclusive")
    assert satscore.bank_kpi_targets().get(kpi_name) is not None


def test_configured_kpi_and_definitions():
    df = make_responses(300, seed=9)
    kpis = {
        "customer_satisfaction": ("index_0_100", "OS01"),
        "sq_t2b": ("top_box", "service_quality"),
    }
    scores = score_survey(df, INST, metrics=["top_box", "pct_of_max"], kpis=kpis)
    k = scores.kpi()
    assert k["subject"].iloc[0] == "OS01"
    assert k["kind"].iloc[0] == "mean"
    assert k["estimate"].iloc[0] == pytest.approx((df["OS01"].mean() - 1) / 4 * 100, abs=1e-10)
    assert scores.kpi("sq_t2b")["subject_type"].iloc[0] == "kpi"
    assert "INFLATES" in scores.definitions["pct_of_max"]
    assert set(scores.metrics["metric"]) == {"customer_satisfaction", "sq_t2b", "top_box",
                                             "pct_of_max"}  # fmt: skip
    assert scores.metrics["definition"].str.len().gt(20).all()
    with pytest.raises(OptionError, match=r"KPI 'x' refers to subject 'nope'"):
        score_survey(df, INST, kpis={"x": ("top_box", "nope")})
    with pytest.raises(OptionError, match=r"must be a \(metric, subject\) pair"):
        score_survey(df, INST, kpis={"x": "top_box"})


def test_design_wilson_matches_r45_formula_and_design_module(data_dir):
    from satscore._stats.svyciprop import design_proportion_ci

    api = pd.read_csv(data_dir / "apistrat.csv")
    df = pd.DataFrame(
        {"CSAT01": np.where(api["sch.wide"] == "Yes", 5, 1), "stype": api["stype"],
         "pw": api["pw"], "fpc": api["fpc"]}
    )  # fmt: skip
    design = SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")
    scores = score_survey(
        df, "csat", design=design, ci_method="wilson", targets={"customer_satisfaction": 0.8}
    )
    row = scores.kpi().iloc[0]
    assert row["ci_low"] == pytest.approx(R["wilson_design"]["low"], abs=1e-8)
    assert row["ci_high"] == pytest.approx(R["wilson_design"]["high"], abs=1e-8)
    low, high, _ = design_proportion_ci(
        row["estimate"], row["se"] ** 2, row["df"], 200, method="wilson", level=0.95
    )
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((float(low), float(high)), abs=1e-10)
    # verdict and p-value are dual: one-sided 95% lower bound vs target
    lo90, _, _ = design_proportion_ci(
        row["estimate"], row["se"] ** 2, row["df"], 200, method="wilson", level=0.90
    )
    assert (row["verdict"] == "met") == (float(lo90) >= 0.8)
    assert (row["p_value"] <= 0.05) == (float(lo90) >= 0.8)


def test_chunked_input_is_scored_out_of_core_with_equal_results():
    df = make_responses(900, seed=12)
    targets = {"customer_satisfaction": 0.5}
    full = score_survey(df, INST, by="quarter", targets=targets, weights="w")
    chunks = [df.iloc[:300], df.iloc[300:650], df.iloc[650:]]
    streamed = score_survey(iter(chunks), INST, by="quarter", targets=targets, weights="w")
    cols = ["estimate", "se", "ci_low", "ci_high", "n_eff", "p_value"]
    pd.testing.assert_frame_equal(
        full.metrics[cols], streamed.metrics[cols], check_exact=False, rtol=1e-9, atol=1e-12
    )
    assert full.metrics["verdict"].equals(streamed.metrics["verdict"])


def test_design_based_means_match_r_svyby(data_dir):
    api = pd.read_csv(data_dir / "apistrat.csv")
    code5 = np.digitize(api["api00"], [550, 650, 750, 850], right=True) + 1
    df = pd.DataFrame({"CSAT01": code5, "stype": api["stype"], "pw": api["pw"], "fpc": api["fpc"]})
    design = SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")
    m = score_survey(df, "csat", by="stype", design=design, metrics=["mean", "index_0_100"])
    rows = _rows(m, "mean", "CSAT01", "item")
    ref = R["mean_domains"]
    np.testing.assert_allclose(rows.loc[ref["stype"], "estimate"], ref["estimate"], atol=1e-10)
    np.testing.assert_allclose(rows.loc[ref["stype"], "se"], ref["se"], atol=1e-10)
    np.testing.assert_allclose(rows.loc[ref["stype"], "df"], ref["df"])
    np.testing.assert_allclose(rows.loc[ref["stype"], "ci_low"], ref["low"], atol=1e-9)
    np.testing.assert_allclose(rows.loc[ref["stype"], "ci_high"], ref["high"], atol=1e-9)
    idx = _rows(m, "index_0_100", "CSAT01", "item")
    expect = (np.array(ref["low"]) - 1) / 4 * 100
    np.testing.assert_allclose(idx.loc[ref["stype"], "ci_low"], expect, atol=1e-7)


def test_nchs_review_df_for_designs_with_few_psus(data_dir):
    api = pd.read_csv(data_dir / "apiclus1.csv")
    api = api[api["dnum"].isin(sorted(api["dnum"].unique())[:6])].reset_index(drop=True)
    df = pd.DataFrame(
        {"CSAT01": np.where(api["sch.wide"] == "Yes", 5, 1), "pw": api["pw"],
         "dnum": api["dnum"], "fpc": api["fpc"]}
    )  # fmt: skip
    design = SurveyDesign(df, weights="pw", cluster="dnum", fpc="fpc")
    row = score_survey(df, "csat", design=design).kpi().iloc[0]
    assert row["df"] == 5
    assert "review_df" in row["flag"]
    assert not row["suppressed"]


def test_weight_series_aligned_by_index():
    df = make_responses(150, seed=21)
    base = score_survey(df, INST, weights=df["w"])
    shuffled = df["w"].sample(frac=1.0, random_state=1)
    same = score_survey(df, INST, weights=shuffled)
    pd.testing.assert_frame_equal(base.metrics, same.metrics)
    with pytest.raises(DesignError, match=r"missing or infinite value"):
        score_survey(df, INST, weights=df["w"].iloc[:-1])


# ------------------------------------------------------------------ one core (issue 8)


def test_in_memory_summary_merges_like_chunks():
    """The in-memory path's ScoreSummary of all rows equals the merge of its halves' summaries
    (segments seen in only one half included), so both paths share one mechanism."""
    from satscore._scoring.core import Segmented, frame_keys, summarize
    from satscore._scoring.metrics import DEFAULT_METRICS
    from satscore._scoring.respondents import Subjects
    from satscore._stats import grouped as M

    df = make_responses(400, seed=8, n_branches=5)
    vr = INST.validate(df)
    w = df["w"].to_numpy()

    def summary(rows: np.ndarray):
        data = vr.data.iloc[rows]
        seg, segs = M.segment_codes(data, ["branch"])
        subj = Subjects.from_instrument(INST, data, DEFAULT_METRICS, {})
        dtypes = (data["branch"].dtype,)
        return summarize(subj, Segmented(seg, frame_keys(segs), ("branch",), dtypes, w[rows]))

    first = np.flatnonzero(df["branch"] != "B4")[:150]  # B4 only in the second part
    second = np.setdiff1d(np.arange(len(df)), first)
    whole = summary(np.arange(len(df)))
    merged = summary(first).merge(summary(second)).sorted()
    assert merged.items.keys == whole.items.keys
    for part in ("items", "flags"):
        for attr in ("counts", "wsum", "wsq"):
            a, b = getattr(getattr(whole, part), attr), getattr(getattr(merged, part), attr)
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-9, err_msg=f"{part}.{attr}")
    for attr in ("n", "sum_w", "mean", "m2", "sum_w2"):
        a, b = getattr(whole.scores, attr), getattr(merged.scores, attr)
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-9, err_msg=attr)


def test_unknown_missing_reason_is_an_error_not_a_dropped_count():
    vr = INST.validate(make_responses(60))
    good = score_survey(vr, INST).items
    for categorical in (False, True):
        reasons = vr.missing_reason.astype(object)
        reasons.iloc[0, reasons.columns.get_loc("OS01")] = "lost_in_post"
        if categorical:
            reasons = reasons.astype("category")
        else:  # object reasons give the same table as the validator's own
            ok = type(vr)(vr.data, vr.missing_reason.astype(object), vr.report, vr.instrument)
            pd.testing.assert_frame_equal(score_survey(ok, INST).items, good)
        bad = type(vr)(vr.data, reasons, vr.report, vr.instrument)
        scores = score_survey(bad, INST)
        with pytest.raises(DataError, match=r"item 'OS01' has missing reason 'lost_in_post'"):
            scores.items


def test_reverse_keyed_item_with_unevenly_spaced_codes():
    """Codes 1, 2, 3, 5 reversed are 5, 4, 3, 1: 4 is a category of the recoded answers, and
    every metric equals a direct numpy computation on (min + max) - x."""
    from satscore.instruments import Instrument

    scale = {"id": "gap", "codes": [1, 2, 3, 5], "labels": {"en": list("abce")},
             "satisfied": [5], "missing": []}  # fmt: skip
    spec = {
        "id": "gap", "version": "1.0.0", "title": {"en": "G"}, "languages": ["en"],
        "default_language": "en", "scales": [scale],
        "items": [{"id": "Q1", "text": {"en": "q"}, "scale": "gap", "reverse": True,
                   "dimension": "d"},
                  {"id": "Q2", "text": {"en": "q"}, "scale": "gap", "dimension": "d"}],
        "dimensions": [{"id": "d", "title": {"en": "d"}, "items": ["Q1", "Q2"]}],
    }  # fmt: skip
    inst = Instrument.from_dict(spec)
    rng = np.random.default_rng(2)
    df = pd.DataFrame({q: rng.choice([1.0, 2.0, 3.0, 5.0], 500) for q in ("Q1", "Q2")})
    m = score_survey(df, inst, suppression=None).metrics.set_index(["metric", "subject"])
    x = 6.0 - df["Q1"].to_numpy()
    assert m.loc[("top_box", "Q1"), "estimate"] == pytest.approx(np.mean(x == 5), abs=1e-12)
    assert m.loc[("mean", "Q1"), "estimate"] == pytest.approx(x.mean(), abs=1e-12)
    assert m.loc[("index_0_100", "Q1"), "estimate"] == pytest.approx(
        (x.mean() - 1) / 4 * 100, abs=1e-10
    )
    d = (x + df["Q2"].to_numpy()) / 2
    assert m.loc[("mean", "d"), "estimate"] == pytest.approx(d.mean(), abs=1e-12)
    assert m.loc[("top_box", "d"), "estimate"] == pytest.approx(np.mean(d >= 5), abs=1e-12)
    with pytest.raises(DataError, match=r"found value 4, which is not one of the answer codes"):
        satscore._stats.grouped.category_counts(np.array([4.0]), (1, 2, 3, 5), np.zeros(1, int), 1)


def test_zero_weights_in_a_segment_or_an_item():
    df = make_responses(300, seed=12)
    df.loc[df["branch"] == "B1", "w"] = 0.0
    with pytest.raises(DesignError, match=r"segment branch='B1': the weights of all \d+ resp"):
        score_survey(df, INST, by="branch", weights="w")
    with pytest.raises(DesignError, match=r"segment branch='B1'"):
        score_survey([df.iloc[:100], df.iloc[100:]], INST, by="branch", weights="w")
    # an item answered only by zero-weight respondents in a segment: flagged, not a bare NaN
    df = make_responses(300, seed=12)
    b1 = np.flatnonzero((df["branch"] == "B1").to_numpy())
    zero, rest = b1[::2], b1[1::2]
    df.loc[df.index[zero], "w"] = 0.0
    df.loc[df.index[zero], "OS01"] = 4.0
    df.loc[df.index[rest], "OS01"] = np.nan
    df.loc[df.index[rest], "SQ01"] = 3.0
    m = score_survey(df, INST, by="branch", weights="w").kpi().set_index("branch")
    assert m.loc["B1", "n"] > 0
    assert np.isnan(m.loc["B1", "estimate"])
    assert m.loc["B1", "flag"] == "no_answers"
    assert m.loc["B1", "suppressed"]


# ------------------------------------------------------------------ row blocks (one house)
# In-memory scoring runs in row blocks through the mergeable summaries: the numbers do not
# depend on the block size, errors are those of the whole frame, nothing full-size is kept.


def _block_responses(n: int, seed: int = 0) -> pd.DataFrame:
    frame = make_responses(n, seed=seed, n_branches=4)
    frame.loc[frame.index[:40], "branch"] = "B9"  # a segment only the first block sees
    return frame


def _close_blocks(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert a.shape == b.shape
    for col in a.columns:
        x, y = a[col], b[col]
        if x.dtype.kind == "f":
            xv, yv = x.to_numpy(), y.to_numpy()
            assert np.array_equal(np.isnan(xv), np.isnan(yv)), col
            err = np.nanmax(np.abs(xv - yv) / np.maximum(1.0, np.abs(xv)), initial=0.0)
            assert err < 1e-9, (col, err)
        else:
            xo = x.astype(object).where(x.notna(), "<NA>")  # no fillna: pandas 2.2 warns
            yo = y.astype(object).where(y.notna(), "<NA>")
            assert xo.equals(yo), col


@pytest.mark.parametrize(
    "kw",
    [
        {"by": ["quarter", "branch"], "targets": {"customer_satisfaction": 0.5}},
        {"by": "branch", "weights": "w", "metrics": ["top_box", "mean", "pct_of_max"]},
        {"by": "quarter", "ci_method": "wilson", "suppression": ("min_n", 50)},
        {"by": "branch", "ci_method": "bootstrap", "n_boot": 200, "seed": 3},
    ],
)
def test_block_size_does_not_change_the_scores(monkeypatch, kw):
    df = _block_responses(1500)
    whole = score_survey(df, INST, **kw)  # one block
    monkeypatch.setattr(in_memory, "BLOCK_ROWS", 256)
    blocks = score_survey(df, INST, **kw)
    _close_blocks(whole.metrics, blocks.metrics)
    _close_blocks(whole.items, blocks.items)
    pd.testing.assert_frame_equal(whole.respondents, blocks.respondents)
    vr = score_survey(INST.validate(df), INST, **kw)  # validated input, also in blocks
    _close_blocks(whole.metrics, vr.metrics)


def test_block_size_with_a_design(monkeypatch):
    df = _block_responses(1200, seed=5)
    design = SurveyDesign(df, weights="w", strata="quarter")
    whole = score_survey(df, INST, by="branch", design=design)
    monkeypatch.setattr(in_memory, "BLOCK_ROWS", 300)
    _close_blocks(whole.metrics, score_survey(df, INST, by="branch", design=design).metrics)


def test_a_validation_error_in_a_later_block_reports_the_whole_frame(monkeypatch):
    df = _block_responses(900, seed=2)
    df["OS01"] = df["OS01"].astype(object)
    df.loc[df.index[[10, 700]], "OS01"] = "no idea"  # first and third block
    with pytest.raises(ResponseValidationError) as whole:
        score_survey(df, INST)
    monkeypatch.setattr(in_memory, "BLOCK_ROWS", 300)
    with pytest.raises(ResponseValidationError) as blocks:
        score_survey(df.iloc[300:], INST)  # the first block is clean
    with pytest.raises(ResponseValidationError) as again:
        score_survey(df, INST)
    assert str(again.value) == str(whole.value)
    reference = INST.validate  # the block error is the whole-frame one, not the block's
    with pytest.raises(ResponseValidationError) as direct:
        reference(df.iloc[300:])
    assert str(blocks.value) == str(direct.value)


def test_no_full_size_state_is_kept():
    df = _block_responses(600, seed=9)
    scores = score_survey(df, INST, by="branch")
    kept = [v for v in vars(scores).values() if isinstance(v, (np.ndarray, pd.DataFrame))]
    assert all(len(v) < len(df) for v in kept if v is not scores.metrics)
    assert len(scores.respondents) == len(df)  # rebuilt on demand from the responses
    df.loc[df.index[0], "OS01"] = 1.0  # the caller's later edits do not reach the result
    assert scores.respondents["OS01"].iloc[0] == _block_responses(600, seed=9)["OS01"].iloc[0]


def test_empty_frame_still_validates_first():
    empty = _block_responses(5).iloc[:0]
    with pytest.raises(DataError, match="responses have no rows"):
        score_survey(empty, INST)
    with pytest.raises(ResponseValidationError):
        score_survey(empty.drop(columns="OS01"), INST)

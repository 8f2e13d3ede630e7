"""Issue-5 audit: intervals, comparisons, bootstrap and NCHS flags against stored R references.

References: tests/data/scoring_audit_R.json from tests/data/make_scoring_audit.R (R 4.2.2:
binom.test, prop.test(correct = FALSE), p.adjust, Hmisc::binconf, boot 1.3-28 boot.ci, and the
NCHS proportion standard as coded in CDC surveytable's .lpe_percents / svyciprop_adjusted).
Closed forms are compared at 1e-10; bootstrap bounds, whose quantile rule differs from R's
``norm.inter`` by less than one order statistic, are bracketed by the neighbouring order
statistics (z0, acceleration and the BCa tail levels are compared at 1e-10).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from satscore import proportion_ci
from satscore._scoring.compare import two_proportion_test
from satscore._scoring.suppression import presentation_flags
from satscore._stats.bootstrap import BootstrapResult, _bca_level, _jackknife_accel, bias_correction
from satscore.scoring import adjust_p_values, newcombe_interval

R = json.loads((Path(__file__).parents[1] / "data" / "scoring_audit_R.json").read_text())
TOL = 1e-10


def _frame(key: str) -> pd.DataFrame:
    return pd.DataFrame(R[key])


INTERVALS = _frame("intervals")


@pytest.mark.parametrize("method", sorted(set(INTERVALS["method"])))
def test_every_method_side_and_level_matches_r(method):
    rows = INTERVALS[INTERVALS["method"] == method]
    assert rows["k"].eq(0).any()
    assert (rows["k"] == rows["n"]).any()
    names = ["korn_graubard", "clopper_pearson"] if method == "clopper_pearson" else [method]
    for (level, side), sel in rows.groupby(["level", "side"]):
        for name in names:
            ci = proportion_ci(sel["k"], sel["n"], method=name, confidence_level=level, side=side)
            np.testing.assert_allclose(ci.low, sel["low"], atol=TOL, rtol=0, err_msg=name)
            np.testing.assert_allclose(ci.high, sel["high"], atol=TOL, rtol=0, err_msg=name)


def test_hmisc_binconf_cross_check():
    h = _frame("hmisc")
    k, n = h["k"].to_numpy(float), h["n"].to_numpy(float)
    # binconf's Wilson uses Brown-Cai-DasGupta's Poisson bound at x = 1 and x = n - 1
    plain = (k != 1) & (k != n - 1)
    for method, col, keep in (
        ("wilson", "wilson", plain),
        ("clopper_pearson", "exact", np.ones_like(plain)),
        ("wald", "asymptotic", np.ones_like(plain)),  # binconf does not clip; we clip to [0, 1]
    ):
        ref = np.clip(np.array(h[col].tolist(), float), 0.0, 1.0)
        ci = proportion_ci(k, n, method=method)
        np.testing.assert_allclose(ci.low[keep], ref[keep, 0], atol=1e-9, rtol=0, err_msg=method)
        np.testing.assert_allclose(ci.high[keep], ref[keep, 1], atol=1e-9, rtol=0, err_msg=method)
    assert plain.sum() > 60


def test_two_proportions_match_prop_test_and_newcombe():
    for case in R["two_prop"]:
        p1, p2 = case["k1"] / case["n1"], case["k2"] / case["n2"]
        low, high = newcombe_interval(p1, case["n1"], p2, case["n2"])
        assert float(low) == pytest.approx(case["low"], abs=TOL)
        assert float(high) == pytest.approx(case["high"], abs=TOL)
        p = float(two_proportion_test(p1, case["n1"], p2, case["n2"]))
        if case.get("p_value") is None:  # R: NaN (both groups all 0 or all 1)
            assert p == 1.0
        else:
            assert p == pytest.approx(case["p_value"], rel=1e-10, abs=1e-15)


def test_p_adjust_with_ties_and_missing_matches_r():
    a = R["adjust"]
    p = np.array([np.nan if v == "NA" else float(v) for v in a["p"]])
    for method, key in (("holm", "holm"), ("bh", "bh")):
        ref = np.array([np.nan if v is None else v for v in a[key]], float)
        got = adjust_p_values(p, method)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
        np.testing.assert_allclose(got[~np.isnan(ref)], ref[~np.isnan(ref)], atol=1e-15)


@pytest.mark.parametrize("case", ["mean", "weighted_mean"])
def test_bootstrap_bca_and_percentile_match_r_boot(case):
    ref = R["boot"][case]
    data = pd.DataFrame(R["boot_data"])
    z = data["z"].to_numpy(float)[:, None]
    w = data["w"].to_numpy(float) if case == "weighted_mean" else np.ones(len(data))
    t = np.asarray(ref["t"], float)
    est = np.array([[ref["t0"]]])
    assert float(np.sum(w * z[:, 0]) / np.sum(w)) == pytest.approx(ref["t0"], abs=1e-12)
    z0 = bias_correction(t.reshape(-1, 1, 1), est)
    accel = _jackknife_accel(z * w[:, None], w[:, None], np.zeros(len(z), dtype=np.int64), 1)
    assert float(z0[0, 0]) == pytest.approx(ref["z0"], abs=TOL)
    assert float(accel[0, 0]) == pytest.approx(ref["accel"], abs=TOL)
    # boot's empinf(type = "jack") centres on t0: equal for a mean, ~1e-4 apart for a ratio
    assert float(accel[0, 0]) == pytest.approx(ref["accel_boot_jack"], rel=1e-3)
    boot = BootstrapResult(replicates=t.reshape(-1, 1, 1), z0=z0, accel=accel)
    srt = np.sort(t)
    for level, tail in ((95, 0.025), (90, 0.05)):
        levels = [float(_bca_level(z0, accel, special.ndtri(q))[0, 0]) for q in (tail, 1 - tail)]
        np.testing.assert_allclose(levels, ref[f"bca_levels_{level}"], atol=TOL)
        for kind, bca in (("perc", False), ("bca", True)):
            lo, hi = boot.bounds(tail, bca=bca)
            for ours, theirs in ((float(lo[0, 0]), ref[f"{kind}_{level}"][0]),
                                 (float(hi[0, 0]), ref[f"{kind}_{level}"][1])):  # fmt: skip
                # R interpolates at rank (B+1)q on the normal scale, satscore linearly at
                # (B-1)q + 1: both lie between the order statistics next to that rank
                i = int(np.searchsorted(srt, theirs))
                assert srt[max(i - 2, 0)] <= ours <= srt[min(i + 1, len(srt) - 1)], (kind, level)
                assert abs(ours - theirs) <= srt[min(i + 1, len(srt) - 1)] - srt[max(i - 2, 0)]


_CODES = {
    "suppress_n_eff": "Px",
    "suppress_ci_width": "Px",
    "suppress_relative_ci_width": "Px",
    "footnote_complement": "Pc",
    "review_df": "Pdf",
    "review_0_or_100": "P0",
}


def test_nchs_flags_match_the_surveytable_rules():
    rows = _frame("nchs")
    assert {"Px", "Pc", "Pdf", "P0", ""} <= {f for flags in rows["flags"] for f in [flags]} | {
        part for flags in rows["flags"] for part in flags.split(";")
    }
    for _, r in rows.iterrows():
        srs = r["design"] == "srs"
        flag, suppressed = presentation_flags(
            rule="nchs",
            min_n=30,
            is_proportion=np.array([True]),
            estimate=np.array([r["p"]]),
            se=np.array([r["se"]]),
            n=np.array([float(r["n"])]),
            n_eff=np.array([np.nan]),
            df=np.array([float(r["df"])]),
            design_rows=None if srs else np.array([float(r["rows"])]),
        )
        ours = [] if flag[0] is None else str(flag[0]).split(";")
        mapped = sorted({_CODES[c] for c in ours})
        expect = sorted(f for f in r["flags"].split(";") if f)
        assert mapped == expect, (r["design"], r["variable"], r["stype"], flag[0])
        assert bool(suppressed[0]) == ("Px" in expect)


def test_korn_graubard_by_domain_in_a_cluster_sample_matches_svyby(data_dir):
    from satscore import SurveyDesign, score_survey

    api = pd.read_csv(data_dir / "apiclus1.csv")
    df = pd.DataFrame(
        {"CSAT01": np.where(api["sch.wide"] == "Yes", 5, 1), "stype": api["stype"],
         "pw": api["pw"], "dnum": api["dnum"], "fpc": api["fpc"]}
    )  # fmt: skip
    design = SurveyDesign(df, weights="pw", cluster="dnum", fpc="fpc")
    m = score_survey(df, "csat", by="stype", design=design).kpi().set_index("stype")
    ref = R["kg_cluster"]
    rows = m.loc[ref["stype"]]
    np.testing.assert_allclose(rows["estimate"], ref["estimate"], atol=1e-10)
    np.testing.assert_allclose(rows["se"], ref["se"], atol=1e-8)
    np.testing.assert_allclose(rows["df"], ref["df"], atol=0)
    np.testing.assert_allclose(rows["ci_low"], ref["low"], atol=1e-7)
    np.testing.assert_allclose(rows["ci_high"], ref["high"], atol=1e-7)
    # verdicts at 95% use one-sided bounds = the limits of svyciprop(level = 0.90): a target
    # just below the R lower limit is met, just above it is not, and the p-value there is 0.05
    for i, s in enumerate(ref["stype"]):
        for shift, expect in ((-1e-6, "met"), (1e-6, "inconclusive")):
            t = ref["low_90"][i] + shift
            row = (
                score_survey(
                    df, "csat", by="stype", design=design, targets={"customer_satisfaction": t}
                )
                .kpi()
                .set_index("stype")
            )
            assert row.loc[s, "verdict"] == expect, (s, shift)  # fmt: skip
            if shift > 0:
                assert row.loc[s, "p_value"] == pytest.approx(0.05, abs=1e-4)
        t = ref["high_90"][i] - 1e-6
        row = (
            score_survey(
                df, "csat", by="stype", design=design, targets={"customer_satisfaction": t}
            )
            .kpi()
            .set_index("stype")
        )
        assert row.loc[s, "verdict"] == "inconclusive"  # fmt: skip
        t = ref["high_90"][i] + 1e-6
        row = (
            score_survey(
                df, "csat", by="stype", design=design, targets={"customer_satisfaction": t}
            )
            .kpi()
            .set_index("stype")
        )
        assert row.loc[s, "verdict"] == "not_met"  # fmt: skip


@pytest.mark.parametrize("bca", [False, True])
def test_bootstrap_p_values_are_dual_to_the_bounds(bca):
    """The one-sided p-value against a target equal to a one-sided bound is that bound's tail."""
    ref = R["boot"]["weighted_mean"]
    t = np.asarray(ref["t"], float).reshape(-1, 1, 1)
    boot = BootstrapResult(
        replicates=t, z0=np.array([[ref["z0"]]]), accel=np.array([[ref["accel"]]])
    )
    b = t.shape[0]
    for tail in (0.01, 0.05, 0.2):
        lo, hi = boot.bounds(tail, bca=bca)
        p_greater, _ = boot.p_values(lo, bca=bca)
        _, p_less = boot.p_values(hi, bca=bca)
        assert float(p_greater[0, 0]) == pytest.approx(tail, abs=2.0 / b)
        assert float(p_less[0, 0]) == pytest.approx(tail, abs=2.0 / b)

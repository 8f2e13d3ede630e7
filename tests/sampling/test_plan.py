"""Quarterly plans: sample sizes, allocation, PRN rotation, coverage reports, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import samplesize_confint_proportion

from satscore import SurveyDesign, coverage_report, plan_quarterly_sample
from satscore._sampling.options import parse_quarter, quarter_shift
from satscore._sampling.sizes import allocate, largest_remainder, respondents_for_margin
from satscore.errors import DesignError, InfeasiblePlanError, OptionError, SatscoreWarning
from satscore.sampling import respondent_design


def make_frame(n=20000, strata=("A", "B", "C"), probs=(0.6, 0.3, 0.1), seed=1):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"K{i:07d}" for i in range(n)],
            "seg": rng.choice(list(strata), size=n, p=list(probs)),
            "active": True,
        }
    )


@pytest.fixture(scope="module")
def frame():
    return make_frame()


# ------------------------------------------------------------------ sample-size formulas
@pytest.mark.parametrize(("p", "e"), [(0.85, 0.03), (0.85, 0.05), (0.9, 0.03), (0.5, 0.05)])
def test_margin_formula_matches_statsmodels(p, e):
    expected = samplesize_confint_proportion(p, e, alpha=0.05)
    assert float(respondents_for_margin(p, e)) == pytest.approx(expected, rel=1e-12)


def test_margin_formula_with_fpc_and_deff_by_hand():
    z = 1.959963984540054
    n1 = z * z * 0.85 * 0.15 / 0.03**2 * 1.5
    assert float(respondents_for_margin(0.85, 0.03, population=20000, deff=1.5)) == pytest.approx(
        n1 / (1 + (n1 - 1) / 20000), rel=1e-12
    )
    assert round(float(respondents_for_margin(0.5, 0.05, population=2000))) == 322


def test_precision_plan_rounds_up_once_at_the_end():
    # research note §5.1: N=20000, p=.85, e=.03, deff 1.5, rr .3 -> 2614.5 -> 2615 invitations
    fr = make_frame(20000, strata=("A",), probs=(1.0,))
    plan = plan_quarterly_sample(
        fr, quarter=0, coverage=0.01, response_rate=0.3, strata="seg", deff=1.5,
        precision={"csat": (0.85, 0.03)}, selection="fixed",
    )  # fmt: skip
    row = plan.allocation.iloc[0]
    assert row["target"] == pytest.approx(2614.5, abs=0.05)
    assert row["invite"] == 2615
    assert row["binding"] == "precision:csat"


def test_respondent_floor_and_coverage_per_stratum(frame):
    plan = plan_quarterly_sample(
        frame, quarter=0, strata="seg", response_rate=0.2, min_respondents=150, selection="fixed"
    )
    alloc = plan.allocation.set_index("seg")
    n = alloc["N"]
    expected = np.maximum(np.ceil(0.3 * n), np.ceil(150 / 0.2))
    np.testing.assert_array_equal(alloc["invite"], expected.astype(int))
    assert (alloc["coverage"] >= 0.3).all()
    assert alloc.loc["C", "binding"] == "min_respondents"
    assert alloc.loc["A", "binding"] == "coverage"


def test_largest_remainder_and_budgeted_allocations(frame):
    q = np.array([10.4, 20.35, 30.25])
    out = largest_remainder(q, 61)
    assert out.sum() == 61
    assert out.tolist() == [11, 20, 30]
    eq = plan_quarterly_sample(
        frame, quarter=0, strata="seg", allocation="equal", selection="fixed"
    )
    sizes = eq.allocation["invite"].to_numpy()
    assert sizes.sum() == math.ceil(0.3 * len(frame) - 1e-9)
    assert sizes.max() - sizes.min() <= 1
    ney = plan_quarterly_sample(
        frame, quarter=0, strata="seg", allocation="neyman", selection="fixed",
        expected_p={"A": 0.9, "B": 0.7, "C": 0.5},
    )  # fmt: skip
    al = ney.allocation
    share = al["N"] * np.sqrt(np.array([0.09, 0.21, 0.25]))
    np.testing.assert_allclose(al["target"], 0.3 * len(frame) * share / share.sum(), rtol=1e-12)


def test_budgeted_allocation_redistributes_surplus():
    fr = make_frame(10000, probs=(0.6, 0.38, 0.02))
    plan = plan_quarterly_sample(
        fr, quarter=0, strata="seg", allocation="equal", min_respondents=30, response_rate=0.5,
        selection="fixed",
    )  # fmt: skip
    al = plan.allocation.set_index("seg")
    # C (about 200 customers) cannot take its equal share of 1000: it is capped at its size and
    # the surplus goes to A and B equally
    assert al.loc["C", "invite"] == al.loc["C", "N"]
    assert al.loc["C", "binding"] == "all_eligible"
    assert al["target"].sum() == pytest.approx(3000)
    assert al.loc["A", "target"] == pytest.approx((3000 - al.loc["C", "N"]) / 2)
    assert al.loc["A", "target"] == pytest.approx(al.loc["B", "target"])
    assert al.loc["A", "binding"] == "equal"


# ------------------------------------------------------------------ rotation
def _ids(plan):
    return set(plan.sample["customer_id"])


@pytest.mark.parametrize("selection", ["window", "poisson"])
def test_rotation_properties_window(frame, selection):
    full = [
        plan_quarterly_sample(frame, quarter=q, strata="seg", selection=selection) for q in range(9)
    ]
    plans = [_ids(p) for p in full]
    if selection == "window":  # topped up: every stratum reaches ceil(0.3 N_h)
        for p in full:
            al = p.allocation
            assert (al["invite"] >= np.ceil(0.3 * al["N"])).all()
            assert not p.caveats
        lag2 = [len(plans[q] & plans[q + 2]) / len(plans[q]) for q in range(5)]
        assert max(lag2) < 0.05  # only topped-up customers are asked two quarters later
    else:
        assert not any(plans[q] & plans[q + 2] for q in range(5))
    for q in range(8):
        assert not plans[q] & plans[q + 1], "consecutive quarters must not share customers"
    for q in range(5):
        assert set().union(*plans[q : q + 4]) == set(frame["customer_id"])
    # q and q+3 share 4f - 1 = 0.2 of the circle (2/3 of a window); q and q+4 share 0.1 (1/3)
    ov3 = [len(plans[q] & plans[q + 3]) / len(plans[q]) for q in range(5)]
    ov4 = [len(plans[q] & plans[q + 4]) / len(plans[q]) for q in range(5)]
    assert np.allclose(ov3, 2 / 3, atol=0.03)
    assert np.allclose(ov4, 1 / 3, atol=0.03)


def test_rotation_with_labels_across_year_end(frame):
    q4 = _ids(plan_quarterly_sample(frame, quarter="2026Q4", strata="seg"))
    q1 = _ids(plan_quarterly_sample(frame, quarter="2027 q1", strata="seg"))
    assert parse_quarter("2027Q1")[0] == parse_quarter("2026Q4")[0] + 1
    assert not q4 & q1
    assert [quarter_shift(q, 0.3) for q in range(5)] == [0.0, 0.3, 0.6, 0.9, 0.2]


def test_selection_is_independent_of_frame_order_and_churn(frame):
    base = _ids(plan_quarterly_sample(frame, quarter=5, strata="seg"))
    shuffled = frame.sample(frac=1.0, random_state=3)
    assert _ids(plan_quarterly_sample(shuffled, quarter=5, strata="seg")) == base
    newcomers = make_frame(500, seed=9).assign(customer_id=lambda d: "N" + d["customer_id"])
    grown = pd.concat([frame, newcomers], ignore_index=True)
    # the PRN window is exact under churn: existing customers keep their status
    kw = {"quarter": 5, "strata": "seg", "selection": "poisson"}
    before = _ids(plan_quarterly_sample(frame, **kw))
    after = _ids(plan_quarterly_sample(grown, **kw))
    assert after & set(frame["customer_id"]) == before
    assert after - before  # new customers are drawn automatically
    # with top-ups only the few topped-up customers can change
    after_w = _ids(plan_quarterly_sample(grown, quarter=5, strata="seg"))
    changed = (after_w & set(frame["customer_id"])) ^ base
    assert len(changed) < 0.01 * len(base)


def test_fixed_size_rotation_is_approximate(frame):
    plans = [
        plan_quarterly_sample(frame, quarter=q, strata="seg", selection="fixed") for q in range(5)
    ]
    sizes = plans[0].allocation["invite"].to_numpy()
    np.testing.assert_array_equal(sizes, np.ceil(0.3 * plans[0].allocation["N"]).astype(int))
    for q in range(4):
        shared = len(_ids(plans[q]) & _ids(plans[q + 1]))
        assert shared / sizes.sum() < 0.02


def test_exclusions_are_never_invited_and_reported(frame):
    excl = [*frame["customer_id"].iloc[::7].tolist(), "NOT-IN-FRAME"]
    plan = plan_quarterly_sample(frame, quarter=2, strata="seg", exclude=excl)
    assert not _ids(plan) & set(excl)
    al = plan.allocation
    assert (al["invite"] >= np.ceil(0.3 * al["N"])).all()  # coverage of the whole active frame
    nxt = plan_quarterly_sample(frame, quarter=3, strata="seg", exclude=excl)
    assert not _ids(plan) & _ids(nxt)  # still no consecutive re-contact
    assert plan.allocation["excluded"].sum() == len(excl) - 1
    assert "excluded" in plan.caveats[0]
    assert "1 excluded ids are not in the active frame" in plan.caveats[0]


def test_inactive_customers_are_not_in_the_frame():
    fr = make_frame(5000)
    fr.loc[fr.index[:1000], "active"] = False
    plan = plan_quarterly_sample(fr, quarter=0, strata="seg")
    assert plan.allocation["N"].sum() == 4000
    assert not _ids(plan) & set(fr["customer_id"].iloc[:1000])


def test_sample_weights_and_inclusion_probabilities(frame):
    plan = plan_quarterly_sample(frame, quarter=1, strata="seg")
    s = plan.sample
    sums = s.groupby("seg")["design_weight"].sum()
    np.testing.assert_allclose(sums, plan.allocation.set_index("seg")["N"], rtol=1e-12)
    np.testing.assert_allclose(s["inclusion_probability"] * s["design_weight"], 1.0)


def test_stored_prn_column_gives_the_same_sample(frame):
    from satscore._stats.prn import prn

    fr = frame.assign(u=prn(frame["customer_id"], "satscore"))
    a = plan_quarterly_sample(frame, quarter=3, strata="seg")
    b = plan_quarterly_sample(fr, quarter=3, strata="seg", prn_column="u")
    assert _ids(a) == _ids(b)


def test_plan_does_not_modify_the_frame(frame):
    before = frame.copy()
    plan_quarterly_sample(frame, quarter=0, strata="seg", exclude=["K0000001"])
    pd.testing.assert_frame_equal(frame, before)


def test_plan_result_api(frame):
    plan = plan_quarterly_sample(frame, quarter="2026Q3", strata="seg")
    tab = plan.summary()
    assert tab.iloc[-1]["seg"] == "total"
    assert tab.iloc[-1]["invite"] == len(plan.sample)
    assert "<table" in plan._repr_html_()
    d = plan.to_dict()
    assert d["quarter"] == "2026Q3"
    assert "2026Q3" in repr(plan)


# ------------------------------------------------------------------ infeasible plans
def test_infeasible_plan_names_stratum_and_best_value():
    fr = make_frame(3000, probs=(0.9, 0.08, 0.02))
    with pytest.raises(InfeasiblePlanError, match=r"B: needs 1000 invitations, has \d+ eligible"):
        plan_quarterly_sample(fr, quarter=0, strata="seg", response_rate=0.1, min_respondents=100)
    with pytest.raises(InfeasiblePlanError, match=r"best achievable: \d+ respondents"):
        plan_quarterly_sample(fr, quarter=0, strata="seg", response_rate=0.1, min_respondents=100)
    with pytest.warns(SatscoreWarning, match="capped"):
        plan = plan_quarterly_sample(
            fr, quarter=0, strata="seg", response_rate=0.1, min_respondents=100,
            on_infeasible="cap", selection="fixed",
        )  # fmt: skip
    row = plan.allocation.set_index("seg").loc["C"]
    assert row["invite"] == row["N"]
    assert row["binding"] == "capped"
    assert any("capped" in c for c in plan.caveats)


# ------------------------------------------------------------------ bad input
def test_bad_input_errors(frame):
    with pytest.raises(DesignError, match="id column 'cid' is not in the frame"):
        plan_quarterly_sample(frame, quarter=0, id_column="cid")
    dup = pd.concat([frame, frame.iloc[:3]], ignore_index=True)
    with pytest.raises(DesignError, match=r"duplicate ids \(e.g. 'K0000000', 3 duplicates\)"):
        plan_quarterly_sample(dup, quarter=0)
    with pytest.raises(OptionError, match=r"coverage must lie in \(0, 1\]; found 30.0"):
        plan_quarterly_sample(frame, quarter=0, coverage=30)
    with pytest.raises(OptionError, match=r"coverage must lie in \(0, 1\]; found 0.0"):
        plan_quarterly_sample(frame, quarter=0, coverage=0)
    with pytest.raises(OptionError, match=r"response_rate must lie in \(0, 1\]; found 1.5"):
        plan_quarterly_sample(frame, quarter=0, response_rate=1.5)
    with pytest.raises(OptionError, match=r"response_rate\['B'\] must lie in"):
        plan_quarterly_sample(
            frame, quarter=0, strata="seg", response_rate={"A": 0.2, "B": 0, "C": 0.3}
        )
    with pytest.raises(OptionError, match="quarter='2026-13' does not parse"):
        plan_quarterly_sample(frame, quarter="2026-13")
    with pytest.raises(OptionError, match="quarter='2026Q5' does not parse"):
        plan_quarterly_sample(frame, quarter="2026Q5")
    with pytest.raises(DesignError, match="stratum column 'branch' is not in the frame"):
        plan_quarterly_sample(frame, quarter=0, strata="branch")
    with pytest.raises(OptionError, match="allocation='optimal' is not supported"):
        plan_quarterly_sample(frame, quarter=0, allocation="optimal")


def test_zero_population_strata_raise(frame):
    cat = frame.assign(seg=pd.Categorical(frame["seg"], categories=["A", "B", "C", "D"]))
    with pytest.raises(DesignError, match="stratum 'D' of column 'seg' has zero population"):
        plan_quarterly_sample(cat, quarter=0, strata="seg")
    with pytest.raises(DesignError, match="names stratum 'D', which has zero population"):
        plan_quarterly_sample(
            frame, quarter=0, strata="seg", response_rate={"A": 0.2, "B": 0.2, "C": 0.2, "D": 0.2}
        )
    empty = frame.assign(active=False)
    with pytest.raises(DesignError, match="zero population"):
        plan_quarterly_sample(empty, quarter=0, strata="seg")


# ------------------------------------------------------------------ coverage report
def test_coverage_report_counts_verdicts_and_weights(frame):
    plan = plan_quarterly_sample(frame, quarter=4, strata="seg")
    s = plan.sample
    resp = s.iloc[::3][["customer_id"]]
    resp = pd.concat([resp, pd.DataFrame({"customer_id": ["STRANGER"]})], ignore_index=True)
    rep = coverage_report(plan, resp)
    tab = rep.table.set_index("seg")
    expected_resp = s.iloc[::3].groupby("seg").size()
    np.testing.assert_array_equal(tab.loc[["A", "B", "C"], "responded"], expected_resp)
    np.testing.assert_allclose(
        tab.loc[["A", "B", "C"], "response_rate"], expected_resp / s.groupby("seg").size()
    )
    assert (tab["verdict"] == "met").all()  # fixed size: every stratum >= 30%
    assert any("STRANGER" not in c and "not invited" in c for c in rep.caveats)
    w = rep.weights.groupby("seg")["weight"].sum()
    np.testing.assert_allclose(w, plan.allocation.set_index("seg")["N"], rtol=1e-12)
    strict = coverage_report(plan, resp, target=0.35)
    assert (strict.table["verdict"] == "not_met").all()
    assert "CoverageReport" in repr(rep)


def test_respondent_design_estimates(frame):
    plan = plan_quarterly_sample(frame, quarter=4, strata="seg")
    rng = np.random.default_rng(5)
    resp = plan.sample[["customer_id"]].iloc[::4].assign(sat=lambda d: rng.integers(0, 2, len(d)))
    d = respondent_design(plan, resp)
    assert isinstance(d, SurveyDesign)
    n_h = d.data.groupby("seg").size()
    big_n = plan.allocation.set_index("seg")["N"]
    manual = (d.data.groupby("seg")["sat"].mean() * big_n).sum() / big_n.sum()
    assert d.mean("sat").estimate == pytest.approx(manual, rel=1e-12)
    # stratified SRS variance with FPC by hand
    var_h = d.data.groupby("seg")["sat"].var(ddof=1)
    v = (((big_n / big_n.sum()) ** 2) * (1 - n_h / big_n) * var_h / n_h).sum()
    assert d.mean("sat").se == pytest.approx(math.sqrt(v), rel=1e-10)


def test_coverage_verdict_follows_realised_window_coverage(frame):
    # poisson selection: invitations are Binomial(N_h, f), coverage fluctuates around f
    plan = plan_quarterly_sample(frame, quarter=4, strata="seg", selection="poisson")
    rep = coverage_report(plan, plan.sample["customer_id"].iloc[::2])
    cov = rep.table["coverage"].to_numpy(float)
    assert np.all(np.abs(cov - 0.3) < 4 * np.sqrt(0.21 / rep.table["N"].to_numpy(float)))
    expected = np.where(cov >= 0.3, "met", "not_met")
    np.testing.assert_array_equal(rep.table["verdict"].to_numpy(str), expected)


def test_precision_bound_strata_overlap_and_report_spill():
    fr = make_frame(6000, probs=(0.8, 0.15, 0.05))
    kw = {"strata": "seg", "response_rate": 0.2, "min_respondents": 60}
    a = plan_quarterly_sample(fr, quarter=0, **kw)
    b = plan_quarterly_sample(fr, quarter=1, **kw)
    al = a.allocation.set_index("seg")
    assert al.loc["C", "window"] > 0.3  # C needs 300 of ~300 customers
    shared = _ids(a) & _ids(b)
    seg = fr.set_index("customer_id")["seg"]
    assert shared
    assert set(seg[list(shared)]) <= {"B", "C"}  # only floor-bound strata re-contact


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=12),
    coverage=st.floats(min_value=0.05, max_value=1.0),
    method=st.sampled_from(["proportional", "neyman", "equal"]),
    floor=st.integers(min_value=0, max_value=400),
)
def test_allocation_invariants(sizes, coverage, method, floor):
    pop = np.array(sizes, dtype=np.int64)
    need = np.minimum(float(floor), pop.astype(float))
    sd = np.full(pop.size, 0.35)
    target, size = allocate(pop, pop, need, coverage=coverage, method=method, sd=sd)
    assert (size <= pop).all()
    assert (size >= np.ceil(need - 1e-9)).all()
    assert (target <= pop + 1e-9).all()
    if method == "proportional":
        assert (size >= np.minimum(np.ceil(coverage * pop - 1e-9), pop)).all()
    else:  # the budget is spent exactly, within the floors and the stratum sizes
        expected = np.clip(coverage * pop.sum(), need.sum(), pop.sum())
        assert target.sum() == pytest.approx(expected, rel=1e-9, abs=1e-6)
        assert size.sum() >= math.ceil(expected - 1e-6)


@pytest.mark.slow
def test_window_design_is_unbiased_with_valid_variance():
    # Monte Carlo over salts: the topped-up PRN window sample analysed as stratified SRS with
    # weights N_h/n_h and FPC N_h gives an unbiased mean and a variance estimate that matches
    # the spread of the estimates.
    rng = np.random.default_rng(12)
    fr = make_frame(3000, probs=(0.7, 0.2, 0.1), seed=4)
    p_seg = fr["seg"].map({"A": 0.9, "B": 0.7, "C": 0.5}).to_numpy()
    fr["y"] = (rng.random(len(fr)) < p_seg).astype(float)
    truth = fr["y"].mean()
    est, var = [], []
    for rep in range(300):
        plan = plan_quarterly_sample(fr, quarter=rep % 4, strata="seg", salt=f"mc{rep}")
        data = plan.sample.merge(fr[["customer_id", "y"]], on="customer_id")
        d = SurveyDesign(data, weights="design_weight", strata="seg", fpc="fpc")
        m = d.mean("y")
        est.append(m.estimate)
        var.append(m.se**2)
    est = np.array(est)
    assert abs(est.mean() - truth) < 4 * est.std() / np.sqrt(len(est))
    assert np.mean(var) == pytest.approx(est.var(ddof=1), rel=0.2)


# ------------------------------------------------------------------ fast paths
def _top_up_brute_force(chosen, v, h, size, window, step):
    """Per stratum, the missing number of unchosen eligible customers nearest the arc start."""
    chosen = chosen.copy()
    for k in range(size.size):
        need = int(size[k] - chosen[h == k].sum())
        if need <= 0:
            continue
        idx = np.flatnonzero((h == k) & ~chosen & np.isfinite(v))
        dist = np.mod(v[idx] - np.mod(window[k] + step, 1.0), 1.0)
        chosen[idx[np.argsort(dist, kind="stable")[:need]]] = True
    return chosen


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_top_up_equals_brute_force_including_whole_stratum_fallback(seed):
    from satscore._sampling.selection import arc_smallest, select, selection_rule

    rng = np.random.default_rng(seed)
    n_strata = 12
    h = rng.integers(0, n_strata, 30000)
    v = rng.random(h.size)
    # strata 0-3: most customers excluded, so the near-start screen holds too few (fallback)
    v[(h < 4) & (rng.random(h.size) < 0.9)] = np.inf
    window = rng.uniform(0.05, 0.4, n_strata)
    step = 0.3
    chosen = v < window[h]
    have = np.bincount(h[chosen], minlength=n_strata)
    size = have + rng.integers(0, 60, n_strata)
    size[5] = have[5]  # a stratum that is not short
    pop = np.bincount(h, minlength=n_strata)
    calls = []

    def smallest(start, win, k, delta):
        calls.append(delta is None)
        return arc_smallest(v, h, n_strata, start, win, k, delta)

    def count_inside(win):
        return np.bincount(h[v < win[h]], minlength=n_strata)

    rule, invited, _ = selection_rule(
        size, pop, window, step=step, selection="window", count_inside=count_inside,
        smallest=smallest,
    )  # fmt: skip
    got = select(v, h, rule)
    np.testing.assert_array_equal(got, _top_up_brute_force(chosen, v, h, size, window, step))
    assert calls == [False, True]  # the whole-stratum fallback ran
    eligible = np.bincount(h[np.isfinite(v)], minlength=n_strata)
    np.testing.assert_array_equal(np.bincount(h[got], minlength=n_strata), invited)
    np.testing.assert_array_equal(invited, np.minimum(size, eligible))


def test_stored_prns_duplicate_ids_detected_exactly():
    from satscore._sampling.frame import has_duplicates

    fr = make_frame(3000)
    fr["u"] = np.random.default_rng(4).random(len(fr))  # duplicates get different stored PRNs
    dup = pd.concat([fr, fr.iloc[[10]].assign(u=0.5)], ignore_index=True)
    with pytest.raises(DesignError, match=r"duplicate ids \(e.g. 'K0000010', 1 duplicates\)"):
        plan_quarterly_sample(dup, quarter=0, prn_column="u")
    plan_quarterly_sample(fr, quarter=0, prn_column="u")  # unique ids pass
    cases = [
        pd.Series([1, 2, 3, 2]),
        pd.Series(["a", "ab", "b"]),
        pd.Series(["ä", "a", "ä"]),
        pd.Series(["a\x00", "a"], dtype=object),
        pd.Series([1, "1"], dtype=object),
        pd.Series(["x", "y", "x"], dtype="str"),
    ]
    for ids in cases:
        assert has_duplicates(ids, np.zeros(len(ids)), check_all=True) == (not ids.is_unique)


def test_integer_and_unicode_ids_plan_like_their_text(frame):
    ints = pd.DataFrame({"customer_id": np.arange(5000) * 7 - 300, "active": True})
    text = ints.assign(customer_id=ints["customer_id"].astype(str))
    a = plan_quarterly_sample(ints, quarter=2)
    b = plan_quarterly_sample(text, quarter=2)
    assert a.sample["customer_id"].astype(str).tolist() == b.sample["customer_id"].tolist()
    uni = pd.DataFrame({"customer_id": [f"Kundé-{i}" for i in range(3000)], "active": True})
    plan = plan_quarterly_sample(uni, quarter=2)
    from satscore._stats.prn import prn_reference

    got = plan.sample["prn"].to_numpy()
    want = [prn_reference(i, "satscore") for i in plan.sample["customer_id"]]
    np.testing.assert_array_equal(got, want)


def test_inactive_rows_and_non_default_index_select_like_the_active_subset():
    fr = make_frame(6000, seed=3)
    fr["active"] = np.random.default_rng(8).random(len(fr)) > 0.2
    fr.index = np.arange(len(fr))[::-1] * 5 + 11
    a = plan_quarterly_sample(fr, quarter=5, strata="seg")
    b = plan_quarterly_sample(fr[fr["active"]].reset_index(drop=True), quarter=5, strata="seg")
    pd.testing.assert_frame_equal(a.sample, b.sample)
    pd.testing.assert_frame_equal(a.allocation, b.allocation)

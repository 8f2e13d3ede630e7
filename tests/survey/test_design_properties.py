"""SurveyDesign on random designs vs a literal, loop-based transcription of R survey 4.1-1.

The reference below follows R's ``svyrecvar`` -> ``multistage`` -> ``onestage`` ->
``onestrat`` (printed from survey 4.1-1) statement by statement, on the rows R's
``svyby(~y, ~dom, design, svymean, na.rm = TRUE)`` keeps for each domain (the domain's
rows with a value; sample sizes of the whole design). It shares no code with satscore.
Random designs: 1-4 strata, 1-5 PSUs per stratum (lonely and fully sampled strata occur),
1-4 secondary units per PSU and 1-3 third-stage units (rows) per secondary unit (lonely
and fully sampled units occur), unequal weights, missing values, 3 domains; one, two and
three stages, and two cluster columns without FPCs (ultimate cluster); every lonely-PSU rule
that R can evaluate. Chunked designs must give the same numbers (1e-9).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from satscore import SurveyDesign
from satscore.errors import DesignError


# ----------------------------------------------------------------------------- R, literally
def _onestrat(x, cluster, n_psu, popsize, rule):
    f = 1.0 if popsize is None else (popsize - n_psu) / popsize
    scale = f * n_psu / (n_psu - 1) if n_psu > 1 else f
    if f < 1e-7:
        return 0.0
    ids = list(dict.fromkeys(cluster))
    totals = np.array([x[cluster == c].sum() for c in ids])
    nsubset = totals.size
    if nsubset < n_psu:
        totals = np.r_[totals, np.zeros(n_psu - nsubset)]
    if rule != "adjust" or nsubset > 1 or n_psu > 1:
        totals = totals - totals.mean()
    if n_psu > 1:
        return float(np.sum(totals * totals) * scale)
    if rule in ("certainty", "remove", "adjust"):
        return float(np.sum(totals * totals) * scale)
    if rule == "average":
        return np.nan
    raise RuntimeError("lonely PSU with lonely.psu = 'fail'")


def _onestage(x, strata, cluster, n_psu, popsize, rule):
    if x.size == 0:
        return 0.0
    results = []
    for h in dict.fromkeys(strata):
        idx = strata == h
        pop = None if popsize is None else popsize[idx][0]
        results.append(_onestrat(x[idx], cluster[idx], n_psu[idx][0], pop, rule))
    results = np.array(results)
    ok = ~np.isnan(results)
    with np.errstate(invalid="ignore", divide="ignore"):  # every stratum lonely: NaN, as R
        return float(np.sum(results[ok]) * results.size / ok.sum())


def _multistage(x, clusters, stratas, n_psus, popsizes, rule):
    v = _onestage(x, stratas[0], clusters[0], n_psus[0], popsizes[0], rule)
    if popsizes[0] is not None and len(clusters) > 1:
        for c in dict.fromkeys(clusters[0]):
            idx = clusters[0] == c
            sub = _multistage(
                x[idx],
                [k[idx] for k in clusters[1:]],
                [s[idx] for s in stratas[1:]],
                [n[idx] for n in n_psus[1:]],
                [p[idx] for p in popsizes[1:]],
                rule,
            )
            v += sub * n_psus[0][idx][0] / popsizes[0][idx][0]
    return v


def _r_by(df, stages, with_fpc, rule):
    """svyby(~y, ~dom, design, svymean, na.rm = TRUE): estimates and SEs, domains sorted."""
    h = df["h"].to_numpy()
    psu = (df["h"].astype(str) + "." + df["psu"].astype(str)).to_numpy()  # nest = TRUE
    ssu = (pd.Series(psu) + "." + df["ssu"].astype(str)).to_numpy()  # R: interaction of ids
    tsu = (pd.Series(ssu) + "." + df["tsu"].astype(str)).to_numpy()
    n1 = df.groupby("h")["psu"].transform("nunique").to_numpy()
    n2 = pd.Series(ssu).groupby(psu).transform("nunique").to_numpy()
    n3 = pd.Series(tsu).groupby(ssu).transform("nunique").to_numpy()
    clusters = [psu, ssu, tsu][:stages]
    stratas = [h, psu, ssu][:stages]  # R: stage s strata = interaction(strata, ids[, s - 1])
    n_psus = [n1, n2, n3][:stages]
    pops = [df[c].to_numpy(float) for c in ("N1", "N2", "N3")] if with_fpc else [None] * 3
    est, se = [], []
    for g in sorted(df["dom"].unique()):
        keep = ((df["dom"] == g) & df["y"].notna()).to_numpy()
        w, y = df["w"].to_numpy()[keep], df["y"].to_numpy()[keep]
        mean = np.sum(w * y) / np.sum(w)
        x = w * (y - mean) / np.sum(w)
        v = _multistage(
            x,
            [c[keep] for c in clusters],
            [s[keep] for s in stratas],
            [n[keep] for n in n_psus],
            [None if p is None else p[keep] for p in pops[: len(clusters)]],
            rule,
        )
        est.append(mean)
        se.append(np.sqrt(v))
    return np.array(est), np.array(se)


# ----------------------------------------------------------------------------- random designs
def _design_data(seed):
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(rng.integers(1, 5)):
        n1 = int(rng.integers(1, 6))
        big1 = n1 + int(rng.integers(0, 3)) * int(rng.integers(1, 20))  # = n1: fully sampled
        for p in range(n1):
            n2 = int(rng.integers(1, 5))
            big2 = n2 + int(rng.integers(0, 3)) * int(rng.integers(1, 9))
            for s in range(n2):
                n3 = int(rng.integers(1, 4))
                big3 = n3 + int(rng.integers(0, 2)) * int(rng.integers(1, 5))
                for t in range(n3):
                    rows.append((f"s{h}", p, s, t, big1, big2, big3))
    df = pd.DataFrame(rows, columns=["h", "psu", "ssu", "tsu", "N1", "N2", "N3"])
    n = len(df)
    df["w"] = rng.uniform(1.0, 9.0, n)
    df["y"] = np.where(rng.random(n) < 0.1, np.nan, rng.normal(50, 10, n).round(1))
    df["dom"] = rng.choice(["a", "b", "c"], n)
    return df


def _lonely(df, stages, with_fpc):
    """Whether a stratum (or, at a later stage, a unit) has one sampled unit, not all sampled."""
    g1 = df.groupby("h").agg(n=("psu", "nunique"), big=("N1", "first"))
    lonely1 = ((g1["n"] == 1) & ((g1["big"] > 1) | (not with_fpc))).any()
    later = False
    for s, (parent, child, big) in enumerate(
        [(["h", "psu"], "ssu", "N2"), (["h", "psu", "ssu"], "tsu", "N3")], start=2
    ):
        g = df.groupby(parent).agg(n=(child, "nunique"), big=(big, "first"))
        later |= s <= stages and with_fpc and ((g["n"] == 1) & (g["big"] > 1)).any()
    return bool(lonely1), bool(later)


CASES = [(seed, rule) for seed in range(12) for rule in ("adjust", "remove", "average", "fail")]
DESIGNS = [(2, True), (1, True), (2, False), (3, True)]  # (stages, FPC at every stage)


@pytest.mark.parametrize(("seed", "rule"), CASES)
@pytest.mark.parametrize(("stages", "with_fpc"), DESIGNS)
def test_random_designs_match_r_algorithm(seed, rule, stages, with_fpc):
    df = _design_data(seed)
    kw = {"strata": "h", "nest": True, "weights": "w", "lonely_psu": rule}
    kw["cluster"] = ["psu", "ssu", "tsu"][:stages]
    if with_fpc:
        kw["fpc"] = ["N1", "N2", "N3"][:stages]
    lonely1, lonely_later = _lonely(df, stages, with_fpc)
    if (rule == "fail" and (lonely1 or lonely_later)) or (rule == "average" and lonely_later):
        # R stops ("fail") or returns NaN ("average" at a later stage); satscore refuses
        with pytest.raises(DesignError, match="single"):
            SurveyDesign(df, **kw)
        return
    est, se = _r_by(df, stages if with_fpc else 1, with_fpc, rule)
    tab = SurveyDesign(df, **kw).by("dom", "y")
    np.testing.assert_allclose(tab["estimate"], est, rtol=1e-12)
    np.testing.assert_allclose(tab["se"], se, rtol=1e-9, atol=1e-12)
    chunks = [df.iloc[i::3] for i in range(3)]  # interleaved: every unit spans chunks
    streamed = SurveyDesign(chunks, **kw).by("dom", "y")
    np.testing.assert_allclose(streamed["se"], tab["se"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(streamed["df"], tab["df"], rtol=0)

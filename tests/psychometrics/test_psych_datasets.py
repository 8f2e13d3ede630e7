"""Polychoric, omega, split-half / Guttman, KMO / Bartlett, MAP and parallel analysis against
psych 2.2.9 on data the other tests do not use.

Reference: tests/data/make_psych_datasets.R -> psych_datasets_R.json (psych 2.2.9, GPArotation
2022.10-2, R 4.2.2; exact calls in the script). Tolerances: 1e-6 for closed forms (KMO,
Bartlett, split-half enumeration, Guttman's lambdas, MAP, observed eigenvalues), 1e-3 for
iterative estimates (polychoric correlations -- psych's ``optimize`` stops at about 1e-4 --
omega and everything computed from a polychoric matrix). Parallel analysis's random replicates
cannot match R's RNG, so their distribution is compared with R's (means within Monte Carlo
error) and the suggested numbers of factors / components with psych's.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import satscore
from satscore import reliability
from satscore.errors import DataError, NonPositiveDefiniteWarning, SatscoreWarning

DATA = Path(__file__).parents[1] / "data"
REF = json.loads((DATA / "psych_datasets_R.json").read_text())
SAT = pd.read_csv(DATA / "sat_act.csv")
FRAMES = {
    "sat5": SAT[["education", "age", "ACT", "SATV", "SATQ"]],
    "ord_mixed": pd.read_csv(DATA / "ord_mixed.csv"),
    "ord_global": pd.read_csv(DATA / "ord_global.csv"),
    "bin_sim": pd.read_csv(DATA / "bin_sim.csv"),
    "thurstone": pd.read_csv(DATA / "thurstone.csv"),
    "harman74": pd.read_csv(DATA / "harman74.csv"),
    "bechtoldt1": pd.read_csv(DATA / "bechtoldt1.csv"),
    "reise": pd.read_csv(DATA / "reise.csv"),
}
N_OBS = {"thurstone": 213, "harman74": 145, "bechtoldt1": 212, "reise": 1000}
CLOSED = 1e-6
ITER = 1e-3


def arr(x) -> np.ndarray:
    a = np.array(x, dtype=object)
    return np.where(a == None, np.nan, a).astype(float)  # noqa: E711


def quiet(func, *args, **kwargs):
    """Call without the (separately tested) sparse-table / smoothing / two-factor notes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SatscoreWarning)
        return func(*args, **kwargs)


# ------------------------------------------------------------------------------ polychoric
POLY = {
    "ord_mixed": (FRAMES["ord_mixed"], {}),
    "ord_mixed_correct0": (FRAMES["ord_mixed"], {"correct": 0}),
    "ord_mixed_correct02": (FRAMES["ord_mixed"], {"correct": 0.2}),
    "ord_mixed_7pt": (FRAMES["ord_mixed"].iloc[:, 6:9], {}),
    "ord_mixed_3pt": (FRAMES["ord_mixed"].iloc[:, 0:3], {}),
    "ord_global": (FRAMES["ord_global"], {}),
    "bin_sim": (FRAMES["bin_sim"], {}),
}
EDGE_POLY = ["binary_zero", "gap_codes", "negative_codes", "sparse_small", "8cat"]


def check_poly(res, ref):
    np.testing.assert_allclose(res.rho.to_numpy(), arr(ref["rho"]), atol=ITER)
    tau, ours = arr(ref["tau"]), res.thresholds.to_numpy()
    # psych: qnorm of cumulative shares, +-Inf (JSON null) where an item has no answers below
    # or above a threshold
    assert np.array_equal(np.isfinite(tau), np.isfinite(ours))
    fin = np.isfinite(tau)
    np.testing.assert_allclose(ours[fin], tau[fin], atol=CLOSED)


@pytest.mark.parametrize("name", sorted(POLY))
def test_polychoric_matches_psych(name):
    data, kw = POLY[name]
    check_poly(quiet(satscore.polychoric, data, **kw), REF["polychoric"][name])


def test_polychoric_modes_and_correction_flags():
    mixed = quiet(satscore.polychoric, FRAMES["ord_mixed"])
    assert not mixed.global_thresholds  # 3-, 4- and 7-point items: per-pair margins
    assert mixed.corrected_cells > 0
    with pytest.warns(SatscoreWarning, match="do not all have the same highest category"):
        satscore.polychoric(FRAMES["ord_mixed"], correct=0)
    none = quiet(satscore.polychoric, FRAMES["ord_mixed"], correct=0)
    assert none.corrected_cells == 0
    # the correction changes the estimates (psych too): correct=0 vs 0.5 differ by > 1e-3
    ref0, ref5 = (arr(REF["polychoric"][k]["rho"]) for k in ("ord_mixed_correct0", "ord_mixed"))
    assert np.abs(ref0 - ref5).max() > 1e-3
    assert np.abs(none.rho.to_numpy() - mixed.rho.to_numpy()).max() > 1e-3
    glob = quiet(satscore.polychoric, FRAMES["ord_global"])
    assert glob.global_thresholds
    assert glob.corrected_cells == 0
    assert glob.n_pairs.loc["g2", "g2"] == 67  # three answers of g2 missing


@pytest.mark.parametrize("name", EDGE_POLY)
def test_polychoric_edge_cases_match_psych(name):
    """Zero cell (rho -> 1, smoothed), codes 0..4 with a gap, negative codes, n = 30 with an
    item using two categories, 8 categories (psych's max.cat)."""
    data = pd.read_csv(DATA / f"edge_{name}.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = satscore.polychoric(data)
    check_poly(res, REF["edge"][f"polychoric_{name}"])
    if name == "binary_zero":
        assert res.smoothed
        assert any(issubclass(w.category, NonPositiveDefiniteWarning) for w in caught)
        assert res.rho_raw.loc["x1", "x2"] > 0.999


# ----------------------------------------------------------------------------------- omega
def omega_call(ref: dict, data=None):
    kw = {
        "n_factors": ref["nfactors"],
        "method": ref["fm"],
        "rotation": {"geominQ": "geomin"}.get(ref["rotate"], ref["rotate"]),
        "option": ref["option"],
    }
    if ref.get("n_obs_arg"):
        kw["n_obs"] = ref["n_obs_arg"]
    if ref.get("poly"):
        kw["cor"] = "polychoric"
    return quiet(satscore.omega, FRAMES[ref["data"]] if data is None else data, **kw)


def check_omega(res, ref, k):
    tol = ITER
    assert res.omega_h == pytest.approx(ref["omega_h"], abs=tol)
    assert res.omega_total == pytest.approx(ref["omega_tot"], abs=tol)
    assert res.omega_limit == pytest.approx(ref["omega_lim"], abs=tol)
    assert res.alpha == pytest.approx(ref["alpha"], abs=tol)
    assert res.g6 == pytest.approx(ref["G6"], abs=tol)
    assert res.ecv == pytest.approx(ref["ECV"], abs=tol)
    sl = arr(ref["sl"])
    # psych's sl: g, F1*..Fk*, h2, u2, p2
    np.testing.assert_allclose(res.schmid_leiman.to_numpy(), sl, atol=tol)
    np.testing.assert_allclose(res.oblique_loadings.to_numpy(), arr(ref["oblique"]), atol=tol)
    np.testing.assert_allclose(res.g_loadings_of_factors.to_numpy(), arr(ref["gloading"]), atol=tol)
    np.testing.assert_allclose(res.key.to_numpy(), arr(ref["key"]), atol=0)
    if k > 1:
        np.testing.assert_allclose(res.phi.to_numpy(), arr(ref["phi"]), atol=tol)
    np.testing.assert_allclose(res.omega_subscales.to_numpy(), arr(ref["omega_group"]), atol=tol)


@pytest.mark.parametrize("name", sorted(REF["omega"]))
def test_omega_matches_psych(name):
    """2 (each ``option``), 3, 4 and 5 group factors; minres / ml / pa; oblimin, promax,
    Promax, geominQ; raw data with NA, binary items, polychoric, correlation matrices."""
    ref = REF["omega"][name]
    check_omega(omega_call(ref), ref, ref["nfactors"])


def test_omega_two_factors_warns_and_options_differ():
    with pytest.warns(SatscoreWarning, match="not identified with 2 group factors"):
        satscore.omega(FRAMES["thurstone"], n_factors=2, n_obs=213)
    values = {o: REF["omega"][f"thurstone2_{o}"]["omega_h"] for o in ("equal", "first", "second")}
    assert len({round(v, 4) for v in values.values()}) == 3


def test_omega_reversed_items_flip_and_key():
    """Two Thurstone tests reversed: flip=TRUE reverses them back (key -1), as does key=."""
    rev = pd.read_csv(DATA / "thurstone.csv")
    key = np.array([1, -1, 1, 1, 1, -1, 1, 1, 1])
    rev = rev * np.outer(key, key)
    res = satscore.omega(rev, n_factors=3, n_obs=213)
    check_omega(res, REF["edge"]["omega_reversed"], 3)
    assert list(res.key) == list(key)
    keyed = satscore.omega(rev, n_factors=3, n_obs=213, key=key)
    ref = REF["edge"]["omega_reversed_key"]
    assert keyed.omega_h == pytest.approx(ref["omega_h"], abs=ITER)
    assert keyed.omega_total == pytest.approx(ref["omega_tot"], abs=ITER)
    np.testing.assert_allclose(keyed.schmid_leiman.to_numpy(), arr(ref["sl"]), atol=ITER)


def test_omega_one_factor():
    res = satscore.omega(FRAMES["thurstone"], n_factors=1, n_obs=213)
    check_omega(res, REF["edge"]["omega_1factor"], 1)
    np.testing.assert_allclose(res.group_loadings.to_numpy(), 0.0, atol=1e-12)


# ------------------------------------------------------------------- split half / Guttman
SPLIT_ATTR = {
    "maxrb": "max_split",
    "minrb": "min_split",
    "meanr": "mean_split",
    "alpha": "alpha",
    "lambda2": "lambda2",
    "lambda6": "lambda6",
    "av_r": "average_r",
    "med_r": "median_r",
}


@pytest.mark.parametrize("name", sorted(REF["split_half"]))
def test_split_half_matches_psych(name):
    ref = REF["split_half"][name]
    src = name.removesuffix("_keyed")
    kw = {"keys": [1, 1, -1] + [1] * 9, "check_keys": False} if name.endswith("_keyed") else {}
    res = quiet(satscore.split_half, FRAMES[src], seed=3, **kw)
    exact = ["alpha", "lambda2", "lambda6", "av_r", "med_r"]
    if res.exhaustive:  # up to 16 items: every split, as psych
        exact += ["maxrb", "minrb", "meanr"]
    for key in exact:
        assert getattr(res, SPLIT_ATTR[key]) == pytest.approx(ref[key], abs=CLOSED), key
    if not res.exhaustive:  # 17 / 24 items: both sample 10000 random splits
        assert res.n_splits == 10000
        assert ref["minrb"] - 0.05 < res.min_split <= res.mean_split <= res.max_split
        assert res.max_split <= ref["maxrb"] + 1e-9 or res.max_split - ref["maxrb"] < 0.01
        assert res.mean_split == pytest.approx(ref["meanr"], abs=0.005)


def test_split_half_reverses_negative_items_as_psych():
    rev = pd.read_csv(DATA / "thurstone.csv")
    key = np.array([1, -1, 1, 1, 1, -1, 1, 1, 1])
    rev = rev * np.outer(key, key)
    with pytest.warns(SatscoreWarning, match=r"\['Vocabulary', 'Suffixes'\]"):
        res = satscore.split_half(rev)
    ref = REF["edge"]["split_reversed"]
    for key_ in ("maxrb", "minrb", "meanr", "alpha"):
        assert getattr(res, SPLIT_ATTR[key_]) == pytest.approx(ref[key_], abs=CLOSED)
    assert res.reversed_items == ("Vocabulary", "Suffixes")


@pytest.mark.parametrize("name", sorted(REF["guttman"]))
def test_guttman_matches_psych(name):
    ref = REF["guttman"][name]
    res = satscore.guttman(FRAMES[name])
    sampled = FRAMES[name].shape[1] > 16  # psych samples the splits for lambda 4 and beta
    for key, value in ref.items():
        if sampled and key in ("lambda4", "beta"):
            assert getattr(res, key) == pytest.approx(value, abs=0.02), key
        else:
            assert getattr(res, key) == pytest.approx(value, abs=CLOSED), key


# ----------------------------------------------------------------------- KMO / Bartlett
@pytest.mark.parametrize("name", sorted(REF["adequacy"]))
def test_kmo_bartlett_match_psych(name):
    ref = REF["adequacy"][name]
    tol = CLOSED
    if name == "sat_all":
        data, kw = SAT, {}
    elif name == "ord_mixed_poly":
        data, kw, tol = quiet(satscore.polychoric, FRAMES["ord_mixed"]).rho, {"n": 160}, ITER
    else:
        data = FRAMES[name]
        kw = {"n": N_OBS[name]} if name in N_OBS else {}
    k = satscore.kmo(data)
    b = satscore.bartlett_sphericity(data, **kw)
    assert k.msa == pytest.approx(ref["MSA"], abs=tol)
    np.testing.assert_allclose(k.msa_items.to_numpy(), arr(ref["MSAi"]), atol=tol)
    assert b.statistic == pytest.approx(ref["chisq"], rel=tol)
    assert b.n == ref["n"]


def test_kmo_bartlett_on_indefinite_pairwise_matrix():
    """psych returns NaN (KMO: negative diagonal of the inverse; Bartlett: log of a negative
    determinant); satscore says why and how to fix it instead of calling it singular."""
    data = pd.read_csv(DATA / "edge_pairwise_npd.csv")
    assert REF["edge"]["npd_kmo"] is None
    assert REF["edge"]["npd_bartlett"] is None
    with pytest.raises(DataError, match=r"not positive definite.*missing='listwise'") as err:
        satscore.kmo(data)
    assert "singular" not in str(err.value)
    with pytest.raises(DataError, match=r"determinant is negative.*missing='listwise'"):
        satscore.bartlett_sphericity(data)
    # the suggested fix works: dropping the item with the fewest answers in common with the
    # others gives a positive-definite pairwise matrix
    answered = data.notna().to_numpy(float)
    worst = data.columns[int(np.argmin((answered.T @ answered).sum(axis=0)))]
    fewer = data.drop(columns=worst)
    assert 0 < satscore.kmo(fewer).msa < 1
    assert satscore.bartlett_sphericity(fewer).statistic > 0


def test_kmo_rescales_a_covariance_matrix():
    """psych's fa, omega, splitHalf and guttman rescale a covariance matrix (cov2cor); psych's
    KMO would instead correlate its columns as if they were raw data, and cortest.bartlett
    would overwrite its diagonal with 1s. satscore rescales it everywhere."""
    cov = pd.read_csv(DATA / "edge_heywood_small_cov.csv")
    assert satscore.kmo(cov).msa == pytest.approx(REF["edge"]["cov_kmo"], abs=CLOSED)
    raw = pd.read_csv(DATA / "edge_heywood_small.csv")
    assert satscore.kmo(cov).msa == pytest.approx(satscore.kmo(raw).msa, abs=1e-12)


# ------------------------------------------------------------------------------------- MAP
@pytest.mark.parametrize("name", sorted(REF["map"]))
def test_map_matches_psych(name):
    ref = arr(REF["map"][name])
    src = name.removesuffix("_poly")
    cor = "polychoric" if name.endswith("_poly") else "pearson"
    res = quiet(satscore.velicer_map, FRAMES[src], cor=cor)
    ours = res.table["map"].to_numpy()[1:]
    # psych pads with NA beyond p - 1 components (sat5: 5 items, 4 values)
    assert np.isnan(ref[len(ours) :]).all()
    np.testing.assert_allclose(ours, ref[: len(ours)], atol=ITER if cor != "pearson" else CLOSED)
    assert res.n_factors == int(np.nanargmin(ref)) + 1


# ------------------------------------------------------------------------ parallel analysis
@pytest.mark.parametrize("name", sorted(REF["parallel"]))
def test_parallel_observed_eigenvalues_match_psych(name):
    ref = REF["parallel"][name]
    kw = {"method": ref["fm"], "n_iter": 2, "seed": 0}
    if ref["data"] in N_OBS:
        kw["n_obs"] = N_OBS[ref["data"]]
    tol = CLOSED
    if ref.get("cor") == "poly":
        kw.update(cor="polychoric", resample=False)
        tol = ITER
    res = quiet(satscore.parallel_analysis, FRAMES[ref["data"]], **kw)
    np.testing.assert_allclose(res.eigenvalues["pc_observed"], arr(ref["pc_values"]), atol=tol)
    np.testing.assert_allclose(res.eigenvalues["fa_observed"], arr(ref["fa_values"]), atol=tol)


@pytest.mark.parametrize("name", ["ord_mixed", "bin_sim"])
def test_parallel_replicate_distribution_matches_psych(name):
    """Means of 100 simulated and 100 resampled replicates within Monte Carlo error of R's
    100 (|difference| < 4.5 combined standard errors), and psych's suggested numbers."""
    ref = REF["parallel_dist"][name]
    res = satscore.parallel_analysis(FRAMES[name], n_iter=100, seed=2026)
    p = FRAMES[name].shape[1]
    mean, sd = arr(ref["mean"]).reshape(4, p), arr(ref["sd"]).reshape(4, p)
    # R's columns: C (resampled pc), F (resampled fa), CSim (simulated pc), Fsim (simulated fa)
    ours = res.eigenvalues
    for row, col in enumerate(
        ["pc_resampled_mean", "fa_resampled_mean", "pc_simulated_mean", "fa_simulated_mean"]
    ):
        se = np.sqrt(2 * sd[row] ** 2 / ref["n_iter"])
        z = np.abs(ours[col].to_numpy() - mean[row]) / se
        assert z.max() < 4.5, (col, z.round(2))
    assert res.n_factors == ref["nfact"]
    assert res.n_components == ref["ncomp"]


def test_parallel_replicates_use_psych_smc_false_start():
    """fa.parallel fits the replicates with SMC = FALSE: principal axes from communalities of 1
    (a different fixed point than the SMC start, within psych's min.err)."""
    from satscore._psychometrics.parallel import _fa_values

    th = pd.read_csv(DATA / "thurstone.csv").to_numpy()
    ours = _fa_values(th, "pa", smc_start=False)
    np.testing.assert_allclose(ours, arr(REF["edge"]["pa_smc_false"]), atol=CLOSED)
    assert np.abs(ours - _fa_values(th, "pa")).max() > 1e-6
    binr = reliability.correlation(FRAMES["bin_sim"]).to_numpy()
    np.testing.assert_allclose(
        _fa_values(binr, "pa", smc_start=False), arr(REF["edge"]["pa_smc_false_bin"]), atol=CLOSED
    )


# ------------------------------------------------------------------------- messages / input
def test_messages_name_the_items_and_the_fix():
    mixed = FRAMES["ord_mixed"]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        satscore.polychoric(mixed)
    msgs = [str(w.message) for w in rec]
    assert any("['q8'] reach category 6" in m for m in msgs)
    assert any("table(s) had empty cells" in m and "e.g. q1-q2" in m for m in msgs)
    wide = mixed.assign(q1=mixed["q1"] * 4)  # codes 4, 8, 12: 12 categories
    with pytest.raises(DataError, match=r"12 in \['q1'\].*raise max_categories"):
        satscore.polychoric(wide)
    R = np.eye(3)
    R[0, 2] = R[2, 0] = np.nan
    with pytest.raises(DataError, match=r"item\(s\) \['x1', 'x3'\].*Drop those items"):
        reliability.cor_smooth(R)
    bad = np.array([[1.0, 1.2, 0.1], [1.2, 1.0, 0.3], [0.1, 0.3, 1.0]])
    with pytest.raises(DataError, match=r"'x1' and 'x2' is 1.2, outside \[-1, 1\]"):
        satscore.efa(bad, 1)
    npd = pd.read_csv(DATA / "edge_pairwise_npd.csv")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        satscore.efa(npd, 1)
    npd_msgs = [str(w.message) for w in rec if w.category is NonPositiveDefiniteWarning]
    assert any("items most involved: [" in m and "missing='listwise'" in m for m in npd_msgs)


def test_matrix_input_detection_as_psych():
    """A square symmetric matrix is a correlation matrix (unit diagonal) or a covariance matrix
    (rescaled); anything else is raw data. Nothing is mutated."""
    from satscore._stats.matrix_input import as_correlation_matrix

    th = FRAMES["thurstone"]
    before = th.copy()
    np.testing.assert_array_equal(as_correlation_matrix(th), th.to_numpy())
    pd.testing.assert_frame_equal(th, before)
    cov = th * np.outer(np.arange(1, 10), np.arange(1, 10))
    np.testing.assert_allclose(as_correlation_matrix(cov), th.to_numpy(), atol=1e-15)
    # all.equal-sized asymmetry (e.g. a matrix computed in floating point) is still a matrix
    noisy = th.to_numpy() + np.triu(np.full((9, 9), 1e-12), 1)
    assert as_correlation_matrix(noisy) is not None
    assert as_correlation_matrix(FRAMES["ord_global"].iloc[:6].to_numpy()) is None
    square = np.arange(9.0).reshape(3, 3)  # 3 respondents x 3 items, not symmetric
    assert as_correlation_matrix(square) is None
    sym_raw = np.array([[1.0, 5.0], [5.0, 2.0]])  # symmetric, violates Cauchy-Schwarz: raw
    assert as_correlation_matrix(sym_raw) is None


# --------------------------------------------------------------- psych's search (optimize)
@pytest.mark.parametrize(
    ("name", "func"),
    [
        ("sin", lambda x: np.sin(3 * x) + x**2),
        ("abs", lambda x: np.abs(x - 0.123)),
        ("flat", lambda x: np.maximum(x - 0.2, 0.0) ** 2),
        ("quartic", lambda x: (x - 0.7) ** 4 - x / 10),
        ("edge", lambda x: -x),
    ],
)
def test_brent_reproduces_r_optimize(name, func):
    """R's optimize(f, c(-1, 1)) -- also where the minimum is not unique (flat) or at the
    boundary -- to the last printed digit, several problems at once."""
    from satscore._stats.brent import brent_fmin

    ours = brent_fmin(lambda x, idx: func(x), -1.0, 1.0, 3)
    np.testing.assert_allclose(ours, REF["brent"][name], rtol=0, atol=1e-14)


def test_polychoric_boundary_estimate_is_psychs():
    """An empty cell in (x1, x2): psych's optimize() stops at 0.99993, 4e-5 inside the
    interval; satscore runs the same search and gets the same number."""
    data = pd.read_csv(DATA / "edge_binary_zero.csv")
    res = quiet(satscore.polychoric, data, smooth=False)
    ref = arr(REF["edge"]["polychoric_binary_zero_raw"])
    np.testing.assert_allclose(res.rho.to_numpy(), ref, atol=CLOSED)
    assert 0.9999 < ref[0, 1] < 0.99995


def test_polychoric_flat_likelihood_known_limit():
    """Known limit: where the likelihood is flat to double precision (binary pairs with an
    empty cell, rho beyond ~0.95), psych's estimate depends on the last-bit rounding of its
    bivariate normal routine (mnormt) inside Brent's search. satscore runs the same search and
    lands within 2e-3 of psych here (an exact maximiser is ~3e-2 away); the bound below allows
    for other last-bit arithmetic (CPU, libm). Elsewhere the estimates agree to 1e-6."""
    data = pd.read_csv(DATA / "edge_binary_flat.csv")
    res = quiet(satscore.polychoric, data, smooth=False)
    ref = arr(REF["edge"]["polychoric_binary_flat_raw"])
    diff = np.abs(res.rho.to_numpy() - ref)
    assert diff.max() < 1e-2
    flat = (np.abs(ref) > 0.9) & ~np.eye(ref.shape[0], dtype=bool)
    assert flat.sum() == 8  # four flat pairs, both triangles
    assert diff[~flat].max() < CLOSED


def test_efa_and_kmo_accept_a_smoothed_polychoric_matrix():
    """psych's cor.smooth leaves eigenvalues of ~1e-10: near-singular but not singular (psych
    analyses it); only an exactly singular matrix is refused."""
    data = pd.read_csv(DATA / "edge_binary_zero.csv")
    rho = quiet(satscore.polychoric, data).rho
    assert np.linalg.eigvalsh(rho.to_numpy())[0] < 1e-8
    res = quiet(satscore.efa, rho, 1, n_obs=120)
    assert res.loadings.shape == (5, 1)
    assert 0 < satscore.kmo(rho).msa < 1
    dup = rho.copy()
    dup["x6"] = dup["x1"]
    dup.loc["x6"] = dup.loc["x1"]
    with pytest.raises(DataError, match=r"singular.*'x1'.*'x6'|singular.*'x6'.*'x1'"):
        satscore.efa(dup, 1)


def test_map_on_indefinite_matrix_matches_psych_nan_and_minimum():
    """Negative partial variances (indefinite pairwise matrix): psych's map is NaN for k >= 4
    and which.min skips the NaN; satscore too (it used to report k = 4, the first NaN)."""
    data = pd.read_csv(DATA / "edge_pairwise_npd.csv")
    ref = arr(REF["edge"]["npd_map"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = satscore.velicer_map(data)
    msgs = [str(w.message) for w in caught if w.category is NonPositiveDefiniteWarning]
    assert any("undefined for k = [4, 5]" in m for m in msgs)
    ours = res.table["map"].to_numpy()[1:]
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref[: len(ours)]))
    np.testing.assert_allclose(ours[:3], ref[:3], atol=CLOSED)
    assert res.n_factors == int(np.nanargmin(ref)) + 1 == 1


def test_parallel_redraws_resamples_with_constant_items_as_psych():
    """Sparse binary/ordinal items, n = 40: some column-wise resamples come out constant. psych
    draws them again; satscore used to drop them (and with all dropped returned NaN thresholds
    and 0 factors)."""
    data = pd.read_csv(DATA / "edge_sparse_resample.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", NonPositiveDefiniteWarning)
        res = satscore.parallel_analysis(data, n_iter=20, seed=1)
    assert np.isfinite(res.eigenvalues.to_numpy()).all()
    assert res.n_factors >= 1
    assert res.n_components >= 1


def test_item_constant_on_shared_rows_gives_undefined_pairwise_correlation():
    """v4 is constant on the rows it shares with v8: R's cor(use = "pairwise") is NA (psych's
    KMO then NaN). satscore returned a correlation of rounding noise (-3e-10) and a KMO; now
    NaN / a DataError naming the pair. splitHalf's cov2cor(cov) is defined and matches."""
    data = pd.read_csv(DATA / "edge_pair_constant.csv")
    R = reliability.correlation(data).to_numpy()
    na = np.argwhere(np.isnan(R)) + 1  # R's 1-based (row, col)
    assert sorted(map(tuple, na.tolist())) == sorted(map(tuple, REF["edge"]["pair_constant_na"]))
    with pytest.raises(DataError, match=r"'v4' and 'v8' is undefined"):
        satscore.kmo(data)
    res = quiet(satscore.split_half, data)
    assert res.exhaustive
    for key, attr in SPLIT_ATTR.items():
        ref = REF["edge"]["pair_constant_split"][key]
        assert getattr(res, attr) == pytest.approx(ref, abs=CLOSED), key


def test_parallel_batched_correlations_agree_on_undefined_pairs():
    """The replicate correlations (batched) mark the same pair undefined as R's cor, so such
    resamples are redrawn as psych redraws them."""
    from satscore._psychometrics.parallel import _batched_cor

    data = pd.read_csv(DATA / "edge_pair_constant.csv").to_numpy(float)
    C = _batched_cor(data[None])[0]
    ref = reliability.correlation(data)
    np.testing.assert_array_equal(np.isnan(C), np.isnan(ref))
    np.testing.assert_allclose(C[~np.isnan(C)], ref[~np.isnan(ref)], atol=1e-12)
    const = np.column_stack([data[:, :3], np.full(len(data), 2.0)])
    const = const[~np.isnan(const).any(axis=1)]
    assert np.isnan(_batched_cor(const[None])[0][:, 3]).all()

"""parallel_analysis and velicer_map against psych 2.2.9 ``fa.parallel`` and ``VSS``.

Deterministic parts (observed PC and FA eigenvalues, MAP values) are compared exactly
(1e-8). Replicate eigenvalues use numpy's RNG, not R's, so their means are compared with R's
(``set.seed(123)``, 20 replicates; ``set.seed(7)``, 100 replicates) within about 4 standard
errors of the difference of two 20-replicate means, estimated from 200 replicates of 2800 x 25
normal data: 0.015 for every position except the first factor eigenvalue, whose one-factor
minres fit on pure noise is very variable (SE of the difference 0.053, tolerance 0.2).
The suggested numbers agree with psych (bfi: 6 factors and 6 components; Holzinger x1-x9:
3 and 3) for every seed tried.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satscore._psychometrics.parallel import _batched_cor, parallel_analysis, velicer_map
from satscore.errors import OptionError

DATA = Path(__file__).parents[1] / "data"
REF = json.loads((DATA / "reliability_b_R.json").read_text())
BFI = pd.read_csv(DATA / "bfi.csv").iloc[:, :25]
HS = pd.read_csv(DATA / "holzinger1939.csv")[[f"x{i}" for i in range(1, 10)]]


@pytest.fixture(scope="module")
def bfi_pa():
    return parallel_analysis(BFI, seed=2024)


def test_observed_eigenvalues_exact(bfi_pa):
    ref = REF["parallel_bfi"]
    e = bfi_pa.eigenvalues
    np.testing.assert_allclose(e["pc_observed"], ref["pc_values"], atol=1e-8)
    np.testing.assert_allclose(e["fa_observed"], ref["fa_values"], atol=1e-8)


def test_replicate_means_close_to_r(bfi_pa):
    ref = REF["parallel_bfi"]
    e = bfi_pa.eigenvalues
    for ours, theirs in [
        ("pc_simulated_mean", "pc_sim"),
        ("fa_simulated_mean", "fa_sim"),
        ("pc_resampled_mean", "pc_simr"),
        ("fa_resampled_mean", "fa_simr"),
    ]:
        np.testing.assert_allclose(e[ours][1:], ref[theirs][1:], atol=0.015, err_msg=ours)
        first_tol = 0.2 if ours.startswith("fa") else 0.02
        assert e[ours].iloc[0] == pytest.approx(ref[theirs][0], abs=first_tol), ours
    assert (e["pc_simulated_quantile"] >= e["pc_simulated_mean"]).all()


def test_suggested_numbers_bfi(bfi_pa):
    ref = REF["parallel_bfi"]
    assert (bfi_pa.n_factors, bfi_pa.n_components) == (ref["nfact"], ref["ncomp"]) == (6, 6)


@pytest.mark.parametrize("seed", [0, 1])
def test_suggested_numbers_holzinger(seed):
    ref = REF["parallel_hs"]
    res = parallel_analysis(HS, n_iter=50, seed=seed)
    assert (res.n_factors, res.n_components) == (ref["nfact"], ref["ncomp"])
    np.testing.assert_allclose(res.eigenvalues["pc_observed"], ref["pc_values"], atol=1e-8)
    np.testing.assert_allclose(res.eigenvalues["fa_observed"], ref["fa_values"], atol=1e-8)
    np.testing.assert_allclose(res.eigenvalues["pc_simulated_mean"], ref["pc_sim"], atol=0.03)


def test_seed_reproducible_and_options():
    a = parallel_analysis(HS, seed=5)
    b = parallel_analysis(HS, seed=np.random.default_rng(5))
    pd.testing.assert_frame_equal(a.eigenvalues, b.eigenvalues)
    pc = parallel_analysis(HS, fa="pc", resample=False, seed=1)
    assert pc.n_factors is None
    assert pc.n_components == a.n_components
    assert "fa_observed" not in pc.eigenvalues
    r = parallel_analysis(HS.corr(), n_obs=301, seed=1)
    assert "pc_resampled_mean" not in r.eigenvalues
    assert r.summary().columns[0] == "position"


def test_batched_pairwise_correlation_matches_pandas():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2, 50, 4))
    X[0, :5, 1] = np.nan
    X[1, 10:20, 3] = np.nan
    C = _batched_cor(X)
    for b in range(2):
        np.testing.assert_allclose(C[b], pd.DataFrame(X[b]).corr().to_numpy(), atol=1e-12)


def test_parallel_bad_input():
    with pytest.raises(OptionError, match="without n_obs"):
        parallel_analysis(HS.corr())
    with pytest.raises(OptionError, match="n_iter must be an integer >= 2"):
        parallel_analysis(HS, n_iter=1)
    with pytest.raises(OptionError, match="fa='factors' is not supported"):
        parallel_analysis(HS, fa="factors")


@pytest.mark.parametrize(("data", "key"), [(BFI, "map_bfi"), (HS, "map_hs")])
def test_map_matches_psych(data, key):
    res = velicer_map(data)
    ref = np.array(REF[key]["map"], dtype=float)
    ours = res.table["map"].to_numpy()[1:]
    np.testing.assert_allclose(ours, ref[: ours.size], rtol=1e-8)
    assert res.n_factors == int(np.nanargmin(ref) + 1)


def test_map_bfi_values_and_revised():
    res = velicer_map(BFI)
    assert res.n_factors == 5
    np.testing.assert_allclose(
        res.table["map"].to_numpy()[1:],
        [0.02416, 0.01810, 0.01688, 0.01550, 0.01480, 0.01588, 0.01929, 0.02215],
        atol=6e-6,
    )
    # the fourth-power variant, by definition on the same partial correlations
    R = BFI.corr().to_numpy()
    off = ~np.eye(25, dtype=bool)
    assert res.table["map4"].iloc[0] == pytest.approx(np.sum(R[off] ** 4) / (25 * 24))
    assert 1 <= res.n_factors_revised <= 8


def test_map_bad_input():
    with pytest.raises(OptionError, match="max_factors must be at least 1"):
        velicer_map(HS, max_factors=0)


def test_map_both_variants_against_regression_residuals():
    """Independent check: partial correlations as correlations of the residuals of each item
    regressed on the first k principal-component scores (complete Holzinger data)."""
    res = velicer_map(HS)
    Z = ((HS - HS.mean()) / HS.std()).to_numpy()
    _vals, vecs = np.linalg.eigh(np.corrcoef(Z.T))
    scores = Z @ vecs[:, ::-1]
    p = Z.shape[1]
    off = ~np.eye(p, dtype=bool)
    for k in range(1, 6):
        F = scores[:, :k]
        resid = Z - F @ np.linalg.lstsq(F, Z, rcond=None)[0]
        r = np.corrcoef(resid.T)[off]
        assert res.table.loc[k, "map"] == pytest.approx(np.mean(r**2), rel=1e-8)
        assert res.table.loc[k, "map4"] == pytest.approx(np.mean(r**4), rel=1e-8)


def test_polychoric_observed_eigenvalues_match_psych():
    """psych::fa.parallel(bfi[, 1:10], cor = "poly"): observed eigenvalues (deterministic) and
    the number of components (the observed 3rd eigenvalue, 0.88, is far below the simulated
    threshold). The factor count depends on replicate noise around 0.05 and is not compared."""
    ref = REF["parallel_bfi10_poly"]
    res = parallel_analysis(BFI.iloc[:, :10], cor="polychoric", n_iter=3, seed=4)
    np.testing.assert_allclose(res.eigenvalues["pc_observed"], ref["pc_values"], atol=1e-3)
    np.testing.assert_allclose(res.eigenvalues["fa_observed"], ref["fa_values"], atol=1e-3)
    assert res.n_components == ref["ncomp"] == 2
    assert "pc_resampled_mean" in res.eigenvalues

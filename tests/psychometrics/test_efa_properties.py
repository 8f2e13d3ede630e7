"""Invariants of satscore.efa on random factor models (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from satscore._psychometrics.efa import efa


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(1, 3),
    method=st.sampled_from(["minres", "ml", "pa"]),
    rotation=st.sampled_from(["oblimin", "promax", "varimax", "geomin", "quartimax", None]),
)
def test_efa_invariants(seed, k, method, rotation):
    rng = np.random.default_rng(seed)
    p, n = 4 * k + 2, 400
    lam = np.zeros((p, k))
    for j in range(k):
        lam[4 * j : 4 * j + 4, j] = rng.uniform(0.5, 0.8, 4)
    lam[-2:, :] = rng.uniform(0.2, 0.5, (2, k))
    X = rng.normal(size=(n, k)) @ lam.T + rng.normal(size=(n, p)) * 0.7
    data = pd.DataFrame(X, columns=[f"i{j}" for j in range(p)])
    res = efa(data, k, method=method, rotation=rotation)
    L, phi = res.loadings.to_numpy(), res.phi.to_numpy()
    np.testing.assert_allclose(np.diag(L @ phi @ L.T), res.communalities, atol=1e-8)
    np.testing.assert_allclose(res.structure.to_numpy(), L @ phi, atol=1e-12)
    np.testing.assert_allclose(res.communalities + res.uniquenesses, 1.0, atol=1e-12)
    assert (L.sum(axis=0) > 0).all()  # reflected to positive column sums
    ss = res.variance["ss_loadings"].to_numpy()
    assert (np.diff(ss) <= 1e-12).all()  # ordered by variance explained
    np.testing.assert_allclose(np.diag(phi), 1.0, atol=1e-10)
    assert res.dof == p * (p - 1) / 2 - p * k + k * (k - 1) / 2
    assert 0.0 <= res.p_value <= 1.0

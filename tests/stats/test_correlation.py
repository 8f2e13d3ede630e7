"""Shared correlation machinery against pandas (= R ``cor(use = "pairwise")``) and psych."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satscore._stats.correlation import (
    cor_smooth,
    correlation,
    covariance,
    is_positive_definite,
    pairwise_counts,
    pinv_psych,
    smc,
)
from satscore.errors import DataError, NonPositiveDefiniteWarning, OptionError

DATA = Path(__file__).parents[1] / "data"
BFI = pd.read_csv(DATA / "bfi.csv")
ITEMS = BFI[[c for c in BFI.columns if len(c) == 2 and c[0] in "ACENO"]]


def test_pairwise_matches_pandas_on_bfi_with_missing():
    # pandas' pairwise corr/cov use the pairwise-complete rows for means and SDs, as R does
    assert ITEMS.isna().any().any()
    R = correlation(ITEMS)
    C = covariance(ITEMS)
    assert isinstance(R, pd.DataFrame)
    assert list(R.columns) == list(ITEMS.columns)
    np.testing.assert_allclose(R.to_numpy(), ITEMS.corr().to_numpy(), atol=1e-12)
    np.testing.assert_allclose(C.to_numpy(), ITEMS.cov().to_numpy(), atol=1e-12)


def test_listwise_matches_complete_cases():
    cc = ITEMS.dropna()
    np.testing.assert_allclose(
        correlation(ITEMS, missing="listwise").to_numpy(), np.corrcoef(cc.T.to_numpy()), atol=1e-12
    )
    np.testing.assert_allclose(
        covariance(ITEMS.to_numpy(), missing="listwise"), np.cov(cc.T.to_numpy()), atol=1e-12
    )


def test_pairwise_by_hand_small():
    X = np.array([[1.0, 2.0, np.nan], [2.0, np.nan, 1.0], [3.0, 5.0, 2.0], [4.0, 4.0, 3.5]])
    R = correlation(X)
    C = covariance(X)
    for i in range(3):
        for j in range(3):
            ok = ~np.isnan(X[:, i]) & ~np.isnan(X[:, j])
            a, b = X[ok, i], X[ok, j]
            assert C[i, j] == pytest.approx(np.cov(a, b)[0, 1], abs=1e-12)
            assert R[i, j] == pytest.approx(np.corrcoef(a, b)[0, 1], abs=1e-12)
    assert pairwise_counts(X).tolist() == [[4, 3, 3], [3, 3, 2], [3, 2, 3]]


def test_undefined_entries_are_nan_not_garbage():
    X = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, 1.0], [1.0, 1.0]])
    R = correlation(X)
    assert np.isnan(R[0, 1])
    assert np.isnan(R[1, 1])
    assert R[0, 0] == 1.0


def test_no_mutation_and_bad_option():
    before = ITEMS.copy()
    correlation(ITEMS)
    pd.testing.assert_frame_equal(ITEMS, before)
    with pytest.raises(OptionError, match="missing='both'"):
        covariance(ITEMS, missing="both")


def test_smc_matches_inverse_and_handles_singular():
    R = ITEMS.corr().to_numpy()
    np.testing.assert_allclose(smc(R), 1 - 1 / np.diag(np.linalg.inv(R)), atol=1e-12)
    # a duplicated item: psych's Pinv keeps going; the duplicates get SMC 1 (clamped)
    X = ITEMS.iloc[:, :4].dropna().to_numpy()
    X = np.column_stack([X, X[:, 0]])
    s = smc(np.corrcoef(X.T))
    assert np.all((s >= 0) & (s <= 1))


def test_smc_nan_correlations_use_max_abs_r():
    R = np.array([[1.0, 0.5, np.nan], [0.5, 1.0, 0.3], [np.nan, 0.3, 1.0]])
    with pytest.warns(NonPositiveDefiniteWarning, match="partly missing"):
        s = smc(R)
    assert np.isfinite(s).all()


def test_pinv_psych_equals_inverse_when_regular():
    R = ITEMS.corr().to_numpy()
    np.testing.assert_allclose(pinv_psych(R), np.linalg.inv(R), atol=1e-10)


def test_cor_smooth():
    R = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.8], [0.1, 0.8, 1.0]])
    assert not is_positive_definite(R)
    S, done = cor_smooth(R)
    assert done
    assert is_positive_definite(S)
    np.testing.assert_allclose(np.diag(S), 1.0)
    # psych 2.2.9: round(cor.smooth(R), 4)
    np.testing.assert_allclose(S[np.triu_indices(3, 1)], [0.7925, 0.1320, 0.7091], atol=5e-5)
    same, done2 = cor_smooth(np.eye(3))
    assert not done2
    assert np.array_equal(same, np.eye(3))
    with pytest.raises(DataError, match="NaN"):
        cor_smooth(np.array([[1.0, np.nan], [np.nan, 1.0]]))


REF = json.loads((DATA / "reliability_a_R.json").read_text())


def test_smc_matches_psych_including_singular():
    # psych::smc(cor(bfi[, 1:25], use = "pairwise"))
    np.testing.assert_allclose(smc(ITEMS.corr().to_numpy()), REF["smc_bfi"], atol=1e-9)
    # a duplicated item makes R singular; psych's Pinv still gives (clamped) values
    D = ITEMS[["A1", "A2", "A3", "A4"]].dropna().copy()
    D["dup"] = D["A1"]
    np.testing.assert_allclose(smc(np.corrcoef(D.to_numpy().T)), REF["smc_singular"], atol=1e-6)


def test_cor_smooth_matches_psych():
    NP = np.array(
        [[1, 0.9, 0.1, 0.3], [0.9, 1, 0.8, 0.2], [0.1, 0.8, 1, 0.4], [0.3, 0.2, 0.4, 1]], float
    )
    S, done = cor_smooth(pd.DataFrame(NP, columns=list("abcd"), index=list("abcd")))
    assert done
    assert list(S.columns) == list("abcd")
    np.testing.assert_allclose(S.to_numpy(), REF["cor_smooth_np"], atol=1e-10)

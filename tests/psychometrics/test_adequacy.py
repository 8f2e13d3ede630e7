"""kmo / bartlett_sphericity against psych 2.2.9 (KMO, cortest.bartlett) and factor_analyzer 0.5.1.

References: tests/data/make_reference.R (bfi) and make_reliability_a.R (HS, bfi listwise).
Closed forms: tolerance 1e-6 (chi-square: relative 1e-9).
"""

from __future__ import annotations

import importlib
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satscore import bartlett_sphericity, kmo
from satscore.errors import DataError, OptionError

DATA = Path(__file__).parents[1] / "data"
BFI = pd.read_csv(DATA / "bfi.csv").iloc[:, :25]
HS = pd.read_csv(DATA / "holzinger1939.csv")[[f"x{i}" for i in range(1, 10)]]
REF = json.loads((DATA / "reliability_a_R.json").read_text())
REF0 = json.loads((DATA / "reference_R.json").read_text())


def test_kmo_bfi_pairwise_matches_psych():
    res = kmo(BFI)
    assert res.msa == pytest.approx(REF0["bfi_kmo"]["MSA"], abs=1e-6)
    np.testing.assert_allclose(res.msa_items, REF0["bfi_kmo"]["MSAi"], atol=1e-6)
    assert list(res.msa_items.index) == list(BFI.columns)


def test_kmo_listwise_and_hs_match_psych():
    res = kmo(BFI, missing="listwise")
    assert res.msa == pytest.approx(REF["kmo_bfi_listwise"]["MSA"], abs=1e-6)
    np.testing.assert_allclose(res.msa_items, REF["kmo_bfi_listwise"]["MSAi"], atol=1e-6)
    hs = kmo(HS)
    assert hs.msa == pytest.approx(REF["kmo_hs"]["MSA"], abs=1e-6)
    np.testing.assert_allclose(hs.msa_items, REF["kmo_hs"]["MSAi"], atol=1e-6)
    # a correlation matrix gives the same answer as the raw data
    same = kmo(HS.corr())
    assert same.msa == pytest.approx(hs.msa, abs=1e-12)


def test_bartlett_matches_psych():
    hs = bartlett_sphericity(HS)
    ref = REF["bartlett_hs"]
    assert hs.statistic == pytest.approx(ref["chisq"], rel=1e-9)
    assert hs.df == ref["df"]
    assert hs.pvalue == pytest.approx(ref["p"], abs=1e-12)
    assert hs.n == ref["n"]
    bfi = bartlett_sphericity(BFI)
    assert bfi.statistic == pytest.approx(REF["bartlett_bfi_pairwise"]["chisq"], rel=1e-9)
    assert bfi.n == 2800
    # psych: cortest.bartlett(cor(bfi, use = "pairwise"), n = nrow(na.omit(bfi)))
    ref0 = REF0["bfi_bartlett_listwise"]
    via_matrix = bartlett_sphericity(BFI.corr(), n=ref0["n"])
    assert via_matrix.statistic == pytest.approx(ref0["chisq"], rel=1e-9)
    assert via_matrix.df == 300


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_factor_analyzer_agrees_on_complete_data_and_fails_on_missing():
    fa = importlib.import_module(
        "factor_analyzer.factor_analyzer"
    )  # test-group dependency: fail loudly if missing
    cc = BFI.dropna()
    _, msa = fa.calculate_kmo(cc)
    assert kmo(cc).msa == pytest.approx(msa, abs=1e-10)
    chi, _p = fa.calculate_bartlett_sphericity(cc)
    ours = bartlett_sphericity(cc)
    assert ours.statistic == pytest.approx(chi, rel=1e-9)
    # with missing answers factor_analyzer's Bartlett is silently NaN and its KMO raises
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        chi_nan, _ = fa.calculate_bartlett_sphericity(BFI)
        with pytest.raises(np.linalg.LinAlgError):
            fa.calculate_kmo(BFI)
    assert np.isnan(chi_nan)
    assert np.isfinite(bartlett_sphericity(BFI).statistic)


def test_result_api():
    res = kmo(HS)
    s = res.summary()
    assert s.iloc[0]["item"] == "overall"
    assert len(s) == 10
    json.dumps(res.to_dict())
    b = bartlett_sphericity(HS)
    assert list(b.summary().columns) == ["statistic", "df", "pvalue", "n"]
    assert "<table" in b._repr_html_()


def test_no_mutation():
    X = BFI.copy()
    kmo(X, missing="listwise")
    bartlett_sphericity(X)
    pd.testing.assert_frame_equal(X, BFI)


# ---------------------------------------------------------------------------- bad input
def test_singular_matrix_names_items():
    X = HS.copy()
    X["x1_copy"] = X["x1"]
    with pytest.raises(DataError, match=r"singular.*'x1'"):
        kmo(X)
    with pytest.raises(DataError, match="singular"):
        bartlett_sphericity(X)


def test_matrix_without_n_and_bad_n():
    with pytest.raises(OptionError, match="without n"):
        bartlett_sphericity(HS.corr())
    with pytest.raises(OptionError, match="n must be an integer"):
        bartlett_sphericity(HS.corr(), n=1)


def test_bad_data():
    X = HS.copy()
    X["x2"] = 1.0
    with pytest.raises(DataError, match="'x2' has no variance"):
        kmo(X)
    with pytest.raises(DataError, match="at least 2"):
        kmo(HS[["x1"]])
    with pytest.raises(DataError, match="at least 3 respondents"):
        bartlett_sphericity(HS.head(2))
    Y = HS.astype(object)
    Y.loc[0, "x3"] = "n/a"
    with pytest.raises(DataError, match="'x3'"):
        kmo(Y)
    Z = HS.copy()
    Z.loc[:, "x4"] = np.nan
    with pytest.raises(DataError, match="'x4'"):
        kmo(Z)
    with pytest.raises(OptionError, match="missing"):
        kmo(HS, missing="none")

"""split_half / guttman against psych 2.2.9 splitHalf(raw = TRUE) and guttman
(tests/data/make_reliability_a.R). Closed forms: tolerance 1e-6."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satscore import guttman, split_half
from satscore.errors import DataError, OptionError, SatscoreWarning

DATA = Path(__file__).parents[1] / "data"
BFI = pd.read_csv(DATA / "bfi.csv")
HS = pd.read_csv(DATA / "holzinger1939.csv")[[f"x{i}" for i in range(1, 10)]]
REF = json.loads((DATA / "reliability_a_R.json").read_text())
TOL = 1e-6

SETS = {
    "split_A": [f"A{i}" for i in range(1, 6)],
    "split_C": [f"C{i}" for i in range(1, 6)],
    "split_N": [f"N{i}" for i in range(1, 6)],
    "split_AC7": [*(f"A{i}" for i in range(1, 6)), "C1", "C2"],
    "split_12": [
        *(f"A{i}" for i in range(2, 6)),
        *(f"C{i}" for i in range(1, 4)),
        *(f"E{i}" for i in range(3, 6)),
        "O1",
        "O3",
    ],
}


@pytest.mark.parametrize("key", list(SETS))
def test_split_half_matches_psych(key):
    ref = REF[key]
    X = BFI[SETS[key]]
    with pytest.warns(SatscoreWarning) if key in ("split_A", "split_C", "split_AC7") else _none():
        res = split_half(X)
    assert res.max_split == pytest.approx(ref["maxrb"], abs=TOL)
    assert res.min_split == pytest.approx(ref["minrb"], abs=TOL)
    assert res.mean_split == pytest.approx(ref["meanr"], abs=TOL)
    assert res.alpha == pytest.approx(ref["alpha"], abs=TOL)
    assert res.lambda2 == pytest.approx(ref["lambda2"], abs=TOL)
    assert res.lambda6 == pytest.approx(ref["lambda6"], abs=TOL)
    assert res.average_r == pytest.approx(ref["av_r"], abs=TOL)
    assert res.median_r == pytest.approx(ref["med_r"], abs=TOL)
    assert res.n_splits == ref["n_splits"]
    assert res.quantiles == pytest.approx(tuple(ref["ci"]), abs=TOL)
    assert res.exhaustive


def _none():
    import warnings

    return warnings.catch_warnings()


def test_split_half_odd_k_reproduces_psych_half_count():
    # psych evaluates ceil(choose(7, 3) / 2) = 18 splits and divides the sum by 17.5
    res = split_half(BFI[SETS["split_AC7"]], keys=["A1"])
    assert res.n_splits == math.ceil(math.comb(7, 3) / 2)


def test_split_half_keys_and_best_split_labels():
    res = split_half(BFI[SETS["split_A"]], keys=["A1"])
    assert res.reversed_items == ("A1",)
    both = set(res.best_split)
    assert both <= {"-A1", "A2", "A3", "A4", "A5"}
    assert res.max_split == pytest.approx(REF["split_A"]["maxrb"], abs=TOL)


def test_split_half_sampling_is_seeded_and_bounded_by_enumeration():
    X = BFI.iloc[:, :25].drop(columns=["A1", "C4", "C5", "E1", "E2", "O2", "O5"])
    X = X.iloc[:, :16]  # choose(16, 8) / 2 = 6435 splits
    a = split_half(X, keys=[], seed=3, n_sample=1000)
    b = split_half(X, keys=[], seed=3, n_sample=1000)
    assert not a.exhaustive
    assert a.n_splits == 1000
    assert a.max_split == b.max_split
    assert a.mean_split == b.mean_split
    full = split_half(X, keys=[])
    assert full.exhaustive
    assert full.n_splits == 6435
    assert a.max_split <= full.max_split + 1e-12
    assert a.min_split >= full.min_split - 1e-12
    assert abs(a.mean_split - full.mean_split) < 0.01


@pytest.mark.parametrize(
    ("key", "data"),
    [
        ("guttman_A", BFI[[f"A{i}" for i in range(1, 6)]]),
        ("guttman_N", BFI[[f"N{i}" for i in range(1, 6)]]),
        ("guttman_hs", HS),
    ],
)
def test_guttman_matches_psych(key, data):
    ref = REF[key]
    g = guttman(data)
    for name in ("lambda1", "lambda2", "lambda3", "lambda4", "lambda5", "lambda5p", "lambda6"):
        assert getattr(g, name) == pytest.approx(ref[name], abs=TOL), name
    for name in ("alpha_pc", "r_pc", "beta_pc", "beta"):
        assert getattr(g, name) == pytest.approx(ref[name], abs=TOL), name


def test_results_api():
    g = guttman(HS)
    assert list(g.summary()["statistic"])[:3] == ["lambda1", "lambda2", "lambda3"]
    s = split_half(HS)
    json.dumps(s.to_dict())
    assert s.summary().shape == (8, 2)


def test_bad_input():
    with pytest.raises(DataError, match="at least 3 items"):
        split_half(HS[["x1", "x2"]])
    with pytest.raises(DataError, match="at least 3 items"):
        guttman(HS[["x1", "x2"]])
    with pytest.raises(OptionError, match="n_sample"):
        split_half(HS, n_sample=0)
    with pytest.raises(OptionError, match="'z'"):
        guttman(HS, keys=["z"])
    X = HS.copy()
    X["x9"] = 2.0
    with pytest.raises(DataError, match="'x9'"):
        split_half(X)
    Y = HS.copy()
    before = Y.copy()
    split_half(Y, keys=["x1"])
    pd.testing.assert_frame_equal(Y, before)
    assert not np.isnan(split_half(HS).max_split)

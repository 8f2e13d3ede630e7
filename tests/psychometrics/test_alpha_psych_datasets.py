"""cronbach_alpha against psych 2.2.9 on data no other test uses.

The references come from tests/data/make_alpha_psych_datasets.R:
sat.act (pairwise NA, very different item scales), lsat6/lsat7 (binary items: alpha equals
KR-20), attitude (n = 30, and its first 6 rows: n < k, singular matrices), and simulated items
with two reverse-worded items (explicit keys and check_keys). Tolerance 1e-6 (closed forms).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satscore import cronbach_alpha
from satscore.errors import SatscoreWarning

REF = json.loads((Path(__file__).parents[1] / "data" / "alpha_psych_datasets_R.json").read_text())
TOL = 1e-6


def data(name: str) -> pd.DataFrame:
    cols = REF[f"data_{name}"]
    return pd.DataFrame({c: np.array(v, dtype=float) for c, v in cols.items()})


def nan(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def check(res, ref: dict) -> None:
    for ours, theirs in [
        (res.alpha, "raw_alpha"), (res.std_alpha, "std_alpha"), (res.g6, "G6"),
        (res.average_r, "average_r"), (res.signal_noise, "sn"), (res.median_r, "median_r"),
        (res.ase, "ase"), (res.mean, "mean"), (res.sd, "sd"),
    ]:  # fmt: skip
        assert ours == pytest.approx(ref[theirs], abs=TOL), theirs
    assert tuple(res.ci) == pytest.approx(tuple(ref["feldt"]), abs=TOL)
    drop, items = ref["drop"], ref["items"]
    for ours, theirs in [
        ("alpha", "raw_alpha"), ("std_alpha", "std.alpha"), ("g6", "G6(smc)"),
        ("average_r", "average_r"), ("signal_noise", "S/N"), ("ase", "alpha se"),
        ("var_r", "var.r"), ("median_r", "med.r"),
    ]:  # fmt: skip
        if theirs in drop or theirs != "alpha se":  # psych omits alpha se when n < k
            np.testing.assert_allclose(
                res.alpha_drop[ours], nan(drop[theirs]), atol=TOL, err_msg=ours
            )
    for ours, theirs in [
        ("n", "n"), ("raw_r", "raw.r"), ("std_r", "std.r"), ("r_cor", "r.cor"),
        ("r_drop", "r.drop"), ("mean", "mean"), ("sd", "sd"),
    ]:  # fmt: skip
        np.testing.assert_allclose(res.items[ours], nan(items[theirs]), atol=TOL, err_msg=ours)
    if ref["freq"]:
        cols = [f"freq_{c}" for c in ref["freq_cols"][:-1]] + ["miss"]
        np.testing.assert_allclose(res.items[cols].to_numpy(), np.array(ref["freq"]), atol=TOL)
    else:
        assert not any(c.startswith("freq_") for c in res.items.columns)
    reversed_ = [k.lstrip("-") for k in ref["keys"] if k.startswith("-")]
    assert list(res.reversed_items) == reversed_


def test_sat_act_pairwise_and_listwise():
    X = data("sat_act")
    assert X.isna().sum().sum() == 13
    check(cronbach_alpha(X), REF["sat_act"])
    res = cronbach_alpha(X, missing="listwise")
    check(res, REF["sat_act_listwise"])
    assert res.n == 687


@pytest.mark.parametrize("name", ["lsat6", "lsat7"])
def test_binary_items_alpha_is_kr20(name):
    res = cronbach_alpha(data(name))
    check(res, REF[name])
    assert res.alpha == pytest.approx(REF[name]["kr20"], abs=1e-12)
    assert [c for c in res.items.columns if c.startswith("freq_")] == ["freq_0", "freq_1"]


def test_attitude_n30_and_small_n():
    X = data("attitude")
    check(cronbach_alpha(X), REF["attitude"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SatscoreWarning)  # n = 6 < k = 7: singular matrices
        small = cronbach_alpha(X.head(6))
    check(small, REF["attitude_small"])
    assert small.n == 6


def test_reverse_keys_and_check_keys():
    X = data("sim_keys")
    check(cronbach_alpha(X, keys=["r2", "r5"]), REF["sim_keys"])
    with pytest.warns(SatscoreWarning, match=r"\['r2', 'r5'\] correlate negatively"):
        res = cronbach_alpha(X, check_keys=True)
    check(res, REF["sim_checkkeys"])

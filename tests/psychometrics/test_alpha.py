"""cronbach_alpha / ordinal_alpha against psych 2.2.9 (tests/data/make_reliability_a.R and
make_reference.R), plus pingouin 0.7 on complete data.

Tolerances: 1e-6 for the closed forms (alpha and item statistics), 1e-3 for ordinal alpha
(it rests on iteratively estimated polychoric correlations).
"""

from __future__ import annotations

import importlib
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satscore import AlphaResult, ConfidenceInterval, cronbach_alpha, ordinal_alpha
from satscore.errors import DataError, OptionError, SatscoreTypeError, SatscoreWarning

DATA = Path(__file__).parents[1] / "data"
BFI = pd.read_csv(DATA / "bfi.csv")
REF = json.loads((DATA / "reliability_a_R.json").read_text())
REF0 = json.loads((DATA / "reference_R.json").read_text())
KEYS = {"A": ["A1"], "C": ["C4", "C5"], "E": ["E1", "E2"], "N": None, "O": ["O2", "O5"]}
TOL = 1e-6


def scale(s: str) -> pd.DataFrame:
    return BFI[[f"{s}{i}" for i in range(1, 6)]]


def check_against(res: AlphaResult, ref: dict, *, items: bool = True) -> None:
    assert res.alpha == pytest.approx(ref["raw_alpha"], abs=TOL)
    assert res.std_alpha == pytest.approx(ref["std_alpha"], abs=TOL)
    assert res.g6 == pytest.approx(ref["G6"], abs=TOL)
    assert res.average_r == pytest.approx(ref["average_r"], abs=TOL)
    assert res.signal_noise == pytest.approx(ref["sn"], abs=TOL)
    assert res.median_r == pytest.approx(ref["median_r"], abs=TOL)
    if ref["ase"] is not None:
        assert res.ase == pytest.approx(ref["ase"], abs=TOL)
        assert res.mean == pytest.approx(ref["mean"], abs=TOL)
        assert res.sd == pytest.approx(ref["sd"], abs=TOL)
        assert tuple(res.ci) == pytest.approx(tuple(ref["feldt"]), abs=TOL)
    drop = ref["drop"]
    np.testing.assert_allclose(res.alpha_drop["alpha"], drop["raw_alpha"], atol=TOL)
    np.testing.assert_allclose(res.alpha_drop["std_alpha"], drop["std.alpha"], atol=TOL)
    np.testing.assert_allclose(res.alpha_drop["g6"], drop["G6(smc)"], atol=TOL)
    np.testing.assert_allclose(res.alpha_drop["average_r"], drop["average_r"], atol=TOL)
    np.testing.assert_allclose(res.alpha_drop["signal_noise"], drop["S/N"], atol=TOL)
    # R's var() of a single correlation is NA (written as null): NaN here too
    var_r = np.array([np.nan if v is None else v for v in drop["var.r"]], dtype=float)
    np.testing.assert_allclose(res.alpha_drop["var_r"], var_r, atol=TOL)
    np.testing.assert_allclose(res.alpha_drop["median_r"], drop["med.r"], atol=TOL)
    if "alpha se" in drop:
        se = np.array([np.nan if v is None else v for v in drop["alpha se"]], dtype=float)
        np.testing.assert_allclose(res.alpha_drop["ase"], se, atol=TOL)
    np.testing.assert_allclose(res.items["alpha_if_dropped"], drop["raw_alpha"], atol=TOL)
    np.testing.assert_allclose(res.items["std_alpha_if_dropped"], drop["std.alpha"], atol=TOL)
    if not items:
        return
    it = ref["items"]
    np.testing.assert_allclose(res.items["r_cor"], it["r.cor"], atol=TOL)
    np.testing.assert_allclose(res.items["r_drop"], it["r.drop"], atol=TOL)
    if "raw.r" in it:
        np.testing.assert_array_equal(res.items["n"], it["n"])
        np.testing.assert_allclose(res.items["raw_r"], it["raw.r"], atol=TOL)
        np.testing.assert_allclose(res.items["std_r"], it["std.r"], atol=TOL)
        np.testing.assert_allclose(res.items["mean"], it["mean"], atol=TOL)
        np.testing.assert_allclose(res.items["sd"], it["sd"], atol=TOL)
    if ref.get("freq"):
        freq = np.array(ref["freq"], dtype=float)
        cols = [f"freq_{c}" for c in ref["freq_cols"][:-1]] + ["miss"]
        np.testing.assert_allclose(res.items[cols].to_numpy(), freq, atol=TOL)


@pytest.mark.parametrize("s", list(KEYS))
def test_bfi_scales_pairwise_match_psych(s):
    res = cronbach_alpha(scale(s), keys=KEYS[s])
    check_against(res, REF[f"alpha_{s}"])
    assert res.n == 2800
    assert res.k == 5
    assert list(res.reversed_items) == (KEYS[s] or [])


@pytest.mark.parametrize("s", list(KEYS))
def test_bfi_scales_listwise_match_psych_on_complete_rows(s):
    res = cronbach_alpha(scale(s), keys=KEYS[s], missing="listwise")
    check_against(res, REF[f"alpha_{s}_listwise"])
    assert res.n == len(scale(s).dropna())


def test_reference_agreeableness_and_duhachek():
    ref = REF0["bfi_A_alpha"]
    res = cronbach_alpha(scale("A"), keys=["A1"], ci_method="duhachek")
    assert res.alpha == pytest.approx(ref["raw_alpha"], abs=TOL)
    # psych prints alpha +- 1.96 ase; we use the exact normal quantile (1.959964)
    assert tuple(res.ci) == pytest.approx(tuple(ref["duhachek"]), abs=2e-6)
    assert tuple(res.confidence_interval(method="feldt")) == pytest.approx(
        tuple(ref["feldt"]), abs=TOL
    )
    wider = res.confidence_interval(0.99)
    assert wider.low < res.ci.low
    assert wider.high > res.ci.high


@pytest.mark.parametrize("s", ["C", "E", "N", "O"])
def test_check_keys_matches_psych(s):
    ref = REF0[f"bfi_{s}_alpha_checkkeys"]
    expected = [k.lstrip("-") for k in ref["keys"][0] if k.startswith("-")]
    ctx = pytest.warns(SatscoreWarning, match="reversed") if expected else warnings.catch_warnings()
    with ctx:
        res = cronbach_alpha(scale(s), check_keys=True)
    assert list(res.reversed_items) == expected
    assert res.alpha == pytest.approx(ref["raw_alpha"], abs=TOL)
    assert res.std_alpha == pytest.approx(ref["std_alpha"], abs=TOL)


def test_check_keys_full_table():
    with pytest.warns(SatscoreWarning, match=r"\['C4', 'C5'\]"):
        res = cronbach_alpha(scale("C"), check_keys=True)
    check_against(res, REF["alpha_C_checkkeys"])


def test_unkeyed_negative_items_warn_naming_them():
    with pytest.warns(SatscoreWarning, match=r"\['A1'\].*probably should be reversed"):
        res = cronbach_alpha(scale("A"))
    assert res.reversed_items == ()


def test_keys_as_sign_vector_and_positions_equal_names():
    a = cronbach_alpha(scale("C"), keys=["C4", "C5"])
    b = cronbach_alpha(scale("C"), keys=[1, 1, 1, -1, -1])
    c = cronbach_alpha(scale("C"), keys=[3, 4])
    assert a.alpha == b.alpha == c.alpha


def test_scale_range_reverses_with_declared_range():
    # data that happen not to use the top answer: psych would reverse with the observed max
    X = scale("A").dropna().clip(upper=5)
    declared = cronbach_alpha(X, keys=["A1"], scale_range=(1, 6))
    observed = cronbach_alpha(X, keys=["A1"])
    assert declared.items.loc["A1", "mean"] == pytest.approx(7 - X["A1"].mean())
    assert observed.items.loc["A1", "mean"] == pytest.approx(6 - X["A1"].mean())
    # alpha itself does not depend on the shift
    assert declared.alpha == pytest.approx(observed.alpha, abs=1e-12)


def test_binary_items_alpha_equals_kr20():
    B = (BFI[["A2", "A3", "A4", "A5", "C1", "C2", "C3"]] >= 4).astype(float)
    B[BFI[["A2", "A3", "A4", "A5", "C1", "C2", "C3"]].isna().to_numpy()] = np.nan
    check_against(cronbach_alpha(B), REF["alpha_binary"])
    Bc = B.dropna()
    res = cronbach_alpha(Bc)
    p = Bc.mean()
    total = Bc.sum(axis=1)
    k = Bc.shape[1]
    kr20 = k / (k - 1) * (1 - (p * (1 - p)).sum() / total.var(ddof=0))
    assert res.alpha == pytest.approx(kr20, abs=1e-12)
    assert res.alpha == pytest.approx(REF["kr20_binary_complete"]["kr20"], abs=TOL)


def test_small_n_and_two_items():
    small = scale("A").dropna().head(10)
    check_against(cronbach_alpha(small, keys=["A1"]), REF["alpha_small"])
    check_against(cronbach_alpha(BFI[["A2", "A3"]]), REF["alpha_two"])


def test_pingouin_agrees_on_complete_data():
    pg = importlib.import_module("pingouin")  # test-group dependency: fail loudly if missing
    X = scale("N").dropna()
    a_pg, ci_pg = pg.cronbach_alpha(data=X)
    res = cronbach_alpha(X)
    assert res.alpha == pytest.approx(a_pg, abs=1e-12)
    np.testing.assert_allclose(tuple(res.ci), ci_pg, atol=5e-4)  # pingouin rounds to 3 dp


def test_pingouin_listwise_feldt_uses_wrong_n():
    """pingouin 0.7 takes n before dropping incomplete rows; psych and satscore use the complete
    rows. With half the rows incomplete, pingouin's Feldt interval is far too narrow."""
    pg = importlib.import_module("pingouin")  # test-group dependency: fail loudly if missing
    from scipy import stats

    X = scale("N").copy()
    X.iloc[::2, 1] = np.nan  # every second respondent skipped N2
    a_pg, ci_pg = pg.cronbach_alpha(data=X, nan_policy="listwise")
    res = cronbach_alpha(X, missing="listwise")
    n_complete = len(X.dropna())
    assert res.n == n_complete < 1400
    assert res.alpha == pytest.approx(a_pg, abs=1e-12)

    def feldt(n: int, k: int = 5) -> tuple[float, float]:
        df1, df2 = n - 1, (n - 1) * (k - 1)
        return (
            1 - (1 - res.alpha) * stats.f.isf(0.025, df1, df2),
            1 - (1 - res.alpha) * stats.f.isf(0.975, df1, df2),
        )

    assert tuple(res.ci) == pytest.approx(feldt(n_complete), abs=1e-12)
    # pingouin reproduces the interval for n = 2800 rows, not the 1,3xx complete ones
    np.testing.assert_allclose(ci_pg, np.round(feldt(2800), 3), atol=1e-12)
    assert ci_pg[0] - res.ci.low > 0.003
    assert res.ci.high - ci_pg[1] > 0.003


def test_bootstrap_reproducible_contains_estimate_close_to_feldt():
    X = scale("A")
    a = cronbach_alpha(X, keys=["A1"], ci_method="bootstrap", n_boot=500, seed=7)
    b = cronbach_alpha(X, keys=["A1"], ci_method="bootstrap", n_boot=500, seed=7)
    c = cronbach_alpha(X, keys=["A1"], ci_method="bootstrap", n_boot=500, seed=8)
    assert tuple(a.ci) == tuple(b.ci)
    assert tuple(a.ci) != tuple(c.ci)
    assert a.ci.low < a.alpha < a.ci.high
    assert a.bootstrap.shape == (500,)
    feldt = a.confidence_interval(method="feldt")
    assert abs(a.ci.low - feldt.low) < 0.01
    assert abs(a.ci.high - feldt.high) < 0.01
    assert a.confidence_interval(0.5).high < a.ci.high


def test_bootstrap_replicate_equals_alpha_of_resample():
    """One vectorised replicate equals alpha recomputed on the same resampled rows."""
    X = scale("C")
    res = cronbach_alpha(X, keys=["C4", "C5"], ci_method="bootstrap", n_boot=3, seed=11)
    rng = np.random.default_rng(11)
    idx = rng.integers(0, len(X), size=(3, len(X)))
    keyed = X.copy()
    keyed[["C4", "C5"]] = 7 - keyed[["C4", "C5"]]
    for b in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SatscoreWarning)
            again = cronbach_alpha(keyed.iloc[idx[b]].reset_index(drop=True)).alpha
        assert res.bootstrap[b] == pytest.approx(again, abs=1e-10)


def test_bootstrap_listwise_and_bad_n_boot():
    res = cronbach_alpha(scale("N"), missing="listwise", ci_method="bootstrap", n_boot=50, seed=1)
    assert res.n == len(scale("N").dropna())
    with pytest.raises(OptionError, match="n_boot"):
        cronbach_alpha(scale("N"), ci_method="bootstrap", n_boot=1)
    with pytest.raises(OptionError, match="bootstrap"):
        cronbach_alpha(scale("N")).confidence_interval(method="bootstrap")


def test_bootstrap_is_fast():
    X = BFI.iloc[:, :25]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SatscoreWarning)
        cronbach_alpha(X, ci_method="bootstrap", n_boot=2000, seed=1)
    # psych alpha(n.iter = 2000) takes tens of seconds here; generous bound for a busy CI box
    assert time.perf_counter() - t0 < 15


def test_ordinal_alpha_matches_psych_on_polychoric():
    res = ordinal_alpha(scale("A"), keys=["A1"])
    ref = REF["ordinal_alpha_A"]
    assert res.alpha == pytest.approx(ref["raw_alpha"], abs=1e-3)
    assert res.std_alpha == pytest.approx(ref["std_alpha"], abs=1e-3)
    assert res.g6 == pytest.approx(ref["G6"], abs=1e-3)
    np.testing.assert_allclose(res.items["alpha_if_dropped"], ref["drop"]["raw_alpha"], atol=1e-3)
    np.testing.assert_allclose(res.items["r_drop"], ref["items"]["r.drop"], atol=1e-3)
    assert res.alpha > cronbach_alpha(scale("A"), keys=["A1"]).alpha


def test_result_api():
    res = cronbach_alpha(scale("A"), keys=["A1"])
    assert isinstance(res.ci, ConfidenceInterval)
    s = res.summary()
    assert list(s.columns) == ["statistic", "value"]
    assert s.set_index("statistic").loc["alpha", "value"] == res.alpha
    d = res.to_dict()
    json.dumps(d)
    assert d["items"][0]["item"] == "A1"
    assert "<table" in res._repr_html_()
    assert "alpha=0.7030" in repr(res)
    with pytest.raises(AttributeError):
        res.alpha = 1.0  # frozen


def test_no_mutation_of_caller_data():
    X = scale("A").copy()
    before = X.copy()
    cronbach_alpha(X, keys=["A1"], missing="listwise", ci_method="bootstrap", n_boot=20, seed=1)
    pd.testing.assert_frame_equal(X, before)


def test_numpy_input_gets_default_names():
    X = scale("N").dropna().to_numpy()
    res = cronbach_alpha(X)
    assert list(res.items.index) == ["x1", "x2", "x3", "x4", "x5"]


# ---------------------------------------------------------------------------- bad input
def test_too_few_items_or_rows():
    with pytest.raises(DataError, match="at least 2"):
        cronbach_alpha(BFI[["A2"]])
    with pytest.raises(DataError, match="at least 3 respondents"):
        cronbach_alpha(BFI[["A2", "A3"]].head(2))
    X = pd.DataFrame({"a": [1, np.nan, 3, 4], "b": [1, 2, np.nan, 4], "c": [np.nan, 2, 3, 4]})
    with pytest.raises(DataError, match="complete rows"):
        cronbach_alpha(X, missing="listwise")


def test_constant_item_dropped_with_warning_naming_it():
    X = scale("N").dropna().copy()
    X["N6"] = 3.0
    with pytest.warns(SatscoreWarning, match=r"\['N6'\] have no variance"):
        res = cronbach_alpha(X)
    assert res.k == 5
    assert res.alpha == pytest.approx(REF["alpha_N_listwise"]["raw_alpha"], abs=TOL)
    with pytest.raises(DataError, match="at least 2 items"), pytest.warns(SatscoreWarning):
        cronbach_alpha(pd.DataFrame({"a": [1.0, 1, 1], "b": [1.0, 2, 3]}))


def test_all_missing_and_non_numeric_columns():
    X = scale("N").copy()
    X["N5"] = np.nan
    with pytest.raises(DataError, match="'N5' of data has no non-missing values"):
        cronbach_alpha(X)
    Y = scale("N").copy().astype(object)
    Y.loc[3, "N2"] = "often"
    with pytest.raises(DataError, match=r"'N2'.*not numeric"):
        cronbach_alpha(Y)
    with pytest.raises(SatscoreTypeError):
        cronbach_alpha([1, 2, 3])


def test_no_common_respondents():
    X = pd.DataFrame(
        {"a": [1, 2, 3, np.nan, np.nan, np.nan], "b": [np.nan, np.nan, np.nan, 1, 2, 3]}
    )
    X["c"] = [1, 2, 3, 1, 2, 3]
    with pytest.raises(DataError, match="'a' and 'b' have fewer than 2 respondents"):
        cronbach_alpha(X)


def test_negative_alpha_warns():
    rng = np.random.default_rng(3)
    z = rng.normal(size=200)
    X = pd.DataFrame({"a": z + rng.normal(size=200), "b": -z + rng.normal(size=200)})
    with pytest.warns(SatscoreWarning, match="near zero or negative"):
        res = cronbach_alpha(X, keys=[1, 1])
    assert res.alpha < 0


def test_bad_options():
    with pytest.raises(OptionError, match="ci_method='exact'"):
        cronbach_alpha(scale("N"), ci_method="exact")
    with pytest.raises(OptionError, match="confidence_level"):
        cronbach_alpha(scale("N"), confidence_level=95)
    with pytest.raises(OptionError, match="'Z9'"):
        cronbach_alpha(scale("N"), keys=["Z9"])
    with pytest.raises(OptionError, match="scale_range"):
        cronbach_alpha(scale("A"), keys=["A1"], scale_range=(6, 1))


def test_response_frequencies_edge_cases():
    X = pd.DataFrame(
        {"a": [-1, 0, 1, 0, -1, 1], "b": [-1, 0, 1, 1, -1, 1], "c": [0, 0, 1, 1, -1, 1]}
    )
    items = cronbach_alpha(X).items
    assert [c for c in items.columns if c.startswith("freq_")] == [
        "freq_minus_1",
        "freq_0",
        "freq_1",
    ]
    assert items.loc["a", "freq_minus_1"] == pytest.approx(2 / 6)
    # half-point answers are tabulated by value (the non-integer path)
    Y = X.astype(float) + np.array([0.5, 0, 0, 0, 0, 0])[:, None]
    freq = cronbach_alpha(Y).items.filter(like="freq_")
    assert "freq_minus_0_5" in freq.columns
    np.testing.assert_allclose(freq.sum(axis=1), 1.0)
    # more than 10 distinct answers: no frequency table (psych prints none either)
    rng = np.random.default_rng(0)
    Z = pd.DataFrame(rng.normal(size=(50, 3)) + rng.normal(size=(50, 1)))
    Z.columns = ["a", "b", "c"]
    assert not any(c.startswith("freq_") for c in cronbach_alpha(Z).items.columns)
    # integer dtype input takes the fast path and gives the same numbers as floats
    ints = scale("N").dropna().astype(int)
    a_int, a_float = cronbach_alpha(ints), cronbach_alpha(ints.astype(float))
    pd.testing.assert_frame_equal(a_int.items, a_float.items)


def test_bootstrap_row_chunks_give_the_same_replicates(monkeypatch):
    import satscore._psychometrics.alpha_bootstrap as mod

    X = scale("A")
    full = cronbach_alpha(X, keys=["A1"], ci_method="bootstrap", n_boot=40, seed=5)
    monkeypatch.setattr(mod, "_CHUNK_ELEMENTS", 5000.0)  # rows in chunks of a few
    chunked = cronbach_alpha(X, keys=["A1"], ci_method="bootstrap", n_boot=40, seed=5)
    np.testing.assert_allclose(chunked.bootstrap, full.bootstrap, atol=1e-12)


SIM = pd.read_csv(DATA / "reliability_sim.csv")


@pytest.mark.parametrize("s", [1, 2, 3, 4])
def test_simulated_data_sets_match_psych(s):
    """R-simulated ordinal data (make_reliability_a.R, section 11): 1-7, 0-4, 1-5 and 1-4
    scales, 0-20% missing, n = 25..500, a reverse-keyed first item."""
    from satscore import kmo, polychoric

    X = SIM[SIM["set"] == s].drop(columns="set").dropna(axis=1, how="all")
    ref = REF[f"sim{s}"]
    check_against(cronbach_alpha(X, keys=["v1"]), ref)
    rho = polychoric(X).rho.to_numpy()
    np.testing.assert_allclose(rho, np.array(ref["poly"]), atol=1e-3)
    assert kmo(X).msa == pytest.approx(ref["kmo"], abs=1e-6)

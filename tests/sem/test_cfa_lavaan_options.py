"""CFA, validity and invariance on models and data not used while developing the fit.

References: lavaan 0.6-14 / semTools 0.5-6 via tests/data/make_cfa_lavaan_options.R ->
cfa_lavaan_options_R.json (PoliticalDemocracy measurement model: marker and std.lv, residual
covariances, a two-indicator factor, FIML with a stored MCAR mask; Holzinger-Swineford invariance
by sex up to strict, also std.lv and FIML). Tolerances as tests/sem/test_cfa.py: fit measures rel
1e-5, parameters, SEs and standardized values abs 1e-3.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from satscore import cfa, measurement_invariance, validity_report
from satscore.errors import SatscoreWarning

# satscore name -> lavaan fitMeasures name (as tests/sem/test_cfa.py)
FIT_KEYS = {
    "chi2": "chisq",
    "df": "df",
    "pvalue": "pvalue",
    "baseline_chi2": "baseline.chisq",
    "baseline_df": "baseline.df",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_low": "rmsea.ci.lower",
    "rmsea_ci_high": "rmsea.ci.upper",
    "srmr": "srmr",
    "srmr_nomean": "srmr_bentler_nomean",
    "loglik": "logl",
    "unrestricted_loglik": "unrestricted.logl",
    "aic": "aic",
    "bic": "bic",
    "npar": "npar",
    "n": "ntotal",
}


def check_fit_measures(fit, expected):
    for ours, theirs in FIT_KEYS.items():
        assert fit.fit_measures[ours] == pytest.approx(expected[theirs], rel=1e-5, abs=1e-7), ours


def check_estimates(fit, pe, groups=None):
    pe = pd.DataFrame(pe)
    est = fit.estimates.copy()
    keys = ["lhs", "op", "rhs"]
    if groups is not None:
        est["g"] = est["group"].map({g: i + 1 for i, g in enumerate(groups)})
        pe["g"] = pe["group"]
        keys.append("g")
    pe["rhs"] = pe["rhs"].fillna("")
    merged = est.merge(pe, on=keys, how="outer", suffixes=("", "_r"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", keys]
    assert len(merged) == len(est) == len(pe)
    for ours, theirs in [("est", "est_r"), ("se", "se_r"), ("std_all", "std.all")]:
        np.testing.assert_allclose(merged[ours], merged[theirs], atol=1e-3, err_msg=ours)
    np.testing.assert_allclose(merged["std_lv"], merged["std.lv"], atol=1e-3)
    free = merged["free"].to_numpy(bool)
    np.testing.assert_allclose(merged.loc[free, "z"], merged.loc[free, "z_r"], atol=1e-3, rtol=1e-4)
    assert (merged.loc[~free, "se"] == 0).all()
    assert merged.loc[~free, "pvalue"].isna().all()


@pytest.fixture(scope="module")
def ref(data_dir):
    return json.loads((data_dir / "cfa_lavaan_options_R.json").read_text())


@pytest.fixture(scope="module")
def pdem(data_dir):
    return pd.read_csv(data_dir / "political_democracy.csv")


@pytest.fixture(scope="module")
def hs(data_dir):
    return pd.read_csv(data_dir / "holzinger1939.csv")


def _masked(frame: pd.DataFrame, mask: list, columns: list[str]) -> pd.DataFrame:
    """Apply an R logical matrix (column-major) as NA holes."""
    m = np.array(mask, dtype=bool).reshape(len(columns), len(frame)).T
    out = frame.copy()
    for j, col in enumerate(columns):
        out.loc[m[:, j], col] = np.nan
    return out


@pytest.fixture(scope="module")
def pd_na(ref, pdem):
    return _masked(pdem, ref["pd_fiml"]["mask"], list(pdem.columns))


def check_mi(fit, mi_ref):
    ours = fit.modification_indices()
    theirs = pd.DataFrame(mi_ref)
    merged = ours.merge(theirs, on=["lhs", "op", "rhs"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    np.testing.assert_allclose(merged["mi_x"], merged["mi_y"], rtol=1e-4, atol=2e-3)
    np.testing.assert_allclose(merged["epc_x"], merged["epc_y"], rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(merged["sepc_all"], merged["sepc.all"], atol=1e-3)


def check_rescor(fit, rescor):
    names = rescor["names"]
    got = fit.residual_correlations.loc[names, names].to_numpy()
    np.testing.assert_allclose(got, np.array(rescor["cov"]), atol=1e-5)


CASES = [
    ("pd", {}),
    ("pd_stdlv", {"std_lv": True}),
    ("pd_resid", {}),
    ("pd_resid_stdlv", {"std_lv": True}),
    ("pd_two", {}),
    ("pd_listwise_na", {}),
    ("pd_fiml", {"missing": "ml"}),
    ("pd_fiml_stdlv", {"missing": "fiml", "std_lv": True}),
]


@pytest.mark.parametrize(("name", "options"), CASES)
def test_political_democracy_matches_lavaan(ref, pdem, pd_na, name, options):
    case = ref[name]
    data = pd_na if ("fiml" in name or name.endswith("_na")) else pdem
    fit = cfa(data, case["model"], **options)
    assert fit.converged
    assert case["converged"]
    check_fit_measures(fit, case["fit"])
    check_estimates(fit, case["pe"])
    check_mi(fit, case["mi"])
    check_rescor(fit, case["rescor"])


@pytest.mark.parametrize("name", ["pd", "pd_resid"])
def test_political_democracy_validity_matches_semtools(ref, pdem, name):
    case = ref[name]
    rep = validity_report(pdem, case["model"])
    v = case["validity"]
    t = rep.factors.set_index("factor")
    for f in v["factors"]:
        assert t.loc[f, "omega"] == pytest.approx(v["comprel_obs"][f], abs=1e-3)
        assert t.loc[f, "ave_semtools"] == pytest.approx(v["ave_obs"][f], abs=1e-3)
    lat = v["factors"]
    np.testing.assert_allclose(rep.factor_correlations.loc[lat, lat], v["cov_lv"], atol=1e-3)
    np.testing.assert_allclose(rep.htmt.loc[lat, lat], v["htmt"], atol=1e-6)
    np.testing.assert_allclose(rep.htmt2.loc[lat, lat], v["htmt2"], atol=1e-6)
    # Fornell-Larcker CR and AVE from lavaan's standardized solution
    pe = pd.DataFrame(case["pe"])
    for f in lat:
        lam = pe.query("op == '=~' and lhs == @f")
        theta = pe.query("op == '~~' and lhs == rhs and lhs in @lam.rhs")
        cr = lam["std.all"].sum() ** 2 / (lam["std.all"].sum() ** 2 + theta["std.all"].sum())
        assert t.loc[f, "cr"] == pytest.approx(cr, abs=1e-3)
        assert t.loc[f, "ave"] == pytest.approx((lam["std.all"] ** 2).mean(), abs=1e-3)


INV_CASES = [
    ("hs_sex", {}),
    ("hs_sex_stdlv", {"std_lv": True}),
    ("hs_sex_fiml", {"missing": "ml"}),
]
LEVELS = ("configural", "metric", "scalar", "strict")


@pytest.mark.parametrize(("name", "options"), INV_CASES)
def test_holzinger_invariance_by_sex_matches_lavaan(ref, hs, name, options):
    case = ref[name]
    items = [f"x{i}" for i in range(1, 10)]
    data = _masked(hs, case["mask"], items) if "mask" in case else hs
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    inv = measurement_invariance(data, model, group="sex", levels=LEVELS, **options)
    assert [str(g) for g in inv.groups] == [str(g) for g in case["groups"]]
    t = inv.table.set_index("level")
    lrt = case["lrt"]
    np.testing.assert_allclose(t["chi2"], lrt["chisq"], rtol=1e-5)
    np.testing.assert_allclose(t["df"], lrt["df"])
    np.testing.assert_allclose(t["delta_chi2"][1:], lrt["chisq_diff"][1:], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(t["delta_pvalue"][1:], lrt["p"][1:], rtol=1e-3, atol=1e-6)
    for level in LEVELS:
        fit = inv.fits[level]
        check_fit_measures(fit, case[level]["fit"])
        check_estimates(fit, case[level]["pe"], groups=fit.groups)


def test_missing_group_values_are_dropped_with_a_warning_as_lavaan(ref, hs):
    """lavaan drops rows whose group is NA (and warns); so does satscore."""
    case = ref["hs_sex_na_group"]
    data = hs.copy()
    data.loc[[r - 1 for r in case["na_rows"]], "sex"] = np.nan
    for missing, key in (("listwise", "fit"), ("ml", "fit_ml")):
        with pytest.warns(SatscoreWarning, match=r"group column 'sex' has 3 missing value"):
            fit = cfa(data, case["model"], group="sex", missing=missing)
        check_fit_measures(fit, case[key])


def test_invariance_warns_once_about_missing_group_values(ref, hs):
    case = ref["hs_sex_na_group"]
    data = hs.copy()
    data.loc[[r - 1 for r in case["na_rows"]], "sex"] = np.nan
    with pytest.warns(SatscoreWarning, match=r"group column 'sex' has 3") as record:
        inv = measurement_invariance(data, case["model"], group="sex")
    assert len(record) == 1
    check_fit_measures(inv.fits["configural"], case["fit"])


@pytest.fixture(scope="module")
def bfi(data_dir):
    return pd.read_csv(data_dir / "bfi.csv")


@pytest.mark.parametrize(
    "name",
    [
        "free_marker",
        "fixed_resid",
        "fixed_cov",
        "eq_load_resid",
        "eq_means",
        "fiml_stdlv_scalar",
        "order_bfi",
        "education_groups",
        "bfi_fiml_1f",
    ],
)
@pytest.mark.filterwarnings("ignore:group column 'education' has")  # bfi education has NAs
@pytest.mark.filterwarnings("ignore::satscore.errors.ReverseKeyWarning")  # bfi A1 unreversed
def test_more_lavaan_features_match(ref, hs, bfi, name):
    case = ref["more"][name]
    opts = dict(case["opts"])
    data = bfi if opts.pop("data", "hs") == "bfi" else hs
    if "mask" in case:
        data = _masked(data, case["mask"], [f"x{i}" for i in range(1, 10)])
    if isinstance(opts.get("equal"), str):
        opts["equal"] = [opts["equal"]]
    fit = cfa(data, case["model"], **opts)
    assert fit.converged
    if "groups" in case:
        assert [str(g) for g in fit.groups] == case["groups"]  # 3, not 3.0
    for ours, theirs in FIT_KEYS.items():
        if theirs in case["fit"]:
            want = case["fit"][theirs]
            assert fit.fit_measures[ours] == pytest.approx(want, rel=1e-5, abs=1e-7), ours
    pe = pd.DataFrame(case["pe"])
    pe["rhs"] = pe["rhs"].fillna("")
    est = fit.estimates.copy()
    keys = ["lhs", "op", "rhs"]
    if len(fit.groups) > 1:
        est["g"] = est["group"].map({g: i + 1 for i, g in enumerate(fit.groups)})
        pe["g"] = pe["group"]
        keys.append("g")
    merged = est.merge(pe, on=keys, how="outer", suffixes=("", "_r"), indicator=True)
    assert (merged["_merge"] == "both").all()
    for ours, theirs in [("est", "est_r"), ("se", "se_r"), ("std_all", "std.all")]:
        np.testing.assert_allclose(merged[ours], merged[theirs], atol=1e-3, err_msg=ours)

"""CFA against lavaan 0.6-14 (tests/data/cfa_R.json from tests/data/make_cfa.R).

Tolerances: fit measures rel 1e-5 (they are smooth functions of the converged solution);
parameters, SEs and standardized values abs 1e-3 (the project's tolerance for iterative fits).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import satscore
from satscore import cfa
from satscore._core.results import ConfidenceInterval

# bfi (A1, C4, C5, ...) and the random models (negative loadings by design) are fitted
# unreversed, as lavaan's references are; the ReverseKeyWarning this triggers is tested in
# tests/sem/test_cfa_keys.py.
pytestmark = pytest.mark.filterwarnings("ignore::satscore.errors.ReverseKeyWarning")

# satscore name -> lavaan fitMeasures name
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

SINGLE_GROUP = [
    ("hs3", "hs", {}),
    ("hs3_stdlv", "hs", {"std_lv": True}),
    ("hs_cross", "hs", {}),
    ("hs_resid", "hs", {}),
    ("hs_orth", "hs", {}),
    ("hs_labels", "hs", {}),
    ("bfi_ac", "bfi", {}),
    ("bfi_5", "bfi", {}),
]


@pytest.fixture(scope="module")
def ref(data_dir):
    return json.loads((data_dir / "cfa_R.json").read_text())


@pytest.fixture(scope="module")
def datasets(data_dir):
    hs = pd.read_csv(data_dir / "holzinger1939.csv")
    bfi = pd.read_csv(data_dir / "bfi.csv")
    return {"hs": hs, "bfi": bfi}


def _model(ref, name):
    return ref[name].get("model", ref["hs3"]["model"])


def check_fit_measures(fit, expected):
    for ours, theirs in FIT_KEYS.items():
        want = expected[theirs]
        got = fit.fit_measures[ours]
        assert got == pytest.approx(want, rel=1e-5, abs=1e-7), ours


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
    # fixed parameters: se 0 and no z / p, as lavaan
    assert (merged.loc[~free, "se"] == 0).all()
    assert merged.loc[~free, "pvalue"].isna().all()


@pytest.mark.parametrize(("name", "data", "options"), SINGLE_GROUP)
def test_single_group_matches_lavaan(ref, datasets, name, data, options):
    fit = cfa(datasets[data], _model(ref, name), **options)
    assert fit.converged
    check_fit_measures(fit, ref[name]["fit"])
    check_estimates(fit, ref[name]["pe"])


@pytest.mark.parametrize(
    ("name", "data", "options"),
    [case for case in SINGLE_GROUP if case[0] not in ("hs_labels", "bfi_5")],
)
def test_modification_indices_match_lavaan(ref, datasets, name, data, options):
    fit = cfa(datasets[data], _model(ref, name), **options)
    ours = fit.modification_indices()
    theirs = pd.DataFrame(ref[name]["mi"])
    merged = ours.merge(theirs, on=["lhs", "op", "rhs"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    np.testing.assert_allclose(merged["mi_x"], merged["mi_y"], rtol=1e-4, atol=2e-3)
    np.testing.assert_allclose(merged["epc_x"], merged["epc_y"], atol=1e-3)
    np.testing.assert_allclose(merged["sepc_all"], merged["sepc.all"], atol=1e-3)
    np.testing.assert_allclose(merged["sepc_lv"], merged["sepc.lv"], atol=1e-3)
    assert ours["mi"].is_monotonic_decreasing


def test_modification_indices_epc_sign_and_top(ref, datasets):
    fit = cfa(datasets["hs"], _model(ref, "hs3"))
    top = fit.modification_indices().iloc[0]
    assert (top["lhs"], top["op"], top["rhs"]) == ("visual", "=~", "x9")
    assert top["mi"] == pytest.approx(36.411, abs=1e-3)
    assert top["epc"] == pytest.approx(0.577, abs=1e-3)
    assert top["sepc_all"] == pytest.approx(0.515, abs=1e-3)
    few = fit.modification_indices(minimum=10)
    assert len(few) == 4
    assert (few["mi"] > 10).all()
    unsorted = fit.modification_indices(sort=False)
    assert list(unsorted["op"][:18]) == ["=~"] * 18  # lavaan's order: loadings first


@pytest.mark.parametrize("name", ["hs3", "hs_cross", "hs_resid", "bfi_ac"])
def test_residual_correlations_match_lavaan(ref, datasets, name):
    data = datasets["bfi" if name.startswith("bfi") else "hs"]
    fit = cfa(data, _model(ref, name))
    names = ref[name]["rescor"]["names"]
    expected = np.array(ref[name]["rescor"]["cov"])
    got = fit.residual_correlations.loc[names, names].to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_issue_values_and_reference_json(reference_r, datasets):
    """The numbers quoted in issue 4 and stored by make_reference.R."""
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    fit = cfa(datasets["hs"], model)
    assert fit.chi2 == pytest.approx(85.306, abs=1e-3)
    assert fit.df == 24
    assert fit.cfi == pytest.approx(0.9306, abs=1e-4)
    assert fit.tli == pytest.approx(0.8958, abs=1e-4)
    assert fit.rmsea == pytest.approx(0.0921, abs=1e-4)
    assert isinstance(fit.rmsea_ci, ConfidenceInterval)
    assert fit.rmsea_ci.low == pytest.approx(0.0714, abs=1e-4)
    assert fit.rmsea_ci.high == pytest.approx(0.1137, abs=1e-4)
    assert fit.srmr == pytest.approx(0.0652, abs=1e-4)
    assert fit.aic == pytest.approx(7517.49, abs=1e-2)
    assert fit.bic == pytest.approx(7595.34, abs=1e-2)
    hs = reference_r["hs_cfa"]
    for ours, theirs in [("chi2", "chisq"), ("cfi", "cfi"), ("tli", "tli"), ("rmsea", "rmsea")]:
        assert getattr(fit, ours) == pytest.approx(hs[theirs], rel=1e-6)
    assert fit.rmsea_ci.low == pytest.approx(hs["rmsea.ci.lower"], rel=1e-6)
    assert fit.rmsea_ci.high == pytest.approx(hs["rmsea.ci.upper"], rel=1e-6)
    assert fit.srmr == pytest.approx(hs["srmr"], rel=1e-6)
    assert fit.pvalue == pytest.approx(hs["pvalue"], rel=1e-5)
    std = fit.std_loadings
    diag = [
        std.loc[f"x{i}", f]
        for i, f in zip(range(1, 10), ["visual"] * 3 + ["textual"] * 3 + ["speed"] * 3, strict=True)
    ]
    np.testing.assert_allclose(diag, reference_r["hs_cfa_std_loadings"], atol=1e-4)
    assert (std.loc["x1", ["textual", "speed"]] == 0).all()


@pytest.mark.parametrize("dataset", ["hs_school", "bfi_gender"])
@pytest.mark.parametrize(
    ("level", "equal"),
    [("configural", ()), ("metric", ("loadings",)), ("scalar", ("loadings", "intercepts"))],
)
def test_multigroup_matches_lavaan(ref, datasets, dataset, level, equal):
    if dataset == "hs_school":
        data, model, group = datasets["hs"], _model(ref, "hs3"), "school"
    else:
        bfi = datasets["bfi"]
        data = bfi.assign(gender=np.where(bfi["gender"] == 1, "male", "female"))
        model, group = _model(ref, "bfi_ac"), "gender"
    fit = cfa(data, model, group=group, equal=equal)
    assert list(fit.groups) == ref[dataset]["groups"]
    check_fit_measures(fit, ref[dataset][level]["fit"])
    check_estimates(fit, ref[dataset][level]["pe"], groups=fit.groups)
    assert set(fit.residual_correlations) == set(fit.groups)
    assert fit.std_loadings.index.names == ["group", "item"]


def test_multigroup_std_lv_frees_factor_variances(ref, datasets):
    fit = cfa(datasets["hs"], _model(ref, "hs3"), group="school", equal="loadings", std_lv=True)
    check_fit_measures(fit, ref["hs_school_metric_stdlv"]["fit"])
    check_estimates(fit, ref["hs_school_metric_stdlv"]["pe"], groups=fit.groups)
    var = fit.estimates.query("op == '~~' and lhs == rhs and lhs == 'visual'")
    assert list(var["free"]) == [False, True]


def test_sample_cov_input_matches_raw_data(datasets):
    hs = datasets["hs"]
    model = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"]}
    items = [f"x{i}" for i in range(1, 7)]
    raw = cfa(hs, model)
    cov = hs[items].cov()  # divisor N - 1, as R's cov(); cfa rescales like lavaan
    from_cov = cfa(None, model, sample_cov=cov, n_obs=len(hs))
    assert from_cov.chi2 == pytest.approx(raw.chi2, rel=1e-8)
    np.testing.assert_allclose(from_cov.estimates["se"], raw.estimates["se"], rtol=1e-6)


def test_instrument_model_and_validated_responses(datasets):
    class Dim:
        def __init__(self, id_, items):
            self.id, self.items = id_, items

    class Inst:
        id = "toy"
        dimensions = (Dim("visual", ("x1", "x2", "x3")), Dim("textual", ("x4", "x5", "x6")))

        def scored_items(self, dimension=None):
            return next(d.items for d in self.dimensions if d.id == dimension)

    class VR:
        def __init__(self, data, instrument):
            self.data, self.instrument = data, instrument

    hs = datasets["hs"]
    by_dict = cfa(hs, {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"]})
    by_inst = cfa(VR(hs, Inst()), Inst())
    assert by_inst.chi2 == pytest.approx(by_dict.chi2, rel=1e-10)
    assert by_inst.model == "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"


def test_listwise_deletion_and_no_mutation(datasets):
    hs = datasets["hs"].copy()
    hs.loc[[0, 5, 9], "x2"] = np.nan
    hs.loc[3, "x7"] = np.nan
    before = hs.copy()
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    fit = cfa(hs, model)
    pd.testing.assert_frame_equal(hs, before)
    assert fit.n == 301 - 4
    complete = cfa(hs.dropna(subset=[f"x{i}" for i in range(1, 10)]), model)
    assert fit.chi2 == pytest.approx(complete.chi2, rel=1e-12)


def test_group_order_categorical_and_appearance(datasets):
    hs = datasets["hs"]
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
    fit = cfa(hs, model, group="school")
    assert fit.groups == ("Pasteur", "Grant-White")
    cat = hs.assign(school=pd.Categorical(hs["school"], categories=["Grant-White", "Pasteur"]))
    fit2 = cfa(cat, model, group="school")
    assert fit2.groups == ("Grant-White", "Pasteur")
    assert fit2.n_by_group == {"Grant-White": 145, "Pasteur": 156}
    assert fit2.chi2 == pytest.approx(fit.chi2, rel=1e-8)  # configural: order-free


def test_result_serialises(datasets):
    fit = cfa(datasets["hs"], "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6")
    d = fit.to_dict()
    assert d["df"] == 8
    assert "_state" not in d
    assert json.loads(fit.to_json())["converged"] is True
    summary = fit.summary()
    assert {"measure", "value"} <= set(summary.columns)
    assert "chi2" in set(summary["measure"])
    assert "<table" in fit._repr_html_()


def test_lazy_public_names():
    from satscore import sem

    for name in ("cfa", "CFAResult", "validity_report", "ValidityReport"):
        assert getattr(satscore, name) is getattr(sem, name)
    assert satscore.measurement_invariance is sem.measurement_invariance
    assert satscore.InvarianceResult is sem.InvarianceResult


@pytest.mark.parametrize(
    ("name", "options"),
    [
        (
            "hs_school_partial",
            {"equal": ("loadings", "intercepts"), "partial": ("visual =~ x2", "x3 ~1", "x7~1")},
        ),
        ("hs_school_scalar_stdlv", {"equal": ("loadings", "intercepts"), "std_lv": True}),
        (
            "hs_school_equal_lv",
            {"equal": ("loadings", "intercepts", "residuals", "lv.variances", "lv.covariances")},
        ),
    ],
)
def test_multigroup_constraints_match_lavaan(ref, datasets, name, options):
    fit = cfa(datasets["hs"], _model(ref, "hs3"), group="school", **options)
    check_fit_measures(fit, ref[name]["fit"])
    check_estimates(fit, ref[name]["pe"], groups=fit.groups)


def test_partial_must_name_a_parameter(datasets):
    from satscore.errors import ModelSpecificationError, OptionError

    model = "visual =~ x1 + x2 + x3"
    with pytest.raises(ModelSpecificationError, match=r"partial: 'x9 ~1' is not a parameter"):
        cfa(datasets["hs"], model, group="school", equal="intercepts", partial="x9 ~1")
    with pytest.raises(OptionError, match=r"pass equal="):
        cfa(datasets["hs"], model, group="school", partial="x3 ~1")


@pytest.mark.parametrize("case", range(8))
def test_random_models_from_sample_cov_match_lavaan(ref, case):
    """8 random structures (2-5 factors, cross-loadings, residual covariances, orthogonal
    pairs, std.lv, items on scales 0.3-30) fitted by lavaan from sample.cov (make_cfa.R, E)."""
    c = ref["random"][case]
    cov = pd.DataFrame(np.array(c["cov"]), index=c["names"], columns=c["names"])
    fit = cfa(None, c["model"], sample_cov=cov, n_obs=c["n"], std_lv=c["std_lv"])
    assert fit.converged
    check_fit_measures(fit, c["fit"])
    pe = pd.DataFrame(c["pe"])
    merged = fit.estimates.merge(pe, on=["lhs", "op", "rhs"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    for ours, theirs in [("est_x", "est_y"), ("se_x", "se_y"), ("std_all", "std.all")]:
        np.testing.assert_allclose(merged[ours], merged[theirs], rtol=1e-4, atol=1e-3)
    mi = fit.modification_indices()
    mr = pd.DataFrame(c["mi"])
    m2 = mi.merge(mr, on=["lhs", "op", "rhs"], how="outer", indicator=True)
    assert (m2["_merge"] == "both").all()
    np.testing.assert_allclose(m2["mi_x"], m2["mi_y"], rtol=1e-4, atol=2e-3)
    np.testing.assert_allclose(m2["sepc_all"], m2["sepc.all"], atol=1e-3)


def test_fit_does_not_depend_on_item_units(datasets):
    """Rescaling or shifting items changes no fit measure or standardized estimate."""
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    hs = datasets["hs"]
    base = cfa(hs, model)
    odd = cfa(hs.assign(x1=hs["x1"] * 1e5, x5=hs["x5"] * 1e-4, x9=hs["x9"] + 1e6), model)
    assert odd.converged
    for key in ("chi2", "cfi", "tli", "rmsea", "srmr", "rmsea_ci_low"):
        assert odd.fit_measures[key] == pytest.approx(base.fit_measures[key], rel=1e-7)
    np.testing.assert_allclose(odd.estimates["std_all"], base.estimates["std_all"], atol=1e-8)
    np.testing.assert_allclose(odd.estimates["z"], base.estimates["z"], rtol=1e-5)


def test_multigroup_labels_and_c_modifiers_match_lavaan(ref, datasets):
    """c(v2, v2)*x2 and a plain label b*x5 equate across groups; c(0.5, NA) fixes in group 1."""
    case = ref["hs_school_clabels"]
    fit = cfa(datasets["hs"], case["model"], group="school")
    check_fit_measures(fit, case["fit"])
    check_estimates(fit, case["pe"], groups=fit.groups)
    x9 = fit.estimates.query("op == '=~' and rhs == 'x9'")
    assert list(x9["free"]) == [False, True]


def test_concise_repr(datasets):
    fit = cfa(datasets["hs"], "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6")
    text = repr(fit)
    assert text.startswith("CFAResult(chi2=")
    assert "converged=True" in text
    assert "estimates" not in text


def test_multigroup_modification_indices_match_lavaan(ref, datasets):
    fit = cfa(datasets["hs"], _model(ref, "hs3"), group="school", equal="loadings")
    ours = fit.modification_indices()
    ours["g"] = ours["group"].map({g: i + 1 for i, g in enumerate(fit.groups)})
    theirs = pd.DataFrame(ref["hs_school"]["metric"]["mi"]).rename(columns={"group": "g"})
    merged = ours.merge(theirs, on=["lhs", "op", "rhs", "g"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert len(merged) == 114
    np.testing.assert_allclose(merged["mi_x"], merged["mi_y"], rtol=1e-4, atol=2e-3)
    np.testing.assert_allclose(merged["epc_x"], merged["epc_y"], atol=1e-3)
    np.testing.assert_allclose(merged["sepc_all"], merged["sepc.all"], atol=1e-3)


@pytest.fixture(scope="module")
def hs_na(ref, datasets):
    """HS with lavaan's MCAR holes (set.seed(42); runif < .08; mask stored by make_cfa.R)."""
    mask = np.array(ref["hs3_fiml"]["mask"], dtype=bool).reshape(9, 301).T
    data = datasets["hs"].copy()
    for j in range(9):
        data.loc[mask[:, j], f"x{j + 1}"] = np.nan
    return data


def test_fiml_matches_lavaan(ref, hs_na):
    fit = cfa(hs_na, _model(ref, "hs3"), missing="ml")
    assert fit.n == 301  # listwise would keep 133
    check_fit_measures(fit, ref["hs3_fiml"]["fit"])
    check_estimates(fit, ref["hs3_fiml"]["pe"])  # SEs: observed information, as lavaan
    ours = fit.modification_indices()
    theirs = pd.DataFrame(ref["hs3_fiml"]["mi"])
    merged = ours.merge(theirs, on=["lhs", "op", "rhs"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    np.testing.assert_allclose(merged["mi_x"], merged["mi_y"], rtol=1e-4, atol=2e-3)
    names = ref["hs3_fiml"]["rescor"]["names"]
    got = fit.residual_correlations.loc[names, names].to_numpy()
    np.testing.assert_allclose(got, np.array(ref["hs3_fiml"]["rescor"]["cov"]), atol=1e-5)


def test_fiml_multigroup_and_real_missing_data(ref, datasets, hs_na):
    fit = cfa(hs_na, _model(ref, "hs3"), missing="ml", group="school", equal="loadings")
    check_fit_measures(fit, ref["hs_school_fiml_metric"]["fit"])
    check_estimates(fit, ref["hs_school_fiml_metric"]["pe"], groups=fit.groups)
    fit = cfa(datasets["bfi"], _model(ref, "bfi_ac"), missing="fiml")
    check_fit_measures(fit, ref["bfi_ac_fiml"]["fit"])
    check_estimates(fit, ref["bfi_ac_fiml"]["pe"])

"""Bad input to cfa(): typed errors and warnings that name the item, factor or group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from satscore import cfa
from satscore.errors import (
    ConvergenceWarning,
    DataError,
    HeywoodWarning,
    ModelSpecificationError,
    OptionError,
    SatscoreTypeError,
)

HS3 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def hs(data_dir):
    return pd.read_csv(data_dir / "holzinger1939.csv")


def test_item_not_in_data_names_it_and_close_matches(hs):
    with pytest.raises(DataError, match=r"item 'x10' .* not a column.*Close matches: 'x1'"):
        cfa(hs, "visual =~ x1 + x2 + x10")
    with pytest.raises(DataError, match=r"'X2'.*Close matches.*'x2'"):
        cfa(hs, {"visual": ["x1", "X2", "x3"]})


def test_single_indicator_factor(hs):
    with pytest.raises(ModelSpecificationError, match=r"factor 'speed' has 1 indicator \('x7'\)"):
        cfa(hs, "visual =~ x1 + x2 + x3\nspeed =~ x7")


def test_single_indicator_with_fixed_residual_is_allowed(hs):
    fit = cfa(hs, "visual =~ x1 + x2 + x3\nspeed =~ x7\nx7 ~~ 0*x7")
    assert fit.converged
    assert fit.df == 2


def test_lone_two_indicator_factor(hs):
    with pytest.raises(ModelSpecificationError, match=r"factor 'f' has only 2 indicators"):
        cfa(hs, "f =~ x1 + x2")
    with pytest.raises(ModelSpecificationError, match=r"factor 'speed' has only 2 indicators"):
        cfa(hs, "visual =~ x1 + x2 + x3\nspeed =~ x7 + x8\nvisual ~~ 0*speed")


def test_two_indicator_factor_correlated_is_identified(hs):
    fit = cfa(hs, "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5")
    assert fit.converged
    assert fit.df == 4


def test_unscaled_factor(hs):
    with pytest.raises(ModelSpecificationError, match=r"factor 'visual' has no fixed scale"):
        cfa(hs, "visual =~ NA*x1 + x2 + x3")
    # freeing the marker and fixing the variance is fine (same fit as std_lv)
    a = cfa(hs, "visual =~ NA*x1 + x2 + x3\nvisual ~~ 1*visual\ntextual =~ x4 + x5 + x6")
    b = cfa(hs, "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6")
    assert a.chi2 == pytest.approx(b.chi2, rel=1e-8)


def test_negative_degrees_of_freedom(hs):
    model = "f =~ x1 + x2 + x3\nx1 ~~ x2\nx1 ~~ x3\nx2 ~~ x3"
    with pytest.raises(ModelSpecificationError, match=r"not identified"):
        cfa(hs, model)


def test_non_positive_definite_sample_covariance(hs):
    data = hs.assign(x10=hs["x1"] + hs["x2"])
    with pytest.raises(DataError, match=r"not positive definite.*'x10'"):
        cfa(data, "visual =~ x1 + x2 + x3 + x10")


def test_constant_item(hs):
    with pytest.raises(DataError, match=r"item 'k' has zero variance"):
        cfa(hs.assign(k=3.0), "visual =~ x1 + x2 + x3 + k")


def test_non_convergence_warns_and_flags(hs):
    with pytest.warns(
        ConvergenceWarning, match=r"did not converge after 2 iteration\(s\).*max_iter"
    ):
        fit = cfa(hs, HS3, max_iter=2)
    assert fit.converged is False
    assert fit.iterations == 2
    assert fit.to_dict()["converged"] is False


def test_group_with_too_few_rows(hs):
    small = hs.copy()
    small.loc[:4, "school"] = "Tiny"
    with pytest.raises(DataError, match=r"group 'Tiny' has 5 complete row\(s\).*at least 10"):
        cfa(small, HS3, group="school")


def test_unknown_group_column(hs):
    with pytest.raises(DataError, match=r"group column 'schol'.*'school'"):
        cfa(hs, HS3, group="schol")


def test_unknown_estimator_and_options(hs):
    with pytest.raises(OptionError, match=r"estimator='wlsmv' is not supported"):
        cfa(hs, HS3, estimator="wlsmv")
    with pytest.raises(OptionError, match=r"missing='pairwise'"):
        cfa(hs, HS3, missing="pairwise")
    with pytest.raises(OptionError, match=r"equal=.*group="):
        cfa(hs, HS3, equal=("loadings",))
    with pytest.raises(OptionError, match=r"equal='slopes'"):
        cfa(hs, HS3, group="school", equal=("slopes",))
    with pytest.raises(OptionError, match=r"n_obs"):
        cfa(None, HS3, sample_cov=hs[[f"x{i}" for i in range(1, 10)]].cov())


def test_non_numeric_item(hs):
    data = hs.assign(x3=np.where(hs["x3"] > 2, "high", "low"))
    with pytest.raises(DataError, match=r"item column 'x3' is not numeric"):
        cfa(data, HS3)


def test_bad_data_type():
    with pytest.raises(SatscoreTypeError, match=r"DataFrame"):
        cfa([[1, 2, 3]], "f =~ a + b + c")


def test_heywood_case_warns(hs):
    model = "visual =~ x1 + x2 + x3 + x9\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nx7 ~~ x8"
    with pytest.warns(HeywoodWarning, match=r"negative residual variance.*'x8'"):
        cfa(hs, model)


def test_unsupported_operator(hs):
    with pytest.raises(ModelSpecificationError, match=r"regressions \('~'\)"):
        cfa(hs, "visual =~ x1 + x2 + x3\nx4 ~ visual")


def test_cov_between_factor_and_item(hs):
    with pytest.raises(ModelSpecificationError, match=r"visual ~~ x4 mixes a factor"):
        cfa(hs, "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~~ x4")


def test_c_modifier_length_must_match_groups(hs):
    with pytest.raises(ModelSpecificationError, match=r"3 values but the data have 2 group"):
        cfa(hs, "visual =~ x1 + c(a, b, c)*x2 + x3", group="school")


def test_fiml_needs_pairwise_coverage(hs):
    data = hs.copy()
    data.loc[:150, "x1"] = np.nan
    data.loc[151:, "x2"] = np.nan
    with pytest.raises(DataError, match=r"items 'x1' and 'x2' are answered together by fewer"):
        cfa(data, HS3, missing="ml")
    cov = hs[[f"x{i}" for i in range(1, 10)]].cov()
    with pytest.raises(OptionError, match=r"missing='ml' needs raw data"):
        cfa(None, HS3, sample_cov=cov, n_obs=301, missing="ml")

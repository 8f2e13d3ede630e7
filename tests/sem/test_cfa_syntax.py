"""Model parsing: dict, lavaan syntax (comments, fixed values, labels, c(), NA), instrument."""

from __future__ import annotations

import pytest

from satscore._sem.syntax import Modifier, parse_model
from satscore.errors import ModelSpecificationError, SatscoreTypeError


def test_lavaan_syntax_with_comments_semicolons_and_continuation():
    pm = parse_model(
        """
        # three factors
        visual  =~ x1 + x2 +
                   x3                 ! continued line
        textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9
        x7 ~~ x8   # correlated residual
        """
    )
    assert pm.factors == {
        "visual": ("x1", "x2", "x3"),
        "textual": ("x4", "x5", "x6"),
        "speed": ("x7", "x8", "x9"),
    }
    assert pm.observed == tuple(f"x{i}" for i in range(1, 10))
    cov = [t for t in pm.terms if t.op == "~~"]
    assert [(t.lhs, t.rhs) for t in cov] == [("x7", "x8")]


def test_modifiers_fixed_free_label_and_per_group():
    pm = parse_model("f =~ NA*a + 0.5*b + lab*c + c(g1, 1)*d + start(0.3)*e\nf ~~ 1*f")
    mods = {t.rhs: t for t in pm.terms if t.op == "=~"}
    assert mods["a"].modifier(0) == Modifier(free=True)
    assert mods["b"].modifier(0).fixed == 0.5
    assert mods["c"].modifier(1).label == "lab"  # one label applies to every group
    assert mods["d"].modifier(0).label == "g1"
    assert mods["d"].modifier(1).fixed == 1.0
    assert mods["e"].modifiers == ()
    assert pm.n_modifier_groups() == 2
    var = next(t for t in pm.terms if t.op == "~~")
    assert var.modifier(0).fixed == 1.0


def test_repeated_terms_merge_like_lavaan():
    pm = parse_model("f =~ NA*x1 + x2 + x3\nf =~ a*x1")
    x1 = next(t for t in pm.terms if t.rhs == "x1")
    assert x1.modifier(0) == Modifier(free=True, label="a")
    assert pm.factors["f"] == ("x1", "x2", "x3")


def test_dict_model_and_round_trip_syntax():
    pm = parse_model({"service": ["q1", "q2", "0.7*q3"], "staff": "q4 + q5 + q6"})
    assert pm.factors == {"service": ("q1", "q2", "q3"), "staff": ("q4", "q5", "q6")}
    assert pm.to_syntax() == "service =~ q1 + q2 + 0.7*q3\nstaff =~ q4 + q5 + q6"
    again = parse_model(pm.to_syntax())
    assert again.factors == pm.factors


@pytest.mark.parametrize(
    ("model", "pattern"),
    [
        ("", r"empty"),
        ("visual x1 x2", r"no operator"),
        ("f =~ x1 + + x2", r"empty term"),
        ("f =~ x1 + 2bad", r"not a valid variable name"),
        ("f =~ x1 + x2 + x3\ny ~1", r"intercepts"),
        ("f =~ x1 + x2 + x3\ng := 2*a", r"defined parameters"),
        ("f =~ x1 + x2 + x3\nx1 ~~ zz", r"'zz' is neither a factor nor an indicator"),
        ("f =~ x1 + x2 + x3\ng =~ f + x4 + x5", r"higher-order"),
        ("f =~ x1 + x2 + 3+4*x3", r"empty term|not a valid"),
        ("f =~ x1 + {a}*x2", r"cannot read the modifier"),
        ({}, r"empty dict"),
    ],
)
def test_bad_syntax_raises(model, pattern):
    with pytest.raises(ModelSpecificationError, match=pattern):
        parse_model(model)


def test_bad_model_type():
    with pytest.raises(SatscoreTypeError, match=r"model must be a dict"):
        parse_model(42)
    with pytest.raises(SatscoreTypeError, match=r"factor 'f'"):
        parse_model({"f": 3})


def test_instrument_without_dimensions():
    class Empty:
        id = "empty"
        dimensions = ()

    with pytest.raises(ModelSpecificationError, match=r"instrument 'empty' has no dimensions"):
        parse_model(Empty())


def test_lavaan_conventions_for_markers_and_written_variances():
    """lavaan 0.6-14: a labelled first indicator stays the fixed marker; with std.lv = TRUE a
    written 'f ~~ f' without modifier is still fixed to 1 (checked with parTable())."""
    from satscore._sem.model import build_partable

    pm = parse_model("visual =~ a*x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~~ textual")
    tab = build_partable(pm, ngroups=1, std_lv=False, equal=(), meanstructure=False)
    assert (tab.free[0], tab.value[0], tab.label[0]) == (-1, 1.0, "a")
    var = next(r for r in range(len(tab.lhs)) if tab.lhs[r] == tab.rhs[r] == "textual")
    assert tab.free[var] >= 0
    tab = build_partable(pm, ngroups=1, std_lv=True, equal=(), meanstructure=False)
    assert tab.free[0] >= 0
    var = next(r for r in range(len(tab.lhs)) if tab.lhs[r] == tab.rhs[r] == "textual")
    assert (tab.free[var], tab.value[var]) == (-1, 1.0)

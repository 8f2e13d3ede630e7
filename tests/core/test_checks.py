"""Shared argument checks: typed errors with found/required/fix messages, no mutation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from satscore._core.checks import (
    check_confidence_level,
    check_option,
    check_probability,
    check_rng,
    numeric_frame,
)
from satscore.errors import DataError, OptionError, SatscoreError, SatscoreTypeError


def test_numeric_frame_copies_and_never_mutates():
    data = pd.DataFrame({"a": [1, 2, 3], "b": [2.0, np.nan, 5.0]})
    before = data.copy()
    out = numeric_frame(data)
    out.iloc[0, 0] = 99.0
    pd.testing.assert_frame_equal(data, before)
    assert out.dtypes.tolist() == [np.float64, np.float64]


def test_numeric_frame_from_array_names_columns():
    out = numeric_frame(np.arange(6.0).reshape(3, 2))
    assert out.columns.tolist() == ["x1", "x2"]


def test_numeric_frame_errors_name_the_column():
    with pytest.raises(DataError, match=r"column 'b' of data is not numeric .*'x'"):
        numeric_frame(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    with pytest.raises(DataError, match=r"column 'b' of data has no non-missing values"):
        numeric_frame(pd.DataFrame({"a": [1.0, 2.0], "b": [np.nan, np.nan]}))
    with pytest.raises(DataError, match=r"has 1 item column\(s\); at least 2 are required"):
        numeric_frame(pd.DataFrame({"a": [1.0, 2.0]}), min_columns=2)
    with pytest.raises(DataError, match=r"has 2 row\(s\); at least 3 respondents"):
        numeric_frame(pd.DataFrame({"a": [1.0, 2.0]}), min_rows=3)
    with pytest.raises(SatscoreTypeError, match=r"found list\. Wrap your data"):
        numeric_frame([[1, 2]])


def test_options_and_levels():
    assert check_option("m", "a", ("a", "b")) == "a"
    with pytest.raises(OptionError, match=r"m='c' is not supported; use one of 'a', 'b'"):
        check_option("m", "c", ("a", "b"))
    assert check_confidence_level(0.9) == 0.9
    with pytest.raises(OptionError, match=r"not a percentage such as 95"):
        check_confidence_level(95)
    with pytest.raises(OptionError, match=r"found 'high'"):
        check_confidence_level("high")
    assert check_probability("coverage", 1.0, closed_high=True) == 1.0
    with pytest.raises(OptionError, match=r"coverage must lie in \(0, 1\); found 1.0"):
        check_probability("coverage", 1.0)


def test_errors_are_builtin_subclasses():
    assert issubclass(OptionError, ValueError)
    assert issubclass(SatscoreTypeError, TypeError)
    assert issubclass(DataError, SatscoreError)


def test_rng():
    assert isinstance(check_rng(1), np.random.Generator)
    gen = np.random.default_rng(3)
    assert check_rng(gen) is gen
    a, b = check_rng(7).random(3), check_rng(7).random(3)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(SatscoreTypeError, match=r"found float"):
        check_rng(1.5)

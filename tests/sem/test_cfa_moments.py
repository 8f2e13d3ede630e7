"""Sample moments of a CFA: in memory, streamed, from sample_cov and under FIML, the same checks
and messages (satscore._sem.moments)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from satscore import cfa
from satscore._sem.moments import SampleMoments, check_group_size, sample_moments
from satscore._stream.summaries import Moments
from satscore.errors import ConvergenceWarning, DataError

HS3 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def hs(data_dir):
    return pd.read_csv(data_dir / "holzinger1939.csv")


def chunks(frame: pd.DataFrame, size: int = 100) -> list[pd.DataFrame]:
    return [frame.iloc[i : i + size] for i in range(0, len(frame), size)]


def test_group_size_check_is_the_same_in_memory_streamed_and_fiml(hs):
    small = hs.copy()
    small.loc[:4, "school"] = "Tiny"
    tail = r"at least 10 \(and in practice many more\)\. Merge small groups"
    complete = rf"group 'Tiny' has 5 complete row\(s\) on the model's 9 items; a CFA needs {tail}"
    with pytest.raises(DataError, match=complete):
        cfa(small, HS3, group="school")
    with pytest.raises(DataError, match=complete):
        cfa(iter(chunks(small)), HS3, group="school")
    with pytest.raises(DataError, match=rf"'Tiny' has 5 row\(s\) with at least one answer.*{tail}"):
        cfa(small, HS3, group="school", missing="ml")


def test_missing_item_in_chunks_and_sample_cov_names_close_matches(hs):
    with pytest.raises(
        DataError, match=r"item 'x10' is not a column of data \(chunk 0\)\. Close matches: 'x1'"
    ):
        cfa(iter(chunks(hs)), "visual =~ x1 + x2 + x10")
    cov = hs[["x1", "x2", "x3"]].cov()
    with pytest.raises(DataError, match=r"item 'x10' is not in sample_cov.*Close matches: 'x1'"):
        cfa(None, "visual =~ x1 + x2 + x10", sample_cov=cov, n_obs=len(hs))
    with pytest.raises(DataError, match=r"group column 'schol' is not in data.*'school'"):
        cfa(iter(chunks(hs)), HS3, group="schol")


def test_fiml_dependent_items_are_named(hs):
    """The EM covariance matrix is judged by its smallest eigenvalue (not a determinant's sign)
    and the message names the linearly dependent items, as for complete data."""
    data = hs.assign(x10=hs["x1"] + hs["x2"])
    data.loc[:30, "x3"] = np.nan
    data.loc[40:60, "x10"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(
            DataError, match=r"EM covariance matrix .* not positive definite.*'x10'"
        ):
            cfa(data, "visual =~ x1 + x2 + x3 + x10", missing="ml")


def test_streamed_moments_equal_in_memory_moments(hs):
    a = cfa(hs, HS3, group="school")
    b = cfa(iter(chunks(hs, 37)), HS3, group="school")
    assert a.groups == b.groups
    assert a.chi2 == pytest.approx(b.chi2, rel=1e-10)
    for ma, mb in zip(a._state.moments, b._state.moments, strict=True):
        assert isinstance(mb, SampleMoments)
        np.testing.assert_allclose(ma.cov, mb.cov, rtol=1e-10)
        np.testing.assert_allclose(ma.mean, mb.mean, rtol=1e-12)


def test_sample_moments_is_not_the_streaming_moments_class():
    assert SampleMoments is not Moments
    m = sample_moments(10, np.zeros(2), np.array([[1.0, 0.5], [0.5, 1.0]]), ["a", "b"], "data")
    assert m.logdet == pytest.approx(np.log(0.75))
    with pytest.raises(DataError, match=r"item 'b' has zero variance in data"):
        sample_moments(10, np.ones(2), np.array([[1.0, 0.0], [0.0, 0.0]]), ["a", "b"], "data")
    check_group_size(10, 9, "data")  # p + 1 rows are enough
    with pytest.raises(DataError, match=r"data has 9 complete row\(s\)"):
        check_group_size(9, 9, "data")

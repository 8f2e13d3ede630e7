"""SurveyDesign is one class whatever the data; its backend (rows or design totals) is explicit."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

import satscore._survey.variance as core
from satscore import SurveyDesign, compare_waves, nonresponse_adjust, post_stratify, rake
from satscore._survey.memory import MemoryEngine
from satscore._survey.streamed import StreamedEngine
from satscore._survey.totals import DesignSpec
from satscore._survey.variance import key_index
from satscore.errors import DataError, DesignError

dd = importlib.import_module("dask.dataframe")  # test-group dependency: fail loudly if missing

TYPES = {"E": 4421, "H": 755, "M": 1018}


@pytest.fixture(scope="module")
def apistrat(data_dir):
    return pd.read_csv(data_dir / "apistrat.csv")


def _chunks(df, k):
    return [df.iloc[i::k] for i in range(k)]


def test_every_input_kind_gives_a_survey_design(apistrat):
    kw = {"weights": "pw", "strata": "stype"}
    sources = {
        "frame": apistrat,
        "list": _chunks(apistrat, 3),
        "iterator": iter(_chunks(apistrat, 3)),
        "callable": lambda: iter(_chunks(apistrat, 3)),
        "dask": dd.from_pandas(apistrat, npartitions=2),
    }
    for name, source in sources.items():
        d = SurveyDesign(source, **kw)
        assert type(d) is SurveyDesign, name
        streamed = name != "frame"
        assert isinstance(d._engine, StreamedEngine if streamed else MemoryEngine), name
        assert (d.data is None) == streamed, name
        assert isinstance(d._spec, DesignSpec) == streamed, name
    assert SurveyDesign.__new__ is object.__new__  # no dispatch in __new__
    streamed = SurveyDesign(_chunks(apistrat, 2), **kw)
    assert repr(streamed) == "StreamedDesign(weights='pw', strata=['stype'], cluster=[])"
    assert (
        repr(SurveyDesign(apistrat, **kw)) == "SurveyDesign(200 rows, 3 strata, 200 PSUs, df=197)"
    )
    assert not streamed.calibrated
    assert streamed.n_stages == 1


def test_calibrated_copy_keeps_the_original(apistrat):
    d = SurveyDesign(apistrat, weights="pw", strata="stype")
    ps = post_stratify(d, "stype", TYPES)
    assert type(ps) is SurveyDesign
    assert ps.calibrated
    assert not d.calibrated
    assert ps._engine is not d._engine
    np.testing.assert_array_equal(d.weights, apistrat["pw"].to_numpy(float))
    assert "calibrated" in repr(ps)
    assert "calibrated" not in repr(d)


def test_row_level_operations_on_a_streamed_design(apistrat):
    chunks = _chunks(apistrat, 3)
    a = SurveyDesign(chunks, weights="pw", strata="stype")
    b = SurveyDesign(chunks[:2], weights="pw", strata="stype")
    with pytest.raises(DesignError, match=r"raking \(rake\) works on the rows.*need the rows in"):
        rake(a, {"stype": TYPES})
    with pytest.raises(DesignError, match="compare_waves with overlap_id works on the rows"):
        compare_waves(a, b, "awards", level="Yes", overlap_id="snum")
    with pytest.raises(DesignError, match=r"compare_waves without level= .* works on the rows"):
        compare_waves(a, b, "api00")
    # with level= the independent-wave comparison only needs the two estimates
    mem = compare_waves(
        SurveyDesign(apistrat, weights="pw", strata="stype"),
        SurveyDesign(pd.concat(chunks[:2]), weights="pw", strata="stype"),
        "awards",
        level="Yes",
    )
    out = compare_waves(a, b, "awards", level="Yes")
    assert out.difference == pytest.approx(mem.difference, rel=1e-12)
    assert tuple(out.ci) == pytest.approx(tuple(mem.ci), rel=1e-9)


def test_streamed_checks_match_in_memory(apistrat):
    chunks = _chunks(apistrat, 2)
    with pytest.raises(DesignError, match=r"fpc \(fpc\) has the value -5\.0"):
        SurveyDesign(chunks, weights="pw", fpc=-5).mean("api00")
    with pytest.raises(DataError, match="variable 'nope' is not a column of the chunks"):
        SurveyDesign(chunks, weights="pw").mean("nope")
    holes = apistrat.assign(dnum=apistrat["dnum"].where(apistrat.index != 0))
    with pytest.raises(DesignError, match=r"cluster column 'dnum' has missing values \(rows \[0\]"):
        SurveyDesign(holes, cluster="dnum")
    with pytest.raises(DesignError, match=r"cluster column 'dnum' has missing values \(chunk 0"):
        SurveyDesign(_chunks(holes, 2), cluster="dnum").df


def test_weighting_column_checks():
    s = pd.DataFrame(
        {"h": ["a", "a", "b", "b"], "design_weight": [1.0, 2.0, 0.0, 1.0], "resp": [1, 0, 1, 1]}
    )
    with pytest.raises(DesignError, match="classes column 'zz' is not in the sample"):
        nonresponse_adjust(s.assign(design_weight=1.0), responded="resp", classes="zz")
    with pytest.raises(DesignError, match=r"weights column 'design_weight' has 1 non-positive"):
        nonresponse_adjust(s, responded="resp", classes="h")
    d = SurveyDesign(pd.DataFrame({"g": ["x", "y"] * 10, "y": np.arange(20.0)}))
    pop = pd.DataFrame({"group": ["x", "y"], "Freq": [10, 10]})
    with pytest.raises(DesignError, match="post-stratum column 'g' is not in the population"):
        post_stratify(d, "g", pop)


def test_key_index_sparse_equals_dense(monkeypatch):
    key = np.random.default_rng(3).integers(0, 500, 2000) * 7
    dense = key_index(key, 3500)
    monkeypatch.setattr(core, "_DENSE_LIMIT", 10)
    sparse = key_index(key, 3500)
    for a, b in zip(dense, sparse, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dense[0][dense[1]], key)
    assert (np.diff(dense[0]) > 0).all()

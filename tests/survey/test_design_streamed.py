"""Streamed SurveyDesign (chunks, Dask) equals the in-memory design (1e-9) on every design kind.

Both reduce their rows to the same per (unit, domain) cells and share one variance core
(satscore._survey.variance), so chunked and in-memory results must agree to rounding on
two-stage designs, lonely-PSU rules, certainty strata and FPC-derived weights too.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from satscore import SurveyDesign
from satscore.errors import DesignError

dd = importlib.import_module("dask.dataframe")  # test-group dependency: fail loudly if missing

RTOL = 1e-9


@pytest.fixture(scope="module")
def api(data_dir):
    out = {n: pd.read_csv(data_dir / f"{n}.csv") for n in ("apisrs", "apistrat", "apiclus2")}
    strat = out["apistrat"]
    k = strat.groupby("cname")["dnum"].transform("nunique")
    out["apistrat"] = strat.assign(fpc_cty=np.where(k == 1, 1, 2 * k))
    return out


TWO = {"cluster": ["dnum", "snum"], "fpc": ["fpc1", "fpc2"]}
DESIGNS = {
    "srs_fpc": ("apisrs", {"fpc": "fpc"}),
    "srs_weights_only": ("apisrs", {"weights": "pw"}),
    "srs_fpc_number": ("apisrs", {"weights": "pw", "fpc": 6194}),
    "two_stage": ("apiclus2", TWO),
    "two_stage_weights": ("apiclus2", {"weights": "pw", **TWO}),
    "two_stage_fractions": ("apiclus2", {"cluster": ["dnum", "snum"], "fpc": ["f1", "f2"]}),
    "ultimate_cluster": ("apiclus2", {"weights": "pw", "cluster": ["dnum", "snum"]}),
    "two_stage_strata_adjust": (
        "apiclus2",
        {"strata": "stype", "nest": True, "lonely_psu": "adjust", **TWO},
    ),
    "lonely_average": (
        "apistrat",
        {"weights": "pw", "strata": "cname", "cluster": "dnum", "lonely_psu": "average"},
    ),
    "lonely_adjust": (
        "apistrat",
        {"weights": "pw", "strata": "cname", "cluster": "dnum", "lonely_psu": "adjust"},
    ),
    "certainty_strata": (
        "apistrat",
        {"weights": "pw", "strata": "cname", "cluster": "dnum", "fpc": "fpc_cty"},
    ),
}


def _data(api, file):
    df = api[file]
    if file == "apiclus2":
        n2 = df.groupby("dnum")["snum"].transform("size")
        df = df.assign(f1=40 / df["fpc1"], f2=n2 / df["fpc2"])
    return df


def _chunks(df, k, seed=0):
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, len(df)), size=k - 1, replace=False))
    return [df.iloc[a:b] for a, b in zip([0, *cuts], [*cuts, len(df)], strict=True)]


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind in "fi":
            np.testing.assert_allclose(y.astype(float), x.astype(float), rtol=RTOL, atol=1e-12)
        else:
            assert [str(v) for v in x] == [str(v) for v in y], col


def _compare(mem, streamed):
    assert (streamed.df, streamed.n_psu, streamed.n_strata) == (mem.df, mem.n_psu, mem.n_strata)
    assert streamed.n_stages == mem.n_stages
    for name, args, kwargs in [
        ("mean", ("api00",), {}),
        ("mean", ("acs.k3",), {"deff": "replace"}),
        ("total", ("enroll",), {}),
        ("proportion", ("awards",), {"level": "Yes"}),
        ("proportion", ("awards",), {"level": "Yes", "method": "logit"}),
    ]:
        _same(getattr(mem, name)(*args, **kwargs).summary(),
              getattr(streamed, name)(*args, **kwargs).summary())  # fmt: skip
    for statistic, var, kw in [
        ("mean", "api00", {}),
        ("total", "enroll", {}),
        ("proportion", "awards", {"level": "Yes"}),
    ]:
        _same(mem.by("stype", var, statistic=statistic, **kw),
              streamed.by("stype", var, statistic=statistic, **kw))  # fmt: skip


@pytest.mark.parametrize("name", list(DESIGNS))
def test_chunked_design_equals_in_memory(name, api):
    file, kw = DESIGNS[name]
    df = _data(api, file)
    _compare(SurveyDesign(df, **kw), SurveyDesign(_chunks(df, 4, seed=len(name)), **kw))


@pytest.mark.parametrize("name", ["two_stage", "lonely_average", "srs_fpc"])
def test_dask_design_equals_in_memory(name, api):
    file, kw = DESIGNS[name]
    df = _data(api, file)
    _compare(SurveyDesign(df, **kw), SurveyDesign(dd.from_pandas(df, npartitions=3), **kw))


def test_streamed_design_errors(api):
    clus2 = api["apiclus2"]
    with pytest.raises(DesignError, match=r"cluster gives 2 stages .* but fpc only 1"):
        SurveyDesign(_chunks(clus2, 2), cluster=["dnum", "snum"], fpc="fpc1")
    lonely = SurveyDesign(_chunks(clus2, 3), strata="stype", nest=True, **TWO)
    with pytest.raises(DesignError, match=r"dnum 152 has a single sampled unit at stage 2"):
        lonely.mean("api00")
    bad = clus2.assign(fpc2=clus2["fpc2"] + np.arange(len(clus2)))
    with pytest.raises(DesignError, match=r"varies within first-stage cluster \(stage 2\)"):
        SurveyDesign(_chunks(bad, 3), **TWO).mean("api00")
    strat = api["apistrat"]
    with pytest.raises(
        DesignError, match=r"stratum 'Amador' has a single PSU \(lonely PSU; 16 such"
    ):
        SurveyDesign(_chunks(strat, 2), weights="pw", strata="cname", cluster="dnum").df

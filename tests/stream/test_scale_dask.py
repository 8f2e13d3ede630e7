"""Dask: summaries reduced over partitions on a local process cluster equal in-memory ones."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from satscore._stream.chunks import is_out_of_core, iter_chunks
from satscore._stream.reduce import reduce_summaries
from satscore._stream.summaries import CrossProducts, Moments
from satscore._survey.totals import DesignSpec, DesignTotals, design_estimates

dd = importlib.import_module("dask.dataframe")  # test-group dependency: fail loudly if missing
distributed = importlib.import_module(
    "distributed"
)  # test-group dependency: fail loudly if missing

ITEMS = ["A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5"]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=50,
    )
    cl = distributed.Client(cluster)
    yield cl
    cl.close()
    cluster.close()


@pytest.fixture(scope="module")
def bfi(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "bfi.csv")


def test_dask_cross_products_and_moments_on_process_cluster(client, bfi):
    ddf = dd.from_pandas(bfi, npartitions=5)
    assert is_out_of_core(ddf)
    cp = reduce_summaries(ddf, lambda c, i: CrossProducts.from_frame(c, ITEMS))
    x = bfi[ITEMS]
    assert np.allclose(cp.covariance().to_numpy(), x.cov().to_numpy(), rtol=1e-12, atol=1e-12)
    assert np.allclose(cp.correlation().to_numpy(), x.corr().to_numpy(), rtol=1e-12, atol=1e-12)
    m = reduce_summaries(ddf, lambda c, i: Moments.from_frame(c, ITEMS, by=["gender"])).sorted()
    ref = bfi.groupby("gender")[ITEMS].mean().to_numpy()
    assert np.allclose(m.mean, ref, rtol=1e-12, atol=0)


def test_dask_design_totals_equal_in_memory(client, data_dir):
    df = pd.read_csv(data_dir / "apiclus1.csv")
    spec = DesignSpec(weights="pw", cluster="dnum", fpc="fpc")

    def summarize(c, i):
        return DesignTotals.from_frame(c, spec, {"api00": c["api00"]}, domains=["stype"])

    ref = design_estimates(summarize(df, 0))
    out = design_estimates(reduce_summaries(dd.from_pandas(df, npartitions=4), summarize))
    for key in ("estimate", "var", "deff", "n_eff", "df_domain"):
        assert np.allclose(ref[key], out[key], rtol=1e-12, atol=0), key


def test_frames_with_unknown_divisions_are_read_in_full(bfi):
    ddf = dd.from_pandas(bfi, npartitions=2).clear_divisions()
    assert sum(len(c) for c in iter_chunks(ddf)) == len(bfi)


def test_dask_plan_quarterly_sample_partition_local(client):
    import satscore

    frame = satscore.load_example("customer_frame").iloc[:40_000]
    ddf = dd.from_pandas(frame, npartitions=4)
    ref = satscore.plan_quarterly_sample(frame, quarter="2026Q3", strata="segment")
    out = satscore.plan_quarterly_sample(ddf, quarter="2026Q3", strata="segment")
    pd.testing.assert_frame_equal(ref.allocation, out.allocation)
    assert out.sample.npartitions == ddf.npartitions  # selection per partition, no shuffle
    got = out.sample.compute().sort_values("customer_id").reset_index(drop=True)
    want = ref.sample.sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(want, got)


def test_dask_public_functions_equal_in_memory(client, data_dir):
    import satscore

    inst = satscore.load_instrument("bank_service")
    raw = satscore.load_example("bank_survey")
    survey = inst.validate(raw, on_invalid="coerce").data.reset_index(drop=True)
    ddf = dd.from_pandas(survey, npartitions=4)
    ref = satscore.score_survey(survey, inst, by="quarter").metrics
    out = satscore.score_survey(ddf, inst, by="quarter").metrics
    num = ref.select_dtypes("number").columns
    assert np.allclose(ref[num].to_numpy(float), out[num].to_numpy(float), rtol=1e-9, atol=0,
                       equal_nan=True)  # fmt: skip
    assert ref["verdict"].equals(out["verdict"])
    assert (ref["flag"].fillna("") == out["flag"].fillna("")).all()
    bfi = pd.read_csv(data_dir / "bfi.csv")
    items = ["A1", "A2", "A3", "A4", "A5"]
    dbfi = dd.from_pandas(bfi[items], npartitions=3)
    a, b = (
        satscore.cronbach_alpha(bfi[items], keys=["A1"]),
        satscore.cronbach_alpha(dbfi, keys=["A1"]),
    )
    assert abs(a.alpha - b.alpha) < 1e-12
    assert abs(a.items["raw_r"] - b.items["raw_r"]).max() < 1e-12
    pa, pb = satscore.polychoric(bfi[items]), satscore.polychoric(dbfi)
    assert np.allclose(pa.rho.to_numpy(), pb.rho.to_numpy(), rtol=0, atol=1e-12)
    hs = pd.read_csv(data_dir / "holzinger1939.csv")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    fa, fb = satscore.cfa(hs, model), satscore.cfa(dd.from_pandas(hs, npartitions=3), model)
    assert abs(fa.chi2 - fb.chi2) < 1e-8
    design = satscore.SurveyDesign(ddf, strata="branch")
    assert design.df == satscore.SurveyDesign(survey, strata="branch").df

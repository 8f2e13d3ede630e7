"""The one PRN selection routine: in memory, on chunks and on Dask partitions (no shuffle).

Oracle: brute force per stratum (``np.argsort`` of the shifted PRNs) on the whole frame.
"""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pandas as pd
import pytest

from satscore import plan_quarterly_sample
from satscore._sampling.selection import ArcSmallest, arc_smallest, k_smallest
from satscore._stats.prn import prn


def _frame(n, labels, seed):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"customer_id": [f"C{i:07d}" for i in range(n)], "branch": rng.choice(list(labels), n)}
    )


def _chunks(frame, n):
    bounds = np.linspace(0, len(frame), n + 1).astype(int)
    return [frame.iloc[a:b] for a, b in itertools.pairwise(bounds)]


def _brute_force_fixed(frame, plan):
    """Per stratum, the planned number of customers with the smallest (u - shift) mod 1."""
    u = np.mod(prn(frame["customer_id"], plan.salt) - plan.shift, 1.0)
    expected = set()
    for _, row in plan.allocation.iterrows():
        rows = np.flatnonzero(frame["branch"].to_numpy() == row["branch"])
        top = rows[np.argsort(u[rows])[: int(row["invite"])]]
        expected |= set(frame["customer_id"].to_numpy()[top])
    return expected


@pytest.mark.parametrize("n_chunks", [1, 5])
def test_fixed_selection_on_chunks_equals_brute_force(n_chunks):
    frame = _frame(20_000, "ABC", 8)
    kw = {"quarter": 7, "coverage": 0.002, "strata": "branch", "selection": "fixed", "salt": "q3"}
    plan = plan_quarterly_sample(_chunks(frame, n_chunks), **kw)
    sizes = plan.allocation.set_index("branch")["invite"]
    assert sizes.min() >= 1
    assert set(plan.sample["customer_id"]) == _brute_force_fixed(frame, plan)
    assert plan.sample.groupby("branch").size().to_dict() == sizes.to_dict()
    ref = plan_quarterly_sample(frame, **kw)
    pd.testing.assert_frame_equal(ref.allocation, plan.allocation)
    assert set(ref.sample["customer_id"]) == set(plan.sample["customer_id"])


def test_arc_summaries_merged_over_chunks_equal_the_whole_frame():
    rng = np.random.default_rng(3)
    n, g_n, k = 5000, 7, 40
    v = rng.random(n)
    v[rng.random(n) < 0.1] = np.inf  # excluded
    h = rng.integers(0, g_n, n)
    start = rng.random(g_n)
    start[2] = np.nan  # a stratum without top-up
    window = rng.uniform(0.0, 0.3, g_n)
    delta = np.full(g_n, 0.2)
    count, whole = arc_smallest(v, h, g_n, start, window, k, delta)
    keys = tuple((i,) for i in range(g_n))
    parts = []
    for idx in np.array_split(np.arange(n), 4):
        c, s = arc_smallest(v[idx], h[idx], g_n, start, window, k, delta)
        parts.append(ArcSmallest(("g",), keys, (np.dtype(int),), (), c, s))
    merged = parts[0].merge(parts[1]).merge(parts[2].merge(parts[3]))
    np.testing.assert_array_equal(merged.count, count)
    np.testing.assert_array_equal(merged.smallest, whole)
    assert count[2] == 0
    assert np.isinf(whole[2]).all()
    for g in range(g_n):  # brute force of one stratum
        if np.isnan(start[g]):
            continue
        ok = (h == g) & np.isfinite(v) & (v >= window[g])
        d = np.mod(v[ok] - start[g], 1.0)
        d = np.sort(d[d < delta[g]])
        assert count[g] == d.size
        np.testing.assert_array_equal(whole[g, : min(k, d.size)], d[:k])


@pytest.mark.parametrize(("n", "g_n", "k"), [(3000, 5, 50), (3000, 400, 3), (10, 3, 0)])
def test_k_smallest_both_strategies_equal_brute_force(n, g_n, k):
    rng = np.random.default_rng(n + g_n)
    values = rng.random(n)
    codes = rng.integers(0, g_n, n)
    got = k_smallest(values, codes, g_n, k)
    assert got.shape == (g_n, k)
    for g in range(g_n):
        want = np.sort(values[codes == g])[:k]
        np.testing.assert_array_equal(got[g, : want.size], want)
        assert np.isinf(got[g, want.size :]).all()


def test_dask_fixed_selection_is_partition_local_and_equals_brute_force():
    dd = importlib.import_module("dask.dataframe")  # test-group dependency
    distributed = importlib.import_module("distributed")
    frame = _frame(10_000, "XYZ", 2)
    ddf = dd.from_pandas(frame, npartitions=6)
    kw = {"quarter": 3, "coverage": 0.003, "strata": "branch", "selection": "fixed", "salt": "s"}
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
        silence_logs=50,
    )  # fmt: skip
    with cluster, distributed.Client(cluster):
        plan = plan_quarterly_sample(ddf, **kw)
        assert plan.sample.npartitions == ddf.npartitions  # partition-local: no shuffle
        sample = plan.sample.compute()
    assert set(sample["customer_id"]) == _brute_force_fixed(frame, plan)
    ref = plan_quarterly_sample(frame, **kw)
    pd.testing.assert_frame_equal(ref.allocation, plan.allocation)

"""Mergeable summaries and the chunk adapter: chunked results equal in-memory ones (1e-9).

Oracles: pandas ``DataFrame.cov``/``corr`` (pairwise-complete, = R ``cov``/``cor(use =
"pairwise")``), ``pd.crosstab``, satscore's in-memory aggregation (``_metrics``) and
``SurveyDesign.domain_means``, and R survey 4.1 (``svymean``) from ``reference_R.json``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from satscore import SurveyDesign
from satscore._io.chunk_files import read_chunks
from satscore._scoring.metrics import category_values
from satscore._stats import grouped as M
from satscore._stream.chunks import is_out_of_core, iter_chunks
from satscore._stream.reduce import reduce_summaries
from satscore._stream.summaries import (
    CategoryCounts,
    ContingencyTables,
    CrossProducts,
    Moments,
    merge_all,
)
from satscore._survey.totals import DesignSpec, DesignTotals, design_estimates
from satscore.errors import ChunkError, DataError, DesignError, SatscoreTypeError

TOL = 1e-9
ITEMS = ["A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5"]


@pytest.fixture(scope="module")
def bfi(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "bfi.csv")


def _split(n: int, k: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, n), size=k - 1, replace=False))
    return np.split(np.arange(n), cuts)


def _chunks(frame: pd.DataFrame, k: int, seed: int = 0) -> list[pd.DataFrame]:
    return [frame.iloc[idx] for idx in _split(len(frame), k, seed)]


def _close(a, b, tol=TOL) -> bool:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    same_nan = np.array_equal(np.isnan(a), np.isnan(b))
    return same_nan and bool(np.nanmax(np.abs(a - b) / np.maximum(1.0, np.abs(a)), initial=0) < tol)


# ----------------------------------------------------------------------------- cross-products
def test_pairwise_covariance_and_correlation_match_pandas(bfi):
    x = bfi[ITEMS]
    cp = reduce_summaries(_chunks(bfi, 7), lambda c, i: CrossProducts.from_frame(c, ITEMS))
    assert _close(x.cov(), cp.covariance())
    assert _close(x.corr(), cp.correlation())
    mask = x.notna().to_numpy(float)
    assert np.array_equal(cp.counts(), mask.T @ mask)
    assert _close(x.mean(), cp.means())


def test_listwise_cross_products_match_complete_cases(bfi):
    x = bfi[ITEMS]
    cp = merge_all([CrossProducts.from_frame(c, ITEMS, listwise=True) for c in _chunks(bfi, 5)])
    complete = x.dropna()
    assert int(cp.counts()[0, 0]) == len(complete)
    assert _close(complete.cov(), cp.covariance())
    assert _close(complete.cov(ddof=0), cp.covariance(ddof=0))
    assert _close(complete.mean(), cp.means())


def test_cross_products_by_group_match_groupby(bfi):
    cp = merge_all(
        [CrossProducts.from_frame(c, ITEMS[:5], by=["gender"]) for c in _chunks(bfi, 4)]
    ).sorted()
    assert cp.segments()["gender"].tolist() == [1, 2]
    for g, (_, part) in enumerate(bfi.groupby("gender")):
        assert _close(part[ITEMS[:5]].cov(), cp.covariance(g))


def test_large_offset_is_numerically_stable():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(1e8 + rng.normal(size=(3000, 3)), columns=list("abc"))
    cp = merge_all([CrossProducts.from_frame(c) for c in _chunks(x, 9)])
    assert _close(x.cov(), cp.covariance(), tol=1e-7)
    m = merge_all([Moments.from_frame(c, list("abc")) for c in _chunks(x, 9)])
    assert _close(x.var(ddof=0).to_numpy(), m.m2[0] / m.n[0], tol=1e-7)


# ----------------------------------------------------------------------------- counts, moments
@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 4000
    df = pd.DataFrame(rng.integers(1, 6, size=(n, 4)).astype(float), columns=list("pqrs"))
    df = df.mask(rng.random(df.shape) < 0.1)
    df.loc[rng.random(n) < 0.02, "p"] = 99.0  # a missing code: not a valid answer
    df["branch"] = rng.choice(["north", "south", "east"], n)
    df["quarter"] = rng.choice(["2026Q1", "2026Q2"], n)
    df.loc[rng.random(n) < 0.01, "branch"] = None
    df["w"] = rng.gamma(2.0, 1.5, n)
    return df


@pytest.mark.parametrize("weights", [None, "w"])
def test_category_counts_match_in_memory(survey, weights):
    by = ["branch", "quarter"]
    codes = dict.fromkeys("pqrs", (1, 2, 3, 4, 5))
    cc = merge_all(
        [
            CategoryCounts.from_frame(c, codes, by=by, weights=weights)
            for c in _chunks(survey, 6, seed=2)
        ]
    ).sorted()
    seg, segments = M.segment_codes(survey, by)
    pd.testing.assert_frame_equal(cc.segments(), segments)
    w = None if weights is None else survey["w"].to_numpy()
    z = category_values("top_box", (1, 2, 3, 4, 5), (4, 5))
    for col in "pqrs":
        ref = M.category_counts(survey[col].to_numpy(float), codes[col], seg, len(segments), w)
        assert np.array_equal(ref[0], cc.item_counts(col))
        if weights:
            assert _close(ref[1], cc.item_counts(col, "wsum"))
            assert _close(ref[2], cc.item_counts(col, "wsq"))
        a, b = M.aggregate_counts(*ref[:1], z, *ref[1:]), cc.aggregate(col, z)
        for field in ("n", "sum_w", "estimate", "var", "n_eff"):
            assert _close(getattr(a, field), getattr(b, field))


@pytest.mark.parametrize("weights", [None, "w"])
def test_moments_match_in_memory_moments(survey, weights):
    by = ["branch"]
    chunks = _chunks(survey, 8, seed=4)
    m = merge_all([Moments.from_frame(c, list("qrs"), by=by, weights=weights) for c in chunks])
    m = m.sorted()
    seg, segments = M.segment_codes(survey, by)
    w = None if weights is None else survey["w"].to_numpy()
    for j, col in enumerate("qrs"):
        a = M.moments_aggregate(
            *M.value_moments(survey[col].to_numpy(float), seg, len(segments), w)
        )
        b = m.aggregate(j)
        for field in ("n", "sum_w", "estimate", "var", "n_eff"):
            assert _close(getattr(a, field), getattr(b, field)), (col, field)


def test_contingency_tables_match_crosstab(bfi):
    cols = ITEMS[:4]
    t = merge_all([ContingencyTables.from_frame(c, cols) for c in _chunks(bfi, 6)])
    for a in cols:
        for b in cols:
            ca, cb, tab = t.pair(a, b)
            ref = pd.crosstab(bfi[a], bfi[b])
            assert list(ca) == [float(v) for v in ref.index]
            assert list(cb) == [float(v) for v in ref.columns]
            if a != b:
                assert np.array_equal(tab, ref.to_numpy())
        _, counts = t.marginal(a)
        assert np.array_equal(counts, bfi[a].value_counts().sort_index().to_numpy())


def test_contingency_merge_unions_categories():
    a = pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 1.0]})
    b = pd.DataFrame({"x": [3.0, 1.0], "y": [2.0, 1.0]})
    t = ContingencyTables.from_frame(a) + ContingencyTables.from_frame(b)
    ca, cb, tab = t.pair("x", "y")
    assert ca == (1.0, 2.0, 3.0)
    assert cb == (1.0, 2.0)
    assert tab.tolist() == [[2, 0], [1, 0], [0, 1]]


# ----------------------------------------------------------------------------- design totals
DESIGNS = [
    ("apistrat.csv", {"weights": "pw", "strata": "stype", "fpc": "fpc"}, ["awards"]),
    ("apiclus1.csv", {"weights": "pw", "cluster": "dnum", "fpc": "fpc"}, ["stype"]),
    ("apiclus1.csv", {"cluster": "dnum", "fpc": "fpc"}, []),
    ("apistrat.csv", {"strata": "stype", "fpc": "fpc"}, ["awards", "sch.wide"]),
    ("apistrat.csv", {"weights": "pw"}, ["stype"]),
]


def _spec(kw: dict, lonely: str = "fail") -> DesignSpec:
    strata = kw.get("strata")
    return DesignSpec(
        weights=kw.get("weights"),
        strata=() if strata is None else (strata,) if isinstance(strata, str) else tuple(strata),
        cluster=kw.get("cluster"),
        fpc=kw.get("fpc"),
        lonely_psu=lonely,
    )


@pytest.mark.parametrize(("file", "kw", "dom"), DESIGNS)
def test_design_totals_match_survey_design(data_dir, file, kw, dom):
    df = pd.read_csv(data_dir / file)
    rng = np.random.default_rng(5)
    y = df[["api00", "enroll"]].to_numpy(float)
    y[rng.random(y.shape) < 0.1] = np.nan
    design = SurveyDesign(df, **kw)
    codes = df.groupby(dom, sort=True).ngroup().to_numpy() if dom else None
    ref = design.domain_means(y, domains=codes)
    tot = merge_all(
        [
            DesignTotals.from_frame(
                df.iloc[i], _spec(kw), {"api00": y[i, 0], "enroll": y[i, 1]}, domains=dom
            )
            for i in _split(len(df), 5, 1)
        ]
    )
    out = design_estimates(tot)
    for key in ("estimate", "n", "deff", "sum_w", "n_eff", "df_domain", "n_rows"):
        assert _close(ref[key], out[key]), key
    assert _close(ref["se"], np.sqrt(out["var"]))
    assert out["df"] == ref["df"]


@pytest.mark.parametrize("rule", ["adjust", "average", "remove"])
def test_design_totals_lonely_psu_rules(data_dir, rule):
    df = pd.read_csv(data_dir / "apistrat.csv")
    df["h"] = df["stype"].where(df.index > 0, "lonely")
    ref = SurveyDesign(df, weights="pw", strata="h", lonely_psu=rule).by("stype", "api00")
    tot = merge_all(
        [
            DesignTotals.from_frame(
                c,
                _spec({"weights": "pw", "strata": "h"}, rule),
                {"api00": c["api00"].to_numpy(float)},
                domains=["stype"],
            )
            for c in _chunks(df, 3)
        ]
    )
    out = design_estimates(tot)
    assert _close(ref["se"].to_numpy(), np.sqrt(out["var"][:, 0]))
    with pytest.raises(DesignError, match="stratum 'lonely' has a single PSU"):
        design_estimates(
            merge_all(
                [
                    DesignTotals.from_frame(
                        c, _spec({"weights": "pw", "strata": "h"}), {"api00": c["api00"]}
                    )
                    for c in _chunks(df, 3)
                ]
            )
        )


def test_design_totals_match_R_svymean(data_dir, reference_r):
    # R survey 4.1: svymean(~api00, svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc,
    # data=apistrat)) -- stored by tests/data/make_reference.R
    df = pd.read_csv(data_dir / "apistrat.csv")
    spec = _spec({"weights": "pw", "strata": "stype", "fpc": "fpc"})
    tot = merge_all(
        [DesignTotals.from_frame(c, spec, {"api00": c["api00"]}) for c in _chunks(df, 4)]
    )
    out = design_estimates(tot)
    ref = reference_r["apistrat_mean_api00"]
    assert abs(out["estimate"][0, 0] - np.ravel(ref["mean"])[0]) < 1e-6
    assert abs(np.sqrt(out["var"][0, 0]) - np.ravel(ref["se"])[0]) < 1e-6


def test_design_totals_errors(data_dir):
    df = pd.read_csv(data_dir / "apistrat.csv")
    bad = df.assign(pw=df["pw"].where(df.index != 3, -1.0))
    with pytest.raises(DesignError, match=r"weights column 'pw' .* chunk 0 \(rows \[3\]"):
        DesignTotals.from_frame(bad, DesignSpec(weights="pw"), {"api00": bad["api00"]})
    with pytest.raises(DesignError, match="design column 'zz' is not in chunk 2"):
        DesignTotals.from_frame(
            df, DesignSpec(weights="zz"), {"api00": df["api00"]}, chunk_number=2
        )
    varying = df.assign(fpc=df["fpc"] + np.arange(len(df)))
    tot = DesignTotals.from_frame(
        varying, _spec({"strata": "stype", "fpc": "fpc"}), {"api00": df["api00"]}
    )
    with pytest.raises(DesignError, match=r"fpc .* varies within stratum"):
        design_estimates(tot)


# ----------------------------------------------------------------------------- chunk adapter
def test_iter_chunks_sources_agree(tmp_path, bfi):
    csv = tmp_path / "bfi.csv"
    pq = tmp_path / "bfi.parquet"
    bfi.to_csv(csv, index=False)
    bfi.to_parquet(pq, row_group_size=700)

    def summarize(c, i):
        return CrossProducts.from_frame(c, ITEMS)

    ref = CrossProducts.from_frame(bfi, ITEMS)
    for src in (
        bfi,
        _chunks(bfi, 3),
        iter(_chunks(bfi, 3)),
        pd.read_csv(csv, chunksize=500),
        read_chunks(csv, chunksize=800),
        read_chunks(pq, chunksize=600, columns=ITEMS),
    ):
        assert is_out_of_core(src) is not isinstance(src, pd.DataFrame)
        out = reduce_summaries(src, summarize)
        assert _close(ref.covariance(), out.covariance())


def test_is_out_of_core_classifies():
    df = pd.DataFrame({"x": [1.0]})
    assert not is_out_of_core(df)
    assert not is_out_of_core(np.zeros((2, 2)))
    assert not is_out_of_core("file.csv")
    assert is_out_of_core([df])
    assert is_out_of_core(c for c in [df])


def test_chunk_errors_name_chunk_and_column():
    a = pd.DataFrame({"x": [1.0, 2.0], "g": ["a", "b"]})
    renamed = a.rename(columns={"x": "y"})
    with pytest.raises(ChunkError, match=r"chunk 2 has column 'y' not in chunk 0"):
        list(iter_chunks([a, a, renamed]))
    with pytest.raises(ChunkError, match=r"chunk 1 has no column 'g'"):
        list(iter_chunks([a, a[["x"]]]))
    with pytest.raises(ChunkError, match="different order"):
        list(iter_chunks([a, a[["g", "x"]]]))
    text = a.assign(x=["1", "2"])
    with pytest.raises(ChunkError, match=r"chunk 1 column 'x' has dtype .*numeric"):
        list(iter_chunks([a, text]))
    with pytest.raises(ChunkError, match="yielded no chunks"):
        list(iter_chunks(iter([])))
    with pytest.raises(ChunkError, match=r"chunk 0 has no column 'z'"):
        list(iter_chunks([a], columns=["z"]))
    with pytest.raises(SatscoreTypeError, match="chunk 1 is a list"):
        list(iter_chunks([a, [1, 2]]))
    with pytest.raises(SatscoreTypeError, match="read_chunks"):
        iter_chunks("responses.csv")


def test_compatible_dtypes_are_accepted():
    a = pd.DataFrame({"x": [1, 2], "g": ["a", "b"]})
    b = pd.DataFrame({"x": [1.5, np.nan], "g": [np.nan, np.nan]})  # int->float, all-NaN text
    assert [len(c) for c in iter_chunks([a, b])] == [2, 2]


def test_merge_rejects_incompatible_summaries(bfi):
    a = CrossProducts.from_frame(bfi, ITEMS[:3])
    with pytest.raises(DataError, match="different columns"):
        a.merge(CrossProducts.from_frame(bfi, ITEMS[1:4]))
    with pytest.raises(DataError, match="different listwise"):
        a.merge(CrossProducts.from_frame(bfi, ITEMS[:3], listwise=True))
    with pytest.raises(SatscoreTypeError, match="cannot merge a CrossProducts with a Moments"):
        a.merge(Moments.from_frame(bfi, ITEMS[:3]))
    with pytest.raises(DataError, match="weighted and unweighted"):
        Moments.from_frame(bfi, ["A1"], weights="age").merge(Moments.from_frame(bfi, ["A1"]))


def test_summaries_do_not_mutate_input(survey):
    before = survey.copy()
    Moments.from_frame(survey, ["p"], by=["branch"], weights="w")
    CrossProducts.from_frame(survey, list("pqrs"), by=["branch"])
    CategoryCounts.from_frame(survey, {"p": (1, 2, 3, 4, 5)}, by=["branch"])
    pd.testing.assert_frame_equal(survey, before)


# ----------------------------------------------------------------------------- properties
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=0, max_value=10_000),
)
def test_property_any_chunking_gives_the_same_numbers(survey, k, seed):
    chunks = _chunks(survey, k, seed)
    cols = list("pqrs")
    cp = merge_all([CrossProducts.from_frame(c, cols, by=["quarter"]) for c in chunks]).sorted()
    ref = CrossProducts.from_frame(survey, cols, by=["quarter"])
    for g in range(2):
        assert _close(ref.covariance(g), cp.covariance(g))
        assert _close(ref.correlation(g), cp.correlation(g))
    m = merge_all([Moments.from_frame(c, cols, by=["branch"], weights="w") for c in chunks])
    m0 = Moments.from_frame(survey, cols, by=["branch"], weights="w")
    m, m0 = m.sorted(), m0.sorted()
    assert m.keys == m0.keys
    assert _close(m.mean, m0.mean)
    assert _close(m.m2, m0.m2)


# ----------------------------------------------------------------------------- planning, tables
@pytest.fixture(scope="module")
def customer_frame() -> pd.DataFrame:
    import satscore

    return satscore.load_example("customer_frame").iloc[:60_000]


@pytest.mark.parametrize(
    "kw",
    [
        {"strata": "segment", "min_respondents": 100},
        {"strata": ["segment", "channel"], "selection": "fixed"},
        {"strata": "segment", "min_respondents": 400, "exclude": "first5000"},
    ],
)
def test_plan_streamed_equals_in_memory_plan(customer_frame, kw):
    import satscore

    kw = dict(kw)
    if kw.get("exclude") == "first5000":
        kw["exclude"] = customer_frame["customer_id"].iloc[:5000]
    ref = satscore.plan_quarterly_sample(customer_frame, quarter="2026Q3", **kw)
    out = satscore.plan_quarterly_sample(_chunks(customer_frame, 6), quarter="2026Q3", **kw)
    pd.testing.assert_frame_equal(ref.allocation, out.allocation)
    key = ref.id_column
    pd.testing.assert_frame_equal(
        ref.sample.sort_values(key).reset_index(drop=True),
        out.sample.sort_values(key).reset_index(drop=True),
    )
    assert ref.caveats == out.caveats


def test_polychoric_tables_equal_in_memory_tables(bfi):
    from satscore._psychometrics.polychoric import _codes, _tables
    from satscore._psychometrics.streamed import polychoric_tables

    items = bfi.columns[:10].tolist()
    _, codes, m = _codes(bfi[items], 8)
    names, table, n, m2 = polychoric_tables(_chunks(bfi[items], 5), 8)
    assert (names, n, m2) == (items, len(bfi), m)
    assert np.array_equal(_tables(codes, m), table)
    bad = bfi[items].assign(A1=bfi["A1"] + 0.5)
    with pytest.raises(DataError, match=r"item 'A1' has non-integer answers \(chunk 0\)"):
        polychoric_tables(_chunks(bad, 2), 8)


def test_function_sources_can_be_read_twice(bfi):
    from satscore._stream.chunks import is_reiterable

    def source():
        return iter(_chunks(bfi[ITEMS], 3))

    assert is_reiterable(source)
    assert is_reiterable(_chunks(bfi, 2))
    assert not is_reiterable(source())
    a = reduce_summaries(source, lambda c, i: CrossProducts.from_frame(c))
    b = reduce_summaries(source, lambda c, i: CrossProducts.from_frame(c))
    assert np.array_equal(a.cp, b.cp)
    with pytest.raises(SatscoreTypeError, match="must return a DataFrame or an iterable"):
        list(iter_chunks(lambda: "file.csv"))

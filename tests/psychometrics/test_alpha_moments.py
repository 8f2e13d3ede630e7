"""The fast paths of alpha's moment pass (``satscore._psychometrics.alpha_moments``) vs float64.

Every path (complete data: X'X + int8 counts, exact float32 codes for integer dtypes;
missing data: exact int8 codes in float32 blocks, float64 blocks for wide codes, float64
about a centre for non-integer or out-of-int8 answers; the two-thread split; chunk
merges; any memory order or strided view) must give the pairwise counts, means,
covariances and answer counts of a direct per-pair float64 computation (masked arrays /
pandas ``cov(min_periods=2)``) to 1e-12.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satscore import cronbach_alpha
from satscore._psychometrics import alpha_moments as am
from satscore._psychometrics.alpha_moments import array_moments
from satscore._psychometrics.alpha_totals import SPLIT, total_sums

RTOL = 1e-12
BFI = Path(__file__).parents[1] / "data" / "bfi.csv"


def brute(X: np.ndarray) -> dict[str, np.ndarray]:
    """Per pair, over the rows where both are present: count, mean of i, covariance."""
    k = X.shape[1]
    n = np.zeros((k, k))
    mean = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(k):
            both = ~np.isnan(X[:, i]) & ~np.isnan(X[:, j])
            n[i, j] = both.sum()
            if both.any():
                mean[i, j] = X[both, i].mean()
    cov = pd.DataFrame(X).cov(min_periods=2).to_numpy()
    return {"n": n, "mean": mean, "cov": cov}


def derived(m: am.ItemMoments) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = m.centre[:, None] + m.s / m.n
        cov = (m.cross - m.s * m.s.T / m.n) / (m.n - 1)
    return {
        "n": m.n,
        "mean": np.where(m.n > 0, mean, np.nan),
        "cov": np.where(m.n >= 2, cov, np.nan),
    }


def counts(m: am.ItemMoments, X: np.ndarray) -> None:
    for j in range(X.shape[1]):
        col = X[:, j][~np.isnan(X[:, j])]
        v, c = np.unique(col, return_counts=True)
        if v.size > am.MAX_VALUES:
            assert m.values[j] is None
        else:
            np.testing.assert_array_equal(m.values[j], v)
            np.testing.assert_array_equal(m.counts[j], c)
        if col.size:
            assert (m.lo[j], m.hi[j]) == (col.min(), col.max())


def check(X: np.ndarray, *, split: bool = True, integral: bool | None = None) -> am.ItemMoments:
    m = array_moments(X, [f"x{i}" for i in range(X.shape[1])], split=split)
    ref, got = brute(X), derived(m)
    np.testing.assert_array_equal(got["n"], ref["n"])
    scale = np.nanmax(np.abs(X)) if np.isfinite(X).any() else 1.0
    np.testing.assert_allclose(got["mean"], ref["mean"], rtol=RTOL, atol=RTOL * scale)
    np.testing.assert_allclose(got["cov"], ref["cov"], rtol=RTOL, atol=RTOL * scale**2)
    counts(m, X)
    assert m.rows == X.shape[0]
    if integral is not None:
        assert m.integral is integral
    return m


def likert(n: int, k: int, seed: int, missing: float = 0.0, lo: int = 1, hi: int = 5):
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n, 1))
    z = 0.6 * f + 0.8 * rng.standard_normal((n, k))
    X = np.clip(np.round(z * (hi - lo) / 4 + (lo + hi) / 2), lo, hi)
    if missing:
        X[rng.random(X.shape) < missing] = np.nan
    return X


@pytest.mark.parametrize("n", [1, 2, 3, 4095, 4097, 8193])
def test_block_boundaries_and_odd_rows_missing(n):
    check(likert(n, 6, n, missing=0.1), integral=True)


@pytest.mark.parametrize("n", [1, 3, 1001, 1002])
def test_complete_int_codes_odd_and_even_rows(n):
    check(likert(n, 5, n), integral=True)


def test_two_thread_split_equals_one_pass_exactly():
    X = likert(SPLIT + 3, 4, 7, missing=0.05)
    a = array_moments(X, list("abcd"), split=True)
    b = array_moments(X, list("abcd"), split=False)
    for f in ("n", "s", "ss", "cross"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))  # exact integer sums
    check(X[:5000])
    complete = likert(SPLIT + 1, 3, 8)
    a = array_moments(complete, list("abc"), split=True)
    b = array_moments(complete, list("abc"), split=False)
    np.testing.assert_array_equal(a.cross, b.cross)
    assert [c.tolist() for c in a.counts] == [c.tolist() for c in b.counts]


def test_all_missing_pair_and_all_missing_column():
    X = likert(40, 4, 1)
    X[:20, 0] = np.nan
    X[20:, 1] = np.nan  # items 0 and 1 never answered together
    m = check(X, integral=True)
    assert m.n[0, 1] == 0
    X[:, 3] = np.nan
    m = check(X)
    assert m.n[3, 3] == 0
    assert m.values[3].size == 0
    assert (m.lo[3], m.hi[3]) == (np.inf, -np.inf)


def test_negative_codes_and_minus_128_with_and_without_missing():
    X = likert(500, 4, 2, lo=-128, hi=-124)
    assert (X == -128).any()
    # complete: the pass cannot tell -128 from a wrapped 128 and takes the float64 path
    check(X, integral=False)
    X[::7, 1] = np.nan
    check(X, integral=True)  # missing: every cell is compared, -128 is exact


@pytest.mark.parametrize("missing", [0.0, 0.1])
def test_values_outside_int8_range(missing):
    X = likert(700, 4, 3, missing=missing, lo=100, hi=140)
    X[0, 0] = 128.0  # wraps to -128 in int8
    check(X, integral=False)
    X = likert(700, 4, 4, missing=missing, lo=1000, hi=1004)
    check(X, integral=False)


@pytest.mark.parametrize("missing", [0.0, 0.1])
def test_non_integer_values(missing):
    X = likert(600, 5, 5, missing=missing) + 0.5
    X[3, 2] = 2.25
    check(X, integral=False)
    Y = likert(600, 5, 6, missing=missing)
    Y[10, 0] += 1e-9  # one barely non-integer answer
    check(Y)


def test_wide_codes_use_float64_blocks():
    X = likert(9000, 4, 9, missing=0.1, lo=-127, hi=127)  # 127**2 * 4096 > 2**24
    check(X, integral=True)


def test_huge_offset_is_centred():
    rng = np.random.default_rng(11)
    X = 1e7 + rng.standard_normal((300, 3))
    check(X)
    X[::5, 0] = np.nan
    check(X)


def test_merge_of_chunks_equals_whole():
    X = likert(3000, 5, 12, missing=0.08)
    X[:50, 2] += 0.5  # one chunk goes the float64 way, centred differently
    cols = list("abcde")
    parts = [X[:50], X[50:1234], X[1234:1235], X[1235:]]
    merged = array_moments(parts[0], cols)
    for p in parts[1:]:
        merged = merged.merge(array_moments(p, cols))
    whole = array_moments(X, cols)
    a, b = derived(merged.recentred(whole.centre)), derived(whole)
    np.testing.assert_array_equal(a["n"], b["n"])
    np.testing.assert_allclose(a["cov"], b["cov"], rtol=RTOL)
    np.testing.assert_allclose(a["mean"], b["mean"], rtol=RTOL)
    counts(merged, X)


def test_total_sums_match_direct_computation():
    X = likert(5000, 5, 13, missing=0.1)
    sign = np.array([1.0, -1, 1, 1, -1])
    centre = np.array([3.0, 3, 2, 3, 4])
    flip = 6.0
    offset = np.where(sign < 0, flip - centre, centre) - 2.5
    X[7] = np.nan  # a row without answers is not scored
    tot = total_sums(X, sign, offset, centre)
    keyed = np.where(sign < 0, flip - X, X)
    answered = (~np.isnan(X)).sum(axis=1)
    t = np.where(answered > 0, np.nansum(keyed, axis=1) / np.maximum(answered, 1) - 2.5, 0.0)
    for j in range(5):
        p = ~np.isnan(X[:, j])
        assert tot.st[j] == pytest.approx(t[p].sum(), rel=RTOL)
        assert tot.stt[j] == pytest.approx((t[p] ** 2).sum(), rel=RTOL)
        assert tot.stz[j] == pytest.approx((t[p] * (X[p, j] - centre[j])).sum(), rel=RTOL)
    assert tot.count == int((answered > 0).sum()) < 5000
    assert tot.tsq == pytest.approx((t * t).sum(), rel=RTOL)
    assert tot.tsum == pytest.approx(t.sum(), rel=RTOL)


def test_alpha_on_each_path_equals_alpha_from_pandas_cov():
    """cronbach_alpha's raw alpha from the fast paths equals the psych formula on pandas' cov."""
    cases = {
        "int_missing": likert(5000, 5, 20, missing=0.05),
        "int_complete": likert(5000, 5, 21),
        "non_integer": likert(5000, 5, 22, missing=0.05) + 0.25,
        "outside_int8": likert(5000, 5, 23, lo=200, hi=204),
    }
    for name, X in cases.items():
        C = pd.DataFrame(X).cov(min_periods=2).to_numpy()
        k = C.shape[0]
        expected = k / (k - 1) * (1 - np.trace(C) / C.sum())
        assert cronbach_alpha(X).alpha == pytest.approx(expected, rel=1e-12), name


def test_caller_array_is_not_modified():
    X = likert(5000, 4, 30, missing=0.1)
    before = X.copy()
    array_moments(X, list("abcd"))
    cronbach_alpha(X, missing="listwise")
    cronbach_alpha(X)
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize(
    ("n", "sign"),
    [(3001, [1.0, -1, 1, 1, -1]), (3001, [1.0] * 5), (SPLIT + 1, [1.0, -1, 1, 1, -1])],
)
def test_totals_gathered_in_the_pass_equal_the_second_pass(n, sign):
    X = likert(n, 5, 14, missing=0.1)
    X[5] = np.nan  # a row without answers
    sign = np.array(sign)
    m = array_moments(X, list("abcde"), sign=sign)
    assert m.totals is not None
    centre = np.array([3.0, 3, 2, 3, 4])
    flip, shift = 6.0, 2.5
    n_i = np.diag(m.n)
    xsum = m.centre * n_i + np.diag(m.s)
    got = m.totals.finish(flip, shift, centre, n_i, xsum)
    ref = total_sums(X, sign, np.where(sign < 0, flip - centre, centre) - shift, centre)
    for f in ("st", "stt", "stz", "tsum", "tsq"):  # sums of 2e5 terms about other shifts
        np.testing.assert_allclose(getattr(got, f), getattr(ref, f), rtol=1e-10)
    assert got.count == ref.count
    other = array_moments(X[:100], list("abcde"), sign=-sign)
    assert m.merge(other).totals is None  # different keys: not mergeable, second pass
    assert array_moments(X + 0.5, list("abcde"), sign=sign).totals is None  # non-integer


def test_without_pairwise_correlations_only_the_diagonal_of_ss_is_formed():
    X = likert(5001, 5, 15, missing=0.1)
    full = array_moments(X, list("abcde"), pairwise_r=True)
    lean = array_moments(X, list("abcde"), pairwise_r=False)
    for f in ("n", "s", "cross"):
        np.testing.assert_array_equal(getattr(lean, f), getattr(full, f))
    np.testing.assert_array_equal(np.diag(lean.ss), np.diag(full.ss))
    off = ~np.eye(5, dtype=bool)
    assert np.isnan(lean.ss[off]).all()
    assert not np.isnan(full.ss).any()
    np.testing.assert_array_equal(lean.merge(full).n, 2 * full.n)  # merge keeps what is known


@pytest.mark.parametrize("missing", [0.0, 0.05])
def test_memory_order_and_input_type_do_not_change_results(missing):
    X = likert(SPLIT + 11, 6, 16, missing=missing)
    frame = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(6)])
    ref = cronbach_alpha(frame)
    for data in (np.ascontiguousarray(X), np.asfortranarray(X)):
        res = cronbach_alpha(data)
        assert res.alpha == pytest.approx(ref.alpha, rel=1e-12)
        assert res.sd == pytest.approx(ref.sd, rel=1e-12)
        pd.testing.assert_frame_equal(res.items, ref.items, rtol=1e-12)


def test_infinite_answers_are_a_typed_error_naming_the_column():
    from satscore.errors import DataError

    X = pd.DataFrame(likert(300, 4, 17), columns=list("abcd"))
    X.loc[100, "c"] = np.inf
    with pytest.raises(DataError, match="column 'c' of data has infinite values"):
        cronbach_alpha(X)
    X.loc[5, "a"] = np.nan
    with pytest.raises(DataError, match="column 'c' of data has infinite values"):
        cronbach_alpha(X)


def test_empty_listwise_chunk_merges():
    X = likert(50, 3, 18, missing=0.0)
    empty = array_moments(X[:0], list("abc"))
    whole = array_moments(X, list("abc"))
    merged = empty.merge(whole)
    np.testing.assert_array_equal(merged.cross, whole.cross)
    assert [c.tolist() for c in merged.counts] == [c.tolist() for c in whole.counts]


@pytest.mark.parametrize(
    ("lo", "hi", "dtype"),
    [(1, 5, np.int64), (-127, 127, np.int32), (0, 3, np.uint8), (0, 300, np.int64)],
)
def test_integer_dtypes_equal_float_answers(lo, hi, dtype):
    """Integer frames take the int8-code path (float32 Gram on exact codes) when in range."""
    X = likert(SPLIT + 5 if hi == 5 else 3000, 5, 19, lo=lo, hi=hi)
    cols = [f"q{i}" for i in range(5)]
    ref = cronbach_alpha(pd.DataFrame(X, columns=cols), keys=["q2"], scale_range=(lo, hi))
    res = cronbach_alpha(
        pd.DataFrame(X.astype(dtype), columns=cols), keys=["q2"], scale_range=(lo, hi)
    )
    assert res.alpha == pytest.approx(ref.alpha, rel=1e-12)
    pd.testing.assert_frame_equal(res.items, ref.items, rtol=1e-12)
    m = array_moments(X.astype(dtype), cols)
    assert m.integral is (hi <= 127)
    np.testing.assert_array_equal(derived(m)["n"], brute(X)["n"])
    np.testing.assert_allclose(derived(m)["cov"], brute(X)["cov"], rtol=RTOL)
    boot = cronbach_alpha(X.astype(dtype)[:500], keys=[1], ci_method="bootstrap", n_boot=20)
    assert np.isfinite(boot.bootstrap).all()


def test_blas_limit_is_restored_after_concurrent_calls():
    import importlib
    from concurrent.futures import ThreadPoolExecutor

    # comes with scikit-learn (test group); satscore itself only uses it when installed
    threadpoolctl = importlib.import_module("threadpoolctl")

    def threads() -> list[int]:
        return [
            i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"
        ]

    before = threads()
    X = likert(SPLIT + 1, 4, 21, missing=0.05)
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: cronbach_alpha(X), range(3)))
    assert threads() == before


@pytest.mark.parametrize("k", [2, 3, 30])
@pytest.mark.parametrize("rows", [1, 7, 2047, 2048, 2049, 5001])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_complete_codes_over_the_int8_range_any_order_and_dtype(k, rows, order, dtype):
    """Wide complete codes: counts by histogram (odd and even rows), exact X'X, any order."""
    rng = np.random.default_rng(rows * 1000 + k)
    X = np.asarray(rng.integers(-127, 128, (rows, k)), dtype=dtype, order=order)
    X[0, 0], X[-1, -1] = -127, 127  # both ends of the exact int8 codes
    m = check(X.astype(np.float64) if dtype is np.float64 else X, integral=True)
    assert (m.lo[0], m.hi[-1]) == (-127, 127)


@pytest.mark.parametrize("order", ["C", "F"])
def test_likert_codes_of_row_ranges(order):
    rng = np.random.default_rng(3)
    X = np.asarray(rng.integers(1, 6, (10_007, 30)), dtype=np.float64, order=order)
    for start, stop in [(0, 1), (5, 4100), (4096, 10_007), (10_006, 10_007)]:
        check(X[start:stop], integral=True)
    empty = array_moments(X[:0], [f"x{j}" for j in range(30)])
    assert empty.rows == 0
    assert not empty.n.any()


def test_strided_views_equal_their_copies():
    rng = np.random.default_rng(4)
    base = rng.integers(0, 11, (3000, 40)).astype(np.float64)
    fortran = np.asfortranarray(base)
    views = (base[::3, ::2], base[:, 5:17], fortran[100:2900:7], base[::-1], fortran[:, ::-1],
             fortran[::-1, 3:9], base[1:, :2])  # fmt: skip
    for view in views:
        m = check(view, integral=True)
        c = array_moments(np.ascontiguousarray(view), m.columns)
        for f in ("n", "s", "ss", "cross", "lo", "hi"):
            np.testing.assert_array_equal(getattr(m, f), getattr(c, f))


@pytest.mark.parametrize("bad", [np.nan, 2.5, -0.5, 128.0, -129.0])
@pytest.mark.parametrize("where", [(0, 0), (2047, 3), (4999, 7)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_one_non_code_anywhere_takes_the_exact_path(bad, where, order):
    """A missing, fractional or out-of-int8 answer anywhere: missing or float64 pass."""
    X = np.asarray(likert(5000, 8, 24), order=order)
    X[where] = bad
    check(X, integral=bool(np.isnan(bad)))  # missing answers are still int8 codes


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
@pytest.mark.parametrize("where", [(0, 0), (2047, 3), (4999, 7)])
def test_one_infinite_answer_anywhere_is_an_error(bad, where):
    from satscore.errors import DataError

    X = likert(5000, 8, 25)
    X[where] = bad
    with pytest.raises(DataError, match=f"column 'x{where[1]}' of data has infinite values"):
        array_moments(X, [f"x{j}" for j in range(8)])


@pytest.mark.parametrize("bad", [128, -129, 2**40, -(2**62)])
@pytest.mark.parametrize("where", [(1500, 2), (8500, 4)])  # first or a later row block
def test_int64_outside_int8_uses_float64(bad, where):
    X = np.asfortranarray(likert(9000, 5, 26).astype(np.int64))
    X[where] = bad
    check(X.astype(np.float64), integral=False)
    m = array_moments(X, [f"x{j}" for j in range(5)])
    assert m.integral is False
    ref = array_moments(X.astype(np.float64), [f"x{j}" for j in range(5)])
    for f in ("n", "s", "ss", "cross", "lo", "hi"):
        np.testing.assert_array_equal(getattr(m, f), getattr(ref, f))


def _frames() -> list[pd.DataFrame]:
    bfi = pd.read_csv(BFI).iloc[:, :25].dropna()
    big = pd.DataFrame(likert(250_000, 12, 27), columns=[f"q{i + 1}" for i in range(12)])
    return [bfi, big, big.iloc[:, ::-1].copy()]  # big: above the two-thread split


@pytest.mark.parametrize("i", range(3))
def test_float_and_int64_codes_give_identical_alpha(i):
    """float64 (X'X and int8 counts) and int64 (float32 codes) complete paths agree exactly."""
    data = _frames()[i]
    a = cronbach_alpha(data, keys=[data.columns[0]])
    b = cronbach_alpha(data.astype(np.int64), keys=[data.columns[0]])
    for name in ("alpha", "std_alpha", "g6", "average_r", "median_r", "signal_noise", "ase"):
        assert getattr(a, name) == getattr(b, name), name
    pd.testing.assert_frame_equal(a.items, b.items, check_exact=True)


def test_int64_minus_128_is_exact_unless_128_occurs():
    """-128 is an int8 code; 128 wraps to it, so its column takes the float64 path."""
    X = likert(3000, 4, 28, lo=-128, hi=-124).astype(np.int64)
    assert (X == -128).any()
    check(X.astype(np.float64))
    m = array_moments(X, [f"x{j}" for j in range(4)])
    assert m.integral is True
    assert m.lo[0] == -128
    X[10, 1] = 128
    m = array_moments(X, [f"x{j}" for j in range(4)])
    assert m.integral is False
    check(X.astype(np.float64), integral=False)
    ref = array_moments(X.astype(np.float64), [f"x{j}" for j in range(4)])
    np.testing.assert_array_equal(m.cross, ref.cross)

"""The C kernel of alpha's complete-data pass (``satscore._psychometrics._alpha_ext``) against numpy.

``complete_moments`` must give exactly ``X.T @ X`` and the per-column answer counts when every
value is an integer in [-128, 127], return False otherwise (NaN, inf, a fraction, 128, -129,
wherever it is), accept any memory order and row range, and reject bad buffers with messages
saying what was found. ``cronbach_alpha`` and the moment summary must be identical with and
without the kernel (the numpy passes are the fallback when no C compiler was available).
CI builds the extension and checks that it imports, so these tests always run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satscore import cronbach_alpha
from satscore._psychometrics import _alpha_ext
from satscore._psychometrics import alpha_moments as am

BFI = Path(__file__).parents[1] / "data" / "bfi.csv"


def reference(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    gram = X.astype(np.float64).T @ X.astype(np.float64)
    counts = np.zeros((X.shape[1], 256), dtype=np.int64)
    for j in range(X.shape[1]):
        values, c = np.unique(X[:, j].astype(np.int64), return_counts=True)
        counts[j, values + 128] = c
    return gram, counts


def kernel(X: np.ndarray, start: int = 0, stop: int | None = None):
    stop = X.shape[0] if stop is None else stop
    k = X.shape[1]
    gram, counts = np.zeros((k, k)), np.zeros((k, 256), dtype=np.int64)
    ok = _alpha_ext.complete_moments(X, start, stop, gram, counts)
    return ok, gram, counts


@pytest.mark.parametrize("k", [1, 2, 3, 30, 64, 100])
@pytest.mark.parametrize("rows", [1, 7, 2047, 2048, 2049, 5001])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_exact_gram_and_counts(k, rows, order, dtype):
    rng = np.random.default_rng(rows * 1000 + k)
    X = np.asarray(rng.integers(-128, 128, (rows, k)), dtype=dtype, order=order)
    X[0, 0], X[-1, -1] = -128, 127  # both ends of the int8 range
    ok, gram, counts = kernel(X)
    ref_gram, ref_counts = reference(X)
    assert ok
    np.testing.assert_array_equal(gram, ref_gram)
    np.testing.assert_array_equal(counts, ref_counts)


@pytest.mark.parametrize("order", ["C", "F"])
def test_likert_codes_and_row_ranges(order):
    rng = np.random.default_rng(3)
    X = np.asarray(rng.integers(1, 6, (10_007, 30)), dtype=np.float64, order=order)
    for start, stop in [(0, 0), (0, 1), (5, 4100), (4096, 10_007), (10_006, 10_007)]:
        ok, gram, counts = kernel(X, start, stop)
        ref_gram, ref_counts = reference(X[start:stop])
        assert ok
        np.testing.assert_array_equal(gram, ref_gram)
        np.testing.assert_array_equal(counts, ref_counts)


def test_strided_views_are_read_in_place():
    rng = np.random.default_rng(4)
    base = rng.integers(0, 11, (3000, 40)).astype(np.float64)
    fortran = np.asfortranarray(base)
    views = (base[::3, ::2], base[:, 5:17], fortran[100:2900:7], base[::-1], fortran[:, ::-1],
             fortran[::-1, 3:9], base[1:, :1])  # fmt: skip
    for view in views:
        ok, gram, counts = kernel(view)
        ref_gram, ref_counts = reference(view)
        assert ok
        np.testing.assert_array_equal(gram, ref_gram)
        np.testing.assert_array_equal(counts, ref_counts)


def test_wide_ranges_are_counted_by_histogram():
    X = np.tile(np.array([[-100.0, 0.0, 100.0, 50.0]]).T, (1, 3))[np.arange(999) % 4]
    X[:, 1] = np.arange(999) % 200 - 100  # 200 distinct values
    ok, gram, counts = kernel(np.asfortranarray(X))
    ref_gram, ref_counts = reference(X)
    assert ok
    np.testing.assert_array_equal(gram, ref_gram)
    np.testing.assert_array_equal(counts, ref_counts)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 2.5, -0.5, 128.0, -129.0, 1e300])
@pytest.mark.parametrize("where", [(0, 0), (2047, 3), (4999, 29)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_non_codes_return_false(bad, where, order):
    X = np.ones((5000, 30), order=order)
    X[where] = bad
    assert kernel(X)[0] is False


@pytest.mark.parametrize("bad", [128, -129, 2**40, -(2**62)])
def test_int64_outside_int8_returns_false(bad):
    X = np.ones((3000, 5), dtype=np.int64, order="F")
    X[1500, 2] = bad
    assert kernel(X)[0] is False


def test_bad_buffers_raise_saying_what_was_found():
    X = np.ones((10, 3))
    k = 3
    gram, counts = np.zeros((k, k)), np.zeros((k, 256), dtype=np.int64)
    f = _alpha_ext.complete_moments
    with pytest.raises(TypeError, match=r"2-D float64 or int64 array; found 1 dimension"):
        f(np.ones(10), 0, 10, gram, counts)
    with pytest.raises(TypeError, match=r"found 2 dimension\(s\) of format 'f'"):
        f(np.ones((10, 3), dtype=np.float32), 0, 10, gram, counts)
    with pytest.raises(ValueError, match=r"\[start, stop\) = \[0, 11\) are not within the 10 rows"):
        f(X, 0, 11, gram, counts)
    with pytest.raises(ValueError, match=r"\[5, 4\)"):
        f(X, 5, 4, gram, counts)
    with pytest.raises(
        ValueError, match=r"gram must be a C-contiguous float64 array of shape \(3, 3\)"
    ):
        f(X, 0, 10, np.zeros((4, 4)), counts)
    with pytest.raises(
        ValueError, match=r"counts must be a C-contiguous int64 array of shape \(3, 256\)"
    ):
        f(X, 0, 10, gram, np.zeros((3, 256)))
    with pytest.raises(ValueError, match=r"gram must be .* found format 'd' with 1 dimension"):
        f(X, 0, 10, np.zeros(k * k), counts)  # right size, wrong shape
    with pytest.raises(ValueError, match=r"counts .* \(3, 256\); found format '[lq]' with 2 dim"):
        f(X, 0, 10, gram, np.zeros((256, 3), dtype=np.int64))  # transposed shape
    with pytest.raises(ValueError, match=r"counts must be .* found format 'i'"):
        f(X, 0, 10, gram, np.zeros((k, 256), dtype=np.int32))
    read_only = np.zeros((k, k))
    read_only.setflags(write=False)
    with pytest.raises((BufferError, ValueError), match=r"read-only|writable"):
        f(X, 0, 10, read_only, counts)


def _likert(n: int, k: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = 0.6 * rng.standard_normal((n, 1)) + 0.8 * rng.standard_normal((n, k))
    codes = np.digitize(z, [-1.5, -0.5, 0.5, 1.5]) + 1.0
    return pd.DataFrame(codes, columns=[f"q{i + 1}" for i in range(k)])


def _frames():
    bfi = pd.read_csv(BFI).iloc[:, :25].dropna()
    big = _likert(250_000, 12, 5)  # above the two-thread split
    return [bfi, bfi.astype(np.int64), big, big.astype(np.int64), big.iloc[:, ::-1].copy()]


@pytest.mark.parametrize("i", range(5))
def test_alpha_identical_with_and_without_the_kernel(i, monkeypatch):
    data = _frames()[i]
    with_kernel = cronbach_alpha(data, keys=[data.columns[0]])
    monkeypatch.setattr(am, "_alpha_ext", None)
    without = cronbach_alpha(data, keys=[data.columns[0]])
    for name in ("alpha", "std_alpha", "g6", "average_r", "median_r", "signal_noise", "ase"):
        assert getattr(with_kernel, name) == getattr(without, name), name
    pd.testing.assert_frame_equal(with_kernel.items, without.items, check_exact=True)


def test_moments_identical_with_and_without_the_kernel(monkeypatch):
    X = _likert(5000, 9, 6).to_numpy()
    a = am.array_moments(X, [f"q{j}" for j in range(9)], split=False)
    monkeypatch.setattr(am, "_alpha_ext", None)
    b = am.array_moments(X, [f"q{j}" for j in range(9)], split=False)
    for field in ("n", "s", "ss", "cross", "lo", "hi", "centre"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert a.integral
    assert b.integral
    for va, vb, ca, cb in zip(a.values, b.values, a.counts, b.counts, strict=True):
        np.testing.assert_array_equal(va, vb)
        np.testing.assert_array_equal(ca, cb)


def test_missing_and_fractional_answers_fall_back_to_numpy(monkeypatch):
    X = _likert(3000, 6, 7)
    X.iloc[10, 2] = np.nan
    Y = X.fillna(3.0)
    Y.iloc[20, 1] = 2.5
    for data in (X, Y):
        a = cronbach_alpha(data)
        monkeypatch.setattr(am, "_alpha_ext", None)
        b = cronbach_alpha(data)
        monkeypatch.undo()
        assert a.alpha == b.alpha
        pd.testing.assert_frame_equal(a.items, b.items, check_exact=True)

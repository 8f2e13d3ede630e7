"""Permanent random numbers against hashlib, with the C kernel and with the hashlib fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import satscore._stats.prn as prn_module
from satscore._stats.prn import prn, prn_reference


@pytest.fixture(autouse=True, params=["c-kernel", "hashlib"])
def backend(request, monkeypatch):
    """Every test runs with the C kernel and again with the hashlib fallback."""
    if request.param == "hashlib":
        monkeypatch.setattr(prn_module, "_prn_ext", None)
    return request.param


def _hashlib_u(ids, salt):
    return np.array([prn_reference(i, salt) for i in ids])


def test_messages_of_many_lengths_around_block_boundaries_match_hashlib(backend):
    # salt + id lengths across the 55/56/64-byte padding and block boundaries; salts of
    # 64+ bytes take the fallback's midstate path
    rng = np.random.default_rng(7)
    for salt in ("", "s", "x" * 63, "y" * 64, "z" * 70, "w" * 130):
        for length in [0, 1, 3, 31, 54, 55, 56, 57, 63, 64, 65, 119, 120, 200]:
            ids = ["".join(rng.choice(list("abcXYZ019-"), size=length)) for _ in range(5)]
            np.testing.assert_array_equal(prn(ids, salt), _hashlib_u(ids, salt))
    if backend == "hashlib":
        assert prn_module.backend() == "hashlib"


def test_random_ascii_ids_match_hashlib():
    rng = np.random.default_rng(11)
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
    ids = ["".join(rng.choice(alphabet, size=rng.integers(1, 80))) for _ in range(3000)]
    np.testing.assert_array_equal(prn(ids, "salt-2026"), _hashlib_u(ids, "salt-2026"))


def test_unicode_integer_and_series_ids_match_hashlib():
    ids = ["客户001", "Müller", "C0000001", "é" * 40]
    np.testing.assert_array_equal(prn(ids, "s"), _hashlib_u(ids, "s"))
    ints = np.arange(0, 5000, 7)
    np.testing.assert_array_equal(prn(ints, "s"), _hashlib_u(ints.tolist(), "s"))
    ser = pd.Series([f"C{i:07d}" for i in range(500)], dtype="str")
    np.testing.assert_array_equal(prn(ser, "s"), _hashlib_u(ser.tolist(), "s"))
    long_salt = "x" * 100  # multi-block messages
    np.testing.assert_array_equal(prn(ids, long_salt), _hashlib_u(ids, long_salt))


def test_independent_of_order_and_of_other_ids():
    ids = np.array([f"C{i:07d}" for i in range(2000)])
    u = prn(ids, "s")
    perm = np.random.default_rng(3).permutation(ids.size)
    np.testing.assert_array_equal(prn(ids[perm], "s"), u[perm])
    np.testing.assert_array_equal(prn(ids[:10], "s"), u[:10])


def test_uniform_and_salt_dependent():
    ids = [f"C{i:07d}" for i in range(20000)]
    u = prn(ids, "s")
    assert ((u >= 0) & (u < 1)).all()
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    v = prn(ids, "other")
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.03


def test_single_thread_equals_threaded():
    ids = [f"C{i:07d}" for i in range(70000)]
    np.testing.assert_array_equal(prn(ids, "s", threads=1), prn(ids, "s", threads=2))


def test_threaded_chunks_of_mixed_lengths_match_hashlib(monkeypatch):
    # tiny batches (hashlib) and tiny per-thread row ranges (C kernel): many batch
    # boundaries inside each id-length group, threaded path taken
    monkeypatch.setattr(prn_module, "_HASHLIB_ROWS", 7)
    monkeypatch.setattr(prn_module, "_MIN_ROWS_PER_THREAD", 3)
    rng = np.random.default_rng(5)
    ids = [f"K{i}" + "z" * int(rng.integers(0, 60)) for i in range(400)]
    expected = _hashlib_u(ids, "s")
    np.testing.assert_array_equal(prn(ids, "s", threads=1), expected)
    np.testing.assert_array_equal(prn(ids, "s", threads=2), expected)
    np.testing.assert_array_equal(prn(pd.Series(ids, dtype="str"), "s", threads=2), expected)


def test_integer_ids_digit_arithmetic_matches_decimal_text():
    rng = np.random.default_rng(9)
    i64 = np.iinfo(np.int64)
    x = np.concatenate(
        [
            rng.integers(-(10**18), 10**18, 300),
            rng.integers(0, 1000, 100),
            [0, -1, 9, 10, 99, 100, -10, 10**17, 10**18, -(10**18), i64.max, i64.min + 1],
        ]
    )
    for arr in (x, x[:400].astype(np.int32), np.abs(x[:50]).astype(np.uint64)):
        expected = _hashlib_u(arr.tolist(), "s")
        np.testing.assert_array_equal(prn(arr, "s"), expected)
        np.testing.assert_array_equal(prn(pd.Series(arr), "s"), expected)
    beyond = np.array([2**64 - 1, 2**63, 5], dtype=np.uint64)  # outside int64: text fallback
    np.testing.assert_array_equal(prn(beyond, "s"), _hashlib_u(beyond.tolist(), "s"))
    extreme = np.array([i64.min, 3])
    np.testing.assert_array_equal(prn(extreme, "s"), _hashlib_u(extreme.tolist(), "s"))


def test_non_ascii_ids_in_every_container_match_hashlib():
    ids = ["Kundé", "顧客1", "C1", "", "ß" * 40, "e\u0301", "😀x", "ab"] * 30
    for salt in ("satscore", "ü-2026"):
        expected = _hashlib_u(ids, salt)
        np.testing.assert_array_equal(prn(ids, salt), expected)
        np.testing.assert_array_equal(prn(np.array(ids), salt), expected)
        np.testing.assert_array_equal(prn(pd.Series(ids, dtype=object), salt), expected)
        np.testing.assert_array_equal(prn(pd.Series(ids, dtype="str"), salt), expected)


def test_missing_id_raises():
    from satscore.errors import DataError

    with pytest.raises(DataError, match="missing values"):
        prn(pd.Series(["a", None]), "s")


def test_arrow_backed_strings_fast_path():
    ser = pd.Series(["客户1", "ab", "", *[f"x{i}" for i in range(300)]], dtype="str")
    np.testing.assert_array_equal(prn(ser, "q"), _hashlib_u(ser.tolist(), "q"))
    sliced = ser.iloc[100:250]  # non-zero Arrow offset
    np.testing.assert_array_equal(prn(sliced, "q"), _hashlib_u(sliced.tolist(), "q"))


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2"])
def test_bad_threads_raise(threads):
    from satscore.errors import OptionError

    with pytest.raises(OptionError, match=r"threads must be a positive integer; found"):
        prn(["a"], "s", threads=threads)


def test_ascii_ids_with_embedded_nul_hash_every_byte():
    ids = ["a\x00b", "\x00x", "C1", "q\x00\x00z"]
    expected = _hashlib_u(ids, "s")
    np.testing.assert_array_equal(prn(ids, "s"), expected)
    np.testing.assert_array_equal(prn(np.array(ids), "s"), expected)
    np.testing.assert_array_equal(prn(pd.Series(ids, dtype="str"), "s"), expected)

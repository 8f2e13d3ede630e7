"""Permanent random numbers: vectorised SHA-256 against hashlib."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from satscore._prn import prn, prn_reference, sha256_words


def _hashlib_u(ids, salt):
    return np.array([prn_reference(i, salt) for i in ids])


def test_full_digest_matches_hashlib_for_many_lengths():
    rng = np.random.default_rng(7)
    for length in [0, 1, 3, 31, 54, 55, 56, 57, 63, 64, 65, 119, 120, 200]:
        msgs = rng.integers(0, 256, size=(5, length), dtype=np.uint8)
        words = sha256_words(msgs, length, n_words=8)
        for row, w in zip(msgs, words, strict=True):
            assert w.astype(">u4").tobytes() == hashlib.sha256(row.tobytes()).digest()


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


def test_missing_id_raises():
    from satscore.errors import DataError

    with pytest.raises(DataError, match="missing values"):
        prn(pd.Series(["a", None]), "s")


def test_arrow_backed_strings_fast_path():
    ser = pd.Series(["客户1", "ab", "", *[f"x{i}" for i in range(300)]], dtype="str")
    np.testing.assert_array_equal(prn(ser, "q"), _hashlib_u(ser.tolist(), "q"))
    sliced = ser.iloc[100:250]  # non-zero Arrow offset
    np.testing.assert_array_equal(prn(sliced, "q"), _hashlib_u(sliced.tolist(), "q"))

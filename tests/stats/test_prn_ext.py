"""The C PRN kernel (satscore._stats._prn_ext) against hashlib and against the hashlib fallback.

Both compression paths run on every machine: the default one (SHA-NI when the CPU has
it) and the portable C one forced with ``portable=True``. CI builds the extension, so it
is imported directly.
"""

from __future__ import annotations

import hashlib
import platform
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import satscore._stats.prn as prn_module
from satscore._stats import _prn_ext
from satscore._stats.prn import prn, prn_reference

PATHS = pytest.mark.parametrize("portable", [False, True], ids=["default", "portable"])


def _u(digest: bytes) -> float:
    return (int.from_bytes(digest[:8], "big") >> 11) * 2.0**-53


def _matrix(messages: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Left-aligned zero-padded byte matrix and lengths, built without satscore."""
    width = max([len(m) for m in messages] + [1])
    codes = np.zeros((len(messages), width), dtype=np.uint8)
    for i, m in enumerate(messages):
        codes[i, : len(m)] = np.frombuffer(m, dtype=np.uint8)
    return codes, np.array([len(m) for m in messages], dtype=np.int64)


def _random_bytes(rng: np.random.Generator, n: int) -> bytes:
    return rng.integers(0, 256, n, dtype=np.uint8).tobytes()


def test_has_sha_ni_agrees_with_the_cpu_flags():
    """On x86-64 Linux the default path is SHA-NI exactly when the CPU lists the flags."""
    has = _prn_ext.has_sha_ni()
    assert isinstance(has, bool)
    cpuinfo = Path("/proc/cpuinfo")
    if platform.machine().lower() in ("x86_64", "amd64") and cpuinfo.exists():
        flags: set[str] = set()
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
        assert has is ({"sha_ni", "ssse3", "sse4_1"} <= flags)
    elif not platform.machine().lower().startswith(("x86", "amd64", "i686")):
        assert has is False  # the SHA-NI kernel is compiled for x86-64 only
    assert prn_module.backend() == ("sha-ni" if has else "portable-c")


@PATHS
def test_full_digest_matches_hashlib_for_every_salt_and_message_length(portable):
    rng = np.random.default_rng(20)
    salts = [_random_bytes(rng, k) for k in range(141)]
    messages = [_random_bytes(rng, k) for k in range(201)]
    totals = set()
    for salt in salts:
        for msg in messages:
            digest = _prn_ext.sha256(salt, msg, portable=portable)
            assert digest == hashlib.sha256(salt + msg).digest(), (len(salt), len(msg))
            totals.add(len(salt) + len(msg))
    assert {0, 55, 56, 63, 64, 119, 120, 128, 340} <= totals  # padding boundaries covered


@PATHS
def test_prn_batch_matches_hashlib_for_ids_of_every_length(portable):
    """Ids of every length 0..200 (three of each, distinct bytes) under every salt 0..140.

    Sorted by length, neighbours share a length (ids go two at a time, the padded layout
    is reused); shuffled, lengths and block counts change from id to id.
    """
    rng = np.random.default_rng(21)
    by_length = [_random_bytes(rng, k) for k in range(201) for _ in range(3)]
    shuffled = list(by_length)
    rng.shuffle(shuffled)
    for ids in (by_length, shuffled):
        codes, lengths = _matrix(ids)
        for k in range(141):  # salt + id lengths cross every padding boundary up to 340 bytes
            salt = _random_bytes(rng, k)
            out = np.full(len(ids), np.nan)
            _prn_ext.prn_batch(salt, codes, lengths, out, portable=portable)
            expected = np.array([_u(hashlib.sha256(salt + m).digest()) for m in ids])
            np.testing.assert_array_equal(out, expected)


@PATHS
def test_non_ascii_ids_and_empty_salt_match_hashlib(portable):
    ids = ["Kundé", "顧客1", "", "ß" * 70, "e\u0301", "😀x", "C0000001", "a\x00b"]
    encoded = [s.encode("utf-8") for s in ids]
    codes, lengths = _matrix(encoded)
    for salt in ("", "satscore", "ü-2026", "盐" * 30):
        out = np.empty(len(ids))
        _prn_ext.prn_batch(salt.encode("utf-8"), codes, lengths, out, portable=portable)
        np.testing.assert_array_equal(out, [prn_reference(s, salt) for s in ids])


def test_sha_ni_and_portable_paths_agree_on_many_ids():
    rng = np.random.default_rng(22)
    n = 50_000
    lengths = rng.integers(0, 90, n).astype(np.int64)
    codes = rng.integers(0, 256, (n, 90), dtype=np.uint8)
    codes[np.arange(90)[None, :] >= lengths[:, None]] = 0
    a, b = np.empty(n), np.empty(n)
    _prn_ext.prn_batch(b"salt", codes, lengths, a)
    _prn_ext.prn_batch(b"salt", codes, lengths, b, portable=True)
    np.testing.assert_array_equal(a, b)
    assert ((a >= 0) & (a < 1)).all()


def _ids_200k() -> list[str]:
    rng = np.random.default_rng(23)
    ids = [f"C{i:07d}" for i in range(150_000)]
    ids += [f"K{i}" + "z" * int(k) for i, k in enumerate(rng.integers(0, 130, 45_000))]
    ids += [f"客户{i}-é" for i in range(5_000)]
    return ids


def test_c_kernel_equals_hashlib_fallback_on_200k_ids(monkeypatch):
    ids = _ids_200k()
    ser = pd.Series(ids, dtype="str")
    with_c = prn(ser, "satscore-2026Q3")
    monkeypatch.setattr(prn_module, "_prn_ext", None)
    assert prn_module.backend() == "hashlib"
    with_hashlib = prn(ser, "satscore-2026Q3")
    np.testing.assert_array_equal(with_c, with_hashlib)
    sample = np.random.default_rng(0).choice(len(ids), 400, replace=False)
    np.testing.assert_array_equal(
        with_c[sample], [prn_reference(ids[i], "satscore-2026Q3") for i in sample]
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda ids: ids,
        np.array,
        lambda ids: pd.Series(ids, dtype=object),
        lambda ids: pd.Series(ids, dtype="str"),
    ],
    ids=["list", "ndarray", "object-series", "str-series"],
)
def test_prn_without_extension_equals_prn_with_it(monkeypatch, make):
    ids = ["Kundé", "顧客1", "C1", "", "ß" * 40, "😀x", *[f"C{i:05d}" for i in range(300)]]
    for salt in ("", "s", "x" * 100):
        with_c = prn(make(ids), salt)
        with monkeypatch.context() as m:
            m.setattr(prn_module, "_prn_ext", None)
            np.testing.assert_array_equal(prn(make(ids), salt), with_c)
        np.testing.assert_array_equal(with_c, [prn_reference(s, salt) for s in ids])
    ints = np.arange(-500, 100_000, 13)
    with_c = prn(ints, "s")
    monkeypatch.setattr(prn_module, "_prn_ext", None)
    np.testing.assert_array_equal(prn(ints, "s"), with_c)


def test_threaded_row_ranges_equal_one_thread(monkeypatch):
    monkeypatch.setattr(prn_module, "_MIN_ROWS_PER_THREAD", 7)  # split even small inputs
    rng = np.random.default_rng(24)
    ids = [f"K{i}" + "z" * int(rng.integers(0, 70)) for i in range(1001)]  # odd split
    expected = np.array([prn_reference(s, "s") for s in ids])
    for threads in (1, 2, 3):
        np.testing.assert_array_equal(prn(ids, "s", threads=threads), expected)


def test_start_stop_fill_only_that_range():
    ids = [f"C{i}".encode() for i in range(40)]
    codes, lengths = _matrix(ids)
    expected = np.array([_u(hashlib.sha256(b"s" + m).digest()) for m in ids])
    out = np.full(40, -1.0)
    _prn_ext.prn_batch(b"s", codes, lengths, out, 3, 17)
    np.testing.assert_array_equal(out[3:17], expected[3:17])
    assert (out[:3] == -1).all()
    assert (out[17:] == -1).all()
    _prn_ext.prn_batch(b"s", codes, lengths, out, 17, 17)  # empty range
    assert (out[17:] == -1).all()
    _prn_ext.prn_batch(b"s", codes, lengths, out, start=17)  # stop defaults to n
    np.testing.assert_array_equal(out[3:], expected[3:])
    for start, stop in [(-1, 5), (5, 4), (0, 41)]:
        msg = rf"need 0 <= start <= stop <= n = 40; found start = {start}, stop = {stop}\."
        with pytest.raises(ValueError, match=msg):
            _prn_ext.prn_batch(b"s", codes, lengths, out, start, stop)


def test_concurrent_calls_from_threads():
    ids = [f"C{i:07d}".encode() for i in range(20_000)]
    codes, lengths = _matrix(ids)
    one = np.empty(len(ids))
    _prn_ext.prn_batch(b"s", codes, lengths, one)
    outs = [np.empty(len(ids)) for _ in range(4)]
    workers = [
        threading.Thread(target=_prn_ext.prn_batch, args=(b"s", codes, lengths, o)) for o in outs
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for o in outs:
        np.testing.assert_array_equal(o, one)


def test_gil_is_released_while_hashing():
    """Python code keeps running in another thread during one long prn_batch call."""
    n = 1_000_000
    codes = np.zeros((n, 10), dtype=np.uint8)
    codes[:, 0] = ord("C")
    lengths = np.full(n, 10, dtype=np.int64)
    out = np.empty(n)
    worker = threading.Thread(
        target=_prn_ext.prn_batch, args=(b"s", codes, lengths, out), kwargs={"portable": True}
    )
    stamps = []
    t0 = time.perf_counter()
    worker.start()
    while worker.is_alive():
        stamps.append(time.perf_counter())
    duration = time.perf_counter() - t0
    gaps = np.diff([t0, *stamps])
    # holding the GIL, the call would block this loop for (nearly) its whole duration
    assert len(stamps) > 100
    assert gaps.max() < 0.5 * duration


def test_inputs_are_not_modified():
    codes, lengths = _matrix([b"abc", b"", b"zz"])
    codes_before, lengths_before = codes.copy(), lengths.copy()
    _prn_ext.prn_batch(b"s", codes, lengths, np.empty(3))
    np.testing.assert_array_equal(codes, codes_before)
    np.testing.assert_array_equal(lengths, lengths_before)
    codes.flags.writeable = False  # read-only inputs are fine
    lengths.flags.writeable = False
    out = np.empty(3)
    _prn_ext.prn_batch(b"s", codes, lengths, out)
    np.testing.assert_array_equal(out, [prn_reference(s, "s") for s in ("abc", "", "zz")])


def _good() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    codes, lengths = _matrix([b"C1", b"C22", b"", b"C4444"])
    return codes, lengths, np.empty(4)


@pytest.mark.parametrize(
    ("arg", "bad", "error", "match"),
    [
        ("codes", lambda c: c.astype(np.int32), TypeError,
         r"codes must hold uint8 items; found format 'i' with itemsize 4\. Convert it with "
         r"np\.ascontiguousarray\(codes, dtype=np\.uint8\)"),
        ("codes", lambda c: c.ravel(), ValueError,
         r"codes must be 2-dimensional; found 1 dimension"),
        ("codes", lambda c: np.asfortranarray(c), ValueError,
         r"codes must be C-contiguous; found a strided view"),
        ("codes", lambda c: c.tolist(), TypeError,
         r"codes must be a uint8 array supporting the buffer protocol; found list"),
        ("lengths", lambda v: v.astype(np.int32), TypeError,
         r"lengths must hold int64 items; found format 'i' with itemsize 4"),
        ("lengths", lambda v: v.astype(np.uint64), TypeError,
         r"lengths must hold int64 items; found format 'L' with itemsize 8"),
        ("lengths", lambda v: v.astype(">i8"), TypeError,
         r"lengths must hold int64 items; found format '>q' with itemsize 8"),
        ("lengths", lambda v: v[:3], ValueError,
         r"lengths and out must have one entry per row of codes \(4\); found len\(lengths\) = 3, "
         r"len\(out\) = 4"),
        ("lengths", lambda v: np.repeat(v, 2)[::2], ValueError,
         r"lengths must be C-contiguous"),
        ("out", lambda o: o.astype(np.float32), TypeError,
         r"out must hold float64 items; found format 'f' with itemsize 4"),
        ("out", lambda o: np.empty(8)[::2], ValueError, r"out must be C-contiguous"),
        ("out", lambda o: np.empty(5), ValueError, r"found len\(lengths\) = 4, len\(out\) = 5"),
        ("out", lambda o: o.reshape(2, 2), ValueError,
         r"out must be 1-dimensional; found 2 dimension"),
        ("out", lambda o: np.zeros(4).tobytes(), TypeError,
         r"out must hold float64 items; found format 'B'"),
    ],
    ids=lambda x: x if isinstance(x, str) and len(x) < 10 else None,
)  # fmt: skip
def test_bad_buffers_raise_precise_errors(arg, bad, error, match):
    args = dict(zip(("codes", "lengths", "out"), _good(), strict=True))
    args[arg] = bad(args[arg])
    with pytest.raises(error, match=match):
        _prn_ext.prn_batch(b"s", args["codes"], args["lengths"], args["out"])


def test_read_only_out_and_bad_lengths_and_salt_raise():
    codes, lengths, out = _good()
    out.flags.writeable = False
    with pytest.raises(ValueError, match=r"out is read-only; pass a writable float64 array"):
        _prn_ext.prn_batch(b"s", codes, lengths, out)
    out = np.empty(4)
    for value, index in [(6, 1), (-1, 2)]:
        bad = lengths.copy()
        bad[index] = value
        with pytest.raises(
            ValueError,
            match=rf"lengths\[{index}\] = {value} is outside 0\.\.5 \(the width of codes\)",
        ):
            _prn_ext.prn_batch(b"s", codes, bad, out)
    with pytest.raises(TypeError, match="a bytes-like object is required, not 'str'"):
        _prn_ext.prn_batch("s", codes, lengths, out)
    with pytest.raises(TypeError, match="a bytes-like object is required, not 'str'"):
        _prn_ext.sha256(b"s", "message")


def test_non_ascii_ids_without_pyarrow_are_encoded_by_numpy(monkeypatch):
    ids = ["Kundé", "顧客1", "C1", "", "ß" * 40, "e\u0301", "😀x", "a\x00b"] * 5
    expected = [prn_reference(s, "ü") for s in ids]
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow -> ImportError
    for container in (ids, np.array(ids), pd.Series(ids, dtype=object)):
        np.testing.assert_array_equal(prn(container, "ü"), expected)
        with monkeypatch.context() as m:
            m.setattr(prn_module, "_prn_ext", None)
            np.testing.assert_array_equal(prn(container, "ü"), expected)

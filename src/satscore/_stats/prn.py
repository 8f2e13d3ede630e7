"""Permanent random numbers: SHA-256 of ``salt ‖ id``.

Each customer's permanent random number (PRN) is

    u = (first 8 bytes of SHA-256(salt_utf8 ‖ id_utf8), big-endian) >> 11, times 2**-53

i.e. the top 53 bits of the digest as a double in [0, 1). It depends only on
the salt and the customer id — not on the frame's order, size or other
customers — so it can be recomputed by anyone (``hashlib`` gives the same
number, see :func:`prn_reference`) and needs no stored state.

Ids are first turned into a byte matrix (one zero-padded row of UTF-8 bytes per
id) and a length per id: integer ids as their decimal text (digit arithmetic),
string ids as UTF-8 (Arrow buffers read in place, otherwise numpy's vectorised
encoder). The hash itself runs in one of two implementations that give
identical numbers (the tests compare them bit for bit, and with ``hashlib``):

- the C kernel ``satscore._stats._prn_ext`` when it was built (the usual case): FIPS
  180-4 SHA-256 with the salt's whole blocks compressed once, on the CPU's SHA
  instructions (SHA-NI) when it has them, portable C otherwise; it releases the
  GIL, so large frames are split in row ranges over up to two threads;
- otherwise FIPS 180-4 SHA-256 on numpy ``uint32`` arrays: the messages of one
  byte length are padded into a ``(n, 16·blocks)`` word matrix and compressed
  together, in cache-sized chunks (optionally on several threads; numpy
  releases the GIL).
"""

from __future__ import annotations

import hashlib
import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DataError, OptionError

try:  # the C kernel (setup.py builds it; optional: numpy below is the fallback)
    from satscore._stats import _prn_ext
except ImportError:  # pragma: no cover - built without a C compiler
    _prn_ext = None

__all__ = ["backend", "prn", "prn_reference", "sha256_words"]

_K = np.array(
    [
        0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4,
        0xAB1C5ED5, 0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE,
        0x9BDC06A7, 0xC19BF174, 0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F,
        0x4A7484AA, 0x5CB0A9DC, 0x76F988DA, 0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7,
        0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967, 0x27B70A85, 0x2E1B2138, 0x4D2C6DFC,
        0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85, 0xA2BFE8A1, 0xA81A664B,
        0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070, 0x19A4C116,
        0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
        0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7,
        0xC67178F2,
    ],
    dtype=np.uint32,
)  # fmt: skip
_H0 = np.array(
    [
        0x6A09E667,
        0xBB67AE85,
        0x3C6EF372,
        0xA54FF53A,
        0x510E527F,
        0x9B05688C,
        0x1F83D9AB,
        0x5BE0CD19,
    ],
    dtype=np.uint32,
)
_CHUNK = 1 << 14  # rows per hashing job: the ~27 live uint32 arrays stay in a 2 MB L2 cache
_CHUNK_THREADED = 1 << 16  # rows per job on several threads (each ufunc call releases the GIL)
_SHIFT = [np.array(n, dtype=np.uint32) for n in range(33)]  # 0-d counts: cheapest dispatch
_rs, _ls, _xor, _add = np.right_shift, np.left_shift, np.bitwise_xor, np.add


def _rotr(x: Any, n: int) -> Any:
    return (x >> np.uint32(n)) ^ (x << np.uint32(32 - n))


def _big_sigma(x: np.ndarray, r: tuple[int, int, int], out: np.ndarray, tmp: np.ndarray) -> None:
    """``rotr(x, r0) ^ rotr(x, r1) ^ rotr(x, r2)`` into ``out`` (11 in-place ufunc calls)."""
    _rs(x, _SHIFT[r[0]], out=out)
    _ls(x, _SHIFT[32 - r[0]], out=tmp)
    out ^= tmp
    for n in r[1:]:
        _rs(x, _SHIFT[n], out=tmp)
        out ^= tmp
        _ls(x, _SHIFT[32 - n], out=tmp)
        out ^= tmp


def _small_sigma(x: Any, r1: int, r2: int, sh: int, out: np.ndarray, tmp: np.ndarray) -> Any:
    """``rotr(x, r1) ^ rotr(x, r2) ^ (x >> sh)``: into ``out`` for arrays, a scalar for scalars."""
    if np.ndim(x) == 0:
        return _rotr(x, r1) ^ _rotr(x, r2) ^ (x >> np.uint32(sh))
    _rs(x, _SHIFT[sh], out=out)
    for n in (r1, r2):
        _rs(x, _SHIFT[n], out=tmp)
        out ^= tmp
        _ls(x, _SHIFT[32 - n], out=tmp)
        out ^= tmp
    return out


def _schedule_word(ring: list[Any], t: int, m: int, t0: np.ndarray, t1: np.ndarray) -> Any:
    """``W[t] = W[t-16] + s0(W[t-15]) + W[t-7] + s1(W[t-2])`` with the scalar parts summed once.

    The array of ``W[t-16]`` (dead after this) is overwritten; constant words stay scalars.
    """
    w16 = ring[t & 15]
    out: np.ndarray | None = w16 if np.ndim(w16) else None
    fresh = out is None  # ``out`` does not hold a partial sum yet
    scal = w16 if fresh else np.uint32(0)
    parts: list[Any] = [ring[(t + 9) & 15], (ring[(t + 1) & 15], 7, 18, 3),
                        (ring[(t + 14) & 15], 17, 19, 10)]  # fmt: skip
    for part in parts:
        if isinstance(part, tuple):
            val = _small_sigma(*part, t0, t1)
        else:
            val = part
        if np.ndim(val) == 0:
            scal = scal + val
            continue
        if out is None:
            out = np.empty(m, dtype=np.uint32)
        if fresh:
            _add(val, scal, out=out)
            scal, fresh = np.uint32(0), False
        else:
            out += val
    if out is None:
        return scal
    if scal:
        out += scal
    return out


def _compress(state: list[Any], w: list[Any], m: int) -> list[Any]:
    """One SHA-256 compression of 64-byte blocks into ``state`` (FIPS 180-4).

    ``w`` holds the 16 message words, each a ``uint32`` array (one value per
    message) or a ``np.uint32`` scalar when the word is the same for every
    message (salt bytes, padding, length). Rounds before the first varying word
    run on scalars; at that round only ``a`` and ``e`` become arrays (one
    addition each); every later round runs in place on the register arrays with
    two temporaries (34-35 ufunc calls, no allocation). The message schedule is a
    ring of 16 words computed round by round (``w``'s arrays are overwritten), so
    the working set of a chunk stays in the CPU cache.
    """
    ring = list(w)
    t0 = np.empty(m, dtype=np.uint32)
    t1 = np.empty(m, dtype=np.uint32)
    a, b, c, d, e, f, g, h = state
    arrays = any(np.ndim(x) for x in state)
    bc: Any = None
    if arrays:
        a, b, c, d, e, f, g, h = (np.array(np.broadcast_to(x, (m,))) for x in state)
        bc = _xor(b, c)
    for t in range(64):
        if t >= 16:
            ring[t & 15] = _schedule_word(ring, t, m, t0, t1)
        wt, kt = ring[t & 15], _K[t]
        if not arrays:  # registers still scalars
            t1s = h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + (g ^ (e & (f ^ g))) + kt
            t2s = (_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))
            if np.ndim(wt) == 0:
                h, g, f, e, d, c, b, a = g, f, e, d + t1s + wt, c, b, a, t1s + t2s + wt
                continue
            new_e, new_a = _add(wt, d + t1s), _add(wt, t1s + t2s)
            h, g, f, d, c, b = (np.full(m, x, dtype=np.uint32) for x in (g, f, e, c, b, a))
            e, a, arrays = new_e, new_a, True
            bc = _xor(b, c)
            continue
        _big_sigma(e, (6, 11, 25), t0, t1)
        _xor(f, g, out=t1)  # ch(e, f, g) = g ^ (e & (f ^ g))
        t1 &= e
        t1 ^= g
        h += t0
        h += t1
        if np.ndim(wt):
            h += wt
            h += kt
        else:
            h += wt + kt
        d += h  # new e = d + temp1
        _big_sigma(a, (2, 13, 22), t0, t1)
        h += t0
        _xor(a, b, out=t1)  # a ^ b: maj = b ^ ((a ^ b) & (b ^ c)); next round's b ^ c
        bc &= t1
        bc ^= b
        h += bc  # new a = temp1 + temp2
        h, g, f, e, d, c, b, a = g, f, e, d, c, b, a, h
        bc, t1 = t1, bc
    return [s + v for s, v in zip(state, (a, b, c, d, e, f, g, h), strict=True)]


def sha256_words(messages: np.ndarray, lengths: int, *, n_words: int = 2) -> np.ndarray:
    """SHA-256 of equal-length byte messages, returning the first ``n_words`` digest words.

    Parameters
    ----------
    messages : ndarray of uint8, shape (m, L)
        The messages, one per row, all ``L = lengths`` bytes long.
    lengths : int
        Message length in bytes.
    n_words : int, default 2
        How many leading 32-bit words of the digest to return (8 = full digest).

    Returns
    -------
    ndarray of uint32, shape (m, n_words)

    Examples
    --------
    >>> import hashlib, numpy as np
    >>> msg = np.frombuffer(b"abc", dtype=np.uint8)[None, :]
    >>> words = sha256_words(msg, 3, n_words=8)
    >>> words.astype(">u4").tobytes() == hashlib.sha256(b"abc").digest()
    True
    """
    m = messages.shape[0]
    n_blocks = (lengths + 9 + 63) // 64
    padded = np.zeros((m, 64 * n_blocks), dtype=np.uint8)
    padded[:, :lengths] = messages
    padded[:, lengths] = 0x80
    padded[:, -8:] = np.frombuffer(int(8 * lengths).to_bytes(8, "big"), dtype=np.uint8)
    words = padded.view(">u4").astype(np.uint32).T.copy()  # (16·blocks, m)
    constant = (words == words[:, :1]).all(axis=1) if m > 1 else np.ones(words.shape[0], bool)
    cols: list[Any] = [
        np.uint32(words[k, 0]) if constant[k] else words[k] for k in range(words.shape[0])
    ]
    state: list[Any] = [np.uint32(v) for v in _H0]
    with np.errstate(over="ignore"):
        for blk in range(n_blocks):
            state = _compress(state, cols[16 * blk : 16 * (blk + 1)], m)
    return np.stack([np.broadcast_to(v, (m,)) for v in state[:n_words]], axis=1)


def _arrow_bytes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """UTF-8 byte matrix and lengths straight from an Arrow-backed string column."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - arrow-backed strings imply pyarrow
        return None
    try:
        arr = pa.chunked_array(pa.array(ids.array)).combine_chunks()
    except (TypeError, ValueError, pa.ArrowException):
        return None
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    if arr.null_count:
        msg = "the id column has missing values; every customer needs an id. Drop those rows."
        raise DataError(msg)
    return _utf8_matrix(arr)


def _utf8_matrix(arr: Any) -> tuple[np.ndarray, np.ndarray]:
    """Byte matrix (rows zero-padded) and lengths of a pyarrow string array (no copy per id)."""
    import pyarrow as pa

    _, off_buf, data_buf = arr.buffers()
    off_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(off_buf, dtype=off_type)[arr.offset : arr.offset + len(arr) + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(1, np.uint8)
    )
    starts = offsets[:-1].astype(np.int64)
    lengths = np.diff(offsets).astype(np.int64)
    width = int(lengths.max(initial=0))
    if width > 0 and len(arr) and int(lengths.min()) == width:  # fixed-width ids: a reshape
        first = int(starts[0])
        return data[first : first + width * len(arr)].reshape(len(arr), width), lengths
    codes = np.zeros((len(arr), max(width, 1)), dtype=np.uint8)
    for length in np.flatnonzero(np.bincount(lengths)):
        if length == 0:
            continue
        rows = np.flatnonzero(lengths == length)
        codes[rows, :length] = data[starts[rows, None] + np.arange(length)]
    return codes, lengths


def _id_bytes(ids: Any) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 byte matrix (one zero-padded row per id) and byte lengths of the ids."""
    if isinstance(ids, pd.Series) and pd.api.types.is_string_dtype(ids.dtype):
        fast = _arrow_bytes(ids) if hasattr(ids.array, "__arrow_array__") else None
        if fast is not None:
            return fast[0], fast[1]
    arr = ids.to_numpy() if isinstance(ids, (pd.Series, pd.Index)) else np.asarray(ids)
    if arr.dtype.kind in "iu":
        fast = _int_bytes(arr)
        if fast is not None:
            return fast[0], fast[1]
        text = arr.astype("U")
    elif arr.dtype.kind == "U":
        text = arr
    else:
        if pd.isna(pd.Series(arr)).any():
            msg = "the id column has missing values; every customer needs an id. Drop those rows."
            raise DataError(msg)
        text = np.asarray(arr.astype(str), dtype="U")
    width = text.dtype.itemsize // 4
    codes = text.view(np.uint32).reshape(text.shape[0], max(width, 1))
    if width == 0 or int(codes.max(initial=0)) < 128:  # ASCII: code points are the bytes
        return codes.astype(np.uint8), np.char.str_len(text).astype(np.int64)
    try:  # non-ASCII: UTF-8 encoding in Arrow's C++
        import pyarrow as pa

        return _utf8_matrix(pa.array(text, type=pa.string()))
    except ImportError:  # numpy's element-wise encoder (no per-id Python code)
        encoded = np.char.encode(text, "utf-8")
        n_bytes = max(encoded.dtype.itemsize, 1)
        matrix = np.zeros((encoded.shape[0], n_bytes), dtype=np.uint8)
        matrix[:, : encoded.dtype.itemsize] = encoded.view(np.uint8).reshape(encoded.shape[0], -1)
        return matrix, np.char.str_len(encoded).astype(np.int64)


def _int_bytes(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """ASCII decimal text (``str(int)``) of integer ids by digit arithmetic, no string formatting.

    Returns None for values outside the int64 range (the caller formats those as text).
    """
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        return None
    x = arr.astype(np.int64)
    if x.size and int(x.min()) == np.iinfo(np.int64).min:
        return None
    neg = x < 0
    mag = np.abs(x)
    n_digits = np.ones(x.size, dtype=np.int64)
    for k in range(1, 19):
        n_digits += mag >= 10**k
    lengths = n_digits + neg
    codes = np.zeros((x.size, max(int(lengths.max(initial=1)), 1)), dtype=np.uint8)
    codes[neg, 0] = ord("-")
    for nd in np.flatnonzero(np.bincount(n_digits)):
        rows = np.flatnonzero(n_digits == nd)
        m, off = mag[rows], neg[rows].astype(np.int64)
        for k in range(nd):  # k-th digit from the left
            codes[rows, off + k] = 48 + (m // 10 ** (nd - 1 - k)) % 10
    return codes, lengths


def backend() -> str:
    """Which SHA-256 implementation :func:`prn` uses: ``"sha-ni"``, ``"portable C"`` or ``"numpy"``.

    Examples
    --------
    >>> backend() in ("sha-ni", "portable C", "numpy")
    True
    """
    if _prn_ext is None:
        return "numpy"
    return "sha-ni" if _prn_ext.has_sha_ni() else "portable C"


def prn(ids: Any, salt: str, *, threads: int | None = None) -> np.ndarray:
    """Permanent random numbers in [0, 1) for customer ``ids`` (SHA-256 of ``salt ‖ id``).

    Parameters
    ----------
    ids : array_like or pandas.Series
        Customer ids (strings, hashed as UTF-8, or integers, hashed as decimal text).
    salt : str
        Programme salt; changing it draws a new, independent set of numbers.
    threads : int, optional
        Worker threads (default: up to 2; the hash releases the GIL).

    Returns
    -------
    ndarray of float64
        ``u`` per id: top 53 bits of ``SHA-256(salt ‖ id)`` over ``2**53``.

    Notes
    -----
    The C kernel (SHA-NI or portable C) is used when it was built, the numpy
    implementation otherwise; both give the same numbers, bit for bit.

    Examples
    --------
    >>> u = prn(["C0000001", "C0000002"], salt="satscore")
    >>> bool(abs(u[0] - prn_reference("C0000001", "satscore")) == 0)
    True
    >>> print(f"{u[0]:.6f}")
    0.428328
    """
    if threads is not None and (
        isinstance(threads, bool) or int(threads) != threads or threads < 1
    ):
        msg = f"threads must be a positive integer; found {threads!r}. Pass e.g. threads=1."
        raise OptionError(msg)
    salt_b = salt.encode("utf-8")
    codes, lengths = _id_bytes(ids)
    n = codes.shape[0]
    out = np.empty(n, dtype=np.float64)
    n_threads = int(threads) if threads is not None else min(2, os.cpu_count() or 1)
    if _prn_ext is not None:
        _prn_c(_prn_ext, salt_b, codes, lengths, out, n_threads)
    else:
        _prn_numpy(salt_b, codes, lengths, out, n_threads)
    return out


# C kernel: rows per thread at least this many (about 2 ms of SHA-NI work, 14 ms portable)
_MIN_ROWS_PER_THREAD = 1 << 15


def _prn_c(
    ext: Any, salt: bytes, codes: np.ndarray, lengths: np.ndarray, out: np.ndarray, n_threads: int
) -> None:
    """PRNs with the C kernel ``ext``, the rows split in ``n_threads`` contiguous ranges."""
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    lengths = np.ascontiguousarray(lengths, dtype=np.int64)
    n = codes.shape[0]
    n_threads = max(1, min(n_threads, n // _MIN_ROWS_PER_THREAD))
    if n_threads == 1:
        ext.prn_batch(salt, codes, lengths, out)
        return
    bounds = np.linspace(0, n, n_threads + 1).astype(np.int64).tolist()
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        jobs = [
            pool.submit(ext.prn_batch, salt, codes, lengths, out, lo, hi)
            for lo, hi in itertools.pairwise(bounds)
        ]
        for job in jobs:
            job.result()


def _prn_numpy(
    salt: bytes, codes: np.ndarray, lengths: np.ndarray, out: np.ndarray, n_threads: int
) -> None:
    """PRNs with the numpy SHA-256, ids grouped by byte length and hashed in chunks."""
    n = codes.shape[0]
    salt_arr = np.frombuffer(salt, dtype=np.uint8)
    # one thread: L2-sized chunks; several: longer ufunc calls, fewer GIL hand-offs (measured)
    chunk = _CHUNK if n_threads == 1 or n < 8 * _CHUNK_THREADED else _CHUNK_THREADED
    n_threads = n_threads if chunk == _CHUNK_THREADED else 1
    jobs = []
    for length in np.flatnonzero(np.bincount(lengths)):
        rows = np.flatnonzero(lengths == length) if lengths.size else lengths
        for start in range(0, rows.size, chunk):
            jobs.append((int(length), rows[start : start + chunk]))

    def work(job: tuple[int, np.ndarray]) -> None:
        length, rows = job
        msg = np.empty((rows.size, salt_arr.size + length), dtype=np.uint8)
        msg[:, : salt_arr.size] = salt_arr
        msg[:, salt_arr.size :] = codes[rows, :length]
        words = sha256_words(msg, salt_arr.size + length, n_words=2).astype(np.uint64)
        top = (words[:, 0] << np.uint64(32)) | words[:, 1]
        out[rows] = (top >> np.uint64(11)).astype(np.float64) * 2.0**-53

    if n_threads > 1 and len(jobs) > 1:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(work, jobs))
    else:
        for job in jobs:
            work(job)


def prn_reference(customer_id: Any, salt: str) -> float:
    """The PRN of one id computed with :mod:`hashlib` (the documented definition).

    Examples
    --------
    >>> bool(prn_reference("C0000001", "satscore") == prn(["C0000001"], "satscore")[0])
    True
    """
    digest = hashlib.sha256(salt.encode("utf-8") + str(customer_id).encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) * 2.0**-53

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
identical numbers (the tests compare them bit for bit, and with
:func:`prn_reference`); :func:`backend` says which one is active:

- ``"sha-ni"`` / ``"portable-c"``: the C kernel ``satscore._stats._prn_ext`` when it was
  built (the usual case): FIPS 180-4 SHA-256 with the salt's whole blocks compressed
  once, on the CPU's SHA instructions (SHA-NI) when it has them, portable C otherwise;
  it releases the GIL, so large frames are split in row ranges over up to two threads;
- ``"hashlib"``: otherwise :func:`hashlib.sha256` per id, from a copy of the salt's
  midstate (about a microsecond per id, one thread: hashlib keeps the GIL for short
  messages); the bytes of the ids and the digests' conversion are vectorised.
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

try:  # the C kernel (setup.py builds it; optional: hashlib is the fallback)
    from satscore._stats import _prn_ext
except ImportError:  # pragma: no cover - built without a C compiler
    _prn_ext = None

__all__ = ["backend", "id_bytes", "prn", "prn_reference"]


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


def id_bytes(ids: Any) -> tuple[np.ndarray, np.ndarray]:
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
    """The SHA-256 implementation :func:`prn` uses: ``"sha-ni"``, ``"portable-c"``, ``"hashlib"``.

    ``"sha-ni"``: the C kernel on the CPU's SHA instructions; ``"portable-c"``: the C
    kernel in portable C (no SHA-NI on this CPU); ``"hashlib"``: the C kernel was not
    built (no compiler at install) and :mod:`hashlib` hashes each id.

    Examples
    --------
    >>> backend() in ("sha-ni", "portable-c", "hashlib")
    True
    """
    if _prn_ext is None:
        return "hashlib"
    return "sha-ni" if _prn_ext.has_sha_ni() else "portable-c"


def prn(ids: Any, salt: str, *, threads: int | None = None) -> np.ndarray:
    """Permanent random numbers in [0, 1) for customer ``ids`` (SHA-256 of ``salt ‖ id``).

    Parameters
    ----------
    ids : array_like or pandas.Series
        Customer ids (strings, hashed as UTF-8, or integers, hashed as decimal text).
    salt : str
        Programme salt; changing it draws a new, independent set of numbers.
    threads : int, optional
        Worker threads of the C kernel (default: up to 2; it releases the GIL). The hashlib
        fallback runs on one thread.

    Returns
    -------
    ndarray of float64
        ``u`` per id: top 53 bits of ``SHA-256(salt ‖ id)`` over ``2**53``.

    Notes
    -----
    The C kernel (SHA-NI or portable C) is used when it was built, :mod:`hashlib`
    otherwise (:func:`backend`); both give the same numbers, bit for bit.

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
    codes, lengths = id_bytes(ids)
    n = codes.shape[0]
    out = np.empty(n, dtype=np.float64)
    n_threads = int(threads) if threads is not None else min(2, os.cpu_count() or 1)
    if _prn_ext is not None:
        _prn_c(_prn_ext, salt_b, codes, lengths, out, n_threads)
    else:
        _prn_hashlib(salt_b, codes, lengths, out)
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


_HASHLIB_ROWS = 1 << 16  # ids per batch of the hashlib fallback (bounds the digest list)


def _prn_hashlib(salt: bytes, codes: np.ndarray, lengths: np.ndarray, out: np.ndarray) -> None:
    """PRNs with :func:`hashlib.sha256`, one digest per id.

    The salt's whole 64-byte blocks are hashed once (a midstate that every id's hash
    copies); the rest of the salt and the ids of one byte length are one contiguous
    buffer (a numpy copy), sliced per id without copying; the first 8 bytes of a batch
    of digests become numbers in one step.
    """
    cut = len(salt) - len(salt) % 64
    sha = hashlib.sha256
    midstate = sha(salt[:cut]) if cut else None
    rest = np.frombuffer(salt[cut:], dtype=np.uint8)
    for length in np.flatnonzero(np.bincount(lengths)) if lengths.size else ():
        same = np.flatnonzero(lengths == length)
        width = rest.size + int(length)
        for lo in range(0, same.size, _HASHLIB_ROWS):
            rows = same[lo : lo + _HASHLIB_ROWS]
            msg = np.empty((rows.size, width), dtype=np.uint8)
            msg[:, : rest.size] = rest
            msg[:, rest.size :] = codes[rows, : int(length)]
            buf = memoryview(msg.tobytes())
            starts = range(0, rows.size * width, width) if width else [0] * rows.size
            if midstate is None:
                digests = [sha(buf[a : a + width]).digest() for a in starts]
            else:
                digests = [_update(midstate.copy(), buf[a : a + width]) for a in starts]
            top = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(rows.size, 32)
            words = np.ascontiguousarray(top[:, :8]).view(">u8").ravel().astype(np.uint64)
            out[rows] = (words >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _update(h: Any, message: memoryview) -> bytes:
    h.update(message)
    return h.digest()


def prn_reference(customer_id: Any, salt: str) -> float:
    """The PRN of one id computed with :mod:`hashlib` (the documented definition).

    Examples
    --------
    >>> bool(prn_reference("C0000001", "satscore") == prn(["C0000001"], "satscore")[0])
    True
    """
    digest = hashlib.sha256(salt.encode("utf-8") + str(customer_id).encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) * 2.0**-53

"""Bootstrap replicates of raw alpha for :func:`satscore.cronbach_alpha` (bootstrap CI).

A resample is a vector of multiplicities ``w`` (how often each row is drawn); the pairwise
sums a resample needs are ``w @ P`` for the per-row products ``P`` of each item pair, so a
block of resamples is a handful of matrix products (psych ``alpha(n.iter = ...)`` refits
each resample).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["bootstrap_alpha"]

_CHUNK_ELEMENTS = 2e7  # largest per-row pair-product array held at once


def bootstrap_alpha(
    X: np.ndarray, n_boot: int, rng: np.random.Generator, listwise: bool
) -> np.ndarray:
    """Raw alpha of ``n_boot`` row resamples, all at once.

    A resample is a vector of multiplicities ``w`` (how often each row is drawn); the
    pairwise sums it needs are ``w @ P`` for the per-row products ``P`` of each item pair,
    so a block of resamples is a handful of matrix products. For very many rows the
    products are formed in row chunks to bound memory.
    """
    n, k = X.shape
    iu, ju = np.triu_indices(k)
    nan = np.isnan(X)
    Z = X - np.nanmean(X, axis=0)
    Z = np.where(nan, 0.0, Z)
    M = (~nan).astype(float)
    has_missing = bool(nan.any()) and not listwise
    chunk = max(1, int(_CHUNK_ELEMENTS // (iu.size * (4 if has_missing else 1))))
    cached = _pair_sums_factory(Z, M, iu, ju, has_missing) if n <= chunk else None
    diag = iu == ju
    weight = np.where(diag, 1.0, 2.0)
    out = np.empty(n_boot)
    block = max(1, min(n_boot, int(2e7 // max(n, 1))))
    for start in range(0, n_boot, block):
        b = min(block, n_boot - start)
        idx = rng.integers(0, n, size=(b, n))
        flat = (idx + (np.arange(b) * n)[:, None]).ravel()
        W = np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)
        if cached is not None:
            sxy, cnt, si, sj = cached(W, slice(None))
        else:
            sums = [
                _chunk_sums(W, Z, M, iu, ju, has_missing, slice(r, r + chunk))
                for r in range(0, n, chunk)
            ]
            sxy, cnt, si, sj = (sum(parts) for parts in zip(*sums, strict=True))
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = (sxy - si * sj / cnt) / (cnt - 1.0)
        tr = cov[:, diag].sum(axis=1)
        total = (cov * weight).sum(axis=1)
        out[start : start + b] = (1.0 - tr / total) * k / (k - 1.0)
    return out


def _chunk_sums(
    W: np.ndarray,
    Z: np.ndarray,
    M: np.ndarray,
    iu: np.ndarray,
    ju: np.ndarray,
    has_missing: bool,
    rows: slice,
) -> tuple[np.ndarray, ...]:
    """Weighted pairwise sums over a slice of rows: sum xy, count, sum x, sum y."""
    return _pair_sums_factory(Z[rows], M[rows], iu, ju, has_missing)(W[:, rows], slice(None))


def _pair_sums_factory(
    Z: np.ndarray, M: np.ndarray, iu: np.ndarray, ju: np.ndarray, has_missing: bool
) -> Any:
    """Per-row pair products of (a slice of) the data, and a function weighting them."""
    P_xy = Z[:, iu] * Z[:, ju]
    if has_missing:
        P_n = M[:, iu] * M[:, ju]
        P_xi = Z[:, iu] * M[:, ju]
        P_xj = M[:, iu] * Z[:, ju]

    def sums(W: np.ndarray, _rows: slice) -> tuple[np.ndarray, ...]:
        sxy = W @ P_xy
        if has_missing:
            return sxy, W @ P_n, W @ P_xi, W @ P_xj
        s = W @ Z
        cnt = np.broadcast_to(W.sum(axis=1, keepdims=True), sxy.shape)
        return sxy, cnt, s[:, iu], s[:, ju]

    return sums

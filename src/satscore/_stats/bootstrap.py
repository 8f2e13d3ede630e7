"""Seeded, vectorised within-segment bootstrap for (weighted) means, with BCa.

Every metric satscore reports is a weighted mean ``sum w z / sum w`` over the
valid answers of a segment, so one resampling scheme serves all of them:
respondents are resampled with replacement *within* each segment (the segment
sizes are fixed, as in a stratified bootstrap); a chunk of replicates is a
matrix of resampling counts, and the replicate estimates of every metric come
from one matrix product per segment and chunk — no Python loop over
respondents, replicates or metrics.

BCa (Efron 1987): bias correction ``z0 = Φ⁻¹(share of replicates below the
estimate, ties counted half)`` and acceleration from the closed-form jackknife
of a ratio mean, ``θ_(i) = (S - w_i z_i) / (W - w_i)``, over the segment's
respondents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = ["BootstrapResult", "bias_correction", "bootstrap_means"]

_MAX_CELLS = 8_000_000  # replicate-by-respondent cells drawn per chunk


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap distribution summaries, each of shape ``(G, S)``.

    Attributes
    ----------
    replicates : ndarray
        ``(B, G, S)`` replicate estimates.
    z0 : ndarray
        BCa bias correction.
    accel : ndarray
        BCa acceleration.
    """

    replicates: np.ndarray
    z0: np.ndarray
    accel: np.ndarray

    def bounds(self, tail_alpha: float, *, bca: bool) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds with ``tail_alpha`` in each tail."""
        za = special.ndtri(tail_alpha)
        if bca:
            lo_q = _bca_level(self.z0, self.accel, za)
            hi_q = _bca_level(self.z0, self.accel, -za)
        else:
            lo_q = np.full(self.z0.shape, tail_alpha)
            hi_q = np.full(self.z0.shape, 1.0 - tail_alpha)
        return _quantile(self.replicates, lo_q), _quantile(self.replicates, hi_q)

    def p_values(self, target: np.ndarray, *, bca: bool) -> tuple[np.ndarray, np.ndarray]:
        """``(p_greater, p_less)``: the levels at which a one-sided bound equals *target*."""
        reps = self.replicates
        b = reps.shape[0]
        f = (np.sum(reps < target, axis=0) + np.sum(reps <= target, axis=0)) / (2.0 * b)
        f = np.clip(f, 0.5 / b, 1.0 - 0.5 / b)
        if not bca:
            return f, 1.0 - f
        w = special.ndtri(f) - self.z0
        u = w / (1.0 + self.accel * w)
        p_greater = special.ndtr(u - self.z0)
        return p_greater, 1.0 - p_greater


def _bca_level(z0: np.ndarray, accel: np.ndarray, z: float) -> np.ndarray:
    num = z0 + z
    return special.ndtr(z0 + num / (1.0 - accel * num))


def _quantile(reps: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per-(G, S) quantiles at per-cell levels ``q`` (linear interpolation, NaN-aware)."""
    srt = np.sort(reps, axis=0)  # NaN sort last
    valid = np.sum(~np.isnan(reps), axis=0)
    pos = np.clip(q, 0.0, 1.0) * np.maximum(valid - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(valid - 1, 0))
    frac = pos - lo
    v_lo = np.take_along_axis(srt, lo[None], axis=0)[0]
    v_hi = np.take_along_axis(srt, hi[None], axis=0)[0]
    out = v_lo + frac * (v_hi - v_lo)
    return np.where(valid > 0, out, np.nan)


def bootstrap_means(
    z: np.ndarray,
    segment: np.ndarray,
    n_segments: int,
    *,
    weights: np.ndarray | None,
    estimate: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
) -> BootstrapResult:
    """Bootstrap the per-segment weighted means of each column of ``z`` (n, S).

    Within each segment, a chunk of replicates is a matrix of resampling counts
    ``C`` (replicates x respondents, from one ``np.bincount`` of uniform draws);
    the replicate sums of ``w z`` and ``w`` for every column are then one matrix
    product ``C @ [w z, w]``. ``estimate`` is the (G, S) full-sample estimate
    (used for BCa). Replicates in which a segment has no valid answer for a
    column are NaN.
    """
    n, s = z.shape
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    valid = ~np.isnan(z)
    wz = np.where(valid, z * w[:, None], 0.0)
    wv = np.where(valid, w[:, None], 0.0)
    both = np.concatenate([wz, wv], axis=1)
    reps = np.full((n_boot, n_segments, s), np.nan)
    order = np.argsort(segment, kind="stable")
    bounds = np.searchsorted(segment[order], np.arange(n_segments + 1))
    for g in range(n_segments):  # per segment: one matrix product per replicate chunk
        rows = order[bounds[g] : bounds[g + 1]]
        m = len(rows)
        if m == 0:
            continue
        block = both[rows]
        chunk = max(1, min(n_boot, _MAX_CELLS // m))
        for b0 in range(0, n_boot, chunk):
            bc = min(chunk, n_boot - b0)
            draws = rng.integers(0, m, size=(bc, m))
            draws += (np.arange(bc) * m)[:, None]
            counts = np.bincount(draws.ravel(), minlength=bc * m).reshape(bc, m)
            sums = counts @ block  # (bc, 2S)
            with np.errstate(invalid="ignore", divide="ignore"):
                reps[b0 : b0 + bc, g, :] = sums[:, :s] / sums[:, s:]
    z0 = bias_correction(reps, np.asarray(estimate, float))
    accel = _jackknife_accel(wz, wv, segment, n_segments)
    return BootstrapResult(replicates=reps, z0=z0, accel=accel)


def bias_correction(reps: np.ndarray, estimate: np.ndarray) -> np.ndarray:
    """BCa ``z0 = Φ⁻¹(share of replicates below the estimate)``, ties counted half.

    Without ties this is R ``boot:::bca.ci``'s ``qnorm(mean(t < t0))``; counting
    ties half (as scipy's BCa) keeps discrete statistics such as a top-box share,
    whose replicates often equal the estimate, unbiased. The share is kept in
    ``[1/(2B), 1 - 1/(2B)]`` so ``z0`` stays finite.
    """
    b = reps.shape[0]
    below = (np.sum(reps < estimate, axis=0) + np.sum(reps <= estimate, axis=0)) / (2.0 * b)
    return special.ndtri(np.clip(below, 0.5 / b, 1.0 - 0.5 / b))


def _jackknife_accel(
    wz: np.ndarray, wv: np.ndarray, segment: np.ndarray, n_segments: int
) -> np.ndarray:
    """Closed-form jackknife acceleration of per-segment ratio means (G, S)."""
    inside = segment >= 0
    g = segment[inside]
    wz = wz[inside]
    wv = wv[inside]
    n_g = np.bincount(g, minlength=n_segments).astype(float)
    out = np.zeros((n_segments, wz.shape[1]))
    for j in range(wz.shape[1]):
        s_tot = np.bincount(g, weights=wz[:, j], minlength=n_segments)
        w_tot = np.bincount(g, weights=wv[:, j], minlength=n_segments)
        with np.errstate(invalid="ignore", divide="ignore"):
            theta_i = (s_tot[g] - wz[:, j]) / (w_tot[g] - wv[:, j])
            theta_bar = np.bincount(g, weights=np.nan_to_num(theta_i), minlength=n_segments)
            theta_bar = theta_bar / n_g
            d = theta_bar[g] - theta_i
            d = np.where(np.isfinite(d), d, 0.0)
            num = np.bincount(g, weights=d**3, minlength=n_segments)
            den = np.bincount(g, weights=d**2, minlength=n_segments)
            a = num / (6.0 * den**1.5)
        out[:, j] = np.where(np.isfinite(a), a, 0.0)
    return out

"""Polychoric correlations by two-step maximum likelihood, as ``psych::polychoric`` 2.2.9.

Step 1 (thresholds): answers are shifted so the smallest code is category 1; for each item
the thresholds are ``qnorm`` of the cumulative proportions of its answered categories
(``tau``). Step 2 (correlations): for each pair, the ``rho`` maximising
``sum p_ab log P_ab(rho)`` over the pair's contingency table, where ``P_ab`` are bivariate
normal rectangle probabilities between the thresholds (cells with ``P_ab = 0`` are left
out, as psych does).

psych's two modes are reproduced:

- *global* thresholds (every item has the same highest category): the item thresholds
  above, no continuity correction;
- otherwise (psych warns and sets ``global = FALSE``): per-pair tables with empty rows
  and columns removed, empty cells replaced by ``correct / n`` and thresholds from that
  table's margins.

All pairs are estimated at once: the contingency tables come from one bincount over all
pairs, and psych's search -- R's ``optimize`` on (-1, 1), Brent's method with tolerance
``eps^0.25`` -- runs for every pair simultaneously (:mod:`satscore._stats.brent`) with vectorised
bivariate normal CDFs. Following psych's search rather than solving the likelihood equation
exactly matters where the likelihood is flat (an empty cell pushes rho towards +-1: psych
stops near the point where the likelihood stops changing, an exact solver goes on towards 1)
and keeps ordinary estimates within about 1e-8 of psych's instead of ~1e-4. A
non-positive-definite result is smoothed with :func:`~satscore._stats.correlation.cor_smooth`.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from satscore._core.checks import numeric_frame
from satscore._core.errors import (
    DataError,
    NonPositiveDefiniteWarning,
    OptionError,
    SatscoreWarning,
)
from satscore._core.results import ResultMixin
from satscore._psychometrics.streamed import polychoric_tables
from satscore._stats.bivariate_normal import bvn_cdf
from satscore._stats.brent import brent_fmin
from satscore._stats.correlation import cor_smooth
from satscore._stream.chunks import is_out_of_core

__all__ = ["PolychoricResult", "polychoric"]


@dataclasses.dataclass(frozen=True)
class PolychoricResult(ResultMixin):
    """Result of :func:`polychoric`.

    Attributes
    ----------
    rho : pandas.DataFrame
        Polychoric correlation matrix (smoothed if it was not positive definite).
    thresholds : pandas.DataFrame
        Items x thresholds ``t1``..``t{m-1}`` (psych ``tau``); ``-inf``/``inf`` mark
        categories an item never uses.
    n : int
        Number of respondents (rows).
    n_pairs : pandas.DataFrame
        Respondents answering both items of each pair.
    smoothed : bool
        Whether the matrix was not positive definite and was smoothed.
    global_thresholds : bool
        True when the item thresholds were used for every pair; False when items have
        different numbers of categories and each pair used its own table's margins.
    corrected_cells : int
        Empty cells replaced by the continuity correction (only without global
        thresholds).
    rho_raw : pandas.DataFrame
        The pairwise estimates before smoothing.
    """

    rho: pd.DataFrame
    thresholds: pd.DataFrame
    n: int
    n_pairs: pd.DataFrame
    smoothed: bool
    global_thresholds: bool
    corrected_cells: int
    rho_raw: pd.DataFrame = dataclasses.field(repr=False)

    _title = "Polychoric correlations"

    def summary(self) -> pd.DataFrame:
        """One row per item pair: ``item1``, ``item2``, ``rho``, ``rho_raw``, ``n``."""
        names = list(self.rho.columns)
        i, j = np.triu_indices(len(names), 1)
        return pd.DataFrame(
            {
                "item1": [names[a] for a in i],
                "item2": [names[b] for b in j],
                "rho": self.rho.to_numpy()[i, j],
                "rho_raw": self.rho_raw.to_numpy()[i, j],
                "n": self.n_pairs.to_numpy()[i, j],
            }
        )

    def __repr__(self) -> str:
        return (
            f"PolychoricResult(k={self.rho.shape[0]}, n={self.n}, smoothed={self.smoothed}, "
            f"global_thresholds={self.global_thresholds})"
        )


def _codes(data: Any, max_categories: int) -> tuple[pd.DataFrame, np.ndarray, int]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        frame = numeric_frame(data, min_columns=2, min_rows=3, what="data")
    X = frame.to_numpy()
    finite = X[~np.isnan(X)]
    if np.isinf(finite).any() or not np.all(finite == np.round(finite)):
        col = next(
            c
            for c in frame.columns
            if not np.all(np.isfinite(frame[c].dropna()))
            or not np.all(frame[c].dropna() == frame[c].dropna().round())
        )
        msg = (
            f"item {col!r} has non-integer answers; polychoric correlations need ordinal "
            "integer codes (e.g. 1..5). Recode the item or use Pearson correlations."
        )
        raise DataError(msg)
    sd = frame.std()
    const = [str(c) for c in frame.columns if not (sd[c] > 0)]
    if const:
        msg = (
            f"item(s) {const} have no variance (every answer the same); a polychoric "
            "correlation is undefined for them. Drop them before calling polychoric."
        )
        raise DataError(msg)
    lo, hi = finite.min(), finite.max()
    m = int(hi - lo + 1)
    if m > max_categories:
        col_lo = [str(c) for c in frame.columns if frame[c].min() == lo]
        col_hi = [str(c) for c in frame.columns if frame[c].max() == hi]
        msg = (
            f"the items span {m} categories ({lo:g} in {col_lo[:3]} .. {hi:g} in "
            f"{col_hi[:3]}), more than max_categories={max_categories}; polychoric "
            "correlations are meant for ordinal items with few categories. Check those items' "
            "coding, use Pearson correlations, or raise max_categories."
        )
        raise DataError(msg)
    codes = X - lo  # 0 .. m-1, NaN missing
    return frame, codes, m


def _tables(codes: np.ndarray, m: int) -> np.ndarray:
    """All pairwise contingency tables, shape (k, k, m, m) (rows: first item's category).

    A missing answer is coded as an extra category ``m``; each pair's cell
    ``a * (m + 1) + b`` is counted with one ``bincount`` over all pairs (rows in blocks to
    bound memory) and the extra row and column are dropped.
    """
    n, k = codes.shape
    iu, ju = np.triu_indices(k)
    p = iu.size
    w = m + 1
    c = np.where(np.isnan(codes), m, codes).astype(np.int32)
    counts = np.zeros(p * w * w, dtype=np.int64)
    offset = (np.arange(p, dtype=np.int32) * (w * w))[None, :]
    ci_all = c * w
    block = max(1, int(2e7 // max(p, 1)))
    for start in range(0, n, block):
        cell = ci_all[start : start + block, iu] + c[start : start + block, ju] + offset
        counts += np.bincount(cell.ravel(), minlength=p * w * w)
    tabs = counts.reshape(p, w, w)[:, :m, :m].astype(float)
    T = np.empty((k, k, m, m))
    T[iu, ju] = tabs
    T[ju, iu] = tabs.transpose(0, 2, 1)
    return T


def _cuts(cum: np.ndarray) -> np.ndarray:
    """Cumulative proportions (..., m-1) -> thresholds padded with -inf/+inf (..., m+1)."""
    with np.errstate(divide="ignore"):
        inner = special.ndtri(np.clip(cum, 0.0, 1.0))
    inner = np.where(cum >= 1.0, np.inf, inner)
    pad_lo = np.full((*cum.shape[:-1], 1), -np.inf)
    pad_hi = np.full((*cum.shape[:-1], 1), np.inf)
    return np.concatenate([pad_lo, inner, pad_hi], axis=-1)


def _cell_probs(rho: np.ndarray, ra: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """Bivariate normal rectangle probabilities of every cell, shape (p, m, m)."""
    F = bvn_cdf(ra[:, :, None], cb[:, None, :], rho[:, None, None])
    return F[:, 1:, 1:] - F[:, :-1, 1:] - F[:, 1:, :-1] + F[:, :-1, :-1]


def _fit(tab: np.ndarray, ra: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """psych's ``optimize(polyF, interval = c(-1, 1))`` for every pair at once.

    ``polyF`` is ``-sum(tab * log(P))`` over the cells with ``P > 0``; the search is R's
    Brent ``fmin`` with its default tolerance (:func:`~satscore._stats.brent.brent_fmin`), so the
    estimates stop where psych's do -- also where the likelihood is flat.
    """

    def neg_loglik(rho: np.ndarray, idx: np.ndarray) -> np.ndarray:
        P = _cell_probs(rho, ra[idx], cb[idx])
        use = P > 0
        return -np.where(use, tab[idx] * np.log(np.where(use, P, 1.0)), 0.0).sum(axis=(1, 2))

    return brent_fmin(neg_loglik, -1.0, 1.0, tab.shape[0])


def polychoric(
    data: Any,
    *,
    correct: float = 0.5,
    smooth: bool = True,
    max_categories: int = 8,
) -> PolychoricResult:
    """Polychoric correlation matrix of ordinal items (two-step ML, as psych).

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Integer-coded ordinal answers, respondents in rows; NaN marks a missing answer
        (each pair uses the respondents who answered both).
    correct : float, default 0.5
        Count added to empty cells when items have different numbers of categories
        (psych uses it only then; with common categories empty cells simply have zero
        weight). ``0`` turns the correction off.
    smooth : bool, default True
        Smooth a non-positive-definite matrix (psych ``cor.smooth``) and warn.
    max_categories : int, default 8
        More categories than this raise an error (psych ``max.cat``).

    Returns
    -------
    PolychoricResult

    Raises
    ------
    DataError
        Non-integer or non-numeric answers, a constant or empty item, too many
        categories, or a pair of items with fewer than two categories in common.

    Warns
    -----
    NonPositiveDefiniteWarning
        When the matrix was smoothed.
    SatscoreWarning
        When items have different numbers of categories (per-pair thresholds are used).

    Examples
    --------
    >>> import pandas as pd
    >>> import satscore
    >>> df = pd.DataFrame(
    ...     {
    ...         "q1": [1, 2, 2, 3, 4, 4, 5, 3, 2, 4, 5, 1, 3, 4, 2],
    ...         "q2": [2, 2, 3, 3, 4, 5, 5, 2, 1, 4, 4, 1, 3, 3, 2],
    ...         "q3": [1, 3, 2, 4, 3, 4, 5, 3, 2, 5, 4, 2, 2, 4, 1],
    ...     }
    ... )
    >>> pc = satscore.polychoric(df)
    >>> # R: psych::polychoric(df)$rho
    >>> pc.rho.round(3).to_numpy().tolist()
    [[1.0, 0.907, 0.879], [0.907, 1.0, 0.754], [0.879, 0.754, 1.0]]
    """
    correct = float(correct)
    if not correct >= 0:
        msg = f"correct must be a non-negative number; found {correct!r}. psych uses 0.5."
        raise OptionError(msg)
    if is_out_of_core(data):  # chunks or a dask DataFrame: tables from mergeable summaries
        names, T, n, m = polychoric_tables(data, int(max_categories))
        k = len(names)
    else:
        frame, codes, m = _codes(data, int(max_categories))
        names = [str(c) for c in frame.columns]
        n, k = codes.shape
        T = _tables(codes, m)
    marg = np.einsum("iiaa->ia", T)  # category counts of each item
    n_item = marg.sum(axis=1)
    tau_cum = np.cumsum(marg, axis=1)[:, :-1] / n_item[:, None]
    tau = _cuts(tau_cum)  # (k, m+1)
    top = np.array([np.flatnonzero(marg[i]).max() for i in range(k)])
    global_mode = bool(np.all(top == top[0]))
    iu, ju = np.triu_indices(k, 1)
    tabs = T[iu, ju]  # (p, m, m): rows = item iu, columns = item ju
    tot = tabs.sum(axis=(1, 2))
    empty = tot == 0
    if empty.any():
        a, b = names[iu[empty][0]], names[ju[empty][0]]
        msg = (
            f"items {a!r} and {b!r} were never answered by the same respondent, so their "
            "polychoric correlation is undefined; drop one of them or collect more data."
        )
        raise DataError(msg)
    props = tabs / tot[:, None, None]
    fixed = 0
    if global_mode:
        ra, cb = tau[iu], tau[ju]
    else:
        tops = {int(t) for t in top}
        by_top = "; ".join(
            f"{[names[i] for i in np.flatnonzero(top == t)][:4]} reach category {t + 1}"
            for t in sorted(tops)
        )
        warnings.warn(
            f"the items do not all have the same highest category ({by_top}; categories "
            f"counted from the lowest code, of {m}), so each pair "
            "uses its own table's margins (psych sets global = FALSE); empty cells get the "
            f"continuity correction {correct}. Expected for items with different response "
            "scales; otherwise check the coding of the items with fewer categories.",
            SatscoreWarning,
            stacklevel=2,
        )
        rows_ok = props.sum(axis=2) > 0
        cols_ok = props.sum(axis=1) > 0
        valid = rows_ok[:, :, None] & cols_ok[:, None, :]
        few = (rows_ok.sum(axis=1) < 2) | (cols_ok.sum(axis=1) < 2)
        if few.any():
            a, b = names[iu[few][0]], names[ju[few][0]]
            msg = (
                f"items {a!r} and {b!r} have fewer than two categories among the "
                "respondents answering both; their polychoric correlation is undefined. "
                "Drop one of them or merge sparse categories."
            )
            raise DataError(msg)
        zero = valid & (props == 0)
        if correct > 0:
            fixed = int(zero.any(axis=(1, 2)).sum())
            props = np.where(zero, correct / tot[:, None, None], props)
        rsum, csum = props.sum(axis=2), props.sum(axis=1)
        ra = _pair_cuts(rsum, rows_ok)
        cb = _pair_cuts(csum, cols_ok)
    rho = _fit(props, ra, cb)
    R = np.eye(k)
    R[iu, ju] = rho
    R[ju, iu] = rho
    raw = pd.DataFrame(R, index=names, columns=names)
    smoothed = False
    if smooth:
        R, smoothed = cor_smooth(R)
        if smoothed:
            warnings.warn(
                "the polychoric correlation matrix was not positive definite and was "
                "smoothed (psych cor.smooth); see result.rho_raw for the unsmoothed values.",
                NonPositiveDefiniteWarning,
                stacklevel=2,
            )
    if fixed and correct > 0:
        first = np.flatnonzero(zero.any(axis=(1, 2)))[:3]
        pairs = ", ".join(f"{names[iu[q]]}-{names[ju[q]]}" for q in first)
        warnings.warn(
            f"{fixed} table(s) had empty cells adjusted by the continuity correction "
            f"{correct} (e.g. {pairs}); examine sparse categories or merge them.",
            SatscoreWarning,
            stacklevel=2,
        )
    thr = pd.DataFrame(tau[:, 1:-1], index=names, columns=[f"t{c + 1}" for c in range(m - 1)])
    pairs = np.rint(T.sum(axis=(2, 3))).astype(np.int64)
    return PolychoricResult(
        rho=pd.DataFrame(R, index=names, columns=names),
        thresholds=thr,
        n=int(n),
        n_pairs=pd.DataFrame(pairs, index=names, columns=names),
        smoothed=smoothed,
        global_thresholds=global_mode,
        corrected_cells=fixed,
        rho_raw=raw,
    )


def _pair_cuts(margin: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Per-pair thresholds from (unnormalised, corrected) margins; empty categories removed.

    psych drops empty rows/columns and takes ``qnorm(cumsum(margin))`` without the last
    category. Keeping the empty categories as zero-width bands gives the same cells.
    """
    cum = np.cumsum(margin, axis=1)
    last = margin.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1)  # last non-empty category
    cat = np.arange(margin.shape[1] - 1)[None, :]
    # psych does not renormalise the corrected table; when that pushes a cumulative share
    # past 1 before the last category psych fails (NaN thresholds). Renormalise those pairs.
    over = ((cum[:, :-1] > 1.0) & (cat < last[:, None])).any(axis=1)
    cum[over] = cum[over] / cum[over, -1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = special.ndtri(cum[:, :-1])
    inner = np.where(cat >= last[:, None], np.inf, inner)
    inner = np.where(cum[:, :-1] <= 0, -np.inf, inner)
    p = margin.shape[0]
    return np.concatenate([np.full((p, 1), -np.inf), inner, np.full((p, 1), np.inf)], axis=1)

"""Building blocks of :func:`satscore.cronbach_alpha`: data preparation, keys, item tables.

Formulas follow ``psych::alpha`` 2.2.9 (``alpha.1``, ``item.stats``, ``alpha.drop``,
``response.frequencies``).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ._alpha_moments import BYTE_VALUES, byte_counts, int8_codes, pairwise_total_sums
from ._checks import numeric_frame
from ._correlation import (
    _centre,
    _cov2cor,
    _covariance_from_cross,
    _pairwise_cov_cor,
    _pairwise_products,
    covariance,
    smc,
)
from .errors import DataError, OptionError, SatscoreWarning

__all__ = ["PreparedItems", "alpha_stats", "drop_table", "item_table", "prepare_items"]

_MAX_CATEGORIES = 10  # psych's ``max``: frequencies only for at most this many answers


@dataclasses.dataclass(frozen=True)
class PreparedItems:
    """Validated item data and the summaries :func:`item_table` needs."""

    X: np.ndarray  # answers as given (not reversed), items without variance dropped
    sign: np.ndarray  # +1 / -1 per item
    flip: float  # reversal constant min + max (``flip - x``)
    cov: np.ndarray  # keyed covariance matrix
    names: list[str]
    n: int
    k: int
    item_n: np.ndarray
    item_mean: np.ndarray  # keyed
    item_sd: np.ndarray
    score_mean: float
    score_sd: float
    raw_r: np.ndarray
    frequencies: pd.DataFrame | None

    @property
    def reversed_items(self) -> tuple[str, ...]:
        return tuple(n for n, s in zip(self.names, self.sign, strict=True) if s < 0)

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.X, columns=self.names)

    def keyed(self) -> np.ndarray:
        """The answers with reverse-keyed items reversed (a new array when any are)."""
        neg = self.sign < 0
        if not neg.any():
            return self.X
        out = self.X.copy()
        out[:, neg] = self.flip - out[:, neg]
        return out


def _read(data: Any) -> tuple[np.ndarray, list[str]]:
    """Item answers as a float array (a view when the frame is already float64)."""
    if isinstance(data, pd.DataFrame) and data.shape[1] >= 1:
        kinds = {dt.kind for dt in data.dtypes if isinstance(dt, np.dtype)}
        if (
            len(kinds)
            and all(isinstance(dt, np.dtype) for dt in data.dtypes)
            and kinds
            <= {
                "f",
                "i",
                "u",
            }
        ):
            X = data.to_numpy(dtype=float)
            names = [str(c) for c in data.columns]
            _check_shape(X, names)
            return X, names
    with warnings.catch_warnings():
        # pandas 3 deprecates astype(copy=...) inside numeric_frame; not our concern here
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        frame = numeric_frame(data, min_columns=2, min_rows=3, what="data")
    return frame.to_numpy(), [str(c) for c in frame.columns]


def _check_shape(X: np.ndarray, names: list[str]) -> None:
    if X.shape[1] < 2:
        msg = (
            f"data has {X.shape[1]} item column(s); at least 2 are required. Pass a DataFrame "
            "with one column per item."
        )
        raise DataError(msg)
    if X.shape[0] < 3:
        msg = f"data has {X.shape[0]} row(s); at least 3 respondents are required."
        raise DataError(msg)


def _key_vector(keys: Iterable[Any] | None, names: list[str], dropped: list[str]) -> np.ndarray:
    k = len(names)
    sign = np.ones(k)
    if keys is None:
        return sign
    if isinstance(keys, str):
        keys = [keys]
    keys = list(keys)
    numeric = all(isinstance(v, (int, float, np.integer, np.floating)) for v in keys)
    if numeric and len(keys) == k + len(dropped) and set(np.unique(keys)) <= {-1, 1}:
        full = dict(zip([*names, *dropped], keys, strict=False))
        return np.array([float(full[n]) for n in names])
    for key in keys:
        name = str(key)
        if name in dropped:
            continue
        if name in names:
            sign[names.index(name)] = -1.0
        elif isinstance(key, (int, np.integer)) and not isinstance(key, bool) and 0 <= key < k:
            sign[int(key)] = -1.0
        else:
            msg = (
                f"keys names item {key!r}, which is not a column of the data (columns: "
                f"{names}). Give item names to reverse, or a +1/-1 vector with one entry per "
                "item."
            )
            raise OptionError(msg)
    return sign


def _first_pc_signs(R: np.ndarray) -> np.ndarray:
    """Signs of the first principal component loadings (psych ``principal``, summed > 0)."""
    vals, vecs = np.linalg.eigh(np.nan_to_num(R))
    load = vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))
    if load.sum() < 0:
        load = -load
    return np.where(load < 0, -1.0, 1.0)


def _byte_frequencies(
    counts: np.ndarray, answered: np.ndarray, n_rows: int, names: list[str]
) -> pd.DataFrame | None:
    """psych ``response.frequencies`` from exact per-item byte counts (``byte_counts``)."""
    order = np.argsort(BYTE_VALUES)
    values, counts = BYTE_VALUES[order], counts[:, order]
    used = counts > 0
    lo = values[np.argmax(used, axis=1)]
    hi = values[255 - np.argmax(used[:, ::-1], axis=1)]
    select = (hi - lo) < _MAX_CATEGORIES + 1
    if not select.any():
        return None
    present = counts[select].sum(axis=0) > 0
    values, counts = values[present], counts[:, present]
    if values.size > _MAX_CATEGORIES:
        return None
    out: dict[str, np.ndarray] = {}
    for v, col in zip(values, counts.T, strict=True):
        label = f"{v:d}".replace("-", "minus_")
        out[f"freq_{label}"] = np.where(select, col / answered, np.nan)
    out["miss"] = np.where(select, 1.0 - answered / n_rows, np.nan)
    return pd.DataFrame(out, index=names)


def _frequencies(X: np.ndarray, names: list[str], nan: np.ndarray | None) -> pd.DataFrame | None:
    """Response proportions per item (non-missing answers) and ``miss``, as psych.

    psych tabulates items whose range is at most ``max`` (10) when no more than 10
    distinct answers occur over them. This is the general path (non-integer answers);
    small integer codes are counted from an int8 copy (:func:`_byte_frequencies`).
    """
    n_rows, k = X.shape
    cols = [X[:, j] if nan is None else X[~nan[:, j], j] for j in range(k)]
    lo = np.array([c.min() for c in cols])
    hi = np.array([c.max() for c in cols])
    select = (hi - lo) < _MAX_CATEGORIES + 1
    if not select.any():
        return None
    base, top = lo[select].min(), hi[select].max()
    width = int(top - base) + 1
    answered = np.array([c.size for c in cols], dtype=float)
    counts = np.zeros((k, width), dtype=np.int64)
    integral = True
    values_all = np.arange(width) + base
    for j in np.flatnonzero(select):
        x = cols[j]
        ints = x.astype(np.int64)
        ints -= int(base) if float(base).is_integer() else 0
        if not float(base).is_integer() or ints.min() < 0:
            integral = False
            break
        counts[j] = np.bincount(ints, minlength=width)[:width]
        # truncation changes the first or second moment unless every answer is an integer
        if counts[j] @ values_all != x.sum() or counts[j] @ (values_all**2) != x @ x:
            integral = False
            break
    if integral:
        present = np.flatnonzero(counts[select].sum(axis=0))
        values = present + base
        table = counts[:, present].T.astype(float)
    else:
        values = np.unique(np.concatenate([cols[j] for j in np.flatnonzero(select)]))
        if values.size > _MAX_CATEGORIES:
            return None
        table = np.array([[(cols[j] == v).sum() for j in range(k)] for v in values], float)
    if values.size > _MAX_CATEGORIES:
        return None
    out: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for v, row in zip(values, table, strict=True):
            label = f"{v:g}".replace("-", "minus_").replace(".", "_")
            out[f"freq_{label}"] = np.where(select, row / answered, np.nan)
    out["miss"] = np.where(select, 1.0 - answered / n_rows, np.nan)
    return pd.DataFrame(out, index=names)


def _summaries(X: np.ndarray, names: list[str]) -> dict[str, Any]:
    """Covariance, frequencies and the sums the item table needs, in as few passes as possible."""
    n_rows, k = X.shape
    S = X.T @ X  # NaN/inf anywhere in a column make its diagonal non-finite
    sq = np.diag(S)
    if np.isfinite(sq).all():
        X8 = int8_codes(X)
        counts = byte_counts(X8)
        # int8 truncates towards zero and wraps, so |code| <= |x| with equality only for
        # integers (and 128 -> -128, excluded): equal sums of squares prove every code exact
        exact = (
            bool((counts[:, 128] == 0).all())
            and bool((sq < 2.0**52).all())
            and np.array_equal(counts @ (BYTE_VALUES**2), sq)
        )
        if exact:
            colsum = (counts @ BYTE_VALUES).astype(float)
            freq = _byte_frequencies(counts, np.full(k, float(n_rows)), n_rows, names)
            used = counts.sum(axis=0) > 0
            lo, hi = float(BYTE_VALUES[used].min()), float(BYTE_VALUES[used].max())
        else:
            colsum = X.sum(axis=0)
            freq = _frequencies(X, names, None)
            lo, hi = float(X.min()), float(X.max())
        C = _covariance_from_cross(S, colsum, n_rows)
        if C is None:  # large means relative to the spread: centre first
            C = covariance(X)
        return {"nan": None, "C": C, "R": None, "colsum": colsum, "freq": freq, "range": (lo, hi)}
    nan = np.isnan(X)
    missing = nan.sum(axis=0)
    if (missing == n_rows).any():
        col = names[int(np.argmax(missing == n_rows))]
        msg = (
            f"column {col!r} of data has no non-missing values; drop it before computing "
            "statistics."
        )
        raise DataError(msg)
    centre = _centre(X)
    n, Si, Sij, Sii = _pairwise_products(X, nan, centre)
    C, R = _pairwise_cov_cor(n, Si, Sij, Sii)
    X8 = int8_codes(X)
    exact = np.array_equal(X8 == X, ~nan)
    freq, lo_hi = None, None
    if exact:
        np.copyto(X8, np.int8(-128), where=nan)
        counts = byte_counts(X8)
        if np.array_equal(counts[:, 128], missing):
            counts[:, 128] = 0
            freq = _byte_frequencies(counts, (n_rows - missing).astype(float), n_rows, names)
            used = counts.sum(axis=0) > 0
            lo_hi = (float(BYTE_VALUES[used].min()), float(BYTE_VALUES[used].max()))
        else:
            exact = False
    if not exact:
        freq = _frequencies(X, names, nan)
        lo_hi = (float(np.nanmin(X)), float(np.nanmax(X)))
    return {
        "nan": nan,
        "C": C,
        "R": R,
        "freq": freq,
        "range": lo_hi,
        "centre": centre,
        "n": np.diag(n).copy(),
        "sum_z": np.diag(Si).copy(),
        "sum_zz": np.diag(Sii).copy(),
    }


def prepare_items(
    data: Any,
    *,
    keys: Iterable[Any] | None,
    check_keys: bool,
    scale_range: tuple[float, float] | None,
    missing: str,
) -> PreparedItems:
    """Validate, drop constant items (with a warning, as psych), key and summarise."""
    X, names = _read(data)
    summ = _summaries(X, names)
    if summ["nan"] is not None:
        nan = summ["nan"]
        if missing == "listwise":
            keep = ~nan.any(axis=1)
            X = X[keep]
            if X.shape[0] < 3:
                msg = (
                    f"only {X.shape[0]} respondent(s) answered every item; at least 3 complete "
                    "rows are needed with missing='listwise'. Use missing='pairwise'."
                )
                raise DataError(msg)
            summ = _summaries(X, names)
    C = summ["C"]
    var = np.diag(C)
    const_mask = ~(var > 0)
    const = [n for n, c in zip(names, const_mask, strict=True) if c]
    if const:
        warnings.warn(
            f"item(s) {const} have no variance (every answer the same) and were dropped from "
            "alpha (psych does the same); remove them from the scale.",
            SatscoreWarning,
            stacklevel=3,
        )
        names = [n for n, c in zip(names, const_mask, strict=True) if not c]
        if len(names) < 2:
            msg = (
                f"after dropping items without variance {const}, {len(names)} item(s) remain; "
                "alpha needs at least 2 items with varying answers."
            )
            raise DataError(msg)
        X = np.ascontiguousarray(X[:, ~const_mask])
        summ = _summaries(X, names)
        C = summ["C"]
    nan = summ["nan"]
    has_nan = nan is not None
    k = X.shape[1]
    bad = np.argwhere(np.isnan(C))
    if bad.size:
        i, j = bad[0]
        msg = (
            f"items {names[i]!r} and {names[j]!r} have fewer than 2 respondents in common, so "
            "their covariance is undefined; drop one of them or use more data."
        )
        raise DataError(msg)
    sign = _key_vector(keys, names, const)
    if check_keys or keys is None:
        pc = _first_pc_signs(summ["R"] if has_nan else _cov2cor(C))
        if (pc < 0).any():
            neg = [n for n, s in zip(names, pc, strict=True) if s < 0]
            if check_keys:
                sign = pc
                warnings.warn(
                    f"items {neg} correlate negatively with the scale (first principal "
                    "component) and were reversed (check_keys=True). Pass keys=[...] to make "
                    "this explicit.",
                    SatscoreWarning,
                    stacklevel=3,
                )
            else:
                warnings.warn(
                    f"items {neg} correlate negatively with the scale and probably should be "
                    "reversed; pass keys=[...] naming them (or check_keys=True).",
                    SatscoreWarning,
                    stacklevel=3,
                )
    flip = 0.0
    if (sign < 0).any():
        if scale_range is None:
            flip = float(sum(summ["range"]))
        else:
            try:
                lo, hi = (float(v) for v in scale_range)
            except (TypeError, ValueError):
                msg = f"scale_range must be a pair (min, max) of numbers; found {scale_range!r}."
                raise OptionError(msg) from None
            if not lo < hi:
                msg = f"scale_range must satisfy min < max; found {scale_range!r}."
                raise OptionError(msg)
            flip = lo + hi
    Ck = C * np.outer(sign, sign)
    n = int(X.shape[0])
    prep = {"X": X, "sign": sign, "flip": flip, "cov": Ck, "names": names, "n": n, "k": k}
    prep["frequencies"] = summ["freq"]
    if has_nan:
        centre, n_i = summ["centre"], summ["n"]
        mean = centre + summ["sum_z"] / n_i
        offset = np.where(sign < 0, flip - centre, centre)
        shift = float(offset.mean())
        tot = pairwise_total_sums(X, nan, centre, sign, offset - shift)
        sz, szz, st = summ["sum_z"], summ["sum_zz"], tot["St"]
        with np.errstate(invalid="ignore", divide="ignore"):
            cov_tz = tot["Stz"] - st * sz / n_i
            var_t = tot["Stt"] - st * st / n_i
            var_z = szz - sz * sz / n_i
            raw_r = sign * cov_tz / np.sqrt(var_t * var_z)
        cnt, tsum = tot["count"], tot["tsum"]
        summary = {
            "item_n": n_i.astype(np.int64),
            "item_mean": np.where(sign < 0, flip - mean, mean),
            "item_sd": np.sqrt(np.diag(C)),
            "score_mean": shift + tsum / cnt,
            "score_sd": float(np.sqrt((tot["tsq"] - tsum * tsum / cnt) / (cnt - 1))),
            "raw_r": raw_r,
        }
    else:
        mean = summ["colsum"] / n
        item_mean = np.where(sign < 0, flip - mean, mean)
        col = Ck.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            raw_r = col / np.sqrt(np.diag(Ck) * Ck.sum())
        summary = {
            "item_n": np.full(k, n),
            "item_mean": item_mean,
            "item_sd": np.sqrt(np.diag(Ck)),
            "score_mean": float(item_mean.mean()),
            "score_sd": float(np.sqrt(Ck.sum()) / k),
            "raw_r": raw_r,
        }
    return PreparedItems(**prep, **summary)


def alpha_stats(C: np.ndarray, R: np.ndarray, n_obs: int) -> dict[str, float]:
    """psych ``alpha.1`` on covariance ``C`` and correlation ``R`` (plus ``ase``)."""
    k = C.shape[0]
    trC, sumC, sumR = np.trace(C), C.sum(), R.sum()
    low = R[np.tril_indices(k, -1)]
    av_r = (sumR - k) / (k * (k - 1))
    CC = C @ C
    Q = (2 * k**2 / ((k - 1) ** 2 * sumC**3)) * (
        sumC * (np.trace(CC) + trC**2) - 2 * trC * CC.sum()
    )
    return {
        "alpha": float((1 - trC / sumC) * k / (k - 1)),
        "std_alpha": float((1 - k / sumR) * k / (k - 1)),
        "g6": float(1 - (k - smc(R).sum()) / sumR),
        "average_r": float(av_r),
        "median_r": float(np.median(low)),
        "var_r": float(np.var(low, ddof=1)) if low.size > 1 else np.nan,
        "signal_noise": float(k * av_r / (1 - av_r)),
        "ase": float(np.sqrt(Q / n_obs)) if Q >= 0 else np.nan,
    }


def drop_table(C: np.ndarray, R: np.ndarray, n_obs: int, names: list[str]) -> pd.DataFrame:
    """psych ``alpha.drop``: the scale statistics without each item in turn."""
    k = C.shape[0]
    rows = []
    if k > 2:
        for i in range(k):
            keep = np.arange(k) != i
            rows.append(alpha_stats(C[np.ix_(keep, keep)], R[np.ix_(keep, keep)], n_obs))
    else:
        r12, s = R[0, 1], smc(R)[0]
        for i in range(2):
            rows.append(
                {
                    "alpha": C[0, 1] / C[1 - i, 1 - i],
                    "std_alpha": r12,
                    "g6": s,
                    "average_r": r12,
                    "median_r": r12,
                    "var_r": 0.0,
                    "signal_noise": r12 / (1 - r12),
                    "ase": np.nan,
                }
            )
    out = pd.DataFrame(rows, index=names)
    cols = ["alpha", "std_alpha", "g6", "average_r", "signal_noise", "ase", "var_r", "median_r"]
    return out[cols].astype(float)


def item_table(
    prep: PreparedItems,
    C: np.ndarray,
    R: np.ndarray,
    drop: pd.DataFrame,
    *,
    polychoric: bool = False,
) -> pd.DataFrame:
    """Item statistics (psych ``item.stats``) joined with alpha-if-dropped and frequencies."""
    k = C.shape[0]
    RC = R.copy()
    np.fill_diagonal(RC, smc(R))
    colC, d, total = C.sum(axis=0), np.diag(C), C.sum()
    rest = total - 2 * colC + d  # sum of C without item i
    # with strongly negative inter-item correlations (negative alpha, warned about) a
    # total variance can be negative; those entries are NaN, as in psych
    with np.errstate(invalid="ignore", divide="ignore"):
        std_r = R.sum(axis=0) / np.sqrt(R.sum())
        r_cor = RC.sum(axis=0) / np.sqrt(RC.sum())
        r_drop = (colC - d) / np.sqrt(d * rest)
    table = pd.DataFrame(
        {
            "n": np.asarray(prep.item_n, dtype=np.int64),
            "reversed": list(prep.sign < 0),
            "mean": prep.item_mean,
            "sd": prep.item_sd,
            "raw_r": std_r if polychoric else prep.raw_r,
            "std_r": std_r,
            "r_cor": r_cor,
            "r_drop": r_drop,
            "alpha_if_dropped": drop["alpha"].to_numpy(),
            "std_alpha_if_dropped": drop["std_alpha"].to_numpy(),
        },
        index=pd.Index(prep.names, name="item"),
    )
    if k and prep.frequencies is not None:
        table = table.join(prep.frequencies)
    return table

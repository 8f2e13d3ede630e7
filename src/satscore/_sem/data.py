"""From data to sample moments: item matrix, listwise deletion, groups, checks.

One pass over the data per group gives the sample size, means and covariance matrix with divisor
N (lavaan's ML convention); everything after that works on these moments only.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_columns
from satscore._core.errors import DataError, OptionError, SatscoreTypeError, SatscoreWarning
from satscore._sem.missing import fiml_moments
from satscore._sem.moments import SampleMoments, check_group_size, sample_moments
from satscore._sem.streamed import cfa_moments, check_model_columns
from satscore._sem.syntax import ParsedModel
from satscore._stream.chunks import is_out_of_core

__all__ = ["prepare_moments"]


def _unwrap(data: Any) -> Any:
    inner = getattr(data, "data", None)
    if isinstance(inner, pd.DataFrame) and hasattr(data, "instrument"):
        return inner
    return data


def prepare_moments(
    data: Any,
    pm: ParsedModel,
    *,
    group: str | None,
    sample_cov: Any = None,
    n_obs: int | None = None,
    missing: str = "listwise",
) -> tuple[list[SampleMoments], tuple, int]:
    """Group-wise sample moments: ``(moments, groups, n_dropped)``.

    ``missing="listwise"`` keeps complete rows; ``missing="ml"`` keeps every row with at least
    one answer and returns missing-data pattern statistics for full-information ML.
    """
    items = list(pm.observed)
    p = len(items)
    if sample_cov is not None:
        if missing != "listwise":
            msg = f"missing={missing!r} needs raw data; sample_cov has no missing values."
            raise OptionError(msg)
        return _moments_from_cov(sample_cov, items, n_obs, group), ("all",), 0
    if is_out_of_core(data):  # chunks or a dask DataFrame: moments from mergeable summaries
        return cfa_moments(data, pm, group=group, missing=missing)
    data = _unwrap(data)
    if isinstance(data, np.ndarray) and data.ndim == 2:
        data = pd.DataFrame(data, columns=[f"x{i + 1}" for i in range(data.shape[1])])
    if not isinstance(data, pd.DataFrame):
        msg = (
            f"data must be a pandas DataFrame (one column per item); found "
            f"{type(data).__name__}. Or pass sample_cov=... and n_obs=..."
        )
        raise SatscoreTypeError(msg)
    check_model_columns([str(c) for c in data.columns], items, group)
    x = _item_matrix(data, items)
    if group is not None:
        gcol = data[group]
        if isinstance(gcol.dtype, pd.CategoricalDtype):
            labels = [c for c in gcol.cat.categories if (gcol == c).any()]
        else:
            labels = list(pd.unique(gcol.dropna()))
        codes = np.full(len(gcol), -1)
        for k, lab in enumerate(labels):
            codes[(gcol == lab).to_numpy()] = k
        labels = [_plain(lab) for lab in labels]
        n_na = int(gcol.isna().sum())
        if n_na:
            warnings.warn(
                f"group column {group!r} has {n_na} missing value(s); those rows are left out "
                "of the multi-group model (as lavaan does). Fill in the group or drop the rows "
                "to silence this.",
                SatscoreWarning,
                stacklevel=3,
            )
    else:
        labels, codes = ["all"], np.zeros(len(x), dtype=int)
    if missing == "ml":
        moments = []
        for k, lab in enumerate(labels):
            where = f"group {lab!r}" if group is not None else "data"
            moments.append(fiml_moments(x[codes == k], items, where))
        return moments, tuple(labels), int(len(x) - sum(m.n for m in moments))
    keep = ~np.isnan(x).any(axis=1) & (codes >= 0)
    dropped = int(len(x) - keep.sum())
    moments = []
    for k, lab in enumerate(labels):
        rows = keep & (codes == k)
        xg = x if rows.all() else x[rows]
        ng = xg.shape[0]
        where = f"group {lab!r}" if group is not None else "data"
        check_group_size(ng, p, where)
        mean = xg.mean(axis=0)
        cov = _centered_crossprod(xg, mean) / ng
        moments.append(sample_moments(ng, mean, cov, items, where))
    return moments, tuple(labels), dropped


def _plain(label: Any) -> Any:
    """numpy scalars -> Python; integral floats (an int column with NaN) -> int, as lavaan's
    labels "1", "2" rather than 1.0, 2.0."""
    if isinstance(label, np.generic):
        label = label.item()
    if isinstance(label, float) and label.is_integer():
        return int(label)
    return label


def _centered_crossprod(x: np.ndarray, mean: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """``(x - mean)' (x - mean)`` in row chunks (bounded memory, no cancellation)."""
    p = x.shape[1]
    out = np.zeros((p, p))
    for start in range(0, x.shape[0], chunk):
        c = x[start : start + chunk] - mean
        out += c.T @ c
    return out


def _item_matrix(data: pd.DataFrame, items: list[str]) -> np.ndarray:
    """float64 (n x p) copy of the item columns, with typed errors naming the column."""
    cols = {str(c): c for c in data.columns}
    for item in items:
        col = data[cols[item]]
        ok = pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)
        if not ok and col.dtype == object:
            ok = bool(col.dropna().map(lambda v: isinstance(v, (int, float))).all())
        if not ok:
            sample = col.dropna().astype(str).unique()[:3].tolist()
            msg = (
                f"item column {item!r} is not numeric (found values such as {sample}); CFA "
                "needs numeric codes. Convert labels to codes first, e.g. with "
                "instrument.validate(...)."
            )
            raise DataError(msg)
    frame = data.loc[:, [cols[i] for i in items]]
    x = frame.to_numpy(dtype=float, na_value=np.nan)  # may be a read-only view: never written
    empty = [items[k] for k in np.flatnonzero(np.isnan(x).all(axis=0))]
    if empty:
        msg = f"item column {empty[0]!r} has no non-missing values; drop it from the model."
        raise DataError(msg)
    return x


def _moments_from_cov(
    sample_cov: Any, items: list[str], n_obs: Any, group: Any
) -> list[SampleMoments]:
    if group is not None:
        msg = "group= needs raw data; sample_cov supports a single group only."
        raise OptionError(msg)
    if n_obs is None or int(n_obs) != n_obs or int(n_obs) < 2:
        msg = (
            f"sample_cov needs n_obs, the number of respondents (an integer >= 2); found {n_obs!r}."
        )
        raise OptionError(msg)
    if not isinstance(sample_cov, pd.DataFrame):
        msg = "sample_cov must be a DataFrame with item names as index and columns."
        raise SatscoreTypeError(msg)
    check_columns(
        [str(c) for c in sample_cov.columns],
        items,
        what="item",
        where="in sample_cov (the model's items must be its rows and columns)",
        fix="fix the model or the names of sample_cov",
    )
    cov = sample_cov.loc[items, items].to_numpy(dtype=float)
    n = int(n_obs)
    # lavaan's sample.cov.rescale: an unbiased covariance is rescaled to divisor N
    cov = cov * (n - 1) / n
    return [sample_moments(n, np.zeros(len(items)), cov, items, "sample_cov")]

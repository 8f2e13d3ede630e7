"""Reverse keying for CFA: which items to reverse, applying it to the moments, sign checks.

A reverse-keyed item ``x`` is modelled as ``x' = (min + max) - x``. With an instrument as the
model, its reverse-keyed items are reversed with their response scale's min and max; with a
dict or lavaan-syntax model the caller lists them in ``keys=`` and min and max are the item's
observed minimum and maximum. The reversal is applied to the sample moments (means
``c - m``, covariances with a flipped sign), which is exactly what reversing the data gives, for
in-memory data, chunks and dask alike; with FIML the pattern moments are reversed the same way.

After the fit, :func:`reverse_key_warnings` flags items whose standardized loading has the
opposite sign to the rest of their factor (a reverse-keyed item left unreversed): such an item
lowers composite reliability (CR, semTools' omega) and any sum score of the factor. (AVE,
Fornell-Larcker and HTMT use squared loadings and absolute correlations, so they do not
change.)
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import ModelSpecificationError, OptionError, ReverseKeyWarning
from satscore._sem.moments import SampleMoments
from satscore._sem.syntax import ParsedModel
from satscore._stream.chunks import is_out_of_core

__all__ = ["apply_reversal", "is_instrument", "reverse_key_warnings", "reverse_spec"]


def is_instrument(model: Any) -> bool:
    """True for an instrument-like model (dimensions + item metadata)."""
    return not isinstance(model, (str, dict)) and hasattr(model, "dimensions")


def _frame(data: Any) -> Any:
    inner = getattr(data, "data", None)
    if isinstance(inner, pd.DataFrame) and hasattr(data, "instrument"):
        return inner
    return data


def reverse_spec(data: Any, model: Any, pm: ParsedModel, keys: Any, *, from_cov: bool) -> dict:
    """Items to reverse -> ``min + max`` (None when only covariances are involved)."""
    if is_instrument(model):
        if keys is not None:
            msg = (
                "keys= cannot be combined with an instrument model: the instrument's Item.reverse "
                "flags decide which items are reversed (with the item's scale min and max). Fix "
                "the instrument, or pass a dict / lavaan-syntax model with keys=[...]."
            )
            raise OptionError(msg)
        if not (hasattr(model, "item") and hasattr(model, "item_scale")):
            return {}
        spec = {}
        for item in pm.observed:
            if getattr(model.item(item), "reverse", False):
                scale = model.item_scale(item)
                spec[item] = float(scale.min + scale.max)
        return spec
    if keys is None:
        return {}
    keys = [keys] if isinstance(keys, str) else [str(k) for k in keys]
    for k in keys:
        if k not in pm.observed:
            msg = (
                f"keys: {k!r} is not an item of the model (items: {list(pm.observed)}); list "
                "only the model's reverse-keyed items."
            )
            raise ModelSpecificationError(msg)
    if not keys:
        return {}
    if from_cov:
        return dict.fromkeys(keys)  # covariances only: the sign flips, no means involved
    frame = _frame(data)
    if is_out_of_core(frame):
        msg = (
            "keys= takes each item's min and max from the data, which needs in-memory data; "
            "with chunks or dask reverse the items in the data, or pass an instrument as the "
            "model (its scales give min and max)."
        )
        raise OptionError(msg)
    if isinstance(frame, np.ndarray):
        frame = pd.DataFrame(frame, columns=[f"x{i + 1}" for i in range(frame.shape[1])])
    spec = {}
    for k in keys:
        if not isinstance(frame, pd.DataFrame) or k not in frame.columns:
            return {}  # prepare_moments raises the typed error for the absent column
        col = pd.to_numeric(frame[k], errors="coerce")
        spec[k] = float(col.min() + col.max())
    return spec


def apply_reversal(
    moments: list[SampleMoments], items: tuple[str, ...], spec: dict
) -> list[SampleMoments]:
    """Moments of the data with the items of *spec* reversed as ``c - x``."""
    if not spec:
        return moments
    rev = np.array([i in spec for i in items])
    sign = np.where(rev, -1.0, 1.0)
    const = np.array([spec.get(i) or 0.0 for i in items])
    flip = np.outer(sign, sign)
    out = []
    for m in moments:
        pats = m.patterns
        if pats is not None:
            pmean = np.where(pats.obs & rev[None, :], const[None, :] - pats.mean, pats.mean)
            pats = dataclasses.replace(pats, mean=pmean, cov=pats.cov * flip[None])
        mean = np.where(rev, const - m.mean, m.mean)
        out.append(dataclasses.replace(m, mean=mean, cov=m.cov * flip, patterns=pats))
    return out


def opposite_sign_items(std_loadings: pd.DataFrame) -> list[tuple[str, str, float]]:
    """``(item, factor, loading)`` for items loading against their factor's majority sign.

    Only items loading on a single factor are judged (a negative cross-loading can be
    substantive). A factor whose loadings are mostly negative (a reverse-keyed marker item)
    flags its positive items; on a tie the negative ones.
    """
    frames = (
        [g for _, g in std_loadings.groupby(level="group", sort=False)]
        if isinstance(std_loadings.index, pd.MultiIndex)
        else [std_loadings]
    )
    found: dict[str, tuple[str, str, float]] = {}
    for frame in frames:
        lam = frame.to_numpy()
        items = [ix[-1] if isinstance(ix, tuple) else ix for ix in frame.index]
        single = (lam != 0).sum(axis=1) == 1
        for k, factor in enumerate(frame.columns):
            on = np.flatnonzero(lam[:, k] != 0)
            if on.size < 2:
                continue
            neg, pos = (lam[on, k] < 0).sum(), (lam[on, k] > 0).sum()
            minority = lam[on, k] > 0 if neg > pos else lam[on, k] < 0
            for i in on[minority]:
                if single[i] and items[i] not in found:
                    found[items[i]] = (items[i], str(factor), float(lam[i, k]))
    return list(found.values())


def reverse_key_warnings(std_loadings: pd.DataFrame, *, instrument: bool, stacklevel: int) -> None:
    """Warn (:class:`ReverseKeyWarning`) for each item loading against its factor."""
    for item, factor, value in opposite_sign_items(std_loadings):
        if instrument:
            fix = (
                f"if the item is worded in reverse, mark it reverse=True in the instrument "
                f"(it is then modelled as min + max - {item}); otherwise check its coding"
            )
        else:
            fix = (
                f"if it is worded in reverse, pass keys=[{item!r}] (modelled as min + max - "
                f"{item}, min and max from the data) or use an instrument that marks it reverse"
            )
        warnings.warn(
            f"item {item!r} has standardized loading {value:.3f} on {factor!r}, opposite in "
            "sign to the factor's other items; an unreversed reverse-keyed item lowers the "
            f"composite reliability (CR, omega) and sum scores. Fix: {fix}.",
            ReverseKeyWarning,
            stacklevel=stacklevel,
        )

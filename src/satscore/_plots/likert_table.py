"""The numbers behind a Likert chart: answer shares per item on one k-point scale.

:func:`likert_table` reads them from a :class:`~satscore.SurveyScores` (its
``items`` table, no recomputation) or counts them from the codes of raw or
validated responses; :func:`satscore.plot_likert` draws them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_columns
from satscore._core.errors import DataError, OptionError, SatscoreTypeError

__all__ = ["LikertTable", "likert_table"]


@dataclass(frozen=True)
class LikertTable:
    """Answer shares of a set of items on one k-point scale (what the chart draws).

    Attributes
    ----------
    shares : pandas.DataFrame
        Rows = items (chart order, top first), columns = answer codes; shares of
        the valid answers in [0, 1] (each row sums to 1).
    n : pandas.Series
        Valid answers per item (unweighted).
    favourable : pandas.Series
        Share of favourable answers (the scale's satisfied codes; mirrored for
        reverse-keyed items), the sort key.
    group : pandas.Series
        Dimension id of each item (``None`` for items outside a dimension).
    """

    shares: pd.DataFrame
    n: pd.Series
    favourable: pd.Series
    group: pd.Series


def _default_items(instrument: Any) -> list[str]:
    out = [i for d in instrument.dimensions for i in d.items if instrument.item(i).scored]
    if not out:
        out = list(instrument.scored_items())
    return out


def _is_scores(obj: Any) -> bool:
    return hasattr(obj, "metrics") and isinstance(getattr(obj, "items", None), pd.DataFrame)


def select_where(frame: pd.DataFrame, where: Mapping[str, Any] | None, what: str) -> pd.DataFrame:
    """Rows of *frame* whose columns equal the values of *where* (*what* names the frame).

    Examples
    --------
    >>> frame = pd.DataFrame({"quarter": ["Q1", "Q2", "Q2"], "x": [1, 2, 3]})
    >>> select_where(frame, {"quarter": "Q2"}, "the table").x.tolist()
    [2, 3]
    """
    if not where:
        return frame
    check_columns(
        frame.columns,
        where,
        what="where= names column",
        where=f"a column of {what}",
        fix=f"name one of the columns of {what}",
        error=OptionError,
    )
    mask = np.ones(len(frame), dtype=bool)
    for col, value in where.items():
        mask &= (frame[col] == value).to_numpy()
    if not mask.any():
        msg = f"where={dict(where)!r} selects no rows of {what}; check the values."
        raise DataError(msg)
    return frame.loc[mask]


def check_one_segment(
    rows: pd.DataFrame, free: Sequence[str], *, also: bool = False, note: str = ""
) -> None:
    """Raise :class:`OptionError` when *rows* span several segments of the by-columns *free*.

    Examples
    --------
    >>> rows = pd.DataFrame({"quarter": ["Q1", "Q2"]})
    >>> check_one_segment(rows.iloc[:1], ["quarter"])
    >>> check_one_segment(rows, ["quarter"])
    Traceback (most recent call last):
    ...
    satscore.errors.OptionError: the scores are broken down by ['quarter']; choose one segment ...
    """
    free = list(free)
    if free and rows[free].drop_duplicates().shape[0] > 1:
        msg = (
            f"the scores are {'also ' if also else ''}broken down by {free}; choose one segment "
            f"with where=, e.g. where={{{free[0]!r}: {rows[free[0]].iloc[-1]!r}}}{note}."
        )
        raise OptionError(msg)


def _counts_from_scores(
    scores: Any, items: list[str], instrument: Any, where: Mapping[str, Any] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = select_where(scores.items, where, "scores.items")
    seg_cols = [
        c for c in getattr(scores, "by", ()) if c in table.columns and c not in (where or {})
    ]
    counts, shares = {}, {}
    for item in items:
        codes = list(instrument.item_scale(item).codes)
        rows = table[(table["item"] == item) & table["code"].isin(codes)]
        if rows.empty:
            msg = f"scores.items has no answer distribution for item {item!r}; score it first."
            raise DataError(msg)
        check_one_segment(
            rows, seg_cols, note=", or score without by= (plot_likert draws one bar per item)"
        )
        by_code = rows.set_index(rows["code"].astype(float).astype(int))
        counts[item] = by_code["count"].reindex(codes, fill_value=0).to_numpy(float)
        share = by_code["share"].reindex(codes, fill_value=0).to_numpy(float)
        shares[item] = share / share.sum() if share.sum() > 0 else share
    return (
        pd.DataFrame.from_dict(counts, orient="index"),
        pd.DataFrame.from_dict(shares, orient="index"),
    )


def _counts_from_codes(
    data: pd.DataFrame, items: list[str], instrument: Any, where: Mapping[str, Any] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = select_where(data, where, "the responses")
    counts = {}
    for item in items:
        if item not in data.columns:
            msg = f"the responses have no column {item!r}; pass items= present in the data."
            raise DataError(msg)
        codes = np.asarray(instrument.item_scale(item).codes, dtype=float)
        x = pd.to_numeric(data[item], errors="coerce").to_numpy(float)
        if np.isnan(x).all() and data[item].notna().any():
            msg = (
                f"column {item!r} holds text, not numeric codes "
                f"(e.g. {data[item].dropna().iloc[0]!r}); code the answers first with "
                "instrument.validate(responses)."
            )
            raise DataError(msg)
        counts[item] = (x[:, None] == codes[None, :]).sum(axis=0).astype(float)
    frame = pd.DataFrame.from_dict(counts, orient="index")
    totals = frame.sum(axis=1)
    return frame, frame.div(totals.where(totals > 0), axis=0).fillna(0.0)


def likert_table(
    scores_or_responses: Any,
    instrument: Any = None,
    *,
    items: Sequence[str] | None = None,
    where: Mapping[str, Any] | None = None,
) -> LikertTable:
    """Answer shares per item in chart order (grouped by dimension, sorted by favourable share).

    Accepts the same inputs as :func:`plot_likert`; see there.
    """
    obj = scores_or_responses
    if instrument is None:
        instrument = getattr(obj, "instrument", None)
    if instrument is None or not hasattr(instrument, "item_scale"):
        msg = "plot_likert needs the instrument: pass it as the second argument."
        raise SatscoreTypeError(msg)
    item_ids = list(items) if items is not None else _default_items(instrument)
    if not item_ids:
        msg = "no items to plot; pass items=[...] with item ids of the instrument."
        raise OptionError(msg)
    ks = {item: len(instrument.item_scale(item).codes) for item in item_ids}
    if len(set(ks.values())) > 1:
        msg = (
            f"plot_likert draws items on one scale length; found {ks}. "
            "Pass items= with the same number of answer codes."
        )
        raise OptionError(msg)
    if _is_scores(obj):
        counts, shares = _counts_from_scores(obj, item_ids, instrument, where)
    elif hasattr(obj, "data") and hasattr(obj, "missing_reason"):
        counts, shares = _counts_from_codes(obj.data, item_ids, instrument, where)
    elif isinstance(obj, pd.DataFrame):
        counts, shares = _counts_from_codes(obj, item_ids, instrument, where)
    else:
        msg = (
            "plot_likert takes a SurveyScores, ValidatedResponses or a DataFrame of answer "
            f"codes; found {type(obj).__name__}."
        )
        raise SatscoreTypeError(msg)
    k = next(iter(ks.values()))
    n = counts.sum(axis=1)
    empty = n.index[n <= 0].tolist()
    if empty:
        msg = f"item(s) {empty} have no valid answers; drop them from items=."
        raise DataError(msg)
    fav = {}
    for item in item_ids:
        scale = instrument.item_scale(item)
        pos = np.isin(scale.codes, scale.satisfied)
        if instrument.item(item).reverse:
            pos = pos[::-1]
        fav[item] = float(shares.loc[item].to_numpy()[pos].sum())
    favourable = pd.Series(fav)
    group = pd.Series({i: instrument.item(i).dimension for i in item_ids}, dtype=object)
    dim_order = {d.id: j for j, d in enumerate(instrument.dimensions)}
    first_seen = {}
    for j, item in enumerate(item_ids):
        first_seen.setdefault(group[item], j)
    order = sorted(
        item_ids,
        key=lambda i: (
            dim_order.get(group[i], len(dim_order) + first_seen[group[i]]),
            -favourable[i],
            item_ids.index(i),
        ),
    )
    shares.columns = range(k)
    return LikertTable(
        shares=shares.loc[order],
        n=n.loc[order].astype(int),
        favourable=favourable.loc[order],
        group=group.loc[order],
    )

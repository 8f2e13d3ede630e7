"""The keyed-summary base (field-wise merge, alignment) and the crossed segment coding."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from satscore._core.errors import DataError, DesignError, SatscoreTypeError
from satscore._sampling.streamed import _Counts
from satscore._sem.streamed import _FirstSeen
from satscore._stats.codes import crossed_codes, stratum_codes
from satscore._stats.grouped import segment_codes
from satscore._stream.base import Keyed, merge_all
from satscore._stream.summaries import CategoryCounts, Moments
from satscore._survey.totals import _Extremes


@dataclasses.dataclass(frozen=True, eq=False)
class _Range(Keyed):
    lo: np.ndarray
    hi: np.ndarray
    total: np.ndarray
    _arrays: ClassVar[tuple[str, ...]] = ("lo", "hi", "total")
    _merge_ops: ClassVar[dict[str, np.ufunc]] = {"lo": np.minimum, "hi": np.maximum}


def _range(keys: list[str], values: list[float]) -> _Range:
    v = np.asarray(values, dtype=float)
    return _Range(("g",), tuple((k,) for k in keys), (), (), v, v, v)


def test_fieldwise_merge_fills_missing_segments_with_the_identity() -> None:
    m = merge_all([_range(["a", "b"], [3.0, 1.0]), _range(["c", "a"], [5.0, 2.0])])
    assert m.keys == (("a",), ("b",), ("c",))
    assert m.lo.tolist() == [2.0, 1.0, 5.0]
    assert m.hi.tolist() == [3.0, 1.0, 5.0]
    assert m.total.tolist() == [5.0, 1.0, 5.0]  # default op: sum, fill 0


def test_fieldwise_merge_checks_kind_and_identity() -> None:
    a = _range(["a"], [1.0])
    with pytest.raises(SatscoreTypeError, match="cannot merge a _Range with a _FirstSeen"):
        a.merge(_FirstSeen(("g",), (("a",),), (), (), np.zeros(1)))
    other = dataclasses.replace(a, by=("h",))
    with pytest.raises(DataError, match="different by"):
        a + other


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        (_FirstSeen, {"first": [1.0, 4.0, 3.0]}),
        (_Extremes, {"lo": [1.0, 4.0, 3.0], "hi": [2.0, 4.0, 3.0]}),
        (_Counts, {"pop": [3.0, 4.0, 3.0], "excl": [3.0, 4.0, 3.0], "have": [3.0, 4.0, 3.0]}),
    ],
)
def test_keyed_min_max_count_summaries(cls: type, expected: dict[str, list[float]]) -> None:
    fields = list(expected)

    def make(keys: list[str], values: list[float]) -> Keyed:
        v = np.asarray(values, dtype=float)
        return cls(("s",), tuple((k,) for k in keys), (), (), *[v] * len(fields))

    m = make(["x", "y"], [2.0, 4.0]) + make(["z", "x"], [3.0, 1.0])
    assert m.keys == (("x",), ("y",), ("z",))
    for f in fields:
        assert getattr(m, f).tolist() == expected[f]


@pytest.mark.parametrize(
    ("weighted", "unweighted", "noun"),
    [
        (
            CategoryCounts.from_frame(
                pd.DataFrame({"q": [1.0], "w": [2.0]}), {"q": (1,)}, weights="w"
            ),
            CategoryCounts.from_frame(pd.DataFrame({"q": [1.0]}), {"q": (1,)}),
            "category counts",
        ),
        (
            Moments.from_frame(pd.DataFrame({"x": [1.0], "w": [2.0]}), ["x"], weights="w"),
            Moments.from_frame(pd.DataFrame({"x": [1.0]}), ["x"]),
            "moments",
        ),
    ],
)
def test_weighted_and_unweighted_do_not_merge(
    weighted: Keyed, unweighted: Keyed, noun: str
) -> None:
    with pytest.raises(DataError, match=f"cannot merge weighted and unweighted {noun}"):
        weighted.merge(unweighted)
    with pytest.raises(DataError, match=f"cannot merge weighted and unweighted {noun}"):
        unweighted.merge(weighted)


def test_crossed_codes_missing_is_minus_one_and_matches_strata() -> None:
    frame = pd.DataFrame(
        {
            "r": pd.Categorical(["S", "N", None, "S", "N"], categories=["S", "N"]),
            "k": [2, 1, 1, None, 2],
        }
    )
    codes, keys = crossed_codes(frame, ["r", "k"])
    assert codes.tolist() == [0, 1, -1, -1, 2]
    assert list(keys.itertuples(index=False, name=None)) == [("S", 2.0), ("N", 1.0), ("N", 2.0)]
    seg, segs = segment_codes(frame, ["r", "k"])
    assert seg.tolist() == codes.tolist()
    pd.testing.assert_frame_equal(segs, keys)
    full = frame.dropna().reset_index(drop=True)
    h, strata = stratum_codes(full, ["r", "k"])
    assert h.tolist() == [0, 1, 2]
    pd.testing.assert_frame_equal(strata, keys)
    with pytest.raises(DesignError, match="stratum column 'r' has missing values"):
        stratum_codes(frame, ["r", "k"])


def test_crossed_codes_without_columns_is_one_segment() -> None:
    codes, keys = crossed_codes(pd.DataFrame({"a": [1, 2, 3]}), [])
    assert codes.tolist() == [0, 0, 0]
    assert keys.shape == (1, 0)

"""In-memory scoring runs in row blocks through the mergeable summaries: the numbers do not
depend on the block size, errors are those of the whole frame, and nothing full-size is kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import satscore._scoring.in_memory as in_memory
from satscore import SurveyDesign, load_instrument, score_survey
from satscore.errors import DataError, ResponseValidationError

INST = load_instrument("bank_service")


def _responses(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {
        "quarter": rng.choice(["2026Q1", "2026Q2", "2026Q3"], n),
        "branch": rng.choice(["B0", "B1", "B2", "B3"], n),
        "w": rng.uniform(0.5, 3.0, n),
    }
    for item in INST.items:
        codes = np.asarray(INST.scale(item.scale).codes, float)
        x = rng.choice(codes, n)
        x[rng.random(n) < 0.05] = np.nan
        cols[item.id] = x
    frame = pd.DataFrame(cols)
    for item in INST.items:
        if item.relevant is not None:
            asked = frame[item.relevant.item].isin(item.relevant.values)
            frame.loc[~asked, item.id] = np.nan
    frame.loc[frame.index[:40], "branch"] = "B9"  # a segment only the first block sees
    return frame


def _close(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert a.shape == b.shape
    for col in a.columns:
        x, y = a[col], b[col]
        if x.dtype.kind == "f":
            xv, yv = x.to_numpy(), y.to_numpy()
            assert np.array_equal(np.isnan(xv), np.isnan(yv)), col
            err = np.nanmax(np.abs(xv - yv) / np.maximum(1.0, np.abs(xv)), initial=0.0)
            assert err < 1e-9, (col, err)
        else:
            assert x.astype(object).fillna("<NA>").equals(y.astype(object).fillna("<NA>")), col


@pytest.mark.parametrize(
    "kw",
    [
        {"by": ["quarter", "branch"], "targets": {"customer_satisfaction": 0.5}},
        {"by": "branch", "weights": "w", "metrics": ["top_box", "mean", "pct_of_max"]},
        {"by": "quarter", "ci_method": "wilson", "suppression": ("min_n", 50)},
        {"by": "branch", "ci_method": "bootstrap", "n_boot": 200, "seed": 3},
    ],
)
def test_block_size_does_not_change_the_scores(monkeypatch, kw):
    df = _responses(1500)
    whole = score_survey(df, INST, **kw)  # one block
    monkeypatch.setattr(in_memory, "BLOCK_ROWS", 256)
    blocks = score_survey(df, INST, **kw)
    _close(whole.metrics, blocks.metrics)
    _close(whole.items, blocks.items)
    pd.testing.assert_frame_equal(whole.respondents, blocks.respondents)
    vr = score_survey(INST.validate(df), INST, **kw)  # validated input, also in blocks
    _close(whole.metrics, vr.metrics)


def test_block_size_with_a_design(monkeypatch):
    df = _responses(1200, seed=5)
    design = SurveyDesign(df, weights="w", strata="quarter")
    whole = score_survey(df, INST, by="branch", design=design)
    monkeypatch.setattr(in_memory, "BLOCK_ROWS", 300)
    _close(whole.metrics, score_survey(df, INST, by="branch", design=design).metrics)


def test_a_validation_error_in_a_later_block_reports_the_whole_frame(monkeypatch):
    df = _responses(900, seed=2)
    df["OS01"] = df["OS01"].astype(object)
    df.loc[df.index[[10, 700]], "OS01"] = "no idea"  # first and third block
    with pytest.raises(ResponseValidationError) as whole:
        score_survey(df, INST)
    monkeypatch.setattr(in_memory, "BLOCK_ROWS", 300)
    with pytest.raises(ResponseValidationError) as blocks:
        score_survey(df.iloc[300:], INST)  # the first block is clean
    with pytest.raises(ResponseValidationError) as again:
        score_survey(df, INST)
    assert str(again.value) == str(whole.value)
    reference = INST.validate  # the block error is the whole-frame one, not the block's
    with pytest.raises(ResponseValidationError) as direct:
        reference(df.iloc[300:])
    assert str(blocks.value) == str(direct.value)


def test_no_full_size_state_is_kept():
    df = _responses(600, seed=9)
    scores = score_survey(df, INST, by="branch")
    kept = [v for v in vars(scores).values() if isinstance(v, (np.ndarray, pd.DataFrame))]
    assert all(len(v) < len(df) for v in kept if v is not scores.metrics)
    assert len(scores.respondents) == len(df)  # rebuilt on demand from the responses
    df.loc[df.index[0], "OS01"] = 1.0  # the caller's later edits do not reach the result
    assert scores.respondents["OS01"].iloc[0] == _responses(600, seed=9)["OS01"].iloc[0]


def test_empty_frame_still_validates_first():
    empty = _responses(5).iloc[:0]
    with pytest.raises(DataError, match="responses have no rows"):
        score_survey(empty, INST)
    with pytest.raises(ResponseValidationError):
        score_survey(empty.drop(columns="OS01"), INST)

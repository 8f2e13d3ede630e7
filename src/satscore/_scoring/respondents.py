"""What gets scored (items, dimensions, overall, KPIs) and the per-respondent table.

* Reverse-keyed items are recoded ``(min + max) - x`` before any metric, so that
  a higher code is always the better experience. Their categories are the
  mirrored codes (the same set unless the codes are unevenly spaced); a recoded
  answer is "satisfied" when it is one of the scale's satisfied codes.
* A dimension score is the mean of the respondent's valid (recoded) items when
  at least the dimension's ``min_valid`` items are valid, else missing. Items of a
  dimension that do not share one scale are put on the 0–100 (POMP) scale first.
* The overall score is the mean of the respondent's available dimension scores
  (each dimension counts equally); it is missing when no dimension score is.
* "Satisfied" flags: an item answer in the scale's satisfied codes; a dimension
  or overall score at or above the lowest satisfied code of its scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import OptionError
from satscore._scoring.metrics import METRICS, format_definition, generic_definition

__all__ = ["Subjects", "build_respondents"]

_ITEM_METRICS = ("top_box", "index_0_100", "mean", "pct_of_max")


@dataclass
class ItemSubject:
    id: str
    codes: tuple[int, ...]
    satisfied: tuple[int, ...]
    reverse: bool
    metrics: tuple[str, ...]


@dataclass
class ScoreSubject:
    """A dimension or the overall composite (continuous per-respondent score)."""

    id: str
    subject_type: str
    items: tuple[str, ...]
    min_valid: int
    lo: float
    hi: float
    threshold: float
    pomp: bool
    metrics: tuple[str, ...]
    values: np.ndarray = field(default_factory=lambda: np.empty(0))


@dataclass
class Subjects:
    """Items, dimensions and KPIs that ``score_survey`` reports, with recoded values."""

    items: list[ItemSubject]
    scores: list[ScoreSubject]
    kpis: dict[str, tuple[str, str]]
    recoded: dict[str, np.ndarray]
    metric_names: tuple[str, ...]
    missing: dict[str, np.ndarray] = field(default_factory=dict)  # isnan masks, shared

    @classmethod
    def from_instrument(
        cls,
        inst: Any,
        data: pd.DataFrame,
        metric_names: Sequence[str],
        kpis: dict[str, tuple[str, str]],
    ) -> Subjects:
        ltr = inst.role_item("likelihood_to_recommend")
        status = inst.role_item("problem_status")
        items: list[ItemSubject] = []
        recoded: dict[str, np.ndarray] = {}
        missing: dict[str, np.ndarray] = {}
        for item in inst.items:
            if item.id not in data.columns:
                continue
            scale = inst.scale(item.scale)
            x = data[item.id].to_numpy(dtype=float)
            if item.reverse:
                x = (scale.min + scale.max) - x
            recoded[item.id] = x
            missing[item.id] = np.isnan(x)
            chosen: list[str] = []
            if item.scored and scale.ordinal and len(scale.codes) > 2:
                chosen += [m for m in _ITEM_METRICS if m in metric_names]
            if ltr is not None and item.id == ltr.id and "net_score" in metric_names:
                chosen.append("net_score")
            if status is not None and item.id == status.id and "resolution_rate" in metric_names:
                chosen.append("resolution_rate")
            if chosen or any(s == item.id for _, s in kpis.values()):
                # the categories of the recoded answers: the mirrored codes when reversed
                # (differs from the scale's codes when they are not evenly spaced, e.g. 1,2,3,5)
                codes = (
                    tuple(sorted(scale.min + scale.max - c for c in scale.codes))
                    if item.reverse
                    else tuple(scale.codes)
                )
                items.append(
                    ItemSubject(item.id, codes, scale.satisfied, item.reverse, tuple(chosen))
                )
        score_metrics = tuple(m for m in _ITEM_METRICS if m in metric_names)
        scores: list[ScoreSubject] = []
        for dim in inst.dimensions:
            ids = tuple(i for i in dim.items if i in recoded and inst.item(i).scored)
            if not ids:
                continue
            ranges = {(inst.item_scale(i).min, inst.item_scale(i).max) for i in ids}
            pomp = len(ranges) > 1
            lo, hi = (0.0, 100.0) if pomp else next(iter(ranges))
            sat = inst.item_scale(ids[0]).satisfied
            thr = min(sat) if sat else hi
            if pomp:
                s0 = inst.item_scale(ids[0])
                thr = (thr - s0.min) / (s0.max - s0.min) * 100.0
            values = _row_mean(
                [_pomp(recoded[i], inst.item_scale(i)) if pomp else recoded[i] for i in ids],
                min(dim.min_valid, len(ids)),
                [missing[i] for i in ids],
            )
            scores.append(
                ScoreSubject(
                    dim.id,
                    "dimension",
                    ids,
                    dim.min_valid,
                    float(lo),
                    float(hi),
                    float(thr),
                    pomp,
                    score_metrics,
                    values,
                )
            )
        if scores:
            ranges = {(s.lo, s.hi) for s in scores}
            pomp = len(ranges) > 1
            cols = [(s.values - s.lo) / (s.hi - s.lo) * 100.0 if pomp else s.values for s in scores]
            overall = _row_mean(cols, 1)
            lo, hi = (0.0, 100.0) if pomp else (scores[0].lo, scores[0].hi)
            thr = scores[0].threshold
            if pomp:
                thr = (thr - scores[0].lo) / (scores[0].hi - scores[0].lo) * 100.0
            scores.append(
                ScoreSubject(
                    "overall",
                    "overall",
                    tuple(s.id for s in scores),
                    1,
                    lo,
                    hi,
                    thr,
                    pomp,
                    score_metrics,
                    overall,
                )
            )
        subjects = cls(items, scores, dict(kpis), recoded, tuple(metric_names), missing)
        subjects._check_kpis(inst)
        return subjects

    def _check_kpis(self, inst: Any) -> None:
        known = {i.id for i in self.items} | {s.id for s in self.scores}
        for name, (metric, subject) in self.kpis.items():
            if subject not in known:
                msg = (
                    f"KPI {name!r} refers to subject {subject!r}, which is not an answered item, "
                    f"dimension or 'overall' of instrument {inst.id!r}; subjects: "
                    f"{sorted(known)}."
                )
                raise OptionError(msg)
            if metric in ("net_score", "resolution_rate"):
                item = next((i for i in self.items if i.id == subject), None)
                if item is None or metric not in item.metrics:
                    msg = f"KPI {name!r}: {metric} is not defined for subject {subject!r}."
                    raise OptionError(msg)

    def item(self, item_id: str) -> ItemSubject:
        return next(i for i in self.items if i.id == item_id)

    def without_rows(self) -> Subjects:
        """The same subjects without per-respondent arrays (metadata for merged chunks)."""
        empty = np.empty(0)
        scores = [replace(s, values=empty) for s in self.scores]
        return replace(self, scores=scores, recoded={}, missing={})

    def item_or_none(self, subject: str) -> ItemSubject | None:
        """The item subject with this id, or None for a dimension/overall score."""
        return next((i for i in self.items if i.id == subject), None)

    def score(self, score_id: str) -> ScoreSubject:
        return next(s for s in self.scores if s.id == score_id)

    def subject_scale(self, subject: str) -> tuple[tuple[int, ...], tuple[int, ...], float, float]:
        """(codes, satisfied, lo, hi) describing the scale of a subject."""
        for it in self.items:
            if it.id == subject:
                return it.codes, it.satisfied, float(min(it.codes)), float(max(it.codes))
        s = self.score(subject)
        return (), (), s.lo, s.hi

    def definition(self, metric: str, subject: str) -> str:
        for it in self.items:
            if it.id == subject:
                text = format_definition(metric, codes=it.codes, satisfied=it.satisfied)
                if it.reverse:
                    text += "; reverse-keyed item, scored after recoding (min + max) - x"
                return text
        s = self.score(subject)
        lo, hi = s.lo, s.hi
        text = METRICS[metric].format(
            satisfied="(score >= threshold)",
            threshold=_fmt(s.threshold),
            min=_fmt(lo),
            max=_fmt(hi),
            floor=f"{100.0 * lo / hi:.0f}" if hi else "0",
        )
        what = (
            f"dimension score = mean of the valid items {list(s.items)} when at least "
            f"{s.min_valid} are valid"
            if s.subject_type == "dimension"
            else f"overall score = mean of the available dimension scores {list(s.items)}"
        )
        return f"{text}; {what}" + ("; items on the 0-100 (POMP) scale" if s.pomp else "")

    def definitions(self, weighted: bool, design: bool, ci_method: str) -> dict[str, str]:
        out = {m: generic_definition(m) for m in self.metric_names}
        for name, (metric, subject) in self.kpis.items():
            out[name] = f"KPI: {metric} of {subject} — " + self.definition(metric, subject)
        if design:
            out["n_eff"] = (
                "design effective sample size p(1-p)/SE^2 for proportions, unit variance / SE^2 "
                "otherwise (SE from the survey design)"
            )
        elif weighted:
            out["n_eff"] = "Kish effective sample size (sum w)^2 / sum w^2 of the valid answers"
        else:
            out["n_eff"] = "number of valid answers (unweighted simple random sample)"
        out["ci"] = _ci_text(ci_method)
        out["verdict"] = (
            "met: one-sided lower bound >= target; not_met: one-sided upper bound < target; "
            "inconclusive otherwise (one-sided bounds at the confidence level)"
        )
        return out


def _row_mean(
    columns: list[np.ndarray], min_valid: int, missing: list[np.ndarray] | None = None
) -> np.ndarray:
    """Per-row mean of the non-missing values of *columns* when at least *min_valid* are
    present, else NaN (accumulated column by column: no (n, k) copy). ``missing``:
    precomputed ``isnan`` masks of the columns."""
    total = np.zeros(len(columns[0]))
    count = np.full(len(columns[0]), len(columns), dtype=np.int16)
    for j, col in enumerate(columns):
        nan = np.isnan(col) if missing is None else missing[j]
        np.add(total, col, out=total, where=~nan)
        count -= nan
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count >= max(min_valid, 1), total / count, np.nan)


def _ci_text(ci_method: str) -> str:
    if ci_method.startswith("bootstrap"):
        kind = "percentile" if ci_method == "bootstrap_percentile" else "BCa"
        return f"{kind} bootstrap, respondents resampled within segments (seeded)"
    return (
        f"proportions: {ci_method} interval at the effective sample size; means and indices: "
        "Student t interval; net score: normal interval with the multinomial variance"
    )


def _fmt(v: float) -> str:
    return f"{v:g}"


def _pomp(x: np.ndarray, scale: Any) -> np.ndarray:
    return (x - scale.min) / (scale.max - scale.min) * 100.0


def build_respondents(
    vr: Any,
    subjects: Subjects,
    by: Sequence[str],
    weights: np.ndarray | None,
    weights_name: str | None,
) -> pd.DataFrame:
    """One row per respondent: segments, weight, recoded items, scores and satisfied flags."""
    data = vr.data
    cols: dict[str, Any] = {c: data[c].to_numpy() for c in by}
    if weights is not None:
        cols[weights_name or "weight"] = weights
    for item_id, x in subjects.recoded.items():
        cols[item_id] = x
    for s in subjects.scores:
        cols[f"{s.id}_score"] = s.values
        cols[f"{s.id}_satisfied"] = _flag(s.values >= s.threshold, np.isnan(s.values))
    for name, (metric, subject) in subjects.kpis.items():
        if metric != "top_box":
            continue
        if any(i.id == subject for i in subjects.items):
            it = subjects.item(subject)
            x = subjects.recoded[subject]
            cols[name] = _flag(np.isin(x, it.satisfied), np.isnan(x))
    return pd.DataFrame(cols, index=data.index.copy())


def _flag(values: np.ndarray, missing: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), np.asarray(missing, dtype=bool))

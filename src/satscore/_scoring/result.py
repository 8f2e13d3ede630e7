"""``SurveyScores``: the frozen result of :func:`satscore.score_survey`."""

from __future__ import annotations

import dataclasses
import html
import json
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.results import ResultMixin, to_jsonable
from satscore._core.version import __version__
from satscore._scoring.compare import Comparison, compare_segments

__all__ = ["SCHEMA_NAME", "SCHEMA_VERSION", "SurveyScores"]

SCHEMA_NAME = "satscore.survey_scores"
#: Version of the JSON layout of :meth:`SurveyScores.to_dict` (semantic versioning:
#: a major bump removes or renames a field, a minor bump adds one).
SCHEMA_VERSION = "1.1.0"

_ROW_FIELDS = (
    "metric",
    "subject_type",
    "subject",
    "n",
    "n_eff",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "target",
    "verdict",
    "p_value",
    "small_n",
    "flag",
    "suppressed",
    "definition",
)


@dataclasses.dataclass(frozen=True, repr=False)
class SurveyScores(ResultMixin):
    """Scores of one wave of a survey, per segment, with intervals, targets and flags.

    Attributes
    ----------
    metrics : pandas.DataFrame
        Tidy table, one row per (metric, subject, segment): ``metric``,
        ``subject_type`` ("kpi", "item", "dimension", "overall"), ``subject``, one
        column per ``by`` variable, ``n`` (valid answers), ``n_eff`` (effective
        sample size), ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``definition``,
        ``target``, ``verdict`` ("met", "not_met", "inconclusive" or None),
        ``p_value`` (one-sided, against the target), ``small_n`` (``n_eff < 30``),
        ``flag`` (presentation flags, ``;``-separated, or None), ``suppressed``,
        ``df`` and ``kind`` ("proportion", "mean", "net"). Proportions are
        fractions in [0, 1]; net scores in [-1, 1]; ``index_0_100`` in [0, 100].
    respondents : pandas.DataFrame
        One row per respondent (index as the validated responses): segment
        columns, the weight, recoded item values (reverse keying applied),
        ``<dimension>_score``/``<dimension>_satisfied``,
        ``overall_score``/``overall_satisfied`` and one boolean column per top-box
        KPI (e.g. ``customer_satisfaction``).
    instrument : Instrument
        The instrument scored against.
    by : tuple of str
        Segment columns.
    confidence_level : float
        Two-sided confidence level of the intervals.
    ci_method : str
        Interval method for proportions (or the bootstrap).
    suppression : str or None
        Presentation rule applied ("nchs", "min_n=<k>" or None).
    weighted : bool
        Whether weights (or a design's weights) were used.
    design_based : bool
        Whether standard errors come from a survey design.
    targets : dict
        Targets applied (name or ``"metric:subject"`` → value).
    targets_skipped : dict
        Targets given but not applied: name → ``{"target": value, "reason": text}``
        for the seed-plan KPIs of :func:`~satscore.bank_kpi_targets` these
        responses do not measure (e.g. ``survey_coverage``, checked with
        :func:`~satscore.kpi`, or the satisfaction KPI of another instrument).
        Empty when every target applied.
    definitions : dict
        Written definition of every metric, KPI, ``n_eff``, the CI and the verdict.
    n_respondents : int
        Number of respondents (rows) scored.
    schema_version : str
        Version of the :meth:`to_dict` JSON layout
        (``satscore/schemas/survey_scores.schema.json``).
    """

    metrics: pd.DataFrame
    instrument: Any
    by: tuple[str, ...]
    confidence_level: float
    ci_method: str
    suppression: str | None
    weighted: bool
    design_based: bool
    targets: dict[str, float]
    definitions: dict[str, str]
    n_respondents: int
    schema_version: str = SCHEMA_VERSION
    targets_skipped: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    _segments: Any = dataclasses.field(default=None, compare=False)
    _items: Any = dataclasses.field(default=None, compare=False)  # builds the items table
    _respondents: Any = dataclasses.field(default=None, compare=False)  # builds respondents
    _cache: dict = dataclasses.field(default_factory=dict, compare=False)
    _title = "Survey scores"

    # ----------------------------------------------------------------- tables
    @property
    def respondents(self) -> pd.DataFrame:
        """One row per respondent (built on first access); see the class docstring."""
        if "respondents" not in self._cache:
            self._cache["respondents"] = self._respondents()
        return self._cache["respondents"]

    @property
    def items(self) -> pd.DataFrame:
        """Response distribution per item and segment (computed on first access).

        Columns: ``item``, the ``by`` columns, ``code`` (answer or missing code;
        missing for blanks and routing skips), ``label``, ``missing_reason`` (None
        for valid answers), ``count`` (respondents), ``share`` (weighted share
        among valid answers; NaN on missing rows) and ``share_of_all`` (weighted
        share among all respondents of the segment).
        """
        if "items" not in self._cache:
            self._cache["items"] = self._items()
        return self._cache["items"]

    def summary(self) -> pd.DataFrame:
        """Headline rows: KPIs, dimension and overall scores, and every row with a target.

        Targets that were given but skipped (:attr:`targets_skipped`) follow as rows
        with the KPI name, its target, no estimate and ``flag="target_skipped"``.
        """
        m = self.metrics
        st, metric = m["subject_type"], m["metric"]
        keep = (
            (st == "kpi")
            | metric.isin(["net_score", "resolution_rate"])
            | (st.isin(["dimension", "overall"]) & metric.isin(["top_box", "index_0_100"]))
            | m["target"].notna()
        )
        cols = [
            "metric",
            "subject_type",
            "subject",
            *self.by,
            "n",
            "n_eff",
            "estimate",
            "ci_low",
            "ci_high",
            "target",
            "verdict",
            "p_value",
            "flag",
        ]
        out = m.loc[keep, cols].reset_index(drop=True)
        if not self.targets_skipped:
            return out
        names = list(self.targets_skipped)
        skipped = pd.DataFrame(
            {
                "metric": names,
                "subject_type": "kpi",
                "subject": None,
                **dict.fromkeys(self.by),
                "n": 0,
                "n_eff": np.nan,
                "estimate": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "target": [float(self.targets_skipped[k]["target"]) for k in names],
                "verdict": None,
                "p_value": np.nan,
                "flag": "target_skipped",
            }
        )
        return pd.concat([out, skipped.astype({"n": out["n"].dtype})], ignore_index=True)

    def kpi(self, name: str = "customer_satisfaction") -> pd.DataFrame:
        """Rows of one KPI (e.g. ``"customer_satisfaction"``)."""
        return self.metrics[self.metrics["metric"] == name].reset_index(drop=True)

    # ------------------------------------------------------------- comparison
    def compare(
        self,
        by: str,
        *,
        reference: Any = "previous",
        adjust: str = "holm",
        metrics: Any = None,
    ) -> Comparison:
        """Compare the levels of one ``by`` variable (e.g. quarter to quarter).

        See :func:`satscore.scoring.compare_segments`.
        """
        return compare_segments(self, by, reference=reference, adjust=adjust, metrics=metrics)

    # ----------------------------------------------------------- serialising
    def to_dict(self, *, include_items: bool = True) -> dict[str, Any]:
        """JSON-safe dict following ``schemas/survey_scores.schema.json`` (version
        :data:`SCHEMA_VERSION`). The per-respondent table is not included."""
        rows = _records(self.metrics, self.by, _ROW_FIELDS)
        out: dict[str, Any] = {
            "schema": SCHEMA_NAME,
            "schema_version": self.schema_version,
            "generator": {"name": "satscore", "version": __version__},
            "instrument": {"id": self.instrument.id, "version": self.instrument.version},
            "by": list(self.by),
            "confidence_level": self.confidence_level,
            "ci_method": self.ci_method,
            "suppression": self.suppression,
            "weighted": self.weighted,
            "design_based": self.design_based,
            "n_respondents": int(self.n_respondents),
            "targets": to_jsonable(self.targets),
            "targets_skipped": to_jsonable(self.targets_skipped),
            "definitions": dict(self.definitions),
            "metrics": rows,
        }
        if include_items:
            out["items"] = _records(
                self.items,
                self.by,
                ("item", "code", "label", "missing_reason", "count", "share", "share_of_all"),
            )
        return out

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string (``kwargs`` go to :func:`json.dumps`)."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kwargs)

    def __repr__(self) -> str:
        return (
            f"SurveyScores(instrument={self.instrument.id!r}, n_respondents={self.n_respondents}, "
            f"by={list(self.by)}, rows={len(self.metrics)}, ci_method={self.ci_method!r})"
        )

    def _repr_html_(self) -> str:
        title = html.escape(
            f"Survey scores: {self.instrument.id} {self.instrument.version}, "
            f"{self.n_respondents} respondents, {self.confidence_level:.0%} CI ({self.ci_method})"
        )
        table = self.summary().to_html(
            escape=True, index=False, na_rep="", float_format=lambda v: f"{v:.4g}"
        )
        notes = "".join(
            f"<li><code>{html.escape(k)}</code> (target {v['target']:g}): "
            f"{html.escape(v['reason'])}</li>"
            for k, v in self.targets_skipped.items()
        )
        if notes:
            notes = f"<p>Targets not applied to these scores:</p><ul>{notes}</ul>"
        return f"<div class='satscore-result'><strong>{title}</strong>{table}{notes}</div>"


def _records(frame: pd.DataFrame, by: tuple[str, ...], fields: tuple[str, ...]) -> list[dict]:
    """Rows as JSON-safe dicts with the segment values nested under ``segment``."""
    seg = {c: frame[c].to_numpy(dtype=object) for c in by}
    cols = {f: frame[f].to_numpy(dtype=object) for f in fields}
    out = []
    for i in range(len(frame)):
        rec = {f: _scalar(cols[f][i]) for f in fields}
        rec["segment"] = {c: _scalar(seg[c][i]) for c in by}
        out.append(rec)
    return out


def _scalar(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (float, np.floating)) and not np.isfinite(v):
        return None
    return to_jsonable(v)

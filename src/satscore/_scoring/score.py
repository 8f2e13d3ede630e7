"""``score_survey``: from a quarter's responses to metrics with CIs, per segment, vs targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import check_confidence_level, check_option, check_rng
from satscore._core.errors import (
    DataError,
    DesignError,
    InstrumentError,
    OptionError,
    SatscoreTypeError,
)
from satscore._scoring.core import Segmented, check_segments, frame_keys, summarize
from satscore._scoring.respondents import Subjects, build_respondents
from satscore._scoring.result import SCHEMA_VERSION, SurveyScores
from satscore._scoring.rows import compute_rows, row_blocks
from satscore._scoring.suppression import check_suppression
from satscore._scoring.targets import resolve_targets
from satscore._stats import grouped as M
from satscore._stats.intervals import METHODS
from satscore._stream.chunks import is_out_of_core

__all__ = ["CI_METHODS", "score_survey"]

CI_METHODS = (*METHODS, "bootstrap", "bootstrap_percentile")

#: Headline KPI per instrument id (top-box of the overall-satisfaction item).
KPI_NAMES = {
    "personalized_service": "personalized_service_satisfaction",
    "employee_service": "employee_service_satisfaction",
}


def _instrument(instrument: Any) -> Any:
    from satscore.instruments import Instrument, load_instrument

    if isinstance(instrument, Instrument):
        return instrument
    if isinstance(instrument, str):
        return load_instrument(instrument)
    msg = (
        f"instrument must be an Instrument or a built-in instrument id; found "
        f"{type(instrument).__name__}. Pass e.g. load_instrument('bank_service') or 'bank_service'."
    )
    raise SatscoreTypeError(msg)


def _validated(responses: Any, inst: Any) -> Any:
    from satscore.instruments._validate import ValidatedResponses

    if isinstance(responses, ValidatedResponses):
        other = responses.instrument
        if (other.id, other.version) != (inst.id, inst.version):
            msg = (
                f"responses were validated with instrument {other.id!r} {other.version}, but "
                f"scoring was asked for {inst.id!r} {inst.version}. Validate with the same "
                "instrument, or pass the raw responses."
            )
            raise InstrumentError(msg)
        return responses
    if not isinstance(responses, pd.DataFrame):
        msg = (
            f"responses must be a pandas DataFrame or ValidatedResponses; found "
            f"{type(responses).__name__}. Read files with satscore.read_responses(...)."
        )
        raise SatscoreTypeError(msg)
    return inst.validate(responses, on_invalid="raise")


#: Columns of the metrics and items tables: a segment column may not take these names.
_RESERVED = frozenset(
    {"metric", "subject_type", "subject", "n", "n_eff", "estimate", "se", "ci_low", "ci_high",
     "definition", "target", "verdict", "p_value", "small_n", "flag", "suppressed", "df", "kind",
     "item", "code", "label", "missing_reason", "count", "share", "share_of_all"}
)  # fmt: skip


def _by(by: Any, data: pd.DataFrame, item_ids: set[str]) -> tuple[str, ...]:
    if by is None:
        return ()
    cols = (by,) if isinstance(by, str) else tuple(by)
    for col in cols:
        if not isinstance(col, str) or col not in data.columns:
            avail = [c for c in data.columns if c not in item_ids]
            msg = (
                f"by column {col!r} is not in the responses; segment columns available: "
                f"{avail}. Fix the name or add the column before scoring."
            )
            raise DataError(msg)
        if col in item_ids:
            msg = f"by column {col!r} is an item of the instrument; segment by a non-item column."
            raise DataError(msg)
        if col in _RESERVED:
            msg = (
                f"by column {col!r} has the name of a column of the scores tables "
                f"({', '.join(sorted(_RESERVED))}); rename it, e.g. "
                f"responses.rename(columns={{{col!r}: {col + '_group'!r}}}), and segment by that."
            )
            raise OptionError(msg)
    if len(set(cols)) != len(cols):
        msg = f"by lists a column twice: {list(cols)}; give each segment column once."
        raise OptionError(msg)
    return cols


def _weights(weights: Any, data: pd.DataFrame) -> tuple[np.ndarray | None, str | None]:
    if weights is None:
        return None, None
    name = None
    if isinstance(weights, str):
        if weights not in data.columns:
            msg = f"weights column {weights!r} is not in the responses; add it or pass an array."
            raise DataError(msg)
        name = weights
        values = data[weights]
    elif isinstance(weights, pd.Series) and not weights.index.equals(data.index):
        values = weights.reindex(data.index)  # align by respondent; gaps become NaN (an error)
    else:
        values = weights
    try:
        w = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        msg = f"weights must be numeric; found values of type {type(values).__name__}."
        raise DesignError(msg) from None
    label = f"weights column {name!r}" if name else "weights"
    if len(w) != len(data):
        msg = f"{label} has {len(w)} values but there are {len(data)} respondents; give one each."
        raise DesignError(msg)
    if np.isnan(w).any() or np.isinf(w).any():
        bad = int(np.flatnonzero(~np.isfinite(w))[0])
        msg = (
            f"{label} has a missing or infinite value (row {bad}: {w[bad]:g}); every respondent "
            "needs a finite weight. Impute or drop those rows."
        )
        raise DesignError(msg)
    if (w < 0).any():
        bad = int(np.flatnonzero(w < 0)[0])
        msg = f"{label} has a negative value ({w[bad]:g} at row {bad}); weights must be >= 0."
        raise DesignError(msg)
    if not (w > 0).any():
        msg = f"{label} are all zero; at least one respondent needs a positive weight."
        raise DesignError(msg)
    return w, name


def _design_weights(design: Any, data: pd.DataFrame) -> tuple[Any, np.ndarray | None]:
    ddata = getattr(design, "data", None)
    if not isinstance(ddata, pd.DataFrame) or not hasattr(design, "domain_means"):
        msg = (
            f"design must be a satscore.SurveyDesign; found {type(design).__name__}. "
            "Build it with SurveyDesign(responses, weights=..., strata=...)."
        )
        raise SatscoreTypeError(msg)
    if len(ddata) != len(data) or not ddata.index.equals(data.index):
        msg = (
            f"design.data has {len(ddata)} rows whose index does not match the {len(data)} "
            "responses; build the SurveyDesign on the same rows (same index, same order)."
        )
        raise DesignError(msg)
    w = getattr(design, "weights", None)
    return design, None if w is None else np.asarray(w, dtype=float)


def _metrics(metrics: Any) -> tuple[str, ...]:
    if metrics is None:
        return M.DEFAULT_METRICS
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    for name in names:
        if name not in M.METRICS:
            msg = (
                f"unknown metric {name!r}; metrics are {', '.join(M.METRICS)}. "
                "Check the spelling (KPI names such as 'customer_satisfaction' go in kpis=)."
            )
            raise OptionError(msg)
    return tuple(dict.fromkeys(names))


def _kpis(kpis: Any, inst: Any) -> dict[str, tuple[str, str]]:
    if kpis is None:
        item = inst.role_item("overall_satisfaction")
        if item is None:
            return {}
        return {KPI_NAMES.get(inst.id, "customer_satisfaction"): ("top_box", item.id)}
    if not isinstance(kpis, Mapping):
        msg = "kpis must be a mapping such as {'customer_satisfaction': ('top_box', 'OS01')}."
        raise SatscoreTypeError(msg)
    out = {}
    for name, spec in kpis.items():
        if not (isinstance(spec, tuple) and len(spec) == 2 and spec[0] in M.METRICS):
            msg = (
                f"kpis[{name!r}] must be a (metric, subject) pair with a metric in "
                f"{list(M.METRICS)}; found {spec!r}."
            )
            raise OptionError(msg)
        out[str(name)] = (spec[0], str(spec[1]))
    return out


@dataclass(frozen=True)
class _Options:
    level: float
    ci_method: str
    rule: str | None
    min_n: int
    n_boot: int
    rng: np.random.Generator


def score_survey(
    responses: Any,
    instrument: Any,
    *,
    by: str | Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    targets: Mapping[Any, float] | None = None,
    weights: str | Sequence[float] | np.ndarray | None = None,
    design: Any = None,
    confidence_level: float = 0.95,
    ci_method: str = "korn_graubard",
    suppression: Any = "nchs",
    kpis: Mapping[str, tuple[str, str]] | None = None,
    n_boot: int = 2000,
    seed: Any = None,
) -> SurveyScores:
    """Score a wave of survey responses: metrics with CIs, per segment, against targets.

    Parameters
    ----------
    responses : pandas.DataFrame, ValidatedResponses, iterable of DataFrames or dask DataFrame
        Raw responses (validated here with ``instrument.validate(...,
        on_invalid="raise")``) or the result of :meth:`Instrument.validate`.
        Chunks (e.g. ``pd.read_csv(path, chunksize=...)``) or a dask DataFrame
        are scored out of core in one pass of mergeable summaries (closed-form
        intervals only; no per-respondent table).
    instrument : Instrument or str
        The instrument (or a built-in id such as ``"bank_service"``).
    by : str or sequence of str, optional
        Segment columns (e.g. ``["branch", "quarter"]``); one row per observed
        combination. Respondents with a missing segment value are left out of the
        segmented rows.
    metrics : sequence of str, optional
        Any of ``"top_box"``, ``"index_0_100"``, ``"mean"``, ``"net_score"``,
        ``"resolution_rate"``, ``"pct_of_max"``; default all but ``pct_of_max``
        (which inflates scores and is only computed on request).
    targets : mapping, optional
        ``{"customer_satisfaction": 0.85}`` (a KPI name, or ``"net_score"`` /
        ``"resolution_rate"``) or ``{(metric, subject): value}``, e.g.
        ``{("top_box", "service_quality"): 0.8}``. Proportions are fractions.
        ``bank_kpi_targets()`` may be passed whole: seed-plan KPIs this instrument
        does not measure (e.g. ``survey_coverage``) are skipped.
    weights : str or array_like, optional
        Weight column name or one weight per respondent (without a design):
        weighted estimates with Kish's effective sample size ``(Σw)²/Σw²`` in
        place of ``n``.
    design : SurveyDesign, optional
        A design on the same rows: design-based standard errors from
        ``design.domain_means`` and Korn–Graubard intervals with the
        degrees-of-freedom adjustment of R ``svyciprop(method = "beta")``.
    confidence_level : float, default 0.95
        Two-sided level of ``ci_low``/``ci_high``; verdicts use one-sided bounds at
        this level.
    ci_method : str, default "korn_graubard"
        Interval for proportions: ``"korn_graubard"`` (= exact Clopper–Pearson
        without a design), ``"clopper_pearson"``, ``"wilson"``, ``"jeffreys"``,
        ``"agresti_coull"``, ``"wald"``; or ``"bootstrap"`` (BCa) /
        ``"bootstrap_percentile"`` for every metric (respondents resampled within
        segments; not with ``design=``, whose clusters it would ignore). Means and indices use a
        t-interval and the net score the multinomial normal interval unless a
        bootstrap is asked for.
    suppression : "nchs", ("min_n", k) or None, default "nchs"
        Presentation flags (rows are flagged, never dropped); see
        :mod:`satscore._scoring.suppression`.
    kpis : mapping, optional
        KPI name → ``(metric, subject)``. Default: the instrument's headline KPI,
        ``{"customer_satisfaction": ("top_box", <overall-satisfaction item>)}``.
    n_boot : int, default 2000
        Bootstrap replicates.
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap.

    Returns
    -------
    SurveyScores
        ``metrics``, ``respondents``, ``items`` tables and helpers.

    Raises
    ------
    ResponseValidationError
        If the responses do not conform to the instrument.
    OptionError, TargetError, DataError, DesignError
        For unknown metrics, bad targets, missing ``by`` columns, empty segments or
        invalid weights (messages name the value and the fix).

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import score_survey
    >>> df = pd.DataFrame({"CSAT01": [5, 4, 4, 3, 5, 2, 4, 5, 4, 4] * 20})
    >>> scores = score_survey(df, "csat", targets={"customer_satisfaction": 0.75})
    >>> row = scores.metrics.query("metric == 'customer_satisfaction'").iloc[0]
    >>> print(f"{row.estimate:.3f} [{row.ci_low:.3f}, {row.ci_high:.3f}] {row.verdict}")
    0.800 [0.738, 0.853] inconclusive
    >>> # R: binom.test(160, 200)$conf.int
    """
    inst = _instrument(instrument)
    level = check_confidence_level(confidence_level)
    check_option("ci_method", ci_method, CI_METHODS)
    rule, min_n = check_suppression(suppression)
    if not isinstance(n_boot, (int, np.integer)) or isinstance(n_boot, bool) or n_boot < 100:
        msg = f"n_boot must be an integer >= 100; found {n_boot!r}. Use e.g. n_boot=2000."
        raise OptionError(msg)
    rng = check_rng(seed)
    metric_names = _metrics(metrics)
    kpi_map = _kpis(kpis, inst)
    opts = _Options(level, ci_method, rule, min_n, int(n_boot), rng)
    if is_out_of_core(responses):  # chunks or a dask DataFrame: mergeable summaries
        from satscore._scoring.streamed import score_streamed

        return score_streamed(
            responses, inst, by=by, metrics=metric_names, kpis=kpi_map, targets=targets,
            weights=weights, design=design, opts=opts,
        )  # fmt: skip
    vr = _validated(responses, inst)
    data = vr.data
    item_ids = {i.id for i in inst.items}
    by_cols = _by(by, data, item_ids)
    if design is not None and weights is not None:
        msg = "give weights either through the design or through weights=, not both."
        raise OptionError(msg)
    if design is not None and ci_method.startswith("bootstrap"):
        msg = (
            f"ci_method={ci_method!r} resamples respondents independently, which ignores the "
            "design's strata and clusters; with design= use a design-based interval (the "
            "default 'korn_graubard', or 'wilson'), or pass weights= instead of design= for a "
            "weighted bootstrap of an unclustered sample."
        )
        raise OptionError(msg)
    w, w_name = _weights(weights, data)
    if design is not None:
        design, w = _design_weights(design, data)
    if len(data) == 0:
        msg = "responses have no rows; score at least one respondent."
        raise DataError(msg)
    segment, segments = M.segment_codes(data, by_cols)
    subjects = Subjects.from_instrument(inst, data, metric_names, kpi_map)
    dtypes = tuple(data[c].dtype for c in by_cols)
    summary = summarize(subjects, Segmented(segment, frame_keys(segments), by_cols, dtypes, w))
    check_segments(summary, segments)

    def respondents() -> pd.DataFrame:  # built on first access of SurveyScores.respondents
        return build_respondents(vr, subjects, by_cols, w, w_name)

    return finish_scores(
        row_blocks(summary, subjects),
        inst=inst,
        subjects=subjects,
        by_cols=by_cols,
        segments=segments,
        opts=opts,
        targets=targets,
        n_respondents=len(data),
        weighted=w is not None,
        design=design,
        segment=segment,
        weights=w,
        validated=vr,
        respondents=respondents,
    )


def finish_scores(
    blocks: list[Any],
    *,
    inst: Any,
    subjects: Subjects,
    by_cols: tuple[str, ...],
    segments: pd.DataFrame,
    opts: _Options,
    targets: Any,
    n_respondents: int,
    weighted: bool,
    design: Any = None,
    segment: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    validated: Any = None,
    respondents: Any = None,
) -> SurveyScores:
    """Row blocks -> metrics table (intervals, flags, targets) -> :class:`SurveyScores`.

    The last step of both the in-memory and the streamed path (which passes no
    ``segment``, ``weights`` or ``validated`` rows and a precomputed design).
    """
    table = compute_rows(
        blocks,
        segments=segments,
        segment=np.zeros(0, dtype=np.int64) if segment is None else segment,
        weights=weights,
        design=design,
        opts=opts,
    )
    table, target_map, skipped = resolve_targets(table, targets, subjects, opts, inst.id)
    internal = table.attrs.pop("_internal")
    table.attrs.clear()
    design_based = design is not None
    return SurveyScores(
        metrics=table,
        instrument=inst,
        by=by_cols,
        confidence_level=opts.level,
        ci_method=opts.ci_method,
        suppression=opts.rule if opts.rule != "min_n" else f"min_n={opts.min_n}",
        weighted=weighted,
        design_based=design_based,
        targets=target_map,
        targets_skipped=skipped,
        definitions=subjects.definitions(weighted, design_based, opts.ci_method),
        n_respondents=int(n_respondents),
        schema_version=SCHEMA_VERSION,
        _validated=validated,
        _segment=segment,
        _segments=segments,
        _weights=weights,
        _internal=internal,
        _respondents=respondents,
    )

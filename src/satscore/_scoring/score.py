"""``score_survey``: from a quarter's responses to metrics with CIs, per segment, vs targets.

The entry checks every data-independent argument once
(:func:`~satscore._scoring.options.check_options`) and dispatches: an in-memory frame to
:mod:`satscore._scoring.in_memory`, chunks or a Dask frame to
:mod:`satscore._scoring.streamed`. Both reduce row blocks to the same mergeable summaries
(:mod:`satscore._scoring.pipeline`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from satscore._scoring.in_memory import score_in_memory
from satscore._scoring.options import check_options
from satscore._scoring.result import SurveyScores
from satscore._scoring.streamed import score_streamed
from satscore._stream.chunks import is_out_of_core

__all__ = ["score_survey"]


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
    opts = check_options(
        instrument, metrics=metrics, kpis=kpis, confidence_level=confidence_level,
        ci_method=ci_method, suppression=suppression, n_boot=n_boot, seed=seed,
        weights=weights, design=design,
    )  # fmt: skip
    path = score_streamed if is_out_of_core(responses) else score_in_memory
    return path(responses, opts, by=by, targets=targets, weights=weights, design=design)

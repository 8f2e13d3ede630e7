"""The quarterly management report: one self-contained HTML file.

:func:`quarterly_report` scores the responses (:func:`satscore.score_survey`,
once by period and once per segment variable), adds reliability per dimension
and, when a sampling frame or plan is given, coverage; it then lays out KPI
tiles, the trend, a dimension scorecard, item charts, the segment breakdown,
the problem-resolution funnel, likelihood to recommend, coverage and a method
footnote, in English or Chinese.

The file has charts inlined as SVG (text as SVG text with CJK fallback fonts),
CSS inline and print rules, and no scripts or external references: it opens
offline and prints on A4. Every number in it is read from the
:class:`~satscore.SurveyScores` objects kept on the :class:`Report` (and from
the reliability / coverage results), never recomputed for display.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from satscore._core.errors import DataError, OptionError
from satscore._core.i18n import t
from satscore._core.results import ResultMixin, to_jsonable
from satscore._core.version import __version__
from satscore._plots.style import prepare
from satscore._report.charts import items_view, segment_table, segments_view
from satscore._report.context import Context
from satscore._report.format import title_of
from satscore._report.inputs import (
    coverage_of,
    instrument_of,
    kpi_specs,
    periods,
    reliability_of,
    validated,
)
from satscore._report.method import bases_table, coverage_row, coverage_view, method_view
from satscore._report.outcomes import funnel_table, funnel_view, ltr_view
from satscore._report.sections import (
    kpi_table,
    kpis_view,
    scorecard_table,
    scorecard_view,
    trend_view,
)
from satscore._report.templating import document, fragment, html_lang, render
from satscore._scoring.kpi import bank_kpi_targets
from satscore._scoring.score import score_survey

__all__ = ["Report", "quarterly_report"]

_DEFAULT_BY = ("branch", "channel")
_SURVEY_TARGETS = ("net_score", "resolution_rate")


@dataclasses.dataclass(frozen=True, repr=False)
class Report(ResultMixin):
    """A rendered quarterly report.

    Attributes
    ----------
    html : str
        The complete, self-contained HTML document.
    body : str
        The report's ``<div class="satscore-report">`` (what ``_repr_html_`` shows,
        with its scoped CSS).
    title : str
        Document title.
    language : str
        ``"en"`` or ``"zh"``.
    period : str or None
        The period column (e.g. ``"quarter"``).
    current, previous : object
        The period reported on and the one it is compared with (``None`` if none).
    sections : tuple of str
        Ids of the sections present, in order (``kpis``, ``trend``, ``scorecard``,
        ``items``, ``segments``, ``funnel``, ``ltr``, ``coverage``, ``method``).
    tables : dict of str to pandas.DataFrame
        The numbers behind each section (``kpis``, ``scorecard``, ``funnel``,
        ``bases``, ``segments_<by>``), read from the scores.
    scores : SurveyScores
        Scores by period (all metrics, with targets) — the source of the numbers.
    segment_scores : dict of str to SurveyScores
        Scores by (period, segment variable), one per ``by`` variable.
    reliability : pandas.DataFrame or None
        Cronbach's alpha and McDonald's omega (total) per dimension, current period.
    coverage : object or None
        The coverage report, when a frame or plan was given.
    """

    html: str
    body: str
    title: str
    language: str
    period: str | None
    current: Any
    previous: Any
    sections: tuple[str, ...]
    tables: dict[str, pd.DataFrame]
    scores: Any
    segment_scores: dict[str, Any]
    reliability: pd.DataFrame | None
    coverage: Any
    _title = "Quarterly report"

    def to_html(self, path: str | Path) -> Path:
        """Write the self-contained HTML file and return its path.

        Parameters
        ----------
        path : str or pathlib.Path
            Output file (parent folders are created).

        Returns
        -------
        pathlib.Path
        """
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(self.html, encoding="utf-8")
        return out

    def summary(self) -> pd.DataFrame:
        """The KPI table of the current period."""
        return self.tables["kpis"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe metadata and the section tables (not the HTML)."""
        return {
            "title": self.title,
            "language": self.language,
            "period": self.period,
            "current": to_jsonable(self.current),
            "previous": to_jsonable(self.previous),
            "sections": list(self.sections),
            "tables": {k: to_jsonable(v) for k, v in self.tables.items()},
        }

    def _repr_html_(self) -> str:
        return fragment(Markup(self.body))

    def __repr__(self) -> str:
        return (
            f"Report(title={self.title!r}, language={self.language!r}, "
            f"current={self.current!r}, sections={list(self.sections)}, "
            f"html=<{len(self.html):,} characters>)"
        )


# ----------------------------------------------------------------------------- main
def quarterly_report(
    responses: Any,
    instrument: Any = None,
    *,
    period: str | None = "quarter",
    current: Any = None,
    targets: Mapping[Any, float] | None = None,
    design: Any = None,
    weights: Any = None,
    frame: Any = None,
    plan: Any = None,
    language: str = "en",
    by: Sequence[str] | None = None,
    confidence_level: float = 0.95,
    ci_method: str = "korn_graubard",
    suppression: Any = "nchs",
    on_invalid: str = "coerce",
    font: str | None = None,
    title: str | None = None,
) -> Report:
    """Build the quarterly customer-satisfaction report.

    Parameters
    ----------
    responses : pandas.DataFrame or ValidatedResponses
        Responses of one or more periods (raw: validated here).
    instrument : Instrument or str, optional
        The instrument or a built-in id; default ``responses.instrument``.
    period : str or None, default "quarter"
        Period column; the trend and the change vs the previous period use it.
        ``None`` for a single-period report.
    current : optional
        The period reported on; default the latest.
    targets : mapping, optional
        KPI targets (name → fraction), e.g. ``{"customer_satisfaction": 0.85}``,
        or ``(metric, subject)`` targets as in :func:`satscore.score_survey`.
        Default :func:`satscore.bank_kpi_targets`. Targets this survey cannot
        measure are listed as "not measured by this survey".
    design : SurveyDesign, optional
        Design-based estimation (passed to :func:`satscore.score_survey`).
    weights : str or array_like, optional
        Weight column or weights (without a design).
    frame, plan : optional
        Customer frame / sample plan for the coverage section
        (:func:`satscore.coverage_report`); without them the coverage KPI is
        listed as not measured.
    language : {"en", "zh"}
        Report language (fixed texts, charts, instrument wording).
    by : sequence of str, optional
        Segment variables for the breakdown; default ``("branch", "channel")``
        (those present in the data). Variables named explicitly must exist.
    confidence_level, ci_method, suppression
        As in :func:`satscore.score_survey`.
    on_invalid : {"coerce", "raise"}, default "coerce"
        Validation of raw responses: invalid answers become missing (and are
        counted in the method footnote), or raise.
    font : str, optional
        Chart font (see :mod:`satscore.plots`).
    title : str, optional
        Document title; default "Customer satisfaction report – <instrument>".

    Returns
    -------
    Report
        ``.html`` (the document), ``.to_html(path)``, ``.tables``, ``.scores``.

    Raises
    ------
    MissingDependencyError
        ``language="zh"`` and no CJK font is installed (see :mod:`satscore.plots`).
    DataError, OptionError
        Missing period or segment columns, an unknown ``current`` period.

    Examples
    --------
    A one-question CSAT survey over two quarters (the built-in example survey
    works the same way: ``quarterly_report(load_example("bank_survey"),
    "bank_service")``):

    >>> import pandas as pd
    >>> import satscore
    >>> df = pd.DataFrame(
    ...     {
    ...         "quarter": ["2026Q1"] * 200 + ["2026Q2"] * 200,
    ...         "CSAT01": [5, 4, 3, 4, 2] * 40 + [5, 4, 4, 4, 3] * 40,
    ...     }
    ... )
    >>> report = satscore.quarterly_report(df, "csat", targets={"customer_satisfaction": 0.75})
    >>> report.sections
    ('kpis', 'trend', 'items', 'coverage', 'method')
    >>> kpi = report.tables["kpis"].iloc[0]
    >>> print(
    ...     f"{kpi.metric}: {kpi.estimate:.3f} [{kpi.ci_low:.3f}, {kpi.ci_high:.3f}] {kpi.verdict}"
    ... )
    customer_satisfaction: 0.800 [0.738, 0.853] inconclusive
    >>> import tempfile, pathlib
    >>> path = report.to_html(pathlib.Path(tempfile.mkdtemp()) / "report.html")
    >>> "<script" in path.read_text(encoding="utf-8")
    False
    >>> # R: binom.test(160, 200)$conf.int  (the Q2 interval)
    """
    lang, _ = prepare(language, font)
    if on_invalid not in ("coerce", "raise"):
        msg = f"on_invalid={on_invalid!r} is not supported; use 'coerce' or 'raise'."
        raise OptionError(msg)
    inst = instrument_of(instrument, responses)
    if lang not in inst.languages:
        msg = (
            f"instrument {inst.id!r} has no {lang!r} texts (languages: "
            f"{', '.join(inst.languages)}); pass one of those as language=."
        )
        raise OptionError(msg)
    vr = validated(responses, inst, on_invalid)
    data = vr.data
    current, previous = periods(data, period, current)
    explicit_by = by is not None
    seg_vars = list(by) if explicit_by else [c for c in _DEFAULT_BY if c in data.columns]
    missing = [c for c in seg_vars if c not in data.columns]
    if missing:
        msg = f"by= names {missing}, which the responses lack; columns are {list(data.columns)}."
        raise DataError(msg)
    seg_vars = [c for c in seg_vars if c != period]

    all_targets = dict(bank_kpi_targets() if targets is None else targets)
    specs = kpi_specs(inst)
    kpis = list(specs)
    score_targets = {
        k: v
        for k, v in all_targets.items()
        if isinstance(k, tuple) or k in kpis or k in _SURVEY_TARGETS
    }
    has_coverage = frame is not None or plan is not None
    unmeasured = [
        k
        for k in all_targets
        if isinstance(k, str)
        and k not in score_targets
        and not (k == "survey_coverage" and has_coverage)
    ]
    common = {
        "design": design,
        "weights": weights,
        "confidence_level": confidence_level,
        "ci_method": ci_method,
        "suppression": suppression,
    }
    coverage_target = float(all_targets.get("survey_coverage", 0.30))
    coverage = coverage_of(frame, plan, vr, period, current, coverage_target)
    scores = score_survey(
        vr, inst, by=[period] if period else None, targets=score_targets, **common
    )
    segment_scores = {}
    for seg in seg_vars:
        seg_by = [period, seg] if period else [seg]
        seg_targets = {k: v for k, v in score_targets.items() if k in kpis}
        # the breakdown shows the KPIs (or the overall top-box): score only their metrics
        seg_metrics = sorted({m for m, _ in specs.values()} | {"top_box"})
        segment_scores[seg] = score_survey(
            vr, inst, by=seg_by, targets=seg_targets, metrics=seg_metrics, **common
        )
    reliability = reliability_of(scores, inst, period, current)
    ctx = Context(
        instrument=inst,
        language=lang,
        period=period,
        current=current,
        previous=previous,
        kpi_names=[k for k in kpis if (scores.metrics["metric"] == k).any()],
        scores=scores,
        segment_scores=segment_scores,
        unmeasured=unmeasured,
        targets={k: v for k, v in score_targets.items() if isinstance(k, str)},
        reliability=reliability,
        coverage=coverage,
        coverage_target=coverage_target,
        validation=vr,
        font=font,
    )
    tables: dict[str, pd.DataFrame] = {"kpis": kpi_table(ctx)}
    tables["scorecard"] = scorecard_table(ctx)
    seg_tables = {seg: segment_table(ctx, seg) for seg in seg_vars}
    tables.update({f"segments_{seg}": tab for seg, tab in seg_tables.items()})
    tables["funnel"] = funnel_table(ctx)
    tables["bases"] = bases_table(ctx)
    # section views in report order; None: nothing to show
    views = [
        kpis_view(ctx, tables["kpis"], coverage_row(ctx)),
        trend_view(ctx),
        scorecard_view(ctx, tables["scorecard"]),
        items_view(ctx),
        segments_view(ctx, seg_tables),
        funnel_view(ctx, tables["funnel"]),
        ltr_view(ctx),
        coverage_view(ctx),
        method_view(ctx, tables["bases"]),
    ]
    sections = [v for v in views if v is not None]

    inst_title = title_of(inst.title, lang)
    doc_title = title or f"{t('report_title', lang)} – {inst_title}"
    n_current = int((data[period] == current).sum()) if period else len(data)
    subtitle = t(
        "report_subtitle",
        lang,
        instrument=f"{inst_title} ({inst.id} {inst.version})",
        period_label=t("quarter", lang) if period == "quarter" else (period or ""),
        current=current if current is not None else "",
        n=f"{n_current:,}",
        version=__version__,
    )
    body = render(
        "quarterly.html.j2",
        lang=html_lang(lang),
        title=doc_title,
        subtitle=subtitle,
        sections=sections,
    )
    return Report(
        html=document(body, title=doc_title, language=lang),
        body=str(body),
        title=doc_title,
        language=lang,
        period=period,
        current=current,
        previous=previous,
        sections=tuple(v["id"] for v in sections),
        tables=tables,
        scores=scores,
        segment_scores=segment_scores,
        reliability=reliability,
        coverage=coverage,
    )

"""Report sections about method: coverage / response rate and the method footnote."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import DataError
from satscore._core.i18n import STRINGS, t
from satscore._report.context import Context
from satscore._report.format import cell, kpi_title, pct
from satscore._stats.verdict import verdict

__all__ = [
    "FrameCoverage",
    "bases_table",
    "coverage_row",
    "coverage_view",
    "frame_coverage",
    "method_view",
]

_SUPPRESSION = {
    "nchs": {
        "en": "NCHS Data Presentation Standards for Proportions (effective n < 30, or a "
        "Korn–Graubard CI too wide in absolute or relative terms, is suppressed)",
        "zh": "NCHS 比例数据呈现标准（有效样本量 < 30，或 Korn–Graubard 置信区间绝对/相对宽度过大，"
        "则抑制）",
    },
    None: {"en": "none", "zh": "无"},
}
_CI_METHODS = {
    "korn_graubard": "Korn–Graubard (exact Clopper–Pearson without a design)",
    "clopper_pearson": "Clopper–Pearson (exact)",
    "wilson": "Wilson score",
    "jeffreys": "Jeffreys",
    "agresti_coull": "Agresti–Coull",
    "wald": "Wald",
    "bootstrap": "BCa bootstrap",
    "bootstrap_percentile": "percentile bootstrap",
}


def bases_table(ctx: Context) -> pd.DataFrame:
    """Respondents and KPI base (valid answers) per period, from the scores."""
    sc = ctx.scores
    resp = sc.respondents
    if ctx.period and ctx.period in resp.columns:
        counts = resp.groupby(ctx.period, sort=True).size()
        out = pd.DataFrame({ctx.period: counts.index, "respondents": counts.to_numpy()})
    else:
        out = pd.DataFrame({"respondents": [int(sc.n_respondents)]})
    m = sc.metrics
    for name in ctx.kpi_names:
        rows = m[(m["metric"] == name) & (m["subject_type"] == "kpi")]
        if ctx.period and ctx.period in rows.columns:
            out = out.merge(
                rows[[ctx.period, "n"]].rename(columns={"n": f"n_{name}"}),
                on=ctx.period,
                how="left",
            )
        elif len(rows):
            out[f"n_{name}"] = rows["n"].iloc[0]
    return out


@dataclasses.dataclass(frozen=True)
class FrameCoverage:
    """Response coverage from a customer frame alone (no plan: invitations unknown).

    Attributes
    ----------
    target : float
        Coverage target.
    table : pandas.DataFrame
        One ``total`` row: ``N`` (active customers in the frame), ``responded``
        (distinct respondents of the period found in the frame),
        ``response_coverage`` (responded / N) and ``verdict`` (against ``target``;
        a count over the whole frame has no sampling error).
    caveats : tuple of str
        Respondents whose id is not in the frame, if any.
    """

    target: float
    table: pd.DataFrame
    caveats: tuple[str, ...]

    def summary(self) -> pd.DataFrame:
        """The coverage table."""
        return self.table.copy()


def frame_coverage(
    frame: pd.DataFrame, data: pd.DataFrame, *, target: float, id_column: str = "customer_id"
) -> FrameCoverage:
    """Respondents of the period / active customers of the frame, with its verdict."""
    for name, table in (("frame", frame), ("responses", data)):
        if id_column not in table.columns:
            msg = (
                f"the {name} has no {id_column!r} column; coverage links respondents to the "
                f"frame by customer id. Add the column or pass plan= instead."
            )
            raise DataError(msg)
    active = frame[frame["active"].astype(bool)] if "active" in frame.columns else frame
    ids = pd.Index(active[id_column].dropna().unique())
    resp = pd.Index(data[id_column].dropna().unique())
    found = int(resp.isin(ids).sum())
    n = len(ids)
    cov = found / n if n else float("nan")
    table = pd.DataFrame(
        {"stratum": ["total"], "N": [n], "responded": [found], "response_coverage": [cov]}
    )
    table["verdict"] = verdict(np.array([cov]), np.array([cov]), target)
    caveats = ()
    if found < len(resp):
        caveats = (f"{len(resp) - found} respondent id(s) are not active customers of the frame",)
    return FrameCoverage(target=float(target), table=table, caveats=caveats)


def coverage_row(ctx: Context) -> dict[str, Any] | None:
    """The coverage KPI tile from the coverage report's ``total`` row, if any.

    With a plan: invited / active customers (the sampling engineer's
    ``coverage``); with a frame only: respondents / active customers.
    """
    cov = ctx.coverage
    if cov is None:
        return None
    total = cov.table.iloc[-1]
    key = "coverage" if "coverage" in cov.table.columns else "response_coverage"
    n = total["invited"] if "invited" in cov.table.columns else total["responded"]
    value = float(total[key])
    return {
        "estimate": value,
        "ci_low": value,  # a count over the whole frame: no sampling error
        "ci_high": value,
        "n": int(n),
        "target": float(cov.target),
        "verdict": total["verdict"],
        "p_value": None,
        "kind": "proportion",
    }


def _coverage_cell(column: str, value: Any, lang: str) -> dict[str, Any]:
    if column in ("response_rate", "coverage", "response_coverage"):
        return cell(pct(value), **{column: value})
    if column == "verdict":
        return cell(t(value, lang) if value in STRINGS else (value or "–"))
    if column in ("N", "invited", "responded") and isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        return cell(f"{int(value):,}")
    return cell(value)


def coverage_view(ctx: Context) -> dict:
    """The coverage table of the current period (or how to get one), with its caveats."""
    lang = ctx.language
    view: dict[str, Any] = {"id": "coverage", "heading": t("sec_coverage", lang), "table": None}
    if ctx.coverage is None:
        view["notes"] = [t("coverage_none", lang, target=pct(ctx.coverage_target, 0))]
        return view
    cov = ctx.coverage
    table = cov.table
    show = [
        c
        for c in (
            "stratum",
            *table.columns[:1],
            "N",
            "invited",
            "responded",
            "response_rate",
            "coverage",
            "response_coverage",
            "verdict",
        )
        if c in table.columns
    ]
    show = list(dict.fromkeys(show))
    head = [t("cov_" + c, lang) if "cov_" + c in STRINGS else c for c in show]
    rows = [
        {"attrs": {}, "cells": [_coverage_cell(c, r[c], lang) for c in show]}
        for r in table.to_dict("records")
    ]
    view["notes"] = [t("coverage_note", lang, target=pct(cov.target, 0))]
    view["table"] = {"attrs": {"class": "coverage"}, "head": head, "rows": rows}
    view["caveats"] = list(getattr(cov, "caveats", ()))
    return view


def method_view(ctx: Context, bases: pd.DataFrame) -> dict:
    """The method footnote: definitions, intervals, verdicts, weighting, small bases, data."""
    lang, sc, inst = ctx.language, ctx.scores, ctx.instrument
    defs = [t("def_top_box", lang), t("def_index", lang)]
    if inst.role_item("likelihood_to_recommend") is not None:
        defs.append(t("def_net", lang))
    if inst.role_item("problem_status") is not None:
        defs.append(t("def_resolution", lang))
    for name in ctx.kpi_names:
        text = sc.definitions.get(name)
        if text and lang == "en":
            defs.append(f"{kpi_title(name, lang)}: {text}")
    if sc.design_based:
        weighting = t("weights_design", lang)
    elif sc.weighted:
        weighting = t("weights_kish", lang)
    else:
        weighting = t("weights_none", lang)
    rule = sc.suppression
    rule_text = _SUPPRESSION.get(rule, {"en": str(rule), "zh": str(rule)})[lang]
    problems = len(getattr(getattr(ctx.validation, "report", None), "problems", ()) or ())
    ci_name = _CI_METHODS.get(sc.ci_method, sc.ci_method)
    n = f"{sc.n_respondents:,}"
    terms = [
        ("m_definitions", defs),
        ("m_ci", [t("ci_text", lang, level=ctx.level, method=ci_name)]),
        ("m_verdict", [t("verdict_text", lang, level=ctx.level)]),
        ("m_weighting", [weighting]),
        ("m_suppression", [t("suppression_text", lang, rule=rule_text)]),
        ("m_data", [t("data_text", lang, n=n, problems=problems)]),
    ]
    with_period = bool(ctx.period) and ctx.period in bases.columns
    head = [t("col_period", lang)] if with_period else []
    head.append(t("col_respondents", lang))
    kpis = [name for name in ctx.kpi_names if f"n_{name}" in bases.columns]
    head += [f"n ({kpi_title(name, lang)})" for name in kpis]
    rows = []
    for r in bases.to_dict("records"):
        cells = [cell(r[ctx.period])] if with_period else []
        cells.append(cell(f"{int(r['respondents']):,}", respondents=r["respondents"]))
        for name in kpis:
            v = r[f"n_{name}"]
            cells.append(cell(f"{int(v):,}" if np.isfinite(v) else "–"))
        rows.append({"attrs": {}, "cells": cells})
    return {
        "id": "method",
        "heading": t("sec_method", lang),
        "terms": [(t(key, lang), texts) for key, texts in terms],
        "bases_term": t("m_bases", lang),
        "bases": {"attrs": {"class": "bases"}, "head": head, "rows": rows},
    }

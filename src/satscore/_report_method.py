"""Report sections about method: coverage / response rate and the method footnote."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._i18n import t
from ._report_html import esc
from ._report_sections import Context, _num, kpi_title, pct

__all__ = ["bases_table", "coverage_html", "coverage_row", "method_html"]

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


def coverage_row(ctx: Context) -> dict[str, Any] | None:
    """The coverage KPI tile (response rate vs target) from the coverage report, if any."""
    cov = ctx.coverage
    if cov is None:
        return None
    rate = getattr(cov, "response_rate", None)
    if rate is None:
        return None
    ci = getattr(cov, "ci", None) or getattr(cov, "response_rate_ci", None)
    low, high = ci if ci is not None else (np.nan, np.nan)
    return {
        "estimate": float(np.asarray(rate, float).ravel()[0]),
        "ci_low": float(low) if low is not None else np.nan,
        "ci_high": float(high) if high is not None else np.nan,
        "n": int(getattr(cov, "n_sampled", getattr(cov, "n", 0)) or 0),
        "target": float(getattr(cov, "target", ctx.coverage_target)),
        "verdict": getattr(cov, "verdict", None),
        "p_value": getattr(cov, "p_value", None),
        "kind": "proportion",
    }


def coverage_html(ctx: Context) -> str:
    lang = ctx.language
    target = pct(ctx.coverage_target, 0)
    head = f'<section id="coverage"><h2>{esc(t("sec_coverage", lang))}</h2>'
    if ctx.coverage is None:
        return (
            head + f'<p class="note">{esc(t("coverage_none", lang, target=target))}</p></section>'
        )
    table = None
    summary = getattr(ctx.coverage, "summary", None)
    if callable(summary):
        table = summary()
    parts = [head, f'<p class="note">{esc(t("coverage_note", lang, target=target))}</p>']
    if isinstance(table, pd.DataFrame) and not table.empty:
        parts.append(
            table.to_html(
                index=False,
                escape=True,
                border=0,
                classes="coverage",
                float_format=lambda v: f"{v:.3g}",
                na_rep="–",
            )
        )
    parts.append("</section>")
    return "".join(parts)


def method_html(ctx: Context, bases: pd.DataFrame) -> str:
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
    items = [
        ("m_definitions", "".join(f"<dd>{esc(d)}</dd>" for d in defs)),
        (
            "m_ci",
            f"<dd>{esc(t('ci_text', lang, level=ctx.level, method=ci_name))}</dd>",
        ),
        ("m_verdict", f"<dd>{esc(t('verdict_text', lang, level=ctx.level))}</dd>"),
        ("m_weighting", f"<dd>{esc(weighting)}</dd>"),
        ("m_suppression", f"<dd>{esc(t('suppression_text', lang, rule=rule_text))}</dd>"),
        (
            "m_data",
            f"<dd>{esc(t('data_text', lang, n=f'{sc.n_respondents:,}', problems=problems))}</dd>",
        ),
    ]
    head = [t("col_period", lang)] if ctx.period and ctx.period in bases.columns else []
    head.append(t("col_respondents", lang))
    head += [f"n ({kpi_title(n, lang)})" for n in ctx.kpi_names if f"n_{n}" in bases.columns]
    body = []
    for r in bases.to_dict("records"):
        cells = [f"<td>{esc(r[ctx.period])}</td>"] if len(head) and ctx.period in r else []
        cells.append(
            f'<td data-respondents="{_num(r["respondents"])}">{int(r["respondents"]):,}</td>'
        )
        for n in ctx.kpi_names:
            if f"n_{n}" in r:
                v = r[f"n_{n}"]
                cells.append(f"<td>{int(v):,}</td>" if np.isfinite(v) else "<td>–</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    thead = "".join(f"<th>{esc(h)}</th>" for h in head)
    rows = "".join(body)
    table = f"<table class='bases'><thead><tr>{thead}</tr></thead><tbody>{rows}</tbody></table>"
    dl = "".join(f"<dt>{esc(t(k, lang))}</dt>{v}" for k, v in items)
    return (
        f'<section id="method" class="footnote"><h2>{esc(t("sec_method", lang))}</h2>'
        f"<dl>{dl}<dt>{esc(t('m_bases', lang))}</dt><dd>{table}</dd></dl></section>"
    )

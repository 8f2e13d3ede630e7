"""Report sections about method: coverage / response rate and the method footnote."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.i18n import STRINGS, t
from satscore._report.html import esc
from satscore._report.sections import Context, _num, kpi_title, pct

__all__ = [
    "FrameCoverage",
    "bases_table",
    "coverage_html",
    "coverage_row",
    "frame_coverage",
    "method_html",
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
    from satscore._core.errors import DataError
    from satscore._stats.verdict import verdict

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


def coverage_html(ctx: Context) -> str:
    lang = ctx.language
    target = pct(ctx.coverage_target, 0)
    head = f'<section id="coverage"><h2>{esc(t("sec_coverage", lang))}</h2>'
    if ctx.coverage is None:
        return (
            head + f'<p class="note">{esc(t("coverage_none", lang, target=target))}</p></section>'
        )
    cov = ctx.coverage
    table = cov.table
    parts = [
        head,
        f'<p class="note">{esc(t("coverage_note", lang, target=pct(cov.target, 0)))}</p>',
    ]
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
    head_cells = "".join(
        f"<th>{esc(t('cov_' + c, lang) if 'cov_' + c in STRINGS else c)}</th>" for c in show
    )
    body = []
    for r in table.to_dict("records"):
        cells = []
        for c in show:
            v = r[c]
            if c in ("response_rate", "coverage", "response_coverage"):
                cells.append(f'<td data-{c.replace("_", "-")}="{_num(v)}">{esc(pct(v))}</td>')
            elif c == "verdict":
                cells.append(f"<td>{esc(t(v, lang) if v in STRINGS else (v or '–'))}</td>")
            elif isinstance(v, (int, float, np.integer, np.floating)) and c in (
                "N",
                "invited",
                "responded",
            ):
                cells.append(f"<td>{int(v):,}</td>")
            else:
                cells.append(f"<td>{esc(v)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    parts.append(
        f'<table class="coverage"><thead><tr>{head_cells}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    for caveat in getattr(cov, "caveats", ()):
        parts.append(f'<p class="note">{esc(caveat)}</p>')
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

"""quarterly_report: structure, numbers in the HTML equal the SurveyScores values, no external
references, both languages, errors, no mutation, CLI."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import satscore
from satscore import load_example, load_instrument, quarterly_report
from satscore.cli import main
from satscore.errors import DataError, MissingDependencyError, OptionError
from satscore.report import Report

INST = load_instrument("bank_service")


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each element with an id-like
    ``data-*`` attribute (tiles, rows)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.errors: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        out = []
        for t, a in self.tags:
            if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                out.append(a)
        return out


def parse(html: str) -> Elements:
    p = Elements()
    p.feed(html)
    p.close()
    return p


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return load_example("bank_survey")


@pytest.fixture(scope="module")
def report(survey) -> Report:
    return quarterly_report(survey, "bank_service")


@pytest.fixture(scope="module")
def report_zh(survey) -> Report:
    small = survey[survey["quarter"].isin(["2026Q3", "2026Q4"])]
    return quarterly_report(small, "bank_service", language="zh", by=["channel"])


def test_structure(report):
    assert isinstance(report, Report)
    assert report.sections == (
        "kpis", "trend", "scorecard", "items", "segments", "funnel", "ltr", "coverage", "method"
    )  # fmt: skip
    assert report.current == "2026Q4"
    assert report.previous == "2026Q3"
    html = report.html
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg") == html.count("</svg>") >= 8
    for section in report.sections:
        assert html.count(f'<section id="{section}"') == 1
    # unique ids across the inline charts
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert "Customer satisfaction report" in report.title


def test_self_contained(report, report_zh):
    for html in (report.html, report_zh.html):
        lower = html.lower()
        assert "http" not in lower
        assert "<link" not in lower
        assert "<script" not in lower
        assert "src=" not in lower
        assert "url(" not in lower.replace("url(#", "")
        assert "@import" not in lower
        assert "<iframe" not in lower


def test_kpi_tiles_equal_scores(report):
    m = report.scores.metrics
    row = m[(m["metric"] == "customer_satisfaction") & (m["quarter"] == "2026Q4")].iloc[0]
    tiles = parse(report.html).find("div", data_kpi="customer_satisfaction")
    assert len(tiles) == 1
    tile = tiles[0]
    assert float(tile["data-estimate"]) == row["estimate"]
    assert float(tile["data-ci-low"]) == row["ci_low"]
    assert float(tile["data-ci-high"]) == row["ci_high"]
    assert float(tile["data-n"]) == row["n"]
    assert float(tile["data-target"]) == 0.85 == row["target"]
    assert tile["data-verdict"] == row["verdict"]
    # the visible text shows the same numbers, rounded for display
    block = re.search(r'data-kpi="customer_satisfaction".*?</div></div>', report.html, re.S)
    text = block.group(0)
    assert f">{row['estimate'] * 100:.1f}%<" in text
    assert f"{row['ci_low'] * 100:.1f}% – {row['ci_high'] * 100:.1f}%" in text
    assert f"n = {int(row['n']):,}" in text
    assert "Not met" in text if row["verdict"] == "not_met" else True
    pd.testing.assert_frame_equal(report.summary(), report.tables["kpis"])


def test_unmeasured_kpis_listed(report):
    measured = set(report.tables["kpis"]["metric"])
    assert measured == {"customer_satisfaction"}
    for name in ("Survey coverage", "Complaint-rate change", "Training pass rate"):
        assert name in report.html
    assert "Not measured by this survey" in report.html


def test_scorecard_equals_scores_and_compare(report):
    m = report.scores.metrics
    comp = report.scores.compare("quarter").table
    comp = comp[(comp["from"] == "2026Q3") & (comp["to"] == "2026Q4")]
    table = re.search(r'<table class="scorecard">.*?</table>', report.html, re.S).group(0)
    rows = parse(table).tags
    cells = {}
    current = None
    for tag, attrs in rows:
        if tag == "tr" and "data-subject" in attrs:
            current = attrs["data-subject"]
            cells[current] = {}
        elif tag == "td" and current is not None:
            for key, value in attrs.items():
                if key.startswith("data-"):
                    cells[current][key[5:]] = float(value) if value else None
    assert set(cells) == {"service_quality", "staff_attitude", "problem_resolution", "overall"}
    for subject, got in cells.items():
        sel = m[(m["subject"] == subject) & (m["quarter"] == "2026Q4")]
        sel = sel[sel["subject_type"].isin(["dimension", "overall"])].set_index("metric")
        assert got["top-box"] == sel.loc["top_box", "estimate"]
        assert got["index"] == sel.loc["index_0_100", "estimate"]
        assert got["n"] == sel.loc["index_0_100", "n"]
        c = comp[comp["subject"] == subject].set_index("metric")
        assert got["top-box-change"] == c.loc["top_box", "difference"]
        assert got["index-change"] == c.loc["index_0_100", "difference"]
    assert cells["overall"]["alpha"] is None  # no reliability for the all-dimension score
    # reliability: alpha / omega per dimension from satscore's omega on the recoded items
    from satscore import omega

    resp = report.scores.respondents
    resp = resp[resp["quarter"] == "2026Q4"]
    for dim in INST.dimensions:
        res = omega(resp[list(dim.items)].dropna(how="all"), n_factors=1)
        assert cells[dim.id]["alpha"] == pytest.approx(res.alpha, abs=1e-12)
        assert cells[dim.id]["omega"] == pytest.approx(res.omega_total, abs=1e-12)


def test_segments_equal_segment_scores(report):
    for by in ("branch", "channel"):
        scores = report.segment_scores[by]
        m = scores.kpi("customer_satisfaction")
        m = m[m["quarter"] == "2026Q4"].set_index(by)
        table = re.search(rf'<table class="segments" data-by="{by}">.*?</table>', report.html, re.S)
        rows = parse(table.group(0)).find("tr")
        rows = [r for r in rows if "data-segment" in r]
        assert len(rows) == len(m)
        shown = [float(r["data-estimate"]) for r in rows if "suppressed" not in r["class"]]
        hidden = [float(r["data-estimate"]) for r in rows if "suppressed" in r["class"]]
        assert shown == sorted(shown, reverse=True)
        assert hidden == sorted(hidden, reverse=True)
        # suppressed rows come last: too imprecise to rank
        assert [("suppressed" in r["class"]) for r in rows] == [False] * len(shown) + [True] * len(
            hidden
        )
        for r in rows:
            seg = r["data-segment"]
            assert float(r["data-estimate"]) == m.loc[seg, "estimate"]
            assert float(r["data-n"]) == m.loc[seg, "n"]
            assert ("suppressed" in r["class"]) == bool(m.loc[seg, "suppressed"])
    branch = report.tables["segments_branch"]
    assert branch["suppressed"].any()  # the example data has branches below n_eff 30
    assert "‡" in report.html


def test_funnel_and_ltr_equal_scores(report):
    sc = report.scores
    items = sc.items
    pr00 = items[(items["item"] == "PR00") & (items["quarter"] == "2026Q4")]
    steps = {s["data-step"]: float(s["data-estimate"]) for s in parse(report.html).find("div")
             if "data-step" in s}  # fmt: skip
    assert steps["funnel_problem"] == pr00.loc[pr00["code"] == 1, "share"].iloc[0]
    m = sc.metrics[sc.metrics["quarter"] == "2026Q4"]
    res = m[(m["metric"] == "resolution_rate") & (m["subject"] == "PR01")].iloc[0]
    rec = m[(m["metric"] == "top_box") & (m["subject"] == "PR07")].iloc[0]
    assert steps["funnel_resolved"] == res["estimate"]
    assert steps["funnel_satisfied"] == rec["estimate"]
    net = m[(m["metric"] == "net_score") & (m["subject"] == "LY01")].iloc[0]
    ltr = next(a for _, a in parse(report.html).tags if "data-net-score" in a)
    assert float(ltr["data-net-score"]) == net["estimate"]
    assert float(ltr["data-ci-low"]) == net["ci_low"]


def test_bases_and_method(report):
    bases = report.tables["bases"]
    resp = report.scores.respondents
    assert bases["respondents"].tolist() == resp.groupby("quarter").size().tolist()
    assert bases["respondents"].sum() == 20000
    assert "Korn–Graubard" in report.html
    assert "Unweighted" in report.html
    assert "NCHS" in report.html


def test_chinese_report(report_zh):
    html = report_zh.html
    assert '<html lang="zh-CN">' in html
    for heading in ("关键绩效指标", "趋势", "维度评分卡", "细分群体", "问题处理", "方法与定义"):
        assert heading in html
    assert "未达标" in html or "达标" in html or "无定论" in html
    assert "本调查未测量" in html
    assert report_zh.sections[0] == "kpis"
    assert report_zh.current == "2026Q4"


def test_outputs(report, tmp_path):
    path = report.to_html(tmp_path / "sub" / "r.html")
    assert path.read_text(encoding="utf-8") == report.html
    frag = report._repr_html_()
    assert frag.startswith("<style>")
    assert report.body in frag
    # every CSS rule is scoped to the report (no restyling of a notebook page)
    css = re.search(r"<style>(.*?)</style>", frag, re.S).group(1)
    selectors = [s.strip() for s in re.findall(r"([^{}]+)\{", css) if not s.strip().startswith("@")]
    assert all(s.strip().startswith(".satscore-report") for x in selectors for s in x.split(","))
    d = report.to_dict()
    assert d["current"] == "2026Q4"
    assert "Report(" in repr(report)


def test_single_period_and_other_instrument():
    df = pd.DataFrame({"CSAT01": [5, 4, 4, 3, 5, 2, 4, 5, 4, 4] * 20})
    rep = quarterly_report(df, "csat", period=None)
    assert "trend" not in rep.sections
    assert "kpis" in rep.sections
    assert rep.current is None


def test_errors_and_no_mutation(survey, monkeypatch):
    before = survey.copy()
    with pytest.raises(DataError, match=r"no period column 'month'.*period=None"):
        quarterly_report(survey, "bank_service", period="month")
    with pytest.raises(OptionError, match="current='2025Q1' is not a value"):
        quarterly_report(survey, "bank_service", current="2025Q1")
    with pytest.raises(DataError, match=r"by= names \['region'\]"):
        quarterly_report(survey, "bank_service", by=["region"])
    with pytest.raises(OptionError, match="language='fr'"):
        quarterly_report(survey, "bank_service", language="fr")
    import satscore._plots.fonts as fonts

    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    with pytest.raises(MissingDependencyError, match="fonts-noto-cjk"):
        quarterly_report(survey, "bank_service", language="zh")
    pd.testing.assert_frame_equal(survey, before)


def test_cli_report(tmp_path, capsys):
    small = load_example("bank_survey")
    small = small[small["quarter"].isin(["2026Q3", "2026Q4"])]
    src = tmp_path / "survey.csv"
    small.to_csv(src, index=False)
    out = tmp_path / "report.html"
    code = main(["report", str(src), "--instrument", "bank_service", "--by", "channel",
                 "--target", "customer_satisfaction=0.7", "--out", str(out)])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    assert out.is_file()
    assert str(out.resolve()) in printed
    assert "customer_satisfaction" in printed
    tile = parse(out.read_text(encoding="utf-8")).find("div", data_kpi="customer_satisfaction")[0]
    assert float(tile["data-target"]) == 0.7
    code = main(["report", str(tmp_path / "missing.csv"), "--instrument", "bank_service",
                 "--out", str(out)])  # fmt: skip
    assert code == 2
    assert "not found" in capsys.readouterr().err


def test_public_names():
    assert satscore.quarterly_report is quarterly_report
    assert satscore.Report is Report
    assert np.isfinite(0.0)


# ----------------------------------------------------------------------------- coverage
@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return load_example("customer_frame")


def test_coverage_from_frame(survey, frame):
    small = survey[survey["quarter"].isin(["2026Q3", "2026Q4"])]
    rep = quarterly_report(small, "bank_service", frame=frame, by=["channel"])
    assert "Survey coverage" not in rep.html.split("Not measured by this survey")[-1][:300]
    active = frame.loc[frame["active"], "customer_id"]
    q4 = small.loc[small["quarter"] == "2026Q4", "customer_id"].unique()
    expected = np.isin(q4, active).sum() / active.nunique()
    tile = parse(rep.html).find("div", data_kpi="survey_coverage")[0]
    assert float(tile["data-estimate"]) == pytest.approx(expected, rel=1e-12)
    assert float(tile["data-estimate"]) == rep.coverage.table["response_coverage"].iloc[-1]
    assert float(tile["data-target"]) == 0.3
    assert tile["data-verdict"] == ("met" if expected >= 0.3 else "not_met")


def test_coverage_from_plan_uses_coverage_report(survey, frame):
    plan = satscore.plan_quarterly_sample(frame, quarter="2026Q4", strata="segment")
    invited = plan.sample["customer_id"].iloc[::3].to_numpy()
    q4 = survey[survey["quarter"] == "2026Q4"].iloc[: len(invited)].copy()
    q4["customer_id"] = invited[: len(q4)]
    rep = quarterly_report(q4, "bank_service", plan=plan, period=None, by=["channel"])
    direct = satscore.coverage_report(plan, q4, target=0.3)
    pd.testing.assert_frame_equal(rep.coverage.table, direct.table)
    tile = parse(rep.html).find("div", data_kpi="survey_coverage")[0]
    assert float(tile["data-estimate"]) == direct.table["coverage"].iloc[-1]
    assert tile["data-verdict"] == direct.table["verdict"].iloc[-1]
    rates = [float(a["data-response-rate"]) for a in parse(rep.html).find("td")
             if "data-response-rate" in a]  # fmt: skip
    np.testing.assert_array_equal(rates, direct.table["response_rate"].to_numpy(float))
    with pytest.raises(OptionError, match="plan is for quarter '2026Q4'"):
        quarterly_report(survey, "bank_service", plan=plan, current="2026Q3")


def test_extra_targets_get_tiles_and_weights_are_reported(survey):
    small = survey[survey["quarter"].isin(["2026Q3", "2026Q4"])].copy()
    small["w"] = np.where(small["segment"] == "mass", 1.0, 2.5)
    targets = {
        "customer_satisfaction": 0.85,
        "net_score": 0.2,
        ("top_box", "service_quality"): 0.6,
    }
    rep = quarterly_report(small, "bank_service", targets=targets, weights="w", by=["channel"])
    assert rep.scores.weighted
    m = rep.scores.metrics
    m = m[m["quarter"] == "2026Q4"]
    found = {a["data-kpi"]: a for a in parse(rep.html).find("div") if "data-kpi" in a}
    assert set(found) == {"customer_satisfaction", "net_score:LY01", "top_box:service_quality"}
    for key, attrs in found.items():
        metric, _, subject = key.partition(":")
        row = m[(m["metric"] == metric) & ((m["subject"] == subject) if subject else True)]
        row = row[row["target"].notna()].iloc[0]
        assert float(attrs["data-estimate"]) == row["estimate"]
        assert float(attrs["data-target"]) == row["target"]
        assert attrs["data-verdict"] == row["verdict"]
    assert "Top-box (satisfied) – Service quality" in rep.html
    assert "Kish" in rep.html  # weighted: the method footnote says how
    # unmeasured bank KPIs are not listed when targets= replaces the bank's
    assert "Not measured by this survey" not in rep.html


def test_design_based_report(survey):
    small = survey[survey["quarter"].isin(["2026Q3", "2026Q4"])].copy()
    small["w"] = np.where(small["segment"] == "mass", 40.0, 25.0)
    design = satscore.SurveyDesign(small, weights="w", strata="segment")
    rep = quarterly_report(small, "bank_service", design=design, by=["channel"])
    assert rep.scores.design_based
    assert rep.segment_scores["channel"].design_based
    valid = INST.validate(small, on_invalid="coerce")
    direct = satscore.score_survey(
        valid, INST, by="quarter", design=design,
        targets={"customer_satisfaction": 0.85},
    )  # fmt: skip
    m = direct.kpi("customer_satisfaction")
    row = m[m["quarter"] == "2026Q4"].iloc[0]
    tile = parse(rep.html).find("div", data_kpi="customer_satisfaction")[0]
    assert float(tile["data-estimate"]) == row["estimate"]
    assert float(tile["data-ci-low"]) == row["ci_low"]
    assert "Design-based estimates" in rep.html


@pytest.mark.parametrize("instrument", ["personalized_service", "employee_service", "ces", "ltr"])
def test_every_builtin_instrument(instrument):
    # random answers (no structure: one-factor fits may be improper; omega is then omitted
    # with a note instead of a warning escaping), routing respected
    inst = load_instrument(instrument)
    rng = np.random.default_rng(0)
    n = 300
    cols = {"quarter": rng.choice(["2026Q1", "2026Q2"], n), "branch": rng.choice(["A", "B"], n)}
    for item in inst.items:
        cols[item.id] = rng.choice(np.asarray(inst.scale(item.scale).codes, float), n)
    df = pd.DataFrame(cols)
    for item in inst.items:
        if item.relevant is not None:
            df.loc[~df[item.relevant.item].isin(item.relevant.values), item.id] = np.nan
    rep = quarterly_report(df, inst, by=["branch"])
    assert rep.sections[0] == "kpis"
    assert rep.sections[-1] == "method"
    assert "segments" in rep.sections
    if rep.reliability is not None:
        improper = rep.reliability["omega_note"].notna()
        assert rep.reliability.loc[improper, "omega"].isna().all()
        if improper.any():
            assert "one-factor solution is improper" in rep.html


def test_charts_keep_text_as_text_with_cjk_fallbacks(report, report_zh):
    import matplotlib

    # svg.fonttype="none" applies inside the report only, never globally
    assert matplotlib.rcParams["svg.fonttype"] == "path"
    for rep in (report, report_zh):
        svgs = re.findall(r"<svg\b.*?</svg>", rep.html, flags=re.S)
        assert len(svgs) >= 6
        for svg in svgs:
            assert "<text" in svg
            families = re.findall(r"font-family: ?([^;\"]*)", svg)
            assert families
            assert all(f.rstrip().endswith("'WenQuanYi Micro Hei', sans-serif") for f in families)
            assert all("'Noto Sans CJK SC'" in f for f in families)
    # the Chinese chart text is in the SVG as characters (the browser renders it)
    zh_svgs = "".join(re.findall(r"<svg\b.*?</svg>", report_zh.html, flags=re.S))
    assert re.search(r"<text[^>]*>[^<]*[\u4e00-\u9fff]", zh_svgs)


def test_render_svg_lays_out_once_and_draws_once():
    from matplotlib.figure import Figure

    from satscore._report.svg import render_svg

    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title("title")
    draws = []
    fig.draw = (lambda orig: lambda renderer: (draws.append(1), orig(renderer))[1])(fig.draw)
    text = render_svg(fig)
    assert len(draws) == 1
    assert fig.get_layout_engine() is None  # the final layout is kept, not redone
    assert ">title</text>" in text


def test_every_chart_has_an_accessible_name(report, report_zh):
    for rep in (report, report_zh):
        svgs = re.findall(r"<svg [^>]*>", rep.html)
        assert len(svgs) >= 2
        for tag in svgs:
            assert 'role="img"' in tag
            label = re.search(r'aria-label="([^"]*)"', tag)
            assert label is not None, tag
            assert label.group(1).strip(), tag


def test_same_inputs_give_the_same_bytes():
    # no dates, no random ids, no per-process counters: two runs are byte-identical
    df = pd.DataFrame(
        {
            "quarter": ["2026Q1"] * 200 + ["2026Q2"] * 200,
            "CSAT01": [5, 4, 3, 4, 2] * 40 + [5, 4, 4, 4, 3] * 40,
        }
    )
    first = quarterly_report(df, "csat")
    second = quarterly_report(df, "csat")
    assert first.html.count("<svg") >= 2
    assert first.html == second.html
    ids = re.findall(r'\bid="([^"]+)"', first.html)
    assert len(ids) == len(set(ids))
    # the SVG is trimmed for HTML: no XML prolog, namespaces, metadata or comments
    for bad in ("<?xml", "<!DOCTYPE svg", "xmlns", "<metadata", "<!--", "xlink:"):
        assert bad not in first.html


def test_values_are_escaped():
    # autoescaping is on: text from the caller or the instrument cannot inject markup
    df = pd.DataFrame({"quarter": ["2026Q1"] * 50, "CSAT01": [5, 4, 3, 4, 2] * 10})
    rep = quarterly_report(df, "csat", title='<script>alert("x")</script> & Co')
    assert "<script" not in rep.html
    assert "<title>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co</title>" in rep.html
    assert "<h1>&lt;script&gt;" in rep.body


def test_templates_are_package_data():
    from importlib.resources import files

    folder = files("satscore._report") / "templates"
    names = {p.name for p in folder.iterdir()}
    assert {"document.html.j2", "report.html.j2", "macros.html.j2", "quarterly.html.j2"} <= names
    assert (folder / "sections" / "kpis.html.j2").is_file()

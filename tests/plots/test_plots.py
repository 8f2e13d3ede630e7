"""Plots: the artists carry the numbers (bar widths = shares, whiskers = CIs, target lines),
labels are in the chosen language without glyph warnings, inputs are checked and not mutated.

Expected values are computed independently here (pandas value_counts on the codes) or read
from the SurveyScores the chart was drawn from.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

import satscore
from satscore import load_instrument, score_survey
from satscore._plots.style import diverging_colors
from satscore.errors import (
    DataError,
    MissingDependencyError,
    OptionError,
    SatscoreTypeError,
)
from satscore.plots import (
    likert_table,
    plot_likert,
    plot_loadings,
    plot_ltr,
    plot_scree,
    plot_segments,
    plot_trend,
)

INST = load_instrument("bank_service")


def make_responses(n: int = 600, seed: int = 3) -> pd.DataFrame:
    """Valid bank_service codes with routing, two quarters and four branches."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {
        "quarter": rng.choice(["2026Q1", "2026Q2"], n),
        "branch": rng.choice(["B1", "B2", "B3", "B4"], n, p=[0.5, 0.3, 0.15, 0.05]),
    }
    for item in INST.items:
        codes = np.asarray(INST.scale(item.scale).codes, float)
        p = np.linspace(1, 4, len(codes)) ** 1.5
        x = rng.choice(codes, n, p=p / p.sum())
        x[rng.random(n) < 0.04] = np.nan
        cols[item.id] = x
    frame = pd.DataFrame(cols)
    for item in INST.items:
        if item.relevant is not None:
            asked = frame[item.relevant.item].isin(item.relevant.values)
            frame.loc[~asked, item.id] = np.nan
    return frame


@pytest.fixture(scope="module")
def responses() -> pd.DataFrame:
    return make_responses()


@pytest.fixture(scope="module")
def scores_q(responses):
    return score_survey(responses, INST, by="quarter", targets={"customer_satisfaction": 0.85})


@pytest.fixture(scope="module")
def scores_qb(responses):
    return score_survey(
        responses, INST, by=["quarter", "branch"], targets={"customer_satisfaction": 0.85}
    )


def draw(ax) -> None:
    """Render the figure (text layout, glyph lookup) as CI would."""
    ax.figure.savefig(io.BytesIO(), format="png", dpi=40)


def shares_by_hand(frame: pd.DataFrame, item: str) -> np.ndarray:
    codes = INST.item_scale(item).codes
    counts = frame[item].value_counts().reindex(codes, fill_value=0).to_numpy(float)
    return counts / counts.sum()


# ----------------------------------------------------------------------------- Likert
@pytest.mark.parametrize("neutral", ["split", "side"])
def test_likert_diverging_bars_match_shares(responses, neutral):
    items = ["SQ01", "SQ02", "SQ03", "SA01"]
    ax = plot_likert(responses, INST, items=items, neutral=neutral)
    table = likert_table(responses, INST, items=items)
    assert len(ax.containers) == 5
    assert all(len(c) == len(items) for c in ax.containers)
    rows = list(table.shares.index)
    for row, item in enumerate(rows):
        expected = shares_by_hand(responses, item) * 100
        widths = np.array([c[row].get_width() for c in ax.containers])
        np.testing.assert_allclose(widths, expected, rtol=0, atol=1e-9)
        lefts = np.array([c[row].get_x() for c in ax.containers])
        if neutral == "split":
            # neutral centred on zero, unfavourable to the left, favourable to the right
            np.testing.assert_allclose(lefts[2], -expected[2] / 2, atol=1e-9)
            np.testing.assert_allclose(lefts[1] + widths[1], lefts[2], atol=1e-9)
            np.testing.assert_allclose(lefts[0] + widths[0], lefts[1], atol=1e-9)
            np.testing.assert_allclose(lefts[3], expected[2] / 2, atol=1e-9)
            np.testing.assert_allclose(lefts[4], lefts[3] + widths[3], atol=1e-9)
        else:
            np.testing.assert_allclose(lefts[1] + widths[1], 0.0, atol=1e-9)
            np.testing.assert_allclose(lefts[3], 0.0, atol=1e-9)
            # neutral bars in the side panel, right of every main bar
            assert lefts[2] > ax.containers[4][row].get_x() + widths[4]
    # bar colours: the fixed palette, per category
    for container, color in zip(ax.containers, diverging_colors(5), strict=True):
        assert plt.matplotlib.colors.to_hex(container[0].get_facecolor()) == color


def test_likert_stacked100_and_groups(responses):
    ax = plot_likert(responses, INST, kind="stacked100")
    table = likert_table(responses, INST)
    # rows: dimension by dimension (instrument order), favourable share descending within
    dims = [INST.item(i).dimension for i in table.shares.index]
    assert dims == sorted(dims, key=[d.id for d in INST.dimensions].index)
    for d in INST.dimensions:
        fav = table.favourable[[i for i in table.shares.index if INST.item(i).dimension == d.id]]
        assert list(fav) == sorted(fav, reverse=True)
    # reverse-keyed SQ09: favourable = disagreeing (codes 1-2)
    sq09 = shares_by_hand(responses, "SQ09")
    assert table.favourable["SQ09"] == pytest.approx(sq09[0] + sq09[1])
    for row in range(len(table.shares)):
        lefts = [c[row].get_x() for c in ax.containers]
        widths = [c[row].get_width() for c in ax.containers]
        assert lefts[0] == 0.0
        assert lefts[-1] + widths[-1] == pytest.approx(100.0)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert [d.title["en"] for d in INST.dimensions] == labels[:3]
    assert any(lab.endswith("†") for lab in labels)  # reverse-keyed marker


def test_likert_row_counts_on_right_axis(responses):
    ax = plot_likert(responses, INST, items=["SA01", "SA02"], labels="id")
    table = likert_table(responses, INST, items=["SA01", "SA02"])
    secondary = next(c for c in ax.child_axes if hasattr(c, "get_yticklabels"))
    shown = [t.get_text() for t in secondary.get_yticklabels()]
    assert shown == [f"{responses[i].isin([1, 2, 3, 4, 5]).sum():,}" for i in table.n.index]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(table.n.index)


def test_likert_from_scores_uses_items_shares(scores_q):
    ax = plot_likert(scores_q, items=["SQ04", "SQ05"], where={"quarter": "2026Q2"}, labels="id")
    dist = scores_q.items
    for row, label in enumerate(t.get_text() for t in ax.get_yticklabels()):
        sel = dist[(dist["item"] == label) & (dist["quarter"] == "2026Q2")]
        sel = sel[sel["missing_reason"].isna()].sort_values("code")
        widths = [c[row].get_width() for c in ax.containers]
        np.testing.assert_allclose(widths, sel["share"].to_numpy() * 100, atol=1e-9)


def test_likert_validated_responses_equal_dataframe(responses):
    vr = INST.validate(responses)
    a = likert_table(vr, items=["SQ01", "PR02"])
    b = likert_table(responses, INST, items=["SQ01", "PR02"])
    pd.testing.assert_frame_equal(a.shares, b.shares)


def test_likert_chinese_labels_without_glyph_warnings(responses):
    # filterwarnings=error turns a "Glyph ... missing" warning into a failure
    ax = plot_likert(responses, INST, items=["SA01", "SA03"], language="zh")
    draw(ax)
    labels = [t.get_text().replace("\n", "") for t in ax.get_yticklabels()]
    zh = {INST.item(i).text["zh"] for i in ("SA01", "SA03")}
    assert set(labels) == zh
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == list(INST.scale("agree5").labels["zh"])
    assert ax.get_xlabel() == "有效回答占比（%）"
    family = ax.get_yticklabels()[0].get_fontfamily()
    assert "CJK" in family[0]


def test_likert_input_errors(responses, scores_q):
    with pytest.raises(OptionError, match="kind='pie' is not supported"):
        plot_likert(responses, INST, kind="pie")
    with pytest.raises(OptionError, match=r"broken down by \['quarter'\].*where="):
        plot_likert(scores_q, items=["SQ01"])
    with pytest.raises(OptionError, match="same number of answer codes"):
        plot_likert(responses, INST, items=["SQ01", "LY01"])
    with pytest.raises(OptionError, match="names column 'region'"):
        plot_likert(responses, INST, items=["SQ01"], where={"region": "N"})
    text = responses.assign(SQ01=np.where(responses["SQ01"] > 3, "Agree", "Disagree"))
    with pytest.raises(DataError, match=r"holds text.*instrument\.validate"):
        plot_likert(text, INST, items=["SQ01"])
    with pytest.raises(SatscoreTypeError, match="takes a SurveyScores"):
        plot_likert([1, 2, 3], INST)
    with pytest.raises(SatscoreTypeError, match="ax must be a matplotlib Axes"):
        plot_likert(responses, INST, items=["SQ01"], ax="left")


def test_plots_do_not_mutate_or_use_pyplot(responses, scores_q):
    before = responses.copy()
    plt.close("all")
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_likert(responses, INST, items=["SQ01"], ax=ax) is ax
    plot_trend(scores_q)
    pd.testing.assert_frame_equal(responses, before)
    assert plt.get_fignums() == []  # no pyplot state, no show()


# ----------------------------------------------------------------------------- fonts
def test_missing_cjk_font_raises_with_fix(monkeypatch, responses):
    import satscore._plots.fonts as fonts

    installed = fonts.find_cjk_font()  # e.g. "Noto Sans CJK SC" (matplotlib < 3.11: "... JP")
    assert installed is not None, "CI installs fonts-noto-cjk"
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    with pytest.raises(MissingDependencyError, match=r"apt-get install fonts-noto-cjk.*font="):
        plot_likert(responses, INST, items=["SQ01"], language="zh")
    # an explicit font still works
    ax = plot_likert(responses, INST, items=["SQ01"], language="zh", font=installed)
    draw(ax)


def test_bad_font_and_language(responses):
    with pytest.raises(OptionError, match="not a font family matplotlib knows"):
        plot_likert(responses, INST, items=["SQ01"], font="No Such Font 123")
    with pytest.raises(OptionError, match="does not exist"):
        plot_likert(responses, INST, items=["SQ01"], font="/nonexistent/font.ttf")
    with pytest.raises(OptionError, match="language='fr' is not supported"):
        plot_likert(responses, INST, items=["SQ01"], language="fr")


# ----------------------------------------------------------------------------- trend
def test_trend_band_line_and_target(scores_q):
    ax = plot_trend(scores_q, target=0.8)
    rows = scores_q.kpi("customer_satisfaction").sort_values("quarter")
    band = next(c for c in ax.collections if isinstance(c, PolyCollection))
    verts = band.get_paths()[0].vertices
    for x, (low, high) in enumerate(zip(rows["ci_low"], rows["ci_high"], strict=True)):
        ys = verts[np.isclose(verts[:, 0], x), 1]
        assert ys.min() == pytest.approx(low, abs=1e-12)
        assert ys.max() == pytest.approx(high, abs=1e-12)
    line = next(ln for ln in ax.lines if ln.get_gid() == "estimate")
    np.testing.assert_allclose(line.get_ydata(), rows["estimate"].to_numpy())
    target = next(ln for ln in ax.lines if ln.get_gid() == "target")
    assert list(target.get_ydata()) == [0.8, 0.8]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026Q1", "2026Q2"]


def test_trend_default_target_is_the_scores_target(scores_q, responses):
    ax = plot_trend(scores_q)
    assert next(ln for ln in ax.lines if ln.get_gid() == "target").get_ydata()[0] == 0.85
    bare = score_survey(responses, INST, by="quarter")
    # no target in the scores: the bank's default target of the KPI
    ax = plot_trend(bare)
    assert next(ln for ln in ax.lines if ln.get_gid() == "target").get_ydata()[0] == 0.85
    ax = plot_trend(bare, target=False)
    assert not [ln for ln in ax.lines if ln.get_gid() == "target"]
    # the signature default (target=0.85) works as written, and a stored target
    # different from the bank default takes precedence when target is left as None
    ax = plot_trend(bare, target=0.85)
    assert next(ln for ln in ax.lines if ln.get_gid() == "target").get_ydata()[0] == 0.85
    stored = score_survey(responses, INST, by="quarter", targets={"customer_satisfaction": 0.9})
    ax = plot_trend(stored)
    assert next(ln for ln in ax.lines if ln.get_gid() == "target").get_ydata()[0] == 0.9


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_trend_without_any_target_says_so(scores_q, scores_qb):
    # index_0_100 of a dimension has neither a stored nor a bank target: no line, and the
    # legend's last entry says that no target is set (in the chosen language)
    kw = {"metric": "index_0_100", "subject": "service_quality"}
    ax = plot_trend(scores_q, **kw)
    assert not [ln for ln in ax.lines if ln.get_gid() == "target"]
    assert legend_texts(ax)[-1] == "No target set"
    handle = ax.get_legend().legend_handles[-1]
    assert handle.get_linestyle() == "None"
    assert handle.get_marker() in ("None", "none")
    assert legend_texts(plot_trend(scores_q, language="zh", **kw))[-1] == "未设定目标"
    # an explicit target draws the line and drops the note; target=False: neither
    ax = plot_trend(scores_q, target=80, **kw)
    assert next(ln for ln in ax.lines if ln.get_gid() == "target").get_ydata()[0] == 80
    assert "No target set" not in legend_texts(ax)
    ax = plot_trend(scores_q, target=False, **kw)
    assert not [ln for ln in ax.lines if ln.get_gid() == "target"]
    assert "No target set" not in legend_texts(ax)
    # a KPI with its stored target: line, no note
    assert "No target set" not in legend_texts(plot_trend(scores_q))
    # the segment chart follows the same rule
    where = {"quarter": "2026Q1"}
    ax = plot_segments(scores_qb, by="branch", where=where, **kw)
    assert not [ln for ln in ax.lines if ln.get_gid() == "target"]
    assert "No target set" in legend_texts(ax)
    ax = plot_segments(scores_qb, by="branch", where=where, target=False, **kw)
    assert "No target set" not in legend_texts(ax)


@pytest.fixture(scope="module")
def example_scores():
    vr = INST.validate(satscore.load_example("bank_survey"), on_invalid="coerce")
    return score_survey(vr, INST, by="quarter", metrics=["top_box"])


def test_trend_marks_significant_changes(example_scores):
    ax = plot_trend(example_scores, language="zh")
    draw(ax)
    comp = example_scores.compare("quarter").table
    comp = comp[(comp["metric"] == "customer_satisfaction") & comp["significant"]]
    rings = [ln for ln in ax.lines if ln.get_gid() == "significant_change"]
    assert len(comp) >= 1
    assert len(rings) == 1
    quarters = sorted(example_scores.metrics["quarter"].unique())
    assert [quarters[int(x)] for x in rings[0].get_xdata()] == comp["to"].tolist()
    assert ax.get_xlabel() == "期间"


def test_trend_errors(scores_q, scores_qb):
    with pytest.raises(OptionError, match="not broken down by 'month'"):
        plot_trend(scores_q, period="month")
    with pytest.raises(OptionError, match="also broken down by \\['branch'\\]"):
        plot_trend(scores_qb)
    with pytest.raises(OptionError, match="no metric 'nps'"):
        plot_trend(scores_q, metric="nps")
    with pytest.raises(OptionError, match="several subjects"):
        plot_trend(scores_q, metric="top_box")
    with pytest.raises(SatscoreTypeError, match="expected a SurveyScores"):
        plot_trend(pd.DataFrame())


# ----------------------------------------------------------------------------- segments
def test_segments_whiskers_sorting_and_flags(scores_qb):
    ax = plot_segments(scores_qb, by="branch", where={"quarter": "2026Q1"}, target=0.8)
    m = scores_qb.kpi("customer_satisfaction")
    m = m[m["quarter"] == "2026Q1"].assign(_s=lambda d: d["suppressed"].astype(bool))
    m = m.sort_values(["_s", "estimate"], ascending=[True, False])
    assert len(ax.containers) == len(m)
    for container, (_, row) in zip(ax.containers, m.iterrows(), strict=True):
        marker = container.lines[0]
        assert marker.get_xdata()[0] == pytest.approx(row["estimate"])
        whisker = container.lines[2][0]
        assert isinstance(whisker, LineCollection)
        (x0, _), (x1, _) = whisker.get_segments()[0]
        assert (x0, x1) == (pytest.approx(row["ci_low"]), pytest.approx(row["ci_high"]))
        hollow = plt.matplotlib.colors.to_hex(marker.get_markerfacecolor()) == "#ffffff"
        assert hollow == bool(row["suppressed"] or pd.notna(row["flag"]))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert [lab.split(" ")[0] for lab in labels] == m["branch"].tolist()
    assert any("‡" in lab for lab in labels)  # B4 (5% of 300) is suppressed
    for lab, (_, row) in zip(labels, m.iterrows(), strict=True):
        assert ("‡" in lab) == bool(row["suppressed"])
    target = next(ln for ln in ax.lines if ln.get_gid() == "target")
    assert list(target.get_xdata()) == [0.8, 0.8]


# ----------------------------------------------------------------------------- LTR
def test_ltr_bars_and_net_score(scores_q):
    ax = plot_ltr(scores_q, where={"quarter": "2026Q2"}, language="zh")
    draw(ax)
    dist = scores_q.items
    sel = dist[(dist["item"] == "LY01") & (dist["quarter"] == "2026Q2")]
    sel = sel[sel["missing_reason"].isna()].sort_values("code")
    bars = ax.containers[0]
    assert len(bars) == 11
    np.testing.assert_allclose([b.get_height() for b in bars], sel["share"] * 100, atol=1e-9)
    colors = [plt.matplotlib.colors.to_hex(b.get_facecolor()) for b in bars]
    assert len(set(colors[:7])) == 1
    assert len(set(colors[7:9])) == 1
    assert len(set(colors[9:])) == 1
    assert len(set(colors)) == 3
    net = scores_q.metrics.query("metric == 'net_score' and quarter == '2026Q2'").iloc[0]
    assert f"{net['estimate'] * 100:+.1f}" in ax.get_title(loc="left")
    assert f"{net['ci_low'] * 100:+.1f}" in ax.get_title(loc="left")
    assert ax.get_title(loc="left").startswith("净推荐值")


def test_ltr_checks_where_and_segments(scores_q):
    with pytest.raises(OptionError, match=r"where= names column 'region'.*Columns: 'item'"):
        plot_ltr(scores_q, where={"region": "North"})
    with pytest.raises(DataError, match=r"where=\{'quarter': '2030Q1'\} selects no rows"):
        plot_ltr(scores_q, where={"quarter": "2030Q1"})
    with pytest.raises(OptionError, match=r"broken down by \['quarter'\].*'quarter': '2026Q2'"):
        plot_ltr(scores_q)


def test_count_axis_and_frame_helpers():
    from satscore._plots.style import count_axis, frame_axes, new_axes

    ax = new_axes(None, (4.0, 3.0))
    sec = count_axis(ax, [0.0, 1.0], [1234.0, 5], "zh", labelsize=7.5, color="#606060")
    assert sec in ax.child_axes
    assert [lab.get_text() for lab in sec.get_yticklabels()] == ["1,234", "5"]
    assert ax.texts[-1].get_text() == "样本量"
    frame_axes(ax, grid="x", hide=("top", "left"))
    assert ax.xaxis.get_gridlines()[0].get_visible()
    assert not ax.yaxis.get_gridlines()[0].get_visible()
    assert [ax.spines[s].get_visible() for s in ("top", "left", "right")] == [False, False, True]


# ----------------------------------------------------------------------------- factor plots
@pytest.fixture(scope="module")
def factor_data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    f = rng.normal(size=(400, 2))
    x = np.column_stack(
        [0.8 * f[:, 0] + 0.6 * rng.normal(size=400) for _ in range(3)]
        + [0.8 * f[:, 1] + 0.6 * rng.normal(size=400) for _ in range(3)]
    )
    cols = ["SA01", "SA02", "SA03", "PR02", "PR03", "PR04"]
    return pd.DataFrame(x, columns=cols)


def test_scree_lines_are_the_eigenvalues(factor_data):
    from satscore import parallel_analysis

    res = parallel_analysis(factor_data, n_iter=5, seed=2)
    ax = plot_scree(res)
    eig = res.eigenvalues
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
    np.testing.assert_allclose(lines["fa_observed"].get_ydata(), eig["fa_observed"])
    np.testing.assert_allclose(lines["pc_observed"].get_ydata(), eig["pc_observed"])
    np.testing.assert_allclose(lines["fa_simulated"].get_ydata(), eig["fa_simulated_quantile"])
    assert f"{res.n_factors}" in ax.get_title(loc="left")
    with pytest.raises(SatscoreTypeError, match="parallel_analysis"):
        plot_scree(object())


def test_loadings_heatmap_marks_intended_dimension(factor_data):
    from satscore import efa

    res = efa(factor_data, 2)
    ax = plot_loadings(res, instrument=INST, language="zh")
    draw(ax)
    image = ax.images[0].get_array()
    np.testing.assert_allclose(np.asarray(image), res.loadings.to_numpy())
    boxes = [p for p in ax.patches if p.get_gid() == "intended"]
    assert len(boxes) == 6
    cols = list(res.loadings.columns)
    for box, item in zip(boxes, res.loadings.index, strict=True):
        col = cols[round(box.get_x() + 0.5)]
        # the outlined factor is the item's strongest one in this clean two-factor model
        assert col == res.loadings.loc[item].abs().idxmax()


def test_string_table_has_every_language():
    from satscore._core.i18n import LANGUAGES, STRINGS, t

    for key, texts in STRINGS.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(texts.values()), key
    assert t("met", "zh") == "达标"
    assert t("suggested_factors", "en", k=3) == "Suggested factors: 3"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_plot_returns_axes_and_leaves_rcparams_alone(
    language, responses, scores_q, scores_qb, factor_data
):
    from satscore import efa, parallel_analysis

    plt.close("all")
    before = dict(plt.rcParams)
    pa = parallel_analysis(factor_data, n_iter=3, seed=1)
    drawers = {
        "likert": lambda: plot_likert(responses, INST, items=["SQ01"], language=language),
        "trend": lambda: plot_trend(scores_q, language=language),
        "segments": lambda: plot_segments(
            scores_qb, by="branch", where={"quarter": "2026Q2"}, language=language
        ),
        "ltr": lambda: plot_ltr(scores_q, where={"quarter": "2026Q2"}, language=language),
        "scree": lambda: plot_scree(pa, language=language),
        "loadings": lambda: plot_loadings(efa(factor_data, 2), language=language),
    }
    for name, make in drawers.items():
        ax = make()
        assert isinstance(ax, plt.Axes), name
        draw(ax)
        assert dict(plt.rcParams) == before, f"{name} changed rcParams"
    assert plt.get_fignums() == []


def test_likert_labels_are_wrapped_to_the_width(responses):
    ax = plot_likert(responses, INST, items=["SQ01", "SQ02"], wrap=12)
    draw(ax)
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels
    assert any("\n" in lab for lab in labels)
    for lab in labels:
        for line in lab.split("\n"):
            # a single word longer than the width may stay whole; item texts have none
            assert len(line) <= 12 or " " not in line, lab

"""Benchmark: charts and the quarterly report on the built-in example survey (20,000 rows).

Workloads

* ``plot_likert`` of the 9 service-quality items of one quarter, rendered to SVG the way
  the report does (:func:`satscore._report.svg.render_svg`: layout once, one draw, text
  as SVG text), against the plain pandas chart of the same shares
  (``DataFrame.plot.barh(stacked=True)`` -> SVG): the peer draws the bars only (no
  diverging layout, grouping, sorting, labels, n axis or legend wrapping), so it is a
  floor, not an equal.
* ``quarterly_report`` of the full example survey (4 quarters, segments by branch and
  channel, 9 sections, 8 inline SVG charts), English and Chinese. No one-call peer
  exists in R or Python; the "peer" column holds the same report rendered the way
  satscore did before issue 7's speed work (``savefig`` with the constrained-layout
  pre-draw, i.e. two layouts + two draws per chart, and every glyph written as an SVG
  path), timed in the same run, so the ratio is the speed-up of the rendering change.

Every row reports the median wall time; the note adds the median CPU time of this
process and the 1-minute load average (the machine is shared).
"""

from __future__ import annotations

import io
from typing import Any

from _common import load_average, timed


def _legacy_render(fig: Any, *, salt: str = "satscore") -> str:
    """The pre-issue-7 chart rendering: constrained layout kept (pre-draw + draw), text as paths."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def run(quick: bool = False) -> list[dict]:
    """Time the workloads; ``quick`` uses fewer repetitions."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    import satscore
    from satscore._report import svg as _report_svg
    from satscore.plots import likert_table, plot_likert

    reps = 2 if quick else 5
    inst = satscore.load_instrument("bank_service")
    survey = satscore.load_example("bank_survey")
    vr = inst.validate(survey, on_invalid="coerce")
    scores = satscore.score_survey(vr, inst, by="quarter")
    where = {"quarter": "2026Q4"}
    items = list(inst.dimension("service_quality").items)
    shares = likert_table(scores, inst, items=items, where=where).shares * 100

    def ours() -> None:
        ax = plot_likert(scores, inst, items=items, where=where)
        _report_svg.render_svg(ax.figure)

    def peer() -> None:
        fig = Figure(figsize=(10, 5), layout="constrained")
        ax = fig.add_subplot()
        shares.plot.barh(stacked=True, ax=ax, legend=True)
        _report_svg.render_svg(fig)

    rows = []
    ours_w, ours_c = timed(ours, reps)
    peer_w, peer_c = timed(peer, reps)
    rows.append(
        {
            "workload": f"plot_likert {len(items)} items -> SVG",
            "satscore_s": ours_w,
            "peer": "pandas DataFrame.plot.barh(stacked=True) -> SVG (bars only)",
            "peer_s": peer_w,
            "ratio": peer_w / ours_w,
            "note": (
                f"CPU {ours_c:.3f} s vs {peer_c:.3f} s; load {load_average()}; peer draws bars "
                "only: no diverging layout, groups, labels or n axis"
            ),
        }
    )
    report_reps = 1 if quick else 3
    satscore.quarterly_report(vr, inst)  # warm: font cache, lazy imports
    for lang in ("en", "zh"):
        new_w, new_c = timed(
            lambda lang=lang: satscore.quarterly_report(vr, inst, language=lang), report_reps
        )
        current = _report_svg.render_svg
        _report_svg.render_svg = _legacy_render
        try:
            old_w, old_c = timed(
                lambda lang=lang: satscore.quarterly_report(vr, inst, language=lang), report_reps
            )
        finally:
            _report_svg.render_svg = current
        rows.append(
            {
                "workload": f"quarterly_report ({lang}) 20,000 respondents x 4 quarters",
                "satscore_s": new_w,
                "peer": "same report, pre-issue-7 rendering (2 layouts + 2 draws, text as paths)",
                "peer_s": old_w,
                "ratio": old_w / new_w,
                "note": (
                    f"CPU {new_c:.2f} s vs {old_c:.2f} s; load {load_average()}; warm process; "
                    "3 score_survey runs, omega x3, 8 SVG charts; no one-call peer exists"
                ),
            }
        )
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick=True):
        print(row)

"""Benchmark: charts and the quarterly report on the built-in example survey (20,000 rows).

Workloads

* ``plot_likert`` of the 19 dimension items of one quarter, rendered to SVG, against
  the plain pandas chart of the same shares (``DataFrame.plot.barh(stacked=True)``,
  rendered to SVG): the peer draws the bars only (no diverging layout, grouping,
  sorting, labels, n axis or legend wrapping), so it is a floor, not an equal.
* ``quarterly_report`` of the full example survey (4 quarters, segments by branch and
  channel, 9 sections, inline SVG): no peer (R/Python have no equivalent one-call
  report); ``peer_s`` is None.
"""

from __future__ import annotations

import io
import statistics
import time
from typing import Any


def _median_time(fn: Any, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(quick: bool = False) -> list[dict]:
    """Time the workloads; ``quick`` uses fewer repetitions."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    import satscore
    from satscore.plots import likert_table, plot_likert

    reps = 2 if quick else 5
    inst = satscore.load_instrument("bank_service")
    survey = satscore.load_example("bank_survey")
    vr = inst.validate(survey, on_invalid="coerce")
    scores = satscore.score_survey(vr, inst, by="quarter")
    where = {"quarter": "2026Q4"}
    shares = likert_table(scores, where=where).shares * 100

    def ours() -> None:
        ax = plot_likert(scores, where=where)
        ax.figure.savefig(io.BytesIO(), format="svg")

    def peer() -> None:
        fig = Figure(figsize=(10, 9), layout="constrained")
        ax = fig.add_subplot()
        shares.plot.barh(stacked=True, ax=ax, legend=True)
        fig.savefig(io.BytesIO(), format="svg")

    rows = []
    ours_s = _median_time(ours, reps)
    peer_s = _median_time(peer, reps)
    rows.append(
        {
            "workload": "plot_likert 19 items -> SVG",
            "satscore_s": ours_s,
            "peer": "pandas DataFrame.plot.barh(stacked=True) -> SVG (bars only)",
            "peer_s": peer_s,
            "ratio": peer_s / ours_s,
            "note": "peer draws bars only: no diverging layout, groups, labels or n axis",
        }
    )
    report_s = _median_time(lambda: satscore.quarterly_report(vr, inst), 1 if quick else 3)
    rows.append(
        {
            "workload": "quarterly_report 20,000 respondents x 4 quarters (9 sections)",
            "satscore_s": report_s,
            "peer": None,
            "peer_s": None,
            "ratio": None,
            "note": "3 score_survey runs, omega x3, 8 SVG charts; no one-call peer exists",
        }
    )
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick=True):
        print(row)

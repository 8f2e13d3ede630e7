"""Benchmarks: EFA, omega and parallel analysis versus R psych (timed inside R).

The R figures are measured inside ``Rscript`` with ``system.time`` over the same number of
repetitions (median), so R's start-up and package loading are excluded. factor_analyzer
0.5.1 is tried as a second peer; it fails on scikit-learn >= 1.8 and is then reported as
unavailable.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
from _common import median_time, r_times, row

from satscore._psychometrics.efa import efa
from satscore._psychometrics.omega import omega
from satscore._psychometrics.parallel import parallel_analysis

BFI = Path(__file__).resolve().parents[1] / "tests" / "data" / "bfi.csv"


def _factor_analyzer_time(X: pd.DataFrame, repeats: int) -> tuple[float | None, str]:
    try:
        from factor_analyzer import FactorAnalyzer
    except ImportError:
        return None, "factor_analyzer not installed"

    R = X.corr().to_numpy()

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            FactorAnalyzer(n_factors=5, rotation="oblimin", is_corr_matrix=True).fit(R)

    try:
        fit()
    except TypeError as err:
        return None, f"factor_analyzer 0.5.1 fails: {err}"
    return median_time(fit, repeats), "factor_analyzer on the pairwise R"


def run(quick: bool = False) -> list[dict]:
    X = pd.read_csv(BFI).iloc[:, :25]
    repeats = 3 if quick else 7
    workloads = {
        "fa5": (
            "EFA bfi 2800x25, 5 factors minres + oblimin (+ fit statistics)",
            lambda: efa(X, 5),
            "fa(X, 5)",
        ),
        "fa5ml": (
            "EFA bfi 2800x25, 5 factors ml + varimax",
            lambda: efa(X, 5, method="ml", rotation="varimax"),
            'fa(X, 5, fm = "ml", rotate = "varimax")',
        ),
        "omega5": (
            "omega bfi 2800x25, 5 group factors (Schmid-Leiman)",
            lambda: omega(X, n_factors=5),
            "omega(X, 5, plot = FALSE)",
        ),
        "parallel": (
            "parallel analysis bfi 2800x25, 20 simulated + 20 resampled",
            lambda: parallel_analysis(X, seed=1),
            "fa.parallel(X, plot = FALSE)",
        ),
    }
    if quick:
        workloads.pop("fa5ml")
    setup = [
        "suppressMessages({library(psych); library(GPArotation)})",
        f'X <- read.csv("{BFI}")[, 1:25]',
    ]
    r_sec = r_times(setup, {k: v[2] for k, v in workloads.items()}, 3 if quick else 5, timeout=600)
    rows = []
    for key, (label, fn, call) in workloads.items():
        peer = r_sec[key]
        note = (
            "R timed in-process (system.time, median)"
            if peer is not None
            else "Rscript unavailable"
        )
        rows.append(row(label, median_time(fn, repeats), f"R psych::{call}", peer, note))
    fa_s, note = _factor_analyzer_time(X, repeats)
    ours = median_time(workloads["fa5"][1], repeats)
    label = "EFA bfi 5 factors minres + oblimin (vs factor_analyzer)"
    rows.append(row(label, ours, "factor_analyzer 0.5.1", fa_s, note))
    return rows


if __name__ == "__main__":  # pragma: no cover
    for result in run(quick=False):
        print(result)

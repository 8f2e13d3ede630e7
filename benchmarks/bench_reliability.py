"""Benchmarks: alpha with item statistics, polychoric, bootstrap alpha CI.

Workloads (timed side by side in the same run, median of several repetitions; wall time
is the headline, CPU time of this process, all threads, is in the note):

- ``cronbach_alpha`` with psych's full item table on 1,000,000 x 30 simulated Likert
  answers, complete (float64 and int64 codes) and with 5% of answers missing completely
  at random (pairwise),
  versus one ``pingouin.cronbach_alpha`` call (which returns alpha and the Feldt CI
  only, no item table);
- the same item table the pingouin way (extra row, complete data): k + 1
  ``pingouin.cronbach_alpha`` calls (alpha and alpha if each item is dropped) plus
  pandas for the item means, sds and item-total / item-rest correlations;
- ``polychoric`` on bfi's 25 items versus ``psych::polychoric`` (timed inside R with
  ``system.time``, so R start-up is excluded);
- bootstrap alpha CI, 2,000 resamples of bfi's 2800 x 25 versus
  ``psych::alpha(n.iter = 2000)`` (inside R; psych uses ``mclapply``, i.e. both cores).

satscore summarises a large frame in two halves on two threads; on a shared machine the
wall-time ratio therefore depends on whether the second core is free (see the CPU times).
Everything is numpy and BLAS: complete answers take one read giving ``X'X`` and the int8
codes counted for the frequencies; missing answers take the block passes.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import load_average, r_times, row, timed

from satscore._psychometrics.alpha import cronbach_alpha
from satscore._psychometrics.polychoric import polychoric
from satscore.errors import SatscoreWarning

BFI = Path(__file__).resolve().parents[1] / "tests" / "data" / "bfi.csv"


def _likert(n: int, k: int, seed: int = 1, missing: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n, 1))
    z = 0.6 * f + 0.8 * rng.standard_normal((n, k))
    codes = np.digitize(z, [-1.5, -0.5, 0.5, 1.5]) + 1.0
    if missing:
        codes[rng.random(codes.shape) < missing] = np.nan
    return pd.DataFrame(codes, columns=[f"q{i + 1}" for i in range(k)])


def _pingouin_item_table(X: pd.DataFrame) -> pd.DataFrame:
    """What pingouin users write for psych's item table: k + 1 alpha calls and pandas."""
    import pingouin as pg

    alpha = pg.cronbach_alpha(data=X)[0]
    total = X.mean(axis=1)
    rows = {}
    for c in X.columns:
        rest = X.drop(columns=c)
        rows[c] = {
            "mean": X[c].mean(),
            "sd": X[c].std(),
            "raw_r": X[c].corr(total),
            "r_drop": X[c].corr(rest.sum(axis=1)),
            "alpha_if_dropped": pg.cronbach_alpha(data=rest)[0],
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.attrs["alpha"] = alpha
    return out


def _notes(ours: tuple[float, float], peer: tuple[float, float] | None, extra: str) -> str:
    cpu = f"CPU s: satscore {ours[1]:.3f}"
    if peer is not None:
        cpu += f", peer {peer[1]:.3f} (CPU ratio {peer[1] / ours[1]:.1f}x)"
    return f"{extra}; {cpu}; load {load_average()}"


def _alpha_rows(quick: bool, repeats: int) -> list[dict]:
    n = 100_000 if quick else 1_000_000
    rows = []
    try:
        import pingouin as pg
    except ImportError:
        pg = None
    workloads = (
        ("complete", 0.0, None),
        ("complete, int64 codes (e.g. read from CSV)", 0.0, np.int64),
        ("5% MCAR missing, pairwise", 0.05, None),
    )
    for label, missing, dtype in workloads:
        X = _likert(n, 30, missing=missing)
        path = "missing-data block passes" if missing else "complete-data pass"
        if dtype is not None:
            X = X.astype(dtype)
        ours = timed(lambda X=X: cronbach_alpha(X), repeats)
        peer = None
        if pg is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                peer = timed(lambda X=X: pg.cronbach_alpha(data=X), repeats)
        rows.append(
            row(
                f"cronbach_alpha + full item table, {n:,} x 30, {label}",
                ours[0],
                "pingouin.cronbach_alpha (one call: alpha + CI, no item table)",
                None if peer is None else peer[0],
                _notes(ours, peer, f"satscore: psych's full item table and frequencies; {path}"),
                satscore_cpu_s=ours[1],
                peer_cpu_s=None if peer is None else peer[1],
            )
        )
        if label == "complete" and pg is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                table = timed(lambda X=X: _pingouin_item_table(X), max(1, repeats // 2))
            rows.append(
                row(
                    f"alpha item table (alpha if dropped, item-total r), {n:,} x 30, {label}",
                    ours[0],
                    "pingouin the pingouin way: 31 cronbach_alpha calls + pandas correlations",
                    table[0],
                    _notes(ours, table, "same satscore call as the row above"),
                    satscore_cpu_s=ours[1],
                    peer_cpu_s=table[1],
                )
            )
    return rows


def run(quick: bool = False) -> list[dict]:
    """Time the reliability workloads; see the module docstring."""
    repeats = 3 if quick else 5
    rows = _alpha_rows(quick, repeats)

    bfi = pd.read_csv(BFI).iloc[:, :25]
    n_boot = 200 if quick else 2000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SatscoreWarning)
        poly = timed(lambda: polychoric(bfi), repeats)
        boot = timed(
            lambda: cronbach_alpha(bfi, ci_method="bootstrap", n_boot=n_boot, seed=1),
            max(1, repeats // 2),
        )
    r = r_times(
        ["suppressMessages(library(psych))", f'X <- read.csv("{BFI}")[, 1:25]'],
        {
            "poly": "polychoric(X)",
            "boot": f"alpha(X, n.iter = {n_boot}, check.keys = FALSE, warnings = FALSE)",
        },
        max(1, repeats // 2) if quick else 3,
    )
    rows.append(
        row(
            "polychoric, bfi 2800 x 25",
            poly[0],
            "R psych::polychoric",
            r["poly"],
            _notes(poly, None, "R timed in-process (system.time), psych 2.2.9"),
        )
    )
    rows.append(
        row(
            f"bootstrap alpha CI, {n_boot} resamples of 2800 x 25",
            boot[0],
            "R psych::alpha(n.iter)",
            r["boot"],
            _notes(boot, None, "R timed in-process; psych resamples with mclapply"),
        )
    )
    return rows


if __name__ == "__main__":
    for result in run(quick=False):
        print(result)

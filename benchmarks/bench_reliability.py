"""Benchmarks: alpha with item statistics, polychoric, bootstrap alpha CI.

Workloads (timed side by side in the same run, median of several repetitions):

- ``cronbach_alpha`` with the full item table on 1,000,000 x 30 simulated Likert answers
  versus ``pingouin.cronbach_alpha`` (which returns alpha and the Feldt CI only);
- ``polychoric`` on bfi's 25 items versus ``psych::polychoric`` (timed inside R with
  ``system.time``, so R start-up is excluded);
- bootstrap alpha CI, 2,000 resamples of bfi's 2800 x 25 versus
  ``psych::alpha(n.iter = 2000)`` (inside R; psych uses ``mclapply``, i.e. both cores).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from satscore._alpha import cronbach_alpha
from satscore._polychoric import polychoric
from satscore.errors import SatscoreWarning

BFI = Path(__file__).resolve().parents[1] / "tests" / "data" / "bfi.csv"


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _likert(n: int, k: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n, 1))
    z = 0.6 * f + 0.8 * rng.standard_normal((n, k))
    codes = np.digitize(z, [-1.5, -0.5, 0.5, 1.5]) + 1.0
    return pd.DataFrame(codes, columns=[f"q{i + 1}" for i in range(k)])


def _r_times(calls: dict[str, str], repeats: int) -> dict[str, float | None]:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return dict.fromkeys(calls)
    lines = [
        "suppressMessages(library(psych))",
        f'X <- read.csv("{BFI}")[, 1:25]',
        "tm <- function(expr) { t <- numeric(0); for (i in 1:" + str(repeats) + ") t <- c(t, "
        "system.time(suppressWarnings(suppressMessages(eval(expr))))[['elapsed']]); median(t) }",
    ]
    for name, call in calls.items():
        lines.append(f'cat("{name}", tm(quote({call})), "\\n")')
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write("\n".join(lines))
        path = fh.name
    try:
        out = subprocess.run(
            [rscript, path], capture_output=True, text=True, timeout=1200, check=True
        ).stdout
    except (subprocess.SubprocessError, OSError):
        return dict.fromkeys(calls)
    finally:
        Path(path).unlink(missing_ok=True)
    times: dict[str, float | None] = dict.fromkeys(calls)
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in calls:
            times[parts[0]] = float(parts[1])
    return times


def _row(workload: str, ours: float, peer: str, peer_s: float | None, note: str) -> dict:
    return {
        "workload": workload,
        "satscore_s": ours,
        "peer": peer,
        "peer_s": peer_s,
        "ratio": None if peer_s is None else peer_s / ours,
        "note": note,
    }


def run(quick: bool = False) -> list[dict]:
    """Time the three reliability workloads; see the module docstring."""
    repeats = 3 if quick else 5
    rows = []

    # 1. alpha + item statistics vs pingouin
    n = 100_000 if quick else 1_000_000
    X = _likert(n, 30)
    ours = _median_time(lambda: cronbach_alpha(X), repeats)
    try:
        import pingouin as pg

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peer = _median_time(lambda: pg.cronbach_alpha(data=X), repeats)
        note = "satscore computes the full psych item table; pingouin alpha + Feldt CI only"
    except ImportError:
        peer, note = None, "pingouin not installed"
    rows.append(_row(f"cronbach_alpha + item stats, {n:,} x 30", ours, "pingouin", peer, note))

    # 2. polychoric on bfi 25 items, 3. bootstrap alpha CI
    bfi = pd.read_csv(BFI).iloc[:, :25]
    n_boot = 200 if quick else 2000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SatscoreWarning)
        poly_s = _median_time(lambda: polychoric(bfi), repeats)
        boot_s = _median_time(
            lambda: cronbach_alpha(bfi, ci_method="bootstrap", n_boot=n_boot, seed=1),
            max(1, repeats // 2),
        )
    r = _r_times(
        {
            "poly": "polychoric(X)",
            "boot": f"alpha(X, n.iter = {n_boot}, check.keys = FALSE, warnings = FALSE)",
        },
        max(1, repeats // 2) if quick else 3,
    )
    rows.append(
        _row(
            "polychoric, bfi 2800 x 25",
            poly_s,
            "R psych::polychoric",
            r["poly"],
            "R timed in-process (system.time), psych 2.2.9",
        )
    )
    rows.append(
        _row(
            f"bootstrap alpha CI, {n_boot} resamples of 2800 x 25",
            boot_s,
            "R psych::alpha(n.iter)",
            r["boot"],
            "R timed in-process; psych resamples with mclapply",
        )
    )
    return rows


if __name__ == "__main__":
    for row in run(quick=False):
        print(row)

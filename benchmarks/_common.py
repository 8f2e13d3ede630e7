"""Shared helpers of the benchmark modules: timing (wall and CPU) and R timed in-process.

Not a benchmark itself (``run.py`` only loads ``bench_*.py``). Import it from a benchmark
module as ``from _common import ...`` (``run.py`` puts this folder on ``sys.path``).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall time and median CPU time (this process, all threads) of ``fn()``."""
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(wall), statistics.median(cpu)


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs."""
    return timed(fn, repeats)[0]


def load_average() -> str:
    """The 1-minute load average, for the notes (the machine is shared)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:  # pragma: no cover - not on every platform
        return "?"


def r_times(
    setup: Iterable[str], calls: dict[str, str], repeats: int, *, timeout: float = 1200
) -> dict[str, float | None]:
    """Median elapsed seconds of each R call, timed inside ``Rscript`` with ``system.time``.

    ``setup`` lines run first (library calls, reading data), so R's start-up and data
    loading are not counted. Every value is None when ``Rscript`` is absent or fails.
    """
    rscript = shutil.which("Rscript")
    if rscript is None:
        return dict.fromkeys(calls)
    lines = [
        *setup,
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
            [rscript, path], capture_output=True, text=True, timeout=timeout, check=True
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


def row(workload: str, ours: float, peer: str, peer_s: float | None, note: str, **extra) -> dict:
    """One result row as ``run.py`` expects it (extra keys, e.g. CPU times, are kept)."""
    return {
        "workload": workload,
        "satscore_s": ours,
        "peer": peer,
        "peer_s": peer_s,
        "ratio": None if peer_s is None else peer_s / ours,
        "note": note,
        **extra,
    }

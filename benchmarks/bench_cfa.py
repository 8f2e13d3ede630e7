"""CFA fit time: satscore.cfa vs lavaan::cfa (R) on the same simulated data.

Workloads: a 4-factor model on 20 five-point items (5 per factor), n = 1,000 and n = 1,000,000
(quick mode: 1,000 and 20,000), and full-information ML on n = 10,000 with 5% MCAR answers
(quick: 1,000). The data are written once to a temporary binary file that R
reads with ``readBin``; lavaan is timed inside R with ``system.time(cfa(...))`` so reading the
file is not counted. satscore is timed on the in-memory DataFrame (including its one pass over
the data for the sample moments). Each side: median of several repetitions.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import median_time, row

from satscore._sem.cfa import cfa

PEER = "lavaan 0.6-14 cfa()"
FACTORS = 4
PER_FACTOR = 5
MODEL = "\n".join(
    f"f{k + 1} =~ " + " + ".join(f"q{k * PER_FACTOR + j + 1}" for j in range(PER_FACTOR))
    for k in range(FACTORS)
)


def simulate(n: int, seed: int = 2026) -> pd.DataFrame:
    """Five-point responses from a 4-factor model (loadings .55-.85, factor r = .3-.5)."""
    rng = np.random.default_rng(seed)
    phi = np.full((FACTORS, FACTORS), 0.4) + np.diag(np.full(FACTORS, 0.6))
    eta = rng.standard_normal((n, FACTORS)) @ np.linalg.cholesky(phi).T
    load = np.linspace(0.55, 0.85, PER_FACTOR)
    lam = np.kron(np.eye(FACTORS), load[:, None])  # (20 x 4)
    err_sd = np.tile(np.sqrt(1.0 - load**2), FACTORS)
    latent = eta @ lam.T + rng.standard_normal((n, FACTORS * PER_FACTOR)) * err_sd
    codes = np.digitize(latent, [-1.5, -0.5, 0.5, 1.5]) + 1.0
    return pd.DataFrame(codes, columns=[f"q{i + 1}" for i in range(FACTORS * PER_FACTOR)])


def _time_satscore(df: pd.DataFrame, reps: int, missing: str = "listwise") -> tuple[float, float]:
    seconds = median_time(lambda: cfa(df, MODEL, missing=missing), reps)
    return seconds, cfa(df, MODEL, missing=missing).chi2


R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[2]); p <- as.integer(args[3]); reps <- as.integer(args[4])
x <- readBin(args[1], what = "double", n = n * p)
dim(x) <- c(n, p)
df <- as.data.frame(x); names(df) <- paste0("q", seq_len(p))
model <- paste(readLines(args[5], warn = FALSE), collapse = "\n")
missing <- args[6]
times <- numeric(reps)
for (r in seq_len(reps)) {
  times[r] <- system.time(fit <- cfa(model, data = df, missing = missing))[["elapsed"]]
}
res <- list(times = times, chisq = fitMeasures(fit, "chisq")[[1]])
cat(jsonlite::toJSON(res, digits = NA, auto_unbox = TRUE))
"""


def _time_lavaan(
    df: pd.DataFrame, reps: int, missing: str = "listwise"
) -> tuple[float | None, float | None, str]:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None, None, "Rscript not found"
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        data = tmpdir / "x.bin"
        df.to_numpy(dtype=np.float64).T.ravel().tofile(data)  # column-major for R
        (tmpdir / "model.txt").write_text(MODEL)
        (tmpdir / "bench.R").write_text(R_SCRIPT)
        cmd = [rscript, str(tmpdir / "bench.R"), str(data), str(len(df)), str(df.shape[1])]
        cmd += [str(reps), str(tmpdir / "model.txt"), missing]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            return None, None, f"lavaan failed: {proc.stderr.strip()[-200:]}"
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    times = out["times"] if isinstance(out["times"], list) else [out["times"]]
    return statistics.median(times), float(out["chisq"]), ""


def run(quick: bool = False) -> list[dict]:
    """Complete data: n = 1,000 and 1,000,000 (quick: 20,000) x 20 items; FIML: n = 10,000
    (quick: 1,000) with 5% of answers missing completely at random."""
    sizes = [(1_000, 5, 5), (20_000, 3, 3)] if quick else [(1_000, 7, 5), (1_000_000, 5, 3)]
    rows = []
    for n, reps_py, reps_r in sizes:
        df = simulate(n)
        sat_s, sat_chi2 = _time_satscore(df, reps_py)
        peer_s, peer_chi2, note = _time_lavaan(df, reps_r)
        x = df.to_numpy()
        start = time.perf_counter()
        xc = x - x.mean(axis=0)
        _ = xc.T @ xc
        cov_s = time.perf_counter() - start
        if peer_chi2 is not None:
            note = f"chi2 satscore {sat_chi2:.4f} vs lavaan {peer_chi2:.4f}; "
        note += f"one numpy covariance pass {cov_s:.3f} s"
        rows.append(row(f"cfa 4 factors, {n:,} x 20 items", sat_s, PEER, peer_s, note))
    n, reps_py, reps_r = (1_000, 3, 1) if quick else (10_000, 3, 1)
    rng = np.random.default_rng(7)
    df = simulate(n)
    df = df.mask(rng.uniform(size=df.shape) < 0.05)
    sat_s, sat_chi2 = _time_satscore(df, reps_py, missing="ml")
    peer_s, peer_chi2, note = _time_lavaan(df, reps_r, missing="ml")
    if peer_chi2 is not None:
        note = f"chi2 satscore {sat_chi2:.4f} vs lavaan {peer_chi2:.4f}"
    label = f"cfa FIML (missing='ml'), {n:,} x 20, 5% MCAR"
    rows.append(row(label, sat_s, PEER, peer_s, note))
    return rows


if __name__ == "__main__":
    for result in run(quick=False):
        print(result)

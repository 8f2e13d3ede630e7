"""Benchmarks: score_survey on 1M respondents x 20 items x 100 segments, vs pandas + statsmodels;
and the memory of score_survey on 5M respondents x 26 items by branch.

Workload: a 20-item instrument (one overall-satisfaction item + 19 agreement items
in 4 dimensions, 5-point scales, 5% missing), 100 branches, metrics top_box,
index_0_100 and mean for every item, dimension and the overall score, the
headline KPI, 95% Korn–Graubard (= Clopper–Pearson) and t intervals, NCHS
flags, and a target with verdicts and one-sided p-values.

satscore is timed on already-validated responses (``Instrument.validate`` is
timed separately in its own row). The peer is a straightforward pipeline:
pandas ``groupby`` per item for counts, top-box counts, means and SDs,
``statsmodels.stats.proportion.proportion_confint(method="beta")`` and
``scipy.stats.t`` for the intervals, ``scipy.stats.binomtest``-equivalent tails
for the p-values, producing the same item-level and dimension-level table.

Memory workload: 5,000,000 respondents resampled (seeded ``numpy.random.Generator``) from
the validated example survey (``load_example("bank_survey")``), the 26 ``bank_service``
items as nullable ``Int8`` and the ``branch`` column, scored raw (validation included) by
branch with the defaults. Run in a fresh subprocess: after building the frame the peak-RSS
mark is reset (``/proc/self/clear_refs``; elsewhere the peak so far is the baseline), so
``peak extra`` is the largest resident memory above the frame-holding process that
``score_survey`` needs. In-memory scoring goes through the same row-block summaries as
streamed scoring, so this stays a fraction of the frame.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

N_ITEMS = 20
N_SEGMENTS = 100


def _instrument() -> Any:
    from satscore.instruments import Instrument

    scale = {
        "id": "agree5",
        "codes": [1, 2, 3, 4, 5],
        "labels": {"en": ["SD", "D", "N", "A", "SA"]},
        "satisfied": [4, 5],
        "missing": [],
    }
    items = [{"id": "OS01", "text": {"en": "Overall"}, "scale": "agree5",
              "role": "overall_satisfaction"}]  # fmt: skip
    dims = []
    for d in range(4):
        ids = [f"Q{d}{j}" for j in range(5) if (d, j) != (3, 4)]
        items += [{"id": i, "text": {"en": i}, "scale": "agree5", "dimension": f"dim{d}"}
                  for i in ids]  # fmt: skip
        dims.append({"id": f"dim{d}", "title": {"en": f"Dimension {d}"}, "items": ids})
    spec = {
        "id": "bench20", "version": "1.0.0", "title": {"en": "Benchmark"}, "languages": ["en"],
        "default_language": "en", "scales": [scale], "items": items, "dimensions": dims,
    }  # fmt: skip
    return Instrument.from_dict(spec)


def _data(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    inst = _instrument()
    cols: dict[str, Any] = {"branch": rng.integers(0, N_SEGMENTS, n).astype(np.int64)}
    for item in inst.items:
        x = rng.choice(np.arange(1.0, 6.0), size=n, p=[0.05, 0.08, 0.17, 0.35, 0.35])
        x[rng.random(n) < 0.05] = np.nan
        cols[item.id] = x
    return pd.DataFrame(cols)


def _peer(df: pd.DataFrame, inst: Any, target: float) -> pd.DataFrame:
    from scipy import special, stats
    from statsmodels.stats.proportion import proportion_confint

    g = df["branch"]
    frames = []
    items = [i.id for i in inst.items]
    for item in items:
        x = df[item]
        grp = x.groupby(g)
        n = grp.count()
        sat = (x >= 4).groupby(g).sum()
        mean = grp.mean()
        sd = grp.std()
        lo, hi = proportion_confint(sat, n, method="beta")
        se = sd / np.sqrt(n)
        q = stats.t.ppf(0.975, n - 1)
        p_greater = special.betainc(np.maximum(sat, 1e-300), n - sat + 1, target)
        lo1, _ = proportion_confint(sat, n, alpha=0.1, method="beta")
        frames.append(pd.DataFrame({"item": item, "n": n, "top_box": sat / n, "tb_low": lo,
                                    "tb_high": hi, "mean": mean, "m_low": mean - q * se,
                                    "m_high": mean + q * se,
                                    "index": (mean - 1) / 4 * 100, "p": p_greater,
                                    "met": lo1 >= target}))  # fmt: skip
    for dim in inst.dimensions:
        block = df[list(dim.items)]
        score = block.mean(axis=1).where(block.notna().sum(axis=1) >= dim.min_valid)
        grp = score.groupby(g)
        n, mean, sd = grp.count(), grp.mean(), grp.std()
        sat = (score >= 4).groupby(g).sum()
        lo, hi = proportion_confint(sat, n, method="beta")
        se = sd / np.sqrt(n)
        q = stats.t.ppf(0.975, n - 1)
        frames.append(pd.DataFrame({"item": dim.id, "n": n, "top_box": sat / n, "tb_low": lo,
                                    "tb_high": hi, "mean": mean, "m_low": mean - q * se,
                                    "m_high": mean + q * se}))  # fmt: skip
    return pd.concat(frames)


def _median_time(fn: Any, reps: int, cpu: list | None = None) -> float:
    """Median wall time of *reps* calls (median CPU time appended to *cpu* if given)."""
    times, cpus = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return statistics.median(times)


MEMORY_ROWS = 5_000_000


def bank_frame(n: int, seed: int = 2026) -> pd.DataFrame:
    """*n* respondents drawn with replacement (seeded) from the validated example survey:
    ``branch`` and the 26 ``bank_service`` items as nullable ``Int8`` codes."""
    import satscore

    inst = satscore.load_instrument("bank_service")
    base = inst.validate(satscore.load_example("bank_survey"), on_invalid="coerce").data
    rows = np.random.default_rng(seed).integers(0, len(base), n)
    cols: dict[str, Any] = {"branch": base["branch"].to_numpy()[rows]}
    for item in inst.items:
        cols[item.id] = pd.array(base[item.id].to_numpy()[rows], dtype="Int8")
    return pd.DataFrame(cols)


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    except OSError:  # pragma: no cover - not Linux
        return None
    return None


def memory_job(n: int) -> dict:
    """In this process: build the frame, reset the peak-RSS mark, score; MB figures."""
    import gc

    import satscore

    inst = satscore.load_instrument("bank_service")
    df = bank_frame(n)
    gc.collect()
    frame_mb = df.memory_usage(deep=True).sum() / 2**20
    baseline = _status_mb("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to now
    except OSError:  # pragma: no cover - not Linux: the peak so far stands in
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    start = time.perf_counter()
    scores = satscore.score_survey(df, inst, by="branch")
    wall = time.perf_counter() - start
    peak = _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {
        "wall": wall,
        "frame_mb": frame_mb,
        "baseline_mb": baseline,
        "peak_mb": peak,
        "extra_mb": peak - (baseline or 0.0),
        "rows": len(scores.metrics),
    }


def memory_row(n: int) -> dict:
    """Run :func:`memory_job` in a fresh interpreter and report it as a result row."""
    proc = subprocess.run(
        [sys.executable, __file__, "--memory-job", str(n)],
        capture_output=True,
        text=True,
        check=False,
    )
    label = f"score_survey memory: {n:,} respondents x 26 items by branch (raw Int8 frame)"
    if proc.returncode != 0:
        failed = f"failed: {(proc.stderr or proc.stdout)[-300:]}"
        return {"workload": label, "satscore_s": None, "peer": None, "peer_s": None,
                "ratio": None, "note": failed}  # fmt: skip
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    note = (
        f"frame memory_usage(deep=True) {res['frame_mb']:.0f} MB; "
        f"peak RSS {res['peak_mb']:.0f} MB = baseline {res['baseline_mb']:.0f} MB + "
        f"{res['extra_mb']:.0f} MB while scoring "
        f"({res['extra_mb'] / res['frame_mb']:.2f}x the frame; validation included; "
        f"{res['rows']} rows)"
    )
    return {
        "workload": label,
        "satscore_s": res["wall"],
        "peer": None,
        "peer_s": None,
        "ratio": None,
        "note": note,
        "rss_mb": res["peak_mb"],
        "extra_rss_mb": res["extra_mb"],
        "frame_mb": res["frame_mb"],
    }


def run(quick: bool = False) -> list[dict]:
    """Time the workloads; ``quick`` uses 100,000 respondents and fewer repetitions."""
    from satscore import score_survey

    n = 100_000 if quick else 1_000_000
    reps = 2 if quick else 5
    inst = _instrument()
    df = _data(n)
    vr = inst.validate(df)
    targets = {"customer_satisfaction": 0.85}
    kwargs = {"by": "branch", "metrics": ["top_box", "index_0_100", "mean"], "targets": targets}
    score_survey(vr, inst, **kwargs)  # warm-up (imports)
    cpu: list[float] = []
    ours = _median_time(lambda: score_survey(vr, inst, **kwargs), reps, cpu)
    peer = _median_time(lambda: _peer(df, inst, 0.85), max(2, reps // 2), cpu)
    validate = _median_time(lambda: inst.validate(df), max(2, reps // 2))
    label = f"{n:,} respondents x {N_ITEMS} items x {N_SEGMENTS} segments"
    rows = score_survey(vr, inst, **kwargs).metrics.shape[0]
    return [
        {
            "workload": f"score_survey: {label}, CIs + targets ({rows} rows)",
            "satscore_s": ours,
            "peer": "pandas groupby + statsmodels proportion_confint + scipy t",
            "peer_s": peer,
            "ratio": peer / ours,
            "note": (
                f"validated input; CPU time {cpu[0]:.2f} s vs {cpu[1]:.2f} s (wall times depend "
                "on machine load); the peer computes the item and dimension rows only"
            ),
        },
        {
            "workload": f"Instrument.validate: {label}",
            "satscore_s": validate,
            "peer": None,
            "peer_s": None,
            "ratio": None,
            "note": "numeric codes, no label text (shown for context)",
        },
        memory_row(500_000 if quick else MEMORY_ROWS),
    ]


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) > 2 and sys.argv[1] == "--memory-job":
        print(json.dumps(memory_job(int(sys.argv[2]))))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)

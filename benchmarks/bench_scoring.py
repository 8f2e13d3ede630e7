"""Benchmark: score_survey on 1M respondents x 20 items x 100 segments, vs pandas + statsmodels.

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
"""

from __future__ import annotations

import statistics
import time
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
    ]


if __name__ == "__main__":  # pragma: no cover
    import sys

    for row in run(quick="--quick" in sys.argv):
        print(row)

"""Benchmarks: out-of-core scoring summaries streamed from disk, and on a Dask local cluster.

Workload: a Parquet file of ``N`` responses x 20 items (int8 codes 1-5 with 5 % missing,
stored nullable) and a 100-level segment column, written in row groups in a temporary
directory. Every out-of-core statistic satscore computes is reduced from the same mergeable
summaries, so the workload is the one pass that feeds them all: per-segment category counts of
every item (top-box, means, indices, distributions for ``score_survey``) and the pairwise
cross-products of the 20 items (alpha, EFA, CFA).

* ``stream``: ``reduce_summaries(read_chunks(path, chunksize=...), ...)`` in one process;
  wall time and peak RSS (``resource.getrusage``, measured in a fresh subprocess).
  Peer: pandas in memory (``read_parquet`` + ``groupby().mean()`` + ``value_counts`` +
  ``DataFrame.cov``), run only where the frame fits comfortably in memory.
* ``dask``: the same summaries over ``dd.read_parquet`` partitions on a
  ``LocalCluster(processes=True)`` with 2 workers (tree reduction, no shuffle). Peer: Dask's
  own ``groupby().mean()`` and ``cov()`` on the same cluster. Peak RSS is the largest of the
  client and (terminated) worker processes.

``python benchmarks/bench_scale.py [--rows N]`` runs it alone; ``run(quick=True)`` uses 2M rows.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ITEMS = [f"Q{i:02d}" for i in range(1, 21)]
CODES = (1, 2, 3, 4, 5)
FULL_ROWS = 100_000_000
QUICK_ROWS = 2_000_000
ROW_GROUP = 1_000_000


def generate(path: Path, n_rows: int, *, seed: int = 0) -> float:
    """Write the benchmark Parquet file in row groups (never the whole table in memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    schema = pa.schema([("segment", pa.int16())] + [(c, pa.int8()) for c in ITEMS])
    start = time.perf_counter()
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        done = 0
        while done < n_rows:
            m = min(ROW_GROUP, n_rows - done)
            cols = [pa.array(rng.integers(0, 100, m, dtype=np.int16))]
            for _ in ITEMS:
                codes = rng.integers(1, 6, m, dtype=np.int8)
                cols.append(pa.array(codes, mask=rng.random(m) < 0.05))
            writer.write_table(pa.Table.from_arrays(cols, schema=schema))
            done += m
    return time.perf_counter() - start


def _summarize(chunk, number):
    from satscore._stream.summaries import CategoryCounts, CrossProducts

    counts = CategoryCounts.from_frame(chunk, dict.fromkeys(ITEMS, CODES), by=["segment"])
    cross = CrossProducts.from_frame(chunk, ITEMS)
    return _Pair(counts, cross)


class _Pair:
    """Two summaries merged together (keeps the benchmark to one pass)."""

    def __init__(self, counts, cross):
        self.counts, self.cross = counts, cross

    def merge(self, other):
        return _Pair(self.counts.merge(other.counts), self.cross.merge(other.cross))


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: kilobytes


# ----------------------------------------------------------------------------- jobs (subprocess)
def job_stream(path: str, chunksize: int) -> dict:
    from satscore._stream.chunks import read_chunks
    from satscore._stream.reduce import reduce_summaries

    start = time.perf_counter()
    out = reduce_summaries(read_chunks(path, chunksize=chunksize), _summarize)
    wall = time.perf_counter() - start
    n = int(out.counts.item_counts(ITEMS[0]).sum())
    return {"wall": wall, "rss_mb": _rss_mb(resource.RUSAGE_SELF), "check": n}


def job_pandas(path: str) -> dict:
    import pandas as pd

    start = time.perf_counter()
    df = pd.read_parquet(path)
    df.groupby("segment")[ITEMS].mean()
    for c in ITEMS:
        df.groupby("segment")[c].value_counts()
    df[ITEMS].cov()
    wall = time.perf_counter() - start
    return {"wall": wall, "rss_mb": _rss_mb(resource.RUSAGE_SELF), "check": len(df)}


def write_survey(path: Path, n_rows: int) -> None:
    """The example survey (validated codes) tiled to ``n_rows`` rows, as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import satscore

    inst = satscore.load_instrument("bank_service")
    base = inst.validate(satscore.load_example("bank_survey"), on_invalid="coerce").data
    base = base.reset_index(drop=True)
    with pq.ParquetWriter(path, pa.Schema.from_pandas(base, preserve_index=False)) as writer:
        done = 0
        while done < n_rows:
            part = base.iloc[: min(len(base), n_rows - done)]
            writer.write_table(pa.Table.from_pandas(part, preserve_index=False))
            done += len(part)


def job_score(path: str, mode: str) -> dict:
    import pandas as pd

    import satscore

    inst = satscore.load_instrument("bank_service")
    start = time.perf_counter()
    if mode == "stream":
        data = satscore.read_chunks(path, chunksize=200_000)
    else:
        data = pd.read_parquet(path)
    scores = satscore.score_survey(data, inst, by=["quarter", "branch"])
    wall = time.perf_counter() - start
    return {"wall": wall, "rss_mb": _rss_mb(resource.RUSAGE_SELF), "check": scores.n_respondents}


def _cluster():
    import distributed

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    )
    return cluster, distributed.Client(cluster)


def job_dask(path: str, which: str) -> dict:
    import dask
    import dask.dataframe as dd

    from satscore._stream.reduce import reduce_summaries

    cluster, client = _cluster()
    try:
        ddf = dd.read_parquet(path, split_row_groups=True)
        worker_rss = []
        start = time.perf_counter()
        if which == "satscore":
            out = reduce_summaries(ddf, _summarize)
            check = int(out.counts.item_counts(ITEMS[0]).sum())
        else:
            means, _ = dask.compute(ddf.groupby("segment")[ITEMS].mean(), ddf[ITEMS].cov())
            check = int(means.shape[0])
        wall = time.perf_counter() - start
        info = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
        worker_rss = list(info.values())
    finally:
        client.close()
        cluster.close()
    rss = max([_rss_mb(resource.RUSAGE_SELF), *worker_rss])
    return {"wall": wall, "rss_mb": rss, "check": check, "workers_rss_mb": worker_rss}


def _run_job(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--job", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout)[-400:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median(results: list[dict]) -> dict:
    ok = [r for r in results if "error" not in r]
    if not ok:
        return results[0]
    return {
        "wall": statistics.median(r["wall"] for r in ok),
        "rss_mb": max(r["rss_mb"] for r in ok),
        "check": ok[0]["check"],
    }


SURVEY_ROWS = 2_000_000  # score_survey (with instrument validation) workload
PEER_LIMIT = 20_000_000  # the Dask peer takes ~7x satscore's time: skipped above this size


def run(quick: bool = False, rows: int | None = None) -> list[dict]:
    """Time the streamed and Dask workloads side by side with their peers."""
    n_rows = rows or (QUICK_ROWS if quick else FULL_ROWS)
    repeats = 3 if n_rows <= 5_000_000 else 1
    chunksize = 250_000
    out: list[dict] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("SATSCORE_BENCH_TMP")) as tmp:
        path = Path(tmp) / "responses.parquet"
        gen_s = generate(path, n_rows)
        size_mb = path.stat().st_size / 2**20
        base = f"{n_rows:,} rows x 20 items, Parquet {size_mb:.0f} MB (written in {gen_s:.0f} s)"
        stream = _median([_run_job("stream", str(path), str(chunksize)) for _ in range(repeats)])
        in_memory_gb = n_rows * 21 * 8 / 2**30
        if in_memory_gb < 4:
            peer = _median([_run_job("pandas", str(path)) for _ in range(repeats)])
        else:
            peer = {"error": f"skipped: the in-memory frame needs ~{in_memory_gb:.0f} GB"}
        out.append(_row("stream from disk", stream, "pandas in memory", peer, base, chunksize))
        dsk = _median([_run_job("dask", str(path), "satscore") for _ in range(repeats)])
        if n_rows <= PEER_LIMIT:
            dpeer = _median([_run_job("dask", str(path), "peer") for _ in range(repeats)])
        else:
            dpeer = {"error": f"skipped above {PEER_LIMIT:,} rows (run --rows {PEER_LIMIT})"}
        out.append(_row("dask LocalCluster 2 procs", dsk, "dask groupby.mean+cov", dpeer, base, 0))
        survey = Path(tmp) / "survey.parquet"
        n_survey = min(n_rows, SURVEY_ROWS)
        write_survey(survey, n_survey)
        sc = _median([_run_job("score", str(survey), "stream") for _ in range(repeats)])
        sp = _median([_run_job("score", str(survey), "memory") for _ in range(repeats)])
        note = f"score_survey, bank_service, {n_survey:,} respondents by quarter x branch"
        out.append(_row("score_survey streamed", sc, "score_survey in memory", sp, note, 200_000))
    return out


def _row(name: str, res: dict, peer_name: str, peer: dict, base: str, chunksize: int) -> dict:
    sat_s = res.get("wall")
    peer_s = peer.get("wall")
    note = base
    if chunksize:
        note += f"; chunksize {chunksize:,}"
    if "rss_mb" in res:
        note += f"; satscore peak RSS {res['rss_mb']:.0f} MB"
    if "rss_mb" in peer:
        note += f"; peer peak RSS {peer['rss_mb']:.0f} MB"
    if "error" in res:
        note += f"; satscore failed: {res['error']}"
    if "error" in peer:
        note += f"; peer: {peer['error']}"
    return {
        "workload": f"scale: {name}",
        "satscore_s": sat_s,
        "peer": peer_name,
        "peer_s": peer_s,
        "ratio": (peer_s / sat_s) if (sat_s and peer_s) else None,
        "note": note,
        "rss_mb": res.get("rss_mb"),
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--job":
        kind, path = sys.argv[2], sys.argv[3]
        if kind == "stream":
            result = job_stream(path, int(sys.argv[4]))
        elif kind == "score":
            result = job_score(path, sys.argv[4])
        elif kind == "pandas":
            result = job_pandas(path)
        else:
            result = job_dask(path, sys.argv[4])
        print(json.dumps(result))
    else:
        n = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else None
        for row in run(quick="--quick" in sys.argv, rows=n):
            print(json.dumps(row))

"""Run every benchmark side by side with its peer and print a table of ratios.

Usage::

    python benchmarks/run.py            # full workloads (minutes)
    python benchmarks/run.py --quick    # small sizes, a smoke test of the harness
    python benchmarks/run.py --only scoring,sampling

Each ``benchmarks/bench_<area>.py`` defines ``run(quick: bool = False) -> list[dict]`` returning
rows with ``workload``, ``satscore_s``, ``peer``, ``peer_s``, ``ratio`` (peer_s / satscore_s) and
``note``. Peers that are not installed (or ``Rscript`` when R is absent) give ``None``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    """One line describing the machine the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE))
    spec.loader.exec_module(module)
    return module


def _fmt(value, digits=3):
    if value is None:
        return "—"
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (harness smoke test)")
    parser.add_argument("--only", default="", help="comma-separated areas, e.g. scoring,cfa")
    args = parser.parse_args(argv)
    wanted = {a.strip() for a in args.only.split(",") if a.strip()}
    rows = []
    for path in sorted(HERE.glob("bench_*.py")):
        area = path.stem.removeprefix("bench_")
        if wanted and area not in wanted:
            continue
        start = time.perf_counter()
        print(f"# {area} ...", file=sys.stderr, flush=True)
        for row in _load(path).run(quick=args.quick):
            rows.append({"area": area, **row})
        print(f"# {area} done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    print(f"Machine: {machine()}")
    print()
    print("| area | workload | satscore (s) | peer | peer (s) | speed-up | note |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r['ratio']:.1f}×" if r.get("ratio") else "—"
        print(
            f"| {r['area']} | {r['workload']} | {_fmt(r['satscore_s'])} | {r.get('peer') or '—'} "
            f"| {_fmt(r.get('peer_s'))} | {ratio} | {r.get('note', '')} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: quarterly plans with PRN selection, and design-based domain proportions vs R.

Workloads

1. ``plan_quarterly_sample`` on a 10M-customer frame (ids ``C000000000``…, 500
   strata, 5% inactive) with a respondent floor: sizes, allocation and PRN window
   selection, PRNs hashed on the fly. The note says which SHA-256 ran: the C kernel
   on SHA-NI, the portable C kernel, or the hashlib fallback
   (``satscore._stats.prn.backend()``: "sha-ni", "portable-c", "hashlib").
   No peer.
2. The same plan with the PRNs stored in the frame (``prn_column=``), i.e. the
   planning and selection cost without hashing. No peer.
3. PRN hashing alone (``prn`` on the 10M ids, two threads allowed) with each SHA-256
   implementation available here: SHA-NI, portable C (SHA-NI switched off) and hashlib
   (C kernel switched off; one thread); wall and CPU seconds. No peer.
4. Design-based proportions with Korn–Graubard intervals for 100 domains on 1M
   respondents (50 strata, 5,000 PSUs, unequal weights): ``SurveyDesign.by(...,
   statistic="proportion")`` vs R ``svyby(~y, ~dom, design, svyciprop, method =
   "beta", vartype = "ci")`` (survey 4.1) on the same data, timed inside R with
   ``system.time`` (data loading excluded), when ``Rscript`` exists.

``quick=True`` uses 1M customers and 100k respondents.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def _cpu_note(fn: Any) -> str:
    """CPU seconds of one call and the machine load (the box is shared; wall times vary)."""
    c0 = time.process_time()
    fn()
    cpu = time.process_time() - c0
    return f"CPU {cpu:.1f} s, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


class _PortableKernel:
    """The C kernel with its SHA-NI path switched off (``portable=True``)."""

    def __init__(self, ext: Any) -> None:
        self._ext = ext

    def prn_batch(self, *args: Any) -> None:
        self._ext.prn_batch(*args, portable=True)

    def has_sha_ni(self) -> bool:
        return False


@contextmanager
def _prn_backend(name: str) -> Iterator[None]:
    """Run ``prn`` with one SHA-256 implementation: "sha-ni", "portable-c" or "hashlib"."""
    import satscore._stats.prn as prn_module

    ext = prn_module._prn_ext
    prn_module._prn_ext = {"hashlib": None, "portable-c": _PortableKernel(ext)}.get(name, ext)
    try:
        yield
    finally:
        prn_module._prn_ext = ext


def _backends() -> list[str]:
    """The SHA-256 implementations that can run on this machine and build."""
    from satscore._stats.prn import backend

    default = backend()
    return {
        "sha-ni": ["sha-ni", "portable-c", "hashlib"],
        "portable-c": ["portable-c", "hashlib"],
    }.get(default, ["hashlib"])


def _frame(n: int, n_strata: int = 500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.char.add("C", np.char.zfill(np.arange(n).astype("U9"), 9))
    return pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="str"),
            "branch": rng.integers(0, n_strata, n),
            "active": rng.random(n) > 0.05,
        }
    )


def _survey(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, 50, n)
    psu = stratum * 100 + rng.integers(0, 100, n)
    dom = rng.integers(0, 100, n)
    p = 0.75 + 0.2 * (dom / 100.0)
    return pd.DataFrame(
        {
            "stratum": stratum,
            "psu": psu,
            "dom": dom,
            "y": (rng.random(n) < p).astype(np.int64),
            "w": rng.uniform(1.0, 6.0, n).round(3),
        }
    )


_R_SCRIPT = """
suppressMessages(library(survey))
d <- read.csv("{csv}")
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d)
t <- c()
for (i in 1:{reps}) t <- c(t, system.time(
  r <- svyby(~y, ~dom, des, svyciprop, method = "beta", vartype = "ci"))[["elapsed"]])
cat(median(t), "\\n")
write.csv(data.frame(est = r[[2]], lo = r$ci_l, hi = r$ci_u), "{out}", row.names = FALSE)
"""


def _r_svyby(df: pd.DataFrame, reps: int) -> tuple[float | None, pd.DataFrame | None]:
    if shutil.which("Rscript") is None:
        return None, None
    with tempfile.TemporaryDirectory() as tmp:
        csv, out = Path(tmp) / "d.csv", Path(tmp) / "r.csv"
        df.to_csv(csv, index=False)
        script = Path(tmp) / "b.R"
        script.write_text(_R_SCRIPT.format(csv=csv, out=out, reps=reps))
        res = subprocess.run(
            ["Rscript", str(script)], capture_output=True, text=True, check=True, timeout=3600
        )
        return float(res.stdout.strip().split()[-1]), pd.read_csv(out)


def run(quick: bool = False) -> list[dict]:
    """Time the workloads (``quick``: smaller sizes, fewer repetitions)."""
    from _common import median_time, timed

    from satscore import SurveyDesign, plan_quarterly_sample
    from satscore._stats.prn import backend, prn

    rows: list[dict] = []
    n_frame = 1_000_000 if quick else 10_000_000
    reps = 2 if quick else 3
    frame = _frame(n_frame)

    def plan() -> Any:
        return plan_quarterly_sample(
            frame, quarter="2026Q3", strata="branch", response_rate=0.2, min_respondents=50
        )

    t_plan = median_time(plan, reps)
    rows.append(
        {
            "workload": f"plan + PRN selection, {n_frame:,} customers, 500 strata (SHA-256 PRNs)",
            "satscore_s": t_plan,
            "peer": None,
            "peer_s": None,
            "ratio": None,
            "note": f"{len(plan().sample):,} invited; SHA-256: {backend()}; {_cpu_note(plan)}; "
            "target <= 5 s at 10M",
        }
    )
    stored = frame.assign(u=prn(frame["customer_id"], "satscore"))

    def plan_stored() -> Any:
        return plan_quarterly_sample(
            stored, quarter="2026Q3", strata="branch", response_rate=0.2, min_respondents=50,
            prn_column="u",
        )  # fmt: skip

    rows.append(
        {
            "workload": f"plan + PRN selection, {n_frame:,} customers, 500 strata (stored PRNs)",
            "satscore_s": median_time(plan_stored, reps),
            "peer": None,
            "peer_s": None,
            "ratio": None,
            "note": f"PRNs kept in the frame (prn_column=); {_cpu_note(plan_stored)}",
        }
    )

    ids = frame["customer_id"]
    for name in _backends():
        with _prn_backend(name):
            wall, cpu = timed(lambda: prn(ids, "satscore"), reps)
        rows.append(
            {
                "workload": f"PRN hashing alone, {n_frame:,} ids ({name})",
                "satscore_s": wall,
                "peer": None,
                "peer_s": None,
                "ratio": None,
                "note": f"SHA-256 of salt + id, up to 2 threads; CPU {cpu:.2f} s, load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
            }
        )

    n_resp = 100_000 if quick else 1_000_000
    survey = _survey(n_resp)

    def props() -> pd.DataFrame:
        d = SurveyDesign(survey, weights="w", strata="stratum", cluster="psu")
        return d.by("dom", "y", statistic="proportion")

    t_ours = median_time(props, reps)
    r_reps = 1 if not quick else 2
    t_r, r_out = _r_svyby(survey, r_reps)
    note = f"Korn-Graubard intervals; design built inside the timing; {_cpu_note(props)}"
    if r_out is not None:
        ours = props()
        diff = float(np.max(np.abs(ours["ci_low"].to_numpy() - r_out["lo"].to_numpy())))
        note += f"; max |CI difference| vs R = {diff:.1e}"
    rows.append(
        {
            "workload": f"design proportions, 100 domains, {n_resp:,} rows",
            "satscore_s": t_ours,
            "peer": "R survey 4.1 svyby(svyciprop, method='beta')",
            "peer_s": t_r,
            "ratio": None if t_r is None else t_r / t_ours,
            "note": note,
        }
    )
    return rows


if __name__ == "__main__":
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=1))

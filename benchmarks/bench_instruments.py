"""Benchmarks: response validation and instrument loading.

There is no library that validates survey responses against an instrument, so the peers are
the recodes an analyst would write by hand with pandas, which do no range, routing or id checks
and record no missing reasons -- lower bounds on the work, not equivalents:

* numeric codes: ``Series.where(Series.isin(valid codes))`` per item column;
* label text: ``Series.map`` of a label dictionary per column, then ``pd.to_numeric``.

Each workload reports the median wall time as ``satscore_s`` / ``peer_s`` and the median CPU
times (``time.process_time``) in the note; the load average (``os.getloadavg``) at the end of
the workload is in the note too, since the machine is shared.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd
from _common import load_average, median_time, timed

import satscore
from satscore.instruments._builtins import _load_builtin
from satscore.instruments._checks import normalise_label


def _route(inst: Any, df: pd.DataFrame) -> pd.DataFrame:
    """Blank routed items where their screener says "not asked" (so the frame is valid)."""
    for item in inst.items:
        if item.relevant is not None:
            skip = ~df[item.relevant.item].isin(item.relevant.values).to_numpy()
            values = df[item.id].to_numpy(copy=True)
            values[skip] = None if values.dtype == object else np.nan
            df[item.id] = values
    return df


def _numeric(inst: Any, n: int, seed: int = 0) -> pd.DataFrame:
    """Float codes: valid codes, missing codes (99) and blanks (NaN), with routing."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {"respondent_id": np.arange(n)}
    for item in inst.items:
        scale = inst.scale(item.scale)
        values = np.array([*scale.codes, *scale.missing_codes, np.nan], dtype=float)
        data[item.id] = values[rng.integers(0, len(values), size=n)]
    data["SC01"] = rng.integers(0, 2, size=n).astype(float)
    data["PR00"] = rng.integers(0, 2, size=n).astype(float)
    df = _route(inst, pd.DataFrame(data))
    df["branch"] = rng.choice(["N01", "S02", "E03"], size=n)
    return df


def _labels(inst: Any, n: int, seed: int = 0) -> pd.DataFrame:
    """Object columns mixing codes, English and Chinese labels, missing codes and blanks."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {"respondent_id": [f"R{i:07d}" for i in range(n)]}
    for item in inst.items:
        scale = inst.scale(item.scale)
        values = np.array(
            [*scale.codes, *scale.labels["en"], *scale.labels["zh"], *scale.missing_codes, None],
            dtype=object,
        )
        data[item.id] = values[rng.integers(0, len(values), size=n)]
    data["SC01"] = rng.integers(0, 2, size=n)
    data["PR00"] = rng.integers(0, 2, size=n)
    df = _route(inst, pd.DataFrame(data))
    df["branch"] = rng.choice(["N01", "S02", "E03"], size=n)
    return df


def _naive_numeric(inst: Any, df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for item in inst.items:
        codes = inst.scale(item.scale).codes
        out[item.id] = df[item.id].where(df[item.id].isin(codes))
    return pd.DataFrame(out)


def _naive_labels(inst: Any, df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for item in inst.items:
        scale = inst.scale(item.scale)
        mapping: dict[str, int] = {}
        for labels in scale.labels.values():
            pairs = zip(labels, scale.codes, strict=True)
            mapping.update({normalise_label(lab): c for lab, c in pairs})

        def recode(v: Any, mapping: dict[str, int] = mapping) -> Any:
            return mapping.get(normalise_label(v), v) if isinstance(v, str) else v

        out[item.id] = pd.to_numeric(df[item.id].map(recode), errors="coerce")
    return pd.DataFrame(out)


def _row(workload: str, inst: Any, df: pd.DataFrame, peer_name: str, peer: Any, reps: int):
    ours, ours_cpu = timed(lambda: inst.validate(df, id_column="respondent_id"), reps)
    theirs, theirs_cpu = timed(lambda: peer(inst, df), max(2, reps // 2))
    return {
        "workload": workload,
        "satscore_s": ours,
        "peer": peer_name,
        "peer_s": theirs,
        "ratio": theirs / ours,
        "note": (
            f"CPU {ours_cpu:.3f} s vs {theirs_cpu:.3f} s; load avg {load_average()}; satscore "
            "also checks ranges, routing, ids and records missing reasons"
        ),
    }


def run(quick: bool = False) -> list[dict]:
    """Time the workloads; ``quick`` uses 100,000 rows and fewer repetitions."""
    inst = satscore.load_instrument("bank_service")
    n = 100_000 if quick else 1_000_000
    reps = 3 if quick else 5
    k = len(inst.items)
    inst.validate(_numeric(inst, 1000), id_column="respondent_id")  # warm-up (imports)
    rows = [
        _row(
            f"validate bank_service, {n:,} rows x {k} items, float codes (N/A, blanks, routing)",
            inst,
            _numeric(inst, n),
            "pandas Series.where(isin(codes)) per item (no checks, no reasons)",
            _naive_numeric,
            reps,
        ),
        _row(
            f"validate bank_service, {n:,} rows x {k} items, object cells (codes, EN/ZH labels, "
            "N/A, blanks, routing)",
            inst,
            _labels(inst, n),
            "pandas Series.map label recode + to_numeric (no checks, no reasons)",
            _naive_labels,
            max(2, reps // 2),
        ),
    ]

    def load() -> None:
        _load_builtin.cache_clear()
        satscore.load_instrument("bank_service")

    rows.append(
        {
            "workload": f"parse + check bank_service.yaml ({k} items)",
            "satscore_s": median_time(load, reps),
            "peer": None,
            "peer_s": None,
            "ratio": None,
            "note": "YAML safe_load plus every definition check",
        }
    )
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick="--quick" in sys.argv):
        print(row)

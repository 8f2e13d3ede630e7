"""Benchmarks: response validation and instrument loading.

There is no library that validates survey responses against an instrument, so the peer for
validation is the recode an analyst would write by hand with pandas: ``Series.map`` of a label
dictionary per column followed by ``pd.to_numeric`` -- it does no range, routing or id checks,
so it is a lower bound on the work, not an equivalent.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd

import satscore
from satscore.instruments._checks import normalise_label


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _responses(inst, n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {"respondent_id": [f"R{i:07d}" for i in range(n)]}
    for item in inst.items:
        scale = inst.scale(item.scale)
        values = np.array(
            [*scale.codes, *scale.labels["en"], *scale.labels["zh"], *scale.missing_codes, None],
            dtype=object,
        )
        data[item.id] = values[rng.integers(0, len(values), size=n)]
    data["SC01"] = rng.integers(0, 2, size=n)
    data["PR00"] = rng.integers(0, 2, size=n)
    df = pd.DataFrame(data)
    for item in inst.items:  # respect routing so the frame is valid
        if item.relevant is not None:
            skip = ~df[item.relevant.item].isin(item.relevant.values)
            df.loc[skip, item.id] = None
    df["branch"] = rng.choice(["N01", "S02", "E03"], size=n)
    return df


def _naive_recode(inst, df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for item in inst.items:
        scale = inst.scale(item.scale)
        mapping: dict[str, int] = {}
        for labels in scale.labels.values():
            pairs = zip(labels, scale.codes, strict=True)
            mapping.update({normalise_label(lab): c for lab, c in pairs})

        def recode(v, mapping=mapping):
            return mapping.get(normalise_label(v), v) if isinstance(v, str) else v

        out[item.id] = pd.to_numeric(df[item.id].map(recode), errors="coerce")
    return pd.DataFrame(out)


def run(quick: bool = False) -> list[dict]:
    inst = satscore.load_instrument("bank_service")
    rows = []
    sizes = [10_000] if quick else [20_000, 100_000]
    repeats = 3 if quick else 5
    for n in sizes:
        df = _responses(inst, n)
        ours = _median_time(lambda df=df: inst.validate(df, id_column="respondent_id"), repeats)
        peer = _median_time(lambda df=df: _naive_recode(inst, df), repeats)
        rows.append(
            {
                "workload": f"validate bank_service, {n:,} rows x {len(inst.items)} items "
                "(codes, EN/ZH labels, N/A, blanks, routing)",
                "satscore_s": ours,
                "peer": "pandas Series.map label recode (no checks)",
                "peer_s": peer,
                "ratio": peer / ours,
                "note": "satscore also checks ranges, routing, ids and records missing reasons",
            }
        )
    from satscore.instruments._io import _load_builtin

    def load() -> None:
        _load_builtin.cache_clear()
        satscore.load_instrument("bank_service")

    rows.append(
        {
            "workload": "parse + check bank_service.yaml (26 items)",
            "satscore_s": _median_time(load, repeats),
            "peer": None,
            "peer_s": None,
            "ratio": None,
            "note": "YAML safe_load plus every definition check",
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)

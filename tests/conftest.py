"""Shared fixtures: non-interactive matplotlib, reference data from tests/data."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

# Property tests must not flake on a loaded 2-core CI machine: no per-example deadline,
# a fixed derandomised search so CI is reproducible, and no "too slow" health check.
settings.register_profile(
    "satscore",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("satscore")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of reference datasets and stored R outputs."""
    return DATA


@pytest.fixture(scope="session")
def reference_r() -> dict:
    """R outputs from ``tests/data/make_reference.R`` (psych 2.2.9, lavaan 0.6-14, survey 4.1)."""
    return json.loads((DATA / "reference_R.json").read_text())

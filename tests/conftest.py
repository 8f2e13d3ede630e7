"""Shared fixtures: non-interactive matplotlib, reference data from tests/data."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of reference datasets and stored R outputs."""
    return DATA


@pytest.fixture(scope="session")
def reference_r() -> dict:
    """R outputs from ``tests/data/make_reference.R`` (psych 2.2.9, lavaan 0.6-14, survey 4.1)."""
    return json.loads((DATA / "reference_R.json").read_text())

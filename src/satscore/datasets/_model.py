"""The latent-variable model behind the example data, and its shared helpers.

**The generating model.** For respondent *i* in quarter *q* let
``mu_i = alpha[q] + gamma[segment] + delta[channel] + beta[branch]`` and
``z_i ~ N(0, Phi)`` the three correlated factors (service_quality,
staff_attitude, problem_resolution). Then, with independent standard normal
errors ``e``:

* factor item ``j`` of factor ``f``: ``y* = lambda_j (mu_i + z_if) + sqrt(1 - lambda_j^2) e``;
* ``OS01* = mu_i - penalty * PR00 + b' z_i + sqrt(1 - b' Phi b) e`` (variance 1 given the
  covariates);
* ``LY01* = 0.8 OS01* + 0.6 e``; ``LY02* = 0.65 OS01* + sqrt(1 - 0.65^2) e``;
* ``PR01* = 0.8 z_PR + 0.6 e`` (status: fully if above ``Phi^-1(0.35)``,
  not yet if below ``Phi^-1(0.15)``, else partly);
* ``PR07* = mu_i + 0.6 z_PR + 0.3 PR01* + sqrt(0.262) e``.

Each latent response is cut at fixed thresholds (item-specific shifts of one
base set per scale). SQ09 is reverse-keyed: its code is ``6 - c`` where ``c`` is
the code of a positively keyed latent response, so reverse scoring restores a
positive loading. ``SC01`` (staff contact) is Bernoulli with a channel-specific
probability, ``PR00`` (raised a problem) Bernoulli with a segment-specific one.

Because every latent response is normal with unit variance given the
covariates, the expected share of any answer category among the frame's active
customers is an exact average of normal CDFs over the frame (see
:func:`compute_true_values`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from satscore._core.checks import check_rng
from satscore._core.errors import OptionError, SatscoreTypeError

__all__ = ["CHANNELS", "DEFAULT_SEED", "ITEM_ORDER", "MODEL", "QUARTERS", "REGIONS", "SEGMENTS"]

DEFAULT_SEED = 20260101
QUARTERS = ("2026Q1", "2026Q2", "2026Q3", "2026Q4")

# --------------------------------------------------------------------------- frame
REGIONS = {"C": "central", "N": "north", "S": "south", "E": "east", "W": "west"}
_BRANCHES_PER_REGION = {"C": 10, "N": 8, "S": 8, "E": 8, "W": 6}
_REGION_SIZE = {"C": 1.6, "N": 1.0, "S": 1.0, "E": 0.9, "W": 0.6}
SEGMENTS = ("mass", "affluent", "private", "business", "youth")
CHANNELS = ("branch", "mobile", "phone", "online")
# segment shares: central region has more affluent/private customers
_SEGMENT_P = {
    "central": (0.52, 0.24, 0.06, 0.11, 0.07),
    "other": (0.64, 0.17, 0.02, 0.09, 0.08),
}
# main channel given segment (rows follow SEGMENTS, columns CHANNELS)
_CHANNEL_P = np.array(
    [
        [0.25, 0.47, 0.10, 0.18],
        [0.30, 0.42, 0.11, 0.17],
        [0.55, 0.20, 0.20, 0.05],
        [0.35, 0.15, 0.15, 0.35],
        [0.05, 0.85, 0.02, 0.08],
    ]
)

# --------------------------------------------------------------------------- survey model
ITEM_ORDER = (
    "OS01",
    *(f"SQ0{k}" for k in range(1, 10)),
    "SC01",
    *(f"SA0{k}" for k in range(1, 6)),
    "PR00",
    "PR01",
    *(f"PR0{k}" for k in range(2, 7)),
    "PR07",
    "LY01",
    "LY02",
)

MODEL: dict[str, Any] = {
    "factors": ("service_quality", "staff_attitude", "problem_resolution"),
    "factor_correlation": ((1.0, 0.65, 0.55), (0.65, 1.0, 0.60), (0.55, 0.60, 1.0)),
    # item -> (factor index, loading)
    "loadings": {
        "SQ01": (0, 0.78),
        "SQ02": (0, 0.74),
        "SQ03": (0, 0.70),
        "SQ04": (0, 0.66),
        "SQ05": (0, 0.72),
        "SQ06": (0, 0.64),
        "SQ07": (0, 0.68),
        "SQ08": (0, 0.62),
        "SQ09": (0, 0.60),
        "SA01": (1, 0.82),
        "SA02": (1, 0.80),
        "SA03": (1, 0.85),
        "SA04": (1, 0.72),
        "SA05": (1, 0.66),
        "PR02": (2, 0.80),
        "PR03": (2, 0.78),
        "PR04": (2, 0.84),
        "PR05": (2, 0.76),
        "PR06": (2, 0.68),
    },
    "reverse": ("SQ09",),
    # OS01* = mu - penalty * PR00 + b'z + e
    "os01_weights": (0.45, 0.25, 0.20),
    "problem_penalty": 0.5,
    "quarter_effect": dict(zip(QUARTERS, (0.0, 0.03, 0.05, 0.09), strict=True)),
    "segment_effect": {
        "mass": 0.0,
        "affluent": 0.10,
        "private": 0.22,
        "business": -0.12,
        "youth": 0.06,
    },
    "channel_effect": {"branch": 0.05, "mobile": 0.03, "phone": -0.08, "online": -0.03},
    "branch_effect_sd": 0.18,
    "p_staff_contact": {"branch": 0.88, "mobile": 0.45, "phone": 0.72, "online": 0.38},
    "p_problem": {"mass": 0.15, "affluent": 0.13, "private": 0.10, "business": 0.21, "youth": 0.14},
    "pr01_shares": (0.65, 0.20, 0.15),  # fully, partly, not yet (exact: PR01* is N(0, 1))
    "ly01_os01_weight": 0.8,
    "ly02_os01_weight": 0.65,
    # cumulative category probabilities at latent mean 0 (last category implied)
    "cumulative": {
        "agree5": (0.03, 0.08, 0.22, 0.58),
        "OS01": (0.025, 0.07, 0.25, 0.62),
        "PR07": (0.07, 0.16, 0.36, 0.68),
        "LY02": (0.03, 0.08, 0.24, 0.60),
        "LY01": (0.015, 0.025, 0.04, 0.06, 0.085, 0.14, 0.21, 0.33, 0.55, 0.75),
    },
    # threshold shifts (positive = harder to agree), e.g. fees transparency is rated lower
    "difficulty": {
        "SQ02": -0.10,
        "SQ03": 0.25,
        "SQ04": 0.05,
        "SQ05": 0.35,
        "SQ06": -0.15,
        "SQ07": -0.05,
        "SQ09": 0.10,
        "SA02": -0.10,
        "SA04": 0.10,
        "SA05": 0.25,
        "PR02": 0.35,
        "PR03": 0.15,
        "PR05": 0.20,
        "PR06": 0.30,
    },
    # messiness
    "p_blank": 0.02,
    "p_not_applicable": {"agree5": 0.03, "sat5": 0.01},
    "p_label_text": 0.02,
    "p_english_label": 0.55,
    "n_out_of_range": 5,
}


def _seed_sequence(seed: Any, *, stream: int) -> np.random.SeedSequence:
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63 - 1))
    if seed is None:
        return np.random.SeedSequence().spawn(stream)[-1]
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.SeedSequence([int(seed), stream])
    check_rng(seed)  # raises the standard typed error
    raise SatscoreTypeError(f"unsupported seed {seed!r}")  # pragma: no cover


def _check_frame(frame: Any) -> None:
    need = ("customer_id", "branch", "segment", "channel", "active")
    if not isinstance(frame, pd.DataFrame):
        msg = f"frame must be a pandas DataFrame; found {type(frame).__name__}."
        raise SatscoreTypeError(msg)
    missing = [c for c in need if c not in frame.columns]
    if missing:
        msg = (
            f"frame lacks column(s) {missing}; a customer frame needs {list(need)}. "
            "Use make_customer_frame() or load_example('customer_frame')."
        )
        raise OptionError(msg)
    for col, allowed in (("segment", SEGMENTS), ("channel", CHANNELS)):
        bad = sorted({str(v) for v in frame[col].unique()} - set(allowed))
        if bad:
            msg = f"frame column {col!r} has unknown value(s) {bad[:3]}; allowed: {list(allowed)}."
            raise OptionError(msg)


def _branch_effects(frame: pd.DataFrame, rng: np.random.Generator) -> Mapping[str, float]:
    branches = sorted(frame["branch"].unique())
    eff = rng.normal(0.0, MODEL["branch_effect_sd"], size=len(branches))
    return dict(zip(branches, eff.tolist(), strict=True))


def _mean_shift(
    rows: pd.DataFrame, quarter_idx: np.ndarray, branch_eff: Mapping[str, float]
) -> np.ndarray:
    q_eff = np.array([MODEL["quarter_effect"][q] for q in QUARTERS])[quarter_idx]
    return (
        q_eff
        + rows["segment"].map(MODEL["segment_effect"]).to_numpy(dtype=float)
        + rows["channel"].map(MODEL["channel_effect"]).to_numpy(dtype=float)
        + rows["branch"].map(branch_eff).to_numpy(dtype=float)
    )


def _thresholds(scale_key: str, item: str | None = None) -> np.ndarray:
    tau = ndtri(np.asarray(MODEL["cumulative"][scale_key], dtype=float))
    return tau + MODEL["difficulty"].get(item or scale_key, 0.0)

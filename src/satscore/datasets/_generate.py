"""Seeded generators of the built-in synthetic example data.

Two generators live here:

* :func:`make_customer_frame` -- a synthetic bank's customer register (the
  sampling frame): regions, branches nested in regions with very unequal sizes,
  customer segments, main channel, tenure and an ``active`` flag.
* :func:`make_bank_survey` -- four quarters of responses to the built-in
  ``bank_service`` instrument from simple random samples of the frame's active
  customers, generated from a latent-variable model (see ``MODEL``), with
  routing and realistic messiness (N/A codes, blanks, label text in English or
  Chinese, a few out-of-range codes).

Everything is vectorised and driven by one integer seed through
:class:`numpy.random.SeedSequence` child streams, so the output is identical on
every platform and for every numpy version that keeps the PCG64 stream stable.

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

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from .._checks import check_rng
from ..errors import OptionError, SatscoreTypeError

__all__ = [
    "DEFAULT_SEED",
    "MODEL",
    "QUARTERS",
    "compute_true_values",
    "make_bank_survey",
    "make_customer_frame",
]

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


def make_customer_frame(n: int = 200_000, *, seed: Any = DEFAULT_SEED) -> pd.DataFrame:
    """Generate the synthetic customer frame (the bank's customer register).

    Parameters
    ----------
    n : int, default 200_000
        Number of customers.
    seed : int, numpy.random.Generator or None, default 20260101
        Seed of the generator; the default reproduces ``load_example("customer_frame")``.

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer_id`` (``"C0000001"``, ...), ``region``,
        ``branch`` (40 branches nested in 5 regions, very unequal sizes),
        ``segment``, ``channel`` (main channel), ``tenure_years`` (one decimal) and
        ``active`` (bool).

    Examples
    --------
    >>> from satscore.datasets import make_customer_frame
    >>> frame = make_customer_frame(1000, seed=1)
    >>> frame.shape
    (1000, 7)
    >>> list(frame.columns)
    ['customer_id', 'region', 'branch', 'segment', 'channel', 'tenure_years', 'active']
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        msg = f"n must be a positive integer; found {n!r}. Pass e.g. n=200_000."
        raise OptionError(msg)
    n = int(n)
    root = _seed_sequence(seed, stream=1)
    rng_branch, rng_cust = (np.random.default_rng(s) for s in root.spawn(2))

    # branches: fixed structure, random (seeded) skewed sizes
    codes, regions, weights = [], [], []
    for code, k in _BRANCHES_PER_REGION.items():
        raw = rng_branch.lognormal(mean=0.0, sigma=0.9, size=k)
        share = _REGION_SIZE[code] * raw / raw.sum()
        codes += [f"{code}{j + 1:02d}" for j in range(k)]
        regions += [REGIONS[code]] * k
        weights.append(share)
    w = np.concatenate(weights)
    w = np.maximum(w / w.sum(), 0.002)  # smallest branch ~0.2% (~400 customers)
    w /= w.sum()
    branch_idx = rng_cust.choice(len(codes), size=n, p=w)
    branch = np.asarray(codes, dtype=object)[branch_idx]
    region = np.asarray(regions, dtype=object)[branch_idx]

    central = region == "central"
    seg_idx = np.where(
        central,
        _categorical(rng_cust, np.broadcast_to(_SEGMENT_P["central"], (n, 5))),
        _categorical(rng_cust, np.broadcast_to(_SEGMENT_P["other"], (n, 5))),
    )
    chan_idx = _categorical(rng_cust, _CHANNEL_P[seg_idx])
    youth = seg_idx == SEGMENTS.index("youth")
    tenure = np.where(
        youth,
        rng_cust.gamma(2.0, 1.5, size=n).clip(0.1, 10.0),
        rng_cust.gamma(2.2, 4.5, size=n).clip(0.1, 45.0),
    )
    tenure = np.round(tenure, 1)
    active = rng_cust.random(n) < 0.97 - 0.15 * np.exp(-tenure / 2.0)

    return pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(1, n + 1)],
            "region": region,
            "branch": branch,
            "segment": np.asarray(SEGMENTS, dtype=object)[seg_idx],
            "channel": np.asarray(CHANNELS, dtype=object)[chan_idx],
            "tenure_years": tenure,
            "active": active,
        }
    )


def make_bank_survey(
    frame: pd.DataFrame | None = None,
    *,
    n_per_quarter: int | Sequence[int] = (4962, 5018, 4987, 5033),
    seed: Any = DEFAULT_SEED,
    instrument: Any = None,
    messy: bool = True,
) -> pd.DataFrame:
    """Generate four quarters of ``bank_service`` responses from the latent model.

    Each quarter is an independent simple random sample (without replacement)
    of the frame's active customers, so a customer answers at most once per
    quarter. Answers follow the model described in the module docstring.

    Parameters
    ----------
    frame : pandas.DataFrame, optional
        Customer frame with the columns of :func:`make_customer_frame`; by default
        ``make_customer_frame(seed=seed)``.
    n_per_quarter : int or sequence of 4 ints, default (4962, 5018, 4987, 5033)
        Respondents per quarter (2026Q1..2026Q4).
    seed : int, numpy.random.Generator or None, default 20260101
        Seed; the defaults reproduce ``load_example("bank_survey")``.
    instrument : Instrument, optional
        The ``bank_service`` instrument whose labels are used for label-text
        answers; by default ``load_instrument("bank_service")``.
    messy : bool, default True
        Add N/A codes, blanks, label-text answers and a few out-of-range codes.
        With ``messy=False`` every asked item holds an integer code.

    Returns
    -------
    pandas.DataFrame
        ``respondent_id``, ``customer_id``, ``quarter``, ``branch``, ``channel``,
        ``segment``, then one object-dtype column per ``bank_service`` item.

    Examples
    --------
    >>> from satscore.datasets import make_bank_survey, make_customer_frame
    >>> frame = make_customer_frame(5000, seed=3)
    >>> survey = make_bank_survey(frame, n_per_quarter=100, seed=3)
    >>> survey.shape
    (400, 32)
    >>> survey["quarter"].value_counts().sort_index().tolist()
    [100, 100, 100, 100]
    """
    if frame is None:
        frame = make_customer_frame(seed=seed)
    _check_frame(frame)
    sizes = _sizes(n_per_quarter)
    if instrument is None:
        from ..instruments import load_instrument

        instrument = load_instrument("bank_service")
    root = _seed_sequence(seed, stream=2)
    s_branch, s_sample, s_answers, s_mess = root.spawn(4)

    active = np.flatnonzero(frame["active"].to_numpy(dtype=bool))
    if max(sizes) > active.size:
        msg = (
            f"n_per_quarter asks for {max(sizes)} respondents in one quarter but the frame has "
            f"only {active.size} active customers; pass a smaller n_per_quarter or a larger frame."
        )
        raise OptionError(msg)
    rng_sample = np.random.default_rng(s_sample)
    rows = np.concatenate([rng_sample.choice(active, size=k, replace=False) for k in sizes])
    quarter_idx = np.repeat(np.arange(4), sizes)
    resp = frame.iloc[rows]

    branch_eff = _branch_effects(frame, np.random.default_rng(s_branch))
    mu = _mean_shift(resp, quarter_idx, branch_eff)
    codes = _answers(resp, mu, np.random.default_rng(s_answers))
    columns = _to_object_columns(codes, instrument, np.random.default_rng(s_mess), messy=messy)

    quarter = np.asarray(QUARTERS, dtype=object)[quarter_idx]
    within = np.concatenate([np.arange(1, k + 1) for k in sizes])
    out = pd.DataFrame(
        {
            "respondent_id": [f"R{q}-{i:05d}" for q, i in zip(quarter, within, strict=True)],
            "customer_id": resp["customer_id"].to_numpy(),
            "quarter": quarter,
            "branch": resp["branch"].to_numpy(),
            "channel": resp["channel"].to_numpy(),
            "segment": resp["segment"].to_numpy(),
        }
    )
    items = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    return pd.concat([out, items], axis=1)


def compute_true_values(frame: pd.DataFrame | None = None, *, seed: Any = DEFAULT_SEED) -> dict:
    """Return the exact population values of the generating model.

    "Population" means the active customers of *frame*; each value is the
    expected share under the model, i.e. what the average of infinitely many
    repetitions of :func:`make_bank_survey` would give. It is computed
    analytically: given a customer's covariates each latent response is normal
    with unit variance, so a category share is a frame average of normal CDFs
    (a two-component mixture over ``PR00`` for ``OS01``/``LY01``/``LY02``, and
    weighted by the routing probability for routed items).

    Parameters
    ----------
    frame : pandas.DataFrame, optional
        Default ``make_customer_frame(seed=seed)``.
    seed : int, default 20260101
        Seed used by :func:`make_bank_survey` (it fixes the branch effects).

    Returns
    -------
    dict
        Keys ``os01_top2box`` (quarter -> share), ``os01_top2box_by_segment``
        (quarter -> segment -> share), ``os01_top2box_by_branch`` (quarter ->
        branch -> share), ``ly01_net_score`` (quarter -> promoters minus
        detractors), ``ly02_top2box``, ``item_top2box`` (item -> quarter ->
        share among customers asked the item; SQ09 after reverse scoring),
        ``sc01_staff_contact``, ``pr00_problem`` and ``pr01_status``
        (``{"fully": .65, "partly": .20, "not_yet": .15}``).

    Examples
    --------
    >>> from satscore.datasets import compute_true_values
    >>> tv = compute_true_values()
    >>> print(f"{tv['os01_top2box']['2026Q1']:.4f}")
    0.7214
    """
    if frame is None:
        frame = make_customer_frame(seed=seed)
    _check_frame(frame)
    root = _seed_sequence(seed, stream=2)
    s_branch = root.spawn(4)[0]
    pop = frame.loc[frame["active"].to_numpy(dtype=bool)]
    branch_eff = _branch_effects(frame, np.random.default_rng(s_branch))
    p_staff = pop["channel"].map(MODEL["p_staff_contact"]).to_numpy(dtype=float)
    p_prob = pop["segment"].map(MODEL["p_problem"]).to_numpy(dtype=float)
    pen = MODEL["problem_penalty"]
    tau_os = _thresholds("OS01")
    tau_ly1 = _thresholds("LY01")
    tau_ly2 = _thresholds("LY02")
    w1, w2 = MODEL["ly01_os01_weight"], MODEL["ly02_os01_weight"]
    seg_codes, seg_names = pd.factorize(pop["segment"], sort=True)
    br_codes, br_names = pd.factorize(pop["branch"], sort=True)

    def group_mean(values: np.ndarray, codes: np.ndarray, names: Any) -> dict[str, float]:
        sums = np.bincount(codes, weights=values, minlength=len(names))
        counts = np.bincount(codes, minlength=len(names))
        return {str(k): float(v) for k, v in zip(names, sums / counts, strict=True)}

    def mixture(m: np.ndarray, f, weight: float = 1.0) -> np.ndarray:
        # OS01-driven latent weight * OS01*: mean weight * (mu - penalty * PR00)
        return (1.0 - p_prob) * f(weight * m) + p_prob * f(weight * (m - pen))

    out: dict[str, Any] = {
        "os01_top2box": {},
        "os01_top2box_by_segment": {},
        "os01_top2box_by_branch": {},
        "ly01_net_score": {},
        "ly02_top2box": {},
        "item_top2box": {k: {} for k in MODEL["loadings"]},
    }
    for q_idx, quarter in enumerate(QUARTERS):
        mu = _mean_shift(pop, np.full(len(pop), q_idx), branch_eff)
        t2b = mixture(mu, lambda m: 1.0 - ndtr(tau_os[2] - m))
        out["os01_top2box"][quarter] = float(t2b.mean())
        by_segment = group_mean(t2b, seg_codes, seg_names)
        out["os01_top2box_by_segment"][quarter] = {s: by_segment[s] for s in SEGMENTS}
        out["os01_top2box_by_branch"][quarter] = group_mean(t2b, br_codes, br_names)
        promoters = mixture(mu, lambda m: 1.0 - ndtr(tau_ly1[8] - m), w1)
        detractors = mixture(mu, lambda m: ndtr(tau_ly1[6] - m), w1)
        out["ly01_net_score"][quarter] = float(promoters.mean() - detractors.mean())
        ly2 = mixture(mu, lambda m: 1.0 - ndtr(tau_ly2[2] - m), w2)
        out["ly02_top2box"][quarter] = float(ly2.mean())
        for item, (f, lam) in MODEL["loadings"].items():
            tau = _thresholds("agree5", item)
            p = 1.0 - ndtr(tau[2] - lam * mu)  # top-2-box of the positively keyed response
            weight = (np.ones_like(mu), p_staff, p_prob)[f]
            out["item_top2box"][item][quarter] = float((weight * p).sum() / weight.sum())
    out["sc01_staff_contact"] = float(p_staff.mean())
    out["pr00_problem"] = float(p_prob.mean())
    fully, partly, not_yet = MODEL["pr01_shares"]
    out["pr01_status"] = {"fully": fully, "partly": partly, "not_yet": not_yet}
    return out


# --------------------------------------------------------------------------- helpers
def _seed_sequence(seed: Any, *, stream: int) -> np.random.SeedSequence:
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63 - 1))
    if seed is None:
        return np.random.SeedSequence().spawn(stream)[-1]
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.SeedSequence([int(seed), stream])
    check_rng(seed)  # raises the standard typed error
    raise SatscoreTypeError(f"unsupported seed {seed!r}")  # pragma: no cover


def _categorical(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One draw per row of the probability matrix *p* (rows sum to 1)."""
    u = rng.random(p.shape[0])
    cum = np.cumsum(p, axis=1)
    return np.minimum((u[:, None] > cum).sum(axis=1), p.shape[1] - 1)


def _sizes(n_per_quarter: int | Sequence[int]) -> list[int]:
    if isinstance(n_per_quarter, (int, np.integer)) and not isinstance(n_per_quarter, bool):
        sizes = [int(n_per_quarter)] * 4
    else:
        try:
            sizes = [int(k) for k in n_per_quarter]  # type: ignore[union-attr]
        except (TypeError, ValueError):
            sizes = []
    if len(sizes) != 4 or min(sizes) < 1:
        msg = (
            f"n_per_quarter must be a positive int or 4 positive ints (one per quarter "
            f"{', '.join(QUARTERS)}); found {n_per_quarter!r}."
        )
        raise OptionError(msg)
    return sizes


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
        bad = sorted(set(frame[col].unique()) - set(allowed))
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


def _cut(latent: np.ndarray, tau: np.ndarray, first: int = 1) -> np.ndarray:
    return np.searchsorted(tau, latent, side="left") + first


def _answers(resp: pd.DataFrame, mu: np.ndarray, rng: np.random.Generator) -> dict:
    """Integer codes (or -1 = not asked) for every item, no messiness."""
    n = len(resp)
    phi = np.asarray(MODEL["factor_correlation"])
    z = rng.standard_normal((n, 3)) @ np.linalg.cholesky(phi).T
    staff = rng.random(n) < resp["channel"].map(MODEL["p_staff_contact"]).to_numpy(dtype=float)
    problem = rng.random(n) < resp["segment"].map(MODEL["p_problem"]).to_numpy(dtype=float)
    out: dict[str, np.ndarray] = {}

    b = np.asarray(MODEL["os01_weights"])
    resid = np.sqrt(1.0 - b @ phi @ b)
    os_star = mu - MODEL["problem_penalty"] * problem + z @ b + resid * rng.standard_normal(n)
    out["OS01"] = _cut(os_star, _thresholds("OS01"))

    for item, (f, lam) in MODEL["loadings"].items():
        star = lam * (mu + z[:, f]) + np.sqrt(1.0 - lam**2) * rng.standard_normal(n)
        code = _cut(star, _thresholds("agree5", item))
        out[item] = 6 - code if item in MODEL["reverse"] else code

    out["SC01"] = staff.astype(np.int64)
    out["PR00"] = problem.astype(np.int64)
    res_star = 0.8 * z[:, 2] + 0.6 * rng.standard_normal(n)
    fully, partly, _ = MODEL["pr01_shares"]
    status = _cut(-res_star, ndtri(np.array([fully, fully + partly])))
    out["PR01"] = status
    pr7 = mu + 0.6 * z[:, 2] + 0.3 * res_star + np.sqrt(0.262) * rng.standard_normal(n)
    out["PR07"] = _cut(pr7, _thresholds("PR07"))
    w1, w2 = MODEL["ly01_os01_weight"], MODEL["ly02_os01_weight"]
    out["LY01"] = _cut(w1 * os_star + 0.6 * rng.standard_normal(n), _thresholds("LY01"), first=0)
    ly2 = w2 * os_star + np.sqrt(1.0 - w2**2) * rng.standard_normal(n)
    out["LY02"] = _cut(ly2, _thresholds("LY02"))

    for item in out:  # routing: -1 = not asked
        if item.startswith("SA"):
            out[item] = np.where(staff, out[item], -1)
        elif item.startswith("PR") and item != "PR00":
            out[item] = np.where(problem, out[item], -1)
    return {k: out[k] for k in ITEM_ORDER}


def _to_object_columns(
    codes: Mapping[str, np.ndarray], instrument: Any, rng: np.random.Generator, *, messy: bool
) -> dict[str, np.ndarray]:
    """Turn integer codes into object columns and add the messiness."""
    inst_items = [it.id for it in instrument.items]
    unknown = [k for k in ITEM_ORDER if k not in inst_items]
    if unknown:
        msg = (
            f"instrument {instrument.id!r} lacks item(s) {unknown}; the bank survey generator "
            "needs the built-in 'bank_service' item ids."
        )
        raise OptionError(msg)
    languages = tuple(instrument.languages)
    other_lang = [lang for lang in languages if lang != "en"]
    n = len(next(iter(codes.values())))
    columns: dict[str, np.ndarray] = {}
    numeric_cells: list[tuple[str, np.ndarray]] = []
    for item in ITEM_ORDER:
        code = codes[item]
        asked = code >= 0
        col = np.full(n, np.nan, dtype=object)
        col[asked] = code[asked].astype(object)
        scale = instrument.item_scale(item)
        if messy and item not in ("SC01", "PR00"):  # screeners stay clean: routing is unambiguous
            u = rng.random(n)
            blank = asked & (u < MODEL["p_blank"])
            col[blank] = np.nan
            missing_99 = [m for m in scale.missing if m.code == 99]
            p_na = MODEL["p_not_applicable"].get(scale.id, 0.0) if missing_99 else 0.0
            na = asked & ~blank & (u < MODEL["p_blank"] + p_na)
            col[na] = 99
            answered = asked & ~blank
            labelled = answered & (rng.random(n) < MODEL["p_label_text"])
            lang_en = rng.random(n) < MODEL["p_english_label"]
            col[labelled] = _labels(
                np.where(na, 99, code)[labelled],
                lang_en[labelled],
                scale,
                other_lang[0] if other_lang else "en",
                rng,
            )
            if scale.id == "agree5":
                numeric_cells.append((item, np.flatnonzero(answered & ~na & ~labelled)))
        columns[item] = col
    if messy and numeric_cells:
        # a handful of out-of-range codes in distinct cells
        item_of = np.concatenate([np.full(c.size, j) for j, (_, c) in enumerate(numeric_cells)])
        row_of = np.concatenate([c for _, c in numeric_cells])
        picks = rng.choice(row_of.size, size=MODEL["n_out_of_range"], replace=False)
        bad_values = rng.choice(np.array([0, 6, 7]), size=picks.size)
        for pick, value in zip(picks, bad_values, strict=True):
            columns[numeric_cells[item_of[pick]][0]][row_of[pick]] = int(value)
    return columns


def _labels(
    codes: np.ndarray, english: np.ndarray, scale: Any, other: str, rng: np.random.Generator
) -> np.ndarray:
    """Label text for *codes* (99 = N/A label) in English or the other language."""
    table: dict[tuple[int, str], str] = {}
    for lang in ("en", other):
        for c in scale.codes:
            table[(int(c), lang)] = scale.label(int(c), lang)
        for m in scale.missing:
            if lang in m.labels:
                table[(int(m.code), lang)] = m.labels[lang]
    out = np.array([str(c) for c in codes], dtype=object)
    lang = np.where(english, "en", other)
    for (code, language), text in table.items():  # a few dozen (code, language) pairs
        out[(codes == code) & (lang == language)] = text
    # some typed in lower case with stray spaces (validation is case/space-insensitive)
    shout = english & (rng.random(codes.size) < 0.15)
    out[shout] = [f" {t.lower()} " for t in out[shout]]
    return out

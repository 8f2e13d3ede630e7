"""Exact population values of the example-data model (see :mod:`satscore.datasets._model`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from satscore._core.errors import SatscoreTypeError
from satscore.datasets._generate import make_customer_frame
from satscore.datasets._model import (
    DEFAULT_SEED,
    MODEL,
    QUARTERS,
    SEGMENTS,
    _branch_effects,
    _check_frame,
    _mean_shift,
    _seed_sequence,
    _thresholds,
)

__all__ = ["compute_true_values"]


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
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        msg = (
            f"seed must be the int passed to make_bank_survey; found {type(seed).__name__}. "
            f"True values are defined for a fixed seed (the default is {DEFAULT_SEED})."
        )
        raise SatscoreTypeError(msg)
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

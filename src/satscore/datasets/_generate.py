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

The model and its parameters are described in :mod:`satscore.datasets._model`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from satscore._core.errors import OptionError
from satscore.datasets._model import (
    _BRANCHES_PER_REGION,
    _CHANNEL_P,
    _REGION_SIZE,
    _SEGMENT_P,
    CHANNELS,
    DEFAULT_SEED,
    ITEM_ORDER,
    MODEL,
    QUARTERS,
    REGIONS,
    SEGMENTS,
    _branch_effects,
    _check_frame,
    _mean_shift,
    _seed_sequence,
    _thresholds,
)
from satscore.instruments import load_instrument

__all__ = ["make_bank_survey", "make_customer_frame"]


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


# --------------------------------------------------------------------------- helpers
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

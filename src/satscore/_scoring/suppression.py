"""Presentation flags for small or imprecise estimates (rows are marked, never dropped).

``suppression="nchs"`` applies the NCHS Data Presentation Standards for
Proportions (Parker et al. 2017, *Vital Health Stat* 2(175)), in the order
used by CDC's ``surveytable`` package, to proportion metrics:

1. effective sample size < 30 → **suppress** (``n_eff`` = p(1-p)/SE², capped at
   ``n``; ``n_eff = n`` at 0% or 100%, where the CI width is taken as 0);
2. otherwise an absolute Korn–Graubard 95% CI width ≤ 0.05 → show (with a
   design: the degrees-of-freedom adjusted effective size ``p(1-p)/SE² ·
   (t_{rows-1}/t_df)²``, capped at the domain's rows after the adjustment, as
   ``surveytable``'s ``svyciprop_adjusted``);
3. otherwise an absolute width ≥ 0.30 → **suppress**;
4. otherwise a relative width (width / p) > 130% → **suppress**;
5. otherwise show, with the **complement** footnote when width / (1 - p) > 130%;
6. shown estimates are flagged for **review** when the design has < 8 degrees of
   freedom, or when p is 0% or 100%.

For means, indices and net scores (not covered by the proportion standard)
only the effective-sample-size and degrees-of-freedom rules apply.
``suppression=("min_n", k)`` flags rows with fewer than ``k`` valid answers;
``suppression=None`` flags nothing (``small_n`` is still reported).

Flag codes (several are joined with ``";"``): ``suppress_n_eff``,
``suppress_ci_width``, ``suppress_relative_ci_width``, ``footnote_complement``,
``review_df``, ``review_0_or_100``, ``suppress_min_n``, and ``no_answers``
(a segment in which nobody answered, e.g. a routed item, or only respondents
with weight 0; estimate NaN) under every rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from satscore._core.errors import OptionError
from satscore._stats.intervals import beta_interval, korn_graubard_n_eff

__all__ = ["check_suppression", "presentation_flags"]


def check_suppression(suppression: Any) -> tuple[str | None, int]:
    """Normalise the ``suppression`` option to ``(rule, min_n)``."""
    if suppression is None:
        return None, 0
    if suppression == "nchs":
        return "nchs", 30
    if (
        isinstance(suppression, (tuple, list))
        and len(suppression) == 2
        and suppression[0] == "min_n"
        and isinstance(suppression[1], (int, np.integer))
        and not isinstance(suppression[1], bool)
        and suppression[1] >= 1
    ):
        return "min_n", int(suppression[1])
    msg = (
        f"suppression={suppression!r} is not supported; use 'nchs' (NCHS proportion standard), "
        "('min_n', 30) (flag rows with fewer than 30 answers) or None (flag nothing)."
    )
    raise OptionError(msg)


def presentation_flags(
    *,
    rule: str | None,
    min_n: int,
    is_proportion: np.ndarray,
    estimate: np.ndarray,
    se: np.ndarray,
    n: np.ndarray,
    n_eff: np.ndarray,
    df: np.ndarray,
    design_rows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(flag, suppressed)``: flag strings (or None) and a boolean per row.

    Examples
    --------
    >>> flag, sup = presentation_flags(
    ...     rule="nchs",
    ...     min_n=30,
    ...     is_proportion=np.array([True, True, True]),
    ...     estimate=np.array([0.5, 0.97, 1.0]),
    ...     se=np.array([0.1, 0.0171, 0.0]),
    ...     n=np.array([25.0, 100.0, 60.0]),
    ...     n_eff=np.array([25.0, 100.0, 60.0]),
    ...     df=np.array([24.0, 99.0, 59.0]),
    ... )
    >>> flag.tolist(), sup.tolist()
    (['suppress_n_eff', 'footnote_complement', 'review_0_or_100'], [True, False, False])
    """
    m = len(estimate)
    # no answer with a positive weight: no answers, or only zero-weight ones (estimate NaN)
    empty = ~(np.asarray(n, float) > 0) | np.isnan(np.asarray(estimate, float))
    if rule is None:
        return _join([("no_answers", empty)], m), empty
    if rule == "min_n":
        hit = ~(np.asarray(n, float) >= min_n)
        return _join([("no_answers", empty), ("suppress_min_n", hit & ~empty)], m), hit
    p = np.asarray(estimate, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        boundary = is_proportion & ((p <= 0) | (p >= 1))
        raw = p * (1 - p) / se**2
        ne = np.where(is_proportion, np.where(boundary | ~(se > 0), n, np.minimum(raw, n)), n_eff)
        ne_w = ne
        if design_rows is not None:  # Korn-Graubard df adjustment of the raw n_eff, then the
            # cap at the domain's rows (surveytable svyciprop_adjusted: min(nrow, n_eff * r^2))
            ne_kg = korn_graubard_n_eff(raw, design_rows, df, 0.025)
            ne_w = np.where(boundary | ~(se > 0), n, np.minimum(ne_kg, design_rows))
        low, high = beta_interval(p * ne_w, ne_w, confidence_level=0.95)
        width = np.where(boundary, 0.0, np.asarray(high) - np.asarray(low))
        small = ~(ne >= 30) & ~empty
        narrow = ~small & (width <= 0.05)
        wide = is_proportion & ~small & ~narrow & (width >= 0.30)
        rel = is_proportion & ~small & ~narrow & ~wide & (width / p > 1.30)
        comp = is_proportion & ~small & ~narrow & ~wide & ~rel & (width / (1 - p) > 1.30)
    shown = ~(small | wide | rel | empty)
    low_df = shown & (np.asarray(df, float) < 8)
    edge = shown & boundary
    codes = [
        ("no_answers", empty),
        ("suppress_n_eff", small),
        ("suppress_ci_width", wide),
        ("suppress_relative_ci_width", rel),
        ("footnote_complement", comp),
        ("review_df", low_df),
        ("review_0_or_100", edge),
    ]
    return _join(codes, m), ~shown | empty


def _join(codes: list[tuple[str, np.ndarray]], m: int) -> np.ndarray:
    """Join the codes that hit each row with ';' (vectorised over rows)."""
    out = np.full(m, "", dtype=object)
    for code, hit in codes:
        out = np.where(hit, np.where(out == "", code, out + ";" + code), out)
    out[out == ""] = None
    return out

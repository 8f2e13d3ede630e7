"""The CFA and validity part of :func:`satscore.reliability_report`.

One confirmatory factor analysis of the instrument's dimensions (each dimension a factor of its
scored items, reverse-keyed items reversed with their scale as ``(min + max) - x``, lavaan's
defaults), then :func:`satscore.validity_report` on it: CR, AVE, Fornell-Larcker, HTMT. Anything
that stops the fit -- a dimension with too few items, too few complete respondents, a
non-positive-definite covariance matrix, an unidentified model, non-convergence -- is reported
by a warning naming the dimension or the reason and recorded in the result; it never leaves a
silent ``None``.
"""

from __future__ import annotations

import dataclasses
import html as html_lib
import types
import warnings
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.errors import ConvergenceWarning, SatscoreError, SatscoreWarning
from satscore._sem.cfa import cfa
from satscore._sem.keys import opposite_sign_items
from satscore._sem.validity import validity_report

__all__ = ["FIT_FLAGS", "InstrumentCFA", "instrument_cfa"]

#: Model-fit flags of the report: (flag, fit measure, comparison, threshold).
FIT_FLAGS = (
    ("low_cfi", "cfi", "<", 0.90),
    ("high_rmsea", "rmsea", ">", 0.08),
    ("high_srmr", "srmr", ">", 0.08),
)


@dataclasses.dataclass(frozen=True)
class InstrumentCFA:
    """What the report keeps from the CFA step (see :func:`instrument_cfa`)."""

    fit: Any
    validity: Any
    status: str
    notes: tuple[str, ...]
    flags: list
    dimensions: pd.DataFrame
    loadings: dict


@dataclasses.dataclass(frozen=True)
class _ModelledDimensions:
    """The instrument cut down to the dimensions and items the CFA models.

    Passed to :func:`~satscore._sem.cfa.cfa` as its model, so the factors are the dimensions'
    scored items present in the data, while the instrument's reverse-keyed items are reversed
    with their response scale and the sign warnings name the instrument fix, exactly as with the
    whole instrument as the model.
    """

    instrument: Any
    items: dict[str, list[str]]

    @property
    def id(self) -> str:
        return str(getattr(self.instrument, "id", "?"))

    @property
    def dimensions(self) -> tuple[types.SimpleNamespace, ...]:
        return tuple(types.SimpleNamespace(id=dim) for dim in self.items)

    def scored_items(self, dimension: str) -> tuple[str, ...]:
        return tuple(self.items[dimension])

    def item(self, item_id: str) -> Any:
        return self.instrument.item(item_id)

    def item_scale(self, item_id: str) -> Any:
        return self.instrument.item_scale(item_id)


def _warn(message: str, category: type[Warning], notes: list[str]) -> None:
    notes.append(message)
    warnings.warn(message, category, stacklevel=4)


def _empty(dims: list[str]) -> pd.DataFrame:
    nan = [np.nan] * len(dims)
    return pd.DataFrame({"dimension": dims, "cr": nan, "ave": nan, "max_htmt": nan})


def instrument_cfa(
    vr: Any,
    dims: list[str],
    *,
    missing: str,
    cr_min: float,
    ave_min: float,
    htmt_max: float,
) -> InstrumentCFA:
    """Fit the CFA of *dims* of ``vr.instrument`` on ``vr`` and derive validity and flags."""
    inst = vr.instrument
    notes: list[str] = []
    model: dict[str, list[str]] = {}
    for dim in dims:
        items = [i for i in inst.scored_items(dim) if i in vr.data.columns]
        if len(items) < 2:
            _warn(
                f"CFA: dimension {dim!r} has {len(items)} scored item(s) in the data; a factor "
                "needs at least 2 (3 if it is the only one), so it is left out of the CFA and "
                "has no CR, AVE or HTMT. Add items to the dimension or merge it with another.",
                SatscoreWarning,
                notes,
            )
            continue
        model[dim] = items
    table = _empty(dims)
    failed = InstrumentCFA(None, None, "failed", (), [], table, {})
    if not model:
        _warn("CFA not fitted: no dimension has 2 or more scored items.", SatscoreWarning, notes)
        return dataclasses.replace(failed, notes=tuple(notes))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = cfa(vr, _ModelledDimensions(inst, model), missing=missing)
    except SatscoreError as err:
        _warn(f"CFA not fitted: {err}", SatscoreWarning, notes)
        return dataclasses.replace(failed, notes=tuple(notes))
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            continue  # reported below, as the reason the CFA is not used
        if issubclass(w.category, SatscoreWarning):
            _warn(f"CFA: {w.message}", w.category, notes)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not fit.converged:
        _warn(
            f"CFA not used: it did not converge after {fit.iterations} iteration(s); CR, AVE and "
            "HTMT are not reported. Check for items that barely load or near-constant items, "
            "or fit satscore.cfa(...) yourself with a larger max_iter.",
            ConvergenceWarning,
            notes,
        )
        return dataclasses.replace(failed, notes=tuple(notes))
    total = int(
        vr.data.loc[:, [i for its in model.values() for i in its]].notna().any(axis=1).sum()
    )
    notes.append(
        f"CFA sample: {fit.n} of {total} respondents ({missing}: "
        + (
            "every item of the modelled dimensions answered; routed items shrink it)"
            if missing == "listwise"
            else "full-information ML over every respondent with an answer)"
        )
    )
    val = validity_report(fit, cr_min=cr_min, ave_min=ave_min, htmt_max=htmt_max)
    vt = val.factors.set_index("factor")
    table = table.set_index("dimension")
    for col in ("cr", "ave", "max_htmt"):
        table.loc[vt.index, col] = vt[col].to_numpy(dtype=float)
    table = table.reset_index()
    flags = _flags(fit, val, htmt_max)
    for item, dim, value in opposite_sign_items(fit.std_loadings):
        flags.append(
            (
                "item",
                dim,
                item,
                "opposite_loading",
                value,
                0.0,
                f"{item} loads {value:.3f} on {dim!r}, against the dimension's other items: "
                "reverse-worded but not marked reverse in the instrument, or miscoded?",
            )
        )
    loadings = {
        item: float(fit.std_loadings.loc[item, dim]) for dim, its in model.items() for item in its
    }
    status = "fitted" if len(model) == len(dims) else "fitted_partial"
    return InstrumentCFA(fit, val, status, tuple(notes), flags, table, loadings)


def _flags(fit: Any, val: Any, htmt_max: float) -> list[tuple]:
    flags: list[tuple] = []
    for code, measure, op, limit in FIT_FLAGS:
        value = float(getattr(fit, measure))
        if (value < limit) if op == "<" else (value > limit):
            flags.append(
                (
                    "model",
                    None,
                    None,
                    code,
                    value,
                    limit,
                    f"CFA {measure.upper()} {value:.3f} {op} {limit:.2f}",
                )
            )
    th = val.thresholds
    htmt = val.htmt
    for row in val.factors.itertuples():
        dim = row.factor
        if not row.cr_ok:
            msg = f"composite reliability {row.cr:.3f} of {dim!r} < {th['cr_min']:.2f}"
            flags.append(("dimension", dim, None, "low_cr", row.cr, th["cr_min"], msg))
        if not row.ave_ok:
            msg = f"AVE {row.ave:.3f} of {dim!r} < {th['ave_min']:.2f}"
            flags.append(("dimension", dim, None, "low_ave", row.ave, th["ave_min"], msg))
        if not row.fornell_larcker_ok:
            msg = (
                f"sqrt(AVE) {row.sqrt_ave:.3f} of {dim!r} <= its largest factor correlation "
                f"{row.max_abs_corr:.3f} (Fornell-Larcker)"
            )
            flags.append(
                ("dimension", dim, None, "fornell_larcker", row.sqrt_ave, row.max_abs_corr, msg)
            )
        if not row.htmt_ok:
            others = htmt.loc[dim].drop(dim)
            other = str(others.idxmax())
            msg = (
                f"HTMT {row.max_htmt:.3f} of {dim!r} with {other!r} >= {htmt_max:.2f} (the two "
                "dimensions may not be distinct)"
            )
            flags.append(("dimension", dim, None, "high_htmt", row.max_htmt, htmt_max, msg))
    return flags


_FIT_COLUMNS = ("chi2", "df", "cfi", "tli", "rmsea", "srmr")


def _codes(fl: pd.DataFrame, level: str, key: str, value: Any) -> str:
    sel = fl["level"] == level
    if key:
        sel &= fl[key] == value
    return ",".join(fl.loc[sel, "flag"])


def summary_rows(rep: Any) -> pd.DataFrame:
    """:meth:`ReliabilityReport.summary` (see there)."""
    rows: list[dict] = []
    fl = rep.flags
    blank = dict.fromkeys(
        (
            "alpha",
            "ci_low",
            "ci_high",
            "omega_total",
            "cr",
            "ave",
            "max_htmt",
            "r_drop",
            "alpha_if_dropped",
            "loading_own",
            "loading_other",
            "std_loading",
            *_FIT_COLUMNS,
        ),
        np.nan,
    )
    if rep.cfa_status != "off":
        row = {"level": "cfa", "dimension": None, "item": None, "n": np.nan, **blank}
        if rep.cfa is not None:
            row["n"] = rep.cfa.n
            row.update({k: float(getattr(rep.cfa, k)) for k in _FIT_COLUMNS})
            row["flags"] = _codes(fl, "model", "", None)
        else:
            row["flags"] = "cfa_failed"
        rows.append(row)
    for _, d in rep.dimensions.iterrows():
        dim = d["dimension"]
        row = {"level": "dimension", "dimension": dim, "item": None, "n": d["n"], **blank}
        row.update(alpha=d["alpha"], ci_low=d["alpha_ci_low"], ci_high=d["alpha_ci_high"])
        row.update({k: d[k] for k in ("omega_total", "cr", "ave", "max_htmt")})
        row["flags"] = _codes(fl, "dimension", "dimension", dim)
        rows.append(row)
        for _, it in rep.items[rep.items["dimension"] == dim].iterrows():
            row = {"level": "item", "dimension": dim, "item": it["item"], "n": it["n"], **blank}
            keep = ("r_drop", "alpha_if_dropped", "loading_own", "loading_other", "std_loading")
            row.update({k: it[k] for k in keep})
            row["flags"] = _codes(fl, "item", "item", it["item"])
            rows.append(row)
    return pd.DataFrame(rows)


def cfa_sentence(rep: Any, *, html: bool = False) -> str:
    """One sentence on the report's CFA: fit and reversed items, or why it is missing."""
    if rep.cfa_status == "off":
        text = "CFA: switched off (cfa=False)."
    elif rep.cfa is None:
        text = "CFA not fitted: " + "; ".join(rep.cfa_notes)
    else:
        f = rep.cfa
        rev = ", ".join(f.reversed_items) or "none"
        text = (
            f"CFA (ML, n = {f.n}): chi2({f.df}) = {f.chi2:.2f}, CFI = {f.cfi:.3f}, "
            f"TLI = {f.tli:.3f}, RMSEA = {f.rmsea:.3f} [{f.rmsea_ci.low:.3f}, "
            f"{f.rmsea_ci.high:.3f}], SRMR = {f.srmr:.3f}; reverse-keyed items reversed: {rev}."
        )
        if rep.cfa_status == "fitted_partial":
            text += " Left out: " + "; ".join(n for n in rep.cfa_notes if "left out" in n)
    return html_lib.escape(text) if html else text

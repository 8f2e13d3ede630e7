"""Per-dimension reliability report for an instrument: alpha, omega, item analysis, flags."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from satscore._core.checks import check_confidence_level, check_option, check_probability, check_rng
from satscore._core.errors import (
    DataError,
    InstrumentError,
    ModelSpecificationError,
    SatscoreError,
    SatscoreTypeError,
    SatscoreWarning,
)
from satscore._core.results import ResultMixin
from satscore._psychometrics.alpha import cronbach_alpha
from satscore._psychometrics.efa import efa
from satscore._psychometrics.omega import omega
from satscore._questionnaire.cfa_section import cfa_sentence, instrument_cfa, summary_rows
from satscore.instruments import Instrument, ValidatedResponses, load_instrument

__all__ = ["ReliabilityReport", "reliability_report"]


@dataclasses.dataclass(frozen=True)
class ReliabilityReport(ResultMixin):
    """Result of :func:`reliability_report`.

    Attributes
    ----------
    dimensions : pandas.DataFrame
        One row per dimension: ``dimension``, ``n_items``, ``n`` (respondents with at least
        one answer), ``alpha``, ``alpha_ci_low``, ``alpha_ci_high``, ``std_alpha``,
        ``omega_total`` (one-factor omega, NaN below 3 items), ``cr`` (composite reliability),
        ``ave`` (average variance extracted), ``max_htmt`` (largest HTMT with another
        dimension) from the CFA (NaN without it), ``n_flags``.
    items : pandas.DataFrame
        One row per scored item: ``dimension``, ``item``, ``reverse``, ``n``, ``mean``, ``sd``
        (after reverse keying), ``r_drop``, ``alpha_if_dropped``, ``loading_own``,
        ``loading_other``, ``other_dimension`` (from the EFA), ``std_loading`` (CFA
        standardized loading on its dimension, NaN without the CFA), and the boolean flags
        ``low_r_drop``, ``raises_alpha``, ``cross_loading``.
    flags : pandas.DataFrame
        One row per flag: ``level`` ("model", "dimension" or "item"), ``dimension``,
        ``item``, ``flag``, ``value``, ``threshold``, ``message``. Flags: "low_alpha",
        "low_r_drop", "raises_alpha", "cross_loading"; from the CFA "low_cfi" (CFI < .90),
        "high_rmsea" (RMSEA > .08), "high_srmr" (SRMR > .08), "low_cr", "low_ave",
        "fornell_larcker", "high_htmt" and "opposite_loading" (an item loading against its
        dimension: reverse-worded but not marked reverse?).
    alpha : dict
        Dimension id -> :class:`~satscore.AlphaResult`.
    omega : dict
        Dimension id -> :class:`~satscore.OmegaResult` (``None`` below 3 items or if the
        fit failed).
    efa : EFAResult or None
        The EFA with as many factors as dimensions (``None`` if it could not be fitted).
    cfa : CFAResult or None
        The ML CFA of the dimensions (each a factor of its scored items; reverse-keyed items
        reversed, listed in ``cfa.reversed_items``). ``None`` when switched off or not
        fitted -- ``cfa_status`` and ``cfa_notes`` then say why.
    validity : ValidityReport or None
        CR, AVE, Fornell-Larcker and HTMT from ``cfa`` (see :func:`satscore.validity_report`).
    cfa_status : str
        "fitted" (every dimension), "fitted_partial" (some dimensions left out, named in
        ``cfa_notes``), "failed" (the reason is in ``cfa_notes``) or "off" (``cfa=False``).
    cfa_notes : tuple of str
        Why the CFA was not fitted or left a dimension out, its sample size, and its
        warnings (Heywood cases, reverse keying); also in ``notes``.
    factor_dimension : dict
        Factor name -> dimension id it was matched to (maximum total absolute loading).
    notes : tuple of str
        Things the reader should know: satscore warnings raised by the analyses (an item
        correlating negatively with its scale, Heywood cases, smoothing), skipped analyses.
    instrument_id : str
        The instrument's id.
    confidence_level : float
        Level of the alpha intervals.

    Examples
    --------
    >>> import satscore
    >>> inst = satscore.load_instrument("bank_service")
    >>> raw = satscore.load_example("bank_survey")
    >>> vr = inst.validate(raw, id_column="respondent_id", on_invalid="coerce")
    >>> rep = satscore.reliability_report(vr)
    >>> # R: psych::alpha(items, keys = "SQ09"); lavaan::cfa(model, bank); semTools::AVE(fit)
    >>> top = rep.summary().iloc[0]
    >>> print(top["level"], int(top["n"]), f"CFI {top['cfi']:.3f}", rep.cfa_status)
    cfa 671 CFI 0.997 fitted
    """

    dimensions: pd.DataFrame
    items: pd.DataFrame
    flags: pd.DataFrame
    alpha: dict
    omega: dict
    efa: Any
    factor_dimension: dict
    notes: tuple[str, ...]
    instrument_id: str
    confidence_level: float
    cfa: Any = None
    validity: Any = None
    cfa_status: str = "off"
    cfa_notes: tuple[str, ...] = ()

    _title = "Reliability report"

    def summary(self) -> pd.DataFrame:
        """One tidy table: a CFA row, then a row per dimension followed by its items.

        Columns: ``level`` ("cfa", "dimension" or "item"), ``dimension``, ``item``, ``n``,
        ``alpha``, ``ci_low``, ``ci_high``, ``omega_total``, ``cr``, ``ave``, ``max_htmt``,
        ``r_drop``, ``alpha_if_dropped``, ``loading_own``, ``loading_other``,
        ``std_loading``, the CFA fit ``chi2``, ``df``, ``cfi``, ``tli``, ``rmsea``, ``srmr``
        (on the "cfa" row), and ``flags`` (comma-separated flag codes, "" if none; the "cfa"
        row carries the model-fit flags, or ``cfa_failed``). Without ``cfa=False`` there is
        always a "cfa" row, NaN when the CFA failed.
        """
        return summary_rows(self)

    def __repr__(self) -> str:
        return (
            f"ReliabilityReport(instrument={self.instrument_id!r}, "
            f"dimensions={len(self.dimensions)}, items={len(self.items)}, "
            f"flags={len(self.flags)}, cfa={self.cfa_status!r})"
        )

    def _repr_html_(self) -> str:
        html = super()._repr_html_()
        return html.replace("</strong>", f"</strong><p>{cfa_sentence(self, html=True)}</p>", 1)


# ------------------------------------------------------------------------------------------
def _validated(responses: Any, instrument: Any, id_column: str | None) -> Any:
    if isinstance(responses, ValidatedResponses):
        if instrument is not None and instrument != responses.instrument:
            msg = (
                f"the responses were validated with instrument {responses.instrument.id!r} but "
                f"instrument {getattr(instrument, 'id', instrument)!r} was given; pass the same "
                "instrument or omit it."
            )
            raise InstrumentError(msg)
        return responses
    if not isinstance(responses, pd.DataFrame):
        msg = (
            "responses must be ValidatedResponses (from instrument.validate) or a DataFrame; "
            f"found {type(responses).__name__}."
        )
        raise SatscoreTypeError(msg)
    if instrument is None:
        msg = (
            "a raw DataFrame needs its instrument to be validated; pass instrument=... (e.g. "
            'satscore.load_instrument("bank_service")) or validated responses.'
        )
        raise InstrumentError(msg)
    if isinstance(instrument, str):
        instrument = load_instrument(instrument)
    if not isinstance(instrument, Instrument):
        msg = f"instrument must be an Instrument or an instrument id; found {instrument!r}."
        raise SatscoreTypeError(msg)
    return instrument.validate(responses, id_column=id_column)


def _reverse_keyed(vr: Any, items: tuple[str, ...]) -> tuple[pd.DataFrame, list[bool]]:
    inst = vr.instrument
    data = vr.data.loc[:, list(items)].astype(float)
    rev = []
    for item in items:
        meta = inst.item(item)
        rev.append(bool(meta.reverse))
        if meta.reverse:
            scale = inst.item_scale(item)
            data[item] = (scale.min + scale.max) - data[item]
    return data, rev


def _keep_notes(caught: list, where: str, notes: list[str]) -> None:
    """Record satscore's warnings (Heywood, keys, smoothing) as notes; re-emit the others."""
    for w in caught:
        if issubclass(w.category, SatscoreWarning):
            notes.append(f"{where}: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _match_factors(L: pd.DataFrame, item_dim: dict[str, str], dims: list[str]) -> dict[str, str]:
    """Assign each factor to one dimension maximising the summed mean |loading|."""
    score = np.zeros((len(dims), L.shape[1]))
    for i, d in enumerate(dims):
        rows = [it for it, dd in item_dim.items() if dd == d]
        score[i] = np.abs(L.loc[rows].to_numpy()).mean(axis=0)
    r, c = linear_sum_assignment(-score)
    return {str(L.columns[cj]): dims[ri] for ri, cj in zip(r, c, strict=True)}


def reliability_report(
    responses: Any,
    instrument: Any = None,
    *,
    confidence_level: float = 0.95,
    ci_method: str = "feldt",
    missing: str = "pairwise",
    alpha_threshold: float = 0.70,
    r_drop_threshold: float = 0.30,
    efa_method: str = "minres",
    efa_rotation: str = "oblimin",
    id_column: str | None = None,
    seed: Any = None,
    cfa: bool = True,
    cfa_missing: str = "listwise",
    cr_threshold: float = 0.70,
    ave_threshold: float = 0.50,
    htmt_threshold: float = 0.85,
) -> ReliabilityReport:
    """Reliability of every dimension of an instrument, with item analysis and flags.

    For each dimension: Cronbach's alpha with its confidence interval (reverse-keyed items
    reversed as ``(min + max) - x`` using the instrument's scale), one-factor omega total
    (3 or more items), the item table (``r_drop``, alpha if dropped), and flags:

    * ``low_alpha``: alpha below ``alpha_threshold`` (0.70);
    * ``low_r_drop``: corrected item-total correlation below ``r_drop_threshold`` (0.30);
    * ``raises_alpha``: dropping the item would raise alpha;
    * ``cross_loading``: in an EFA of all scored items with as many factors as dimensions
      (factors matched to dimensions by their loadings), the item loads more on another
      dimension's factor than on its own.

    Then (unless ``cfa=False``) one confirmatory factor analysis of the instrument -- each
    dimension a factor of its scored items, reverse-keyed items reversed as above, ML with
    lavaan's defaults (:func:`satscore.cfa`) -- and its validity
    (:func:`satscore.validity_report`), with flags ``low_cfi`` (CFI < .90), ``high_rmsea``
    (RMSEA > .08), ``high_srmr`` (SRMR > .08), ``low_cr`` (composite reliability below
    ``cr_threshold``), ``low_ave`` (AVE below ``ave_threshold``), ``fornell_larcker``
    (sqrt(AVE) not above the dimension's largest factor correlation), ``high_htmt`` (HTMT
    with another dimension at or above ``htmt_threshold``) and ``opposite_loading`` (an item
    loading against its dimension). With ``cfa_missing="listwise"`` (lavaan's default) the CFA
    uses the respondents who answered every modelled item, which routing (staff and problem
    items) can make a small share; the report notes the number. When the CFA cannot be
    fitted (a dimension with fewer than 2 items is left out; too few complete respondents, a
    non-positive-definite covariance matrix, an unidentified model, non-convergence) a
    warning names the dimension or reason, ``cfa_status`` is "fitted_partial" or "failed"
    and ``cfa_notes`` records why.

    Parameters
    ----------
    responses : ValidatedResponses or DataFrame
        Validated responses, or a raw frame (then validated with ``instrument``).
    instrument : Instrument or str, optional
        Needed for a raw frame; defaults to the instrument of validated responses.
    confidence_level : float, default 0.95
        Level of the alpha intervals.
    ci_method : {"feldt", "duhachek", "bootstrap"}
        Alpha interval (see :func:`satscore.cronbach_alpha`).
    missing : {"pairwise", "listwise"}
        Missing-data handling for alpha, omega and the EFA.
    alpha_threshold, r_drop_threshold : float
        Flag thresholds.
    efa_method, efa_rotation : str
        Extraction and rotation of the cross-loading EFA (see :func:`satscore.efa`).
    id_column : str, optional
        Respondent id column when validating a raw frame.
    seed : None, int or numpy.random.Generator
        Randomness of the bootstrap interval (``ci_method="bootstrap"``).
    cfa : bool, default True
        Fit the CFA and compute CR, AVE, Fornell-Larcker and HTMT; False switches it off.
    cfa_missing : {"listwise", "ml"}
        Missing data in the CFA: complete cases (lavaan's default) or full-information ML
        (assumes missing at random; not meant for items skipped by routing).
    cr_threshold, ave_threshold, htmt_threshold : float
        Validity flag thresholds (.70, .50, .85).

    Returns
    -------
    ReliabilityReport

    Warns
    -----
    SatscoreWarning
        A dimension left out of the CFA, or the CFA not fitted (the reason is named).
    ConvergenceWarning
        The CFA did not converge (its results are then not used).
    HeywoodWarning, ReverseKeyWarning
        An improper CFA solution, or an item loading against its dimension.

    Examples
    --------
    >>> import satscore
    >>> inst = satscore.load_instrument("bank_service")
    >>> raw = satscore.load_example("bank_survey")
    >>> vr = inst.validate(raw, id_column="respondent_id", on_invalid="coerce")
    >>> rep = satscore.reliability_report(vr)
    >>> # R: psych::alpha(items, keys = "SQ09"); psych::omega(items, nfactors = 1)
    >>> for d in rep.dimensions.itertuples():
    ...     print(d.dimension, d.n_items, f"{d.alpha:.3f} {d.omega_total:.3f}")
    service_quality 9 0.860 0.861
    staff_attitude 5 0.848 0.851
    problem_resolution 5 0.844 0.846
    >>> len(rep.flags[rep.flags["level"] != "dimension"])
    0

    The CFA part: fit, reverse keying and validity per dimension.

    >>> # R: bank$SQ09 <- 6 - bank$SQ09; fit <- lavaan::cfa(model, bank)
    >>> # R: semTools::AVE(fit); semTools::htmt(model, bank, htmt2 = FALSE)
    >>> fit = rep.cfa
    >>> print(f"n={fit.n} CFI={fit.cfi:.3f} RMSEA={fit.rmsea:.3f} SRMR={fit.srmr:.3f}")
    n=671 CFI=0.997 RMSEA=0.011 SRMR=0.023
    >>> fit.reversed_items
    {'SQ09': 6.0}
    >>> for d in rep.dimensions.itertuples():
    ...     print(d.dimension, f"CR {d.cr:.3f} AVE {d.ave:.3f} HTMT {d.max_htmt:.3f}")
    service_quality CR 0.863 AVE 0.413 HTMT 0.678
    staff_attitude CR 0.854 AVE 0.541 HTMT 0.678
    problem_resolution CR 0.836 AVE 0.505 HTMT 0.591
    >>> print(rep.flags.loc[rep.flags["flag"] == "low_ave", "message"].item())
    AVE 0.413 of 'service_quality' < 0.50
    """
    confidence_level = check_confidence_level(confidence_level)
    alpha_threshold = check_probability("alpha_threshold", alpha_threshold)
    r_drop_threshold = check_probability("r_drop_threshold", r_drop_threshold)
    rng = check_rng(seed)
    cr_threshold = check_probability("cr_threshold", cr_threshold)
    ave_threshold = check_probability("ave_threshold", ave_threshold)
    htmt_threshold = check_probability("htmt_threshold", htmt_threshold)
    check_option("cfa_missing", cfa_missing, ("listwise", "ml", "fiml"))
    vr = _validated(responses, instrument, id_column)
    inst = vr.instrument
    notes: list[str] = []
    dims = [d.id for d in inst.dimensions]
    if not dims:
        msg = f"instrument {inst.id!r} defines no dimensions; there is no scale to assess."
        raise InstrumentError(msg)

    dim_rows, item_frames, flags = [], [], []
    alphas: dict[str, Any] = {}
    omegas: dict[str, Any] = {}
    item_dim: dict[str, str] = {}
    keyed_all: list[pd.DataFrame] = []
    for dim in dims:
        items = tuple(i for i in inst.scored_items(dim) if i in vr.data.columns)
        if len(items) < 2:
            notes.append(f"dimension {dim!r} has {len(items)} scored item(s); skipped.")
            continue
        data, rev = _reverse_keyed(vr, items)
        keyed_all.append(data)
        item_dim.update(dict.fromkeys(items, dim))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            a = cronbach_alpha(
                data,
                missing=missing,
                ci_method=ci_method,
                confidence_level=confidence_level,
                seed=rng,
            )
        _keep_notes(caught, f"alpha of {dim!r}", notes)
        alphas[dim] = a
        om = None
        if len(items) >= 3:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", SatscoreWarning)
                    om = omega(data, n_factors=1, missing=missing)
            except SatscoreError as err:
                notes.append(f"omega for {dim!r} failed: {err}")
        omegas[dim] = om
        table = a.items
        n_answered = int(data.notna().any(axis=1).sum())
        it = pd.DataFrame(
            {
                "dimension": dim,
                "item": list(items),
                "reverse": rev,
                "n": data.notna().sum().to_numpy(),
                "mean": data.mean().to_numpy(),
                "sd": data.std().to_numpy(),
                "r_drop": table.loc[list(items), "r_drop"].to_numpy(dtype=float),
                "alpha_if_dropped": table.loc[list(items), "alpha_if_dropped"].to_numpy(
                    dtype=float
                ),
            }
        )
        item_frames.append(it)
        ci = a.ci
        dim_rows.append(
            {
                "dimension": dim,
                "n_items": len(items),
                "n": n_answered,
                "alpha": float(a.alpha),
                "alpha_ci_low": float(ci.low),
                "alpha_ci_high": float(ci.high),
                "std_alpha": float(a.std_alpha),
                "omega_total": np.nan if om is None else float(om.omega_total),
            }
        )
        if a.alpha < alpha_threshold:
            msg = f"alpha {a.alpha:.3f} of {dim!r} is below {alpha_threshold:.2f}"
            flags.append(("dimension", dim, None, "low_alpha", a.alpha, alpha_threshold, msg))
        for _, row in it.iterrows():
            item, r_drop, a_drop = row["item"], row["r_drop"], row["alpha_if_dropped"]
            if r_drop < r_drop_threshold:
                msg = f"{item}: corrected item-total r {r_drop:.3f} < {r_drop_threshold:.2f}"
                flags.append(("item", dim, item, "low_r_drop", r_drop, r_drop_threshold, msg))
            if a_drop > a.alpha:
                msg = (
                    f"{item}: alpha of {dim!r} rises from {a.alpha:.3f} to {a_drop:.3f} without it"
                )
                flags.append(("item", dim, item, "raises_alpha", a_drop, a.alpha, msg + " it"))
    items_df = pd.concat(item_frames, ignore_index=True)
    items_df["loading_own"] = np.nan
    items_df["loading_other"] = np.nan
    items_df["other_dimension"] = None

    fit = None
    matched: dict[str, str] = {}
    used = [d for d in dims if d in alphas]
    if len(used) >= 2:
        pooled = pd.concat(keyed_all, axis=1)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fit = efa(
                    pooled, len(used), method=efa_method, rotation=efa_rotation, missing=missing
                )
            _keep_notes(caught, "cross-loading EFA", notes)
        except (DataError, ModelSpecificationError) as err:
            notes.append(f"cross-loading EFA skipped: {err}")
    else:
        notes.append("cross-loading check needs 2 or more dimensions; skipped.")
    if fit is not None:
        L = fit.loadings
        matched = _match_factors(L, item_dim, used)
        dim_factor = {d: f for f, d in matched.items()}
        for i, row in items_df.iterrows():
            own = abs(float(L.loc[row["item"], dim_factor[row["dimension"]]]))
            others = {
                d: abs(float(L.loc[row["item"], f]))
                for d, f in dim_factor.items()
                if d != row["dimension"]
            }
            other_dim = max(others, key=others.get)
            items_df.loc[i, ["loading_own", "loading_other"]] = [own, others[other_dim]]
            items_df.loc[i, "other_dimension"] = other_dim
            if others[other_dim] > own:
                item, dim, other = row["item"], row["dimension"], others[other_dim]
                msg = (
                    f"{item} loads {other:.2f} on the factor of {other_dim!r} but {own:.2f} on "
                    f"its own ({dim!r})"
                )
                flags.append(("item", dim, item, "cross_loading", other, own, msg))
    part = None
    if cfa:
        part = instrument_cfa(
            vr,
            dims,
            missing="ml" if cfa_missing == "fiml" else cfa_missing,
            cr_min=cr_threshold,
            ave_min=ave_threshold,
            htmt_max=htmt_threshold,
        )
        flags.extend(part.flags)
        notes.extend(part.notes)
    flags_df = pd.DataFrame(
        flags, columns=["level", "dimension", "item", "flag", "value", "threshold", "message"]
    )
    for code in ("low_r_drop", "raises_alpha", "cross_loading"):
        hit = set(flags_df.loc[flags_df["flag"] == code, "item"])
        items_df[code] = items_df["item"].isin(hit)
    items_df["std_loading"] = items_df["item"].map(part.loadings if part else {}).astype(float)
    dims_df = pd.DataFrame(dim_rows)
    if part is not None:
        dims_df = dims_df.merge(part.dimensions, on="dimension", how="left")
    else:
        dims_df[["cr", "ave", "max_htmt"]] = np.nan
    dims_df["n_flags"] = [int((flags_df["dimension"] == d).sum()) for d in dims_df["dimension"]]
    return ReliabilityReport(
        dimensions=dims_df,
        items=items_df,
        flags=flags_df,
        alpha=alphas,
        omega=omegas,
        efa=fit,
        factor_dimension=matched,
        notes=tuple(notes),
        instrument_id=inst.id,
        confidence_level=confidence_level,
        cfa=part.fit if part else None,
        validity=part.validity if part else None,
        cfa_status=part.status if part else "off",
        cfa_notes=part.notes if part else (),
    )

"""Coverage reports: what a quarter's plan achieved, and the respondents' weights.

Coverage is a count over the whole frame (invited / active customers), so it
has no sampling error: its one-sided bounds coincide with the value, and the
verdict against the target (:func:`satscore._stats.verdict.verdict`, the scoring
rule) is ``"met"`` or ``"not_met"``. Response coverage (respondents / active
customers) is reported beside it, with the response rate.

Nonresponse-adjusted weights are the weighting-class adjustment within
sampling strata: ``w = N_h / responded_h``, i.e. design weight ``N_h/invited_h``
times ``invited_h/responded_h``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import append_total, check_columns, check_probability
from satscore._core.errors import DesignError
from satscore._core.results import ResultMixin
from satscore._sampling.result import SamplePlan
from satscore._stats.verdict import verdict
from satscore._survey.design import SurveyDesign
from satscore._survey.weighting import nonresponse_adjust

__all__ = ["CoverageReport", "coverage_report", "respondent_design"]


@dataclasses.dataclass(frozen=True, repr=False)
class CoverageReport(ResultMixin):
    """Achieved coverage and response per stratum for one quarter.

    Attributes
    ----------
    quarter : str
        Quarter label of the plan.
    target : float
        Coverage target (share of active customers invited).
    table : pandas.DataFrame
        One row per stratum and a ``total`` row: stratum columns, ``N``,
        ``invited``, ``responded``, ``response_rate``, ``coverage``
        (invited/N), ``response_coverage`` (responded/N), ``verdict``
        (coverage against ``target``), ``nr_weight`` (N/responded).
    weights : pandas.DataFrame
        One row per respondent: id, stratum columns, ``design_weight``,
        ``nr_factor`` and ``weight`` (nonresponse-adjusted).
    caveats : tuple of str
        The plan's caveats plus responses from customers who were not invited.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import coverage_report, plan_quarterly_sample
    >>> frame = pd.DataFrame({"customer_id": [f"K{i:05d}" for i in range(1000)]})
    >>> plan = plan_quarterly_sample(frame, quarter=0)
    >>> rep = coverage_report(plan, plan.sample["customer_id"].iloc[::2])
    >>> print(rep.table[["invited", "responded", "verdict"]].iloc[-1].to_dict())
    {'invited': 300, 'responded': 150, 'verdict': 'met'}
    """

    quarter: str
    target: float
    table: pd.DataFrame
    weights: pd.DataFrame
    caveats: tuple[str, ...]
    _title = "Coverage report"

    def summary(self) -> pd.DataFrame:
        """The per-stratum table."""
        return self.table.copy()

    def __repr__(self) -> str:
        tot = self.table.iloc[-1]
        return (
            f"CoverageReport({self.quarter}: invited {tot['coverage']:.1%} of active customers "
            f"(target {self.target:.0%}, {tot['verdict']}), response rate "
            f"{tot['response_rate']:.1%})"
        )


def _respondent_ids(plan: SamplePlan, responses: Any, id_column: str | None) -> pd.Index:
    col = id_column or plan.id_column
    if isinstance(responses, pd.DataFrame):
        check_columns(
            responses.columns, [col], what="id column", where="in the responses",
            fix="pass id_column=<the customer-id column of the responses>", error=DesignError,
        )  # fmt: skip
        ids = responses[col]
    else:
        ids = pd.Series(np.asarray(responses, dtype=object))
    return pd.Index(ids.dropna().unique())


def coverage_report(
    plan: SamplePlan,
    responses: Any,
    *,
    id_column: str | None = None,
    target: float | None = None,
) -> CoverageReport:
    """Invited, responded, response rate and coverage verdict per stratum.

    Parameters
    ----------
    plan : SamplePlan
        The quarter's plan.
    responses : DataFrame or array_like
        Completed responses with the customer id column (or the ids).
    id_column : str, optional
        Id column of ``responses`` (default: the plan's id column).
    target : float, optional
        Coverage target (default: the plan's coverage).

    Returns
    -------
    CoverageReport

    Examples
    --------
    >>> import satscore
    >>> frame = satscore.load_example("customer_frame")
    >>> plan = satscore.plan_quarterly_sample(frame, quarter="2026Q3", strata="segment")
    >>> answered = plan.sample.customer_id.iloc[::4]  # every 4th invitee responds
    >>> rep = satscore.coverage_report(plan, answered)
    >>> print(rep.table[["segment", "verdict"]].iloc[-1].tolist())
    ['total', 'met']
    """
    goal = (
        plan.coverage if target is None else check_probability("target", target, closed_high=True)
    )
    resp_ids = _respondent_ids(plan, responses, id_column)
    sample = plan.sample
    responded = sample[plan.id_column].isin(resp_ids).to_numpy()
    strata = [c for c in plan.strata if c in sample.columns]
    alloc = plan.allocation
    key_cols = [c for c in alloc.columns if c in strata]
    codes = sample.merge(alloc[key_cols].reset_index(), on=key_cols, how="left")["index"].to_numpy()
    k = alloc.shape[0]
    n_resp = np.bincount(codes[responded], minlength=k)
    invited = alloc["invite"].to_numpy()
    pop = alloc["N"].to_numpy()
    tab = alloc[key_cols].copy()
    tab["N"] = pop
    tab["invited"] = invited
    tab["responded"] = n_resp
    with np.errstate(divide="ignore", invalid="ignore"):
        tab["response_rate"] = np.where(invited > 0, n_resp / invited, np.nan)
        tab["coverage"] = invited / pop
        tab["response_coverage"] = n_resp / pop
        tab["nr_weight"] = np.where(n_resp > 0, pop / n_resp, np.nan)
    total = dict.fromkeys(tab.columns)
    total[key_cols[0]] = "total"
    total["N"], total["invited"], total["responded"] = pop.sum(), invited.sum(), n_resp.sum()
    total["response_rate"] = n_resp.sum() / max(invited.sum(), 1)
    total["coverage"] = invited.sum() / pop.sum()
    total["response_coverage"] = n_resp.sum() / pop.sum()
    tab = append_total(tab, total)
    cov = tab["coverage"].to_numpy(dtype=float)
    tab["verdict"] = verdict(cov, cov, goal)
    caveats = list(plan.caveats)
    outside = int((~resp_ids.isin(sample[plan.id_column])).sum())
    if outside:
        caveats.append(f"{outside} responding ids were not invited in {plan.quarter}; ignored")
    no_resp = [str(v) for v in tab.loc[: k - 1].loc[n_resp == 0, key_cols[0]]]
    if no_resp:
        caveats.append(f"no respondents in stratum/strata {no_resp}: no weights there")
    weights = _weights(sample, responded, key_cols, plan, codes, n_resp)
    return CoverageReport(
        quarter=plan.quarter,
        target=goal,
        table=tab,
        weights=weights,
        caveats=tuple(caveats),
    )


def _weights(
    sample: pd.DataFrame,
    responded: np.ndarray,
    key_cols: list[str],
    plan: SamplePlan,
    codes: np.ndarray,
    n_resp: np.ndarray,
) -> pd.DataFrame:
    keep = responded & (n_resp[codes] > 0)
    base = sample.assign(_responded=responded).loc[n_resp[codes] > 0]
    if not keep.any():
        return sample.iloc[:0].assign(nr_factor=[], weight=[])
    out = nonresponse_adjust(
        base, responded="_responded", weights="design_weight", classes=key_cols, name="weight"
    )
    return out.drop(columns="_responded").reset_index(drop=True)


def respondent_design(
    plan: SamplePlan,
    responses: pd.DataFrame,
    *,
    id_column: str | None = None,
    lonely_psu: str = "fail",
) -> SurveyDesign:
    """A stratified design for the respondents of a plan (weights N_h/responded_h, FPC N_h).

    Rows of ``responses`` whose id was not invited are dropped (a copy is
    made); the design's :attr:`~SurveyDesign.data` is the aligned copy with
    the stratum, weight and fpc columns added.

    Examples
    --------
    >>> import satscore
    >>> frame = satscore.load_example("customer_frame")
    >>> plan = satscore.plan_quarterly_sample(frame, quarter=0, strata="segment")
    >>> resp = plan.sample[["customer_id"]].iloc[::5].assign(sat=1.0)
    >>> d = satscore.sampling.respondent_design(plan, resp)
    >>> d.n_strata, d.df == len(resp) - 5
    (5, True)
    """
    col = id_column or plan.id_column
    rep = coverage_report(plan, responses, id_column=col)
    w = rep.weights
    keep = responses[col].isin(w[plan.id_column]).to_numpy()
    data = responses.loc[keep].copy()
    extra = w.set_index(plan.id_column)
    cols = [c for c in (*plan.strata, "weight", "fpc") if c in extra.columns]
    clash = [c for c in cols if c in data.columns and c != col]
    data = data.drop(columns=clash).join(extra[cols], on=col)
    strata = [c for c in plan.strata if c in data.columns]
    return SurveyDesign(
        data, weights="weight", strata=strata or None, fpc="fpc", lonely_psu=lonely_psu
    )
